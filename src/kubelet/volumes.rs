//! The files a pod's volumes hold, as the kubelet writes them under its pod directory:
//! projected volumes (`serviceAccountToken` minted for this pod and bound to it, the
//! `kube-root-ca.crt` ConfigMap, downward API fields), `configMap` volumes of that
//! ConfigMap, `emptyDir` folders, and `hostPath` folders made when their type asks.
//! Token files are then kept fresh by [`crate::projection::keep_fresh`].
//!
//! Known gaps: Secrets and other ConfigMaps (the API serves none), `defaultMode` and
//! item modes (files are 0644), `emptyDir.medium: Memory` (a folder on disk).

use std::path::{Component, Path, PathBuf};

use serde_json::Value;

use super::spec::{self, ConfigError, Placement};
use crate::k8s::listed::{self, ROOT_CA};
use crate::persist;
use crate::projection::{PodBinding, TokenFile, Written};
use crate::state::AppState;

/// A projected token's lifetime when the volume names none (the API's default).
const DEFAULT_TOKEN_SECONDS: u64 = 3600;

/// Writes every volume of `pod` under `dir` (one folder per volume); the token files
/// written, to keep fresh.
pub fn write(
    state: &AppState,
    pod: &Value,
    binding: &PodBinding,
    dir: &Path,
    place: &Placement<'_>,
) -> Result<Vec<(TokenFile, Written)>, ConfigError> {
    let io = |what: &Path, err: std::io::Error| {
        ConfigError(format!("cannot write {}: {err}", what.display()))
    };
    std::fs::create_dir_all(dir).map_err(|err| io(dir, err))?;
    let mut tokens = Vec::new();
    let volumes = pod.pointer("/spec/volumes").and_then(Value::as_array);
    for volume in volumes.into_iter().flatten() {
        let name = text(volume, "/name");
        let folder = dir.join(name);
        if let Some(path) = volume.pointer("/hostPath/path").and_then(Value::as_str) {
            host_path(path, text(volume, "/hostPath/type"))
                .map_err(|err| io(Path::new(path), err))?;
            continue;
        }
        std::fs::create_dir_all(&folder).map_err(|err| io(&folder, err))?;
        if volume.get("emptyDir").is_some() {
            continue;
        }
        if let Some(projected) = volume.get("projected") {
            let sources = projected.get("sources").and_then(Value::as_array);
            for source in sources.into_iter().flatten() {
                if let Some(token) = source.get("serviceAccountToken") {
                    let path = inside(&folder, text(token, "/path"))?;
                    let seconds = token
                        .get("expirationSeconds")
                        .and_then(Value::as_u64)
                        .unwrap_or(DEFAULT_TOKEN_SECONDS);
                    let file =
                        TokenFile::for_pod(state, binding, text(token, "/audience"), seconds, path);
                    let written = file.write().map_err(|err| ConfigError(err.to_string()))?;
                    tokens.push((file, written));
                } else if let Some(map) = source.get("configMap") {
                    config_map(state, map, &folder)?;
                } else if let Some(downward) = source.get("downwardAPI") {
                    downward_api(pod, downward, &folder, place)?;
                } else {
                    return Err(ConfigError(format!(
                        "volume {name:?}: only serviceAccountToken, configMap and downwardAPI projections are supported"
                    )));
                }
            }
        } else if let Some(map) = volume.get("configMap") {
            config_map(state, map, &folder)?;
        } else if let Some(downward) = volume.get("downwardAPI") {
            downward_api(pod, downward, &folder, place)?;
        } else if let Some(secret) = volume.get("secret") {
            return Err(ConfigError(format!(
                "secret {:?} not found",
                text(secret, "/secretName")
            )));
        } else {
            return Err(ConfigError(format!(
                "volume {name:?}: only projected, configMap, downwardAPI, emptyDir and hostPath volumes are supported"
            )));
        }
    }
    Ok(tokens)
}

/// Deletes the pod's volume folder.
pub fn remove(dir: &Path) {
    if let Err(err) = std::fs::remove_dir_all(dir) {
        if err.kind() != std::io::ErrorKind::NotFound {
            tracing::warn!(path = %dir.display(), error = %err, "cannot remove the pod's volumes");
        }
    }
}

fn host_path(path: &str, kind: &str) -> std::io::Result<()> {
    match kind {
        "DirectoryOrCreate" => std::fs::create_dir_all(path),
        "FileOrCreate" => {
            if let Some(parent) = Path::new(path).parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .map(|_| ())
        }
        _ => Ok(()),
    }
}

/// The `kube-root-ca.crt` ConfigMap's keys, as `items` maps them (every key without).
fn config_map(state: &AppState, map: &Value, folder: &Path) -> Result<(), ConfigError> {
    let name = text(map, "/name");
    if name != ROOT_CA {
        if map.get("optional").and_then(Value::as_bool) == Some(true) {
            return Ok(());
        }
        return Err(ConfigError(format!("configmap {name:?} not found")));
    }
    let ca = listed::root_ca_pem(&state.config().data_dir);
    let items = map.get("items").and_then(Value::as_array);
    let wanted: Vec<(&str, &str)> = match items {
        Some(items) => items
            .iter()
            .map(|i| (text(i, "/key"), text(i, "/path")))
            .collect(),
        None => vec![("ca.crt", "ca.crt")],
    };
    for (key, path) in wanted {
        if key != "ca.crt" {
            return Err(ConfigError(format!(
                "configmap {name:?} has no key {key:?}"
            )));
        }
        write_file(&inside(folder, path)?, ca.as_bytes())?;
    }
    Ok(())
}

fn downward_api(
    pod: &Value,
    downward: &Value,
    folder: &Path,
    place: &Placement<'_>,
) -> Result<(), ConfigError> {
    let items = downward.get("items").and_then(Value::as_array);
    for item in items.into_iter().flatten() {
        let field = text(item, "/fieldRef/fieldPath");
        let value = match field {
            "metadata.labels" | "metadata.annotations" => {
                let map = pod.pointer(&format!("/metadata/{}", &field[9..]));
                let mut lines: Vec<String> = map
                    .and_then(Value::as_object)
                    .into_iter()
                    .flatten()
                    .map(|(k, v)| format!("{k}={}", Value::from(v.as_str().unwrap_or_default())))
                    .collect();
                lines.sort();
                lines.join("\n")
            }
            _ => spec::field_value(pod, field, place)?,
        };
        write_file(&inside(folder, text(item, "/path"))?, value.as_bytes())?;
    }
    Ok(())
}

/// `relative` under `folder`; a path that would leave it is refused.
fn inside(folder: &Path, relative: &str) -> Result<PathBuf, ConfigError> {
    let path = Path::new(relative);
    if relative.is_empty()
        || path
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
    {
        return Err(ConfigError(format!(
            "path {relative:?} must be a relative path inside the volume"
        )));
    }
    Ok(folder.join(path))
}

fn write_file(path: &Path, bytes: &[u8]) -> Result<(), ConfigError> {
    let fail = |err: std::io::Error| ConfigError(format!("cannot write {}: {err}", path.display()));
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(fail)?;
    }
    persist::replace_atomic(path, bytes, 0o644).map_err(fail)
}

fn text<'a>(value: &'a Value, pointer: &str) -> &'a str {
    value.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}
