//! Cross-cutting S3 tests: nothing a client sends makes parsing or execution panic.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use super::test_support::{put, TestStore, NOW};
use super::{execute, parse_operation};

const METHODS: [&str; 7] = ["GET", "HEAD", "PUT", "POST", "DELETE", "PATCH", "OPTIONS"];
const PATH_PIECES: [&str; 14] = [
    "/",
    "b-1",
    "/b-1",
    "/b-1/",
    "k",
    "%",
    "%2",
    "%ZZ",
    "%E2%82%AC",
    "%FF",
    "..",
    "//",
    "a b",
    "\u{0}",
];
const QUERY_PIECES: [&str; 20] = [
    "delete",
    "location",
    "marker=\u{ff}",
    "encoding-type=",
    "list-type=2",
    "list-type=",
    "max-keys=",
    "max-keys=-1",
    "max-keys=99999999999",
    "prefix=%",
    "delimiter=",
    "continuation-token=",
    "continuation-token=%FF",
    "start-after=\u{ff}",
    "encoding-type=url",
    "fetch-owner=",
    "acl",
    "uploads",
    "max-buckets=0",
    "&&==",
];
const HEADER_VALUES: [&str; 12] = [
    "bytes=0-",
    "bytes=-0",
    "bytes=-",
    "bytes=18446744073709551615-",
    "bytes=5-1",
    "bytes=0-0,1-1",
    "",
    "*",
    "W/\"x\"",
    "Tue, 02 Jan 2024 03:04:05 GMT",
    "Tue, 99 Jan 2024 99:99:99 GMT",
    "\u{7f}",
];
const HEADER_NAMES: [&str; 11] = [
    "content-md5",
    "range",
    "if-match",
    "if-none-match",
    "if-modified-since",
    "if-unmodified-since",
    "x-amz-checksum-crc32",
    "x-amz-acl",
    "content-encoding",
    "x-amz-meta-x",
    "x-amz-storage-class",
];
const BODIES: [&[u8]; 10] = [
    b"<Delete><Object><Key>a</Key></Object><Quiet>x</Quiet></Delete>",
    b"<Delete><Object><Key>k</Key></Object><Object><Key></Key></Object></Delete>",
    b"",
    b"<CreateBucketConfiguration/>",
    b"<CreateBucketConfiguration><LocationConstraint>",
    b"<CreateBucketConfiguration><LocationConstraint>us-west-2</LocationConstraint><LocationConstraint>x</LocationConstraint></CreateBucketConfiguration>",
    b"<!DOCTYPE x [<!ENTITY a \"b\">]><CreateBucketConfiguration>&a;</CreateBucketConfiguration>",
    b"\xff\xfe",
    b"<a><b><c></c></b></a>",
    b"<CreateBucketConfiguration><LocationConstraint><x/></LocationConstraint></CreateBucketConfiguration>",
];

fn pick<'a, T: ?Sized>(rng: &mut StdRng, items: &[&'a T]) -> &'a T {
    items[rng.gen_range(0..items.len())]
}

fn random_text(rng: &mut StdRng, pieces: &[&str], separator: &str) -> String {
    (0..rng.gen_range(0..5))
        .map(|_| pick(rng, pieces).to_owned())
        .collect::<Vec<_>>()
        .join(separator)
}

#[test]
fn never_panics_on_random_requests() {
    let store = TestStore::with_buckets(&["b-1"]);
    put(&store, "b-1", "k", b"0123456789", &[]);
    let mut rng = StdRng::seed_from_u64(0x5eed);
    for _ in 0..5_000 {
        let method = pick(&mut rng, &METHODS);
        let path = format!("/{}", random_text(&mut rng, &PATH_PIECES, "/"));
        let query = random_text(&mut rng, &QUERY_PIECES, "&");
        let headers: Vec<(String, String)> = (0..rng.gen_range(0..4))
            .map(|_| {
                (
                    pick(&mut rng, &HEADER_NAMES).to_owned(),
                    pick(&mut rng, &HEADER_VALUES).to_owned(),
                )
            })
            .collect();
        let body = pick(&mut rng, &BODIES);
        let host = if rng.gen_bool(0.3) {
            "b-1.localhost:1"
        } else {
            "localhost:1"
        };
        let parsed = parse_operation(
            method,
            &path,
            Some(&query),
            Some(host),
            &headers,
            body,
            Some("localhost"),
        );
        if let Ok(operation) = parsed {
            let _ = operation.iam_action();
            let _ = operation.resource_arn();
            let _ = operation.condition_keys();
            if let Err(err) = execute(&store, &operation, body, NOW) {
                let _ = (err.details(), err.headers(), err.message(), &path);
                assert!((400..600).contains(&err.status()), "{err}");
            }
        }
    }
}

