//! Decisions over whole documents: the IRSA trust policies, a managed policy, the `Not…`
//! elements, deny precedence, principals, resources with variables, and reasons.

use crate::policy::{
    evaluate, parse, ContextKeys, Deciding, Decision, Policy, PolicyKind, PrincipalRef,
    RequestContext, StatementId,
};

const PROVIDER: &str = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/80D562ED8026E91294D52E09BEA261D4";
const SUB: &str = "oidc.eks.us-west-2.amazonaws.com/id/80D562ED8026E91294D52E09BEA261D4:sub";
const AUD: &str = "oidc.eks.us-west-2.amazonaws.com/id/80D562ED8026E91294D52E09BEA261D4:aud";
const WEB_IDENTITY: &str = "sts:AssumeRoleWithWebIdentity";

/// Request keys as `(key, value)` pairs.
type Pairs<'a> = &'a [(&'a str, &'a str)];

/// Named policies, as `evaluate` takes them.
type Policies<'a> = Vec<(&'a str, &'a Policy)>;

/// Name, trust policy, provider, action, request keys, whether allowed.
type TrustCase<'a> = (&'a str, &'a Policy, &'a str, &'a str, Pairs<'a>, bool);

/// Name, policies, action, resource, the exact decision if it matters, whether allowed.
type DenyCase<'a> = (
    &'a str,
    Policies<'a>,
    &'a str,
    &'a str,
    Option<Decision>,
    bool,
);

fn policy(json: &str, kind: PolicyKind) -> Policy {
    parse(json, kind).unwrap_or_else(|err| panic!("{err}\n{json}"))
}

fn keys(pairs: Pairs<'_>) -> ContextKeys {
    let mut keys = ContextKeys::new();
    for (key, value) in pairs {
        keys.insert(key, *value);
    }
    keys
}

/// The trust policy EKS documents for IRSA.
/// https://docs.aws.amazon.com/eks/latest/userguide/associate-service-account-role.html
fn eks_trust() -> Policy {
    policy(
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Federated":"{PROVIDER}"}},
            "Action":"sts:AssumeRoleWithWebIdentity","Condition":{{"StringEquals":{{
            "{SUB}":"system:serviceaccount:default:my-service-account","{AUD}":"sts.amazonaws.com"}}}}}}]}}"#
        ),
        PolicyKind::Trust,
    )
}

/// The webhook README's variant, trusting every service account in `default`.
/// https://github.com/aws/amazon-eks-pod-identity-webhook#eks-walkthrough
fn webhook_trust() -> Policy {
    policy(
        &format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Sid":"AllowDefaultNamespace","Effect":"Allow",
            "Principal":{{"Federated":"{PROVIDER}"}},"Action":"sts:AssumeRoleWithWebIdentity",
            "Condition":{{"StringLike":{{"{SUB}":"system:serviceaccount:default:*"}}}}}}]}}"#
        ),
        PolicyKind::Trust,
    )
}

/// https://docs.aws.amazon.com/aws-managed-policy/latest/reference/AmazonS3ReadOnlyAccess.html
fn s3_read_only() -> Policy {
    policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*","s3:Describe*",
        "s3-object-lambda:Get*","s3-object-lambda:List*"],"Resource":"*"}]}"#,
        PolicyKind::Identity,
    )
}

fn web_identity<'a>(provider: &'a str, action: &'a str, pairs: Pairs<'_>) -> RequestContext<'a> {
    RequestContext {
        principal: Some(PrincipalRef::Federated(provider)),
        action,
        resource: None,
        keys: keys(pairs),
    }
}

