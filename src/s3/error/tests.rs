use std::io;

use super::*;

#[test]
fn error_documents_are_exact() {
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
        let want = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n{body}");
        let got = String::from_utf8(error.to_xml(resource, "REQ1")).unwrap();
        assert_eq!(got, want, "case {name}");
    }
}

#[test]
fn codes_and_statuses() {
    let cases = [
        (
            "not_empty",
            S3Error::BucketNotEmpty { bucket: "b".into() },
            "BucketNotEmpty",
            409,
        ),
        (
            "owned",
            S3Error::BucketAlreadyOwnedByYou { bucket: "b".into() },
            "BucketAlreadyOwnedByYou",
            409,
        ),
        (
            "illegal_location",
            S3Error::IllegalLocationConstraint {
                constraint: None,
                region: "us-west-2".into(),
            },
            "IllegalLocationConstraintException",
            400,
        ),
        (
            "invalid_location",
            S3Error::InvalidLocationConstraint {
                constraint: "us-east-1".into(),
            },
            "InvalidLocationConstraint",
            400,
        ),
        (
            "too_large",
            S3Error::EntityTooLarge { size: 2, max: 1 },
            "EntityTooLarge",
            400,
        ),
        (
            "key_too_long",
            S3Error::KeyTooLong { length: 1025 },
            "KeyTooLong",
            400,
        ),
        (
            "range",
            S3Error::InvalidRange {
                range: "bytes=9-".into(),
                size: 1,
            },
            "InvalidRange",
            416,
        ),
        (
            "precondition",
            S3Error::PreconditionFailed {
                condition: "If-Match",
            },
            "PreconditionFailed",
            412,
        ),
        (
            "not_implemented",
            S3Error::NotImplemented {
                description: "x".into(),
            },
            "NotImplemented",
            501,
        ),
        (
            "method",
            S3Error::MethodNotAllowed {
                method: "PATCH".into(),
                resource_type: "OBJECT",
            },
            "MethodNotAllowed",
            405,
        ),
        (
            "storage",
            S3Error::Storage {
                context: "x".into(),
                source: io::Error::other("y"),
            },
            "InternalError",
            500,
        ),
    ];
    for (name, error, code, status) in cases {
        assert_eq!(
            (error.code(), error.status()),
            (code, status),
            "case {name}"
        );
    }
}

#[test]
fn illegal_location_message_names_the_constraint() {
    let unspecified = S3Error::IllegalLocationConstraint {
        constraint: None,
        region: "us-west-2".into(),
    };
    assert!(unspecified
        .message()
        .starts_with("The unspecified location constraint"));
    let named = S3Error::IllegalLocationConstraint {
        constraint: Some("eu-west-1".into()),
        region: "us-west-2".into(),
    };
    assert!(named
        .message()
        .starts_with("The eu-west-1 location constraint"));
    let range = S3Error::InvalidRange {
        range: "bytes=9-".into(),
        size: 3,
    };
    assert_eq!(
        range.headers(),
        vec![("content-range".to_owned(), "bytes */3".to_owned())]
    );
}
