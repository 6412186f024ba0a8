//! Label and field selectors of a list, as `kubectl get -l` and `--field-selector` send
//! them: `k=v`, `k==v`, `k!=v`, `k` (exists) and `!k` for labels; `metadata.name`,
//! `metadata.namespace`, `spec.nodeName`, `spec.serviceAccountName` and `status.phase`
//! with `=`, `==` and `!=` for fields. A selector that does not parse is refused.
//! <https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors>

use serde_json::Value;

use super::super::status::Status;

/// The fields a pod list can be selected on.
const FIELDS: [(&str, &str); 5] = [
    ("metadata.name", "/metadata/name"),
    ("metadata.namespace", "/metadata/namespace"),
    ("spec.nodeName", "/spec/nodeName"),
    ("spec.serviceAccountName", "/spec/serviceAccountName"),
    ("status.phase", "/status/phase"),
];

/// Parsed `labelSelector` and `fieldSelector`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selectors {
    labels: Vec<Requirement>,
    fields: Vec<Requirement>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Requirement {
    Equals(String, String),
    NotEquals(String, String),
    Exists(String),
    Absent(String),
}

impl Selectors {
    /// Parses the two selectors (either may be absent or empty).
    pub fn parse(labels: Option<&str>, fields: Option<&str>) -> Result<Self, Status> {
        let fields = requirements(fields.unwrap_or(""), false)?;
        for requirement in &fields {
            let key = match requirement {
                Requirement::Equals(key, _) | Requirement::NotEquals(key, _) => key,
                Requirement::Exists(key) | Requirement::Absent(key) => key,
            };
            if !FIELDS.iter().any(|(name, _)| name == key) {
                return Err(Status::bad_request(format!(
                    "field label not supported: {key}"
                )));
            }
        }
        Ok(Self {
            labels: requirements(labels.unwrap_or(""), true)?,
            fields,
        })
    }

    /// Whether `pod` satisfies both.
    pub fn matches(&self, pod: &Value) -> bool {
        let label = |key: &str| {
            pod.pointer("/metadata/labels")
                .and_then(|labels| labels.get(key))
                .and_then(Value::as_str)
        };
        let field = |key: &str| {
            FIELDS
                .iter()
                .find(|(name, _)| *name == key)
                .and_then(|(_, pointer)| pod.pointer(pointer))
                .and_then(Value::as_str)
                .or(Some(""))
        };
        self.labels.iter().all(|r| r.holds(label)) && self.fields.iter().all(|r| r.holds(field))
    }
}

impl Requirement {
    fn holds<'a>(&self, value_of: impl Fn(&str) -> Option<&'a str>) -> bool {
        match self {
            Self::Equals(key, want) => value_of(key) == Some(want.as_str()),
            Self::NotEquals(key, want) => value_of(key) != Some(want.as_str()),
            Self::Exists(key) => value_of(key).is_some(),
            Self::Absent(key) => value_of(key).is_none(),
        }
    }
}

fn requirements(text: &str, labels: bool) -> Result<Vec<Requirement>, Status> {
    let invalid = || Status::bad_request(format!("unable to parse requirement: {text:?}"));
    text.split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| {
            let requirement = if let Some((key, value)) = part.split_once("!=") {
                Requirement::NotEquals(key.trim().to_owned(), value.trim().to_owned())
            } else if let Some((key, value)) = part.split_once("==") {
                Requirement::Equals(key.trim().to_owned(), value.trim().to_owned())
            } else if let Some((key, value)) = part.split_once('=') {
                Requirement::Equals(key.trim().to_owned(), value.trim().to_owned())
            } else if let Some(key) = part.strip_prefix('!').filter(|_| labels) {
                Requirement::Absent(key.trim().to_owned())
            } else if labels && !part.contains([' ', '(']) {
                Requirement::Exists(part.to_owned())
            } else {
                return Err(invalid());
            };
            Ok(requirement)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn selectors_match_as_kubectl_expects() {
        let pod = json!({"metadata": {"name": "a", "namespace": "default", "labels": {"app": "web"}},
                         "status": {"phase": "Pending"}});
        let cases = [
            ("everything", None, None, true),
            ("label_equals", Some("app=web"), None, true),
            ("label_double_equals", Some("app==web"), None, true),
            ("label_differs", Some("app=db"), None, false),
            ("label_not_equals", Some("app!=db"), None, true),
            ("label_exists", Some("app"), None, true),
            ("label_absent", Some("!app"), None, false),
            ("missing_label_not_equals", Some("tier!=x"), None, true),
            ("field_name", None, Some("metadata.name=a"), true),
            ("field_other_name", None, Some("metadata.name=b"), false),
            ("field_phase", None, Some("status.phase!=Running"), true),
            (
                "both",
                Some("app=web"),
                Some("metadata.namespace=default"),
                true,
            ),
        ];
        for (name, labels, fields, want) in cases {
            let selectors = Selectors::parse(labels, fields).unwrap();
            assert_eq!(selectors.matches(&pod), want, "case {name}");
        }
    }

    #[test]
    fn unknown_fields_and_set_syntax_are_refused() {
        assert!(Selectors::parse(None, Some("spec.image=x")).is_err());
        assert!(Selectors::parse(Some("app in (a, b)"), None).is_err());
    }
}
