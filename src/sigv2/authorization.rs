//! Reads the SigV2 signature a request carries: the header form
//! `Authorization: AWS <AccessKeyId>:<Signature>` with its `Date` or `x-amz-date`, or the
//! query form `AWSAccessKeyId`, `Signature` and `Expires` (a presigned URL).
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/RESTAuthentication.html>

use axum::http::header::{AUTHORIZATION, DATE};
use axum::http::HeaderMap;

use super::SigV2Error;
use crate::sigv4::{self, query_pairs, RequestView};

/// The scheme word of a SigV2 `Authorization` header, with its space.
const HEADER_SCHEME: &str = "AWS ";
/// Query parameters of the SigV2 query form.
const ACCESS_KEY_PARAM: &str = "AWSAccessKeyId";
const SIGNATURE_PARAM: &str = "Signature";
const EXPIRES_PARAM: &str = "Expires";
/// SigV4's presign parameters: a request with these and SigV2's is signed twice.
const SIGV4_PARAMS: [&str; 3] = ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Signature"];
const SECURITY_TOKEN: &str = "x-amz-security-token";
const AMZ_DATE: &str = "x-amz-date";

/// A parsed SigV2 signature: who signed, the signature as sent, and when.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Authorization {
    pub access_key_id: String,
    /// The signature, base64 text as sent.
    pub signature: String,
    pub form: SignatureForm,
    /// The session token, from the `x-amz-security-token` header or query parameter.
    pub security_token: Option<String>,
}

/// Where the signature came from, and the time it carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SignatureForm {
    /// The `Authorization` header; signed at `request_time` (Unix seconds), read from
    /// `x-amz-date` when present, else from `Date`.
    Header { request_time: u64 },
    /// The query string; valid until `expires` (Unix seconds), whose text as sent is
    /// what is signed.
    Query { expires: u64, expires_text: String },
}

/// Whether the request carries a SigV2 signature (an `AWS ` header, or `AWSAccessKeyId` or
/// `Signature` in the query), so that it is verified here rather than as SigV4.
pub fn is_present(request: &RequestView<'_>) -> bool {
    let header = request.headers.get(AUTHORIZATION);
    if let Some(value) = header {
        return value.as_bytes().starts_with(HEADER_SCHEME.as_bytes());
    }
    query_pairs(request.query.unwrap_or(""))
        .iter()
        .any(|(name, _)| name == ACCESS_KEY_PARAM || name == SIGNATURE_PARAM)
}

/// The request's SigV2 signature, or `Ok(None)` when it carries none.
pub fn parse(request: &RequestView<'_>) -> Result<Option<Authorization>, SigV2Error> {
    let mut headers = request.headers.get_all(AUTHORIZATION).iter();
    let header = headers.next();
    if headers.next().is_some() {
        return Err(SigV2Error::MoreThanOneSignature);
    }
    let query = query_pairs(request.query.unwrap_or(""));
    let param = |name: &str| {
        query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    };
    let query_signed = param(ACCESS_KEY_PARAM).is_some() || param(SIGNATURE_PARAM).is_some();
    let sigv4_signed = query
        .iter()
        .any(|(key, _)| SIGV4_PARAMS.contains(&key.as_str()));
    if query_signed && (header.is_some() || sigv4_signed) {
        return Err(SigV2Error::MoreThanOneSignature);
    }
    let header_token = header_text(request.headers, SECURITY_TOKEN);
    if let Some(value) = header {
        let text = String::from_utf8_lossy(value.as_bytes());
        let Some(credential) = text.strip_prefix(HEADER_SCHEME) else {
            return Ok(None);
        };
        if sigv4_signed {
            return Err(SigV2Error::MoreThanOneSignature);
        }
        let (access_key_id, signature) = credential
            .split_once(':')
            .filter(|(key, signature)| !key.is_empty() && !signature.is_empty())
            .ok_or_else(|| SigV2Error::MalformedHeader(text.clone().into_owned()))?;
        return Ok(Some(Authorization {
            access_key_id: access_key_id.to_owned(),
            signature: signature.to_owned(),
            form: SignatureForm::Header {
                request_time: header_time(request.headers)?,
            },
            security_token: header_token,
        }));
    }
    if !query_signed {
        return Ok(None);
    }
    let (Some(access_key_id), Some(signature), Some(expires_text)) = (
        param(ACCESS_KEY_PARAM),
        param(SIGNATURE_PARAM),
        param(EXPIRES_PARAM),
    ) else {
        return Err(SigV2Error::IncompleteQuery);
    };
    let expires = Some(expires_text)
        .filter(|text| !text.is_empty() && text.bytes().all(|byte| byte.is_ascii_digit()))
        .and_then(|text| text.parse().ok())
        .ok_or_else(|| SigV2Error::BadExpires(expires_text.to_owned()))?;
    Ok(Some(Authorization {
        access_key_id: access_key_id.to_owned(),
        signature: signature.to_owned(),
        form: SignatureForm::Query {
            expires,
            expires_text: expires_text.to_owned(),
        },
        security_token: param(SECURITY_TOKEN).map(str::to_owned).or(header_token),
    }))
}

/// The time of a header-signed request: `x-amz-date` wins over `Date`, as S3 reads them.
fn header_time(headers: &HeaderMap) -> Result<u64, SigV2Error> {
    let text = header_text(headers, AMZ_DATE)
        .or_else(|| header_text(headers, DATE.as_str()))
        .ok_or(SigV2Error::MissingDate)?;
    http_date(&text).ok_or(SigV2Error::MissingDate)
}

/// Unix seconds of an HTTP date: IMF-fixdate (`Tue, 27 Mar 2007 19:36:42 GMT`), or the
/// same with a `+0000` zone, as the S3 documentation's examples write it.
pub(super) fn http_date(text: &str) -> Option<u64> {
    let text = text.trim();
    let gmt = match text.strip_suffix(" +0000") {
        Some(stem) => format!("{stem} GMT"),
        None => text.to_owned(),
    };
    let amz = sigv4::imf_fixdate_to_amz(&gmt).ok()?;
    sigv4::parse_amz_date(&amz).ok()
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .map(|value| String::from_utf8_lossy(value.as_bytes()).trim().to_owned())
}
