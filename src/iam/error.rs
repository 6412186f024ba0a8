//! Why IAM refused a request. Variants name causes; the `From` impl below picks the AWS
//! code, status and message AWS gives for each, in one place.

use axum::http::StatusCode;

use crate::protocol::error::AwsError;
use crate::protocol::query::QueryError;
use crate::validation::ValidationProblems;

/// An IAM failure.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IamError {
    #[error("IAM has no action {0} here")]
    UnknownAction(String),
    #[error("the parameter {0} is required")]
    MissingParameter(String),
    /// A parameter the query codec cannot read (a list with a gap in its numbering).
    #[error(transparent)]
    Query(#[from] QueryError),
    /// Parameters that break the service model's constraints, each already phrased as
    /// AWS phrases it (`Value 'x' at 'roleName' failed to satisfy constraint: …`).
    #[error("{}", .0.message())]
    Validation(ValidationProblems),
    /// A parameter IAM accepts that irsa-local does not implement, and that would change
    /// the outcome if ignored.
    #[error("irsa-local does not support the parameter {0}")]
    Unsupported(&'static str),
    #[error("{0}")]
    InvalidInput(String),
    #[error("ARN {0} is not valid")]
    InvalidArn(String),
    #[error("Marker {marker} is not one this server handed out: {problem}")]
    InvalidMarker { marker: String, problem: String },
    #[error("provider URL {url} is refused: {problem}")]
    InvalidProviderUrl { url: String, problem: String },
    #[error("thumbprint {0} is not 40 hexadecimal digits")]
    InvalidThumbprint(String),
    #[error("two tags in the request have the same key (compared case-insensitively)")]
    DuplicateTagKeys,
    #[error("the policy document is malformed: {0}")]
    MalformedPolicyDocument(String),
    #[error("the policy document is not JSON: {0}")]
    PolicyNotJson(String),
    #[error("a managed policy must use policy language version 2012-10-17")]
    LegacyPolicyVersion,
    #[error("no role {0}")]
    NoSuchRole(String),
    #[error("no managed policy {0} (or it is not attachable)")]
    NoSuchPolicy(String),
    #[error("managed policy {arn} has no version {version}")]
    NoSuchPolicyVersion { arn: String, version: String },
    #[error("no OIDC provider {0}")]
    NoSuchProvider(String),
    #[error("policy {0} is not attached to the role")]
    PolicyNotAttached(String),
    #[error("role {role} has no inline policy {policy}")]
    NoSuchRolePolicy { role: String, policy: String },
    #[error("a role named {0} exists (names compare case-insensitively)")]
    RoleExists(String),
    #[error("a managed policy named {0} exists in this account")]
    PolicyExists(String),
    #[error("an OIDC provider for {0} exists")]
    ProviderExists(String),
    #[error("quota {quota} ({limit}) would be exceeded")]
    LimitExceeded { quota: &'static str, limit: usize },
    #[error("inline policies of role {role} would exceed {limit} characters")]
    InlinePolicySizeExceeded { role: String, limit: usize },
    #[error("role {0} still has managed policies attached")]
    RoleHasAttachedPolicies(String),
    #[error("role {0} still has inline policies")]
    RoleHasInlinePolicies(String),
    #[error("managed policy {0} is still attached to roles")]
    PolicyInUse(String),
    #[error("role {0} is protected (service-linked or AWS-reserved path)")]
    ProtectedRole(String),
    #[error("managed policy {0} belongs to AWS, not to this account")]
    AwsOwnedPolicy(String),
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
            IamError::Query(query) => return query.into(),
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
