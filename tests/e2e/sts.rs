//! AssumeRoleWithWebIdentity over HTTP: what it accepts, and the helpers the refusal
//! table in `sts_refusals` shares.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{json, Value};

use crate::support::{
    default_world, form, sign_with_fixture_key, xml_text, TestServer, FIXTURE_KID, ISSUER,
};

pub(crate) const ROLE: &str = "arn:aws:iam::111122223333:role/iam-test";
pub(crate) const PREFIX: &str =
    "oidc.eks.us-west-2.amazonaws.com/id/80D562ED8026E91294D52E09BEA261D4";
pub(crate) const PROVIDER_ARN: &str = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/80D562ED8026E91294D52E09BEA261D4";

/// Query parameters of one request.
pub(crate) type Params<'a> = Vec<(&'a str, &'a str)>;

/// An element of the result and the value it must have.
type Expect<'a> = Option<(&'a str, &'a str)>;

pub(crate) fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

pub(crate) fn claims(sub: &str) -> Value {
    let now = now();
    json!({
        "aud": ["sts.amazonaws.com"], "exp": now + 3600, "iat": now, "iss": ISSUER,
        "kubernetes.io": {"namespace": "default", "serviceaccount": {"name": "x", "uid": "u"}},
        "nbf": now, "sub": sub,
    })
}

pub(crate) fn token(sub: &str) -> String {
    sign_with_fixture_key(
        &json!({"alg": "RS256", "kid": FIXTURE_KID.trim()}),
        &claims(sub),
    )
}

pub(crate) fn token_with(edit: impl FnOnce(&mut Value)) -> String {
    let mut body = claims("system:serviceaccount:default:iam-test");
    edit(&mut body);
    sign_with_fixture_key(&json!({"alg": "RS256", "kid": FIXTURE_KID.trim()}), &body)
}

pub(crate) fn trust(condition: Value) -> Value {
    json!({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"Federated": PROVIDER_ARN},
        "Action": "sts:AssumeRoleWithWebIdentity", "Condition": condition}]})
}

/// The default world plus roles that exercise the trust policy.
pub(crate) fn world() -> Value {
    let mut world = default_world();
    let roles = world["roles"].as_array_mut().unwrap();
    let mut deny_wins =
        trust(json!({"StringLike": {format!("{PREFIX}:sub"): "system:serviceaccount:default:*"}}));
    deny_wins["Statement"].as_array_mut().unwrap().push(json!({
        "Sid": "BlockOne", "Effect": "Deny", "Principal": {"Federated": PROVIDER_ARN},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {"StringEquals": {format!("{PREFIX}:sub"): "system:serviceaccount:default:blocked"}}}));
    roles.push(json!({"name": "deny-wins", "assumeRolePolicyDocument": deny_wins}));
    roles.push(json!({"name": "team-apps", "path": "/teams/", "maxSessionDuration": 7200,
        "assumeRolePolicyDocument": trust(json!({"StringLike": {format!("{PREFIX}:sub"): "system:serviceaccount:team-*:app"}, "StringEquals": {format!("{PREFIX}:aud"): "sts.amazonaws.com"}}))}));
    world
}

pub(crate) async fn assume(server: &TestServer, params: &[(&str, &str)]) -> crate::support::Reply {
    let mut all = vec![
        ("Action", "AssumeRoleWithWebIdentity"),
        ("Version", "2011-06-15"),
    ];
    all.extend_from_slice(params);
    server
        .send(
            "POST",
            "/",
            Some("application/x-www-form-urlencoded; charset=utf-8"),
            form(&all),
        )
        .await
}

