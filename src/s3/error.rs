//! Why an S3 request failed. Each variant names a cause; [`S3Error::code`],
//! [`S3Error::status`] and [`S3Error::message`] are the one place a cause becomes S3's
//! code, HTTP status and message, and [`S3Error::to_xml`] renders S3's error document.
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html>

use std::io;

use serde::Serialize;

use super::wire::xml_document;

/// Longest key S3 accepts, in UTF-8 bytes.
pub const MAX_KEY_BYTES: usize = 1024;
/// Largest total of user-defined metadata (names and values), in bytes.
pub const MAX_METADATA_BYTES: usize = 2048;

/// An S3 failure, by cause.
#[derive(Debug, thiserror::Error)]
pub enum S3Error {
    #[error("bucket {bucket} does not exist")]
    NoSuchBucket { bucket: String },
    #[error("key {key:?} does not exist in bucket {bucket}")]
    NoSuchKey { bucket: String, key: String },
    #[error("bucket {bucket} already exists and belongs to this account")]
    BucketAlreadyOwnedByYou { bucket: String },
    #[error("bucket {bucket} still holds objects")]
    BucketNotEmpty { bucket: String },
    #[error("{bucket:?} is not a valid bucket name: {reason}")]
    InvalidBucketName {
        bucket: String,
        reason: &'static str,
    },
    #[error("location constraint {constraint:?} does not match this endpoint's region {region}")]
    IllegalLocationConstraint {
        constraint: Option<String>,
        region: String,
    },
    #[error("location constraint {constraint:?} is not valid")]
    InvalidLocationConstraint { constraint: String },
    #[error("malformed XML body: {0}")]
    MalformedXml(String),
    #[error("invalid {name} {value:?}: {message}")]
    InvalidArgument {
        name: &'static str,
        value: String,
        message: &'static str,
    },
    #[error("invalid request: {message}")]
    InvalidRequest { message: String },
    #[error("range {range:?} is not satisfiable for an object of {size} bytes")]
    InvalidRange { range: String, size: u64 },
    #[error("object of {size} bytes exceeds the limit of {max} bytes")]
    EntityTooLarge { size: u64, max: u64 },
    #[error("key of {length} bytes exceeds {MAX_KEY_BYTES} bytes")]
    KeyTooLong { length: usize },
    #[error("user metadata of {size} bytes exceeds {MAX_METADATA_BYTES} bytes")]
    MetadataTooLarge { size: usize },
    #[error("precondition {condition} did not hold")]
    PreconditionFailed { condition: &'static str },
    #[error("cannot decode the request path {uri:?}")]
    InvalidUri { uri: String },
    #[error("ACL {acl:?} refused: buckets enforce bucket-owner object ownership")]
    AccessControlListNotSupported { acl: String },
    #[error("bucket ACL {acl:?} refused: new buckets enforce bucket-owner object ownership")]
    InvalidBucketAclWithObjectOwnership { acl: String },
    #[error("the {algorithm} checksum in the request does not match the body")]
    BadDigest { algorithm: &'static str },
    #[error("method {method} is not allowed on a {resource_type}")]
    MethodNotAllowed {
        method: String,
        resource_type: &'static str,
    },
    #[error("not implemented: {description}")]
    NotImplemented { description: String },
    #[error("storage failure while {context}: {source}")]
    Storage {
        context: String,
        #[source]
        source: io::Error,
    },
    #[error("internal error: {0}")]
    Internal(String),
}

impl S3Error {
    /// S3's error code, the `<Code>` of the error document.
    pub fn code(&self) -> &'static str {
        match self {
            Self::NoSuchBucket { .. } => "NoSuchBucket",
            Self::NoSuchKey { .. } => "NoSuchKey",
            Self::BucketAlreadyOwnedByYou { .. } => "BucketAlreadyOwnedByYou",
            Self::BucketNotEmpty { .. } => "BucketNotEmpty",
            Self::InvalidBucketName { .. } => "InvalidBucketName",
            Self::IllegalLocationConstraint { .. } => "IllegalLocationConstraintException",
            Self::InvalidLocationConstraint { .. } => "InvalidLocationConstraint",
            Self::MalformedXml(_) => "MalformedXML",
            Self::InvalidArgument { .. } => "InvalidArgument",
            Self::InvalidRequest { .. } => "InvalidRequest",
            Self::InvalidRange { .. } => "InvalidRange",
            Self::EntityTooLarge { .. } => "EntityTooLarge",
            Self::KeyTooLong { .. } => "KeyTooLong",
            Self::MetadataTooLarge { .. } => "MetadataTooLarge",
            Self::PreconditionFailed { .. } => "PreconditionFailed",
            Self::InvalidUri { .. } => "InvalidURI",
            Self::AccessControlListNotSupported { .. } => "AccessControlListNotSupported",
            Self::InvalidBucketAclWithObjectOwnership { .. } => {
                "InvalidBucketAclWithObjectOwnership"
            }
            Self::BadDigest { .. } => "BadDigest",
            Self::MethodNotAllowed { .. } => "MethodNotAllowed",
            Self::NotImplemented { .. } => "NotImplemented",
            Self::Storage { .. } | Self::Internal(_) => "InternalError",
        }
    }

    /// The HTTP status S3 answers with.
    pub fn status(&self) -> u16 {
        match self {
            Self::NoSuchBucket { .. } | Self::NoSuchKey { .. } => 404,
            Self::BucketAlreadyOwnedByYou { .. } | Self::BucketNotEmpty { .. } => 409,
            Self::MethodNotAllowed { .. } => 405,
            Self::PreconditionFailed { .. } => 412,
            Self::InvalidRange { .. } => 416,
            Self::NotImplemented { .. } => 501,
            Self::Storage { .. } | Self::Internal(_) => 500,
            Self::InvalidBucketName { .. }
            | Self::IllegalLocationConstraint { .. }
            | Self::InvalidLocationConstraint { .. }
            | Self::MalformedXml(_)
            | Self::InvalidArgument { .. }
            | Self::InvalidRequest { .. }
            | Self::EntityTooLarge { .. }
            | Self::KeyTooLong { .. }
            | Self::MetadataTooLarge { .. }
            | Self::InvalidUri { .. }
            | Self::AccessControlListNotSupported { .. }
            | Self::InvalidBucketAclWithObjectOwnership { .. }
            | Self::BadDigest { .. } => 400,
        }
    }

    /// S3's message for the code (S3's own wording where it has one).
    pub fn message(&self) -> String {
        match self {
            Self::NoSuchBucket { .. } => "The specified bucket does not exist".into(),
            Self::NoSuchKey { .. } => "The specified key does not exist.".into(),
            Self::BucketAlreadyOwnedByYou { .. } => "Your previous request to create the named bucket succeeded and you already own it.".into(),
            Self::BucketNotEmpty { .. } => "The bucket you tried to delete is not empty".into(),
            Self::InvalidBucketName { .. } => "The specified bucket is not valid.".into(),
            Self::IllegalLocationConstraint { constraint: None, .. } => "The unspecified location constraint is incompatible for the region specific endpoint this request was sent to.".into(),
            Self::IllegalLocationConstraint { constraint: Some(constraint), .. } => format!("The {constraint} location constraint is incompatible for the region specific endpoint this request was sent to."),
            Self::InvalidLocationConstraint { .. } => "The specified location-constraint is not valid".into(),
            Self::MalformedXml(_) => "The XML you provided was not well-formed or did not validate against our published schema".into(),
            Self::InvalidArgument { message, .. } => (*message).into(),
            Self::InvalidRequest { message } => message.clone(),
            Self::InvalidRange { .. } => "The requested range is not satisfiable".into(),
            Self::EntityTooLarge { .. } => "Your proposed upload exceeds the maximum allowed size".into(),
            Self::KeyTooLong { .. } => "Your key is too long".into(),
            Self::MetadataTooLarge { .. } => "Your metadata headers exceed the maximum allowed metadata size.".into(),
            Self::PreconditionFailed { .. } => "At least one of the pre-conditions you specified did not hold".into(),
            Self::InvalidUri { .. } => "Couldn't parse the specified URI.".into(),
            Self::AccessControlListNotSupported { .. } => "The bucket does not allow ACLs".into(),
            Self::InvalidBucketAclWithObjectOwnership { .. } => "Bucket cannot have ACLs set with ObjectOwnership's BucketOwnerEnforced setting".into(),
            Self::BadDigest { algorithm } => format!("The {algorithm} you specified did not match the calculated checksum."),
            Self::MethodNotAllowed { .. } => "The specified method is not allowed against this resource.".into(),
            Self::NotImplemented { description } => format!("A header or query you provided implies functionality that is not implemented: {description}"),
            Self::Storage { .. } | Self::Internal(_) => "We encountered an internal error. Please try again.".into(),
        }
    }

    /// The elements S3 adds to the error document after `<Message>`, in order.
    pub fn details(&self) -> Vec<Detail> {
        match self {
            Self::NoSuchBucket { bucket }
            | Self::BucketAlreadyOwnedByYou { bucket }
            | Self::BucketNotEmpty { bucket }
            | Self::InvalidBucketName { bucket, .. } => vec![Detail::BucketName(bucket.clone())],
            Self::NoSuchKey { key, .. } => vec![Detail::Key(key.clone())],
            Self::InvalidLocationConstraint { constraint } => {
                vec![Detail::LocationConstraint(constraint.clone())]
            }
            Self::InvalidArgument { name, value, .. } => vec![
                Detail::ArgumentName((*name).into()),
                Detail::ArgumentValue(value.clone()),
            ],
            Self::InvalidRange { range, size } => vec![
                Detail::RangeRequested(range.clone()),
                Detail::ActualObjectSize(size.to_string()),
            ],
            Self::EntityTooLarge { size, max } => vec![
                Detail::ProposedSize(size.to_string()),
                Detail::MaxSizeAllowed(max.to_string()),
            ],
            Self::KeyTooLong { length } => vec![
                Detail::Size(length.to_string()),
                Detail::MaxSizeAllowed(MAX_KEY_BYTES.to_string()),
            ],
            Self::MetadataTooLarge { size } => vec![
                Detail::Size(size.to_string()),
                Detail::MaxSizeAllowed(MAX_METADATA_BYTES.to_string()),
            ],
            Self::PreconditionFailed { condition } => {
                vec![Detail::Condition((*condition).into())]
            }
            Self::InvalidUri { uri } => vec![Detail::Uri(uri.clone())],
            Self::MethodNotAllowed {
                method,
                resource_type,
            } => vec![
                Detail::Method(method.clone()),
                Detail::ResourceType((*resource_type).into()),
            ],
            _ => Vec::new(),
        }
    }

    /// Headers S3 sends with this error: `Content-Range: bytes */size` for `InvalidRange`.
    pub fn headers(&self) -> Vec<(String, String)> {
        match self {
            Self::InvalidRange { size, .. } => {
                vec![("content-range".into(), format!("bytes */{size}"))]
            }
            _ => Vec::new(),
        }
    }

    /// The S3 error document: `<?xml …?><Error><Code/><Message/>[details]<Resource/>
    /// <RequestId/></Error>`, no namespace. HEAD answers carry no body; the caller drops it.
    pub fn to_xml(&self, resource: &str, request_id: &str) -> Vec<u8> {
        let document = ErrorDocument {
            code: self.code(),
            message: self.message(),
            details: self.details(),
            resource,
            request_id,
        };
        // Every field is plain text, so serializing cannot fail; an empty body beats a panic.
        xml_document("Error", &document).unwrap_or_default()
    }
}

/// One extra element of an error document, named as S3 names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum Detail {
    BucketName(String),
    Key(String),
    LocationConstraint(String),
    ArgumentName(String),
    ArgumentValue(String),
    RangeRequested(String),
    ActualObjectSize(String),
    ProposedSize(String),
    MaxSizeAllowed(String),
    Size(String),
    Condition(String),
    #[serde(rename = "URI")]
    Uri(String),
    Method(String),
    ResourceType(String),
}

