//! A small, faithful S3: buckets and objects in the emulated account, spoken over S3's
//! REST-XML protocol as aws-cli, boto3 and the AWS SDKs expect it.
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/Welcome.html>
//!
//! Data flows [`parse_operation`] (request line, headers, body → a typed [`S3Operation`])
//! → the caller authenticates, and authorizes [`S3Operation::request_check`] →
//! [`execute_authorized`] runs it on the [`S3Store`], asking the caller's authorizer about
//! each item S3 checks on its own (DeleteObjects' keys) → an [`S3Response`] or an
//! [`S3Error`]. This module knows no HTTP framework and no authentication.
//!
//! Supported: ListBuckets, CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation,
//! ListObjects (v1), ListObjectsV2, PutObject, GetObject, HeadObject, DeleteObject,
//! DeleteObjects; path-style and virtual-host addressing. Everything else is
//! [`S3Operation::Unsupported`], answered `NotImplemented`, or `NoSuchBucket` first when
//! the bucket it addresses does not exist.
//!
//! Choices and known gaps:
//! - ETags are the quoted hex of the first 16 bytes of the content's SHA-256, not its MD5
//!   (no MD5 implementation here). Same length and shape as S3's, but a client that checks
//!   an ETag against its own MD5 will see a mismatch. `Content-MD5` is verified on
//!   DeleteObjects (which requires it or a flexible checksum), accepted unverified on
//!   PutObject.
//! - `x-amz-checksum-{crc32,crc32c,crc64nvme,sha256}` on PutObject are verified and echoed;
//!   SHA-1 is `NotImplemented`. Checksums are not stored, so GetObject returns none.
//! - Not implemented (answered `NotImplemented`): multipart uploads, CopyObject,
//!   versioning (DeleteObjects with a `VersionId` too), conditional DeleteObjects,
//!   ACL/policy/tagging sub-resources, SSE-KMS, SSE-C, storage classes other than
//!   STANDARD, `x-amz-expected-bucket-owner`.
//! - Buckets enforce bucket-owner object ownership (S3's default since 2023): canned ACLs
//!   other than `private`/`bucket-owner-full-control` are refused as S3 refuses them.
//! - Re-creating a bucket you own answers `BucketAlreadyOwnedByYou`, except in us-east-1,
//!   where S3 keeps its legacy 200 OK.
//! - Keys with characters XML 1.0 cannot carry come out raw unless the client asks for
//!   `encoding-type=url`, as S3 recommends.
//! - Storage layout: see [`S3Store`].
//! - Transitional, until `s3::http` adopts [`S3Operation::request_check`] and
//!   [`execute_authorized`]: the edge answers `Unsupported` with `NotImplemented` itself,
//!   so over HTTP a missing bucket's sub-resources answer 501, not `NoSuchBucket`; and it
//!   authorizes DeleteObjects as a whole, `s3:DeleteObject` on `bucket/*`, through
//!   [`execute`]: a caller allowed only some keys is refused the whole request, and a
//!   `Deny` narrower than the bucket is not applied to the keys it names.

use std::fmt;

mod access;
mod checksum;
mod error;
pub mod http;
mod input;
mod operations;
mod preconditions;
mod request;
mod store;
mod wire;

pub use access::AccessCheck;
pub use checksum::{Checksum, ChecksumAlgorithm};
pub use error::{Detail, S3Error, MAX_KEY_BYTES, MAX_METADATA_BYTES};
pub use input::{EncodingType, PutOptions, ReadOptions, WriteCondition};
pub use preconditions::Preconditions;
pub use request::parse_operation;
pub use store::S3Store;

