//! Managed policies, attachments and inline policies through their lives, and a changed
//! world that still loads after a save.

use super::*;

#[test]
fn policy_lifecycle() {
    let mut world = world();
    let created = ok(
        &mut world,
        "CreatePolicy",
        &[
            ("PolicyName", "reader"),
            ("Path", "/team/"),
            ("PolicyDocument", PERMISSIONS),
            ("Description", "reads"),
            ("Tags.member.1.Key", "k"),
            ("Tags.member.1.Value", "v"),
        ],
    );
    let arn = "arn:aws:iam::111122223333:policy/team/reader";
    assert_eq!(element(&created, "Arn"), Some(arn));
    assert_eq!(element(&created, "DefaultVersionId"), Some("v1"));
    assert_eq!(element(&created, "AttachmentCount"), Some("0"));
    assert!(
        is_iam_id(element(&created, "PolicyId").unwrap(), "ANPA"),
        "{created}"
    );

    let got = ok(&mut world, "GetPolicy", &[("PolicyArn", arn)]);
    assert_eq!(element(&got, "Description"), Some("reads"));
    assert!(got.contains("<Tags><member><Key>k</Key>"), "{got}");
    let version = ok(
        &mut world,
        "GetPolicyVersion",
        &[("PolicyArn", arn), ("VersionId", "v1")],
    );
    assert_eq!(
        decoded(&version, "Document"),
        serde_json::from_str::<serde_json::Value>(PERMISSIONS).unwrap()
    );
    assert_eq!(element(&version, "IsDefaultVersion"), Some("true"));
    let aws = ok(
        &mut world,
        "GetPolicyVersion",
        &[("PolicyArn", S3_READ_ONLY), ("VersionId", "v3")],
    );
    assert_eq!(
        element(&aws, "CreateDate"),
        Some("2023-08-10T21:31:39Z"),
        "{aws}"
    );

    let local = ok(&mut world, "ListPolicies", &[("Scope", "Local")]);
    assert_eq!(local.matches("<member>").count(), 1, "{local}");
    assert!(
        !local.contains("<Tags>") && !local.contains("<Description>"),
        "{local}"
    );
    let aws_only = ok(&mut world, "ListPolicies", &[("Scope", "AWS")]);
    assert!(!aws_only.contains(arn), "{aws_only}");
    let by_path = ok(&mut world, "ListPolicies", &[("PathPrefix", "/team/")]);
    assert_eq!(by_path.matches("<member>").count(), 1, "{by_path}");

    for (name, path) in [("reader", "/"), ("READER", "/other/")] {
        let (code, _, message) = refused(
            &mut world,
            "CreatePolicy",
            &[
                ("PolicyName", name),
                ("Path", path),
                ("PolicyDocument", PERMISSIONS),
            ],
        );
        assert_eq!(
            (code, message),
            (
                "EntityAlreadyExists",
                format!("A policy called {name} already exists. Duplicate names are not allowed.")
            )
        );
    }

    ok(
        &mut world,
        "AttachRolePolicy",
        &[("RoleName", "iam-test"), ("PolicyArn", arn)],
    );
    let attached = ok(
        &mut world,
        "ListPolicies",
        &[("Scope", "Local"), ("OnlyAttached", "true")],
    );
    assert_eq!(
        element(&attached, "AttachmentCount"),
        Some("1"),
        "{attached}"
    );
    let (code, _, message) = refused(&mut world, "DeletePolicy", &[("PolicyArn", arn)]);
    assert_eq!(
        (code, message.as_str()),
        (
            "DeleteConflict",
            "Cannot delete a policy attached to entities."
        )
    );
    ok(
        &mut world,
        "DetachRolePolicy",
        &[("RoleName", "iam-test"), ("PolicyArn", arn)],
    );
    ok(&mut world, "DeletePolicy", &[("PolicyArn", arn)]);
    let (code, _, _) = refused(&mut world, "GetPolicy", &[("PolicyArn", arn)]);
    assert_eq!(code, "NoSuchEntity");
}

#[test]
fn attachments_are_idempotent_listed_and_capped() {
    let mut world = world();
    let role = ("RoleName", "iam-test");
    ok(
        &mut world,
        "AttachRolePolicy",
        &[role, ("PolicyArn", S3_READ_ONLY)],
    );
    let arns: Vec<String> = world
        .managed_policies
        .iter()
        .map(|p| p.arn.clone())
        .filter(|arn| arn != S3_READ_ONLY)
        .collect();
    for arn in &arns[..9] {
        ok(&mut world, "AttachRolePolicy", &[role, ("PolicyArn", arn)]);
    }
    let (code, status, message) = refused(
        &mut world,
        "AttachRolePolicy",
        &[role, ("PolicyArn", &arns[9])],
    );
    assert_eq!(
        (code, status, message.as_str()),
        (
            "LimitExceeded",
            409,
            "Cannot exceed quota for PoliciesPerRole: 10"
        )
    );
    ok(
        &mut world,
        "AttachRolePolicy",
        &[role, ("PolicyArn", &arns[0])],
    );

    let all = ok(&mut world, "ListAttachedRolePolicies", &[role]);
    assert_eq!(all.matches("<member>").count(), 10, "{all}");
    assert!(all.contains(&format!("<member><PolicyName>AmazonS3ReadOnlyAccess</PolicyName><PolicyArn>{S3_READ_ONLY}</PolicyArn></member>")), "{all}");
    let page = ok(
        &mut world,
        "ListAttachedRolePolicies",
        &[role, ("MaxItems", "4"), ("Marker", "8")],
    );
    assert_eq!(
        (
            page.matches("<member>").count(),
            element(&page, "IsTruncated")
        ),
        (2, Some("false")),
        "{page}"
    );
    let none = ok(
        &mut world,
        "ListAttachedRolePolicies",
        &[role, ("PathPrefix", "/service-role/")],
    );
    assert_eq!(none.matches("<member>").count(), 0, "{none}");

    let (code, _, message) = refused(
        &mut world,
        "DetachRolePolicy",
        &[role, ("PolicyArn", &arns[9])],
    );
    assert_eq!(
        (code, message),
        ("NoSuchEntity", format!("Policy {} was not found.", arns[9]))
    );
}

