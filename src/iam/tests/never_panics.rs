//! A property check: any mix of actions, parameter names and awkward values is answered
//! with a result or an `IamError`, never a panic, and the world stays loadable.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};

use super::*;

const VALUES: &[&str] = &[
    "",
    " ",
    "/",
    "//",
    "iam-test",
    "IAM-TEST",
    "AWSServiceRoleForTest",
    "x",
    "0",
    "-1",
    "1001",
    "18446744073709551616",
    "v0",
    "v3",
    "true",
    "TRUE",
    "%",
    "\u{0}",
    "é",
    "😀",
    "a*b",
    "https://",
    "https://x",
    "http://x",
    "https://x/?q",
    "arn:aws:iam::",
    "arn:aws:iam::aws:policy/",
    "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
    "arn:aws:iam::111122223333:policy/p",
    PROVIDER_ARN,
    "arn:aws:iam::111122223333:oidc-provider/",
    TRUST,
    PERMISSIONS,
    "{",
    "[]",
    "null",
    r#"{"Version":"2012-10-17","Statement":[]}"#,
    "/team/",
    "Local",
];

const NAMES: &[&str] = &[
    "RoleName",
    "PolicyName",
    "PolicyArn",
    "PolicyDocument",
    "AssumeRolePolicyDocument",
    "Path",
    "PathPrefix",
    "Description",
    "MaxSessionDuration",
    "Marker",
    "MaxItems",
    "Url",
    "ClientID",
    "OpenIDConnectProviderArn",
    "VersionId",
    "Scope",
    "OnlyAttached",
    "ClientIDList.member.1",
    "ThumbprintList",
    "ThumbprintList.member.1",
    "Tags",
    "Tags.member.1.Key",
    "Tags.member.1.Value",
    "Tags.member.2.Key",
    "TagKeys.member.1",
    "PermissionsBoundary",
];

#[test]
fn any_request_is_answered_without_panicking() {
    let actions: Vec<&str> = ACTIONS.iter().map(|(name, ..)| *name).collect();
    let mut rng = StdRng::seed_from_u64(20_240_102);
    let mut world = world();
    world
        .roles
        .retain(|role| role.name.as_str() != "AWSServiceRoleForTest");
    for _ in 0..20_000 {
        let action = *actions.choose(&mut rng).unwrap_or(&"GetRole");
        let params: Vec<(&str, &str)> = (0..rng.gen_range(0..6))
            .map(|_| {
                let name = NAMES.choose(&mut rng).copied().unwrap_or("RoleName");
                let value = VALUES.choose(&mut rng).copied().unwrap_or("");
                (name, value)
            })
            .collect();
        let mut form = form_urlencoded::Serializer::new(String::new());
        form.append_pair("Action", action);
        for (name, value) in &params {
            form.append_pair(name, value);
        }
        let Ok(query) = QueryRequest::parse(None, Some(form.finish().as_bytes())) else {
            continue; // a repeated parameter name
        };
        if let Ok(parsed) = IamAction::from_query(&query) {
            if let Ok(Some(output)) = run(&mut world, &parsed) {
                render_envelope(parsed.name(), NAMESPACE, Some(&output), "req").unwrap();
            }
        }
    }
    let text = serde_json::to_string(&world).unwrap();
    crate::world::parse("fuzzed.json", &text, std::path::Path::new("."))
        .unwrap_or_else(|err| panic!("the world stays loadable: {err}"));
}