/// A parsed S3 request. Exhaustive: anything else is `Unsupported` and answers
/// `NotImplemented` (501) or `NoSuchBucket`, never a silent success.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum S3Operation {
    /// `GET /`.
    ListBuckets {
        prefix: Option<String>,
        continuation_token: Option<String>,
        max_buckets: Option<u32>,
        bucket_region: Option<String>,
    },
    /// `PUT /{bucket}` with an optional `CreateBucketConfiguration` body.
    CreateBucket {
        bucket: String,
        location_constraint: Option<String>,
        /// `x-amz-acl`, already checked to be `private`.
        acl: Option<String>,
    },
    /// `HEAD /{bucket}`.
    HeadBucket { bucket: String },
    /// `DELETE /{bucket}`.
    DeleteBucket { bucket: String },
    /// `GET /{bucket}?location`.
    GetBucketLocation { bucket: String },
    /// `GET /{bucket}` without `list-type`: ListObjects, version 1.
    ListObjects {
        bucket: String,
        prefix: Option<String>,
        delimiter: Option<String>,
        marker: Option<String>,
        max_keys: Option<u32>,
        encoding_type: Option<EncodingType>,
    },
    /// `GET /{bucket}?list-type=2`.
    ListObjectsV2 {
        bucket: String,
        prefix: Option<String>,
        delimiter: Option<String>,
        continuation_token: Option<String>,
        start_after: Option<String>,
        max_keys: Option<u32>,
        encoding_type: Option<EncodingType>,
        fetch_owner: bool,
    },
    /// `PUT /{bucket}/{key}`.
    PutObject {
        bucket: String,
        key: String,
        content_type: Option<String>,
        /// `x-amz-meta-*`, names lowercased without the prefix, sorted by name.
        metadata: Vec<(String, String)>,
        options: PutOptions,
    },
    /// `GET /{bucket}/{key}`, `range` being the raw `Range` header.
    GetObject {
        bucket: String,
        key: String,
        range: Option<String>,
        options: ReadOptions,
    },
    /// `HEAD /{bucket}/{key}`.
    HeadObject {
        bucket: String,
        key: String,
        range: Option<String>,
        options: ReadOptions,
    },
    /// `DELETE /{bucket}/{key}`.
    DeleteObject { bucket: String, key: String },
    /// `POST /{bucket}?delete` naming 1 to 1000 keys; `quiet` reports only failures.
    DeleteObjects {
        bucket: String,
        keys: Vec<String>,
        quiet: bool,
    },
    /// A request this emulator does not implement: `NotImplemented`, or `NoSuchBucket`
    /// first when the bucket it needs does not exist, as S3 answers.
    Unsupported { description: Unimplemented },
}

/// What an unimplemented request asked for, and the bucket it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unimplemented {
    /// For the message, e.g. `GetBucketAcl (GET /{bucket}?acl)`.
    pub feature: String,
    /// The existing bucket the request addresses; `None` on the service and for
    /// CreateBucket, whose bucket need not exist.
    pub bucket: Option<String>,
}

impl fmt::Display for Unimplemented {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.feature)
    }
}

/// What S3 answers: status, headers (lowercase names) and body. HEAD answers carry the
/// headers of the GET and an empty body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct S3Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl S3Response {
    /// A 200 with an XML document.
    fn xml(body: Vec<u8>) -> Self {
        Self {
            status: 200,
            headers: vec![
                ("content-type".into(), "application/xml".into()),
                ("content-length".into(), body.len().to_string()),
            ],
            body,
        }
    }

    /// A bodiless answer with `status`. A 204 carries no Content-Length (RFC 9110 8.6).
    fn empty(status: u16) -> Self {
        let headers = if status == 204 {
            Vec::new()
        } else {
            vec![("content-length".into(), "0".into())]
        };
        Self {
            status,
            headers,
            body: Vec::new(),
        }
    }

    /// Adds a header.
    fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// The value of header `name`, if set.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(candidate, _)| candidate.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// [`execute_authorized`] for an edge that checks only [`S3Operation::iam_action`] on