#[test]
fn irsa_trust_policies() {
    let (eks, webhook) = (eks_trust(), webhook_trust());
    let sa = (SUB, "system:serviceaccount:default:my-service-account");
    let aud = (AUD, "sts.amazonaws.com");
    let other = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-east-1.amazonaws.com/id/X";
    let any_case = "STS:assumerolewithwebidentity";
    #[rustfmt::skip]
    let cases: [TrustCase<'_>; 11] = [
        ("eks_matching_token", &eks, PROVIDER, WEB_IDENTITY, &[sa, aud], true),
        ("eks_other_service_account", &eks, PROVIDER, WEB_IDENTITY, &[(SUB, "system:serviceaccount:x:y"), aud], false),
        ("eks_wrong_audience", &eks, PROVIDER, WEB_IDENTITY, &[sa, (AUD, "other")], false),
        ("eks_missing_sub", &eks, PROVIDER, WEB_IDENTITY, &[aud], false),
        ("eks_extra_sub_value", &eks, PROVIDER, WEB_IDENTITY, &[sa, (SUB, "x"), aud], true),
        ("eks_other_provider", &eks, other, WEB_IDENTITY, &[sa, aud], false),
        ("eks_other_action", &eks, PROVIDER, "sts:AssumeRole", &[sa, aud], false),
        ("eks_action_any_case", &eks, PROVIDER, any_case, &[sa, aud], true),
        ("webhook_any_account_in_default", &webhook, PROVIDER, WEB_IDENTITY, &[(SUB, "system:serviceaccount:default:x")], true),
        ("webhook_other_namespace", &webhook, PROVIDER, WEB_IDENTITY, &[(SUB, "system:serviceaccount:kube-system:x")], false),
        ("webhook_namespace_prefix_only", &webhook, PROVIDER, WEB_IDENTITY, &[(SUB, "system:serviceaccount:defaultx:a")], false),
    ];
    for (name, trust, provider, action, pairs, allowed) in cases {
        let decision = evaluate(&[("trust", trust)], &web_identity(provider, action, pairs));
        assert_eq!(decision.is_allow(), allowed, "case {name}: {decision}");
    }
}

