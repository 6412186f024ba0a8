//! Helpers for the S3 tests: a store in a temporary directory and one-line requests that
//! go through [`parse_operation`] and [`execute`](super::execute) as the HTTP layer does.

use std::ops::Deref;
use std::path::Path;

use super::{parse_operation, AccessCheck, S3Error, S3Response, S3Store};

/// The clock of every test request: 2023-11-14T22:13:20Z.
pub const NOW: u64 = 1_700_000_000;
/// The store's region unless a test picks another.
pub const REGION: &str = "us-west-2";

/// A store that lives as long as its temporary directory.
pub struct TestStore {
    store: S3Store,
    dir: tempfile::TempDir,
}

impl TestStore {
    /// A store in [`REGION`] seeded with `buckets`.
    pub fn with_buckets(buckets: &[&str]) -> Self {
        Self::in_region(REGION, buckets)
    }

    /// A store in `region` seeded with `buckets`.
    pub fn in_region(region: &str, buckets: &[&str]) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        let seeds: Vec<String> = buckets.iter().map(|b| (*b).to_owned()).collect();
        let store = S3Store::open(dir.path(), &seeds, region, 1024, NOW).expect("open store");
        Self { store, dir }
    }

    /// The data dir.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Deref for TestStore {
    type Target = S3Store;
    fn deref(&self) -> &S3Store {
        &self.store
    }
}

/// Parses and runs one path-style request at [`NOW`], every item allowed.
pub fn execute(
    store: &S3Store,
    method: &str,
    path: &str,
    query: Option<&str>,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<S3Response, S3Error> {
    execute_as(store, (method, path, query), headers, body, &|_| true)
}

/// Parses and runs one path-style request (method, path, query) at [`NOW`] for a caller
/// whose per-item checks `allows` decides.
pub fn execute_as(
    store: &S3Store,
    (method, path, query): (&str, &str, Option<&str>),
    headers: &[(&str, &str)],
    body: &[u8],
    allows: &dyn Fn(&AccessCheck) -> bool,
) -> Result<S3Response, S3Error> {
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect();
    let operation = parse_operation(
        method,
        path,
        query,
        Some("localhost:4772"),
        &headers,
        body,
        Some("localhost"),
    )?;
    super::execute_authorized(store, &operation, body, NOW, allows)
}

/// The keys of [`listing_bucket`], in UTF-8 byte order.
pub const LISTING_KEYS: [&str; 7] = [
    "a.txt",
    "photos/2023/feb.jpg",
    "photos/2023/jan.jpg",
    "photos/2024/mar.jpg",
    "photos/index.html",
    "videos/v.mp4",
    "z z+.txt",
];

/// Bucket `b-1` holding [`LISTING_KEYS`], each with the body `x`, put out of order so a
/// listing must sort.
pub fn listing_bucket() -> TestStore {
    let store = TestStore::with_buckets(&["b-1"]);
    for key in LISTING_KEYS.iter().rev() {
        put(&store, "b-1", key, b"x", &[]);
    }
    store
}

/// The children of the `<ListBucketResult>` that `GET /b-1?{query}` answers.
pub fn list_result(store: &S3Store, query: &str) -> String {
    const HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
    let response = execute(store, "GET", "/b-1", Some(query), &[], b"")
        .unwrap_or_else(|err| panic!("listing ?{query}: {err}"));
    assert_eq!(response.header("content-type"), Some("application/xml"));
    let body = String::from_utf8(response.body).expect("UTF-8 listing");
    body.strip_prefix(HEAD)
        .and_then(|rest| rest.strip_suffix("</ListBucketResult>"))
        .unwrap_or_else(|| panic!("not a ListBucketResult: {body}"))
        .to_owned()
}

/// `<Contents>` of a listed one-byte `x` object put at [`NOW`], with `<Owner>` when
/// `owner_id` is given.
pub fn listed_object(key: &str, owner_id: Option<&str>) -> String {
    let owner = owner_id
        .map(|id| format!("<Owner><ID>{id}</ID></Owner>"))
        .unwrap_or_default();
    format!(
        "<Contents><Key>{key}</Key><LastModified>2023-11-14T22:13:20.000Z</LastModified><ETag>{}</ETag><Size>1</Size>{owner}<StorageClass>STANDARD</StorageClass></Contents>",
        super::wire::etag(b"x")
    )
}

/// `<CommonPrefixes>` of one prefix.
pub fn listed_prefix(prefix: &str) -> String {
    format!("<CommonPrefixes><Prefix>{prefix}</Prefix></CommonPrefixes>")
}

/// PutObject that must succeed.
pub fn put(store: &S3Store, bucket: &str, key: &str, body: &[u8], headers: &[(&str, &str)]) {
    let path = format!("/{bucket}/{}", encode_path(key));
    execute(store, "PUT", &path, None, headers, body)
        .unwrap_or_else(|err| panic!("put {bucket}/{key}: {err}"));
}

/// GetObject.
pub fn get(
    store: &S3Store,
    bucket: &str,
    key: &str,
    headers: &[(&str, &str)],
) -> Result<S3Response, S3Error> {
    execute(
        store,
        "GET",
        &format!("/{bucket}/{}", encode_path(key)),
        None,
        headers,
        b"",
    )
}

/// HeadObject.
pub fn head(
    store: &S3Store,
    bucket: &str,
    key: &str,
    headers: &[(&str, &str)],
) -> Result<S3Response, S3Error> {
    execute(
        store,
        "HEAD",
        &format!("/{bucket}/{}", encode_path(key)),
        None,
        headers,
        b"",
    )
}

/// Percent-encodes a key for a path as SDKs do: unreserved characters and `/` stay.
pub fn encode_path(key: &str) -> String {
    key.bytes()
        .map(|byte| match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                char::from(byte).to_string()
            }
            _ => format!("%{byte:02X}"),
        })
        .collect()
}
