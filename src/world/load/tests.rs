use super::*;
use std::path::PathBuf;

fn with(edit: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut value: serde_json::Value = serde_json::from_str(DEFAULT_WORLD_JSON).unwrap();
    edit(&mut value);
    value.to_string()
}

fn own_policy(arn: &str, create_date: Option<&str>) -> serde_json::Value {
    serde_json::json!([{
        "arn": arn,
        "policyId": "ANPAEXAMPLE1234567890",
        "createDate": create_date,
        "document": {"Statement": {"Effect": "Allow", "Action": "*", "Resource": "*"}},
    }])
}

#[test]
fn default_world_loads() {
    let world = load_default().expect("the embedded default world must load");
    assert_eq!(world.account.id.as_str(), "111122223333");
    assert_eq!(world.clusters[0].name.as_str(), "eksworkshop-eksctl");
}

#[test]
fn a_provider_without_client_ids_loads() {
    // IAM keeps a provider whose last client id was removed; a stored world may hold one.
    let text = with(|w| w["oidcProviders"][0]["clientIds"] = serde_json::json!([]));
    let world = parse("world.json", &text, Path::new(".")).expect("empty clientIds must load");
    assert!(world
        .oidc_providers
        .iter()
        .next()
        .unwrap()
        .client_ids
        .is_empty());
}

/// Associations of `default/<service account>` with the given ids.
fn associations(entries: &[(&str, &str)]) -> serde_json::Value {
    entries
        .iter()
        .map(|(id, sa)| {
            serde_json::json!({"associationId": id, "namespace": "default", "serviceAccount": sa,
                "roleArn": "arn:aws:iam::111122223333:role/iam-test", "createdAt": 0, "modifiedAt": 0})
        })
        .collect()
}

#[test]
fn broken_worlds_name_the_path_and_the_problem() {
    let cases: Vec<(&str, String, &str, &str)> = vec![
        ("not_json", "{".to_owned(), "$", "EOF"),
        (
            "unknown_field",
            with(|w| w["acount"] = 1.into()),
            "$.acount",
            "unknown field `acount`",
        ),
        (
            "bad_account_id",
            with(|w| w["account"]["id"] = "12".into()),
            "$.account.id",
            "12 digits",
        ),
        (
            "bad_region",
            with(|w| w["account"]["region"] = "mars".into()),
            "$.account.region",
            "region",
        ),
        (
            "no_clusters",
            with(|w| w["clusters"] = serde_json::json!([])),
            "$.clusters",
            "at least one cluster",
        ),
        (
            "issuer_without_scheme",
            with(|w| w["clusters"][0]["oidcIssuer"] = "oidc.example/id/X".into()),
            "$.clusters[0].oidcIssuer",
            "https://",
        ),
        (
            "namespace_uppercase",
            with(|w| w["clusters"][0]["serviceAccounts"][0]["namespace"] = "Default".into()),
            "$.clusters[0].serviceAccounts[0].namespace",
            "RFC 1123 label",
        ),
        (
            "duplicate_service_account",
            with(|w| {
                let sa = w["clusters"][0]["serviceAccounts"][0].clone();
                w["clusters"][0]["serviceAccounts"]
                    .as_array_mut()
                    .unwrap()
                    .push(sa);
            }),
            "$.clusters[0].serviceAccounts[1]",
            "duplicate namespace/name",
        ),
        (
            "too_many_client_ids",
            with(|w| {
                let ids: Vec<String> = (0..101).map(|i| format!("client-{i}")).collect();
                w["oidcProviders"][0]["clientIds"] = serde_json::json!(ids);
            }),
            "$.oidcProviders[0].clientIds",
            "at most 100",
        ),
        (
            "empty_client_id",
            with(|w| w["oidcProviders"][0]["clientIds"] = serde_json::json!([""])),
            "$.oidcProviders[0].clientIds",
            "1 to 255 characters",
        ),
        (
            "attached_policy_missing",
            with(|w| {
                w["roles"][0]["attachedPolicyArns"][0] = "arn:aws:iam::aws:policy/Nope".into()
            }),
            "$.roles[0].attachedPolicyArns[0]",
            "declared neither",
        ),
        (
            "trust_policy_without_effect",
            with(|w| {
                w["roles"][0]["assumeRolePolicyDocument"]["Statement"][0]["Effect"] = "Maybe".into()
            }),
            "$.roles[0].assumeRolePolicyDocument",
            "Effect",
        ),
        (
            "session_duration_too_long",
            with(|w| w["roles"][0]["maxSessionDuration"] = 50_000.into()),
            "$.roles[0].maxSessionDuration",
            "43200",
        ),
        (
            "bad_bucket",
            with(|w| w["buckets"][0]["name"] = "Bad_Bucket".into()),
            "$.buckets[0].name",
            "bucket name",
        ),
        (
            "policy_arn_wrong_account",
            with(|w| w["managedPolicies"] = own_policy("arn:aws:iam::999999999999:policy/X", None)),
            "$.managedPolicies[0].arn",
            "account",
        ),
        (
            "policy_bad_date",
            with(|w| {
                w["managedPolicies"] =
                    own_policy("arn:aws:iam::111122223333:policy/X", Some("yesterday"))
            }),
            "$.managedPolicies[0].createDate",
            "timestamp",
        ),
        (
            "association_bad_id",
            with(|w| w["clusters"][0]["podIdentityAssociations"] = associations(&[("a-1", "pi")])),
            "$.clusters[0].podIdentityAssociations[0].associationId",
            "17 lowercase",
        ),
        (
            "association_twice_for_one_account",
            with(|w| {
                w["clusters"][0]["podIdentityAssociations"] =
                    associations(&[("a-aaaaaaaaaaaaaaaaa", "pi"), ("a-bbbbbbbbbbbbbbbbb", "pi")])
            }),
            "$.clusters[0].podIdentityAssociations[1]",
            "duplicate namespace/serviceAccount",
        ),
        (
            "association_id_twice",
            with(|w| {
                w["clusters"][0]["podIdentityAssociations"] = associations(&[
                    ("a-aaaaaaaaaaaaaaaaa", "one"),
                    ("a-aaaaaaaaaaaaaaaaa", "two"),
                ])
            }),
            "$.clusters[0].podIdentityAssociations[1]",
            "duplicate associationId",
        ),
    ];
    for (name, text, want_path, want_problem) in cases {
        match parse("world.json", &text, Path::new(".")) {
            Err(LoadError::Invalid { path, problem, .. }) => {
                assert_eq!(path, want_path, "case {name}: {problem}");
                assert!(problem.contains(want_problem), "case {name}: {problem}");
            }
            other => panic!("case {name}: expected Invalid, got {other:?}"),
        }
    }
}

