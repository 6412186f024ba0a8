//! Container-credentials rules beyond the golden pods: the label's two forms, init
//! containers, Windows, variables a container already has, the token's lifetime, and
//! precedence over a role ARN.

use serde_json::json;

use super::*;
use crate::pod_identity::TOKEN_FILE_VAR;

/// `getPodSpecPatch` and `addEnvToContainer` on pods the golden files do not cover.
#[test]
fn container_credentials_follow_add_env_to_container() {
    let settings = golden_settings(Some("us-west-2"));
    let region = [
        ("AWS_DEFAULT_REGION", "us-west-2"),
        ("AWS_REGION", "us-west-2"),
    ];
    let none = annotations(&[]);
    let cases = [
        (
            "existing_labels_get_one_key",
            json!({"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [app()]}}),
            json!([
                {"op": "add", "path": "/metadata/labels/eks.amazonaws.com~1pod-identity", "value": "enabled"},
                {"op": "add", "path": "/spec/volumes", "value": [cc_volume(79200)]},
                {"op": "add", "path": "/spec/containers", "value": [
                    {"name": "app", "image": "amazonlinux", "env": cc_env(&region), "volumeMounts": [cc_mount()]}]},
            ]),
        ),
        (
            "empty_labels_get_one_key",
            json!({"metadata": {"labels": {}}, "spec": {"containers": []}}),
            json!([
                {"op": "add", "path": "/metadata/labels/eks.amazonaws.com~1pod-identity", "value": "enabled"},
                {"op": "add", "path": "/spec/volumes", "value": [cc_volume(79200)]},
                {"op": "add", "path": "/spec/containers", "value": []},
            ]),
        ),
        (
            "no_metadata_gets_the_label_map",
            json!({"spec": {"containers": []}}),
            json!([
                label_op(),
                {"op": "add", "path": "/spec/volumes", "value": [cc_volume(79200)]},
                {"op": "add", "path": "/spec/containers", "value": []},
            ]),
        ),
        (
            "init_containers_are_patched_too",
            json!({"spec": {"initContainers": [{"name": "init"}], "containers": [{"name": "app"}]}}),
            json!([
                label_op(),
                {"op": "add", "path": "/spec/volumes", "value": [cc_volume(79200)]},
                {"op": "add", "path": "/spec/containers", "value": [
                    {"name": "app", "env": cc_env(&region), "volumeMounts": [cc_mount()]}]},
                {"op": "add", "path": "/spec/initContainers", "value": [
                    {"name": "init", "env": cc_env(&region), "volumeMounts": [cc_mount()]}]},
            ]),
        ),
        (
            "windows_gets_a_windows_token_file",
            json!({"spec": {"nodeSelector": {"beta.kubernetes.io/os": "windows"}, "containers": [{"name": "app"}]}}),
            json!([
                label_op(),
                {"op": "add", "path": "/spec/volumes", "value": [cc_volume(79200)]},
                {"op": "add", "path": "/spec/containers", "value": [{"name": "app", "env": env(&[
                    region[0], region[1],
                    ("AWS_CONTAINER_CREDENTIALS_FULL_URI", URI),
                    ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", "C:\\con-creds-mount-path\\con-creds-token-path")]),
                    "volumeMounts": [cc_mount()]}]},
            ]),
        ),
        (
            "either_variable_of_the_pair_keeps_both_out",
            json!({"spec": {"containers": [{"name": "app", "env": env(&[("AWS_CONTAINER_CREDENTIALS_FULL_URI", "mine")])}]}}),
            json!([
                label_op(),
                {"op": "add", "path": "/spec/volumes", "value": [cc_volume(79200)]},
                {"op": "add", "path": "/spec/containers", "value": [{"name": "app", "env": env(&[
                    ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "mine"), region[0], region[1]]),
                    "volumeMounts": [cc_mount()]}]},
            ]),
        ),
        (
            "web_identity_variables_do_not_count",
            json!({"spec": {"containers": [{"name": "app", "env": env(&[("AWS_ROLE_ARN", "mine"),
                ("AWS_REGION", "eu-west-1"), ("AWS_STS_REGIONAL_ENDPOINTS", "legacy")])}]}}),
            json!([
                label_op(),
                {"op": "add", "path": "/spec/volumes", "value": [cc_volume(79200)]},
                {"op": "add", "path": "/spec/containers", "value": [{"name": "app", "env": cc_env(&[
                    ("AWS_ROLE_ARN", "mine"), ("AWS_REGION", "eu-west-1"), ("AWS_STS_REGIONAL_ENDPOINTS", "legacy")]),
                    "volumeMounts": [cc_mount()]}]},
            ]),
        ),
        (
            "container_with_every_variable_gets_no_mount",
            json!({"spec": {"containers": [{"name": "app", "env": env(&[(TOKEN_FILE_VAR, "/t"),
                ("AWS_DEFAULT_REGION", "eu-west-1"), ("AWS_STS_REGIONAL_ENDPOINTS", "legacy")])}]}}),
            json!([
                label_op(),
                {"op": "add", "path": "/spec/volumes", "value": [cc_volume(79200)]},
                {"op": "add", "path": "/spec/containers", "value": [{"name": "app", "env": env(&[(TOKEN_FILE_VAR, "/t"),
                    ("AWS_DEFAULT_REGION", "eu-west-1"), ("AWS_STS_REGIONAL_ENDPOINTS", "legacy")])}]},
            ]),
        ),
    ];
    for (name, pod, want) in cases {
        let mutation = match mutate(&pod, pod_identity(&none), &settings) {
            Ok(Outcome::Mutated(mutation)) => mutation,
            other => panic!("case {name}: {other:?}"),
        };
        assert_eq!(
            serde_json::to_value(&mutation.patch).unwrap(),
            want,
            "case {name}"
        );
        let mut base = pod.clone();
        if base.get("metadata").is_none() {
            base["metadata"] = json!({});
        }
        assert_eq!(
            apply(&base, &mutation.patch).as_ref(),
            Ok(&mutation.pod),
            "case {name}: patched pod"
        );
    }
}

/// The token's lifetime: pod annotation, then the account's, then the flag (a day for an
/// account the cluster does not have), floored at 600; exactly a day is spread.
#[test]
fn pod_identity_token_expiration_and_its_spread() {
    let cases = [
        ("day_is_spread", Some(""), None, 86400, 79200),
        ("account_value_kept", Some("7200"), None, 86400, 7200),
        ("pod_over_account", Some("7200"), Some("3600"), 86400, 3600),
        (
            "pod_day_is_spread",
            Some("7200"),
            Some("86400"),
            86400,
            79200,
        ),
        ("account_day_is_spread", Some("86400"), None, 3600, 79200),
        ("flag_value_kept", Some(""), None, 3600, 3600),
        ("floor", Some("5"), None, 86400, 600),
        ("no_account_ignores_the_flag", None, None, 3600, 79200),
        ("no_account_pod_value", None, Some("1800"), 3600, 1800),
    ];
    for (name, account_value, pod_value, flag, want) in cases {
        let mut account = annotations(&[]);
        if let Some(value) = account_value.filter(|v| !v.is_empty()) {
            account.insert(TOKEN_EXPIRATION_ANNOTATION.into(), value.into());
        }
        let mut pod = pod(json!({"containers": [app()]}));
        if let Some(value) = pod_value {
            pod["metadata"]["annotations"] = json!({TOKEN_EXPIRATION_ANNOTATION: value});
        }
        let settings = Settings {
            token_expiration: flag,
            ..golden_settings(None)
        };
        let account = Account {
            annotations: account_value.map(|_| &account),
            pod_identity: true,
        };
        let Ok(Outcome::Mutated(mutation)) = mutate(&pod, account, &settings) else {
            panic!("case {name}");
        };
        let seconds = &mutation.pod["spec"]["volumes"][0]["projected"]["sources"][0]
            ["serviceAccountToken"]["expirationSeconds"];
        assert_eq!(seconds, &json!(want), "case {name}");
    }
}

/// The real random source stays in [79200, 86400] and does not always give the same value.
#[test]
fn random_spread_stays_in_range() {
    let pod = pod(json!({"containers": [app()]}));
    let account = annotations(&[]);
    let settings = Settings::eks("us-west-2");
    assert_eq!(settings.jitter, Jitter::Random);
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..50 {
        let Ok(Outcome::Mutated(mutation)) = mutate(&pod, pod_identity(&account), &settings) else {
            panic!("mutated");
        };
        let seconds = mutation.pod["spec"]["volumes"][0]["projected"]["sources"][0]
            ["serviceAccountToken"]["expirationSeconds"]
            .as_i64()
            .unwrap();
        assert!((79_200..=86_400).contains(&seconds), "{seconds}");
        seen.insert(seconds);
    }
    assert!(seen.len() > 1, "random, not fixed: {seen:?}");
}

/// What EKS's webhook gives a pod whose account has both a role ARN and an association:
/// the Pod Identity mutation only, with EKS's defaults.
#[test]
fn association_takes_precedence_over_the_role_arn() {
    let pod = pod(json!({"containers": [app()]}));
    let account = with_role(&[("eks.amazonaws.com/audience", "vault")]);
    let settings = Settings {
        jitter: Jitter::Fixed(80_000),
        ..Settings::eks("us-west-2")
            .with_agent_uri("http://169.254.170.23:4772/v1/credentials".into())
    };
    let Ok(Outcome::Mutated(mutation)) = mutate(&pod, pod_identity(&account), &settings) else {
        panic!("mutated");
    };
    let want = json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "p", "labels": {"eks.amazonaws.com/pod-identity": "enabled"}},
        "spec": {"containers": [{"name": "app", "image": "amazonlinux",
            "env": env(&[("AWS_STS_REGIONAL_ENDPOINTS", "regional"), ("AWS_DEFAULT_REGION", "us-west-2"),
                ("AWS_REGION", "us-west-2"),
                ("AWS_CONTAINER_CREDENTIALS_FULL_URI", "http://169.254.170.23:4772/v1/credentials"),
                ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                 "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token")]),
            "volumeMounts": [{"name": "eks-pod-identity-token", "readOnly": true,
                "mountPath": "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount"}]}],
            "volumes": [{"name": "eks-pod-identity-token", "projected": {"sources": [{"serviceAccountToken":
                {"audience": "pods.eks.amazonaws.com", "expirationSeconds": 80000,
                 "path": "eks-pod-identity-token"}}]}}]}});
    assert_eq!(mutation.pod, want);

    // Without the association, the same account gets web identity.
    let Ok(Outcome::Mutated(irsa)) = mutate(&pod, with_annotations(&account), &settings) else {
        panic!("mutated");
    };
    assert_eq!(
        irsa.pod["spec"]["containers"][0]["env"][3]["name"],
        "AWS_ROLE_ARN"
    );
    assert!(irsa.pod["metadata"].get("labels").is_none());
}

