//! One pod's worker: binds the pod, writes its volumes, runs its init containers in
//! order and then its containers, follows them and restarts them as `restartPolicy`
//! says (back-off from 10 s, doubling up to 5 min), writes every change of the pod's
//! status, and at the end stops and removes what it started.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{FuturesUnordered, StreamExt};
use serde_json::Value;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::Instant;

use super::engine::EngineError;
use super::spec::{self, Network, Placement};
use super::status::{self, Container, Ended, Run, State};
use super::{volumes, Inner, PodKey, Stop, NODE_NAME, SHUTDOWN_GRACE_SECONDS};
use crate::k8s::pod::node as stored;
use crate::k8s::status::Status;
use crate::projection::{self, PodBinding};
use crate::state::ObjectEvent;
use crate::store::UpdateError;
use crate::world::World;

/// The first restart back-off; each further one doubles it.
const BACKOFF_START: Duration = Duration::from_secs(10);
/// The longest back-off.
const BACKOFF_MAX: Duration = Duration::from_secs(300);
/// Exit code the kubelet reports for a container the engine could not start.
const START_ERROR_EXIT: i64 = 128;

/// Runs the pod `key` until it is deleted or the server stops.
pub(super) async fn run(node: Arc<Inner>, key: PodKey, stop: watch::Receiver<Option<Stop>>) {
    let mut worker = match Worker::new(node, key, stop) {
        Some(worker) => worker,
        None => return,
    };
    let pending = *worker.stop.borrow();
    let reason = match pending {
        Some(reason) => reason,
        None => worker.live().await,
    };
    worker.end(reason).await;
}

struct Worker {
    node: Arc<Inner>,
    key: PodKey,
    pod: Value,
    run: Run,
    dir: PathBuf,
    stop: watch::Receiver<Option<Stop>>,
    tokens: Vec<JoinHandle<()>>,
    /// The engine id of each container's current run, by position in `run.main`.
    current: Vec<Option<String>>,
    /// Each container's next attempt number.
    attempts: Vec<u32>,
    /// The id of the first container, whose network the others join.
    owner: Option<String>,
}

impl Worker {
    fn new(node: Arc<Inner>, key: PodKey, stop: watch::Receiver<Option<Stop>>) -> Option<Self> {
        let snapshot = node.state.current();
        let pod = snapshot
            .world()
            .cluster(&key.cluster)?
            .pods
            .iter()
            .find(|pod| {
                pod.pointer("/metadata/uid").and_then(Value::as_str) == Some(key.uid.as_str())
            })
            .map(|pod| Value::clone(pod))?;
        let containers = |pointer: &str, reason: &str| -> Vec<Container> {
            pod.pointer(pointer)
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .map(|c| Container::waiting(text(c, "/name"), text(c, "/image"), reason))
                .collect()
        };
        let init = containers("/spec/initContainers", "PodInitializing");
        let main_reason = if init.is_empty() {
            "ContainerCreating"
        } else {
            "PodInitializing"
        };
        let main = containers("/spec/containers", main_reason);
        let now = node.state.now();
        let run = Run {
            init,
            main,
            restart_policy: text(&pod, "/spec/restartPolicy").to_owned(),
            done: false,
            scheduled_at: now,
            started_at: now,
            pod_ip: String::new(),
            host_ip: node.settings.host_ip.clone(),
            qos_class: text(&pod, "/status/qosClass").to_owned(),
        };
        let count = run.main.len();
        let dir = node.pods_dir.join(&key.uid);
        Some(Self {
            node,
            key,
            pod,
            run,
            dir,
            stop,
            tokens: Vec::new(),
            current: vec![None; count],
            attempts: vec![0; count],
            owner: None,
        })
    }

