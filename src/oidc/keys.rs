//! RSA signing keys of each cluster's issuer: loaded from PEM files the world names and
//! from the data dir, generated on first start, rotated on demand. The JWKS publishes every
//! key; the newest signs. `kid` is derived from the public key as Kubernetes derives it.
//!
//! Signing goes straight to aws-lc-rs with the key pair parsed once: jsonwebtoken's signer
//! re-parses the DER private key on every call, which costs more than the signature itself.

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{RsaKeyPair, RSA_PKCS1_SHA256};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::RsaPrivateKey;
use serde::Serialize;
use sha2::{Digest, Sha256};

use super::verify::VerificationKey;
use crate::persist;
use crate::world::World;

/// Bits of a generated key.
const GENERATED_KEY_BITS: usize = 2048;

/// Why keys could not be loaded, generated or written.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{path}: cannot read signing key: {source}")]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not an RSA private key in PKCS#8 or PKCS#1 PEM: {reason}")]
    Parse { path: PathBuf, reason: String },
    #[error("{path}: RSA key has {bits} bits; 2048 to 4096 are accepted")]
    Size { path: PathBuf, bits: usize },
    #[error("{path}: cannot write signing key: {source}")]
    Write {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot generate an RSA key: {0}")]
    Generate(String),
    #[error("no cluster named {0:?} in the world")]
    UnknownCluster(String),
    #[error("oidcProviders {provider}: {reason}")]
    Jwks { provider: String, reason: String },
}

/// One RSA key pair with everything derived from it computed once.
pub struct SigningKey {
    kid: String,
    key_pair: RsaKeyPair,
    jwk: Jwk,
    verification: VerificationKey,
    origin: PathBuf,
}

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningKey")
            .field("kid", &self.kid)
            .field("origin", &self.origin)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Parses a PKCS#8 (`PRIVATE KEY`) or PKCS#1 (`RSA PRIVATE KEY`) PEM; `origin` names the
    /// file in errors.
    pub fn from_pem(pem: &str, origin: &Path) -> Result<Self, KeyError> {
        let parse_error = |reason: String| KeyError::Parse {
            path: origin.to_owned(),
            reason,
        };
        let private = RsaPrivateKey::from_pkcs8_pem(pem)
            .or_else(|pkcs8| {
                RsaPrivateKey::from_pkcs1_pem(pem).map_err(|pkcs1| format!("{pkcs8}; {pkcs1}"))
            })
            .map_err(parse_error)?;
        let bits = private.size() * 8;
        if !(2048..=4096).contains(&bits) {
            return Err(KeyError::Size {
                path: origin.to_owned(),
                bits,
            });
        }
        let pkcs8 = private
            .to_pkcs8_der()
            .map_err(|err| parse_error(err.to_string()))?;
        let key_pair =
            RsaKeyPair::from_pkcs8(pkcs8.as_bytes()).map_err(|err| parse_error(err.to_string()))?;
        let public = private.to_public_key();
        let spki = public
            .to_public_key_der()
            .map_err(|err| parse_error(err.to_string()))?;
        let kid = key_id(spki.as_bytes());
        let modulus = public.n().to_bytes_be();
        let exponent = public.e().to_bytes_be();
        let jwk = Jwk {
            kty: "RSA",
            e: URL_SAFE_NO_PAD.encode(&exponent),
            key_use: "sig",
            kid: kid.clone(),
            alg: "RS256",
            n: URL_SAFE_NO_PAD.encode(&modulus),
        };
        let verification =
            VerificationKey::rsa(Some(kid.clone()), &modulus, &exponent).map_err(parse_error)?;
        Ok(Self {
            kid,
            key_pair,
            jwk,
            verification,
            origin: origin.to_owned(),
        })
    }

    /// The key id: base64url(SHA-256(DER SubjectPublicKeyInfo)), as kube-apiserver derives it.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The file this key was read from.
    pub fn origin(&self) -> &Path {
        &self.origin
    }

    /// The public half as a JWK.
    pub fn jwk(&self) -> &Jwk {
        &self.jwk
    }

    /// The public half, as the token verifier takes it.
    pub fn verification_key(&self) -> &VerificationKey {
        &self.verification
    }

    /// RSASSA-PKCS1-v1_5 with SHA-256 over `message`.
    pub fn sign_rs256(&self, message: &[u8]) -> Result<Vec<u8>, KeyError> {
        let mut signature = vec![0; self.key_pair.public_modulus_len()];
        self.key_pair
            .sign(
                &RSA_PKCS1_SHA256,
                &SystemRandom::new(),
                message,
                &mut signature,
            )
            .map_err(|err| KeyError::Generate(err.to_string()))?;
        Ok(signature)
    }
}

