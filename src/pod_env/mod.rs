//! A local process as a pod that the pod identity webhook mutated: the variables the
//! webhook would give it, `AWS_ENDPOINT_URL` pointing at this server, and the token file
//! its projected volume would hold, minted offline with the data dir's keys. `irsa-local
//! env` prints them as shell commands; `irsa-local exec` ([`exec`]) runs a command with
//! them and keeps the token fresh while it runs.
//!
//! Two ways, chosen as the webhook chooses ([`mode`]): IRSA (REFERENCE.md 9.2:
//! `AWS_ROLE_ARN` and `AWS_WEB_IDENTITY_TOKEN_FILE`), or EKS Pod Identity (REFERENCE-2
//! 4.5: `AWS_CONTAINER_CREDENTIALS_FULL_URI`, this server's agent endpoint on a loopback
//! address, and `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`, a token for
//! `pods.eks.amazonaws.com`).
//!
//! Credentials that botocore's chain (REFERENCE.md 10.1) would pick first are removed
//! ([`SHADOWING_VARIABLES`], and in Pod Identity mode [`WEB_IDENTITY_VARIABLES`] too).
//! Known gaps: a `[default]` profile in `~/.aws/config` with `role_arn` and
//! `source_profile` still wins, as it does in a pod; Pod Identity tokens name no pod
//! (there is none), so the session is named after the service account and carries no
//! `kubernetes-pod-name` or `kubernetes-pod-uid` tag.

pub mod exec;
pub mod mode;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use self::mode::Mode;

use self::mode::Chosen;
use crate::clock::SystemClock;
use crate::config::Config;
use crate::pod_identity;
use crate::projection::{Projection, ProjectionError, TokenFile, Written};
use crate::{App, StartError};

/// The annotation that names the role; without it the webhook leaves a pod alone.
pub const ROLE_ARN_ANNOTATION: &str = "eks.amazonaws.com/role-arn";

/// Variables that make an SDK use other credentials than the web identity token, or fail
/// before it gets there. botocore's chain reads the environment keys first and a profile's
/// `role_arn`/`source_profile` next, both before web identity, and an `AWS_PROFILE` that
/// names no profile is an error; the Java SDK v1 also reads `AWS_ACCESS_KEY`/`AWS_SECRET_KEY`.
/// `AWS_CONFIG_FILE` and `AWS_SHARED_CREDENTIALS_FILE` stay: their static keys come after
/// web identity, and they carry settings the command may need.
pub const SHADOWING_VARIABLES: &[&str] = &[
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_CREDENTIAL_EXPIRATION",
    "AWS_ACCESS_KEY",
    "AWS_SECRET_KEY",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
];

/// What SDK chains try before the container provider (web identity), or instead of the
/// full URI (`RELATIVE_URI`, the ECS form); removed in Pod Identity mode so the agent is
/// what answers, as in a pod the webhook gave only the container variables.
pub const WEB_IDENTITY_VARIABLES: &[&str] = &[
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_ROLE_SESSION_NAME",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_AUTHORIZATION_TOKEN",
];

/// Why the environment could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum PodEnvError {
    #[error(transparent)]
    Start(#[from] StartError),
    #[error("no cluster named {0:?} in the world")]
    UnknownCluster(String),
    #[error(
        "no service account {account} in cluster {cluster}: declare it in the world file or \
         create it through the Kubernetes API (POST /api/v1/namespaces/<ns>/serviceaccounts)"
    )]
    NoServiceAccount { account: String, cluster: String },
    #[error(
        "service account {account} has no {ROLE_ARN_ANNOTATION} annotation and no Pod \
         Identity association, so the pod identity webhook would give its pods no AWS \
         variables; annotate it with the role to assume, or create an association (aws eks \
         create-pod-identity-association)"
    )]
    NoRoleArn { account: String },
    #[error(
        "service account {namespace}/{name} has no Pod Identity association in cluster \
         {cluster}, so the agent would refuse its token; create one (aws eks \
         create-pod-identity-association --cluster-name {cluster} --namespace {namespace} \
         --service-account {name} --role-arn <role>)"
    )]
    NoAssociation {
        namespace: String,
        name: String,
        cluster: String,
    },
    #[error(transparent)]
    Projection(#[from] ProjectionError),
    #[error("cannot make the token file path {path} absolute: {source}")]
    Path {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

impl PodEnvError {
    /// 2 for what the user must fix (names, annotations, the world), 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            Self::Start(err) => err.exit_code(),
            Self::UnknownCluster(_)
            | Self::NoServiceAccount { .. }
            | Self::NoRoleArn { .. }
            | Self::NoAssociation { .. } => 2,
            Self::Projection(err) => err.exit_code(),
            Self::Path { .. } => 1,
        }
    }
}

