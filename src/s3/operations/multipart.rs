//! Multipart uploads: CreateMultipartUpload, UploadPart, CompleteMultipartUpload,
//! AbortMultipartUpload, ListParts and ListMultipartUploads, as aws-cli and the SDKs' transfer
//! managers drive them for objects above 8 MiB.
//! <https://docs.aws.amazon.com/AmazonS3/latest/userguide/mpuoverview.html>
//!
//! Completion checks the list as S3 does (ascending numbers, each part present with its
//! ETag, every part but the last at least 5 MiB), assembles the parts into one object
//! written atomically, and gives it S3's multipart ETag (`<md5 of the part MD5s>-<parts>`)
//! and checksum: composite (`<checksum of the part checksums>-<parts>`) for an upload
//! created with a checksum algorithm, else a full-object CRC64NVME.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::Serialize;

use super::copy_object::{check_copy_conditions, CopySource};
use super::put_object::{verify_body, DEFAULT_CONTENT_TYPE};
use crate::s3::checksum::{Checksum, ChecksumAlgorithm};
use crate::s3::error::MIN_PART_BYTES;
use crate::s3::input::{EncodingType, PutOptions};
use crate::s3::preconditions::Preconditions;
use crate::s3::store::{ObjectMeta, PartInfo, Staged, StoredChecksum, UploadInfo};
use crate::s3::wire::time::iso8601_millis;
use crate::s3::wire::{
    multipart_etag, url_encode, xml_document, ChecksumElement, Owner, XML_NAMESPACE,
};
use crate::s3::{S3Error, S3Response, S3Store};

/// Most parts ListParts returns, and its default.
const MAX_PARTS: u32 = 1000;
/// Most uploads ListMultipartUploads returns, and its default.
const MAX_UPLOADS: u32 = 1000;

/// A part as CompleteMultipartUpload names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletedPart {
    pub part_number: u32,
    pub etag: String,
}

/// CreateMultipartUpload's input.
pub struct Create<'a> {
    pub bucket: &'a str,
    pub key: &'a str,
    pub content_type: Option<&'a str>,
    pub metadata: &'a [(String, String)],
    pub options: &'a PutOptions,
    pub checksum_algorithm: Option<ChecksumAlgorithm>,
    pub full_object_checksum: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct InitiateMultipartUploadResult<'a> {
    #[serde(rename = "@xmlns")]
    namespace: &'static str,
    bucket: &'a str,
    key: &'a str,
    upload_id: &'a str,
}

/// Runs CreateMultipartUpload.
pub fn create(store: &S3Store, create: &Create<'_>, now: u64) -> Result<S3Response, S3Error> {
    let info = UploadInfo {
        upload_id: new_upload_id(),
        bucket: create.bucket.to_owned(),
        key: create.key.to_owned(),
        initiated: now,
        content_type: create.content_type.map(str::to_owned),
        metadata: create.metadata.to_vec(),
        content_headers: create.options.content_headers.clone(),
        checksum_algorithm: create.checksum_algorithm,
        full_object_checksum: create.full_object_checksum,
    };
    store.create_upload(info.clone())?;
    let result = InitiateMultipartUploadResult {
        namespace: XML_NAMESPACE,
        bucket: &info.bucket,
        key: &info.key,
        upload_id: &info.upload_id,
    };
    let mut response = S3Response::xml(xml_document("InitiateMultipartUploadResult", &result)?)
        .with_header("x-amz-server-side-encryption", "AES256");
    if let Some(algorithm) = info.checksum_algorithm {
        response = response
            .with_header("x-amz-checksum-algorithm", algorithm.name())
            .with_header("x-amz-checksum-type", checksum_type(&info));
    }
    Ok(response)
}

/// S3's upload ids are long opaque strings; these are 32 random bytes, URL-safe base64.
fn new_upload_id() -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

fn checksum_type(info: &UploadInfo) -> &'static str {
    if info.full_object_checksum {
        "FULL_OBJECT"
    } else {
        "COMPOSITE"
    }
}

/// The checksums to compute over a part of `upload_id`: the upload's algorithm and the one
/// the request names.
pub fn part_algorithms(
    store: &S3Store,
    bucket: &str,
    key: &str,
    upload_id: &str,
    options: &PutOptions,
) -> Vec<ChecksumAlgorithm> {
    let mut algorithms = options.algorithms();
    if let Ok((info, _)) = store.upload(bucket, key, upload_id) {
        algorithms.extend(info.checksum_algorithm);
    }
    algorithms
}

