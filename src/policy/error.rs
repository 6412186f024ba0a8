//! Why a policy document was refused. Each variant names one cause; `Display` starts
//! with the sentence IAM puts in its `MalformedPolicyDocument` message for that cause
//! (where we know it) and then names the culprit, so the text can go on the wire as is.

/// A policy document that IAM would refuse, and why.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum PolicyError {
    /// The text is not JSON at all.
    #[error("Syntax errors in policy. The document is not valid JSON: {0}.")]
    NotJson(String),
    /// The document is JSON but not an object.
    #[error("Syntax errors in policy. The document must be a JSON object.")]
    NotAnObject,
    /// An element IAM's grammar does not have, at the top or in a statement.
    #[error("Syntax errors in policy. Unknown element \"{element}\" in {place}.")]
    UnknownElement { element: String, place: String },
    /// `Version` is not one of the two policy language versions.
    #[error("Syntax errors in policy. Version must be \"2012-10-17\" or \"2008-10-17\", not {0}.")]
    UnsupportedVersion(String),
    /// No `Statement`, or an empty list of them.
    #[error("Syntax errors in policy. The policy has no Statement.")]
    MissingStatement,
    /// An element whose JSON type is wrong (a number where a string belongs, an empty list).
    #[error("Syntax errors in policy. {element} in {place} must be {expected}.")]
    WrongShape {
        element: String,
        place: String,
        expected: &'static str,
    },
    /// Two elements that exclude each other, such as `Action` and `NotAction`.
    #[error("Syntax errors in policy. {place} has both {first} and {second}.")]
    ConflictingElements {
        place: String,
        first: &'static str,
        second: &'static str,
    },
    /// `Effect` missing, or not exactly `Allow` or `Deny`.
    #[error(
        "Syntax errors in policy. Effect in {place} must be \"Allow\" or \"Deny\", not {found}."
    )]
    InvalidEffect { place: String, found: String },
    /// A statement without `Action` or `NotAction`, or with an empty list.
    #[error("Policy statement must contain actions. ({place} has none.)")]
    MissingActions { place: String },
    /// A permissions statement without `Resource` or `NotResource`, or with an empty list.
    #[error("Policy statement must contain resources. ({place} has none.)")]
    MissingResources { place: String },
    /// `Principal` or `NotPrincipal` in an identity-based policy.
    #[error("Policy document should not specify a principal. ({place} has one.)")]
    PrincipalInIdentityPolicy { place: String },
    /// A trust policy statement without `Principal` or `NotPrincipal`.
    #[error("Missing required field Principal ({place})")]
    MissingPrincipal { place: String },
    /// A principal IAM cannot resolve: an unknown type, a wildcard inside a name, no value.
    #[error("Invalid principal in policy: \"{kind}\":\"{value}\"")]
    InvalidPrincipal { kind: String, value: String },
    /// An action with no `vendor:` prefix.
    #[error(
        "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc. Found \"{0}\"."
    )]
    ActionWithoutVendor(String),
    /// An action with more than one colon.
    #[error("Actions/Condition can contain only one colon. Found \"{0}\".")]
    ActionWithManyColons(String),
    /// An action whose vendor contains `*` or `?`.
    #[error("Action vendors (e.g., aws, ec2, etc.) must not contain wildcards. Found \"{0}\".")]
    VendorWithWildcard(String),
    /// An action vendor with characters outside `[A-Za-z0-9.-]`.
    #[error("Vendor {0} is not valid")]
    InvalidVendor(String),
    /// A resource that is neither `*` nor an ARN.
    #[error("Resource {0} must be in ARN format or \"*\".")]
    ResourceNotArn(String),
    /// Two statements with the same `Sid`.
    #[error("Statement IDs (SID) in a single policy must be unique. Found \"{0}\" twice.")]
    DuplicateSid(String),
    /// A condition operator IAM does not have (or `IfExists` / a set qualifier on `Null`).
    #[error("Syntax errors in policy. Unknown condition operator: {0}.")]
    UnknownConditionOperator(String),
    /// A condition key with no `vendor:` prefix.
    #[error("Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc. Found condition key \"{0}\".")]
    ConditionKeyWithoutVendor(String),
    /// A condition value its operator cannot read: a non-number for `Numeric*`, a bad date,
    /// a bad CIDR, a non-boolean for `Bool` or `Null`, bad base64 for `BinaryEquals`.
    #[error("Syntax errors in policy. {operator} on \"{key}\" cannot use {value}: it must be {expected}.")]
    InvalidConditionValue {
        operator: String,
        key: String,
        value: String,
        expected: &'static str,
    },
}
