//! The world file's entities. Every name is a checked newtype, so a `World` that
//! deserialized is already well-formed field by field; `load` adds the checks that span
//! several entities (uniqueness, references).

use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use super::names;
use super::table::{Keyed, Table};
use crate::policy::{self, Policy, PolicyKind};

/// The emulated AWS account and everything in it.
///
/// The entities a world can hold by the thousand (roles, policies, providers, service
/// accounts, pods) are [`Table`]s: copying the world for a change is cheap, a lookup by
/// key is O(log n), and each table knows which keys a change touched, so the cost of a
/// write does not grow with the world.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct World {
    pub account: Account,
    /// Long-term credentials of the account's root user (the administrator).
    #[serde(default)]
    pub admin_credentials: Vec<AdminCredential>,
    /// EKS clusters; the first one is the default cluster that `/api/v1/…` and the
    /// root discovery document serve.
    pub clusters: Vec<Cluster>,
    #[serde(default)]
    pub oidc_providers: Table<OidcProvider>,
    #[serde(default)]
    pub managed_policies: Table<ManagedPolicy>,
    #[serde(default)]
    pub roles: Table<Role>,
    #[serde(default)]
    pub buckets: Vec<Bucket>,
}

/// Account id and home region.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Account {
    pub id: AccountId,
    pub region: Region,
}

/// An access key pair that signs as the account's root user.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AdminCredential {
    pub access_key_id: AccessKeyId,
    pub secret_access_key: SecretString,
}

/// An EKS cluster: its issuer, the keys that sign its tokens, its service accounts.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Cluster {
    pub name: ClusterName,
    pub oidc_issuer: IssuerUrl,
    /// Audiences of a TokenRequest that names none (kube-apiserver `--api-audiences`).
    #[serde(default = "default_api_audiences")]
    pub api_audiences: Vec<String>,
    /// PEM files (PKCS#8 or PKCS#1 RSA private keys), oldest first, relative to the world
    /// file. Keys generated or rotated into the data dir come after these.
    #[serde(default)]
    pub signing_keys: Vec<PathBuf>,
    #[serde(default)]
    pub service_accounts: Table<ServiceAccount>,
    /// When the cluster was created (`2024-01-02T03:04:05Z`); the server's start when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_date: Option<String>,
    /// The Kubernetes version DescribeCluster reports; [`DEFAULT_KUBERNETES_VERSION`] when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The cluster's IAM role (CreateCluster's `roleArn`); an eksctl-style name when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_arn: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// Namespaces created through the Kubernetes API, beside the built-in ones and those
    /// the service accounts live in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespaces: Vec<Namespace>,
    /// Pods created through the Kubernetes API, each as kube-apiserver stored it (defaulted,
    /// admitted and mutated), in creation order.
    #[serde(default, skip_serializing_if = "Table::is_empty")]
    pub pods: Table<serde_json::Value>,
    /// EKS Pod Identity associations: at most one per (namespace, service account).
    #[serde(default, skip_serializing_if = "Table::is_empty")]
    pub pod_identity_associations: Table<PodIdentityAssociation>,
    /// Events the node recorded about its pods, newest last; not saved (Kubernetes keeps
    /// events an hour), and at most [`MAX_EVENTS`].
    #[serde(skip)]
    pub events: Vec<Arc<serde_json::Value>>,
    /// The last resourceVersion given to a change of the cluster's pods, deletions
    /// included, so that versions only grow while the server runs (a restart starts again
    /// from the largest saved pod's).
    #[serde(skip)]
    pub resource_version: u64,
}

/// The most events a cluster keeps; the oldest go first.
pub const MAX_EVENTS: usize = 1000;

/// The Kubernetes version of a cluster that names none.
pub const DEFAULT_KUBERNETES_VERSION: &str = "1.31";

/// A Kubernetes ServiceAccount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ServiceAccount {
    pub namespace: Namespace,
    pub name: ServiceAccountName,
    /// Kubernetes object uid; derived from the names when absent.
    #[serde(default)]
    pub uid: Option<String>,
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub labels: BTreeMap<String, String>,
    /// `metadata.creationTimestamp`; the server's start when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_date: Option<String>,
}

/// An EKS Pod Identity association: pods of `namespace/service_account` in its cluster get
/// credentials for `role_arn` from the EKS Auth API.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PodIdentityAssociation {
    /// `a-` and 17 lowercase letters and digits.
    pub association_id: String,
    pub namespace: Namespace,
    pub service_account: ServiceAccountName,
    pub role_arn: String,
    /// A role in another account that the association's role chains into.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_role_arn: Option<String>,
    /// The external id EKS uses when it chains into the target role.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    /// A session policy applied to the credentials.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub policy: Option<String>,
    /// Leaves EKS's six session tags off the credentials.
    #[serde(default)]
    pub disable_session_tags: bool,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
    /// The add-on that created the association, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner_arn: Option<String>,
    /// Epoch seconds.
    pub created_at: u64,
    /// Epoch seconds.
    pub modified_at: u64,
}

