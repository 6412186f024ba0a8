//! Request headers that carry operation input: PutObject's content headers, metadata,
//! checksums, conditions and ACL/encryption/storage settings; the read conditions; and the
//! headers whose meaning this emulator does not implement, refused loudly.
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html>

use std::collections::BTreeMap;

use crate::s3::checksum::{Checksum, ChecksumAlgorithm};
use crate::s3::error::{S3Error, MAX_METADATA_BYTES};
use crate::s3::input::{PutOptions, ReadOptions, WriteCondition};
use crate::s3::operations::copy_object::CopySource;
use crate::s3::preconditions::Preconditions;
use crate::s3::wire::time::parse_http_date;

use super::query::Query;
use super::unsupported;

/// Headers stored with an object and returned on reads.
const CONTENT_HEADERS: [&str; 5] = [
    "cache-control",
    "content-disposition",
    "content-encoding",
    "content-language",
    "expires",
];

/// PutObject headers whose features are not implemented.
const UNSUPPORTED_PUT_HEADERS: [&str; 10] = [
    "x-amz-tagging",
    "x-amz-website-redirect-location",
    "x-amz-object-lock-mode",
    "x-amz-object-lock-retain-until-date",
    "x-amz-object-lock-legal-hold",
    "x-amz-server-side-encryption-customer-algorithm",
    "x-amz-server-side-encryption-aws-kms-key-id",
    "x-amz-server-side-encryption-context",
    "x-amz-server-side-encryption-bucket-key-enabled",
    "x-amz-write-offset-bytes",
];

/// SSE-C on reads.
const SSE_CUSTOMER_HEADER: &str = "x-amz-server-side-encryption-customer-algorithm";

/// `response-*` query parameters of GetObject and HeadObject, and the header each sets.
const RESPONSE_OVERRIDES: [(&str, &str); 6] = [
    ("response-cache-control", "cache-control"),
    ("response-content-disposition", "content-disposition"),
    ("response-content-encoding", "content-encoding"),
    ("response-content-language", "content-language"),
    ("response-content-type", "content-type"),
    ("response-expires", "expires"),
];

/// The request's headers, looked up case-insensitively.
#[derive(Debug, Clone, Copy)]
pub struct Headers<'a>(pub &'a [(String, String)]);

impl<'a> Headers<'a> {
    /// The first value of `name`.
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.0
            .iter()
            .find(|(candidate, _)| candidate.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// Every (lowercase name, value) whose name starts with `prefix`.
    fn with_prefix(&self, prefix: &'a str) -> impl Iterator<Item = (String, &'a str)> + 'a {
        self.0.iter().filter_map(move |(name, value)| {
            let name = name.to_ascii_lowercase();
            name.starts_with(prefix).then_some((name, value.as_str()))
        })
    }
}

/// `x-amz-expected-bucket-owner` would need the account id at parse time; refuse it.
pub fn refuse_common(headers: Headers<'_>) -> Result<(), S3Error> {
    match headers.get("x-amz-expected-bucket-owner") {
        Some(_) => Err(unsupported("the x-amz-expected-bucket-owner header")),
        None => Ok(()),
    }
}

/// CreateBucket's `x-amz-acl`, refusing what a bucket-owner-enforced bucket refuses.
pub fn create_bucket_acl(headers: Headers<'_>) -> Result<Option<String>, S3Error> {
    if let Some((name, _)) = headers.with_prefix("x-amz-grant-").next() {
        return Err(S3Error::InvalidBucketAclWithObjectOwnership { acl: name });
    }
    match headers.get("x-amz-object-ownership") {
        None | Some("BucketOwnerEnforced") => {}
        Some(other) => return Err(unsupported(&format!("object ownership {other}"))),
    }
    if headers
        .get("x-amz-bucket-object-lock-enabled")
        .is_some_and(|value| value.eq_ignore_ascii_case("true"))
    {
        return Err(unsupported("S3 Object Lock"));
    }
    if headers.get("x-amz-bucket-namespace").is_some() {
        return Err(unsupported("the x-amz-bucket-namespace header"));
    }
    match headers.get("x-amz-acl") {
        None => Ok(None),
        Some("private") => Ok(Some("private".to_owned())),
        Some(other) => Err(S3Error::InvalidBucketAclWithObjectOwnership {
            acl: other.to_owned(),
        }),
    }
}

