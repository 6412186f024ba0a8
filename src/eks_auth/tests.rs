//! `AssumeRoleForPodIdentity` over the default world, with tokens minted by the fixture
//! key: what each kind of token and trust policy gets.

use std::path::Path;

use serde_json::json;

use super::*;
use crate::oidc::keys::{KeySet, SigningKey};
use crate::oidc::mint::{mint, BoundObject, ObjectRef, TokenSpec};

const CLUSTER: &str = "eksworkshop-eksctl";
const NOW: u64 = 1_700_000_000;

fn keys() -> KeySet {
    let pem = include_str!("../../fixtures/test-signing-key.pem");
    KeySet::from_keys(vec![
        SigningKey::from_pem(pem, Path::new("fixture")).unwrap()
    ])
}

fn other_keys() -> KeySet {
    let pem = rsa::pkcs8::EncodePrivateKey::to_pkcs8_pem(
        &rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap(),
        rsa::pkcs8::LineEnding::LF,
    )
    .unwrap();
    KeySet::from_keys(vec![SigningKey::from_pem(&pem, Path::new("other")).unwrap()])
}

/// The default world; roles trusting the service principal in several ways; a pod
/// `default/web` with uid `pod-uid`; associations for `default/pi-test`,
/// `default/no-tag`, `default/conditioned` and `other/pi-test`.
fn world() -> World {
    let mut world: Value = serde_json::from_str(crate::world::DEFAULT_WORLD_JSON).unwrap();
    let statement = |actions: Value, condition: Option<Value>| {
        let mut s = json!({"Effect": "Allow", "Principal": {"Service": "pods.eks.amazonaws.com"},
                           "Action": actions});
        if let Some(condition) = condition {
            s["Condition"] = condition;
        }
        json!({"Version": "2012-10-17", "Statement": [s]})
    };
    let roles = world["roles"].as_array_mut().unwrap();
    for (name, trust) in [
        (
            "pi-role",
            statement(json!(["sts:AssumeRole", "sts:TagSession"]), None),
        ),
        ("no-tag-role", statement(json!("sts:AssumeRole"), None)),
        (
            "default-only-role",
            statement(
                json!(["sts:AssumeRole", "sts:TagSession"]),
                Some(
                    json!({"StringEquals": {"aws:RequestTag/kubernetes-namespace": "default",
                                             "aws:SourceAccount": "111122223333"}}),
                ),
            ),
        ),
    ] {
        roles.push(json!({"name": name, "assumeRolePolicyDocument": trust}));
    }
    let association = |ns: &str, sa: &str, role: &str, id: &str| {
        json!({"associationId": id, "namespace": ns, "serviceAccount": sa,
               "roleArn": format!("arn:aws:iam::111122223333:role/{role}"),
               "createdAt": 0, "modifiedAt": 0})
    };
    let cluster = &mut world["clusters"][0];
    cluster["podIdentityAssociations"] = json!([
        association("default", "pi-test", "pi-role", "a-aaaaaaaaaaaaaaaaa"),
        association("default", "no-tag", "no-tag-role", "a-bbbbbbbbbbbbbbbbb"),
        association(
            "default",
            "conditioned",
            "default-only-role",
            "a-ccccccccccccccccc"
        ),
        association(
            "other",
            "conditioned",
            "default-only-role",
            "a-ddddddddddddddddd"
        ),
        association("default", "gone", "missing-role", "a-eeeeeeeeeeeeeeeee"),
    ]);
    cluster["pods"] = json!([{"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web", "namespace": "default", "uid": "pod-uid"}, "spec": {}}]);
    crate::world::parse("test", &world.to_string(), Path::new(".")).unwrap()
}

/// How to mint the token of one case.
struct Token {
    namespace: &'static str,
    service_account: &'static str,
    audience: &'static str,
    issued_at: u64,
    lifetime: u64,
    pod: Option<(&'static str, &'static str)>,
    other_key: bool,
}

impl Token {
    fn of(namespace: &'static str, service_account: &'static str) -> Self {
        Self {
            namespace,
            service_account,
            audience: "pods.eks.amazonaws.com",
            issued_at: NOW - 60,
            lifetime: 3600,
            pod: Some(("web", "pod-uid")),
            other_key: false,
        }
    }

    fn mint(&self, world: &World) -> String {
        let cluster = world.cluster(CLUSTER).unwrap();
        let spec = TokenSpec {
            namespace: self.namespace.into(),
            service_account: ObjectRef {
                name: self.service_account.into(),
                uid: cluster.service_account_uid(self.namespace, self.service_account),
            },
            audiences: vec![self.audience.into()],
            expiration_seconds: self.lifetime,
            bound_object: self.pod.map(|(name, uid)| {
                BoundObject::Pod(ObjectRef {
                    name: name.into(),
                    uid: uid.into(),
                })
            }),
        };
        let keys = if self.other_key { other_keys() } else { keys() };
        mint(
            &keys,
            cluster.oidc_issuer.as_str(),
            &spec,
            self.issued_at,
            "jti",
        )
        .unwrap()
        .token
    }
}

fn run(world: &World, token: &str) -> Result<Output, EksAuthError> {
    let secret = CredentialSecret::from_bytes(&[7; 32]);
    let keys = keys();
    let services = Services {
        world,
        keys: keys.verification_keys(),
        secret: &secret,
        now: NOW,
    };
    assume_role_for_pod_identity(CLUSTER, token, &services)
}

