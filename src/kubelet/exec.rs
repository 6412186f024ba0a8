//! `kubectl exec` over the WebSocket remote-command protocol (`v5.channel.k8s.io`, and
//! `v4.channel.k8s.io` without its close frames): every binary message starts with its
//! channel (0 stdin, 1 stdout, 2 stderr, 3 the final Status, 4 terminal resizes), and in
//! v5 `[255, ch]` closes channel `ch` (the client's stdin at EOF). The command runs as an
//! engine exec in the container; its exit code ends the session as a Status on channel 3,
//! which kubectl turns into its own exit code.

use axum::body::Bytes;
use axum::extract::ws::{close_code, CloseFrame, Message, WebSocket};
use bollard::container::LogOutput;
use bollard::exec::{CreateExecOptions, ResizeExecOptions, StartExecOptions, StartExecResults};
use futures_util::{SinkExt, StreamExt};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::io::AsyncWriteExt;

use super::Engine;

/// The protocols served, preferred first.
pub const PROTOCOLS: [&str; 2] = ["v5.channel.k8s.io", "v4.channel.k8s.io"];

const STDIN: u8 = 0;
const STDOUT: u8 = 1;
const STDERR: u8 = 2;
const ERROR: u8 = 3;
const RESIZE: u8 = 4;
const CLOSE: u8 = 255;

/// What kubectl asked to run.
#[derive(Debug, Clone)]
pub struct Command {
    pub argv: Vec<String>,
    pub stdin: bool,
    pub stdout: bool,
    pub stderr: bool,
    pub tty: bool,
}

/// A resize message: `{"Width":80,"Height":24}`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct Size {
    width: u16,
    height: u16,
}

/// The Status that ends a session: success, or the exit code kubectl exits with.
pub fn final_status(argv: &[String], exit_code: Option<i64>) -> Value {
    match exit_code {
        Some(0) => json!({"metadata": {}, "status": "Success"}),
        Some(code) => json!({
            "metadata": {},
            "status": "Failure",
            "message": format!(
                "command terminated with non-zero exit code: error executing command [{}], exit code {code}",
                argv.join(" ")
            ),
            "reason": "NonZeroExitCode",
            "details": {"causes": [{"reason": "ExitCode", "message": code.to_string()}]},
        }),
        None => failure("the command's exit code is unknown"),
    }
}

fn failure(message: &str) -> Value {
    json!({
        "metadata": {},
        "status": "Failure",
        "message": message,
        "reason": "InternalError",
        "code": 500,
    })
}

/// Runs `command` in `container` and relays it over `socket` until it ends.
pub async fn session(
    socket: WebSocket,
    engine: Engine,
    container: String,
    command: Command,
    v5: bool,
) {
    let (mut sink, mut incoming) = socket.split();
    let send = |channel: u8, bytes: &[u8]| {
        let mut frame = Vec::with_capacity(bytes.len() + 1);
        frame.push(channel);
        frame.extend_from_slice(bytes);
        Message::Binary(Bytes::from(frame))
    };
    let docker = engine.docker().clone();
    let options = CreateExecOptions {
        cmd: Some(command.argv.clone()),
        attach_stdin: Some(command.stdin),
        attach_stdout: Some(command.stdout),
        attach_stderr: Some(command.stderr && !command.tty),
        tty: Some(command.tty),
        ..CreateExecOptions::default()
    };
    let started = async {
        let created = docker.create_exec(&container, options).await?;
        let start = StartExecOptions {
            detach: false,
            tty: command.tty,
            output_capacity: None,
        };
        let results = docker.start_exec(&created.id, Some(start)).await?;
        Ok::<_, bollard::errors::Error>((created.id, results))
    };
    let (exec_id, (mut output, mut input)) = match started.await {
        Ok((id, StartExecResults::Attached { output, input })) => (id, (output, input)),
        Ok((_, StartExecResults::Detached)) => return,
        Err(err) => {
            let status = failure(&format!("cannot exec in the container: {err}"));
            let _ = sink.send(send(ERROR, status.to_string().as_bytes())).await;
            let _ = sink.send(normal_close()).await;
            return;
        }
    };
    // As kube-apiserver does: an empty frame on the first writable channel says the
    // streams are ready.
    let first = if command.stdout {
        STDOUT
    } else if command.stderr {
        STDERR
    } else {
        ERROR
    };
    let _ = sink.send(send(first, &[])).await;
    let mut stdin_open = command.stdin;
    loop {
        tokio::select! {
            item = output.next() => match item {
                Some(Ok(LogOutput::StdErr { message })) => {
                    if sink.send(send(STDERR, &message)).await.is_err() { break; }
                }
                Some(Ok(LogOutput::StdOut { message } | LogOutput::Console { message })) => {
                    if sink.send(send(STDOUT, &message)).await.is_err() { break; }
                }
                Some(Ok(LogOutput::StdIn { .. })) => {}
                Some(Err(_)) | None => break,
            },
            message = incoming.next() => match message {
                Some(Ok(Message::Binary(data))) if !data.is_empty() => match data[0] {
                    STDIN if stdin_open => {
                        stdin_open = input.write_all(&data[1..]).await.is_ok();
                    }
                    RESIZE => {
                        if let Ok(size) = serde_json::from_slice::<Size>(&data[1..]) {
                            let resize = ResizeExecOptions { height: size.height, width: size.width };
                            let _ = docker.resize_exec(&exec_id, resize).await;
                        }
                    }
                    CLOSE if v5 && data.get(1) == Some(&STDIN) && stdin_open => {
                        stdin_open = false;
                        let _ = input.shutdown().await;
                    }
                    _ => {}
                },
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => {
                    // The client went away: the command is left to finish on its own.
                    return;
                }
                Some(Ok(_)) => {}
            },
        }
    }
    let exit_code = docker
        .inspect_exec(&exec_id)
        .await
        .ok()
        .and_then(|i| i.exit_code);
    let status = final_status(&command.argv, exit_code);
    let _ = sink.send(send(ERROR, status.to_string().as_bytes())).await;
    let _ = sink.send(normal_close()).await;
}

/// A close frame with status 1000: client-go reads one without a status as an error.
fn normal_close() -> Message {
    Message::Close(Some(CloseFrame {
        code: close_code::NORMAL,
        reason: "".into(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn final_status_carries_the_exit_code_as_kubectl_reads_it() {
        let argv = vec!["sh".to_owned(), "-c".to_owned(), "exit 3".to_owned()];
        let cases = [
            ("success", Some(0), "Success", None),
            ("exit_3", Some(3), "Failure", Some("3")),
            ("exit_255", Some(255), "Failure", Some("255")),
        ];
        for (name, code, want, cause) in cases {
            let status = final_status(&argv, code);
            assert_eq!(status["status"], want, "case {name}");
            assert_eq!(
                status
                    .pointer("/details/causes/0/message")
                    .and_then(Value::as_str),
                cause,
                "case {name}"
            );
            if cause.is_some() {
                assert_eq!(status["reason"], "NonZeroExitCode", "case {name}");
                assert_eq!(
                    status.pointer("/details/causes/0/reason").unwrap(),
                    "ExitCode",
                    "case {name}"
                );
            }
        }
        assert_eq!(
            final_status(&argv, None)["status"],
            "Failure",
            "unknown exit code"
        );
    }
}