#[test]
fn inline_policies_put_replace_list_and_delete() {
    let mut world = world();
    let role = ("RoleName", "iam-test");
    ok(
        &mut world,
        "PutRolePolicy",
        &[role, ("PolicyName", "b"), ("PolicyDocument", PERMISSIONS)],
    );
    ok(
        &mut world,
        "PutRolePolicy",
        &[role, ("PolicyName", "a"), ("PolicyDocument", PERMISSIONS)],
    );
    let replaced = PERMISSIONS.replace("GetObject", "PutObject");
    ok(
        &mut world,
        "PutRolePolicy",
        &[role, ("PolicyName", "a"), ("PolicyDocument", &replaced)],
    );
    let got = ok(&mut world, "GetRolePolicy", &[role, ("PolicyName", "a")]);
    assert_eq!(element(&got, "RoleName"), Some("iam-test"));
    assert_eq!(
        decoded(&got, "PolicyDocument"),
        serde_json::from_str::<serde_json::Value>(&replaced).unwrap()
    );
    let names = ok(&mut world, "ListRolePolicies", &[role]);
    assert!(names.contains("<PolicyNames><member>a</member><member>b</member></PolicyNames><IsTruncated>false</IsTruncated>"), "{names}");
    ok(&mut world, "DeleteRolePolicy", &[role, ("PolicyName", "a")]);
    let (code, _, message) = refused(&mut world, "GetRolePolicy", &[role, ("PolicyName", "a")]);
    assert_eq!(
        (code, message.as_str()),
        (
            "NoSuchEntity",
            "The role policy with name a cannot be found."
        )
    );

    // The size quota counts every inline policy of the role together.
    let big = PERMISSIONS.replace(
        "\"s3:GetObject\"",
        &format!("[{}]", vec!["\"s3:GetObject\""; 400].join(",")),
    );
    ok(
        &mut world,
        "PutRolePolicy",
        &[role, ("PolicyName", "big1"), ("PolicyDocument", &big)],
    );
    let (code, _, message) = refused(
        &mut world,
        "PutRolePolicy",
        &[role, ("PolicyName", "big2"), ("PolicyDocument", &big)],
    );
    assert_eq!(
        (code, message.as_str()),
        (
            "LimitExceeded",
            "Maximum policy size of 10240 bytes exceeded for role iam-test"
        )
    );
    ok(
        &mut world,
        "PutRolePolicy",
        &[role, ("PolicyName", "big1"), ("PolicyDocument", &big)],
    );
}

#[test]
fn a_changed_world_survives_a_save_and_reload() {
    let mut world = world();
    world
        .roles
        .retain(|role| role.name.as_str() != "AWSServiceRoleForTest");
    ok(
        &mut world,
        "CreateOpenIDConnectProvider",
        &[("Url", "https://bare.example")],
    );
    ok(
        &mut world,
        "RemoveClientIDFromOpenIDConnectProvider",
        &[
            ("OpenIDConnectProviderArn", PROVIDER_ARN),
            ("ClientID", "sts.amazonaws.com"),
        ],
    );
    ok(
        &mut world,
        "CreateRole",
        &[
            ("RoleName", "app"),
            ("AssumeRolePolicyDocument", TRUST),
            ("Tags.member.1.Key", "k"),
            ("Tags.member.1.Value", "v"),
        ],
    );
    ok(
        &mut world,
        "CreatePolicy",
        &[("PolicyName", "p"), ("PolicyDocument", PERMISSIONS)],
    );
    ok(
        &mut world,
        "AttachRolePolicy",
        &[
            ("RoleName", "app"),
            ("PolicyArn", "arn:aws:iam::111122223333:policy/p"),
        ],
    );
    ok(
        &mut world,
        "PutRolePolicy",
        &[
            ("RoleName", "app"),
            ("PolicyName", "i"),
            ("PolicyDocument", PERMISSIONS),
        ],
    );
    let text = serde_json::to_string(&world).unwrap();
    let reloaded = crate::world::parse("saved.json", &text, std::path::Path::new("."))
        .unwrap_or_else(|err| panic!("the saved world must load: {err}"));
    assert_eq!(
        serde_json::to_value(&reloaded).unwrap(),
        serde_json::to_value(&world).unwrap()
    );
}
