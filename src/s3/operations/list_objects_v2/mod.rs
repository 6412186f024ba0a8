//! ListObjectsV2: a bucket's keys in UTF-8 byte order, filtered by `prefix`, rolled up
//! into `CommonPrefixes` at `delimiter`, resumed after `start-after` or a continuation
//! token, at most `max-keys` (default and cap 1000) entries, keys and prefixes counting
//! alike. <https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html>

use std::collections::BTreeMap;
use std::ops::Bound;

use serde::Serialize;

use crate::s3::input::EncodingType;
use crate::s3::store::{ObjectMeta, StoredObject};
use crate::s3::wire::time::iso8601_millis;
use crate::s3::wire::{decode_token, encode_token, url_encode, xml_document, Owner, XML_NAMESPACE};
use crate::s3::{S3Error, S3Response, S3Store};

/// Entries per page when `max-keys` is absent, and the most S3 returns.
const MAX_KEYS: u32 = 1000;

/// ListObjectsV2's query.
pub struct Query<'a> {
    pub prefix: &'a str,
    pub delimiter: Option<&'a str>,
    pub continuation_token: Option<&'a str>,
    pub start_after: Option<&'a str>,
    pub max_keys: Option<u32>,
    pub encoding_type: Option<EncodingType>,
    pub fetch_owner: bool,
}

/// `<ListBucketResult>`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ListBucketResult<'a> {
    #[serde(rename = "@xmlns")]
    namespace: &'static str,
    name: &'a str,
    prefix: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    delimiter: Option<String>,
    max_keys: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    encoding_type: Option<&'static str>,
    key_count: usize,
    is_truncated: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    continuation_token: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_continuation_token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    start_after: Option<String>,
    contents: Vec<Contents<'a>>,
    common_prefixes: Vec<CommonPrefix>,
}

/// One object, `<Contents>`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Contents<'a> {
    key: String,
    last_modified: String,
    #[serde(rename = "ETag")]
    etag: String,
    size: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    owner: Option<Owner<'a>>,
    storage_class: &'static str,
}

/// One rolled-up prefix, `<CommonPrefixes><Prefix/></CommonPrefixes>`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CommonPrefix {
    prefix: String,
}

/// One listed entry.
enum Entry {
    Object(ObjectMeta),
    Prefix(String),
}

/// One page of entries.
struct Page {
    entries: Vec<Entry>,
    truncated: bool,
}

/// Runs ListObjectsV2.
pub fn run(store: &S3Store, bucket: &str, query: &Query<'_>) -> Result<S3Response, S3Error> {
    let resume = query.continuation_token.map(decode_token).transpose()?;
    // A token wins over start-after: it is further along the same listing.
    let marker = resume.as_deref().or(query.start_after);
    let delimiter = query.delimiter.filter(|delimiter| !delimiter.is_empty());
    let max_keys = query.max_keys.unwrap_or(MAX_KEYS).min(MAX_KEYS);
    let limit = usize::try_from(max_keys).unwrap_or(usize::MAX);
    let page = store.with_objects(bucket, |objects| {
        page(objects, query.prefix, delimiter, marker, limit)
    })?;
    let next_continuation_token = match page.entries.last() {
        Some(Entry::Object(meta)) if page.truncated => Some(encode_token(&meta.key)),
        Some(Entry::Prefix(prefix)) if page.truncated => Some(encode_token(prefix)),
        _ => None,
    };
    let encode = |text: &str| match query.encoding_type {
        Some(EncodingType::Url) => url_encode(text),
        None => text.to_owned(),
    };
    let owner = query.fetch_owner.then(|| Owner {
        id: store.owner_id(),
    });
    let mut contents = Vec::new();
    let mut common_prefixes = Vec::new();
    for entry in &page.entries {
        match entry {
            Entry::Object(meta) => contents.push(Contents {
                key: encode(&meta.key),
                last_modified: iso8601_millis(meta.last_modified),
                etag: meta.etag.clone(),
                size: meta.size,
                owner: owner.clone(),
                storage_class: "STANDARD",
            }),
            Entry::Prefix(prefix) => common_prefixes.push(CommonPrefix {
                prefix: encode(prefix),
            }),
        }
    }
    let result = ListBucketResult {
        namespace: XML_NAMESPACE,
        name: bucket,
        prefix: encode(query.prefix),
        delimiter: query.delimiter.map(encode),
        max_keys,
        encoding_type: query.encoding_type.map(|EncodingType::Url| "url"),
        key_count: page.entries.len(),
        is_truncated: page.truncated,
        continuation_token: query.continuation_token,
        next_continuation_token,
        start_after: query.start_after.map(encode),
        contents,
        common_prefixes,
    };
    Ok(S3Response::xml(xml_document("ListBucketResult", &result)?))
}

/// Up to `limit` entries after `marker` among the keys under `prefix`. A key with
/// `delimiter` after the prefix rolls up into the prefix through that delimiter, listed
/// once, and never again when the marker is that prefix (the previous page ended on it).
fn page(
    objects: &BTreeMap<String, StoredObject>,
    prefix: &str,
    delimiter: Option<&str>,
    marker: Option<&str>,
    limit: usize,
) -> Page {
    let start = match marker {
        Some(marker) if marker >= prefix => Bound::Excluded(marker),
        _ => Bound::Included(prefix),
    };
    let mut entries: Vec<Entry> = Vec::new();
    let mut truncated = false;
    let mut last_prefix: Option<&str> = None;
    for (key, object) in objects.range::<str, _>((start, Bound::Unbounded)) {
        // Keys under a prefix are contiguous and the range starts at or inside them.
        let Some(rest) = key.strip_prefix(prefix) else {
            break;
        };
        let rolled_up = delimiter
            .and_then(|delimiter| rest.find(delimiter).map(|at| at + delimiter.len()))
            .map(|end| &key[..prefix.len() + end]);
        if let Some(common) = rolled_up {
            if last_prefix == Some(common) || marker == Some(common) {
                continue;
            }
        }
        if entries.len() == limit {
            // max-keys=0 asks for nothing, and S3 reports that as complete.
            truncated = limit > 0;
            break;
        }
        match rolled_up {
            Some(common) => {
                last_prefix = Some(common);
                entries.push(Entry::Prefix(common.to_owned()));
            }
            None => entries.push(Entry::Object(object.meta.clone())),
        }
    }
    Page { entries, truncated }
}

#[cfg(test)]
mod tests;
