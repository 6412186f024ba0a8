use serde_json::json;

use super::config::{REGIONAL_STS_ANNOTATION, ROLE_ARN_ANNOTATION, TOKEN_EXPIRATION_ANNOTATION};
use super::*;

mod annotations;
mod container_credentials;

pub(super) const ROLE: &str = "arn:aws:iam::111122223333:role/s3-reader";
pub(super) const TOKEN_FILE: &str = "/var/run/secrets/eks.amazonaws.com/serviceaccount/token";

pub(super) fn annotations(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

pub(super) fn with_role(extra: &[(&str, &str)]) -> BTreeMap<String, String> {
    let mut all = annotations(extra);
    all.insert(ROLE_ARN_ANNOTATION.to_owned(), ROLE.to_owned());
    all
}

/// An existing account with these annotations and no Pod Identity association.
pub(super) fn with_annotations(annotations: &BTreeMap<String, String>) -> Account<'_> {
    Account {
        annotations: Some(annotations),
        pod_identity: false,
    }
}

pub(super) fn pod(spec: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": spec})
}

pub(super) fn app() -> Value {
    json!({"name": "app", "image": "amazonlinux"})
}

pub(super) fn volume(audience: &str, seconds: i64) -> Value {
    json!({"name": "aws-iam-token", "projected": {"sources": [{"serviceAccountToken":
        {"audience": audience, "expirationSeconds": seconds, "path": "token"}}]}})
}

pub(super) fn mount() -> Value {
    json!({"name": "aws-iam-token", "readOnly": true,
           "mountPath": "/var/run/secrets/eks.amazonaws.com/serviceaccount"})
}

pub(super) fn env(pairs: &[(&str, &str)]) -> Value {
    pairs
        .iter()
        .map(|(name, value)| json!({"name": name, "value": value}))
        .collect()
}

pub(super) fn web_identity() -> Vec<(&'static str, &'static str)> {
    vec![
        ("AWS_ROLE_ARN", ROLE),
        ("AWS_WEB_IDENTITY_TOKEN_FILE", TOKEN_FILE),
    ]
}

pub(super) fn mutated(
    pod: &Value,
    account: &BTreeMap<String, String>,
    settings: &Settings,
) -> Mutation {
    match mutate(pod, with_annotations(account), settings) {
        Ok(Outcome::Mutated(mutation)) => mutation,
        other => panic!("expected a mutation, got {other:?}"),
    }
}

/// A named pod, its account's annotations, the settings, and the whole patch expected.
type PatchCase = (
    &'static str,
    Value,
    BTreeMap<String, String>,
    Settings,
    Value,
);

