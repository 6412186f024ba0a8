//! The node: a kubelet of our own that runs the pods of every cluster on a container
//! engine ([`engine`]: the Docker Engine API). It binds each new pod to itself, writes
//! the pod's volumes with tokens minted for that pod ([`volumes`]), creates its
//! containers ([`spec`]: init containers first and in order, then the others sharing the
//! first one's network), follows them to write the pod's status ([`status`]), restarts
//! them as `restartPolicy` says, and serves `kubectl logs` and `kubectl exec` ([`http`]).
//! A deleted pod's containers are stopped within its grace period and removed, and then
//! the pod; the server's shutdown stops every pod it started.
//!
//! Each pod's network also joins the one where the Pod Identity agent's link-local
//! address lives ([`agent_network`]).
//!
//! Containers carry this data dir's node id as a label: a server that starts again
//! removes what its previous run left, touches no other container, and runs its
//! unfinished pods anew.
//!
//! Known gaps: probes (a running container is ready); resource limits; init containers
//! get a network of their own; a restarted first container leaves the others on the
//! network it had; ports are not published to the host; `status.podIP` is not given to
//! the downward API.

pub mod agent_network;
pub mod engine;
pub mod exec;
pub mod http;
mod pod;
pub mod spec;
pub mod status;
pub mod volumes;

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;
use tokio::sync::{broadcast::error::RecvError, watch};
use tokio::task::JoinHandle;

pub use engine::Engine;

use crate::state::{AppState, ObjectEvent};

/// `spec.nodeName` of the pods this node runs.
pub const NODE_NAME: &str = "irsa-local";
/// The longest a pod may take to stop when the server shuts down.
const SHUTDOWN_GRACE_SECONDS: u64 = 10;

/// How the node places its containers.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The engine network pods join (`bridge`).
    pub network: String,
    /// `AWS_ENDPOINT_URL` for containers that set none.
    pub endpoint_url: Option<String>,
    /// The host's address as containers see it (`status.hostIP`).
    pub host_ip: String,
    /// The network that puts the Pod Identity agent's address in reach
    /// ([`agent_network`]); `None` connects pods to nothing more.
    pub agent_network: Option<String>,
}

/// Why a pod's worker stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    /// The pod was deleted: stop within `grace` seconds, then remove it.
    Delete { grace: u64 },
    /// The server is stopping: stop the containers, keep the pod.
    Shutdown,
}

/// The running node. Cloning shares it.
#[derive(Debug, Clone)]
pub struct Node {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    state: AppState,
    engine: Engine,
    settings: Settings,
    /// This data dir's node id (the containers' label).
    id: String,
    /// Where pods' volumes are written: `<data-dir>/pods/<uid>`.
    pods_dir: PathBuf,
    workers: Mutex<HashMap<String, Worker>>,
    /// Set at shutdown: no new worker starts after it.
    closed: std::sync::atomic::AtomicBool,
}

#[derive(Debug)]
struct Worker {
    stop: watch::Sender<Option<Stop>>,
    task: JoinHandle<()>,
}

/// One pod, as the node addresses it.
#[derive(Debug, Clone, PartialEq, Eq)]
struct PodKey {
    cluster: String,
    namespace: String,
    name: String,
    uid: String,
}

impl PodKey {
    fn of(cluster: &str, pod: &Value) -> Self {
        let text = |pointer: &str| {
            pod.pointer(pointer)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        Self {
            cluster: cluster.to_owned(),
            namespace: text("/metadata/namespace"),
            name: text("/metadata/name"),
            uid: text("/metadata/uid"),
        }
    }
}

impl Node {
    /// Starts the node on `engine`: removes what a previous run of this data dir left,
    /// runs the stored pods that have not finished, and then every pod created.
    pub async fn start(
        state: AppState,
        engine: Engine,
        settings: Settings,
    ) -> std::io::Result<Self> {
        let data_dir = state.config().data_dir.clone();
        let id = node_id(&data_dir)?;
        let pods_dir = data_dir.join("pods");
        std::fs::create_dir_all(&pods_dir)?;
        match engine.find(&id, None).await {
            Ok(left) => {
                for container in &left {
                    if let Err(err) = engine.remove(&container.id).await {
                        tracing::warn!(container = %container.id, error = %err, "cannot remove a container of the previous run");
                    }
                }
                if !left.is_empty() {
                    tracing::info!(
                        count = left.len(),
                        "removed the containers the previous run left"
                    );
                }
            }
            Err(err) => tracing::warn!(error = %err, "cannot list the previous run's containers"),
        }
        let node = Self {
            inner: Arc::new(Inner {
                state,
                engine,
                settings,
                id,
                pods_dir,
                workers: Mutex::new(HashMap::new()),
                closed: std::sync::atomic::AtomicBool::new(false),
            }),
        };
        // Subscribed before the first scan, so no pod falls between the two.
        let events = node.inner.state.subscribe().live;
        node.scan();
        tokio::spawn(node.clone().follow(events));
        Ok(node)
    }