/// Kubernetes' `keyIDFromPublicKey`: base64url without padding of SHA-256 over the DER
/// SubjectPublicKeyInfo.
pub fn key_id(spki_der: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(spki_der))
}

/// A JSON Web Key in the field order EKS serves.
#[derive(Debug, Clone, Serialize)]
pub struct Jwk {
    kty: &'static str,
    e: String,
    #[serde(rename = "use")]
    key_use: &'static str,
    kid: String,
    alg: &'static str,
    n: String,
}

/// The keys of one issuer, oldest first; never empty.
#[derive(Debug)]
pub struct KeySet {
    keys: Vec<SigningKey>,
    /// The JWKS body, serialized once: the keys never change while the set lives.
    jwks_json: String,
    /// The same keys as the STS verifier takes them.
    verification: Vec<VerificationKey>,
}

impl KeySet {
    /// A set of the given keys, oldest first.
    #[cfg(test)]
    pub(crate) fn from_keys(keys: Vec<SigningKey>) -> Self {
        assert!(!keys.is_empty(), "a key set needs a key");
        Self::new(keys)
    }

    fn new(keys: Vec<SigningKey>) -> Self {
        let jwks =
            serde_json::json!({ "keys": keys.iter().map(SigningKey::jwk).collect::<Vec<_>>() });
        let verification = keys.iter().map(|key| key.verification.clone()).collect();
        Self {
            jwks_json: jwks.to_string(),
            verification,
            keys,
        }
    }

    /// The key that signs new tokens: the newest.
    pub fn signing(&self) -> &SigningKey {
        // `load_cluster_keys` never builds an empty set.
        &self.keys[self.keys.len() - 1]
    }

    /// The key with this `kid`.
    pub fn find(&self, kid: &str) -> Option<&SigningKey> {
        self.keys.iter().find(|key| key.kid == kid)
    }

    /// Every key, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &SigningKey> {
        self.keys.iter()
    }

    /// The public keys for token verification.
    pub fn verification_keys(&self) -> &[VerificationKey] {
        &self.verification
    }

    /// The JWKS document body: `{"keys":[…]}`.
    pub fn jwks_json(&self) -> &str {
        &self.jwks_json
    }
}

/// Adds a new key for `cluster` to the data dir; it becomes the signing key on the next
/// start, and the older keys stay published. Returns the new key's `kid`.
pub fn rotate(world: &World, data_dir: &Path, cluster: &str) -> Result<String, KeyError> {
    if world.cluster(cluster).is_none() {
        return Err(KeyError::UnknownCluster(cluster.to_owned()));
    }
    let key = generate_into(&key_dir(data_dir, cluster))?;
    Ok(key.kid)
}

/// Where a cluster's generated and rotated keys live: `<data-dir>/keys/<cluster>/NNNN.pem`.
pub fn key_dir(data_dir: &Path, cluster: &str) -> PathBuf {
    data_dir.join("keys").join(cluster)
}

pub(super) fn load_cluster_keys(configured: &[PathBuf], dir: &Path) -> Result<KeySet, KeyError> {
    let mut keys: Vec<SigningKey> = Vec::new();
    let stored = stored_key_files(dir)?;
    for path in configured.iter().chain(stored.iter().map(|(_, path)| path)) {
        let pem = fs::read_to_string(path).map_err(|source| KeyError::Read {
            path: path.clone(),
            source,
        })?;
        let key = SigningKey::from_pem(&pem, path)?;
        // The same key named twice (world file and data dir) is published once.
        if !keys.iter().any(|known| known.kid == key.kid) {
            keys.push(key);
        }
    }
    if keys.is_empty() {
        keys.push(generate_into(dir)?);
    }
    Ok(KeySet::new(keys))
}

/// The data dir's key files, ordered by their sequence number.
fn stored_key_files(dir: &Path) -> Result<Vec<(u64, PathBuf)>, KeyError> {
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(source) => {
            return Err(KeyError::Read {
                path: dir.to_owned(),
                source,
            })
        }
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| KeyError::Read {
            path: dir.to_owned(),
            source,
        })?;
        let path = entry.path();
        let sequence = path
            .file_name()
            .and_then(|name| name.to_str())
            .and_then(|name| name.strip_suffix(".pem"))
            .and_then(|stem| stem.parse::<u64>().ok());
        if let Some(sequence) = sequence {
            files.push((sequence, path));
        }
    }
    files.sort();
    Ok(files)
}

