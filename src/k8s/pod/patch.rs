//! Changing a stored pod: a JSON merge patch (RFC 7386), or a strategic merge patch read
//! as one (they agree on maps, which is all a pod lets change once created: its labels
//! and annotations, as `kubectl label`, `annotate` and `apply` change them). Identity
//! fields and the status stay the stored ones, and a spec that would change is refused
//! as kube-apiserver refuses pod updates.
//! <https://www.rfc-editor.org/rfc/rfc7386>

use serde_json::{Map, Value};

use super::super::object_meta::check_json_metadata;
use super::super::status::{Cause, Status};
use super::{find_mut, next_resource_version};
use crate::world::World;

/// The metadata fields a patch cannot change.
const IDENTITY: [&str; 6] = [
    "name",
    "namespace",
    "uid",
    "creationTimestamp",
    "generation",
    "generateName",
];

/// Applies `patch` to the pod `name` in `namespace`; the stored result.
pub fn patch(
    world: &mut World,
    cluster: &str,
    namespace: &str,
    name: &str,
    patch: &Value,
) -> Result<Value, Status> {
    let cluster = super::super::cluster_mut(world, cluster)?;
    let resource_version = next_resource_version(cluster);
    let stored =
        find_mut(cluster, namespace, name).ok_or_else(|| Status::not_found("pods", name))?;
    let mut changed = stored.clone();
    merge(&mut changed, patch);
    if changed.get("spec") != stored.get("spec") {
        let cause = Cause {
            reason: "FieldValueForbidden",
            message: "Forbidden: pod updates may not change fields other than `spec.containers[*].image`, `spec.initContainers[*].image`, `spec.activeDeadlineSeconds`, `spec.tolerations` (only additions to existing tolerations), `spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)".to_owned(),
            field: "spec".to_owned(),
        };
        return Err(Status::invalid("Pod", "", name, vec![cause]));
    }
    let metadata = changed
        .get_mut("metadata")
        .and_then(Value::as_object_mut)
        .ok_or_else(|| Status::bad_request("the patch removes metadata"))?;
    let before = stored
        .get("metadata")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    for field in IDENTITY {
        restore(metadata, &before, field);
    }
    check_json_metadata(metadata).map_err(|causes| Status::invalid("Pod", "", name, causes))?;
    metadata.insert(
        "resourceVersion".into(),
        Value::String(resource_version.to_string()),
    );
    changed["status"] = stored["status"].clone();
    changed["kind"] = Value::String("Pod".into());
    changed["apiVersion"] = Value::String("v1".into());
    *stored = changed.clone();
    Ok(changed)
}

/// RFC 7386: objects merge key by key, `null` removes, anything else replaces.
pub fn merge(target: &mut Value, patch: &Value) {
    let Value::Object(patch) = patch else {
        *target = patch.clone();
        return;
    };
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    if let Value::Object(target) = target {
        for (key, value) in patch {
            if value.is_null() {
                target.remove(key);
            } else {
                merge(target.entry(key.clone()).or_insert(Value::Null), value);
            }
        }
    }
}

fn restore(metadata: &mut Map<String, Value>, before: &Map<String, Value>, field: &str) {
    match before.get(field) {
        Some(value) => {
            metadata.insert(field.to_owned(), value.clone());
        }
        None => {
            metadata.remove(field);
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn merge_follows_rfc_7386() {
        // The RFC's appendix A examples.
        let cases = [
            (
                "replace",
                json!({"a": "b"}),
                json!({"a": "c"}),
                json!({"a": "c"}),
            ),
            (
                "add",
                json!({"a": "b"}),
                json!({"b": "c"}),
                json!({"a": "b", "b": "c"}),
            ),
            ("remove", json!({"a": "b"}), json!({"a": null}), json!({})),
            (
                "nested_remove",
                json!({"a": {"b": "c"}}),
                json!({"a": {"b": "d", "c": null}}),
                json!({"a": {"b": "d"}}),
            ),
            (
                "array_replaces",
                json!({"a": [{"b": "c"}]}),
                json!({"a": [1]}),
                json!({"a": [1]}),
            ),
            (
                "scalar_into_object",
                json!({"e": null}),
                json!({"a": 1}),
                json!({"e": null, "a": 1}),
            ),
            (
                "object_over_scalar",
                json!({"a": "foo"}),
                json!({"a": {"bb": {"ccc": null}}}),
                json!({"a": {"bb": {}}}),
            ),
        ];
        for (name, mut target, patch, want) in cases {
            merge(&mut target, &patch);
            assert_eq!(target, want, "case {name}");
        }
    }
}
