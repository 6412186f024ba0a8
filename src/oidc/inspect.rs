//! `irsa-local decode`: a token's header and claims as JSON, like the jwt.io step of the
//! workshop, and whether its signature verifies against the world's keys. This is an
//! inspection aid, not the STS validator: it checks the signature only, never `exp`,
//! `aud` or `iss`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;

use super::keys::Keyring;
use crate::world::World;

/// What `decode` found in a token.
#[derive(Debug, Serialize)]
pub struct Inspection {
    pub header: serde_json::Value,
    pub claims: serde_json::Value,
    pub signature: SignatureCheck,
}

/// The outcome of checking the signature against the world's keys.
#[derive(Debug, Serialize, PartialEq, Eq)]
#[serde(tag = "result", rename_all = "snake_case")]
pub enum SignatureCheck {
    /// Verified by the key `kid` of `cluster`.
    Verified { cluster: String, kid: String },
    /// No key of any cluster verifies it.
    NotVerified { reason: String },
}

/// Why a token could not even be decoded.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DecodeError {
    #[error("a JWT has three dot-separated parts; this has {0}")]
    Parts(usize),
    #[error("the {0} is not base64url")]
    Base64(&'static str),
    #[error("the {0} is not a JSON object")]
    Json(&'static str),
}

/// Decodes `token` (surrounding whitespace ignored) and checks its signature.
pub fn inspect(token: &str, world: &World, keyring: &Keyring) -> Result<Inspection, DecodeError> {
    let token = token.trim();
    let parts: Vec<&str> = token.split('.').collect();
    let [header_b64, claims_b64, signature_b64] = parts[..] else {
        return Err(DecodeError::Parts(parts.len()));
    };
    let header = decode_object(header_b64, "header")?;
    let claims = decode_object(claims_b64, "payload")?;
    let signature = check_signature(token, &header, signature_b64, world, keyring);
    Ok(Inspection {
        header,
        claims,
        signature,
    })
}

fn decode_object(part: &str, name: &'static str) -> Result<serde_json::Value, DecodeError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| DecodeError::Base64(name))?;
    match serde_json::from_slice(&bytes) {
        Ok(value @ serde_json::Value::Object(_)) => Ok(value),
        _ => Err(DecodeError::Json(name)),
    }
}

fn check_signature(
    token: &str,
    header: &serde_json::Value,
    signature_b64: &str,
    world: &World,
    keyring: &Keyring,
) -> SignatureCheck {
    // Only RS256 is ever minted here; the header's alg is reported, never trusted to pick
    // a verifier.
    if header.get("alg").and_then(|alg| alg.as_str()) != Some("RS256") {
        return SignatureCheck::NotVerified {
            reason: format!(
                "alg {} is not RS256",
                header.get("alg").unwrap_or(&serde_json::Value::Null)
            ),
        };
    }
    let kid = header.get("kid").and_then(|kid| kid.as_str());
    let signing_input = &token[..token.len() - signature_b64.len() - 1];
    for cluster in &world.clusters {
        let Some(keys) = keyring.cluster(cluster.name.as_str()) else {
            continue;
        };
        for key in keys
            .iter()
            .filter(|key| kid.is_none_or(|kid| kid == key.kid()))
        {
            let verified = jsonwebtoken::crypto::verify(
                signature_b64,
                signing_input.as_bytes(),
                key.decoding_key(),
                jsonwebtoken::Algorithm::RS256,
            );
            if verified.unwrap_or(false) {
                return SignatureCheck::Verified {
                    cluster: cluster.name.to_string(),
                    kid: key.kid().to_owned(),
                };
            }
        }
    }
    let reason = match kid {
        Some(kid) => format!("no key with kid {kid} verifies the signature"),
        None => "no key verifies the signature".to_owned(),
    };
    SignatureCheck::NotVerified { reason }
}
