use std::path::Path;

use serde_json::json;

use super::*;
use crate::policy::SessionPolicies;

const ACCOUNT: &str = "111122223333";

fn world() -> World {
    let mut world: serde_json::Value =
        serde_json::from_str(crate::world::DEFAULT_WORLD_JSON).unwrap();
    let trust = world["roles"][0]["assumeRolePolicyDocument"].clone();
    let roles = world["roles"].as_array_mut().unwrap();
    roles.push(json!({"name": "prefix-reader", "assumeRolePolicyDocument": trust.clone(), "inlinePolicies": {
        "read-reports": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::data/reports/*"},
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "arn:aws:s3:::data",
             "Condition": {"StringLike": {"s3:prefix": "reports/*"}}}]}}}));
    roles.push(
        json!({"name": "s3-all-but-delete", "assumeRolePolicyDocument": trust,
        "attachedPolicyArns": ["arn:aws:iam::aws:policy/AmazonS3FullAccess"],
        "inlinePolicies": {"no-delete": {"Version": "2012-10-17", "Statement": [
            {"Effect": "Deny", "Action": "s3:Delete*", "Resource": "*"}]}}}),
    );
    crate::world::parse("test", &world.to_string(), Path::new(".")).unwrap()
}

/// A session of the world's role `role`, sealed with that role's id.
fn session(role: &str, session_policy: Option<&str>, policy_arns: &[&str]) -> Caller {
    let role_id = world()
        .roles
        .iter()
        .find(|r| r.name.as_str() == role)
        .map_or_else(|| "AROAEXAMPLE".to_owned(), |r| r.role_id(ACCOUNT));
    session_of(role, &role_id, session_policy, policy_arns)
}

/// A session of the role named `role` whose id was `role_id` when the session was issued.
fn session_of(
    role: &str,
    role_id: &str,
    session_policy: Option<&str>,
    policy_arns: &[&str],
) -> Caller {
    Caller::Session {
        access_key_id: "ASIAEXAMPLE".into(),
        session: Box::new(Session {
            account_id: ACCOUNT.into(),
            role_arn: format!("arn:aws:iam::{ACCOUNT}:role/{role}"),
            role_name: role.into(),
            role_id: role_id.into(),
            session_name: "s".into(),
            subject: "system:serviceaccount:default:iam-test".into(),
            audience: "sts.amazonaws.com".into(),
            provider_arn: format!(
                "arn:aws:iam::{ACCOUNT}:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/X"
            ),
            source_identity: None,
            session_policy: session_policy.map(str::to_owned),
            policy_arns: policy_arns.iter().map(|arn| (*arn).to_owned()).collect(),
            tags: Vec::new(),
            issued_at: 0,
            expires_at: 3600,
        }),
    }
}

fn request<'a>(action: &'a str, resource: &'a str, keys: &[(&str, &str)]) -> Request<'a> {
    Request {
        action,
        resource,
        service_keys: keys
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect(),
    }
}

/// Allowed, or refused in the way AWS's message names.
type Outcome = Result<(), (Deny, PolicyType)>;

#[test]
fn permissions_follow_the_role_and_the_session() {
    let world = world();
    let root = Caller::Root {
        account_id: ACCOUNT.into(),
        access_key_id: "test".into(),
    };
    let read_only = session("iam-test", None, &[]);
    let prefix = session("prefix-reader", None, &[]);
    let no_delete = session("s3-all-but-delete", None, &[]);
    let narrowed = session(
        "s3-all-but-delete",
        Some(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}"#,
        ),
        &[],
    );
    let narrowed_by_arn = session(
        "s3-all-but-delete",
        None,
        &["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"],
    );
    let gone = session("deleted-role", None, &[]);
    // The role was deleted and created again under the same name: another principal.
    let recreated = session_of("s3-all-but-delete", "AROAOLDROLEOFTHENAME", None, &[]);
    let session_denies_put = session(
        "s3-all-but-delete",
        Some(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},{"Effect":"Deny","Action":"s3:PutObject","Resource":"*"}]}"#,
        ),
        &[],
    );
    let read_only_session_denies_put = session(
        "iam-test",
        Some(
            r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:PutObject","Resource":"*"}]}"#,
        ),
        &[],
    );
    let unparsable = session("iam-test", Some("{not json"), &[]);
    let missing_arn = session("iam-test", None, &["arn:aws:iam::111122223333:policy/gone"]);
    let allowed = Ok(());
    let implicit_identity = Err((Deny::Implicit, PolicyType::IdentityBased));
    let explicit_identity = Err((Deny::Explicit, PolicyType::IdentityBased));
    let implicit_session = Err((Deny::Implicit, PolicyType::Session));
    let explicit_session = Err((Deny::Explicit, PolicyType::Session));
    #[rustfmt::skip]
    let cases: Vec<(&str, &Caller, Request, Outcome)> = vec![
        ("root_creates_buckets", &root, request("s3:CreateBucket", "arn:aws:s3:::x", &[]), allowed),
        ("root_does_anything", &root, request("iam:DeleteRole", "*", &[]), allowed),
        ("read_only_lists_buckets", &read_only, request("s3:ListAllMyBuckets", "*", &[]), allowed),
        ("read_only_gets_objects", &read_only, request("s3:GetObject", "arn:aws:s3:::b/k", &[]), allowed),
        ("read_only_cannot_create_buckets", &read_only, request("s3:CreateBucket", "arn:aws:s3:::x", &[]), implicit_identity),
        ("read_only_cannot_put", &read_only, request("s3:PutObject", "arn:aws:s3:::b/k", &[]), implicit_identity),
        ("prefix_reads_inside", &prefix, request("s3:GetObject", "arn:aws:s3:::data/reports/2024.csv", &[]), allowed),
        ("prefix_denied_outside", &prefix, request("s3:GetObject", "arn:aws:s3:::data/secrets/key", &[]), implicit_identity),
        ("prefix_lists_with_matching_prefix", &prefix, request("s3:ListBucket", "arn:aws:s3:::data", &[("s3:prefix", "reports/")]), allowed),
        ("prefix_cannot_list_other_prefix", &prefix, request("s3:ListBucket", "arn:aws:s3:::data", &[("s3:prefix", "secrets/")]), implicit_identity),
        ("prefix_cannot_list_without_prefix", &prefix, request("s3:ListBucket", "arn:aws:s3:::data", &[]), implicit_identity),
        ("full_access_puts", &no_delete, request("s3:PutObject", "arn:aws:s3:::b/k", &[]), allowed),
        ("explicit_deny_beats_full_access", &no_delete, request("s3:DeleteObject", "arn:aws:s3:::b/k", &[]), explicit_identity),
        ("session_policy_allows_its_subset", &narrowed, request("s3:GetObject", "arn:aws:s3:::b/k", &[]), allowed),
        ("session_policy_narrows_the_role", &narrowed, request("s3:PutObject", "arn:aws:s3:::b/k", &[]), implicit_session),
        ("role_deny_is_named_before_the_session", &narrowed, request("s3:DeleteObject", "arn:aws:s3:::b/k", &[]), explicit_identity),
        ("policy_arns_narrow_the_role", &narrowed_by_arn, request("s3:PutObject", "arn:aws:s3:::b/k", &[]), implicit_session),
        ("policy_arns_allow_their_subset", &narrowed_by_arn, request("s3:ListAllMyBuckets", "*", &[]), allowed),
        ("session_deny_is_explicit", &session_denies_put, request("s3:PutObject", "arn:aws:s3:::b/k", &[]), explicit_session),
        ("session_deny_leaves_the_rest", &session_denies_put, request("s3:GetObject", "arn:aws:s3:::b/k", &[]), allowed),
        ("explicit_session_deny_beats_implicit_role_deny", &read_only_session_denies_put, request("s3:PutObject", "arn:aws:s3:::b/k", &[]), explicit_session),
        ("implicit_role_deny_before_implicit_session_deny", &read_only_session_denies_put, request("s3:CreateBucket", "arn:aws:s3:::x", &[]), implicit_identity),
        ("unparsable_session_policy_denies", &unparsable, request("s3:GetObject", "arn:aws:s3:::b/k", &[]), implicit_session),
        ("missing_session_policy_arn_denies", &missing_arn, request("s3:GetObject", "arn:aws:s3:::b/k", &[]), implicit_session),
        ("deleted_role_is_denied", &gone, request("s3:ListAllMyBuckets", "*", &[]), implicit_identity),
        ("recreated_role_denies_the_old_session", &recreated, request("s3:PutObject", "arn:aws:s3:::b/k", &[]), implicit_identity),
        ("recreated_role_denies_what_both_allow", &recreated, request("s3:ListAllMyBuckets", "*", &[]), implicit_identity),
    ];
    for (name, caller, request, want) in cases {
        let got = authorize(&world, caller, &request, 100, &SessionPolicies::default());
        let kind = got
            .as_ref()
            .copied()
            .map_err(|denied| (denied.deny, denied.policy_type));
        assert_eq!(kind, want, "case {name}: {got:?}");
        if let Err(denied) = got {
            assert!(!denied.reason.is_empty(), "case {name}: a denial says why");
        }
    }
}

#[test]
fn caller_identity_fields() {
    let root = Caller::Root {
        account_id: ACCOUNT.into(),
        access_key_id: "test".into(),
    };
    assert_eq!(
        (root.arn().as_str(), root.user_id().as_str()),
        ("arn:aws:iam::111122223333:root", ACCOUNT)
    );
    let role = session("iam-test", None, &[]);
    assert_eq!(
        role.arn(),
        "arn:aws:sts::111122223333:assumed-role/iam-test/s"
    );
    let role_id = world().roles.get("iam-test").unwrap().role_id(ACCOUNT);
    assert_eq!(role.user_id(), format!("{role_id}:s"));
    assert_eq!(role.account_id(), ACCOUNT);
}
