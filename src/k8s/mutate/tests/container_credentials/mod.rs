//! Container-credentials (EKS Pod Identity) mode. The first table is upstream's golden
//! pods, `pkg/handler/testdata/containercredentials/*.pod.yaml` of
//! aws/amazon-eks-pod-identity-webhook, restated here: its harness runs every pod as
//! `default/default` with the `con-creds-*` flags below and a random source that always
//! draws 0 (so a day-long token gets 79200 seconds). Upstream's patches also carry
//! `"resources":{}` in each container, which Go adds when it re-marshals them; we carry
//! containers through as given (see the module doc).

use serde_json::json;

use super::*;

mod rules;

pub(super) const URI: &str = "con-creds-uri";
const AUDIENCE: &str = "con-creds-aud";
const MOUNT: &str = "/con-creds-mount-path";
const VOLUME: &str = "con-creds-volume-name";
const TOKEN: &str = "con-creds-token-path";
pub(super) const TOKEN_FILE: &str = "/con-creds-mount-path/con-creds-token-path";

/// The golden harness's flags: the `con-creds-*` container-credentials flags, global
/// STS, no region unless given, and the always-zero random source.
pub(super) fn golden_settings(region: Option<&str>) -> Settings {
    Settings {
        region: region.map(str::to_owned),
        container_credentials: ContainerCredentials {
            full_uri: URI.into(),
            audience: AUDIENCE.into(),
            mount_path: MOUNT.into(),
            volume_name: VOLUME.into(),
            token_path: TOKEN.into(),
        },
        jitter: Jitter::Fixed(MIN_JITTERED_EXPIRATION),
        ..Settings::default()
    }
}

pub(super) fn pod_identity(annotations: &BTreeMap<String, String>) -> Account<'_> {
    Account {
        annotations: Some(annotations),
        pod_identity: true,
    }
}

/// The golden pods' container.
fn oreos() -> Value {
    json!({"name": "balajilovesoreos", "image": "amazonlinux"})
}

fn golden_pod(metadata: Value, spec: Value) -> Value {
    let mut pod = json!({"apiVersion": "v1", "kind": "Pod", "metadata": metadata, "spec": spec});
    pod["metadata"]["name"] = json!("balajilovesoreos");
    pod["spec"]["serviceAccountName"] = json!("default");
    pod
}

pub(super) fn label_op() -> Value {
    json!({"op": "add", "path": "/metadata/labels", "value": {"eks.amazonaws.com/pod-identity": "enabled"}})
}

pub(super) fn cc_volume(seconds: i64) -> Value {
    json!({"name": VOLUME, "projected": {"sources": [{"serviceAccountToken":
        {"audience": AUDIENCE, "expirationSeconds": seconds, "path": TOKEN}}]}})
}

pub(super) fn cc_mount() -> Value {
    json!({"name": VOLUME, "readOnly": true, "mountPath": MOUNT})
}

pub(super) fn cc_env(leading: &[(&str, &str)]) -> Value {
    let mut pairs = leading.to_vec();
    pairs.extend([
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", URI),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", TOKEN_FILE),
    ]);
    env(&pairs)
}

/// `oreos()` with `env` and the mount.
fn mutated_oreos(env: Value) -> Value {
    json!({"name": "balajilovesoreos", "image": "amazonlinux", "env": env, "volumeMounts": [cc_mount()]})
}

/// A named case, upstream's file, the pod, its account's annotations, the flags, and the
/// whole patch upstream gives.
type GoldenCase = (
    &'static str,
    &'static str,
    Value,
    BTreeMap<String, String>,
    Settings,
    Value,
);

