//! CopyObject: a new object from an existing one, within a bucket or across buckets, its
//! metadata copied (`x-amz-metadata-directive: COPY`, the default) or replaced, under the
//! `x-amz-copy-source-if-*` conditions. The copy is a single-part object whatever the
//! source was, so its ETag is the MD5 of its bytes.
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/API_CopyObject.html>

use serde::Serialize;

use super::put_object::DEFAULT_CONTENT_TYPE;
use crate::s3::checksum::{Checksum, ChecksumAlgorithm};
use crate::s3::input::PutOptions;
use crate::s3::preconditions::{Outcome, Preconditions};
use crate::s3::store::{ObjectMeta, StoredChecksum};
use crate::s3::wire::time::iso8601_millis;
use crate::s3::wire::{etag_of_md5, xml_document, ChecksumElement, XML_NAMESPACE};
use crate::s3::{S3Error, S3Response, S3Store};

/// The object `x-amz-copy-source` names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopySource {
    pub bucket: String,
    pub key: String,
}

/// CopyObject's input.
pub struct Copy<'a> {
    pub bucket: &'a str,
    pub key: &'a str,
    pub source: &'a CopySource,
    /// `x-amz-metadata-directive: REPLACE`: the request's headers, not the source's.
    pub replace_metadata: bool,
    pub content_type: Option<&'a str>,
    pub metadata: &'a [(String, String)],
    pub options: &'a PutOptions,
    pub conditions: &'a Preconditions,
    /// `x-amz-checksum-algorithm`.
    pub checksum_algorithm: Option<ChecksumAlgorithm>,
}

#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct CopyObjectResult {
    #[serde(rename = "@xmlns")]
    namespace: &'static str,
    #[serde(rename = "ETag")]
    etag: String,
    last_modified: String,
    checksum_type: &'static str,
    #[serde(flatten)]
    checksum: Option<ChecksumElement>,
}

/// Runs CopyObject.
pub fn run(store: &S3Store, copy: &Copy<'_>, now: u64) -> Result<S3Response, S3Error> {
    store.bucket(copy.bucket)?;
    let same_object = copy.source.bucket == copy.bucket && copy.source.key == copy.key;
    if same_object && !copy.replace_metadata && copy.checksum_algorithm.is_none() {
        return Err(S3Error::InvalidRequest {
            message: "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.".to_owned(),
        });
    }
    let algorithm = copy
        .checksum_algorithm
        .unwrap_or(ChecksumAlgorithm::Crc64Nvme);
    let (source, staged) = store.stage_object_copy(
        &copy.source.bucket,
        &copy.source.key,
        &[algorithm],
        |meta| {
            check_copy_conditions(copy.conditions, meta)?;
            Ok((0, meta.size))
        },
    )?;
    let size = staged.digests.size;
    if size > store.max_object_bytes() {
        return Err(S3Error::EntityTooLarge {
            size,
            max: store.max_object_bytes(),
        });
    }
    let digest = staged.digests.checksum(algorithm).ok_or_else(|| {
        S3Error::Internal(format!(
            "the {} of the copy was not computed",
            algorithm.name()
        ))
    })?;
    let checksum = Checksum::of_digest(algorithm, digest);
    let (content_type, metadata, content_headers) = if copy.replace_metadata {
        (
            copy.content_type.unwrap_or(DEFAULT_CONTENT_TYPE).to_owned(),
            copy.metadata.to_vec(),
            copy.options.content_headers.clone(),
        )
    } else {
        (
            source.meta.content_type.clone(),
            source.meta.metadata.clone(),
            source.meta.content_headers.clone(),
        )
    };
    let meta = ObjectMeta {
        key: copy.key.to_owned(),
        size,
        etag: etag_of_md5(&staged.digests.md5),
        last_modified: now,
        content_type,
        metadata,
        content_headers,
        checksum: Some(StoredChecksum {
            algorithm,
            value: checksum.value.clone(),
            composite: false,
        }),
    };
    let etag = meta.etag.clone();
    store.put_staged(copy.bucket, meta, staged, copy.options.condition.as_ref())?;
    let result = CopyObjectResult {
        namespace: XML_NAMESPACE,
        etag,
        last_modified: iso8601_millis(now),
        checksum_type: "FULL_OBJECT",
        checksum: Some(ChecksumElement {
            algorithm,
            value: checksum.value,
        }),
    };
    Ok(S3Response::xml(xml_document("CopyObjectResult", &result)?)
        .with_header("x-amz-server-side-encryption", "AES256"))
}