    /// The pod's life until a stop: returns why it stops.
    async fn live(&mut self) -> Stop {
        if text(&self.pod, "/spec/nodeName").is_empty() {
            let bound = self
                .change(|world, (cluster, namespace, name, uid)| {
                    stored::bind(world, cluster, namespace, name, uid, NODE_NAME)
                })
                .await;
            if bound.is_err() {
                return Stop::Delete { grace: 0 };
            }
            let message = format!(
                "Successfully assigned {}/{} to {NODE_NAME}",
                self.key.namespace, self.key.name
            );
            self.event("Normal", "Scheduled", message, None).await;
        }
        self.write().await;
        if let Some(stop) = self.prepare_volumes().await {
            return stop;
        }
        for index in 0..self.run.init.len() {
            if let Some(stop) = self.run_init(index).await {
                return stop;
            }
            if self.run.done {
                return self.idle().await;
            }
        }
        self.follow().await
    }

    /// Writes the volumes, retrying every 10 s while they cannot be written.
    async fn prepare_volumes(&mut self) -> Option<Stop> {
        loop {
            let binding = PodBinding {
                cluster: self.key.cluster.clone(),
                namespace: self.key.namespace.clone(),
                service_account: text(&self.pod, "/spec/serviceAccountName").to_owned(),
                name: self.key.name.clone(),
                uid: self.key.uid.clone(),
            };
            let place = self.placement(0, Network::Host);
            match volumes::write(&self.node.state, &self.pod, &binding, &self.dir, &place) {
                Ok(tokens) => {
                    self.tokens = tokens
                        .into_iter()
                        .map(|(file, written)| {
                            let (_never, receiver) = watch::channel(());
                            tokio::spawn(projection::keep_fresh(file, written, receiver))
                        })
                        .collect();
                    return None;
                }
                Err(err) => {
                    tracing::warn!(pod = %self.key.name, error = %err, "cannot write the pod's volumes");
                    self.event(
                        "Warning",
                        "FailedMount",
                        format!("MountVolume.SetUp failed: {err}"),
                        None,
                    )
                    .await;
                    for container in self.run.main.iter_mut().chain(self.run.init.iter_mut()) {
                        container.state = State::Waiting {
                            reason: "CreateContainerConfigError".to_owned(),
                            message: Some(err.to_string()),
                        };
                    }
                    self.write().await;
                    if let Some(stop) = self.pause(BACKOFF_START).await {
                        return Some(stop);
                    }
                }
            }
        }
    }

    /// Runs init container `index` until it succeeds, restarting it after failures unless
    /// `restartPolicy` is `Never` (then the pod has failed: `run.done`).
    async fn run_init(&mut self, index: usize) -> Option<Stop> {
        let spec = self.container_spec("/spec/initContainers", index)?;
        let mut attempt = 0;
        loop {
            let started = self
                .start(
                    &spec,
                    attempt,
                    Network::Own {
                        network: self.node.settings.network.clone(),
                    },
                )
                .await;
            attempt += 1;
            let ended = match started {
                Ok((id, image_id)) => {
                    let container = &mut self.run.init[index];
                    container.container_id = Some(format!("docker://{id}"));
                    container.image_id = image_id;
                    let started_at = self.node.state.now();
                    container.state = State::Running { started_at };
                    self.write().await;
                    tokio::select! {
                        () = self.node.engine.wait(&id) => {}
                        stop = wait_stop(&mut self.stop) => return Some(stop),
                    }
                    self.ended(&id, started_at).await
                }
                Err(Failure::Waiting { reason, message }) => {
                    self.run.init[index].state = State::Waiting {
                        reason,
                        message: Some(message),
                    };
                    self.write().await;
                    if let Some(stop) = self.pause(backoff(attempt - 1)).await {
                        return Some(stop);
                    }
                    continue;
                }
                Err(Failure::Start(ended)) => ended,
            };
            let ok = ended.exit_code == 0;
            let container = &mut self.run.init[index];
            container.state = State::Terminated(ended.clone());
            if ok {
                self.write().await;
                return None;
            }
            if self.run.restart_policy == "Never" {
                self.run.done = true;
                for main in &mut self.run.main {
                    main.state = State::Waiting {
                        reason: "PodInitializing".to_owned(),
                        message: None,
                    };
                }
                self.write().await;
                return None;
            }
            container.last_state = Some(ended);
            container.restart_count += 1;
            container.state = crash_loop(&container.name, &self.key, backoff(attempt - 1));
            self.write().await;
            if let Some(stop) = self.pause(backoff(attempt - 1)).await {
                return Some(stop);
            }
        }
    }

