//! S3's error document and the extras that go with an error: the elements after
//! `<Message>` and the headers (`Content-Range` for `InvalidRange`).
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/ErrorResponses.html>

use super::{S3Error, MAX_KEY_BYTES, MAX_METADATA_BYTES, MIN_PART_BYTES};

impl S3Error {
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
            Self::ContentMd5Mismatch {
                expected,
                calculated,
            } => vec![
                Detail::ExpectedDigest(expected.clone()),
                Detail::CalculatedDigest(calculated.clone()),
            ],
            Self::NoSuchUpload { upload_id } | Self::InvalidPartOrder { upload_id } => {
                vec![Detail::UploadId(upload_id.clone())]
            }
            Self::InvalidPart {
                upload_id,
                part_number,
                etag,
            } => vec![
                Detail::UploadId(upload_id.clone()),
                Detail::PartNumber(part_number.to_string()),
                Detail::ETag(etag.clone()),
            ],
            Self::EntityTooSmall {
                size,
                part_number,
                etag,
            } => vec![
                Detail::ProposedSize(size.to_string()),
                Detail::MinSizeAllowed(MIN_PART_BYTES.to_string()),
                Detail::PartNumber(part_number.to_string()),
                Detail::ETag(etag.clone()),
            ],
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
}

/// One extra element of an error document, named as S3 names it.
#[derive(Debug, Clone, PartialEq, Eq)]
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
    Uri(String),
    Method(String),
    ResourceType(String),
    ExpectedDigest(String),
    CalculatedDigest(String),
    UploadId(String),
    PartNumber(String),
    ETag(String),
    MinSizeAllowed(String),
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
            Self::ExpectedDigest(v) => ("ExpectedDigest", v),
            Self::CalculatedDigest(v) => ("CalculatedDigest", v),
            Self::UploadId(v) => ("UploadId", v),
            Self::PartNumber(v) => ("PartNumber", v),
            Self::ETag(v) => ("ETag", v),
            Self::MinSizeAllowed(v) => ("MinSizeAllowed", v),
        }
    }
}
