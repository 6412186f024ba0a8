//! AWS Signature Version 2 for S3
//! ([Signing and authenticating REST requests](https://docs.aws.amazon.com/AmazonS3/latest/API/RESTAuthentication.html)),
//! as pure functions over a request's parts: [`parse`] reads the signature (the
//! `Authorization: AWS <key>:<signature>` header, or a presigned URL's `AWSAccessKeyId`,
//! `Signature` and `Expires`), [`verify`] checks its time and recomputes it under the
//! caller's secret. Key lookup is the caller's, as for [`crate::sigv4`].
//!
//! boto3's `generate_presigned_url` for S3 still makes SigV2 URLs unless the client is
//! configured for `s3v4`; S3 accepts them only in the [`REGIONS`] that opened before
//! SigV4 became the only version for new regions (30 January 2014). The body is never
//! signed: a signed `Content-MD5` or `x-amz-checksum-*` header is what binds it, and only
//! the latter is checked against the body here (the `s3` module accepts `Content-MD5`
//! unverified).
//!
//! Checked against the examples of that page (`tests.rs`); note that its "Object DELETE"
//! example signs the `x-amz-date` value on the `Date` line, against the page's own rule
//! (`x-amz-date` among the amz headers, the `Date` line empty), which is what this module
//! and botocore follow.
//!
//! Known gaps, refused rather than accepted silently:
//! - Dates: header-form dates are read in IMF-fixdate (`… GMT`) or with a `+0000` zone;
//!   RFC 850 and asctime dates are refused as missing.
//! - Virtual hosting by CNAME (the whole `Host` as the bucket) is not signed for: only
//!   `bucket.<suffix>` hosts name a bucket.
//! - Folded (multi-line) header values are not unfolded; HTTP/1.1 parsers refuse them.

mod authorization;
mod error;
mod signature;
mod string_to_sign;

pub use authorization::{is_present, parse, Authorization, SignatureForm};
pub use error::SigV2Error;
pub use signature::sign;
pub use string_to_sign::{string_to_sign, SUBRESOURCES};

use crate::sigv4::{RequestView, SecretKey};

/// The regions where S3 accepts SigV2: those that opened before 30 January 2014 (S3 API
/// reference, "Authenticating Requests (AWS Signature Version 4)" and the S3 endpoints
/// table's "Signature Version 2" column).
pub const REGIONS: [&str; 8] = [
    "us-east-1",
    "us-west-1",
    "us-west-2",
    "eu-west-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-northeast-1",
    "sa-east-1",
];

/// How far a header-signed request's date may be from the server's, either way: 15 minutes.
pub const MAX_SKEW_SECONDS: u64 = 15 * 60;

/// Whether S3 in `region` accepts SigV2.
pub fn is_supported_in(region: &str) -> bool {
    REGIONS.contains(&region)
}

/// Verifies `auth` against `request` signed with `secret` at Unix time `now`;
/// `virtual_host_bucket` is the bucket the request's `Host` names, which the signature
/// covers. The time is checked first: a presigned URL past its `Expires`, or a header
/// date more than [`MAX_SKEW_SECONDS`] away, is refused before the signature is computed.
pub fn verify(
    request: &RequestView<'_>,
    auth: &Authorization,
    virtual_host_bucket: Option<&str>,
    secret: &SecretKey,
    now: u64,
) -> Result<(), SigV2Error> {
    match auth.form {
        SignatureForm::Query { expires, .. } if now > expires => {
            return Err(SigV2Error::Expired {
                expires,
                server_time: now,
            });
        }
        SignatureForm::Header { request_time } if request_time.abs_diff(now) > MAX_SKEW_SECONDS => {
            return Err(SigV2Error::RequestTimeTooSkewed {
                request_time,
                server_time: now,
            });
        }
        SignatureForm::Query { .. } | SignatureForm::Header { .. } => {}
    }
    let string_to_sign = string_to_sign(request, &auth.form, virtual_host_bucket);
    if signature::verify(secret, &string_to_sign, &auth.signature) {
        Ok(())
    } else {
        Err(SigV2Error::SignatureDoesNotMatch {
            access_key_id: auth.access_key_id.clone(),
            string_to_sign,
            signature_provided: auth.signature.clone(),
        })
    }
}

#[cfg(test)]
mod tests;
