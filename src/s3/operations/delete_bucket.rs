//! DeleteBucket: removes an empty bucket (204); a bucket with objects is `BucketNotEmpty`.
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteBucket.html>

use crate::s3::{S3Error, S3Response, S3Store};

/// Runs DeleteBucket.
pub fn run(store: &S3Store, bucket: &str) -> Result<S3Response, S3Error> {
    store.delete_bucket(bucket)?;
    Ok(S3Response::empty(204))
}

#[cfg(test)]
mod tests {
    use crate::s3::test_support::{execute, put, TestStore};

    #[test]
    fn deletes_buckets() {
        let store = TestStore::with_buckets(&["empty", "full"]);
        put(&store, "full", "k", b"x", &[]);
        let cases = [
            ("empty_bucket", "/empty", Ok(204)),
            ("already_deleted", "/empty", Err("NoSuchBucket")),
            ("not_empty", "/full", Err("BucketNotEmpty")),
            ("never_existed", "/other", Err("NoSuchBucket")),
        ];
        for (name, path, want) in cases {
            let got = execute(&store, "DELETE", path, None, &[], b"");
            assert_eq!(
                got.map(|r| r.status).map_err(|e| e.code()),
                want,
                "case {name}"
            );
        }
        execute(&store, "DELETE", "/full/k", None, &[], b"").unwrap();
        assert_eq!(
            execute(&store, "DELETE", "/full", None, &[], b"")
                .unwrap()
                .status,
            204
        );
        assert!(store.buckets().is_empty());
    }
}
