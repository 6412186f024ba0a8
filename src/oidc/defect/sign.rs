//! The signatures of the defects that are about signing: a key nobody publishes, no
//! signature at all, HS256 keyed with the public key, and a signature kept over a payload
//! that changed.

use std::path::Path;

use aws_lc_rs::hmac;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::{BigUint, RsaPrivateKey, RsaPublicKey};
use serde::Serialize;
use serde_json::{json, Map, Value};

use crate::oidc::keys::{KeyError, SigningKey};
use crate::oidc::mint::encode_json;

/// Bits of a key generated for one token: the size kube-apiserver's keys have.
const EPHEMERAL_KEY_BITS: usize = 2048;

/// A key generated for one token and then forgotten: no JWKS publishes it.
pub(super) fn ephemeral_key() -> Result<SigningKey, KeyError> {
    let private = RsaPrivateKey::new(&mut rand::rngs::OsRng, EPHEMERAL_KEY_BITS)
        .map_err(|err| KeyError::Generate(err.to_string()))?;
    let pem = private
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|err| KeyError::Generate(err.to_string()))?;
    SigningKey::from_pem(&pem, Path::new("(generated for one token)"))
}

/// `alg` `none` with an empty signature (RFC 7519 §6.1's unsecured JWT).
pub(super) fn unsigned(claims: &Map<String, Value>) -> String {
    format!(
        "{}.{}.",
        encode_json(&json!({ "alg": "none" })),
        encode_json(claims)
    )
}

/// HS256 with the HMAC key being `key`'s public key as PEM text, the `kid` naming it: what
/// a verifier that lets the header's `alg` choose how to use the key would accept.
pub(super) fn hs256_with_public_key(
    key: &SigningKey,
    claims: &Map<String, Value>,
) -> Result<String, KeyError> {
    let secret = public_pem(key)?;
    let header = json!({ "alg": "HS256", "kid": key.kid() });
    let input = format!("{}.{}", encode_json(&header), encode_json(claims));
    let tag = hmac::sign(
        &hmac::Key::new(hmac::HMAC_SHA256, secret.as_bytes()),
        input.as_bytes(),
    );
    Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref())))
}

/// `signed` with its payload replaced by `claims`, header and signature kept.
pub(super) fn with_payload(signed: &str, claims: &impl Serialize) -> String {
    let mut parts = signed.split('.');
    let header = parts.next().unwrap_or_default();
    let signature = parts.nth(1).unwrap_or_default();
    format!("{header}.{}.{signature}", encode_json(claims))
}

/// The SubjectPublicKeyInfo PEM of `key`, from its published JWK.
fn public_pem(key: &SigningKey) -> Result<String, KeyError> {
    let refused = |reason: String| KeyError::Parse {
        path: key.origin().to_owned(),
        reason,
    };
    let jwk = serde_json::to_value(key.jwk()).map_err(|err| refused(err.to_string()))?;
    let number = |field: &str| {
        jwk.get(field)
            .and_then(Value::as_str)
            .and_then(|text| URL_SAFE_NO_PAD.decode(text).ok())
            .map(|bytes| BigUint::from_bytes_be(&bytes))
            .ok_or_else(|| refused(format!("the JWK has no {field}")))
    };
    let public =
        RsaPublicKey::new(number("n")?, number("e")?).map_err(|err| refused(err.to_string()))?;
    public
        .to_public_key_pem(LineEnding::LF)
        .map_err(|err| refused(err.to_string()))
}
