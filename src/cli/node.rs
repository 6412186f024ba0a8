//! `serve`'s node: the container engine it finds, and the node it starts there with the
//! listeners containers reach the server at (the pod network's gateway, and the Pod
//! Identity agent's address).

use std::net::{IpAddr, SocketAddr};

use irsa_local::kubelet::{agent_network, Engine, Node};
use irsa_local::pod_identity;

use super::serve::ContainerRuntime;

/// The engine `choice` asks for, with the pod network's gateway; `None` when pods are
/// not to run.
pub async fn find_engine(
    choice: ContainerRuntime,
    network: &str,
) -> Result<Option<(Engine, Option<IpAddr>)>, irsa_local::kubelet::engine::EngineError> {
    if choice == ContainerRuntime::None {
        tracing::info!("container runtime: none (pods are stored and stay Pending)");
        return Ok(None);
    }
    match Engine::connect().await {
        Ok(engine) => {
            let gateway = engine.gateway(network).await;
            tracing::info!(
                engine = %engine.describe().await,
                at = %engine.address(),
                network,
                gateway = %gateway.map_or_else(|| "unknown".to_owned(), |ip| ip.to_string()),
                "container runtime: docker; pods run on this engine"
            );
            Ok(Some((engine, gateway)))
        }
        Err(err) if choice == ContainerRuntime::Auto => {
            tracing::info!(
                reason = %err,
                "container runtime: none (no engine answers; pods are stored and stay Pending; --container-runtime docker requires one)"
            );
            Ok(None)
        }
        Err(err) => Err(err),
    }
}

/// The node's parts, found before the server listens.
pub struct Pods {
    pub engine: Engine,
    pub gateway: Option<IpAddr>,
    pub network: String,
    pub endpoint_url: Option<String>,
}

impl Pods {
    /// Starts the node, with the extra listeners containers reach the server at: with a
    /// loopback `listen`, one on the pod network's gateway at `port`; and unless `listen`
    /// is every address, one on the Pod Identity agent's address at `port`, on the
    /// network the node joins pods to. A listener that cannot be had is a warning.
    pub async fn start(
        self,
        state: &irsa_local::state::AppState,
        listen: SocketAddr,
        port: u16,
    ) -> std::io::Result<(Node, Vec<tokio::net::TcpListener>)> {
        let mut extra = Vec::new();
        if let (true, Some(gateway)) = (listen.ip().is_loopback(), self.gateway) {
            let address = SocketAddr::new(gateway, port);
            match tokio::net::TcpListener::bind(address).await {
                Ok(listener) => {
                    tracing::info!(gateway = %address, "listening for containers on http://{address}");
                    extra.push(listener);
                }
                Err(err) => tracing::warn!(
                    gateway = %address,
                    error = %err,
                    "cannot listen on the pod network's gateway; containers may not reach the server (see --pod-endpoint-url)"
                ),
            }
        }
        let agent_network = match agent_network::ensure(&self.engine).await {
            Ok(network) => Some(network.to_owned()),
            Err(err) => {
                tracing::warn!(error = %err, "pods cannot reach the Pod Identity agent's address");
                None
            }
        };
        if agent_network.is_some() && !listen.ip().is_unspecified() {
            let address = SocketAddr::new(pod_identity::AGENT_ADDRESS.into(), port);
            match tokio::net::TcpListener::bind(address).await {
                Ok(listener) => {
                    tracing::info!(agent = %address, "listening for pods as the Pod Identity agent on http://{address}");
                    extra.push(listener);
                }
                Err(err) => tracing::warn!(
                    agent = %address,
                    error = %err,
                    "cannot listen on the Pod Identity agent's address; pods' SDKs will not reach it"
                ),
            }
        }
        let endpoint_url = match self.endpoint_url {
            Some(url) if url.is_empty() => None,
            Some(url) => Some(url),
            None => Some(format!(
                "http://{}:{port}",
                irsa_local::kubelet::spec::HOST_ALIAS
            )),
        };
        let settings = irsa_local::kubelet::Settings {
            network: self.network,
            endpoint_url,
            host_ip: self.gateway.map(|ip| ip.to_string()).unwrap_or_default(),
            agent_network,
        };
        let node = Node::start(state.clone(), self.engine, settings).await?;
        Ok((node, extra))
    }
}
