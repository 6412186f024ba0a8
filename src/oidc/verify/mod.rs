//! Web identity token validation, as STS does it for AssumeRoleWithWebIdentity, in the
//! order REFERENCE 1.5 recommends: length, parse, issuer → IAM OIDC provider, audience,
//! algorithm allow-list, no `crit` header (RFC 7515 §4.1.11: the verifier understands no
//! extension), key by `kid` (every key when there is none) of the type the algorithm
//! demands, signature, then `exp` / `nbf` / `iat` with 300 s of skew.
//!
//! The header's `alg` never picks the key type: a key is used only when its own type
//! matches the allow-listed algorithm. Only [`verify`] constructs [`VerifiedClaims`].
//! RSA signatures go to aws-lc-rs through keys parsed once; EC P-256/P-384 through
//! jsonwebtoken; P-521 (no ES512 in jsonwebtoken) through aws-lc-rs.

mod header;

use std::sync::Arc;

use aws_lc_rs::signature::{
    ParsedPublicKey, UnparsedPublicKey, ECDSA_P521_SHA512_FIXED, RSA_PKCS1_2048_8192_SHA256,
    RSA_PKCS1_2048_8192_SHA384, RSA_PKCS1_2048_8192_SHA512,
};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::jwk::{AlgorithmParameters, EllipticCurve, Jwk};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde_json::{Map, Value};

use crate::world::OidcProvider;
use header::{Header, SigningAlgorithm};

/// Seconds of clock skew tolerated after `exp` and before `nbf` / `iat` (IAM's 5 minutes).
pub const CLOCK_SKEW_SECONDS: u64 = 300;
const MIN_TOKEN_LENGTH: usize = 4;
const MAX_TOKEN_LENGTH: usize = 20_000;

/// Claims of a token whose signature, issuer, audience and lifetime all checked out.
#[derive(Debug, Clone)]
pub struct VerifiedClaims {
    /// The provider the token's `iss` named.
    pub provider: OidcProvider,
    /// `sub`.
    pub subject: String,
    /// The first `aud` value that is one of the provider's client ids.
    pub audience: String,
    /// `exp`.
    pub expires_at: u64,
    /// Every claim, for condition keys (`amr`, `azp`) and session tags.
    pub claims: Map<String, Value>,
}