/// An association for an account the cluster does not have still mutates the pod, with
/// global STS whatever the flag says (`GetCommonConfigurations`).
#[test]
fn association_without_an_account_uses_global_sts() {
    let pod = pod(json!({"containers": [app()]}));
    let settings = Settings::eks("us-west-2");
    let account = Account {
        annotations: None,
        pod_identity: true,
    };
    let Ok(Outcome::Mutated(mutation)) = mutate(&pod, account, &settings) else {
        panic!("mutated");
    };
    let names: Vec<&str> = mutation.pod["spec"]["containers"][0]["env"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "AWS_DEFAULT_REGION",
            "AWS_REGION",
            "AWS_CONTAINER_CREDENTIALS_FULL_URI",
            "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"
        ]
    );
    assert_eq!(
        mutation.pod["spec"]["containers"][0]["env"][2]["value"],
        "http://169.254.170.23/v1/credentials",
        "upstream's default URI"
    );
}

/// A second pass over a mutated pod adds only the label again (the webhook always sends
/// it), and the pod comes out the same.
#[test]
fn an_already_mutated_pod_only_gets_the_label_again() {
    let account = annotations(&[]);
    let settings = golden_settings(Some("us-west-2"));
    let first = match mutate(
        &pod(json!({"containers": [app()]})),
        pod_identity(&account),
        &settings,
    ) {
        Ok(Outcome::Mutated(mutation)) => mutation,
        other => panic!("{other:?}"),
    };
    let again = match mutate(&first.pod, pod_identity(&account), &settings) {
        Ok(Outcome::Mutated(mutation)) => mutation,
        other => panic!("{other:?}"),
    };
    assert_eq!(again.pod, first.pod);
    assert_eq!(
        serde_json::to_value(&again.patch).unwrap()[0],
        json!({"op": "add", "path": "/metadata/labels/eks.amazonaws.com~1pod-identity", "value": "enabled"})
    );
    assert_eq!(
        again.patch.len(),
        2,
        "label and containers: no second volume"
    );
}

#[test]
fn labels_of_the_wrong_shape_are_refused() {
    let account = annotations(&[]);
    let pod = json!({"metadata": {"labels": {"a": 1}}, "spec": {"containers": []}});
    match mutate(&pod, pod_identity(&account), &golden_settings(None)) {
        Err(PodError::Shape { field, .. }) => assert_eq!(field, "metadata.labels.a"),
        other => panic!("{other:?}"),
    }
}
