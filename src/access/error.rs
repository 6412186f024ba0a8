//! Authentication failures in AWS's words, for the query protocol (STS, IAM) and for
//! rest-json services (EKS), which name the same causes differently. S3 names them its own
//! way, in `s3::http`.

use axum::http::StatusCode;

use super::authenticate::AuthError;
use crate::credentials::CredentialError;
use crate::protocol::error::AwsError;
use crate::sigv4::SigV4Error;

/// An authentication failure as rest-json services (EKS) name it.
pub fn json_error(err: AuthError) -> AwsError {
    let mut error = query_error(err);
    error.code = match error.code {
        "InvalidClientTokenId" => "UnrecognizedClientException",
        "SignatureDoesNotMatch" => "InvalidSignatureException",
        "MissingAuthenticationToken" => "MissingAuthenticationTokenException",
        "ExpiredToken" => "ExpiredTokenException",
        other => other,
    };
    error
}

/// An authentication failure as the query protocol (STS, IAM) reports it.
pub fn query_error(err: AuthError) -> AwsError {
    let reason = err.to_string();
    let invalid_token = || {
        AwsError::sender(
            "InvalidClientTokenId",
            StatusCode::FORBIDDEN,
            "The security token included in the request is invalid.",
        )
    };
    let error = match &err {
        AuthError::Unsigned => AwsError::sender(
            "MissingAuthenticationToken",
            StatusCode::FORBIDDEN,
            "Request is missing Authentication Token",
        ),
        AuthError::WrongService { expected, .. } => AwsError::sender(
            "SignatureDoesNotMatch",
            StatusCode::FORBIDDEN,
            format!("Credential should be scoped to correct service: '{expected}'. "),
        ),
        AuthError::UnknownRegion { signed, .. } => AwsError::sender(
            "SignatureDoesNotMatch",
            StatusCode::FORBIDDEN,
            format!("Credential should be scoped to a valid region, not '{signed}'. "),
        ),
        AuthError::UnknownAccessKey(_) | AuthError::MissingSessionToken(_) => invalid_token(),
        AuthError::Session { cause: CredentialError::Expired { .. }, .. } => AwsError::sender(
            "ExpiredToken",
            StatusCode::FORBIDDEN,
            "The security token included in the request is expired",
        ),
        AuthError::Session { .. } => invalid_token(),
        AuthError::Signature(SigV4Error::RequestTimeTooSkewed { .. } | SigV4Error::PresignExpired { .. }) => {
            AwsError::sender("SignatureDoesNotMatch", StatusCode::FORBIDDEN, format!("Signature expired: {reason}"))
        }
        AuthError::Signature(SigV4Error::SignatureDoesNotMatch { .. }) => AwsError::sender(
            "SignatureDoesNotMatch",
            StatusCode::FORBIDDEN,
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
        ),
        // Only S3 reads SigV2; another service given one reports it as it reports any
        // signature it cannot read.
        AuthError::Signature(_) | AuthError::SigV2(_) | AuthError::SigV2NotInRegion { .. } => {
            AwsError::sender("IncompleteSignature", StatusCode::BAD_REQUEST, reason.clone())
        }
    };
    error.because(reason)
}