/// Runs UploadPart on a body already `staged`.
#[allow(clippy::too_many_arguments)]
pub fn upload_part(
    store: &S3Store,
    bucket: &str,
    key: &str,
    upload_id: &str,
    part_number: u32,
    options: &PutOptions,
    staged: Staged,
    now: u64,
) -> Result<S3Response, S3Error> {
    let (info, _) = store.upload(bucket, key, upload_id)?;
    let size = staged.digests.size;
    if size > store.max_object_bytes() {
        return Err(S3Error::EntityTooLarge {
            size,
            max: store.max_object_bytes(),
        });
    }
    verify_body(options, &staged.digests)?;
    let checksum = info
        .checksum_algorithm
        .and_then(|algorithm| staged.digests.checksum(algorithm))
        .map(<[u8]>::to_vec);
    let part = store.put_part(&info, part_number, staged, checksum.clone(), now)?;
    let mut response = S3Response::empty(200)
        .with_header("etag", part.etag)
        .with_header("x-amz-server-side-encryption", "AES256");
    if let (Some(algorithm), Some(digest)) = (info.checksum_algorithm, checksum) {
        response = response.with_header(algorithm.header(), STANDARD.encode(digest));
    }
    Ok(response)
}

/// UploadPartCopy's input.
pub struct PartCopy<'a> {
    pub bucket: &'a str,
    pub key: &'a str,
    pub upload_id: &'a str,
    pub part_number: u32,
    pub source: &'a CopySource,
    /// `x-amz-copy-source-range: bytes=first-last`.
    pub range: Option<&'a str>,
    pub conditions: &'a Preconditions,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CopyPartResult {
    #[serde(rename = "ETag")]
    etag: String,
    last_modified: String,
}

/// Runs UploadPartCopy: a part made of the source object's bytes (or a range of them).
pub fn upload_part_copy(
    store: &S3Store,
    copy: &PartCopy<'_>,
    now: u64,
) -> Result<S3Response, S3Error> {
    let (info, _) = store.upload(copy.bucket, copy.key, copy.upload_id)?;
    let algorithms: Vec<ChecksumAlgorithm> = info.checksum_algorithm.into_iter().collect();
    let (_, staged) =
        store.stage_object_copy(&copy.source.bucket, &copy.source.key, &algorithms, |meta| {
            check_copy_conditions(copy.conditions, meta)?;
            copy_range(copy.range, meta.size)
        })?;
    let checksum = info
        .checksum_algorithm
        .and_then(|algorithm| staged.digests.checksum(algorithm))
        .map(<[u8]>::to_vec);
    let part = store.put_part(&info, copy.part_number, staged, checksum, now)?;
    let result = CopyPartResult {
        etag: part.etag,
        last_modified: iso8601_millis(part.last_modified),
    };
    Ok(S3Response::xml(xml_document("CopyPartResult", &result)?)
        .with_header("x-amz-server-side-encryption", "AES256"))
}

/// `x-amz-copy-source-range: bytes=first-last` (both inclusive) within an object of
/// `size` bytes, as (offset, length); the whole object without one.
fn copy_range(range: Option<&str>, size: u64) -> Result<(u64, u64), S3Error> {
    let Some(range) = range else {
        return Ok((0, size));
    };
    let parsed = range
        .trim()
        .strip_prefix("bytes=")
        .and_then(|span| span.split_once('-'))
        .and_then(|(first, last)| Some((first.parse::<u64>().ok()?, last.parse::<u64>().ok()?)));
    match parsed {
        Some((first, last)) if first <= last && last < size => Ok((first, last - first + 1)),
        Some(_) => Err(S3Error::InvalidArgument {
            name: "x-amz-copy-source-range",
            value: range.to_owned(),
            message: "Range specified is not valid for source object",
        }),
        None => Err(S3Error::InvalidArgument {
            name: "x-amz-copy-source-range",
            value: range.to_owned(),
            message: "The x-amz-copy-source-range value must be of the form bytes=first-last where first and last are the zero-based offsets of the first and last bytes to copy",
        }),
    }
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CompleteMultipartUploadResult<'a> {
    #[serde(rename = "@xmlns")]
    namespace: &'static str,
    location: String,
    bucket: &'a str,
    key: &'a str,
    #[serde(rename = "ETag")]
    etag: &'a str,
    #[serde(flatten)]
    checksum: Option<ChecksumElement>,
    checksum_type: &'static str,
}

