//! `irsa-local decode`: a token's header and claims as JSON, like the jwt.io step of the
//! workshop, and whether its signature verifies against the world's keys. This is an
//! inspection aid, not the STS validator: it checks the signature only, never `exp`,
//! `aud` or `iss`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde::Serialize;

use super::keyring::Keyring;
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
            if key
                .verification_key()
                .verifies_rs256(signing_input.as_bytes(), signature_b64)
            {
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

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};

    fn world_and_keys() -> (World, Keyring, tempfile::TempDir) {
        let world = crate::world::load_default().unwrap();
        let data = tempfile::tempdir().unwrap();
        let dir = crate::oidc::keys::key_dir(data.path(), "eksworkshop-eksctl");
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("0001.pem"),
            include_str!("../../fixtures/test-signing-key.pem"),
        )
        .unwrap();
        let keyring = Keyring::load(&world, data.path()).unwrap();
        (world, keyring, data)
    }

    #[test]
    fn undecodable_tokens_say_why() {
        let (world, keyring, _data) = world_and_keys();
        let cases = [
            ("empty", "", DecodeError::Parts(1)),
            ("four_parts", "a.b.c.d", DecodeError::Parts(4)),
            (
                "header_not_base64",
                "***.e30.",
                DecodeError::Base64("header"),
            ),
            ("header_not_json", "bm90.e30.", DecodeError::Json("header")),
            (
                "header_json_array",
                "WzFd.e30.",
                DecodeError::Json("header"),
            ),
            (
                "payload_not_base64",
                "e30.***.",
                DecodeError::Base64("payload"),
            ),
        ];
        for (name, token, want) in cases {
            assert_eq!(
                inspect(token, &world, &keyring).unwrap_err(),
                want,
                "case {name}"
            );
        }
    }

    #[test]
    fn signatures_are_checked_with_rs256_only() {
        let (world, keyring, _data) = world_and_keys();
        let keys = keyring.cluster("eksworkshop-eksctl").unwrap();
        let spec = crate::oidc::mint::TokenSpec {
            namespace: "default".into(),
            service_account: crate::oidc::mint::ObjectRef {
                name: "iam-test".into(),
                uid: "u".into(),
            },
            audiences: vec!["sts.amazonaws.com".into()],
            expiration_seconds: 3600,
            bound_object: None,
        };
        let token = crate::oidc::mint::mint(keys, "https://issuer", &spec, 0, "j")
            .unwrap()
            .token;
        let (_, rest) = token.split_once('.').unwrap();
        let hs256_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256"}"#);
        let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none"}"#);
        let unknown_kid = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256","kid":"nope"}"#);
        let no_kid = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256"}"#);
        let cases = [
            ("minted", token.clone(), true),
            ("minted_with_whitespace", format!("  {token}\n"), true),
            ("no_kid_tries_every_key", format!("{no_kid}.{rest}"), false),
            ("hs256_refused", format!("{hs256_header}.{rest}"), false),
            ("alg_none_refused", format!("{none_header}.{rest}"), false),
            ("unknown_kid", format!("{unknown_kid}.{rest}"), false),
            (
                "signature_stripped",
                format!("{}.", token.rsplit_once('.').unwrap().0),
                false,
            ),
        ];
        for (name, candidate, want) in cases {
            let report = inspect(&candidate, &world, &keyring).unwrap();
            let verified = matches!(report.signature, SignatureCheck::Verified { .. });
            assert_eq!(verified, want, "case {name}: {:?}", report.signature);
        }
    }

    #[test]
    fn kid_less_tokens_verify_against_every_key() {
        let (world, keyring, _data) = world_and_keys();
        let keys = keyring.cluster("eksworkshop-eksctl").unwrap();
        let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"RS256"}"#);
        let payload = URL_SAFE_NO_PAD.encode(br#"{"sub":"x"}"#);
        let signing_input = format!("{header}.{payload}");
        let signature =
            URL_SAFE_NO_PAD.encode(keys.signing().sign_rs256(signing_input.as_bytes()).unwrap());
        let report = inspect(&format!("{signing_input}.{signature}"), &world, &keyring).unwrap();
        assert!(matches!(report.signature, SignatureCheck::Verified { .. }));
    }

    #[test]
    fn never_panics_on_random_input() {
        let (world, keyring, _data) = world_and_keys();
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let alphabet: Vec<char> = "ab.-_=+/eyJ0{}\": \u{e9}\u{1F600}".chars().collect();
        for _ in 0..5_000 {
            let len = rng.gen_range(0..80);
            let token: String = (0..len)
                .map(|_| alphabet[rng.gen_range(0..alphabet.len())])
                .collect();
            let _ = inspect(&token, &world, &keyring);
        }
    }
}
