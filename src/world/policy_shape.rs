//! The structural check of an IAM policy document that the world loader applies: the
//! top-level keys, the statement list, and each statement's elements and their JSON
//! types, with IAM's grammar for which elements may appear together.
//!
//! Known gap: condition operators and their values are checked for shape only (an object
//! of objects of strings or string lists); the policy language module that evaluates them
//! refuses unknown operators.

use serde_json::{Map, Value};

const STATEMENT_KEYS: [&str; 9] = [
    "Sid",
    "Effect",
    "Principal",
    "NotPrincipal",
    "Action",
    "NotAction",
    "Resource",
    "NotResource",
    "Condition",
];

/// Checks that `document` has the shape of an IAM policy; the error says what is wrong
/// and where, in IAM's vocabulary.
pub fn check(document: &Value) -> Result<(), String> {
    let object = document
        .as_object()
        .ok_or("policy document must be a JSON object")?;
    for key in object.keys() {
        if !matches!(key.as_str(), "Version" | "Id" | "Statement") {
            return Err(format!("policy document has unknown element {key:?}"));
        }
    }
    match object.get("Version") {
        None => {}
        Some(Value::String(v)) if v == "2012-10-17" || v == "2008-10-17" => {}
        Some(other) => {
            return Err(format!(
                "Version {other} is not \"2012-10-17\" or \"2008-10-17\""
            ))
        }
    }
    if let Some(id) = object.get("Id") {
        if !id.is_string() {
            return Err("Id must be a string".to_owned());
        }
    }
    let statements = match object.get("Statement") {
        Some(Value::Array(list)) if !list.is_empty() => list.iter().collect::<Vec<_>>(),
        Some(single @ Value::Object(_)) => vec![single],
        Some(_) => return Err("Statement must be an object or a non-empty list".to_owned()),
        None => return Err("policy document has no Statement".to_owned()),
    };
    for (index, statement) in statements.into_iter().enumerate() {
        let statement = statement
            .as_object()
            .ok_or_else(|| format!("Statement[{index}] must be an object"))?;
        check_statement(statement).map_err(|problem| format!("Statement[{index}]: {problem}"))?;
    }
    Ok(())
}

fn check_statement(statement: &Map<String, Value>) -> Result<(), String> {
    for key in statement.keys() {
        if !STATEMENT_KEYS.contains(&key.as_str()) {
            return Err(format!("unknown element {key:?}"));
        }
    }
    match statement.get("Effect").and_then(Value::as_str) {
        Some("Allow" | "Deny") => {}
        _ => return Err("Effect must be \"Allow\" or \"Deny\"".to_owned()),
    }
    if let Some(sid) = statement.get("Sid") {
        if !sid.is_string() {
            return Err("Sid must be a string".to_owned());
        }
    }
    exactly_one_of(statement, "Action", "NotAction", true)?;
    exactly_one_of(statement, "Resource", "NotResource", false)?;
    exactly_one_of(statement, "Principal", "NotPrincipal", false)?;
    if let Some(condition) = statement.get("Condition") {
        check_condition(condition)?;
    }
    Ok(())
}

/// At most one of the pair, each a string or a non-empty list of strings (Principal also
/// a map of principal types); `required` demands one of them.
fn exactly_one_of(
    statement: &Map<String, Value>,
    positive: &str,
    negative: &str,
    required: bool,
) -> Result<(), String> {
    match (statement.get(positive), statement.get(negative)) {
        (Some(_), Some(_)) => Err(format!("has both {positive} and {negative}")),
        (None, None) if required => Err(format!("has neither {positive} nor {negative}")),
        (None, None) => Ok(()),
        (Some(value), None) => check_element(positive, value),
        (None, Some(value)) => check_element(negative, value),
    }
}

