//! `AwsError`: the one place where a domain failure becomes AWS's code, HTTP status and
//! message, and the query-protocol `ErrorResponse` body that carries them. Every refusal
//! also carries irsa-local's own reason (which check failed, which statement decided) in
//! the `x-irsa-local-reason` header, since AWS's messages are famously opaque.

use axum::http::{header, HeaderName, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use quick_xml::escape::partial_escape;
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

use super::query::QueryError;
use crate::access::authenticate::AuthError;
use crate::credentials::CredentialError;
use crate::eks::EksError;
use crate::iam::error::IamError;
use crate::oidc::verify::TokenError;
use crate::s3::S3Error;
use crate::sigv4::SigV4Error;
use crate::sts::error::StsError;

/// Header with irsa-local's explanation of a refusal.
pub const REASON_HEADER: &str = "x-irsa-local-reason";

/// An error as AWS reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsError {
    pub code: &'static str,
    pub status: StatusCode,
    pub message: String,
    /// Why, in irsa-local's words; sent in [`REASON_HEADER`] and logged.
    pub reason: String,
    /// Further elements of an S3 error document (`BucketName`, `Key`, `StringToSign`, …).
    pub details: Vec<(&'static str, String)>,
    /// Headers the error answer carries (`Content-Range` on a 416).
    pub headers: Vec<(String, String)>,
}

impl AwsError {
    /// A client error (`Type` `Sender`) whose reason is its message.
    pub fn sender(code: &'static str, status: StatusCode, message: impl Into<String>) -> Self {
        let message = message.into();
        Self {
            code,
            status,
            reason: message.clone(),
            message,
            details: Vec::new(),
            headers: Vec::new(),
        }
    }

    /// Adds an element to the S3 error document.
    #[must_use]
    pub fn with_detail(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.details.push((name, value.into()));
        self
    }

    /// The S3 answer: `<Error><Code/><Message/>…<Resource/><RequestId/></Error>` with
    /// `x-amz-request-id`; a HEAD answer has the status and headers only, as S3's does.
    pub fn s3_response(&self, resource: &str, request_id: &str, head: bool) -> Response {
        let body = if head {
            String::new()
        } else {
            self.s3_body(resource, request_id)
        };
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, "application/xml")],
            body,
        )
            .into_response();
        let headers = response.headers_mut();
        for (name, value) in &self.headers {
            if let (Ok(name), Ok(value)) = (
                HeaderName::try_from(name.as_str()),
                HeaderValue::from_str(value),
            ) {
                headers.insert(name, value);
            }
        }
        if let Ok(value) = HeaderValue::from_str(request_id) {
            headers.insert("x-amz-request-id", value);
        }
        if let Ok(value) = HeaderValue::from_str(&header_safe(&self.reason)) {
            headers.insert(REASON_HEADER, value);
        }
        response
    }

    /// The XML of [`s3_response`](Self::s3_response).
    pub fn s3_body(&self, resource: &str, request_id: &str) -> String {
        let mut writer = Writer::new(Vec::new());
        let written: Result<(), quick_xml::Error> = (|| {
            writer.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
            writer.write_event(Event::Start(BytesStart::new("Error")))?;
            let mut elements: Vec<(&str, &str)> =
                vec![("Code", self.code), ("Message", &self.message)];
            elements.extend(
                self.details
                    .iter()
                    .map(|(name, value)| (*name, value.as_str())),
            );
            elements.push(("Resource", resource));
            elements.push(("RequestId", request_id));
            for (name, text) in elements {
                writer
                    .create_element(name)
                    .write_text_content(BytesText::from_escaped(partial_escape(text)))?;
            }
            writer.write_event(Event::End(BytesEnd::new("Error")))?;
            Ok(())
        })();
        match written {
            Ok(()) => String::from_utf8_lossy(&writer.into_inner()).into_owned(),
            Err(_) => String::new(),
        }
    }

    /// Replaces the reason.
    #[must_use]
    pub fn because(mut self, reason: impl Into<String>) -> Self {
        self.reason = reason.into();
        self
    }

    /// `Sender` for 4xx, `Receiver` for 5xx.
    pub fn fault_type(&self) -> &'static str {
        if self.status.is_server_error() {
            "Receiver"
        } else {
            "Sender"
        }
    }

    /// The query-protocol answer: `<ErrorResponse xmlns=…><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>`.
    pub fn query_response(&self, namespace: &str, request_id: &str) -> Response {
        let body = self.query_body(namespace, request_id);
        let mut response =
            (self.status, [(header::CONTENT_TYPE, "text/xml")], body).into_response();
        if let Ok(value) = HeaderValue::from_str(&header_safe(&self.reason)) {
            response.headers_mut().insert(REASON_HEADER, value);
        }
        response
    }

    /// The XML of [`query_response`](Self::query_response).
    pub fn query_body(&self, namespace: &str, request_id: &str) -> String {
        let mut writer = Writer::new(Vec::new());
        let written: Result<(), quick_xml::Error> = (|| {
            writer.write_event(Event::Start(
                BytesStart::new("ErrorResponse").with_attributes([("xmlns", namespace)]),
            ))?;
            writer.write_event(Event::Start(BytesStart::new("Error")))?;
            for (name, text) in [
                ("Type", self.fault_type()),
                ("Code", self.code),
                ("Message", &self.message),
            ] {
                writer
                    .create_element(name)
                    .write_text_content(BytesText::from_escaped(partial_escape(text)))?;
            }
            writer.write_event(Event::End(BytesEnd::new("Error")))?;
            writer
                .create_element("RequestId")
                .write_text_content(BytesText::new(request_id))?;
            writer.write_event(Event::End(BytesEnd::new("ErrorResponse")))?;
            Ok(())
        })();
        match written {
            Ok(()) => String::from_utf8_lossy(&writer.into_inner()).into_owned(),
            Err(_) => String::new(),
        }
    }
}

