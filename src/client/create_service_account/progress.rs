//! What the command reports as it goes.

use std::fmt;

/// A step the command reports, in eksctl's words where eksctl has them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Progress {
    ProviderFound { arn: String },
    ExcludedExisting { service_account: String },
    OverridingExisting,
    CreatedRole { name: String, arn: String },
    AttachedPolicy { role: String, policy_arn: String },
    CreatedServiceAccount { service_account: String },
    ServiceAccountExists { service_account: String },
    UpdatedServiceAccount { service_account: String },
}

impl Progress {
    /// Whether the step is a warning (eksctl's `[!]`) rather than information (`[ℹ]`).
    pub fn is_warning(&self) -> bool {
        matches!(
            self,
            Self::ExcludedExisting { .. } | Self::OverridingExisting
        )
    }
}

impl fmt::Display for Progress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ProviderFound { arn } => write!(f, "using IAM OIDC provider {arn}"),
            Self::ExcludedExisting { service_account } => write!(
                f,
                "1 existing iamserviceaccount(s) ({service_account}) will be excluded; serviceaccounts that exist in Kubernetes will be excluded, use --override-existing-serviceaccounts to override"
            ),
            Self::OverridingExisting => f.write_str(
                "metadata of serviceaccounts that exist in Kubernetes will be updated, as --override-existing-serviceaccounts was set",
            ),
            Self::CreatedRole { name, arn } => write!(f, "created IAM role {name:?} ({arn})"),
            Self::AttachedPolicy { role, policy_arn } => {
                write!(f, "attached policy {policy_arn} to IAM role {role:?}")
            }
            Self::CreatedServiceAccount { service_account } => {
                write!(f, "created serviceaccount {service_account:?}")
            }
            Self::ServiceAccountExists { service_account } => {
                write!(f, "serviceaccount {service_account:?} already exists")
            }
            Self::UpdatedServiceAccount { service_account } => {
                write!(f, "updated serviceaccount {service_account:?}")
            }
        }
    }
}