impl Detail {
    /// The element name and its text, for callers that build the document themselves.
    pub fn pair(&self) -> (&'static str, &str) {
        match self {
            Self::BucketName(v) => ("BucketName", v),
            Self::Key(v) => ("Key", v),
            Self::LocationConstraint(v) => ("LocationConstraint", v),
            Self::ArgumentName(v) => ("ArgumentName", v),
            Self::ArgumentValue(v) => ("ArgumentValue", v),
            Self::RangeRequested(v) => ("RangeRequested", v),
            Self::ActualObjectSize(v) => ("ActualObjectSize", v),
            Self::ProposedSize(v) => ("ProposedSize", v),
            Self::MaxSizeAllowed(v) => ("MaxSizeAllowed", v),
            Self::Size(v) => ("Size", v),
            Self::Condition(v) => ("Condition", v),
            Self::Uri(v) => ("URI", v),
            Self::Method(v) => ("Method", v),
            Self::ResourceType(v) => ("ResourceType", v),
        }
    }
}

/// `<Error>` as S3 sends it.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ErrorDocument<'a> {
    code: &'static str,
    message: String,
    #[serde(rename = "$value")]
    details: Vec<Detail>,
    resource: &'a str,
    request_id: &'a str,
}

#[cfg(test)]
mod tests {
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
}