/// A header value: printable ASCII only, at most 1024 characters.
fn header_safe(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c == ' ' || c.is_ascii_graphic() {
                c
            } else {
                '?'
            }
        })
        .take(1024)
        .collect()
}

const GENERIC_INVALID_TOKEN: &str = "The web identity token that was passed could not be validated by AWS. Get a new identity token from the identity provider and then retry the request.";
const NO_VERIFICATION_KEY: &str = "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements";

impl AwsError {
    /// An authentication failure as the query protocol (STS, IAM) reports it.
    pub fn from_query_auth(err: AuthError) -> Self {
        let reason = err.to_string();
        let invalid_token = || {
            Self::sender(
                "InvalidClientTokenId",
                StatusCode::FORBIDDEN,
                "The security token included in the request is invalid.",
            )
        };
        let error = match &err {
            AuthError::Unsigned => Self::sender(
                "MissingAuthenticationToken",
                StatusCode::FORBIDDEN,
                "Request is missing Authentication Token",
            ),
            AuthError::UnknownAccessKey(_) | AuthError::MissingSessionToken(_) => invalid_token(),
            AuthError::Session { cause: CredentialError::Expired { .. }, .. } => Self::sender(
                "ExpiredToken",
                StatusCode::FORBIDDEN,
                "The security token included in the request is expired",
            ),
            AuthError::Session { .. } => invalid_token(),
            AuthError::Signature(SigV4Error::RequestTimeTooSkewed { .. } | SigV4Error::PresignExpired { .. }) => {
                Self::sender("SignatureDoesNotMatch", StatusCode::FORBIDDEN, format!("Signature expired: {reason}"))
            }
            AuthError::Signature(SigV4Error::SignatureDoesNotMatch { .. }) => Self::sender(
                "SignatureDoesNotMatch",
                StatusCode::FORBIDDEN,
                "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
            ),
            AuthError::Signature(_) => Self::sender("IncompleteSignature", StatusCode::BAD_REQUEST, reason.clone()),
        };
        error.because(reason)
    }
}

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

