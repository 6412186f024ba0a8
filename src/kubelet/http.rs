//! The node's HTTP edge, under the Kubernetes API's paths: `GET …/pods/<p>/log` (kubectl
//! logs: `container`, `follow`, `previous`, `tailLines`, `timestamps`, `sinceSeconds`,
//! `sinceTime`, `limitBytes`) and `…/pods/<p>/exec` (kubectl exec, over WebSocket; see
//! [`super::exec`]). Failures are Kubernetes Status objects with kube-apiserver's and the
//! kubelet's words.

use axum::body::Body;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Extension, Router};
use bollard::query_parameters::LogsOptions;
use futures_util::StreamExt;
use serde::Deserialize;
use serde_json::Value;

use super::exec::{self, Command};
use super::Node;
use crate::k8s::status::Status;
use crate::state::AppState;

/// The routes, with the node when one runs pods.
pub fn routes(node: Option<Node>) -> Router<AppState> {
    Router::new()
        .route("/api/v1/namespaces/{namespace}/pods/{name}/log", get(logs))
        .route(
            "/api/v1/namespaces/{namespace}/pods/{name}/exec",
            get(exec).post(exec),
        )
        .layer(Extension(node))
}

#[derive(Debug, Deserialize)]
struct PodPath {
    cluster: Option<String>,
    namespace: String,
    name: String,
}

/// The parameters of a log request.
#[derive(Debug, Default)]
struct LogQuery {
    container: Option<String>,
    follow: bool,
    previous: bool,
    timestamps: bool,
    tail_lines: Option<i64>,
    since_seconds: Option<i64>,
    since_time: Option<String>,
    limit_bytes: Option<usize>,
}

impl LogQuery {
    fn parse(query: Option<&str>) -> Result<Self, Status> {
        let mut parsed = Self::default();
        let number = |key: &str, value: &str| {
            value
                .parse::<i64>()
                .map_err(|_| Status::bad_request(format!("invalid value {value:?} for {key}")))
        };
        let flag = |value: &str| value == "true" || value == "1";
        for (key, value) in form_urlencoded::parse(query.unwrap_or("").as_bytes()) {
            match key.as_ref() {
                "container" => parsed.container = Some(value.into_owned()),
                "follow" => parsed.follow = flag(&value),
                "previous" => parsed.previous = flag(&value),
                "timestamps" => parsed.timestamps = flag(&value),
                "tailLines" => parsed.tail_lines = Some(number(&key, &value)?),
                "sinceSeconds" => parsed.since_seconds = Some(number(&key, &value)?),
                "sinceTime" => parsed.since_time = Some(value.into_owned()),
                "limitBytes" => {
                    let limit = number(&key, &value)?;
                    parsed.limit_bytes = Some(usize::try_from(limit).map_err(|_| {
                        Status::bad_request("limitBytes must be greater than zero")
                    })?);
                }
                _ => {}
            }
        }
        Ok(parsed)
    }
}

async fn logs(
    State(state): State<AppState>,
    Extension(node): Extension<Option<Node>>,
    Path(path): Path<PodPath>,
    RawQuery(query): RawQuery,
) -> Response {
    match log_stream(&state, node.as_ref(), &path, query.as_deref()).await {
        Ok(body) => ([(header::CONTENT_TYPE, "text/plain")], body).into_response(),
        Err(status) => status.into_response(),
    }
}

async fn log_stream(
    state: &AppState,
    node: Option<&Node>,
    path: &PodPath,
    query: Option<&str>,
) -> Result<Body, Status> {
    let query = LogQuery::parse(query)?;
    let pod = read_pod(state, path)?;
    let container = pick_container(&pod, &path.name, query.container.as_deref())?;
    let waiting = || waiting_to_start(&pod, &path.name, &container);
    let node = node.ok_or_else(waiting)?;
    let uid = pod
        .pointer("/metadata/uid")
        .and_then(Value::as_str)
        .unwrap_or("");
    let runs: Vec<_> = node
        .engine()
        .find(node.id(), Some(uid))
        .await
        .map_err(|err| Status::internal(&err.to_string()))?
        .into_iter()
        .filter(|found| found.container == container)
        .collect();
    let run = if query.previous {
        runs.get(1).ok_or_else(|| {
            Status::bad_request(format!(
                "previous terminated container {container:?} in pod {:?} not found",
                path.name
            ))
        })?
    } else {
        runs.first().ok_or_else(waiting)?
    };
    let now = i64::try_from(state.now()).unwrap_or(i64::MAX);
    let since = match (&query.since_time, query.since_seconds) {
        (Some(time), _) => crate::clock::parse_rfc3339(time)
            .and_then(|t| i64::try_from(t).ok())
            .ok_or_else(|| Status::bad_request(format!("invalid sinceTime {time:?}")))?,
        (None, Some(seconds)) => now.saturating_sub(seconds),
        (None, None) => 0,
    };
    let options = LogsOptions {
        follow: query.follow,
        stdout: true,
        stderr: true,
        since: i32::try_from(since).unwrap_or(0),
        until: 0,
        timestamps: query.timestamps,
        tail: query
            .tail_lines
            .map_or_else(|| "all".to_owned(), |n| n.max(0).to_string()),
    };
    let stream = node.engine().logs(&run.id, options);
    let body = match query.limit_bytes {
        None => Body::from_stream(stream),
        Some(limit) => {
            let mut left = limit;
            Body::from_stream(
                stream
                    .take_while(move |_| {
                        let more = left > 0;
                        std::future::ready(more)
                    })
                    .map(move |chunk| {
                        chunk.map(|bytes| {
                            let keep = bytes.len().min(left);
                            left -= keep;
                            bytes.slice(..keep)
                        })
                    }),
            )
        }
    };
    Ok(body)
}