/// An IAM OpenID Connect identity provider.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct OidcProvider {
    pub url: IssuerUrl,
    pub client_ids: Vec<String>,
    #[serde(default)]
    pub thumbprints: Vec<String>,
    /// The issuer's JWKS, for a provider that is not one of the world's clusters (a kind
    /// cluster, a CI system's issuer): inline…
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks: Option<serde_json::Value>,
    /// …or in a file, relative to the world file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_file: Option<PathBuf>,
    /// When the provider was created; the server's start when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_date: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

/// A managed policy: AWS's (`arn:aws:iam::aws:policy/…`) or the account's own.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ManagedPolicy {
    pub arn: String,
    /// IAM's `ANPA…` id.
    pub policy_id: String,
    #[serde(default = "default_version_id")]
    pub default_version_id: String,
    #[serde(default)]
    pub description: Option<String>,
    /// When AWS created the policy (`2015-02-06T18:40:59Z`); the load time when absent.
    #[serde(default)]
    pub create_date: Option<String>,
    /// When its default version was set.
    #[serde(default)]
    pub update_date: Option<String>,
    pub document: PermissionsPolicyDocument,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

/// An IAM role.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Role {
    pub name: RoleName,
    #[serde(default = "default_path")]
    pub path: IamPath,
    #[serde(default)]
    pub description: Option<String>,
    pub assume_role_policy_document: TrustPolicyDocument,
    #[serde(default)]
    pub attached_policy_arns: Vec<String>,
    #[serde(default)]
    pub inline_policies: BTreeMap<String, PermissionsPolicyDocument>,
    /// Seconds, 3600 to 43200.
    #[serde(default = "default_max_session_duration")]
    pub max_session_duration: u32,
    /// IAM's `AROA…` id; derived from the account and name when absent (a world file's
    /// roles), random for a role created through the API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role_id: Option<String>,
    /// When the role was created; the server's start when absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_date: Option<String>,
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: BTreeMap<String, String>,
}

/// An S3 bucket.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Bucket {
    pub name: BucketName,
}

fn default_api_audiences() -> Vec<String> {
    vec!["https://kubernetes.default.svc".to_owned()]
}

fn default_version_id() -> String {
    "v1".to_owned()
}

fn default_path() -> IamPath {
    IamPath("/".to_owned())
}

fn default_max_session_duration() -> u32 {
    3600
}

/// Declares a string newtype whose only constructor runs `check`, so holding one proves
/// the value is well-formed.
macro_rules! checked_string {
    ($(#[$doc:meta])* $name:ident, $check:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(value: String) -> Result<Self, String> {
                ($check)(value.as_str())?;
                Ok(Self(value))
            }
        }

        impl From<$name> for String {
            fn from(value: $name) -> String {
                value.0
            }
        }

        impl $name {
            /// The checked value.
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

checked_string!(
    /// Twelve digits.
    AccountId,
    names::account_id
);
checked_string!(
    /// A region name such as `us-west-2`.
    Region,
    names::region
);
checked_string!(
    /// An EKS cluster name.
    ClusterName,
    names::cluster_name
);
checked_string!(
    /// A Kubernetes namespace (DNS-1123 label).
    Namespace,
    names::dns1123_label
);
checked_string!(
    /// A Kubernetes service account name (DNS-1123 subdomain).
    ServiceAccountName,
    names::dns1123_subdomain
);
checked_string!(
    /// An IAM role name.
    RoleName,
    |v| names::iam_name(v, 64)
);
checked_string!(
    /// An IAM path such as `/` or `/team/`.
    IamPath,
    names::iam_path
);
checked_string!(
    /// An S3 bucket name.
    BucketName,
    names::bucket_name
);
checked_string!(
    /// An access key id: 1 to 128 letters and digits.
    AccessKeyId,
    |v: &str| {
        if !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_alphanumeric()) {
            Ok(())
        } else {
            Err(format!("access key id {v:?} must be 1 to 128 letters and digits"))
        }
    }
);
checked_string!(
    /// An OIDC issuer URL: `http(s)://host[:port][/path]`, no query or fragment. Compared
    /// byte for byte (a trailing slash is significant), as STS compares `iss`.
    IssuerUrl,
    check_issuer_url
);

impl IssuerUrl {
    /// The URL without its scheme: the tail of the IAM OIDC provider ARN and the prefix of
    /// its condition keys (`oidc.eks.…/id/X:sub`).
    pub fn without_scheme(&self) -> &str {
        self.0
            .strip_prefix("https://")
            .or_else(|| self.0.strip_prefix("http://"))
            .unwrap_or(&self.0)
    }

    /// The last path segment (`80D5…` for an EKS issuer), under which the server publishes
    /// this issuer's discovery document at `/id/<segment>/…`. `None` for a bare host.
    pub fn path_id(&self) -> Option<&str> {
        let rest = self.without_scheme();
        let path = rest.split_once('/').map_or("", |(_, path)| path);
        path.rsplit('/').find(|segment| !segment.is_empty())
    }
}

fn check_issuer_url(value: &str) -> Result<(), String> {
    let rest = value
        .strip_prefix("https://")
        .or_else(|| value.strip_prefix("http://"))
        .ok_or_else(|| format!("issuer URL {value:?} must start with https:// (or http://)"))?;
    let host = rest.split('/').next().unwrap_or_default();
    if host.is_empty() {
        return Err(format!("issuer URL {value:?} has no host"));
    }
    if value.contains(['?', '#']) {
        return Err(format!(
            "issuer URL {value:?} must not contain a query or fragment"
        ));
    }
    if value.len() > 255 || !value.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!(
            "issuer URL {value:?} must be at most 255 printable ASCII characters"
        ));
    }
    Ok(())
}

