//! What the kubelet asks the engine for, per container: a pure translation of a stored
//! pod and one of its containers into the engine's create body. Image, `command` as the
//! entrypoint and `args` as its arguments (so an image's CMD is dropped when `command` is
//! set, as on Kubernetes), `env` with `$(VAR)` references expanded and the downward API's
//! `fieldRef`s resolved, `workingDir`, the volume mounts as bind mounts of the files the
//! node wrote, the pod's shared network, the user of `securityContext`, and the labels
//! that tie the container to its pod.
//!
//! Known gaps: `envFrom`, and `valueFrom` of Secrets, ConfigMaps other than
//! `kube-root-ca.crt` and resources (a container that needs one fails with
//! `CreateContainerConfigError`, unless the reference is optional); `status.podIP` reads
//! empty; ports are not published (containers reach each other on the engine's network).

use std::collections::HashMap;
use std::path::Path;

use bollard::models::{ContainerCreateBody, HostConfig};
use serde_json::Value;

use super::engine::{
    ATTEMPT_LABEL, CONTAINER_NAME_LABEL, NODE_LABEL, POD_NAMESPACE_LABEL, POD_NAME_LABEL,
    POD_UID_LABEL,
};

/// The name under which the engine resolves the host (`host-gateway`).
pub const HOST_ALIAS: &str = "host.docker.internal";

/// How a container joins the pod's network.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Network {
    /// The first container of the pod owns the pod's network namespace on `network`.
    Own { network: String },
    /// Later containers join the owner's, so the pod's containers share localhost.
    Join { owner_id: String },
    /// `hostNetwork: true`.
    Host,
}

/// Everything besides the pod that decides one container's create body.
#[derive(Debug, Clone)]
pub struct Placement<'a> {
    pub node: &'a str,
    pub attempt: u32,
    /// Where the node keeps this pod's volumes on the host.
    pub volumes_dir: &'a Path,
    pub network: Network,
    /// `AWS_ENDPOINT_URL` for containers that do not set it; `None` adds nothing.
    pub endpoint_url: Option<&'a str>,
    /// The node's address, for `status.hostIP`.
    pub host_ip: &'a str,
}

/// Why a container cannot be created (`CreateContainerConfigError`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

/// The engine's name for the container, as the dockershim named them.
pub fn container_name(pod: &Value, container: &str, attempt: u32) -> String {
    format!(
        "k8s_{container}_{}_{}_{}_{attempt}",
        text(pod, "/metadata/name"),
        text(pod, "/metadata/namespace"),
        text(pod, "/metadata/uid")
    )
}

