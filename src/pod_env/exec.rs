//! `irsa-local exec`: runs a command with a [`PodEnv`]'s variables, without the ones
//! that would shadow them ([`PodEnv::unset`]), keeps its token file fresh by the kubelet's rule while the
//! command runs, passes SIGINT and SIGTERM on to it, and reports its exit code (128 + the
//! signal when a signal killed it, as shells do).
//!
//! A Ctrl-C at a terminal reaches the command twice, once from the terminal and once passed
//! on (as with `aws-vault exec`); keeping the command in the terminal's process group is
//! what lets an interactive command read the terminal.

use std::ffi::OsString;
use std::os::unix::process::ExitStatusExt;
use std::process::ExitStatus;

use rustix::process::{kill_process, Pid, Signal};
use tokio::signal::unix::{signal, SignalKind};
use tokio::sync::watch;

use super::PodEnv;
use crate::projection;

/// Why the command could not be run.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    #[error("no command to run")]
    NoCommand,
    #[error("cannot run {program}: {source}")]
    Spawn {
        program: String,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot wait for the command: {0}")]
    Wait(#[source] std::io::Error),
    #[error("cannot set up the runtime or the signal handlers: {0}")]
    Setup(#[source] std::io::Error),
}

impl ExecError {
    /// As a shell reports it: 127 for a command not found, 126 for one that cannot run.
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Spawn { source, .. } if source.kind() == std::io::ErrorKind::NotFound => 127,
            Self::Spawn { .. } => 126,
            Self::NoCommand => 2,
            Self::Wait(_) | Self::Setup(_) => 1,
        }
    }
}

/// Runs `command` (program, then arguments) as described in the module doc and returns
/// the exit code to exit with.
pub fn run(env: PodEnv, command: &[OsString]) -> Result<i32, ExecError> {
    let (program, arguments) = command.split_first().ok_or(ExecError::NoCommand)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(ExecError::Setup)?;
    runtime.block_on(async {
        // Catch the signals before the child exists: until then their default action would
        // end this process and leave the child running alone.
        let mut interrupts = signal(SignalKind::interrupt()).map_err(ExecError::Setup)?;
        let mut terminations = signal(SignalKind::terminate()).map_err(ExecError::Setup)?;
        let mut child = tokio::process::Command::new(program);
        child.args(arguments);
        for name in env.unset() {
            child.env_remove(name);
        }
        child.envs(env.variables().iter().map(|(name, value)| (name, value)));
        let mut child = child.spawn().map_err(|source| ExecError::Spawn {
            program: program.to_string_lossy().into_owned(),
            source,
        })?;
        let pid = child
            .id()
            .and_then(|id| i32::try_from(id).ok())
            .and_then(Pid::from_raw);
        let (token_file, written) = env.into_token();
        let (_refresh_now, receiver) = watch::channel(());
        let refresher = tokio::spawn(projection::keep_fresh(token_file, written, receiver));
        let status = loop {
            tokio::select! {
                status = child.wait() => break status,
                Some(()) = interrupts.recv() => forward(pid, Signal::INT),
                Some(()) = terminations.recv() => forward(pid, Signal::TERM),
            }
        };
        refresher.abort();
        status.map(exit_code).map_err(ExecError::Wait)
    })
}

/// Passes `signal` on; the child is not reaped before `wait` returns, so `pid` is still it.
fn forward(pid: Option<Pid>, signal: Signal) {
    if let Some(pid) = pid {
        if let Err(err) = kill_process(pid, signal) {
            tracing::warn!(error = %err, "cannot pass the signal on to the command");
        }
    }
}

/// The command's exit code, or 128 + the number of the signal that ended it.
fn exit_code(status: ExitStatus) -> i32 {
    status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0))
}
