//! HeadObject: GetObject's status and headers without the body. Its errors carry no body
//! either; the HTTP layer drops it. <https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html>

use super::object_read::{self, Plan};
use crate::s3::input::ReadOptions;
use crate::s3::{S3Error, S3Response, S3Store};

/// Runs HeadObject.
pub fn run(
    store: &S3Store,
    bucket: &str,
    key: &str,
    range: Option<&str>,
    options: &ReadOptions,
) -> Result<S3Response, S3Error> {
    Ok(
        match object_read::plan(store, bucket, key, range, options)? {
            Plan::NotModified(object) => object_read::not_modified(&object.meta),
            Plan::Send { object, range } => object_read::response(&object.meta, range, options),
        },
    )
}

#[cfg(test)]
mod tests {
    use crate::s3::test_support::{head, put, TestStore};

    /// (name, bucket, key, request headers, Ok((status, Content-Length)) or Err(code)).
    type HeadCase<'a> = (
        &'a str,
        &'a str,
        &'a str,
        &'a [(&'a str, &'a str)],
        Result<(u16, Option<&'a str>), &'a str>,
    );

    #[test]
    fn heads_objects() {
        let store = TestStore::with_buckets(&["b-1"]);
        put(&store, "b-1", "k", b"hello", &[("x-amz-meta-a", "1")]);
        let cases: [HeadCase; 5] = [
            ("whole", "b-1", "k", &[], Ok((200, Some("5")))),
            (
                "range",
                "b-1",
                "k",
                &[("range", "bytes=1-2")],
                Ok((206, Some("2"))),
            ),
            (
                "not_modified_since",
                "b-1",
                "k",
                &[("if-modified-since", "Tue, 02 Jan 2024 03:04:05 GMT")],
                Ok((304, None)),
            ),
            ("missing_key", "b-1", "x", &[], Err("NoSuchKey")),
            ("missing_bucket", "b-2", "k", &[], Err("NoSuchBucket")),
        ];
        for (name, bucket, key, headers, want) in cases {
            let got = head(&store, bucket, key, headers);
            assert!(
                got.as_ref().map_or(true, |r| r.body.is_empty()),
                "case {name}: HEAD has no body"
            );
            let got = got
                .as_ref()
                .map(|r| (r.status, r.header("content-length")))
                .map_err(|e| e.code());
            assert_eq!(got, want, "case {name}");
        }
    }
}
