//! Pod admission, from the workshop's `eks-iam-test4` pod to the refusals kube-apiserver
//! gives.

use serde_json::json;

use super::*;

const NOW: u64 = 1_704_164_645;

fn world() -> World {
    crate::world::load_default().expect("the default world loads")
}

fn settings() -> Settings {
    Settings::eks("us-west-2")
}

fn create_in(world: &mut World, namespace: &str, pod: Value) -> Result<Value, Status> {
    create(
        world,
        "eksworkshop-eksctl",
        namespace,
        pod,
        &settings(),
        NOW,
    )
}

/// The workshop's pod (eks-iam-test4.yaml).
fn workshop_pod() -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "eks-iam-test4"},
        "spec": {
            "serviceAccountName": "iam-test",
            "containers": [{"name": "eks-iam-test", "image": "amazon/aws-cli:latest",
                            "args": ["s3", "ls"]}],
            "restartPolicy": "Never"
        }
    })
}

#[test]
fn the_workshop_pod_is_admitted_as_eks_shows_it() {
    let mut world = world();
    let pod = create_in(&mut world, "default", workshop_pod()).unwrap();
    let spec = &pod["spec"];
    assert_eq!(spec["serviceAccountName"], "iam-test");
    assert_eq!(spec["serviceAccount"], "iam-test");
    assert_eq!(spec["restartPolicy"], "Never", "the client's value is kept");
    let volumes: Vec<&str> = spec["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        volumes[0], "aws-iam-token",
        "the webhook's volume comes first"
    );
    assert!(
        volumes[1].starts_with("kube-api-access-") && volumes[1].len() == 21,
        "{volumes:?}"
    );
    assert_eq!(spec["volumes"][0]["projected"]["defaultMode"], 420);
    let container = &spec["containers"][0];
    let mounts: Vec<&str> = container["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["mountPath"].as_str().unwrap())
        .collect();
    assert_eq!(
        mounts,
        [
            "/var/run/secrets/kubernetes.io/serviceaccount",
            "/var/run/secrets/eks.amazonaws.com/serviceaccount"
        ]
    );
    let env: Vec<&str> = container["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["name"].as_str().unwrap())
        .collect();
    assert!(
        env.contains(&"AWS_ROLE_ARN") && env.contains(&"AWS_WEB_IDENTITY_TOKEN_FILE"),
        "{env:?}"
    );
    assert_eq!(container["imagePullPolicy"], "Always");
    assert_eq!(pod["status"]["phase"], "Pending");
    assert_eq!(pod["status"]["conditions"][0]["type"], "PodScheduled");
    assert_eq!(pod["status"]["conditions"][0]["status"], "False");
    assert_eq!(pod["status"]["qosClass"], "BestEffort");
    assert_eq!(pod["metadata"]["namespace"], "default");
    assert_eq!(pod["metadata"]["resourceVersion"], "1");
    assert_eq!(world.default_cluster().pods.len(), 1, "stored");
}

#[test]
fn a_pod_of_the_default_account_gets_api_access_only() {
    let mut world = world();
    let pod = create_in(
        &mut world,
        "default",
        json!({"metadata": {"name": "plain"}, "spec": {"containers": [{"name": "c", "image": "busybox:1.36"}]}}),
    )
    .unwrap();
    assert_eq!(pod["spec"]["serviceAccountName"], "default");
    assert_eq!(pod["spec"]["volumes"].as_array().unwrap().len(), 1);
    assert!(
        pod["spec"]["containers"][0].get("env").is_none(),
        "no IRSA without a role"
    );
    assert_eq!(
        pod["spec"]["containers"][0]["imagePullPolicy"],
        "IfNotPresent"
    );
}

#[test]
fn refusals_are_kube_apiservers() {
    let big = "x".repeat(crate::k8s::object_meta::MAX_ANNOTATION_BYTES);
    let cases: [(&str, &str, Value, u16, &str); 9] = [
        (
            "bad_label_value",
            "default",
            json!({"metadata": {"name": "p", "labels": {"app": "-x"}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}),
            422,
            "Invalid",
        ),
        (
            "annotations_over_256_kib",
            "default",
            json!({"metadata": {"name": "p", "annotations": {"a": big}}, "spec": {"containers": [{"name": "c", "image": "i"}]}}),
            422,
            "Invalid",
        ),
        (
            "unknown_account",
            "default",
            json!({"metadata": {"name": "p"}, "spec": {"serviceAccountName": "nobody", "containers": [{"name": "c", "image": "i"}]}}),
            403,
            "Forbidden",
        ),
        (
            "unknown_namespace",
            "nowhere",
            json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c", "image": "i"}]}}),
            404,
            "NotFound",
        ),
        (
            "no_containers",
            "default",
            json!({"metadata": {"name": "p"}, "spec": {"containers": []}}),
            422,
            "Invalid",
        ),
        (
            "no_image",
            "default",
            json!({"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}]}}),
            422,
            "Invalid",
        ),
        (
            "bad_name",
            "default",
            json!({"metadata": {"name": "P_Q"}, "spec": {"containers": [{"name": "c", "image": "i"}]}}),
            422,
            "Invalid",
        ),
        (
            "namespace_mismatch",
            "default",
            json!({"metadata": {"name": "p", "namespace": "other"}, "spec": {"containers": [{"name": "c", "image": "i"}]}}),
            400,
            "BadRequest",
        ),
        (
            "wrong_kind",
            "default",
            json!({"kind": "Service", "metadata": {"name": "p"}, "spec": {}}),
            400,
            "BadRequest",
        ),
    ];
    for (name, namespace, pod, code, reason) in cases {
        let mut world = world();
        let status = create_in(&mut world, namespace, pod).expect_err(name);
        assert_eq!(
            (status.code.as_u16(), status.reason),
            (code, reason),
            "case {name}: {}",
            status.message
        );
        assert!(
            world.default_cluster().pods.is_empty(),
            "case {name}: nothing stored"
        );
    }
}

#[test]
fn a_pod_is_listed_read_and_deleted_with_its_uid() {
    let mut world = world();
    let created = create_in(&mut world, "default", workshop_pod()).unwrap();
    let again = create_in(&mut world, "default", workshop_pod()).unwrap_err();
    assert_eq!(again.reason, "AlreadyExists");
    let cluster = world.default_cluster();
    let all = serde_json::to_value(list(cluster, None, &Selectors::default())).unwrap();
    assert_eq!(all["items"].as_array().unwrap().len(), 1);
    let other =
        serde_json::to_value(list(cluster, Some("kube-system"), &Selectors::default())).unwrap();
    assert!(other["items"].as_array().unwrap().is_empty());
    assert_eq!(read(cluster, "default", "eks-iam-test4").unwrap(), created);
    let deleted = node::delete(
        &mut world,
        "eksworkshop-eksctl",
        "default",
        "eks-iam-test4",
        None,
        true,
        NOW,
    )
    .unwrap();
    let node::Deleted::Gone(deleted) = deleted else {
        panic!("a pod bound to no node goes at once");
    };
    assert_eq!(deleted["metadata"]["uid"], created["metadata"]["uid"]);
    assert_eq!(
        read(world.default_cluster(), "default", "eks-iam-test4")
            .unwrap_err()
            .reason,
        "NotFound"
    );
}

#[test]
fn generated_names_get_a_suffix() {
    let mut world = world();
    let pod = create_in(
        &mut world,
        "default",
        json!({"metadata": {"generateName": "job-"}, "spec": {"containers": [{"name": "c", "image": "i"}]}}),
    )
    .unwrap();
    let name = pod["metadata"]["name"].as_str().unwrap();
    assert!(name.starts_with("job-") && name.len() == 9, "{name}");
}

#[test]
fn a_pod_a_node_runs_is_deleted_through_the_node() {
    const CLUSTER: &str = "eksworkshop-eksctl";
    let mut world = world();
    let created = create_in(&mut world, "default", workshop_pod()).unwrap();
    let uid = created["metadata"]["uid"].as_str().unwrap().to_owned();
    let bound = node::bind(
        &mut world,
        CLUSTER,
        "default",
        "eks-iam-test4",
        &uid,
        "irsa-local",
    )
    .unwrap();
    assert_eq!(bound["spec"]["nodeName"], "irsa-local");
    let status = json!({"phase": "Running"});
    let written = node::set_status(
        &mut world,
        CLUSTER,
        "default",
        "eks-iam-test4",
        &uid,
        status,
    )
    .unwrap();
    assert_eq!(written["status"]["phase"], "Running");
    let versions = [&created, &bound, &written].map(|pod| {
        pod["metadata"]["resourceVersion"]
            .as_str()
            .unwrap()
            .parse::<u64>()
            .unwrap()
    });
    assert!(
        versions[0] < versions[1] && versions[1] < versions[2],
        "{versions:?}"
    );
    let wrong_uid = node::set_status(
        &mut world,
        CLUSTER,
        "default",
        "eks-iam-test4",
        "other",
        json!({}),
    );
    assert_eq!(
        wrong_uid.unwrap_err().reason,
        "NotFound",
        "a write for another pod of that name"
    );

    let cases = [
        // (name, grace asked, nodes run, want terminating, want grace marked)
        ("no_node_running_goes_at_once", None, false, false, None),
        ("zero_grace_goes_at_once", Some(0), true, false, None),
        ("default_grace_of_30_s", None, true, true, Some(30)),
        ("shorter_grace_replaces_it", Some(5), true, true, Some(5)),
        ("longer_grace_does_not", Some(60), true, true, Some(5)),
    ];
    let mut marked = world.clone();
    for (name, grace, nodes_run, terminating, want_grace) in cases {
        let mut world = if terminating {
            marked.clone()
        } else {
            world.clone()
        };
        let deleted = node::delete(
            &mut world,
            CLUSTER,
            "default",
            "eks-iam-test4",
            grace,
            nodes_run,
            NOW,
        )
        .unwrap();
        let stored = read(world.default_cluster(), "default", "eks-iam-test4");
        match deleted {
            node::Deleted::Gone(pod) => {
                assert!(!terminating, "case {name}: gone");
                assert_eq!(pod["metadata"]["uid"], uid.as_str(), "case {name}");
                assert!(stored.is_err(), "case {name}: still stored");
            }
            node::Deleted::Terminating(pod) => {
                assert!(terminating, "case {name}: marked");
                assert_eq!(
                    pod["metadata"]["deletionGracePeriodSeconds"].as_u64(),
                    want_grace,
                    "case {name}"
                );
                assert!(
                    pod["metadata"]["deletionTimestamp"].is_string(),
                    "case {name}"
                );
                assert_eq!(stored.unwrap(), pod, "case {name}: stored as answered");
                marked = world.clone();
            }
        }
    }
    let removed = node::remove(&mut marked, CLUSTER, "default", "eks-iam-test4", &uid).unwrap();
    assert_eq!(removed["metadata"]["uid"], uid.as_str());
    assert!(read(marked.default_cluster(), "default", "eks-iam-test4").is_err());
}

#[test]
fn a_patch_past_the_annotation_limit_is_refused_and_nothing_changes() {
    let mut world = world();
    create_in(&mut world, "default", workshop_pod()).unwrap();
    let name = "eks-iam-test4";
    let big = "x".repeat(crate::k8s::object_meta::MAX_ANNOTATION_BYTES);
    let refused = super::patch::patch(
        &mut world,
        "eksworkshop-eksctl",
        "default",
        name,
        &json!({"metadata": {"annotations": {"a": big}}}),
    )
    .unwrap_err();
    assert_eq!(
        refused.message,
        format!("Pod {name:?} is invalid: metadata.annotations: Too long: must have at most 262144 bytes")
    );
    let stored = read(world.default_cluster(), "default", name).unwrap();
    assert!(stored["metadata"]
        .get("annotations")
        .is_none_or(|a| a.get("a").is_none()));
}

#[test]
fn pods_past_the_object_count_quota_are_forbidden() {
    let mut world = world();
    let stored = create_in(&mut world, "default", workshop_pod()).unwrap();
    let cluster = world.cluster_mut("eksworkshop-eksctl").unwrap();
    cluster.pods = (0..crate::k8s::quota::MAX_OBJECTS_PER_KIND)
        .map(|index| {
            let mut pod = stored.clone();
            pod["metadata"]["name"] = json!(format!("pod-{index}"));
            pod
        })
        .collect();
    let mut pod = workshop_pod();
    pod["metadata"]["name"] = json!("one-more");
    let refused = create_in(&mut world, "default", pod).unwrap_err();
    assert_eq!((refused.code.as_u16(), refused.reason), (403, "Forbidden"));
    assert!(
        refused
            .message
            .starts_with("pods \"one-more\" is forbidden: exceeded quota"),
        "{}",
        refused.message
    );
}

/// With a Pod Identity association for `default/iam-test`, the same pod is stored with
/// the container-credentials mutation instead of its role ARN's, defaults applied to the
/// webhook's volume as to the others.
#[test]
fn an_associated_account_gives_the_pod_identity_mutation() {
    let mut world = world();
    let cluster = world.cluster_mut("eksworkshop-eksctl").unwrap();
    cluster
        .pod_identity_associations
        .push(crate::world::PodIdentityAssociation {
            association_id: "a-8mvwvh57cu74mgcst".into(),
            namespace: "default".to_owned().try_into().unwrap(),
            service_account: "iam-test".to_owned().try_into().unwrap(),
            role_arn: "arn:aws:iam::111122223333:role/iam-test".into(),
            target_role_arn: None,
            external_id: None,
            policy: None,
            disable_session_tags: false,
            tags: Default::default(),
            owner_arn: None,
            created_at: NOW,
            modified_at: NOW,
        });
    let agent = "http://169.254.170.23:4772/v1/credentials";
    let settings = settings().with_agent_uri(agent.into());
    let pod = create(
        &mut world,
        "eksworkshop-eksctl",
        "default",
        workshop_pod(),
        &settings,
        NOW,
    )
    .unwrap();
    assert_eq!(
        pod["metadata"]["labels"],
        json!({"eks.amazonaws.com/pod-identity": "enabled"})
    );
    let volume = &pod["spec"]["volumes"][0];
    assert_eq!(volume["name"], "eks-pod-identity-token");
    assert_eq!(volume["projected"]["defaultMode"], 420);
    let container = &pod["spec"]["containers"][0];
    let env: Vec<(&str, &str)> = container["env"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["name"].as_str().unwrap(), e["value"].as_str().unwrap()))
        .collect();
    assert_eq!(
        env,
        [
            ("AWS_STS_REGIONAL_ENDPOINTS", "regional"),
            ("AWS_DEFAULT_REGION", "us-west-2"),
            ("AWS_REGION", "us-west-2"),
            ("AWS_CONTAINER_CREDENTIALS_FULL_URI", agent),
            (
                "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE",
                "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token"
            ),
        ]
    );
    let mounts: Vec<&str> = container["volumeMounts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["mountPath"].as_str().unwrap())
        .collect();
    assert_eq!(
        mounts,
        [
            "/var/run/secrets/kubernetes.io/serviceaccount",
            "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount"
        ]
    );
}
