//! Token files as the kubelet keeps a projected `serviceAccountToken` volume: minted with
//! the cluster's own keys, written atomically (a reader sees the old token or the new one,
//! never a mix) with mode 0644 and no trailing newline, and replaced by the kubelet's rule
//! ([`refresh`]; REFERENCE.md 8.3). `serve --project` and `irsa-local exec` use it.
//!
//! The node's pods use it too ([`TokenFile::for_pod`]): their tokens are bound to the pod
//! (the `kubernetes.io.pod` claim names it, with its uid), as the kubelet's are.
//!
//! Known gaps: keys added by `keys rotate` sign only after the next start, as for every
//! token.

pub mod refresh;

use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use rand::Rng;
use tokio::sync::watch;

use crate::clock::rfc3339;
use crate::k8s::status::Status;
use crate::k8s::token_request::{self, TokenRequest, TokenRequestSpec};
use crate::persist;
use crate::state::AppState;
use crate::world::{names, random_uuid, ServiceAccount};

/// The audience the pod identity webhook asks for unless told otherwise.
pub const DEFAULT_AUDIENCE: &str = "sts.amazonaws.com";
/// The webhook's default token lifetime (`--token-expiration`).
pub const DEFAULT_EXPIRATION_SECONDS: u64 = 86_400;
/// The shortest lifetime TokenRequest allows; the webhook raises shorter ones to it.
pub const MIN_EXPIRATION_SECONDS: u64 = 600;
/// The longest lifetime TokenRequest allows.
pub const MAX_EXPIRATION_SECONDS: u64 = 1 << 32;
/// Readable by every user, so a container running as another user can read the file.
const FILE_MODE: u32 = 0o644;
const AUDIENCE_ANNOTATION: &str = "eks.amazonaws.com/audience";
const EXPIRATION_ANNOTATION: &str = "eks.amazonaws.com/token-expiration";

/// Why a token file could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ProjectionError {
    #[error("no cluster named {0:?} in the world")]
    UnknownCluster(String),
    #[error("cluster {0:?} has no signing keys")]
    NoKeys(String),
    #[error("{}", .0.message)]
    Refused(Status),
    #[error("cannot write the token file {path}: {source}")]
    Write {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl ProjectionError {
    /// 2 for what the user must fix (names, the world), 1 for a file that cannot be written.
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::UnknownCluster(_) | Self::Refused(_) => 2,
            Self::NoKeys(_) | Self::Write { .. } => 1,
        }
    }
}

/// One `serve --project NAMESPACE/NAME=PATH[,audience=AUDIENCE]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Projection {
    pub namespace: String,
    pub service_account: String,
    pub path: PathBuf,
    /// `None`: the account's `eks.amazonaws.com/audience` annotation, else `sts.amazonaws.com`.
    pub audience: Option<String>,
}

impl FromStr for Projection {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, String> {
        let usage = || format!("{text:?} is not NAMESPACE/NAME=PATH[,audience=AUDIENCE]");
        let (account, target) = text.split_once('=').ok_or_else(usage)?;
        let (namespace, service_account) = account.split_once('/').ok_or_else(usage)?;
        names::dns1123_label(namespace)
            .map_err(|problem| format!("invalid namespace {namespace:?}: {problem}"))?;
        names::dns1123_subdomain(service_account).map_err(|problem| {
            format!("invalid service account name {service_account:?}: {problem}")
        })?;
        let (path, audience) = match target.rsplit_once(",audience=") {
            Some((_, "")) => return Err(format!("{text:?}: the audience is empty")),
            Some((path, audience)) => (path, Some(audience.to_owned())),
            None => (target, None),
        };
        let path = PathBuf::from(path);
        if path.file_name().is_none() || path.as_os_str().to_string_lossy().ends_with('/') {
            return Err(format!("{text:?}: the path must name a file"));
        }
        Ok(Self {
            namespace: namespace.to_owned(),
            service_account: service_account.to_owned(),
            path,
            audience,
        })
    }
}

/// The audience and lifetime of a service account's projected token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenSettings {
    pub audience: String,
    pub expiration_seconds: u64,
}

