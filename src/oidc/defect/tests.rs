//! Each defect minted and run through the STS verifier: it fails exactly its own check,
//! and the token differs from the valid one only where the defect says.

use std::path::Path;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use serde_json::{json, Map, Value};

use super::*;
use crate::oidc::mint::{mint, ObjectRef, TokenSpec};
use crate::oidc::verify::{self, ProviderKeys, TokenError, VerificationKey};
use crate::world::OidcProvider;

const ISSUER: &str = "https://oidc.eks.us-west-2.amazonaws.com/id/80D562ED8026E91294D52E09BEA261D4";
const NOW: u64 = 1_700_000_000;
const LIFETIME: u64 = 3600;

struct Fixture {
    provider: OidcProvider,
    own: KeySet,
    other: SigningKey,
}

impl ProviderKeys for Fixture {
    fn keys_for(&self, url: &str) -> Result<&[VerificationKey], String> {
        match url {
            ISSUER => Ok(self.own.verification_keys()),
            _ => Err(format!("no keys for {url}")),
        }
    }
}

impl Fixture {
    fn new() -> Self {
        let pem = include_str!("../../../fixtures/test-signing-key.pem");
        Self {
            provider: serde_json::from_value(
                json!({"url": ISSUER, "clientIds": ["sts.amazonaws.com"]}),
            )
            .unwrap(),
            own: KeySet::from_keys(vec![
                SigningKey::from_pem(pem, Path::new("fixture")).unwrap()
            ]),
            other: sign::ephemeral_key().unwrap(),
        }
    }

    fn signers(&self) -> Signers<'_> {
        Signers {
            own: &self.own,
            other_cluster: Some(&self.other),
        }
    }

    fn valid(&self) -> String {
        let spec = TokenSpec {
            namespace: "default".into(),
            service_account: ObjectRef {
                name: "iam-test".into(),
                uid: "sa-uid".into(),
            },
            audiences: vec!["sts.amazonaws.com".into()],
            expiration_seconds: LIFETIME,
            bound_object: None,
        };
        mint(&self.own, ISSUER, &spec, NOW, "jti-1").unwrap().token
    }

    fn verify(&self, token: &str) -> Result<verify::VerifiedClaims, TokenError> {
        verify::verify(
            token,
            |issuer| (issuer == self.provider.url.as_str()).then_some(&self.provider),
            self,
            NOW,
        )
    }
}

fn part(token: &str, index: usize) -> Map<String, Value> {
    let text = token.split('.').nth(index).unwrap();
    serde_json::from_slice(&URL_SAFE_NO_PAD.decode(text).unwrap()).unwrap()
}

/// The claims whose values differ between two payloads, a missing claim counted.
fn changed(before: &Map<String, Value>, after: &Map<String, Value>) -> Vec<String> {
    let mut keys: Vec<String> = before.keys().chain(after.keys()).cloned().collect();
    keys.sort();
    keys.dedup();
    keys.retain(|key| before.get(key) != after.get(key));
    keys
}

#[test]
fn every_defect_fails_its_own_check_and_changes_only_its_part() {
    let fixture = Fixture::new();
    let valid = fixture.valid();
    assert!(fixture.verify(&valid).is_ok(), "the control token verifies");
    let valid_claims = part(&valid, 1);
    let own_kid = fixture.own.signing().kid().to_owned();
    let other_issuer = "https://oidc.irsa-local.invalid/id/80D562ED8026E91294D52E09BEA261D4";
    #[rustfmt::skip]
    let cases: [(&str, TokenError, &[&str], Value); 12] = [
        ("expired", TokenError::Expired { now: NOW, expires_at: NOW - 3600 },
         &["exp", "iat", "nbf"], json!({"alg": "RS256", "kid": own_kid})),
        ("not-yet-valid", TokenError::NotYetValid { now: NOW, not_before: NOW + 3600 },
         &["exp", "nbf"], json!({"alg": "RS256", "kid": own_kid})),
        ("issued-in-future", TokenError::IssuedInFuture { now: NOW, issued_at: NOW + 3600 },
         &["exp", "iat"], json!({"alg": "RS256", "kid": own_kid})),
        ("other-issuer", TokenError::UnknownIssuer { issuer: other_issuer.into() },
         &["iss"], json!({"alg": "RS256", "kid": own_kid})),
        ("no-audience", TokenError::MissingAudience, &["aud"], json!({"alg": "RS256", "kid": own_kid})),
        ("other-audience", TokenError::IncorrectAudience { audiences: vec![OTHER_AUDIENCE.into()] },
         &["aud"], json!({"alg": "RS256", "kid": own_kid})),
        ("unknown-kid", TokenError::UnknownKey { kid: String::new() }, &[], Value::Null),
        ("other-cluster-key", TokenError::UnknownKey { kid: fixture.other.kid().into() },
         &[], json!({"alg": "RS256", "kid": fixture.other.kid()})),
        ("alg-none", TokenError::AlgorithmNotAllowed("none".into()), &[], json!({"alg": "none"})),
        ("hs256-public-key", TokenError::AlgorithmNotAllowed("HS256".into()),
         &[], json!({"alg": "HS256", "kid": own_kid})),
        ("tampered-payload", TokenError::BadSignature { checked: 1 },
         &["exp"], json!({"alg": "RS256", "kid": own_kid})),
        ("no-subject", TokenError::MissingClaim("sub"), &["sub"], json!({"alg": "RS256", "kid": own_kid})),
    ];
    assert_eq!(
        cases.each_ref().map(|case| case.0),
        DEFECTS.map(|(name, _)| name),
        "every defect has a case"
    );
    for (name, want, claims_changed, header) in cases {
        let defect = Defect::from_name(name).unwrap();
        assert_eq!(defect.name(), name, "case {name}");
        let token = spoil(&valid, defect, fixture.signers()).unwrap();
        let got = fixture.verify(&token).unwrap_err();
        match (&want, &got) {
            // A generated key's kid is not known in advance: any kid this issuer lacks.
            (TokenError::UnknownKey { kid }, TokenError::UnknownKey { kid: got_kid })
                if kid.is_empty() =>
            {
                assert_ne!(got_kid, &own_kid, "case {name}");
                assert_ne!(
                    got_kid,
                    fixture.other.kid(),
                    "case {name}: a fresh key, not the other cluster's"
                );
            }
            _ => assert_eq!(got, want, "case {name}"),
        }
        assert_eq!(
            changed(&valid_claims, &part(&token, 1)),
            claims_changed,
            "case {name}"
        );
        if !header.is_null() {
            assert_eq!(Value::Object(part(&token, 0)), header, "case {name}");
        }
    }
}

