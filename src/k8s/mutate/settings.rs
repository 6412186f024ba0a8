//! The webhook's flags (`main.go`): the web-identity ones, the container-credentials ones,
//! and the random source that spreads day-long Pod Identity tokens.

use rand::Rng;

use crate::pod_identity;

/// The volume the webhook adds in web-identity mode, and the name it reserves.
pub const VOLUME_NAME: &str = "aws-iam-token";
/// The token's file name inside that volume.
pub const TOKEN_PATH: &str = "token";
/// The webhook's `--token-mount-path` default.
pub const DEFAULT_MOUNT_PATH: &str = "/var/run/secrets/eks.amazonaws.com/serviceaccount";
/// The webhook's `--token-audience` default.
pub const DEFAULT_AUDIENCE: &str = "sts.amazonaws.com";
/// The webhook's `--token-expiration` default: a day.
pub const DEFAULT_TOKEN_EXPIRATION: i64 = 86_400;
/// Shorter expirations are raised to this (kube-apiserver's floor for projected tokens).
pub const MIN_TOKEN_EXPIRATION: i64 = 600;
/// The low end of the spread a day-long Pod Identity token gets: 22 hours
/// (`pkg.DefaultMinTokenExpiration`).
pub const MIN_JITTERED_EXPIRATION: i64 = 79_200;

/// The webhook's flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    /// `--aws-default-region`: sets `AWS_DEFAULT_REGION` and `AWS_REGION` when present.
    pub region: Option<String>,
    /// `--sts-regional-endpoint`: sets `AWS_STS_REGIONAL_ENDPOINTS=regional`.
    pub regional_sts: bool,
    /// `--token-expiration`, in seconds.
    pub token_expiration: i64,
    /// `--token-audience`.
    pub audience: String,
    /// `--token-mount-path`.
    pub mount_path: String,
    /// The `--container-credentials-*` flags, for service accounts with a Pod Identity
    /// association.
    pub container_credentials: ContainerCredentials,
    /// Where a day-long Pod Identity token's expiration comes from.
    pub jitter: Jitter,
}

impl Default for Settings {
    /// The webhook binary's own defaults: no region, global STS.
    fn default() -> Self {
        Self {
            region: None,
            regional_sts: false,
            token_expiration: DEFAULT_TOKEN_EXPIRATION,
            audience: DEFAULT_AUDIENCE.to_owned(),
            mount_path: DEFAULT_MOUNT_PATH.to_owned(),
            container_credentials: ContainerCredentials::default(),
            jitter: Jitter::Random,
        }
    }
}

impl Settings {
    /// What EKS's managed webhook runs with: the cluster's region, and regional STS
    /// endpoints (the EKS default since Kubernetes 1.22, "Configure the AWS Security Token
    /// Service endpoint for a service account" in the EKS user guide).
    pub fn eks(region: &str) -> Self {
        Self {
            region: Some(region.to_owned()),
            regional_sts: true,
            ..Self::default()
        }
    }

    /// These settings with `AWS_CONTAINER_CREDENTIALS_FULL_URI` set to `uri`
    /// (`--container-credentials-full-uri`).
    #[must_use]
    pub fn with_agent_uri(mut self, uri: String) -> Self {
        self.container_credentials.full_uri = uri;
        self
    }
}

/// The `--container-credentials-*` flags.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContainerCredentials {
    /// `--container-credentials-full-uri`: the agent's URI.
    pub full_uri: String,
    /// `--container-credentials-audience`.
    pub audience: String,
    /// `--container-credentials-token-mount-path`.
    pub mount_path: String,
    /// `--container-credentials-token-volume-name`.
    pub volume_name: String,
    /// `--container-credentials-token-path`: the token's file name inside the volume.
    pub token_path: String,
}

impl Default for ContainerCredentials {
    /// The webhook binary's defaults, which are also EKS's.
    fn default() -> Self {
        Self {
            full_uri: pod_identity::UPSTREAM_AGENT_URI.to_owned(),
            audience: pod_identity::AUDIENCE.to_owned(),
            mount_path: pod_identity::MOUNT_PATH.to_owned(),
            volume_name: pod_identity::VOLUME_NAME.to_owned(),
            token_path: pod_identity::VOLUME_NAME.to_owned(),
        }
    }
}

/// How a Pod Identity token that would live exactly a day gets its lifetime
/// (`addJitterToDefaultToken`), so that a node's tokens do not all renew at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Jitter {
    /// Uniformly random in [79200, 86400] seconds, a fresh draw for each pod.
    Random,
    /// Always this many seconds: for tests (upstream's always-zero random source gives
    /// 79200).
    Fixed(i64),
}

impl Jitter {
    /// `seconds`, or a value in the spread when it is exactly the default day.
    pub(super) fn spread(self, seconds: i64) -> i64 {
        if seconds != DEFAULT_TOKEN_EXPIRATION {
            return seconds;
        }
        match self {
            Self::Random => {
                rand::thread_rng().gen_range(MIN_JITTERED_EXPIRATION..=DEFAULT_TOKEN_EXPIRATION)
            }
            Self::Fixed(seconds) => seconds,
        }
    }
}