#[tokio::test]
async fn the_workshop_role_is_assumed_with_a_service_account_token() {
    let server = TestServer::start().await;
    let minted = server
        .token_request(
            "default",
            "iam-test",
            json!({"spec": {"audiences": ["sts.amazonaws.com"]}}),
        )
        .await;
    let token = minted.json()["status"]["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let reply = assume(
        &server,
        &[
            ("RoleArn", ROLE),
            ("RoleSessionName", "workshop"),
            ("WebIdentityToken", &token),
        ],
    )
    .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("content-type"), Some("text/xml"));
    let xml = &reply.body;
    assert!(xml.starts_with(
        r#"<AssumeRoleWithWebIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">"#
    ));
    let access_key = xml_text(xml, "AccessKeyId").unwrap();
    assert!(
        access_key.starts_with("ASIA") && access_key.len() == 20,
        "{access_key}"
    );
    assert_eq!(xml_text(xml, "SecretAccessKey").unwrap().len(), 40);
    assert!(!xml_text(xml, "SessionToken").unwrap().is_empty());
    assert_eq!(
        xml_text(xml, "SubjectFromWebIdentityToken"),
        Some("system:serviceaccount:default:iam-test")
    );
    assert_eq!(
        xml_text(xml, "Arn"),
        Some("arn:aws:sts::111122223333:assumed-role/iam-test/workshop")
    );
    let role_id = xml_text(xml, "AssumedRoleId").unwrap();
    assert!(
        role_id.starts_with("AROA") && role_id.ends_with(":workshop"),
        "{role_id}"
    );
    assert_eq!(xml_text(xml, "Provider"), Some(PROVIDER_ARN));
    assert_eq!(xml_text(xml, "Audience"), Some("sts.amazonaws.com"));
    assert_eq!(
        xml_text(xml, "PackedPolicySize"),
        None,
        "only with session policies"
    );
    assert_eq!(xml_text(xml, "RequestId"), reply.header("x-amzn-requestid"));
    let expiration = xml_text(xml, "Expiration").unwrap();
    assert_eq!(
        (expiration.len(), &expiration[19..]),
        (20, "Z"),
        "{expiration}"
    );
}

#[tokio::test]
async fn accepted_variants() {
    let server = TestServer::start_with_world(&world()).await;
    let session_policy = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "*"}]}).to_string();
    let team_token = token("system:serviceaccount:team-blue:app");
    let default_token = token("system:serviceaccount:default:iam-test");
    let whitespace_token = format!("{default_token}\n");
    // (name, parameters, an element of the result and its value)
    let cases: Vec<(&str, Params, Expect)> = vec![
        (
            "allow_when_no_deny_matches",
            vec![
                ("RoleArn", "arn:aws:iam::111122223333:role/deny-wins"),
                ("WebIdentityToken", &default_token),
            ],
            None,
        ),
        (
            "string_like_with_a_path_role",
            vec![
                ("RoleArn", "arn:aws:iam::111122223333:role/teams/team-apps"),
                ("WebIdentityToken", &team_token),
                ("DurationSeconds", "7200"),
            ],
            None,
        ),
        (
            "session_policy_reports_packed_size",
            vec![
                ("RoleArn", ROLE),
                ("WebIdentityToken", &default_token),
                ("Policy", &session_policy),
            ],
            Some(("PackedPolicySize", "5")),
        ),
        (
            "policy_arns",
            vec![
                ("RoleArn", ROLE),
                ("WebIdentityToken", &default_token),
                (
                    "PolicyArns.member.1.arn",
                    "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
                ),
            ],
            None,
        ),
        (
            "token_with_trailing_newline",
            vec![("RoleArn", ROLE), ("WebIdentityToken", &whitespace_token)],
            None,
        ),
        (
            "shortest_duration",
            vec![
                ("RoleArn", ROLE),
                ("WebIdentityToken", &default_token),
                ("DurationSeconds", "900"),
            ],
            None,
        ),
    ];
    for (name, mut params, element) in cases {
        params.push(("RoleSessionName", "s1"));
        let reply = assume(&server, &params).await;
        assert_eq!(reply.status, 200, "case {name}: {}", reply.body);
        if let Some((element, want)) = element {
            assert_eq!(xml_text(&reply.body, element), Some(want), "case {name}");
        }
    }
    // Parameters in the URL of a GET work too.
    let query = String::from_utf8(form(&[
        ("Action", "AssumeRoleWithWebIdentity"),
        ("Version", "2011-06-15"),
        ("RoleArn", ROLE),
        ("RoleSessionName", "get"),
        ("WebIdentityToken", &default_token),
    ]))
    .unwrap();
    assert_eq!(
        server.get(&format!("/?{query}")).await.status,
        200,
        "GET with query parameters"
    );
    let reply = crate::support::send_with_headers(
        &format!("{}/", server.base_url),
        &[
            ("content-type", "application/x-www-form-urlencoded"),
            ("authorization", "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20240101/us-west-2/sts/aws4_request, SignedHeaders=host, Signature=00"),
            ("x-amz-security-token", "not-a-session"),
        ],
        form(&[("Action", "AssumeRoleWithWebIdentity"), ("Version", "2011-06-15"), ("RoleArn", ROLE), ("RoleSessionName", "signed"), ("WebIdentityToken", &default_token)]),
    )
    .await;
    assert_eq!(
        reply.status, 200,
        "an Authorization header is ignored: {}",
        reply.body
    );
}
