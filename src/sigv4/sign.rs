//! The signer's side of SigV4, for irsa-local's own client commands: the signature is
//! computed by the same canonicalisation, payload binding and key chain [`super::verify`]
//! recomputes, so what this module signs the verifier accepts by construction.

use super::authorization::ALGORITHM;
use super::hash::encode_hex;
use super::{
    canonical_request, payload, string_to_sign, Authorization, PayloadHash, RequestView, Rules,
    SecretKey, SigV4Error, SigningKey,
};

/// Signs `request` as `claim` describes it (who, scope, time, signed headers; its
/// `signature` is ignored) with `secret`, and returns the claim with its signature.
/// `request` must already carry every header `claim.signed_headers` names.
pub fn sign(
    request: &RequestView<'_>,
    claim: Authorization,
    rules: Rules,
    payload: &PayloadHash,
    secret: &SecretKey,
) -> Result<Authorization, SigV4Error> {
    let binding = payload::bind(request, &claim, rules, payload)?;
    let canonical_request = canonical_request(request, &claim, rules, &binding.line)?;
    let string_to_sign = string_to_sign(&claim, &canonical_request);
    let signature = SigningKey::derive(secret, &claim.scope)
        .sign(&string_to_sign)
        .to_vec();
    Ok(Authorization { signature, ..claim })
}

impl Authorization {
    /// The `Authorization` header of a header-form signature, parts joined by `", "` as
    /// botocore writes them.
    pub fn header_value(&self) -> String {
        format!(
            "{ALGORITHM} Credential={}/{}, SignedHeaders={}, Signature={}",
            self.access_key_id,
            self.scope,
            self.signed_headers.join(";"),
            encode_hex(&self.signature)
        )
    }
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue};

    use super::*;
    use crate::sigv4::{parse_view, verify_view, CredentialScope, SignatureForm};

    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
    /// 2015-08-30T12:36:00Z, the AWS test suite's signing time.
    const SUITE_TIME: u64 = 1_440_938_160;

    fn claim(headers: &HeaderMap, token: Option<&str>) -> Authorization {
        let mut signed_headers: Vec<String> = headers
            .keys()
            .map(|name| name.as_str().to_owned())
            .collect();
        signed_headers.sort();
        Authorization {
            access_key_id: "AKIDEXAMPLE".to_owned(),
            scope: CredentialScope {
                date: "20150830".to_owned(),
                region: "us-east-1".to_owned(),
                service: "service".to_owned(),
            },
            signed_headers,
            signature: Vec::new(),
            timestamp: "20150830T123600Z".to_owned(),
            form: SignatureForm::Header,
            security_token: token.map(str::to_owned),
        }
    }

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).expect("header value"));
        }
        map
    }

    fn view<'a>(method: &'a str, headers: &'a HeaderMap) -> RequestView<'a> {
        RequestView {
            method,
            path: "/",
            query: None,
            headers,
            authority: None,
        }
    }

    /// The `Signature=` of a suite case's `header-signed-request.txt`.
    fn suite_signature(signed_request: &str) -> &str {
        signed_request
            .split("Signature=")
            .nth(1)
            .and_then(|rest| rest.split_whitespace().next())
            .unwrap_or_default()
    }

    /// AWS's own vectors (tests/data/sigv4): the signer must produce the suite's signature.
    #[test]
    fn signs_the_suite_vectors() {
        let token = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";
        let cases = [
            (
                "post_vanilla",
                "POST",
                headers(&[
                    ("host", "example.amazonaws.com"),
                    ("x-amz-date", "20150830T123600Z"),
                ]),
                None,
                include_str!("../../tests/data/sigv4/post-vanilla/header-signed-request.txt"),
            ),
            (
                "get_vanilla_with_session_token",
                "GET",
                headers(&[
                    ("host", "example.amazonaws.com"),
                    ("x-amz-date", "20150830T123600Z"),
                    ("x-amz-security-token", token),
                ]),
                Some(token),
                include_str!(
                    "../../tests/data/sigv4/get-vanilla-with-session-token/header-signed-request.txt"
                ),
            ),
        ];
        for (name, method, headers, token, signed_request) in cases {
            let signed = sign(
                &view(method, &headers),
                claim(&headers, token),
                Rules::Standard,
                &PayloadHash::of(b""),
                &SecretKey::new(SECRET.to_owned()),
            )
            .unwrap_or_else(|err| panic!("case {name}: {err}"));
            assert_eq!(
                encode_hex(&signed.signature),
                suite_signature(signed_request),
                "case {name}"
            );
            assert!(
                signed_request.contains(&signed.header_value()),
                "case {name}: {} is not the suite's header",
                signed.header_value()
            );
        }
    }

    /// What the signer writes, the crate's parser reads back and its verifier accepts; a
    /// different body or secret is refused.
    #[test]
    fn the_verifier_accepts_what_the_signer_signs() {
        let mut request_headers = headers(&[
            ("host", "127.0.0.1:4772"),
            ("x-amz-date", "20150830T123600Z"),
            (
                "content-type",
                "application/x-www-form-urlencoded; charset=utf-8",
            ),
        ]);
        let body = b"Action=ListRoles&Version=2010-05-08";
        let secret = SecretKey::new("test".to_owned());
        let signed = sign(
            &view("POST", &request_headers),
            claim(&request_headers, None),
            Rules::Standard,
            &PayloadHash::of(body),
            &secret,
        )
        .unwrap_or_else(|err| panic!("signs: {err}"));
        request_headers.insert(
            "authorization",
            HeaderValue::from_str(&signed.header_value()).expect("header value"),
        );
        let request = view("POST", &request_headers);
        let parsed = parse_view(&request).ok().flatten();
        assert_eq!(parsed.as_ref(), Some(&signed), "the header parses back");
        let Some(parsed) = parsed else { return };
        let cases: [(&str, &[u8], &str, bool); 3] = [
            ("as_signed", body, "test", true),
            ("other_body", b"Action=DeleteRole", "test", false),
            ("other_secret", body, "wrong", false),
        ];
        for (name, body, secret, accepted) in cases {
            let verdict = verify_view(
                &request,
                &parsed,
                Rules::Standard,
                PayloadHash::of(body),
                &SecretKey::new(secret.to_owned()),
                SUITE_TIME,
            );
            assert_eq!(verdict.is_ok(), accepted, "case {name}: {verdict:?}");
        }
    }
}
