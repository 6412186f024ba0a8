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

/// One case folder in one form: its context and files.
struct Case {
    name: String,
    form: &'static str,
    dir: PathBuf,
    context: Value,
    now: u64,
    rules: Rules,
}

impl Case {
    fn load(root: &Path, name: &str, form: &'static str) -> Self {
        let dir = root.join(name);
        let context: Value = serde_json::from_str(&read(&dir.join("context.json"))).expect("json");
        let timestamp = context["timestamp"].as_str().unwrap_or_default();
        let now = parse_amz_date(&timestamp.replace(['-', ':'], "")).expect("timestamp");
        let rules = match context["normalize"].as_bool() {
            Some(true) => Rules::Standard,
            _ => Rules::S3,
        };
        let name = name.to_owned();
        Case {
            name,
            form,
            now,
            rules,
            dir,
            context,
        }
    }

    /// A string in the context, or `""`.
    fn text(&self, pointer: &str) -> &str {
        self.context
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_default()
    }

    /// The contents of `<form>-<suffix>`.
    fn file(&self, suffix: &str) -> String {
        read(&self.dir.join(format!("{}-{suffix}", self.form)))
    }

    fn fail(&self, what: impl std::fmt::Display) -> String {
        format!("{} ({}): {what}", self.name, self.form)
    }

    fn same_as_file(&self, suffix: &str, got: &str) -> Result<(), String> {
        self.same(suffix, got, self.file(suffix).trim_end_matches('\n'))
    }

    fn same_as_context(&self, pointer: &str, got: &str) -> Result<(), String> {
        self.same(pointer, got, self.text(pointer))
    }

    fn same(&self, what: &str, got: &str, want: &str) -> Result<(), String> {
        match got == want {
            true => Ok(()),
            false => Err(self.fail(format!("{what}:\n--- got\n{got}\n--- want\n{want}"))),
        }
    }

    fn secret(&self) -> SecretKey {
        SecretKey::new(self.text("/credentials/secret_access_key").into())
    }
}

fn read(path: &Path) -> String {
    fs::read_to_string(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()))
}

/// A request as received: method, path, raw query, headers, body.
#[derive(Debug, Clone)]
struct Received {
    method: String,
    path: String,
    query: Option<String>,
    headers: HeaderMap,
    body: Vec<u8>,
    raw_target: bool,
}

impl Received {
    /// Reads an HTTP/1.1 message as the vectors write it (LF line ends).
    fn from_message(text: &str, rules: Rules) -> Self {
        let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
        let mut lines = head.lines();
        let (method, rest) = lines
            .next()
            .and_then(|line| line.split_once(' '))
            .expect("method");
        let (target, _version) = rest.rsplit_once(' ').expect("version");
        let target = match rules {
            Rules::S3 => target.replace(' ', "%20"),
            Rules::Standard => target.to_owned(),
        };
        let (path, query) = match target.split_once('?') {
            Some((path, query)) => (path.to_owned(), Some(query.to_owned())),
            None => (target.clone(), None),
        };
        let mut fields: Vec<(String, String)> = Vec::new();
        for line in lines {
            match (line.starts_with([' ', '\t']), fields.last_mut()) {
                (true, Some((_, value))) => value.push_str(&format!(" {}", line.trim())),
                _ => {
                    let (name, value) = line.split_once(':').expect("header line");
                    fields.push((name.to_owned(), value.trim().to_owned()));
                }
            }
        }
        let mut headers = HeaderMap::new();
        for (name, value) in fields {
            let name = HeaderName::from_bytes(name.as_bytes()).expect("header name");
            headers.append(name, HeaderValue::from_str(&value).expect("header value"));
        }
        Received {
            method: method.to_owned(),
            raw_target: target.parse::<Uri>().is_err(),
            path,
            query,
            headers,
            body: body.as_bytes().to_vec(),
        }
    }

    fn view(&self) -> RequestView<'_> {
        RequestView {
            method: &self.method,
            path: &self.path,
            query: self.query.as_deref(),
            headers: &self.headers,
            authority: None,
        }
    }

    /// As `http` request parts, the way a server receives it; `None` for a target no HTTP
    /// parser accepts.
    fn parts(&self) -> Option<Parts> {
        if self.raw_target {
            return None;
        }
        let query = self.query.as_ref().map(|query| format!("?{query}"));
        let uri = format!("{}{}", self.path, query.unwrap_or_default());
        let request = Request::builder().method(self.method.as_str()).uri(uri);
        let mut parts = request.body(()).ok()?.into_parts().0;
        parts.headers = self.headers.clone();
        Some(parts)
    }

    fn authorization(&self) -> Result<Option<Authorization>, SigV4Error> {
        match self.parts() {
            Some(parts) => parse(&parts),
            None => parse_view(&self.view()),
        }
    }

    /// Parses the signature and verifies the request at `now`.
    fn check(&self, case: &Case, now: u64) -> Result<Verified, SigV4Error> {
        let unsigned = || SigV4Error::MalformedAuthorization("no signature".into());
        let auth = self.authorization()?.ok_or_else(unsigned)?;
        let (payload, secret) = (PayloadHash::of(&self.body), case.secret());
        match self.parts() {
            Some(parts) => verify(&parts, &auth, case.rules, payload, &secret, now),
            None => verify_view(&self.view(), &auth, case.rules, payload, &secret, now),
        }
    }
}

