use serde_json::json;

use super::*;
use crate::world;

const CLUSTER: &str = "eksworkshop-eksctl";

fn world() -> World {
    world::load_default().unwrap()
}

fn new(body: Value) -> NewServiceAccount {
    serde_json::from_value(body).unwrap()
}

#[test]
fn create_then_read_shows_labels_annotations_and_a_fresh_uid() {
    let mut world = world();
    let created = create(
        &mut world,
        CLUSTER,
        "apps",
        new(json!({"metadata": {"name": "reader", "namespace": "apps",
            "labels": {"app.kubernetes.io/managed-by": "eksctl"},
            "annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/r"}}})),
        1_700_000_000,
    )
    .unwrap();
    let cluster = world.default_cluster();
    let object = serde_json::to_value(read(cluster, "apps", "reader", 0).unwrap()).unwrap();
    assert_eq!(object["metadata"]["uid"], json!(created.uid.unwrap()));
    assert_eq!(
        object["metadata"]["creationTimestamp"],
        "2023-11-14T22:13:20Z"
    );
    assert_eq!(
        object["metadata"]["annotations"]["eks.amazonaws.com/role-arn"],
        "arn:aws:iam::111122223333:role/r"
    );
    assert_eq!(
        object["metadata"]["labels"]["app.kubernetes.io/managed-by"],
        "eksctl"
    );
    let listed = serde_json::to_value(list(cluster, "apps", 0)).unwrap();
    assert_eq!(listed["kind"], "ServiceAccountList");
    let names: Vec<&str> = listed["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|item| item["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["default", "reader"],
        "every namespace has its default account"
    );
    assert!(read(cluster, "apps", "default", 0).is_ok());
    assert!(
        read(cluster, "nowhere", "default", 0).is_err(),
        "not in a missing namespace"
    );
}

