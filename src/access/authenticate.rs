//! Who signed a request: the SigV4 signature is parsed, its access key looked up (the
//! world's admin keys, or a temporary key whose session token opens), and the signature
//! verified with that key's secret. Each failure names its cause; the protocol layer picks
//! the code its protocol uses for it.

use axum::http::request::Parts;

use super::Caller;
use crate::credentials::{self, CredentialError, CredentialSecret};
use crate::sigv4::{self, PayloadHash, Rules, SecretKey, SigV4Error, Verified};
use crate::world::World;

/// Why a request is not authenticated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("the request is not signed")]
    Unsigned,
    #[error(transparent)]
    Signature(#[from] SigV4Error),
    #[error("access key {0} is neither the world's admin key nor a temporary key of this server")]
    UnknownAccessKey(String),
    #[error("temporary access key {0} was sent without its session token")]
    MissingSessionToken(String),
    #[error("session token of {access_key_id}: {cause}")]
    Session {
        access_key_id: String,
        cause: CredentialError,
    },
}

/// The request's SigV4 signature as [`sigv4::parse`] read it, once per request.
pub type Signature = Result<Option<sigv4::Authorization>, SigV4Error>;

/// Authenticates the request in `parts`, whose parsed `signature` is given, under
/// `rules`; `payload` binds the body.
pub fn authenticate(
    world: &World,
    secret: &CredentialSecret,
    parts: &Parts,
    signature: &Signature,
    rules: Rules,
    payload: PayloadHash,
    now: u64,
) -> Result<(Caller, Verified), AuthError> {
    let auth = match signature {
        Ok(Some(auth)) => auth,
        Ok(None) => return Err(AuthError::Unsigned),
        Err(err) => return Err(AuthError::Signature(err.clone())),
    };
    let access_key_id = auth.access_key_id.clone();
    let (caller, secret_key) = if let Some(admin) = world
        .admin_credentials
        .iter()
        .find(|credential| credential.access_key_id.as_str() == access_key_id)
    {
        let caller = Caller::Root {
            account_id: world.account.id.to_string(),
            access_key_id: access_key_id.clone(),
        };
        (caller, admin.secret_access_key.expose().to_owned())
    } else if access_key_id.starts_with("ASIA") {
        let token = auth
            .security_token
            .as_deref()
            .ok_or_else(|| AuthError::MissingSessionToken(access_key_id.clone()))?;
        let opened = credentials::open(secret, &access_key_id, token, now).map_err(|cause| {
            AuthError::Session {
                access_key_id: access_key_id.clone(),
                cause,
            }
        })?;
        let caller = Caller::Session {
            access_key_id: access_key_id.clone(),
            session: Box::new(opened.session),
        };
        (caller, opened.secret_access_key)
    } else {
        return Err(AuthError::UnknownAccessKey(access_key_id));
    };
    let verified = sigv4::verify(
        parts,
        auth,
        rules,
        payload,
        &SecretKey::new(secret_key),
        now,
    )?;
    Ok((caller, verified))
}
