//! AWS Signature Version 4 verification
//! ([SigV4](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv.html)), as pure
//! functions over a request's parts: [`parse`] reads the signature a request carries,
//! [`verify`] recomputes it under the caller's secret and compares the two, and
//! [`ChunkDecoder`] takes apart an S3 aws-chunked body as it arrives ([`decode_chunked`] one
//! held in memory), checking each chunk's signature.
//! [`sign`] is the same computation from the client's side, for irsa-local's own commands.
//! Key lookup is the caller's: this module never touches credentials or storage.
//!
//! Checked against AWS's SigV4 test suite (`tests/sigv4_suite.rs`) and the S3 chunked
//! upload examples in the S3 API reference.
//!
//! Choices where AWS documents nothing firmer:
//! - [`Rules::Standard`] encodes the path *as received* once more after normalising it
//!   (`%20` signs as `%2520`), as botocore and the AWS CRT signer do; it does not decode
//!   first, so a client's own choice of escapes is what it signed.
//! - In the query, `+` decodes to a space (as Go's SDK reads it); SDKs send `%2B` for `+`.
//! - Checks run in this order: date and scope, clock, `x-amz-content-sha256` form,
//!   signature, then the body's hash against the declared one.
//!
//! Known gaps, each refused or left to the caller rather than accepted silently:
//! - Only `AWS4-HMAC-SHA256`; SigV4a (`AWS4-ECDSA-P256-SHA256`) is
//!   [`SigV4Error::UnsupportedAlgorithm`]. S3's SigV2 (`Authorization: AWS …` and
//!   `AWSAccessKeyId` presigned URLs) is the `sigv2` module's; S3's edge sends it there.
//! - Trailing checksums (`x-amz-checksum-*`) are framed, their signature checked when
//!   signed, and handed to the caller ([`ChunkDecoder::finish`]); S3's edge compares them
//!   with the body.
//! - S3's 8 KiB minimum for every chunk but the last is not enforced, and `x-amz-*`
//!   headers left out of `SignedHeaders` are not refused.

mod authorization;
mod canonical;
mod chunked;
mod encode;
mod error;
mod hash;
mod payload;
mod query;
mod sign;
mod signing_key;
mod time;

use axum::http::request::Parts;
use axum::http::HeaderMap;

pub use authorization::{parse, parse_view, Authorization, CredentialScope, SignatureForm};
pub use canonical::{canonical_query, canonical_request, canonical_uri, string_to_sign};
pub use chunked::{decode_chunked, Decoder as ChunkDecoder};
pub use encode::{percent_decode, percent_decode_keeping_plus};
pub use error::SigV4Error;
pub use payload::{PayloadHash, PayloadMode};
pub use query::query_pairs;
pub use sign::sign;
pub use signing_key::{SecretKey, SigningKey};
pub use time::{format_amz_date, imf_fixdate_to_amz, parse_amz_date};

/// How far a header-signed request's time may be from the server's, either way (and how
/// far in the future a presigned request may have been signed): 15 minutes.
pub const MAX_SKEW_SECONDS: u64 = 15 * 60;

/// Which canonicalisation rules apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rules {
    /// S3: the path is signed as received (no normalisation, no second encoding) and
    /// `x-amz-content-sha256` is the payload hash.
    S3,
    /// Every other service: the path is normalised (dot segments and duplicate slashes
    /// removed) and encoded once more; the payload hash is the body's SHA-256.
    Standard,
}

/// The parts of a request that SigV4 reads, borrowed. [`parse`] and [`verify`] take
/// `http` request parts; this view lets a caller (or a test vector) supply them directly.
#[derive(Debug, Clone, Copy)]
pub struct RequestView<'a> {
    /// The method, as sent (`GET`).
    pub method: &'a str,
    /// The path, as sent: still percent-encoded, not normalised.
    pub path: &'a str,
    /// The raw query string, without `?`.
    pub query: Option<&'a str>,
    /// The request headers.
    pub headers: &'a HeaderMap,
    /// The URI's authority, used for `host` when there is no `Host` header (HTTP/2).
    pub authority: Option<&'a str>,
}

