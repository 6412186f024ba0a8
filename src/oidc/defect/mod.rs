//! Tokens that are wrong on purpose, one defect at a time, so that users can test how
//! their code takes STS's refusals. A defect is applied to a token minted as the
//! TokenRequest path mints it, so the defective token differs from the one the server
//! would hand out in that one defect and nothing else.
//!
//! Each defect names the check of [`super::verify`] it fails; the table test beside this
//! module mints every defect and runs the verifier on it.

mod sign;

pub mod http;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{Map, Value};

use super::keyring::Keyring;
use super::keys::{KeyError, KeySet, SigningKey};
use crate::world::{Cluster, World};

/// How far a time defect moves its claim when no offset is given: an hour, well past
/// STS's 300 s of skew.
pub const DEFAULT_OFFSET_SECONDS: i64 = 3600;
/// The audience of `other-audience`: under `.invalid` (RFC 2606), so no provider lists it.
pub const OTHER_AUDIENCE: &str = "other-audience.irsa-local.invalid";
/// The host of `other-issuer`'s `iss`, under `.invalid`, so no IAM OIDC provider has it.
const OTHER_ISSUER_HOST: &str = "https://oidc.irsa-local.invalid";

/// One thing wrong with a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Defect {
    /// `exp` this many seconds from now (negative); `iat` and `nbf` one lifetime before.
    Expired { exp_offset: i64 },
    /// `nbf` this many seconds from now (positive); `exp` one lifetime after it.
    NotYetValid { nbf_offset: i64 },
    /// `iat` this many seconds from now (positive), `nbf` now; `exp` one lifetime after.
    IssuedInFuture { iat_offset: i64 },
    /// `iss` is an issuer no IAM OIDC provider has.
    OtherIssuer,
    /// No `aud` claim.
    NoAudience,
    /// `aud` is [`OTHER_AUDIENCE`].
    OtherAudience,
    /// Signed by a key generated for this token, which no JWKS publishes.
    UnknownKid,
    /// Signed by another cluster's key (a generated one when there is no other cluster),
    /// still claiming this cluster's issuer.
    OtherClusterKey,
    /// `alg` `none` and an empty signature.
    AlgNone,
    /// HS256, keyed with the issuer's public key (the algorithm-confusion attack).
    Hs256PublicKey,
    /// The payload changed after signing (`exp` a day later), the signature kept.
    TamperedPayload,
    /// No `sub` claim.
    NoSubject,
}

/// Every defect by name, with what it does, in the order the docs list them.
pub const DEFECTS: [(&str, &str); 12] = [
    ("expired", "exp in the past (one hour, or --exp-offset)"),
    (
        "not-yet-valid",
        "nbf in the future (one hour, or --nbf-offset)",
    ),
    (
        "issued-in-future",
        "iat in the future (one hour, or --iat-offset)",
    ),
    ("other-issuer", "iss an issuer no IAM OIDC provider has"),
    ("no-audience", "no aud claim"),
    ("other-audience", "aud an audience no provider lists"),
    ("unknown-kid", "signed by a key no JWKS publishes"),
    (
        "other-cluster-key",
        "signed by another cluster's key, claiming this issuer",
    ),
    ("alg-none", "alg none, no signature"),
    (
        "hs256-public-key",
        "HS256 keyed with the issuer's public key",
    ),
    ("tampered-payload", "payload changed after signing"),
    ("no-subject", "no sub claim"),
];

impl Defect {
    /// The defect called `name` in [`DEFECTS`], time defects with their default offset.
    pub fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "expired" => Self::Expired {
                exp_offset: -DEFAULT_OFFSET_SECONDS,
            },
            "not-yet-valid" => Self::NotYetValid {
                nbf_offset: DEFAULT_OFFSET_SECONDS,
            },
            "issued-in-future" => Self::IssuedInFuture {
                iat_offset: DEFAULT_OFFSET_SECONDS,
            },
            "other-issuer" => Self::OtherIssuer,
            "no-audience" => Self::NoAudience,
            "other-audience" => Self::OtherAudience,
            "unknown-kid" => Self::UnknownKid,
            "other-cluster-key" => Self::OtherClusterKey,
            "alg-none" => Self::AlgNone,
            "hs256-public-key" => Self::Hs256PublicKey,
            "tampered-payload" => Self::TamperedPayload,
            "no-subject" => Self::NoSubject,
            _ => return None,
        })
    }

    /// Its name in [`DEFECTS`].
    pub fn name(self) -> &'static str {
        match self {
            Self::Expired { .. } => "expired",
            Self::NotYetValid { .. } => "not-yet-valid",
            Self::IssuedInFuture { .. } => "issued-in-future",
            Self::OtherIssuer => "other-issuer",
            Self::NoAudience => "no-audience",
            Self::OtherAudience => "other-audience",
            Self::UnknownKid => "unknown-kid",
            Self::OtherClusterKey => "other-cluster-key",
            Self::AlgNone => "alg-none",
            Self::Hs256PublicKey => "hs256-public-key",
            Self::TamperedPayload => "tampered-payload",
            Self::NoSubject => "no-subject",
        }
    }

    /// Whether the defect sets the audience itself, so that asking for one contradicts it.
    fn sets_audience(self) -> bool {
        matches!(self, Self::NoAudience | Self::OtherAudience)
    }
}

