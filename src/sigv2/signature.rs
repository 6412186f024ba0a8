//! SigV2's MAC and the one place a SigV2 signature is compared:
//! `Signature = Base64(HMAC-SHA1(secret, UTF-8(StringToSign)))`.

use aws_lc_rs::{constant_time, hmac};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::sigv4::SecretKey;

/// The signature of `string_to_sign` under `secret`, in base64 as clients send it.
pub fn sign(secret: &SecretKey, string_to_sign: &str) -> String {
    STANDARD.encode(mac(secret, string_to_sign))
}

/// Whether `provided` (base64, as sent) is the signature of `string_to_sign`: the only
/// SigV2 signature comparison in the crate, in constant time. Text that is not base64
/// matches nothing.
pub(crate) fn verify(secret: &SecretKey, string_to_sign: &str, provided: &str) -> bool {
    let Ok(provided) = STANDARD.decode(provided) else {
        return false;
    };
    constant_time::verify_slices_are_equal(mac(secret, string_to_sign).as_ref(), &provided).is_ok()
}

fn mac(secret: &SecretKey, string_to_sign: &str) -> hmac::Tag {
    let key = hmac::Key::new(hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY, secret.as_bytes());
    hmac::sign(&key, string_to_sign.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The secret of the S3 SigV2 documentation's examples.
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    /// "Object GET" from "Signing and authenticating REST requests (AWS signature
    /// version 2)", <https://docs.aws.amazon.com/AmazonS3/latest/API/RESTAuthentication.html>.
    #[test]
    fn signs_and_verifies_the_documented_example() {
        let secret = SecretKey::new(SECRET.into());
        let text = "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/awsexamplebucket1/photos/puppy.jpg";
        let want = "qgk2+6Sv9/oM7G3qLEjTH1a1l1g=";
        assert_eq!(sign(&secret, text), want);
        let cases = [
            ("same", text, want, true),
            ("other_text", "GET\n", want, false),
            (
                "one_character_changed",
                text,
                "qgk2+6Sv9/oM7G3qLEjTH1a1l1h=",
                false,
            ),
            ("truncated", text, "qgk2+6Sv9/oM7G3qLEjTH1a1", false),
            ("empty", text, "", false),
            ("not_base64", text, "qgk2+6Sv9/oM7G3qLEjTH1a1l1g=!", false),
            ("unpadded", text, "qgk2+6Sv9/oM7G3qLEjTH1a1l1g", false),
        ];
        for (name, text, provided, expected) in cases {
            assert_eq!(verify(&secret, text, provided), expected, "case {name}");
        }
    }

    #[test]
    fn another_secret_does_not_verify() {
        let text = "GET\n\n\n1175139620\n/johnsmith/photos/puppy.jpg";
        let signed = sign(&SecretKey::new(SECRET.into()), text);
        assert!(!verify(&SecretKey::new("other".into()), text, &signed));
    }
}
