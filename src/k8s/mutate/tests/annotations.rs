//! Annotations, pod shapes and the never-panics property.

use serde_json::json;

use super::*;

#[test]
fn token_expiration_precedence_is_pod_then_account_then_flag_with_a_600_second_floor() {
    let cases = [
        ("flag_default", None, None, 86400),
        ("account_over_flag", Some("7200"), None, 7200),
        ("pod_over_account", Some("7200"), Some("1800"), 1800),
        ("pod_floor", Some("7200"), Some("0"), 600),
        ("account_floor", Some("100"), None, 600),
        ("negative_pod_value_floored", None, Some("-5"), 600),
        (
            "unparsable_pod_value_keeps_account",
            Some("7200"),
            Some("1h"),
            7200,
        ),
        (
            "unparsable_account_value_keeps_flag",
            Some("soon"),
            None,
            86400,
        ),
        ("plus_sign_parses_as_in_go", None, Some("+900"), 900),
    ];
    for (name, account_value, pod_value, want) in cases {
        let mut account = with_role(&[]);
        if let Some(value) = account_value {
            account.insert(TOKEN_EXPIRATION_ANNOTATION.into(), value.into());
        }
        let mut pod = pod(json!({"containers": [app()]}));
        if let Some(value) = pod_value {
            pod["metadata"]["annotations"] = json!({TOKEN_EXPIRATION_ANNOTATION: value});
        }
        let mutation = mutated(&pod, &account, &Settings::default());
        let seconds = &mutation.pod["spec"]["volumes"][0]["projected"]["sources"][0]
            ["serviceAccountToken"]["expirationSeconds"];
        assert_eq!(seconds, &json!(want), "case {name}");
    }
}

#[test]
fn regional_sts_annotation_overrides_the_flag_when_it_parses() {
    let cases = [
        ("flag_on", None, true, true),
        ("annotation_off", Some("false"), true, false),
        ("annotation_on", Some("True"), false, true),
        ("go_short_form", Some("1"), false, true),
        ("unparsable_keeps_flag", Some("yes"), true, true),
    ];
    for (name, annotation, flag, want) in cases {
        let mut account = with_role(&[]);
        if let Some(value) = annotation {
            account.insert(REGIONAL_STS_ANNOTATION.into(), value.into());
        }
        let settings = Settings {
            regional_sts: flag,
            ..Settings::default()
        };
        let mutation = mutated(&pod(json!({"containers": [app()]})), &account, &settings);
        let names: Vec<&str> = mutation.pod["spec"]["containers"][0]["env"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|e| e["name"].as_str())
            .collect();
        assert_eq!(
            names.contains(&"AWS_STS_REGIONAL_ENDPOINTS"),
            want,
            "case {name}"
        );
    }
}

#[test]
fn an_already_mutated_pod_is_unchanged() {
    let first = mutated(
        &pod(json!({"containers": [app()]})),
        &with_role(&[]),
        &Settings::default(),
    );
    assert!(first.changed);
    let again = mutated(&first.pod, &with_role(&[]), &Settings::default());
    assert!(!again.changed, "second pass changes nothing");
    assert_eq!(again.pod, first.pod);
}

#[test]
fn unknown_fields_are_carried_through() {
    let pod = json!({"metadata": {"name": "p", "x-extra": [1]}, "status": {"phase": "Pending"},
        "spec": {"containers": [{"name": "app", "resources": {"limits": {"cpu": "1"}}, "futureField": true}],
                 "hostNetwork": true}});
    let mutation = mutated(&pod, &with_role(&[]), &Settings::default());
    assert_eq!(mutation.pod["metadata"]["x-extra"], json!([1]));
    assert_eq!(mutation.pod["status"], json!({"phase": "Pending"}));
    assert_eq!(mutation.pod["spec"]["hostNetwork"], json!(true));
    assert_eq!(
        mutation.pod["spec"]["containers"][0]["futureField"],
        json!(true)
    );
    assert_eq!(
        mutation.pod["spec"]["containers"][0]["resources"],
        json!({"limits": {"cpu": "1"}})
    );
}

#[test]
fn malformed_pods_are_refused_with_the_field() {
    let cases = [
        ("not_an_object", json!([1]), "document"),
        ("spec_string", json!({"spec": "x"}), "spec"),
        (
            "containers_object",
            json!({"spec": {"containers": {}}}),
            "spec.containers",
        ),
        (
            "container_number",
            json!({"spec": {"containers": [1]}}),
            "spec.containers[0]",
        ),
        (
            "env_object",
            json!({"spec": {"containers": [{"env": {}}]}}),
            "spec.containers[0].env",
        ),
        (
            "env_name_number",
            json!({"spec": {"initContainers": [{"env": [{"name": 1}]}]}}),
            "spec.initContainers[0].env[0].name",
        ),
        (
            "annotation_number",
            json!({"metadata": {"annotations": {"a": 1}}}),
            "metadata.annotations.a",
        ),
        (
            "volumes_string",
            json!({"spec": {"volumes": "x"}}),
            "spec.volumes",
        ),
        (
            "token_audience_list",
            json!({"spec": {"volumes": [{"projected": {"sources": [{"serviceAccountToken": {"audience": []}}]}}]}}),
            "spec.volumes[0].projected.sources[0].serviceAccountToken.audience",
        ),
    ];
    for (name, pod, field) in cases {
        match mutate(
            &pod,
            with_annotations(&with_role(&[])),
            &Settings::default(),
        ) {
            Err(PodError::Shape { field: got, .. }) => assert_eq!(got, field, "case {name}"),
            other => panic!("case {name}: {other:?}"),
        }
    }
}

