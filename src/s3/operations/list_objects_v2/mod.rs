//! ListObjectsV2: a bucket's keys in UTF-8 byte order, filtered by `prefix`, rolled up
//! into `CommonPrefixes` at `delimiter`, resumed after `start-after` or a continuation
//! token, at most `max-keys` (default and cap 1000) entries, keys and prefixes counting
//! alike. <https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjectsV2.html>

use serde::Serialize;

use super::listing::{self, CommonPrefix, Contents, Walk};
use crate::s3::input::EncodingType;
use crate::s3::wire::{decode_token, encode_token, xml_document, Owner, XML_NAMESPACE};
use crate::s3::{S3Error, S3Response, S3Store};

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

/// Runs ListObjectsV2.
pub fn run(store: &S3Store, bucket: &str, query: &Query<'_>) -> Result<S3Response, S3Error> {
    let resume = query.continuation_token.map(decode_token).transpose()?;
    // A token wins over start-after: it is further along the same listing.
    let marker = resume.as_deref().or(query.start_after);
    let walk = Walk {
        prefix: query.prefix,
        delimiter: query.delimiter,
        marker,
        max_keys: query.max_keys,
    };
    let page = listing::walk(store, bucket, &walk)?;
    let owner = query.fetch_owner.then(|| Owner {
        id: store.owner_id(),
    });
    let (contents, common_prefixes) = page.render(query.encoding_type, owner);
    let encode = |text: &str| listing::encode(query.encoding_type, text);
    let result = ListBucketResult {
        namespace: XML_NAMESPACE,
        name: bucket,
        prefix: encode(query.prefix),
        delimiter: query.delimiter.map(encode),
        max_keys: page.max_keys,
        encoding_type: listing::encoding_name(query.encoding_type),
        key_count: page.entries.len(),
        is_truncated: page.truncated,
        continuation_token: query.continuation_token,
        next_continuation_token: page.resume_after().map(encode_token),
        start_after: query.start_after.map(encode),
        contents,
        common_prefixes,
    };
    Ok(S3Response::xml(xml_document("ListBucketResult", &result)?))
}

#[cfg(test)]
mod tests;
