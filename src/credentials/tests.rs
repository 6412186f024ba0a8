use super::*;

fn session(expires_at: u64) -> Session {
    Session {
        account_id: "111122223333".into(),
        role_arn: "arn:aws:iam::111122223333:role/iam-test".into(),
        role_name: "iam-test".into(),
        role_id: "AROAEXAMPLEROLEID0001".into(),
        session_name: "botocore-session-1".into(),
        subject: "system:serviceaccount:default:iam-test".into(),
        audience: "sts.amazonaws.com".into(),
        provider_arn: "arn:aws:iam::111122223333:oidc-provider/oidc.example/id/X".into(),
        source_identity: None,
        session_policy: Some(r#"{"Statement":[]}"#.into()),
        policy_arns: vec!["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess".into()],
        tags: Vec::new(),
        issued_at: 1000,
        expires_at,
    }
}

#[test]
fn issued_credentials_have_aws_shapes_and_open_again() {
    let secret = CredentialSecret::from_bytes(&[7; 32]);
    let issued = issue(&secret, &session(5000)).unwrap();
    assert_eq!(issued.access_key_id.len(), 20);
    assert!(issued.access_key_id.starts_with("ASIA"));
    assert!(issued
        .access_key_id
        .bytes()
        .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit()));
    assert_eq!(issued.secret_access_key.len(), 40);
    assert_eq!(issued.expiration, 5000);
    let opened = open(&secret, &issued.access_key_id, &issued.session_token, 4999).unwrap();
    assert_eq!(opened.session, session(5000));
    assert_eq!(opened.secret_access_key, issued.secret_access_key);
    assert_eq!(
        opened.session.assumed_role_arn(),
        "arn:aws:sts::111122223333:assumed-role/iam-test/botocore-session-1"
    );
    assert_eq!(
        opened.session.assumed_role_id(),
        "AROAEXAMPLEROLEID0001:botocore-session-1"
    );
}

#[test]
fn anything_but_the_issued_pair_is_refused() {
    let secret = CredentialSecret::from_bytes(&[7; 32]);
    let other_secret = CredentialSecret::from_bytes(&[8; 32]);
    let issued = issue(&secret, &session(5000)).unwrap();
    let another = issue(&secret, &session(5000)).unwrap();
    let mut flipped = STANDARD.decode(&issued.session_token).unwrap();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    let flipped = STANDARD.encode(flipped);
    let mut wrong_version = STANDARD.decode(&issued.session_token).unwrap();
    wrong_version[0] = 9;
    let wrong_version = STANDARD.encode(wrong_version);
    let cases: Vec<(&str, &CredentialSecret, &str, &str, u64, CredentialError)> = vec![
        (
            "long_term_key",
            &secret,
            "AKIAEXAMPLE",
            &issued.session_token,
            0,
            CredentialError::NotTemporaryKey,
        ),
        (
            "token_of_another_key",
            &secret,
            &another.access_key_id,
            &issued.session_token,
            0,
            CredentialError::Tampered,
        ),
        (
            "flipped_bit",
            &secret,
            &issued.access_key_id,
            &flipped,
            0,
            CredentialError::Tampered,
        ),
        (
            "other_server_secret",
            &other_secret,
            &issued.access_key_id,
            &issued.session_token,
            0,
            CredentialError::Tampered,
        ),
        (
            "not_base64",
            &secret,
            &issued.access_key_id,
            "***",
            0,
            CredentialError::Malformed,
        ),
        (
            "too_short",
            &secret,
            &issued.access_key_id,
            "AQID",
            0,
            CredentialError::Malformed,
        ),
        (
            "unknown_version",
            &secret,
            &issued.access_key_id,
            &wrong_version,
            0,
            CredentialError::Malformed,
        ),
        (
            "expired",
            &secret,
            &issued.access_key_id,
            &issued.session_token,
            5000,
            CredentialError::Expired {
                expired_at: 5000,
                now: 5000,
            },
        ),
    ];
    for (name, secret, key, token, now, want) in cases {
        assert_eq!(
            open(secret, key, token, now).unwrap_err(),
            want,
            "case {name}"
        );
    }
}

#[test]
fn the_secret_persists_in_the_data_dir() {
    let dir = tempfile::tempdir().unwrap();
    let first = CredentialSecret::load_or_create(dir.path()).unwrap();
    let issued = issue(&first, &session(5000)).unwrap();
    let again = CredentialSecret::load_or_create(dir.path()).unwrap();
    assert!(open(&again, &issued.access_key_id, &issued.session_token, 0).is_ok());
    use std::os::unix::fs::PermissionsExt;
    let mode = std::fs::metadata(dir.path().join(SECRET_FILE))
        .unwrap()
        .permissions()
        .mode()
        & 0o777;
    assert_eq!(mode, 0o600);
    std::fs::write(dir.path().join(SECRET_FILE), "zz").unwrap();
    assert!(matches!(
        CredentialSecret::load_or_create(dir.path()),
        Err(SecretError::Corrupt { .. })
    ));
}

#[test]
fn never_panics_on_random_tokens() {
    use rand::{Rng, SeedableRng};
    let secret = CredentialSecret::from_bytes(&[1; 32]);
    let mut rng = rand::rngs::StdRng::seed_from_u64(5);
    for _ in 0..5_000 {
        let bytes: Vec<u8> = (0..rng.gen_range(0..80)).map(|_| rng.gen()).collect();
        let _ = open(&secret, "ASIAAAAAAAAAAAAAAAAA", &STANDARD.encode(&bytes), 0);
        let text: String = (0..rng.gen_range(0..40))
            .map(|_| char::from(rng.gen_range(32u8..127)))
            .collect();
        let _ = open(&secret, &text, &text, 0);
    }
}

/// A token sealed by `secret` for `access_key_id` around any plaintext, as `issue` seals.
fn seal_raw(secret: &CredentialSecret, access_key_id: &str, plain: &[u8]) -> String {
    let nonce = [3u8; NONCE_LEN];
    let mut sealed = plain.to_vec();
    secret
        .seal
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(access_key_id.as_bytes()),
            &mut sealed,
        )
        .unwrap();
    let mut token = vec![TOKEN_VERSION];
    token.extend_from_slice(&nonce);
    token.extend_from_slice(&sealed);
    STANDARD.encode(token)
}

#[test]
fn a_session_without_its_role_id_does_not_open() {
    let secret = CredentialSecret::from_bytes(&[7; 32]);
    let key = "ASIAAAAAAAAAAAAAAAAA";
    let mut fields = serde_json::to_value(session(5000)).unwrap();
    let intact = seal_raw(&secret, key, fields.to_string().as_bytes());
    assert!(
        open(&secret, key, &intact, 10).is_ok(),
        "the helper seals as issue does"
    );
    fields.as_object_mut().unwrap().remove("role_id");
    let without_role_id = seal_raw(&secret, key, fields.to_string().as_bytes());
    assert_eq!(
        open(&secret, key, &without_role_id, 10).map(|opened| opened.session),
        Err(CredentialError::Malformed),
        "a session that names no role id belongs to no role"
    );
}