#[test]
fn the_catalogue_is_in_every_world_and_world_entries_win() {
    let world = load_default().unwrap();
    let arns: Vec<&str> = world
        .managed_policies
        .iter()
        .map(|p| p.arn.as_str())
        .collect();
    for required in [
        "AmazonS3ReadOnlyAccess",
        "AmazonS3FullAccess",
        "AdministratorAccess",
        "ReadOnlyAccess",
    ] {
        let arn = format!("arn:aws:iam::aws:policy/{required}");
        assert!(arns.contains(&arn.as_str()), "{required} is bundled");
    }
    let read_only = &world
        .managed_policies
        .iter()
        .find(|p| p.arn.ends_with("/AmazonS3ReadOnlyAccess"))
        .unwrap();
    assert_eq!(
        (
            read_only.policy_id.as_str(),
            read_only.default_version_id.as_str()
        ),
        ("ANPAIZTJ4DXE7G6AGAE6M", "v3")
    );

    let own = with(
        |w| w["managedPolicies"] = serde_json::json!([{"arn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess", "policyId": "ANPAOVERRIDDEN1234567", "document": {"Statement": {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}}}]),
    );
    let world = parse("w.json", &own, Path::new(".")).unwrap();
    let matching: Vec<_> = world
        .managed_policies
        .iter()
        .filter(|p| p.arn.ends_with("/AmazonS3ReadOnlyAccess"))
        .collect();
    assert_eq!(matching.len(), 1);
    assert_eq!(matching[0].policy_id, "ANPAOVERRIDDEN1234567");
}

#[test]
fn relative_key_paths_resolve_against_the_world_file() {
    let text =
        with(|w| w["clusters"][0]["signingKeys"] = serde_json::json!(["k.pem", "/abs/k.pem"]));
    let world = parse("w.json", &text, Path::new("/etc/irsa")).unwrap();
    let keys = &world.clusters[0].signing_keys;
    assert_eq!(keys[0], PathBuf::from("/etc/irsa/k.pem"));
    assert_eq!(keys[1], PathBuf::from("/abs/k.pem"));
}

#[test]
fn never_panics_on_mangled_world_files() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(11);
    let original = DEFAULT_WORLD_JSON.as_bytes();
    for _ in 0..2_000 {
        let mut bytes = original.to_vec();
        for _ in 0..rng.gen_range(1..4) {
            let at = rng.gen_range(0..bytes.len());
            match rng.gen_range(0..3) {
                0 => bytes[at] = rng.gen(),
                1 => bytes.truncate(at),
                _ => bytes.insert(at, b"{}[]\",:0x"[rng.gen_range(0..9)]),
            }
            if bytes.is_empty() {
                break;
            }
        }
        let text = String::from_utf8_lossy(&bytes);
        let _ = parse("fuzz.json", &text, Path::new("."));
    }
}
