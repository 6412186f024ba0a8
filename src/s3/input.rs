//! Typed inputs that operations share beyond bucket and key, parsed once at the edge by
//! [`parse_operation`](super::parse_operation).

use super::checksum::{Checksum, ChecksumAlgorithm};
use super::preconditions::Preconditions;

/// `encoding-type`: S3 knows one, `url`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EncodingType {
    /// Keys, prefixes and delimiters in the response are URL-encoded.
    Url,
}

/// A conditional write (`If-None-Match: *` or `If-Match: etag` on PutObject).
/// <https://docs.aws.amazon.com/AmazonS3/latest/userguide/conditional-writes.html>
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum WriteCondition {
    /// Write only if no object has the key.
    IfNoneMatchAny,
    /// Write only if the current object's ETag is one of these (comma-separated list).
    IfMatch(String),
}

impl PutOptions {
    /// The checksums to compute over the body: the one the client names, and S3's
    /// default, CRC64NVME, which every new object gets.
    pub fn algorithms(&self) -> Vec<ChecksumAlgorithm> {
        let named = self
            .checksum
            .as_ref()
            .map(|checksum| checksum.algorithm)
            .or(self.checksum_algorithm);
        let mut algorithms = vec![ChecksumAlgorithm::Crc64Nvme];
        algorithms.extend(named);
        algorithms
    }
}

/// PutObject's headers beyond content type and user metadata.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PutOptions {
    /// Cache-Control, Content-Disposition, Content-Encoding, Content-Language and Expires,
    /// stored and returned with the object (lowercase names).
    pub content_headers: Vec<(String, String)>,
    /// A flexible checksum the body must match: an `x-amz-checksum-*` header, or the
    /// trailer of an aws-chunked body once it has been read.
    pub checksum: Option<Checksum>,
    /// The algorithm of a checksum that will come in the trailer (`x-amz-trailer`) or that
    /// the SDK says it used (`x-amz-sdk-checksum-algorithm`).
    pub checksum_algorithm: Option<ChecksumAlgorithm>,
    /// `Content-MD5`, decoded.
    pub content_md5: Option<[u8; 16]>,
    pub condition: Option<WriteCondition>,
    /// `x-amz-acl`, already checked to be one that bucket-owner-enforced buckets accept.
    pub acl: Option<String>,
    /// `x-amz-server-side-encryption`, already checked to be `AES256`.
    pub server_side_encryption: Option<String>,
    /// `x-amz-storage-class`, already checked to be `STANDARD`.
    pub storage_class: Option<String>,
}

/// GetObject's and HeadObject's conditions and `response-*` header overrides.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReadOptions {
    pub preconditions: Preconditions,
    /// `response-content-type` and friends, as (header name, value).
    pub response_overrides: Vec<(String, String)>,
    /// `x-amz-checksum-mode: ENABLED`: return the stored checksum.
    pub checksum_mode: bool,
}
