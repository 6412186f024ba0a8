//! The emulated account: clusters and their service accounts, IAM OIDC providers, roles,
//! managed policies, buckets and admin credentials. Loaded from a world file (or the
//! embedded default), checked whole before the server starts.

pub mod diff;
#[cfg(test)]
pub mod fixtures;
mod load;
mod model;
pub mod names;
pub mod table;

use sha2::{Digest, Sha256};

#[cfg(test)]
pub use load::saved_json;
pub use load::{
    fingerprint, load_default, load_file, parse, parse_saved, parse_saved_value, validate,
    validate_changed, LoadError, DEFAULT_WORLD_JSON,
};
pub use model::{
    AccessKeyId, Account, AccountId, AdminCredential, Bucket, BucketName, Cluster, ClusterName,
    IamPath, IssuerUrl, ManagedPolicy, Namespace, OidcProvider, PermissionsPolicyDocument,
    PodIdentityAssociation, Region, Role, RoleName, SecretString, ServiceAccount,
    ServiceAccountName, TrustPolicyDocument, World, DEFAULT_KUBERNETES_VERSION, MAX_EVENTS,
};

impl World {
    /// The role whose ARN (in this account) is `arn`.
    pub fn role_by_arn(&self, arn: &str) -> Option<&Role> {
        let account = self.account.id.as_str();
        self.roles
            .iter()
            .map(std::sync::Arc::as_ref)
            .find(|role| role.arn(account) == arn)
    }

    /// The cluster that `/api/v1/…` and the root discovery document serve: the first one.
    pub fn default_cluster(&self) -> &Cluster {
        // `load` refuses a world without clusters.
        &self.clusters[0]
    }

    /// The cluster with this name.
    pub fn cluster(&self, name: &str) -> Option<&Cluster> {
        self.clusters.iter().find(|c| c.name.as_str() == name)
    }

    /// The cluster named `name`, to change.
    pub fn cluster_mut(&mut self, name: &str) -> Option<&mut Cluster> {
        self.clusters.iter_mut().find(|c| c.name.as_str() == name)
    }

    /// The named cluster, or the default one when no name is given; `Err` carries a name
    /// the world does not have.
    pub fn cluster_or_default(&self, name: Option<&str>) -> Result<&Cluster, String> {
        match name {
            None => Ok(self.default_cluster()),
            Some(name) => self.cluster(name).ok_or_else(|| name.to_owned()),
        }
    }

    /// The cluster whose issuer's last path segment is `id` (`/id/<id>/keys`).
    pub fn cluster_by_path_id(&self, id: &str) -> Option<&Cluster> {
        self.clusters
            .iter()
            .find(|c| c.oidc_issuer.path_id() == Some(id))
    }
}

impl World {
    /// `arn:aws:iam::<account>:oidc-provider/<url without scheme>`.
    pub fn oidc_provider_arn(&self, provider: &OidcProvider) -> String {
        format!(
            "arn:aws:iam::{}:oidc-provider/{}",
            self.account.id,
            provider.url.without_scheme()
        )
    }
}

impl Role {
    /// `arn:aws:iam::<account>:role<path><name>`.
    pub fn arn(&self, account_id: &str) -> String {
        format!("arn:aws:iam::{account_id}:role{}{}", self.path, self.name)
    }

    /// The role's unique id: the stored one, else `AROA` and 17 characters derived from
    /// the account and name (stable across restarts for a world file's roles).
    pub fn role_id(&self, account_id: &str) -> String {
        if let Some(id) = &self.role_id {
            return id.clone();
        }
        const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        let digest = Sha256::digest(format!("role\0{account_id}\0{}", self.name).as_bytes());
        let tail: String = digest
            .iter()
            .take(17)
            .map(|b| char::from(ALPHABET[usize::from(b % 32)]))
            .collect();
        format!("AROA{tail}")
    }

    /// The parsed trust policy.
    pub fn trust_policy(&self) -> &crate::policy::Policy {
        self.assume_role_policy_document.policy()
    }
}

impl Cluster {
    /// The declared service account `namespace/name`, if any.
    pub fn service_account(&self, namespace: &str, name: &str) -> Option<&ServiceAccount> {
        self.service_accounts
            .get(&format!("{namespace}/{name}"))
            .map(std::sync::Arc::as_ref)
    }

    /// The Pod Identity association of `namespace/service_account`, if any.
    pub fn pod_identity_association(
        &self,
        namespace: &str,
        service_account: &str,
    ) -> Option<&PodIdentityAssociation> {
        self.pod_identity_associations
            .get(&format!("{namespace}/{service_account}"))
            .map(std::sync::Arc::as_ref)
    }

