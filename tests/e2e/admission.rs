//! `POST /mutate`: AdmissionReviews as kube-apiserver sends them, answered over HTTP.

use base64::Engine;
use serde_json::{json, Value};

use crate::support::TestServer;

const TOKEN_FILE: &str = "/var/run/secrets/eks.amazonaws.com/serviceaccount/token";
const UID: &str = "918ef1dc-3c3a-4a7e-9b1e-0e3c4f3a7f51";

/// A v1 review of creating `pod` in `namespace`.
fn review(namespace: &str, pod: &Value) -> Value {
    json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {"uid": UID, "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "resource": {"group": "", "version": "v1", "resource": "pods"},
            "namespace": namespace, "operation": "CREATE",
            "userInfo": {"username": "system:serviceaccount:kube-system:replicaset-controller"},
            "object": pod, "oldObject": null, "dryRun": false,
            "options": {"kind": "CreateOptions", "apiVersion": "meta.k8s.io/v1"}}})
}

fn pod(account: &str, annotations: Value, containers: Value) -> Value {
    json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"generateName": "web-", "annotations": annotations},
        "spec": {"serviceAccountName": account, "containers": containers}})
}

fn env(pairs: &[(&str, &str)]) -> Value {
    pairs
        .iter()
        .map(|(name, value)| json!({"name": name, "value": value}))
        .collect()
}

/// The env EKS injects for the default world's `iam-test` account.
fn injected(role: &str) -> Vec<(&'static str, String)> {
    vec![
        ("AWS_STS_REGIONAL_ENDPOINTS", "regional".into()),
        ("AWS_DEFAULT_REGION", "us-west-2".into()),
        ("AWS_REGION", "us-west-2".into()),
        ("AWS_ROLE_ARN", role.into()),
        ("AWS_WEB_IDENTITY_TOKEN_FILE", TOKEN_FILE.into()),
    ]
}

fn owned_env(pairs: &[(&str, String)]) -> Value {
    let borrowed: Vec<(&str, &str)> = pairs.iter().map(|(n, v)| (*n, v.as_str())).collect();
    env(&borrowed)
}

fn mount() -> Value {
    json!({"name": "aws-iam-token", "readOnly": true,
           "mountPath": "/var/run/secrets/eks.amazonaws.com/serviceaccount"})
}

fn volume(seconds: i64) -> Value {
    json!({"name": "aws-iam-token", "projected": {"sources": [{"serviceAccountToken":
        {"audience": "sts.amazonaws.com", "expirationSeconds": seconds, "path": "token"}}]}})
}

