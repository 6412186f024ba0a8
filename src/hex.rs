//! Lowercase hex, as AWS writes digests, signatures and keys.

/// Lowercase hex of `bytes`.
pub fn encode(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for byte in bytes {
        out.push(char::from(DIGITS[usize::from(byte >> 4)]));
        out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    out
}

/// The bytes `text` spells in hex (either case); `None` for an odd length or a non-hex digit.
pub fn decode(text: &str) -> Option<Vec<u8>> {
    let digits = text.as_bytes();
    if !digits.len().is_multiple_of(2) {
        return None;
    }
    digits
        .chunks_exact(2)
        .map(|pair| Some(digit_value(pair[0])? << 4 | digit_value(pair[1])?))
        .collect()
}

/// Whether every character of `text` is a hex digit.
pub fn is_hex(text: &str) -> bool {
    text.bytes().all(|byte| digit_value(byte).is_some())
}

fn digit_value(digit: u8) -> Option<u8> {
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
    fn decoding() {
        let cases: [(&str, &str, Option<&[u8]>); 6] = [
            ("empty", "", Some(&[])),
            ("lowercase", "00ff10", Some(&[0x00, 0xff, 0x10])),
            ("uppercase", "ABcd", Some(&[0xab, 0xcd])),
            ("odd_length", "abc", None),
            ("not_hex", "zz", None),
            ("multibyte_char", "é0", None),
        ];
        for (name, text, want) in cases {
            assert_eq!(decode(text).as_deref(), want, "case {name}");
        }
    }

    #[test]
    fn round_trips() {
        let bytes: Vec<u8> = (0..=255).collect();
        assert_eq!(decode(&encode(&bytes)), Some(bytes));
    }
}