fn check_element(name: &str, value: &Value) -> Result<(), String> {
    if name.ends_with("Principal") {
        return match value {
            Value::String(s) if s == "*" => Ok(()),
            Value::Object(map) if !map.is_empty() => {
                for (kind, ids) in map {
                    if !matches!(
                        kind.as_str(),
                        "AWS" | "Federated" | "Service" | "CanonicalUser"
                    ) {
                        return Err(format!("{name} has unknown principal type {kind:?}"));
                    }
                    string_or_list(ids).map_err(|p| format!("{name}.{kind} {p}"))?;
                }
                Ok(())
            }
            _ => Err(format!(
                "{name} must be \"*\" or an object of principal types"
            )),
        };
    }
    string_or_list(value).map_err(|problem| format!("{name} {problem}"))
}

fn string_or_list(value: &Value) -> Result<(), String> {
    match value {
        Value::String(_) => Ok(()),
        Value::Array(items) if !items.is_empty() && items.iter().all(Value::is_string) => Ok(()),
        _ => Err("must be a string or a non-empty list of strings".to_owned()),
    }
}

fn check_condition(condition: &Value) -> Result<(), String> {
    let operators = condition
        .as_object()
        .ok_or("Condition must be an object of operators")?;
    for (operator, keys) in operators {
        let keys = keys
            .as_object()
            .ok_or_else(|| format!("Condition.{operator} must be an object of condition keys"))?;
        for (key, values) in keys {
            let scalar = |v: &Value| v.is_string() || v.is_number() || v.is_boolean();
            let valid =
                scalar(values) || matches!(values, Value::Array(items) if items.iter().all(scalar));
            if !valid {
                return Err(format!(
                    "Condition.{operator}.{key} must be a value or a list of values"
                ));
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn policy_shapes() {
        let cases = [
            (
                "identity_policy",
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": ["s3:Get*"], "Resource": "*"}]}),
                true,
            ),
            (
                "single_statement_object",
                json!({"Statement": {"Effect": "Deny", "NotAction": "iam:*", "Resource": "*"}}),
                true,
            ),
            (
                "trust_policy",
                json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/x"}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringEquals": {"x:sub": "a", "x:aud": ["b"]}}}]}),
                true,
            ),
            (
                "wildcard_principal",
                json!({"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "sts:AssumeRole"}]}),
                true,
            ),
            ("not_an_object", json!("Allow everything"), false),
            ("no_statement", json!({"Version": "2012-10-17"}), false),
            ("empty_statement_list", json!({"Statement": []}), false),
            (
                "bad_version",
                json!({"Version": "2020-01-01", "Statement": {"Effect": "Allow", "Action": "*"}}),
                false,
            ),
            (
                "unknown_top_level",
                json!({"Statment": [], "Statement": {"Effect": "Allow", "Action": "*"}}),
                false,
            ),
            (
                "bad_effect",
                json!({"Statement": {"Effect": "allow", "Action": "*"}}),
                false,
            ),
            (
                "no_action",
                json!({"Statement": {"Effect": "Allow", "Resource": "*"}}),
                false,
            ),
            (
                "action_and_not_action",
                json!({"Statement": {"Effect": "Allow", "Action": "*", "NotAction": "s3:*"}}),
                false,
            ),
            (
                "action_number",
                json!({"Statement": {"Effect": "Allow", "Action": 5}}),
                false,
            ),
            (
                "empty_action_list",
                json!({"Statement": {"Effect": "Allow", "Action": []}}),
                false,
            ),
            (
                "unknown_principal_type",
                json!({"Statement": {"Effect": "Allow", "Principal": {"User": "x"}, "Action": "*"}}),
                false,
            ),
            (
                "condition_not_object",
                json!({"Statement": {"Effect": "Allow", "Action": "*", "Condition": ["StringEquals"]}}),
                false,
            ),
            (
                "condition_value_object",
                json!({"Statement": {"Effect": "Allow", "Action": "*", "Condition": {"StringEquals": {"k": {"nested": 1}}}}}),
                false,
            ),
            (
                "unknown_statement_element",
                json!({"Statement": {"Effect": "Allow", "Action": "*", "Resources": "*"}}),
                false,
            ),
        ];
        for (name, document, want) in cases {
            assert_eq!(
                check(&document).is_ok(),
                want,
                "case {name}: {:?}",
                check(&document)
            );
        }
    }
}