/// What `env` and `exec` are asked for.
#[derive(Debug, Clone)]
pub struct PodEnvOptions {
    /// The cluster; the world's default cluster when `None`.
    pub cluster: Option<String>,
    pub namespace: String,
    pub service_account: String,
    /// Where to write the token; when `None`, [`default_token_path`] for IRSA and
    /// `eks-pod-identity-token` beside it for Pod Identity.
    pub token_file: Option<PathBuf>,
    /// The server's URL, for `AWS_ENDPOINT_URL` (and the agent's URI in Pod Identity mode).
    pub endpoint_url: String,
    /// The token's lifetime; the account's annotation or the webhook's default when `None`.
    pub expiration_seconds: Option<u64>,
    /// IRSA, Pod Identity, or as the webhook would choose.
    pub mode: Mode,
}

/// The variables and the token file written for them.
#[derive(Debug)]
pub struct PodEnv {
    variables: Vec<(&'static str, String)>,
    unset: Vec<&'static str>,
    token_file: TokenFile,
    written: Written,
    notes: Vec<String>,
}

impl PodEnv {
    /// Loads the world (the data dir's saved state over the world file), checks the service
    /// account, writes its token and returns the variables that point at it.
    pub fn prepare(config: &Config, options: &PodEnvOptions) -> Result<Self, PodEnvError> {
        let app = App::build(config, Arc::new(SystemClock))?;
        let snapshot = app.state().current();
        let world = snapshot.world();
        let cluster = world
            .cluster_or_default(options.cluster.as_deref())
            .map_err(PodEnvError::UnknownCluster)?;
        let account = format!("{}/{}", options.namespace, options.service_account);
        let association =
            cluster.pod_identity_association(&options.namespace, &options.service_account);
        let chosen = options.mode.choose(association.is_some());
        // What the chosen way needs from the world, checked before any file is written.
        let role_arn = match chosen {
            Chosen::PodIdentity => {
                if association.is_none() {
                    return Err(PodEnvError::NoAssociation {
                        namespace: options.namespace.clone(),
                        name: options.service_account.clone(),
                        cluster: cluster.name.to_string(),
                    });
                }
                None
            }
            Chosen::Irsa => {
                let service_account = cluster
                    .service_account(&options.namespace, &options.service_account)
                    .ok_or_else(|| PodEnvError::NoServiceAccount {
                        account: account.clone(),
                        cluster: cluster.name.to_string(),
                    })?;
                let role_arn = service_account
                    .annotations
                    .get(ROLE_ARN_ANNOTATION)
                    .filter(|arn| !arn.is_empty())
                    .ok_or(PodEnvError::NoRoleArn { account })?;
                Some(role_arn.clone())
            }
        };
        let path = match options.token_file.clone() {
            Some(path) => path,
            None => {
                let path = default_token_path(
                    &config.data_dir,
                    cluster.name.as_str(),
                    &options.namespace,
                    &options.service_account,
                );
                let path = match chosen {
                    Chosen::Irsa => path,
                    Chosen::PodIdentity => path.with_file_name(pod_identity::VOLUME_NAME),
                };
                private_token_dirs(&config.data_dir, &path).map_err(|source| {
                    PodEnvError::Path {
                        path: path.display().to_string(),
                        source,
                    }
                })?;
                path
            }
        };
        // The variable must name the file from any working directory.
        let path = std::path::absolute(&path).map_err(|source| PodEnvError::Path {
            path: path.display().to_string(),
            source,
        })?;
        let projection = Projection {
            namespace: options.namespace.clone(),
            service_account: options.service_account.clone(),
            path: path.clone(),
            audience: match chosen {
                Chosen::Irsa => None,
                Chosen::PodIdentity => Some(pod_identity::AUDIENCE.to_owned()),
            },
        };
        let token_file = TokenFile::new(
            app.state(),
            Some(cluster.name.as_str()),
            &projection,
            options.expiration_seconds,
        )?;
        let written = token_file.write()?;
        let region = world.account.region.to_string();
        let token_path = path.display().to_string();
        let mut notes = Vec::new();
        // In the order the webhook appends them, then the endpoint.
        let mut variables = vec![
            ("AWS_STS_REGIONAL_ENDPOINTS", "regional".to_owned()),
            ("AWS_DEFAULT_REGION", region.clone()),
            ("AWS_REGION", region),
        ];
        let mut unset = SHADOWING_VARIABLES.to_vec();
        match role_arn {
            Some(role_arn) => {
                variables.push(("AWS_ROLE_ARN", role_arn));
                variables.push(("AWS_WEB_IDENTITY_TOKEN_FILE", token_path));
            }
            None => {
                let (uri, replaced) = mode::credentials_uri(&options.endpoint_url);
                if replaced {
                    notes.push(format!(
                        "SDKs take plain http only from a loopback address, so {} is {uri}: \
                         the server must answer there (or give an https:// endpoint URL)",
                        pod_identity::FULL_URI_VAR
                    ));
                }
                variables.push((pod_identity::FULL_URI_VAR, uri));
                variables.push((pod_identity::TOKEN_FILE_VAR, token_path));
                unset.extend_from_slice(WEB_IDENTITY_VARIABLES);
            }
        }
        variables.push(("AWS_ENDPOINT_URL", options.endpoint_url.clone()));
        Ok(Self {
            variables,
            unset,
            token_file,
            written,
            notes,
        })
    }

