//! How IAM names the resource in an AccessDenied message, which is not always the ARN
//! it evaluated. Observed in AWS's answers (public issue reports, 2017–2025): actions on
//! an existing role named by `RoleName` say `role <name>` (`iam:GetRole on resource:
//! role iam-test`, also DeleteRole, UpdateAssumeRolePolicy, AttachRolePolicy);
//! CreatePolicy says `policy <name>`; GetPolicy says `policy <arn>`; CreateRole, TagRole,
//! CreateOpenIDConnectProvider say the ARN. Actions not seen in a report keep the ARN.

use super::{IamAction, IamRead, IamWrite};

impl IamAction {
    /// The resource as IAM's AccessDenied message names it; `evaluated` is the one the
    /// caller's policies were evaluated against.
    pub fn denied_resource(&self, evaluated: &str) -> String {
        let role = |name: &str| format!("role {name}");
        let policy = |name: &str| format!("policy {name}");
        match self {
            Self::Read(
                IamRead::GetRole { name }
                | IamRead::ListAttachedRolePolicies { name, .. }
                | IamRead::GetRolePolicy { name, .. }
                | IamRead::ListRolePolicies { name, .. },
            )
            | Self::Write(
                IamWrite::DeleteRole { name }
                | IamWrite::UpdateAssumeRolePolicy { name, .. }
                | IamWrite::UpdateRole { name, .. }
                | IamWrite::AttachRolePolicy { name, .. }
                | IamWrite::DetachRolePolicy { name, .. }
                | IamWrite::PutRolePolicy { name, .. }
                | IamWrite::DeleteRolePolicy { name, .. },
            ) => role(name),
            Self::Write(IamWrite::CreatePolicy(input)) => policy(&input.name),
            Self::Read(IamRead::GetPolicy { arn } | IamRead::GetPolicyVersion { arn, .. })
            | Self::Write(IamWrite::DeletePolicy { arn }) => policy(arn),
            Self::Read(
                IamRead::ListOpenIdConnectProviders
                | IamRead::GetOpenIdConnectProvider { .. }
                | IamRead::ListOpenIdConnectProviderTags { .. }
                | IamRead::ListRoles { .. }
                | IamRead::ListRoleTags { .. }
                | IamRead::ListPolicies(_),
            )
            | Self::Write(
                IamWrite::CreateOpenIdConnectProvider(_)
                | IamWrite::DeleteOpenIdConnectProvider { .. }
                | IamWrite::AddClientIdToOpenIdConnectProvider { .. }
                | IamWrite::RemoveClientIdFromOpenIdConnectProvider { .. }
                | IamWrite::UpdateOpenIdConnectProviderThumbprint { .. }
                | IamWrite::TagOpenIdConnectProvider { .. }
                | IamWrite::UntagOpenIdConnectProvider { .. }
                | IamWrite::CreateRole(_)
                | IamWrite::TagRole { .. }
                | IamWrite::UntagRole { .. },
            ) => evaluated.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::iam::action::CreatePolicy;
    use crate::iam::input::Page;

    #[test]
    fn resources_are_named_as_iam_names_them() {
        let policy_arn = "arn:aws:iam::111122223333:policy/reader";
        let role_arn = "arn:aws:iam::111122223333:role/team/iam-test";
        #[rustfmt::skip]
        let cases = [
            ("get_role_names_the_role", IamAction::Read(IamRead::GetRole { name: "iam-test".into() }), role_arn, "role iam-test"),
            ("delete_role_names_the_role", IamAction::Write(IamWrite::DeleteRole { name: "iam-test".into() }), role_arn, "role iam-test"),
            ("attach_names_the_role", IamAction::Write(IamWrite::AttachRolePolicy { name: "iam-test".into(), arn: policy_arn.into() }), role_arn, "role iam-test"),
            ("tag_role_keeps_the_arn", IamAction::Write(IamWrite::TagRole { name: "iam-test".into(), tags: Vec::new() }), role_arn, role_arn),
            ("get_policy_names_the_policy_arn", IamAction::Read(IamRead::GetPolicy { arn: policy_arn.into() }), policy_arn, "policy arn:aws:iam::111122223333:policy/reader"),
            ("create_policy_names_the_new_policy", IamAction::Write(IamWrite::CreatePolicy(CreatePolicy {
                name: "reader".into(), path: "/".into(), document: "{}".into(), description: None, tags: Vec::new(),
            })), policy_arn, "policy reader"),
            ("list_roles_keeps_what_was_evaluated", IamAction::Read(IamRead::ListRoles { path_prefix: "/".into(), page: Page { start: 0, max_items: 100 } }), "*", "*"),
        ];
        for (name, action, evaluated, want) in cases {
            assert_eq!(action.denied_resource(evaluated), want, "case {name}");
        }
    }
}
