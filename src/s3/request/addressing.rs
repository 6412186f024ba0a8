//! Which bucket and key a request addresses: path-style (`/bucket/key`, what botocore sends
//! to a custom endpoint) or virtual-host (`bucket.{suffix}` in `Host`, the key being the
//! whole path), as REFERENCE 3.5 describes.
//! <https://docs.aws.amazon.com/AmazonS3/latest/userguide/VirtualHosting.html>

use super::bucket_name;
use crate::s3::error::S3Error;
use crate::s3::wire::percent_decode;

/// What the request line addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// No bucket: `GET /` is ListBuckets.
    Service,
    Bucket(String),
    Object {
        bucket: String,
        key: String,
    },
}

/// Resolves the raw (percent-encoded) `path` and the `Host` header. The bucket name is
/// checked; the key is decoded but not length-checked.
pub fn resolve(
    path: &str,
    host: Option<&str>,
    virtual_host_suffix: Option<&str>,
) -> Result<Target, S3Error> {
    let raw = path.strip_prefix('/').unwrap_or(path);
    let decode = |text: &str| {
        percent_decode(text).ok_or_else(|| S3Error::InvalidUri {
            uri: path.to_owned(),
        })
    };
    let (bucket, raw_key) = match virtual_host_bucket(host, virtual_host_suffix) {
        Some(bucket) => (bucket, raw),
        None if raw.is_empty() => return Ok(Target::Service),
        None => {
            let (raw_bucket, raw_key) = raw.split_once('/').unwrap_or((raw, ""));
            (decode(raw_bucket)?, raw_key)
        }
    };
    bucket_name::validate(&bucket)?;
    if raw_key.is_empty() {
        Ok(Target::Bucket(bucket))
    } else {
        Ok(Target::Object {
            bucket,
            key: decode(raw_key)?,
        })
    }
}

/// The bucket named by a `Host` of the form `bucket.{suffix}[:port]`, if any. DNS names
/// are case-insensitive, so the host is lowercased first.
pub fn virtual_host_bucket(host: Option<&str>, suffix: Option<&str>) -> Option<String> {
    let host = without_port(host?.trim()).to_ascii_lowercase();
    let suffix = without_port(suffix?.trim().trim_start_matches('.')).to_ascii_lowercase();
    if suffix.is_empty() {
        return None;
    }
    let bucket = host.strip_suffix(&suffix)?.strip_suffix('.')?;
    (!bucket.is_empty()).then(|| bucket.to_owned())
}

/// `host` without a trailing `:port`; bracketed IPv6 literals are left alone (they never
/// carry a bucket).
fn without_port(host: &str) -> &str {
    if host.starts_with('[') {
        return host;
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn object(bucket: &str, key: &str) -> Result<Target, &'static str> {
        Ok(Target::Object {
            bucket: bucket.into(),
            key: key.into(),
        })
    }

    #[test]
    fn resolves_targets() {
        let bucket = |name: &str| Ok(Target::Bucket(name.into()));
        let suffix = Some("localhost");
        let cases = [
            ("service", "/", None, suffix, Ok(Target::Service)),
            (
                "empty_path_is_service",
                "",
                None,
                suffix,
                Ok(Target::Service),
            ),
            (
                "path_bucket",
                "/my-bucket",
                None,
                suffix,
                bucket("my-bucket"),
            ),
            (
                "path_bucket_trailing_slash",
                "/my-bucket/",
                None,
                suffix,
                bucket("my-bucket"),
            ),
            (
                "path_object",
                "/my-bucket/a/b.txt",
                Some("localhost:4772"),
                suffix,
                object("my-bucket", "a/b.txt"),
            ),
            (
                "path_object_encoded",
                "/b-1/my%20file%2Bx%E2%82%AC",
                None,
                suffix,
                object("b-1", "my file+x€"),
            ),
            (
                "path_object_plus_literal",
                "/b-1/a+b",
                None,
                suffix,
                object("b-1", "a+b"),
            ),
            (
                "path_object_keeps_double_slash",
                "/b-1//x",
                None,
                suffix,
                object("b-1", "/x"),
            ),
            (
                "path_directory_marker",
                "/b-1/dir/",
                None,
                suffix,
                object("b-1", "dir/"),
            ),
            (
                "virtual_bucket",
                "/",
                Some("my-bucket.localhost:4772"),
                suffix,
                bucket("my-bucket"),
            ),
            (
                "virtual_bucket_no_port",
                "/",
                Some("my-bucket.localhost"),
                suffix,
                bucket("my-bucket"),
            ),
            (
                "virtual_dotted_bucket",
                "/",
                Some("my.bucket.localhost"),
                suffix,
                bucket("my.bucket"),
            ),
            (
                "virtual_host_case_folded",
                "/",
                Some("My-Bucket.LOCALHOST"),
                suffix,
                bucket("my-bucket"),
            ),
            (
                "virtual_object_whole_path",
                "/a/b",
                Some("b-1.localhost:4772"),
                suffix,
                object("b-1", "a/b"),
            ),
            (
                "virtual_suffix_with_port",
                "/k",
                Some("b-1.localhost:4772"),
                Some("localhost:4772"),
                object("b-1", "k"),
            ),
            (
                "suffix_alone_is_path_style",
                "/b-1/k",
                Some("localhost:4772"),
                suffix,
                object("b-1", "k"),
            ),
            (
                "other_host_is_path_style",
                "/b-1/k",
                Some("b-2.example.com"),
                suffix,
                object("b-1", "k"),
            ),
            (
                "no_suffix_configured",
                "/b-1/k",
                Some("b-2.localhost"),
                None,
                object("b-1", "k"),
            ),
            (
                "ipv6_host",
                "/b-1/k",
                Some("[::1]:4772"),
                suffix,
                object("b-1", "k"),
            ),
            (
                "bad_bucket_in_path",
                "/Bad_Bucket/k",
                None,
                suffix,
                Err("InvalidBucketName"),
            ),
            (
                "short_bucket_in_host",
                "/",
                Some("ab.localhost"),
                suffix,
                Err("InvalidBucketName"),
            ),
            (
                "bad_escape_in_key",
                "/b-1/%zz",
                None,
                suffix,
                Err("InvalidURI"),
            ),
            ("non_utf8_key", "/b-1/%FF", None, suffix, Err("InvalidURI")),
            (
                "encoded_slash_in_bucket",
                "/a%2Fb/k",
                None,
                suffix,
                Err("InvalidBucketName"),
            ),
        ];
        for (name, path, host, suffix, want) in cases {
            let got = resolve(path, host, suffix).map_err(|err| err.code());
            assert_eq!(got, want, "case {name}");
        }
    }
}
