//! Query-protocol (STS, IAM) causes: authentication, tokens, STS and IAM failures.

use axum::http::StatusCode;

use super::AwsError;
use crate::access::authenticate::AuthError;
use crate::credentials::CredentialError;
use crate::iam::error::IamError;
use crate::oidc::verify::TokenError;
use crate::protocol::query::QueryError;
use crate::sigv4::SigV4Error;
use crate::sts::error::StsError;

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

impl From<IamError> for AwsError {
    fn from(err: IamError) -> Self {
        let reason = err.to_string();
        let invalid_input =
            |message: String| Self::sender("InvalidInput", StatusCode::BAD_REQUEST, message);
        let no_such =
            |message: String| Self::sender("NoSuchEntity", StatusCode::NOT_FOUND, message);
        let exists =
            |message: String| Self::sender("EntityAlreadyExists", StatusCode::CONFLICT, message);
        let conflict =
            |message: &str| Self::sender("DeleteConflict", StatusCode::CONFLICT, message);
        let malformed = |message: String| {
            Self::sender("MalformedPolicyDocument", StatusCode::BAD_REQUEST, message)
        };
        let limit = |message: String| Self::sender("LimitExceeded", StatusCode::CONFLICT, message);
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
            IamError::Validation(problems) => {
                Self::sender("ValidationError", StatusCode::BAD_REQUEST, problems.message())
            }
            IamError::Unsupported(name) => invalid_input(format!("irsa-local does not support the parameter {name}.")),
            IamError::InvalidInput(message) => invalid_input(message),
            IamError::InvalidArn(arn) => invalid_input(format!("ARN {arn} is not valid.")),
            IamError::InvalidMarker { marker, .. } => invalid_input(format!("Invalid Marker: {marker}")),
            IamError::InvalidProviderUrl { url, .. } => invalid_input(format!("Invalid Url: {url}")),
            IamError::InvalidThumbprint(thumbprint) => invalid_input(format!("Thumbprint {thumbprint} is not a valid hexadecimal SHA-1 fingerprint.")),
            IamError::DuplicateTagKeys => invalid_input("Duplicate tag keys found. Please note that Tag keys are case insensitive.".into()),
            IamError::MalformedPolicyDocument(problem) => malformed(problem),
            IamError::PolicyNotJson(_) => malformed("This policy contains invalid Json".into()),
            IamError::LegacyPolicyVersion => malformed("Policy document must be version 2012-10-17 or greater.".into()),
            IamError::NoSuchRole(name) => no_such(format!("The role with name {name} cannot be found.")),
            IamError::NoSuchPolicy(arn) => no_such(format!("Policy {arn} does not exist or is not attachable.")),
            IamError::NoSuchPolicyVersion { arn, version } => {
                no_such(format!("Policy {arn} version {version} does not exist or is not attachable."))
            }
            IamError::NoSuchProvider(arn) => no_such(format!("OpenIDConnect Provider not found for arn {arn}")),
            IamError::PolicyNotAttached(arn) => no_such(format!("Policy {arn} was not found.")),
            IamError::NoSuchRolePolicy { policy, .. } => no_such(format!("The role policy with name {policy} cannot be found.")),
            IamError::RoleExists(name) => exists(format!("Role with name {name} already exists.")),
            IamError::PolicyExists(name) => {
                exists(format!("A policy called {name} already exists. Duplicate names are not allowed."))
            }
            IamError::ProviderExists(url) => exists(format!("Provider with url {url} already exists.")),
            IamError::LimitExceeded { quota, limit: max } => limit(format!("Cannot exceed quota for {quota}: {max}")),
            IamError::InlinePolicySizeExceeded { role, limit: max } => {
                limit(format!("Maximum policy size of {max} bytes exceeded for role {role}"))
            }
            IamError::RoleHasAttachedPolicies(_) => conflict("Cannot delete entity, must detach all policies first."),
            IamError::RoleHasInlinePolicies(_) => conflict("Cannot delete entity, must delete policies first."),
            IamError::PolicyInUse(_) => conflict("Cannot delete a policy attached to entities."),
            IamError::ProtectedRole(name) => Self::sender(
                "UnmodifiableEntity",
                StatusCode::BAD_REQUEST,
                format!("Cannot perform the operation on the protected role '{name}' - this role is only modifiable by AWS"),
            ),
            IamError::AwsOwnedPolicy(arn) => Self::sender(
                "AccessDenied",
                StatusCode::FORBIDDEN,
                format!("Not authorized to perform: iam:DeletePolicy on resource: policy {arn}"),
            ),
            IamError::WriteOverSnapshot(_) => Self::sender(
                "ServiceFailure",
                StatusCode::INTERNAL_SERVER_ERROR,
                "The request processing has failed because of an unknown error, exception or failure.",
            ),
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
