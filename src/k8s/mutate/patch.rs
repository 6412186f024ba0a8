//! JSON Patch (RFC 6902) `add` operations: the patch the webhook answers with, and applying
//! it to the pod so the printed pod is exactly what the API server would store.
//! <https://www.rfc-editor.org/rfc/rfc6902#section-4.1>

use serde::Serialize;
use serde_json::Value;

/// One JSON Patch operation. The webhook only ever adds.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PatchOperation {
    pub op: &'static str,
    /// An RFC 6901 JSON pointer.
    pub path: String,
    pub value: Value,
}

impl PatchOperation {
    /// `{"op":"add","path":…,"value":…}`.
    pub fn add(path: &str, value: Value) -> Self {
        Self {
            op: "add",
            path: path.to_owned(),
            value,
        }
    }
}

/// Why an operation does not apply to the document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApplyError {
    #[error("unsupported JSON Patch operation {0:?}")]
    Operation(&'static str),
    #[error("the path {0:?} is not a JSON pointer")]
    Pointer(String),
    #[error("the parent of {0:?} does not exist")]
    MissingParent(String),
    #[error("the array index in {0:?} is out of range")]
    Index(String),
}

/// Applies `operations` in order to a copy of `document`.
pub fn apply(document: &Value, operations: &[PatchOperation]) -> Result<Value, ApplyError> {
    let mut document = document.clone();
    for operation in operations {
        if operation.op != "add" {
            return Err(ApplyError::Operation(operation.op));
        }
        add(&mut document, &operation.path, operation.value.clone())?;
    }
    Ok(document)
}

fn add(document: &mut Value, path: &str, value: Value) -> Result<(), ApplyError> {
    if path.is_empty() {
        *document = value;
        return Ok(());
    }
    let tokens: Vec<String> = path
        .strip_prefix('/')
        .ok_or_else(|| ApplyError::Pointer(path.to_owned()))?
        .split('/')
        .map(|token| token.replace("~1", "/").replace("~0", "~"))
        .collect();
    let Some((last, parents)) = tokens.split_last() else {
        return Err(ApplyError::Pointer(path.to_owned()));
    };
    let mut parent = document;
    for token in parents {
        parent = match parent {
            Value::Object(map) => map.get_mut(token),
            Value::Array(items) => token.parse::<usize>().ok().and_then(|i| items.get_mut(i)),
            _ => None,
        }
        .ok_or_else(|| ApplyError::MissingParent(path.to_owned()))?;
    }
    match parent {
        Value::Object(map) => {
            map.insert(last.clone(), value);
            Ok(())
        }
        Value::Array(items) => {
            let index = if last == "-" {
                items.len()
            } else {
                last.parse::<usize>()
                    .ok()
                    .filter(|i| *i <= items.len())
                    .ok_or_else(|| ApplyError::Index(path.to_owned()))?
            };
            items.insert(index, value);
            Ok(())
        }
        _ => Err(ApplyError::MissingParent(path.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn adds_follow_rfc_6902() {
        let cases = [
            (
                "new_member",
                json!({"a": 1}),
                "/b",
                Ok(json!({"a": 1, "b": 2})),
            ),
            ("replace_member", json!({"a": 1}), "/a", Ok(json!({"a": 2}))),
            (
                "prepend",
                json!({"a": [1]}),
                "/a/0",
                Ok(json!({"a": [2, 1]})),
            ),
            (
                "append_dash",
                json!({"a": [1]}),
                "/a/-",
                Ok(json!({"a": [1, 2]})),
            ),
            (
                "into_empty_array",
                json!({"a": []}),
                "/a/0",
                Ok(json!({"a": [2]})),
            ),
            (
                "escaped_slash",
                json!({"m": {}}),
                "/m/a~1b",
                Ok(json!({"m": {"a/b": 2}})),
            ),
            (
                "escaped_tilde",
                json!({"m": {}}),
                "/m/a~0b",
                Ok(json!({"m": {"a~b": 2}})),
            ),
            ("whole_document", json!({"a": 1}), "", Ok(json!(2))),
            (
                "missing_parent",
                json!({}),
                "/a/b",
                Err(ApplyError::MissingParent("/a/b".into())),
            ),
            (
                "index_past_end",
                json!({"a": []}),
                "/a/1",
                Err(ApplyError::Index("/a/1".into())),
            ),
            (
                "not_a_pointer",
                json!({}),
                "a",
                Err(ApplyError::Pointer("a".into())),
            ),
            (
                "scalar_parent",
                json!({"a": 1}),
                "/a/b",
                Err(ApplyError::MissingParent("/a/b".into())),
            ),
        ];
        for (name, document, path, want) in cases {
            let got = apply(&document, &[PatchOperation::add(path, json!(2))]);
            assert_eq!(got, want, "case {name}");
        }
    }
}
