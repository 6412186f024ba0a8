//! The container engine the node drives: the Docker Engine API (Docker, or Podman's
//! compatible socket) through `bollard`. Everything here is one engine call with the
//! node's labels; what to run and when is decided in [`super::pod`].

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr};
use std::time::Duration;

use bollard::models::{
    ContainerCreateBody, ContainerInspectResponse, Ipam, IpamConfig, NetworkConnectRequest,
    NetworkCreateRequest,
};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, CreateImageOptionsBuilder, ListContainersOptionsBuilder,
    LogsOptions, RemoveContainerOptionsBuilder, StopContainerOptionsBuilder,
};
use bollard::Docker;
use futures_util::{Stream, StreamExt};

/// Labels every container of this server carries; `NODE` names the data dir's node, so a
/// restarted server finds its own containers and touches no other.
pub const NODE_LABEL: &str = "io.irsa-local.node";
pub const POD_UID_LABEL: &str = "io.kubernetes.pod.uid";
pub const POD_NAME_LABEL: &str = "io.kubernetes.pod.name";
pub const POD_NAMESPACE_LABEL: &str = "io.kubernetes.pod.namespace";
pub const CONTAINER_NAME_LABEL: &str = "io.kubernetes.container.name";
pub const ATTEMPT_LABEL: &str = "io.irsa-local.attempt";

/// How long to wait for an engine to answer its ping at start.
const PING_TIMEOUT: Duration = Duration::from_secs(3);

/// A failed engine call.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    #[error("no container engine answers at {address}: {reason}")]
    Unreachable { address: String, reason: String },
    #[error("pulling image {image:?} failed: {reason}")]
    Pull { image: String, reason: String },
    #[error("image {0:?} is not present and imagePullPolicy is Never")]
    NeverPull(String),
    #[error("the engine refused: {0}")]
    Engine(#[from] bollard::errors::Error),
}

/// A connection to the engine.
#[derive(Debug, Clone)]
pub struct Engine {
    docker: Docker,
    address: String,
}

/// What the engine says about one of this node's containers.
#[derive(Debug, Clone)]
pub struct Found {
    pub id: String,
    pub pod_uid: String,
    pub container: String,
    pub attempt: u32,
    pub running: bool,
}

impl Engine {
    /// The engine at `DOCKER_HOST`, else `/var/run/docker.sock`, if it answers a ping.
    pub async fn connect() -> Result<Self, EngineError> {
        let address = std::env::var("DOCKER_HOST")
            .unwrap_or_else(|_| "unix:///var/run/docker.sock".to_owned());
        let unreachable = |reason: String| EngineError::Unreachable {
            address: address.clone(),
            reason,
        };
        let docker = Docker::connect_with_defaults().map_err(|err| unreachable(err.to_string()))?;
        match tokio::time::timeout(PING_TIMEOUT, docker.ping()).await {
            Ok(Ok(_)) => Ok(Self { docker, address }),
            Ok(Err(err)) => Err(unreachable(err.to_string())),
            Err(_) => Err(unreachable("no answer within 3 s".to_owned())),
        }
    }

    /// Where the engine was found (`unix:///var/run/docker.sock`).
    pub fn address(&self) -> &str {
        &self.address
    }

    /// The engine's name and version, for the start-up log.
    pub async fn describe(&self) -> String {
        match self.docker.version().await {
            Ok(version) => format!(
                "{} {}",
                version
                    .platform
                    .map(|platform| platform.name)
                    .filter(|name| !name.is_empty())
                    .unwrap_or_else(|| "Docker Engine".to_owned()),
                version.version.unwrap_or_default()
            ),
            Err(_) => "a Docker-compatible engine".to_owned(),
        }
    }

    /// The address of the host on `network` as containers see it (the bridge's gateway),
    /// where `host.docker.internal` (`host-gateway`) points.
    pub async fn gateway(&self, network: &str) -> Option<IpAddr> {
        let inspected = self.docker.inspect_network(network, None).await.ok()?;
        let configs = inspected.ipam?.config?;
        configs.iter().find_map(|config| {
            if let Some(gateway) = config.gateway.as_deref().and_then(|g| g.parse().ok()) {
                return Some(gateway);
            }
            // Newer engines leave the gateway out of the default bridge's IPAM: it is the
            // first address of the IPv4 subnet.
            let (base, _) = config.subnet.as_deref()?.split_once('/')?;
            let base: Ipv4Addr = base.parse().ok()?;
            Some(IpAddr::V4(Ipv4Addr::from(u32::from(base).checked_add(1)?)))
        })
    }

    /// The gateway of the network `name`'s IPv4 subnet, as its IPAM config names it, with
    /// the subnet; `Ok(None)` when no network has that name.
    pub async fn network_gateway(
        &self,
        name: &str,
    ) -> Result<Option<(String, String)>, EngineError> {
        match self.docker.inspect_network(name, None).await {
            Ok(inspected) => {
                let configs = inspected
                    .ipam
                    .and_then(|ipam| ipam.config)
                    .unwrap_or_default();
                Ok(Some(
                    configs
                        .into_iter()
                        .find_map(|config| Some((config.subnet?, config.gateway?)))
                        .unwrap_or_default(),
                ))
            }
            Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(None),
            Err(err) => Err(err.into()),
        }
    }