/// Why a token was refused. Each variant is one check of [`verify`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TokenError {
    #[error("the token is {0} characters long; STS accepts 4 to 20000")]
    Length(usize),
    #[error("the token is not a JWT: {0}")]
    Malformed(&'static str),
    #[error("no IAM OIDC provider has the URL {issuer:?} (the token's iss)")]
    UnknownIssuer { issuer: String },
    #[error("the token has no aud claim")]
    MissingAudience,
    #[error("none of the token's audiences {audiences:?} is a client id of the provider")]
    IncorrectAudience { audiences: Vec<String> },
    #[error("the token has no {0} claim")]
    MissingClaim(&'static str),
    #[error("algorithm {0:?} is not accepted; use RS256, RS384, RS512, ES256, ES384 or ES512")]
    AlgorithmNotAllowed(String),
    /// The header's `crit` names extensions (RFC 7515 §4.1.11); the verifier understands
    /// none, so any `crit` at all, and one that is not a list of names, is refused.
    #[error("the header's crit names {0:?}, which irsa-local does not understand")]
    UnknownCritical(Vec<String>),
    #[error("the provider publishes no key with kid {kid:?}")]
    UnknownKey { kid: String },
    #[error("no key of the type {algorithm} needs (kid {kid:?})")]
    NoKeyOfType {
        algorithm: String,
        kid: Option<String>,
    },
    #[error("the provider's keys could not be loaded: {0}")]
    NoKeys(String),
    #[error("the signature does not verify with the provider's {checked} matching key(s)")]
    BadSignature { checked: usize },
    #[error("{claim} must be an integer NumericDate")]
    BadTimestamp { claim: &'static str },
    #[error("the token expired at {expires_at}; now is {now} (300 s of skew allowed)")]
    Expired { now: u64, expires_at: u64 },
    #[error("the token is not valid before {not_before}; now is {now} (300 s of skew allowed)")]
    NotYetValid { now: u64, not_before: u64 },
    #[error("the token was issued at {issued_at}, in the future; now is {now}")]
    IssuedInFuture { now: u64, issued_at: u64 },
}

/// One public key of an issuer, with the type that decides which algorithms may use it.
#[derive(Clone)]
pub struct VerificationKey {
    pub kid: Option<String>,
    key: KeyMaterial,
}

#[derive(Clone)]
enum KeyMaterial {
    Rsa(Arc<RsaVerifiers>),
    EcP256(DecodingKey),
    EcP384(DecodingKey),
    /// An uncompressed P-521 point; jsonwebtoken has no ES512, so aws-lc-rs checks it.
    EcP521(Vec<u8>),
}

/// An RSA public key parsed once per RS algorithm. Verifying through a parsed key skips
/// rebuilding the key (and its Montgomery context) on every token, which jsonwebtoken's
/// component-based `DecodingKey` does; measured as the larger share of STS's CPU.
struct RsaVerifiers {
    rs256: ParsedPublicKey,
    rs384: ParsedPublicKey,
    rs512: ParsedPublicKey,
}

impl RsaVerifiers {
    /// From the big-endian modulus and exponent.
    fn new(modulus: &[u8], exponent: &[u8]) -> Result<Self, String> {
        let public = rsa::RsaPublicKey::new(
            rsa::BigUint::from_bytes_be(modulus),
            rsa::BigUint::from_bytes_be(exponent),
        )
        .map_err(|err| err.to_string())?;
        let der =
            rsa::pkcs1::EncodeRsaPublicKey::to_pkcs1_der(&public).map_err(|err| err.to_string())?;
        let parse = |algorithm| {
            ParsedPublicKey::new(algorithm, der.as_bytes())
                .map_err(|err| format!("RSA key refused: {err}"))
        };
        Ok(Self {
            rs256: parse(&RSA_PKCS1_2048_8192_SHA256)?,
            rs384: parse(&RSA_PKCS1_2048_8192_SHA384)?,
            rs512: parse(&RSA_PKCS1_2048_8192_SHA512)?,
        })
    }

    fn for_algorithm(&self, algorithm: Algorithm) -> Option<&ParsedPublicKey> {
        match algorithm {
            Algorithm::RS256 => Some(&self.rs256),
            Algorithm::RS384 => Some(&self.rs384),
            Algorithm::RS512 => Some(&self.rs512),
            _ => None,
        }
    }
}

impl std::fmt::Debug for VerificationKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = match self.key {
            KeyMaterial::Rsa(_) => "RSA",
            KeyMaterial::EcP256(_) => "EC P-256",
            KeyMaterial::EcP384(_) => "EC P-384",
            KeyMaterial::EcP521(_) => "EC P-521",
        };
        write!(f, "VerificationKey({kind}, kid {:?})", self.kid)
    }
}

impl VerificationKey {
    /// An RSA key from its big-endian modulus and exponent.
    pub fn rsa(kid: Option<String>, modulus: &[u8], exponent: &[u8]) -> Result<Self, String> {
        Ok(Self {
            kid,
            key: KeyMaterial::Rsa(Arc::new(RsaVerifiers::new(modulus, exponent)?)),
        })
    }

    /// A key from a JWK: RSA, or EC on P-256, P-384 or P-521. Other key types (oct, OKP)
    /// are refused: STS accepts neither HMAC nor EdDSA.
    pub fn from_jwk(jwk: &Jwk) -> Result<Self, String> {
        let kid = jwk.common.key_id.clone();
        let key = match &jwk.algorithm {
            AlgorithmParameters::RSA(rsa) => {
                let decode =
                    |part: &str| URL_SAFE_NO_PAD.decode(part).map_err(|err| err.to_string());
                return Self::rsa(kid, &decode(&rsa.n)?, &decode(&rsa.e)?);
            }
            AlgorithmParameters::EllipticCurve(ec) => match &ec.curve {
                EllipticCurve::P256 => KeyMaterial::EcP256(
                    DecodingKey::from_ec_components(&ec.x, &ec.y).map_err(|err| err.to_string())?,
                ),
                EllipticCurve::P384 => KeyMaterial::EcP384(
                    DecodingKey::from_ec_components(&ec.x, &ec.y).map_err(|err| err.to_string())?,
                ),
                EllipticCurve::P521 => {
                    let decode =
                        |part: &str| URL_SAFE_NO_PAD.decode(part).map_err(|err| err.to_string());
                    let mut point = vec![0x04];
                    point.extend(decode(&ec.x)?);
                    point.extend(decode(&ec.y)?);
                    KeyMaterial::EcP521(point)
                }
                other => return Err(format!("curve {other:?} is not P-256, P-384 or P-521")),
            },
            _ => return Err(format!("key type of kid {kid:?} is neither RSA nor EC")),
        };
        Ok(Self { kid, key })
    }