/// What PutObject's headers say about the object.
pub struct PutHeaders {
    pub content_type: Option<String>,
    /// `x-amz-meta-*`, names lowercased without the prefix, sorted.
    pub metadata: Vec<(String, String)>,
    pub options: PutOptions,
}

/// PutObject's content type, user metadata and options.
pub fn put_object(headers: Headers<'_>) -> Result<PutHeaders, S3Error> {
    if let Some(name) = UNSUPPORTED_PUT_HEADERS
        .iter()
        .find(|name| headers.get(name).is_some())
    {
        return Err(unsupported(&format!("PutObject with the {name} header")));
    }
    if let Some((name, _)) = headers.with_prefix("x-amz-grant-").next() {
        return Err(S3Error::AccessControlListNotSupported { acl: name });
    }
    let options = PutOptions {
        content_headers: content_headers(headers),
        checksum: checksum(headers)?,
        checksum_algorithm: checksum_algorithm(headers)?,
        content_md5: headers
            .get("content-md5")
            .map(crate::s3::checksum::parse_content_md5)
            .transpose()?,
        condition: write_condition(headers)?,
        acl: object_acl(headers)?,
        server_side_encryption: server_side_encryption(headers)?,
        storage_class: storage_class(headers)?,
    };
    Ok(PutHeaders {
        content_type: headers.get("content-type").map(str::to_owned),
        metadata: user_metadata(headers)?,
        options,
    })
}

/// GetObject's and HeadObject's conditions and overrides.
pub fn read_options(headers: Headers<'_>, query: &Query) -> Result<ReadOptions, S3Error> {
    if headers.get(SSE_CUSTOMER_HEADER).is_some() {
        return Err(unsupported(
            "server-side encryption with customer keys (SSE-C)",
        ));
    }
    let preconditions = Preconditions {
        if_match: headers.get("if-match").map(str::to_owned),
        if_none_match: headers.get("if-none-match").map(str::to_owned),
        if_modified_since: headers.get("if-modified-since").and_then(parse_http_date),
        if_unmodified_since: headers.get("if-unmodified-since").and_then(parse_http_date),
    };
    let response_overrides = RESPONSE_OVERRIDES
        .iter()
        .filter_map(|(parameter, header)| {
            Some(((*header).to_owned(), query.get(parameter)?.to_owned()))
        })
        .collect();
    Ok(ReadOptions {
        preconditions,
        response_overrides,
        checksum_mode: headers
            .get("x-amz-checksum-mode")
            .is_some_and(|mode| mode.eq_ignore_ascii_case("ENABLED")),
    })
}

/// DeleteObject's conditional and MFA headers are not implemented.
pub fn refuse_delete_conditions(headers: Headers<'_>) -> Result<(), S3Error> {
    for name in [
        "if-match",
        "x-amz-if-match-last-modified-time",
        "x-amz-if-match-size",
        "x-amz-mfa",
    ] {
        if headers.get(name).is_some() {
            return Err(unsupported(&format!("DeleteObject with the {name} header")));
        }
    }
    Ok(())
}

/// `x-amz-meta-*`: names lowercased without the prefix, repeated headers joined with `,`
/// as HTTP folds them, at most [`MAX_METADATA_BYTES`] of names and values together.
fn user_metadata(headers: Headers<'_>) -> Result<Vec<(String, String)>, S3Error> {
    let mut metadata: BTreeMap<String, String> = BTreeMap::new();
    for (name, value) in headers.with_prefix("x-amz-meta-") {
        let name = name["x-amz-meta-".len()..].to_owned();
        metadata
            .entry(name)
            .and_modify(|existing| {
                existing.push(',');
                existing.push_str(value);
            })
            .or_insert_with(|| value.to_owned());
    }
    let size: usize = metadata
        .iter()
        .map(|(name, value)| name.len() + value.len())
        .sum();
    if size > MAX_METADATA_BYTES {
        return Err(S3Error::MetadataTooLarge { size });
    }
    Ok(metadata.into_iter().collect())
}

/// The stored content headers; `aws-chunked` is a transfer coding, not the object's.
fn content_headers(headers: Headers<'_>) -> Vec<(String, String)> {
    CONTENT_HEADERS
        .iter()
        .filter_map(|name| {
            let value = headers.get(name)?;
            let value = if *name == "content-encoding" {
                value
                    .split(',')
                    .map(str::trim)
                    .filter(|coding| {
                        !coding.eq_ignore_ascii_case("aws-chunked") && !coding.is_empty()
                    })
                    .collect::<Vec<_>>()
                    .join(",")
            } else {
                value.to_owned()
            };
            (!value.is_empty()).then(|| ((*name).to_owned(), value))
        })
        .collect()
}

