//! SigV4 on an outgoing request, as botocore signs it: `X-Amz-Date` and (for temporary
//! credentials) `X-Amz-Security-Token` are added, every header the request carries is
//! signed, and the body's SHA-256 is the payload hash. The signature itself is
//! [`crate::sigv4::sign`], the verifier's own computation.

use axum::http::request::Parts;
use axum::http::HeaderValue;

use super::target::Credentials;
use super::ClientError;
use crate::clock::rfc3339;
use crate::sigv4::{
    self, Authorization, CredentialScope, PayloadHash, RequestView, Rules, SignatureForm,
};

/// Signs `parts` (whose body is `body`) for `service` in `region` at Unix time `now`.
pub(super) fn sign(
    parts: &mut Parts,
    body: &[u8],
    credentials: &Credentials,
    region: &str,
    service: &str,
    now: u64,
) -> Result<(), ClientError> {
    let operation_error = |detail: String| ClientError::Request {
        operation: format!("signed {service} call"),
        detail,
    };
    let timestamp = amz_date(now);
    let header = |text: &str| {
        HeaderValue::from_str(text).map_err(|err| operation_error(format!("header value: {err}")))
    };
    parts.headers.insert("x-amz-date", header(&timestamp)?);
    if let Some(token) = &credentials.session_token {
        parts
            .headers
            .insert("x-amz-security-token", header(token.expose())?);
    }
    let mut signed_headers: Vec<String> = parts
        .headers
        .keys()
        .map(|name| name.as_str().to_owned())
        .collect();
    signed_headers.sort();
    let claim = Authorization {
        access_key_id: credentials.access_key_id.clone(),
        scope: CredentialScope {
            date: timestamp.get(..8).unwrap_or_default().to_owned(),
            region: region.to_owned(),
            service: service.to_owned(),
        },
        signed_headers,
        signature: Vec::new(),
        timestamp,
        form: SignatureForm::Header,
        security_token: credentials
            .session_token
            .as_ref()
            .map(|token| token.expose().to_owned()),
    };
    let signed = sigv4::sign(
        &RequestView::from(&*parts),
        claim,
        Rules::Standard,
        &PayloadHash::of(body),
        &credentials.secret_access_key,
    )
    .map_err(|err| operation_error(err.to_string()))?;
    parts
        .headers
        .insert("authorization", header(&signed.header_value())?);
    Ok(())
}

/// `YYYYMMDD'T'HHMMSS'Z'` for Unix seconds.
fn amz_date(now: u64) -> String {
    rfc3339(now).replace(['-', ':'], "")
}

#[cfg(test)]
mod tests {
    use axum::http::{Method, Request};

    use super::*;
    use crate::client::http::Http;
    use crate::client::target::{Credentials, Endpoint, SessionToken};
    use crate::sigv4::{parse, verify, SecretKey};

    const NOW: u64 = 1_700_000_000;

    fn credentials(token: Option<&str>) -> Credentials {
        Credentials {
            access_key_id: "test".to_owned(),
            secret_access_key: SecretKey::new("test".to_owned()),
            session_token: token.map(|token| SessionToken::new(token.to_owned())),
        }
    }

    #[test]
    fn amz_dates() {
        assert_eq!(amz_date(0), "19700101T000000Z");
        assert_eq!(amz_date(NOW), "20231114T221320Z");
    }

    /// A signed request, as the server receives it, verifies under the same secret.
    #[test]
    fn the_server_verifies_what_the_client_signs() {
        let http = Http::new(
            Endpoint::parse("http://127.0.0.1:4772").unwrap_or_else(|err| panic!("{err}")),
        );
        let body = b"Action=ListOpenIDConnectProviders&Version=2010-05-08";
        let cases = [("root_key", None), ("session_token", Some("FwoGZXIvYXdzE"))];
        for (name, token) in cases {
            let mut parts = http
                .head(
                    name,
                    Method::POST,
                    "/",
                    Some("application/x-www-form-urlencoded; charset=utf-8"),
                )
                .unwrap_or_else(|err| panic!("case {name}: {err}"));
            sign(
                &mut parts,
                body,
                &credentials(token),
                "us-east-1",
                "iam",
                NOW,
            )
            .unwrap_or_else(|err| panic!("case {name}: {err}"));
            // The server sees the origin-form target and the same headers.
            let (mut received, ()) = Request::builder()
                .method(Method::POST)
                .uri("/")
                .body(())
                .unwrap_or_else(|err| panic!("case {name}: {err}"))
                .into_parts();
            received.headers = parts.headers.clone();
            let auth = parse(&received)
                .unwrap_or_else(|err| panic!("case {name}: {err}"))
                .unwrap_or_else(|| panic!("case {name}: unsigned"));
            assert_eq!(auth.security_token.as_deref(), token, "case {name}");
            assert_eq!(
                auth.scope.to_string(),
                "20231114/us-east-1/iam/aws4_request",
                "case {name}"
            );
            let verdict = verify(
                &received,
                &auth,
                Rules::Standard,
                PayloadHash::of(body),
                &SecretKey::new("test".to_owned()),
                NOW,
            );
            assert!(verdict.is_ok(), "case {name}: {verdict:?}");
        }
    }
}
