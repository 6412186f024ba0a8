//! The pod mutation of amazon-eks-pod-identity-webhook in web-identity mode
//! (`pkg/handler/handler.go`, `pkg/cache/cache.go`): a pod whose ServiceAccount carries
//! `eks.amazonaws.com/role-arn` gets `AWS_ROLE_ARN` and `AWS_WEB_IDENTITY_TOKEN_FILE` (and,
//! as configured, `AWS_STS_REGIONAL_ENDPOINTS`, `AWS_DEFAULT_REGION`, `AWS_REGION`) in every
//! container and init container, the projected `aws-iam-token` volume and its read-only
//! mount. <https://github.com/aws/amazon-eks-pod-identity-webhook>
//!
//! Pure: a pod as JSON and the account's annotations in, the JSON Patch and the patched
//! pod out. Differences from the webhook, on purpose:
//! - Containers are carried through as given: the webhook re-marshals them through Go's
//!   `corev1.Container`, which drops unknown fields and adds `"resources":{}`.
//! - [`Mutation::changed`] says whether the patch changes anything; the admission handler
//!   then leaves a no-op patch out, where the webhook sends it anyway.
//!
//! A pod that declares its own `aws-iam-token` volume keeps it and still gets the
//! variables and the mount in each container that has none of that name, as the webhook
//! does since v0.3.0.
//!
//! Not supported: the container-credentials (EKS Pod Identity) mode, the ConfigMap source
//! of role ARNs and `--annotation-prefix` (the domain is always `eks.amazonaws.com`).

mod patch;
mod pod;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::world::Cluster;
pub use patch::{apply, ApplyError, PatchOperation};
use pod::PodView;

/// The volume the webhook adds, and the name it reserves.
pub const VOLUME_NAME: &str = "aws-iam-token";
/// The token's file name inside the volume.
pub const TOKEN_PATH: &str = "token";
/// The webhook's `--token-mount-path` default.
pub const DEFAULT_MOUNT_PATH: &str = "/var/run/secrets/eks.amazonaws.com/serviceaccount";
/// The webhook's `--token-audience` default.
pub const DEFAULT_AUDIENCE: &str = "sts.amazonaws.com";
/// The webhook's `--token-expiration` default: a day.
pub const DEFAULT_TOKEN_EXPIRATION: i64 = 86_400;
/// Shorter expirations are raised to this (kube-apiserver's floor for projected tokens).
pub const MIN_TOKEN_EXPIRATION: i64 = 600;

const ROLE_ARN_ANNOTATION: &str = "eks.amazonaws.com/role-arn";
const AUDIENCE_ANNOTATION: &str = "eks.amazonaws.com/audience";
const REGIONAL_STS_ANNOTATION: &str = "eks.amazonaws.com/sts-regional-endpoints";
const TOKEN_EXPIRATION_ANNOTATION: &str = "eks.amazonaws.com/token-expiration";
const SKIP_CONTAINERS_ANNOTATION: &str = "eks.amazonaws.com/skip-containers";

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
}

/// Why a pod cannot be mutated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PodError {
    /// A field of the wrong JSON type, which the webhook's Go types refuse to unmarshal.
    #[error("the pod's {field} must be {expected}, not {found}")]
    Shape {
        field: String,
        expected: &'static str,
        found: &'static str,
    },
    #[error("the patch does not apply to the pod: {0}")]
    Patch(#[from] ApplyError),
}

impl PodError {
    fn new(path: &str, expected: &'static str, found: &Value) -> Self {
        let found = match found {
            Value::Null => "null",
            Value::Bool(_) => "a boolean",
            Value::Number(_) => "a number",
            Value::String(_) => "a string",
            Value::Array(_) => "a list",
            Value::Object(_) => "an object",
        };
        let field = if path.is_empty() { "document" } else { path };
        Self::Shape {
            field: field.to_owned(),
            expected,
            found,
        }
    }
}

/// What the webhook does with a pod.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// The service account has no (or an empty) role ARN: the pod is admitted as is.
    NoRole,
    /// The pod gets a patch.
    Mutated(Mutation),
}

/// The patch for a pod, and the pod with it applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Mutation {
    /// The operations in the webhook's order: volume, containers, init containers.
    pub patch: Vec<PatchOperation>,
    pub pod: Value,
    /// False when every container already had what the webhook adds.
    pub changed: bool,
}

