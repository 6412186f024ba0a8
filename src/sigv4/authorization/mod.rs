//! Reads the SigV4 signature a request carries, from the `Authorization` header
//! ([header form](https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-auth-using-authorization-header.html))
//! or from the query string
//! ([presigned form](https://docs.aws.amazon.com/AmazonS3/latest/API/sigv4-query-string-auth.html)),
//! into an [`Authorization`] whose parts are each known to be well formed.

use std::fmt;

use axum::http::header::{AUTHORIZATION, DATE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue};

use super::hash::decode_hex;
use super::query::query_pairs;
use super::time::{imf_fixdate_to_amz, parse_amz_date};
use super::{RequestView, SigV4Error};

/// The only algorithm accepted, in `Authorization` and in `X-Amz-Algorithm`.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";
/// The longest a presigned request may live: seven days, in seconds.
pub const MAX_EXPIRES_SECONDS: u64 = 604_800;
/// The query parameter that carries a presigned request's signature (not itself signed).
pub const SIGNATURE_PARAM: &str = "X-Amz-Signature";

const SECURITY_TOKEN_HEADER: &str = "x-amz-security-token";
const AMZ_DATE_HEADER: &str = "x-amz-date";
/// Any of these in the query makes the request presigned.
const PRESIGN_MARKERS: [&str; 3] = ["X-Amz-Algorithm", "X-Amz-Credential", SIGNATURE_PARAM];

/// A parsed SigV4 signature and what it claims: who signed, for which scope, over which
/// headers, when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    /// The access key id from the credential.
    pub access_key_id: String,
    /// The credential scope: date, region, service.
    pub scope: CredentialScope,
    /// The signed header names, in the order received.
    pub signed_headers: Vec<String>,
    /// The signature, decoded from hex.
    pub signature: Vec<u8>,
    /// The signing time as `YYYYMMDD'T'HHMMSS'Z'` (a `Date` header is converted to it).
    pub timestamp: String,
    /// Where the signature came from.
    pub form: SignatureForm,
    /// The session token, from `X-Amz-Security-Token` (header, or query when presigned).
    pub security_token: Option<String>,
}

/// The credential scope: `date/region/service/aws4_request`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialScope {
    /// `YYYYMMDD`.
    pub date: String,
    /// The region the client signed for; any region is accepted.
    pub region: String,
    /// The service signing name (`s3`, `sts`, `iam`, `eks`, …).
    pub service: String,
}

impl fmt::Display for CredentialScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}/{}/aws4_request",
            self.date, self.region, self.service
        )
    }
}

/// Whether the signature came from the `Authorization` header or the query string.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureForm {
    /// `Authorization: AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`.
    Header,
    /// `X-Amz-Signature` and friends in the query, valid for `expires_seconds` (1..=604800).
    Presigned { expires_seconds: u64 },
}

/// The request's signature, or `Ok(None)` when it carries none (anonymous).
pub fn parse(parts: &Parts) -> Result<Option<Authorization>, SigV4Error> {
    parse_view(&RequestView::from(parts))
}

/// [`parse`] over a borrowed view of the request.
pub fn parse_view(request: &RequestView<'_>) -> Result<Option<Authorization>, SigV4Error> {
    let mut headers = request.headers.get_all(AUTHORIZATION).iter();
    let header = headers.next();
    if headers.next().is_some() {
        return Err(malformed("more than one Authorization header"));
    }
    let query = query_pairs(request.query.unwrap_or(""));
    let presigned = query
        .iter()
        .any(|(key, _)| PRESIGN_MARKERS.contains(&key.as_str()));
    match (header, presigned) {
        (None, false) => Ok(None),
        (Some(_), true) => Err(malformed(
            "both an Authorization header and presigned query parameters",
        )),
        (Some(value), false) => parse_header(value, request.headers).map(Some),
        (None, true) => parse_query(&query, request.headers).map(Some),
    }
}

fn parse_header(value: &HeaderValue, headers: &HeaderMap) -> Result<Authorization, SigV4Error> {
    let text = visible_ascii(value)
        .ok_or_else(|| malformed("the Authorization header is not ASCII"))?
        .trim();
    let (algorithm, components) = text.split_once(' ').unwrap_or((text, ""));
    if algorithm != ALGORITHM {
        return Err(SigV4Error::UnsupportedAlgorithm(algorithm.to_owned()));
    }
    let [credential, signed_headers, signature] = components_of(components)?;
    let (access_key_id, scope) = parse_credential(credential)?;
    Ok(Authorization {
        access_key_id,
        scope,
        signed_headers: parse_signed_headers(signed_headers)?,
        signature: parse_signature(signature)?,
        timestamp: header_timestamp(headers)?,
        form: SignatureForm::Header,
        security_token: header_text(headers, SECURITY_TOKEN_HEADER)?,
    })
}

/// `Credential`, `SignedHeaders` and `Signature` from `k=v` parts separated by `,` or `, `,
/// in any order.
fn components_of(text: &str) -> Result<[&str; 3], SigV4Error> {
    const NAMES: [&str; 3] = ["Credential", "SignedHeaders", "Signature"];
    let mut found: [Option<&str>; 3] = [None; 3];
    for part in text.split(',').map(str::trim) {
        let (key, value) = part
            .split_once('=')
            .ok_or_else(|| malformed(format!("component {part:?} is not key=value")))?;
        let slot = NAMES
            .iter()
            .position(|name| *name == key)
            .ok_or_else(|| malformed(format!("unknown component {key:?}")))?;
        if found[slot].replace(value).is_some() {
            return Err(malformed(format!("{key} given twice")));
        }
    }
    let mut out = [""; 3];
    for ((slot, value), name) in out.iter_mut().zip(found).zip(NAMES) {
        *slot = value.ok_or_else(|| malformed(format!("missing {name}")))?;
    }
    Ok(out)
}

