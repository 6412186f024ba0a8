//! A refused authorization and the one place its AWS message is worded.
//!
//! Since August 2024 AWS words a same-account denial with the kind of policy that refused
//! and how (IAM User Guide, "Troubleshoot access denied error messages",
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_access-denied.html>;
//! S3 User Guide, "Troubleshoot access denied (403 Forbidden) errors",
//! <https://docs.aws.amazon.com/AmazonS3/latest/userguide/troubleshoot-403-errors.html>):
//!
//! `User: <principal ARN> is not authorized to perform: <action> on resource: <resource> <context>`
//!
//! where `<context>` is `because no <type> policy allows the <action> action` for an
//! implicit deny and `with an explicit deny in a <type> policy` for an explicit one, and
//! `<type>` is `identity-based` or `session` here (AWS also names resource-based, VPC
//! endpoint, service control and resource control policies and permissions boundaries,
//! none of which irsa-local has). When several policy types refuse, AWS names one. S3
//! puts the resource ARN in double quotes; IAM and EKS do not. Messages observed from AWS
//! leave out ` on resource: …` when the resource is `*` (S3 `s3:ListAllMyBuckets`, EC2
//! `Describe*` calls).

use axum::http::StatusCode;

use crate::protocol::error::AwsError;

/// How a policy type refused a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deny {
    /// No statement allowed the request.
    Implicit,
    /// A `Deny` statement applied.
    Explicit,
}

/// The kind of policy that refused, as AWS's messages name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PolicyType {
    /// The role's attached managed and inline policies.
    IdentityBased,
    /// The session's own policies (`Policy` and `PolicyArns` of the assume call).
    Session,
}

impl PolicyType {
    /// The name AWS's messages use.
    fn name(self) -> &'static str {
        match self {
            Self::IdentityBased => "identity-based",
            Self::Session => "session",
        }
    }

    /// The name with its indefinite article: `an identity-based`, `a session`.
    fn with_article(self) -> &'static str {
        match self {
            Self::IdentityBased => "an identity-based",
            Self::Session => "a session",
        }
    }
}

/// Why a session may not do something: the decision that refused it, for AWS's message,
/// and irsa-local's own one-line reason (which statement, what missed), for the
/// `x-irsa-local-reason` header.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{reason}")]
pub struct Denied {
    pub deny: Deny,
    pub policy_type: PolicyType,
    pub reason: String,
}

impl Denied {
    /// A denial of `deny` by `policy_type`, for `reason`.
    pub fn new(deny: Deny, policy_type: PolicyType, reason: impl Into<String>) -> Self {
        Self {
            deny,
            policy_type,
            reason: reason.into(),
        }
    }

    /// The service's answer to this denial: `code` at `status` with AWS's message for
    /// `principal_arn` refused `action` on `resource`, and this denial's reason for the
    /// `x-irsa-local-reason` header.
    pub fn refusal(
        &self,
        code: &'static str,
        status: StatusCode,
        principal_arn: &str,
        action: &str,
        resource: ResourceName<'_>,
    ) -> AwsError {
        AwsError::sender(
            code,
            status,
            not_authorized(principal_arn, action, resource, self),
        )
        .because(self.reason.clone())
    }
}