/// Runs CompleteMultipartUpload: checks the list, assembles the object, forgets the upload.
pub fn complete(
    store: &S3Store,
    bucket: &str,
    key: &str,
    upload_id: &str,
    requested: &[CompletedPart],
    now: u64,
) -> Result<S3Response, S3Error> {
    let (info, stored) = store.upload(bucket, key, upload_id)?;
    let chosen = choose_parts(upload_id, requested, &stored)?;
    let mut algorithms = vec![ChecksumAlgorithm::Crc64Nvme];
    if info.full_object_checksum {
        algorithms.extend(info.checksum_algorithm);
    }
    let mut sources = Vec::with_capacity(chosen.len());
    for part in &chosen {
        let file = std::fs::File::open(store.part_path(upload_id, part)).map_err(|source| {
            S3Error::Storage {
                context: format!("opening part {}", part.part_number),
                source,
            }
        })?;
        sources.push((file, part.size));
    }
    let staged = store.stage_copy(sources, &algorithms)?;
    let md5s: Vec<[u8; 16]> = chosen.iter().map(|part| part.md5).collect();
    let etag = multipart_etag(&md5s);
    let checksum = object_checksum(&info, &chosen, &staged)?;
    let meta = ObjectMeta {
        key: key.to_owned(),
        size: staged.digests.size,
        etag: etag.clone(),
        last_modified: now,
        content_type: info
            .content_type
            .clone()
            .unwrap_or_else(|| DEFAULT_CONTENT_TYPE.to_owned()),
        metadata: info.metadata.clone(),
        content_headers: info.content_headers.clone(),
        checksum: Some(checksum.clone()),
    };
    store.put_staged(bucket, meta, staged, None)?;
    store.remove_upload(bucket, key, upload_id)?;
    let result = CompleteMultipartUploadResult {
        namespace: XML_NAMESPACE,
        location: format!("/{bucket}/{}", url_encode(key)),
        bucket,
        key,
        etag: &etag,
        checksum: Some(ChecksumElement {
            algorithm: checksum.algorithm,
            value: checksum.value.clone(),
        }),
        checksum_type: if checksum.composite {
            "COMPOSITE"
        } else {
            "FULL_OBJECT"
        },
    };
    Ok(
        S3Response::xml(xml_document("CompleteMultipartUploadResult", &result)?)
            .with_header("x-amz-server-side-encryption", "AES256"),
    )
}

/// The stored parts `requested` names, in order, after S3's checks.
fn choose_parts(
    upload_id: &str,
    requested: &[CompletedPart],
    stored: &[PartInfo],
) -> Result<Vec<PartInfo>, S3Error> {
    if requested.is_empty() {
        return Err(S3Error::MalformedXml(
            "CompleteMultipartUpload names no part".to_owned(),
        ));
    }
    if requested
        .windows(2)
        .any(|pair| pair[0].part_number >= pair[1].part_number)
    {
        return Err(S3Error::InvalidPartOrder {
            upload_id: upload_id.to_owned(),
        });
    }
    let unquoted = |etag: &str| etag.trim().trim_matches('"').to_ascii_lowercase();
    let mut chosen = Vec::with_capacity(requested.len());
    for want in requested {
        let invalid = || S3Error::InvalidPart {
            upload_id: upload_id.to_owned(),
            part_number: want.part_number,
            etag: want.etag.clone(),
        };
        let part = stored
            .iter()
            .find(|part| part.part_number == want.part_number)
            .ok_or_else(invalid)?;
        if unquoted(&part.etag) != unquoted(&want.etag) {
            return Err(invalid());
        }
        chosen.push(part.clone());
    }
    if let Some(small) = chosen[..chosen.len() - 1]
        .iter()
        .find(|part| part.size < MIN_PART_BYTES)
    {
        return Err(S3Error::EntityTooSmall {
            size: small.size,
            part_number: small.part_number,
            etag: small.etag.clone(),
        });
    }
    Ok(chosen)
}

