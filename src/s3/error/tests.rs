use std::io;

use super::*;

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
        ("invalid_md5", S3Error::InvalidDigest, "InvalidDigest", 400),
        (
            "md5_mismatch",
            S3Error::ContentMd5Mismatch {
                expected: "a".into(),
                calculated: "b".into(),
            },
            "BadDigest",
            400,
        ),
        (
            "no_integrity_header",
            S3Error::MissingIntegrityHeader,
            "InvalidRequest",
            400,
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
