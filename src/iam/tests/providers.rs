//! An OIDC provider through its life, and the per-account quota.

use super::*;

#[test]
fn provider_lifecycle() {
    let mut world = world();
    let url = "https://token.actions.example:8443/org";
    let arn = "arn:aws:iam::111122223333:oidc-provider/token.actions.example:8443/org";
    let created = ok(
        &mut world,
        "CreateOpenIDConnectProvider",
        &[
            ("Url", url),
            ("Tags.member.1.Key", "k"),
            ("Tags.member.1.Value", "v"),
        ],
    );
    assert_eq!(element(&created, "OpenIDConnectProviderArn"), Some(arn));
    assert!(created.contains("<Tags><member><Key>k</Key>"), "{created}");
    let listed = ok(&mut world, "ListOpenIDConnectProviders", &[]);
    assert!(listed.contains(&format!("<Arn>{arn}</Arn>")), "{listed}");

    let target = ("OpenIDConnectProviderArn", arn);
    let got = ok(&mut world, "GetOpenIDConnectProvider", &[target]);
    assert_eq!(element(&got, "Url"), Some("token.actions.example:8443/org"));
    assert_eq!(element(&got, "CreateDate"), Some("2024-01-02T03:04:05Z"));
    assert!(
        got.contains("<ClientIDList/>") || got.contains("<ClientIDList></ClientIDList>"),
        "{got}"
    );

    for _ in 0..2 {
        ok(
            &mut world,
            "AddClientIDToOpenIDConnectProvider",
            &[target, ("ClientID", "sts.amazonaws.com")],
        );
    }
    ok(
        &mut world,
        "AddClientIDToOpenIDConnectProvider",
        &[target, ("ClientID", "other")],
    );
    ok(
        &mut world,
        "RemoveClientIDFromOpenIDConnectProvider",
        &[target, ("ClientID", "other")],
    );
    ok(
        &mut world,
        "RemoveClientIDFromOpenIDConnectProvider",
        &[target, ("ClientID", "never-added")],
    );
    let thumbprint = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280";
    ok(
        &mut world,
        "UpdateOpenIDConnectProviderThumbprint",
        &[target, ("ThumbprintList.member.1", thumbprint)],
    );
    let got = ok(&mut world, "GetOpenIDConnectProvider", &[target]);
    assert!(
        got.contains("<ClientIDList><member>sts.amazonaws.com</member></ClientIDList>"),
        "{got}"
    );
    assert!(
        got.contains(&format!(
            "<ThumbprintList><member>{thumbprint}</member></ThumbprintList>"
        )),
        "{got}"
    );

    ok(
        &mut world,
        "TagOpenIDConnectProvider",
        &[
            target,
            ("Tags.member.1.Key", "team"),
            ("Tags.member.1.Value", "ci"),
        ],
    );
    ok(
        &mut world,
        "UntagOpenIDConnectProvider",
        &[target, ("TagKeys.member.1", "K")],
    );
    let tags = ok(&mut world, "ListOpenIDConnectProviderTags", &[target]);
    assert!(
        tags.contains("<Tags><member><Key>team</Key><Value>ci</Value></member></Tags>"),
        "{tags}"
    );

    let (code, _, message) = refused(&mut world, "CreateOpenIDConnectProvider", &[("Url", url)]);
    assert_eq!(
        (code, message.as_str()),
        (
            "EntityAlreadyExists",
            "Provider with url https://token.actions.example:8443/org already exists."
        )
    );
    ok(&mut world, "DeleteOpenIDConnectProvider", &[target]);
    let (code, _, message) = refused(&mut world, "GetOpenIDConnectProvider", &[target]);
    assert_eq!(
        (code, message),
        (
            "NoSuchEntity",
            format!("OpenIDConnect Provider not found for arn {arn}")
        )
    );

    // 100 providers per account: the world has one.
    for i in 1..100 {
        ok(
            &mut world,
            "CreateOpenIDConnectProvider",
            &[("Url", &format!("https://issuer{i}.example"))],
        );
    }
    let (code, _, message) = refused(
        &mut world,
        "CreateOpenIDConnectProvider",
        &[("Url", "https://one-too-many.example")],
    );
    assert_eq!(
        (code, message.as_str()),
        (
            "LimitExceeded",
            "Cannot exceed quota for OpenIdConnectProvidersPerAccount: 100"
        )
    );
}