/// A secret whose `Debug` never prints it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct SecretString(String);

impl SecretString {
    /// Wraps `secret`.
    pub fn new(secret: String) -> Self {
        Self(secret)
    }

    /// The secret itself; call only where it is used for a MAC or signature.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretString(<redacted>)")
    }
}

/// Declares a policy document type: the JSON as given and the policy parsed from it under
/// one grammar, so a document in the world has always been parsed, exactly once.
macro_rules! policy_document {
    ($(#[$doc:meta])* $name:ident, $kind:expr) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Serialize, Deserialize)]
        #[serde(try_from = "serde_json::Value", into = "serde_json::Value")]
        pub struct $name {
            json: serde_json::Value,
            policy: Policy,
        }

        impl TryFrom<serde_json::Value> for $name {
            type Error = String;
            fn try_from(json: serde_json::Value) -> Result<Self, String> {
                let policy = policy::parse_value(&json, $kind).map_err(|err| err.to_string())?;
                Ok(Self { json, policy })
            }
        }

        impl From<$name> for serde_json::Value {
            fn from(document: $name) -> Self {
                document.json
            }
        }

        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.json == other.json
            }
        }

        impl $name {
            /// The document as JSON, as it was given.
            pub fn as_json(&self) -> &serde_json::Value {
                &self.json
            }

            /// The parsed policy.
            pub fn policy(&self) -> &Policy {
                &self.policy
            }
        }
    };
}

policy_document!(
    /// A role's trust policy (who may assume it).
    TrustPolicyDocument,
    PolicyKind::Trust
);
policy_document!(
    /// An identity-based policy: a managed policy's document or a role's inline policy.
    PermissionsPolicyDocument,
    PolicyKind::Identity
);

impl Keyed for Role {
    /// Role names are unique regardless of case, and IAM finds them so.
    fn key(&self) -> String {
        self.name.as_str().to_ascii_lowercase()
    }
}

impl Keyed for ManagedPolicy {
    fn key(&self) -> String {
        self.arn.clone()
    }
}

impl Keyed for OidcProvider {
    fn key(&self) -> String {
        self.url.as_str().to_owned()
    }
}

impl Keyed for ServiceAccount {
    /// `namespace/name`.
    fn key(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}

impl Keyed for PodIdentityAssociation {
    /// `namespace/service account`: one association each.
    fn key(&self) -> String {
        format!("{}/{}", self.namespace, self.service_account)
    }
}

/// A stored pod: `namespace/name`.
impl Keyed for serde_json::Value {
    fn key(&self) -> String {
        let text = |pointer| self.pointer(pointer).and_then(serde_json::Value::as_str);
        format!(
            "{}/{}",
            text("/metadata/namespace").unwrap_or(""),
            text("/metadata/name").unwrap_or("")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn issuer_urls() {
        let eks = "https://oidc.eks.us-west-2.amazonaws.com/id/80D562ED8026E91294D52E09BEA261D4";
        let cases = [
            (
                "eks",
                eks,
                Some((
                    "oidc.eks.us-west-2.amazonaws.com/id/80D562ED8026E91294D52E09BEA261D4",
                    Some("80D562ED8026E91294D52E09BEA261D4"),
                )),
            ),
            (
                "bare_host",
                "https://issuer.example",
                Some(("issuer.example", None)),
            ),
            (
                "http_with_port",
                "http://localhost:4772/id/ABC",
                Some(("localhost:4772/id/ABC", Some("ABC"))),
            ),
            (
                "trailing_slash_kept",
                "https://auth.example/",
                Some(("auth.example/", None)),
            ),
            ("no_scheme", "oidc.example/id/X", None),
            ("ftp", "ftp://oidc.example", None),
            ("empty_host", "https:///id/X", None),
            ("query", "https://oidc.example/?a=b", None),
            ("fragment", "https://oidc.example/#x", None),
            ("space", "https://oidc example", None),
        ];
        for (name, input, want) in cases {
            let parsed = IssuerUrl::try_from(input.to_owned()).ok();
            let got = parsed
                .as_ref()
                .map(|url| (url.without_scheme(), url.path_id()));
            assert_eq!(got, want, "case {name}");
        }
    }

    #[test]
    fn secret_debug_is_redacted() {
        let secret = SecretString("hunter2".to_owned());
        assert!(!format!("{secret:?}").contains("hunter2"));
    }
}