#[test]
fn patches_match_the_webhook() {
    let regional = Settings {
        region: Some("cn-north-1".into()),
        regional_sts: true,
        ..Settings::default()
    };
    let cases: Vec<PatchCase> = vec![
        (
            "no_volumes_adds_the_volume_list_then_containers",
            pod(json!({"containers": [app()], "serviceAccountName": "default"})),
            with_role(&[]),
            Settings::default(),
            json!([
                {"op": "add", "path": "/spec/volumes", "value": [volume("sts.amazonaws.com", 86400)]},
                {"op": "add", "path": "/spec/containers", "value": [
                    {"name": "app", "image": "amazonlinux", "env": env(&web_identity()), "volumeMounts": [mount()]}]},
            ]),
        ),
        (
            "existing_volumes_get_the_token_prepended",
            pod(json!({"containers": [app()], "volumes": [{"name": "data", "emptyDir": {}}]})),
            with_role(&[]),
            Settings::default(),
            json!([
                {"op": "add", "path": "/spec/volumes/0", "value": volume("sts.amazonaws.com", 86400)},
                {"op": "add", "path": "/spec/containers", "value": [
                    {"name": "app", "image": "amazonlinux", "env": env(&web_identity()), "volumeMounts": [mount()]}]},
            ]),
        ),
        (
            "empty_volume_list_is_prepended_to",
            pod(json!({"containers": [], "volumes": []})),
            with_role(&[]),
            Settings::default(),
            json!([
                {"op": "add", "path": "/spec/volumes/0", "value": volume("sts.amazonaws.com", 86400)},
                {"op": "add", "path": "/spec/containers", "value": []},
            ]),
        ),
        (
            "region_and_regional_sts_come_first_in_webhook_order",
            pod(json!({"containers": [app()]})),
            with_role(&[]),
            regional.clone(),
            json!([
                {"op": "add", "path": "/spec/volumes", "value": [volume("sts.amazonaws.com", 86400)]},
                {"op": "add", "path": "/spec/containers", "value": [{"name": "app", "image": "amazonlinux",
                    "env": env(&[("AWS_STS_REGIONAL_ENDPOINTS", "regional"), ("AWS_DEFAULT_REGION", "cn-north-1"),
                                 ("AWS_REGION", "cn-north-1"), ("AWS_ROLE_ARN", ROLE), ("AWS_WEB_IDENTITY_TOKEN_FILE", TOKEN_FILE)]),
                    "volumeMounts": [mount()]}]},
            ]),
        ),
        (
            "container_with_every_variable_is_left_without_a_mount",
            pod(
                json!({"containers": [{"name": "app", "env": env(&[("AWS_REGION", "cn-northwest-1"),
                ("AWS_STS_REGIONAL_ENDPOINTS", "regional"), ("AWS_ROLE_ARN", "mine")])}]}),
            ),
            with_role(&[]),
            regional.clone(),
            json!([
                {"op": "add", "path": "/spec/volumes", "value": [volume("sts.amazonaws.com", 86400)]},
                {"op": "add", "path": "/spec/containers", "value": [{"name": "app", "env": env(&[
                    ("AWS_REGION", "cn-northwest-1"), ("AWS_STS_REGIONAL_ENDPOINTS", "regional"), ("AWS_ROLE_ARN", "mine")])}]},
            ]),
        ),
        (
            "existing_role_variable_is_never_overwritten_nor_completed",
            pod(
                json!({"containers": [{"name": "app", "env": env(&[("AWS_WEB_IDENTITY_TOKEN_FILE", "/mine")])}]}),
            ),
            with_role(&[]),
            regional.clone(),
            json!([
                {"op": "add", "path": "/spec/volumes", "value": [volume("sts.amazonaws.com", 86400)]},
                {"op": "add", "path": "/spec/containers", "value": [{"name": "app", "env": env(&[
                    ("AWS_WEB_IDENTITY_TOKEN_FILE", "/mine"), ("AWS_STS_REGIONAL_ENDPOINTS", "regional"),
                    ("AWS_DEFAULT_REGION", "cn-north-1"), ("AWS_REGION", "cn-north-1")]), "volumeMounts": [mount()]}]},
            ]),
        ),
        (
            "either_region_variable_suppresses_both",
            pod(
                json!({"containers": [{"name": "app", "env": env(&[("AWS_DEFAULT_REGION", "eu-west-1")])}]}),
            ),
            with_role(&[]),
            Settings {
                region: Some("us-west-2".into()),
                ..Settings::default()
            },
            json!([
                {"op": "add", "path": "/spec/volumes", "value": [volume("sts.amazonaws.com", 86400)]},
                {"op": "add", "path": "/spec/containers", "value": [{"name": "app", "env": env(&[
                    ("AWS_DEFAULT_REGION", "eu-west-1"), ("AWS_ROLE_ARN", ROLE), ("AWS_WEB_IDENTITY_TOKEN_FILE", TOKEN_FILE)]),
                    "volumeMounts": [mount()]}]},
            ]),
        ),
        (
            "already_injected_volume_is_kept_and_containers_still_patched",
            pod(
                json!({"containers": [{"name": "app", "env": env(&web_identity()), "volumeMounts": [mount()]},
                                      {"name": "sidecar"}],
                       "volumes": [volume("sts.amazonaws.com", 86400)]}),
            ),
            with_role(&[]),
            Settings::default(),
            json!([
                {"op": "add", "path": "/spec/containers", "value": [
                    {"name": "app", "env": env(&web_identity()), "volumeMounts": [mount()]},
                    {"name": "sidecar", "env": env(&web_identity()), "volumeMounts": [mount()]}]},
            ]),
        ),
        (
            "init_containers_are_patched_after_containers",
            pod(json!({"initContainers": [{"name": "init"}], "containers": [app()]})),
            with_role(&[]),
            Settings::default(),
            json!([
                {"op": "add", "path": "/spec/volumes", "value": [volume("sts.amazonaws.com", 86400)]},
                {"op": "add", "path": "/spec/containers", "value": [
                    {"name": "app", "image": "amazonlinux", "env": env(&web_identity()), "volumeMounts": [mount()]}]},
                {"op": "add", "path": "/spec/initContainers", "value": [
                    {"name": "init", "env": env(&web_identity()), "volumeMounts": [mount()]}]},
            ]),
        ),
        (
            "skipped_containers_are_carried_unchanged",
            json!({"metadata": {"annotations": {"eks.amazonaws.com/skip-containers": "init,sidecar"}},
                   "spec": {"initContainers": [{"name": "init"}], "containers": [app(), {"name": "sidecar"}]}}),
            with_role(&[]),
            Settings::default(),
            json!([
                {"op": "add", "path": "/spec/volumes", "value": [volume("sts.amazonaws.com", 86400)]},
                {"op": "add", "path": "/spec/containers", "value": [
                    {"name": "app", "image": "amazonlinux", "env": env(&web_identity()), "volumeMounts": [mount()]},
                    {"name": "sidecar"}]},
                {"op": "add", "path": "/spec/initContainers", "value": [{"name": "init"}]},
            ]),
        ),
        (
            "windows_node_selector_gets_a_windows_token_path",
            pod(
                json!({"containers": [{"name": "app"}], "nodeSelector": {"kubernetes.io/os": "windows"}}),
            ),
            with_role(&[]),
            Settings::default(),
            json!([
                {"op": "add", "path": "/spec/volumes", "value": [volume("sts.amazonaws.com", 86400)]},
                {"op": "add", "path": "/spec/containers", "value": [{"name": "app", "env": env(&[("AWS_ROLE_ARN", ROLE),
                    ("AWS_WEB_IDENTITY_TOKEN_FILE", "C:\\var\\run\\secrets\\eks.amazonaws.com\\serviceaccount\\token")]),
                    "volumeMounts": [mount()]}]},
            ]),
        ),
        (
            "account_annotations_set_audience_sts_and_expiration",
            pod(json!({"containers": [{"name": "app"}]})),
            with_role(&[
                ("eks.amazonaws.com/audience", "vault"),
                ("eks.amazonaws.com/sts-regional-endpoints", "true"),
                ("eks.amazonaws.com/token-expiration", "3600"),
            ]),
            Settings::default(),
            json!([
                {"op": "add", "path": "/spec/volumes", "value": [volume("vault", 3600)]},
                {"op": "add", "path": "/spec/containers", "value": [{"name": "app", "env": env(&[
                    ("AWS_STS_REGIONAL_ENDPOINTS", "regional"), ("AWS_ROLE_ARN", ROLE), ("AWS_WEB_IDENTITY_TOKEN_FILE", TOKEN_FILE)]),
                    "volumeMounts": [mount()]}]},
            ]),
        ),
    ];
    for (name, pod, account, settings, want) in cases {
        let mutation = mutated(&pod, &account, &settings);
        assert_eq!(
            serde_json::to_value(&mutation.patch).unwrap(),
            want,
            "case {name}"
        );
        assert_eq!(
            apply(&pod, &mutation.patch).as_ref(),
            Ok(&mutation.pod),
            "case {name}: patched pod"
        );
    }
}

