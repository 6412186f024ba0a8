//! The checks kube-apiserver makes of every object's metadata (`ValidateObjectMeta`):
//! label keys and values, annotation keys, and the annotations' total size, with its
//! messages. Used by every kind that keeps labels and annotations (ServiceAccounts, Pods).
//! <https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set>

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use super::status::Cause;
use crate::world::names;

/// The most bytes of annotations (keys and values) one object may carry, as
/// kube-apiserver allows (`TotalAnnotationSizeLimitB`).
pub const MAX_ANNOTATION_BYTES: usize = 256 * 1024;

/// [`check_metadata`] of an object kept as JSON: its `metadata.labels` and
/// `metadata.annotations` (values that are not strings were refused by its schema).
pub fn check_json_metadata(metadata: &Map<String, Value>) -> Result<(), Vec<Cause>> {
    let strings = |field: &str| -> BTreeMap<String, String> {
        metadata
            .get(field)
            .and_then(Value::as_object)
            .map(|map| {
                map.iter()
                    .map(|(key, value)| {
                        (key.clone(), value.as_str().unwrap_or_default().to_owned())
                    })
                    .collect()
            })
            .unwrap_or_default()
    };
    check_metadata(&strings("labels"), &strings("annotations"))
}

/// Kubernetes' checks of label and annotation keys and label values.
pub fn check_metadata(
    labels: &BTreeMap<String, String>,
    annotations: &BTreeMap<String, String>,
) -> Result<(), Vec<Cause>> {
    let mut causes = Vec::new();
    for (key, value) in labels {
        if let Err(problem) = qualified_name(key) {
            causes.push(Cause::invalid("metadata.labels", key, &problem));
        }
        if let Err(problem) = label_value(value) {
            causes.push(Cause::invalid("metadata.labels", value, &problem));
        }
    }
    let mut total = 0;
    for (key, value) in annotations {
        if let Err(problem) = qualified_name(key) {
            causes.push(Cause::invalid("metadata.annotations", key, &problem));
        }
        total += key.len() + value.len();
    }
    if total > MAX_ANNOTATION_BYTES {
        causes.push(Cause::too_long(
            "metadata.annotations",
            MAX_ANNOTATION_BYTES,
        ));
    }
    if causes.is_empty() {
        Ok(())
    } else {
        Err(causes)
    }
}

/// `[prefix/]name`: an optional DNS-1123 subdomain prefix and a name of at most 63
/// characters, alphanumeric at both ends, with `-`, `_` and `.` inside.
pub fn qualified_name(key: &str) -> Result<(), String> {
    let name = match key.rsplit_once('/') {
        Some((prefix, name)) => {
            names::dns1123_subdomain(prefix).map_err(|problem| format!("prefix part {problem}"))?;
            name
        }
        None => key,
    };
    if name.is_empty() || name.len() > 63 || !is_name_shaped(name) {
        return Err(
            "name part must consist of alphanumeric characters, '-', '_' or '.', and must start \
             and end with an alphanumeric character (at most 63 characters)"
                .to_owned(),
        );
    }
    Ok(())
}

fn label_value(value: &str) -> Result<(), String> {
    if value.is_empty() || (value.len() <= 63 && is_name_shaped(value)) {
        Ok(())
    } else {
        Err(
            "a valid label must be an empty string or consist of alphanumeric characters, '-', \
             '_' or '.', and must start and end with an alphanumeric character (at most 63 \
             characters)"
                .to_owned(),
        )
    }
}

fn is_name_shaped(text: &str) -> bool {
    let bytes = text.as_bytes();
    let edge = |b: Option<&u8>| b.is_some_and(u8::is_ascii_alphanumeric);
    edge(bytes.first())
        && edge(bytes.last())
        && bytes
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metadata_is_refused_as_kube_apiserver_refuses_it() {
        let map = |pairs: &[(&str, String)]| -> BTreeMap<String, String> {
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), v.clone()))
                .collect()
        };
        let at_limit = "x".repeat(MAX_ANNOTATION_BYTES - 1);
        let over_limit = "x".repeat(MAX_ANNOTATION_BYTES);
        let cases = [
            ("annotations_at_the_limit", map(&[]), map(&[("a", at_limit)]), None),
            (
                "annotations_over_the_limit",
                map(&[]),
                map(&[("a", over_limit)]),
                Some(("FieldValueTooLong", "metadata.annotations", "Too long: must have at most 262144 bytes")),
            ),
            (
                "label_value_with_a_space",
                map(&[("team", "a b".to_owned())]),
                map(&[]),
                Some(("FieldValueInvalid", "metadata.labels", "Invalid value: a b: a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (at most 63 characters)")),
            ),
            (
                "label_value_of_64_characters",
                map(&[("team", "a".repeat(64))]),
                map(&[]),
                Some(("FieldValueInvalid", "metadata.labels", "")),
            ),
            (
                "annotation_key_with_a_space",
                map(&[]),
                map(&[("a b", String::new())]),
                Some(("FieldValueInvalid", "metadata.annotations", "")),
            ),
        ];
        for (name, labels, annotations, want) in cases {
            let got = check_metadata(&labels, &annotations).err();
            match (got.as_deref(), want) {
                (None, None) => {}
                (Some([cause]), Some((reason, field, message))) => {
                    assert_eq!(
                        (cause.reason, cause.field.as_str()),
                        (reason, field),
                        "case {name}"
                    );
                    if !message.is_empty() {
                        assert_eq!(cause.message, message, "case {name}");
                    }
                }
                (got, _) => panic!("case {name}: {got:?}"),
            }
        }
    }

    #[test]
    fn json_metadata_is_checked_alike() {
        let metadata = serde_json::json!({
            "labels": {"app": "-bad"},
            "annotations": {"a": "x".repeat(MAX_ANNOTATION_BYTES)},
        });
        let causes = check_json_metadata(metadata.as_object().unwrap()).unwrap_err();
        let reasons: Vec<_> = causes.iter().map(|cause| cause.reason).collect();
        assert_eq!(reasons, ["FieldValueInvalid", "FieldValueTooLong"]);
    }
}
