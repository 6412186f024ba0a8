//! Web identity tokens through the STS verifier and the `decode` inspector.
//!
//! The keyring is the default world's (the fixture RSA key as the cluster's signing key)
//! plus one JWKS provider with EC P-256, P-384 and P-521 keys, so every verifier path is
//! reachable. A token whose signature part is exactly `RESIGN` is signed RS256 with the
//! fixture key first: that lets the fuzzer past the signature into the claim checks.
//! Where both verifiers apply (an RS256 token STS accepts), `decode` must verify it too.
#![no_main]

use std::path::Path;
use std::sync::OnceLock;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use irsa_local::oidc::inspect::{inspect, SignatureCheck};
use irsa_local::oidc::keyring::Keyring;
use irsa_local::oidc::keys::{key_dir, SigningKey};
use irsa_local::oidc::verify::verify;
use irsa_local::world::{self, World};
use libfuzzer_sys::fuzz_target;

/// Just after the seed tokens in `corpus/jwt` were minted, so they verify.
const NOW: u64 = 1_795_946_376;
const FIXTURE_KEY: &str = include_str!("../../fixtures/test-signing-key.pem");
/// Public EC keys only: these tokens never verify, but every EC path parses and checks.
const JWKS_PROVIDER: &str = r#"{
  "url": "https://token.actions.githubusercontent.com",
  "clientIds": ["sts.amazonaws.com"],
  "jwks": {"keys": [
    {"kty": "EC", "crv": "P-256", "kid": "ec-p-256", "x": "KeHrygRBJCv_FtgtyZV8K_acasnfqluPdqwFjjLuEro", "y": "AwO8JiUyULlQ4D3Nft9zOj1yNVan4F_ZGPKvyy6NPQI"},
    {"kty": "EC", "crv": "P-384", "kid": "ec-p-384", "x": "X9yjlQp6OvHd82GPmdlU0wfkzn_0vkeC-77s8uA023j_7Q26S6XBxt2g8S9yHR23", "y": "kD2MhlllXdfMyNbvS-ph_-EBUNAsWjQLhWNuIfL36ZAttBgZgAdviWJOc8ZL6u8H"},
    {"kty": "EC", "crv": "P-521", "kid": "ec-p-521", "x": "AAxjcYdHy8dr5q-pRySXRyUR9CRAtskSIbKN-C964UzWnET_YKZIozoQvOMV0kJaKLn_QWfTwXbbjYh9BlszGkS2", "y": "AC3uSmezoouDPYDMvlnYM2mh5J2IyPagrV9E1Yssr7IzgxdU6kNS9dtQrk4kdS5jYIjoT4qngiy_4exj0j4zUdt6"}
  ]}
}"#;

struct Fixture {
    world: World,
    keyring: Keyring,
    signer: SigningKey,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let mut document: serde_json::Value =
            serde_json::from_str(world::DEFAULT_WORLD_JSON).expect("default world is JSON");
        document["oidcProviders"]
            .as_array_mut()
            .expect("oidcProviders")
            .push(serde_json::from_str(JWKS_PROVIDER).expect("provider JSON"));
        let world = world::parse("fuzz world", &document.to_string(), Path::new("."))
            .expect("fuzz world loads");
        // Keyring::load reads keys/<cluster>/NNNN.pem once and keeps the keys in memory,
        // so the directory goes as soon as it has loaded (a static is never dropped).
        let data_dir = tempfile::tempdir().expect("temp dir");
        let dir = key_dir(data_dir.path(), world.default_cluster().name.as_str());
        std::fs::create_dir_all(&dir).expect("key dir");
        std::fs::write(dir.join("0001.pem"), FIXTURE_KEY).expect("key file");
        let keyring = Keyring::load(&world, data_dir.path()).expect("keyring loads");
        drop(data_dir);
        let signer = SigningKey::from_pem(FIXTURE_KEY, Path::new("fixture")).expect("fixture key");
        Fixture {
            world,
            keyring,
            signer,
        }
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let fixture = fixture();
    let token = match text.trim().strip_suffix(".RESIGN") {
        Some(signing_input) => match fixture.signer.sign_rs256(signing_input.as_bytes()) {
            Ok(signature) => format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature)),
            Err(_) => return,
        },
        None => text.to_owned(),
    };
    let verified = verify(&token, &fixture.world.oidc_providers, &fixture.keyring, NOW);
    let inspected = inspect(&token, &fixture.world, &fixture.keyring);
    // The two verifiers must agree where both apply: an RS256 token STS accepts was signed
    // by a cluster key, which `decode` checks too.
    if let (Ok(claims), Ok(inspection)) = (&verified, &inspected) {
        if inspection.header.get("alg").and_then(|alg| alg.as_str()) == Some("RS256") {
            assert!(
                matches!(inspection.signature, SignatureCheck::Verified { .. }),
                "STS accepted a token for {} that decode does not verify: {:?}",
                claims.subject,
                inspection.signature
            );
        }
    }
});