    fn fits(&self, algorithm: SigningAlgorithm) -> bool {
        matches!(
            (&self.key, algorithm),
            (KeyMaterial::Rsa(_), SigningAlgorithm::Rs(_))
                | (KeyMaterial::EcP256(_), SigningAlgorithm::Es256)
                | (KeyMaterial::EcP384(_), SigningAlgorithm::Es384)
                | (KeyMaterial::EcP521(_), SigningAlgorithm::Es512)
        )
    }

    /// Whether `signature_b64` is this key's RS256 signature of `message`; for inspection
    /// tools, which report rather than enforce.
    pub fn verifies_rs256(&self, message: &[u8], signature_b64: &str) -> bool {
        self.verifies(
            SigningAlgorithm::Rs(Algorithm::RS256),
            message,
            signature_b64,
        )
    }

    fn verifies(&self, algorithm: SigningAlgorithm, message: &[u8], signature_b64: &str) -> bool {
        let with_jsonwebtoken = |key: &DecodingKey, alg: Algorithm| {
            jsonwebtoken::crypto::verify(signature_b64, message, key, alg).unwrap_or(false)
        };
        match (&self.key, algorithm) {
            (KeyMaterial::Rsa(keys), SigningAlgorithm::Rs(alg)) => {
                keys.for_algorithm(alg).is_some_and(|key| {
                    URL_SAFE_NO_PAD
                        .decode(signature_b64)
                        .is_ok_and(|signature| key.verify_sig(message, &signature).is_ok())
                })
            }
            (KeyMaterial::EcP256(key), SigningAlgorithm::Es256) => {
                with_jsonwebtoken(key, Algorithm::ES256)
            }
            (KeyMaterial::EcP384(key), SigningAlgorithm::Es384) => {
                with_jsonwebtoken(key, Algorithm::ES384)
            }
            (KeyMaterial::EcP521(point), SigningAlgorithm::Es512) => URL_SAFE_NO_PAD
                .decode(signature_b64)
                .is_ok_and(|signature| {
                    UnparsedPublicKey::new(&ECDSA_P521_SHA512_FIXED, point)
                        .verify(message, &signature)
                        .is_ok()
                }),
            _ => false,
        }
    }
}

/// Where the keys of a provider come from: the cluster's signing keys, or a JWKS that the
/// world gives for it.
pub trait ProviderKeys {
    /// The public keys of the issuer at `url`, or why there are none.
    fn keys_for(&self, url: &str) -> Result<&[VerificationKey], String>;
}