#[test]
fn pods_the_webhook_leaves_alone() {
    let plain = pod(json!({"containers": [app()]}));
    let cases = [
        ("account_missing", plain.clone(), None, Outcome::NoRole),
        (
            "no_role_annotation",
            plain.clone(),
            Some(annotations(&[("eks.amazonaws.com/audience", "x")])),
            Outcome::NoRole,
        ),
        (
            "empty_role_annotation",
            plain,
            Some(annotations(&[(ROLE_ARN_ANNOTATION, "")])),
            Outcome::NoRole,
        ),
    ];
    for (name, pod, account, want) in cases {
        let account = Account {
            annotations: account.as_ref(),
            pod_identity: false,
        };
        let got = mutate(&pod, account, &Settings::default());
        assert_eq!(got, Ok(want), "case {name}");
    }
}

/// A pod that declares its own `aws-iam-token` volume still gets the variables; only the
/// volume, and a mount a container already has, are not added again (`getPodSpecPatch`
/// and `addEnvToContainer` since webhook v0.3.0).
#[test]
fn own_token_volume_still_gets_the_variables() {
    let host_path = json!({"name": "aws-iam-token", "hostPath": {"path": "/t"}});
    let mounted = json!({"name": "app", "image": "amazonlinux",
        "volumeMounts": [{"name": "aws-iam-token", "mountPath": "/t"}]});
    let cases = [
        (
            "token_volume_for_another_audience",
            json!({"containers": [app()], "volumes": [volume("vault", 3600)]}),
            json!({"containers": [{"name": "app", "image": "amazonlinux",
                    "env": env(&web_identity()), "volumeMounts": [mount()]}],
                   "volumes": [volume("vault", 3600)]}),
        ),
        (
            "host_path_volume_with_the_reserved_name",
            json!({"containers": [app()], "volumes": [host_path.clone()]}),
            json!({"containers": [{"name": "app", "image": "amazonlinux",
                    "env": env(&web_identity()), "volumeMounts": [mount()]}],
                   "volumes": [host_path.clone()]}),
        ),
        (
            "own_mount_is_kept_as_is",
            json!({"containers": [mounted], "volumes": [host_path.clone()]}),
            json!({"containers": [{"name": "app", "image": "amazonlinux",
                    "volumeMounts": [{"name": "aws-iam-token", "mountPath": "/t"}],
                    "env": env(&web_identity())}],
                   "volumes": [host_path]}),
        ),
    ];
    for (name, spec, want) in cases {
        let pod = pod(spec);
        let mutation = mutated(&pod, &with_role(&[]), &Settings::default());
        assert_eq!(mutation.pod["spec"], want, "case {name}");
        assert!(mutation.changed, "case {name}");
        assert!(
            !mutation
                .patch
                .iter()
                .any(|op| op.path.starts_with("/spec/volumes")),
            "case {name}: the pod's own volume is not added again"
        );
    }
}

