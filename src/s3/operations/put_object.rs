//! PutObject: stores the body with its content type, user metadata and content headers,
//! after checking size, checksum and write condition.
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutObject.html>

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::s3::checksum::{BodyDigests, Checksum, ChecksumAlgorithm};
use crate::s3::input::PutOptions;
use crate::s3::store::{ObjectMeta, Staged, StoredChecksum};
use crate::s3::wire::etag_of_md5;
use crate::s3::{S3Error, S3Response, S3Store};

/// S3's content type for an object sent without one.
pub const DEFAULT_CONTENT_TYPE: &str = "binary/octet-stream";

/// PutObject's input besides the body.
pub struct Upload<'a> {
    pub bucket: &'a str,
    pub key: &'a str,
    pub content_type: Option<&'a str>,
    pub metadata: &'a [(String, String)],
    pub options: &'a PutOptions,
}

/// Runs PutObject on a body already `staged` with its digests.
pub fn run(
    store: &S3Store,
    upload: &Upload<'_>,
    staged: Staged,
    now: u64,
) -> Result<S3Response, S3Error> {
    let size = staged.digests.size;
    if size > store.max_object_bytes() {
        return Err(S3Error::EntityTooLarge {
            size,
            max: store.max_object_bytes(),
        });
    }
    store.bucket(upload.bucket)?;
    let checksum = verify_body(upload.options, &staged.digests)?;
    let meta = ObjectMeta {
        key: upload.key.to_owned(),
        size,
        etag: etag_of_md5(&staged.digests.md5),
        last_modified: now,
        content_type: upload
            .content_type
            .unwrap_or(DEFAULT_CONTENT_TYPE)
            .to_owned(),
        metadata: upload.metadata.to_vec(),
        content_headers: upload.options.content_headers.clone(),
        checksum: Some(checksum.clone()),
    };
    let etag = meta.etag.clone();
    store.put_staged(
        upload.bucket,
        meta,
        staged,
        upload.options.condition.as_ref(),
    )?;
    Ok(S3Response::empty(200)
        .with_header("etag", etag)
        .with_header("x-amz-server-side-encryption", "AES256")
        .with_header(checksum.algorithm.header(), checksum.value)
        .with_header("x-amz-checksum-type", "FULL_OBJECT"))
}

/// Checks the body against `Content-MD5` and the client's checksum (`BadDigest` on a
/// mismatch, before anything is stored); the checksum kept with the object: the client's,
/// else S3's default CRC64NVME.
pub fn verify_body(options: &PutOptions, digests: &BodyDigests) -> Result<StoredChecksum, S3Error> {
    if let Some(expected) = options.content_md5 {
        if expected != digests.md5 {
            return Err(S3Error::ContentMd5Mismatch {
                expected: STANDARD.encode(expected),
                calculated: STANDARD.encode(digests.md5),
            });
        }
    }
    let claimed = match &options.checksum {
        Some(checksum) => {
            let digest = digests.checksum(checksum.algorithm).ok_or_else(|| {
                S3Error::Internal(format!(
                    "the {} of the body was not computed",
                    checksum.algorithm.name()
                ))
            })?;
            checksum.verify_digest(digest)?;
            Some(checksum.clone())
        }
        None => None,
    };
    let checksum = match claimed {
        Some(checksum) => checksum,
        None => {
            let algorithm = ChecksumAlgorithm::Crc64Nvme;
            let digest = digests.checksum(algorithm).ok_or_else(|| {
                S3Error::Internal("the CRC64NVME of the body was not computed".to_owned())
            })?;
            Checksum::of_digest(algorithm, digest)
        }
    };
    Ok(StoredChecksum {
        algorithm: checksum.algorithm,
        value: checksum.value,
        composite: false,
    })
}

#[cfg(test)]
mod tests {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;

    use crate::s3::test_support::{execute, get, put, TestStore};
    use crate::s3::wire::etag;
    use crate::s3::ChecksumAlgorithm;