#[test]
fn golden_pods_get_upstreams_patch() {
    let regional_day_10000 = || {
        annotations(&[
            ("eks.amazonaws.com/sts-regional-endpoints", "true"),
            ("eks.amazonaws.com/token-expiration", "10000"),
        ])
    };
    let with_role_arn = {
        let mut all = regional_day_10000();
        all.insert(
            ROLE_ARN_ANNOTATION.into(),
            "arn:aws-cn:iam::111122223333:role/s3-reader".into(),
        );
        all
    };
    let cases: Vec<GoldenCase> = vec![
        (
            "region_sts_and_account_expiration_all_apply",
            "rawPodNeedsAll.pod.yaml",
            golden_pod(json!({}), json!({"containers": [oreos()]})),
            regional_day_10000(),
            golden_settings(Some("cn-north-1")),
            json!([
                label_op(),
                {"op": "add", "path": "/spec/volumes", "value": [cc_volume(10000)]},
                {"op": "add", "path": "/spec/containers", "value": [mutated_oreos(cc_env(&[
                    ("AWS_STS_REGIONAL_ENDPOINTS", "regional"),
                    ("AWS_DEFAULT_REGION", "cn-north-1"),
                    ("AWS_REGION", "cn-north-1"),
                ]))]},
            ]),
        ),
        (
            "skipped_sidecar_is_carried_unchanged",
            "rawPodSkip.pod.yaml",
            golden_pod(
                json!({"annotations": {"eks.amazonaws.com/skip-containers": "sidecar"}}),
                json!({"containers": [{"name": "sidecar", "image": "amazonlinux"}, oreos()]}),
            ),
            annotations(&[]),
            golden_settings(None),
            json!([
                label_op(),
                {"op": "add", "path": "/spec/volumes", "value": [cc_volume(79200)]},
                {"op": "add", "path": "/spec/containers", "value": [
                    {"name": "sidecar", "image": "amazonlinux"},
                    mutated_oreos(cc_env(&[]))]},
            ]),
        ),
        (
            "own_volume_and_mount_of_the_name_are_kept",
            "rawPodWithConflictingVolumeMount.pod.yaml",
            golden_pod(
                json!({"uid": "be8695c4-4ad0-4038-8786-c508853aa255"}),
                json!({"containers": [{"name": "balajilovesoreos", "image": "amazonlinux",
                        "volumeMounts": [{"mountPath": "/some/other/path", "name": VOLUME, "readOnly": true}]}],
                       "volumes": [{"name": VOLUME, "hostPath": {"path": "token"}}]}),
            ),
            annotations(&[]),
            golden_settings(None),
            json!([
                label_op(),
                {"op": "add", "path": "/spec/containers", "value": [
                    {"name": "balajilovesoreos", "image": "amazonlinux", "env": cc_env(&[]),
                     "volumeMounts": [{"mountPath": "/some/other/path", "name": VOLUME, "readOnly": true}]}]},
            ]),
        ),
        (
            "association_wins_over_the_role_arn_but_keeps_regional_sts",
            "rawPodWithRoleArn.pod.yaml",
            golden_pod(json!({}), json!({"containers": [oreos()]})),
            with_role_arn,
            golden_settings(None),
            json!([
                label_op(),
                {"op": "add", "path": "/spec/volumes", "value": [cc_volume(10000)]},
                {"op": "add", "path": "/spec/containers", "value": [mutated_oreos(cc_env(&[
                    ("AWS_STS_REGIONAL_ENDPOINTS", "regional")]))]},
            ]),
        ),
        (
            "other_volumes_get_the_token_prepended",
            "rawPodWithVolume.pod.yaml",
            golden_pod(
                json!({"uid": "be8695c4-4ad0-4038-8786-c508853aa255"}),
                json!({"containers": [oreos()], "volumes": [{"name": "tokenPath"}]}),
            ),
            annotations(&[]),
            golden_settings(None),
            json!([
                label_op(),
                {"op": "add", "path": "/spec/volumes/0", "value": cc_volume(79200)},
                {"op": "add", "path": "/spec/containers", "value": [mutated_oreos(cc_env(&[]))]},
            ]),
        ),
        (
            "no_volumes_gets_the_volume_list",
            "rawPodWithoutVolumes.pod.yaml",
            golden_pod(json!({}), json!({"containers": [oreos()]})),
            annotations(&[]),
            golden_settings(None),
            json!([
                label_op(),
                {"op": "add", "path": "/spec/volumes", "value": [cc_volume(79200)]},
                {"op": "add", "path": "/spec/containers", "value": [mutated_oreos(cc_env(&[]))]},
            ]),
        ),
    ];
    assert_eq!(cases.len(), 6, "every upstream container-credentials pod");
    for (name, file, pod, account, settings, want) in cases {
        let mutation = match mutate(&pod, pod_identity(&account), &settings) {
            Ok(Outcome::Mutated(mutation)) => mutation,
            other => panic!("case {name} ({file}): {other:?}"),
        };
        assert_eq!(
            serde_json::to_value(&mutation.patch).unwrap(),
            want,
            "case {name} ({file})"
        );
        assert!(mutation.changed, "case {name}: the label is always new");
        assert_eq!(
            apply(&pod, &mutation.patch).as_ref(),
            Ok(&mutation.pod),
            "case {name}: patched pod"
        );
    }
}
