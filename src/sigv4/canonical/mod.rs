//! The canonical request and the string to sign
//! ([create a canonical request](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html#create-canonical-request)),
//! built from what the request carries: its method, its path as received, its query, and
//! the values of the headers the client says it signed.

use axum::http::HeaderValue;

use super::authorization::{SignatureForm, ALGORITHM, SIGNATURE_PARAM};
use super::hash::sha256_hex;
use super::query::split_query;
use super::{Authorization, RequestView, Rules, SigV4Error};

use super::encode::percent_decode;
pub use super::encode::{normalize_path, uri_encode};

/// The canonical request: method, URI, query, headers, signed header list, payload hash.
pub fn canonical_request(
    request: &RequestView<'_>,
    auth: &Authorization,
    rules: Rules,
    payload_hash: &str,
) -> Result<String, SigV4Error> {
    let headers = canonical_headers(request, &auth.signed_headers)?;
    Ok(format!(
        "{}\n{}\n{}\n{headers}\n{}\n{payload_hash}",
        request.method,
        canonical_uri(request.path, rules),
        canonical_query(request.query.unwrap_or(""), auth.form),
        auth.signed_headers.join(";"),
    ))
}

/// The string to sign: algorithm, timestamp, credential scope, hash of the canonical request.
pub fn string_to_sign(auth: &Authorization, canonical_request: &str) -> String {
    format!(
        "{ALGORITHM}\n{}\n{}\n{}",
        auth.timestamp,
        auth.scope,
        sha256_hex(canonical_request.as_bytes())
    )
}

/// The canonical URI of a path as received. S3 signs the path exactly as sent. Every other
/// service signs it normalised and then encoded once more: the client's own encoding of
/// the path is encoded again (`%20` becomes `%2520`), as botocore and the AWS CRT signer do.
pub fn canonical_uri(path: &str, rules: Rules) -> String {
    match rules {
        Rules::S3 if path.is_empty() => "/".to_owned(),
        Rules::S3 => path.to_owned(),
        Rules::Standard => uri_encode(normalize_path(path).as_bytes(), true),
    }
}

/// The canonical query: each key and value decoded and encoded again per RFC 3986, sorted
/// by key then value, `k=v` joined by `&`; a presigned request's `X-Amz-Signature` is left
/// out.
pub fn canonical_query(query: &str, form: SignatureForm) -> String {
    let presigned = matches!(form, SignatureForm::Presigned { .. });
    let mut pairs: Vec<(String, String)> = split_query(query)
        .map(|(key, value)| {
            (
                uri_encode(&percent_decode(key), false),
                uri_encode(&percent_decode(value), false),
            )
        })
        .filter(|(key, _)| !(presigned && key == SIGNATURE_PARAM))
        .collect();
    pairs.sort_unstable();
    pairs
        .iter()
        .map(|(key, value)| format!("{key}={value}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// One `name:value\n` line per signed header, in the order signed. A header sent several
/// times has its values joined by `,`. `host` must be signed, and every signed header must
/// be present (`host` may come from the URI's authority, as in HTTP/2).
pub(crate) fn canonical_headers(
    request: &RequestView<'_>,
    signed_headers: &[String],
) -> Result<String, SigV4Error> {
    if !signed_headers
        .iter()
        .any(|name| name.eq_ignore_ascii_case("host"))
    {
        return Err(SigV4Error::MissingSignedHeader("host".to_owned()));
    }
    let mut out = String::new();
    for name in signed_headers {
        let values: Vec<String> = request
            .headers
            .get_all(name.as_str())
            .iter()
            .map(header_text)
            .map(|text| trim_all(&text))
            .collect();
        let value = match (values.is_empty(), request.authority) {
            (false, _) => values.join(","),
            (true, Some(authority)) if name.eq_ignore_ascii_case("host") => authority.to_owned(),
            (true, _) => return Err(SigV4Error::MissingSignedHeader(name.clone())),
        };
        out.push_str(&format!("{name}:{value}\n"));
    }
    Ok(out)
}

/// A header value as text: UTF-8 when it is, otherwise each byte as the Latin-1 character
/// it encodes (what an HTTP client writing a text value as Latin-1 signed).
fn header_text(value: &HeaderValue) -> String {
    match std::str::from_utf8(value.as_bytes()) {
        Ok(text) => text.to_owned(),
        Err(_) => value
            .as_bytes()
            .iter()
            .map(|&byte| char::from(byte))
            .collect(),
    }
}

/// Trims the value and collapses each run of spaces and tabs inside it to one space.
fn trim_all(value: &str) -> String {
    value
        .split([' ', '\t'])
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests;
