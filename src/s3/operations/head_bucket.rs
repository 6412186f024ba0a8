//! HeadBucket: 200 with the bucket's region when it exists; errors carry no body.
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadBucket.html>

use crate::s3::{S3Error, S3Response, S3Store};

/// Runs HeadBucket.
pub fn run(store: &S3Store, bucket: &str) -> Result<S3Response, S3Error> {
    let info = store.bucket(bucket)?;
    Ok(S3Response::empty(200)
        .with_header("x-amz-bucket-region", info.region)
        .with_header("x-amz-access-point-alias", "false"))
}

#[cfg(test)]
mod tests {
    use crate::s3::test_support::{execute, TestStore, REGION};

    #[test]
    fn heads_buckets() {
        let store = TestStore::with_buckets(&["b-1"]);
        let cases = [
            ("existing", "/b-1", Ok(200)),
            ("missing", "/b-2", Err("NoSuchBucket")),
        ];
        for (name, path, want) in cases {
            let got = execute(&store, "HEAD", path, None, &[], b"");
            assert_eq!(
                got.as_ref().map(|r| r.status).map_err(|e| e.code()),
                want,
                "case {name}"
            );
            if let Ok(response) = got {
                assert_eq!(
                    response.header("x-amz-bucket-region"),
                    Some(REGION),
                    "case {name}"
                );
                assert!(response.body.is_empty(), "case {name}");
            }
        }
    }
}
