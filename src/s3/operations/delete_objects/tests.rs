use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use md5::{Digest, Md5};

use crate::s3::test_support::{execute_as, get, put, TestStore};
use crate::s3::AccessCheck;

const HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<DeleteResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";

/// A `<Delete>` body naming `keys`.
fn delete_body(keys: &[&str], quiet: bool) -> String {
    let objects: String = keys
        .iter()
        .map(|key| format!("<Object><Key>{key}</Key></Object>"))
        .collect();
    let quiet = if quiet { "<Quiet>true</Quiet>" } else { "" };
    format!("<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">{objects}{quiet}</Delete>")
}

/// Runs DeleteObjects on `b-1` with a correct Content-MD5; the result's children.
fn delete(
    store: &TestStore,
    body: &str,
    allows: &dyn Fn(&AccessCheck) -> bool,
) -> Result<String, &'static str> {
    let md5 = STANDARD.encode(Md5::digest(body.as_bytes()));
    let headers = [("content-md5", md5.as_str())];
    let request = ("POST", "/b-1", Some("delete"));
    let response =
        execute_as(store, request, &headers, body.as_bytes(), allows).map_err(|err| err.code())?;
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("application/xml"));
    let document = String::from_utf8(response.body).unwrap();
    Ok(document
        .strip_prefix(HEAD)
        .and_then(|rest| rest.strip_suffix("</DeleteResult>"))
        .unwrap_or_else(|| panic!("not a DeleteResult: {document}"))
        .to_owned())
}

fn deleted(key: &str) -> String {
    format!("<Deleted><Key>{key}</Key></Deleted>")
}

fn denied(key: &str) -> String {
    format!(
        "<Error><Key>{key}</Key><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
    )
}

/// Allows every key but those under `private/`.
fn not_private(check: &AccessCheck) -> bool {
    assert_eq!(check.action, "s3:DeleteObject");
    assert!(check.resource.starts_with("arn:aws:s3:::b-1/"), "{check:?}");
    !check.resource.starts_with("arn:aws:s3:::b-1/private/")
}

/// (name, keys, quiet, authorizer, the result's children, the keys left of a, b, c and
/// private/p).
type Case<'a> = (
    &'a str,
    Vec<&'a str>,
    bool,
    &'a dyn Fn(&AccessCheck) -> bool,
    String,
    &'a [&'a str],
);

#[test]
fn reports_each_key() {
    let everyone = |_: &AccessCheck| true;
    #[rustfmt::skip]
    let cases: [Case; 6] = [
        (
            "existing_and_missing_count_as_deleted",
            vec!["a", "missing", "b"], false, &everyone,
            format!("{}{}{}", deleted("a"), deleted("missing"), deleted("b")),
            &["private/p", "c"],
        ),
        (
            "escaped_key",
            vec!["x&amp;y"], false, &everyone,
            deleted("x&amp;y"),
            &["a", "b", "private/p", "c"],
        ),
        (
            "quiet_success_is_empty",
            vec!["a", "b"], true, &everyone,
            String::new(),
            &["private/p", "c"],
        ),
        (
            "denied_key_is_an_error_and_stays",
            vec!["a", "private/p", "c"], false, &not_private,
            format!("{}{}{}", deleted("a"), deleted("c"), denied("private/p")),
            &["b", "private/p"],
        ),
        (
            "quiet_reports_only_errors",
            vec!["a", "private/p"], true, &not_private,
            denied("private/p"),
            &["b", "private/p", "c"],
        ),
        (
            "repeated_key_reported_twice",
            vec!["a", "a"], false, &everyone,
            format!("{}{}", deleted("a"), deleted("a")),
            &["b", "private/p", "c"],
        ),
    ];
    for (name, keys, quiet, allows, want, remaining) in cases {
        let store = TestStore::with_buckets(&["b-1"]);
        for key in ["a", "b", "c", "private/p", "x&y"] {
            put(&store, "b-1", key, b"x", &[]);
        }
        let got = delete(&store, &delete_body(&keys, quiet), allows);
        assert_eq!(got, Ok(want), "case {name}");
        for key in ["a", "b", "c", "private/p"] {
            let present = get(&store, "b-1", key, &[]).is_ok();
            assert_eq!(present, remaining.contains(&key), "case {name}: key {key}");
        }
    }
}

#[test]
fn missing_bucket_fails_the_request() {
    let store = TestStore::with_buckets(&["b-2"]);
    let got = delete(&store, &delete_body(&["a"], false), &|_| true);
    assert_eq!(got, Err("NoSuchBucket"));
}