    /// Creates a bridge network `name` on `subnet` with the host at `gateway`, labelled
    /// `labels`.
    pub async fn create_network(
        &self,
        name: &str,
        subnet: &str,
        gateway: &str,
        labels: HashMap<String, String>,
    ) -> Result<(), EngineError> {
        let request = NetworkCreateRequest {
            name: name.to_owned(),
            driver: Some("bridge".to_owned()),
            ipam: Some(Ipam {
                config: Some(vec![IpamConfig {
                    subnet: Some(subnet.to_owned()),
                    gateway: Some(gateway.to_owned()),
                    ..IpamConfig::default()
                }]),
                ..Ipam::default()
            }),
            labels: Some(labels),
            ..NetworkCreateRequest::default()
        };
        self.docker.create_network(request).await?;
        Ok(())
    }

    /// Connects the container `id` (created, not yet started) to `network` as well.
    pub async fn join_network(&self, id: &str, network: &str) -> Result<(), EngineError> {
        let request = NetworkConnectRequest {
            container: id.to_owned(),
            endpoint_config: None,
        };
        Ok(self.docker.connect_network(network, request).await?)
    }

    /// Whether `image` is present on the engine, and its id.
    pub async fn image_id(&self, image: &str) -> Option<String> {
        self.docker
            .inspect_image(image)
            .await
            .ok()
            .and_then(|i| i.id)
    }

    /// Pulls `image`; the engine's last error line when it fails.
    pub async fn pull(&self, image: &str) -> Result<(), EngineError> {
        let options = CreateImageOptionsBuilder::new().from_image(image).build();
        let mut progress = self.docker.create_image(Some(options), None, None);
        while let Some(step) = progress.next().await {
            if let Err(err) = step {
                return Err(EngineError::Pull {
                    image: image.to_owned(),
                    reason: err.to_string(),
                });
            }
        }
        Ok(())
    }

    /// Creates a container named `name`; its id.
    pub async fn create(
        &self,
        name: &str,
        body: ContainerCreateBody,
    ) -> Result<String, EngineError> {
        let options = CreateContainerOptionsBuilder::new().name(name).build();
        Ok(self.docker.create_container(Some(options), body).await?.id)
    }

    pub async fn start(&self, id: &str) -> Result<(), EngineError> {
        Ok(self.docker.start_container(id, None).await?)
    }

    /// Waits until the container is no longer running (the exit code is read by
    /// [`Engine::inspect`]; a wait the engine breaks off is retried by the caller).
    pub async fn wait(&self, id: &str) {
        let mut waiting = self.docker.wait_container(id, None);
        // A non-zero exit is reported as an error item: either way it has ended.
        let _ = waiting.next().await;
    }

    pub async fn inspect(&self, id: &str) -> Result<ContainerInspectResponse, EngineError> {
        Ok(self.docker.inspect_container(id, None).await?)
    }

    /// SIGTERM, then SIGKILL after `grace` seconds, as the kubelet stops a container.
    pub async fn stop(&self, id: &str, grace: u32) -> Result<(), EngineError> {
        let t = i32::try_from(grace).unwrap_or(i32::MAX);
        let options = StopContainerOptionsBuilder::new().t(t).build();
        match self.docker.stop_container(id, Some(options)).await {
            // 304: already stopped.
            Ok(())
            | Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 304, ..
            }) => Ok(()),
            Err(err) => Err(err.into()),
        }
    }

    /// Removes the container, running or not.
    pub async fn remove(&self, id: &str) -> Result<(), EngineError> {
        let options = RemoveContainerOptionsBuilder::new()
            .force(true)
            .v(true)
            .build();
        match self.docker.remove_container(id, Some(options)).await {
            Ok(())
            | Err(bollard::errors::Error::DockerResponseServerError {
                status_code: 404, ..
            }) => Ok(()),
            Err(err) => Err(err.into()),
        }
    }

    /// This node's containers (all of them, or one pod's), newest attempt first.
    pub async fn find(&self, node: &str, pod_uid: Option<&str>) -> Result<Vec<Found>, EngineError> {
        let mut labels = vec![format!("{NODE_LABEL}={node}")];
        if let Some(uid) = pod_uid {
            labels.push(format!("{POD_UID_LABEL}={uid}"));
        }
        let filters = HashMap::from([("label".to_owned(), labels)]);
        let options = ListContainersOptionsBuilder::new()
            .all(true)
            .filters(&filters)
            .build();
        let listed = self.docker.list_containers(Some(options)).await?;
        let mut found: Vec<Found> = listed
            .into_iter()
            .filter_map(|summary| {
                let labels = summary.labels.unwrap_or_default();
                Some(Found {
                    id: summary.id?,
                    pod_uid: labels.get(POD_UID_LABEL)?.clone(),
                    container: labels.get(CONTAINER_NAME_LABEL)?.clone(),
                    attempt: labels.get(ATTEMPT_LABEL)?.parse().ok()?,
                    running: summary.state.is_some_and(|state| {
                        matches!(state, bollard::models::ContainerSummaryStateEnum::RUNNING)
                    }),
                })
            })
            .collect();
        found.sort_by_key(|found| std::cmp::Reverse(found.attempt));
        Ok(found)
    }

    /// The container's output (stdout and stderr interleaved, as the engine stored it).
    pub fn logs(
        &self,
        id: &str,
        options: LogsOptions,
    ) -> impl Stream<Item = Result<axum::body::Bytes, EngineError>> + Send + 'static {
        self.docker.logs(id, Some(options)).map(|item| {
            item.map(|output| output.into_bytes())
                .map_err(EngineError::from)
        })
    }

    /// The underlying client, for exec sessions.
    pub fn docker(&self) -> &Docker {
        &self.docker
    }
}
