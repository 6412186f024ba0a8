use std::collections::HashMap;
use std::path::Path;

use serde_json::{json, Value};

use super::*;

fn pod() -> Value {
    json!({
        "metadata": {
            "name": "eks-iam-test4",
            "namespace": "default",
            "uid": "0d64402f-5c87-469c-b441-8bd332b1bd07",
            "labels": {"app": "s3-test"},
        },
        "spec": {
            "serviceAccountName": "iam-test",
            "nodeName": "irsa-local",
            "containers": [{
                "name": "my-aws-cli",
                "image": "amazon/aws-cli:latest",
                "command": ["sleep", "36000"],
                "env": [
                    {"name": "AWS_ROLE_ARN", "value": "arn:aws:iam::111122223333:role/iam-test"},
                    {"name": "AWS_WEB_IDENTITY_TOKEN_FILE", "value": "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"},
                ],
                "volumeMounts": [
                    {"name": "kube-api-access-t9g7l", "mountPath": "/var/run/secrets/kubernetes.io/serviceaccount", "readOnly": true},
                    {"name": "aws-iam-token", "mountPath": "/var/run/secrets/eks.amazonaws.com/serviceaccount", "readOnly": true},
                ],
            }],
            "volumes": [
                {"name": "aws-iam-token", "projected": {"sources": [{"serviceAccountToken": {"audience": "sts.amazonaws.com", "expirationSeconds": 86400, "path": "token"}}]}},
                {"name": "kube-api-access-t9g7l", "projected": {"sources": [{"serviceAccountToken": {"expirationSeconds": 3607, "path": "token"}}]}},
                {"name": "scratch", "emptyDir": {}},
                {"name": "host", "hostPath": {"path": "/srv/data"}},
            ],
        },
    })
}

fn place(network: Network) -> Placement<'static> {
    Placement {
        node: "node-1",
        attempt: 2,
        volumes_dir: Path::new("/data/pods/uid/volumes"),
        network,
        endpoint_url: Some("http://host.docker.internal:4772"),
        host_ip: "172.17.0.1",
    }
}

fn own() -> Network {
    Network::Own {
        network: "bridge".to_owned(),
    }
}

fn body(pod: &Value, network: Network) -> Result<ContainerCreateBody, ConfigError> {
    create_body(pod, &pod["spec"]["containers"][0], &place(network))
}

fn env_of(body: &ContainerCreateBody) -> Vec<String> {
    body.env.clone().unwrap_or_default()
}

#[test]
fn the_workshop_pod_becomes_a_container_with_its_token_mounts_env_and_labels() {
    let body = body(&pod(), own()).unwrap();
    assert_eq!(body.image.as_deref(), Some("amazon/aws-cli:latest"));
    assert_eq!(
        body.entrypoint,
        Some(vec!["sleep".to_owned(), "36000".to_owned()])
    );
    assert_eq!(
        body.cmd, None,
        "no args: the image's CMD is dropped by the engine"
    );
    assert_eq!(
        env_of(&body),
        vec![
            "AWS_ROLE_ARN=arn:aws:iam::111122223333:role/iam-test",
            "AWS_WEB_IDENTITY_TOKEN_FILE=/var/run/secrets/eks.amazonaws.com/serviceaccount/token",
            "AWS_ENDPOINT_URL=http://host.docker.internal:4772",
        ]
    );
    let host = body.host_config.unwrap();
    assert_eq!(
        host.binds.unwrap(),
        vec![
            "/data/pods/uid/volumes/kube-api-access-t9g7l:/var/run/secrets/kubernetes.io/serviceaccount:ro",
            "/data/pods/uid/volumes/aws-iam-token:/var/run/secrets/eks.amazonaws.com/serviceaccount:ro",
        ]
    );
    assert_eq!(host.network_mode.as_deref(), Some("bridge"));
    assert_eq!(
        host.extra_hosts,
        Some(vec!["host.docker.internal:host-gateway".to_owned()])
    );
    assert_eq!(body.hostname.as_deref(), Some("eks-iam-test4"));
    let labels = body.labels.unwrap();
    for (key, want) in [
        ("io.irsa-local.node", "node-1"),
        (
            "io.kubernetes.pod.uid",
            "0d64402f-5c87-469c-b441-8bd332b1bd07",
        ),
        ("io.kubernetes.pod.name", "eks-iam-test4"),
        ("io.kubernetes.pod.namespace", "default"),
        ("io.kubernetes.container.name", "my-aws-cli"),
        ("io.irsa-local.attempt", "2"),
    ] {
        assert_eq!(
            labels.get(key).map(String::as_str),
            Some(want),
            "label {key}"
        );
    }
    assert_eq!(
        container_name(&pod(), "my-aws-cli", 2),
        "k8s_my-aws-cli_eks-iam-test4_default_0d64402f-5c87-469c-b441-8bd332b1bd07_2"
    );
}

#[test]
fn networks() {
    let cases = [
        (
            "first_container_owns_the_pod_network",
            own(),
            "bridge",
            true,
        ),
        (
            "later_containers_join_it",
            Network::Join {
                owner_id: "abc".to_owned(),
            },
            "container:abc",
            false,
        ),
        ("host_network", Network::Host, "host", false),
    ];
    for (name, network, mode, owns) in cases {
        let body = body(&pod(), network).unwrap();
        let host = body.host_config.unwrap();
        assert_eq!(host.network_mode.as_deref(), Some(mode), "case {name}");
        assert_eq!(host.extra_hosts.is_some(), owns, "case {name}: extra hosts");
        assert_eq!(body.hostname.is_some(), owns, "case {name}: hostname");
    }
}

