//! ListObjects (version 1): the walk ListObjectsV2 makes (see [`listing`]), resumed
//! after `marker` rather than a token. Every object carries its `Owner`, as v1 always
//! sends it; `NextMarker` is sent only with a delimiter on a truncated page, otherwise
//! clients resume after the last key.
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListObjects.html>

use serde::Serialize;

use super::listing::{self, CommonPrefix, Contents, Walk};
use crate::s3::input::EncodingType;
use crate::s3::wire::{xml_document, Owner, XML_NAMESPACE};
use crate::s3::{S3Error, S3Response, S3Store};

/// ListObjects' query.
pub struct Query<'a> {
    pub prefix: &'a str,
    pub delimiter: Option<&'a str>,
    pub marker: Option<&'a str>,
    pub max_keys: Option<u32>,
    pub encoding_type: Option<EncodingType>,
}

/// `<ListBucketResult>`, its elements in the order S3 sends them.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ListBucketResult<'a> {
    #[serde(rename = "@xmlns")]
    namespace: &'static str,
    name: &'a str,
    prefix: String,
    marker: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_marker: Option<String>,
    max_keys: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    delimiter: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    encoding_type: Option<&'static str>,
    is_truncated: bool,
    contents: Vec<Contents<'a>>,
    common_prefixes: Vec<CommonPrefix>,
}

/// Runs ListObjects.
pub fn run(store: &S3Store, bucket: &str, query: &Query<'_>) -> Result<S3Response, S3Error> {
    let walk = Walk {
        prefix: query.prefix,
        delimiter: query.delimiter,
        marker: query.marker,
        max_keys: query.max_keys,
    };
    let page = listing::walk(store, bucket, &walk)?;
    let owner = Owner {
        id: store.owner_id(),
    };
    let (contents, common_prefixes) = page.render(query.encoding_type, Some(owner));
    let encode = |text: &str| listing::encode(query.encoding_type, text);
    let has_delimiter = query
        .delimiter
        .is_some_and(|delimiter| !delimiter.is_empty());
    let result = ListBucketResult {
        namespace: XML_NAMESPACE,
        name: bucket,
        prefix: encode(query.prefix),
        marker: encode(query.marker.unwrap_or("")),
        next_marker: page.resume_after().filter(|_| has_delimiter).map(encode),
        max_keys: page.max_keys,
        delimiter: query.delimiter.map(encode),
        encoding_type: listing::encoding_name(query.encoding_type),
        is_truncated: page.truncated,
        contents,
        common_prefixes,
    };
    Ok(S3Response::xml(xml_document("ListBucketResult", &result)?))
}

#[cfg(test)]
mod tests;