    /// (name, bucket, key, request headers, body, Ok or Err(code)).
    type PutCase<'a> = (
        &'a str,
        &'a str,
        &'a str,
        Vec<(&'a str, &'a str)>,
        &'a [u8],
        Result<(), &'a str>,
    );

    #[test]
    fn puts_objects() {
        let store = TestStore::with_buckets(&["b-1"]);
        put(&store, "b-1", "exists", b"old", &[]);
        let crc = STANDARD.encode(ChecksumAlgorithm::Crc32.digest(b"body"));
        let crc64 = STANDARD.encode(ChecksumAlgorithm::Crc64Nvme.digest(b"body"));
        let old_etag = etag(b"old");
        let too_big = vec![0u8; 1025];
        let cases: [PutCase; 12] = [
            ("plain", "b-1", "a", vec![], b"body", Ok(())),
            (
                "unicode_key",
                "b-1",
                "dir/ключ 1.txt",
                vec![],
                b"body",
                Ok(()),
            ),
            ("empty_object", "b-1", "empty", vec![], b"", Ok(())),
            (
                "crc32_matches",
                "b-1",
                "c",
                vec![("x-amz-checksum-crc32", crc.as_str())],
                b"body",
                Ok(()),
            ),
            (
                "crc64_matches",
                "b-1",
                "c",
                vec![("x-amz-checksum-crc64nvme", crc64.as_str())],
                b"body",
                Ok(()),
            ),
            (
                "crc32_mismatch",
                "b-1",
                "c",
                vec![("x-amz-checksum-crc32", crc.as_str())],
                b"other",
                Err("BadDigest"),
            ),
            (
                "too_large",
                "b-1",
                "big",
                vec![],
                &too_big,
                Err("EntityTooLarge"),
            ),
            (
                "missing_bucket",
                "b-2",
                "a",
                vec![],
                b"body",
                Err("NoSuchBucket"),
            ),
            (
                "if_none_match_existing",
                "b-1",
                "exists",
                vec![("if-none-match", "*")],
                b"new",
                Err("PreconditionFailed"),
            ),
            (
                "if_none_match_new",
                "b-1",
                "fresh",
                vec![("if-none-match", "*")],
                b"new",
                Ok(()),
            ),
            (
                "if_match_wrong",
                "b-1",
                "exists",
                vec![("if-match", "\"nope\"")],
                b"new",
                Err("PreconditionFailed"),
            ),
            (
                "if_match_missing",
                "b-1",
                "absent",
                vec![("if-match", old_etag.as_str())],
                b"new",
                Err("NoSuchKey"),
            ),
        ];
        for (name, bucket, key, headers, body, want) in cases {
            let path = format!("/{bucket}/{}", crate::s3::test_support::encode_path(key));
            let got = execute(&store, "PUT", &path, None, &headers, body);
            assert_eq!(
                got.as_ref().map(|_| ()).map_err(|e| e.code()),
                want,
                "case {name}"
            );
            if let Ok(response) = got {
                assert_eq!(
                    response.header("etag"),
                    Some(etag(body).as_str()),
                    "case {name} etag"
                );
                let stored = get(&store, bucket, key, &[]).unwrap();
                assert_eq!(stored.bytes(), body, "case {name} stored");
            }
        }
    }

    #[test]
    fn stores_content_type_metadata_and_content_headers() {
        let store = TestStore::with_buckets(&["b-1"]);
        put(&store, "b-1", "plain", b"x", &[]);
        let plain = get(&store, "b-1", "plain", &[]).unwrap();
        assert_eq!(plain.header("content-type"), Some("binary/octet-stream"));
        put(
            &store,
            "b-1",
            "k",
            b"x",
            &[
                ("content-type", "image/png"),
                ("x-amz-meta-Owner", "me"),
                ("content-encoding", "aws-chunked,gzip"),
                ("cache-control", "no-cache"),
            ],
        );
        let got = get(&store, "b-1", "k", &[]).unwrap();
        let cases = [
            ("content_type", "content-type", Some("image/png")),
            ("metadata_lowercased", "x-amz-meta-owner", Some("me")),
            ("aws_chunked_stripped", "content-encoding", Some("gzip")),
            ("cache_control", "cache-control", Some("no-cache")),
            ("encryption", "x-amz-server-side-encryption", Some("AES256")),
        ];
        for (name, header, want) in cases {
            assert_eq!(got.header(header), want, "case {name}");
        }
    }

    #[test]
    fn overwrite_replaces_the_object() {
        let store = TestStore::with_buckets(&["b-1"]);
        put(&store, "b-1", "k", b"first", &[]);
        put(&store, "b-1", "k", b"second", &[]);
        assert_eq!(get(&store, "b-1", "k", &[]).unwrap().bytes(), b"second");
        assert_eq!(
            store.with_objects("b-1", |objects| objects.len()).unwrap(),
            1
        );
    }
}
