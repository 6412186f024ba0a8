//! S3's causes in AWS's words: authentication failures as S3 names them (its own codes,
//! not the query protocol's), and the store's errors, whose codes [`S3Error`] knows.

use axum::http::StatusCode;

use crate::access::authenticate::AuthError;
use crate::clock::rfc3339;
use crate::credentials::CredentialError;
use crate::protocol::error::AwsError;
use crate::s3::wire::time::http_date;
use crate::s3::S3Error;
use crate::sigv2::{self, SigV2Error};
use crate::sigv4::{format_amz_date, SigV4Error, MAX_SKEW_SECONDS};

/// S3's message for a signature that is not the one it computed.
const SIGNATURE_DOES_NOT_MATCH: &str = "The request signature we calculated does not match the signature you provided. Check your key and signing method.";

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
            AuthError::Signature(SigV4Error::RequestTimeTooSkewed { request_time, server_time }) => {
                too_skewed(format_amz_date(request_time), server_time, MAX_SKEW_SECONDS)
            }
            AuthError::Signature(SigV4Error::PresignExpired { expires_seconds, expired_at, server_time }) => {
                AwsError::sender("AccessDenied", StatusCode::FORBIDDEN, "Request has expired")
                    .with_detail("X-Amz-Expires", expires_seconds.to_string())
                    .with_detail("Expires", rfc3339(expired_at))
                    .with_detail("ServerTime", rfc3339(server_time))
            }
            AuthError::Signature(SigV4Error::SignatureDoesNotMatch {
                access_key_id,
                signature_provided,
                string_to_sign,
                canonical_request,
            }) => {
                let (string_to_sign_bytes, canonical_request_bytes) =
                    (spaced_hex(&string_to_sign), spaced_hex(&canonical_request));
                AwsError::sender("SignatureDoesNotMatch", StatusCode::FORBIDDEN, SIGNATURE_DOES_NOT_MATCH)
                    .with_detail("AWSAccessKeyId", access_key_id)
                    .with_detail("StringToSign", string_to_sign)
                    .with_detail("SignatureProvided", signature_provided)
                    .with_detail("StringToSignBytes", string_to_sign_bytes)
                    .with_detail("CanonicalRequest", canonical_request)
                    .with_detail("CanonicalRequestBytes", canonical_request_bytes)
            }
            AuthError::Signature(SigV4Error::ChunkSignatureDoesNotMatch { .. }) => AwsError::sender(
                "SignatureDoesNotMatch",
                StatusCode::FORBIDDEN,
                SIGNATURE_DOES_NOT_MATCH,
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
            AuthError::SigV2NotInRegion { .. } => AwsError::sender(
                "InvalidRequest",
                StatusCode::BAD_REQUEST,
                "The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.",
            ),
            AuthError::SigV2(err) => sigv2_error(err),
        };
    error.because(reason)
}

/// A SigV2 refusal in S3's words.
fn sigv2_error(err: SigV2Error) -> AwsError {
    let access_denied =
        |message: String| AwsError::sender("AccessDenied", StatusCode::FORBIDDEN, message);
    match err {
        SigV2Error::MalformedHeader(value) => AwsError::sender(
            "InvalidArgument",
            StatusCode::BAD_REQUEST,
            "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature",
        )
        .with_detail("ArgumentName", "Authorization")
        .with_detail("ArgumentValue", value),
        SigV2Error::MoreThanOneSignature => AwsError::sender(
            "InvalidArgument",
            StatusCode::BAD_REQUEST,
            "Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter, Signature query string parameter or the Authorization header should be specified",
        )
        .with_detail("ArgumentName", "Authorization"),
        SigV2Error::IncompleteQuery => access_denied(
            "Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters".to_owned(),
        ),
        SigV2Error::BadExpires(text) => access_denied(format!("Invalid date (should be seconds since epoch): {text}")),
        SigV2Error::MissingDate => access_denied("AWS authentication requires a valid Date or x-amz-date header".to_owned()),
        SigV2Error::RequestTimeTooSkewed { request_time, server_time } => {
            too_skewed(http_date(request_time), server_time, sigv2::MAX_SKEW_SECONDS)
        }
        SigV2Error::Expired { expires, server_time } => access_denied("Request has expired".to_owned())
            .with_detail("Expires", rfc3339(expires))
            .with_detail("ServerTime", rfc3339(server_time)),
        SigV2Error::SignatureDoesNotMatch { access_key_id, string_to_sign, signature_provided } => {
            let bytes = spaced_hex(&string_to_sign);
            AwsError::sender("SignatureDoesNotMatch", StatusCode::FORBIDDEN, SIGNATURE_DOES_NOT_MATCH)
                .with_detail("AWSAccessKeyId", access_key_id)
                .with_detail("StringToSign", string_to_sign)
                .with_detail("SignatureProvided", signature_provided)
                .with_detail("StringToSignBytes", bytes)
        }
    }
}

