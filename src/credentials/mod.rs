//! Temporary credentials, stateless: the session token is the session itself, sealed with
//! AES-256-GCM under a server secret kept in the data dir, bound to its access key id; the
//! secret access key is an HMAC of the access key id under the same secret. Any process
//! that holds the secret can open a credential with no shared store, and credentials
//! survive a restart (aws-cli's cache in `~/.aws/cli/cache` keeps working).

use std::fmt;
use std::path::Path;

use aws_lc_rs::aead::{Aad, LessSafeKey, Nonce, UnboundKey, AES_256_GCM, NONCE_LEN};
use aws_lc_rs::hmac;
use aws_lc_rs::rand::{SecureRandom, SystemRandom};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde::{Deserialize, Serialize};

use crate::persist;

/// File under the data dir that holds the credential secret (hex, mode 0600).
pub const SECRET_FILE: &str = "credential-secret";
const TOKEN_VERSION: u8 = 1;
const ACCESS_KEY_ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// The server secret, as the two keys derived from it.
pub struct CredentialSecret {
    seal: LessSafeKey,
    secret_keys: hmac::Key,
}

impl fmt::Debug for CredentialSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CredentialSecret(<redacted>)")
    }
}

/// Why the secret could not be loaded or made.
#[derive(Debug, thiserror::Error)]
pub enum SecretError {
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: not 64 hex digits")]
    Corrupt { path: String },
    #[error("no randomness: {0}")]
    Random(String),
}

impl CredentialSecret {
    /// Reads `<data-dir>/credential-secret`, creating it on first use.
    pub fn load_or_create(data_dir: &Path) -> Result<Self, SecretError> {
        let path = data_dir.join(SECRET_FILE);
        let display = path.display().to_string();
        let io = |source| SecretError::Io {
            path: display.clone(),
            source,
        };
        if !path.exists() {
            let mut bytes = [0u8; 32];
            SystemRandom::new()
                .fill(&mut bytes)
                .map_err(|err| SecretError::Random(err.to_string()))?;
            let hex = crate::hex::encode(&bytes);
            // Losing the race to another process is fine: its secret is read below.
            persist::create_new_atomic(&path, hex.as_bytes(), 0o600).map_err(io)?;
        }
        let text = std::fs::read_to_string(&path).map_err(io)?;
        let bytes: [u8; 32] = crate::hex::decode(text.trim())
            .and_then(|bytes| bytes.try_into().ok())
            .ok_or(SecretError::Corrupt {
                path: display.clone(),
            })?;
        Ok(Self::from_bytes(&bytes))
    }

    /// Derives the sealing and secret-key MAC keys from 32 secret bytes.
    pub fn from_bytes(secret: &[u8; 32]) -> Self {
        let master = hmac::Key::new(hmac::HMAC_SHA256, secret);
        let derive = |label: &[u8]| hmac::sign(&master, label);
        let seal_key = derive(b"irsa-local/session-token/v1");
        let mac_key = derive(b"irsa-local/secret-access-key/v1");
        // A 32-byte key is exactly what AES-256-GCM takes, so this cannot fail.
        let unbound = UnboundKey::new(&AES_256_GCM, seal_key.as_ref())
            .unwrap_or_else(|_| unreachable!("HMAC-SHA256 output is an AES-256 key"));
        Self {
            seal: LessSafeKey::new(unbound),
            secret_keys: hmac::Key::new(hmac::HMAC_SHA256, mac_key.as_ref()),
        }
    }

    /// The secret access key that belongs to `access_key_id`.
    fn secret_access_key(&self, access_key_id: &str) -> String {
        let tag = hmac::sign(&self.secret_keys, access_key_id.as_bytes());
        let mut encoded = STANDARD.encode(tag.as_ref());
        encoded.truncate(40);
        encoded
    }
}

/// Who a session is and what it may do: everything a later request needs, sealed into
/// the session token.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Session {
    pub account_id: String,
    pub role_arn: String,
    pub role_name: String,
    /// The role's `AROA…` id.
    pub role_id: String,
    pub session_name: String,
    /// The web identity token's `sub`.
    pub subject: String,
    pub audience: String,
    /// The IAM OIDC provider ARN.
    pub provider_arn: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source_identity: Option<String>,
    /// Inline session policy, as given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_policy: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policy_arns: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<(String, String)>,
    pub issued_at: u64,
    pub expires_at: u64,
}

