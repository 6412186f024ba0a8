//! The role eksctl would make for a service account: its trust policy, and the name
//! CloudFormation gives it when eksctl names none.

use rand::Rng;
use serde_json::json;

use crate::world::{ClusterName, Namespace, ServiceAccountName};

/// The audience the trust policy requires, as eksctl writes it.
pub const AUDIENCE: &str = "sts.amazonaws.com";
/// IAM's limit on a role name.
pub const MAX_ROLE_NAME: usize = 64;
/// CloudFormation's logical id for the role in eksctl's stack.
const ROLE_LOGICAL_ID: &str = "Role1";
/// The length of the random tail CloudFormation gives a generated name.
pub const SUFFIX_LENGTH: usize = 12;

/// The trust policy eksctl writes for a service account's role (its
/// `MakeAssumeRolePolicyDocumentWithServiceAccountConditions`).
pub fn trust_policy(
    provider_arn: &str,
    issuer: &str,
    namespace: &Namespace,
    name: &ServiceAccountName,
) -> serde_json::Value {
    let issuer = without_scheme(issuer);
    json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": { "Federated": provider_arn },
            "Action": "sts:AssumeRoleWithWebIdentity",
            "Condition": {
                "StringEquals": {
                    format!("{issuer}:sub"): format!("system:serviceaccount:{namespace}:{name}"),
                    format!("{issuer}:aud"): AUDIENCE,
                }
            }
        }]
    })
}

/// The name CloudFormation gives the role of eksctl's stack
/// `eksctl-<cluster>-addon-iamserviceaccount-<namespace>-<name>`: the stack name cut so
/// that `<stack>-Role1-<suffix>` fits IAM's 64 characters (as in
/// `eksctl-eksworkshop-eksctl-addon-iamserviceacc-Role1-…`), a cut never leaving a dash
/// before `-Role1`.
pub fn default_role_name(
    cluster: &ClusterName,
    namespace: &Namespace,
    name: &ServiceAccountName,
    suffix: &str,
) -> String {
    let stack = format!("eksctl-{cluster}-addon-iamserviceaccount-{namespace}-{name}");
    let budget = MAX_ROLE_NAME.saturating_sub(ROLE_LOGICAL_ID.len() + 2 + suffix.len());
    let head: String = stack.chars().take(budget).collect();
    format!(
        "{}-{ROLE_LOGICAL_ID}-{suffix}",
        head.trim_end_matches(['-', '.'])
    )
}

/// A random tail like CloudFormation's: letters and digits.
pub fn random_suffix() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut rng = rand::thread_rng();
    (0..SUFFIX_LENGTH)
        .map(|_| char::from(ALPHABET[rng.gen_range(0..ALPHABET.len())]))
        .collect()
}

/// Whether the IAM OIDC provider `arn` (`arn:aws:iam::<account>:oidc-provider/<url>`) is
/// the one for `issuer`: its URL is the issuer's without the scheme, exactly.
pub fn is_provider_of(arn: &str, issuer: &str) -> bool {
    arn.split_once(":oidc-provider/")
        .is_some_and(|(_, url)| url == without_scheme(issuer))
}

fn without_scheme(url: &str) -> &str {
    url.strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .unwrap_or(url)
}