#[test]
fn container_fields() {
    type Check = fn(&ContainerCreateBody) -> bool;
    let cases: [(&str, Value, Check); 7] = [
        (
            "args_only_keep_the_image_entrypoint",
            json!({"name": "c", "image": "i", "args": ["s3", "ls"]}),
            |b| b.entrypoint.is_none() && b.cmd == Some(vec!["s3".to_owned(), "ls".to_owned()]),
        ),
        (
            "working_dir",
            json!({"name": "c", "image": "i", "workingDir": "/work"}),
            |b| b.working_dir.as_deref() == Some("/work"),
        ),
        (
            "run_as_user_and_group",
            json!({"name": "c", "image": "i", "securityContext": {"runAsUser": 1000, "runAsGroup": 3000}}),
            |b| b.user.as_deref() == Some("1000:3000"),
        ),
        (
            "tty_and_stdin",
            json!({"name": "c", "image": "i", "tty": true, "stdin": true}),
            |b| b.tty == Some(true) && b.open_stdin == Some(true),
        ),
        (
            "a_pod_endpoint_is_kept",
            json!({"name": "c", "image": "i", "env": [{"name": "AWS_ENDPOINT_URL", "value": "http://mine:1"}]}),
            |b| b.env.as_ref().unwrap() == &vec!["AWS_ENDPOINT_URL=http://mine:1".to_owned()],
        ),
        (
            "references_to_earlier_variables_are_expanded",
            json!({"name": "c", "image": "i", "env": [{"name": "A", "value": "x"}, {"name": "B", "value": "$(A)-$(NOPE)"}], "args": ["$(B)"]}),
            |b| {
                b.env.as_ref().unwrap()[1] == "B=x-$(NOPE)"
                    && b.cmd == Some(vec!["x-$(NOPE)".to_owned()])
            },
        ),
        (
            "field_refs",
            json!({"name": "c", "image": "i", "env": [
                {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                {"name": "APP", "valueFrom": {"fieldRef": {"fieldPath": "metadata.labels['app']"}}},
                {"name": "HOST", "valueFrom": {"fieldRef": {"fieldPath": "status.hostIP"}}},
            ]}),
            |b| {
                b.env.as_ref().unwrap()[..3]
                    == ["POD=eks-iam-test4", "APP=s3-test", "HOST=172.17.0.1"]
            },
        ),
    ];
    for (name, container, check) in cases {
        let body = create_body(&pod(), &container, &place(own())).unwrap();
        assert!(check(&body), "case {name}: {body:?}");
    }
}

#[test]
fn configurations_a_container_cannot_have() {
    let cases = [
        (
            "secret_reference",
            json!({"name": "c", "image": "i", "env": [{"name": "P", "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}}}]}),
            "secret \"db\" not found",
        ),
        (
            "unknown_volume",
            json!({"name": "c", "image": "i", "volumeMounts": [{"name": "nope", "mountPath": "/x"}]}),
            "volume \"nope\" is not in the pod's volumes",
        ),
        (
            "sub_path_leaving_the_volume",
            json!({"name": "c", "image": "i", "volumeMounts": [{"name": "scratch", "mountPath": "/x", "subPath": "../../etc"}]}),
            "subPath \"../../etc\" must be a relative path inside the volume",
        ),
        (
            "unknown_field_path",
            json!({"name": "c", "image": "i", "env": [{"name": "X", "valueFrom": {"fieldRef": {"fieldPath": "spec.nope"}}}]}),
            "unsupported fieldRef fieldPath \"spec.nope\"",
        ),
    ];
    for (name, container, want) in cases {
        let err = create_body(&pod(), &container, &place(own())).unwrap_err();
        assert_eq!(err.0, want, "case {name}");
    }
    let optional = json!({"name": "c", "image": "i", "env": [{"name": "P", "valueFrom": {"secretKeyRef": {"name": "db", "key": "k", "optional": true}}}]});
    let body = create_body(&pod(), &optional, &place(own())).unwrap();
    assert!(
        !env_of(&body).iter().any(|e| e.starts_with("P=")),
        "an optional absent reference sets nothing"
    );
}

#[test]
fn mounts_of_empty_dirs_host_paths_and_sub_paths() {
    let container = json!({"name": "c", "image": "i", "volumeMounts": [
        {"name": "scratch", "mountPath": "/work"},
        {"name": "host", "mountPath": "/data", "subPath": "logs"},
    ]});
    let body = create_body(&pod(), &container, &place(own())).unwrap();
    assert_eq!(
        body.host_config.unwrap().binds.unwrap(),
        vec![
            "/data/pods/uid/volumes/scratch:/work",
            "/srv/data/logs:/data"
        ]
    );
}

#[test]
fn expansion() {
    let vars: HashMap<&str, &str> = HashMap::from([("A", "1"), ("EMPTY", "")]);
    let cases = [
        ("plain", "abc", "abc"),
        ("defined", "$(A)", "1"),
        ("defined_empty", "x$(EMPTY)y", "xy"),
        ("undefined_stays", "$(B)", "$(B)"),
        ("escaped", "$$(A)", "$(A)"),
        ("double_dollar", "a$$b", "a$b"),
        ("lone_dollar", "cost $5", "cost $5"),
        ("unclosed", "$(A", "$(A"),
        ("several", "$(A)-$(A)", "1-1"),
        ("trailing_dollar", "x$", "x$"),
    ];
    for (name, input, want) in cases {
        assert_eq!(expand(input, &vars), want, "case {name}");
    }
}