fn parse_query(
    query: &[(String, String)],
    headers: &HeaderMap,
) -> Result<Authorization, SigV4Error> {
    let param = |name: &str| -> Result<Option<&str>, SigV4Error> {
        let mut values = query.iter().filter(|(key, _)| key == name);
        let first = values.next().map(|(_, value)| value.as_str());
        if values.next().is_some() {
            return Err(malformed(format!("{name} given twice")));
        }
        Ok(first)
    };
    let required = |name: &str| param(name)?.ok_or_else(|| malformed(format!("missing {name}")));
    let algorithm = required("X-Amz-Algorithm")?;
    if algorithm != ALGORITHM {
        return Err(SigV4Error::UnsupportedAlgorithm(algorithm.to_owned()));
    }
    let (access_key_id, scope) = parse_credential(required("X-Amz-Credential")?)?;
    let timestamp = required("X-Amz-Date")?;
    parse_amz_date(timestamp)?;
    let security_token = match param("X-Amz-Security-Token")? {
        Some(token) => Some(token.to_owned()),
        None => header_text(headers, SECURITY_TOKEN_HEADER)?,
    };
    Ok(Authorization {
        access_key_id,
        scope,
        signed_headers: parse_signed_headers(required("X-Amz-SignedHeaders")?)?,
        signature: parse_signature(required(SIGNATURE_PARAM)?)?,
        timestamp: timestamp.to_owned(),
        form: SignatureForm::Presigned {
            expires_seconds: parse_expires(required("X-Amz-Expires")?)?,
        },
        security_token,
    })
}

/// `AKID/YYYYMMDD/region/service/aws4_request`.
fn parse_credential(text: &str) -> Result<(String, CredentialScope), SigV4Error> {
    let fields: Vec<&str> = text.split('/').collect();
    let [access_key_id, date, region, service, terminator] = fields[..] else {
        return Err(malformed(format!(
            "credential {text:?} is not AKID/date/region/service/aws4_request"
        )));
    };
    if terminator != "aws4_request" {
        return Err(malformed(format!(
            "credential scope ends in {terminator:?}, not aws4_request"
        )));
    }
    if date.len() != 8 || !date.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(malformed(format!(
            "credential date {date:?} is not YYYYMMDD"
        )));
    }
    if [access_key_id, region, service].contains(&"") {
        return Err(malformed(format!("credential {text:?} has an empty part")));
    }
    let scope = CredentialScope {
        date: date.to_owned(),
        region: region.to_owned(),
        service: service.to_owned(),
    };
    Ok((access_key_id.to_owned(), scope))
}

fn parse_signed_headers(text: &str) -> Result<Vec<String>, SigV4Error> {
    let names: Vec<String> = text.split(';').map(str::to_owned).collect();
    if names.iter().any(String::is_empty) {
        return Err(malformed(format!(
            "SignedHeaders {text:?} has an empty name"
        )));
    }
    Ok(names)
}

fn parse_signature(text: &str) -> Result<Vec<u8>, SigV4Error> {
    match decode_hex(text) {
        Some(bytes) if !bytes.is_empty() => Ok(bytes),
        _ => Err(malformed(format!("signature {text:?} is not hex"))),
    }
}

fn parse_expires(text: &str) -> Result<u64, SigV4Error> {
    let invalid = || SigV4Error::InvalidExpires(text.to_owned());
    if text.is_empty() || !text.bytes().all(|byte| byte.is_ascii_digit()) {
        return Err(invalid());
    }
    match text.parse::<u64>() {
        Ok(seconds) if (1..=MAX_EXPIRES_SECONDS).contains(&seconds) => Ok(seconds),
        _ => Err(invalid()),
    }
}

/// The signing time of a header-form request: `X-Amz-Date`, else `Date` converted.
fn header_timestamp(headers: &HeaderMap) -> Result<String, SigV4Error> {
    if let Some(value) = headers.get(AMZ_DATE_HEADER) {
        let timestamp = date_text(value)?;
        parse_amz_date(timestamp)?;
        return Ok(timestamp.to_owned());
    }
    match headers.get(DATE) {
        Some(value) => imf_fixdate_to_amz(date_text(value)?),
        None => Err(SigV4Error::MissingDate),
    }
}

fn date_text(value: &HeaderValue) -> Result<&str, SigV4Error> {
    visible_ascii(value)
        .ok_or_else(|| SigV4Error::BadDate(String::from_utf8_lossy(value.as_bytes()).into()))
}

fn header_text(headers: &HeaderMap, name: &str) -> Result<Option<String>, SigV4Error> {
    headers
        .get(name)
        .map(|value| {
            visible_ascii(value)
                .map(str::to_owned)
                .ok_or_else(|| malformed(format!("{name} is not ASCII")))
        })
        .transpose()
}

/// The value as text; `None` when it has a byte outside visible ASCII and space (the only
/// way `HeaderValue::to_str` fails).
fn visible_ascii(value: &HeaderValue) -> Option<&str> {
    value.to_str().ok()
}

fn malformed(reason: impl Into<String>) -> SigV4Error {
    SigV4Error::MalformedAuthorization(reason.into())
}

#[cfg(test)]
mod tests;
