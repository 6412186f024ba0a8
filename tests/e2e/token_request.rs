//! TokenRequest and ServiceAccount: claims field by field against REFERENCE 8.1, and the
//! Status objects for what kube-apiserver refuses.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use crate::support::{jwt_part, TestServer, FIXTURE_KID, ISSUER};

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Each row: claim path, expected value (or a check).
#[tokio::test]
async fn decoded_token_matches_the_kubernetes_claims_table() {
    let server = TestServer::start().await;
    let before = now();
    let reply = server
        .token_request(
            "default",
            "iam-test",
            json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest",
                   "spec": {"audiences": ["sts.amazonaws.com"], "expirationSeconds": 86400,
                            "boundObjectRef": {"kind": "Pod", "apiVersion": "v1", "name": "my-pod", "uid": "pod-uid-1"}}}),
        )
        .await;
    assert_eq!(reply.status, 201, "{}", reply.body);
    let body = reply.json();
    let token = body["status"]["token"].as_str().unwrap();
    let header = jwt_part(token, 0);
    let claims = jwt_part(token, 1);
    let iat = claims["iat"].as_u64().unwrap();

    assert_eq!(
        header,
        json!({"alg": "RS256", "kid": FIXTURE_KID.trim()}),
        "header: alg and kid, no typ"
    );
    let keys: Vec<&str> = claims
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(
        keys,
        [
            "aud",
            "exp",
            "iat",
            "iss",
            "jti",
            "kubernetes.io",
            "nbf",
            "sub"
        ],
        "claim order"
    );
    let rows: [(&str, Value); 10] = [
        ("aud", json!(["sts.amazonaws.com"])),
        ("exp", json!(iat + 86_400)),
        ("nbf", json!(iat)),
        ("iss", json!(ISSUER)),
        ("sub", json!("system:serviceaccount:default:iam-test")),
        (
            "kubernetes.io",
            json!({
                "namespace": "default",
                "pod": {"name": "my-pod", "uid": "pod-uid-1"},
                "serviceaccount": {"name": "iam-test", "uid": "3e4f5a6b-7c8d-4e9f-8a0b-1c2d3e4f5a6b"},
            }),
        ),
        (
            "status.expirationTimestamp",
            json!(irsa_local::clock::rfc3339(iat + 86_400)),
        ),
        ("spec.audiences", json!(["sts.amazonaws.com"])),
        ("spec.expirationSeconds", json!(86_400)),
        ("metadata.name", json!("iam-test")),
    ];
    for (path, want) in rows {
        let got = if let Some(rest) = path.strip_prefix("status.") {
            body["status"][rest].clone()
        } else if let Some(rest) = path.strip_prefix("spec.") {
            body["spec"][rest].clone()
        } else if let Some(rest) = path.strip_prefix("metadata.") {
            body["metadata"][rest].clone()
        } else {
            claims[path].clone()
        };
        assert_eq!(got, want, "row {path}");
    }
    assert!((before..=now()).contains(&iat), "iat is now");
    let jti = claims["jti"].as_str().unwrap();
    assert_eq!((jti.len(), &jti[14..15]), (36, "4"), "jti is a random UUID");
    assert_eq!(body["kind"], "TokenRequest");
    assert_eq!(body["apiVersion"], "authentication.k8s.io/v1");
}

#[tokio::test]
async fn defaults_follow_kube_apiserver() {
    let server = TestServer::start().await;
    let cases = [
        (
            "empty_spec_gets_api_audience_and_an_hour",
            json!({}),
            json!(["https://kubernetes.default.svc"]),
            3600,
        ),
        (
            "explicit_audiences_kept",
            json!({"spec": {"audiences": ["a", "b"]}}),
            json!(["a", "b"]),
            3600,
        ),
        (
            "minimum_lifetime_accepted",
            json!({"spec": {"expirationSeconds": 600}}),
            json!(["https://kubernetes.default.svc"]),
            600,
        ),
    ];
    for (name, body, audiences, lifetime) in cases {
        let reply = server.token_request("default", "iam-test", body).await;
        assert_eq!(reply.status, 201, "case {name}: {}", reply.body);
        let claims = jwt_part(reply.json()["status"]["token"].as_str().unwrap(), 1);
        assert_eq!(claims["aud"], audiences, "case {name}");
        assert_eq!(
            claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
            lifetime,
            "case {name}"
        );
    }
}

