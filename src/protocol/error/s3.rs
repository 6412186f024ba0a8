//! S3 causes: authentication failures as S3 names them, and the store's errors.

use axum::http::StatusCode;

use super::AwsError;
use crate::access::authenticate::AuthError;
use crate::credentials::CredentialError;
use crate::s3::S3Error;
use crate::sigv4::SigV4Error;

impl AwsError {
    /// An authentication failure as S3 reports it.
    pub fn from_s3_auth(err: AuthError) -> Self {
        let reason = err.to_string();
        let invalid_token = || {
            Self::sender(
                "InvalidToken",
                StatusCode::BAD_REQUEST,
                "The provided token is malformed or otherwise invalid.",
            )
        };
        let error = match err {
            AuthError::Unsigned => Self::sender("AccessDenied", StatusCode::FORBIDDEN, "Access Denied"),
            AuthError::UnknownAccessKey(key) => Self::sender(
                "InvalidAccessKeyId",
                StatusCode::FORBIDDEN,
                "The AWS Access Key Id you provided does not exist in our records.",
            )
            .with_detail("AWSAccessKeyId", key),
            AuthError::MissingSessionToken(_) => invalid_token(),
            AuthError::Session { cause: CredentialError::Expired { .. }, .. } => {
                Self::sender("ExpiredToken", StatusCode::BAD_REQUEST, "The provided token has expired.")
            }
            AuthError::Session { .. } => invalid_token(),
            AuthError::Signature(SigV4Error::RequestTimeTooSkewed { .. }) => Self::sender(
                "RequestTimeTooSkewed",
                StatusCode::FORBIDDEN,
                "The difference between the request time and the current time is too large.",
            ),
            AuthError::Signature(SigV4Error::PresignExpired { .. }) => {
                Self::sender("AccessDenied", StatusCode::FORBIDDEN, "Request has expired")
            }
            AuthError::Signature(SigV4Error::SignatureDoesNotMatch { string_to_sign, canonical_request }) => Self::sender(
                "SignatureDoesNotMatch",
                StatusCode::FORBIDDEN,
                "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
            )
            .with_detail("StringToSign", string_to_sign)
            .with_detail("CanonicalRequest", canonical_request),
            AuthError::Signature(SigV4Error::ChunkSignatureDoesNotMatch { .. }) => Self::sender(
                "SignatureDoesNotMatch",
                StatusCode::FORBIDDEN,
                "The request signature we calculated does not match the signature you provided. Check your key and signing method.",
            ),
            AuthError::Signature(SigV4Error::ContentSha256Mismatch { .. }) => Self::sender(
                "XAmzContentSHA256Mismatch",
                StatusCode::BAD_REQUEST,
                "The provided 'x-amz-content-sha256' header does not match what was computed.",
            ),
            AuthError::Signature(SigV4Error::MissingContentSha256) => Self::sender(
                "InvalidRequest",
                StatusCode::BAD_REQUEST,
                "Missing required header for this request: x-amz-content-sha256",
            ),
            AuthError::Signature(SigV4Error::MalformedChunk(_) | SigV4Error::DecodedLengthMismatch { .. }) => {
                Self::sender("IncompleteBody", StatusCode::BAD_REQUEST, "The request body terminated unexpectedly")
            }
            AuthError::Signature(other) => Self::sender(
                "AuthorizationHeaderMalformed",
                StatusCode::BAD_REQUEST,
                format!("The authorization header is malformed; {other}"),
            ),
        };
        error.because(reason)
    }
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
