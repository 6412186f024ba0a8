//! AWS's SigV4 test suite (`tests/data/sigv4`, copied from awslabs/aws-c-auth; see the
//! README and LICENSE there), walked case by case in both the header and the presigned
//! (query) form. For every `*-signed-request.txt` the verifier must recompute the
//! canonical request, string to sign and signature given beside it, accept the request at
//! the context's time, and refuse it once any signed part is changed.
//!
//! How the vectors map onto a server:
//! - `normalize: true` cases use [`Rules::Standard`]. `normalize: false` cases use
//!   [`Rules::S3`], the only AWS rule set that leaves the path as sent; S3 requires
//!   `x-amz-content-sha256`, so those requests get it (unsigned) with the body's hash, and a
//!   raw space in their path is sent as `%20`, the encoding S3 then signs as is.
//! - An obs-folded header value (`get-header-value-multiline`) is unfolded with spaces, as
//!   RFC 7230 §3.2.4 tells a recipient to.
//! - The cases in [`RAW_TARGET_CASES`] and [`REFUSED_PRESIGNED`] are the exceptions, each
//!   with its reason; nothing is skipped silently.

use std::fs;
use std::path::{Path, PathBuf};

use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Request, Uri};
use irsa_local::sigv4::{
    canonical_request, parse, parse_amz_date, parse_view, string_to_sign, verify, verify_view,
    Authorization, PayloadHash, RequestView, Rules, SecretKey, SigV4Error, SignatureForm, Verified,
};
use serde_json::Value;

mod case;
mod tamper;

use case::*;
use tamper::*;

/// Cases whose request-target no HTTP parser accepts: they are verified through a
/// [`RequestView`] holding the path exactly as the signer saw it.
const RAW_TARGET_CASES: &[(&str, &str)] = &[("get-space-normalized", RAW_SPACE)];

const RAW_SPACE: &str = "a raw space ends the request-target in HTTP/1.1; a real client sends \
     %20, which Standard rules sign as %2520 (unit test canonical_uris)";

/// Cases whose presigned form the verifier must refuse with `SignatureDoesNotMatch`, and
/// why that is AWS's behaviour.
const REFUSED_PRESIGNED: &[(&str, &str)] = &[
    ("post-sts-header-after", TOKEN_AFTER_SIGNING),
    ("get-relative-relative-unnormalized", S3_PRESIGN),
    ("get-relative-unnormalized", S3_PRESIGN),
    ("get-slash-dot-slash-unnormalized", S3_PRESIGN),
    ("get-slash-pointless-dot-unnormalized", S3_PRESIGN),
    ("get-slash-unnormalized", S3_PRESIGN),
    ("get-slashes-unnormalized", S3_PRESIGN),
    ("get-space-unnormalized", S3_PRESIGN),
];

const TOKEN_AFTER_SIGNING: &str = "the signer adds X-Amz-Security-Token after signing (as AWS \
     IoT expects); S3, STS and IAM sign every query parameter but X-Amz-Signature";
/// The server's canonical request must then be the vector's with `UNSIGNED-PAYLOAD` as its
/// payload hash.
const S3_PRESIGN: &str = "leaving the path unnormalized is S3's rule, and an S3 presigned \
     request signs UNSIGNED-PAYLOAD where the vector signs the empty body's hash";

#[test]
fn header_form_vectors() {
    walk("header");
}

#[test]
fn query_form_vectors() {
    walk("query");
}

/// Runs every case in `form` (`header` or `query`); reports all failures at once.
fn walk(form: &'static str) {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/sigv4");
    let mut names: Vec<String> = fs::read_dir(&root)
        .expect("tests/data/sigv4")
        .filter_map(Result::ok)
        .filter(|entry| entry.path().join("context.json").is_file())
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names.len(), 38, "the suite has 38 cases");
    let failures: Vec<String> = names
        .iter()
        .filter_map(|name| run_case(&Case::load(&root, name, form)).err())
        .collect();
    assert!(
        failures.is_empty(),
        "{} failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

fn run_case(case: &Case) -> Result<(), String> {
    let mut received = Received::from_message(&case.file("signed-request.txt"), case.rules);
    let PayloadHash::Computed(body_hash) = PayloadHash::of(&received.body) else {
        return Err(case.fail("PayloadHash::of computes the hash"));
    };
    if case.rules == Rules::S3 {
        let value = HeaderValue::from_str(&body_hash).map_err(|err| case.fail(err))?;
        received.headers.insert("x-amz-content-sha256", value);
    }
    if received.raw_target != RAW_TARGET_CASES.iter().any(|(name, _)| *name == case.name) {
        return Err(case.fail("RAW_TARGET_CASES disagrees with the request-target"));
    }
    let auth = match received.authorization() {
        Ok(Some(auth)) => auth,
        other => return Err(case.fail(format!("parse: {other:?}"))),
    };
    case.same_as_file("signature.txt", &hex(&auth.signature))?;
    case.same_as_context("/credentials/access_key_id", &auth.access_key_id)?;
    case.same_as_context("/region", &auth.scope.region)?;
    case.same_as_context("/service", &auth.scope.service)?;
    let token = auth.security_token.as_deref().unwrap_or_default();
    case.same_as_context("/credentials/token", token)?;

    let refused = REFUSED_PRESIGNED
        .iter()
        .find(|(name, _)| case.form == "query" && *name == case.name)
        .map(|(_, reason)| *reason);
    let mut as_signed = received.clone();
    if refused == Some(TOKEN_AFTER_SIGNING) {
        let query = received.query.as_deref().unwrap_or("").split('&');
        let signed = query.filter(|pair| !pair.starts_with("X-Amz-Security-Token="));
        as_signed.query = Some(signed.collect::<Vec<_>>().join("&"));
    }
    let canonical = canonical_request(&as_signed.view(), &auth, case.rules, &body_hash)
        .map_err(|err| case.fail(format!("canonical request: {err:?}")))?;
    case.same_as_file("canonical-request.txt", &canonical)?;
    case.same_as_file("string-to-sign.txt", &string_to_sign(&auth, &canonical))?;

    match (received.check(case, case.now), refused) {
        (Ok(_), None) => {}
        (
            Err(SigV4Error::SignatureDoesNotMatch {
                canonical_request, ..
            }),
            Some(why),
        ) => {
            let (signed, _) = canonical.rsplit_once('\n').unwrap_or_default();
            let unsigned_payload = format!("{signed}\nUNSIGNED-PAYLOAD");
            if why == S3_PRESIGN && canonical_request != unsigned_payload {
                return Err(case.fail(format!("S3 canonical request: {canonical_request}")));
            }
            return Ok(());
        }
        (verdict, _) => return Err(case.fail(format!("refused: {refused:?}, got {verdict:?}"))),
    }
    let late = match auth.form {
        SignatureForm::Header => case.now + 901,
        SignatureForm::Presigned { expires_seconds } => case.now + expires_seconds + 1,
    };
    match received.check(case, late) {
        Err(SigV4Error::RequestTimeTooSkewed { .. } | SigV4Error::PresignExpired { .. }) => {}
        other => return Err(case.fail(format!("accepted too late: {other:?}"))),
    }
    for change in changes(&received, &auth, case) {
        let verdict = change.apply(&received, &auth).check(case, case.now);
        match (verdict, change.also_refused_as()) {
            (Err(SigV4Error::SignatureDoesNotMatch { .. }), _) => {}
            (Err(err), Some(cause)) if format!("{err:?}").starts_with(cause) => {}
            (other, _) => return Err(case.fail(format!("{change:?}: not refused: {other:?}"))),
        }
    }
    Ok(())
}