#[test]
fn irsa_decisions_explain_themselves() {
    let (eks, webhook) = (eks_trust(), webhook_trust());
    let sa = (SUB, "system:serviceaccount:default:my-service-account");
    let aud = (AUD, "sts.amazonaws.com");
    let wrong_sub = concat!(
        "implicitly denied: no statement allows 'sts:AssumeRoleWithWebIdentity'; closest: ",
        "Statement[0] of policy 'trust': condition StringEquals on ",
        "'oidc.eks.us-west-2.amazonaws.com/id/80D562ED8026E91294D52E09BEA261D4:sub': ",
        "request value 'system:serviceaccount:x:y' not in ",
        "['system:serviceaccount:default:my-service-account']"
    );
    let wrong_provider = "principal Federated 'arn:aws:iam::1:oidc-provider/x' is not covered by its Principal {Federated: ['arn:aws:iam::111122223333:oidc-provider/";
    #[rustfmt::skip]
    let cases: [(&str, &Policy, &str, &str, Pairs<'_>, &str); 7] = [
        ("allowed_names_statement", &eks, PROVIDER, WEB_IDENTITY, &[sa, aud], "allowed by Statement[0] of policy 'trust'"),
        ("allowed_names_sid", &webhook, PROVIDER, WEB_IDENTITY, &[sa], "allowed by statement 'AllowDefaultNamespace' of policy 'trust'"),
        ("wrong_sub_full_reason", &eks, PROVIDER, WEB_IDENTITY, &[(SUB, "system:serviceaccount:x:y"), aud], wrong_sub),
        ("missing_sub", &eks, PROVIDER, WEB_IDENTITY, &[aud], ":sub': the request has no such key"),
        ("wrong_provider", &eks, "arn:aws:iam::1:oidc-provider/x", WEB_IDENTITY, &[sa, aud], wrong_provider),
        ("wrong_action", &eks, PROVIDER, "sts:AssumeRole", &[sa, aud], "action 'sts:AssumeRole' is not in its Action ['sts:AssumeRoleWithWebIdentity']"),
        ("like_mismatch", &webhook, PROVIDER, WEB_IDENTITY, &[(SUB, "a")], "request value 'a' not matched by ['system:serviceaccount:default:*']"),
    ];
    for (name, trust, provider, action, pairs, reason) in cases {
        let decision = evaluate(&[("trust", trust)], &web_identity(provider, action, pairs));
        let text = decision.to_string();
        assert!(text.contains(reason), "case {name}: {text}");
    }
}

#[test]
fn managed_read_only_policy() {
    let read_only = s3_read_only();
    #[rustfmt::skip]
    let cases = [
        ("get_object", "s3:GetObject", Some("arn:aws:s3:::bucket/key"), true),
        ("list_all_buckets_without_resource", "s3:ListAllMyBuckets", None, true),
        ("list_bucket", "s3:ListBucket", Some("arn:aws:s3:::bucket"), true),
        ("describe_job", "s3:DescribeJob", Some("arn:aws:s3:us-west-2:1:job/j"), true),
        ("object_lambda_get", "s3-object-lambda:GetObject", Some("arn:aws:s3-object-lambda:us-west-2:1:accesspoint/a"), true),
        ("action_case_insensitive", "S3:getobject", Some("arn:aws:s3:::bucket/key"), true),
        ("put_object_denied", "s3:PutObject", Some("arn:aws:s3:::bucket/key"), false),
        ("other_vendor_same_prefix", "s3express:GetObject", Some("arn:aws:s3express:::x"), false),
        ("get_needs_prefix_match", "s3:PutObjectGet", Some("arn:aws:s3:::bucket/key"), false),
    ];
    for (name, action, resource, allowed) in cases {
        let context = RequestContext {
            principal: None,
            action,
            resource,
            keys: ContextKeys::new(),
        };
        let decision = evaluate(&[("AmazonS3ReadOnlyAccess", &read_only)], &context);
        assert_eq!(decision.is_allow(), allowed, "case {name}: {decision}");
    }
}

#[test]
fn deny_and_not_elements() {
    let allow_s3 = policy(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"*"}}"#,
        PolicyKind::Identity,
    );
    let deny_delete = policy(
        r#"{"Version":"2012-10-17","Statement":{"Sid":"NoDelete","Effect":"Deny","Action":"s3:Delete*","Resource":"*"}}"#,
        PolicyKind::Identity,
    );
    let deny_first = policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Action":"s3:DeleteObject","Resource":"*"},{"Effect":"Allow","Action":"*","Resource":"*"}]}"#,
        PolicyKind::Identity,
    );
    let not_iam = policy(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","NotAction":"iam:*","Resource":"*"}}"#,
        PolicyKind::Identity,
    );
    let fence = policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"},
        {"Sid":"OnlyMine","Effect":"Deny","Action":"s3:*","NotResource":["arn:aws:s3:::mine","arn:aws:s3:::mine/*"]}]}"#,
        PolicyKind::Identity,
    );
    let deny = |policy: &str, statement: StatementId| {
        Some(Decision::ExplicitDeny(Deciding {
            policy: policy.into(),
            statement,
        }))
    };
    #[rustfmt::skip]
    let cases: [DenyCase<'_>; 9] = [
        ("deny_in_other_policy_wins", vec![("allow", &allow_s3), ("deny", &deny_delete)], "s3:DeleteObject", "arn:aws:s3:::b/k", deny("deny", StatementId::Sid("NoDelete".into())), false),
        ("deny_elsewhere_leaves_allow", vec![("allow", &allow_s3), ("deny", &deny_delete)], "s3:GetObject", "arn:aws:s3:::b/k", None, true),
        ("deny_wins_regardless_of_order", vec![("p", &deny_first)], "s3:DeleteObject", "arn:aws:s3:::b/k", deny("p", StatementId::Index(0)), false),
        ("deny_alone_is_not_allow", vec![("deny", &deny_delete)], "s3:GetObject", "arn:aws:s3:::b/k", None, false),
        ("not_action_covers_others", vec![("p", &not_iam)], "s3:GetObject", "arn:aws:s3:::b/k", None, true),
        ("not_action_excludes_listed", vec![("p", &not_iam)], "iam:CreateUser", "arn:aws:iam::1:user/u", None, false),
        ("not_resource_denies_others", vec![("p", &fence)], "s3:GetObject", "arn:aws:s3:::theirs/k", deny("p", StatementId::Sid("OnlyMine".into())), false),
        ("not_resource_spares_listed", vec![("p", &fence)], "s3:GetObject", "arn:aws:s3:::mine/k", None, true),
        ("no_policies", vec![], "s3:GetObject", "arn:aws:s3:::b/k", None, false),
    ];
    for (name, policies, action, resource, exact, allowed) in cases {
        let context = RequestContext {
            principal: None,
            action,
            resource: Some(resource),
            keys: ContextKeys::new(),
        };
        let decision = evaluate(&policies, &context);
        assert_eq!(decision.is_allow(), allowed, "case {name}: {decision}");
        if let Some(want) = exact {
            assert_eq!(decision, want, "case {name}");
        }
    }
}