#[tokio::test]
async fn undeclared_service_accounts_get_a_stable_derived_uid() {
    let server = TestServer::start().await;
    let mut uids = Vec::new();
    for _ in 0..2 {
        let reply = server.token_request("other-ns", "someone", json!({})).await;
        assert_eq!(reply.status, 201, "{}", reply.body);
        let claims = jwt_part(reply.json()["status"]["token"].as_str().unwrap(), 1);
        assert_eq!(claims["sub"], "system:serviceaccount:other-ns:someone");
        uids.push(
            claims["kubernetes.io"]["serviceaccount"]["uid"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    assert_eq!(uids[0], uids[1]);
    assert_eq!(uids[0].len(), 36);
}

#[tokio::test]
async fn service_accounts_read_back_with_annotations() {
    let server = TestServer::start().await;
    let reply = server
        .get("/api/v1/namespaces/default/serviceaccounts/iam-test")
        .await;
    assert_eq!(reply.status, 200);
    let body = reply.json();
    assert_eq!(body["kind"], "ServiceAccount");
    assert_eq!(body["apiVersion"], "v1");
    assert_eq!(body["metadata"]["namespace"], "default");
    assert_eq!(
        body["metadata"]["uid"],
        "3e4f5a6b-7c8d-4e9f-8a0b-1c2d3e4f5a6b"
    );
    assert_eq!(
        body["metadata"]["annotations"]["eks.amazonaws.com/role-arn"],
        "arn:aws:iam::111122223333:role/iam-test"
    );
}

/// What kube-apiserver refuses, with its status code and Status reason.
#[tokio::test]
async fn refused_token_requests_answer_with_kubernetes_status() {
    let server = TestServer::start().await;
    let cases = [
        (
            "lifetime_below_ten_minutes",
            "default",
            "iam-test",
            json!({"spec": {"expirationSeconds": 599}}),
            422,
            "Invalid",
            "may not specify a duration less than 10 minutes",
        ),
        (
            "lifetime_over_2_32",
            "default",
            "iam-test",
            json!({"spec": {"expirationSeconds": 4_294_967_297_i64}}),
            422,
            "Invalid",
            "larger than 2^32",
        ),
        (
            "negative_lifetime",
            "default",
            "iam-test",
            json!({"spec": {"expirationSeconds": -1}}),
            422,
            "Invalid",
            "less than 10 minutes",
        ),
        (
            "bound_without_name",
            "default",
            "iam-test",
            json!({"spec": {"boundObjectRef": {"kind": "Pod", "apiVersion": "v1"}}}),
            422,
            "Invalid",
            "spec.boundObjectRef.name: Required value",
        ),
        (
            "bound_to_a_deployment",
            "default",
            "iam-test",
            json!({"spec": {"boundObjectRef": {"kind": "Deployment", "apiVersion": "apps/v1", "name": "d"}}}),
            400,
            "BadRequest",
            "cannot bind token",
        ),
        (
            "wrong_kind",
            "default",
            "iam-test",
            json!({"kind": "Pod", "apiVersion": "v1"}),
            400,
            "BadRequest",
            "expected TokenRequest",
        ),
        (
            "audiences_not_a_list",
            "default",
            "iam-test",
            json!({"spec": {"audiences": "sts.amazonaws.com"}}),
            400,
            "BadRequest",
            "spec.audiences: invalid type",
        ),
        (
            "uppercase_namespace",
            "Default",
            "iam-test",
            json!({}),
            400,
            "BadRequest",
            "RFC 1123 label",
        ),
        (
            "underscore_in_name",
            "default",
            "iam_test",
            json!({}),
            400,
            "BadRequest",
            "RFC 1123 subdomain",
        ),
        (
            "namespace_too_long",
            &"n".repeat(64),
            "iam-test",
            json!({}),
            400,
            "BadRequest",
            "no more than 63",
        ),
    ];
    for (name, namespace, account, body, status, reason, message) in cases {
        let reply = server.token_request(namespace, account, body).await;
        assert_eq!(reply.status, status, "case {name}: {}", reply.body);
        let got = reply.json();
        assert_eq!(got["kind"], "Status", "case {name}");
        assert_eq!(got["status"], "Failure", "case {name}");
        assert_eq!(got["code"], status, "case {name}");
        assert_eq!(got["reason"], reason, "case {name}");
        assert!(
            got["message"].as_str().unwrap().contains(message),
            "case {name}: {}",
            got["message"]
        );
    }
    assert_eq!(
        server.get("/_irsa/health").await.status,
        200,
        "still serving"
    );
}
