//! Discovery and JWKS as a relying party sees them.

use serde_json::json;

use crate::support::{verified_claims, TestServer, FIXTURE_KID, ISSUER};

#[tokio::test]
async fn discovery_documents_have_the_eks_shape_at_both_paths() {
    let server = TestServer::start().await;
    let cases = [
        (
            "root",
            "/.well-known/openid-configuration",
            format!("{}/keys", server.base_url),
        ),
        (
            "issuer_id",
            "/id/80D562ED8026E91294D52E09BEA261D4/.well-known/openid-configuration",
            format!(
                "{}/id/80D562ED8026E91294D52E09BEA261D4/keys",
                server.base_url
            ),
        ),
    ];
    for (name, path, jwks_uri) in cases {
        let reply = server.get(path).await;
        assert_eq!(reply.status, 200, "case {name}");
        assert_eq!(
            reply.header("content-type"),
            Some("application/json"),
            "case {name}"
        );
        assert_eq!(
            reply.header("cache-control"),
            Some("public, max-age=3600"),
            "case {name}"
        );
        assert_eq!(
            reply.json(),
            json!({
                "issuer": ISSUER,
                "jwks_uri": jwks_uri,
                "authorization_endpoint": "urn:kubernetes:programmatic_authorization",
                "response_types_supported": ["id_token"],
                "subject_types_supported": ["public"],
                "claims_supported": ["sub", "iss"],
                "id_token_signing_alg_values_supported": ["RS256"],
            }),
            "case {name}"
        );
    }
}

#[tokio::test]
async fn jwks_is_served_at_every_documented_path() {
    let server = TestServer::start().await;
    for path in [
        "/keys",
        "/openid/v1/jwks",
        "/id/80D562ED8026E91294D52E09BEA261D4/keys",
    ] {
        let reply = server.get(path).await;
        assert_eq!(reply.status, 200, "{path}");
        assert_eq!(
            reply.header("content-type"),
            Some("application/jwk-set+json"),
            "{path}"
        );
        assert_eq!(
            reply.header("cache-control"),
            Some("public, max-age=3600"),
            "{path}"
        );
        let keys = reply.json()["keys"].clone();
        assert_eq!(keys.as_array().map(Vec::len), Some(1), "{path}");
        let key = &keys[0];
        assert_eq!(key["kid"], FIXTURE_KID.trim(), "{path}");
        assert_eq!(
            (
                key["kty"].as_str(),
                key["alg"].as_str(),
                key["use"].as_str()
            ),
            (Some("RSA"), Some("RS256"), Some("sig"))
        );
        assert_eq!(key["e"], "AQAB");
    }
}

#[tokio::test]
async fn an_unknown_issuer_id_is_404() {
    let server = TestServer::start().await;
    for path in ["/id/NOPE/keys", "/id/NOPE/.well-known/openid-configuration"] {
        assert_eq!(server.get(path).await.status, 404, "{path}");
    }
}

#[tokio::test]
async fn public_url_is_built_from_the_host_header() {
    let server = TestServer::start().await;
    // hyper sends Host: 127.0.0.1:<port>, so jwks_uri follows the address the client used.
    let doc = server.get("/.well-known/openid-configuration").await.json();
    assert_eq!(doc["jwks_uri"], format!("{}/keys", server.base_url));
}

/// A relying party in Rust: fetch discovery, then the JWKS it names, then verify a minted
/// token with jsonwebtoken against issuer and audience.
#[tokio::test]
async fn a_minted_token_verifies_through_discovery_and_jwks() {
    let server = TestServer::start().await;
    let token = server
        .token_request(
            "default",
            "iam-test",
            json!({"spec": {"audiences": ["sts.amazonaws.com"]}}),
        )
        .await
        .json()["status"]["token"]
        .as_str()
        .expect("token")
        .to_owned();
    let claims = verified_claims(&server.base_url, &token, "sts.amazonaws.com")
        .await
        .expect("verifies");
    assert_eq!(claims["sub"], "system:serviceaccount:default:iam-test");
    assert!(
        verified_claims(&server.base_url, &token, "someone-else")
            .await
            .is_none(),
        "another audience does not verify"
    );
}