/// The service account a pod runs as: `spec.serviceAccountName`, or `default` (what the
/// API server's ServiceAccount admission fills in before webhooks run).
pub fn service_account_name(pod: &Value) -> &str {
    match pod
        .pointer("/spec/serviceAccountName")
        .and_then(Value::as_str)
    {
        Some(name) if !name.is_empty() => name,
        _ => "default",
    }
}

/// Mutates `pod`, created in `namespace` of `cluster`, with its service account's
/// annotations from that cluster.
pub fn mutate_in_cluster(
    cluster: &Cluster,
    namespace: &str,
    pod: &Value,
    settings: &Settings,
) -> Result<Outcome, PodError> {
    let account = cluster.service_account(namespace, service_account_name(pod));
    mutate(pod, account.map(|sa| &sa.annotations), settings)
}

/// Mutates `pod` as the webhook would, given its service account's annotations (`None`
/// for an account that does not exist).
pub fn mutate(
    pod: &Value,
    account_annotations: Option<&BTreeMap<String, String>>,
    settings: &Settings,
) -> Result<Outcome, PodError> {
    let view = PodView::read(pod)?;
    let Some(config) = account_annotations.and_then(|a| AccountConfig::read(a, settings)) else {
        return Ok(Outcome::NoRole);
    };
    let token_expiration = view
        .annotations
        .get(TOKEN_EXPIRATION_ANNOTATION)
        .and_then(|value| value.parse::<i64>().ok())
        .map_or(config.token_expiration, |seconds| {
            seconds.max(MIN_TOKEN_EXPIRATION)
        });
    let skipped = view
        .annotations
        .get(SKIP_CONTAINERS_ANNOTATION)
        .map(|value| pod::skip_containers(value))
        .unwrap_or_default();

    // A volume of that name, the webhook's or the pod's own, is not added again; the
    // variables and mounts still are (webhook v0.3.0 on).
    let volume_exists = view.volumes.iter().flatten().any(|v| v.name == VOLUME_NAME);

    let injection = Injection {
        role_arn: config.role_arn,
        token_file: token_file(&settings.mount_path, &view.node_selector),
        mount_path: &settings.mount_path,
        // `m.Region != ""`: an empty region is no region, not empty variables.
        region: settings
            .region
            .as_deref()
            .filter(|region| !region.is_empty()),
        regional_sts: config.regional_sts,
    };
    let mut changed = false;
    let mut rewrite = |containers: &[&Map<String, Value>], path: &str| -> Result<Value, PodError> {
        let mut rewritten = Vec::with_capacity(containers.len());
        for (i, container) in containers.iter().enumerate() {
            let container_path = format!("{path}[{i}]");
            let mut copy = (*container).clone();
            let name = pod::container_name(container, &container_path)?;
            if !skipped.iter().any(|s| s == name) {
                changed |= injection.apply(&mut copy, &container_path)?;
            }
            rewritten.push(Value::Object(copy));
        }
        Ok(Value::Array(rewritten))
    };
    let init_containers = rewrite(&view.init_containers, "spec.initContainers")?;
    let containers = rewrite(&view.containers, "spec.containers")?;

    let mut patch = Vec::new();
    if !volume_exists {
        let volume = json!({
            "name": VOLUME_NAME,
            "projected": {"sources": [{"serviceAccountToken": {
                "audience": config.audience,
                "expirationSeconds": token_expiration,
                "path": TOKEN_PATH,
            }}]},
        });
        patch.push(match view.volumes {
            None => PatchOperation::add("/spec/volumes", Value::Array(vec![volume])),
            Some(_) => PatchOperation::add("/spec/volumes/0", volume),
        });
        changed = true;
    }
    patch.push(PatchOperation::add("/spec/containers", containers));
    if !view.init_containers.is_empty() {
        patch.push(PatchOperation::add("/spec/initContainers", init_containers));
    }
    // The pod may lack `spec` altogether; give the patch a parent to land in, as the API
    // server's own object always has one.
    let mut base = pod.clone();
    if let Value::Object(map) = &mut base {
        if map.get("spec").is_none_or(Value::is_null) {
            map.insert("spec".to_owned(), json!({}));
        }
    }
    // `PodView::read` checked that `spec` and `spec.volumes` are what the paths need.
    let pod = apply(&base, &patch)?;
    Ok(Outcome::Mutated(Mutation {
        patch,
        pod,
        changed,
    }))
}