/// The `x-amz-copy-source-if-*` conditions against the source: any that fails is 412
/// (a copy has no 304).
pub fn check_copy_conditions(conditions: &Preconditions, meta: &ObjectMeta) -> Result<(), S3Error> {
    match conditions.evaluate(&meta.etag, meta.last_modified)? {
        Outcome::Proceed => Ok(()),
        Outcome::NotModified => Err(S3Error::PreconditionFailed {
            condition: if conditions.if_none_match.is_some() {
                "x-amz-copy-source-If-None-Match"
            } else {
                "x-amz-copy-source-If-Modified-Since"
            },
        }),
    }
}

#[cfg(test)]
mod tests {
    use crate::s3::test_support::{execute, get, put, TestStore};
    use crate::s3::wire::etag;

    #[test]
    fn copies_within_and_across_buckets() {
        let store = TestStore::with_buckets(&["b-1", "b-2"]);
        put(
            &store,
            "b-1",
            "src",
            b"content",
            &[("content-type", "text/plain"), ("x-amz-meta-a", "1")],
        );
        let src_etag = etag(b"content");
        let copy = |target: &str, headers: &[(&str, &str)]| {
            let mut all = vec![("x-amz-copy-source", "/b-1/src")];
            all.extend_from_slice(headers);
            execute(&store, "PUT", target, None, &all, b"").map_err(|err| err.code())
        };
        #[rustfmt::skip]
        type Case<'a> = (&'a str, &'a str, Vec<(&'a str, &'a str)>, Result<(), &'a str>);
        let cases: Vec<Case> = vec![
            ("same_bucket", "/b-1/dst", vec![], Ok(())),
            ("other_bucket", "/b-2/dst", vec![], Ok(())),
            (
                "replace_metadata",
                "/b-2/replaced",
                vec![
                    ("x-amz-metadata-directive", "REPLACE"),
                    ("content-type", "image/png"),
                    ("x-amz-meta-b", "2"),
                ],
                Ok(()),
            ),
            (
                "if_match_holds",
                "/b-2/m",
                vec![("x-amz-copy-source-if-match", &src_etag)],
                Ok(()),
            ),
            (
                "if_match_fails",
                "/b-2/m2",
                vec![("x-amz-copy-source-if-match", "\"other\"")],
                Err("PreconditionFailed"),
            ),
            (
                "if_none_match_fails",
                "/b-2/m3",
                vec![("x-amz-copy-source-if-none-match", &src_etag)],
                Err("PreconditionFailed"),
            ),
            (
                "if_modified_since_fails",
                "/b-2/m4",
                vec![(
                    "x-amz-copy-source-if-modified-since",
                    "Wed, 01 Jan 2200 00:00:00 GMT",
                )],
                Err("PreconditionFailed"),
            ),
            (
                "to_itself_unchanged",
                "/b-1/src",
                vec![],
                Err("InvalidRequest"),
            ),
            (
                "to_itself_replaced",
                "/b-1/src",
                vec![("x-amz-metadata-directive", "REPLACE")],
                Ok(()),
            ),
            (
                "target_bucket_missing",
                "/b-3/dst",
                vec![],
                Err("NoSuchBucket"),
            ),
            (
                "bad_directive",
                "/b-2/d",
                vec![("x-amz-metadata-directive", "MERGE")],
                Err("InvalidArgument"),
            ),
        ];
        for (name, target, headers, want) in cases {
            assert_eq!(copy(target, &headers).map(|_| ()), want, "case {name}");
        }
        let copied = get(&store, "b-2", "dst", &[]).unwrap();
        assert_eq!(copied.bytes(), b"content");
        assert_eq!(copied.header("etag"), Some(src_etag.as_str()));
        assert_eq!(copied.header("content-type"), Some("text/plain"));
        assert_eq!(copied.header("x-amz-meta-a"), Some("1"));
        let replaced = get(&store, "b-2", "replaced", &[]).unwrap();
        assert_eq!(replaced.header("content-type"), Some("image/png"));
        assert_eq!(replaced.header("x-amz-meta-a"), None);
        assert_eq!(replaced.header("x-amz-meta-b"), Some("2"));
        let missing = execute(
            &store,
            "PUT",
            "/b-2/x",
            None,
            &[("x-amz-copy-source", "b-1/nope")],
            b"",
        );
        assert_eq!(missing.unwrap_err().code(), "NoSuchKey");
    }
}