async fn exec(
    State(state): State<AppState>,
    Extension(node): Extension<Option<Node>>,
    Path(path): Path<PodPath>,
    RawQuery(query): RawQuery,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> Response {
    let prepared = async {
        let pod = read_pod(&state, &path)?;
        let mut command = Command {
            argv: Vec::new(),
            stdin: false,
            stdout: false,
            stderr: false,
            tty: false,
        };
        let mut wanted = None;
        let flag = |value: &str| value == "true" || value == "1";
        for (key, value) in form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes()) {
            match key.as_ref() {
                "command" => command.argv.push(value.into_owned()),
                "container" => wanted = Some(value.into_owned()),
                "stdin" => command.stdin = flag(&value),
                "stdout" => command.stdout = flag(&value),
                "stderr" => command.stderr = flag(&value),
                "tty" => command.tty = flag(&value),
                _ => {}
            }
        }
        let container = pick_container(&pod, &path.name, wanted.as_deref())?;
        if command.argv.is_empty() {
            return Err(Status::bad_request("you must specify at least 1 command"));
        }
        if !(command.stdin || command.stdout || command.stderr) {
            return Err(Status::bad_request(
                "you must specify at least 1 of stdin, stdout, stderr",
            ));
        }
        let not_running = || {
            Status::bad_request(format!(
                "unable to upgrade connection: container not found ({container:?})"
            ))
        };
        let node = node.ok_or_else(not_running)?;
        let uid = pod
            .pointer("/metadata/uid")
            .and_then(Value::as_str)
            .unwrap_or("");
        let found = node
            .engine()
            .find(node.id(), Some(uid))
            .await
            .map_err(|err| Status::internal(&err.to_string()))?;
        let running = found
            .into_iter()
            .find(|f| f.container == container && f.running)
            .ok_or_else(not_running)?;
        Ok((node, running.id, command))
    };
    let (node, id, command) = match prepared.await {
        Ok(prepared) => prepared,
        Err(status) => return status.into_response(),
    };
    let Ok(upgrade) = upgrade else {
        return Status::bad_request(
            "irsa-local serves exec over WebSocket (v5.channel.k8s.io: kubectl 1.30 or later, or 1.29 with KUBECTL_REMOTE_COMMAND_WEBSOCKETS=true); SPDY is not supported",
        )
        .into_response();
    };
    let upgrade = upgrade.protocols(exec::PROTOCOLS);
    let v5 = upgrade
        .selected_protocol()
        .is_some_and(|p| p.as_bytes() == exec::PROTOCOLS[0].as_bytes());
    if upgrade.selected_protocol().is_none() {
        return Status::bad_request(format!(
            "unable to upgrade connection: none of the offered subprotocols is served (served: {})",
            exec::PROTOCOLS.join(", ")
        ))
        .into_response();
    }
    let engine = node.engine().clone();
    upgrade.on_upgrade(move |socket| exec::session(socket, engine, id, command, v5))
}

/// The stored pod the path names, or 404.
fn read_pod(state: &AppState, path: &PodPath) -> Result<Value, Status> {
    let snapshot = state.current();
    let cluster = snapshot
        .world()
        .cluster_or_default(path.cluster.as_deref())
        .map_err(|_| Status::no_route())?;
    crate::k8s::pod::read(cluster, &path.namespace, &path.name)
}

/// The container a request means: the named one, or the pod's only container.
fn pick_container(pod: &Value, pod_name: &str, wanted: Option<&str>) -> Result<String, Status> {
    let names = |pointer: &str| -> Vec<String> {
        pod.pointer(pointer)
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|c| c.get("name").and_then(Value::as_str).map(str::to_owned))
            .collect()
    };
    let (main, init) = (names("/spec/containers"), names("/spec/initContainers"));
    match wanted {
        Some(name) if main.iter().chain(&init).any(|c| c == name) => Ok(name.to_owned()),
        Some(name) => Err(Status::bad_request(format!(
            "container {name} is not valid for pod {pod_name}"
        ))),
        None if main.len() == 1 => Ok(main[0].clone()),
        None => {
            let mut message = format!(
                "a container name must be specified for pod {pod_name}, choose one of: [{}]",
                main.join(" ")
            );
            if !init.is_empty() {
                message.push_str(&format!(
                    " or one of the init containers: [{}]",
                    init.join(" ")
                ));
            }
            Err(Status::bad_request(message))
        }
    }
}

/// The kubelet's answer for a container with no run yet.
fn waiting_to_start(pod: &Value, pod_name: &str, container: &str) -> Status {
    let reason = ["/status/containerStatuses", "/status/initContainerStatuses"]
        .iter()
        .filter_map(|pointer| pod.pointer(pointer).and_then(Value::as_array))
        .flatten()
        .find(|status| status.get("name").and_then(Value::as_str) == Some(container))
        .and_then(|status| {
            status
                .pointer("/state/waiting/reason")
                .and_then(Value::as_str)
        })
        .unwrap_or("ContainerCreating");
    Status::bad_request(format!(
        "container {container:?} in pod {pod_name:?} is waiting to start: {reason}"
    ))
}
