//! The pod mutation of amazon-eks-pod-identity-webhook (`pkg/handler/handler.go`,
//! `pkg/cache/cache.go`, `pkg/containercredentials/`), in both of its modes:
//! <https://github.com/aws/amazon-eks-pod-identity-webhook>
//! - Container credentials (EKS Pod Identity), when the pod's (namespace, service account)
//!   has a Pod Identity association (upstream: is listed in the
//!   `--watch-container-credentials-config` file EKS fills from associations). It wins over
//!   a role ARN: the label `eks.amazonaws.com/pod-identity: enabled`, the projected
//!   `eks-pod-identity-token` volume (audience `pods.eks.amazonaws.com`), and in every
//!   container `AWS_CONTAINER_CREDENTIALS_FULL_URI` and
//!   `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE` with the read-only mount. A token that would
//!   live exactly a day gets a random lifetime in [79200, 86400] seconds.
//! - Web identity (IRSA), when the account carries `eks.amazonaws.com/role-arn`:
//!   `AWS_ROLE_ARN` and `AWS_WEB_IDENTITY_TOKEN_FILE`, the projected `aws-iam-token` volume
//!   and its read-only mount.
//!
//! Either way, as configured, `AWS_STS_REGIONAL_ENDPOINTS`, `AWS_DEFAULT_REGION` and
//! `AWS_REGION` come first, each only where absent, in containers and init containers
//! alike, minus those `eks.amazonaws.com/skip-containers` names.
//!
//! Pure: a pod as JSON and what is known of its account in, the JSON Patch and the patched
//! pod out. Differences from the webhook, on purpose:
//! - Containers are carried through as given: the webhook re-marshals them through Go's
//!   `corev1.Container`, which drops unknown fields and adds `"resources":{}`.
//! - [`Mutation::changed`] says whether the patch changes anything; the admission handler
//!   then leaves a no-op patch out, where the webhook sends it anyway.
//!
//! A pod that declares its own volume of the reserved name keeps it and still gets the
//! variables and the mount in each container that has none of that name, as the webhook
//! does since v0.3.0.
//!
//! Not supported: the ConfigMap source of role ARNs, `--annotation-prefix` (the domain is
//! always `eks.amazonaws.com`) and the wait for a service account not yet in the cache
//! (`--service-account-lookup-grace-period`).

mod config;
mod inject;
mod patch;
mod pod;
mod settings;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::pod_identity;
use crate::world::Cluster;
use config::{Credentials, PatchConfig};
use inject::Injection;
pub use patch::{apply, ApplyError, PatchOperation};
use pod::PodView;
pub use settings::{
    ContainerCredentials, Jitter, Settings, DEFAULT_AUDIENCE, DEFAULT_MOUNT_PATH,
    DEFAULT_TOKEN_EXPIRATION, MIN_JITTERED_EXPIRATION, MIN_TOKEN_EXPIRATION, TOKEN_PATH,
    VOLUME_NAME,
};

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
    /// The service account has no Pod Identity association and no (or an empty) role
    /// ARN: the pod is admitted as is.
    NoRole,
    /// The pod gets a patch.
    Mutated(Mutation),
}

/// The patch for a pod, and the pod with it applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Mutation {
    /// The operations in the webhook's order: the Pod Identity label, volume, containers,
    /// init containers.
    pub patch: Vec<PatchOperation>,
    pub pod: Value,
    /// False when every container already had what the webhook adds (never for Pod
    /// Identity, whose label the patch always sets).
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

/// What the webhook knows of a pod's service account.
#[derive(Debug, Clone, Copy, Default)]
pub struct Account<'a> {
    /// Its annotations; `None` for an account that does not exist.
    pub annotations: Option<&'a BTreeMap<String, String>>,
    /// Whether (namespace, name) has an EKS Pod Identity association: the webhook's
    /// container-credentials config lists it.
    pub pod_identity: bool,
}

/// Mutates `pod`, created in `namespace` of `cluster`, with its service account's
/// annotations and Pod Identity association from that cluster.
pub fn mutate_in_cluster(
    cluster: &Cluster,
    namespace: &str,
    pod: &Value,
    settings: &Settings,
) -> Result<Outcome, PodError> {
    let name = service_account_name(pod);
    let account = Account {
        annotations: cluster
            .service_account(namespace, name)
            .map(|sa| &sa.annotations),
        pod_identity: cluster.pod_identity_association(namespace, name).is_some(),
    };
    mutate(pod, account, settings)
}

/// Mutates `pod` as the webhook would, given what is known of its service account.
pub fn mutate(pod: &Value, account: Account<'_>, settings: &Settings) -> Result<Outcome, PodError> {
    let view = PodView::read(pod)?;
    let Some(config) = PatchConfig::build(&view, account, settings) else {
        return Ok(Outcome::NoRole);
    };
    let injection = Injection::new(&config, settings.region.as_deref(), &view.node_selector);
    let mut changed = false;
    let mut rewrite = |containers: &[&Map<String, Value>], path: &str| -> Result<Value, PodError> {
        let mut rewritten = Vec::with_capacity(containers.len());
        for (i, container) in containers.iter().enumerate() {
            let container_path = format!("{path}[{i}]");
            let mut copy = (*container).clone();
            let name = pod::container_name(container, &container_path)?;
            if !config.skipped.iter().any(|s| s == name) {
                changed |= injection.apply(&mut copy, &container_path)?;
            }
            rewritten.push(Value::Object(copy));
        }
        Ok(Value::Array(rewritten))
    };
    let init_containers = rewrite(&view.init_containers, "spec.initContainers")?;
    let containers = rewrite(&view.containers, "spec.containers")?;

    let mut patch = Vec::new();
    let labelled = matches!(config.credentials, Credentials::Container { .. });
    if labelled {
        // Go's nil map: no labels at all get the whole map, an empty map gets the key.
        patch.push(if view.has_labels {
            let key = pod_identity::POD_LABEL
                .replace('~', "~0")
                .replace('/', "~1");
            PatchOperation::add(&format!("/metadata/labels/{key}"), json!("enabled"))
        } else {
            PatchOperation::add(
                "/metadata/labels",
                json!({pod_identity::POD_LABEL: "enabled"}),
            )
        });
        changed = true;
    }
    // A volume of that name, the webhook's or the pod's own, is not added again; the
    // variables and mounts still are (webhook v0.3.0 on).
    let volume_exists = view
        .volumes
        .iter()
        .flatten()
        .any(|v| v.name == config.volume_name);
    if !volume_exists {
        let volume = json!({
            "name": config.volume_name,
            "projected": {"sources": [{"serviceAccountToken": {
                "audience": config.audience,
                "expirationSeconds": config.token_expiration,
                "path": config.token_path,
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
    // The pod may lack `spec` (or `metadata`) altogether; give the patch a parent to land
    // in, as the API server's own object always has one.
    let mut base = pod.clone();
    if let Value::Object(map) = &mut base {
        let parents: &[&str] = if labelled {
            &["metadata", "spec"]
        } else {
            &["spec"]
        };
        for parent in parents {
            if map.get(*parent).is_none_or(Value::is_null) {
                map.insert((*parent).to_owned(), json!({}));
            }
        }
    }
    // `PodView::read` checked that `metadata`, `spec` and `spec.volumes` are what the
    // paths need.
    let pod = apply(&base, &patch)?;
    Ok(Outcome::Mutated(Mutation {
        patch,
        pod,
        changed,
    }))
}
