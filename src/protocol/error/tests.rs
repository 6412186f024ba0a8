use axum::http::StatusCode;

use super::*;

#[test]
fn error_response_has_the_query_envelope() {
    let error = AwsError::sender(
        "InvalidIdentityToken",
        StatusCode::BAD_REQUEST,
        "No <provider> & more",
    );
    assert_eq!(
        error.query_body("https://sts.amazonaws.com/doc/2011-06-15/", "req-1"),
        concat!(
            r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error>"#,
            "<Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>No &lt;provider&gt; &amp; more</Message>",
            "</Error><RequestId>req-1</RequestId></ErrorResponse>"
        )
    );
    let server_fault = AwsError::sender("InternalFailure", StatusCode::INTERNAL_SERVER_ERROR, "x");
    assert_eq!(server_fault.fault_type(), "Receiver");
}

#[test]
fn reasons_are_made_header_safe() {
    assert_eq!(header_safe("a\nb\u{e9}c"), "a?b?c");
    assert_eq!(header_safe(&"x".repeat(5000)).len(), 1024);
}

/// Every S3 error carries a host id, the same in the `x-amz-id-2` header and the body's
/// `HostId`, and a new one for each answer (S3's is base64 of 56 bytes).
#[test]
fn s3_errors_carry_a_host_id_in_header_and_body() {
    use base64::Engine;

    let error = AwsError::sender(
        "NoSuchKey",
        StatusCode::NOT_FOUND,
        "The specified key does not exist.",
    );
    let host_id = |response: &Response| {
        response
            .headers()
            .get("x-amz-id-2")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned)
            .expect("x-amz-id-2")
    };
    let first = error.s3_response("/b/k", "REQ1", false);
    let second = error.s3_response("/b/k", "REQ1", false);
    let (first_id, second_id) = (host_id(&first), host_id(&second));
    assert_ne!(first_id, second_id, "one host id per answer");
    let decoded = base64::engine::general_purpose::STANDARD.decode(&first_id);
    assert_eq!(decoded.map(|bytes| bytes.len()), Ok(56), "{first_id}");
    assert!(
        error.s3_body("/b/k", "REQ1", &first_id).ends_with(&format!(
            "<RequestId>REQ1</RequestId><HostId>{first_id}</HostId></Error>"
        )),
        "the body's HostId is the header's"
    );
    let head = error.s3_response("/b/k", "REQ1", true);
    assert!(
        head.headers().contains_key("x-amz-id-2"),
        "a HEAD answer has it too"
    );
}