/// How a service names the resource in its denial message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResourceName<'a> {
    /// In double quotes (S3).
    Quoted(&'a str),
    /// As is (IAM, EKS).
    Bare(&'a str),
}

/// AWS's message for `principal_arn` refused `action` on `resource` by `denied`.
fn not_authorized(
    principal_arn: &str,
    action: &str,
    resource: ResourceName<'_>,
    denied: &Denied,
) -> String {
    let on_resource = match resource {
        ResourceName::Quoted("*") | ResourceName::Bare("*") => String::new(),
        ResourceName::Quoted(name) => format!(" on resource: \"{name}\""),
        ResourceName::Bare(name) => format!(" on resource: {name}"),
    };
    let policy_type = denied.policy_type;
    let context = match denied.deny {
        Deny::Implicit => format!(
            "because no {} policy allows the {action} action",
            policy_type.name()
        ),
        Deny::Explicit => format!(
            "with an explicit deny in {} policy",
            policy_type.with_article()
        ),
    };
    format!("User: {principal_arn} is not authorized to perform: {action}{on_resource} {context}")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SESSION: &str = "arn:aws:sts::111122223333:assumed-role/iam-test/botocore-session-1";

    #[test]
    fn messages_follow_aws_wording() {
        #[rustfmt::skip]
        let cases = [
            ("s3_implicit_identity_quotes_the_arn", "s3:CreateBucket", ResourceName::Quoted("arn:aws:s3:::my-bucket"), Deny::Implicit, PolicyType::IdentityBased,
             "User: arn:aws:sts::111122223333:assumed-role/iam-test/botocore-session-1 is not authorized to perform: s3:CreateBucket on resource: \"arn:aws:s3:::my-bucket\" because no identity-based policy allows the s3:CreateBucket action"),
            ("s3_explicit_identity", "s3:DeleteObject", ResourceName::Quoted("arn:aws:s3:::b/k"), Deny::Explicit, PolicyType::IdentityBased,
             "User: arn:aws:sts::111122223333:assumed-role/iam-test/botocore-session-1 is not authorized to perform: s3:DeleteObject on resource: \"arn:aws:s3:::b/k\" with an explicit deny in an identity-based policy"),
            ("s3_implicit_session", "s3:PutObject", ResourceName::Quoted("arn:aws:s3:::b/k"), Deny::Implicit, PolicyType::Session,
             "User: arn:aws:sts::111122223333:assumed-role/iam-test/botocore-session-1 is not authorized to perform: s3:PutObject on resource: \"arn:aws:s3:::b/k\" because no session policy allows the s3:PutObject action"),
            ("s3_explicit_session", "s3:GetObject", ResourceName::Quoted("arn:aws:s3:::b/k"), Deny::Explicit, PolicyType::Session,
             "User: arn:aws:sts::111122223333:assumed-role/iam-test/botocore-session-1 is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:::b/k\" with an explicit deny in a session policy"),
            ("star_resource_is_left_out", "s3:ListAllMyBuckets", ResourceName::Quoted("*"), Deny::Implicit, PolicyType::IdentityBased,
             "User: arn:aws:sts::111122223333:assumed-role/iam-test/botocore-session-1 is not authorized to perform: s3:ListAllMyBuckets because no identity-based policy allows the s3:ListAllMyBuckets action"),
            ("bare_star_is_left_out_too", "eks:ListClusters", ResourceName::Bare("*"), Deny::Explicit, PolicyType::Session,
             "User: arn:aws:sts::111122223333:assumed-role/iam-test/botocore-session-1 is not authorized to perform: eks:ListClusters with an explicit deny in a session policy"),
            ("iam_names_the_resource_bare", "iam:GetRole", ResourceName::Bare("role iam-test"), Deny::Implicit, PolicyType::IdentityBased,
             "User: arn:aws:sts::111122223333:assumed-role/iam-test/botocore-session-1 is not authorized to perform: iam:GetRole on resource: role iam-test because no identity-based policy allows the iam:GetRole action"),
            ("eks_names_the_arn_bare", "eks:DescribeCluster", ResourceName::Bare("arn:aws:eks:us-west-2:111122223333:cluster/c"), Deny::Implicit, PolicyType::Session,
             "User: arn:aws:sts::111122223333:assumed-role/iam-test/botocore-session-1 is not authorized to perform: eks:DescribeCluster on resource: arn:aws:eks:us-west-2:111122223333:cluster/c because no session policy allows the eks:DescribeCluster action"),
        ];
        for (name, action, resource, deny, policy_type, want) in cases {
            let denied = Denied::new(deny, policy_type, "irsa-local's reason");
            assert_eq!(
                not_authorized(SESSION, action, resource, &denied),
                want,
                "case {name}"
            );
        }
    }

    #[test]
    fn the_reason_is_what_displays() {
        let denied = Denied::new(
            Deny::Explicit,
            PolicyType::Session,
            "statement 0 of 'session policy'",
        );
        assert_eq!(denied.to_string(), "statement 0 of 'session policy'");
    }
}
