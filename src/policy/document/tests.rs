//! Parsing: the grammar's shapes, the kind rules, and each refusal's cause.

use serde_json::{Map, Value};

use crate::policy::{parse, PolicyError, PolicyKind, Version};

use PolicyError::*;
use PolicyKind::{Identity, Trust};

/// Changes to a statement: `(element, json)`.
type Edits<'a> = &'a [(&'a str, &'a str)];

/// A one-statement document: a valid statement for `kind`, then `edits` applied to it
/// (`(element, json)` sets an element, `(element, "-")` removes it).
fn document(kind: PolicyKind, edits: Edits<'_>) -> String {
    let base = match kind {
        Identity => r#"{"Effect":"Allow","Action":"s3:*","Resource":"*"}"#,
        Trust => r#"{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRole"}"#,
    };
    let mut statement: Map<String, Value> = serde_json::from_str(base).unwrap_or_default();
    for (element, json) in edits {
        if *json == "-" {
            statement.remove(*element);
        } else {
            let value = serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"));
            statement.insert((*element).to_owned(), value);
        }
    }
    let statement = Value::Object(statement);
    format!(r#"{{"Version":"2012-10-17","Statement":[{statement}]}}"#)
}

fn at_first(element: &str, expected: &'static str) -> PolicyError {
    WrongShape {
        element: element.into(),
        place: "Statement[0]".into(),
        expected,
    }
}

fn first() -> String {
    "Statement[0]".into()
}

fn invalid(kind: &str, value: &str) -> PolicyError {
    InvalidPrincipal {
        kind: kind.into(),
        value: value.into(),
    }
}

#[test]
fn valid_documents_parse() {
    let legacy_trust = r#"{"Version":"2008-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
    let no_version = r#"{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}"#;
    let principals = r#"{"AWS":["123456789012","arn:aws:iam::123456789012:root","arn:aws:iam::123456789012:role/r","AROAEXAMPLEEXAMPLE1"],"Federated":"accounts.google.com","Service":["ec2.amazonaws.com"],"CanonicalUser":"79a59df9"}"#;
    let empty_sids = document(Identity, &[("Sid", r#""""#)]).replace(
        "}]",
        r#"},{"Sid":"","Effect":"Deny","Action":"*","Resource":"*"}]"#,
    );
    #[rustfmt::skip]
    let cases = [
        ("missing_version_is_2008", Identity, no_version.to_owned(), Version::Legacy),
        ("version_2008_trust", Trust, legacy_trust.to_owned(), Version::Legacy),
        ("not_elements", Identity, document(Identity, &[("Action", "-"), ("NotAction", r#"["iam:*"]"#), ("Resource", "-"), ("NotResource", r#""arn:aws:s3:::b/*""#)]), Version::Current),
        ("trust_may_name_resources", Trust, document(Trust, &[("Resource", r#""arn:aws:s3:::b/*""#)]), Version::Current),
        ("empty_sids_may_repeat", Identity, empty_sids, Version::Current),
        ("principal_forms", Trust, document(Trust, &[("Principal", principals)]), Version::Current),
        ("not_principal", Trust, document(Trust, &[("Principal", "-"), ("NotPrincipal", r#"{"AWS":"*"}"#)]), Version::Current),
    ];
    for (name, kind, json, version) in cases {
        match parse(&json, kind) {
            Ok(policy) => assert_eq!(policy.version(), version, "case {name}"),
            Err(err) => panic!("case {name}: {err}"),
        }
    }
}

#[test]
fn malformed_documents_name_their_cause() {
    let top = "the policy".to_owned();
    #[rustfmt::skip]
    let cases = [
        ("not_an_object", "[]", NotAnObject),
        ("unknown_top_element", r#"{"Statment":[]}"#, UnknownElement { element: "Statment".into(), place: top.clone() }),
        ("bad_version", r#"{"Version":"2012-10-18","Statement":[]}"#, UnsupportedVersion("\"2012-10-18\"".into())),
        ("version_number", r#"{"Version":2012,"Statement":[]}"#, UnsupportedVersion("2012".into())),
        ("missing_statement", r#"{"Version":"2012-10-17"}"#, MissingStatement),
        ("empty_statement_list", r#"{"Statement":[]}"#, MissingStatement),
        ("statement_string", r#"{"Statement":"x"}"#, WrongShape { element: "Statement".into(), place: top.clone(), expected: "an object or a non-empty list of objects" }),
        ("statement_item_number", r#"{"Statement":[1]}"#, at_first("Statement", "an object")),
        ("id_number", r#"{"Id":1,"Statement":[]}"#, WrongShape { element: "Id".into(), place: top, expected: "a string" }),
    ];
    for (name, json, want) in cases {
        assert_eq!(parse(json, Identity).err(), Some(want), "case {name}");
    }
}

#[test]
fn malformed_statements_name_their_cause() {
    const LIST: &str = "a string or a list of strings";
    #[rustfmt::skip]
    let cases: Vec<(&str, PolicyKind, Edits<'_>, PolicyError)> = vec![
        ("unknown_statement_element", Identity, &[("Actions", r#""s3:*""#)], UnknownElement { element: "Actions".into(), place: first() }),
        ("sid_number", Identity, &[("Sid", "1")], at_first("Sid", "a string")),
        ("effect_lowercase", Identity, &[("Effect", r#""allow""#)], InvalidEffect { place: first(), found: "\"allow\"".into() }),
        ("effect_missing", Identity, &[("Effect", "-")], InvalidEffect { place: first(), found: "nothing".into() }),
        ("action_and_not_action", Identity, &[("NotAction", r#""s3:*""#)], ConflictingElements { place: first(), first: "Action", second: "NotAction" }),
        ("missing_action", Identity, &[("Action", "-")], MissingActions { place: first() }),
        ("empty_action_list", Identity, &[("Action", "[]")], MissingActions { place: first() }),
        ("action_number", Identity, &[("Action", "5")], at_first("Action", LIST)),
        ("action_list_with_number", Identity, &[("Action", r#"["s3:Get*",5]"#)], at_first("Action", LIST)),
        ("action_without_vendor", Identity, &[("Action", r#""GetObject""#)], ActionWithoutVendor("GetObject".into())),
        ("action_many_colons", Identity, &[("Action", r#""s3:a:b""#)], ActionWithManyColons("s3:a:b".into())),
        ("vendor_wildcard", Identity, &[("Action", r#""*:Untag*""#)], VendorWithWildcard("*:Untag*".into())),
        ("invalid_vendor", Identity, &[("Action", r#""s 3:Get""#)], InvalidVendor("s 3".into())),
        ("identity_missing_resource", Identity, &[("Resource", "-")], MissingResources { place: first() }),
        ("identity_empty_resource", Identity, &[("Resource", "[]")], MissingResources { place: first() }),
        ("resource_not_arn", Identity, &[("Resource", r#""bucket/*""#)], ResourceNotArn("bucket/*".into())),
        ("resource_and_not_resource", Identity, &[("NotResource", r#""*""#)], ConflictingElements { place: first(), first: "Resource", second: "NotResource" }),
        ("principal_in_identity", Identity, &[("Principal", r#""*""#)], PrincipalInIdentityPolicy { place: first() }),
        ("not_principal_in_identity", Identity, &[("NotPrincipal", r#"{"AWS":"*"}"#)], PrincipalInIdentityPolicy { place: first() }),
        ("trust_missing_principal", Trust, &[("Principal", "-")], MissingPrincipal { place: first() }),
        ("principal_and_not_principal", Trust, &[("NotPrincipal", r#""*""#)], ConflictingElements { place: first(), first: "Principal", second: "NotPrincipal" }),
    ];
    for (name, kind, edits, want) in cases {
        assert_eq!(
            parse(&document(kind, edits), kind).err(),
            Some(want),
            "case {name}"
        );
    }
}

#[test]
fn malformed_principals_name_their_cause() {
    const NAMES: &str = "a string or a non-empty list of strings";
    let role_star = "arn:aws:iam::123456789012:role/*";
    #[rustfmt::skip]
    let cases = [
        ("unknown_type", r#"{"Foo":"x"}"#, invalid("Foo", "x")),
        ("plain_string", r#""bob""#, invalid("Principal", "bob")),
        ("partial_wildcard", r#"{"AWS":"arn:aws:iam::123456789012:role/*"}"#, invalid("AWS", role_star)),
        ("aws_not_an_arn", r#"{"AWS":"bob"}"#, invalid("AWS", "bob")),
        ("federated_star", r#"{"Federated":"*"}"#, invalid("Federated", "*")),
        ("service_empty", r#"{"Service":""}"#, invalid("Service", "")),
        ("empty_object", "{}", at_first("Principal", "\"*\" or an object of AWS, Federated, Service or CanonicalUser")),
        ("empty_list", r#"{"Federated":[]}"#, at_first("Principal Federated", NAMES)),
        ("account_as_number", r#"{"AWS":123456789012}"#, at_first("Principal AWS", NAMES)),
    ];
    for (name, principal, want) in cases {
        let json = document(Trust, &[("Principal", principal)]);
        assert_eq!(parse(&json, Trust).err(), Some(want), "case {name}");
    }
}

#[test]
fn statement_lists_are_checked_whole() {
    let allow = r#"{"Sid":"A","Effect":"Allow","Action":"*","Resource":"*"}"#;
    let no_action = r#"{"Effect":"Allow","Resource":"*"}"#;
    #[rustfmt::skip]
    let cases = [
        ("duplicate_sid", format!("[{allow},{allow}]"), DuplicateSid("A".into())),
        ("second_statement_named", format!("[{allow},{no_action}]"), MissingActions { place: "Statement[1]".into() }),
    ];
    for (name, statements, want) in cases {
        let json = format!(r#"{{"Version":"2012-10-17","Statement":{statements}}}"#);
        assert_eq!(parse(&json, Identity).err(), Some(want), "case {name}");
    }
}

#[test]
fn not_json_is_a_syntax_error() {
    for (name, text) in [
        ("truncated", "{"),
        ("empty", ""),
        ("trailing_comma", r#"{"Statement":[],}"#),
    ] {
        let err = parse(text, Identity).err();
        assert!(matches!(err, Some(NotJson(_))), "case {name}: {err:?}");
        let message = err.map(|e| e.to_string()).unwrap_or_default();
        assert!(
            message.starts_with("Syntax errors in policy."),
            "case {name}: {message}"
        );
    }
}

#[test]
fn error_messages_read_like_iam() {
    #[rustfmt::skip]
    let cases = [
        ("principal_in_identity", PrincipalInIdentityPolicy { place: first() }, "Policy document should not specify a principal."),
        ("missing_principal", MissingPrincipal { place: first() }, "Missing required field Principal"),
        ("missing_actions", MissingActions { place: first() }, "Policy statement must contain actions."),
        ("unknown_operator", UnknownConditionOperator("StringEqualz".into()), "Syntax errors in policy. Unknown condition operator: StringEqualz."),
        ("invalid_principal", invalid("AWS", "bob"), "Invalid principal in policy: \"AWS\":\"bob\""),
    ];
    for (name, err, prefix) in cases {
        assert!(err.to_string().starts_with(prefix), "case {name}: {err}");
    }
}