/// `RequestTimeTooSkewed` with the request's time as it was signed, the server's, and the
/// allowed skew in milliseconds, as S3 sends them.
fn too_skewed(request_time: String, server_time: u64, max_skew_seconds: u64) -> AwsError {
    AwsError::sender(
        "RequestTimeTooSkewed",
        StatusCode::FORBIDDEN,
        "The difference between the request time and the current time is too large.",
    )
    .with_detail("RequestTime", request_time)
    .with_detail("ServerTime", rfc3339(server_time))
    .with_detail(
        "MaxAllowedSkewMilliseconds",
        (max_skew_seconds * 1000).to_string(),
    )
}

/// The bytes of `text` as S3 shows them in `StringToSignBytes` and
/// `CanonicalRequestBytes`: two lowercase hex digits each, separated by spaces.
fn spaced_hex(text: &str) -> String {
    let bytes: Vec<String> = text.bytes().map(|byte| format!("{byte:02x}")).collect();
    bytes.join(" ")
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
    fn sigv2_refusals_are_s3s() {
        #[rustfmt::skip]
        let cases = [
            (
                "signature_mismatch_shows_what_was_signed",
                AuthError::SigV2(SigV2Error::SignatureDoesNotMatch {
                    access_key_id: "test".into(),
                    string_to_sign: "GET\n\n\n1\n/b/k".into(),
                    signature_provided: "c2ln".into(),
                }),
                "<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided. Check your key and signing method.</Message><AWSAccessKeyId>test</AWSAccessKeyId><StringToSign>GET\n\n\n1\n/b/k</StringToSign><SignatureProvided>c2ln</SignatureProvided><StringToSignBytes>47 45 54 0a 0a 0a 31 0a 2f 62 2f 6b</StringToSignBytes><Resource>/b/k</Resource><RequestId>REQ1</RequestId><HostId>HOST1</HostId></Error>",
            ),
            (
                "expired_shows_both_times",
                AuthError::SigV2(SigV2Error::Expired { expires: 1_700_000_000, server_time: 1_700_000_002 }),
                "<Error><Code>AccessDenied</Code><Message>Request has expired</Message><Expires>2023-11-14T22:13:20Z</Expires><ServerTime>2023-11-14T22:13:22Z</ServerTime><Resource>/b/k</Resource><RequestId>REQ1</RequestId><HostId>HOST1</HostId></Error>",
            ),
            (
                "sigv4_only_region",
                AuthError::SigV2NotInRegion { region: "eu-central-1".into() },
                "<Error><Code>InvalidRequest</Code><Message>The authorization mechanism you have provided is not supported. Please use AWS4-HMAC-SHA256.</Message><Resource>/b/k</Resource><RequestId>REQ1</RequestId><HostId>HOST1</HostId></Error>",
            ),
            (
                "malformed_header_names_the_argument",
                AuthError::SigV2(SigV2Error::MalformedHeader("AWS test".into())),
                "<Error><Code>InvalidArgument</Code><Message>AWS authorization header is invalid.  Expected AwsAccessKeyId:signature</Message><ArgumentName>Authorization</ArgumentName><ArgumentValue>AWS test</ArgumentValue><Resource>/b/k</Resource><RequestId>REQ1</RequestId><HostId>HOST1</HostId></Error>",
            ),
            (
                "incomplete_query",
                AuthError::SigV2(SigV2Error::IncompleteQuery),
                "<Error><Code>AccessDenied</Code><Message>Query-string authentication requires the Signature, Expires and AWSAccessKeyId parameters</Message><Resource>/b/k</Resource><RequestId>REQ1</RequestId><HostId>HOST1</HostId></Error>",
            ),
            (
                "bad_expires",
                AuthError::SigV2(SigV2Error::BadExpires("soon".into())),
                "<Error><Code>AccessDenied</Code><Message>Invalid date (should be seconds since epoch): soon</Message><Resource>/b/k</Resource><RequestId>REQ1</RequestId><HostId>HOST1</HostId></Error>",
            ),
        ];
        for (name, err, body) in cases {
            let want = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>{body}");
            let error = auth_error(err);
            assert_eq!(error.s3_body("/b/k", "REQ1", "HOST1"), want, "case {name}");
            assert!(
                !error.reason.is_empty(),
                "case {name}: the reason header says why"
            );
        }
    }

    /// Case → code, status and the whole document for the SigV4 refusals whose extra
    /// elements S3 sends: the element names, order and formats are those of S3's own
    /// answers (aws-sdk-js-v3 and boto reports quoting them): `RequestTime` as signed,
    /// `ServerTime` in RFC 3339, the skew in milliseconds; `X-Amz-Expires` in seconds; the
    /// bytes as space-separated two-digit lowercase hex.
    #[test]
    fn sigv4_refusals_carry_s3s_elements() {
        #[rustfmt::skip]
        let cases = [
            (
                "skewed_request_names_both_times_and_the_limit",
                AuthError::Signature(SigV4Error::RequestTimeTooSkewed { request_time: 1_643_242_467, server_time: 1_643_248_768 }),
                "RequestTimeTooSkewed", 403,
                "<Error><Code>RequestTimeTooSkewed</Code><Message>The difference between the request time and the current time is too large.</Message><RequestTime>20220127T001427Z</RequestTime><ServerTime>2022-01-27T01:59:28Z</ServerTime><MaxAllowedSkewMilliseconds>900000</MaxAllowedSkewMilliseconds><Resource>/b/k</Resource><RequestId>REQ1</RequestId><HostId>HOST1</HostId></Error>",
            ),
            (
                "expired_presigned_url_names_its_lifetime",
                AuthError::Signature(SigV4Error::PresignExpired { expires_seconds: 60, expired_at: 1_700_000_000, server_time: 1_700_000_002 }),
                "AccessDenied", 403,
                "<Error><Code>AccessDenied</Code><Message>Request has expired</Message><X-Amz-Expires>60</X-Amz-Expires><Expires>2023-11-14T22:13:20Z</Expires><ServerTime>2023-11-14T22:13:22Z</ServerTime><Resource>/b/k</Resource><RequestId>REQ1</RequestId><HostId>HOST1</HostId></Error>",
            ),
            (
                "signature_mismatch_shows_what_the_server_signed",
                AuthError::Signature(SigV4Error::SignatureDoesNotMatch {
                    access_key_id: "AKIDEXAMPLE".into(),
                    signature_provided: "0a1b".into(),
                    string_to_sign: "AWS4\nx".into(),
                    canonical_request: "PUT\n/".into(),
                }),
                "SignatureDoesNotMatch", 403,
                "<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided. Check your key and signing method.</Message><AWSAccessKeyId>AKIDEXAMPLE</AWSAccessKeyId><StringToSign>AWS4\nx</StringToSign><SignatureProvided>0a1b</SignatureProvided><StringToSignBytes>41 57 53 34 0a 78</StringToSignBytes><CanonicalRequest>PUT\n/</CanonicalRequest><CanonicalRequestBytes>50 55 54 0a 2f</CanonicalRequestBytes><Resource>/b/k</Resource><RequestId>REQ1</RequestId><HostId>HOST1</HostId></Error>",
            ),
            (
                "sigv2_skewed_request_names_both_times_and_the_limit",
                AuthError::SigV2(SigV2Error::RequestTimeTooSkewed { request_time: 1_643_242_467, server_time: 1_643_248_768 }),
                "RequestTimeTooSkewed", 403,
                "<Error><Code>RequestTimeTooSkewed</Code><Message>The difference between the request time and the current time is too large.</Message><RequestTime>Thu, 27 Jan 2022 00:14:27 GMT</RequestTime><ServerTime>2022-01-27T01:59:28Z</ServerTime><MaxAllowedSkewMilliseconds>900000</MaxAllowedSkewMilliseconds><Resource>/b/k</Resource><RequestId>REQ1</RequestId><HostId>HOST1</HostId></Error>",
            ),
        ];
        for (name, err, code, status, body) in cases {
            let want = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>{body}");
            let error = auth_error(err);
            assert_eq!(
                (error.code, error.status.as_u16()),
                (code, status),
                "case {name}"
            );
            assert_eq!(error.s3_body("/b/k", "REQ1", "HOST1"), want, "case {name}");
        }
    }

    #[test]
    fn s3_error_documents_are_exact() {
        let cases = [
            (
                "no_such_bucket_names_the_bucket",
                S3Error::NoSuchBucket { bucket: "my-bucket".into() },
                "/my-bucket",
                "<Error><Code>NoSuchBucket</Code><Message>The specified bucket does not exist</Message><BucketName>my-bucket</BucketName><Resource>/my-bucket</Resource><RequestId>REQ1</RequestId><HostId>HOST1</HostId></Error>",
            ),
            (
                "no_such_key_escapes_the_key",
                S3Error::NoSuchKey { bucket: "b".into(), key: "a&b<c>".into() },
                "/b/a&b<c>",
                "<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message><Key>a&amp;b&lt;c&gt;</Key><Resource>/b/a&amp;b&lt;c&gt;</Resource><RequestId>REQ1</RequestId><HostId>HOST1</HostId></Error>",
            ),
            (
                "invalid_range_reports_size",
                S3Error::InvalidRange { range: "bytes=10-".into(), size: 5 },
                "/b/k",
                "<Error><Code>InvalidRange</Code><Message>The requested range is not satisfiable</Message><RangeRequested>bytes=10-</RangeRequested><ActualObjectSize>5</ActualObjectSize><Resource>/b/k</Resource><RequestId>REQ1</RequestId><HostId>HOST1</HostId></Error>",
            ),
            (
                "internal_hides_the_cause",
                S3Error::Internal("disk on fire".into()),
                "/",
                "<Error><Code>InternalError</Code><Message>We encountered an internal error. Please try again.</Message><Resource>/</Resource><RequestId>REQ1</RequestId><HostId>HOST1</HostId></Error>",
            ),
        ];
        for (name, error, resource, body) in cases {
            let want = format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>{body}");
            let got = AwsError::from(&error).s3_body(resource, "REQ1", "HOST1");
            assert_eq!(got, want, "case {name}");
        }
    }
}