    /// The uid of `namespace/name`: the declared one, or one derived from the names so that
    /// an undeclared account gets the same uid in every token and on every start.
    pub fn service_account_uid(&self, namespace: &str, name: &str) -> String {
        self.service_account(namespace, name)
            .and_then(|sa| sa.uid.clone())
            .unwrap_or_else(|| {
                derived_uid(&["serviceaccount", self.name.as_str(), namespace, name])
            })
    }
}

/// A stable UUID-shaped uid (RFC 9562 version 8, name-based) for the given names.
pub fn derived_uid(names: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for name in names {
        hasher.update(name.as_bytes());
        hasher.update([0]);
    }
    let mut bytes: [u8; 16] = hasher.finalize()[..16].try_into().unwrap_or([0; 16]);
    bytes[6] = (bytes[6] & 0x0f) | 0x80;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    format_uuid(&bytes)
}

/// A random UUID (version 4), as Kubernetes uses for `jti`.
pub fn random_uuid() -> String {
    let mut bytes: [u8; 16] = rand::random();
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    format_uuid(&bytes)
}

/// `8-4-4-4-12` lowercase hex.
fn format_uuid(bytes: &[u8; 16]) -> String {
    let hex = crate::hex::encode(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

/// Splits a managed policy ARN into (path, name), checking that its owner is AWS or this
/// account: `arn:aws:iam::aws:policy/service-role/X` → (`/service-role/`, `X`).
pub fn split_policy_arn<'a>(arn: &'a str, account_id: &str) -> Result<(String, &'a str), String> {
    let rest = arn
        .strip_prefix("arn:aws:iam::")
        .ok_or_else(|| format!("{arn:?} is not an IAM policy ARN (arn:aws:iam::…:policy/…)"))?;
    let (owner, resource) = rest
        .split_once(':')
        .ok_or_else(|| format!("{arn:?} is not an IAM policy ARN"))?;
    if owner != "aws" && owner != account_id {
        return Err(format!(
            "{arn:?} belongs to account {owner}, not to aws or this account ({account_id})"
        ));
    }
    let path_and_name = resource
        .strip_prefix("policy/")
        .ok_or_else(|| format!("{arn:?} is not a policy ARN"))?;
    let (path, name) = match path_and_name.rsplit_once('/') {
        Some((path, name)) => (format!("/{path}/"), name),
        None => ("/".to_owned(), path_and_name),
    };
    names::iam_name(name, 128)?;
    names::iam_path(&path)?;
    Ok((path, name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_uids_are_stable_and_distinct() {
        let a = derived_uid(&["serviceaccount", "c", "default", "a"]);
        assert_eq!(a, derived_uid(&["serviceaccount", "c", "default", "a"]));
        assert_ne!(a, derived_uid(&["serviceaccount", "c", "default", "b"]));
        // The separator keeps ("ab","c") and ("a","bc") apart.
        assert_ne!(derived_uid(&["ab", "c"]), derived_uid(&["a", "bc"]));
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "8", "version nibble");
    }

    #[test]
    fn uuids_are_formatted_8_4_4_4_12() {
        let bytes: [u8; 16] = core::array::from_fn(|i| u8::try_from(i * 17).unwrap());
        assert_eq!(format_uuid(&bytes), "00112233-4455-6677-8899-aabbccddeeff");
    }

    #[test]
    fn random_uuids_have_version_4() {
        let id = random_uuid();
        assert_eq!(id.len(), 36);
        assert_eq!(&id[14..15], "4");
        assert_ne!(id, random_uuid());
    }

    #[test]
    fn policy_arns() {
        let cases = [
            (
                "aws_root_path",
                "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
                Some(("/", "AmazonS3ReadOnlyAccess")),
            ),
            (
                "aws_service_role_path",
                "arn:aws:iam::aws:policy/service-role/AmazonEKSPolicy",
                Some(("/service-role/", "AmazonEKSPolicy")),
            ),
            (
                "own_account",
                "arn:aws:iam::111122223333:policy/team/Mine",
                Some(("/team/", "Mine")),
            ),
            (
                "other_account",
                "arn:aws:iam::999999999999:policy/Theirs",
                None,
            ),
            ("role_not_policy", "arn:aws:iam::aws:role/X", None),
            ("not_iam", "arn:aws:s3:::bucket", None),
            ("empty_name", "arn:aws:iam::aws:policy/", None),
        ];
        for (name, arn, want) in cases {
            let got = split_policy_arn(arn, "111122223333").ok();
            let got = got.as_ref().map(|(path, n)| (path.as_str(), *n));
            assert_eq!(got, want, "case {name}");
        }
    }
}
