//! The SigV4 key chain and the one place a signature is compared
//! ([derive a signing key](https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html#derive-signing-key)):
//! `kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`.

use std::fmt;

use aws_lc_rs::{constant_time, hmac};

use super::CredentialScope;

/// A secret access key. Its `Debug` never shows the secret.
#[derive(Clone)]
pub struct SecretKey(String);

impl SecretKey {
    /// Wraps a secret access key.
    pub fn new(secret: String) -> Self {
        Self(secret)
    }

    /// The secret's bytes: SigV2's HMAC-SHA1 key (`sigv2::signature`), never shown.
    pub(crate) fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(<redacted>)")
    }
}

/// The key derived for one credential scope (date, region, service). Its `Debug` never shows
/// the key.
#[derive(Clone)]
pub struct SigningKey([u8; 32]);

impl fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SigningKey(<redacted>)")
    }
}

impl SigningKey {
    /// Derives the signing key for `scope` from `secret`.
    pub fn derive(secret: &SecretKey, scope: &CredentialScope) -> Self {
        let date = hmac_sha256(
            format!("AWS4{}", secret.0).as_bytes(),
            scope.date.as_bytes(),
        );
        let region = hmac_sha256(&date, scope.region.as_bytes());
        let service = hmac_sha256(&region, scope.service.as_bytes());
        Self(hmac_sha256(&service, b"aws4_request"))
    }

    /// The signature of `string_to_sign` under this key.
    pub(crate) fn sign(&self, string_to_sign: &str) -> [u8; 32] {
        hmac_sha256(&self.0, string_to_sign.as_bytes())
    }

    /// Whether `provided` is the signature of `string_to_sign`: the only signature
    /// comparison in the crate, in constant time.
    pub(crate) fn verify(&self, string_to_sign: &str, provided: &[u8]) -> bool {
        constant_time::verify_slices_are_equal(&self.sign(string_to_sign), provided).is_ok()
    }
}

fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let tag = hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, key), data);
    let mut out = [0; 32];
    out.copy_from_slice(tag.as_ref());
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sigv4::hash::{decode_hex, encode_hex};

    fn scope(date: &str, region: &str, service: &str) -> CredentialScope {
        CredentialScope {
            date: date.into(),
            region: region.into(),
            service: service.into(),
        }
    }

    /// The worked example in the IAM user guide's "Examples of how to derive a signing key".
    #[test]
    fn derives_the_documented_key() {
        let secret = SecretKey::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into());
        let key = SigningKey::derive(&secret, &scope("20120215", "us-east-1", "iam"));
        assert_eq!(
            encode_hex(&key.0),
            "f4780e2d9f65fa895f9c67b32ce1baf0b0d8a43505a000a1a9e090d414db404d"
        );
    }

    /// `get-vanilla` from the AWS SigV4 test suite, header form.
    #[test]
    fn signs_the_vanilla_vector() {
        let secret = SecretKey::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into());
        let key = SigningKey::derive(&secret, &scope("20150830", "us-east-1", "service"));
        let string_to_sign = "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\nbb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63";
        let want = "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31";
        assert_eq!(encode_hex(&key.sign(string_to_sign)), want);
        let want = decode_hex(want).unwrap_or_default();
        let cases: [(&str, &str, &[u8], bool); 5] = [
            ("same", string_to_sign, &want, true),
            ("other_text", "AWS4-HMAC-SHA256\n", &want, false),
            ("truncated", string_to_sign, &want[..31], false),
            ("empty", string_to_sign, &[], false),
            (
                "longer",
                string_to_sign,
                &[want.as_slice(), &[0]].concat(),
                false,
            ),
        ];
        for (name, text, provided, expected) in cases {
            assert_eq!(key.verify(text, provided), expected, "case {name}");
        }
    }

    #[test]
    fn debug_is_redacted() {
        let secret = SecretKey::new("very-secret".into());
        let key = SigningKey::derive(&secret, &scope("20150830", "us-east-1", "s3"));
        assert_eq!(format!("{secret:?}"), "SecretKey(<redacted>)");
        assert_eq!(format!("{key:?}"), "SigningKey(<redacted>)");
    }
}
