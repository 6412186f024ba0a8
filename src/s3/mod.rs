//! A small, faithful S3: buckets and objects in the emulated account, spoken over S3's
//! REST-XML protocol as aws-cli, boto3 and the AWS SDKs expect it.
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/Welcome.html>
//!
//! Data flows [`parse_operation`] (request line, headers, body → a typed [`S3Operation`])
//! → the caller authenticates, and authorizes [`S3Operation::request_check`] (and a
//! copy's [`S3Operation::copy_source_check`]) → [`execute_authorized`] runs it on the
//! [`S3Store`], asking the caller's authorizer about each item S3 checks on its own
//! (DeleteObjects' keys), or [`execute_upload`] stores a body the edge streamed → an
//! [`S3Response`] or an [`S3Error`]. This module knows no HTTP framework and no
//! authentication.
//!
//! Supported: ListBuckets, CreateBucket, HeadBucket, DeleteBucket, GetBucketLocation,
//! ListObjects (v1), ListObjectsV2, PutObject, GetObject, HeadObject, DeleteObject,
//! DeleteObjects, CopyObject, and multipart uploads (CreateMultipartUpload, UploadPart,
//! UploadPartCopy, CompleteMultipartUpload, AbortMultipartUpload, ListParts,
//! ListMultipartUploads); path-style and virtual-host addressing. Everything else is
//! [`S3Operation::Unsupported`], answered `NotImplemented`, or `NoSuchBucket` first when
//! the bucket it addresses does not exist.
//!
//! Object bodies stream: the HTTP edge authenticates and authorizes on the headers (the
//! signature covers the declared payload hash), then writes the body to a staging file
//! while its SHA-256, MD5 and checksums are computed ([`S3Operation::streams_body`],
//! [`execute_upload`]); GetObject streams from the object's file ([`ObjectContent`]).
//!
//! Choices and known gaps:
//! - ETags are S3's: the MD5 of a single-part object, `<md5 of the part MD5s>-<parts>` for
//!   a multipart one. `Content-MD5` is checked.
//! - Flexible checksums (CRC32, CRC32C, CRC64NVME, SHA-1, SHA-256) are verified on upload,
//!   from a header or an aws-chunked trailer, and stored; every object without one gets
//!   S3's default CRC64NVME. `x-amz-checksum-mode: ENABLED` returns it on GET and HEAD.
//! - Not implemented (answered `NotImplemented`): versioning (DeleteObjects with a
//!   `VersionId` too), conditional DeleteObjects, ACL/policy/tagging sub-resources,
//!   SSE-KMS, SSE-C, storage classes other than STANDARD, `x-amz-expected-bucket-owner`.
//! - Buckets enforce bucket-owner object ownership (S3's default since 2023): canned ACLs
//!   other than `private`/`bucket-owner-full-control` are refused as S3 refuses them.
//! - Re-creating a bucket you own answers `BucketAlreadyOwnedByYou`, except in us-east-1,
//!   where S3 keeps its legacy 200 OK.
//! - Keys with characters XML 1.0 cannot carry come out raw unless the client asks for
//!   `encoding-type=url`, as S3 recommends.
//! - Storage layout: see [`S3Store`].

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
pub use operations::copy_object::CopySource;
pub use operations::multipart::CompletedPart;
pub use preconditions::Preconditions;
pub use request::parse_operation;
pub use store::{S3Store, Staged, StagedWriter};

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
    /// `POST /{bucket}/{key}?uploads`.
    CreateMultipartUpload {
        bucket: String,
        key: String,
        content_type: Option<String>,
        metadata: Vec<(String, String)>,
        options: PutOptions,
        /// `x-amz-checksum-algorithm`.
        checksum_algorithm: Option<ChecksumAlgorithm>,
        /// `x-amz-checksum-type: FULL_OBJECT`.
        full_object_checksum: bool,
    },
    /// `PUT /{bucket}/{key}` with `x-amz-copy-source`.
    CopyObject {
        bucket: String,
        key: String,
        source: CopySource,
        /// `x-amz-metadata-directive: REPLACE`.
        replace_metadata: bool,
        content_type: Option<String>,
        metadata: Vec<(String, String)>,
        options: PutOptions,
        /// `x-amz-copy-source-if-*`.
        conditions: Preconditions,
        /// `x-amz-checksum-algorithm`.
        checksum_algorithm: Option<ChecksumAlgorithm>,
    },
    /// `PUT /{bucket}/{key}?partNumber=N&uploadId=ID` with `x-amz-copy-source`.
    UploadPartCopy {
        bucket: String,
        key: String,
        upload_id: String,
        part_number: u32,
        source: CopySource,
        /// `x-amz-copy-source-range`, as sent.
        range: Option<String>,
        conditions: Preconditions,
    },
    /// `PUT /{bucket}/{key}?partNumber=N&uploadId=ID`.
    UploadPart {
        bucket: String,
        key: String,
        upload_id: String,
        part_number: u32,
        options: PutOptions,
    },
    /// `POST /{bucket}/{key}?uploadId=ID` with `<CompleteMultipartUpload>`.
    CompleteMultipartUpload {
        bucket: String,
        key: String,
        upload_id: String,
        parts: Vec<CompletedPart>,
    },
    /// `DELETE /{bucket}/{key}?uploadId=ID`.
    AbortMultipartUpload {
        bucket: String,
        key: String,
        upload_id: String,
    },
    /// `GET /{bucket}/{key}?uploadId=ID`.
    ListParts {
        bucket: String,
        key: String,
        upload_id: String,
        max_parts: Option<u32>,
        part_number_marker: Option<u32>,
    },
    /// `GET /{bucket}?uploads`.
    ListMultipartUploads {
        bucket: String,
        prefix: Option<String>,
        delimiter: Option<String>,
        key_marker: Option<String>,
        upload_id_marker: Option<String>,
        max_uploads: Option<u32>,
        encoding_type: Option<EncodingType>,
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

impl S3Operation {
    /// Whether the body is an object's bytes, streamed to a staging file rather than read
    /// into memory: PutObject (and UploadPart).
    pub fn streams_body(&self) -> bool {
        matches!(self, Self::PutObject { .. } | Self::UploadPart { .. })
    }

    /// Whether running it reads and writes a whole object's bytes: CopyObject,
    /// UploadPartCopy and CompleteMultipartUpload.
    pub fn copies_bytes(&self) -> bool {
        matches!(
            self,
            Self::CopyObject { .. }
                | Self::UploadPartCopy { .. }
                | Self::CompleteMultipartUpload { .. }
        )
    }

    /// The checksums to compute over a streamed body (an upload's part also gets the
    /// upload's own algorithm).
    pub fn upload_algorithms(&self, store: &S3Store) -> Vec<ChecksumAlgorithm> {
        match self {
            Self::PutObject { options, .. } => options.algorithms(),
            Self::UploadPart {
                bucket,
                key,
                upload_id,
                options,
                ..
            } => operations::multipart::part_algorithms(store, bucket, key, upload_id, options),
            _ => Vec::new(),
        }
    }

    /// The put options of a streamed upload, for the trailer's checksum to be set on.
    pub fn put_options_mut(&mut self) -> Option<&mut PutOptions> {
        match self {
            Self::PutObject { options, .. } | Self::UploadPart { options, .. } => Some(options),
            _ => None,
        }
    }
}

/// What S3 answers: status, headers (lowercase names) and body, or an object's bytes
/// streamed from its file. HEAD answers carry the headers of the GET and no body.
#[derive(Debug)]
pub struct S3Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// GetObject: the bytes to stream instead of `body`.
    pub content: Option<ObjectContent>,
}