type CreateCase = (&'static str, &'static str, Value, u16, &'static str);

#[test]
fn create_refusals() {
    let cases: Vec<CreateCase> = vec![
        (
            "exists",
            "default",
            json!({"metadata": {"name": "iam-test"}}),
            409,
            "AlreadyExists",
        ),
        (
            "no_name",
            "default",
            json!({"metadata": {}}),
            422,
            "Invalid",
        ),
        (
            "uppercase_name",
            "default",
            json!({"metadata": {"name": "Reader"}}),
            422,
            "Invalid",
        ),
        (
            "bad_namespace",
            "Apps",
            json!({"metadata": {"name": "reader"}}),
            422,
            "Invalid",
        ),
        (
            "namespace_mismatch",
            "default",
            json!({"metadata": {"name": "reader", "namespace": "other"}}),
            400,
            "BadRequest",
        ),
        (
            "bad_label_value",
            "default",
            json!({"metadata": {"name": "reader", "labels": {"a": "-x"}}}),
            422,
            "Invalid",
        ),
        (
            "bad_annotation_key",
            "default",
            json!({"metadata": {"name": "reader", "annotations": {"a b": "x"}}}),
            422,
            "Invalid",
        ),
    ];
    for (name, namespace, body, code, reason) in cases {
        let mut world = world();
        let err = create(&mut world, CLUSTER, namespace, new(body), 0).unwrap_err();
        assert_eq!(
            (err.code.as_u16(), err.reason),
            (code, reason),
            "case {name}: {err:?}"
        );
    }
}

#[test]
fn merge_patch_sets_and_removes_keys() {
    let mut world = world();
    let role = "eks.amazonaws.com/role-arn";
    let patched = patch(
        &mut world,
        CLUSTER,
        "default",
        "iam-test",
        &json!({"metadata": {"annotations": {role: null, "note": "x"}, "labels": {"team": "a"}}}),
    )
    .unwrap();
    assert!(!patched.annotations.contains_key(role));
    assert_eq!(patched.annotations["note"], "x");
    assert_eq!(patched.labels["team"], "a");
    let stored = world
        .default_cluster()
        .service_account("default", "iam-test")
        .unwrap();
    assert_eq!(stored, &patched);
}

type PatchCase = (&'static str, &'static str, Value, u16);

#[test]
fn patch_refusals() {
    let cases: Vec<PatchCase> = vec![
        ("unknown_account", "nobody", json!({"metadata": {}}), 404),
        ("not_an_object", "iam-test", json!([1]), 400),
        (
            "metadata_not_object",
            "iam-test",
            json!({"metadata": 3}),
            400,
        ),
        (
            "number_value",
            "iam-test",
            json!({"metadata": {"annotations": {"a": 1}}}),
            400,
        ),
        (
            "rename",
            "iam-test",
            json!({"metadata": {"name": "other"}}),
            400,
        ),
        (
            "bad_label",
            "iam-test",
            json!({"metadata": {"labels": {"a": "x y"}}}),
            422,
        ),
    ];
    for (name, account, body, code) in cases {
        let mut world = world();
        let err = patch(&mut world, CLUSTER, "default", account, &body).unwrap_err();
        assert_eq!(err.code.as_u16(), code, "case {name}: {err:?}");
    }
}

#[test]
fn delete_removes_and_a_second_delete_is_not_found() {
    let mut world = world();
    delete(&mut world, CLUSTER, "default", "iam-test").unwrap();
    assert!(world.default_cluster().service_accounts.is_empty());
    let err = delete(&mut world, CLUSTER, "default", "iam-test").unwrap_err();
    assert_eq!(err.code.as_u16(), 404);
}

#[test]
fn qualified_names() {
    let cases = [
        ("plain", "team", true),
        ("prefixed", "eks.amazonaws.com/role-arn", true),
        ("dots_inside", "a.b_c-d", true),
        ("empty", "", false),
        ("empty_prefix", "/name", false),
        ("uppercase_prefix", "EKS.io/x", false),
        ("space", "a b", false),
        ("trailing_dash", "a-", false),
        ("too_long", &"a".repeat(64), false),
    ];
    for (name, key, ok) in cases {
        assert_eq!(qualified_name(key).is_ok(), ok, "case {name}");
    }
}

#[test]
fn annotations_past_256_kib_are_refused_in_kube_apiservers_words() {
    let big = "x".repeat(crate::k8s::object_meta::MAX_ANNOTATION_BYTES);
    let mut world = world();
    let refused = create(
        &mut world,
        CLUSTER,
        "default",
        new(json!({"metadata": {"name": "big", "annotations": {"a": big}}})),
        0,
    )
    .unwrap_err();
    assert_eq!((refused.code.as_u16(), refused.reason), (422, "Invalid"));
    assert_eq!(
        refused.message,
        "ServiceAccount \"big\" is invalid: metadata.annotations: Too long: must have at most 262144 bytes"
    );
    let refused = patch(
        &mut world,
        CLUSTER,
        "default",
        "iam-test",
        &json!({"metadata": {"annotations": {"a": "x".repeat(crate::k8s::object_meta::MAX_ANNOTATION_BYTES)}}}),
    )
    .unwrap_err();
    assert_eq!(refused.code.as_u16(), 422, "{}", refused.message);
}

#[test]
fn service_accounts_past_the_object_count_quota_are_forbidden() {
    let mut world = world();
    let cluster = world.cluster_mut(CLUSTER).unwrap();
    let template = ServiceAccount::clone(cluster.service_accounts.iter().next().unwrap());
    cluster.service_accounts = (0..crate::k8s::quota::MAX_OBJECTS_PER_KIND)
        .map(|index| ServiceAccount {
            name: format!("sa-{index}").try_into().unwrap(),
            ..template.clone()
        })
        .collect();
    let refused = create(
        &mut world,
        CLUSTER,
        "default",
        new(json!({"metadata": {"name": "one-more"}})),
        0,
    )
    .unwrap_err();
    assert_eq!((refused.code.as_u16(), refused.reason), (403, "Forbidden"));
    assert_eq!(
        refused.message,
        "serviceaccounts \"one-more\" is forbidden: exceeded quota: irsa-local-object-count, \
         requested: count/serviceaccounts=1, used: count/serviceaccounts=10000, \
         limited: count/serviceaccounts=10000"
    );
}
