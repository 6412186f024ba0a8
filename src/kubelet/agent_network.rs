//! How a pod reaches the Pod Identity agent at `169.254.170.23`, the address the webhook
//! names in `AWS_CONTAINER_CREDENTIALS_FULL_URI`. SDKs take plain http only to loopback
//! and the agents' link-local addresses (REFERENCE-2 4.6), so `host.docker.internal` will
//! not do. On an EKS node the agent listens on that address on the host; here an engine
//! network, [`NETWORK`], on `169.254.170.0/24` with its gateway — the host's side of the
//! bridge — at `169.254.170.23` puts the address on the host, where the server also
//! listens, and every container that owns a pod's network is connected to it too (the
//! pod's other containers share that network). Every pod can reach it, as on a node;
//! a pod without the variables never calls it.
//!
//! The network is shared by every server on the engine and never removed. Making it is
//! idempotent and safe against a race: when two servers create it at once, the engine
//! refuses the second one's overlapping subnet, and both then find the first one's.
//!
//! Known gaps: the IPv6 agent address (`fd00:ec2::23`); an engine on another host (a VM
//! of Docker Desktop, a remote `DOCKER_HOST`) puts the address there, not beside the
//! server, so the server cannot listen on it.

use std::collections::HashMap;

use super::engine::{Engine, EngineError};
use crate::pod_identity::AGENT_ADDRESS;

/// The engine network whose gateway is the agent's address.
pub const NETWORK: &str = "irsa-local-pod-identity";
/// Its subnet: the agent's /24, well clear of `169.254.169.254` (instance metadata).
pub const SUBNET: &str = "169.254.170.0/24";
/// The label that says what made the network.
const PURPOSE_LABEL: &str = "io.irsa-local.purpose";

/// Why the network cannot serve the agent's address.
#[derive(Debug, thiserror::Error)]
pub enum AgentNetworkError {
    #[error("the engine refused network {NETWORK}: {0}")]
    Engine(#[from] EngineError),
    #[error(
        "network {NETWORK} exists with subnet {subnet:?} and gateway {gateway:?}, not \
         {SUBNET} with gateway {AGENT_ADDRESS}; remove it (docker network rm {NETWORK})"
    )]
    Mismatch { subnet: String, gateway: String },
}

/// Makes sure [`NETWORK`] exists with the agent's address as its gateway; its name.
pub async fn ensure(engine: &Engine) -> Result<&'static str, AgentNetworkError> {
    if let Some(found) = engine.network_gateway(NETWORK).await? {
        return check(found);
    }
    let labels = HashMap::from([(PURPOSE_LABEL.to_owned(), "pod-identity-agent".to_owned())]);
    let created = engine
        .create_network(NETWORK, SUBNET, &AGENT_ADDRESS.to_string(), labels)
        .await;
    match (created, engine.network_gateway(NETWORK).await?) {
        (Ok(()), _) => Ok(NETWORK),
        // Another server made it between the look and the create.
        (Err(_), Some(found)) => check(found),
        (Err(err), None) => Err(err.into()),
    }
}

/// The network found is the one wanted.
fn check((subnet, gateway): (String, String)) -> Result<&'static str, AgentNetworkError> {
    if subnet == SUBNET && gateway == AGENT_ADDRESS.to_string() {
        Ok(NETWORK)
    } else {
        Err(AgentNetworkError::Mismatch { subnet, gateway })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn found_networks() {
        let cases = [
            ("ours", SUBNET, "169.254.170.23", true),
            ("other_gateway", SUBNET, "169.254.170.1", false),
            ("other_subnet", "172.30.0.0/16", "169.254.170.23", false),
            ("no_ipam", "", "", false),
        ];
        for (name, subnet, gateway, want) in cases {
            assert_eq!(
                check((subnet.to_owned(), gateway.to_owned())).is_ok(),
                want,
                "case {name}"
            );
        }
    }
}