/// An object's bytes to send: `length` bytes of an open file from `offset`. The file was
/// opened when the object was looked up, so a concurrent overwrite or delete does not
/// change what is sent.
#[derive(Debug)]
pub struct ObjectContent {
    pub file: std::fs::File,
    pub offset: u64,
    pub length: u64,
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
            content: None,
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
            content: None,
        }
    }

    /// Adds a header.
    fn with_header(mut self, name: &str, value: impl Into<String>) -> Self {
        self.headers.push((name.to_owned(), value.into()));
        self
    }

    /// The bytes the response carries: the streamed content read whole, or the body.
    pub fn bytes(&self) -> Vec<u8> {
        use std::os::unix::fs::FileExt;
        match &self.content {
            None => self.body.clone(),
            Some(content) => {
                let mut bytes = vec![0; usize::try_from(content.length).unwrap_or(0)];
                match content.file.read_exact_at(&mut bytes, content.offset) {
                    Ok(()) => bytes,
                    Err(_) => Vec::new(),
                }
            }
        }
    }

    /// The value of header `name`, if set.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(candidate, _)| candidate.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }
}

/// [`execute_authorized`] for a caller allowed every item.
#[cfg(test)]
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
/// the result, not a failed request. `body` is the decoded request body (an upload's is
/// staged first: the HTTP edge streams those through [`execute_upload`]); `now` is the
/// current time in Unix seconds.
pub fn execute_authorized(
    store: &S3Store,
    operation: &S3Operation,
    body: &[u8],
    now: u64,
    allows: &dyn Fn(&AccessCheck) -> bool,
) -> Result<S3Response, S3Error> {
    if operation.streams_body() {
        let staged = store.stage_bytes(body, &operation.upload_algorithms(store))?;
        return execute_upload(store, operation, staged, now);
    }
    use operations::{
        copy_object, create_bucket, delete_bucket, delete_object, delete_objects,
        get_bucket_location, get_object, head_bucket, head_object, list_buckets, list_objects,
        list_objects_v2, multipart,
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
        S3Operation::PutObject { .. } | S3Operation::UploadPart { .. } => Err(S3Error::Internal(
            "an upload reached execute without its staged body".to_owned(),
        )),
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
        S3Operation::CreateMultipartUpload {
            bucket,
            key,
            content_type,
            metadata,
            options,
            checksum_algorithm,
            full_object_checksum,
        } => multipart::create(
            store,
            &multipart::Create {
                bucket,
                key,
                content_type: content_type.as_deref(),
                metadata,
                options,
                checksum_algorithm: *checksum_algorithm,
                full_object_checksum: *full_object_checksum,
            },
            now,
        ),
        S3Operation::CompleteMultipartUpload {
            bucket,
            key,
            upload_id,
            parts,
        } => multipart::complete(store, bucket, key, upload_id, parts, now),
        S3Operation::CopyObject {
            bucket,
            key,
            source,
            replace_metadata,
            content_type,
            metadata,
            options,
            conditions,
            checksum_algorithm,
        } => copy_object::run(
            store,
            &copy_object::Copy {
                bucket,
                key,
                source,
                replace_metadata: *replace_metadata,
                content_type: content_type.as_deref(),
                metadata,
                options,
                conditions,
                checksum_algorithm: *checksum_algorithm,
            },
            now,
        ),
        S3Operation::UploadPartCopy {
            bucket,
            key,
            upload_id,
            part_number,
            source,
            range,
            conditions,
        } => multipart::upload_part_copy(
            store,
            &multipart::PartCopy {
                bucket,
                key,
                upload_id,
                part_number: *part_number,
                source,
                range: range.as_deref(),
                conditions,
            },
            now,
        ),
        S3Operation::AbortMultipartUpload {
            bucket,
            key,
            upload_id,
        } => multipart::abort(store, bucket, key, upload_id),
        S3Operation::ListParts {
            bucket,
            key,
            upload_id,
            max_parts,
            part_number_marker,
        } => multipart::list_parts(
            store,
            bucket,
            key,
            upload_id,
            *max_parts,
            *part_number_marker,
        ),
        S3Operation::ListMultipartUploads {
            bucket,
            prefix,
            delimiter,
            key_marker,
            upload_id_marker,
            max_uploads,
            encoding_type,
        } => multipart::list_uploads(
            store,
            bucket,
            &multipart::UploadsQuery {
                prefix: prefix.as_deref().unwrap_or(""),
                delimiter: delimiter.as_deref(),
                key_marker: key_marker.as_deref(),
                upload_id_marker: upload_id_marker.as_deref(),
                max_uploads: *max_uploads,
                encoding_type: *encoding_type,
            },
        ),
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

/// Runs an operation whose body was streamed into `staged` ([`S3Operation::streams_body`]).
pub fn execute_upload(
    store: &S3Store,
    operation: &S3Operation,
    staged: Staged,
    now: u64,
) -> Result<S3Response, S3Error> {
    use operations::{multipart, put_object};
    match operation {
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
            staged,
            now,
        ),
        S3Operation::UploadPart {
            bucket,
            key,
            upload_id,
            part_number,
            options,
        } => multipart::upload_part(
            store,
            bucket,
            key,
            upload_id,
            *part_number,
            options,
            staged,
            now,
        ),
        other => Err(S3Error::Internal(format!(
            "{} takes no streamed body",
            other.iam_action()
        ))),
    }
}

#[cfg(test)]
mod test_support;
#[cfg(test)]
mod tests;