/// Validates `token` at `now` for an account whose IAM OIDC provider for an issuer URL
/// `provider` finds.
pub fn verify<'p>(
    token: &str,
    provider: impl FnOnce(&str) -> Option<&'p OidcProvider>,
    keys: &dyn ProviderKeys,
    now: u64,
) -> Result<VerifiedClaims, TokenError> {
    let token = token.trim();
    let length = token.chars().count();
    if !(MIN_TOKEN_LENGTH..=MAX_TOKEN_LENGTH).contains(&length) {
        return Err(TokenError::Length(length));
    }
    let mut parts = token.split('.');
    let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(TokenError::Malformed("a JWT has three dot-separated parts"));
    };
    let header = decode_object(header_b64)
        .ok_or(TokenError::Malformed("the header is not base64url JSON"))?;
    let claims = decode_object(payload_b64)
        .ok_or(TokenError::Malformed("the payload is not base64url JSON"))?;

    let issuer = claims
        .get("iss")
        .and_then(Value::as_str)
        .ok_or(TokenError::MissingClaim("iss"))?;
    let provider = provider(issuer).ok_or_else(|| TokenError::UnknownIssuer {
        issuer: issuer.to_owned(),
    })?;
    let audience = matched_audience(&claims, provider)?;

    let Header {
        alg,
        algorithm,
        kid,
    } = header::read(&header)?;
    let published = keys
        .keys_for(provider.url.as_str())
        .map_err(TokenError::NoKeys)?;
    let by_kid: Vec<&VerificationKey> = published
        .iter()
        .filter(|key| kid.is_none_or(|kid| key.kid.as_deref() == Some(kid)))
        .collect();
    if let (Some(kid), true) = (kid, by_kid.is_empty()) {
        return Err(TokenError::UnknownKey {
            kid: kid.to_owned(),
        });
    }
    let candidates: Vec<&VerificationKey> = by_kid
        .into_iter()
        .filter(|key| key.fits(algorithm))
        .collect();
    if candidates.is_empty() {
        return Err(TokenError::NoKeyOfType {
            algorithm: alg.to_owned(),
            kid: kid.map(str::to_owned),
        });
    }
    let signing_input = &token[..header_b64.len() + 1 + payload_b64.len()];
    if !candidates
        .iter()
        .any(|key| key.verifies(algorithm, signing_input.as_bytes(), signature_b64))
    {
        return Err(TokenError::BadSignature {
            checked: candidates.len(),
        });
    }

    let expires_at = numeric_date(&claims, "exp")?.ok_or(TokenError::MissingClaim("exp"))?;
    if now > expires_at.saturating_add(CLOCK_SKEW_SECONDS) {
        return Err(TokenError::Expired { now, expires_at });
    }
    if let Some(not_before) = numeric_date(&claims, "nbf")? {
        if not_before > now.saturating_add(CLOCK_SKEW_SECONDS) {
            return Err(TokenError::NotYetValid { now, not_before });
        }
    }
    if let Some(issued_at) = numeric_date(&claims, "iat")? {
        if issued_at > now.saturating_add(CLOCK_SKEW_SECONDS) {
            return Err(TokenError::IssuedInFuture { now, issued_at });
        }
    }
    let subject = claims
        .get("sub")
        .and_then(Value::as_str)
        .ok_or(TokenError::MissingClaim("sub"))?
        .to_owned();
    Ok(VerifiedClaims {
        provider: provider.clone(),
        subject,
        audience,
        expires_at,
        claims,
    })
}

fn decode_object(part: &str) -> Option<Map<String, Value>> {
    let bytes = URL_SAFE_NO_PAD.decode(part).ok()?;
    match serde_json::from_slice(&bytes).ok()? {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

/// `aud` as a string or a list of strings; the first value the provider lists wins.
fn matched_audience(
    claims: &Map<String, Value>,
    provider: &OidcProvider,
) -> Result<String, TokenError> {
    let audiences: Vec<String> = match claims.get("aud") {
        None | Some(Value::Null) => return Err(TokenError::MissingAudience),
        Some(Value::String(single)) => vec![single.clone()],
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(Value::as_str)
            .map(str::to_owned)
            .collect(),
        Some(_) => Vec::new(),
    };
    if audiences.is_empty() {
        return Err(TokenError::MissingAudience);
    }
    audiences
        .iter()
        .find(|aud| provider.client_ids.contains(aud))
        .cloned()
        .ok_or(TokenError::IncorrectAudience { audiences })
}

/// An optional NumericDate claim, which STS requires to be an integer.
fn numeric_date(
    claims: &Map<String, Value>,
    claim: &'static str,
) -> Result<Option<u64>, TokenError> {
    match claims.get(claim) {
        None => Ok(None),
        Some(value) => value
            .as_u64()
            .map(Some)
            .ok_or(TokenError::BadTimestamp { claim }),
    }
}

#[cfg(test)]
mod tests;