impl Session {
    /// `arn:aws:sts::<account>:assumed-role/<role name>/<session name>`.
    pub fn assumed_role_arn(&self) -> String {
        format!(
            "arn:aws:sts::{}:assumed-role/{}/{}",
            self.account_id, self.role_name, self.session_name
        )
    }

    /// `<role id>:<session name>`.
    pub fn assumed_role_id(&self) -> String {
        format!("{}:{}", self.role_id, self.session_name)
    }
}

/// Credentials as STS hands them out.
#[derive(Clone, PartialEq, Eq)]
pub struct TemporaryCredentials {
    pub access_key_id: String,
    pub secret_access_key: String,
    pub session_token: String,
    pub expiration: u64,
}

impl fmt::Debug for TemporaryCredentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TemporaryCredentials")
            .field("access_key_id", &self.access_key_id)
            .field("expiration", &self.expiration)
            .finish_non_exhaustive()
    }
}

/// A session token that opened: the session and the secret key that signs for it.
#[derive(Debug)]
pub struct OpenedSession {
    pub session: Session,
    pub secret_access_key: String,
}

/// Why a session token did not open.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CredentialError {
    #[error("the access key id is not an irsa-local temporary key")]
    NotTemporaryKey,
    #[error("the session token is not one this server issued")]
    Malformed,
    #[error("the session token was altered, belongs to another access key, or was sealed under another secret")]
    Tampered,
    #[error("the session expired at {expired_at}; now is {now}")]
    Expired { expired_at: u64, now: u64 },
}

/// Issues credentials for `session`.
pub fn issue(secret: &CredentialSecret, session: &Session) -> Result<TemporaryCredentials, String> {
    let random = SystemRandom::new();
    let mut key_bytes = [0u8; 16];
    let mut nonce_bytes = [0u8; NONCE_LEN];
    random.fill(&mut key_bytes).map_err(|err| err.to_string())?;
    random
        .fill(&mut nonce_bytes)
        .map_err(|err| err.to_string())?;
    let access_key_id: String = std::iter::once("ASIA".to_owned())
        .chain(
            key_bytes
                .iter()
                .map(|b| char::from(ACCESS_KEY_ALPHABET[usize::from(b % 32)]).to_string()),
        )
        .collect();
    let mut sealed = serde_json::to_vec(session).map_err(|err| err.to_string())?;
    secret
        .seal
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce_bytes),
            Aad::from(access_key_id.as_bytes()),
            &mut sealed,
        )
        .map_err(|err| err.to_string())?;
    let mut token = Vec::with_capacity(1 + NONCE_LEN + sealed.len());
    token.push(TOKEN_VERSION);
    token.extend_from_slice(&nonce_bytes);
    token.extend_from_slice(&sealed);
    Ok(TemporaryCredentials {
        secret_access_key: secret.secret_access_key(&access_key_id),
        access_key_id,
        session_token: STANDARD.encode(token),
        expiration: session.expires_at,
    })
}

/// Opens the session that `access_key_id` and `session_token` carry, if it is intact and
/// not expired at `now`. The AEAD tag is the one verification, and it is constant-time.
pub fn open(
    secret: &CredentialSecret,
    access_key_id: &str,
    session_token: &str,
    now: u64,
) -> Result<OpenedSession, CredentialError> {
    if !access_key_id.starts_with("ASIA") {
        return Err(CredentialError::NotTemporaryKey);
    }
    let mut bytes = STANDARD
        .decode(session_token.trim())
        .map_err(|_| CredentialError::Malformed)?;
    if bytes.len() < 1 + NONCE_LEN + AES_256_GCM.tag_len() || bytes[0] != TOKEN_VERSION {
        return Err(CredentialError::Malformed);
    }
    let nonce = Nonce::try_assume_unique_for_key(&bytes[1..=NONCE_LEN])
        .map_err(|_| CredentialError::Malformed)?;
    let plain = secret
        .seal
        .open_in_place(
            nonce,
            Aad::from(access_key_id.as_bytes()),
            &mut bytes[1 + NONCE_LEN..],
        )
        .map_err(|_| CredentialError::Tampered)?;
    let session: Session = serde_json::from_slice(plain).map_err(|_| CredentialError::Malformed)?;
    if now >= session.expires_at {
        return Err(CredentialError::Expired {
            expired_at: session.expires_at,
            now,
        });
    }
    Ok(OpenedSession {
        secret_access_key: secret.secret_access_key(access_key_id),
        session,
    })
}

#[cfg(test)]
mod tests;