    /// The variables to set, by name.
    pub fn variables(&self) -> &[(&'static str, String)] {
        &self.variables
    }

    /// The variables to remove from the environment: those that would win over these.
    pub fn unset(&self) -> &[&'static str] {
        &self.unset
    }

    /// What the user should know about the variables (printed on standard error).
    pub fn notes(&self) -> &[String] {
        &self.notes
    }

    /// POSIX shell commands that set the variables and unset the shadowing ones. Every
    /// command ends in `;`, so even an unquoted `eval $(irsa-local env …)` runs them apart.
    pub fn shell_commands(&self) -> String {
        let mut script = format!("unset {};\n", self.unset.join(" "));
        for (name, value) in &self.variables {
            script.push_str(&format!("export {name}={};\n", shell_quote(value)));
        }
        script
    }

    /// The token file and its current token, to keep fresh.
    pub fn into_token(self) -> (TokenFile, Written) {
        (self.token_file, self.written)
    }
}

/// `<data-dir>/tokens/<cluster>/<namespace>/<name>/token`: stable, so a shell that ran
/// `eval "$(irsa-local env …)"` once reads the token a later run rewrites.
pub fn default_token_path(data_dir: &Path, cluster: &str, namespace: &str, name: &str) -> PathBuf {
    data_dir
        .join("tokens")
        .join(cluster)
        .join(namespace)
        .join(name)
        .join("token")
}

/// Creates the folders of a token under `<data-dir>/tokens` with mode 0700 whatever the
/// umask, and narrows `tokens/` itself to 0700 (an older version made it as the umask
/// allowed): the files below are credentials. A `--token-file` elsewhere is the user's
/// choice of place and keeps its folders' modes.
fn private_token_dirs(data_dir: &Path, token: &Path) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    if let Some(folder) = token.parent() {
        crate::persist::ensure_private_dir(folder)?;
    }
    std::fs::set_permissions(
        data_dir.join("tokens"),
        std::fs::Permissions::from_mode(0o700),
    )
}

/// `value` in single quotes, each `'` inside written as `'\''`.
pub fn shell_quote(value: &str) -> String {
    format!("'{}'", value.replace('\'', r"'\''"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting() {
        let cases = [
            ("plain", "us-west-2", "'us-west-2'"),
            ("empty", "", "''"),
            ("space", "/tmp/my dir/token", "'/tmp/my dir/token'"),
            ("single_quote", "it's", r"'it'\''s'"),
            (
                "shell_syntax_stays_literal",
                "$(rm -rf ~);`x`",
                "'$(rm -rf ~);`x`'",
            ),
        ];
        for (name, value, want) in cases {
            assert_eq!(shell_quote(value), want, "case {name}");
        }
    }

    #[test]
    fn quoted_values_round_trip_through_sh() {
        for value in [
            "it's",
            "a b  c",
            "$HOME",
            "\\n",
            "\"",
            "tab\there",
            "new\nline",
        ] {
            let output = std::process::Command::new("sh")
                .arg("-c")
                .arg(format!("printf %s {}", shell_quote(value)))
                .output()
                .unwrap();
            assert_eq!(String::from_utf8_lossy(&output.stdout), value, "{value:?}");
        }
    }
}
