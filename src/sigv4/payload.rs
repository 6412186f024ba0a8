//! How a request binds its body to its signature: the payload hash line of the canonical
//! request and, for S3, the `x-amz-content-sha256` header
//! ([S3 payload signing options](https://docs.aws.amazon.com/AmazonS3/latest/API/sig-v4-header-based-auth.html)).

use super::authorization::SignatureForm;
use super::hash::{is_sha256_hex, sha256_hex};
use super::{Authorization, RequestView, Rules, SigV4Error};

const CONTENT_SHA256_HEADER: &str = "x-amz-content-sha256";
const UNSIGNED_PAYLOAD: &str = "UNSIGNED-PAYLOAD";
const STREAMING_SIGNED: &str = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
const STREAMING_SIGNED_TRAILER: &str = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
const STREAMING_UNSIGNED_TRAILER: &str = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";

/// The body's hash as the caller computed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PayloadHash {
    /// Lowercase hex SHA-256 of the body the caller read.
    Computed(String),
    /// The body is not read yet (S3 only, whose signature covers the hash the client
    /// declares rather than the body): the caller streams it afterwards and compares its
    /// hash with [`Verified::declared_sha256`](super::Verified).
    Deferred,
}

impl PayloadHash {
    /// The hash of `body`.
    pub fn of(body: &[u8]) -> Self {
        Self::Computed(sha256_hex(body))
    }
}

/// How the verified signature covers the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadMode {
    /// The signature covers the body's SHA-256, checked against the body read.
    Hashed,
    /// `UNSIGNED-PAYLOAD` (S3, and every S3 presigned request): the body is not covered.
    Unsigned,
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`: aws-chunked, every chunk signed.
    StreamingSigned,
    /// `STREAMING-UNSIGNED-PAYLOAD-TRAILER`: aws-chunked, unsigned, trailing checksum.
    StreamingUnsignedTrailer,
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`: aws-chunked, every chunk and the
    /// trailer signed.
    StreamingSignedTrailer,
}

/// What the canonical request's last line is, and how that binds the body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Binding {
    /// The payload hash line of the canonical request.
    pub line: String,
    /// How the body is covered.
    pub mode: PayloadMode,
    /// For S3 with a hex `x-amz-content-sha256`: the hash the client declared, which the
    /// body must also have once the signature holds.
    pub declared: Option<String>,
}

/// The payload binding `rules` give this request.
pub(super) fn bind(
    request: &RequestView<'_>,
    auth: &Authorization,
    rules: Rules,
    payload: &PayloadHash,
) -> Result<Binding, SigV4Error> {
    let binding = |line: &str, mode| Binding {
        line: line.to_owned(),
        mode,
        declared: None,
    };
    match (rules, auth.form) {
        (Rules::Standard, _) => match payload {
            PayloadHash::Computed(computed) => Ok(binding(computed, PayloadMode::Hashed)),
            // Only S3 signs a declared hash; elsewhere the body must be read first.
            PayloadHash::Deferred => Err(SigV4Error::MissingContentSha256),
        },
        (Rules::S3, SignatureForm::Presigned { .. }) => {
            Ok(binding(UNSIGNED_PAYLOAD, PayloadMode::Unsigned))
        }
        (Rules::S3, SignatureForm::Header) => {
            let mut values = request.headers.get_all(CONTENT_SHA256_HEADER).iter();
            let value = values.next().ok_or(SigV4Error::MissingContentSha256)?;
            let text = String::from_utf8_lossy(value.as_bytes()).into_owned();
            if values.next().is_some() {
                return Err(SigV4Error::BadContentSha256(text));
            }
            let mode = match text.as_str() {
                UNSIGNED_PAYLOAD => PayloadMode::Unsigned,
                STREAMING_SIGNED => PayloadMode::StreamingSigned,
                STREAMING_SIGNED_TRAILER => PayloadMode::StreamingSignedTrailer,
                STREAMING_UNSIGNED_TRAILER => PayloadMode::StreamingUnsignedTrailer,
                hash if is_sha256_hex(hash) => {
                    return Ok(Binding {
                        line: text.clone(),
                        mode: PayloadMode::Hashed,
                        declared: Some(text),
                    })
                }
                _ => return Err(SigV4Error::BadContentSha256(text)),
            };
            Ok(binding(&text, mode))
        }
    }
}