fn run_case(case: &Case) -> Result<(), String> {
    let mut received = Received::from_message(&case.file("signed-request.txt"), case.rules);
    let PayloadHash::Computed(body_hash) = PayloadHash::of(&received.body);
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

/// One signed part of a request, changed.
#[derive(Debug)]
enum Change {
    /// The value of this signed header.
    Header(String),
    Method,
    Path,
    /// A parameter the signer did not sign, added.
    ExtraQueryParameter,
    /// The value of this query parameter.
    QueryValue(String),
    Body,
    /// One hex digit of the signature.
    SignatureDigit,
}

/// Every change worth trying on `received`.
fn changes(received: &Received, auth: &Authorization, case: &Case) -> Vec<Change> {
    let headers = auth.signed_headers.iter().cloned().map(Change::Header);
    let query = received.query.as_deref().unwrap_or("").split('&');
    let params = query
        .filter_map(|pair| pair.split_once('=').map(|(key, _)| key.to_owned()))
        .filter(|key| key != "X-Amz-Signature")
        .map(Change::QueryValue);
    let mut out: Vec<Change> = headers.chain(params).collect();
    out.extend([
        Change::Method,
        Change::Path,
        Change::ExtraQueryParameter,
        Change::SignatureDigit,
    ]);
    if case.context["sign_body"].as_bool() == Some(true) {
        out.push(Change::Body);
    }
    out
}

impl Change {
    fn apply(&self, received: &Received, auth: &Authorization) -> Received {
        let mut changed = received.clone();
        let query = received.query.as_deref().unwrap_or("");
        match self {
            Change::Header(name) => {
                let value = received.headers[name.as_str()].to_str().unwrap_or_default();
                let value = HeaderValue::from_str(&changed_text(name, value)).expect("value");
                changed
                    .headers
                    .insert(HeaderName::try_from(name.as_str()).expect("name"), value);
            }
            Change::Method => changed.method = other_method(&received.method).into(),
            Change::Path => changed.path.push('x'),
            Change::ExtraQueryParameter => changed.query = Some(format!("{query}&extra=1")),
            Change::QueryValue(key) => {
                let pairs = query.split('&').map(|pair| match pair.split_once('=') {
                    Some((name, value)) if name == key => {
                        format!("{name}={}", changed_text(name, value))
                    }
                    _ => pair.to_owned(),
                });
                changed.query = Some(pairs.collect::<Vec<_>>().join("&"));
            }
            Change::Body => changed.body.push(b'x'),
            Change::SignatureDigit => {
                let signature = hex(&auth.signature);
                let digit = if signature.starts_with('0') { "1" } else { "0" };
                let flip = |text: &str| {
                    text.replacen(&signature, &format!("{digit}{}", &signature[1..]), 1)
                };
                if let Some(value) = received.headers.get("authorization") {
                    let text = flip(value.to_str().unwrap_or_default());
                    changed.headers.insert(
                        "authorization",
                        HeaderValue::from_str(&text).expect("value"),
                    );
                }
                changed.query = received.query.as_deref().map(flip);
            }
        }
        changed
    }

    /// The refusal other than `SignatureDoesNotMatch` this change may rightly bring.
    fn also_refused_as(&self) -> Option<&'static str> {
        match self {
            Change::QueryValue(key) if key == "X-Amz-Algorithm" => Some("UnsupportedAlgorithm"),
            Change::QueryValue(key) if key == "X-Amz-SignedHeaders" => Some("MissingSignedHeader"),
            _ => None,
        }
    }
}

/// A header or query parameter value, changed but still well formed where the verifier
/// reads it.
fn changed_text(name: &str, value: &str) -> String {
    match name.to_ascii_lowercase().as_str() {
        "x-amz-date" => value.replacen("00Z", "01Z", 1),
        "x-amz-expires" => "3601".into(),
        "x-amz-credential" => value.replacen("AKIDEXAMPLE", "AKIDEXAMPLF", 1),
        "x-amz-algorithm" => "AWS4-HMAC-SHA512".into(),
        "x-amz-signedheaders" => format!("{value}%3Bx-not-sent"),
        _ => format!("{value}x"),
    }
}

fn other_method(method: &str) -> &'static str {
    if method == "GET" {
        "POST"
    } else {
        "GET"
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
