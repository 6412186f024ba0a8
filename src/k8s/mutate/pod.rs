//! What the mutation reads from a Pod and a ServiceAccount, checked once: the fields the
//! webhook's Go types would refuse to unmarshal are refused here, with the field's path,
//! and every other field is left for the patch to carry through untouched.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::PodError;

/// The parts of a Pod the mutation looks at.
#[derive(Debug)]
pub(super) struct PodView<'a> {
    pub annotations: BTreeMap<&'a str, &'a str>,
    /// Whether `metadata.labels` is present and not null (Go's non-nil map), which
    /// decides between adding the whole map and adding one key.
    pub has_labels: bool,
    pub node_selector: BTreeMap<&'a str, &'a str>,
    /// `spec.volumes`: `None` when absent or null (Go's nil slice), which decides
    /// between `add /spec/volumes` and `add /spec/volumes/0`.
    pub volumes: Option<Vec<VolumeView<'a>>>,
    pub containers: Vec<&'a Map<String, Value>>,
    pub init_containers: Vec<&'a Map<String, Value>>,
}

/// One entry of `spec.volumes`: only its name counts (the webhook adds no volume named
/// as its own is, whatever that volume holds).
#[derive(Debug)]
pub(super) struct VolumeView<'a> {
    pub name: &'a str,
}

impl<'a> PodView<'a> {
    /// Reads `pod`, refusing shapes a `corev1.Pod` cannot hold.
    pub fn read(pod: &'a Value) -> Result<Self, PodError> {
        let pod = object(pod, "")?;
        let metadata = optional_object(pod.get("metadata"), "metadata")?;
        let spec = optional_object(pod.get("spec"), "spec")?;
        let field = |name: &str| spec.and_then(|spec| spec.get(name));
        let volumes = match field("volumes") {
            None | Some(Value::Null) => None,
            Some(volumes) => Some(
                array(volumes, "spec.volumes")?
                    .iter()
                    .enumerate()
                    .map(|(i, volume)| VolumeView::read(volume, &format!("spec.volumes[{i}]")))
                    .collect::<Result<_, _>>()?,
            ),
        };
        let labels = metadata.and_then(|m| m.get("labels"));
        string_map(labels, "metadata.labels")?;
        Ok(Self {
            annotations: string_map(
                metadata.and_then(|m| m.get("annotations")),
                "metadata.annotations",
            )?,
            has_labels: labels.is_some_and(|labels| !labels.is_null()),
            node_selector: string_map(field("nodeSelector"), "spec.nodeSelector")?,
            volumes,
            containers: containers(field("containers"), "spec.containers")?,
            init_containers: containers(field("initContainers"), "spec.initContainers")?,
        })
    }
}

impl<'a> VolumeView<'a> {
    /// Reads the name, and checks the shape of a projected token source, which a
    /// `corev1.Volume` would refuse to unmarshal.
    fn read(volume: &'a Value, path: &str) -> Result<Self, PodError> {
        let volume = object(volume, path)?;
        let name = optional_str(volume.get("name"), &format!("{path}.name"))?;
        let projected = optional_object(volume.get("projected"), &format!("{path}.projected"))?;
        if let Some(projected) = projected {
            let sources_path = format!("{path}.projected.sources");
            let sources = match projected.get("sources") {
                None | Some(Value::Null) => &[][..],
                Some(sources) => array(sources, &sources_path)?.as_slice(),
            };
            for (i, source) in sources.iter().enumerate() {
                let source_path = format!("{sources_path}[{i}]");
                let source = object(source, &source_path)?;
                let token_path = format!("{source_path}.serviceAccountToken");
                if let Some(token) =
                    optional_object(source.get("serviceAccountToken"), &token_path)?
                {
                    optional_str(token.get("audience"), &format!("{token_path}.audience"))?;
                    optional_str(token.get("path"), &format!("{token_path}.path"))?;
                }
            }
        }
        Ok(Self { name })
    }
}

/// The names in a container's `env` list (a missing name reads as empty, as in Go).
pub(super) fn env_names<'a>(
    container: &'a Map<String, Value>,
    path: &str,
) -> Result<Vec<&'a str>, PodError> {
    named_entries(container.get("env"), &format!("{path}.env"))
}

/// The names in a container's `volumeMounts` list.
pub(super) fn mount_names<'a>(
    container: &'a Map<String, Value>,
    path: &str,
) -> Result<Vec<&'a str>, PodError> {
    named_entries(
        container.get("volumeMounts"),
        &format!("{path}.volumeMounts"),
    )
}