impl AwsError {
    /// The rest-json answer (EKS): the code in `x-amzn-ErrorType`, `{"message": …}`.
    pub fn json_response(&self) -> Response {
        let body = serde_json::json!({ "message": self.message }).to_string();
        let mut response = (
            self.status,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response();
        let headers = response.headers_mut();
        headers.insert("x-amzn-errortype", HeaderValue::from_static(self.code));
        if let Ok(value) = HeaderValue::from_str(&header_safe(&self.reason)) {
            headers.insert(REASON_HEADER, value);
        }
        response
    }

    /// An authentication failure as rest-json services name it.
    pub fn from_json_auth(err: AuthError) -> Self {
        let mut error = Self::from_query_auth(err);
        error.code = match error.code {
            "InvalidClientTokenId" => "UnrecognizedClientException",
            "SignatureDoesNotMatch" => "InvalidSignatureException",
            "MissingAuthenticationToken" => "MissingAuthenticationTokenException",
            "ExpiredToken" => "ExpiredTokenException",
            other => other,
        };
        error
    }
}

impl From<EksError> for AwsError {
    fn from(err: EksError) -> Self {
        let reason = err.to_string();
        match err {
            EksError::NoSuchCluster(_) => Self::sender(
                "ResourceNotFoundException",
                StatusCode::NOT_FOUND,
                reason.clone(),
            ),
            EksError::Unsupported { .. } => Self::sender(
                "InvalidRequestException",
                StatusCode::BAD_REQUEST,
                reason.clone(),
            ),
        }
        .because(reason)
    }
}

impl From<IamError> for AwsError {
    fn from(err: IamError) -> Self {
        let reason = err.to_string();
        match err {
            IamError::UnknownAction(action) => Self::sender(
                "InvalidAction",
                StatusCode::BAD_REQUEST,
                format!("Could not find operation {action} for version 2010-05-08"),
            ),
            IamError::MissingParameter(name) => Self::sender(
                "ValidationError",
                StatusCode::BAD_REQUEST,
                format!("1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null", lower_first(&name)),
            ),
            IamError::NoSuchEntity(message) => Self::sender("NoSuchEntity", StatusCode::NOT_FOUND, message),
            IamError::InvalidInput(message) => Self::sender("InvalidInput", StatusCode::BAD_REQUEST, message),
        }
        .because(reason)
    }
}

/// `RoleName` → `roleName`, as AWS names members in validation messages.
fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_ascii_lowercase().to_string() + chars.as_str()
    })
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

impl From<QueryError> for AwsError {
    fn from(err: QueryError) -> Self {
        let reason = err.to_string();
        match err {
            QueryError::MissingAction => Self::sender(
                "MissingAction",
                StatusCode::BAD_REQUEST,
                "The request must contain the parameter Action.",
            ),
            QueryError::TooManyParameters | QueryError::DuplicateParameter(_) => {
                Self::sender("ValidationError", StatusCode::BAD_REQUEST, reason.clone())
            }
        }
        .because(reason)
    }
}

impl From<TokenError> for AwsError {
    fn from(err: TokenError) -> Self {
        let reason = format!("web identity token refused: {err}");
        let invalid = |message: String| {
            Self::sender("InvalidIdentityToken", StatusCode::BAD_REQUEST, message)
        };
        let error = match &err {
            TokenError::Length(length) => Self::sender(
                "ValidationError",
                StatusCode::BAD_REQUEST,
                format!(
                    "1 validation error detected: Value at 'webIdentityToken' failed to satisfy constraint: Member must have length {}",
                    if *length < 4 { "greater than or equal to 4" } else { "less than or equal to 20000" }
                ),
            ),
            TokenError::UnknownIssuer { issuer } => {
                invalid(format!("No OpenIDConnect provider found in your account for {issuer}"))
            }
            TokenError::MissingAudience => invalid("Missing a required claim: aud".into()),
            TokenError::MissingClaim(claim) => invalid(format!("Missing a required claim: {claim}")),
            TokenError::IncorrectAudience { .. } => invalid("Incorrect token audience".into()),
            TokenError::UnknownKey { .. } | TokenError::NoKeyOfType { .. } | TokenError::NoKeys(_) => {
                invalid(NO_VERIFICATION_KEY.into())
            }
            TokenError::Expired { now, expires_at } => Self::sender(
                "ExpiredTokenException",
                StatusCode::BAD_REQUEST,
                format!("Token expired: current date/time {now} must be before the expiration date/time{expires_at}"),
            ),
            TokenError::Malformed(_)
            | TokenError::AlgorithmNotAllowed(_)
            | TokenError::BadSignature { .. }
            | TokenError::BadTimestamp { .. }
            | TokenError::NotYetValid { .. }
            | TokenError::IssuedInFuture { .. } => invalid(GENERIC_INVALID_TOKEN.into()),
        };
        error.because(reason)
    }
}

