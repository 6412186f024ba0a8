//! What goes into each container (`addEnvToContainer`): the variables it lacks, in the
//! webhook's order, and the token's read-only mount.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::config::{Credentials, PatchConfig};
use super::pod;
use super::PodError;
use crate::pod_identity::{FULL_URI_VAR, TOKEN_FILE_VAR};

const WEB_IDENTITY_VARS: [&str; 2] = ["AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"];
const CONTAINER_VARS: [&str; 2] = [FULL_URI_VAR, TOKEN_FILE_VAR];

/// The values every container of one pod gets.
pub(super) struct Injection<'a> {
    credentials: Credentials<'a>,
    token_file: String,
    volume_name: &'a str,
    mount_path: &'a str,
    region: Option<&'a str>,
    regional_sts: bool,
}

impl<'a> Injection<'a> {
    /// The injection for a pod with this node selector; `region` is the flag's.
    pub fn new(
        config: &PatchConfig<'a>,
        region: Option<&'a str>,
        node_selector: &BTreeMap<&str, &str>,
    ) -> Self {
        Self {
            credentials: config.credentials,
            token_file: token_file(config.mount_path, config.token_path, node_selector),
            volume_name: config.volume_name,
            mount_path: config.mount_path,
            // `m.Region != ""`: an empty region is no region, not empty variables.
            region: region.filter(|region| !region.is_empty()),
            regional_sts: config.regional_sts,
        }
    }

    /// Appends the variables the container lacks and the mount; returns whether anything
    /// was added.
    pub fn apply(&self, container: &mut Map<String, Value>, path: &str) -> Result<bool, PodError> {
        let names = pod::env_names(container, path)?;
        let has = |wanted: &[&str]| names.iter().any(|name| wanted.contains(name));
        let (variables, value) = match self.credentials {
            Credentials::WebIdentity { role_arn } => (WEB_IDENTITY_VARS, role_arn),
            Credentials::Container { full_uri } => (CONTAINER_VARS, full_uri),
        };
        // Either variable of the pair counts as the pair: the webhook never completes one.
        let credentials = has(&variables);
        let region = has(&["AWS_REGION", "AWS_DEFAULT_REGION"]);
        let sts = has(&["AWS_STS_REGIONAL_ENDPOINTS"]);
        if credentials && region && sts {
            // The webhook returns before the mount too.
            return Ok(false);
        }
        let mounted = pod::mount_names(container, path)?.contains(&self.volume_name);

        let mut env = Vec::new();
        if !sts && self.regional_sts {
            env.push(("AWS_STS_REGIONAL_ENDPOINTS", "regional"));
        }
        if let (false, Some(value)) = (region, self.region) {
            env.extend([("AWS_DEFAULT_REGION", value), ("AWS_REGION", value)]);
        }
        if !credentials {
            let [first, second] = variables;
            env.extend([(first, value), (second, self.token_file.as_str())]);
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
                json!({"name": self.volume_name, "readOnly": true, "mountPath": self.mount_path});
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

/// `<mount path>/<token path>`, or its `C:\…` form for a pod that selects Windows nodes.
fn token_file(mount_path: &str, token_path: &str, node_selector: &BTreeMap<&str, &str>) -> String {
    let path = format!("{}/{token_path}", mount_path.trim_end_matches('/'));
    let windows = ["kubernetes.io/os", "beta.kubernetes.io/os"]
        .iter()
        .any(|key| node_selector.get(key) == Some(&"windows"));
    if windows {
        format!("C:{}", path.replace('/', "\\"))
    } else {
        path
    }
}
