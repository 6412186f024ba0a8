//! DeleteObject: removes the object; a missing key is still 204, as S3 answers.
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObject.html>

use crate::s3::{S3Error, S3Response, S3Store};

/// Runs DeleteObject.
pub fn run(store: &S3Store, bucket: &str, key: &str) -> Result<S3Response, S3Error> {
    store.delete_object(bucket, key)?;
    Ok(S3Response::empty(204))
}

#[cfg(test)]
mod tests {
    use crate::s3::test_support::{execute, get, put, TestStore};

    #[test]
    fn deletes_objects() {
        let store = TestStore::with_buckets(&["b-1"]);
        put(&store, "b-1", "k", b"x", &[]);
        let cases = [
            ("existing", "/b-1/k", Ok(204)),
            ("again_is_still_204", "/b-1/k", Ok(204)),
            ("never_existed", "/b-1/other", Ok(204)),
            ("missing_bucket", "/b-2/k", Err("NoSuchBucket")),
        ];
        for (name, path, want) in cases {
            let got = execute(&store, "DELETE", path, None, &[], b"");
            assert_eq!(
                got.map(|r| r.status).map_err(|e| e.code()),
                want,
                "case {name}"
            );
        }
        assert_eq!(
            get(&store, "b-1", "k", &[]).unwrap_err().code(),
            "NoSuchKey"
        );
    }
}
