//! `verify` as a whole: clock skew and presign expiry at their boundaries, the order of its
//! checks, what a refusal carries, and random Authorization headers and queries that must
//! never panic. Requests are signed here with the module's own canonicalisation; AWS's
//! vectors check that separately, in `tests/sigv4_suite.rs`.

use axum::http::request::Parts;
use axum::http::{HeaderValue, Request, Uri};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::hash::{encode_hex, sha256_hex, EMPTY_SHA256};
use super::*;

const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const TIMESTAMP: &str = "20150830T123600Z";
/// 2015-08-30T12:36:00Z.
const SIGNED_AT: u64 = 1_440_938_160;
const CREDENTIAL: &str = "AKIDEXAMPLE/20150830/us-east-1/s3/aws4_request";
const HOST: (&str, &str) = ("host", "example.com");
const AMZ_DATE: (&str, &str) = ("x-amz-date", TIMESTAMP);

/// A named case: request, rules, body read, secret, and `Ok` or the refusal's cause.
type VerifyCase<'a> = (
    &'a str,
    &'a Parts,
    Rules,
    &'a [u8],
    &'a str,
    Result<(), &'a str>,
);

fn secret() -> SecretKey {
    SecretKey::new(SECRET.into())
}

fn parts(method: &str, uri: &str, headers: &[(&str, &str)]) -> Parts {
    let mut builder = Request::builder().method(method).uri(uri);
    for (name, value) in headers {
        builder = builder.header(*name, *value);
    }
    builder.body(()).expect("test request").into_parts().0
}

/// The hex signature of `request` under [`SECRET`], with its signature parsed as it stands.
fn sign(request: &Parts, rules: Rules, payload_line: &str) -> String {
    let auth = parse(request).expect("parses").expect("signed");
    let view = RequestView::from(request);
    let canonical = canonical_request(&view, &auth, rules, payload_line).expect("canonical");
    let key = SigningKey::derive(&secret(), &auth.scope);
    encode_hex(&key.sign(&string_to_sign(&auth, &canonical)))
}

/// A request signed in the header form over all its headers.
fn header_signed(uri: &str, headers: &[(&str, &str)], rules: Rules, payload_line: &str) -> Parts {
    let mut request = parts("PUT", uri, headers);
    let mut names: Vec<&str> = headers.iter().map(|(name, _)| *name).collect();
    names.sort_unstable();
    let authorization = |signature: &str| {
        let signed = names.join(";");
        let value = format!("AWS4-HMAC-SHA256 Credential={CREDENTIAL}, SignedHeaders={signed}, Signature={signature}");
        HeaderValue::from_str(&value).expect("authorization")
    };
    request.headers.insert("authorization", authorization("00"));
    let signature = sign(&request, rules, payload_line);
    request
        .headers
        .insert("authorization", authorization(&signature));
    request
}

/// A presigned `GET` of `/bucket/key`, signing `host` only, valid for `expires` seconds.
fn presigned(expires: u64, rules: Rules, payload_line: &str) -> Parts {
    let credential = CREDENTIAL.replace('/', "%2F");
    let query = format!(
        "X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential={credential}&X-Amz-Date={TIMESTAMP}\
         &X-Amz-Expires={expires}&X-Amz-SignedHeaders=host"
    );
    let unsigned = parts(
        "GET",
        &format!("/bucket/key?{query}&X-Amz-Signature=00"),
        &[HOST],
    );
    let signature = sign(&unsigned, rules, payload_line);
    parts(
        "GET",
        &format!("/bucket/key?{query}&X-Amz-Signature={signature}"),
        &[HOST],
    )
}

fn check(request: &Parts, rules: Rules, body: &[u8], now: u64) -> Result<Verified, SigV4Error> {
    let auth = parse(request)?.expect("signed");
    verify(request, &auth, rules, PayloadHash::of(body), &secret(), now)
}

#[test]
fn header_form_clock_skew_boundaries() {
    let request = header_signed("/", &[HOST, AMZ_DATE], Rules::Standard, EMPTY_SHA256);
    let skewed = |server_time| {
        Err(SigV4Error::RequestTimeTooSkewed {
            request_time: SIGNED_AT,
            server_time,
        })
    };
    #[rustfmt::skip]
    let cases = [
        ("at_signing_time", SIGNED_AT, Ok(())),
        ("fifteen_minutes_later", SIGNED_AT + 900, Ok(())),
        ("fifteen_minutes_earlier", SIGNED_AT - 900, Ok(())),
        ("one_second_too_late", SIGNED_AT + 901, skewed(SIGNED_AT + 901)),
        ("one_second_too_early", SIGNED_AT - 901, skewed(SIGNED_AT - 901)),
        ("epoch", 0, skewed(0)),
        ("far_future", u64::MAX, skewed(u64::MAX)),
    ];
    for (name, now, want) in cases {
        assert_eq!(
            check(&request, Rules::Standard, b"", now).map(drop),
            want,
            "case {name}"
        );
    }
}

