//! Why an S3 request failed. Each variant names a cause; [`S3Error::code`],
//! [`S3Error::status`] and [`S3Error::message`] are the one place a cause becomes S3's
//! code, HTTP status and message; `s3::http` turns them into an `AwsError`, and
//! `protocol::error` renders S3's error document.
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html>

use std::io;

pub use self::document::Detail;

mod document;

/// Longest key S3 accepts, in UTF-8 bytes.
pub const MAX_KEY_BYTES: usize = 1024;
/// Smallest part of a multipart upload but the last: 5 MiB.
pub const MIN_PART_BYTES: u64 = 5 * 1024 * 1024;
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
    #[error("Content-MD5 is not the base64 of 16 bytes")]
    InvalidDigest,
    #[error("the Content-MD5 {expected} does not match the body's {calculated}")]
    ContentMd5Mismatch {
        expected: String,
        calculated: String,
    },
    #[error("upload {upload_id:?} does not exist")]
    NoSuchUpload { upload_id: String },
    #[error("part {part_number} of upload {upload_id} is missing or has another ETag than {etag}")]
    InvalidPart {
        upload_id: String,
        part_number: u32,
        etag: String,
    },
    #[error("the parts of upload {upload_id} are not in ascending order")]
    InvalidPartOrder { upload_id: String },
    #[error(
        "part {part_number} is {size} bytes, under the 5 MiB minimum of every part but the last"
    )]
    EntityTooSmall {
        size: u64,
        part_number: u32,
        etag: String,
    },
    #[error("the body stalled for longer than the read timeout")]
    RequestTimeout,
    #[error("the body ended before its declared length: {0}")]
    IncompleteBody(String),
    #[error("the request body of {size} bytes exceeds the {max}-byte limit of this operation")]
    MaxMessageLengthExceeded { size: u64, max: u64 },
    #[error("the request carries neither Content-MD5 nor an x-amz-checksum-* header")]
    MissingIntegrityHeader,
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
            Self::BadDigest { .. } | Self::ContentMd5Mismatch { .. } => "BadDigest",
            Self::InvalidDigest => "InvalidDigest",
            Self::NoSuchUpload { .. } => "NoSuchUpload",
            Self::InvalidPart { .. } => "InvalidPart",
            Self::InvalidPartOrder { .. } => "InvalidPartOrder",
            Self::EntityTooSmall { .. } => "EntityTooSmall",
            Self::RequestTimeout => "RequestTimeout",
            Self::IncompleteBody(_) => "IncompleteBody",
            Self::MaxMessageLengthExceeded { .. } => "MaxMessageLengthExceeded",
            Self::MissingIntegrityHeader => "InvalidRequest",
            Self::MethodNotAllowed { .. } => "MethodNotAllowed",
            Self::NotImplemented { .. } => "NotImplemented",
            Self::Storage { .. } | Self::Internal(_) => "InternalError",
        }
    }

    /// The HTTP status S3 answers with.
    pub fn status(&self) -> u16 {
        match self {
            Self::NoSuchBucket { .. } | Self::NoSuchKey { .. } | Self::NoSuchUpload { .. } => 404,
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
            | Self::BadDigest { .. }
            | Self::ContentMd5Mismatch { .. }
            | Self::InvalidDigest
            | Self::InvalidPart { .. }
            | Self::InvalidPartOrder { .. }
            | Self::EntityTooSmall { .. }
            | Self::RequestTimeout
            | Self::IncompleteBody(_)
            | Self::MaxMessageLengthExceeded { .. }
            | Self::MissingIntegrityHeader => 400,
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
            Self::ContentMd5Mismatch { .. } => "The Content-MD5 you specified did not match what we received.".into(),
            Self::InvalidDigest => "The Content-MD5 you specified is not valid.".into(),
            Self::NoSuchUpload { .. } => "The specified upload does not exist. The upload ID may be invalid, or the upload may have been aborted or completed.".into(),
            Self::InvalidPart { .. } => "One or more of the specified parts could not be found.  The part may not have been uploaded, or the specified entity tag may not match the part's entity tag.".into(),
            Self::InvalidPartOrder { .. } => "The list of parts was not in ascending order. Parts must be ordered by part number.".into(),
            Self::EntityTooSmall { .. } => "Your proposed upload is smaller than the minimum allowed object size.".into(),
            Self::RequestTimeout => "Your socket connection to the server was not read from or written to within the timeout period. Idle connections will be closed.".into(),
            Self::IncompleteBody(_) => "You did not provide the number of bytes specified by the Content-Length HTTP header".into(),
            Self::MaxMessageLengthExceeded { .. } => "Your request was too big.".into(),
            Self::MissingIntegrityHeader => "Missing required header for this request: Content-MD5 OR x-amz-checksum-*".into(),
            Self::MethodNotAllowed { .. } => "The specified method is not allowed against this resource.".into(),
            Self::NotImplemented { description } => format!("A header or query you provided implies functionality that is not implemented: {description}"),
            Self::Storage { .. } | Self::Internal(_) => "We encountered an internal error. Please try again.".into(),
        }
    }
}

#[cfg(test)]
mod tests;
