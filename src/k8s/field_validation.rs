//! Server-side field validation, as kube-apiserver runs it on a create body: the object
//! is read against its kind's schema (the kube-rs project's `k8s-openapi` types), a field
//! of the wrong type is a 400, and a field the schema does not know is, by the
//! `fieldValidation` directive, a 400 (`Strict`, what kubectl sends), a warning (`Warn`,
//! the default) or nothing (`Ignore`). In the last two cases the field is dropped, as
//! kube-apiserver drops what its types cannot hold, so it is never stored.
//! <https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation>

use serde::de::DeserializeOwned;
use serde_json::Value;

use super::status::Status;

/// The `fieldValidation` query parameter.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Directive {
    /// Unknown fields are dropped silently.
    Ignore,
    /// Unknown fields are dropped, and each is named in a `Warning` header.
    #[default]
    Warn,
    /// An unknown field refuses the request.
    Strict,
}

impl Directive {
    /// The directive a request names; absent is `Warn`, as kube-apiserver has it since 1.27.
    pub fn parse(value: Option<&str>) -> Result<Self, Status> {
        match value {
            None | Some("") | Some("Warn") => Ok(Self::Warn),
            Some("Ignore") => Ok(Self::Ignore),
            Some("Strict") => Ok(Self::Strict),
            Some(other) => Err(Status::bad_request(format!(
                "fieldValidation directive {other:?} is not supported; the supported directives are \"Ignore\", \"Warn\" and \"Strict\""
            ))),
        }
    }
}

/// One step of a path into an object.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Step {
    Key(String),
    Index(usize),
}

/// Checks `object`, a `kind` posted with `directive`, against the schema `T`: the
/// warnings to send (`unknown field "spec.x"`), with unknown fields removed from
/// `object`; or the 400 kube-apiserver answers.
pub fn check<T: DeserializeOwned>(
    kind: &str,
    object: &mut Value,
    directive: Directive,
) -> Result<Vec<String>, Status> {
    let mut unknown: Vec<Vec<Step>> = Vec::new();
    let mut note = |path: serde_ignored::Path<'_>| unknown.push(steps(&path));
    // Go's decoder takes `null` for any field as "unset"; the schema's types take it only
    // where a field is optional. So nulls are read as absent. A posted `status` is the
    // server's to write and is replaced on create (kubectl sends TokenRequest's with an
    // empty required timestamp), so it is not read.
    let mut read_as = object.clone();
    if let Some(map) = read_as.as_object_mut() {
        map.remove("status");
    }
    drop_nulls(&mut read_as);
    let read = serde_path_to_error::deserialize::<_, T>(serde_ignored::Deserializer::new(
        &read_as, &mut note,
    ));
    let cannot_handle = |detail: String| {
        Status::bad_request(format!(
            "{kind} in version \"v1\" cannot be handled as a {kind}: {detail}"
        ))
    };
    if let Err(err) = read {
        let path = err.path().to_string();
        let detail = if path == "." {
            err.into_inner().to_string()
        } else {
            format!("{path}: {}", err.into_inner())
        };
        return Err(cannot_handle(detail));
    }
    let named: Vec<String> = unknown
        .iter()
        .map(|path| format!("unknown field {:?}", display(path)))
        .collect();
    match directive {
        Directive::Strict if !named.is_empty() => Err(cannot_handle(format!(
            "strict decoding error: {}",
            named.join(", ")
        ))),
        Directive::Strict => Ok(Vec::new()),
        Directive::Warn | Directive::Ignore => {
            for path in &unknown {
                remove(object, path);
            }
            Ok(if directive == Directive::Warn {
                named
            } else {
                Vec::new()
            })
        }
    }
}

