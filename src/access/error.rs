//! Authentication failures in AWS's words, for the query protocol (STS, IAM) and for
//! rest-json services (EKS), which name the same causes differently. S3 names them its own
//! way, in `s3::http`.

use axum::http::StatusCode;

use super::authenticate::AuthError;
use crate::credentials::CredentialError;
use crate::protocol::error::AwsError;
use crate::sigv4::{format_amz_date, SigV4Error, MAX_SKEW_SECONDS};

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
        AuthError::Signature(SigV4Error::RequestTimeTooSkewed { request_time, server_time }) => AwsError::sender(
            "SignatureDoesNotMatch",
            StatusCode::FORBIDDEN,
            signature_time_message(*request_time, *server_time),
        ),
        AuthError::Signature(SigV4Error::PresignExpired { .. }) => {
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

/// AWS's words for a request time outside the window: the request's time, the edge of the
/// window it missed, and the server time that edge comes from (`Signature expired: … is
/// now earlier than … (… - 15 min.)`, `Signature not yet current: … is still later than …
/// (… + 15 min.)`).
fn signature_time_message(request_time: u64, server_time: u64) -> String {
    let minutes = MAX_SKEW_SECONDS / 60;
    let (request, now) = (format_amz_date(request_time), format_amz_date(server_time));
    if request_time < server_time {
        let edge = format_amz_date(server_time.saturating_sub(MAX_SKEW_SECONDS));
        format!("Signature expired: {request} is now earlier than {edge} ({now} - {minutes} min.)")
    } else {
        let edge = format_amz_date(server_time.saturating_add(MAX_SKEW_SECONDS));
        format!(
            "Signature not yet current: {request} is still later than {edge} ({now} + {minutes} min.)"
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: u64 = 1_643_248_768; // 20220127T015928Z

    /// Case → code, status, message for a request signed too far from the server's time,
    /// in AWS's words: "Signature expired: … (… - 15 min.)" (terraform against IAM, STS)
    /// and "Signature not yet current: … (… + 15 min.)" for one from the future.
    #[test]
    fn signature_time_in_aws_words() {
        let skewed = |request_time| {
            AuthError::Signature(SigV4Error::RequestTimeTooSkewed {
                request_time,
                server_time: NOW,
            })
        };
        #[rustfmt::skip]
        let cases = [
            ("query_old_request", query_error(skewed(1_643_242_467)), "SignatureDoesNotMatch", 403,
             "Signature expired: 20220127T001427Z is now earlier than 20220127T014428Z (20220127T015928Z - 15 min.)"),
            ("query_request_from_the_future", query_error(skewed(1_643_249_700)), "SignatureDoesNotMatch", 403,
             "Signature not yet current: 20220127T021500Z is still later than 20220127T021428Z (20220127T015928Z + 15 min.)"),
            ("json_old_request", json_error(skewed(1_643_242_467)), "InvalidSignatureException", 403,
             "Signature expired: 20220127T001427Z is now earlier than 20220127T014428Z (20220127T015928Z - 15 min.)"),
            ("json_request_from_the_future", json_error(skewed(1_643_249_700)), "InvalidSignatureException", 403,
             "Signature not yet current: 20220127T021500Z is still later than 20220127T021428Z (20220127T015928Z + 15 min.)"),
        ];
        for (name, error, code, status, message) in cases {
            assert_eq!(
                (error.code, error.status.as_u16(), error.message.as_str()),
                (code, status, message),
                "case {name}"
            );
        }
    }
}
