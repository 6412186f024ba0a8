use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use md5::{Digest, Md5};

use crate::s3::checksum::ChecksumAlgorithm;
use crate::s3::error::S3Error;
use crate::s3::{parse_operation, S3Operation};

const NS: &str = "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"";

/// How a case proves the body's integrity.
#[derive(Clone, Copy)]
enum Integrity {
    None,
    Md5,
    Crc32,
    Crc64Nvme,
    Md5AndCrc32,
    Trailer,
    Header(&'static str, &'static str),
}

fn md5(body: &[u8]) -> String {
    STANDARD.encode(Md5::digest(body))
}

fn checksum(algorithm: ChecksumAlgorithm, body: &[u8]) -> String {
    STANDARD.encode(algorithm.digest(body))
}

/// Parses `POST /b-1?delete` with `body`, its integrity proved as `integrity`.
fn parse(body: &str, integrity: Integrity) -> Result<S3Operation, S3Error> {
    let bytes = body.as_bytes();
    let headers: Vec<(&str, String)> = match integrity {
        Integrity::None => vec![],
        Integrity::Md5 => vec![("Content-MD5", md5(bytes))],
        Integrity::Crc32 => vec![(
            "x-amz-checksum-crc32",
            checksum(ChecksumAlgorithm::Crc32, bytes),
        )],
        Integrity::Crc64Nvme => vec![(
            "x-amz-checksum-crc64nvme",
            checksum(ChecksumAlgorithm::Crc64Nvme, bytes),
        )],
        Integrity::Md5AndCrc32 => vec![
            ("content-md5", md5(bytes)),
            (
                "x-amz-checksum-crc32",
                checksum(ChecksumAlgorithm::Crc32, bytes),
            ),
        ],
        Integrity::Trailer => vec![("x-amz-trailer", "x-amz-checksum-crc32".to_owned())],
        Integrity::Header("content-md5", value) => vec![("content-md5", value.to_owned())],
        Integrity::Header(name, value) => {
            vec![("content-md5", md5(bytes)), (name, value.to_owned())]
        }
    };
    let headers: Vec<(String, String)> = headers
        .into_iter()
        .map(|(name, value)| (name.to_owned(), value))
        .collect();
    parse_operation(
        "POST",
        "/b-1",
        Some("delete"),
        Some("localhost"),
        &headers,
        bytes,
        None,
    )
}

fn objects(keys: &[&str]) -> String {
    keys.iter()
        .map(|key| format!("<Object><Key>{key}</Key></Object>"))
        .collect()
}

fn delete(keys: &[&str], quiet: bool) -> S3Operation {
    S3Operation::DeleteObjects {
        bucket: "b-1".into(),
        keys: keys.iter().map(|key| (*key).to_owned()).collect(),
        quiet,
    }
}