impl TokenSettings {
    /// As the pod identity webhook picks them for the pod's volume: the explicit value,
    /// else the account's annotation, else the webhook's default. A lifetime outside what
    /// TokenRequest allows is brought within it, as the webhook raises short ones to 600 s.
    pub fn resolve(
        account: Option<&ServiceAccount>,
        audience: Option<&str>,
        expiration_seconds: Option<u64>,
    ) -> Self {
        let annotation = |key: &str| account.and_then(|sa| sa.annotations.get(key));
        let audience = audience
            .or_else(|| annotation(AUDIENCE_ANNOTATION).map(String::as_str))
            .filter(|audience| !audience.is_empty())
            .unwrap_or(DEFAULT_AUDIENCE)
            .to_owned();
        let expiration_seconds = expiration_seconds
            .or_else(|| annotation(EXPIRATION_ANNOTATION).and_then(|value| value.parse().ok()))
            .unwrap_or(DEFAULT_EXPIRATION_SECONDS)
            .clamp(MIN_EXPIRATION_SECONDS, MAX_EXPIRATION_SECONDS);
        Self {
            audience,
            expiration_seconds,
        }
    }
}

/// When the token now in a file was issued and when it expires (Unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    pub issued_at: u64,
    pub expires_at: u64,
}

/// One service account's token file, minted with the keys of the state it was made from.
#[derive(Debug, Clone)]
pub struct TokenFile {
    state: AppState,
    cluster: String,
    namespace: String,
    service_account: String,
    declared: bool,
    settings: TokenSettings,
    path: PathBuf,
    /// The pod the tokens are bound to: its name and uid.
    bound_pod: Option<(String, String)>,
}

/// The pod a projected token belongs to.
#[derive(Debug, Clone)]
pub struct PodBinding {
    pub cluster: String,
    pub namespace: String,
    pub service_account: String,
    pub name: String,
    pub uid: String,
}

impl TokenFile {
    /// The file for `projection` in `cluster` (the default cluster when `None`), with an
    /// explicit lifetime or the one [`TokenSettings::resolve`] picks.
    pub fn new(
        state: &AppState,
        cluster: Option<&str>,
        projection: &Projection,
        expiration_seconds: Option<u64>,
    ) -> Result<Self, ProjectionError> {
        let snapshot = state.current();
        let world = snapshot.world();
        let cluster = world
            .cluster_or_default(cluster)
            .map_err(ProjectionError::UnknownCluster)?;
        let account = cluster.service_account(&projection.namespace, &projection.service_account);
        Ok(Self {
            state: state.clone(),
            cluster: cluster.name.to_string(),
            namespace: projection.namespace.clone(),
            service_account: projection.service_account.clone(),
            declared: account.is_some(),
            settings: TokenSettings::resolve(
                account,
                projection.audience.as_deref(),
                expiration_seconds,
            ),
            path: projection.path.clone(),
            bound_pod: None,
        })
    }

    /// A pod's `serviceAccountToken` projection: `audience` (empty: the API server's
    /// audiences) for `expiration_seconds`, bound to the pod, written at `path`.
    pub fn for_pod(
        state: &AppState,
        pod: &PodBinding,
        audience: &str,
        expiration_seconds: u64,
        path: PathBuf,
    ) -> Self {
        Self {
            state: state.clone(),
            cluster: pod.cluster.clone(),
            namespace: pod.namespace.clone(),
            service_account: pod.service_account.clone(),
            declared: true,
            settings: TokenSettings {
                audience: audience.to_owned(),
                expiration_seconds: expiration_seconds
                    .clamp(MIN_EXPIRATION_SECONDS, MAX_EXPIRATION_SECONDS),
            },
            path,
            bound_pod: Some((pod.name.clone(), pod.uid.clone())),
        }
    }

    /// Where the token is written.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The audience and lifetime of its tokens.
    pub fn settings(&self) -> &TokenSettings {
        &self.settings
    }

    /// Whether the world declares the service account (tokens are minted either way).
    pub fn is_declared(&self) -> bool {
        self.declared
    }

    /// Mints a token now and replaces the file with it, creating missing parent folders.
    pub fn write(&self) -> Result<Written, ProjectionError> {
        let snapshot = self.state.current();
        let cluster = snapshot
            .world()
            .cluster(&self.cluster)
            .ok_or_else(|| ProjectionError::UnknownCluster(self.cluster.clone()))?;
        let keys = snapshot
            .keys_of(cluster)
            .ok_or_else(|| ProjectionError::NoKeys(self.cluster.clone()))?;
        let now = self.state.now();
        let request = TokenRequest {
            spec: TokenRequestSpec {
                audiences: match self.settings.audience.as_str() {
                    "" => Vec::new(),
                    audience => vec![audience.to_owned()],
                },
                expiration_seconds: Some(
                    i64::try_from(self.settings.expiration_seconds).unwrap_or(i64::MAX),
                ),
                bound_object_ref: self.bound_pod.as_ref().map(|(name, uid)| {
                    token_request::BoundObjectReference {
                        kind: "Pod".to_owned(),
                        api_version: "v1".to_owned(),
                        name: name.clone(),
                        uid: Some(uid.clone()),
                    }
                }),
            },
            ..TokenRequest::default()
        };
        let response = token_request::issue(
            cluster,
            keys,
            &self.namespace,
            &self.service_account,
            &request,
            now,
            &random_uuid(),
        )
        .map_err(ProjectionError::Refused)?;
        let write_error = |source| ProjectionError::Write {
            path: self.path.display().to_string(),
            source,
        };
        if let Some(parent) = self.path.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).map_err(write_error)?;
        }
        persist::replace_atomic(&self.path, response.token().as_bytes(), FILE_MODE)
            .map_err(write_error)?;
        Ok(Written {
            issued_at: now,
            expires_at: now.saturating_add(self.settings.expiration_seconds),
        })
    }
}

