//! DeleteObjects' request: the `<Delete>` body (1 to 1000 keys, `Quiet`), and the
//! integrity header S3 requires on it: `Content-MD5` (botocore up to 1.35) or a flexible
//! checksum (1.36 on), verified against the body either way.
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html>

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::de::IgnoredAny;
use serde::Deserialize;

use super::headers::{self, Headers};
use super::{unsupported, xml_body};
use crate::s3::checksum::{md5, parse_content_md5, ChecksumAlgorithm};
use crate::s3::error::S3Error;
use crate::s3::S3Operation;

/// The most keys one request may name; S3 answers more with `MalformedXML`.
const MAX_KEYS: usize = 1000;

/// `<Delete>` as the model defines it; the children we do not implement are detected.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Delete {
    #[serde(rename = "@xmlns", default)]
    _namespace: Option<String>,
    #[serde(rename = "Object", default)]
    objects: Vec<ObjectIdentifier>,
    #[serde(rename = "Quiet", default)]
    quiet: Option<String>,
}

/// `<Object>`: a key, and the version or conditions we do not implement.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ObjectIdentifier {
    #[serde(rename = "Key")]
    key: String,
    #[serde(rename = "VersionId", default)]
    version_id: Option<IgnoredAny>,
    #[serde(rename = "ETag", default)]
    etag: Option<IgnoredAny>,
    #[serde(rename = "LastModifiedTime", default)]
    last_modified_time: Option<IgnoredAny>,
    #[serde(rename = "Size", default)]
    size: Option<IgnoredAny>,
}

/// `POST /{bucket}?delete`: checks the body's integrity header, then reads the body.
pub fn parse(bucket: String, headers: Headers<'_>, body: &[u8]) -> Result<S3Operation, S3Error> {
    if headers.get("x-amz-mfa").is_some() {
        return Err(unsupported("DeleteObjects with the x-amz-mfa header"));
    }
    verify_integrity(headers, body)?;
    let delete: Delete = xml_body::parse(body, "Delete")?;
    let quiet = match delete.quiet.as_deref().map(str::trim) {
        None | Some("false" | "0") => false,
        Some("true" | "1") => true,
        Some(other) => {
            return Err(S3Error::MalformedXml(format!(
                "Quiet is {other:?}, not a boolean"
            )))
        }
    };
    match delete.objects.len() {
        0 => return Err(S3Error::MalformedXml("<Delete> names no <Object>".into())),
        count if count > MAX_KEYS => {
            return Err(S3Error::MalformedXml(format!(
                "<Delete> names {count} objects; the most is {MAX_KEYS}"
            )))
        }
        _ => {}
    }
    let mut keys = Vec::with_capacity(delete.objects.len());
    for object in delete.objects {
        if object.version_id.is_some() {
            return Err(unsupported("DeleteObjects of a version (VersionId)"));
        }
        if object.etag.is_some() || object.last_modified_time.is_some() || object.size.is_some() {
            return Err(unsupported(
                "conditional DeleteObjects (ETag, LastModifiedTime or Size)",
            ));
        }
        if object.key.is_empty() {
            // The schema's ObjectKey has a minimum length of 1.
            return Err(S3Error::MalformedXml(
                "an <Object> has an empty <Key>".into(),
            ));
        }
        keys.push(object.key);
    }
    Ok(S3Operation::DeleteObjects {
        bucket,
        keys,
        quiet,
    })
}

/// S3 requires `Content-MD5` or a flexible checksum on DeleteObjects, and checks each one
/// sent. A checksum announced for an aws-chunked trailer counts as sent: the edge checks
/// the trailer when it decodes the body.
fn verify_integrity(headers: Headers<'_>, body: &[u8]) -> Result<(), S3Error> {
    if let Some(name) = unverifiable_checksum(headers) {
        return Err(unsupported(&format!(
            "DeleteObjects with the {name} header"
        )));
    }
    let content_md5 = headers.get("content-md5");
    if let Some(value) = content_md5 {
        verify_content_md5(value, body)?;
    }
    let checksum = headers::checksum(headers)?;
    if let Some(checksum) = &checksum {
        checksum.verify(body)?;
    }
    let trailer = headers.get("x-amz-trailer").is_some_and(|name| {
        name.trim()
            .to_ascii_lowercase()
            .starts_with("x-amz-checksum-")
    });
    if content_md5.is_none() && checksum.is_none() && !trailer {
        return Err(S3Error::MissingIntegrityHeader);
    }
    Ok(())
}

/// The name of an `x-amz-checksum-*` header whose algorithm we cannot verify (SHA-1 and
/// the newer ones), which must not pass for an integrity check.
fn unverifiable_checksum(headers: Headers<'_>) -> Option<&str> {
    headers
        .0
        .iter()
        .map(|(name, _)| name.as_str())
        .filter(|name| name.to_ascii_lowercase().starts_with("x-amz-checksum-"))
        .find(|name| {
            !ChecksumAlgorithm::ALL
                .iter()
                .any(|algorithm| name.eq_ignore_ascii_case(algorithm.header()))
                && !name.eq_ignore_ascii_case("x-amz-checksum-type")
        })
}

/// `InvalidDigest` unless `value` is the base64 of 16 bytes; `BadDigest` unless they are
/// the MD5 of `body`.
fn verify_content_md5(value: &str, body: &[u8]) -> Result<(), S3Error> {
    let expected = parse_content_md5(value)?;
    let calculated = md5(body);
    if calculated == expected {
        Ok(())
    } else {
        Err(S3Error::ContentMd5Mismatch {
            expected: STANDARD.encode(expected),
            calculated: STANDARD.encode(calculated),
        })
    }
}

#[cfg(test)]
mod tests;
