//! S3's causes in AWS's words: authentication failures as S3 names them (its own codes,
//! not the query protocol's), and the store's errors, whose codes [`S3Error`] knows.

use axum::http::StatusCode;

use crate::access::authenticate::AuthError;
use crate::credentials::CredentialError;
use crate::protocol::error::AwsError;
use crate::s3::S3Error;
use crate::sigv4::SigV4Error;

/// An authentication failure as S3 reports it.
pub fn auth_error(err: AuthError) -> AwsError {
    let reason = err.to_string();
    let invalid_token = || {
        AwsError::sender(
            "InvalidToken",
            StatusCode::BAD_REQUEST,
            "The provided token is malformed or otherwise invalid.",
        )
    };
    let error = match err {
            AuthError::Unsigned => AwsError::sender("AccessDenied", StatusCode::FORBIDDEN, "Access Denied"),
            AuthError::WrongService { expected, signed } => AwsError::sender(
                "AuthorizationHeaderMalformed",
                StatusCode::BAD_REQUEST,
                format!("The authorization header is malformed; incorrect service \"{signed}\". This endpoint belongs to \"{expected}\"."),
            ),
            AuthError::UnknownRegion { signed, home } => AwsError::sender(
                "AuthorizationHeaderMalformed",
                StatusCode::BAD_REQUEST,
                format!("The authorization header is malformed; the region '{signed}' is wrong; expecting '{home}'"),
            )
            .with_detail("Region", home),
            AuthError::UnknownAccessKey(key) => AwsError::sender(
                "InvalidAccessKeyId",
                StatusCode::FORBIDDEN,
                "The AWS Access Key Id you provided does not exist in our records.",
            )
            .with_detail("AWSAccessKeyId", key),
            AuthError::MissingSessionToken(_) => invalid_token(),
            AuthError::Session { cause: CredentialError::Expired { .. }, .. } => {
                AwsError::sender("ExpiredToken", StatusCode::BAD_REQUEST, "The provided token has expired.")
            }
            AuthError::Session { .. } => invalid_token(),
            AuthError::Signature(SigV4Error::RequestTimeTooSkewed { .. }) => AwsError::sender(
                "RequestTimeTooSkewed",
                StatusCode::FORBIDDEN,
                "The difference between the request time and the current time is too large.",
            ),
            AuthError::Signature(SigV4Error::PresignExpired { .. }) => {
                AwsError::sender("AccessDenied", StatusCode::FORBIDDEN, "Request has expired")
            }
            AuthError::Signature(SigV4Error::SignatureDoesNotMatch { string_to_sign, canonical_request }) => AwsError::sender(
                "SignatureDoesNotMatch",
                StatusCode::FORBIDDEN,
                "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
            )
            .with_detail("StringToSign", string_to_sign)
            .with_detail("CanonicalRequest", canonical_request),
            AuthError::Signature(SigV4Error::ChunkSignatureDoesNotMatch { .. }) => AwsError::sender(
                "SignatureDoesNotMatch",
                StatusCode::FORBIDDEN,
                "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
            ),
            AuthError::Signature(SigV4Error::ContentSha256Mismatch { .. }) => AwsError::sender(
                "XAmzContentSHA256Mismatch",
                StatusCode::BAD_REQUEST,
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
            ),
            AuthError::Signature(SigV4Error::MissingContentSha256) => AwsError::sender(
                "InvalidRequest",
                StatusCode::BAD_REQUEST,
                "Missing required header for this request: x-amz-content-sha256",
            ),
            AuthError::Signature(SigV4Error::MalformedChunk(_) | SigV4Error::DecodedLengthMismatch { .. }) => {
                AwsError::sender("IncompleteBody", StatusCode::BAD_REQUEST, "The request body terminated unexpectedly")
            }
            AuthError::Signature(other) => AwsError::sender(
                "AuthorizationHeaderMalformed",
                StatusCode::BAD_REQUEST,
                format!("The authorization header is malformed; {other}"),
            ),
        };
    error.because(reason)
}

impl From<&S3Error> for AwsError {
    fn from(err: &S3Error) -> Self {
        let status =
            StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let mut error = Self::sender(err.code(), status, err.message()).because(err.to_string());
        for detail in err.details() {
            let (name, value) = detail.pair();
            error = error.with_detail(name, value);
        }
        error.headers = err.headers();
        error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s3_error_documents_are_exact() {
        let cases = [
            (
                "no_such_bucket_names_the_bucket",
                S3Error::NoSuchBucket { bucket: "my-bucket".into() },
                "/my-bucket",
                "<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><BucketName>my-bucket</BucketName><Resource>/my-bucket</Resource><RequestId>REQ1</RequestId></Error>",
            ),
            (
                "no_such_key_escapes_the_key",
                S3Error::NoSuchKey { bucket: "b".into(), key: "a&b<c>".into() },
                "/b/a&b<c>",
                "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>a&amp;b&lt;c&gt;</Key><Resource>/b/a&amp;b&lt;c&gt;</Resource><RequestId>REQ1</RequestId></Error>",
            ),
            (
                "invalid_range_reports_size",
                S3Error::InvalidRange { range: "bytes=10-".into(), size: 5 },
                "/b/k",
                "<Error><Code>InvalidRange</Code><Message>The requested range is not satisfiable</Message><RangeRequested>bytes=10-</RangeRequested><ActualObjectSize>5</ActualObjectSize><Resource>/b/k</Resource><RequestId>REQ1</RequestId></Error>",
            ),
            (
                "internal_hides_the_cause",
                S3Error::Internal("disk on fire".into()),
                "/",
                "<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message><Resource>/</Resource><RequestId>REQ1</RequestId></Error>",
            ),
        ];
        for (name, error, resource, body) in cases {
            let want = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>{body}");
            let got = AwsError::from(&error).s3_body(resource, "REQ1");
            assert_eq!(got, want, "case {name}");
        }
    }
}