/// [`S3Operation::resource_arn`] up front: every item counts as allowed by that check.
/// Transitional, until the HTTP edge passes its per-item decisions (see the module doc).
pub fn execute(
    store: &S3Store,
    operation: &S3Operation,
    body: &[u8],
    now: u64,
) -> Result<S3Response, S3Error> {
    execute_authorized(store, operation, body, now, &|_| true)
}

/// Runs one operation on `store` for a caller who passed its
/// [`S3Operation::request_check`]. `allows` decides the checks S3 makes per item while
/// running (DeleteObjects: `s3:DeleteObject` on each key); a refused item is reported in
/// the result, not a failed request. `body` is the decoded object for PutObject; `now`
/// is the current time in Unix seconds.
pub fn execute_authorized(
    store: &S3Store,
    operation: &S3Operation,
    body: &[u8],
    now: u64,
    allows: &dyn Fn(&AccessCheck) -> bool,
) -> Result<S3Response, S3Error> {
    use operations::{
        create_bucket, delete_bucket, delete_object, delete_objects, get_bucket_location,
        get_object, head_bucket, head_object, list_buckets, list_objects, list_objects_v2,
        put_object,
    };
    match operation {
        S3Operation::ListBuckets {
            prefix,
            continuation_token,
            max_buckets,
            bucket_region,
        } => list_buckets::run(
            store,
            prefix.as_deref(),
            continuation_token.as_deref(),
            *max_buckets,
            bucket_region.as_deref(),
        ),
        S3Operation::CreateBucket {
            bucket,
            location_constraint,
            acl: _,
        } => create_bucket::run(store, bucket, location_constraint.as_deref(), now),
        S3Operation::HeadBucket { bucket } => head_bucket::run(store, bucket),
        S3Operation::DeleteBucket { bucket } => delete_bucket::run(store, bucket),
        S3Operation::GetBucketLocation { bucket } => get_bucket_location::run(store, bucket),
        S3Operation::ListObjects {
            bucket,
            prefix,
            delimiter,
            marker,
            max_keys,
            encoding_type,
        } => list_objects::run(
            store,
            bucket,
            &list_objects::Query {
                prefix: prefix.as_deref().unwrap_or(""),
                delimiter: delimiter.as_deref(),
                marker: marker.as_deref(),
                max_keys: *max_keys,
                encoding_type: *encoding_type,
            },
        ),
        S3Operation::ListObjectsV2 {
            bucket,
            prefix,
            delimiter,
            continuation_token,
            start_after,
            max_keys,
            encoding_type,
            fetch_owner,
        } => list_objects_v2::run(
            store,
            bucket,
            &list_objects_v2::Query {
                prefix: prefix.as_deref().unwrap_or(""),
                delimiter: delimiter.as_deref(),
                continuation_token: continuation_token.as_deref(),
                start_after: start_after.as_deref(),
                max_keys: *max_keys,
                encoding_type: *encoding_type,
                fetch_owner: *fetch_owner,
            },
        ),
        S3Operation::PutObject {
            bucket,
            key,
            content_type,
            metadata,
            options,
        } => put_object::run(
            store,
            &put_object::Upload {
                bucket,
                key,
                content_type: content_type.as_deref(),
                metadata,
                options,
            },
            body,
            now,
        ),
        S3Operation::GetObject {
            bucket,
            key,
            range,
            options,
        } => get_object::run(store, bucket, key, range.as_deref(), options),
        S3Operation::HeadObject {
            bucket,
            key,
            range,
            options,
        } => head_object::run(store, bucket, key, range.as_deref(), options),
        S3Operation::DeleteObject { bucket, key } => delete_object::run(store, bucket, key),
        S3Operation::DeleteObjects {
            bucket,
            keys,
            quiet,
        } => delete_objects::run(store, bucket, keys, *quiet, allows),
        S3Operation::Unsupported { description } => {
            if let Some(bucket) = &description.bucket {
                store.bucket(bucket)?;
            }
            Err(S3Error::NotImplemented {
                description: description.feature.clone(),
            })
        }
    }
}

#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;
