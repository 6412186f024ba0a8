//! Inputs a client should never send: each gets a Kubernetes Status (or, off the
//! Kubernetes paths, S3's refusal of an anonymous caller) with the right code, and the
//! server keeps serving.

use crate::support::TestServer;

const TOKEN_PATH: &str = "/api/v1/namespaces/default/serviceaccounts/iam-test/token";

#[tokio::test]
async fn bad_requests_get_status_objects_and_the_server_keeps_serving() {
    let server = TestServer::start().await;
    let oversized = format!(
        r#"{{"spec":{{"audiences":["{}"]}}}}"#,
        "a".repeat(3_200_000)
    )
    .into_bytes();
    // (name, method, path, content type, body, status, Status reason, or None for an S3 error)
    type Case<'a> = (
        &'a str,
        &'a str,
        &'a str,
        Option<&'a str>,
        Vec<u8>,
        u16,
        Option<&'a str>,
    );
    let cases: Vec<Case> = vec![
        (
            "malformed_json",
            "POST",
            TOKEN_PATH,
            Some("application/json"),
            b"{\"spec\":".to_vec(),
            400,
            Some("BadRequest"),
        ),
        (
            "json_array",
            "POST",
            TOKEN_PATH,
            Some("application/json"),
            b"[1,2]".to_vec(),
            400,
            Some("BadRequest"),
        ),
        (
            "invalid_utf8",
            "POST",
            TOKEN_PATH,
            Some("application/json"),
            vec![0xff, 0xfe, 0x7b],
            400,
            Some("BadRequest"),
        ),
        (
            "oversized_body",
            "POST",
            TOKEN_PATH,
            Some("application/json"),
            oversized,
            413,
            Some("RequestEntityTooLarge"),
        ),
        (
            "form_content_type",
            "POST",
            TOKEN_PATH,
            Some("application/x-www-form-urlencoded"),
            b"spec=1".to_vec(),
            415,
            Some("UnsupportedMediaType"),
        ),
        (
            "get_on_token",
            "GET",
            TOKEN_PATH,
            None,
            Vec::new(),
            405,
            Some("MethodNotAllowed"),
        ),
        (
            "undeclared_service_account",
            "GET",
            "/api/v1/namespaces/default/serviceaccounts/nobody",
            None,
            Vec::new(),
            404,
            Some("NotFound"),
        ),
        (
            "unknown_api_path",
            "GET",
            "/api/v1/replicationcontrollers",
            None,
            Vec::new(),
            404,
            Some("NotFound"),
        ),
        (
            "unknown_unsigned_path_is_anonymous_s3",
            "GET",
            "/nothing/here",
            None,
            Vec::new(),
            403,
            None,
        ),
        (
            "post_on_discovery",
            "POST",
            "/.well-known/openid-configuration",
            None,
            Vec::new(),
            405,
            Some("MethodNotAllowed"),
        ),
    ];
    for (name, method, path, content_type, body, status, reason) in cases {
        let reply = server.send(method, path, content_type, body).await;
        assert_eq!(reply.status, status, "case {name}: {}", reply.body);
        match reason {
            Some(reason) => {
                let json = reply.json();
                assert_eq!(json["kind"], "Status", "case {name}");
                assert_eq!(json["reason"], reason, "case {name}");
                assert_eq!(json["code"], status, "case {name}");
            }
            None => assert!(
                reply.body.contains("<Code>AccessDenied</Code>"),
                "case {name}: {}",
                reply.body
            ),
        }
        assert!(
            reply
                .header("x-amzn-requestid")
                .or(reply.header("x-amz-request-id"))
                .is_some(),
            "case {name}: request id (S3 names it x-amz-request-id)"
        );
        assert_eq!(
            server.get("/_irsa/health").await.status,
            200,
            "case {name}: still serving"
        );
    }
}

#[tokio::test]
async fn an_empty_body_is_an_empty_token_request() {
    let server = TestServer::start().await;
    for content_type in [None, Some("application/json")] {
        let reply = server
            .send("POST", TOKEN_PATH, content_type, Vec::new())
            .await;
        assert_eq!(reply.status, 201, "{content_type:?}: {}", reply.body);
    }
}