/// The service account's settings, annotations over flags (`cache.go` `addSA`).
struct AccountConfig<'a> {
    role_arn: &'a str,
    audience: &'a str,
    regional_sts: bool,
    token_expiration: i64,
}

impl<'a> AccountConfig<'a> {
    /// `None` when the account has no role ARN to inject.
    fn read(annotations: &'a BTreeMap<String, String>, settings: &'a Settings) -> Option<Self> {
        let role_arn = annotations
            .get(ROLE_ARN_ANNOTATION)
            .filter(|arn| !arn.is_empty())?;
        let get = |key: &str| annotations.get(key).map(String::as_str);
        Some(Self {
            role_arn,
            audience: get(AUDIENCE_ANNOTATION).unwrap_or(&settings.audience),
            regional_sts: get(REGIONAL_STS_ANNOTATION)
                .and_then(pod::parse_bool)
                .unwrap_or(settings.regional_sts),
            token_expiration: get(TOKEN_EXPIRATION_ANNOTATION)
                .and_then(|value| value.parse::<i64>().ok())
                .map_or(settings.token_expiration, |s| s.max(MIN_TOKEN_EXPIRATION)),
        })
    }
}

/// What goes into each container.
struct Injection<'a> {
    role_arn: &'a str,
    token_file: String,
    mount_path: &'a str,
    region: Option<&'a str>,
    regional_sts: bool,
}

impl Injection<'_> {
    /// `addEnvToContainer`: appends the variables the container lacks and the mount;
    /// returns whether anything was added.
    fn apply(&self, container: &mut Map<String, Value>, path: &str) -> Result<bool, PodError> {
        let names = pod::env_names(container, path)?;
        let has = |wanted: &[&str]| names.iter().any(|name| wanted.contains(name));
        let web_identity = has(&["AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"]);
        let region = has(&["AWS_REGION", "AWS_DEFAULT_REGION"]);
        let sts = has(&["AWS_STS_REGIONAL_ENDPOINTS"]);
        if web_identity && region && sts {
            // The webhook returns before the mount too.
            return Ok(false);
        }
        let mounted = pod::mount_names(container, path)?.contains(&VOLUME_NAME);

        let mut env = Vec::new();
        if !sts && self.regional_sts {
            env.push(("AWS_STS_REGIONAL_ENDPOINTS", "regional"));
        }
        if let (false, Some(value)) = (region, self.region) {
            env.extend([("AWS_DEFAULT_REGION", value), ("AWS_REGION", value)]);
        }
        if !web_identity {
            env.extend([
                ("AWS_ROLE_ARN", self.role_arn),
                ("AWS_WEB_IDENTITY_TOKEN_FILE", self.token_file.as_str()),
            ]);
        }
        let changed = !env.is_empty() || !mounted;
        if !env.is_empty() {
            let entries = env
                .into_iter()
                .map(|(name, value)| json!({"name": name, "value": value}));
            push_all(container, "env", entries);
        }
        if !mounted {
            let mount =
                json!({"name": VOLUME_NAME, "readOnly": true, "mountPath": self.mount_path});
            push_all(container, "volumeMounts", [mount]);
        }
        Ok(changed)
    }
}

/// Appends to the list at `key`, creating it when absent or null.
fn push_all(
    container: &mut Map<String, Value>,
    key: &str,
    values: impl IntoIterator<Item = Value>,
) {
    let list = container
        .entry(key)
        .and_modify(|list| {
            if list.is_null() {
                *list = Value::Array(Vec::new());
            }
        })
        .or_insert_with(|| Value::Array(Vec::new()));
    if let Value::Array(items) = list {
        items.extend(values);
    }
}

/// `<mount path>/token`, or its `C:\…` form for a pod that selects Windows nodes.
fn token_file(mount_path: &str, node_selector: &BTreeMap<&str, &str>) -> String {
    let path = format!("{}/{TOKEN_PATH}", mount_path.trim_end_matches('/'));
    let windows = ["kubernetes.io/os", "beta.kubernetes.io/os"]
        .iter()
        .any(|key| node_selector.get(key) == Some(&"windows"));
    if windows {
        format!("C:{}", path.replace('/', "\\"))
    } else {
        path
    }
}