impl<'a> From<&'a Parts> for RequestView<'a> {
    fn from(parts: &'a Parts) -> Self {
        Self {
            method: parts.method.as_str(),
            path: parts.uri.path(),
            query: parts.uri.query(),
            headers: &parts.headers,
            authority: parts.uri.authority().map(|authority| authority.as_str()),
        }
    }
}

/// A request whose signature held: what the caller needs to read a streaming body.
#[derive(Debug, Clone)]
pub struct Verified {
    /// How the signature covers the body.
    pub payload_mode: PayloadMode,
    /// The request's own signature, which seeds the chunk signature chain.
    pub seed_signature: Vec<u8>,
    /// The key the request was signed with, for chunk signatures.
    pub signing_key: SigningKey,
    /// The credential scope signed.
    pub scope: CredentialScope,
    /// The signing time, `YYYYMMDD'T'HHMMSS'Z'`.
    pub timestamp: String,
    /// With [`PayloadHash::Deferred`]: the SHA-256 (hex) the signature covers, which the
    /// caller must find in the body it then reads (S3 `XAmzContentSHA256Mismatch`).
    pub declared_sha256: Option<String>,
}

/// Verifies `auth` against the request signed with `secret`, at Unix time `now`.
pub fn verify(
    parts: &Parts,
    auth: &Authorization,
    rules: Rules,
    payload: PayloadHash,
    secret: &SecretKey,
    now: u64,
) -> Result<Verified, SigV4Error> {
    verify_view(&RequestView::from(parts), auth, rules, payload, secret, now)
}

/// [`verify`] over a borrowed view of the request.
pub fn verify_view(
    request: &RequestView<'_>,
    auth: &Authorization,
    rules: Rules,
    payload: PayloadHash,
    secret: &SecretKey,
    now: u64,
) -> Result<Verified, SigV4Error> {
    let request_time = parse_amz_date(&auth.timestamp)?;
    if auth.timestamp.get(..8) != Some(auth.scope.date.as_str()) {
        return Err(SigV4Error::ScopeDateMismatch {
            scope_date: auth.scope.date.clone(),
            timestamp: auth.timestamp.clone(),
        });
    }
    check_time(auth.form, request_time, now)?;
    let binding = payload::bind(request, auth, rules, &payload)?;
    let canonical_request = canonical_request(request, auth, rules, &binding.line)?;
    let string_to_sign = string_to_sign(auth, &canonical_request);
    let signing_key = SigningKey::derive(secret, &auth.scope);
    if !signing_key.verify(&string_to_sign, &auth.signature) {
        return Err(SigV4Error::SignatureDoesNotMatch {
            access_key_id: auth.access_key_id.clone(),
            signature_provided: crate::hex::encode(&auth.signature),
            string_to_sign,
            canonical_request,
        });
    }
    payload::check_declared(&binding, &payload)?;
    let declared_sha256 = match payload {
        PayloadHash::Deferred => binding.declared,
        PayloadHash::Computed(_) => None,
    };
    Ok(Verified {
        declared_sha256,
        payload_mode: binding.mode,
        seed_signature: auth.signature.clone(),
        signing_key,
        scope: auth.scope.clone(),
        timestamp: auth.timestamp.clone(),
    })
}

/// Header form: within [`MAX_SKEW_SECONDS`] of `now` either way. Presigned: not signed
/// more than that in the future, and not past `X-Amz-Date` + `X-Amz-Expires`.
fn check_time(form: SignatureForm, request_time: u64, now: u64) -> Result<(), SigV4Error> {
    let skewed = SigV4Error::RequestTimeTooSkewed {
        request_time,
        server_time: now,
    };
    match form {
        SignatureForm::Header if request_time.abs_diff(now) > MAX_SKEW_SECONDS => Err(skewed),
        SignatureForm::Presigned { .. } if request_time > now.saturating_add(MAX_SKEW_SECONDS) => {
            Err(skewed)
        }
        SignatureForm::Presigned { expires_seconds }
            if now > request_time.saturating_add(expires_seconds) =>
        {
            Err(SigV4Error::PresignExpired {
                expires_seconds,
                expired_at: request_time.saturating_add(expires_seconds),
                server_time: now,
            })
        }
        SignatureForm::Header | SignatureForm::Presigned { .. } => Ok(()),
    }
}

#[cfg(test)]
mod tests;