#[test]
fn never_panics_on_random_bytes() {
    let store = TestStore::with_buckets(&["b-1"]);
    let mut rng = StdRng::seed_from_u64(7);
    for _ in 0..2_000 {
        let random = |rng: &mut StdRng| -> String {
            let bytes: Vec<u8> = (0..rng.gen_range(0..24))
                .map(|_| rng.gen_range(0x20..0x7f))
                .collect();
            String::from_utf8(bytes).unwrap_or_default()
        };
        let path = format!("/b-1/{}", random(&mut rng));
        let query = random(&mut rng);
        let headers = vec![("range".to_owned(), random(&mut rng))];
        let body: Vec<u8> = (0..rng.gen_range(0..64)).map(|_| rng.gen()).collect();
        for method in ["GET", "PUT", "HEAD"] {
            if let Ok(operation) =
                parse_operation(method, &path, Some(&query), None, &headers, &body, None)
            {
                let _ = execute(&store, &operation, &body, NOW);
            }
        }
        let _ = parse_operation("PUT", "/b-2", None, None, &[], &body, None);
    }
}

#[test]
fn unsupported_answers_no_such_bucket_before_not_implemented() {
    let store = TestStore::with_buckets(&["b-1"]);
    #[rustfmt::skip]
    let cases = [
        ("bucket_acl", "GET", "/b-1", "acl", vec![], ("NotImplemented", 501, "GetBucketAcl")),
        ("bucket_acl_missing_bucket", "GET", "/b-2", "acl", vec![], ("NoSuchBucket", 404, "")),
        ("bucket_policy_missing_bucket", "PUT", "/b-2", "policy", vec![], ("NoSuchBucket", 404, "")),
        ("bucket_versioning_missing_bucket", "GET", "/b-2", "versioning", vec![], ("NoSuchBucket", 404, "")),
        ("bucket_tagging_missing_bucket", "DELETE", "/b-2", "tagging", vec![], ("NoSuchBucket", 404, "")),
        ("list_uploads_missing_bucket", "GET", "/b-2", "uploads", vec![], ("NoSuchBucket", 404, "")),
        ("post_object_missing_bucket", "POST", "/b-2", "", vec![], ("NoSuchBucket", 404, "")),
        ("object_acl", "GET", "/b-1/k", "acl", vec![], ("NotImplemented", 501, "GetObjectAcl")),
        ("object_acl_missing_bucket", "GET", "/b-2/k", "acl", vec![], ("NoSuchBucket", 404, "")),
        ("multipart_missing_bucket", "POST", "/b-2/k", "uploads", vec![], ("NoSuchBucket", 404, "")),
        ("copy_missing_bucket", "PUT", "/b-2/k", "", vec![("x-amz-copy-source", "/b-1/k")], ("NoSuchBucket", 404, "")),
        // CreateBucket's bucket is new: its unimplemented options stay NotImplemented.
        ("create_bucket_object_lock", "PUT", "/b-2", "", vec![("x-amz-bucket-object-lock-enabled", "true")], ("NotImplemented", 501, "Object Lock")),
        ("service_put", "PUT", "/", "", vec![], ("NotImplemented", 501, "service")),
    ];
    for (name, method, path, query, headers, want) in cases {
        let headers: Vec<(String, String)> = headers
            .into_iter()
            .map(|(name, value)| (name.to_owned(), value.to_owned()))
            .collect();
        let operation =
            parse_operation(method, path, Some(query), None, &headers, b"", None).unwrap();
        let (code, status, fragment) = want;
        let err = execute(&store, &operation, b"", NOW).unwrap_err();
        assert_eq!((err.code(), err.status()), (code, status), "case {name}");
        assert!(
            err.message().contains(fragment),
            "case {name}: {}",
            err.message()
        );
    }
}
