//! SHA-256 and the lowercase hex SigV4 writes every digest and signature in.

use aws_lc_rs::digest;

pub use crate::hex::{decode as decode_hex, encode as encode_hex};

/// Hex SHA-256 of the empty string: the payload hash of a request without a body.
pub const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Lowercase hex SHA-256 of `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    encode_hex(digest::digest(&digest::SHA256, data).as_ref())
}

/// Whether `text` is a SHA-256 in hex: 64 hex digits.
pub fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && crate::hex::is_hex(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_sha256_is_the_digest_of_nothing() {
        assert_eq!(sha256_hex(b""), EMPTY_SHA256);
    }

    #[test]
    fn sha256_hex_shape() {
        let cases = [
            ("digest", EMPTY_SHA256, true),
            (
                "uppercase_digest",
                &EMPTY_SHA256.to_uppercase() as &str,
                true,
            ),
            ("too_short", &EMPTY_SHA256[1..], false),
            ("literal", "UNSIGNED-PAYLOAD", false),
        ];
        for (name, text, want) in cases {
            assert_eq!(is_sha256_hex(text), want, "case {name}");
        }
    }
}