async fn post(server: &TestServer, path: &str, review: &Value) -> Value {
    let reply = server
        .send(
            "POST",
            path,
            Some("application/json"),
            review.to_string().into_bytes(),
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let answer = reply.json();
    assert_eq!(answer["apiVersion"], "admission.k8s.io/v1");
    assert_eq!(answer["kind"], "AdmissionReview");
    answer
}

/// The decoded JSON Patch of an allowed answer, or `None` when it carries none.
fn patch_of(answer: &Value) -> Option<Value> {
    let response = &answer["response"];
    assert_eq!(response["uid"], UID, "uid echoed");
    assert_eq!(response["allowed"], true, "{answer}");
    let patch = response.get("patch")?.as_str()?;
    assert_eq!(response["patchType"], "JSONPatch");
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(patch)
        .expect("base64");
    Some(serde_json::from_slice(&bytes).expect("JSON Patch"))
}

/// Creates `namespace/name` through the API with these annotations.
async fn create_account(server: &TestServer, namespace: &str, name: &str, annotations: Value) {
    let body = json!({"metadata": {"name": name, "annotations": annotations}});
    let reply = server
        .send(
            "POST",
            &format!("/api/v1/namespaces/{namespace}/serviceaccounts"),
            Some("application/json"),
            body.to_string().into_bytes(),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
}

#[tokio::test]
async fn workshop_pod_gets_the_webhook_patch() {
    let server = TestServer::start().await;
    let pod = pod(
        "iam-test",
        json!(null),
        json!([{"name": "eks-iam-test", "image": "amazon/aws-cli:latest", "args": ["s3", "ls"]}]),
    );
    let answer = post(&server, "/mutate", &review("default", &pod)).await;
    let role = "arn:aws:iam::111122223333:role/iam-test";
    let want = json!([
        {"op": "add", "path": "/spec/volumes", "value": [volume(86400)]},
        {"op": "add", "path": "/spec/containers", "value": [{"name": "eks-iam-test",
            "image": "amazon/aws-cli:latest", "args": ["s3", "ls"],
            "env": owned_env(&injected(role)), "volumeMounts": [mount()]}]},
    ]);
    assert_eq!(patch_of(&answer), Some(want));

    // The same pod under the cluster's own path.
    let answer = post(
        &server,
        "/k8s/eksworkshop-eksctl/mutate",
        &review("default", &pod),
    )
    .await;
    assert!(patch_of(&answer).is_some());
}

#[tokio::test]
async fn pods_without_a_role_or_already_mutated_are_allowed_without_a_patch() {
    let server = TestServer::start().await;
    let plain = pod("default", json!(null), json!([{"name": "app"}]));
    let answer = post(&server, "/mutate", &review("default", &plain)).await;
    assert_eq!(patch_of(&answer), None, "no role annotation: {answer}");
    assert!(answer["response"].get("patchType").is_none());

    let role = "arn:aws:iam::111122223333:role/iam-test";
    let done = json!({"metadata": {"name": "done"}, "spec": {"serviceAccountName": "iam-test",
        "containers": [{"name": "app", "env": owned_env(&injected(role)), "volumeMounts": [mount()]}],
        "volumes": [volume(86400)]}});
    let answer = post(&server, "/mutate", &review("default", &done)).await;
    assert_eq!(patch_of(&answer), None, "nothing to change: {answer}");

    // The account exists in another namespace only.
    let elsewhere = pod("iam-test", json!(null), json!([{"name": "app"}]));
    let answer = post(&server, "/mutate", &review("apps", &elsewhere)).await;
    assert_eq!(patch_of(&answer), None);
}

#[tokio::test]
async fn existing_env_skip_containers_and_init_containers() {
    let server = TestServer::start().await;
    let role = "arn:aws:iam::111122223333:role/iam-test";
    let pod = pod(
        "iam-test",
        json!({"eks.amazonaws.com/skip-containers": "sidecar"}),
        json!([{"name": "app", "env": env(&[("AWS_ROLE_ARN", "mine"), ("AWS_REGION", "eu-west-1")])},
               {"name": "sidecar"}]),
    );
    let mut pod = pod;
    pod["spec"]["initContainers"] = json!([{"name": "init"}]);
    let answer = post(&server, "/mutate", &review("default", &pod)).await;
    let want = json!([
        {"op": "add", "path": "/spec/volumes", "value": [volume(86400)]},
        {"op": "add", "path": "/spec/containers", "value": [
            {"name": "app", "env": env(&[("AWS_ROLE_ARN", "mine"), ("AWS_REGION", "eu-west-1"),
                ("AWS_STS_REGIONAL_ENDPOINTS", "regional")]), "volumeMounts": [mount()]},
            {"name": "sidecar"}]},
        {"op": "add", "path": "/spec/initContainers", "value": [
            {"name": "init", "env": owned_env(&injected(role)), "volumeMounts": [mount()]}]},
    ]);
    assert_eq!(patch_of(&answer), Some(want));
}

#[tokio::test]
async fn token_expiration_is_pod_over_account_over_default_with_a_floor() {
    let server = TestServer::start().await;
    create_account(
        &server,
        "apps",
        "short",
        json!({"eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/iam-test",
               "eks.amazonaws.com/token-expiration": "7200"}),
    )
    .await;
    create_account(
        &server,
        "apps",
        "floored",
        json!({"eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/iam-test",
               "eks.amazonaws.com/token-expiration": "60"}),
    )
    .await;
    let cases = [
        ("default", "iam-test", json!(null), 86400),
        ("account", "short", json!(null), 7200),
        (
            "pod_over_account",
            "short",
            json!({"eks.amazonaws.com/token-expiration": "1200"}),
            1200,
        ),
        (
            "pod_floor",
            "short",
            json!({"eks.amazonaws.com/token-expiration": "100"}),
            600,
        ),
        ("account_floor", "floored", json!(null), 600),
    ];
    for (name, account, annotations, want) in cases {
        let namespace = if account == "iam-test" {
            "default"
        } else {
            "apps"
        };
        let pod = pod(account, annotations, json!([{"name": "app"}]));
        // The object names no namespace: the request's counts, as for controller pods.
        let answer = post(&server, "/mutate", &review(namespace, &pod)).await;
        let patch = patch_of(&answer).unwrap_or_else(|| panic!("case {name}: {answer}"));
        let seconds = &patch[0]["value"][0]["projected"]["sources"][0]["serviceAccountToken"]
            ["expirationSeconds"];
        assert_eq!(seconds, &json!(want), "case {name}");
    }
}

#[tokio::test]
async fn bad_requests_get_answers_the_api_server_understands() {
    let server = TestServer::start().await;
    let body = review("default", &pod("iam-test", json!(null), json!([]))).to_string();
    for content_type in [Some("text/plain"), Some("application/yaml"), None] {
        let reply = server
            .send("POST", "/mutate", content_type, body.clone().into_bytes())
            .await;
        assert_eq!(reply.status, 415, "{content_type:?}");
    }
    let reply = server.send("GET", "/mutate", None, Vec::new()).await;
    assert_eq!(reply.status, 405);

    let cases = [
        ("not_json", "{".to_owned(), "cannot decode"),
        (
            "no_request",
            json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview"}).to_string(),
            "bad content",
        ),
        (
            "no_object",
            json!({"request": {"uid": UID}}).to_string(),
            "no object",
        ),
        (
            "containers_not_a_list",
            review(
                "default",
                &json!({"spec": {"serviceAccountName": "iam-test", "containers": 5}}),
            )
            .to_string(),
            "spec.containers",
        ),
    ];
    for (name, body, message) in cases {
        let reply = server
            .send(
                "POST",
                "/mutate",
                Some("application/json"),
                body.into_bytes(),
            )
            .await;
        assert_eq!(reply.status, 200, "case {name}");
        let answer = reply.json();
        assert_eq!(answer["kind"], "AdmissionReview", "case {name}");
        assert_eq!(answer["response"]["allowed"], false, "case {name}");
        let got = answer["response"]["status"]["message"]
            .as_str()
            .unwrap_or_default();
        assert!(got.contains(message), "case {name}: {got}");
    }

    let reply = server
        .send(
            "POST",
            "/k8s/no-such-cluster/mutate",
            Some("application/json"),
            body_bytes(),
        )
        .await;
    assert_eq!(reply.status, 404);
}

fn body_bytes() -> Vec<u8> {
    review("default", &pod("iam-test", json!(null), json!([])))
        .to_string()
        .into_bytes()
}

const AGENT_TOKEN_FILE: &str =
    "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token";

/// The env a Pod Identity pod gets in us-west-2 with the agent at `uri`.
fn pod_identity_env(uri: &str) -> Value {
    env(&[
        ("AWS_STS_REGIONAL_ENDPOINTS", "regional"),
        ("AWS_DEFAULT_REGION", "us-west-2"),
        ("AWS_REGION", "us-west-2"),
        ("AWS_CONTAINER_CREDENTIALS_FULL_URI", uri),
        ("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", AGENT_TOKEN_FILE),
    ])
}

fn pod_identity_mount() -> Value {
    json!({"name": "eks-pod-identity-token", "readOnly": true,
           "mountPath": "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount"})
}

/// The token volume's lifetime, checked to be in the webhook's spread of a day, and the
/// volume with it.
fn pod_identity_volume(patched: &Value) -> Value {
    let seconds = patched["projected"]["sources"][0]["serviceAccountToken"]["expirationSeconds"]
        .as_i64()
        .unwrap_or_else(|| panic!("no expiration: {patched}"));
    assert!((79_200..=86_400).contains(&seconds), "{seconds}");
    json!({"name": "eks-pod-identity-token", "projected": {"sources": [{"serviceAccountToken":
        {"audience": "pods.eks.amazonaws.com", "expirationSeconds": seconds,
         "path": "eks-pod-identity-token"}}]}})
}

/// An account with a Pod Identity association gets the container-credentials patch, not
/// its role ARN's; the in-process server's config names the default port.
#[tokio::test]
async fn association_gets_the_container_credentials_patch() {
    let server = TestServer::start_with_world(&crate::support::world_with_association()).await;
    let uri = "http://169.254.170.23:4772/v1/credentials";
    let cases = [
        (
            "no_labels",
            json!(null),
            json!({"op": "add", "path": "/metadata/labels",
                   "value": {"eks.amazonaws.com/pod-identity": "enabled"}}),
        ),
        (
            "labels",
            json!({"app": "web"}),
            json!({"op": "add", "path": "/metadata/labels/eks.amazonaws.com~1pod-identity",
                   "value": "enabled"}),
        ),
    ];
    for (name, labels, label_op) in cases {
        let mut pod = pod(
            "iam-test",
            json!(null),
            json!([{"name": "app", "image": "busybox"}]),
        );
        pod["metadata"]["labels"] = labels;
        pod["spec"]["initContainers"] = json!([{"name": "init"}]);
        let answer = post(&server, "/mutate", &review("default", &pod)).await;
        let patch = patch_of(&answer).unwrap_or_else(|| panic!("case {name}: {answer}"));
        let want = json!([
            label_op,
            {"op": "add", "path": "/spec/volumes", "value": [pod_identity_volume(&patch[1]["value"][0])]},
            {"op": "add", "path": "/spec/containers", "value": [{"name": "app", "image": "busybox",
                "env": pod_identity_env(uri), "volumeMounts": [pod_identity_mount()]}]},
            {"op": "add", "path": "/spec/initContainers", "value": [{"name": "init",
                "env": pod_identity_env(uri), "volumeMounts": [pod_identity_mount()]}]},
        ]);
        assert_eq!(patch, want, "case {name}");
    }

    // An account without an association still gets web identity.
    create_account(
        &server,
        "default",
        "irsa-only",
        json!({"eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/iam-test"}),
    )
    .await;
    let pod = pod("irsa-only", json!(null), json!([{"name": "app"}]));
    let answer = post(&server, "/mutate", &review("default", &pod)).await;
    let patch = patch_of(&answer).expect("patched");
    assert_eq!(patch[0]["path"], "/spec/volumes", "no label: {patch}");
    assert_eq!(patch[1]["value"][0]["env"][3]["name"], "AWS_ROLE_ARN");
}

/// `irsa-local serve --listen 127.0.0.1:0` names the port it got in the agent URI, both in
/// its `/mutate` answers and in the pods created through its API.
#[tokio::test]
async fn served_binary_names_its_own_port_in_the_agent_uri() {
    let data = tempfile::tempdir().unwrap();
    crate::support::seed_fixture_key(data.path());
    let world_file = data.path().join("world.json");
    std::fs::write(
        &world_file,
        crate::support::world_with_association().to_string(),
    )
    .unwrap();
    let server = crate::support::ServerProcess::start(&[
        "--data-dir",
        data.path().to_str().unwrap(),
        "--config",
        world_file.to_str().unwrap(),
    ]);
    let port = server.base_url.rsplit(':').next().unwrap().to_owned();
    assert_ne!(port, "0");
    let uri = format!("http://169.254.170.23:{port}/v1/credentials");

    let pod = pod("iam-test", json!(null), json!([{"name": "app"}]));
    let reply = crate::support::send(
        &format!("{}/mutate", server.base_url),
        "POST",
        Some("application/json"),
        review("default", &pod).to_string().into_bytes(),
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let patch = patch_of(&reply.json()).expect("patched");
    assert_eq!(patch[2]["value"][0]["env"], pod_identity_env(&uri));

    let created = crate::support::send(
        &format!("{}/api/v1/namespaces/default/pods", server.base_url),
        "POST",
        Some("application/json"),
        json!({"metadata": {"name": "web"},
               "spec": {"serviceAccountName": "iam-test", "containers": [{"name": "app", "image": "busybox"}]}})
        .to_string()
        .into_bytes(),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let stored = created.json();
    assert_eq!(
        stored["metadata"]["labels"]["eks.amazonaws.com/pod-identity"],
        "enabled"
    );
    let container = &stored["spec"]["containers"][0];
    let names: Vec<&str> = container["env"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert!(!names.contains(&"AWS_ROLE_ARN"), "{names:?}");
    let value = |name: &str| {
        container["env"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == name)
            .map(|e| e["value"].clone())
    };
    assert_eq!(
        value("AWS_CONTAINER_CREDENTIALS_FULL_URI"),
        Some(json!(uri))
    );
    assert_eq!(
        value("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"),
        Some(json!(AGENT_TOKEN_FILE))
    );
    assert!(container["volumeMounts"]
        .as_array()
        .unwrap()
        .contains(&pod_identity_mount()));
    assert_eq!(server.terminate(), Some(0));
}

/// Signs and sends an EKS call as the world's admin.
async fn eks_call(
    server: &TestServer,
    method: &str,
    path: &str,
    body: &Value,
) -> crate::support::Reply {
    use crate::support::{send_request, sign, Keys, Unsigned};
    let body = if body.is_null() {
        Vec::new()
    } else {
        body.to_string().into_bytes()
    };
    let content_type = [("content-type", "application/json")];
    let request = Unsigned {
        method,
        base_url: &server.base_url,
        path_and_query: path,
        body: &body,
        service: "eks",
        headers: &content_type,
    };
    let admin = Keys {
        access_key_id: "test",
        secret: "test",
        session_token: None,
    };
    let headers = sign(&request, &admin, std::time::SystemTime::now());
    let headers: Vec<(&str, &str)> = headers
        .iter()
        .map(|(n, v)| (n.as_str(), v.as_str()))
        .collect();
    send_request(
        &format!("{}{path}", server.base_url),
        method,
        &headers,
        body,
    )
    .await
}

/// An association created through the EKS API changes the next pod's mutation, and
/// deleting it changes it back.
#[tokio::test]
async fn associations_made_through_the_eks_api_take_effect() {
    let mut world = crate::support::default_world();
    world["roles"].as_array_mut().unwrap().push(json!({
        "name": "pod-reader",
        "assumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"Service": "pods.eks.amazonaws.com"},
            "Action": ["sts:AssumeRole", "sts:TagSession"]}]}
    }));
    let server = TestServer::start_with_world(&world).await;
    let pod = pod("iam-test", json!(null), json!([{"name": "app"}]));
    let first_op = |answer: &Value| patch_of(answer).expect("patched")[0]["path"].clone();
    let answer = post(&server, "/mutate", &review("default", &pod)).await;
    assert_eq!(first_op(&answer), "/spec/volumes", "web identity first");

    let base = "/clusters/eksworkshop-eksctl/pod-identity-associations";
    let created = eks_call(
        &server,
        "POST",
        base,
        &json!({"namespace": "default", "serviceAccount": "iam-test",
                "roleArn": "arn:aws:iam::111122223333:role/pod-reader"}),
    )
    .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let id = created.json()["association"]["associationId"]
        .as_str()
        .unwrap()
        .to_owned();
    let answer = post(&server, "/mutate", &review("default", &pod)).await;
    assert_eq!(first_op(&answer), "/metadata/labels", "Pod Identity now");
    let patch = patch_of(&answer).unwrap();
    assert_eq!(
        patch[2]["value"][0]["env"],
        pod_identity_env("http://169.254.170.23:4772/v1/credentials")
    );

    let deleted = eks_call(&server, "DELETE", &format!("{base}/{id}"), &Value::Null).await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    let answer = post(&server, "/mutate", &review("default", &pod)).await;
    assert_eq!(first_op(&answer), "/spec/volumes", "web identity again");
}
