//! The verifier against tokens built by hand: every check, each with the cause it must
//! report.

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, KeyPair, ECDSA_P256_SHA256_FIXED_SIGNING};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Value};

use super::*;
use crate::oidc::keys::{KeySet, SigningKey};

const ISSUER: &str = "https://oidc.eks.us-west-2.amazonaws.com/id/80D562ED8026E91294D52E09BEA261D4";
const OTHER_ISSUER: &str = "https://token.actions.githubusercontent.com";
const NOW: u64 = 1_700_000_000;

struct Fixture {
    providers: Vec<OidcProvider>,
    rsa: SigningKey,
    other_rsa: SigningKey,
    ec: EcdsaKeyPair,
    cluster_keys: KeySet,
    jwks_keys: Vec<VerificationKey>,
}

impl Fixture {
    /// The fixture's provider for an issuer URL, as the account's table finds it.
    fn provider(&self, issuer: &str) -> Option<&OidcProvider> {
        self.providers.iter().find(|p| p.url.as_str() == issuer)
    }
}

impl ProviderKeys for Fixture {
    fn keys_for(&self, url: &str) -> Result<&[VerificationKey], String> {
        match url {
            ISSUER => Ok(self.cluster_keys.verification_keys()),
            OTHER_ISSUER => Ok(&self.jwks_keys),
            _ => Err(format!("no keys for {url}")),
        }
    }
}

fn provider(url: &str, client_ids: &[&str]) -> OidcProvider {
    serde_json::from_value(json!({"url": url, "clientIds": client_ids})).unwrap()
}

fn fixture() -> Fixture {
    let pem = include_str!("../../../fixtures/test-signing-key.pem");
    let rsa = SigningKey::from_pem(pem, std::path::Path::new("fixture")).unwrap();
    let other_pem = rsa::pkcs8::EncodePrivateKey::to_pkcs8_pem(
        &rsa::RsaPrivateKey::new(&mut rand::rngs::OsRng, 2048).unwrap(),
        rsa::pkcs8::LineEnding::LF,
    )
    .unwrap();
    let other_rsa = SigningKey::from_pem(&other_pem, std::path::Path::new("other")).unwrap();
    let ec = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_FIXED_SIGNING).unwrap();
    let point = ec.public_key().as_ref().to_vec();
    let jwk: Jwk = serde_json::from_value(json!({
        "kty": "EC", "crv": "P-256", "kid": "ec-1",
        "x": URL_SAFE_NO_PAD.encode(&point[1..33]), "y": URL_SAFE_NO_PAD.encode(&point[33..65]),
    }))
    .unwrap();
    let cluster_keys = KeySet::from_keys(vec![SigningKey::from_pem(
        pem,
        std::path::Path::new("fixture"),
    )
    .unwrap()]);
    Fixture {
        providers: vec![
            provider(ISSUER, &["sts.amazonaws.com"]),
            provider(OTHER_ISSUER, &["sts.amazonaws.com"]),
            provider("https://keyless.example", &["sts.amazonaws.com"]),
        ],
        rsa,
        other_rsa,
        ec,
        cluster_keys,
        jwks_keys: vec![VerificationKey::from_jwk(&jwk).unwrap()],
    }
}

fn claims() -> Value {
    json!({
        "aud": ["sts.amazonaws.com"], "exp": NOW + 3600, "iat": NOW, "iss": ISSUER,
        "nbf": NOW, "sub": "system:serviceaccount:default:iam-test",
    })
}

fn encode(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// Signs `header.claims` with RSA-SHA256 under `key`.
fn rs256(key: &SigningKey, header: &Value, claims: &Value) -> String {
    let input = format!("{}.{}", encode(header), encode(claims));
    let signature = key.sign_rs256(input.as_bytes()).unwrap();
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

fn es256(key: &EcdsaKeyPair, header: &Value, claims: &Value) -> String {
    let input = format!("{}.{}", encode(header), encode(claims));
    let signature = key.sign(&SystemRandom::new(), input.as_bytes()).unwrap();
    format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature.as_ref()))
}