/// Generates a key and publishes it under the next free sequence number. Two processes
/// racing on one data dir each publish their own file; neither overwrites the other.
fn generate_into(dir: &Path) -> Result<SigningKey, KeyError> {
    let write_error = |source| KeyError::Write {
        path: dir.to_owned(),
        source,
    };
    persist::ensure_private_dir(dir).map_err(write_error)?;
    let private = RsaPrivateKey::new(&mut rand::rngs::OsRng, GENERATED_KEY_BITS)
        .map_err(|err| KeyError::Generate(err.to_string()))?;
    let pem = private
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|err| KeyError::Generate(err.to_string()))?;
    let mut sequence = stored_key_files(dir)?
        .last()
        .map_or(1, |(last, _)| last + 1);
    loop {
        let path = dir.join(format!("{sequence:04}.pem"));
        if persist::create_new_atomic(&path, pem.as_bytes(), 0o600).map_err(write_error)? {
            return SigningKey::from_pem(&pem, &path);
        }
        sequence += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FIXTURE_KEY: &str = include_str!("../../fixtures/test-signing-key.pem");
    /// Computed independently: `openssl pkey -in fixtures/test-signing-key.pem -pubout
    /// -outform DER | openssl dgst -sha256 -binary | basenc --base64url | tr -d =`.
    const FIXTURE_KID: &str = include_str!("../../fixtures/test-signing-key.kid");

    #[test]
    fn kid_matches_the_kubernetes_derivation() {
        let key = SigningKey::from_pem(FIXTURE_KEY, Path::new("fixture")).unwrap();
        assert_eq!(key.kid(), FIXTURE_KID.trim());
        assert_eq!(key.kid().len(), 43);
    }

    #[test]
    fn jwk_has_the_eks_fields_in_order() {
        let key = SigningKey::from_pem(FIXTURE_KEY, Path::new("fixture")).unwrap();
        let json = serde_json::to_string(key.jwk()).unwrap();
        assert!(
            json.starts_with(r#"{"kty":"RSA","e":"AQAB","use":"sig","kid":""#),
            "{json}"
        );
        assert!(json.contains(r#","alg":"RS256","n":""#), "{json}");
    }

    #[test]
    fn bad_pems_are_refused_with_a_reason() {
        let cases = [
            ("empty", ""),
            ("garbage", "not a key"),
            ("truncated", &FIXTURE_KEY[..FIXTURE_KEY.len() / 2]),
            (
                "public_key_only",
                "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n",
            ),
        ];
        for (name, pem) in cases {
            let err = SigningKey::from_pem(pem, Path::new("k.pem")).unwrap_err();
            assert!(matches!(err, KeyError::Parse { .. }), "case {name}: {err}");
        }
    }

    #[test]
    fn signature_verifies_with_the_published_key() {
        let key = SigningKey::from_pem(FIXTURE_KEY, Path::new("fixture")).unwrap();
        let signature = key.sign_rs256(b"header.claims").unwrap();
        assert_eq!(signature.len(), 256);
        let encoded = URL_SAFE_NO_PAD.encode(&signature);
        // An independent verifier (jsonwebtoken) reading the published JWK.
        let jwk: jsonwebtoken::jwk::Jwk =
            serde_json::from_value(serde_json::to_value(key.jwk()).unwrap()).unwrap();
        let decoding = jsonwebtoken::DecodingKey::from_jwk(&jwk).unwrap();
        let verified = jsonwebtoken::crypto::verify(
            &encoded,
            b"header.claims",
            &decoding,
            jsonwebtoken::Algorithm::RS256,
        );
        assert!(verified.unwrap());
        assert!(key
            .verification_key()
            .verifies_rs256(b"header.claims", &encoded));
    }

    #[test]
    fn stored_keys_come_after_configured_ones_and_rotation_appends() {
        let data = tempfile::tempdir().unwrap();
        let dir = key_dir(data.path(), "c");
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("0001.pem"), FIXTURE_KEY).unwrap();
        fs::write(dir.join("notes.txt"), "ignored").unwrap();
        let set = load_cluster_keys(&[], &dir).unwrap();
        assert_eq!(set.iter().count(), 1);
        let rotated = generate_into(&dir).unwrap();
        assert!(rotated.origin().ends_with("0002.pem"));
        let set = load_cluster_keys(&[], &dir).unwrap();
        assert_eq!(set.signing().kid(), rotated.kid(), "the newest key signs");
        assert_eq!(set.iter().count(), 2);
        let jwks: serde_json::Value = serde_json::from_str(set.jwks_json()).unwrap();
        assert_eq!(jwks["keys"].as_array().unwrap().len(), 2);
    }

    #[test]
    fn a_key_named_twice_is_published_once() {
        let data = tempfile::tempdir().unwrap();
        let dir = key_dir(data.path(), "c");
        fs::create_dir_all(&dir).unwrap();
        let configured = data.path().join("configured.pem");
        fs::write(&configured, FIXTURE_KEY).unwrap();
        fs::write(dir.join("0001.pem"), FIXTURE_KEY).unwrap();
        let set = load_cluster_keys(&[configured], &dir).unwrap();
        assert_eq!(set.iter().count(), 1);
    }
}
