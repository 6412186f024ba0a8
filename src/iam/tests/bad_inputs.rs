//! One table: a bad request to each action, against the default world, and the AWS code
//! and HTTP status it must get.

use super::*;

const LEGACY: &str = r#"{"Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#;

/// Name, action, parameters, AWS code, HTTP status.
type Case<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>, &'a str, u16);

#[test]
fn bad_inputs_get_aws_codes() {
    let long_url = format!("https://issuer.example/{}", "a".repeat(240));
    let short_thumbprint = "abc";
    let non_hex_thumbprint = "g".repeat(40);
    let thumbprints: Vec<String> = (1..=6).map(|i| format!("{i:040x}")).collect();
    let client_ids: Vec<String> = (1..=101).map(|i| format!("client-{i}")).collect();
    let many_tags: Vec<(String, String)> = (1..=51)
        .flat_map(|i| {
            [
                (format!("Tags.member.{i}.Key"), format!("k{i}")),
                (format!("Tags.member.{i}.Value"), "v".to_owned()),
            ]
        })
        .collect();
    let huge_trust = TRUST.replace(
        "ec2.amazonaws.com",
        &vec!["ec2.amazonaws.com"; 150].join("\",\""),
    );
    let huge_trust = huge_trust
        .replace("\"Service\":\"", "\"Service\":[\"")
        .replace("\"},\"Action\"", "\"]},\"Action\"");
    let huge_permissions = PERMISSIONS.replace(
        "\"s3:GetObject\"",
        &format!("[{}]", vec!["\"s3:GetObject\""; 600].join(",")),
    );
    let huge_inline = PERMISSIONS.replace(
        "\"s3:GetObject\"",
        &format!("[{}]", vec!["\"s3:GetObject\""; 800].join(",")),
    );
    let long_name = "r".repeat(65);
    let long_description = "d".repeat(1001);
    let long_url_s = long_url.as_str();
    let mut six_thumbprints = vec![("Url", "https://six.example")];
    let thumbprint_keys: Vec<String> = (1..=6)
        .map(|i| format!("ThumbprintList.member.{i}"))
        .collect();
    for (key, value) in thumbprint_keys.iter().zip(&thumbprints) {
        six_thumbprints.push((key.as_str(), value.as_str()));
    }
    let mut many_clients = vec![("Url", "https://many.example")];
    let client_keys: Vec<String> = (1..=101)
        .map(|i| format!("ClientIDList.member.{i}"))
        .collect();
    for (key, value) in client_keys.iter().zip(&client_ids) {
        many_clients.push((key.as_str(), value.as_str()));
    }
    let mut tag_role_51 = vec![("RoleName", "iam-test")];
    tag_role_51.extend(many_tags.iter().map(|(k, v)| (k.as_str(), v.as_str())));

    let provider = ("OpenIDConnectProviderArn", PROVIDER_ARN);
    let unknown_provider = (
        "OpenIDConnectProviderArn",
        "arn:aws:iam::111122223333:oidc-provider/nowhere.example",
    );
    let role = ("RoleName", "iam-test");
    let protected = ("RoleName", "AWSServiceRoleForTest");
    let unknown_role = ("RoleName", "nobody");
    #[rustfmt::skip]
    let cases: Vec<Case> = vec![
        ("unknown_action", "CreateUser", vec![("UserName", "u")], "InvalidAction", 400),
        // OIDC providers
        ("create_provider_missing_url", "CreateOpenIDConnectProvider", vec![], "ValidationError", 400),
        ("create_provider_http", "CreateOpenIDConnectProvider", vec![("Url", "http://issuer.example")], "InvalidInput", 400),
        ("create_provider_no_scheme", "CreateOpenIDConnectProvider", vec![("Url", "issuer.example")], "InvalidInput", 400),
        ("create_provider_query", "CreateOpenIDConnectProvider", vec![("Url", "https://issuer.example/?a=b")], "InvalidInput", 400),
        ("create_provider_no_host", "CreateOpenIDConnectProvider", vec![("Url", "https:///id/X")], "InvalidInput", 400),
        ("create_provider_long_url", "CreateOpenIDConnectProvider", vec![("Url", long_url_s)], "ValidationError", 400),
        ("create_provider_short_thumbprint", "CreateOpenIDConnectProvider", vec![("Url", "https://a.example"), ("ThumbprintList.member.1", short_thumbprint)], "ValidationError", 400),
        ("create_provider_non_hex_thumbprint", "CreateOpenIDConnectProvider", vec![("Url", "https://a.example"), ("ThumbprintList.member.1", &non_hex_thumbprint)], "InvalidInput", 400),
        ("create_provider_six_thumbprints", "CreateOpenIDConnectProvider", six_thumbprints, "LimitExceeded", 409),
        ("create_provider_101_client_ids", "CreateOpenIDConnectProvider", many_clients, "LimitExceeded", 409),
        ("create_provider_empty_client_id", "CreateOpenIDConnectProvider", vec![("Url", "https://a.example"), ("ClientIDList.member.1", "")], "ValidationError", 400),
        ("create_provider_existing", "CreateOpenIDConnectProvider", vec![("Url", "https://oidc.eks.us-west-2.amazonaws.com/id/80D562ED8026E91294D52E09BEA261D4")], "EntityAlreadyExists", 409),
        ("create_provider_identity_center", "CreateOpenIDConnectProvider", vec![("Url", "https://a.example"), ("IdentityCenterInstanceArn", "arn:aws:sso:::instance/ssoins-1")], "InvalidInput", 400),
        ("create_provider_context_provider", "CreateOpenIDConnectProvider", vec![("Url", "https://a.example"), ("ContextProvider.KeyDefinitionList.member.1.SourceKey", "k")], "InvalidInput", 400),
        ("create_provider_duplicate_tag_keys", "CreateOpenIDConnectProvider", vec![("Url", "https://a.example"), ("Tags.member.1.Key", "a"), ("Tags.member.1.Value", "1"), ("Tags.member.2.Key", "A"), ("Tags.member.2.Value", "2")], "InvalidInput", 400),
        ("get_provider_not_a_provider_arn", "GetOpenIDConnectProvider", vec![("OpenIDConnectProviderArn", "arn:aws:iam::111122223333:role/iam-test")], "InvalidInput", 400),
        ("get_provider_short_arn", "GetOpenIDConnectProvider", vec![("OpenIDConnectProviderArn", "arn:aws:iam::1:x")], "ValidationError", 400),
        ("get_provider_unknown", "GetOpenIDConnectProvider", vec![unknown_provider], "NoSuchEntity", 404),
        ("delete_provider_unknown", "DeleteOpenIDConnectProvider", vec![unknown_provider], "NoSuchEntity", 404),
        ("add_client_id_missing", "AddClientIDToOpenIDConnectProvider", vec![provider], "ValidationError", 400),
        ("add_client_id_too_long", "AddClientIDToOpenIDConnectProvider", vec![provider, ("ClientID", long_url_s)], "ValidationError", 400),
        ("add_client_id_unknown_provider", "AddClientIDToOpenIDConnectProvider", vec![unknown_provider, ("ClientID", "c")], "NoSuchEntity", 404),
        ("remove_client_id_unknown_provider", "RemoveClientIDFromOpenIDConnectProvider", vec![unknown_provider, ("ClientID", "c")], "NoSuchEntity", 404),
        ("update_thumbprint_missing_list", "UpdateOpenIDConnectProviderThumbprint", vec![provider], "ValidationError", 400),
        ("update_thumbprint_non_hex", "UpdateOpenIDConnectProviderThumbprint", vec![provider, ("ThumbprintList.member.1", &non_hex_thumbprint)], "InvalidInput", 400),
        ("update_thumbprint_unknown_provider", "UpdateOpenIDConnectProviderThumbprint", vec![unknown_provider, ("ThumbprintList", "")], "NoSuchEntity", 404),
        ("tag_provider_missing_tags", "TagOpenIDConnectProvider", vec![provider], "ValidationError", 400),
        ("tag_provider_unknown", "TagOpenIDConnectProvider", vec![unknown_provider, ("Tags.member.1.Key", "k"), ("Tags.member.1.Value", "v")], "NoSuchEntity", 404),
        ("untag_provider_missing_keys", "UntagOpenIDConnectProvider", vec![provider], "ValidationError", 400),
        ("untag_provider_bad_key", "UntagOpenIDConnectProvider", vec![provider, ("TagKeys.member.1", "a*")], "ValidationError", 400),
        ("list_provider_tags_unknown", "ListOpenIDConnectProviderTags", vec![unknown_provider], "NoSuchEntity", 404),
        ("list_provider_tags_bad_max_items", "ListOpenIDConnectProviderTags", vec![provider, ("MaxItems", "0")], "ValidationError", 400),
        // Roles
        ("create_role_missing_document", "CreateRole", vec![("RoleName", "r")], "ValidationError", 400),
        ("create_role_bad_name", "CreateRole", vec![("RoleName", "a/b"), ("AssumeRolePolicyDocument", TRUST)], "ValidationError", 400),
        ("create_role_long_name", "CreateRole", vec![("RoleName", &long_name), ("AssumeRolePolicyDocument", TRUST)], "ValidationError", 400),
        ("create_role_existing_other_case", "CreateRole", vec![("RoleName", "IAM-TEST"), ("AssumeRolePolicyDocument", TRUST)], "EntityAlreadyExists", 409),
        ("create_role_not_json", "CreateRole", vec![("RoleName", "r"), ("AssumeRolePolicyDocument", "{")], "MalformedPolicyDocument", 400),
        ("create_role_permissions_as_trust", "CreateRole", vec![("RoleName", "r"), ("AssumeRolePolicyDocument", PERMISSIONS)], "MalformedPolicyDocument", 400),
        ("create_role_short_session", "CreateRole", vec![("RoleName", "r"), ("AssumeRolePolicyDocument", TRUST), ("MaxSessionDuration", "3599")], "ValidationError", 400),
        ("create_role_long_session", "CreateRole", vec![("RoleName", "r"), ("AssumeRolePolicyDocument", TRUST), ("MaxSessionDuration", "43201")], "ValidationError", 400),
        ("create_role_bad_path", "CreateRole", vec![("RoleName", "r"), ("AssumeRolePolicyDocument", TRUST), ("Path", "team")], "ValidationError", 400),
        ("create_role_reserved_path", "CreateRole", vec![("RoleName", "r"), ("AssumeRolePolicyDocument", TRUST), ("Path", "/aws-service-role/x/")], "InvalidInput", 400),
        ("create_role_permissions_boundary", "CreateRole", vec![("RoleName", "r"), ("AssumeRolePolicyDocument", TRUST), ("PermissionsBoundary", S3_READ_ONLY)], "InvalidInput", 400),
        ("create_role_signin_session", "CreateRole", vec![("RoleName", "r"), ("AssumeRolePolicyDocument", TRUST), ("MaxSigninSessionDuration", "3600")], "InvalidInput", 400),
        ("create_role_huge_trust_policy", "CreateRole", vec![("RoleName", "r"), ("AssumeRolePolicyDocument", &huge_trust)], "LimitExceeded", 409),
        ("create_role_long_description", "CreateRole", vec![("RoleName", "r"), ("AssumeRolePolicyDocument", TRUST), ("Description", &long_description)], "ValidationError", 400),
        ("get_role_unknown", "GetRole", vec![unknown_role], "NoSuchEntity", 404),
        ("get_role_bad_name", "GetRole", vec![("RoleName", "a b")], "ValidationError", 400),
        ("list_roles_bad_prefix", "ListRoles", vec![("PathPrefix", "team")], "ValidationError", 400),
        ("list_roles_foreign_marker", "ListRoles", vec![("Marker", "eyJ0b2tlbiI6MX0=")], "InvalidInput", 400),
        ("delete_role_with_attached_policy", "DeleteRole", vec![role], "DeleteConflict", 409),
        ("delete_role_unknown", "DeleteRole", vec![unknown_role], "NoSuchEntity", 404),
        ("delete_role_protected", "DeleteRole", vec![protected], "UnmodifiableEntity", 400),
        ("update_trust_malformed", "UpdateAssumeRolePolicy", vec![role, ("PolicyDocument", PERMISSIONS)], "MalformedPolicyDocument", 400),
        ("update_trust_missing_document", "UpdateAssumeRolePolicy", vec![role], "ValidationError", 400),
        ("update_trust_protected", "UpdateAssumeRolePolicy", vec![protected, ("PolicyDocument", TRUST)], "UnmodifiableEntity", 400),
        ("update_trust_unknown_role", "UpdateAssumeRolePolicy", vec![unknown_role, ("PolicyDocument", TRUST)], "NoSuchEntity", 404),
        ("update_role_bad_session", "UpdateRole", vec![role, ("MaxSessionDuration", "ten")], "ValidationError", 400),
        ("update_role_reset_signin_session", "UpdateRole", vec![role, ("ResetMaxSigninSessionDuration", "true")], "InvalidInput", 400),
        ("update_role_unknown", "UpdateRole", vec![unknown_role, ("Description", "d")], "NoSuchEntity", 404),
        ("update_role_protected", "UpdateRole", vec![protected, ("Description", "d")], "UnmodifiableEntity", 400),
        ("tag_role_missing_tags", "TagRole", vec![role], "ValidationError", 400),
        ("tag_role_51_tags", "TagRole", tag_role_51, "ValidationError", 400),
        ("tag_role_unknown", "TagRole", vec![unknown_role, ("Tags.member.1.Key", "k"), ("Tags.member.1.Value", "v")], "NoSuchEntity", 404),
        ("tag_role_bad_value", "TagRole", vec![role, ("Tags.member.1.Key", "k"), ("Tags.member.1.Value", "a*b")], "ValidationError", 400),
        ("untag_role_unknown", "UntagRole", vec![unknown_role, ("TagKeys.member.1", "k")], "NoSuchEntity", 404),
        ("list_role_tags_unknown", "ListRoleTags", vec![unknown_role], "NoSuchEntity", 404),
        // Managed policies
        ("create_policy_legacy_version", "CreatePolicy", vec![("PolicyName", "p"), ("PolicyDocument", LEGACY)], "MalformedPolicyDocument", 400),
        ("create_policy_with_principal", "CreatePolicy", vec![("PolicyName", "p"), ("PolicyDocument", TRUST)], "MalformedPolicyDocument", 400),
        ("create_policy_not_json", "CreatePolicy", vec![("PolicyName", "p"), ("PolicyDocument", "not json")], "MalformedPolicyDocument", 400),
        ("create_policy_bad_path", "CreatePolicy", vec![("PolicyName", "p"), ("PolicyDocument", PERMISSIONS), ("Path", "/a*/")], "ValidationError", 400),
        ("create_policy_bad_name", "CreatePolicy", vec![("PolicyName", "p:q"), ("PolicyDocument", PERMISSIONS)], "ValidationError", 400),
        ("create_policy_too_big", "CreatePolicy", vec![("PolicyName", "p"), ("PolicyDocument", &huge_permissions)], "LimitExceeded", 409),
        ("get_policy_unknown", "GetPolicy", vec![("PolicyArn", "arn:aws:iam::aws:policy/Nope")], "NoSuchEntity", 404),
        ("get_policy_not_a_policy_arn", "GetPolicy", vec![("PolicyArn", "arn:aws:iam::111122223333:role/iam-test")], "InvalidInput", 400),
        ("get_policy_version_other_version", "GetPolicyVersion", vec![("PolicyArn", S3_READ_ONLY), ("VersionId", "v1")], "NoSuchEntity", 404),
        ("get_policy_version_bad_id", "GetPolicyVersion", vec![("PolicyArn", S3_READ_ONLY), ("VersionId", "3")], "ValidationError", 400),
        ("get_policy_version_missing_id", "GetPolicyVersion", vec![("PolicyArn", S3_READ_ONLY)], "ValidationError", 400),
        ("delete_policy_aws_owned", "DeletePolicy", vec![("PolicyArn", S3_READ_ONLY)], "AccessDenied", 403),
        ("delete_policy_unknown", "DeletePolicy", vec![("PolicyArn", "arn:aws:iam::111122223333:policy/Nope")], "NoSuchEntity", 404),
        ("delete_policy_short_arn", "DeletePolicy", vec![("PolicyArn", "arn:aws:iam::x")], "ValidationError", 400),
        ("list_policies_bad_scope", "ListPolicies", vec![("Scope", "Mine")], "ValidationError", 400),
        ("list_policies_bad_only_attached", "ListPolicies", vec![("OnlyAttached", "yes")], "ValidationError", 400),
        ("list_policies_bad_usage_filter", "ListPolicies", vec![("PolicyUsageFilter", "Boundary")], "ValidationError", 400),
        ("list_policies_bad_prefix", "ListPolicies", vec![("PathPrefix", "x")], "ValidationError", 400),
        // Attachments
        ("attach_unknown_policy", "AttachRolePolicy", vec![role, ("PolicyArn", "arn:aws:iam::aws:policy/Nope")], "NoSuchEntity", 404),
        ("attach_unknown_role", "AttachRolePolicy", vec![unknown_role, ("PolicyArn", S3_READ_ONLY)], "NoSuchEntity", 404),
        ("attach_not_a_policy_arn", "AttachRolePolicy", vec![role, ("PolicyArn", "arn:aws:iam::aws:role/NotAPolicy")], "InvalidInput", 400),
        ("attach_to_protected_role", "AttachRolePolicy", vec![protected, ("PolicyArn", S3_READ_ONLY)], "UnmodifiableEntity", 400),
        ("attach_missing_arn", "AttachRolePolicy", vec![role], "ValidationError", 400),
        ("detach_not_attached", "DetachRolePolicy", vec![role, ("PolicyArn", "arn:aws:iam::aws:policy/AdministratorAccess")], "NoSuchEntity", 404),
        ("detach_unknown_role", "DetachRolePolicy", vec![unknown_role, ("PolicyArn", S3_READ_ONLY)], "NoSuchEntity", 404),
        ("detach_from_protected_role", "DetachRolePolicy", vec![protected, ("PolicyArn", S3_READ_ONLY)], "UnmodifiableEntity", 400),
        ("list_attached_unknown_role", "ListAttachedRolePolicies", vec![unknown_role], "NoSuchEntity", 404),
        ("list_attached_bad_prefix", "ListAttachedRolePolicies", vec![role, ("PathPrefix", "/a*/")], "ValidationError", 400),
        // Inline policies
        ("put_inline_trust_document", "PutRolePolicy", vec![role, ("PolicyName", "p"), ("PolicyDocument", TRUST)], "MalformedPolicyDocument", 400),
        ("put_inline_not_json", "PutRolePolicy", vec![role, ("PolicyName", "p"), ("PolicyDocument", "[")], "MalformedPolicyDocument", 400),
        ("put_inline_bad_name", "PutRolePolicy", vec![role, ("PolicyName", "a b"), ("PolicyDocument", PERMISSIONS)], "ValidationError", 400),
        ("put_inline_unknown_role", "PutRolePolicy", vec![unknown_role, ("PolicyName", "p"), ("PolicyDocument", PERMISSIONS)], "NoSuchEntity", 404),
        ("put_inline_protected_role", "PutRolePolicy", vec![protected, ("PolicyName", "p"), ("PolicyDocument", PERMISSIONS)], "UnmodifiableEntity", 400),
        ("put_inline_too_big", "PutRolePolicy", vec![role, ("PolicyName", "p"), ("PolicyDocument", &huge_inline)], "LimitExceeded", 409),
        ("get_inline_unknown", "GetRolePolicy", vec![role, ("PolicyName", "p")], "NoSuchEntity", 404),
        ("get_inline_unknown_role", "GetRolePolicy", vec![unknown_role, ("PolicyName", "p")], "NoSuchEntity", 404),
        ("delete_inline_unknown", "DeleteRolePolicy", vec![role, ("PolicyName", "p")], "NoSuchEntity", 404),
        ("delete_inline_protected_role", "DeleteRolePolicy", vec![protected, ("PolicyName", "p")], "UnmodifiableEntity", 400),
        ("list_inline_unknown_role", "ListRolePolicies", vec![unknown_role], "NoSuchEntity", 404),
    ];
    for (name, action, params, want_code, want_status) in cases {
        let mut world = world();
        let before = serde_json::to_value(&world).unwrap();
        let (code, status, message) = refused(&mut world, action, &params);
        assert_eq!(
            (code, status),
            (want_code, want_status),
            "case {name}: {message}"
        );
        assert_eq!(
            serde_json::to_value(&world).unwrap(),
            before,
            "case {name}: validate, then change"
        );
    }
}
