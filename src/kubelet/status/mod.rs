//! A pod's `status` as the kubelet writes it, from what its containers are doing: a pure
//! function over [`Run`], so that phases, conditions and container statuses are tested by
//! tables (REFERENCE-2.md 2.4).

use serde_json::{json, Value};

use crate::clock::rfc3339;

/// What one container is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum State {
    Waiting {
        reason: String,
        message: Option<String>,
    },
    Running {
        started_at: u64,
    },
    Terminated(Ended),
}

/// A container run that has ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ended {
    pub exit_code: i64,
    /// `Completed`, `Error`, `OOMKilled`, …
    pub reason: String,
    pub started_at: u64,
    pub finished_at: u64,
    pub container_id: String,
}

impl Ended {
    /// The reason the kubelet gives an exit: `Completed` for 0, `OOMKilled` when the
    /// engine says so, `Error` otherwise.
    pub fn reason_for(exit_code: i64, oom_killed: bool) -> &'static str {
        match (exit_code, oom_killed) {
            (_, true) => "OOMKilled",
            (0, false) => "Completed",
            _ => "Error",
        }
    }
}

/// One container's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Container {
    pub name: String,
    pub image: String,
    pub image_id: String,
    /// `docker://<id>` of the current run, if there is one.
    pub container_id: Option<String>,
    pub state: State,
    pub last_state: Option<Ended>,
    pub restart_count: u32,
}

impl Container {
    /// A container not yet created.
    pub fn waiting(name: &str, image: &str, reason: &str) -> Self {
        Self {
            name: name.to_owned(),
            image: image.to_owned(),
            image_id: String::new(),
            container_id: None,
            state: State::Waiting {
                reason: reason.to_owned(),
                message: None,
            },
            last_state: None,
            restart_count: 0,
        }
    }

    fn is_running(&self) -> bool {
        matches!(self.state, State::Running { .. })
    }
}

/// Everything the node knows about a pod's run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    pub init: Vec<Container>,
    pub main: Vec<Container>,
    /// `Always`, `OnFailure` or `Never`.
    pub restart_policy: String,
    /// Whether the node will run its containers no more (a terminal pod).
    pub done: bool,
    pub scheduled_at: u64,
    pub started_at: u64,
    pub pod_ip: String,
    pub host_ip: String,
    pub qos_class: String,
}

/// `Pending`, `Running`, `Succeeded` or `Failed`.
pub fn phase(run: &Run) -> &'static str {
    let init_failed = run
        .init
        .iter()
        .any(|c| matches!(&c.state, State::Terminated(e) if e.exit_code != 0));
    let initialized = run
        .init
        .iter()
        .all(|c| matches!(&c.state, State::Terminated(e) if e.exit_code == 0));
    if init_failed && run.done {
        return "Failed";
    }
    if !initialized {
        return "Pending";
    }
    let ended: Vec<&Ended> = run
        .main
        .iter()
        .filter_map(|c| match &c.state {
            State::Terminated(ended) => Some(ended),
            _ => None,
        })
        .collect();
    if run.main.iter().any(Container::is_running) {
        return "Running";
    }
    if run.done && ended.len() == run.main.len() {
        return if ended.iter().any(|e| e.exit_code != 0) {
            "Failed"
        } else {
            "Succeeded"
        };
    }
    // Waiting to restart after a run: the pod is still running.
    if run
        .main
        .iter()
        .any(|c| c.last_state.is_some() || c.restart_count > 0)
        || !ended.is_empty()
    {
        return "Running";
    }
    "Pending"
}

/// The pod's `status` object.
pub fn status(run: &Run) -> Value {
    let phase = phase(run);
    let at = rfc3339(run.scheduled_at);
    let initialized = run
        .init
        .iter()
        .all(|c| matches!(&c.state, State::Terminated(e) if e.exit_code == 0));
    let unready: Vec<&str> = run
        .main
        .iter()
        .filter(|c| !c.is_running())
        .map(|c| c.name.as_str())
        .collect();
    let condition = |kind: &str, ok: bool, reason: Option<&str>, message: Option<String>| {
        let mut condition = json!({
            "type": kind,
            "status": if ok { "True" } else { "False" },
            "lastProbeTime": null,
            "lastTransitionTime": at,
        });
        if let Some(reason) = reason {
            condition["reason"] = json!(reason);
        }
        if let Some(message) = message {
            condition["message"] = json!(message);
        }
        condition
    };
    let sandbox = run
        .main
        .iter()
        .chain(&run.init)
        .any(|c| c.container_id.is_some());
    let (ready_reason, ready_message) = match phase {
        "Succeeded" => (Some("PodCompleted"), None),
        "Failed" => (Some("PodFailed"), None),
        _ if unready.is_empty() => (None, None),
        _ => (
            Some("ContainersNotReady"),
            Some(format!(
                "containers with unready status: [{}]",
                unready.join(" ")
            )),
        ),
    };
    let ready = unready.is_empty() && phase == "Running";
    let init_message = (!initialized).then(|| {
        let pending: Vec<&str> = run
            .init
            .iter()
            .filter(|c| !matches!(&c.state, State::Terminated(e) if e.exit_code == 0))
            .map(|c| c.name.as_str())
            .collect();
        format!("containers with incomplete status: [{}]", pending.join(" "))
    });
    let conditions = vec![
        condition("PodReadyToStartContainers", sandbox, None, None),
        condition(
            "Initialized",
            initialized,
            (!initialized).then_some("ContainersNotInitialized"),
            init_message,
        ),
        condition("Ready", ready, ready_reason, ready_message.clone()),
        condition("ContainersReady", ready, ready_reason, ready_message),
        condition("PodScheduled", true, None, None),
    ];
    let mut status = json!({
        "phase": phase,
        "conditions": conditions,
        "hostIP": run.host_ip,
        "hostIPs": [{"ip": run.host_ip}],
        "startTime": rfc3339(run.started_at),
        "containerStatuses": run.main.iter().map(container_status).collect::<Vec<_>>(),
        "qosClass": run.qos_class,
    });
    if !run.init.is_empty() {
        status["initContainerStatuses"] = run.init.iter().map(container_status).collect();
    }
    if !run.pod_ip.is_empty() {
        status["podIP"] = json!(run.pod_ip);
        status["podIPs"] = json!([{"ip": run.pod_ip}]);
    }
    status
}

fn container_status(container: &Container) -> Value {
    let mut status = json!({
        "name": container.name,
        "state": state(&container.state),
        "lastState": container.last_state.as_ref().map_or_else(|| json!({}), |e| json!({"terminated": ended(e)})),
        "ready": container.is_running(),
        "restartCount": container.restart_count,
        "image": container.image,
        "imageID": container.image_id,
        "started": container.is_running(),
    });
    if let Some(id) = &container.container_id {
        status["containerID"] = json!(id);
    }
    status
}

fn state(state: &State) -> Value {
    match state {
        State::Waiting { reason, message } => {
            let mut waiting = json!({"reason": reason});
            if let Some(message) = message {
                waiting["message"] = json!(message);
            }
            json!({"waiting": waiting})
        }
        State::Running { started_at } => json!({"running": {"startedAt": rfc3339(*started_at)}}),
        State::Terminated(e) => json!({"terminated": ended(e)}),
    }
}

fn ended(e: &Ended) -> Value {
    json!({
        "exitCode": e.exit_code,
        "reason": e.reason,
        "startedAt": rfc3339(e.started_at),
        "finishedAt": rfc3339(e.finished_at),
        "containerID": e.container_id,
    })
}

#[cfg(test)]
mod tests;