/// Removes every member whose value is `null`, at any depth.
fn drop_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, member| !member.is_null());
            map.values_mut().for_each(drop_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

/// The steps of a serde_ignored path, root first.
fn steps(path: &serde_ignored::Path<'_>) -> Vec<Step> {
    use serde_ignored::Path;
    let mut reversed = Vec::new();
    let mut at = path;
    loop {
        at = match at {
            Path::Root => break,
            Path::Seq { parent, index } => {
                reversed.push(Step::Index(*index));
                parent
            }
            Path::Map { parent, key } => {
                reversed.push(Step::Key(key.clone()));
                parent
            }
            Path::Some { parent }
            | Path::NewtypeStruct { parent }
            | Path::NewtypeVariant { parent } => parent,
        };
    }
    reversed.reverse();
    reversed
}

/// A path as kube-apiserver prints it: `spec.containers[0].imagePullPolic`.
fn display(path: &[Step]) -> String {
    let mut text = String::new();
    for step in path {
        match step {
            Step::Key(key) => {
                if !text.is_empty() {
                    text.push('.');
                }
                text.push_str(key);
            }
            Step::Index(index) => text.push_str(&format!("[{index}]")),
        }
    }
    text
}

/// Removes the field at `path` from `object`, if it is there.
fn remove(object: &mut Value, path: &[Step]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut at = object;
    for step in parents {
        let next = match step {
            Step::Key(key) => at.get_mut(key.as_str()),
            Step::Index(index) => at.get_mut(*index),
        };
        let Some(next) = next else {
            return;
        };
        at = next;
    }
    if let (Step::Key(key), Some(map)) = (last, at.as_object_mut()) {
        map.shift_remove(key.as_str());
    }
}

#[cfg(test)]
mod tests {
    use k8s_openapi::api::authentication::v1::TokenRequest;
    use k8s_openapi::api::core::v1::{Namespace, Pod, ServiceAccount};
    use serde_json::json;

    use super::*;

    fn pod(extra_container_field: Option<(&str, Value)>) -> Value {
        let mut container = json!({ "name": "c", "image": "amazon/aws-cli", "args": ["s3", "ls"] });
        if let Some((key, value)) = extra_container_field {
            container[key] = value;
        }
        json!({
            "apiVersion": "v1",
            "kind": "Pod",
            "metadata": { "name": "p", "labels": { "app": "x" }, "creationTimestamp": null },
            "spec": { "serviceAccountName": "iam-test", "containers": [container] },
        })
    }

    #[test]
    fn directives_parse_as_kube_apiserver_reads_them() {
        let cases = [
            (None, Some(Directive::Warn)),
            (Some(""), Some(Directive::Warn)),
            (Some("Warn"), Some(Directive::Warn)),
            (Some("Strict"), Some(Directive::Strict)),
            (Some("Ignore"), Some(Directive::Ignore)),
            (Some("strict"), None),
            (Some("Fail"), None),
        ];
        for (given, want) in cases {
            assert_eq!(Directive::parse(given).ok(), want, "{given:?}");
        }
    }

    #[test]
    fn a_known_object_passes_every_directive_unchanged() {
        for directive in [Directive::Strict, Directive::Warn, Directive::Ignore] {
            let mut object = pod(None);
            let warnings = check::<Pod>("Pod", &mut object, directive).unwrap();
            assert!(warnings.is_empty());
            assert_eq!(object, pod(None), "{directive:?}");
        }
    }

    #[test]
    fn unknown_fields_are_refused_warned_or_dropped() {
        let typo = Some(("imagePullPolic", json!("Always")));
        let err = check::<Pod>("Pod", &mut pod(typo.clone()), Directive::Strict).unwrap_err();
        assert_eq!(err.code, 400);
        assert_eq!(err.reason, "BadRequest");
        assert_eq!(
            err.message,
            "Pod in version \"v1\" cannot be handled as a Pod: strict decoding error: unknown field \"spec.containers[0].imagePullPolic\""
        );

        let mut warned = pod(typo.clone());
        let warnings = check::<Pod>("Pod", &mut warned, Directive::Warn).unwrap();
        assert_eq!(
            warnings,
            ["unknown field \"spec.containers[0].imagePullPolic\""]
        );
        assert_eq!(warned, pod(None), "the unknown field is dropped");

        let mut ignored = pod(typo);
        assert!(check::<Pod>("Pod", &mut ignored, Directive::Ignore)
            .unwrap()
            .is_empty());
        assert_eq!(ignored, pod(None));
    }

    #[test]
    fn every_unknown_field_is_named_in_the_bodys_order() {
        let mut object = pod(None);
        object["spec"]["serviceAcountName"] = json!("typo");
        object["metadata"]["lables"] = json!({});
        object["extra"] = json!(1);
        let err = check::<Pod>("Pod", &mut object, Directive::Strict).unwrap_err();
        assert!(
            err.message.ends_with(
                "strict decoding error: unknown field \"metadata.lables\", unknown field \"spec.serviceAcountName\", unknown field \"extra\""
            ),
            "{}",
            err.message
        );
    }

    #[test]
    fn a_mistyped_field_is_a_bad_request_naming_it() {
        let cases: [(&str, Value, &str); 4] = [
            (
                "port as text",
                json!({"spec": {"containers": [{"name": "c", "ports": [{"containerPort": "80"}]}]}}),
                "spec.containers[0].ports[0].containerPort: invalid type: string \"80\"",
            ),
            (
                "labels as a list",
                json!({"metadata": {"labels": ["a"]}}),
                "metadata.labels: invalid type: sequence",
            ),
            (
                "wrong kind",
                json!({"kind": "Service"}),
                "invalid value: string \"Service\", expected Pod",
            ),
            (
                "wrong version",
                json!({"apiVersion": "v2"}),
                "invalid value: string \"v2\", expected v1",
            ),
        ];
        for (name, mut object, detail) in cases {
            let err = check::<Pod>("Pod", &mut object, Directive::Ignore).unwrap_err();
            assert_eq!(err.code, 400, "{name}");
            assert!(
                err.message.starts_with(&format!(
                    "Pod in version \"v1\" cannot be handled as a Pod: {detail}"
                )),
                "{name}: {}",
                err.message
            );
        }
    }

    #[test]
    fn nulls_and_missing_kinds_are_accepted_as_client_go_sends_them() {
        let mut account = json!({"metadata": {"name": "a", "labels": null}, "secrets": null});
        let mut token = json!({
            "spec": {"audiences": null, "boundObjectRef": null, "expirationSeconds": 3600},
            "status": {"token": "", "expirationTimestamp": null},
        });
        assert!(
            check::<TokenRequest>("TokenRequest", &mut token, Directive::Strict)
                .unwrap()
                .is_empty()
        );
        assert!(
            check::<ServiceAccount>("ServiceAccount", &mut account, Directive::Strict)
                .unwrap()
                .is_empty()
        );
        let mut namespace = json!({"metadata": {"name": "n"}, "spec": {}, "status": {}});
        assert!(
            check::<Namespace>("Namespace", &mut namespace, Directive::Strict)
                .unwrap()
                .is_empty()
        );
    }

    /// The bodies kubectl 1.27 and 1.33 posted for `apply -f eks-iam-test4.yaml` (always
    /// JSON, with the last-applied annotation), in `fixtures/kubectl-<version>/`.
    #[test]
    fn recorded_kubectl_pods_pass_strict_validation_unchanged() {
        let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        for version in ["kubectl-1.27", "kubectl-1.33"] {
            let body = std::fs::read(fixtures.join(version).join("apply-pod.json")).unwrap();
            let recorded: Value = serde_json::from_slice(&body).unwrap();
            let mut object = recorded.clone();
            let warnings = check::<Pod>("Pod", &mut object, Directive::Strict).unwrap();
            assert!(warnings.is_empty(), "{version}");
            assert_eq!(object, recorded, "{version}");
            assert_eq!(
                object["spec"]["serviceAccountName"], "iam-test",
                "{version}"
            );
        }
    }

    #[test]
    fn removal_reaches_into_lists_and_stops_at_missing_steps() {
        let mut object = json!({"a": [{"b": 1, "c": 2}]});
        remove(
            &mut object,
            &[Step::Key("a".into()), Step::Index(0), Step::Key("c".into())],
        );
        assert_eq!(object, json!({"a": [{"b": 1}]}));
        remove(&mut object, &[Step::Key("x".into()), Step::Key("y".into())]);
        remove(
            &mut object,
            &[Step::Key("a".into()), Step::Index(7), Step::Key("b".into())],
        );
        remove(&mut object, &[]);
        assert_eq!(object, json!({"a": [{"b": 1}]}));
    }
}
