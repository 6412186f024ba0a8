//! The contract the HTTP edge relies on, and helpers for the tables and lifecycles
//! in the sibling files: every request goes in as query parameters and every refusal is
//! checked as the AWS code and HTTP status it becomes.

mod bad_inputs;
mod never_panics;
mod policies;
mod providers;
mod quotas;
mod roles;

use super::*;
use crate::clock::rfc3339;
use crate::protocol::error::AwsError;
use crate::protocol::query::{render_envelope, QueryRequest};
use crate::world::Role;

/// 2024-01-02T03:04:05Z.
const NOW: u64 = 1_704_164_645;
const ACCOUNT: &str = "111122223333";
const PROVIDER_ARN: &str = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/80D562ED8026E91294D52E09BEA261D4";
const S3_READ_ONLY: &str = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess";
const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;
const PERMISSIONS: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#;

/// The default world, plus a service-linked role that only AWS may change.
fn world() -> World {
    let mut world = crate::world::load_default().expect("the default world loads");
    let protected: Role = serde_json::from_value(serde_json::json!({
        "name": "AWSServiceRoleForTest",
        "path": "/aws-service-role/test.amazonaws.com/",
        "assumeRolePolicyDocument": serde_json::from_str::<serde_json::Value>(TRUST).unwrap(),
    }))
    .unwrap();
    world.roles.push(protected);
    world
}

fn request(action: &str, params: &[(&str, &str)]) -> QueryRequest {
    let mut form = form_urlencoded::Serializer::new(String::new());
    form.append_pair("Action", action);
    form.append_pair("Version", VERSION);
    for (name, value) in params {
        form.append_pair(name, value);
    }
    QueryRequest::parse(None, Some(form.finish().as_bytes())).expect("a well-formed query")
}

/// Runs a parsed action as the edge does: a read over the world, a write applied to it.
fn run(world: &mut World, action: &IamAction) -> Result<Option<Output>, IamError> {
    match action {
        IamAction::Read(read) => execute(world, read, NOW).map(Some),
        IamAction::Write(write) => apply(world, write, NOW),
    }
}

/// Parses and runs one request, as the edge does; a refusal as AWS reports it.
fn call(
    world: &mut World,
    action: &str,
    params: &[(&str, &str)],
) -> Result<Option<Output>, (&'static str, u16, String)> {
    IamAction::from_query(&request(action, params))
        .and_then(|parsed| run(world, &parsed))
        .map_err(|err| {
            let aws = AwsError::from(err);
            (aws.code, aws.status.as_u16(), aws.message)
        })
}

/// [`call`], which must succeed; the rendered response.
fn ok(world: &mut World, action: &str, params: &[(&str, &str)]) -> String {
    match call(world, action, params) {
        Ok(output) => render_envelope(action, NAMESPACE, output.as_ref(), "req").unwrap(),
        Err(err) => panic!("{action} {params:?} refused: {err:?}"),
    }
}

/// [`call`], which must fail; the AWS code, status and message.
fn refused(
    world: &mut World,
    action: &str,
    params: &[(&str, &str)],
) -> (&'static str, u16, String) {
    match call(world, action, params) {
        Ok(output) => panic!("{action} {params:?} succeeded: {output:?}"),
        Err(err) => err,
    }
}

/// The text of the first `<tag>` in `xml`.
fn element<'x>(xml: &'x str, tag: &str) -> Option<&'x str> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = xml[start..].find(&format!("</{tag}>"))?;
    Some(&xml[start..start + end])
}

/// The percent-decoded text of the first `<tag>`, as botocore unquotes policy documents.
fn decoded(xml: &str, tag: &str) -> serde_json::Value {
    let text = element(xml, tag).unwrap_or_else(|| panic!("no <{tag}> in {xml}"));
    let unquoted: String = form_urlencoded::parse(format!("x={text}").as_bytes())
        .map(|(_, value)| value.into_owned())
        .collect();
    serde_json::from_str(&unquoted).unwrap()
}

/// Whether `id` is an IAM unique id: `prefix` and 17 characters of `A-Z2-7`.
fn is_iam_id(id: &str, prefix: &str) -> bool {
    id.len() == 21
        && id.starts_with(prefix)
        && id[4..]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
}

#[test]
fn actions_and_outputs_cross_into_blocking_tasks() {
    fn send_static<T: Send + 'static>() {}
    send_static::<IamAction>();
    send_static::<Output>();
    send_static::<IamError>();
    assert_eq!(rfc3339(NOW), "2024-01-02T03:04:05Z");
}

/// An action, minimal parameters, whether it writes, and the resource it needs.
type ActionCase = (
    &'static str,
    &'static [(&'static str, &'static str)],
    bool,
    &'static str,
);

