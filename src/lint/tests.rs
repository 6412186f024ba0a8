//! The fixture walk (`fixtures/lint/<id>.json` gives exactly finding `<id>`), rule cases
//! beside them, and a never-panics property test over garbled and random documents.

use std::path::Path;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use super::{lint_text, lint_world, Rule};

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fixtures/lint");

fn fixtures(dir: &Path) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "json"))
        .map(|path| {
            let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
            (
                stem.unwrap_or_default(),
                std::fs::read_to_string(&path).unwrap_or_default(),
            )
        })
        .collect();
    files.sort();
    files
}

fn ids(text: &str) -> Vec<&'static str> {
    let mut ids: Vec<&'static str> = match lint_text(text, None) {
        Ok(findings) => findings.iter().map(|f| f.id.id()).collect(),
        Err(err) => vec![if err.to_string().is_empty() {
            ""
        } else {
            "input-error"
        }],
    };
    ids.dedup();
    ids
}

#[test]
fn each_bad_fixture_gives_exactly_its_finding() {
    let files = fixtures(Path::new(FIXTURES));
    let names: Vec<&str> = files.iter().map(|(name, _)| name.as_str()).collect();
    let mut every_id: Vec<&str> = Rule::ALL.iter().map(|rule| rule.id()).collect();
    every_id.sort_unstable();
    assert_eq!(names, every_id, "one fixture per rule");
    for (name, text) in &files {
        assert_eq!(ids(text), vec![name.as_str()], "fixture {name}");
    }
}

#[test]
fn good_fixtures_and_the_default_world_give_nothing() {
    let files = fixtures(&Path::new(FIXTURES).join("good"));
    assert_eq!(files.len(), 2, "eksctl and pod-identity");
    for (name, text) in &files {
        assert_eq!(ids(text), Vec::<&str>::new(), "good fixture {name}");
    }
    let world = crate::world::load_default();
    assert!(world.is_ok(), "the default world loads");
    if let Ok(world) = world {
        assert_eq!(lint_world(&world, None), Vec::new(), "default world");
    }
}

