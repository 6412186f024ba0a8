//! S3's wire forms that more than one operation shares: XML documents serialized from
//! typed structs, the `encoding-type=url` escaping, percent-decoding of request paths, and
//! the two timestamp formats (see [`time`]).
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/RESTAPI.html>

pub mod time;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use quick_xml::events::{BytesDecl, Event};
use quick_xml::se::Serializer;
use quick_xml::Writer;
use serde::Serialize;

use super::checksum::ChecksumAlgorithm;
use super::error::S3Error;

/// The namespace of S3's response documents (note `http`, as S3 sends it).
pub const XML_NAMESPACE: &str = "http://s3.amazonaws.com/doc/2006-03-01/";

/// `<?xml version="1.0" encoding="UTF-8"?>` followed by `value` serialized as `<root>`.
pub fn xml_document<T: Serialize>(root: &str, value: &T) -> Result<Vec<u8>, S3Error> {
    let mut declaration = Writer::new(Vec::new());
    declaration
        .write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))
        .map_err(|err| S3Error::Internal(format!("writing the XML declaration: {err}")))?;
    let mut body = String::new();
    let serialized = Serializer::with_root(&mut body, Some(root)).and_then(|mut serializer| {
        // S3 writes `<Prefix></Prefix>`, not `<Prefix/>`.
        serializer.expand_empty_elements(true);
        value.serialize(serializer)
    });
    serialized.map_err(|err| S3Error::Internal(format!("serializing <{root}>: {err}")))?;
    let mut document = declaration.into_inner();
    document.push(b'\n');
    document.extend_from_slice(body.as_bytes());
    Ok(document)
}

/// `<Owner>` of ListBuckets and of listed objects. S3 stopped sending `DisplayName` in
/// 2025, so only the canonical id is here.
#[derive(Debug, Clone, Serialize)]
pub struct Owner<'a> {
    #[serde(rename = "ID")]
    pub id: &'a str,
}

/// A result's `<ChecksumCRC32>…</ChecksumCRC32>` (or another algorithm's element): put in a
/// result struct as `#[serde(flatten)] checksum: Option<ChecksumElement>`.
#[derive(Debug, Clone)]
pub struct ChecksumElement {
    pub algorithm: ChecksumAlgorithm,
    /// Base64, as S3 sends it (a composite checksum ends in `-<parts>`).
    pub value: String,
}

impl Serialize for ChecksumElement {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let element = match self.algorithm {
            ChecksumAlgorithm::Crc32 => "ChecksumCRC32",
            ChecksumAlgorithm::Crc32c => "ChecksumCRC32C",
            ChecksumAlgorithm::Crc64Nvme => "ChecksumCRC64NVME",
            ChecksumAlgorithm::Sha1 => "ChecksumSHA1",
            ChecksumAlgorithm::Sha256 => "ChecksumSHA256",
        };
        let mut map = serializer.serialize_map(Some(1))?;
        map.serialize_entry(element, &self.value)?;
        map.end()
    }
}

/// Tags our continuation tokens so a stray string is refused rather than misread.
const TOKEN_TAG: &str = "irsa-local/1:";

/// An opaque continuation token resuming a listing after `position` (a key or name).
pub fn encode_token(position: &str) -> String {
    STANDARD.encode(format!("{TOKEN_TAG}{position}"))
}

/// The position in a token from [`encode_token`]; `InvalidArgument` for anything else.
pub fn decode_token(token: &str) -> Result<String, S3Error> {
    STANDARD
        .decode(token)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .and_then(|text| text.strip_prefix(TOKEN_TAG).map(str::to_owned))
        .ok_or_else(|| S3Error::InvalidArgument {
            name: "continuation-token",
            value: token.to_owned(),
            message: "The continuation token provided is incorrect",
        })
}

/// Escapes a key, prefix or delimiter for `encoding-type=url`: unreserved characters and
/// `/` stay, a space becomes `+`, every other byte is `%XX`. botocore reverses this with
/// `unquote_plus`, so `+` itself must be escaped.
pub fn url_encode(text: &str) -> String {
    let mut encoded = String::with_capacity(text.len());
    for &byte in text.as_bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                encoded.push(char::from(byte));
            }
            b' ' => encoded.push('+'),
            _ => encoded.push_str(&format!("%{byte:02X}")),
        }
    }
    encoded
}

/// Decodes `%XX` escapes in a path segment (`+` stays literal in paths). `None` when an
/// escape is malformed or the result is not UTF-8: S3 answers those with `InvalidURI`.
pub fn percent_decode(raw: &str) -> Option<String> {
    let bytes = raw.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let high = hex_value(*bytes.get(index + 1)?)?;
            let low = hex_value(*bytes.get(index + 2)?)?;
            decoded.push(high << 4 | low);
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(decoded).ok()
}

fn hex_value(digit: u8) -> Option<u8> {
    match digit {
        b'0'..=b'9' => Some(digit - b'0'),
        b'a'..=b'f' => Some(digit - b'a' + 10),
        b'A'..=b'F' => Some(digit - b'A' + 10),
        _ => None,
    }
}

/// The ETag S3 sends for a single-part object of `content`: its MD5 in hex, quoted.
#[cfg(test)]
pub fn etag(content: &[u8]) -> String {
    etag_of_md5(&crate::s3::checksum::md5(content))
}