/// Writes the first token of every projection in the default cluster, in order; the
/// first failure stops the start.
pub fn write_all(
    state: &AppState,
    projections: &[Projection],
    expiration_seconds: Option<u64>,
) -> Result<Vec<(TokenFile, Written)>, ProjectionError> {
    projections
        .iter()
        .map(|projection| {
            let file = TokenFile::new(state, None, projection, expiration_seconds)?;
            let written = file.write()?;
            if !file.is_declared() {
                tracing::warn!(
                    account = %format!("{}/{}", projection.namespace, projection.service_account),
                    "the world declares no such service account; its token is minted anyway"
                );
            }
            tracing::info!(
                path = %file.path().display(),
                audience = %file.settings().audience,
                expires = %rfc3339(written.expires_at),
                "wrote the token file"
            );
            Ok((file, written))
        })
        .collect()
}

/// Keeps each file fresh on the current Tokio runtime; sending on the returned channel
/// replaces every file at once.
pub fn spawn_all(files: Vec<(TokenFile, Written)>) -> watch::Sender<()> {
    let (refresh_now, _) = watch::channel(());
    for (file, written) in files {
        tokio::spawn(keep_fresh(file, written, refresh_now.subscribe()));
    }
    refresh_now
}

/// Replaces the file whenever the kubelet's rule says so, or at once when `refresh_now`
/// changes, for as long as the task runs. A failed refresh leaves the old token in place
/// (the kubelet keeps it too) and is tried again [`refresh::RETRY_SECONDS`] later.
pub async fn keep_fresh(file: TokenFile, current: Written, refresh_now: watch::Receiver<()>) {
    let path = file.path.display().to_string();
    let state = file.state.clone();
    refresh_loop(&path, || state.now(), || file.write(), current, refresh_now).await;
}

/// The loop of [`keep_fresh`] over any clock and writer, so tests can make writes fail.
async fn refresh_loop(
    path: &str,
    now: impl Fn() -> u64,
    mut write: impl FnMut() -> Result<Written, ProjectionError>,
    mut current: Written,
    refresh_now: watch::Receiver<()>,
) {
    let mut refresh_now = Some(refresh_now);
    let mut forced = false;
    loop {
        let jitter = rand::thread_rng().gen_range(0..refresh::MAX_JITTER_SECONDS);
        let checked_at = now();
        let mut wait =
            refresh::seconds_until_check(checked_at, current.issued_at, current.expires_at, jitter);
        if forced
            || refresh::requires_refresh(checked_at, current.issued_at, current.expires_at, jitter)
        {
            // Minting and a small fsynced write take a few milliseconds, once a day per
            // file: not worth a trip to the blocking pool.
            match write() {
                Ok(written) => {
                    current = written;
                    tracing::info!(path, expires = %rfc3339(written.expires_at), "refreshed the token file");
                    wait = refresh::seconds_until_check(
                        now(),
                        written.issued_at,
                        written.expires_at,
                        jitter,
                    );
                }
                Err(err) => {
                    let expired = now() > current.expires_at;
                    tracing::warn!(
                        path,
                        error = %err,
                        old_token_expired = expired,
                        "cannot refresh the token file; the old token stays, retrying in {} s",
                        refresh::RETRY_SECONDS
                    );
                    wait = refresh::RETRY_SECONDS;
                }
            }
        }
        let forced_signal = async {
            match refresh_now.as_mut() {
                Some(receiver) => receiver.changed().await.is_ok(),
                None => std::future::pending().await,
            }
        };
        let woke_by = tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(wait)) => None,
            open = forced_signal => Some(open),
        };
        forced = woke_by == Some(true);
        if woke_by == Some(false) {
            // Nobody can force a refresh any more; the timer alone drives the loop.
            refresh_now = None;
        }
    }
}

#[cfg(test)]
mod tests;