#[test]
fn rules_fire_only_where_they_apply() {
    const ISSUER: &str = "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE";
    const ARN: &str =
        "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE";
    let sub = format!("{ISSUER}:sub");
    let aud = format!("{ISSUER}:aud");
    let allow = |action: Value, condition: Value| json!({"Effect": "Allow", "Principal": {"Federated": ARN}, "Action": action, "Condition": condition});
    let good_condition =
        json!({"StringEquals": {&sub: "system:serviceaccount:a:b", &aud: "sts.amazonaws.com"}});
    #[rustfmt::skip]
    let cases: Vec<(&str, Value, Vec<&str>)> = vec![
        ("web_identity_beside_assume_role_is_fine", json!([allow(json!(["sts:AssumeRole", "sts:AssumeRoleWithWebIdentity"]), good_condition.clone())]), vec![]),
        ("action_wildcard_covers_web_identity", json!([allow(json!("sts:AssumeRole*"), good_condition.clone())]), vec![]),
        ("saml_provider_uses_assume_role_with_saml", json!([{"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::111122223333:saml-provider/corp"}, "Action": "sts:AssumeRole"}]), vec![]),
        ("aws_principal_with_assume_role", json!([{"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"}, "Action": "sts:AssumeRole"}]), vec![]),
        ("cognito_amr_with_for_any_value", json!([{"Effect": "Allow", "Principal": {"Federated": "cognito-identity.amazonaws.com"}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringEquals": {"cognito-identity.amazonaws.com:aud": "us-east-1:1"}, "ForAnyValue:StringLike": {"cognito-identity.amazonaws.com:amr": "authenticated"}}}]), vec!["like-without-wildcard"]),
        ("if_exists_suffix_is_known", json!([allow(json!("sts:AssumeRoleWithWebIdentity"), json!({"StringEqualsIfExists": {&sub: "system:serviceaccount:a:b", &aud: "sts.amazonaws.com"}}))]), vec![]),
        ("lowercase_operator_is_unknown", json!([allow(json!("sts:AssumeRoleWithWebIdentity"), json!({"stringequals": {&sub: "system:serviceaccount:a:b", &aud: "x"}}))]), vec!["unknown-operator"]),
        ("any_subject_is_any_namespace", json!([allow(json!("sts:AssumeRoleWithWebIdentity"), json!({"StringLike": {&sub: "*"}, "StringEquals": {&aud: "sts.amazonaws.com"}}))]), vec!["sub-wildcard-namespace"]),
        ("namespace_prefix_wildcard", json!([allow(json!("sts:AssumeRoleWithWebIdentity"), json!({"StringLike": {&sub: "system:serviceaccount:team-*:app"}, "StringEquals": {&aud: "sts.amazonaws.com"}}))]), vec!["sub-wildcard-namespace"]),
        ("github_subject_is_not_kubernetes", json!([allow(json!("sts:AssumeRoleWithWebIdentity"), json!({"StringLike": {&sub: "repo:org/app:*"}, "StringEquals": {&aud: "sts.amazonaws.com"}}))]), vec![]),
        ("for_all_values_on_sub", json!([allow(json!("sts:AssumeRoleWithWebIdentity"), json!({"ForAllValues:StringEquals": {&sub: "system:serviceaccount:a:b"}, "StringEquals": {&aud: "sts.amazonaws.com"}}))]), vec!["set-operator-single-valued"]),
        ("deny_of_an_untrusted_provider", json!([allow(json!("sts:AssumeRoleWithWebIdentity"), good_condition.clone()), {"Effect": "Deny", "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/other.example"}, "Action": "sts:AssumeRoleWithWebIdentity"}]), vec!["deny-never-matches"]),
        ("deny_that_applies", json!([allow(json!("sts:AssumeRoleWithWebIdentity"), good_condition.clone()), {"Effect": "Deny", "Principal": {"Federated": ARN}, "Action": "sts:*", "Condition": {"StringNotEquals": {&aud: "sts.amazonaws.com"}}}]), vec![]),
        ("duplicate_statement_key", json!("DUPLICATE"), vec!["duplicate-key"]),
    ];
    for (name, statements, want) in cases {
        let text = if statements == json!("DUPLICATE") {
            format!(
                r#"{{"Version":"2012-10-17","Version":"2012-10-17","Statement":[{}]}}"#,
                allow(
                    json!("sts:AssumeRoleWithWebIdentity"),
                    good_condition.clone()
                )
            )
        } else {
            json!({"Version": "2012-10-17", "Statement": statements}).to_string()
        };
        assert_eq!(ids(&text), want, "case {name}");
    }
}

#[test]
fn provider_account_is_checked_against_the_role() {
    let text =
        std::fs::read_to_string(Path::new(FIXTURES).join("good/eksctl.json")).unwrap_or_default();
    let cases = [
        ("same_account", "111122223333", 0),
        ("other_account", "444455556666", 1),
    ];
    for (name, account, want) in cases {
        let found = lint_text(&text, Some(account)).map(|findings| findings.len());
        assert_eq!(found, Ok(want), "case {name}");
    }
}

/// Garbled fixtures and random trees of policy-shaped JSON: the linter answers (findings
/// or an input error) and never panics.
#[test]
fn never_panics_on_garbled_or_random_documents() {
    let mut rng = StdRng::seed_from_u64(18);
    let texts: Vec<String> = fixtures(Path::new(FIXTURES))
        .into_iter()
        .map(|(_, text)| text)
        .collect();
    let alphabet = b"{}[]\":,*?%\\ aA0/";
    for round in 0..2000 {
        let mut bytes = texts[round % texts.len()].clone().into_bytes();
        for _ in 0..rng.gen_range(1..4) {
            let at = rng.gen_range(0..bytes.len());
            match rng.gen_range(0..3) {
                0 => {
                    bytes.remove(at);
                }
                1 => bytes.insert(at, alphabet[rng.gen_range(0..alphabet.len())]),
                _ => bytes[at] = alphabet[rng.gen_range(0..alphabet.len())],
            }
        }
        let _ = lint_text(&String::from_utf8_lossy(&bytes), Some("111122223333"));
    }
    for _ in 0..2000 {
        let document = json!({"Version": "2012-10-17", "Statement": random_value(&mut rng, 0)});
        let _ = lint_text(&document.to_string(), Some("111122223333"));
    }
}

fn random_value(rng: &mut StdRng, depth: u32) -> Value {
    const WORDS: [&str; 18] = [
        "Effect",
        "Allow",
        "Deny",
        "Principal",
        "Federated",
        "Service",
        "Action",
        "NotAction",
        "Condition",
        "StringLike",
        "StringEquals",
        "ForAllValues:StringLike",
        "Null",
        "arn:aws:iam::1:oidc-provider/x/",
        "x:sub",
        "https://x:aud",
        "system:serviceaccount:*",
        "sts:AssumeRole",
    ];
    let word = |rng: &mut StdRng| WORDS[rng.gen_range(0..WORDS.len())].to_owned();
    match (depth > 4, rng.gen_range(0..6)) {
        (_, 0) => Value::Null,
        (_, 1) => json!(rng.gen_range(-2..3)),
        (true, _) | (_, 2) => Value::String(word(rng)),
        (_, 3) => Value::Array(
            (0..rng.gen_range(0..4))
                .map(|_| random_value(rng, depth + 1))
                .collect(),
        ),
        _ => Value::Object(
            (0..rng.gen_range(0..5))
                .map(|_| (word(rng), random_value(rng, depth + 1)))
                .collect(),
        ),
    }
}
