//! SigV4: the `Authorization` header and presigned-query parser, the canonicaliser and
//! the verifier, and the aws-chunked body decoder, over a request written as an HTTP/1.1
//! message — the format of AWS's test vectors in `tests/data/sigv4`, which seed this.
//!
//! Input: an HTTP/1.1 request (see `Message`). Verification runs at the request's own
//! signing time with the secret of the AWS examples its access key id names, so the seeds
//! verify.
#![no_main]

use irsa_local::sigv4::{
    canonical_query, canonical_uri, decode_chunked, parse_amz_date, parse_view, verify_view,
    PayloadHash, PayloadMode, RequestView, Rules, SecretKey, SignatureForm, SigningKey, Verified,
};
use irsa_local_fuzz::Message;
use libfuzzer_sys::fuzz_target;

/// The secrets of the two sets of AWS examples the seeds come from, by access key id.
fn secret_for(access_key_id: &str) -> SecretKey {
    let secret = match access_key_id {
        // The S3 API reference's examples (and the seeds signed with its key).
        "AKIAIOSFODNN7EXAMPLE" => "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        // AWS's SigV4 test suite, and any other key.
        _ => "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
    };
    SecretKey::new(secret.to_owned())
}

fuzz_target!(|data: &[u8]| {
    let Some(message) = Message::parse(data) else {
        return;
    };
    let view = RequestView {
        method: message.method,
        path: message.path,
        query: message.query,
        headers: &message.headers,
        authority: message.header("host"),
    };
    for rules in [Rules::S3, Rules::Standard] {
        let _ = canonical_uri(message.path, rules);
    }
    let raw_query = message.query.unwrap_or("");
    let _ = canonical_query(raw_query, SignatureForm::Header);
    let _ = canonical_query(raw_query, SignatureForm::Presigned { expires_seconds: 1 });

    let payload = PayloadHash::of(message.body);
    let decoded_length = message
        .header("x-amz-decoded-content-length")
        .and_then(|text| text.parse::<u64>().ok());
    if let Ok(Some(auth)) = parse_view(&view) {
        let secret = secret_for(&auth.access_key_id);
        let now = parse_amz_date(&auth.timestamp).unwrap_or(0);
        for rules in [Rules::S3, Rules::Standard] {
            if let Ok(verified) = verify_view(&view, &auth, rules, payload.clone(), &secret, now) {
                let _ = decode_chunked(message.body, &verified, decoded_length);
            }
        }
        // The chunk framing is read before any chunk signature is checked: decode the body
        // in each streaming mode under this request's scope, signed or not.
        for payload_mode in [
            PayloadMode::StreamingUnsignedTrailer,
            PayloadMode::StreamingSigned,
            PayloadMode::StreamingSignedTrailer,
        ] {
            let verified = Verified {
                payload_mode,
                seed_signature: auth.signature.clone(),
                signing_key: SigningKey::derive(&secret, &auth.scope),
                scope: auth.scope.clone(),
                timestamp: auth.timestamp.clone(),
            };
            let _ = decode_chunked(message.body, &verified, decoded_length);
        }
    }
});