/// Every action with its minimal parameters, whether it writes, and its resource.
#[rustfmt::skip]
const ACTIONS: &[ActionCase] = &[
    ("ListOpenIDConnectProviders", &[], false, "*"),
    ("GetOpenIDConnectProvider", &[("OpenIDConnectProviderArn", PROVIDER_ARN)], false, PROVIDER_ARN),
    ("CreateOpenIDConnectProvider", &[("Url", "https://issuer.example/id/1")], true, "arn:aws:iam::111122223333:oidc-provider/issuer.example/id/1"),
    ("DeleteOpenIDConnectProvider", &[("OpenIDConnectProviderArn", PROVIDER_ARN)], true, PROVIDER_ARN),
    ("AddClientIDToOpenIDConnectProvider", &[("OpenIDConnectProviderArn", PROVIDER_ARN), ("ClientID", "c")], true, PROVIDER_ARN),
    ("RemoveClientIDFromOpenIDConnectProvider", &[("OpenIDConnectProviderArn", PROVIDER_ARN), ("ClientID", "c")], true, PROVIDER_ARN),
    ("UpdateOpenIDConnectProviderThumbprint", &[("OpenIDConnectProviderArn", PROVIDER_ARN), ("ThumbprintList", "")], true, PROVIDER_ARN),
    ("TagOpenIDConnectProvider", &[("OpenIDConnectProviderArn", PROVIDER_ARN), ("Tags.member.1.Key", "k"), ("Tags.member.1.Value", "v")], true, PROVIDER_ARN),
    ("UntagOpenIDConnectProvider", &[("OpenIDConnectProviderArn", PROVIDER_ARN), ("TagKeys.member.1", "k")], true, PROVIDER_ARN),
    ("ListOpenIDConnectProviderTags", &[("OpenIDConnectProviderArn", PROVIDER_ARN)], false, PROVIDER_ARN),
    ("CreateRole", &[("RoleName", "r"), ("Path", "/team/"), ("AssumeRolePolicyDocument", TRUST)], true, "arn:aws:iam::111122223333:role/team/r"),
    ("GetRole", &[("RoleName", "iam-test")], false, "arn:aws:iam::111122223333:role/iam-test"),
    ("ListRoles", &[], false, "*"),
    ("DeleteRole", &[("RoleName", "r")], true, "arn:aws:iam::111122223333:role/r"),
    ("UpdateAssumeRolePolicy", &[("RoleName", "r"), ("PolicyDocument", TRUST)], true, "arn:aws:iam::111122223333:role/r"),
    ("UpdateRole", &[("RoleName", "r")], true, "arn:aws:iam::111122223333:role/r"),
    ("TagRole", &[("RoleName", "r"), ("Tags", "")], true, "arn:aws:iam::111122223333:role/r"),
    ("UntagRole", &[("RoleName", "r"), ("TagKeys.member.1", "k")], true, "arn:aws:iam::111122223333:role/r"),
    ("ListRoleTags", &[("RoleName", "r")], false, "arn:aws:iam::111122223333:role/r"),
    ("ListPolicies", &[], false, "*"),
    ("GetPolicy", &[("PolicyArn", S3_READ_ONLY)], false, S3_READ_ONLY),
    ("CreatePolicy", &[("PolicyName", "p"), ("PolicyDocument", PERMISSIONS)], true, "arn:aws:iam::111122223333:policy/p"),
    ("GetPolicyVersion", &[("PolicyArn", S3_READ_ONLY), ("VersionId", "v3")], false, S3_READ_ONLY),
    ("DeletePolicy", &[("PolicyArn", S3_READ_ONLY)], true, S3_READ_ONLY),
    ("AttachRolePolicy", &[("RoleName", "r"), ("PolicyArn", S3_READ_ONLY)], true, "arn:aws:iam::111122223333:role/r"),
    ("DetachRolePolicy", &[("RoleName", "r"), ("PolicyArn", S3_READ_ONLY)], true, "arn:aws:iam::111122223333:role/r"),
    ("ListAttachedRolePolicies", &[("RoleName", "r")], false, "arn:aws:iam::111122223333:role/r"),
    ("PutRolePolicy", &[("RoleName", "r"), ("PolicyName", "p"), ("PolicyDocument", PERMISSIONS)], true, "arn:aws:iam::111122223333:role/r"),
    ("GetRolePolicy", &[("RoleName", "r"), ("PolicyName", "p")], false, "arn:aws:iam::111122223333:role/r"),
    ("DeleteRolePolicy", &[("RoleName", "r"), ("PolicyName", "p")], true, "arn:aws:iam::111122223333:role/r"),
    ("ListRolePolicies", &[("RoleName", "r")], false, "arn:aws:iam::111122223333:role/r"),
];

#[test]
fn every_action_parses_names_itself_and_names_its_permission() {
    let world = world();
    for (name, params, writes, resource) in ACTIONS {
        let action = IamAction::from_query(&request(name, params))
            .unwrap_or_else(|err| panic!("case {name}: {err}"));
        assert_eq!(action.name(), *name, "case {name}");
        assert_eq!(
            matches!(action, IamAction::Write(_)),
            *writes,
            "case {name}"
        );
        assert_eq!(
            action.permission(&world),
            (format!("iam:{name}"), (*resource).to_owned()),
            "case {name}"
        );
    }
}

#[test]
fn an_existing_roles_permission_names_its_path() {
    let world = world();
    let action = IamAction::from_query(&request(
        "GetRole",
        &[("RoleName", "awsservicerolefortest")],
    ))
    .unwrap();
    assert_eq!(
        action.permission(&world).1,
        "arn:aws:iam::111122223333:role/aws-service-role/test.amazonaws.com/AWSServiceRoleForTest"
    );
}

#[test]
fn reads_of_world_file_entities_use_the_stand_in_date() {
    let world = world();
    let IamAction::Read(action) =
        IamAction::from_query(&request("GetRole", &[("RoleName", "IAM-TEST")])).unwrap()
    else {
        panic!("GetRole is a read");
    };
    let output = execute(&world, &action, NOW).unwrap();
    let xml = render_envelope("GetRole", NAMESPACE, Some(&output), "req").unwrap();
    assert_eq!(element(&xml, "CreateDate"), Some("2024-01-02T03:04:05Z"));
    assert_eq!(
        element(&xml, "RoleName"),
        Some("iam-test"),
        "the stored spelling"
    );
    assert_eq!(
        element(&xml, "RoleId"),
        Some(
            world
                .roles
                .get("iam-test")
                .unwrap()
                .role_id(ACCOUNT)
                .as_str()
        ),
        "the derived id"
    );
    assert!(xml.contains("<RoleLastUsed/>"), "{xml}");
}