    /// Starts the containers, then follows them: an exit is recorded and, as
    /// `restartPolicy` says, restarted after its back-off. Returns at a stop.
    async fn follow(&mut self) -> Stop {
        let count = self.run.main.len();
        let mut due: Vec<Option<Instant>> = vec![Some(Instant::now()); count];
        let mut failures = vec![0u32; count];
        loop {
            // Start what is due.
            let now = Instant::now();
            for index in 0..count {
                if due[index].is_some_and(|at| at <= now) {
                    due[index] = None;
                    if let Some(stop) = self.start_main(index, &mut due, &mut failures).await {
                        return stop;
                    }
                }
            }
            self.update_pod_ip().await;
            let finished =
                due.iter().all(Option::is_none) && self.current.iter().all(Option::is_none);
            if finished {
                self.run.done = true;
            }
            self.write().await;
            if finished {
                self.stop_tokens();
                return self.idle().await;
            }
            let mut waits: FuturesUnordered<_> = self
                .current
                .iter()
                .enumerate()
                .filter_map(|(index, id)| id.clone().map(|id| (index, id)))
                .map(|(index, id)| {
                    let engine = self.node.engine.clone();
                    async move {
                        engine.wait(&id).await;
                        (index, id)
                    }
                })
                .collect();
            let next_due = due.iter().flatten().min().copied();
            let sleep = async {
                match next_due {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                Some((index, id)) = waits.next() => {
                    drop(waits);
                    self.exited(index, &id, &mut due, &mut failures).await;
                }
                () = sleep => {}
                stop = wait_stop(&mut self.stop) => return stop,
            }
        }
    }

    /// Starts container `index` (a new attempt); on failure, schedules the next try.
    async fn start_main(
        &mut self,
        index: usize,
        due: &mut [Option<Instant>],
        failures: &mut [u32],
    ) -> Option<Stop> {
        let spec = self.container_spec("/spec/containers", index)?;
        let network = match (&self.owner, index) {
            (_, 0) | (None, _) => Network::Own {
                network: self.node.settings.network.clone(),
            },
            (Some(owner), _) => Network::Join {
                owner_id: owner.clone(),
            },
        };
        let network = if self
            .pod
            .pointer("/spec/hostNetwork")
            .and_then(Value::as_bool)
            == Some(true)
        {
            Network::Host
        } else {
            network
        };
        let attempt = self.attempts[index];
        self.attempts[index] += 1;
        match self.start(&spec, attempt, network).await {
            Ok((id, image_id)) => {
                if index == 0 {
                    self.owner = Some(id.clone());
                }
                let container = &mut self.run.main[index];
                if container.last_state.is_some() {
                    container.restart_count += 1;
                }
                container.container_id = Some(format!("docker://{id}"));
                container.image_id = image_id;
                container.state = State::Running {
                    started_at: self.node.state.now(),
                };
                self.current[index] = Some(id);
                self.forget_older(index, attempt).await;
            }
            Err(Failure::Waiting { reason, message }) => {
                let wait = backoff(failures[index]);
                failures[index] += 1;
                let reason = if reason == "ErrImagePull" && failures[index] > 1 {
                    "ImagePullBackOff".to_owned()
                } else {
                    reason
                };
                self.run.main[index].state = State::Waiting {
                    reason,
                    message: Some(message),
                };
                due[index] = Some(Instant::now() + wait);
            }
            Err(Failure::Start(ended)) => {
                self.after_exit(index, ended, due, failures);
            }
        }
        None
    }

    /// Container `index` (engine id `id`) has exited.
    async fn exited(
        &mut self,
        index: usize,
        id: &str,
        due: &mut [Option<Instant>],
        failures: &mut [u32],
    ) {
        let started_at = match self.run.main[index].state {
            State::Running { started_at } => started_at,
            _ => self.node.state.now(),
        };
        let ended = self.ended(id, started_at).await;
        self.current[index] = None;
        self.after_exit(index, ended, due, failures);
    }

    /// Records an ended run and decides whether and when the container runs again.
    fn after_exit(
        &mut self,
        index: usize,
        ended: Ended,
        due: &mut [Option<Instant>],
        failures: &mut [u32],
    ) {
        let restart = match self.run.restart_policy.as_str() {
            "Always" => true,
            "OnFailure" => ended.exit_code != 0,
            _ => false,
        };
        let container = &mut self.run.main[index];
        if !restart {
            container.state = State::Terminated(ended);
            return;
        }
        // A run of 10 minutes or more resets the back-off, as the kubelet's does.
        if ended.finished_at.saturating_sub(ended.started_at) >= 600 {
            failures[index] = 0;
        }
        let wait = backoff(failures[index]);
        failures[index] += 1;
        container.last_state = Some(ended);
        container.state = crash_loop(&container.name, &self.key, wait);
        due[index] = Some(Instant::now() + wait);
    }

    /// Ensures the image, creates and starts one container; its engine id and image id.
    async fn start(
        &mut self,
        spec: &Value,
        attempt: u32,
        network: Network,
    ) -> Result<(String, String), Failure> {
        let image = text(spec, "/image").to_owned();
        let image_id = self
            .ensure_image(&image, text(spec, "/imagePullPolicy"), text(spec, "/name"))
            .await?;
        let owns_network = matches!(network, Network::Own { .. });
        let place = self.placement(attempt, network);
        let body = spec::create_body(&self.pod, spec, &place).map_err(|err| Failure::Waiting {
            reason: "CreateContainerConfigError".to_owned(),
            message: err.to_string(),
        })?;
        let container = text(spec, "/name");
        let name = spec::container_name(&self.pod, container, attempt);
        let engine = &self.node.engine;
        // A container of that name left by a crash of this worker goes first.
        let _ = engine.remove(&name).await;
        let id = match engine.create(&name, body).await {
            Ok(id) => id,
            Err(err) => {
                self.event(
                    "Warning",
                    "Failed",
                    format!("Error: {err}"),
                    Some(container),
                )
                .await;
                return Err(Failure::Waiting {
                    reason: "CreateContainerError".to_owned(),
                    message: err.to_string(),
                });
            }
        };
        self.event(
            "Normal",
            "Created",
            format!("Created container: {container}"),
            Some(container),
        )
        .await;
        if owns_network {
            self.join_agent_network(&id, container).await;
        }
        if let Err(err) = engine.start(&id).await {
            self.event(
                "Warning",
                "Failed",
                format!("Error: {err}"),
                Some(container),
            )
            .await;
            let now = self.node.state.now();
            return Err(Failure::Start(Ended {
                exit_code: START_ERROR_EXIT,
                reason: "StartError".to_owned(),
                started_at: now,
                finished_at: now,
                container_id: format!("docker://{id}"),
            }))
            .inspect_err(
                |_| tracing::warn!(pod = %self.key.name, error = %err, "cannot start a container"),
            );
        }
        self.event(
            "Normal",
            "Started",
            format!("Started container {container}"),
            Some(container),
        )
        .await;
        Ok((id, format!("docker://{image_id}")))
    }

    /// Connects the container that owns the pod's network to the Pod Identity agent's
    /// network ([`super::agent_network`]). The pod runs without it when that fails: only
    /// a call to the agent would notice, and the warning event says why.
    async fn join_agent_network(&self, id: &str, container: &str) {
        let Some(network) = self.node.settings.agent_network.as_deref() else {
            return;
        };
        if let Err(err) = self.node.engine.join_network(id, network).await {
            tracing::warn!(pod = %self.key.name, network, error = %err, "cannot connect the pod to the Pod Identity agent's network");
            let message = format!(
                "cannot connect to network {network}: {err}; the Pod Identity agent at {} is out of reach",
                crate::pod_identity::AGENT_ADDRESS
            );
            self.event("Warning", "FailedAgentNetwork", message, Some(container))
                .await;
        }
    }

    /// The image's id, pulled as `policy` says. Offline, a failed pull of an image that
    /// is present runs the local one (with a warning), where a kubelet would stop.
    async fn ensure_image(
        &self,
        image: &str,
        policy: &str,
        container: &str,
    ) -> Result<String, Failure> {
        let engine = &self.node.engine;
        let local = engine.image_id(image).await;
        let pull_failed = |err: EngineError| Failure::Waiting {
            reason: "ErrImagePull".to_owned(),
            message: err.to_string(),
        };
        let at = Some(container);
        match (policy, local) {
            ("Never", Some(id)) | ("IfNotPresent", Some(id)) => {
                let message = format!("Container image {image:?} already present on machine");
                self.event("Normal", "Pulled", message, at).await;
                Ok(id)
            }
            ("Never", None) => {
                let message =
                    format!("Container image {image:?} is not present with pull policy of Never");
                self.event("Warning", "ErrImageNeverPull", message.clone(), at)
                    .await;
                Err(Failure::Waiting {
                    reason: "ErrImageNeverPull".to_owned(),
                    message,
                })
            }
            (_, local) => {
                self.event("Normal", "Pulling", format!("Pulling image {image:?}"), at)
                    .await;
                match engine.pull(image).await {
                    Ok(()) => {
                        self.event(
                            "Normal",
                            "Pulled",
                            format!("Successfully pulled image {image:?}"),
                            at,
                        )
                        .await;
                        let id = engine.image_id(image).await;
                        id.ok_or_else(|| pull_failed(EngineError::NeverPull(image.to_owned())))
                    }
                    Err(err) => match local {
                        // Offline is the point of this tool: where a kubelet stops at
                        // ErrImagePull, the image present locally runs.
                        Some(id) => {
                            let message = format!("Failed to pull image {image:?}: {err}; running the image present locally");
                            tracing::warn!(pod = %self.key.name, image, error = %err, "pulling failed; running the image present locally");
                            self.event("Warning", "Failed", message, at).await;
                            Ok(id)
                        }
                        None => {
                            let message = format!("Failed to pull image {image:?}: {err}");
                            self.event("Warning", "Failed", message, at).await;
                            Err(pull_failed(err))
                        }
                    },
                }
            }
        }
    }

    /// How a run that the engine reports ended.
    async fn ended(&self, id: &str, started_at: u64) -> Ended {
        let now = self.node.state.now();
        let state = self
            .node
            .engine
            .inspect(id)
            .await
            .ok()
            .and_then(|i| i.state);
        let exit_code = state
            .as_ref()
            .and_then(|s| s.exit_code)
            .unwrap_or(START_ERROR_EXIT);
        let oom = state.as_ref().and_then(|s| s.oom_killed).unwrap_or(false);
        Ended {
            exit_code,
            reason: Ended::reason_for(exit_code, oom).to_owned(),
            started_at,
            finished_at: now,
            container_id: format!("docker://{id}"),
        }
    }

    /// Removes runs of container `index` older than the one before `attempt`: the
    /// previous run stays for `kubectl logs --previous`.
    async fn forget_older(&self, index: usize, attempt: u32) {
        let name = text(&self.run_spec(index), "/name").to_owned();
        if let Ok(found) = self
            .node
            .engine
            .find(&self.node.id, Some(&self.key.uid))
            .await
        {
            for old in found
                .iter()
                .filter(|f| f.container == name && f.attempt + 1 < attempt)
            {
                let _ = self.node.engine.remove(&old.id).await;
            }
        }
    }

    fn run_spec(&self, index: usize) -> Value {
        self.pod
            .pointer(&format!("/spec/containers/{index}"))
            .cloned()
            .unwrap_or_default()
    }

    fn container_spec(&self, list: &str, index: usize) -> Option<Value> {
        self.pod.pointer(&format!("{list}/{index}")).cloned()
    }

    async fn update_pod_ip(&mut self) {
        if !self.run.pod_ip.is_empty() {
            return;
        }
        let Some(owner) = &self.owner else { return };
        let inspected = self.node.engine.inspect(owner).await.ok();
        let ip = inspected
            .and_then(|i| i.network_settings)
            .and_then(|n| n.networks)
            .and_then(|networks| {
                networks
                    .get(&self.node.settings.network)
                    .and_then(|e| e.ip_address.clone())
            })
            .unwrap_or_default();
        self.run.pod_ip = ip;
    }

    /// A finished pod waits for its deletion (its containers stay for `kubectl logs`).
    async fn idle(&mut self) -> Stop {
        wait_stop(&mut self.stop).await
    }

    /// Sleeps `wait`, or returns the stop that came first.
    async fn pause(&mut self, wait: Duration) -> Option<Stop> {
        tokio::select! {
            () = tokio::time::sleep(wait) => None,
            stop = wait_stop(&mut self.stop) => Some(stop),
        }
    }

    /// Stops and removes every container of the pod and its volumes; after a delete,
    /// removes the pod.
    async fn end(&mut self, reason: Stop) {
        self.stop_tokens();
        let pod_grace = self
            .pod
            .pointer("/spec/terminationGracePeriodSeconds")
            .and_then(Value::as_u64)
            .unwrap_or(stored::DEFAULT_GRACE_SECONDS);
        let grace = match reason {
            Stop::Delete { grace } => grace,
            Stop::Shutdown => pod_grace.min(SHUTDOWN_GRACE_SECONDS),
        };
        let engine = &self.node.engine;
        let found = engine
            .find(&self.node.id, Some(&self.key.uid))
            .await
            .unwrap_or_default();
        for running in found.iter().filter(|f| f.running) {
            let message = format!("Stopping container {}", running.container);
            self.event("Normal", "Killing", message, Some(&running.container))
                .await;
        }
        let grace = u32::try_from(grace).unwrap_or(u32::MAX);
        let stops = found
            .iter()
            .filter(|f| f.running)
            .map(|f| engine.stop(&f.id, grace));
        futures_util::future::join_all(stops).await;
        for container in &found {
            if let Err(err) = engine.remove(&container.id).await {
                tracing::warn!(container = %container.id, error = %err, "cannot remove a container");
            }
        }
        volumes::remove(&self.dir);
        if matches!(reason, Stop::Delete { .. }) {
            let (cluster, namespace, name, uid) = self.names();
            let removed = self
                .node
                .state
                .update(move |world| stored::remove(world, &cluster, &namespace, &name, &uid))
                .await;
            if let Ok(pod) = removed {
                self.publish_kind("DELETED", &pod);
            }
        }
        tracing::info!(pod = %format!("{}/{}", self.key.namespace, self.key.name), ?reason, "stopped the pod");
    }

    fn stop_tokens(&mut self) {
        for task in self.tokens.drain(..) {
            task.abort();
        }
    }

    /// Writes the pod's status as `run` now reads.
    async fn write(&mut self) {
        let status = status::status(&self.run);
        let written = self
            .change(move |world, (cluster, namespace, name, uid)| {
                stored::set_status(world, cluster, namespace, name, uid, status)
            })
            .await;
        if let Err(err) = written {
            tracing::debug!(pod = %self.key.name, error = ?err, "cannot write the pod's status");
        }
    }

    /// Applies `edit` to the stored pod (given its cluster, namespace, name and uid),
    /// announces the pod as changed and keeps it as the worker's copy.
    async fn change<F>(&mut self, edit: F) -> Result<(), UpdateError<Status>>
    where
        F: FnOnce(&mut World, (&str, &str, &str, &str)) -> Result<Value, Status> + Send + 'static,
    {
        let (cluster, namespace, name, uid) = self.names();
        let pod = self
            .node
            .state
            .update(move |world| edit(world, (&cluster, &namespace, &name, &uid)))
            .await?;
        self.publish(&pod);
        self.pod = pod;
        Ok(())
    }

    /// Records an event about the pod (`container`: the one it concerns).
    async fn event(
        &self,
        kind: &'static str,
        reason: &'static str,
        message: String,
        container: Option<&str>,
    ) {
        let happened = stored::Happened {
            kind,
            reason,
            message,
            field_path: container.map(|name| format!("spec.containers{{{name}}}")),
        };
        let (cluster, pod, now) = (
            self.key.cluster.clone(),
            self.pod.clone(),
            self.node.state.now(),
        );
        let recorded = self
            .node
            .state
            .update(move |world| {
                stored::record_event(world, &cluster, &pod, NODE_NAME, happened, now)
            })
            .await;
        match recorded {
            Ok(event) => self.node.state.publish(ObjectEvent {
                cluster: self.key.cluster.clone(),
                resource: "events",
                kind: "ADDED",
                object: Arc::new(event),
            }),
            Err(err) => {
                tracing::debug!(pod = %self.key.name, error = ?err, "cannot record an event")
            }
        }
    }

    fn publish(&self, pod: &Value) {
        self.publish_kind("MODIFIED", pod);
    }

    fn publish_kind(&self, kind: &'static str, pod: &Value) {
        self.node.state.publish(ObjectEvent {
            cluster: self.key.cluster.clone(),
            resource: "pods",
            kind,
            object: Arc::new(pod.clone()),
        });
    }

    fn names(&self) -> (String, String, String, String) {
        (
            self.key.cluster.clone(),
            self.key.namespace.clone(),
            self.key.name.clone(),
            self.key.uid.clone(),
        )
    }

    fn placement(&self, attempt: u32, network: Network) -> Placement<'_> {
        Placement {
            node: &self.node.id,
            attempt,
            volumes_dir: &self.dir,
            network,
            endpoint_url: self.node.settings.endpoint_url.as_deref(),
            host_ip: &self.node.settings.host_ip,
        }
    }
}

/// Why a container did not start.
enum Failure {
    /// Not created (image, configuration): the container waits with this reason.
    Waiting { reason: String, message: String },
    /// Created, but the engine could not start it: a run that ended at once.
    Start(Ended),
}

/// The back-off before the restart that follows `failures` earlier ones.
fn backoff(failures: u32) -> Duration {
    BACKOFF_START
        .saturating_mul(2u32.saturating_pow(failures.min(16)))
        .min(BACKOFF_MAX)
}

fn crash_loop(name: &str, key: &PodKey, wait: Duration) -> State {
    State::Waiting {
        reason: "CrashLoopBackOff".to_owned(),
        message: Some(format!(
            "back-off {}s restarting failed container={name} pod={}_{}({})",
            wait.as_secs(),
            key.name,
            key.namespace,
            key.uid
        )),
    }
}

/// The next stop sent to the worker.
async fn wait_stop(stop: &mut watch::Receiver<Option<Stop>>) -> Stop {
    loop {
        if let Some(reason) = *stop.borrow_and_update() {
            return reason;
        }
        if stop.changed().await.is_err() {
            // The node is gone: stop as at shutdown.
            return Stop::Shutdown;
        }
    }
}

fn text<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}