#[test]
fn skip_containers_reads_the_first_csv_record_as_go_does() {
    let cases = [
        ("one", "a", vec!["a"]),
        ("two", "a,b", vec!["a", "b"]),
        ("spaces_are_kept", "a, b", vec!["a", " b"]),
        ("quoted_with_comma", "\"a,b\",c", vec!["a,b", "c"]),
        ("doubled_quote", "\"a\"\"b\"", vec!["a\"b"]),
        ("only_first_line", "a\nb", vec!["a"]),
        ("leading_blank_lines", "\n\na", vec!["a"]),
        ("empty_field", "a,", vec!["a", ""]),
        ("empty_value", "", vec![]),
        ("bare_quote_skips_none", "a\"b", vec![]),
        ("unterminated_quote_skips_none", "\"a", vec![]),
        ("text_after_quote_skips_none", "\"a\"b", vec![]),
    ];
    for (name, value, want) in cases {
        assert_eq!(pod::skip_containers(value), want, "case {name}");
    }
}

#[test]
fn service_account_defaults_to_default() {
    let cases = [
        (
            "named",
            json!({"spec": {"serviceAccountName": "iam-test"}}),
            "iam-test",
        ),
        (
            "empty",
            json!({"spec": {"serviceAccountName": ""}}),
            "default",
        ),
        ("absent", json!({"spec": {}}), "default"),
        (
            "not_a_string",
            json!({"spec": {"serviceAccountName": 3}}),
            "default",
        ),
    ];
    for (name, pod, want) in cases {
        assert_eq!(service_account_name(&pod), want, "case {name}");
    }
}

/// Random documents built from pod field names never make the mutation panic.
#[test]
fn never_panics_on_random_documents() {
    use rand::{Rng, SeedableRng};
    const KEYS: &[&str] = &[
        "metadata",
        "annotations",
        "labels",
        "spec",
        "containers",
        "initContainers",
        "env",
        "name",
        "volumeMounts",
        "volumes",
        "projected",
        "sources",
        "serviceAccountToken",
        "audience",
        "path",
        "nodeSelector",
        "kubernetes.io/os",
        "eks.amazonaws.com/skip-containers",
        "eks.amazonaws.com/token-expiration",
    ];
    fn value(rng: &mut rand::rngs::StdRng, depth: u32) -> Value {
        match rng.gen_range(0..if depth > 4 { 4 } else { 7 }) {
            0 => Value::Null,
            1 => json!(rng.gen_range(-700..90000)),
            2 => json!(
                [
                    "aws-iam-token",
                    "windows",
                    "",
                    "a,\"b",
                    "600",
                    "sts.amazonaws.com"
                ][rng.gen_range(0..6)]
            ),
            3 => json!(rng.gen_bool(0.5)),
            4 | 5 => {
                let mut map = Map::new();
                for _ in 0..rng.gen_range(0..5) {
                    map.insert(
                        KEYS[rng.gen_range(0..KEYS.len())].to_owned(),
                        value(rng, depth + 1),
                    );
                }
                Value::Object(map)
            }
            _ => Value::Array(
                (0..rng.gen_range(0..4))
                    .map(|_| value(rng, depth + 1))
                    .collect(),
            ),
        }
    }
    let mut rng = rand::rngs::StdRng::seed_from_u64(6);
    let annotations = with_role(&[]);
    for i in 0..6000 {
        let document = value(&mut rng, 0);
        // Every other document as a Pod Identity pod.
        let account = Account {
            annotations: Some(&annotations),
            pod_identity: i % 2 == 1,
        };
        if let Ok(Outcome::Mutated(mutation)) =
            mutate(&document, account, &Settings::eks("us-west-2"))
        {
            assert_eq!(
                apply(
                    &document_with_parents(&document, account.pod_identity),
                    &mutation.patch
                )
                .ok(),
                Some(mutation.pod)
            );
        }
    }
}

/// The document with the `spec` (and, for the label, `metadata`) the mutation gives a
/// patch to land in.
fn document_with_parents(document: &Value, labelled: bool) -> Value {
    let mut copy = document.clone();
    let parents: &[&str] = if labelled {
        &["metadata", "spec"]
    } else {
        &["spec"]
    };
    if let Value::Object(map) = &mut copy {
        for parent in parents {
            if map.get(*parent).is_none_or(Value::is_null) {
                map.insert((*parent).into(), json!({}));
            }
        }
    }
    copy
}
