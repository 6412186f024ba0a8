//! Every key the server holds: each cluster's signing keys, and the public keys of each
//! IAM OIDC provider that STS verifies tokens with — the cluster's own keys when the
//! provider is one of the world's clusters, else the JWKS the world gives for it.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use jsonwebtoken::jwk::JwkSet;

use super::keys::{key_dir, load_cluster_keys, KeyError, KeySet};
use super::verify::{ProviderKeys, VerificationKey};
use crate::world::{OidcProvider, World};

/// Keys by cluster name and by provider URL. A keyring is immutable; a change to the
/// world's clusters or providers builds the next one with [`Keyring::rebuild`], which
/// shares the key sets of clusters that stay.
#[derive(Debug, Default, Clone)]
pub struct Keyring {
    by_cluster: HashMap<String, Arc<KeySet>>,
    /// Provider URL → its JWKS keys, for providers that are not clusters.
    by_provider: HashMap<String, Vec<VerificationKey>>,
    /// Provider URL → cluster name, for providers that are clusters.
    provider_cluster: HashMap<String, String>,
}

impl Keyring {
    /// Loads each cluster's keys (the world's PEM files, then the data dir's, generating and
    /// persisting one when a cluster has none) and each provider's JWKS.
    pub fn load(world: &World, data_dir: &Path) -> Result<Self, KeyError> {
        Self::default().rebuild(world, data_dir)
    }

    /// The keyring for `world`: this keyring's key sets for the clusters it already has,
    /// loaded (or generated) ones for new clusters, and every provider mapped afresh.
    pub fn rebuild(&self, world: &World, data_dir: &Path) -> Result<Self, KeyError> {
        let mut keyring = Self::default();
        for cluster in &world.clusters {
            let name = cluster.name.as_str();
            let set = match self.by_cluster.get(name) {
                Some(set) => Arc::clone(set),
                None => Arc::new(load_cluster_keys(
                    &cluster.signing_keys,
                    &key_dir(data_dir, name),
                )?),
            };
            keyring.by_cluster.insert(name.to_owned(), set);
        }
        for provider in &world.oidc_providers {
            let url = provider.url.as_str().to_owned();
            match world
                .clusters
                .iter()
                .find(|c| c.oidc_issuer == provider.url)
            {
                Some(cluster) => {
                    keyring
                        .provider_cluster
                        .insert(url, cluster.name.to_string());
                }
                None => {
                    if let Some(keys) = provider_jwks(provider)? {
                        keyring.by_provider.insert(url, keys);
                    }
                }
            }
        }
        Ok(keyring)
    }

    /// The key set of the named cluster.
    pub fn cluster(&self, name: &str) -> Option<&KeySet> {
        self.by_cluster.get(name).map(Arc::as_ref)
    }
}

impl ProviderKeys for Keyring {
    fn keys_for(&self, url: &str) -> Result<&[VerificationKey], String> {
        if let Some(set) = self
            .provider_cluster
            .get(url)
            .and_then(|name| self.by_cluster.get(name))
        {
            return Ok(set.verification_keys());
        }
        self.by_provider.get(url).map(Vec::as_slice).ok_or_else(|| {
            format!(
                "{url} is not the issuer of a cluster in this world and the world gives no \
                 JWKS for it (oidcProviders[].jwks or jwksFile)"
            )
        })
    }
}

/// The provider's JWKS from the world, if it gives one; a JWKS that does not parse stops
/// the server.
fn provider_jwks(provider: &OidcProvider) -> Result<Option<Vec<VerificationKey>>, KeyError> {
    let fail = |reason: String| KeyError::Jwks {
        provider: provider.url.to_string(),
        reason,
    };
    let document = match (&provider.jwks, &provider.jwks_file) {
        (Some(inline), _) => inline.clone(),
        (None, Some(path)) => {
            let text = std::fs::read_to_string(path)
                .map_err(|err| fail(format!("cannot read {}: {err}", path.display())))?;
            serde_json::from_str(&text)
                .map_err(|err| fail(format!("{} is not JSON: {err}", path.display())))?
        }
        (None, None) => return Ok(None),
    };
    let set: JwkSet =
        serde_json::from_value(document).map_err(|err| fail(format!("not a JWKS: {err}")))?;
    let keys = set
        .keys
        .iter()
        .map(VerificationKey::from_jwk)
        .collect::<Result<Vec<_>, _>>()
        .map_err(fail)?;
    Ok(Some(keys))
}
