//! ServiceAccounts over HTTP: create, read, list, merge-patch, delete, on the default
//! cluster's paths and under `/k8s/<cluster>`; changes survive a restart and `--reset`
//! forgets them.

use serde_json::json;

use crate::support::{jwt_part, send, ServerProcess, TestServer, DEFAULT_CLUSTER};

const ACCOUNTS: &str = "/api/v1/namespaces/apps/serviceaccounts";

async fn post_json(base_url: &str, path: &str, body: serde_json::Value) -> crate::support::Reply {
    send(
        &format!("{base_url}{path}"),
        "POST",
        Some("application/json"),
        body.to_string().into_bytes(),
    )
    .await
}

#[tokio::test]
async fn create_patch_list_delete() {
    let server = TestServer::start().await;
    let created = post_json(
        &server.base_url,
        ACCOUNTS,
        json!({"apiVersion": "v1", "kind": "ServiceAccount",
               "metadata": {"name": "reader", "labels": {"team": "a"}}}),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    let uid = created.json()["metadata"]["uid"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(created.json()["metadata"]["namespace"], "apps");

    let again = post_json(
        &server.base_url,
        ACCOUNTS,
        json!({"metadata": {"name": "reader"}}),
    )
    .await;
    assert_eq!(again.status, 409);
    assert_eq!(again.json()["reason"], "AlreadyExists");

    let role = "arn:aws:iam::111122223333:role/reader";
    let patched = server
        .send(
            "PATCH",
            &format!("{ACCOUNTS}/reader"),
            Some("application/merge-patch+json"),
            json!({"metadata": {"annotations": {"eks.amazonaws.com/role-arn": role}}})
                .to_string()
                .into_bytes(),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.body);
    let read = server.get(&format!("{ACCOUNTS}/reader")).await.json();
    assert_eq!(
        read["metadata"]["annotations"]["eks.amazonaws.com/role-arn"],
        role
    );
    assert_eq!(read["metadata"]["labels"]["team"], "a");
    assert_eq!(read["metadata"]["uid"], uid.as_str());

    // A token for the created account carries its stored uid.
    let token = server
        .token_request(
            "apps",
            "reader",
            json!({"spec": {"audiences": ["sts.amazonaws.com"]}}),
        )
        .await;
    let token = token.json()["status"]["token"].as_str().unwrap().to_owned();
    assert_eq!(
        jwt_part(&token, 1)["kubernetes.io"]["serviceaccount"]["uid"],
        uid.as_str()
    );

    let listed = server.get(ACCOUNTS).await.json();
    assert_eq!(listed["kind"], "ServiceAccountList");
    // Every namespace also has its default account.
    assert_eq!(listed["items"][0]["metadata"]["name"], "default");
    assert_eq!(listed["items"][1]["metadata"]["name"], "reader");

    let deleted = server
        .send("DELETE", &format!("{ACCOUNTS}/reader"), None, Vec::new())
        .await;
    assert_eq!(deleted.status, 200);
    assert_eq!(server.get(&format!("{ACCOUNTS}/reader")).await.status, 404);
}

/// (case, method, path, content type, body, expected HTTP status)
type RefusalCase = (
    &'static str,
    &'static str,
    &'static str,
    Option<&'static str>,
    String,
    u16,
);

#[tokio::test]
async fn refusals_are_kubernetes_statuses() {
    let server = TestServer::start().await;
    let path = "/api/v1/namespaces/default/serviceaccounts/iam-test";
    let cases: Vec<RefusalCase> = vec![
        (
            "json_patch_unsupported",
            "PATCH",
            path,
            Some("application/json-patch+json"),
            "[]".into(),
            415,
        ),
        ("patch_without_type", "PATCH", path, None, "{}".into(), 415),
        (
            "patch_unknown_account",
            "PATCH",
            "/api/v1/namespaces/default/serviceaccounts/nobody",
            Some("application/merge-patch+json"),
            "{}".into(),
            404,
        ),
        (
            "create_bad_json",
            "POST",
            "/api/v1/namespaces/default/serviceaccounts",
            Some("application/json"),
            "{".into(),
            400,
        ),
        (
            "create_invalid_name",
            "POST",
            "/api/v1/namespaces/default/serviceaccounts",
            Some("application/json"),
            r#"{"metadata":{"name":"Bad_Name"}}"#.into(),
            422,
        ),
        (
            "create_unknown_field_strict",
            "POST",
            "/api/v1/namespaces/default/serviceaccounts?fieldValidation=Strict",
            Some("application/json"),
            r#"{"metadata":{"name":"typo"},"automountServiceAcountToken":false}"#.into(),
            400,
        ),
        (
            "create_mistyped_field",
            "POST",
            "/api/v1/namespaces/default/serviceaccounts",
            Some("application/json"),
            r#"{"metadata":{"name":"typo","labels":["a"]}}"#.into(),
            400,
        ),
        (
            "create_unknown_directive",
            "POST",
            "/api/v1/namespaces/default/serviceaccounts?fieldValidation=Loud",
            Some("application/json"),
            r#"{"metadata":{"name":"typo"}}"#.into(),
            400,
        ),
        (
            "create_unknown_dry_run",
            "POST",
            "/api/v1/namespaces/default/serviceaccounts?dryRun=Some",
            Some("application/json"),
            r#"{"metadata":{"name":"typo"}}"#.into(),
            400,
        ),
        (
            "pod_unknown_field_strict",
            "POST",
            "/api/v1/namespaces/default/pods?fieldValidation=Strict",
            Some("application/json"),
            r#"{"metadata":{"name":"p"},"spec":{"containers":[{"name":"c","image":"x"}],"restartPolicyy":"Never"}}"#.into(),
            400,
        ),
        (
            "namespace_unknown_field_strict",
            "POST",
            "/api/v1/namespaces?fieldValidation=Strict",
            Some("application/json"),
            r#"{"metadata":{"name":"n"},"spec":{"finalisers":[]}}"#.into(),
            400,
        ),
        (
            "unknown_cluster",
            "GET",
            "/k8s/nope/api/v1/namespaces/default/serviceaccounts/iam-test",
            None,
            String::new(),
            404,
        ),
        (
            "put_not_allowed",
            "PUT",
            path,
            Some("application/json"),
            "{}".into(),
            405,
        ),
    ];
    for (name, method, path, content_type, body, status) in cases {
        let reply = server
            .send(method, path, content_type, body.into_bytes())
            .await;
        assert_eq!(reply.status, status, "case {name}: {}", reply.body);
        assert_eq!(reply.json()["kind"], "Status", "case {name}");
    }
    // The server still serves, and no refused create stored anything.
    assert_eq!(server.get(path).await.status, 200);
    for refused in [
        "/api/v1/namespaces/default/serviceaccounts/typo",
        "/api/v1/namespaces/default/pods/p",
        "/api/v1/namespaces/n",
    ] {
        assert_eq!(server.get(refused).await.status, 404, "{refused}");
    }
}

#[tokio::test]
async fn an_unknown_field_is_warned_about_and_dropped_by_default() {
    let server = TestServer::start().await;
    let created = server
        .send(
            "POST",
            "/api/v1/namespaces/default/serviceaccounts",
            Some("application/json"),
            br#"{"metadata":{"name":"warned"},"automountServiceAcountToken":false}"#.to_vec(),
        )
        .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(
        created.header("warning"),
        Some(r#"299 - "unknown field \"automountServiceAcountToken\"""#)
    );
    assert!(created.json().get("automountServiceAcountToken").is_none());
}

#[tokio::test]
async fn every_cluster_answers_under_its_prefix() {
    let server = TestServer::start().await;
    let prefixed =
        format!("/k8s/{DEFAULT_CLUSTER}/api/v1/namespaces/default/serviceaccounts/iam-test");
    let reply = server.get(&prefixed).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.json()["metadata"]["name"], "iam-test");
    let token = server
        .send("POST", &format!("{prefixed}/token"), None, Vec::new())
        .await;
    assert_eq!(token.status, 201, "{}", token.body);
}

#[tokio::test]
async fn changes_survive_a_restart_and_reset_forgets_them() {
    let data_dir = tempfile::tempdir().unwrap();
    let data = data_dir.path().to_str().unwrap();
    let server = ServerProcess::start(&["--data-dir", data]);
    let created = post_json(
        &server.base_url,
        ACCOUNTS,
        json!({"metadata": {"name": "kept"}}),
    )
    .await;
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(server.terminate(), Some(0));

    let restarted = ServerProcess::start(&["--data-dir", data]);
    assert_eq!(restarted.get(&format!("{ACCOUNTS}/kept")).await.status, 200);
    assert_eq!(restarted.terminate(), Some(0));

    let reset = ServerProcess::start(&["--data-dir", data, "--reset"]);
    assert_eq!(reset.get(&format!("{ACCOUNTS}/kept")).await.status, 404);
    let seeded = reset
        .get("/api/v1/namespaces/default/serviceaccounts/iam-test")
        .await;
    assert_eq!(seeded.status, 200);
}

#[tokio::test]
async fn typed_clients_get_protobuf_and_others_json() {
    let server = TestServer::start().await;
    let url = format!(
        "{}/api/v1/namespaces/default/serviceaccounts/iam-test",
        server.base_url
    );
    let cases = [
        (
            "client_go_typed",
            "application/vnd.kubernetes.protobuf,application/json",
            "application/vnd.kubernetes.protobuf",
        ),
        (
            "kubectl_dynamic",
            "application/json, */*",
            "application/json",
        ),
    ];
    for (name, accept, answered) in cases {
        let reply =
            crate::support::send_request(&url, "GET", &[("accept", accept)], Vec::new()).await;
        assert_eq!(reply.status, 200, "case {name}");
        assert_eq!(reply.header("content-type"), Some(answered), "case {name}");
        if answered.contains("protobuf") {
            assert!(reply.body.starts_with("k8s\0"), "case {name}");
        } else {
            assert_eq!(reply.json()["metadata"]["name"], "iam-test", "case {name}");
        }
    }
    // A kind without a protobuf answer here is JSON whatever is asked.
    let pods = format!("{}/api/v1/namespaces/default/pods", server.base_url);
    let accept = [(
        "accept",
        "application/vnd.kubernetes.protobuf,application/json",
    )];
    let reply = crate::support::send_request(&pods, "GET", &accept, Vec::new()).await;
    assert_eq!(reply.header("content-type"), Some("application/json"));
}

#[tokio::test]
async fn annotations_are_bounded_as_kube_apiserver_bounds_them() {
    let server = TestServer::start().await;
    // 100 KB of annotations is within Kubernetes' 256 KiB (and the 3 MiB body limit).
    let fits = post_json(
        &server.base_url,
        ACCOUNTS,
        json!({"metadata": {"name": "annotated", "annotations": {"note": "x".repeat(100_000)}}}),
    )
    .await;
    assert_eq!(fits.status, 201, "{:.300}", fits.body);
    let over = post_json(
        &server.base_url,
        ACCOUNTS,
        json!({"metadata": {"name": "over", "annotations": {"note": "x".repeat(262_144)}}}),
    )
    .await;
    assert_eq!(over.status, 422, "{:.300}", over.body);
    let status = over.json();
    assert_eq!(
        status["message"],
        "ServiceAccount \"over\" is invalid: metadata.annotations: Too long: must have at most 262144 bytes"
    );
    assert_eq!(
        status["details"]["causes"][0]["reason"],
        "FieldValueTooLong"
    );
}