/// Which time claim an offset moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeClaim {
    Exp,
    Nbf,
    Iat,
}

impl TimeClaim {
    fn name(self) -> &'static str {
        match self {
            Self::Exp => "exp",
            Self::Nbf => "nbf",
            Self::Iat => "iat",
        }
    }

    /// The sign an offset of this claim needs to make its defect.
    fn sign(self) -> &'static str {
        match self {
            Self::Exp => "negative",
            Self::Nbf | Self::Iat => "positive",
        }
    }

    /// Its defect with `offset`, if the offset makes one: `exp` in the past, `nbf` or
    /// `iat` in the future.
    fn defect(self, offset: i64) -> Result<Defect, DefectError> {
        let (defect, makes_it) = match self {
            Self::Exp => (Defect::Expired { exp_offset: offset }, offset < 0),
            Self::Nbf => (Defect::NotYetValid { nbf_offset: offset }, offset > 0),
            Self::Iat => (Defect::IssuedInFuture { iat_offset: offset }, offset > 0),
        };
        if makes_it {
            Ok(defect)
        } else {
            Err(DefectError::OffsetSign {
                claim: self,
                offset,
                defect: defect.name(),
            })
        }
    }
}

/// Why a defect could not be chosen or applied.
#[derive(Debug, thiserror::Error)]
pub enum DefectError {
    #[error("no defect named {0:?}; the defects are {names}", names = names())]
    Unknown(String),
    #[error("one defect at a time: {0} and {1} were both asked for")]
    TwoDefects(&'static str, &'static str),
    #[error("the {} offset must be {}: {offset} would not make the token {defect}",
        .claim.name(), .claim.sign())]
    OffsetSign {
        claim: TimeClaim,
        offset: i64,
        defect: &'static str,
    },
    #[error("{0} sets the audience itself; ask for no audience with it")]
    AudienceGiven(&'static str),
    #[error("no defect was asked for; the defects are {names} (a valid token comes from TokenRequest)", names = names())]
    Missing,
    #[error("the token to spoil is not a JWT this server minted")]
    NotMinted,
    #[error(transparent)]
    Keys(#[from] KeyError),
}

impl DefectError {
    /// Whether the request is at fault (an exit code 2 or a 400), not the server.
    pub fn is_request_problem(&self) -> bool {
        !matches!(self, Self::NotMinted | Self::Keys(_))
    }
}

fn names() -> String {
    DEFECTS.map(|(name, _)| name).join(", ")
}

/// A defect as a command line or a request body asks for it: a name, the `expired`
/// shorthand, offsets for the time claims, and whether an audience was given.
#[derive(Debug, Clone, Default)]
pub struct DefectRequest<'a> {
    pub name: Option<&'a str>,
    pub expired: bool,
    pub exp_offset: Option<i64>,
    pub nbf_offset: Option<i64>,
    pub iat_offset: Option<i64>,
    pub audience_given: bool,
}

impl DefectRequest<'_> {
    /// The one defect asked for, if any. An offset alone is its time defect; with the
    /// defect's own name it replaces the default offset; with another defect it is a
    /// second defect, which is refused, as is an offset that would not make the defect.
    pub fn resolve(&self) -> Result<Option<Defect>, DefectError> {
        let named = self
            .name
            .map(|name| Defect::from_name(name).ok_or_else(|| DefectError::Unknown(name.into())))
            .transpose()?;
        let expired = self.expired.then_some(Defect::Expired {
            exp_offset: -DEFAULT_OFFSET_SECONDS,
        });
        let offsets = [
            (TimeClaim::Exp, self.exp_offset),
            (TimeClaim::Nbf, self.nbf_offset),
            (TimeClaim::Iat, self.iat_offset),
        ]
        .map(|(claim, offset)| offset.map(|offset| claim.defect(offset)));
        let mut chosen: Option<Defect> = None;
        // An offset comes last so that it replaces the default of its own name.
        for defect in [named, expired]
            .into_iter()
            .flatten()
            .map(Ok)
            .chain(offsets.into_iter().flatten())
        {
            let defect = defect?;
            match chosen {
                Some(earlier) if earlier.name() != defect.name() => {
                    return Err(DefectError::TwoDefects(earlier.name(), defect.name()));
                }
                _ => chosen = Some(defect),
            }
        }
        if let Some(defect) = chosen.filter(|defect| defect.sets_audience() && self.audience_given)
        {
            return Err(DefectError::AudienceGiven(defect.name()));
        }
        Ok(chosen)
    }
}

