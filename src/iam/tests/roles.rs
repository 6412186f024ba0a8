//! A role through its life: create, read back, list, change, refuse conflicts, delete.

use super::*;

#[test]
fn role_lifecycle() {
    let mut world = world();
    let created = ok(
        &mut world,
        "CreateRole",
        &[
            ("RoleName", "app"),
            ("Path", "/team/"),
            ("AssumeRolePolicyDocument", TRUST),
            ("Description", "the app"),
            ("MaxSessionDuration", "7200"),
            ("Tags.member.1.Key", "env"),
            ("Tags.member.1.Value", "dev"),
        ],
    );
    let order: Vec<usize> = [
        "<Path>",
        "<AssumeRolePolicyDocument>",
        "<RoleId>",
        "<RoleName>",
        "<Arn>",
        "<CreateDate>",
    ]
    .iter()
    .map(|tag| {
        created
            .find(tag)
            .unwrap_or_else(|| panic!("{tag} in {created}"))
    })
    .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "element order: {created}"
    );
    assert!(!created.contains("RoleLastUsed"), "{created}");
    let id = element(&created, "RoleId").unwrap().to_owned();
    assert!(is_iam_id(&id, "AROA"), "{id}");

    let got = ok(&mut world, "GetRole", &[("RoleName", "APP")]);
    assert_eq!(element(&got, "RoleId"), Some(id.as_str()), "the stored id");
    assert_eq!(
        element(&got, "Arn"),
        Some("arn:aws:iam::111122223333:role/team/app")
    );
    assert_eq!(element(&got, "CreateDate"), Some("2024-01-02T03:04:05Z"));
    assert_eq!(element(&got, "MaxSessionDuration"), Some("7200"));
    assert!(
        got.contains("<Tags><member><Key>env</Key><Value>dev</Value></member></Tags>"),
        "{got}"
    );
    assert_eq!(
        decoded(&got, "AssumeRolePolicyDocument"),
        serde_json::from_str::<serde_json::Value>(TRUST).unwrap()
    );

    // ListRoles pages by name, one at a time, and leaves out tags.
    let mut names = Vec::new();
    let mut marker = None::<String>;
    loop {
        let mut params = vec![("MaxItems", "1")];
        if let Some(marker) = &marker {
            params.push(("Marker", marker.as_str()));
        }
        let page = ok(&mut world, "ListRoles", &params);
        assert!(!page.contains("<Tags>"), "{page}");
        names.push(element(&page, "RoleName").unwrap().to_owned());
        match element(&page, "IsTruncated") {
            Some("true") => marker = Some(element(&page, "Marker").unwrap().to_owned()),
            _ => break,
        }
    }
    assert_eq!(names, ["app", "AWSServiceRoleForTest", "iam-test"]);
    let team = ok(&mut world, "ListRoles", &[("PathPrefix", "/team/")]);
    assert_eq!(team.matches("<member>").count(), 1, "{team}");

    let updated = ok(
        &mut world,
        "UpdateRole",
        &[
            ("RoleName", "app"),
            ("Description", ""),
            ("MaxSessionDuration", "3600"),
        ],
    );
    assert!(updated.contains("<UpdateRoleResult/>"), "{updated}");
    let new_trust = TRUST.replace("ec2", "lambda");
    ok(
        &mut world,
        "UpdateAssumeRolePolicy",
        &[("RoleName", "app"), ("PolicyDocument", &new_trust)],
    );
    let got = ok(&mut world, "GetRole", &[("RoleName", "app")]);
    assert!(
        !got.contains("<Description>"),
        "an empty description clears it: {got}"
    );
    assert_eq!(element(&got, "MaxSessionDuration"), Some("3600"));
    assert_eq!(
        decoded(&got, "AssumeRolePolicyDocument"),
        serde_json::from_str::<serde_json::Value>(&new_trust).unwrap()
    );

    ok(
        &mut world,
        "TagRole",
        &[
            ("RoleName", "app"),
            ("Tags.member.1.Key", "ENV"),
            ("Tags.member.1.Value", "prod"),
            ("Tags.member.2.Key", "team"),
            ("Tags.member.2.Value", ""),
        ],
    );
    let tags = ok(&mut world, "ListRoleTags", &[("RoleName", "app")]);
    assert!(tags.contains("<Tags><member><Key>ENV</Key><Value>prod</Value></member><member><Key>team</Key><Value/></member></Tags><IsTruncated>false</IsTruncated>"), "{tags}");
    let first = ok(
        &mut world,
        "ListRoleTags",
        &[("RoleName", "app"), ("MaxItems", "1")],
    );
    assert_eq!(
        (element(&first, "IsTruncated"), element(&first, "Marker")),
        (Some("true"), Some("1"))
    );
    ok(
        &mut world,
        "UntagRole",
        &[
            ("RoleName", "app"),
            ("TagKeys.member.1", "env"),
            ("TagKeys.member.2", "absent"),
        ],
    );
    let tags = ok(&mut world, "ListRoleTags", &[("RoleName", "app")]);
    assert_eq!(tags.matches("<member>").count(), 1, "{tags}");

    ok(
        &mut world,
        "AttachRolePolicy",
        &[("RoleName", "app"), ("PolicyArn", S3_READ_ONLY)],
    );
    ok(
        &mut world,
        "PutRolePolicy",
        &[
            ("RoleName", "app"),
            ("PolicyName", "inline"),
            ("PolicyDocument", PERMISSIONS),
        ],
    );
    let (code, _, message) = refused(&mut world, "DeleteRole", &[("RoleName", "app")]);
    assert_eq!(
        (code, message.as_str()),
        (
            "DeleteConflict",
            "Cannot delete entity, must detach all policies first."
        )
    );
    ok(
        &mut world,
        "DetachRolePolicy",
        &[("RoleName", "app"), ("PolicyArn", S3_READ_ONLY)],
    );
    let (code, _, message) = refused(&mut world, "DeleteRole", &[("RoleName", "app")]);
    assert_eq!(
        (code, message.as_str()),
        (
            "DeleteConflict",
            "Cannot delete entity, must delete policies first."
        )
    );
    ok(
        &mut world,
        "DeleteRolePolicy",
        &[("RoleName", "app"), ("PolicyName", "inline")],
    );
    ok(&mut world, "DeleteRole", &[("RoleName", "App")]);
    let (code, status, message) = refused(&mut world, "GetRole", &[("RoleName", "app")]);
    assert_eq!(
        (code, status, message.as_str()),
        (
            "NoSuchEntity",
            404,
            "The role with name app cannot be found."
        )
    );

    // A new role of the same name gets a new id.
    ok(
        &mut world,
        "CreateRole",
        &[("RoleName", "app"), ("AssumeRolePolicyDocument", TRUST)],
    );
    let again = ok(&mut world, "GetRole", &[("RoleName", "app")]);
    assert_ne!(element(&again, "RoleId"), Some(id.as_str()));
    let (code, _, message) = refused(
        &mut world,
        "CreateRole",
        &[("RoleName", "APP"), ("AssumeRolePolicyDocument", TRUST)],
    );
    assert_eq!(
        (code, message.as_str()),
        ("EntityAlreadyExists", "Role with name APP already exists.")
    );
}