/// The assembled object's checksum: composite over the parts' checksums for an upload
/// with a composite algorithm, else full-object (the upload's CRC, or CRC64NVME).
fn object_checksum(
    info: &UploadInfo,
    parts: &[PartInfo],
    staged: &Staged,
) -> Result<StoredChecksum, S3Error> {
    let full = |algorithm: ChecksumAlgorithm| -> Result<StoredChecksum, S3Error> {
        let digest = staged.digests.checksum(algorithm).ok_or_else(|| {
            S3Error::Internal(format!(
                "the {} of the object was not computed",
                algorithm.name()
            ))
        })?;
        Ok(StoredChecksum {
            algorithm,
            value: Checksum::of_digest(algorithm, digest).value,
            composite: false,
        })
    };
    match info.checksum_algorithm {
        Some(algorithm) if info.full_object_checksum => full(algorithm),
        Some(algorithm) => {
            let mut joined = Vec::new();
            for part in parts {
                let digest = part.checksum.as_ref().ok_or_else(|| S3Error::InvalidRequest {
                    message: format!(
                        "The upload was created using a {} checksum. The complete request referenced part {} which lacks it.",
                        algorithm.name(),
                        part.part_number
                    ),
                })?;
                joined.extend_from_slice(digest);
            }
            Ok(StoredChecksum {
                algorithm,
                value: format!(
                    "{}-{}",
                    STANDARD.encode(algorithm.digest(&joined)),
                    parts.len()
                ),
                composite: true,
            })
        }
        None => full(ChecksumAlgorithm::Crc64Nvme),
    }
}

/// Runs AbortMultipartUpload.
pub fn abort(
    store: &S3Store,
    bucket: &str,
    key: &str,
    upload_id: &str,
) -> Result<S3Response, S3Error> {
    store.upload(bucket, key, upload_id)?;
    store.remove_upload(bucket, key, upload_id)?;
    Ok(S3Response::empty(204))
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ListPartsResult<'a> {
    #[serde(rename = "@xmlns")]
    namespace: &'static str,
    bucket: &'a str,
    key: &'a str,
    upload_id: &'a str,
    part_number_marker: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_part_number_marker: Option<u32>,
    max_parts: u32,
    is_truncated: bool,
    part: Vec<PartEntry>,
    initiator: Initiator<'a>,
    owner: Owner<'a>,
    storage_class: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    checksum_algorithm: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    checksum_type: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct PartEntry {
    part_number: u32,
    last_modified: String,
    #[serde(rename = "ETag")]
    etag: String,
    size: u64,
    #[serde(flatten)]
    checksum: Option<ChecksumElement>,
}

/// `<Initiator>`: the account's owner, as for objects.
#[derive(Serialize, Clone)]
#[serde(rename_all = "PascalCase")]
struct Initiator<'a> {
    #[serde(rename = "ID")]
    id: &'a str,
}

/// Runs ListParts.
pub fn list_parts(
    store: &S3Store,
    bucket: &str,
    key: &str,
    upload_id: &str,
    max_parts: Option<u32>,
    part_number_marker: Option<u32>,
) -> Result<S3Response, S3Error> {
    let (info, parts) = store.upload(bucket, key, upload_id)?;
    let marker = part_number_marker.unwrap_or(0);
    let max_parts = max_parts.unwrap_or(MAX_PARTS).min(MAX_PARTS);
    let after: Vec<&PartInfo> = parts.iter().filter(|p| p.part_number > marker).collect();
    let limit = usize::try_from(max_parts).unwrap_or(usize::MAX);
    let is_truncated = after.len() > limit;
    let page = &after[..after.len().min(limit)];
    let checksum_of = |part: &PartInfo| {
        Some(ChecksumElement {
            algorithm: info.checksum_algorithm?,
            value: STANDARD.encode(part.checksum.as_ref()?),
        })
    };
    let entries = page
        .iter()
        .map(|part| PartEntry {
            part_number: part.part_number,
            last_modified: iso8601_millis(part.last_modified),
            etag: part.etag.clone(),
            size: part.size,
            checksum: checksum_of(part),
        })
        .collect();
    let result = ListPartsResult {
        namespace: XML_NAMESPACE,
        bucket,
        key,
        upload_id,
        part_number_marker: marker,
        next_part_number_marker: page.last().map(|part| part.part_number),
        max_parts,
        is_truncated,
        part: entries,
        initiator: Initiator {
            id: store.owner_id(),
        },
        owner: Owner {
            id: store.owner_id(),
        },
        storage_class: "STANDARD",
        checksum_algorithm: info.checksum_algorithm.map(ChecksumAlgorithm::name),
        checksum_type: info.checksum_algorithm.map(|_| checksum_type(&info)),
    };
    Ok(S3Response::xml(xml_document("ListPartsResult", &result)?))
}

