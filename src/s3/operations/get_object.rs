//! GetObject: the object's bytes, a range of them (206), or 304 when the client's copy
//! is current. <https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetObject.html>

use super::object_read::{self, Plan};
use crate::s3::input::ReadOptions;
use crate::s3::{ObjectContent, S3Error, S3Response, S3Store};

/// Looks a version up again this many times when a concurrent put or delete unlinks it
/// between lookup and read.
const READ_ATTEMPTS: usize = 4;

/// Runs GetObject.
pub fn run(
    store: &S3Store,
    bucket: &str,
    key: &str,
    range: Option<&str>,
    options: &ReadOptions,
) -> Result<S3Response, S3Error> {
    for _ in 0..READ_ATTEMPTS {
        let (object, range) = match object_read::plan(store, bucket, key, range, options)? {
            Plan::NotModified(object) => return Ok(object_read::not_modified(&object.meta)),
            Plan::Send { object, range } => (object, range),
        };
        let (offset, length) = range.span(object.meta.size);
        if let Some(file) = store.open_object(bucket, &object, offset, length)? {
            let (_, start) = store.content_path(bucket, &object);
            let mut response = object_read::response(&object.meta, range, options);
            response.content = Some(ObjectContent {
                file,
                offset: start + offset,
                length,
            });
            return Ok(response);
        }
    }
    Err(S3Error::Internal(format!(
        "{bucket}/{key} changed {READ_ATTEMPTS} times while being read"
    )))
}

#[cfg(test)]
mod tests {
    use crate::s3::test_support::{get, put, TestStore};
    use crate::s3::wire::etag;

    /// (name, key, request headers, Ok((status, body, Content-Range)) or Err(code)).
    type GetCase<'a> = (
        &'a str,
        &'a str,
        &'a [(&'a str, &'a str)],
        Result<(u16, &'a [u8], Option<&'a str>), &'a str>,
    );

    #[test]
    fn reads_objects_and_ranges() {
        let store = TestStore::with_buckets(&["b-1"]);
        put(
            &store,
            "b-1",
            "k",
            b"0123456789",
            &[("x-amz-meta-color", "red"), ("content-type", "text/plain")],
        );
        let cases: [GetCase; 8] = [
            ("whole", "k", &[], Ok((200, b"0123456789", None))),
            (
                "closed_range",
                "k",
                &[("range", "bytes=2-4")],
                Ok((206, b"234", Some("bytes 2-4/10"))),
            ),
            (
                "suffix_range",
                "k",
                &[("range", "bytes=-2")],
                Ok((206, b"89", Some("bytes 8-9/10"))),
            ),
            (
                "open_range",
                "k",
                &[("range", "bytes=7-")],
                Ok((206, b"789", Some("bytes 7-9/10"))),
            ),
            (
                "unsatisfiable",
                "k",
                &[("range", "bytes=10-")],
                Err("InvalidRange"),
            ),
            (
                "not_modified",
                "k",
                &[("if-none-match", &etag(b"0123456789"))],
                Ok((304, b"", None)),
            ),
            (
                "if_match_fails",
                "k",
                &[("if-match", "\"other\"")],
                Err("PreconditionFailed"),
            ),
            ("missing_key", "nope", &[], Err("NoSuchKey")),
        ];
        for (name, key, headers, want) in cases {
            let got = get(&store, "b-1", key, headers);
            let got = got
                .as_ref()
                .map(|r| (r.status, r.bytes(), r.header("content-range")))
                .map_err(|e| e.code());
            let want = want.map(|(status, body, range)| (status, body.to_vec(), range));
            assert_eq!(got, want, "case {name}");
        }
        let whole = get(&store, "b-1", "k", &[]).unwrap();
        let tag = etag(b"0123456789");
        let want_headers = [
            ("content-type", "text/plain"),
            ("content-length", "10"),
            ("accept-ranges", "bytes"),
            ("x-amz-meta-color", "red"),
            ("etag", tag.as_str()),
        ];
        for (header, value) in want_headers {
            assert_eq!(whole.header(header), Some(value), "header {header}");
        }
    }

    #[test]
    fn response_overrides_replace_headers() {
        let store = TestStore::with_buckets(&["b-1"]);
        put(&store, "b-1", "k", b"x", &[]);
        let response = crate::s3::execute(
            &store,
            &crate::s3::parse_operation(
                "GET",
                "/b-1/k",
                Some("response-content-type=text/csv&response-content-disposition=attachment"),
                None,
                &[],
                b"",
                None,
            )
            .unwrap(),
            b"",
            0,
        )
        .unwrap();
        assert_eq!(response.header("content-type"), Some("text/csv"));
        assert_eq!(response.header("content-disposition"), Some("attachment"));
    }
}