/// The create body for `container` of `pod`.
pub fn create_body(
    pod: &Value,
    container: &Value,
    place: &Placement<'_>,
) -> Result<ContainerCreateBody, ConfigError> {
    let name = text(container, "/name");
    let strings = |pointer: &str| -> Option<Vec<String>> {
        container
            .pointer(pointer)
            .and_then(Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .map(|item| item.as_str().unwrap_or_default().to_owned())
                    .collect()
            })
    };
    let env = environment(pod, container, place)?;
    let vars: HashMap<&str, &str> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let expand_all = |items: Option<Vec<String>>| {
        items.map(|items| items.iter().map(|item| expand(item, &vars)).collect())
    };
    let entrypoint = expand_all(strings("/command"));
    let cmd = expand_all(strings("/args"));
    let binds = mounts(pod, container, place.volumes_dir)?;
    let labels = HashMap::from([
        (NODE_LABEL.to_owned(), place.node.to_owned()),
        (
            POD_UID_LABEL.to_owned(),
            text(pod, "/metadata/uid").to_owned(),
        ),
        (
            POD_NAME_LABEL.to_owned(),
            text(pod, "/metadata/name").to_owned(),
        ),
        (
            POD_NAMESPACE_LABEL.to_owned(),
            text(pod, "/metadata/namespace").to_owned(),
        ),
        (CONTAINER_NAME_LABEL.to_owned(), name.to_owned()),
        (ATTEMPT_LABEL.to_owned(), place.attempt.to_string()),
    ]);
    let (network_mode, extra_hosts, hostname) = match &place.network {
        Network::Own { network } => (
            network.clone(),
            Some(vec![format!("{HOST_ALIAS}:host-gateway")]),
            Some(hostname(pod)),
        ),
        Network::Join { owner_id } => (format!("container:{owner_id}"), None, None),
        Network::Host => ("host".to_owned(), None, None),
    };
    let security = |field: &str| {
        container
            .pointer(&format!("/securityContext/{field}"))
            .or_else(|| pod.pointer(&format!("/spec/securityContext/{field}")))
            .and_then(Value::as_i64)
    };
    let user = match (security("runAsUser"), security("runAsGroup")) {
        (Some(user), Some(group)) => Some(format!("{user}:{group}")),
        (Some(user), None) => Some(user.to_string()),
        (None, _) => None,
    };
    let flag = |pointer: &str| container.pointer(pointer).and_then(Value::as_bool);
    Ok(ContainerCreateBody {
        image: Some(text(container, "/image").to_owned()),
        entrypoint,
        cmd,
        env: Some(env.iter().map(|(k, v)| format!("{k}={v}")).collect()),
        working_dir: container
            .pointer("/workingDir")
            .and_then(Value::as_str)
            .filter(|dir| !dir.is_empty())
            .map(str::to_owned),
        tty: flag("/tty"),
        open_stdin: flag("/stdin"),
        stdin_once: flag("/stdinOnce"),
        hostname,
        user,
        labels: Some(labels),
        host_config: Some(HostConfig {
            binds: Some(binds),
            network_mode: Some(network_mode),
            extra_hosts,
            privileged: flag("/securityContext/privileged"),
            ..HostConfig::default()
        }),
        ..ContainerCreateBody::default()
    })
}

/// The container's environment in order: its `env` (references to earlier entries
/// expanded, `fieldRef`s resolved), then `AWS_ENDPOINT_URL` unless the pod sets it.
fn environment(
    pod: &Value,
    container: &Value,
    place: &Placement<'_>,
) -> Result<Vec<(String, String)>, ConfigError> {
    let mut env: Vec<(String, String)> = Vec::new();
    let entries = container.pointer("/env").and_then(Value::as_array);
    for entry in entries.into_iter().flatten() {
        let name = text(entry, "/name").to_owned();
        let value = match entry.get("valueFrom") {
            None => {
                let vars: HashMap<&str, &str> =
                    env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
                expand(text(entry, "/value"), &vars)
            }
            Some(from) => match value_from(pod, from, place)? {
                Some(value) => value,
                None => continue,
            },
        };
        env.retain(|(existing, _)| existing != &name);
        env.push((name, value));
    }
    if let Some(url) = place.endpoint_url {
        if !env.iter().any(|(name, _)| name == "AWS_ENDPOINT_URL") {
            env.push(("AWS_ENDPOINT_URL".to_owned(), url.to_owned()));
        }
    }
    Ok(env)
}

/// A `valueFrom`; `None` for an optional reference that is absent.
fn value_from(
    pod: &Value,
    from: &Value,
    place: &Placement<'_>,
) -> Result<Option<String>, ConfigError> {
    if let Some(field) = from.pointer("/fieldRef/fieldPath").and_then(Value::as_str) {
        return field_value(pod, field, place).map(Some);
    }
    for (kind, what) in [("configMapKeyRef", "configmap"), ("secretKeyRef", "secret")] {
        if let Some(reference) = from.get(kind) {
            let optional = reference.get("optional").and_then(Value::as_bool) == Some(true);
            if optional {
                return Ok(None);
            }
            return Err(ConfigError(format!(
                "{what} {:?} not found",
                text(reference, "/name")
            )));
        }
    }
    Err(ConfigError(
        "only fieldRef, and optional configMapKeyRef and secretKeyRef, are supported in valueFrom"
            .to_owned(),
    ))
}

