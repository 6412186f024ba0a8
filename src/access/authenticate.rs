//! Who signed a request: the SigV4 signature is parsed, its credential scope checked
//! against the service the request is for (service name, a real region), its access key
//! looked up (the world's admin keys, or a temporary key whose session token opens), and
//! the signature verified with that key's secret. Each failure names its cause; each
//! service's edge picks the code its protocol uses for it.

use axum::http::request::Parts;

use super::{regions, Caller};
use crate::credentials::{self, CredentialError, CredentialSecret};
use crate::sigv4::{self, PayloadHash, Rules, SecretKey, SigV4Error, Verified};
use crate::world::World;

/// Why a request is not authenticated.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("the request is not signed")]
    Unsigned,
    #[error("the credential scope names service {signed:?}; this request is for {expected:?}")]
    WrongService {
        expected: &'static str,
        signed: String,
    },
    #[error("the credential scope names region {signed:?}, which is not an AWS region")]
    UnknownRegion { signed: String, home: String },
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

/// The AWS service a request is for, by its SigV4 signing name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Sts,
    Iam,
    Eks,
    S3,
}

impl Service {
    /// The name a credential scope carries for this service.
    pub fn signing_name(self) -> &'static str {
        match self {
            Self::Sts => "sts",
            Self::Iam => "iam",
            Self::Eks => "eks",
            Self::S3 => "s3",
        }
    }

    /// The canonicalisation rules the service signs under.
    pub fn rules(self) -> Rules {
        match self {
            Self::S3 => Rules::S3,
            Self::Sts | Self::Iam | Self::Eks => Rules::Standard,
        }
    }
}

/// Authenticates the request in `parts`, whose parsed `signature` is given, as a call to
/// `service`; `payload` binds the body. The scope is checked before any key is looked
/// up, as AWS checks it: the service's own name, and a real region (any region: the one
/// port stands for every regional endpoint).
pub fn authenticate(
    world: &World,
    secret: &CredentialSecret,
    parts: &Parts,
    signature: &Signature,
    service: Service,
    payload: PayloadHash,
    now: u64,
) -> Result<(Caller, Verified), AuthError> {
    let auth = match signature {
        Ok(Some(auth)) => auth,
        Ok(None) => return Err(AuthError::Unsigned),
        Err(err) => return Err(AuthError::Signature(err.clone())),
    };
    check_scope(auth, service, world.account.region.as_str())?;
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
        service.rules(),
        payload,
        &SecretKey::new(secret_key),
        now,
    )?;
    Ok((caller, verified))
}

/// The scope's service must be `service`'s and its region a real one (or the world's).
fn check_scope(auth: &sigv4::Authorization, service: Service, home: &str) -> Result<(), AuthError> {
    let expected = service.signing_name();
    if auth.scope.service != expected {
        return Err(AuthError::WrongService {
            expected,
            signed: auth.scope.service.clone(),
        });
    }
    if !regions::is_valid(&auth.scope.region, home) {
        return Err(AuthError::UnknownRegion {
            signed: auth.scope.region.clone(),
            home: home.to_owned(),
        });
    }
    Ok(())
}