#[test]
fn parses_delete_requests() {
    let thousand: Vec<String> = (0..1000).map(|n| format!("k{n:04}")).collect();
    let thousand: Vec<&str> = thousand.iter().map(String::as_str).collect();
    #[rustfmt::skip]
    let cases = [
        ("content_md5", format!("<Delete {NS}>{}</Delete>", objects(&["a", "b/c"])), Integrity::Md5, delete(&["a", "b/c"], false)),
        ("crc32_instead_of_md5", format!("<Delete {NS}>{}</Delete>", objects(&["a"])), Integrity::Crc32, delete(&["a"], false)),
        ("crc64nvme_instead_of_md5", format!("<Delete {NS}>{}</Delete>", objects(&["a"])), Integrity::Crc64Nvme, delete(&["a"], false)),
        ("md5_and_crc32", format!("<Delete {NS}>{}</Delete>", objects(&["a"])), Integrity::Md5AndCrc32, delete(&["a"], false)),
        ("trailer_checksum", format!("<Delete {NS}>{}</Delete>", objects(&["a"])), Integrity::Trailer, delete(&["a"], false)),
        ("no_namespace", format!("<Delete>{}</Delete>", objects(&["a"])), Integrity::Md5, delete(&["a"], false)),
        ("declaration", format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Delete {NS}>{}</Delete>", objects(&["a"])), Integrity::Md5, delete(&["a"], false)),
        ("quiet_true", format!("<Delete {NS}>{}<Quiet>true</Quiet></Delete>", objects(&["a"])), Integrity::Md5, delete(&["a"], true)),
        ("quiet_first", format!("<Delete {NS}><Quiet>true</Quiet>{}</Delete>", objects(&["a", "b"])), Integrity::Md5, delete(&["a", "b"], true)),
        ("quiet_false", format!("<Delete {NS}>{}<Quiet>false</Quiet></Delete>", objects(&["a"])), Integrity::Md5, delete(&["a"], false)),
        ("escaped_key", format!("<Delete {NS}>{}</Delete>", objects(&["a&amp;b&lt;c"])), Integrity::Md5, delete(&["a&b<c"], false)),
        ("spaces_in_key_kept", format!("<Delete {NS}>{}</Delete>", objects(&[" a b "])), Integrity::Md5, delete(&[" a b "], false)),
        ("unicode_key", format!("<Delete {NS}>{}</Delete>", objects(&["日本/ключ"])), Integrity::Md5, delete(&["日本/ключ"], false)),
        ("whitespace_between_elements", format!("<Delete {NS}>\n  <Object>\n    <Key>a</Key>\n  </Object>\n</Delete>"), Integrity::Md5, delete(&["a"], false)),
        ("thousand_keys", format!("<Delete {NS}>{}</Delete>", objects(&thousand)), Integrity::Md5, delete(&thousand, false)),
    ];
    for (name, body, integrity, want) in cases {
        let got = parse(&body, integrity).map_err(|err| err.to_string());
        assert_eq!(got, Ok(want), "case {name}");
    }
}

#[test]
fn refuses_bad_requests() {
    let many: Vec<String> = (0..1001).map(|n| format!("k{n}")).collect();
    let many: Vec<&str> = many.iter().map(String::as_str).collect();
    let one = format!("<Delete {NS}>{}</Delete>", objects(&["a"]));
    let with_object = |inner: &str| format!("<Delete {NS}><Object>{inner}</Object></Delete>");
    #[rustfmt::skip]
    let cases = [
        // The body.
        ("not_xml", "hello".to_owned(), Integrity::Md5, "MalformedXML"),
        ("empty_body", String::new(), Integrity::Md5, "MalformedXML"),
        ("unclosed", format!("<Delete {NS}><Object><Key>a</Key>"), Integrity::Md5, "MalformedXML"),
        ("wrong_root", format!("<Remove {NS}>{}</Remove>", objects(&["a"])), Integrity::Md5, "MalformedXML"),
        ("no_objects", format!("<Delete {NS}></Delete>"), Integrity::Md5, "MalformedXML"),
        ("only_quiet", format!("<Delete {NS}><Quiet>true</Quiet></Delete>"), Integrity::Md5, "MalformedXML"),
        ("over_1000_keys", format!("<Delete {NS}>{}</Delete>", objects(&many)), Integrity::Md5, "MalformedXML"),
        ("object_without_key", with_object(""), Integrity::Md5, "MalformedXML"),
        ("empty_key", with_object("<Key></Key>"), Integrity::Md5, "MalformedXML"),
        ("unknown_child", with_object("<Key>a</Key><Color>red</Color>"), Integrity::Md5, "MalformedXML"),
        ("quiet_not_boolean", format!("<Delete {NS}>{}<Quiet>yes</Quiet></Delete>", objects(&["a"])), Integrity::Md5, "MalformedXML"),
        ("entity_declaration", format!("<!DOCTYPE d [<!ENTITY e \"a\">]><Delete {NS}><Object><Key>&e;</Key></Object></Delete>"), Integrity::Md5, "MalformedXML"),
        // The integrity header.
        ("no_integrity_header", one.clone(), Integrity::None, "InvalidRequest"),
        ("md5_not_base64", one.clone(), Integrity::Header("content-md5", "not base64!"), "InvalidDigest"),
        ("md5_too_short", one.clone(), Integrity::Header("content-md5", "AAAAAA=="), "InvalidDigest"),
        ("md5_of_other_body", one.clone(), Integrity::Header("content-md5", "1B2M2Y8AsgTpgAmY7PhCfg=="), "BadDigest"),
        ("crc32_of_other_body", one.clone(), Integrity::Header("x-amz-checksum-crc32", "AAAAAA=="), "BadDigest"),
        ("crc32_malformed", one.clone(), Integrity::Header("x-amz-checksum-crc32", "nope"), "InvalidRequest"),
        // Features not implemented.
        ("sha1_checksum_mismatch", one.clone(), Integrity::Header("x-amz-checksum-sha1", "AAAAAAAAAAAAAAAAAAAAAAAAAAA="), "BadDigest"),
        ("version_id", with_object("<Key>a</Key><VersionId>v1</VersionId>"), Integrity::Md5, "NotImplemented"),
        ("conditional_etag", with_object("<Key>a</Key><ETag>\"e\"</ETag>"), Integrity::Md5, "NotImplemented"),
        ("mfa", one.clone(), Integrity::Header("x-amz-mfa", "serial 123456"), "NotImplemented"),
        ("expected_owner", one, Integrity::Header("x-amz-expected-bucket-owner", "111122223333"), "NotImplemented"),
    ];
    for (name, body, integrity, want) in cases {
        let code = match parse(&body, integrity) {
            Ok(S3Operation::Unsupported { .. }) => "NotImplemented",
            Ok(other) => panic!("case {name}: parsed as {other:?}"),
            Err(err) => err.code(),
        };
        assert_eq!(code, want, "case {name}");
    }
}