/// A container's `name`.
pub(super) fn container_name<'a>(
    container: &'a Map<String, Value>,
    path: &str,
) -> Result<&'a str, PodError> {
    optional_str(container.get("name"), &format!("{path}.name"))
}

/// The container names of `eks.amazonaws.com/skip-containers`: the first record of a CSV
/// line, as Go's `encoding/csv` reads it (quoted fields, `""` escapes, no trimming). A
/// value that does not parse skips nothing, as in the webhook.
pub(super) fn skip_containers(value: &str) -> Vec<String> {
    let mut rest = value.trim_start_matches(['\n', '\r']);
    if rest.is_empty() {
        return Vec::new();
    }
    let mut fields = Vec::new();
    loop {
        let mut field = String::new();
        if let Some(quoted) = rest.strip_prefix('"') {
            let mut chars = quoted.char_indices();
            let end = loop {
                match chars.next() {
                    None => return Vec::new(),
                    Some((i, '"')) => {
                        if quoted[i + 1..].starts_with('"') {
                            field.push('"');
                            chars.next();
                        } else {
                            break i + 1;
                        }
                    }
                    Some((_, c)) => field.push(c),
                }
            };
            rest = &quoted[end..];
            if !(rest.is_empty() || rest.starts_with([',', '\n', '\r'])) {
                return Vec::new();
            }
        } else {
            let end = rest.find([',', '\n', '\r']).unwrap_or(rest.len());
            if rest[..end].contains('"') {
                return Vec::new();
            }
            field.push_str(&rest[..end]);
            rest = &rest[end..];
        }
        fields.push(field);
        match rest.strip_prefix(',') {
            Some(next) => rest = next,
            None => return fields,
        }
    }
}

/// Go's `strconv.ParseBool`.
pub(super) fn parse_bool(value: &str) -> Option<bool> {
    match value {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

fn containers<'a>(
    value: Option<&'a Value>,
    path: &str,
) -> Result<Vec<&'a Map<String, Value>>, PodError> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(value) => array(value, path)?
            .iter()
            .enumerate()
            .map(|(i, container)| {
                let container_path = format!("{path}[{i}]");
                let container = object(container, &container_path)?;
                // Read once here so that the per-container steps cannot meet a bad shape.
                container_name(container, &container_path)?;
                env_names(container, &container_path)?;
                mount_names(container, &container_path)?;
                Ok(container)
            })
            .collect(),
    }
}

fn named_entries<'a>(value: Option<&'a Value>, path: &str) -> Result<Vec<&'a str>, PodError> {
    match value {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(value) => array(value, path)?
            .iter()
            .enumerate()
            .map(|(i, entry)| {
                let entry_path = format!("{path}[{i}]");
                optional_str(
                    object(entry, &entry_path)?.get("name"),
                    &format!("{entry_path}.name"),
                )
            })
            .collect(),
    }
}

fn string_map<'a>(
    value: Option<&'a Value>,
    path: &str,
) -> Result<BTreeMap<&'a str, &'a str>, PodError> {
    match value {
        None | Some(Value::Null) => Ok(BTreeMap::new()),
        Some(value) => object(value, path)?
            .iter()
            .map(|(key, entry)| {
                let text = optional_str(Some(entry), &format!("{path}.{key}"))?;
                Ok((key.as_str(), text))
            })
            .collect(),
    }
}

fn object<'a>(value: &'a Value, path: &str) -> Result<&'a Map<String, Value>, PodError> {
    value
        .as_object()
        .ok_or_else(|| PodError::new(path, "an object", value))
}

fn optional_object<'a>(
    value: Option<&'a Value>,
    path: &str,
) -> Result<Option<&'a Map<String, Value>>, PodError> {
    match value {
        None | Some(Value::Null) => Ok(None),
        Some(value) => object(value, path).map(Some),
    }
}

fn array<'a>(value: &'a Value, path: &str) -> Result<&'a Vec<Value>, PodError> {
    value
        .as_array()
        .ok_or_else(|| PodError::new(path, "a list", value))
}

/// A string field; absent or null reads as empty, as Go's zero value.
fn optional_str<'a>(value: Option<&'a Value>, path: &str) -> Result<&'a str, PodError> {
    match value {
        None | Some(Value::Null) => Ok(""),
        Some(Value::String(text)) => Ok(text),
        Some(other) => Err(PodError::new(path, "a string", other)),
    }
}