/// ListMultipartUploads' query.
pub struct UploadsQuery<'a> {
    pub prefix: &'a str,
    pub delimiter: Option<&'a str>,
    pub key_marker: Option<&'a str>,
    pub upload_id_marker: Option<&'a str>,
    pub max_uploads: Option<u32>,
    pub encoding_type: Option<EncodingType>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ListMultipartUploadsResult<'a> {
    #[serde(rename = "@xmlns")]
    namespace: &'static str,
    bucket: &'a str,
    key_marker: String,
    upload_id_marker: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_key_marker: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_upload_id_marker: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    encoding_type: Option<&'static str>,
    prefix: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    delimiter: Option<String>,
    max_uploads: u32,
    is_truncated: bool,
    upload: Vec<UploadEntry<'a>>,
    common_prefixes: Vec<CommonPrefix>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct UploadEntry<'a> {
    key: String,
    upload_id: String,
    initiator: Initiator<'a>,
    owner: Owner<'a>,
    storage_class: &'static str,
    initiated: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    checksum_algorithm: Option<&'static str>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CommonPrefix {
    prefix: String,
}

/// Runs ListMultipartUploads: uploads by key then initiation, after the markers, keys
/// under `prefix` rolled up at `delimiter`.
pub fn list_uploads(
    store: &S3Store,
    bucket: &str,
    query: &UploadsQuery<'_>,
) -> Result<S3Response, S3Error> {
    let uploads = store.uploads_in(bucket)?;
    let max_uploads = query.max_uploads.unwrap_or(MAX_UPLOADS).min(MAX_UPLOADS);
    let limit = usize::try_from(max_uploads).unwrap_or(usize::MAX);
    let encode = |text: &str| match query.encoding_type {
        Some(EncodingType::Url) => url_encode(text),
        None => text.to_owned(),
    };
    let after_marker = |upload: &UploadInfo| match (query.key_marker, query.upload_id_marker) {
        (None, _) => true,
        (Some(key), None) => upload.key.as_str() > key,
        (Some(key), Some(id)) => {
            upload.key.as_str() > key || (upload.key == key && upload.upload_id.as_str() > id)
        }
    };
    let delimiter = query.delimiter.filter(|d| !d.is_empty());
    let mut entries = Vec::new();
    let mut prefixes: Vec<String> = Vec::new();
    let mut is_truncated = false;
    let mut last: Option<(String, Option<String>)> = None;
    for upload in uploads
        .iter()
        .filter(|upload| upload.key.starts_with(query.prefix) && after_marker(upload))
    {
        let rest = &upload.key[query.prefix.len()..];
        let common = delimiter
            .and_then(|d| rest.find(d).map(|at| at + d.len()))
            .map(|end| upload.key[..query.prefix.len() + end].to_owned());
        if let Some(common) = &common {
            if prefixes.last() == Some(common) {
                continue;
            }
        }
        if entries.len() + prefixes.len() == limit {
            is_truncated = limit > 0;
            break;
        }
        match common {
            Some(common) => {
                last = Some((common.clone(), None));
                prefixes.push(common);
            }
            None => {
                last = Some((upload.key.clone(), Some(upload.upload_id.clone())));
                entries.push(UploadEntry {
                    key: encode(&upload.key),
                    upload_id: upload.upload_id.clone(),
                    initiator: Initiator {
                        id: store.owner_id(),
                    },
                    owner: Owner {
                        id: store.owner_id(),
                    },
                    storage_class: "STANDARD",
                    initiated: iso8601_millis(upload.initiated),
                    checksum_algorithm: upload.checksum_algorithm.map(ChecksumAlgorithm::name),
                });
            }
        }
    }
    let (next_key_marker, next_upload_id_marker) = match last.filter(|_| is_truncated) {
        Some((key, id)) => (Some(encode(&key)), id),
        None => (None, None),
    };
    let result = ListMultipartUploadsResult {
        namespace: XML_NAMESPACE,
        bucket,
        key_marker: encode(query.key_marker.unwrap_or("")),
        upload_id_marker: query.upload_id_marker.unwrap_or(""),
        next_key_marker,
        next_upload_id_marker,
        encoding_type: query.encoding_type.map(|EncodingType::Url| "url"),
        prefix: encode(query.prefix),
        delimiter: query.delimiter.map(encode),
        max_uploads,
        is_truncated,
        upload: entries,
        common_prefixes: prefixes
            .into_iter()
            .map(|prefix| CommonPrefix {
                prefix: encode(&prefix),
            })
            .collect(),
    };
    Ok(S3Response::xml(xml_document(
        "ListMultipartUploadsResult",
        &result,
    )?))
}