/// After the signature holds: the body must have the hash the client declared.
pub(super) fn check_declared(binding: &Binding, payload: &PayloadHash) -> Result<(), SigV4Error> {
    let PayloadHash::Computed(computed) = payload else {
        return Ok(());
    };
    match &binding.declared {
        Some(declared) if !declared.eq_ignore_ascii_case(computed) => {
            Err(SigV4Error::ContentSha256Mismatch {
                claimed: declared.clone(),
                computed: computed.clone(),
            })
        }
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use axum::http::{HeaderMap, HeaderValue};

    use super::*;
    use crate::sigv4::hash::EMPTY_SHA256;
    use crate::sigv4::CredentialScope;

    const HEADER: SignatureForm = SignatureForm::Header;
    const PRESIGNED: SignatureForm = SignatureForm::Presigned {
        expires_seconds: 60,
    };

    /// The binding of a request carrying `values` as `x-amz-content-sha256`, with an empty
    /// body.
    fn bind_with(
        values: &[&str],
        rules: Rules,
        form: SignatureForm,
    ) -> Result<Binding, SigV4Error> {
        let mut headers = HeaderMap::new();
        for value in values {
            headers.append(
                CONTENT_SHA256_HEADER,
                HeaderValue::from_str(value).expect("value"),
            );
        }
        let request = RequestView {
            method: "PUT",
            path: "/b/k",
            query: None,
            headers: &headers,
            authority: None,
        };
        let scope = CredentialScope {
            date: "20150830".into(),
            region: "us-east-1".into(),
            service: "s3".into(),
        };
        let auth = Authorization {
            access_key_id: "AKID".into(),
            scope,
            signed_headers: vec!["host".into()],
            signature: vec![],
            timestamp: "20150830T123600Z".into(),
            form,
            security_token: None,
        };
        bind(&request, &auth, rules, &PayloadHash::of(b""))
    }

    #[test]
    fn content_sha256_rules() {
        let hash = sha256_hex(b"hello");
        let upper = hash.to_uppercase();
        let bound = |line: &str, mode| Ok((line.to_owned(), mode));
        let bad = |value: &str| Err(SigV4Error::BadContentSha256(value.into()));
        let ecdsa = "STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD";
        #[rustfmt::skip]
        let cases = [
            ("s3_hex_is_the_hash", vec![hash.as_str()], Rules::S3, HEADER, bound(&hash, PayloadMode::Hashed)),
            ("s3_uppercase_hex_as_sent", vec![&upper], Rules::S3, HEADER, bound(&upper, PayloadMode::Hashed)),
            ("s3_unsigned", vec!["UNSIGNED-PAYLOAD"], Rules::S3, HEADER, bound("UNSIGNED-PAYLOAD", PayloadMode::Unsigned)),
            ("s3_streaming_signed", vec![STREAMING_SIGNED], Rules::S3, HEADER, bound(STREAMING_SIGNED, PayloadMode::StreamingSigned)),
            ("s3_streaming_signed_trailer", vec![STREAMING_SIGNED_TRAILER], Rules::S3, HEADER, bound(STREAMING_SIGNED_TRAILER, PayloadMode::StreamingSignedTrailer)),
            ("s3_streaming_unsigned_trailer", vec![STREAMING_UNSIGNED_TRAILER], Rules::S3, HEADER, bound(STREAMING_UNSIGNED_TRAILER, PayloadMode::StreamingUnsignedTrailer)),
            ("s3_missing", vec![], Rules::S3, HEADER, Err(SigV4Error::MissingContentSha256)),
            ("s3_sigv4a_streaming", vec![ecdsa], Rules::S3, HEADER, bad(ecdsa)),
            ("s3_lowercase_literal", vec!["unsigned-payload"], Rules::S3, HEADER, bad("unsigned-payload")),
            ("s3_short_hex", vec![&hash[1..]], Rules::S3, HEADER, bad(&hash[1..])),
            ("s3_sent_twice", vec![EMPTY_SHA256, EMPTY_SHA256], Rules::S3, HEADER, bad(EMPTY_SHA256)),
            ("s3_presigned_is_unsigned", vec![&hash], Rules::S3, PRESIGNED, bound("UNSIGNED-PAYLOAD", PayloadMode::Unsigned)),
            ("standard_hashes_the_body", vec!["UNSIGNED-PAYLOAD"], Rules::Standard, HEADER, bound(EMPTY_SHA256, PayloadMode::Hashed)),
            ("standard_presigned_hashes_the_body", vec![], Rules::Standard, PRESIGNED, bound(EMPTY_SHA256, PayloadMode::Hashed)),
        ];
        for (name, values, rules, form, want) in cases {
            let got = bind_with(&values, rules, form).map(|binding| (binding.line, binding.mode));
            assert_eq!(got, want, "case {name}");
        }
    }

    #[test]
    fn declared_hash_must_be_the_bodys() {
        let hash = sha256_hex(b"hello");
        let mismatch = |claimed: &str| SigV4Error::ContentSha256Mismatch {
            claimed: claimed.into(),
            computed: sha256_hex(b"other"),
        };
        #[rustfmt::skip]
        let cases = [
            ("same_body", hash.clone(), b"hello".as_slice(), Ok(())),
            ("uppercase_same_body", hash.to_uppercase(), b"hello", Ok(())),
            ("other_body", hash.clone(), b"other", Err(mismatch(&hash))),
            ("unsigned_not_checked", "UNSIGNED-PAYLOAD".into(), b"other", Ok(())),
        ];
        for (name, value, body, want) in cases {
            let binding = bind_with(&[&value], Rules::S3, HEADER).expect("binds");
            assert_eq!(
                check_declared(&binding, &PayloadHash::of(body)),
                want,
                "case {name}"
            );
        }
    }
}
