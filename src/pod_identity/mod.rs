//! EKS Pod Identity's fixed names, shared by the EKS Auth API, the agent's credentials
//! endpoint, the webhook's container-credentials mutation and the local `env`/`exec` mode.
//! <https://docs.aws.amazon.com/eks/latest/userguide/pod-identities.html>

/// The audience of a pod identity token, and the service principal a role's trust policy
/// names for EKS Pod Identity.
pub const AUDIENCE: &str = "pods.eks.amazonaws.com";
/// The trust policy's `Principal.Service`.
pub const SERVICE_PRINCIPAL: &str = "pods.eks.amazonaws.com";
/// The projected volume the webhook adds, and the token's file name inside it.
pub const VOLUME_NAME: &str = "eks-pod-identity-token";
/// Where the webhook mounts the volume.
pub const MOUNT_PATH: &str = "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount";
/// The agent's path.
pub const AGENT_PATH: &str = "/v1/credentials";
/// The link-local address the EKS Pod Identity Agent listens on (port 80 on real nodes).
pub const AGENT_ADDRESS: std::net::Ipv4Addr = std::net::Ipv4Addr::new(169, 254, 170, 23);
/// The URI upstream's webhook injects.
pub const UPSTREAM_AGENT_URI: &str = "http://169.254.170.23/v1/credentials";
/// The variable SDKs read the agent's URI from.
pub const FULL_URI_VAR: &str = "AWS_CONTAINER_CREDENTIALS_FULL_URI";
/// The variable SDKs read the token file's path from.
pub const TOKEN_FILE_VAR: &str = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE";
/// The label the webhook puts on a pod it mutated for Pod Identity.
pub const POD_LABEL: &str = "eks.amazonaws.com/pod-identity";

/// `<mount path>/eks-pod-identity-token`.
pub fn token_file() -> String {
    format!("{MOUNT_PATH}/{VOLUME_NAME}")
}

/// The agent's URI on `host:port`, as this server serves it.
pub fn agent_uri(host: &str, port: u16) -> String {
    format!("http://{host}:{port}{AGENT_PATH}")
}