/// The quoted hex ETag of an MD5 digest.
pub fn etag_of_md5(md5: &[u8; 16]) -> String {
    format!("\"{}\"", crate::hex::encode(md5))
}

/// The ETag S3 gives a multipart object: the MD5 of its parts' MD5s, then `-<parts>`.
pub fn multipart_etag(part_md5s: &[[u8; 16]]) -> String {
    let joined: Vec<u8> = part_md5s.concat();
    let md5 = crate::s3::checksum::md5(&joined);
    format!("\"{}-{}\"", crate::hex::encode(&md5), part_md5s.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checksum_elements_are_named_by_algorithm() {
        #[derive(Serialize)]
        #[serde(rename_all = "PascalCase")]
        struct Result {
            #[serde(rename = "@xmlns")]
            namespace: &'static str,
            #[serde(rename = "ETag")]
            etag: &'static str,
            #[serde(flatten)]
            checksum: Option<ChecksumElement>,
            checksum_type: &'static str,
        }
        let document = |checksum| {
            let result = Result {
                namespace: XML_NAMESPACE,
                etag: "\"e\"",
                checksum,
                checksum_type: "FULL_OBJECT",
            };
            String::from_utf8(xml_document("R", &result).unwrap()).unwrap()
        };
        let ns = XML_NAMESPACE;
        let cases = [
            ("none", None, format!("<R xmlns=\"{ns}\"><ETag>\"e\"</ETag><ChecksumType>FULL_OBJECT</ChecksumType></R>")),
            ("crc32", Some((ChecksumAlgorithm::Crc32, "AAAAAA==")), format!("<R xmlns=\"{ns}\"><ETag>\"e\"</ETag><ChecksumCRC32>AAAAAA==</ChecksumCRC32><ChecksumType>FULL_OBJECT</ChecksumType></R>")),
            ("sha256_composite", Some((ChecksumAlgorithm::Sha256, "x-2")), format!("<R xmlns=\"{ns}\"><ETag>\"e\"</ETag><ChecksumSHA256>x-2</ChecksumSHA256><ChecksumType>FULL_OBJECT</ChecksumType></R>")),
        ];
        for (name, checksum, want) in cases {
            let checksum =
                checksum.map(
                    |(algorithm, value): (ChecksumAlgorithm, &str)| ChecksumElement {
                        algorithm,
                        value: value.to_owned(),
                    },
                );
            let got = document(checksum);
            assert_eq!(
                got.split_once('\n').map(|(_, body)| body),
                Some(want.as_str()),
                "case {name}"
            );
        }
    }

    #[test]
    fn url_encode_matches_s3() {
        let cases = [
            ("plain", "photos/2024/a.jpg", "photos/2024/a.jpg"),
            ("space_is_plus", "my file", "my+file"),
            ("plus_is_escaped", "a+b", "a%2Bb"),
            ("unicode_bytes", "é", "%C3%A9"),
            ("percent_escaped", "100%", "100%25"),
            ("control_char", "a\u{1}b", "a%01b"),
        ];
        for (name, input, want) in cases {
            assert_eq!(url_encode(input), want, "case {name}");
        }
    }

    #[test]
    fn percent_decode_cases() {
        let cases = [
            ("plain", "key", Some("key")),
            ("space", "a%20b", Some("a b")),
            ("plus_literal", "a+b", Some("a+b")),
            ("slash_escaped", "a%2Fb", Some("a/b")),
            ("unicode", "%E2%82%AC", Some("€")),
            ("lowercase_hex", "%e2%82%ac", Some("€")),
            ("truncated_escape", "a%2", None),
            ("bad_hex", "%zz", None),
            ("invalid_utf8", "%FF", None),
        ];
        for (name, input, want) in cases {
            assert_eq!(percent_decode(input).as_deref(), want, "case {name}");
        }
    }

    #[test]
    fn tokens_round_trip_and_refuse_strangers() {
        let cases = [
            ("ascii", "photos/2024/"),
            ("empty", ""),
            ("unicode", "日本/ключ"),
        ];
        for (name, position) in cases {
            assert_eq!(
                decode_token(&encode_token(position)).unwrap(),
                position,
                "case {name}"
            );
        }
        let strangers = [
            ("not_base64", "***"),
            ("untagged", "aGVsbG8="),
            ("empty", ""),
        ];
        for (name, token) in strangers {
            assert_eq!(
                decode_token(token).unwrap_err().code(),
                "InvalidArgument",
                "case {name}"
            );
        }
    }

    #[test]
    fn etags_are_md5_as_s3_makes_them() {
        // SHA-256("") = e3b0c442 98fc1c14 9afbf4c8 996fb924 27ae41e4…
        assert_eq!(etag(b""), "\"d41d8cd98f00b204e9800998ecf8427e\"");
        assert_eq!(etag(b"hello"), "\"5d41402abc4b2a76b9719d911017c592\"");
        // Two parts "a" and "b": MD5 of md5("a") || md5("b"), as S3 and s3transfer compute it.
        let parts = [
            crate::s3::checksum::md5(b"a"),
            crate::s3::checksum::md5(b"b"),
        ];
        assert_eq!(
            multipart_etag(&parts),
            "\"96e024ba2074fe77e8e965ba43a704be-2\""
        );
    }
}
