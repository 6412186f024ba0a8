//! Canonicalisation step by step: URI encoding and normalisation under each rule set, the
//! query's encoding and order, header values, and the assembled request.

use axum::http::{HeaderMap, HeaderName, HeaderValue};

use super::*;
use crate::sigv4::encode::percent_decode;
use crate::sigv4::hash::EMPTY_SHA256;
use crate::sigv4::{CredentialScope, SignatureForm};

/// A named case: headers sent, headers signed, the canonical header lines.
type HeaderCase<'a> = (
    &'a str,
    Vec<(&'a str, &'a [u8])>,
    &'a [&'a str],
    Result<String, SigV4Error>,
);

#[test]
fn uri_encoding() {
    #[rustfmt::skip]
    let cases: [(&str, &[u8], bool, &str); 8] = [
        ("unreserved_kept", b"AZaz09-_.~", false, "AZaz09-_.~"),
        ("space_is_percent_20", b"a b", false, "a%20b"),
        ("plus_encoded", b"a+b", false, "a%2Bb"),
        ("slash_encoded_in_query", b"a/b", false, "a%2Fb"),
        ("slash_kept_in_path", b"a/b", true, "a/b"),
        ("percent_encoded", b"%20", true, "%2520"),
        ("utf8_uppercase_hex", "ሴ".as_bytes(), false, "%E1%88%B4"),
        ("reserved_encoded", b"!*'();:@&=$,?#[]", false, "%21%2A%27%28%29%3B%3A%40%26%3D%24%2C%3F%23%5B%5D"),
    ];
    for (name, input, keep_slash, want) in cases {
        assert_eq!(uri_encode(input, keep_slash), want, "case {name}");
    }
}

#[test]
fn percent_decoding() {
    let cases: [(&str, &str, &[u8]); 7] = [
        ("plain", "abc", b"abc"),
        ("escape", "a%20b", b"a b"),
        ("lowercase_hex", "%e1%88%b4", "ሴ".as_bytes()),
        ("plus_is_space", "a+b", b"a b"),
        ("encoded_plus", "a%2Bb", b"a+b"),
        ("truncated_escape_kept", "a%2", b"a%2"),
        ("invalid_escape_kept", "%zz%", b"%zz%"),
    ];
    for (name, input, want) in cases {
        assert_eq!(percent_decode(input), want, "case {name}");
    }
}

#[test]
fn path_normalisation() {
    let cases = [
        ("root", "/", "/"),
        ("empty", "", "/"),
        ("dot_slash", "/./", "/"),
        ("double_slash", "//", "/"),
        ("relative", "/example/..", "/"),
        ("relative_relative", "/example1/example2/../..", "/"),
        ("pointless_dot", "/./example", "/example"),
        ("slashes", "//example//", "/example/"),
        ("dot_dot_above_root", "/../a", "/a"),
        ("parent_keeps_no_trailing_slash", "/a/b/..", "/a"),
        ("trailing_slash_kept", "/a/b/", "/a/b/"),
        ("encoded_dots_are_names", "/a/%2E%2E/b", "/a/%2E%2E/b"),
    ];
    for (name, path, want) in cases {
        assert_eq!(normalize_path(path), want, "case {name}");
    }
}

#[test]
fn canonical_uris() {
    #[rustfmt::skip]
    let cases = [
        ("s3_raw_path", "/bucket/a%20b", Rules::S3, "/bucket/a%20b"),
        ("s3_no_normalisation", "/bucket//./a/../b", Rules::S3, "/bucket//./a/../b"),
        ("s3_empty_path", "", Rules::S3, "/"),
        ("s3_unencoded_kept", "/bucket/a:b", Rules::S3, "/bucket/a:b"),
        ("standard_double_encodes", "/a%20b", Rules::Standard, "/a%2520b"),
        ("standard_normalises", "//a/./b/../c/", Rules::Standard, "/a/c/"),
        ("standard_root", "/", Rules::Standard, "/"),
        ("standard_raw_utf8", "/ሴ", Rules::Standard, "/%E1%88%B4"),
        ("standard_encoded_utf8", "/%E1%88%B4", Rules::Standard, "/%25E1%2588%25B4"),
        ("standard_reserved", "/a:b", Rules::Standard, "/a%3Ab"),
    ];
    for (name, path, rules, want) in cases {
        assert_eq!(canonical_uri(path, rules), want, "case {name}");
    }
}

#[test]
fn canonical_queries() {
    let header = SignatureForm::Header;
    let presigned = SignatureForm::Presigned {
        expires_seconds: 60,
    };
    #[rustfmt::skip]
    let cases = [
        ("empty", "", header, ""),
        ("sorted_by_key", "b=2&a=1", header, "a=1&b=2"),
        ("uppercase_sorts_first", "a=1&B=2", header, "B=2&a=1"),
        ("prefix_key_first", "Param-3=3&Param=2", header, "Param=2&Param-3=3"),
        ("same_key_sorted_by_value", "k=b&k=a", header, "k=a&k=b"),
        ("key_without_value", "acl", header, "acl="),
        ("empty_value", "prefix=", header, "prefix="),
        ("empty_pieces_dropped", "&a=1&&b=2&", header, "a=1&b=2"),
        ("space_as_percent_20", "a=x%20y", header, "a=x%20y"),
        ("plus_is_space", "a=x+y", header, "a=x%20y"),
        ("encoded_plus_kept", "a=x%2By", header, "a=x%2By"),
        ("lowercase_escape_uppercased", "a=%2f", header, "a=%2F"),
        ("overencoded_unreserved_decoded", "a=%7E%41", header, "a=~A"),
        ("reserved_encoded", "a=b:c/d", header, "a=b%3Ac%2Fd"),
        ("raw_utf8_encoded", "ሴ=bar", header, "%E1%88%B4=bar"),
        ("equals_in_value", "a=b=c", header, "a=b%3Dc"),
        ("signature_kept_in_header_form", "X-Amz-Signature=ab&a=1", header, "X-Amz-Signature=ab&a=1"),
        ("signature_dropped_when_presigned", "X-Amz-Signature=ab&a=1", presigned, "a=1"),
    ];
    for (name, query, form, want) in cases {
        assert_eq!(canonical_query(query, form), want, "case {name}");
    }
}

