//! The changes to a signed request that must each break its signature.

use super::*;

/// One signed part of a request, changed.
#[derive(Debug)]
pub(crate) enum Change {
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
pub(crate) fn changes(received: &Received, auth: &Authorization, case: &Case) -> Vec<Change> {
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
    pub(crate) fn apply(&self, received: &Received, auth: &Authorization) -> Received {
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
    pub(crate) fn also_refused_as(&self) -> Option<&'static str> {
        match self {
            Change::QueryValue(key) if key == "X-Amz-Algorithm" => Some("UnsupportedAlgorithm"),
            Change::QueryValue(key) if key == "X-Amz-SignedHeaders" => Some("MissingSignedHeader"),
            _ => None,
        }
    }
}

/// A header or query parameter value, changed but still well formed where the verifier
/// reads it.
pub(crate) fn changed_text(name: &str, value: &str) -> String {
    match name.to_ascii_lowercase().as_str() {
        "x-amz-date" => value.replacen("00Z", "01Z", 1),
        "x-amz-expires" => "3601".into(),
        "x-amz-credential" => value.replacen("AKIDEXAMPLE", "AKIDEXAMPLF", 1),
        "x-amz-algorithm" => "AWS4-HMAC-SHA512".into(),
        "x-amz-signedheaders" => format!("{value}%3Bx-not-sent"),
        _ => format!("{value}x"),
    }
}

pub(crate) fn other_method(method: &str) -> &'static str {
    if method == "GET" {
        "POST"
    } else {
        "GET"
    }
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}