/// The downward API's value of `field` (`metadata.name`, `metadata.labels['app']`, …).
pub fn field_value(pod: &Value, field: &str, place: &Placement<'_>) -> Result<String, ConfigError> {
    let keyed = |prefix: &str, map: &str| -> Option<String> {
        let key = field.strip_prefix(prefix)?.strip_suffix("']")?;
        Some(
            pod.pointer(&format!("/metadata/{map}"))
                .and_then(|m| m.get(key))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned(),
        )
    };
    if let Some(value) = keyed("metadata.labels['", "labels") {
        return Ok(value);
    }
    if let Some(value) = keyed("metadata.annotations['", "annotations") {
        return Ok(value);
    }
    let pointer = match field {
        "metadata.name" => "/metadata/name",
        "metadata.namespace" => "/metadata/namespace",
        "metadata.uid" => "/metadata/uid",
        "spec.nodeName" => "/spec/nodeName",
        "spec.serviceAccountName" => "/spec/serviceAccountName",
        "status.podIP" => "/status/podIP",
        "status.hostIP" => return Ok(place.host_ip.to_owned()),
        _ => {
            return Err(ConfigError(format!(
                "unsupported fieldRef fieldPath {field:?}"
            )))
        }
    };
    Ok(text(pod, pointer).to_owned())
}

/// `$(NAME)` replaced by the variable's value when it is defined, `$$` by `$`; any other
/// text, an unknown name included, stays as written (Kubernetes' `expansion` rules).
pub fn expand(input: &str, vars: &HashMap<&str, &str>) -> String {
    let mut out = String::with_capacity(input.len());
    let mut rest = input;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(tail) = after.strip_prefix('$') {
            out.push('$');
            rest = tail;
        } else if let Some(body) = after.strip_prefix('(') {
            match body.find(')') {
                Some(end) => {
                    let name = &body[..end];
                    match vars.get(name) {
                        Some(value) => out.push_str(value),
                        None => {
                            out.push_str("$(");
                            out.push_str(name);
                            out.push(')');
                        }
                    }
                    rest = &body[end + 1..];
                }
                None => {
                    out.push_str("$(");
                    rest = body;
                }
            }
        } else {
            out.push('$');
            rest = after;
        }
    }
    out.push_str(rest);
    out
}

/// The bind mounts of `container`'s `volumeMounts`: `HOST:CONTAINER[:ro]`.
fn mounts(pod: &Value, container: &Value, volumes_dir: &Path) -> Result<Vec<String>, ConfigError> {
    let volumes = pod.pointer("/spec/volumes").and_then(Value::as_array);
    let mut binds = Vec::new();
    let mounts = container.pointer("/volumeMounts").and_then(Value::as_array);
    for mount in mounts.into_iter().flatten() {
        let name = text(mount, "/name");
        let volume = volumes
            .into_iter()
            .flatten()
            .find(|volume| text(volume, "/name") == name)
            .ok_or_else(|| ConfigError(format!("volume {name:?} is not in the pod's volumes")))?;
        let mut source = match volume.pointer("/hostPath/path").and_then(Value::as_str) {
            Some(path) => std::path::PathBuf::from(path),
            None => volumes_dir.join(name),
        };
        let sub_path = text(mount, "/subPath");
        if !sub_path.is_empty() {
            if Path::new(sub_path)
                .components()
                .any(|c| !matches!(c, std::path::Component::Normal(_)))
            {
                return Err(ConfigError(format!(
                    "subPath {sub_path:?} must be a relative path inside the volume"
                )));
            }
            source = source.join(sub_path);
        }
        let read_only = mount.get("readOnly").and_then(Value::as_bool) == Some(true);
        binds.push(format!(
            "{}:{}{}",
            source.display(),
            text(mount, "/mountPath"),
            if read_only { ":ro" } else { "" }
        ));
    }
    Ok(binds)
}

/// `spec.hostname`, else the pod's name (up to the 63 characters a hostname may have).
fn hostname(pod: &Value) -> String {
    let name = match text(pod, "/spec/hostname") {
        "" => text(pod, "/metadata/name"),
        given => given,
    };
    name.chars().take(63).collect()
}

fn text<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

#[cfg(test)]
mod tests;
