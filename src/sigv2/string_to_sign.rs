//! SigV2's `StringToSign` for S3, as "Signing and authenticating REST requests" builds it
//! (<https://docs.aws.amazon.com/AmazonS3/latest/API/RESTAuthentication.html>):
//!
//! ```text
//! HTTP-Verb \n Content-MD5 \n Content-Type \n Date-or-Expires \n
//! CanonicalizedAmzHeaders CanonicalizedResource
//! ```
//!
//! - The `Date` line is the `Date` header, empty when `x-amz-date` is sent (which then
//!   signs among the amz headers), or the query form's `Expires` as sent.
//! - `CanonicalizedAmzHeaders`: every `x-amz-*` header (and, in the query form, every
//!   `x-amz-*` query parameter, where botocore puts `x-amz-security-token`), names
//!   lowercased and sorted, one `name:value\n` each, repeated names' values joined by `,`.
//! - `CanonicalizedResource`: `/bucket` when the Host names it (virtual-host style), then
//!   the path as sent, then the sub-resources present, sorted by name, values
//!   percent-decoded: [`SUBRESOURCES`]. A bucket is always `/bucket/`: a path-style
//!   request to `/bucket` signs `/bucket/`, as botocore signs it (its `auth_path`) and as
//!   the virtual-host form of the same request does.

use axum::http::header::{CONTENT_TYPE, DATE};
use axum::http::HeaderMap;

use super::authorization::SignatureForm;
use crate::sigv4::RequestView;

/// Query parameters that sign as part of the resource: the list in the S3 documentation
/// (`acl, lifecycle, location, logging, notification, partNumber, policy, requestPayment,
/// uploadId, uploads, versionId, versioning, versions, website`, the six `response-*`
/// overrides, and `delete`), and those botocore's `HmacV1Auth` and the AWS SDK for Java
/// also sign, which S3 must therefore read the same way.
pub const SUBRESOURCES: [&str; 35] = [
    "accelerate",
    "acl",
    "analytics",
    "cors",
    "defaultObjectAcl",
    "delete",
    "inventory",
    "lifecycle",
    "location",
    "logging",
    "metrics",
    "notification",
    "object-lock",
    "partNumber",
    "policy",
    "replication",
    "requestPayment",
    "response-cache-control",
    "response-content-disposition",
    "response-content-encoding",
    "response-content-language",
    "response-content-type",
    "response-expires",
    "restore",
    "select",
    "select-type",
    "storageClass",
    "tagging",
    "torrent",
    "uploadId",
    "uploads",
    "versionId",
    "versioning",
    "versions",
    "website",
];

const AMZ_PREFIX: &str = "x-amz-";
const AMZ_DATE: &str = "x-amz-date";

/// The string S3 signs for `request`, signed in `form`; `virtual_host_bucket` is the
/// bucket the `Host` names, if any.
pub fn string_to_sign(
    request: &RequestView<'_>,
    form: &SignatureForm,
    virtual_host_bucket: Option<&str>,
) -> String {
    let header = |name: &str| first_header(request.headers, name).unwrap_or_default();
    let date = match form {
        SignatureForm::Query { expires_text, .. } => expires_text.clone(),
        SignatureForm::Header { .. } if request.headers.contains_key(AMZ_DATE) => String::new(),
        SignatureForm::Header { .. } => header(DATE.as_str()),
    };
    let query_amz = matches!(form, SignatureForm::Query { .. });
    format!(
        "{}\n{}\n{}\n{date}\n{}{}",
        request.method,
        header("content-md5"),
        header(CONTENT_TYPE.as_str()),
        amz_headers(request, query_amz),
        resource(request.path, request.query, virtual_host_bucket),
    )
}

/// `CanonicalizedAmzHeaders`; `with_query` adds the query's `x-amz-*` parameters.
fn amz_headers(request: &RequestView<'_>, with_query: bool) -> String {
    let mut pairs: Vec<(String, String)> = request
        .headers
        .iter()
        .filter(|(name, _)| name.as_str().starts_with(AMZ_PREFIX))
        .map(|(name, value)| {
            let value = String::from_utf8_lossy(value.as_bytes()).trim().to_owned();
            (name.as_str().to_owned(), value)
        })
        .collect();
    if with_query {
        pairs.extend(
            split_query(request.query.unwrap_or(""))
                .map(|(name, value)| (decode(name).to_ascii_lowercase(), decode(value)))
                .filter(|(name, _)| name.starts_with(AMZ_PREFIX))
                .map(|(name, value)| (name, value.trim().to_owned())),
        );
    }
    // A stable sort keeps a repeated header's values in the order received.
    pairs.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = String::new();
    let mut previous: Option<&str> = None;
    for (name, value) in &pairs {
        if previous == Some(name.as_str()) {
            out.pop();
            out.push(',');
        } else {
            out.push_str(name);
            out.push(':');
        }
        out.push_str(value);
        out.push('\n');
        previous = Some(name);
    }
    out
}

/// `CanonicalizedResource`.
fn resource(path: &str, query: Option<&str>, virtual_host_bucket: Option<&str>) -> String {
    let mut out = String::new();
    if let Some(bucket) = virtual_host_bucket {
        out.push('/');
        out.push_str(bucket);
    }
    out.push_str(if path.is_empty() { "/" } else { path });
    let names_only_a_bucket = virtual_host_bucket.is_none()
        && path
            .strip_prefix('/')
            .is_some_and(|rest| !rest.is_empty() && !rest.contains('/'));
    if names_only_a_bucket {
        out.push('/');
    }
    let mut subresources: Vec<(&str, Option<String>)> = query
        .unwrap_or("")
        .split('&')
        .filter(|piece| !piece.is_empty())
        .filter_map(|piece| {
            let (name, value) = match piece.split_once('=') {
                Some((name, value)) => (name, Some(decode(value))),
                None => (piece, None),
            };
            SUBRESOURCES.contains(&name).then_some((name, value))
        })
        .collect();
    subresources.sort_by(|a, b| a.0.cmp(b.0));
    for (index, (name, value)) in subresources.iter().enumerate() {
        out.push(if index == 0 { '?' } else { '&' });
        out.push_str(name);
        if let Some(value) = value {
            out.push('=');
            out.push_str(value);
        }
    }
    out
}

/// The first value of header `name`, trimmed.
fn first_header(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).trim().to_owned())
}

/// The `(name, value)` pieces of a raw query, as sent.
fn split_query(query: &str) -> impl Iterator<Item = (&str, &str)> {
    query
        .split('&')
        .filter(|piece| !piece.is_empty())
        .map(|piece| piece.split_once('=').unwrap_or((piece, "")))
}

/// `%XX` escapes decoded; unlike a form, `+` stays `+` (botocore's `unquote`).
fn decode(text: &str) -> String {
    String::from_utf8_lossy(&crate::sigv4::percent_decode_keeping_plus(text)).into_owned()
}