#[test]
fn time_defects_keep_the_lifetime_and_take_their_offsets() {
    let fixture = Fixture::new();
    let valid = fixture.valid();
    let cases = [
        (
            "expired_a_minute_ago",
            Defect::Expired { exp_offset: -60 },
            [NOW - 60 - LIFETIME, NOW - 60 - LIFETIME, NOW - 60],
        ),
        (
            "not_before_in_a_day",
            Defect::NotYetValid { nbf_offset: 86_400 },
            [NOW, NOW + 86_400, NOW + 86_400 + LIFETIME],
        ),
        (
            "issued_in_ten_minutes",
            Defect::IssuedInFuture { iat_offset: 600 },
            [NOW + 600, NOW, NOW + 600 + LIFETIME],
        ),
    ];
    for (name, defect, [iat, nbf, exp]) in cases {
        let claims = part(&spoil(&valid, defect, fixture.signers()).unwrap(), 1);
        let times = ["iat", "nbf", "exp"].map(|claim| claims[claim].as_u64().unwrap());
        assert_eq!(times, [iat, nbf, exp], "case {name}");
    }
}

#[test]
fn an_offset_within_the_skew_still_verifies() {
    let fixture = Fixture::new();
    let token = spoil(
        &fixture.valid(),
        Defect::Expired { exp_offset: -200 },
        fixture.signers(),
    )
    .unwrap();
    assert!(fixture.verify(&token).is_ok(), "300 s of skew covers 200 s");
}

#[test]
fn tampering_keeps_the_original_signature() {
    let fixture = Fixture::new();
    let valid = fixture.valid();
    let token = spoil(&valid, Defect::TamperedPayload, fixture.signers()).unwrap();
    assert_eq!(token.split('.').nth(2), valid.split('.').nth(2));
    assert_eq!(part(&token, 1)["exp"], NOW + LIFETIME + 86_400);
}

#[test]
fn hs256_is_keyed_with_the_public_key_pem() {
    let fixture = Fixture::new();
    let token = spoil(&fixture.valid(), Defect::Hs256PublicKey, fixture.signers()).unwrap();
    let (input, tag) = token.rsplit_once('.').unwrap();
    let pem = {
        use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey, LineEnding};
        let pem = include_str!("../../../fixtures/test-signing-key.pem");
        let private = rsa::RsaPrivateKey::from_pkcs8_pem(pem).unwrap();
        private
            .to_public_key()
            .to_public_key_pem(LineEnding::LF)
            .unwrap()
    };
    // An independent HMAC: jsonwebtoken keyed with the PEM text.
    let key = jsonwebtoken::DecodingKey::from_secret(pem.as_bytes()).unwrap();
    assert!(jsonwebtoken::crypto::verify(
        tag,
        input.as_bytes(),
        &key,
        jsonwebtoken::Algorithm::HS256
    )
    .unwrap());
}

#[test]
fn other_cluster_key_without_another_cluster_is_a_fresh_key() {
    let fixture = Fixture::new();
    let alone = Signers {
        own: &fixture.own,
        other_cluster: None,
    };
    let token = spoil(&fixture.valid(), Defect::OtherClusterKey, alone).unwrap();
    let kid = part(&token, 0)["kid"].as_str().unwrap().to_owned();
    assert_ne!(kid, fixture.own.signing().kid());
    assert_eq!(
        fixture.verify(&token).unwrap_err(),
        TokenError::UnknownKey { kid }
    );
}

