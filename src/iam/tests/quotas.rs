//! IAM's quotas, each reached through the actions themselves (the default world's roles,
//! policies and provider count too), and the code, status and message of the refusal,
//! as IAM words them ("Cannot exceed quota for <Quota>: <limit>", 409 LimitExceeded).
//! <https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_iam-quotas.html>

use super::*;

/// Calls `action` with `params(i)` until the account holds `count` of the thing; counts
/// what the world already had through `already`.
fn fill(
    world: &mut World,
    action: &str,
    already: usize,
    count: usize,
    params: impl Fn(usize) -> Vec<(String, String)>,
) {
    for i in already..count {
        let params = params(i);
        let params: Vec<(&str, &str)> = params
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        ok(world, action, &params);
    }
}

#[test]
fn quotas_are_refused_in_iams_words() {
    let limit_exceeded = |message: &str| ("LimitExceeded", 409, message.to_owned());

    // RolesPerAccount: the default world's roles count toward the 1,000.
    let mut account = world();
    let roles = account.roles.len();
    fill(&mut account, "CreateRole", roles, 1000, |i| {
        vec![
            ("RoleName".into(), format!("r{i}")),
            ("AssumeRolePolicyDocument".into(), TRUST.into()),
        ]
    });
    assert_eq!(
        refused(
            &mut account,
            "CreateRole",
            &[
                ("RoleName", "one-more"),
                ("AssumeRolePolicyDocument", TRUST)
            ]
        ),
        limit_exceeded("Cannot exceed quota for RolesPerAccount: 1000"),
        "case roles_per_account"
    );

    // OpenIdConnectProvidersPerAccount: 100.
    let mut account = world();
    let providers = account.oidc_providers.len();
    fill(
        &mut account,
        "CreateOpenIDConnectProvider",
        providers,
        100,
        |i| {
            vec![
                ("Url".into(), format!("https://issuer{i}.example")),
                ("ClientIDList.member.1".into(), "sts.amazonaws.com".into()),
            ]
        },
    );
    assert_eq!(
        refused(
            &mut account,
            "CreateOpenIDConnectProvider",
            &[
                ("Url", "https://one-more.example"),
                ("ClientIDList.member.1", "sts.amazonaws.com")
            ]
        ),
        limit_exceeded("Cannot exceed quota for OpenIdConnectProvidersPerAccount: 100"),
        "case providers_per_account"
    );

    // PoliciesPerRole: 10 managed policies attached.
    let mut account = world();
    fill(&mut account, "CreatePolicy", 0, 11, |i| {
        vec![
            ("PolicyName".into(), format!("p{i}")),
            ("PolicyDocument".into(), PERMISSIONS.into()),
        ]
    });
    let attached = account
        .roles
        .iter()
        .find(|r| r.name.as_str() == "iam-test")
        .map_or(0, |r| r.attached_policy_arns.len());
    fill(&mut account, "AttachRolePolicy", attached, 10, |i| {
        vec![
            ("RoleName".into(), "iam-test".into()),
            (
                "PolicyArn".into(),
                format!("arn:aws:iam::{ACCOUNT}:policy/p{i}"),
            ),
        ]
    });
    let eleventh = format!("arn:aws:iam::{ACCOUNT}:policy/p10");
    assert_eq!(
        refused(
            &mut account,
            "AttachRolePolicy",
            &[("RoleName", "iam-test"), ("PolicyArn", &eleventh)]
        ),
        limit_exceeded("Cannot exceed quota for PoliciesPerRole: 10"),
        "case policies_per_role"
    );
}

/// Name, action, parameters, and the code, status and message of the refusal.
type SizeCase<'a> = (
    &'a str,
    &'a str,
    Vec<(&'a str, &'a str)>,
    (&'a str, u16, &'a str),
);

#[test]
fn sizes_are_refused_in_iams_words() {
    let statement = |actions: usize| {
        let actions: Vec<String> = (0..actions)
            .map(|i| format!("\"s3:GetObject{i}\""))
            .collect();
        format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":[{}],"Resource":"*"}}]}}"#,
            actions.join(",")
        )
    };
    let principals: Vec<String> = (0..150)
        .map(|i| format!("\"svc{i}.amazonaws.com\""))
        .collect();
    let huge_trust = format!(
        r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Service":[{}]}},"Action":"sts:AssumeRole"}}]}}"#,
        principals.join(",")
    );
    let managed = statement(600);
    let inline = statement(800);
    let cases: Vec<SizeCase> = vec![
        (
            "trust_policy_over_2048",
            "CreateRole",
            vec![
                ("RoleName", "big"),
                ("AssumeRolePolicyDocument", &huge_trust),
            ],
            (
                "LimitExceeded",
                409,
                "Cannot exceed quota for ACLSizePerRole: 2048",
            ),
        ),
        (
            "trust_policy_update_over_2048",
            "UpdateAssumeRolePolicy",
            vec![("RoleName", "iam-test"), ("PolicyDocument", &huge_trust)],
            (
                "LimitExceeded",
                409,
                "Cannot exceed quota for ACLSizePerRole: 2048",
            ),
        ),
        (
            "managed_policy_over_6144",
            "CreatePolicy",
            vec![("PolicyName", "big"), ("PolicyDocument", &managed)],
            (
                "LimitExceeded",
                409,
                "Cannot exceed quota for PolicySize: 6144",
            ),
        ),
        (
            "inline_policies_over_10240",
            "PutRolePolicy",
            vec![
                ("RoleName", "iam-test"),
                ("PolicyName", "big"),
                ("PolicyDocument", &inline),
            ],
            (
                "LimitExceeded",
                409,
                "Maximum policy size of 10240 bytes exceeded for role iam-test",
            ),
        ),
    ];
    for (name, action, params, (code, status, message)) in cases {
        let mut account = world();
        assert_eq!(
            refused(&mut account, action, &params),
            (code, status, message.to_owned()),
            "case {name}"
        );
    }
}