fn header_map(pairs: &[(&str, &[u8])]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (name, value) in pairs {
        let name = HeaderName::from_bytes(name.as_bytes()).expect("test header name");
        map.append(
            name,
            HeaderValue::from_bytes(value).expect("test header value"),
        );
    }
    map
}

fn view<'a>(headers: &'a HeaderMap, authority: Option<&'a str>) -> RequestView<'a> {
    RequestView {
        method: "GET",
        path: "/",
        query: None,
        headers,
        authority,
    }
}

#[test]
fn canonical_header_values() {
    let host: (&str, &[u8]) = ("host", b"example.com");
    let ok = |lines: &str| Ok(format!("host:example.com\n{lines}"));
    let missing = |name: &str| Err(SigV4Error::MissingSignedHeader(name.into()));
    #[rustfmt::skip]
    let cases: Vec<HeaderCase<'_>> = vec![
        ("trimmed", vec![host, ("a", b"  v  ")], &["host", "a"], ok("a:v\n")),
        ("inner_runs_collapsed", vec![host, ("a", b"\"a   b \t c\"")], &["host", "a"], ok("a:\"a b c\"\n")),
        ("repeated_joined_in_order", vec![host, ("a", b"2"), ("a", b" 1 "), ("a", b"3")], &["host", "a"], ok("a:2,1,3\n")),
        ("empty_value", vec![host, ("a", b"")], &["host", "a"], ok("a:\n")),
        ("comma_in_value_kept", vec![host, ("a", b"x, y")], &["host", "a"], ok("a:x, y\n")),
        ("latin1_bytes", vec![host, ("a", b"caf\xe9")], &["host", "a"], ok("a:caf\u{e9}\n")),
        ("utf8_bytes", vec![host, ("a", "café".as_bytes())], &["host", "a"], ok("a:caf\u{e9}\n")),
        ("received_order_used", vec![host, ("b", b"2"), ("a", b"1")], &["host", "b", "a"], ok("b:2\na:1\n")),
        ("unsigned_headers_ignored", vec![host, ("a", b"1")], &["host"], ok("")),
        ("host_not_signed", vec![host, ("a", b"1")], &["a"], missing("host")),
        ("signed_header_absent", vec![host], &["host", "x-amz-date"], missing("x-amz-date")),
        ("invalid_name_is_absent", vec![host], &["host", "bad name"], missing("bad name")),
    ];
    for (name, pairs, signed, want) in cases {
        let headers = header_map(&pairs);
        let signed: Vec<String> = signed.iter().map(|name| (*name).to_owned()).collect();
        assert_eq!(
            canonical_headers(&view(&headers, None), &signed),
            want,
            "case {name}"
        );
    }
}

#[test]
fn host_from_authority_when_no_host_header() {
    let headers = HeaderMap::new();
    let signed = vec!["host".to_owned()];
    let got = canonical_headers(&view(&headers, Some("example.com:8080")), &signed);
    assert_eq!(got, Ok("host:example.com:8080\n".to_owned()));
    let got = canonical_headers(&view(&headers, None), &signed);
    assert_eq!(got, Err(SigV4Error::MissingSignedHeader("host".into())));
}

/// `get-vanilla-query-order-encoded` from the AWS suite, assembled by hand.
#[test]
fn assembles_request_and_string_to_sign() {
    let headers = header_map(&[
        ("host", b"example.amazonaws.com"),
        ("x-amz-date", b"20150830T123600Z"),
    ]);
    let query = Some("Param-3=Value3&Param=Value2&%E1%88%B4=Value1");
    let request = RequestView {
        method: "GET",
        path: "/",
        query,
        headers: &headers,
        authority: None,
    };
    let auth = Authorization {
        access_key_id: "AKIDEXAMPLE".into(),
        scope: CredentialScope {
            date: "20150830".into(),
            region: "us-east-1".into(),
            service: "service".into(),
        },
        signed_headers: vec!["host".into(), "x-amz-date".into()],
        signature: vec![],
        timestamp: "20150830T123600Z".into(),
        form: SignatureForm::Header,
        security_token: None,
    };
    let want = concat!(
        "GET\n/\n%E1%88%B4=Value1&Param=Value2&Param-3=Value3\n",
        "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    let got = canonical_request(&request, &auth, Rules::Standard, EMPTY_SHA256);
    assert_eq!(got.as_deref(), Ok(want));
    let string_to_sign = concat!(
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n",
        "868294f5c38bd141c4972a373a76654f1418a8e4fc18b2e7903ae45e8ae0ec71"
    );
    assert_eq!(super::string_to_sign(&auth, want), string_to_sign);
}
