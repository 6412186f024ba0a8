//! The byte-level steps of canonicalisation: RFC 3986 percent-encoding as SigV4 specifies
//! it, percent-decoding of query components, and path normalisation.

/// Percent-encodes every byte but the RFC 3986 unreserved ones (`A-Za-z0-9-_.~`), and `/`
/// when `keep_slash`; hex digits are uppercase and a space is `%20`.
pub fn uri_encode(bytes: &[u8], keep_slash: bool) -> String {
    const DIGITS: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(bytes.len());
    for &byte in bytes {
        if byte.is_ascii_alphanumeric()
            || matches!(byte, b'-' | b'_' | b'.' | b'~')
            || (keep_slash && byte == b'/')
        {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(char::from(DIGITS[usize::from(byte >> 4)]));
            out.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
        }
    }
    out
}

/// Decodes `%XX` escapes and `+` (a space, as in forms) into bytes; a `%` not followed by
/// two hex digits stays as it is.
pub fn percent_decode(text: &str) -> Vec<u8> {
    decode_escapes(text, true)
}

/// [`percent_decode`], but `+` stays `+` (botocore's `unquote`, which SigV2 follows).
pub fn percent_decode_keeping_plus(text: &str) -> Vec<u8> {
    decode_escapes(text, false)
}

fn decode_escapes(text: &str, plus_is_space: bool) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        let escaped = match bytes.get(index..index + 3) {
            Some([b'%', high, low]) => hex_digit(*high).zip(hex_digit(*low)),
            _ => None,
        };
        match (escaped, bytes[index]) {
            (Some((high, low)), _) => {
                out.push(high << 4 | low);
                index += 3;
                continue;
            }
            (None, b'+') if plus_is_space => out.push(b' '),
            (None, byte) => out.push(byte),
        }
        index += 1;
    }
    out
}

/// Removes `.` and `..` segments and empty segments (duplicate slashes), keeping a leading
/// and a trailing slash, as botocore's `normalize_url_path` does; `""` becomes `/`.
pub fn normalize_path(path: &str) -> String {
    if path.is_empty() {
        return "/".to_owned();
    }
    let mut segments: Vec<&str> = Vec::new();
    for segment in path.split('/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            _ => segments.push(segment),
        }
    }
    let lead = if path.starts_with('/') { "/" } else { "" };
    let trail = if path.ends_with('/') && !segments.is_empty() {
        "/"
    } else {
        ""
    };
    format!("{lead}{}{trail}", segments.join("/"))
}

fn hex_digit(digit: u8) -> Option<u8> {
    char::from(digit)
        .to_digit(16)
        .and_then(|value| u8::try_from(value).ok())
}