#[test]
fn presigned_expiry_boundaries() {
    let request = presigned(3600, Rules::S3, "UNSIGNED-PAYLOAD");
    let expired = |server_time| {
        Err(SigV4Error::PresignExpired {
            expires_seconds: 3600,
            expired_at: SIGNED_AT + 3600,
            server_time,
        })
    };
    let early = |server_time| {
        Err(SigV4Error::RequestTimeTooSkewed {
            request_time: SIGNED_AT,
            server_time,
        })
    };
    #[rustfmt::skip]
    let cases = [
        ("at_signing_time", SIGNED_AT, Ok(())),
        ("last_valid_second", SIGNED_AT + 3600, Ok(())),
        ("one_second_after_expiry", SIGNED_AT + 3601, expired(SIGNED_AT + 3601)),
        ("much_later", u64::MAX, expired(u64::MAX)),
        ("signed_fifteen_minutes_ahead", SIGNED_AT - 900, Ok(())),
        ("signed_too_far_ahead", SIGNED_AT - 901, early(SIGNED_AT - 901)),
    ];
    for (name, now, want) in cases {
        assert_eq!(
            check(&request, Rules::S3, b"ignored", now).map(drop),
            want,
            "case {name}"
        );
    }
}

#[test]
fn refusals_name_their_cause() {
    let hash = sha256_hex(b"hello");
    let good = header_signed("/a%20b", &[HOST, AMZ_DATE], Rules::Standard, EMPTY_SHA256);
    let with = |edit: &dyn Fn(&mut Parts)| {
        let mut request = good.clone();
        edit(&mut request);
        request
    };
    let other_scope_date = with(&|request| {
        let value = request.headers["authorization"]
            .to_str()
            .unwrap_or_default();
        let value = value.replace("/20150830/", "/20150831/");
        request.headers.insert(
            "authorization",
            HeaderValue::from_str(&value).expect("value"),
        );
    });
    let other_host = with(&|request| {
        request
            .headers
            .insert("host", HeaderValue::from_static("example.org"));
    });
    let no_host = with(&|request| {
        request.headers.remove("host");
    });
    let extra_header = with(&|request| {
        request
            .headers
            .insert("x-extra", HeaderValue::from_static("1"));
    });
    let date_header = ("date", "Sun, 30 Aug 2015 12:36:00 GMT");
    let date_signed = header_signed("/", &[HOST, date_header], Rules::Standard, EMPTY_SHA256);
    let s3_hashed = header_signed(
        "/b/k",
        &[HOST, AMZ_DATE, ("x-amz-content-sha256", &hash)],
        Rules::S3,
        &hash,
    );
    let stale = with(&|request| {
        request
            .headers
            .insert("x-amz-date", HeaderValue::from_static("20150830T130100Z"));
    });
    #[rustfmt::skip]
    let cases: [VerifyCase<'_>; 10] = [
        ("valid", &good, Rules::Standard, b"", SECRET, Ok(())),
        ("date_header_instead_of_x_amz_date", &date_signed, Rules::Standard, b"", SECRET, Ok(())),
        ("unsigned_header_added", &extra_header, Rules::Standard, b"", SECRET, Ok(())),
        ("s3_body_with_declared_hash", &s3_hashed, Rules::S3, b"hello", SECRET, Ok(())),
        ("s3_body_after_a_valid_signature", &s3_hashed, Rules::S3, b"other", SECRET, Err("ContentSha256Mismatch")),
        ("other_secret", &good, Rules::Standard, b"", "other", Err("SignatureDoesNotMatch")),
        ("signed_header_changed", &other_host, Rules::Standard, b"", SECRET, Err("SignatureDoesNotMatch")),
        ("signed_header_removed", &no_host, Rules::Standard, b"", SECRET, Err("MissingSignedHeader")),
        ("scope_date_not_request_date", &other_scope_date, Rules::Standard, b"", SECRET, Err("ScopeDateMismatch")),
        ("time_checked_before_signature", &stale, Rules::Standard, b"", SECRET, Err("RequestTimeTooSkewed")),
    ];
    for (name, request, rules, body, secret, want) in cases {
        let auth = parse(request).expect("parses").expect("signed");
        let secret = SecretKey::new(secret.into());
        let got = verify(
            request,
            &auth,
            rules,
            PayloadHash::of(body),
            &secret,
            SIGNED_AT,
        );
        let got = got.map(drop).map_err(|err| format!("{err:?}"));
        match want {
            Ok(()) => assert_eq!(got, Ok(()), "case {name}"),
            Err(cause) => assert!(
                got.as_ref().is_err_and(|err| err.starts_with(cause)),
                "case {name}: {got:?}"
            ),
        }
    }
}

