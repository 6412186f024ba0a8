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
