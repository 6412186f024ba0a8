//! The JOSE header of a web identity token, read once: the allow-listed algorithm, no
//! `crit` (the verifier understands no extension, so RFC 7515 §4.1.11 has it refuse any),
//! and the `kid`. <https://www.rfc-editor.org/rfc/rfc7515#section-4.1>

use jsonwebtoken::Algorithm;
use serde_json::{Map, Value};

use super::TokenError;

/// The allow-list: what STS accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SigningAlgorithm {
    Rs(Algorithm),
    Es256,
    Es384,
    Es512,
}

impl SigningAlgorithm {
    fn from_header(alg: &str) -> Option<Self> {
        match alg {
            "RS256" => Some(Self::Rs(Algorithm::RS256)),
            "RS384" => Some(Self::Rs(Algorithm::RS384)),
            "RS512" => Some(Self::Rs(Algorithm::RS512)),
            "ES256" => Some(Self::Es256),
            "ES384" => Some(Self::Es384),
            "ES512" => Some(Self::Es512),
            _ => None,
        }
    }
}

/// What the verifier takes from the header.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Header<'a> {
    /// `alg` as written, for the refusals that name it.
    pub alg: &'a str,
    pub algorithm: SigningAlgorithm,
    /// `None` when the header has no `kid`: then every key of the right type is tried.
    pub kid: Option<&'a str>,
}

/// Reads `header`, refusing an algorithm off the allow-list, any `crit`, and a `kid` that
/// is not a string.
pub(super) fn read(header: &Map<String, Value>) -> Result<Header<'_>, TokenError> {
    let alg = header
        .get("alg")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let algorithm = SigningAlgorithm::from_header(alg)
        .ok_or_else(|| TokenError::AlgorithmNotAllowed(alg.to_owned()))?;
    if let Some(crit) = header.get("crit") {
        return Err(TokenError::UnknownCritical(critical_names(crit)));
    }
    let kid = match header.get("kid") {
        None => None,
        Some(Value::String(kid)) => Some(kid.as_str()),
        // A `kid` that is not a string (a number, null) is still a `kid`: it must not fall
        // back to trying every key, as a token without one does. No published key can
        // carry it (a JWK's kid is a string), so it is refused as a kid that matches no key
        // is, which is how STS answers a kid absent from the issuer's JWKS.
        Some(other) => {
            return Err(TokenError::UnknownKey {
                kid: other.to_string(),
            })
        }
    };
    Ok(Header {
        alg,
        algorithm,
        kid,
    })
}

/// The extension names a `crit` parameter lists, for the refusal; a value that is not a
/// list of strings is reported as its JSON text.
fn critical_names(crit: &Value) -> Vec<String> {
    match crit {
        Value::Array(names) => names
            .iter()
            .map(|name| {
                name.as_str()
                    .map_or_else(|| name.to_string(), str::to_owned)
            })
            .collect(),
        other => vec![other.to_string()],
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn headers_read_or_refused() {
        let rs256 = SigningAlgorithm::Rs(Algorithm::RS256);
        let found = |kid| {
            Ok(Header {
                alg: "RS256",
                algorithm: rs256,
                kid,
            })
        };
        #[rustfmt::skip]
        let cases = [
            ("kid_string", json!({"alg": "RS256", "kid": "k1"}), found(Some("k1"))),
            ("no_kid", json!({"alg": "RS256"}), found(None)),
            ("es512", json!({"alg": "ES512"}), Ok(Header { alg: "ES512", algorithm: SigningAlgorithm::Es512, kid: None })),
            ("kid_is_a_number", json!({"alg": "RS256", "kid": 7}), Err(TokenError::UnknownKey { kid: "7".into() })),
            ("kid_is_null", json!({"alg": "RS256", "kid": null}), Err(TokenError::UnknownKey { kid: "null".into() })),
            ("kid_is_a_list", json!({"alg": "RS256", "kid": ["k1"]}), Err(TokenError::UnknownKey { kid: "[\"k1\"]".into() })),
            ("crit_names_an_extension", json!({"alg": "RS256", "crit": ["exp"], "exp": 1}), Err(TokenError::UnknownCritical(vec!["exp".into()]))),
            ("crit_b64", json!({"alg": "RS256", "crit": ["b64"], "b64": false}), Err(TokenError::UnknownCritical(vec!["b64".into()]))),
            ("crit_empty_list", json!({"alg": "RS256", "crit": []}), Err(TokenError::UnknownCritical(Vec::new()))),
            ("crit_not_a_list", json!({"alg": "RS256", "crit": "b64"}), Err(TokenError::UnknownCritical(vec!["\"b64\"".into()]))),
            ("crit_null", json!({"alg": "RS256", "crit": null}), Err(TokenError::UnknownCritical(vec!["null".into()]))),
            ("alg_checked_before_crit", json!({"alg": "none", "crit": ["x"]}), Err(TokenError::AlgorithmNotAllowed("none".into()))),
            ("alg_not_a_string", json!({"alg": 256}), Err(TokenError::AlgorithmNotAllowed(String::new()))),
        ];
        for (name, header, want) in cases {
            let Value::Object(header) = header else {
                panic!("case {name}: not an object")
            };
            assert_eq!(read(&header), want, "case {name}");
        }
    }
}