/// The session the output's credentials carry.
fn opened(output: &Output) -> credentials::OpenedSession {
    let secret = CredentialSecret::from_bytes(&[7; 32]);
    credentials::open(
        &secret,
        &output.credentials.access_key_id,
        &output.credentials.session_token,
        NOW,
    )
    .unwrap()
}

#[test]
fn a_pod_identity_token_gets_the_associated_role_with_eks_session_tags() {
    let world = world();
    let output = run(&world, &Token::of("default", "pi-test").mint(&world)).unwrap();
    assert_eq!(output.subject.namespace, "default");
    assert_eq!(output.subject.service_account, "pi-test");
    assert_eq!(output.audience, "pods.eks.amazonaws.com");
    assert_eq!(
        output.pod_identity_association.association_arn,
        "arn:aws:eks:us-west-2:111122223333:podidentityassociation/eksworkshop-eksctl/a-aaaaaaaaaaaaaaaaa"
    );
    let arn = &output.assumed_role_user.arn;
    assert!(
        arn.starts_with(
            "arn:aws:sts::111122223333:assumed-role/pi-role/eks-eksworkshop-eksctl-web-"
        ),
        "{arn}"
    );
    let session_name = arn.rsplit('/').next().unwrap();
    assert!(session_name.len() <= 64, "{session_name}");
    assert!(output.assumed_role_user.assume_role_id.starts_with("AROA"));
    assert_eq!(output.credentials.expiration, NOW + 3600);

    let opened = opened(&output);
    let tags: std::collections::BTreeMap<_, _> = opened.session.tags.into_iter().collect();
    assert_eq!(
        tags.keys().map(String::as_str).collect::<Vec<_>>(),
        [
            "eks-cluster-arn",
            "eks-cluster-name",
            "kubernetes-namespace",
            "kubernetes-pod-name",
            "kubernetes-pod-uid",
            "kubernetes-service-account"
        ]
    );
    assert_eq!(tags["kubernetes-namespace"], "default");
    assert_eq!(tags["kubernetes-pod-uid"], "pod-uid");
    assert_eq!(
        tags["eks-cluster-arn"],
        "arn:aws:eks:us-west-2:111122223333:cluster/eksworkshop-eksctl"
    );
}

#[test]
fn refusals_name_eks_auths_codes() {
    let world = world();
    let with = |change: fn(&mut Token)| {
        let mut token = Token::of("default", "pi-test");
        change(&mut token);
        token.mint(&world)
    };
    // Name, token, and the code EKS Auth answers.
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "irsa_audience",
            with(|t| t.audience = "sts.amazonaws.com"),
            "InvalidTokenException",
        ),
        (
            "expired",
            with(|t| {
                t.issued_at = NOW - 7200;
                t.lifetime = 3600
            }),
            "ExpiredTokenException",
        ),
        ("not_a_jwt", "not-a-token".into(), "InvalidTokenException"),
        (
            "other_key",
            with(|t| t.other_key = true),
            "InvalidTokenException",
        ),
        (
            "deleted_pod",
            with(|t| t.pod = Some(("web", "old-uid"))),
            "InvalidTokenException",
        ),
        (
            "unknown_pod",
            with(|t| t.pod = Some(("nope", "x"))),
            "InvalidTokenException",
        ),
        (
            "no_association",
            with(|t| t.service_account = "default"),
            "ResourceNotFoundException",
        ),
        (
            "trust_lacks_tag_session",
            with(|t| t.service_account = "no-tag"),
            "AccessDeniedException",
        ),
        (
            "trust_condition_fails",
            with(|t| {
                t.namespace = "other";
                t.service_account = "conditioned";
                t.pod = None
            }),
            "AccessDeniedException",
        ),
        (
            "role_gone",
            with(|t| t.service_account = "gone"),
            "AccessDeniedException",
        ),
    ];
    for (name, token, code) in cases {
        let err = run(&world, &token)
            .map(|o| o.assumed_role_user.arn)
            .expect_err(name);
        assert_eq!(err.code().0, code, "{name}: {err}");
    }
    // The condition that refused `other` lets `default` in; a token bound to no pod has
    // no pod to check, and no pod tags.
    let unbound = with(|t| {
        t.service_account = "conditioned";
        t.pod = None;
    });
    let output = run(&world, &unbound).unwrap();
    assert!(output
        .assumed_role_user
        .arn
        .contains("/eks-eksworkshop-eksctl-conditioned-"));
    let unknown_cluster = {
        let secret = CredentialSecret::from_bytes(&[7; 32]);
        let services = Services {
            world: &world,
            keys: &[],
            secret: &secret,
            now: NOW,
        };
        assume_role_for_pod_identity("nope", &unbound, &services).unwrap_err()
    };
    assert_eq!(unknown_cluster.code().0, "ResourceNotFoundException");
}

#[test]
fn disabled_session_tags_need_no_tag_session() {
    let mut world = world();
    let cluster = world.cluster_mut(CLUSTER).unwrap();
    let mut association = cluster
        .pod_identity_association("default", "no-tag")
        .unwrap()
        .clone();
    association.disable_session_tags = true;
    *cluster
        .pod_identity_associations
        .get_mut("default/no-tag")
        .unwrap() = association;
    let output = run(&world, &Token::of("default", "no-tag").mint(&world)).unwrap();
    let opened = opened(&output);
    assert!(opened.session.tags.is_empty());
}
