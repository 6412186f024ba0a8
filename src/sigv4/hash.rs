//! SHA-256 and the lowercase hex SigV4 writes every digest and signature in.

use aws_lc_rs::digest;

/// Hex SHA-256 of the empty string: the payload hash of a request without a body.
pub const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

/// Lowercase hex SHA-256 of `data`.
pub fn sha256_hex(data: &[u8]) -> String {
    encode_hex(digest::digest(&digest::SHA256, data).as_ref())
}

/// Lowercase hex of `bytes`.
pub fn encode_hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

/// The bytes `text` spells in hex (either case); `None` for an odd length or a non-hex digit.
pub fn decode_hex(text: &str) -> Option<Vec<u8>> {
    let digits = text.as_bytes();
    if digits.len() % 2 != 0 {
        return None;
    }
    digits
        .chunks_exact(2)
        .map(|pair| Some(hex_value(pair[0])? << 4 | hex_value(pair[1])?))
        .collect()
}

/// Whether `text` is a SHA-256 in hex: 64 hex digits.
pub fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|byte| hex_value(byte).is_some())
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_sha256_is_the_digest_of_nothing() {
        assert_eq!(sha256_hex(b""), EMPTY_SHA256);
    }

    #[test]
    fn hex_decoding() {
        let cases: [(&str, &str, Option<&[u8]>); 6] = [
            ("empty", "", Some(&[])),
            ("lowercase", "00ff10", Some(&[0x00, 0xff, 0x10])),
            ("uppercase", "ABcd", Some(&[0xab, 0xcd])),
            ("odd_length", "abc", None),
            ("not_hex", "zz", None),
            ("multibyte_char", "é0", None),
        ];
        for (name, text, want) in cases {
            assert_eq!(decode_hex(text).as_deref(), want, "case {name}");
        }
    }

    #[test]
    fn hex_round_trips() {
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(decode_hex(&encode_hex(&bytes)), Some(bytes));
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
