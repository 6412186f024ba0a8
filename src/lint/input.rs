//! The forms a trust policy reaches `lint` in: the JSON aws-cli prints (botocore decodes
//! IAM's policy documents), the URL-encoded text of IAM's raw `GetRole` answer (as
//! other SDKs and `--debug` show it), that text quoted as a JSON string (`--output
//! json` of a raw field), or a whole `get-role` output whose `Role` holds the document.

use super::json::Node;
use crate::sigv4::percent_decode_keeping_plus;

/// How many layers of quoting and URL encoding are unwrapped before giving up.
const MAX_LAYERS: usize = 4;

/// The longest text read: far above IAM's largest trust policy (8,192 characters once
/// the quota is raised), even URL-encoded inside a `get-role` output, and small enough
/// that no input makes the rules slow.
const MAX_BYTES: usize = 256 * 1024;

/// Why a text is not a trust policy `lint` can read (exit code 2).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("not JSON: {0}")]
    NotJson(String),
    #[error("URL-encoded text that does not decode to UTF-8: {0}")]
    NotUtf8(#[from] std::string::FromUtf8Error),
    #[error("not a policy document: no Statement element")]
    NotAPolicy,
    #[error("too many layers of quoting or URL encoding")]
    TooDeep,
    #[error("longer than {MAX_BYTES} bytes, far beyond IAM's largest trust policy")]
    TooLarge,
}

/// A trust policy and, from a `get-role` output, the account of its role.
#[derive(Debug)]
pub(crate) struct Document {
    pub(crate) policy: Node,
    pub(crate) account: Option<String>,
}

/// Reads `text` in any of the forms above.
pub(crate) fn read(text: &str) -> Result<Document, InputError> {
    if text.len() > MAX_BYTES {
        return Err(InputError::TooLarge);
    }
    let mut account = None;
    let mut text = text.trim_start_matches('\u{feff}').trim().to_owned();
    for _ in 0..MAX_LAYERS {
        if text.starts_with('%') {
            text = String::from_utf8(percent_decode_keeping_plus(&text))?;
            continue;
        }
        let node: Node =
            serde_json::from_str(&text).map_err(|err| InputError::NotJson(err.to_string()))?;
        let node = match node {
            Node::String(inner) => inner,
            Node::Object(_) => match unwrap_role(node, &mut account) {
                Node::String(inner) => inner,
                policy if policy.get("Statement").is_some() => {
                    return Ok(Document { policy, account })
                }
                _ => return Err(InputError::NotAPolicy),
            },
            _ => return Err(InputError::NotAPolicy),
        };
        text = node.trim().to_owned();
    }
    Err(InputError::TooDeep)
}

/// The `AssumeRolePolicyDocument` of a `get-role` output (`{"Role": {…}}`) or of its
/// `Role`, noting the account of its `Arn`; any other object as it is.
fn unwrap_role(node: Node, account: &mut Option<String>) -> Node {
    let role = node.get("Role").cloned().unwrap_or(node);
    let Some(document) = role.get("AssumeRolePolicyDocument") else {
        return role;
    };
    *account = role
        .get("Arn")
        .and_then(Node::as_str)
        .and_then(|arn| arn.split(':').nth(4))
        .filter(|id| !id.is_empty())
        .map(str::to_owned);
    document.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: &str = r#"{"Version":"2012-10-17","Statement":[]}"#;

    #[test]
    fn every_form_reads_to_the_same_policy() {
        let encoded = "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";
        let get_role = format!(
            r#"{{"Role":{{"RoleName":"r","Arn":"arn:aws:iam::444455556666:role/r","AssumeRolePolicyDocument":"{encoded}"}}}}"#
        );
        let cases = [
            ("plain_json", POLICY.to_owned(), None),
            ("url_encoded", encoded.to_owned(), None),
            ("url_encoded_with_newline", format!("{encoded}\n"), None),
            (
                "quoted",
                serde_json::Value::String(POLICY.into()).to_string(),
                None,
            ),
            ("get_role_output", get_role, Some("444455556666")),
        ];
        let want: Node = serde_json::from_str(POLICY).unwrap_or(Node::Null);
        for (name, text, account) in cases {
            let document = read(&text);
            let document = document.as_ref().map_err(ToString::to_string);
            assert_eq!(
                document.clone().map(|d| &d.policy),
                Ok(&want),
                "case {name}"
            );
            assert_eq!(
                document.map(|d| d.account.as_deref()),
                Ok(account),
                "case {name}"
            );
        }
    }

    #[test]
    fn other_texts_are_refused() {
        let cases = [
            ("garbled", "{\"Statement\": [", "not JSON"),
            ("array", "[]", "not a policy"),
            (
                "object_without_statement",
                "{\"Version\":\"2012-10-17\"}",
                "not a policy",
            ),
            ("bad_utf8", "%FF%FE", "UTF-8"),
            ("too_large", &" ".repeat(MAX_BYTES + 1), "longer than"),
        ];
        for (name, text, want) in cases {
            let err = read(text).map(|_| ()).map_err(|err| err.to_string());
            assert!(
                err.as_ref().is_err_and(|message| message.contains(want)),
                "case {name}: {err:?}"
            );
        }
        let mut quoted = POLICY.to_owned();
        for _ in 0..MAX_LAYERS {
            quoted = serde_json::Value::String(quoted).to_string();
        }
        assert_eq!(
            read(&quoted).map(|_| ()),
            Err(InputError::TooDeep),
            "case too_deep"
        );
    }
}