    /// The engine the node drives.
    pub fn engine(&self) -> &Engine {
        &self.inner.engine
    }

    /// This data dir's node id.
    pub fn id(&self) -> &str {
        &self.inner.id
    }

    /// Stops every pod's containers (each within its grace period, at most 10 s) and
    /// removes them; the pods stay stored and run again at the next start.
    pub async fn shutdown(&self) {
        let workers: Vec<Worker> = {
            let mut workers = self.inner.workers.lock().unwrap_or_else(|e| e.into_inner());
            self.inner
                .closed
                .store(true, std::sync::atomic::Ordering::SeqCst);
            workers.drain().map(|(_, worker)| worker).collect()
        };
        for worker in &workers {
            worker.stop.send_replace(Some(Stop::Shutdown));
        }
        let all = futures_util::future::join_all(workers.into_iter().map(|w| w.task));
        let limit = Duration::from_secs(SHUTDOWN_GRACE_SECONDS + 5);
        if tokio::time::timeout(limit, all).await.is_err() {
            tracing::warn!("some pods did not stop in time");
        }
    }

    /// Follows the pod events: a new pod gets a worker, a deletion stops it.
    async fn follow(self, mut events: tokio::sync::broadcast::Receiver<ObjectEvent>) {
        loop {
            match events.recv().await {
                Ok(event) if event.resource == "pods" => self.on_event(&event),
                Ok(_) => {}
                Err(RecvError::Lagged(missed)) => {
                    tracing::debug!(missed, "the node fell behind the pod events; scanning");
                    self.scan();
                }
                Err(RecvError::Closed) => return,
            }
        }
    }

    fn on_event(&self, event: &ObjectEvent) {
        let key = PodKey::of(&event.cluster, &event.object);
        match event.kind {
            "DELETED" => {
                self.stop(&key.uid, Stop::Delete { grace: 0 });
            }
            _ if event
                .object
                .pointer("/metadata/deletionTimestamp")
                .is_some() =>
            {
                let grace = event
                    .object
                    .pointer("/metadata/deletionGracePeriodSeconds")
                    .and_then(Value::as_u64)
                    .unwrap_or(0);
                if !self.stop(&key.uid, Stop::Delete { grace }) {
                    // No worker (a pod marked while the server was down): remove it now.
                    self.run(key, Some(Stop::Delete { grace: 0 }));
                }
            }
            "ADDED" => self.run(key, None),
            _ => {}
        }
    }

    /// Starts a worker for every stored pod that has none and has not finished.
    fn scan(&self) {
        let snapshot = self.inner.state.current();
        for cluster in &snapshot.world().clusters {
            for pod in &cluster.pods {
                let phase = pod.pointer("/status/phase").and_then(Value::as_str);
                if matches!(phase, Some("Succeeded" | "Failed"))
                    && pod.pointer("/metadata/deletionTimestamp").is_none()
                {
                    continue;
                }
                let key = PodKey::of(cluster.name.as_str(), pod);
                let stop = pod
                    .pointer("/metadata/deletionTimestamp")
                    .map(|_| Stop::Delete { grace: 0 });
                self.run(key, stop);
            }
        }
    }

    /// A worker for `key`, unless it has one.
    fn run(&self, key: PodKey, stop: Option<Stop>) {
        let mut workers = self.inner.workers.lock().unwrap_or_else(|e| e.into_inner());
        workers.retain(|_, worker| !worker.task.is_finished());
        if workers.contains_key(&key.uid)
            || self.inner.closed.load(std::sync::atomic::Ordering::SeqCst)
        {
            return;
        }
        let (sender, receiver) = watch::channel(stop);
        let uid = key.uid.clone();
        let task = tokio::spawn(pod::run(Arc::clone(&self.inner), key, receiver));
        workers.insert(uid, Worker { stop: sender, task });
    }

    /// Tells the worker of `uid` to stop; whether there was one.
    fn stop(&self, uid: &str, stop: Stop) -> bool {
        let workers = self.inner.workers.lock().unwrap_or_else(|e| e.into_inner());
        match workers.get(uid) {
            Some(worker) => {
                worker.stop.send_if_modified(|current| {
                    // A shorter grace period replaces a longer one; nothing lengthens it.
                    let shorter = match (*current, stop) {
                        (Some(Stop::Delete { grace: old }), Stop::Delete { grace: new }) => {
                            new < old
                        }
                        (None, _) => true,
                        _ => false,
                    };
                    if shorter {
                        *current = Some(stop);
                    }
                    shorter
                });
                true
            }
            None => false,
        }
    }
}

/// The node id of `data_dir`: made once, kept in `<data-dir>/node-id`.
fn node_id(data_dir: &std::path::Path) -> std::io::Result<String> {
    let path = data_dir.join("node-id");
    match std::fs::read_to_string(&path) {
        Ok(id) if !id.trim().is_empty() => Ok(id.trim().to_owned()),
        _ => {
            let id = crate::world::random_uuid();
            crate::persist::replace_atomic(&path, id.as_bytes(), 0o600)?;
            Ok(id)
        }
    }
}