impl From<StsError> for AwsError {
    fn from(err: StsError) -> Self {
        let reason = err.to_string();
        match err {
            StsError::Query(query) => return query.into(),
            StsError::Token(token) => return token.into(),
            StsError::UnknownAction { action, version } => Self::sender(
                "InvalidAction",
                StatusCode::BAD_REQUEST,
                format!("Could not find operation {action} for version {version}"),
            ),
            StsError::Validation(problems) => {
                Self::sender("ValidationError", StatusCode::BAD_REQUEST, problems.message())
            }
            StsError::DurationExceedsRoleMaximum { .. } => Self::sender(
                "ValidationError",
                StatusCode::BAD_REQUEST,
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
            ),
            StsError::InvalidRoleArn => {
                Self::sender("ValidationError", StatusCode::BAD_REQUEST, "Request ARN is invalid")
            }
            StsError::PackedPolicyTooLarge(percent) => Self::sender(
                "PackedPolicyTooLarge",
                StatusCode::BAD_REQUEST,
                format!("Packed policy consumes {percent}% of allotted space, please use smaller policy."),
            ),
            StsError::ProviderIdWithOidcToken => Self::sender(
                "InvalidParameterValue",
                StatusCode::BAD_REQUEST,
                "ProviderId is only for OAuth 2.0 access tokens; omit it for an OpenID Connect ID token.",
            ),
            StsError::MalformedSessionPolicy(problem) => {
                Self::sender("MalformedPolicyDocument", StatusCode::BAD_REQUEST, problem)
            }
            StsError::UnknownPolicyArn(arn) => Self::sender(
                "InvalidParameterValue",
                StatusCode::BAD_REQUEST,
                format!("Policy {arn} does not exist or is not attachable."),
            ),
            StsError::NotAuthorized { action, .. } => Self::sender(
                "AccessDenied",
                StatusCode::FORBIDDEN,
                format!("Not authorized to perform {action}"),
            ),
            StsError::Internal(_) => Self::sender(
                "InternalFailure",
                StatusCode::INTERNAL_SERVER_ERROR,
                "The request processing has failed because of an unknown error, exception or failure.",
            ),
        }
        .because(reason)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_response_has_the_query_envelope() {
        let error = AwsError::sender(
            "InvalidIdentityToken",
            StatusCode::BAD_REQUEST,
            "No <provider> & more",
        );
        assert_eq!(
            error.query_body("https://sts.amazonaws.com/doc/2011-06-15/", "req-1"),
            concat!(
                r#"<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error>"#,
                "<Type>Sender</Type><Code>InvalidIdentityToken</Code><Message>No &lt;provider&gt; &amp; more</Message>",
                "</Error><RequestId>req-1</RequestId></ErrorResponse>"
            )
        );
        let server_fault =
            AwsError::sender("InternalFailure", StatusCode::INTERNAL_SERVER_ERROR, "x");
        assert_eq!(server_fault.fault_type(), "Receiver");
    }

    #[test]
    fn token_causes_map_to_aws_codes() {
        let cases = [
            ("length", TokenError::Length(3), "ValidationError", 400),
            (
                "unknown_issuer",
                TokenError::UnknownIssuer {
                    issuer: "https://x".into(),
                },
                "InvalidIdentityToken",
                400,
            ),
            (
                "expired",
                TokenError::Expired {
                    now: 2,
                    expires_at: 1,
                },
                "ExpiredTokenException",
                400,
            ),
            (
                "bad_signature",
                TokenError::BadSignature { checked: 1 },
                "InvalidIdentityToken",
                400,
            ),
            (
                "unknown_kid",
                TokenError::UnknownKey { kid: "k".into() },
                "InvalidIdentityToken",
                400,
            ),
        ];
        for (name, cause, code, status) in cases {
            let error = AwsError::from(cause);
            assert_eq!(
                (error.code, error.status.as_u16()),
                (code, status),
                "case {name}"
            );
            assert!(!error.reason.is_empty(), "case {name}");
        }
        let expired = AwsError::from(TokenError::Expired {
            now: 1624482533,
            expires_at: 1624482335,
        });
        assert_eq!(expired.message, "Token expired: current date/time 1624482533 must be before the expiration date/time1624482335");
    }

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

    #[test]
    fn reasons_are_made_header_safe() {
        assert_eq!(header_safe("a\nb\u{e9}c"), "a?b?c");
        assert_eq!(header_safe(&"x".repeat(5000)).len(), 1024);
    }
}
