use super::role::{is_provider_of, random_suffix, MAX_ROLE_NAME, SUFFIX_LENGTH};
use super::*;

const ISSUER: &str = "https://oidc.eks.us-west-2.amazonaws.com/id/80D562ED8026E91294D52E09BEA261D4";
const PROVIDER: &str = "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/80D562ED8026E91294D52E09BEA261D4";

fn names(
    cluster: &str,
    namespace: &str,
    name: &str,
) -> (ClusterName, Namespace, ServiceAccountName) {
    (
        ClusterName::try_from(cluster.to_owned()).expect("cluster name"),
        Namespace::try_from(namespace.to_owned()).expect("namespace"),
        ServiceAccountName::try_from(name.to_owned()).expect("service account name"),
    )
}

/// The document eksctl's `MakeAssumeRolePolicyDocumentWithServiceAccountConditions` gives,
/// key for key.
#[test]
fn trust_policy_is_eksctls() {
    let (_, namespace, name) = names("c", "apps", "s3-reader");
    let policy = trust_policy(PROVIDER, ISSUER, &namespace, &name);
    let want = concat!(
        r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","#,
        r#""Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/80D562ED8026E91294D52E09BEA261D4"},"#,
        r#""Action":"sts:AssumeRoleWithWebIdentity","#,
        r#""Condition":{"StringEquals":{"#,
        r#""oidc.eks.us-west-2.amazonaws.com/id/80D562ED8026E91294D52E09BEA261D4:sub":"system:serviceaccount:apps:s3-reader","#,
        r#""oidc.eks.us-west-2.amazonaws.com/id/80D562ED8026E91294D52E09BEA261D4:aud":"sts.amazonaws.com"}}}]}"#,
    );
    assert_eq!(policy.to_string(), want);
}

/// The trust policy parses under the crate's own policy grammar, as the server will parse it.
#[test]
fn trust_policy_parses_as_a_trust_policy() {
    let (_, namespace, name) = names("c", "apps", "s3-reader");
    let text = trust_policy(PROVIDER, ISSUER, &namespace, &name).to_string();
    let parsed = crate::policy::parse(&text, crate::policy::PolicyKind::Trust);
    assert!(parsed.is_ok(), "{parsed:?}");
}

#[test]
fn default_role_names() {
    let suffix = "AbCdEf012345";
    let cases = [
        // Matches the shape of real eksctl roles, e.g. eksctl-eksworkshop-eksctl-addon-iamserviceac-Role1-….
        (
            "workshop_cluster_cut_to_64",
            ("eksworkshop-eksctl", "apps", "s3-reader"),
            "eksctl-eksworkshop-eksctl-addon-iamserviceacc-Role1-AbCdEf012345",
        ),
        (
            "short_names_kept_whole",
            ("c", "ns", "sa"),
            "eksctl-c-addon-iamserviceaccount-ns-sa-Role1-AbCdEf012345",
        ),
        (
            "cut_never_leaves_a_dash",
            ("abcdefghijklmnopqr", "apps-x", "s"),
            "eksctl-abcdefghijklmnopqr-addon-iamserviceacc-Role1-AbCdEf012345",
        ),
        (
            "long_cluster_name",
            (
                "a-cluster-name-that-is-much-longer-than-the-budget-allows",
                "ns",
                "sa",
            ),
            "eksctl-a-cluster-name-that-is-much-longer-tha-Role1-AbCdEf012345",
        ),
    ];
    for (name, (cluster, namespace, account), want) in cases {
        let (cluster, namespace, account) = names(cluster, namespace, account);
        let role = default_role_name(&cluster, &namespace, &account, suffix);
        assert_eq!(role, want, "case {name}");
        assert!(
            role.len() <= MAX_ROLE_NAME,
            "case {name}: {} characters",
            role.len()
        );
        assert!(
            RoleName::try_from(role).is_ok(),
            "case {name}: not an IAM role name"
        );
    }
}

#[test]
fn random_suffixes_are_letters_and_digits() {
    let first = random_suffix();
    assert_eq!(first.len(), SUFFIX_LENGTH);
    assert!(first.bytes().all(|b| b.is_ascii_alphanumeric()), "{first}");
    assert_ne!(first, random_suffix(), "two suffixes in a row differ");
}

#[test]
fn providers_match_the_issuer_exactly() {
    let cases = [
        ("same_url", PROVIDER, true),
        (
            "other_id",
            "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/OTHER",
            false,
        ),
        (
            "longer_url",
            "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/80D562ED8026E91294D52E09BEA261D4/x",
            false,
        ),
        ("not_a_provider_arn", "arn:aws:iam::111122223333:role/x", false),
    ];
    for (name, arn, want) in cases {
        assert_eq!(is_provider_of(arn, ISSUER), want, "case {name}");
    }
}

#[test]
fn progress_reads_like_eksctl() {
    let cases = [
        (
            "created",
            Progress::CreatedServiceAccount {
                service_account: "apps/s3-reader".to_owned(),
            },
            "created serviceaccount \"apps/s3-reader\"",
            false,
        ),
        (
            "excluded",
            Progress::ExcludedExisting {
                service_account: "default/iam-test".to_owned(),
            },
            "1 existing iamserviceaccount(s) (default/iam-test) will be excluded; serviceaccounts that exist in Kubernetes will be excluded, use --override-existing-serviceaccounts to override",
            true,
        ),
    ];
    for (name, progress, want, warning) in cases {
        assert_eq!(progress.to_string(), want, "case {name}");
        assert_eq!(progress.is_warning(), warning, "case {name}");
    }
}

#[test]
fn no_provider_says_how_to_create_one() {
    let error = CreateError::NoProvider {
        cluster: "second".to_owned(),
        issuer: ISSUER.to_owned(),
        endpoint_url: "http://127.0.0.1:4772".to_owned(),
    };
    let text = error.to_string();
    assert!(
        text.starts_with("no IAM OIDC provider associated with cluster \"second\""),
        "{text}"
    );
    assert!(
        text.contains(&format!("aws iam create-open-id-connect-provider --url {ISSUER} --client-id-list sts.amazonaws.com --endpoint-url http://127.0.0.1:4772")),
        "{text}"
    );
    assert_eq!(error.exit_code(), 1);
}

#[test]
fn a_failed_attachment_says_whether_the_role_was_undone() {
    let refusal = |code: &str| {
        Box::new(ClientError::Aws {
            operation: "AttachRolePolicy",
            status: 404,
            code: code.to_owned(),
            message: "Policy arn:aws:iam::aws:policy/Nope does not exist or is not attachable."
                .to_owned(),
            reason: None,
        })
    };
    let cases = [
        ("undone", None, "; the role was deleted again"),
        (
            "left_behind",
            Some(refusal("DeleteConflict")),
            "so delete it with 'aws iam delete-role --role-name r' after detaching its policies",
        ),
    ];
    for (name, cleanup, want) in cases {
        let error = CreateError::Attach {
            role: "r".to_owned(),
            policy_arn: "arn:aws:iam::aws:policy/Nope".to_owned(),
            source: refusal("NoSuchEntity"),
            cleanup,
        };
        let text = error.to_string();
        assert!(
            text.starts_with("policy arn:aws:iam::aws:policy/Nope could not be attached to IAM role \"r\": An error occurred (NoSuchEntity)"),
            "case {name}: {text}"
        );
        assert!(text.ends_with(want), "case {name}: {text}");
    }
}