#[test]
fn mismatch_carries_the_servers_canonical_request() {
    let request = header_signed(
        "/a%20b?x=1",
        &[HOST, AMZ_DATE],
        Rules::Standard,
        EMPTY_SHA256,
    );
    let mut auth = parse(&request).expect("parses").expect("signed");
    auth.signature[0] ^= 1;
    let got = verify(
        &request,
        &auth,
        Rules::Standard,
        PayloadHash::of(b""),
        &secret(),
        SIGNED_AT,
    );
    let canonical_request = format!(
        "PUT\n/a%2520b\nx=1\nhost:example.com\nx-amz-date:{TIMESTAMP}\n\nhost;x-amz-date\n{EMPTY_SHA256}"
    );
    let string_to_sign = string_to_sign(&auth, &canonical_request);
    let want = SigV4Error::SignatureDoesNotMatch {
        access_key_id: auth.access_key_id.clone(),
        signature_provided: crate::hex::encode(&auth.signature),
        string_to_sign,
        canonical_request,
    };
    assert_eq!(got.map(drop), Err(want));
}

#[test]
fn verified_carries_the_chain_seed() {
    let streaming = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
    let headers = [HOST, AMZ_DATE, ("x-amz-content-sha256", streaming)];
    let request = header_signed("/b/k", &headers, Rules::S3, streaming);
    let auth = parse(&request).expect("parses").expect("signed");
    let verified = check(&request, Rules::S3, b"", SIGNED_AT).expect("verifies");
    assert_eq!(verified.payload_mode, PayloadMode::StreamingSigned);
    assert_eq!(verified.seed_signature, auth.signature);
    assert_eq!(verified.scope, auth.scope);
    assert_eq!(verified.timestamp, TIMESTAMP);
    assert_eq!(
        format!("{:?}", verified.signing_key),
        "SigningKey(<redacted>)"
    );
}

/// Random Authorization headers and queries, built from SigV4's own pieces and noise,
/// must end in a result, never a panic.
#[test]
fn random_authorizations_never_panic() {
    let mut rng = StdRng::seed_from_u64(0x5167_0001);
    let pieces = [
        "AWS4-HMAC-SHA256",
        " ",
        ",",
        ", ",
        "=",
        "/",
        ";",
        "Credential=",
        "SignedHeaders=",
        "Signature=",
        "AKID/20150830/us-east-1/s3/aws4_request",
        "host;x-amz-date",
        "host",
        "",
        "00ff",
        "%",
        "%2F",
        "&",
        "X-Amz-Algorithm=",
        "X-Amz-Credential=",
        "X-Amz-Date=",
        TIMESTAMP,
        "X-Amz-Expires=",
        "604800",
        "X-Amz-SignedHeaders=",
        "X-Amz-Signature=",
        "X-Amz-Security-Token=",
        "+",
        "é",
        "..",
        "Bad Name",
    ];
    let random_text = |rng: &mut StdRng| -> String {
        (0..rng.gen_range(0..12))
            .map(|_| match rng.gen_range(0..5) {
                0 => char::from(rng.gen_range(b' '..=b'~')).to_string(),
                _ => pieces[rng.gen_range(0..pieces.len())].to_owned(),
            })
            .collect()
    };
    for _ in 0..5_000 {
        let header = random_text(&mut rng);
        let uri = format!("/{}?{}", random_text(&mut rng), random_text(&mut rng));
        let Ok(uri) = uri.parse::<Uri>() else {
            continue;
        };
        let mut request = parts("GET", "/", &[HOST, AMZ_DATE]);
        request.uri = uri;
        if let (Ok(value), true) = (HeaderValue::from_str(&header), rng.gen_bool(0.7)) {
            request.headers.insert("authorization", value);
        }
        if let Ok(Some(auth)) = parse(&request) {
            let rules = if rng.gen_bool(0.5) {
                Rules::S3
            } else {
                Rules::Standard
            };
            let _ = verify(
                &request,
                &auth,
                rules,
                PayloadHash::of(b""),
                &secret(),
                SIGNED_AT,
            );
        }
    }
}
