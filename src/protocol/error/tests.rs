use axum::http::StatusCode;

use super::*;
use crate::oidc::verify::TokenError;
use crate::s3::S3Error;

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
fn token_causes_map_to_aws_codes() {
    let cases = [
        ("length", TokenError::Length(3), "ValidationError", 400),
        (
            "unknown_issuer",
            TokenError::UnknownIssuer {
                issuer: "https://x".into(),
            },
            "InvalidIdentityToken",
            400,
        ),
        (
            "expired",
            TokenError::Expired {
                now: 2,
                expires_at: 1,
            },
            "ExpiredTokenException",
            400,
        ),
        (
            "bad_signature",
            TokenError::BadSignature { checked: 1 },
            "InvalidIdentityToken",
            400,
        ),
        (
            "unknown_kid",
            TokenError::UnknownKey { kid: "k".into() },
            "InvalidIdentityToken",
            400,
        ),
    ];
    for (name, cause, code, status) in cases {
        let error = AwsError::from(cause);
        assert_eq!(
            (error.code, error.status.as_u16()),
            (code, status),
            "case {name}"
        );
        assert!(!error.reason.is_empty(), "case {name}");
    }
    let expired = AwsError::from(TokenError::Expired {
        now: 1624482533,
        expires_at: 1624482335,
    });
    assert_eq!(expired.message, "Token expired: current date/time 1624482533 must be before the expiration date/time1624482335");
}

#[test]
fn s3_error_documents_are_exact() {
    let cases = [
        (
            "no_such_bucket_names_the_bucket",
            S3Error::NoSuchBucket { bucket: "my-bucket".into() },
            "/my-bucket",
            "<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><BucketName>my-bucket</BucketName><Resource>/my-bucket</Resource><RequestId>REQ1</RequestId></Error>",
        ),
        (
            "no_such_key_escapes_the_key",
            S3Error::NoSuchKey { bucket: "b".into(), key: "a&b<c>".into() },
            "/b/a&b<c>",
            "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>a&amp;b&lt;c&gt;</Key><Resource>/b/a&amp;b&lt;c&gt;</Resource><RequestId>REQ1</RequestId></Error>",
        ),
        (
            "invalid_range_reports_size",
            S3Error::InvalidRange { range: "bytes=10-".into(), size: 5 },
            "/b/k",
            "<Error><Code>InvalidRange</Code><Message>The requested range is not satisfiable</Message><RangeRequested>bytes=10-</RangeRequested><ActualObjectSize>5</ActualObjectSize><Resource>/b/k</Resource><RequestId>REQ1</RequestId></Error>",
        ),
        (
            "internal_hides_the_cause",
            S3Error::Internal("disk on fire".into()),
            "/",
            "<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message><Resource>/</Resource><RequestId>REQ1</RequestId></Error>",
        ),
    ];
    for (name, error, resource, body) in cases {
        let want = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>{body}");
        let got = AwsError::from(&error).s3_body(resource, "REQ1");
        assert_eq!(got, want, "case {name}");
    }
}

#[test]
fn reasons_are_made_header_safe() {
    assert_eq!(header_safe("a\nb\u{e9}c"), "a?b?c");
    assert_eq!(header_safe(&"x".repeat(5000)).len(), 1024);
}