/// `--aws-default-region ""` is the webhook binary's default: no region variables at all,
/// never empty ones (`addEnvToContainer` checks `m.Region != ""`).
#[test]
fn empty_region_injects_no_region_variables() {
    let settings = Settings {
        region: Some(String::new()),
        ..Settings::default()
    };
    let mutation = mutated(
        &pod(json!({"containers": [app()]})),
        &with_role(&[]),
        &settings,
    );
    assert_eq!(
        mutation.pod["spec"]["containers"][0]["env"],
        env(&web_identity())
    );
}

/// The EKS workshop's pod, mutated as an EKS cluster in us-west-2 does.
#[test]
fn workshop_pod_gets_what_eks_injects() {
    let world = crate::world::load_default().unwrap();
    let pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "eks-iam-test4"},
        "spec": {"serviceAccountName": "iam-test",
                 "containers": [{"name": "eks-iam-test", "image": "amazon/aws-cli:latest", "args": ["s3", "ls"]}],
                 "restartPolicy": "Never"}});
    let account = world
        .default_cluster()
        .service_account("default", service_account_name(&pod))
        .map(|sa| &sa.annotations);
    let account = Account {
        annotations: account,
        pod_identity: false,
    };
    let mutation = match mutate(&pod, account, &Settings::eks("us-west-2")) {
        Ok(Outcome::Mutated(mutation)) => mutation,
        other => panic!("{other:?}"),
    };
    let want = json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "eks-iam-test4"},
        "spec": {"serviceAccountName": "iam-test",
                 "containers": [{"name": "eks-iam-test", "image": "amazon/aws-cli:latest", "args": ["s3", "ls"],
                    "env": env(&[("AWS_STS_REGIONAL_ENDPOINTS", "regional"), ("AWS_DEFAULT_REGION", "us-west-2"),
                        ("AWS_REGION", "us-west-2"), ("AWS_ROLE_ARN", "arn:aws:iam::111122223333:role/iam-test"),
                        ("AWS_WEB_IDENTITY_TOKEN_FILE", TOKEN_FILE)]),
                    "volumeMounts": [mount()]}],
                 "restartPolicy": "Never",
                 "volumes": [volume("sts.amazonaws.com", 86400)]}});
    assert_eq!(mutation.pod, want);
    assert!(mutation.changed);
}