#[test]
fn principals() {
    const ACCOUNT: &str = "111122223333";
    #[rustfmt::skip]
    let cases: [(&str, &str, Option<PrincipalRef<'_>>, bool); 18] = [
        ("star_covers_anonymous", r#""*""#, None, true),
        ("aws_star_covers_federated", r#"{"AWS":"*"}"#, Some(PrincipalRef::Federated(PROVIDER)), true),
        ("account_id_covers_user", r#"{"AWS":"111122223333"}"#, Some(PrincipalRef::Aws("arn:aws:iam::111122223333:user/bob")), true),
        ("account_root_covers_session", r#"{"AWS":"arn:aws:iam::111122223333:root"}"#, Some(PrincipalRef::Aws("arn:aws:sts::111122223333:assumed-role/r/s")), true),
        ("account_other_account", r#"{"AWS":"111122223333"}"#, Some(PrincipalRef::Aws("arn:aws:iam::444455556666:user/bob")), false),
        ("account_not_federated", r#"{"AWS":"111122223333"}"#, Some(PrincipalRef::Federated(PROVIDER)), false),
        ("role_arn_exact", r#"{"AWS":"arn:aws:iam::111122223333:role/r"}"#, Some(PrincipalRef::Aws("arn:aws:iam::111122223333:role/r")), true),
        ("role_arn_covers_its_sessions", r#"{"AWS":"arn:aws:iam::111122223333:role/path/r"}"#, Some(PrincipalRef::Aws("arn:aws:sts::111122223333:assumed-role/r/s")), true),
        ("role_arn_not_other_role_sessions", r#"{"AWS":"arn:aws:iam::111122223333:role/r"}"#, Some(PrincipalRef::Aws("arn:aws:sts::111122223333:assumed-role/r2/s")), false),
        ("user_arn_case_sensitive", r#"{"AWS":"arn:aws:iam::111122223333:user/Bob"}"#, Some(PrincipalRef::Aws("arn:aws:iam::111122223333:user/bob")), false),
        ("federated_exact", &format!(r#"{{"Federated":"{PROVIDER}"}}"#), Some(PrincipalRef::Federated(PROVIDER)), true),
        ("federated_case_sensitive", &format!(r#"{{"Federated":"{}"}}"#, PROVIDER.to_lowercase()), Some(PrincipalRef::Federated(PROVIDER)), false),
        ("federated_is_not_aws", &format!(r#"{{"Federated":"{PROVIDER}"}}"#), Some(PrincipalRef::Aws(PROVIDER)), false),
        ("federated_list", r#"{"Federated":["accounts.google.com","www.amazon.com"]}"#, Some(PrincipalRef::Federated("www.amazon.com")), true),
        ("service_exact", r#"{"Service":"ec2.amazonaws.com"}"#, Some(PrincipalRef::Service("ec2.amazonaws.com")), true),
        ("service_other", r#"{"Service":"ec2.amazonaws.com"}"#, Some(PrincipalRef::Service("ecs.amazonaws.com")), false),
        ("listed_not_anonymous", r#"{"AWS":"111122223333"}"#, None, false),
        ("canonical_user_names_no_caller", r#"{"CanonicalUser":"79a59df9"}"#, Some(PrincipalRef::Aws(ACCOUNT)), false),
    ];
    for (name, principal, caller, allowed) in cases {
        let trust = policy(
            &format!(
                r#"{{"Version":"2012-10-17","Statement":{{"Effect":"Allow","Principal":{principal},"Action":"sts:AssumeRole"}}}}"#
            ),
            PolicyKind::Trust,
        );
        let context = RequestContext {
            principal: caller,
            action: "sts:AssumeRole",
            resource: None,
            keys: ContextKeys::new(),
        };
        let decision = evaluate(&[("trust", &trust)], &context);
        assert_eq!(decision.is_allow(), allowed, "case {name}: {decision}");
    }
}

#[test]
fn not_principal() {
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_notprincipal.html
    let bucket = policy(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::b/*"},
        {"Sid":"OnlyAdmin","Effect":"Deny","NotPrincipal":{"AWS":"arn:aws:iam::111122223333:role/admin"},"Action":"s3:*","Resource":"arn:aws:s3:::b/*"}]}"#,
        PolicyKind::Trust,
    );
    #[rustfmt::skip]
    let cases = [
        ("listed_role_spared", Some(PrincipalRef::Aws("arn:aws:iam::111122223333:role/admin")), true),
        ("listed_role_session_spared", Some(PrincipalRef::Aws("arn:aws:sts::111122223333:assumed-role/admin/s")), true),
        ("other_role_denied", Some(PrincipalRef::Aws("arn:aws:iam::111122223333:role/dev")), false),
        ("anonymous_denied", None, false),
    ];
    for (name, caller, allowed) in cases {
        let context = RequestContext {
            principal: caller,
            action: "s3:GetObject",
            resource: Some("arn:aws:s3:::b/k"),
            keys: ContextKeys::new(),
        };
        let decision = evaluate(&[("bucket", &bucket)], &context);
        assert_eq!(decision.is_allow(), allowed, "case {name}: {decision}");
    }
}

#[test]
fn resources_with_variables() {
    // https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_variables.html#policy-vars-resourceelement
    let body = r#""Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":["arn:aws:s3:::mybucket/${aws:username}/*"]}]"#;
    let current = policy(
        &format!(r#"{{"Version":"2012-10-17",{body}}}"#),
        PolicyKind::Identity,
    );
    let legacy = policy(&format!("{{{body}}}"), PolicyKind::Identity);
    let specific = policy(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::b"}}"#,
        PolicyKind::Identity,
    );
    let alice = [("aws:username", "alice")];
    #[rustfmt::skip]
    let cases: [(&str, &Policy, Option<&str>, Pairs<'_>, bool); 7] = [
        ("own_folder", &current, Some("arn:aws:s3:::mybucket/alice/notes.txt"), &alice, true),
        ("other_folder", &current, Some("arn:aws:s3:::mybucket/bob/notes.txt"), &alice, false),
        ("no_username_matches_nothing", &current, Some("arn:aws:s3:::mybucket/alice/notes.txt"), &[], false),
        ("legacy_version_is_literal", &legacy, Some("arn:aws:s3:::mybucket/alice/notes.txt"), &alice, false),
        ("legacy_literal_text_matches", &legacy, Some("arn:aws:s3:::mybucket/${aws:username}/x"), &alice, true),
        ("resource_case_sensitive", &specific, Some("arn:aws:s3:::B"), &[], false),
        ("specific_resource_needs_one", &specific, None, &[], false),
    ];
    for (name, identity, resource, pairs, allowed) in cases {
        let context = RequestContext {
            principal: None,
            action: "s3:GetObject",
            resource,
            keys: keys(pairs),
        };
        let decision = evaluate(&[("p", identity)], &context);
        assert_eq!(decision.is_allow(), allowed, "case {name}: {decision}");
    }
}

#[test]
fn reasons_are_single_line_and_name_the_closest_miss() {
    let two = policy(
        r#"{"Version":"2012-10-17","Statement":[{"Sid":"Far","Effect":"Allow","Action":"ec2:*","Resource":"*"},
        {"Sid":"Near","Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"Bool":{"aws:SecureTransport":"true"}}}]}"#,
        PolicyKind::Identity,
    );
    let deny_only = policy(
        r#"{"Version":"2012-10-17","Statement":{"Effect":"Deny","Action":"ec2:*","Resource":"*"}}"#,
        PolicyKind::Identity,
    );
    let newline = "a\nb";
    let near_miss = concat!(
        "implicitly denied: no statement allows 's3:GetObject'; closest: statement 'Near' ",
        "of policy 'p': condition Bool on 'aws:SecureTransport': request value 'false' not in ",
        "['true']"
    );
    let no_allow = "no statement allows 's3:GetObject'; policies ['d'] have no Allow statement";
    #[rustfmt::skip]
    let cases: [(&str, Policies<'_>, Pairs<'_>, &str); 4] = [
        ("closest_is_the_condition_miss", vec![("p", &two)], &[("aws:SecureTransport", "false")], near_miss),
        ("request_text_escaped", vec![("p", &two)], &[("aws:SecureTransport", newline)], "request value 'a\\u{a}b' not in ['true']"),
        ("no_allow_statement", vec![("d", &deny_only)], &[], no_allow),
        ("no_policies", vec![], &[], "implicitly denied: no policy applies to 's3:GetObject'"),
    ];
    for (name, policies, pairs, want) in cases {
        let context = RequestContext {
            principal: None,
            action: "s3:GetObject",
            resource: Some("arn:aws:s3:::b/k"),
            keys: keys(pairs),
        };
        let text = evaluate(&policies, &context).to_string();
        assert!(text.contains(want), "case {name}: {text}");
        assert!(
            text.chars().all(|c| c.is_ascii_graphic() || c == ' '),
            "case {name}: {text}"
        );
    }
}

/// `trace` and `evaluate` agree on generated trust policies and requests: the decision a
/// trace implies (any applying Deny, else the first applying Allow, else none) is the
/// one `evaluate` returns, naming the same statement; an implicit deny's closest miss is
/// the reason of a statement the trace shows as missed.
#[test]
fn trace_implies_the_decision_evaluate_makes() {
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(17);
    let principals = [
        format!(r#"{{"Federated": "{PROVIDER}"}}"#),
        r#"{"Service": "pods.eks.amazonaws.com"}"#.to_owned(),
        r#"{"AWS": "arn:aws:iam::111122223333:root"}"#.to_owned(),
        r#""*""#.to_owned(),
    ];
    let actions = [
        r#""sts:AssumeRoleWithWebIdentity""#,
        r#""sts:AssumeRole""#,
        r#"["sts:AssumeRole", "sts:TagSession"]"#,
        r#""sts:*""#,
    ];
    let subs = [
        "system:serviceaccount:default:iam-test",
        "system:serviceaccount:default:*",
        "system:serviceaccount:other:iam-test",
    ];
    let operators = [
        "StringEquals",
        "StringLike",
        "StringNotEquals",
        "StringEqualsIfExists",
        "ForAnyValue:StringLike",
        "Null",
    ];
    let mut seen = [0u32; 3];
    for round in 0..400 {
        let statements: Vec<String> = (0..rng.gen_range(1..4))
            .map(|_| {
                let operator = operators[rng.gen_range(0..operators.len())];
                let value = if operator == "Null" {
                    r#""false""#.to_owned()
                } else {
                    format!("\"{}\"", subs[rng.gen_range(0..subs.len())])
                };
                let key = if rng.gen_bool(0.7) { SUB } else { AUD };
                format!(
                    r#"{{"Effect": "{}", "Principal": {}, "Action": {}, "Condition": {{"{operator}": {{"{key}": {value}}}}}}}"#,
                    if rng.gen_bool(0.25) { "Deny" } else { "Allow" },
                    principals[rng.gen_range(0..principals.len())],
                    actions[rng.gen_range(0..actions.len())],
                )
            })
            .collect();
        let document = format!(
            r#"{{"Version": "2012-10-17", "Statement": [{}]}}"#,
            statements.join(", ")
        );
        let trust = policy(&document, PolicyKind::Trust);
        let mut request = ContextKeys::new();
        if rng.gen_bool(0.9) {
            request.insert(SUB, subs[rng.gen_range(0..subs.len())].replace('*', "x"));
        }
        request.insert(AUD, "sts.amazonaws.com");
        let principal = match rng.gen_range(0..3) {
            0 => PrincipalRef::Federated(PROVIDER),
            1 => PrincipalRef::Service("pods.eks.amazonaws.com"),
            _ => PrincipalRef::Aws("arn:aws:iam::111122223333:role/x"),
        };
        let action = [
            "sts:AssumeRoleWithWebIdentity",
            "sts:AssumeRole",
            "sts:TagSession",
        ][rng.gen_range(0..3)];
        let context = RequestContext {
            principal: Some(principal),
            action,
            resource: Some("arn:aws:iam::111122223333:role/r"),
            keys: request,
        };
        let policies = [("trust policy", &trust)];
        let traces = crate::policy::trace(&policies, &context);
        let decision = evaluate(&policies, &context);
        let applying = |effect: &str| {
            traces
                .iter()
                .find(|t| t.applies && t.effect == effect)
                .map(|t| t.statement.clone())
        };
        let named = |d: &Deciding| d.statement.to_string();
        seen[match decision {
            Decision::Allow(_) => 0,
            Decision::ExplicitDeny(_) => 1,
            Decision::ImplicitDeny(_) => 2,
        }] += 1;
        match (&decision, applying("Deny"), applying("Allow")) {
            (Decision::ExplicitDeny(d), Some(deny), _) => assert_eq!(named(d), deny),
            (Decision::Allow(d), None, Some(allow)) => assert_eq!(named(d), allow),
            (Decision::ImplicitDeny(no_match), None, None) => {
                assert!(
                    traces.iter().all(|t| !t.applies)
                        && (traces.iter().any(|t| t
                            .miss
                            .as_ref()
                            .is_some_and(|m| no_match.reason.contains(m.as_str())))
                            || !no_match.reason.contains("closest")),
                    "round {round}: {no_match:?} vs {traces:?}"
                );
            }
            (decision, deny, allow) => {
                panic!("round {round}: evaluate says {decision:?}, the trace deny {deny:?} allow {allow:?}\n{document}")
            }
        }
    }
    assert!(
        seen.iter().all(|n| *n > 20),
        "every kind of decision is generated: {seen:?}"
    );
}