#[test]
fn spoiling_what_is_not_a_minted_token_is_refused_without_panicking() {
    let fixture = Fixture::new();
    let no_times = format!("e30.{}.sig", URL_SAFE_NO_PAD.encode(r#"{"sub":"x"}"#));
    let extremes = [
        (
            "exp_before_the_epoch",
            Defect::Expired {
                exp_offset: i64::MIN,
            },
        ),
        (
            "nbf_past_u64",
            Defect::NotYetValid {
                nbf_offset: i64::MAX,
            },
        ),
        (
            "iat_past_u64",
            Defect::IssuedInFuture {
                iat_offset: i64::MAX,
            },
        ),
    ];
    for (name, defect) in extremes {
        let spoiled = spoil(&fixture.valid(), defect, fixture.signers());
        assert!(spoiled.is_ok(), "case {name}: saturates");
    }
    for (name, token) in [
        ("empty", ""),
        ("one_part", "abc"),
        ("not_base64", "a.%%%.c"),
        ("array", "a.W10.c"),
        ("no_times", no_times.as_str()),
    ] {
        let err = spoil(token, Defect::NoSubject, fixture.signers()).unwrap_err();
        assert!(matches!(err, DefectError::NotMinted), "case {name}: {err}");
        assert!(!err.is_request_problem(), "case {name}");
    }
}

/// What a request resolves to, or the start of the refusal's message.
type Wanted = Result<Option<Defect>, &'static str>;

#[test]
fn requests_resolve_to_one_defect_or_are_refused() {
    let request = |name: Option<&'static str>| DefectRequest {
        name,
        ..DefectRequest::default()
    };
    #[rustfmt::skip]
    let cases: Vec<(&str, DefectRequest<'static>, Wanted)> = vec![
        ("nothing_is_a_valid_token", DefectRequest::default(), Ok(None)),
        ("a_name", request(Some("alg-none")), Ok(Some(Defect::AlgNone))),
        ("expired_shorthand", DefectRequest { expired: true, ..DefectRequest::default() },
         Ok(Some(Defect::Expired { exp_offset: -3600 }))),
        ("exp_offset_alone", DefectRequest { exp_offset: Some(-60), ..DefectRequest::default() },
         Ok(Some(Defect::Expired { exp_offset: -60 }))),
        ("offset_replaces_the_named_default", DefectRequest { exp_offset: Some(-60), ..request(Some("expired")) },
         Ok(Some(Defect::Expired { exp_offset: -60 }))),
        ("shorthand_and_offset_agree", DefectRequest { expired: true, exp_offset: Some(-900), ..DefectRequest::default() },
         Ok(Some(Defect::Expired { exp_offset: -900 }))),
        ("nbf_offset", DefectRequest { nbf_offset: Some(60), ..DefectRequest::default() },
         Ok(Some(Defect::NotYetValid { nbf_offset: 60 }))),
        ("iat_offset", DefectRequest { iat_offset: Some(60), ..request(Some("issued-in-future")) },
         Ok(Some(Defect::IssuedInFuture { iat_offset: 60 }))),
        ("other_audience_alone", request(Some("other-audience")), Ok(Some(Defect::OtherAudience))),
        ("audience_with_another_defect", DefectRequest { audience_given: true, ..request(Some("no-subject")) },
         Ok(Some(Defect::NoSubject))),
        ("unknown_name", request(Some("expird")), Err("no defect named \"expird\"")),
        ("two_names", DefectRequest { expired: true, ..request(Some("alg-none")) },
         Err("one defect at a time: alg-none and expired")),
        ("offset_of_another_defect", DefectRequest { nbf_offset: Some(60), ..request(Some("expired")) },
         Err("one defect at a time: expired and not-yet-valid")),
        ("two_offsets", DefectRequest { exp_offset: Some(-60), iat_offset: Some(60), ..DefectRequest::default() },
         Err("one defect at a time")),
        ("exp_offset_in_the_future", DefectRequest { exp_offset: Some(60), ..DefectRequest::default() },
         Err("the exp offset must be negative")),
        ("exp_offset_zero", DefectRequest { exp_offset: Some(0), ..DefectRequest::default() },
         Err("the exp offset must be negative")),
        ("nbf_offset_in_the_past", DefectRequest { nbf_offset: Some(-60), ..DefectRequest::default() },
         Err("the nbf offset must be positive")),
        ("iat_offset_zero", DefectRequest { iat_offset: Some(0), ..DefectRequest::default() },
         Err("the iat offset must be positive")),
        ("audience_with_no_audience", DefectRequest { audience_given: true, ..request(Some("no-audience")) },
         Err("no-audience sets the audience itself")),
        ("audience_with_other_audience", DefectRequest { audience_given: true, ..request(Some("other-audience")) },
         Err("other-audience sets the audience itself")),
    ];
    for (name, request, want) in cases {
        match (request.resolve(), want) {
            (Ok(got), Ok(want)) => assert_eq!(got, want, "case {name}"),
            (Err(err), Err(message)) => {
                assert!(err.to_string().starts_with(message), "case {name}: {err}");
                assert!(err.is_request_problem(), "case {name}");
            }
            (got, want) => panic!("case {name}: got {got:?}, want {want:?}"),
        }
    }
}
