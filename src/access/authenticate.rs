//! Who signed a request: the SigV4 signature is parsed, its credential scope checked
//! against the service the request is for (service name, a real region), its access key
//! looked up (the world's admin keys, or a temporary key whose session token opens), and
//! the signature verified with that key's secret. S3 also takes SigV2 (presigned URLs
//! boto3 still makes) when the world's region predates SigV4-only regions; its key is
//! looked up the same way. Each failure names its cause; each service's edge picks the
//! code its protocol uses for it.

use axum::http::request::Parts;

use super::{regions, Caller};
use crate::credentials::{self, CredentialError, CredentialSecret};
use crate::sigv2::{self, SigV2Error};
use crate::sigv4::{self, PayloadHash, RequestView, Rules, SecretKey, SigV4Error, Verified};
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
    #[error(transparent)]
    SigV2(#[from] SigV2Error),
    #[error("S3 in {region} takes only SigV4; SigV2 is accepted in {}", sigv2::REGIONS.join(", "))]
    SigV2NotInRegion { region: String },
}

/// The request's SigV4 signature as [`sigv4::parse`] read it, once per request.
pub type Signature = Result<Option<sigv4::Authorization>, SigV4Error>;

/// The AWS service a request is for, by its SigV4 signing name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    Sts,
    Iam,
    Eks,
    /// EKS Auth (`AssumeRoleForPodIdentity`).
    EksAuth,
    S3,
}

impl Service {
    /// The name a credential scope carries for this service.
    pub fn signing_name(self) -> &'static str {
        match self {
            Self::Sts => "sts",
            Self::Iam => "iam",
            Self::Eks => "eks",
            Self::EksAuth => "eks-auth",
            Self::S3 => "s3",
        }
    }

    /// The canonicalisation rules the service signs under.
    pub fn rules(self) -> Rules {
        match self {
            Self::S3 => Rules::S3,
            Self::Sts | Self::Iam | Self::Eks | Self::EksAuth => Rules::Standard,
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
    let (caller, secret_key) = look_up(
        world,
        secret,
        &auth.access_key_id,
        auth.security_token.as_deref(),
        now,
    )?;
    let verified = sigv4::verify(parts, auth, service.rules(), payload, &secret_key, now)?;
    Ok((caller, verified))
}

/// Authenticates the S3 request in `parts`, signed with SigV2 (header or query form);
/// `virtual_host_bucket` is the bucket its `Host` names, which the signature covers. The
/// world's region is checked first: S3 refuses SigV2 outside the regions that predate
/// SigV4-only ones, whatever else the request says. The body is not signed.
pub fn authenticate_v2(
    world: &World,
    secret: &CredentialSecret,
    parts: &Parts,
    virtual_host_bucket: Option<&str>,
    now: u64,
) -> Result<Caller, AuthError> {
    let region = world.account.region.as_str();
    if !sigv2::is_supported_in(region) {
        return Err(AuthError::SigV2NotInRegion {
            region: region.to_owned(),
        });
    }
    let request = RequestView::from(parts);
    let auth = sigv2::parse(&request)?.ok_or(AuthError::Unsigned)?;
    let (caller, secret_key) = look_up(
        world,
        secret,
        &auth.access_key_id,
        auth.security_token.as_deref(),
        now,
    )?;
    sigv2::verify(&request, &auth, virtual_host_bucket, &secret_key, now)?;
    Ok(caller)
}

/// The caller `access_key_id` names and its secret: one of the world's admin keys (the
/// account's root), or a temporary key whose `security_token` opens.
fn look_up(
    world: &World,
    secret: &CredentialSecret,
    access_key_id: &str,
    security_token: Option<&str>,
    now: u64,
) -> Result<(Caller, SecretKey), AuthError> {
    if let Some(admin) = world
        .admin_credentials
        .iter()
        .find(|credential| credential.access_key_id.as_str() == access_key_id)
    {
        let caller = Caller::Root {
            account_id: world.account.id.to_string(),
            access_key_id: access_key_id.to_owned(),
        };
        return Ok((
            caller,
            SecretKey::new(admin.secret_access_key.expose().to_owned()),
        ));
    }
    if !access_key_id.starts_with("ASIA") {
        return Err(AuthError::UnknownAccessKey(access_key_id.to_owned()));
    }
    let token =
        security_token.ok_or_else(|| AuthError::MissingSessionToken(access_key_id.to_owned()))?;
    let opened = credentials::open(secret, access_key_id, token, now).map_err(|cause| {
        AuthError::Session {
            access_key_id: access_key_id.to_owned(),
            cause,
        }
    })?;
    let caller = Caller::Session {
        access_key_id: access_key_id.to_owned(),
        session: Box::new(opened.session),
    };
    Ok((caller, SecretKey::new(opened.secret_access_key)))
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