/// At most one `x-amz-checksum-*` header, well-formed.
pub fn checksum(headers: Headers<'_>) -> Result<Option<Checksum>, S3Error> {
    let mut present = ChecksumAlgorithm::ALL
        .into_iter()
        .filter_map(|algorithm| Some((algorithm, headers.get(algorithm.header())?)));
    let first = present.next();
    if present.next().is_some() {
        return Err(S3Error::InvalidRequest {
            message: "Expecting a single x-amz-checksum- header. Multiple checksum Types are not allowed.".to_owned(),
        });
    }
    first
        .map(|(algorithm, value)| Checksum::parse(algorithm, value))
        .transpose()
}

/// The algorithm of a trailing checksum (`x-amz-trailer: x-amz-checksum-crc32`) or the
/// one the SDK names (`x-amz-sdk-checksum-algorithm`).
fn checksum_algorithm(headers: Headers<'_>) -> Result<Option<ChecksumAlgorithm>, S3Error> {
    if let Some(trailer) = headers.get("x-amz-trailer") {
        return ChecksumAlgorithm::from_header(trailer)
            .map(Some)
            .ok_or_else(|| S3Error::InvalidRequest {
                message: format!(
                    "The value specified in the x-amz-trailer header is not supported: {trailer}"
                ),
            });
    }
    match headers.get("x-amz-sdk-checksum-algorithm") {
        None => Ok(None),
        Some(name) => {
            ChecksumAlgorithm::from_name(name)
                .map(Some)
                .ok_or_else(|| S3Error::InvalidRequest {
                    message: "Value for x-amz-sdk-checksum-algorithm header is invalid.".to_owned(),
                })
        }
    }
}

/// CreateMultipartUpload's `x-amz-checksum-algorithm` and `x-amz-checksum-type`
/// (whether the object's checksum is `FULL_OBJECT`). Without a type, CRC64NVME is
/// full-object and the others composite; SHA-1 and SHA-256 cannot be full-object, nor
/// CRC64NVME composite.
pub fn upload_checksum(headers: Headers<'_>) -> Result<(Option<ChecksumAlgorithm>, bool), S3Error> {
    let algorithm = match headers.get("x-amz-checksum-algorithm") {
        None => None,
        Some(name) => Some(ChecksumAlgorithm::from_name(name).ok_or_else(|| {
            S3Error::InvalidRequest {
                message: "Checksum algorithm provided is unsupported. Please try again with any of the valid types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]".to_owned(),
            }
        })?),
    };
    let full_object = match (headers.get("x-amz-checksum-type"), algorithm) {
        (None, algorithm) => algorithm == Some(ChecksumAlgorithm::Crc64Nvme),
        (Some(kind), Some(algorithm)) => {
            let full = match kind.to_ascii_uppercase().as_str() {
                "FULL_OBJECT" => true,
                "COMPOSITE" => false,
                _ => {
                    return Err(S3Error::InvalidRequest {
                        message: format!("Value for x-amz-checksum-type header is invalid: {kind}"),
                    })
                }
            };
            let supported = match algorithm {
                ChecksumAlgorithm::Crc64Nvme => full,
                ChecksumAlgorithm::Sha1 | ChecksumAlgorithm::Sha256 => !full,
                ChecksumAlgorithm::Crc32 | ChecksumAlgorithm::Crc32c => true,
            };
            if !supported {
                return Err(S3Error::InvalidRequest {
                    message: format!(
                        "The {} checksum type cannot be used with the {} checksum algorithm.",
                        kind.to_ascii_uppercase(),
                        algorithm.name().to_ascii_lowercase()
                    ),
                });
            }
            full
        }
        (Some(_), None) => {
            return Err(S3Error::InvalidRequest {
                message: "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm header.".to_owned(),
            })
        }
    };
    Ok((algorithm, full_object))
}