/// The keys a defect may sign with: the cluster's own, and the signing key of another
/// cluster of the world whose key this cluster does not publish.
#[derive(Debug, Clone, Copy)]
pub struct Signers<'a> {
    pub own: &'a KeySet,
    pub other_cluster: Option<&'a SigningKey>,
}

impl<'a> Signers<'a> {
    /// `cluster`'s keys and another cluster's, from `world` and `keyring`.
    pub fn of(world: &'a World, keyring: &'a Keyring, cluster: &Cluster) -> Option<Self> {
        let own = keyring.cluster(cluster.name.as_str())?;
        let other_cluster = world
            .clusters
            .iter()
            .filter(|other| other.name != cluster.name)
            .filter_map(|other| keyring.cluster(other.name.as_str()))
            .map(KeySet::signing)
            .find(|key| own.find(key.kid()).is_none());
        Some(Self { own, other_cluster })
    }
}

/// `token`, a valid token this server minted with `signers.own`, with `defect` applied.
/// Time defects count from the token's `iat`, which is when it was minted.
pub fn spoil(token: &str, defect: Defect, signers: Signers<'_>) -> Result<String, DefectError> {
    let mut claims = payload(token).ok_or(DefectError::NotMinted)?;
    let own = signers.own.signing();
    let time = |claims: &Map<String, Value>, claim: &str| {
        claims
            .get(claim)
            .and_then(Value::as_u64)
            .ok_or(DefectError::NotMinted)
    };
    let issued_at = time(&claims, "iat")?;
    let lifetime = time(&claims, "exp")?.saturating_sub(issued_at);
    let mut set = |claim: &str, value: u64| {
        claims.insert(claim.to_owned(), value.into());
    };
    match defect {
        Defect::Expired { exp_offset } => {
            let expires_at = issued_at.saturating_add_signed(exp_offset);
            let issued_at = expires_at.saturating_sub(lifetime);
            set("exp", expires_at);
            set("iat", issued_at);
            set("nbf", issued_at);
        }
        Defect::NotYetValid { nbf_offset } => {
            let not_before = issued_at.saturating_add_signed(nbf_offset);
            set("nbf", not_before);
            set("exp", not_before.saturating_add(lifetime));
        }
        Defect::IssuedInFuture { iat_offset } => {
            let future = issued_at.saturating_add_signed(iat_offset);
            set("iat", future);
            set("exp", future.saturating_add(lifetime));
        }
        Defect::OtherIssuer => {
            let iss = claims
                .get("iss")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let id = iss.rsplit('/').next().unwrap_or_default();
            claims.insert("iss".into(), format!("{OTHER_ISSUER_HOST}/id/{id}").into());
        }
        Defect::NoAudience => {
            claims.shift_remove("aud");
        }
        Defect::OtherAudience => {
            claims.insert("aud".into(), Value::from(vec![OTHER_AUDIENCE]));
        }
        Defect::NoSubject => {
            claims.shift_remove("sub");
        }
        Defect::UnknownKid => {
            return Ok(super::mint::sign_rs256(&sign::ephemeral_key()?, &claims)?)
        }
        Defect::OtherClusterKey => {
            return Ok(match signers.other_cluster {
                Some(key) => super::mint::sign_rs256(key, &claims)?,
                None => super::mint::sign_rs256(&sign::ephemeral_key()?, &claims)?,
            })
        }
        Defect::AlgNone => return Ok(sign::unsigned(&claims)),
        Defect::Hs256PublicKey => return Ok(sign::hs256_with_public_key(own, &claims)?),
        Defect::TamperedPayload => {
            let signed = super::mint::sign_rs256(own, &claims)?;
            let later = time(&claims, "exp")?.saturating_add(86_400);
            claims.insert("exp".into(), later.into());
            return Ok(sign::with_payload(&signed, &claims));
        }
    }
    Ok(super::mint::sign_rs256(own, &claims)?)
}

/// The claims of a compact JWS.
fn payload(token: &str) -> Option<Map<String, Value>> {
    let part = token.split('.').nth(1)?;
    match serde_json::from_slice(&URL_SAFE_NO_PAD.decode(part).ok()?).ok()? {
        Value::Object(claims) => Some(claims),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