fn with(edit: impl FnOnce(&mut Value)) -> Value {
    let mut value = claims();
    edit(&mut value);
    value
}

#[test]
fn tokens_are_checked_in_order_with_named_causes() {
    let f = fixture();
    let kid = f.rsa.kid().to_owned();
    let header = json!({"alg": "RS256", "kid": kid});
    let good = rs256(&f.rsa, &header, &claims());
    let (good_input, _) = good.rsplit_once('.').unwrap();
    let hs256 = {
        // The classic confusion attack: HMAC keyed with the RSA public key's JWK text.
        let input = format!(
            "{}.{}",
            encode(&json!({"alg": "HS256", "kid": kid})),
            encode(&claims())
        );
        let key = aws_lc_rs::hmac::Key::new(
            aws_lc_rs::hmac::HMAC_SHA256,
            f.cluster_keys.jwks_json().as_bytes(),
        );
        let tag = aws_lc_rs::hmac::sign(&key, input.as_bytes());
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(tag.as_ref()))
    };
    let tampered = {
        let forged = encode(&with(|c| {
            c["sub"] = "system:serviceaccount:kube-system:admin".into()
        }));
        let parts: Vec<&str> = good.split('.').collect();
        format!("{}.{forged}.{}", parts[0], parts[2])
    };
    let cases: Vec<(&str, String, Result<&str, TokenError>)> = vec![
        ("valid", good.clone(), Ok("sts.amazonaws.com")),
        (
            "trailing_newline_trimmed",
            format!("{good}\n"),
            Ok("sts.amazonaws.com"),
        ),
        ("too_short", "a.b".into(), Err(TokenError::Length(3))),
        (
            "too_long",
            "a".repeat(20_001),
            Err(TokenError::Length(20_001)),
        ),
        (
            "garbage",
            "not-a-jwt-at-all".into(),
            Err(TokenError::Malformed("a JWT has three dot-separated parts")),
        ),
        (
            "four_parts",
            format!("{good}.x"),
            Err(TokenError::Malformed("a JWT has three dot-separated parts")),
        ),
        (
            "header_not_json",
            format!("bm90.{}", &good[good.find('.').unwrap() + 1..]),
            Err(TokenError::Malformed("the header is not base64url JSON")),
        ),
        (
            "no_iss",
            rs256(
                &f.rsa,
                &header,
                &with(|c| {
                    c.as_object_mut().unwrap().remove("iss");
                }),
            ),
            Err(TokenError::MissingClaim("iss")),
        ),
        (
            "unregistered_issuer",
            rs256(
                &f.rsa,
                &header,
                &with(|c| c["iss"] = "https://evil.example".into()),
            ),
            Err(TokenError::UnknownIssuer {
                issuer: "https://evil.example".into(),
            }),
        ),
        (
            "issuer_with_trailing_slash",
            rs256(
                &f.rsa,
                &header,
                &with(|c| c["iss"] = format!("{ISSUER}/").into()),
            ),
            Err(TokenError::UnknownIssuer {
                issuer: format!("{ISSUER}/"),
            }),
        ),
        (
            "no_aud",
            rs256(
                &f.rsa,
                &header,
                &with(|c| {
                    c.as_object_mut().unwrap().remove("aud");
                }),
            ),
            Err(TokenError::MissingAudience),
        ),
        (
            "empty_aud_list",
            rs256(&f.rsa, &header, &with(|c| c["aud"] = json!([]))),
            Err(TokenError::MissingAudience),
        ),
        (
            "wrong_aud",
            rs256(
                &f.rsa,
                &header,
                &with(|c| c["aud"] = json!(["https://kubernetes.default.svc"])),
            ),
            Err(TokenError::IncorrectAudience {
                audiences: vec!["https://kubernetes.default.svc".into()],
            }),
        ),
        (
            "aud_as_string",
            rs256(
                &f.rsa,
                &header,
                &with(|c| c["aud"] = "sts.amazonaws.com".into()),
            ),
            Ok("sts.amazonaws.com"),
        ),
        (
            "second_aud_matches",
            rs256(
                &f.rsa,
                &header,
                &with(|c| c["aud"] = json!(["other", "sts.amazonaws.com"])),
            ),
            Ok("sts.amazonaws.com"),
        ),
        (
            "alg_none",
            format!("{}.{}.", encode(&json!({"alg": "none"})), encode(&claims())),
            Err(TokenError::AlgorithmNotAllowed("none".into())),
        ),
        (
            "alg_hs256_with_public_key",
            hs256,
            Err(TokenError::AlgorithmNotAllowed("HS256".into())),
        ),
        (
            "alg_ps256",
            rs256(&f.rsa, &json!({"alg": "PS256", "kid": kid}), &claims()),
            Err(TokenError::AlgorithmNotAllowed("PS256".into())),
        ),
        (
            "alg_missing",
            rs256(&f.rsa, &json!({"kid": kid}), &claims()),
            Err(TokenError::AlgorithmNotAllowed(String::new())),
        ),
        (
            "unknown_kid",
            rs256(&f.rsa, &json!({"alg": "RS256", "kid": "nope"}), &claims()),
            Err(TokenError::UnknownKey { kid: "nope".into() }),
        ),
        (
            // RFC 7515 §4.1.11: a recipient that does not understand an extension `crit`
            // names must refuse the token; the verifier understands none.
            "crit_names_an_unknown_extension",
            rs256(
                &f.rsa,
                &json!({"alg": "RS256", "kid": kid, "crit": ["exp"], "exp": NOW}),
                &claims(),
            ),
            Err(TokenError::UnknownCritical(vec!["exp".into()])),
        ),
        (
            "kid_is_a_number",
            rs256(&f.rsa, &json!({"alg": "RS256", "kid": 7}), &claims()),
            Err(TokenError::UnknownKey { kid: "7".into() }),
        ),
        (
            "no_kid_tries_every_key",
            rs256(&f.rsa, &json!({"alg": "RS256"}), &claims()),
            Ok("sts.amazonaws.com"),
        ),
        (
            "es256_header_on_an_rsa_key",
            rs256(&f.rsa, &json!({"alg": "ES256", "kid": kid}), &claims()),
            Err(TokenError::NoKeyOfType {
                algorithm: "ES256".into(),
                kid: Some(kid.clone()),
            }),
        ),
        (
            "tampered_payload",
            tampered,
            Err(TokenError::BadSignature { checked: 1 }),
        ),
        (
            "signed_by_another_key",
            rs256(&f.other_rsa, &header, &claims()),
            Err(TokenError::BadSignature { checked: 1 }),
        ),
        (
            "signature_stripped",
            format!("{good_input}."),
            Err(TokenError::BadSignature { checked: 1 }),
        ),
        (
            "expired_beyond_skew",
            rs256(&f.rsa, &header, &with(|c| c["exp"] = (NOW - 301).into())),
            Err(TokenError::Expired {
                now: NOW,
                expires_at: NOW - 301,
            }),
        ),
        (
            "expired_within_skew",
            rs256(&f.rsa, &header, &with(|c| c["exp"] = (NOW - 300).into())),
            Ok("sts.amazonaws.com"),
        ),
        (
            "nbf_in_the_future",
            rs256(&f.rsa, &header, &with(|c| c["nbf"] = (NOW + 301).into())),
            Err(TokenError::NotYetValid {
                now: NOW,
                not_before: NOW + 301,
            }),
        ),
        (
            "nbf_within_skew",
            rs256(&f.rsa, &header, &with(|c| c["nbf"] = (NOW + 300).into())),
            Ok("sts.amazonaws.com"),
        ),
        (
            "iat_in_the_future",
            rs256(&f.rsa, &header, &with(|c| c["iat"] = (NOW + 3600).into())),
            Err(TokenError::IssuedInFuture {
                now: NOW,
                issued_at: NOW + 3600,
            }),
        ),
        (
            "exp_as_float",
            rs256(&f.rsa, &header, &with(|c| c["exp"] = json!(1.7e9))),
            Err(TokenError::BadTimestamp { claim: "exp" }),
        ),
        (
            "exp_as_string",
            rs256(&f.rsa, &header, &with(|c| c["exp"] = "1700003600".into())),
            Err(TokenError::BadTimestamp { claim: "exp" }),
        ),
        (
            "no_exp",
            rs256(
                &f.rsa,
                &header,
                &with(|c| {
                    c.as_object_mut().unwrap().remove("exp");
                }),
            ),
            Err(TokenError::MissingClaim("exp")),
        ),
        (
            "no_sub",
            rs256(
                &f.rsa,
                &header,
                &with(|c| {
                    c.as_object_mut().unwrap().remove("sub");
                }),
            ),
            Err(TokenError::MissingClaim("sub")),
        ),
        (
            "provider_without_keys",
            rs256(
                &f.rsa,
                &header,
                &with(|c| c["iss"] = "https://keyless.example".into()),
            ),
            Err(TokenError::NoKeys(
                "no keys for https://keyless.example".into(),
            )),
        ),
        (
            "es256_from_a_jwks_provider",
            es256(
                &f.ec,
                &json!({"alg": "ES256", "kid": "ec-1"}),
                &with(|c| c["iss"] = OTHER_ISSUER.into()),
            ),
            Ok("sts.amazonaws.com"),
        ),
        (
            "rs256_header_on_an_ec_key",
            rs256(
                &f.rsa,
                &json!({"alg": "RS256", "kid": "ec-1"}),
                &with(|c| c["iss"] = OTHER_ISSUER.into()),
            ),
            Err(TokenError::NoKeyOfType {
                algorithm: "RS256".into(),
                kid: Some("ec-1".into()),
            }),
        ),
    ];
    for (name, token, want) in cases {
        let got = verify(&token, |issuer| f.provider(issuer), &f, NOW);
        match (got, want) {
            (Ok(claims), Ok(audience)) => assert_eq!(claims.audience, audience, "case {name}"),
            (Err(got), Err(want)) => assert_eq!(got, want, "case {name}"),
            (got, want) => panic!("case {name}: got {got:?}, want {want:?}"),
        }
    }
}

#[test]
fn verified_claims_carry_subject_provider_and_claims() {
    let f = fixture();
    let token = rs256(
        &f.rsa,
        &json!({"alg": "RS256", "kid": f.rsa.kid()}),
        &with(|c| c["amr"] = json!(["pwd"])),
    );
    let verified = verify(&token, |issuer| f.provider(issuer), &f, NOW).unwrap();
    assert_eq!(verified.subject, "system:serviceaccount:default:iam-test");
    assert_eq!(verified.provider.url.as_str(), ISSUER);
    assert_eq!(verified.expires_at, NOW + 3600);
    assert_eq!(verified.claims["amr"], json!(["pwd"]));
}

#[test]
fn never_panics_on_random_tokens() {
    use rand::{Rng, SeedableRng};
    let f = fixture();
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    let pieces = [
        "eyJ", "hbGciOiJ", ".", "=", "-", "_", "e30", "W10", "bnVsbA", "\u{e9}", " ",
    ];
    for _ in 0..5_000 {
        let token: String = (0..rng.gen_range(0..30))
            .map(|_| pieces[rng.gen_range(0..pieces.len())])
            .collect();
        let _ = verify(&token, |issuer| f.provider(issuer), &f, NOW);
    }
}