/// `x-amz-copy-source: [/]bucket/key`, percent-encoded as SDKs send it; `None` without
/// one. A version (`?versionId=`) other than `null` is not implemented (no versioning).
pub fn copy_source(headers: Headers<'_>) -> Result<Option<CopySource>, S3Error> {
    let Some(raw) = headers.get("x-amz-copy-source") else {
        return Ok(None);
    };
    let invalid = || S3Error::InvalidArgument {
        name: "x-amz-copy-source",
        value: raw.to_owned(),
        message: "Invalid copy source object key",
    };
    let (path, version) = match raw.split_once("?versionId=") {
        Some((path, version)) => (path, Some(version)),
        None => (raw, None),
    };
    if version.is_some_and(|version| version != "null") {
        return Err(unsupported("a copy source version (versionId)"));
    }
    let decoded = crate::s3::wire::percent_decode(path).ok_or_else(invalid)?;
    let (bucket, key) = decoded
        .trim_start_matches('/')
        .split_once('/')
        .ok_or_else(invalid)?;
    if bucket.is_empty() || key.is_empty() {
        return Err(invalid());
    }
    Ok(Some(CopySource {
        bucket: bucket.to_owned(),
        key: key.to_owned(),
    }))
}

/// The `x-amz-copy-source-if-*` conditions.
pub fn copy_conditions(headers: Headers<'_>) -> Preconditions {
    Preconditions {
        if_match: headers.get("x-amz-copy-source-if-match").map(str::to_owned),
        if_none_match: headers
            .get("x-amz-copy-source-if-none-match")
            .map(str::to_owned),
        if_modified_since: headers
            .get("x-amz-copy-source-if-modified-since")
            .and_then(parse_http_date),
        if_unmodified_since: headers
            .get("x-amz-copy-source-if-unmodified-since")
            .and_then(parse_http_date),
    }
}

/// `x-amz-metadata-directive`: whether the copy takes the request's metadata (`REPLACE`)
/// rather than the source's (`COPY`, the default).
pub fn replaces_metadata(headers: Headers<'_>) -> Result<bool, S3Error> {
    match headers.get("x-amz-metadata-directive") {
        None | Some("COPY") => Ok(false),
        Some("REPLACE") => Ok(true),
        Some(other) => Err(S3Error::InvalidArgument {
            name: "x-amz-metadata-directive",
            value: other.to_owned(),
            message: "Unknown metadata directive.",
        }),
    }
}

/// `If-None-Match: *` or `If-Match` on a write; S3 supports nothing else.
fn write_condition(headers: Headers<'_>) -> Result<Option<WriteCondition>, S3Error> {
    match (headers.get("if-none-match"), headers.get("if-match")) {
        (None, None) => Ok(None),
        (Some(value), None) if value.trim() == "*" => Ok(Some(WriteCondition::IfNoneMatchAny)),
        (Some(_), None) => Err(unsupported("If-None-Match other than * on PutObject")),
        (None, Some(list)) => Ok(Some(WriteCondition::IfMatch(list.to_owned()))),
        (Some(_), Some(_)) => Err(unsupported("If-Match with If-None-Match on PutObject")),
    }
}

/// Canned ACLs a bucket-owner-enforced bucket accepts; others are refused as S3 does.
fn object_acl(headers: Headers<'_>) -> Result<Option<String>, S3Error> {
    match headers.get("x-amz-acl") {
        None => Ok(None),
        Some(acl @ ("private" | "bucket-owner-full-control")) => Ok(Some(acl.to_owned())),
        Some(other) => Err(S3Error::AccessControlListNotSupported {
            acl: other.to_owned(),
        }),
    }
}

/// SSE-S3 (`AES256`) is what every object gets; KMS is not implemented.
fn server_side_encryption(headers: Headers<'_>) -> Result<Option<String>, S3Error> {
    match headers.get("x-amz-server-side-encryption") {
        None => Ok(None),
        Some("AES256") => Ok(Some("AES256".to_owned())),
        Some(kms @ ("aws:kms" | "aws:kms:dsse")) => {
            Err(unsupported(&format!("server-side encryption {kms}")))
        }
        Some(other) => Err(S3Error::InvalidArgument {
            name: "x-amz-server-side-encryption",
            value: other.to_owned(),
            message: "The encryption method specified is not supported",
        }),
    }
}

/// Only `STANDARD` is stored.
fn storage_class(headers: Headers<'_>) -> Result<Option<String>, S3Error> {
    match headers.get("x-amz-storage-class") {
        None => Ok(None),
        Some("STANDARD") => Ok(Some("STANDARD".to_owned())),
        Some(other) => Err(unsupported(&format!("storage class {other}"))),
    }
}
