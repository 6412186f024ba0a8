//! The walk ListObjects (v1) and ListObjectsV2 share: a bucket's keys in UTF-8 byte order
//! under a prefix, rolled up into common prefixes at a delimiter, resumed after a marker,
//! at most `max-keys` (default and cap 1000) entries, keys and prefixes counting alike;
//! and the `<Contents>` and `<CommonPrefixes>` elements both documents carry.
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjects.html>

use std::collections::BTreeMap;
use std::ops::Bound;

use serde::Serialize;

use crate::s3::input::EncodingType;
use crate::s3::store::{ObjectMeta, StoredObject};
use crate::s3::wire::time::iso8601_millis;
use crate::s3::wire::{url_encode, Owner};
use crate::s3::{S3Error, S3Store};

/// Entries per page when `max-keys` is absent, and the most S3 returns.
const MAX_KEYS: u32 = 1000;

/// Where a listing walks.
pub struct Walk<'a> {
    pub prefix: &'a str,
    /// An empty delimiter rolls nothing up.
    pub delimiter: Option<&'a str>,
    /// The listing starts after this key (or after every key under this common prefix).
    pub marker: Option<&'a str>,
    pub max_keys: Option<u32>,
}

/// One page of a listing.
pub struct Page {
    pub entries: Vec<Entry>,
    pub truncated: bool,
    /// `max-keys` as applied: the request's, capped, or the default.
    pub max_keys: u32,
}

/// One listed entry.
pub enum Entry {
    Object(ObjectMeta),
    Prefix(String),
}

impl Page {
    /// The key or common prefix the next page resumes after, when this page is truncated.
    pub fn resume_after(&self) -> Option<&str> {
        match self.entries.last() {
            _ if !self.truncated => None,
            Some(Entry::Object(meta)) => Some(&meta.key),
            Some(Entry::Prefix(prefix)) => Some(prefix),
            None => None,
        }
    }

    /// The page as `<Contents>` and `<CommonPrefixes>` elements; each object carries
    /// `owner` when given.
    pub fn render<'a>(
        &self,
        encoding_type: Option<EncodingType>,
        owner: Option<Owner<'a>>,
    ) -> (Vec<Contents<'a>>, Vec<CommonPrefix>) {
        let mut contents = Vec::new();
        let mut common_prefixes = Vec::new();
        for entry in &self.entries {
            match entry {
                Entry::Object(meta) => contents.push(Contents {
                    key: encode(encoding_type, &meta.key),
                    last_modified: iso8601_millis(meta.last_modified),
                    etag: meta.etag.clone(),
                    size: meta.size,
                    owner: owner.clone(),
                    storage_class: "STANDARD",
                }),
                Entry::Prefix(prefix) => common_prefixes.push(CommonPrefix {
                    prefix: encode(encoding_type, prefix),
                }),
            }
        }
        (contents, common_prefixes)
    }
}

/// One object, `<Contents>`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct Contents<'a> {
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
pub struct CommonPrefix {
    prefix: String,
}

/// `text` as the response carries it: URL-encoded when the client asked for `url`.
pub fn encode(encoding_type: Option<EncodingType>, text: &str) -> String {
    match encoding_type {
        Some(EncodingType::Url) => url_encode(text),
        None => text.to_owned(),
    }
}

/// The `<EncodingType>` element's text, echoed when the client asked for one.
pub fn encoding_name(encoding_type: Option<EncodingType>) -> Option<&'static str> {
    encoding_type.map(|EncodingType::Url| "url")
}

/// Lists one page of `bucket`, or `NoSuchBucket`.
pub fn walk(store: &S3Store, bucket: &str, walk: &Walk<'_>) -> Result<Page, S3Error> {
    let max_keys = walk.max_keys.unwrap_or(MAX_KEYS).min(MAX_KEYS);
    let limit = usize::try_from(max_keys).unwrap_or(usize::MAX);
    let delimiter = walk.delimiter.filter(|delimiter| !delimiter.is_empty());
    let (entries, truncated) = store.with_objects(bucket, |objects| {
        page(objects, walk.prefix, delimiter, walk.marker, limit)
    })?;
    Ok(Page {
        entries,
        truncated,
        max_keys,
    })
}

/// Up to `limit` entries after `marker` among the keys under `prefix`, and whether more
/// follow. A key with `delimiter` after the prefix rolls up into the prefix through that
/// delimiter, listed once, and never again when the marker is that prefix (the previous
/// page ended on it).
fn page(
    objects: &BTreeMap<String, StoredObject>,
    prefix: &str,
    delimiter: Option<&str>,
    marker: Option<&str>,
    limit: usize,
) -> (Vec<Entry>, bool) {
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
    (entries, truncated)
}
