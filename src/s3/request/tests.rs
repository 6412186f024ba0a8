use super::*;
use crate::s3::checksum::{Checksum, ChecksumAlgorithm};
use crate::s3::input::{PutOptions, ReadOptions, WriteCondition};
use crate::s3::preconditions::Preconditions;

/// Parses with `Host: {host}` (virtual-host suffix `localhost`).
fn parse(
    method: &str,
    path: &str,
    query: Option<&str>,
    host: &str,
    headers: &[(&str, &str)],
    body: &[u8],
) -> Result<S3Operation, S3Error> {
    let headers: Vec<(String, String)> = headers
        .iter()
        .map(|(name, value)| ((*name).to_owned(), (*value).to_owned()))
        .collect();
    parse_operation(
        method,
        path,
        query,
        Some(host),
        &headers,
        body,
        Some("localhost"),
    )
}

const HOST: &str = "localhost:4772";

/// (name, method, path, query, Host, headers, body, expectation).
type ParseCase<'a, Want> = (
    &'a str,
    &'a str,
    &'a str,
    Option<&'a str>,
    &'a str,
    Vec<(&'a str, &'a str)>,
    &'a [u8],
    Want,
);

/// (name, operation, IAM action, resource ARN, condition keys).
type IamCase<'a> = (
    &'a str,
    S3Operation,
    &'a str,
    &'a str,
    Vec<(&'a str, &'a str)>,
);

fn get_object(bucket: &str, key: &str) -> S3Operation {
    S3Operation::GetObject {
        bucket: bucket.into(),
        key: key.into(),
        range: None,
        options: ReadOptions::default(),
    }
}

fn put_object(key: &str) -> S3Operation {
    S3Operation::PutObject {
        bucket: "b-1".into(),
        key: key.into(),
        content_type: None,
        metadata: Vec::new(),
        options: PutOptions::default(),
    }
}

fn list_v1() -> S3Operation {
    S3Operation::ListObjects {
        bucket: "b-1".into(),
        prefix: None,
        delimiter: None,
        marker: None,
        max_keys: None,
        encoding_type: None,
    }
}

fn list_v2() -> S3Operation {
    S3Operation::ListObjectsV2 {
        bucket: "b-1".into(),
        prefix: None,
        delimiter: None,
        continuation_token: None,
        start_after: None,
        max_keys: None,
        encoding_type: None,
        fetch_owner: false,
    }
}

#[test]
fn parses_supported_operations() {
    let list_buckets = S3Operation::ListBuckets {
        prefix: Some("a".into()),
        continuation_token: Some("t".into()),
        max_buckets: Some(10),
        bucket_region: Some("us-west-2".into()),
    };
    let full_list = S3Operation::ListObjectsV2 {
        bucket: "b-1".into(),
        prefix: Some("a/".into()),
        delimiter: Some("/".into()),
        continuation_token: Some("tok".into()),
        start_after: Some("a/b".into()),
        max_keys: Some(0),
        encoding_type: Some(EncodingType::Url),
        fetch_owner: true,
    };
    let full_list_v1 = S3Operation::ListObjects {
        bucket: "b-1".into(),
        prefix: Some("a/".into()),
        delimiter: Some("/".into()),
        marker: Some("a/b".into()),
        max_keys: Some(0),
        encoding_type: Some(EncodingType::Url),
    };
    let ranged_head = S3Operation::HeadObject {
        bucket: "b-1".into(),
        key: "k".into(),
        range: Some("bytes=0-1".into()),
        options: ReadOptions {
            preconditions: Preconditions {
                if_none_match: Some("\"e\"".into()),
                if_modified_since: Some(1_704_164_645),
                ..Preconditions::default()
            },
            response_overrides: Vec::new(),
            checksum_mode: false,
        },
    };
    let create = |constraint: Option<&str>| S3Operation::CreateBucket {
        bucket: "b-1".into(),
        location_constraint: constraint.map(str::to_owned),
        acl: None,
    };
    let configuration = b"<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><LocationConstraint>us-west-2</LocationConstraint></CreateBucketConfiguration>";
    #[rustfmt::skip]
    let cases: Vec<ParseCase<S3Operation>> = vec![
        ("list_buckets_plain", "GET", "/", None, HOST, vec![], b"", S3Operation::ListBuckets { prefix: None, continuation_token: None, max_buckets: None, bucket_region: None }),
        ("list_buckets_paged", "GET", "/", Some("prefix=a&continuation-token=t&max-buckets=10&bucket-region=us-west-2&x-id=ListBuckets"), HOST, vec![], b"", list_buckets),
        ("create_bucket_empty_body", "PUT", "/b-1", None, HOST, vec![], b"", create(None)),
        ("create_bucket_constraint", "PUT", "/b-1", None, HOST, vec![], configuration, create(Some("us-west-2"))),
        ("create_bucket_virtual_host", "PUT", "/", None, "b-1.localhost:4772", vec![], b"", create(None)),
        ("create_bucket_private_acl", "PUT", "/b-1", None, HOST, vec![("x-amz-acl", "private")], b"", S3Operation::CreateBucket { bucket: "b-1".into(), location_constraint: None, acl: Some("private".into()) }),
        ("head_bucket", "HEAD", "/b-1", None, HOST, vec![], b"", S3Operation::HeadBucket { bucket: "b-1".into() }),
        ("head_bucket_virtual", "HEAD", "/", None, "b-1.localhost", vec![], b"", S3Operation::HeadBucket { bucket: "b-1".into() }),
        ("delete_bucket", "DELETE", "/b-1/", None, HOST, vec![], b"", S3Operation::DeleteBucket { bucket: "b-1".into() }),
        ("get_bucket_location", "GET", "/b-1", Some("location"), HOST, vec![], b"", S3Operation::GetBucketLocation { bucket: "b-1".into() }),
        ("get_bucket_location_virtual", "GET", "/", Some("location="), "b-1.localhost", vec![], b"", S3Operation::GetBucketLocation { bucket: "b-1".into() }),
        ("list_v1_minimal", "GET", "/b-1", None, HOST, vec![], b"", list_v1()),
        ("list_v1_every_parameter", "GET", "/b-1", Some("prefix=a%2F&delimiter=%2F&marker=a%2Fb&max-keys=0&encoding-type=url"), HOST, vec![], b"", full_list_v1),
        ("list_v1_virtual", "GET", "/", None, "b-1.localhost:4772", vec![], b"", list_v1()),
        ("list_v2_minimal", "GET", "/b-1", Some("list-type=2"), HOST, vec![], b"", list_v2()),
        ("list_v2_every_parameter", "GET", "/b-1", Some("list-type=2&prefix=a%2F&delimiter=%2F&continuation-token=tok&start-after=a%2Fb&max-keys=0&encoding-type=url&fetch-owner=true"), HOST, vec![], b"", full_list),
        ("list_v2_virtual", "GET", "/", Some("list-type=2"), "b-1.localhost:4772", vec![], b"", list_v2()),
        ("get_object", "GET", "/b-1/k", None, HOST, vec![], b"", get_object("b-1", "k")),
        ("get_object_encoded_key", "GET", "/b-1/a%20b/%E2%82%AC%2B", None, HOST, vec![], b"", get_object("b-1", "a b/€+")),
        ("get_object_virtual_whole_path", "GET", "/dir/k.txt", None, "b-1.localhost:4772", vec![], b"", get_object("b-1", "dir/k.txt")),
        ("get_object_presigned", "GET", "/b-1/k", Some("X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=x&X-Amz-Date=d&X-Amz-Expires=60&X-Amz-SignedHeaders=host&X-Amz-Signature=s"), HOST, vec![], b"", get_object("b-1", "k")),
        ("head_object_range_and_conditions", "HEAD", "/b-1/k", None, HOST, vec![("range", "bytes=0-1"), ("if-none-match", "\"e\""), ("if-modified-since", "Tue, 02 Jan 2024 03:04:05 GMT")], b"", ranged_head),
        ("put_object_plain", "PUT", "/b-1/k", Some("x-id=PutObject"), HOST, vec![], b"data", put_object("k")),
        ("put_object_trailing_slash_key", "PUT", "/b-1/dir/", None, HOST, vec![], b"", put_object("dir/")),
        ("delete_object", "DELETE", "/b-1/k", None, HOST, vec![], b"", S3Operation::DeleteObject { bucket: "b-1".into(), key: "k".into() }),
    ];
    for (name, method, path, query, host, headers, body, want) in cases {
        let got = parse(method, path, query, host, &headers, body);
        assert_eq!(got.map_err(|e| e.code()), Ok(want), "case {name}");
    }
}

#[test]
fn parses_put_object_headers() {
    let crc = "NhCmhg==";
    let headers = [
        ("content-type", "text/plain"),
        ("x-amz-meta-color", "red"),
        ("x-amz-meta-color", "blue"),
        ("X-Amz-Meta-Shape", "round"),
        ("content-encoding", "aws-chunked"),
        ("content-disposition", "inline"),
        ("x-amz-checksum-crc32", crc),
        ("if-none-match", "*"),
        ("x-amz-acl", "bucket-owner-full-control"),
        ("x-amz-server-side-encryption", "AES256"),
        ("x-amz-storage-class", "STANDARD"),
        ("content-md5", "XUFAKrxLKna5cZ2REBfFkg=="),
        ("x-amz-sdk-checksum-algorithm", "crc32"),
    ];
    let want = S3Operation::PutObject {
        bucket: "b-1".into(),
        key: "k".into(),
        content_type: Some("text/plain".into()),
        metadata: vec![
            ("color".into(), "red,blue".into()),
            ("shape".into(), "round".into()),
        ],
        options: PutOptions {
            content_headers: vec![("content-disposition".into(), "inline".into())],
            checksum: Some(Checksum::parse(ChecksumAlgorithm::Crc32, crc).unwrap()),
            checksum_algorithm: Some(ChecksumAlgorithm::Crc32),
            content_md5: Some(crate::s3::checksum::md5(b"hello")),
            condition: Some(WriteCondition::IfNoneMatchAny),
            acl: Some("bucket-owner-full-control".into()),
            server_side_encryption: Some("AES256".into()),
            storage_class: Some("STANDARD".into()),
        },
    };
    let got = parse("PUT", "/b-1/k", None, HOST, &headers, b"x").unwrap();
    assert_eq!(got, want);
    let keys = got.condition_keys();
    assert!(keys.contains(&("s3:x-amz-acl".into(), "bucket-owner-full-control".into())));
    assert!(keys.contains(&("s3:x-amz-server-side-encryption".into(), "AES256".into())));
}

#[test]
fn refuses_or_defers_what_is_not_implemented() {
    let long_key = format!("/b-1/{}", "k".repeat(MAX_KEY_BYTES + 1));
    let big_metadata = "v".repeat(2048);
    #[rustfmt::skip]
    let cases: Vec<ParseCase<Result<&str, &str>>> = vec![
        // Ok(fragment) expects Unsupported with the fragment in its description.
        ("bucket_acl", "GET", "/b-1", Some("acl"), HOST, vec![], b"", Ok("GetBucketAcl")),
        ("bucket_policy_put", "PUT", "/b-1", Some("policy"), HOST, vec![], b"{}", Ok("PutBucketPolicy")),
        ("bucket_tagging", "GET", "/b-1", Some("tagging"), HOST, vec![], b"", Ok("GetBucketTagging")),
        ("bucket_location_head", "HEAD", "/b-1", Some("location"), HOST, vec![], b"", Ok("?location")),
        ("list_v1_with_v2_parameter", "GET", "/b-1", Some("start-after=a"), HOST, vec![], b"", Ok("?start-after")),
        ("list_v2_with_acl", "GET", "/b-1", Some("list-type=2&acl"), HOST, vec![], b"", Ok("?acl")),
        ("delete_objects_version", "POST", "/b-1", Some("delete"), HOST, vec![("content-md5", "+Jb0b5WF1AYShRT43l0jNg==")], b"<Delete><Object><Key>a</Key><VersionId>v</VersionId></Object></Delete>", Ok("VersionId")),
        ("post_object", "POST", "/b-1", None, HOST, vec![], b"", Ok("PostObject")),
        ("copy_source_version", "PUT", "/b-1/k", None, HOST, vec![("x-amz-copy-source", "/b-1/j?versionId=3")], b"", Ok("versionId")),
        ("object_tagging", "GET", "/b-1/k", Some("tagging"), HOST, vec![], b"", Ok("GetObjectTagging")),
        ("object_version", "GET", "/b-1/k", Some("versionId=v1"), HOST, vec![], b"", Ok("on a version")),
        ("object_tags_header", "PUT", "/b-1/k", None, HOST, vec![("x-amz-tagging", "a=b")], b"", Ok("x-amz-tagging")),
        ("sse_kms", "PUT", "/b-1/k", None, HOST, vec![("x-amz-server-side-encryption", "aws:kms")], b"", Ok("aws:kms")),
        ("sse_c_read", "GET", "/b-1/k", None, HOST, vec![("x-amz-server-side-encryption-customer-algorithm", "AES256")], b"", Ok("SSE-C")),
        ("glacier", "PUT", "/b-1/k", None, HOST, vec![("x-amz-storage-class", "GLACIER")], b"", Ok("GLACIER")),
        ("if_none_match_etag_on_put", "PUT", "/b-1/k", None, HOST, vec![("if-none-match", "\"e\"")], b"", Ok("If-None-Match")),
        ("expected_owner", "GET", "/b-1/k", None, HOST, vec![("x-amz-expected-bucket-owner", "111122223333")], b"", Ok("expected-bucket-owner")),
        ("conditional_delete", "DELETE", "/b-1/k", None, HOST, vec![("if-match", "\"e\"")], b"", Ok("DeleteObject with the if-match")),
        ("object_lock_bucket", "PUT", "/b-1", None, HOST, vec![("x-amz-bucket-object-lock-enabled", "true")], b"", Ok("Object Lock")),
        ("put_on_service", "PUT", "/", None, HOST, vec![], b"", Ok("service")),
        // Err(code) expects that error.
        ("bad_bucket_uppercase", "GET", "/MyBucket/k", None, HOST, vec![], b"", Err("InvalidBucketName")),
        ("bad_bucket_ip", "PUT", "/10.0.0.1", None, HOST, vec![], b"", Err("InvalidBucketName")),
        ("bad_bucket_short_virtual", "GET", "/", Some("list-type=2"), "ab.localhost", vec![], b"", Err("InvalidBucketName")),
        ("bad_escape", "GET", "/b-1/%G0", None, HOST, vec![], b"", Err("InvalidURI")),
        ("key_too_long", "PUT", &long_key, None, HOST, vec![], b"", Err("KeyTooLong")),
        ("metadata_too_large", "PUT", "/b-1/k", None, HOST, vec![("x-amz-meta-m", &big_metadata)], b"", Err("MetadataTooLarge")),
        ("public_acl_object", "PUT", "/b-1/k", None, HOST, vec![("x-amz-acl", "public-read")], b"", Err("AccessControlListNotSupported")),
        ("grant_object", "PUT", "/b-1/k", None, HOST, vec![("x-amz-grant-read", "id=x")], b"", Err("AccessControlListNotSupported")),
        ("public_acl_bucket", "PUT", "/b-1", None, HOST, vec![("x-amz-acl", "public-read")], b"", Err("InvalidBucketAclWithObjectOwnership")),
        ("two_checksums", "PUT", "/b-1/k", None, HOST, vec![("x-amz-checksum-crc32", "NhCmhg=="), ("x-amz-checksum-crc32c", "NhCmhg==")], b"", Err("InvalidRequest")),
        ("malformed_checksum", "PUT", "/b-1/k", None, HOST, vec![("x-amz-checksum-crc32", "nope")], b"", Err("InvalidRequest")),
        ("unknown_sse", "PUT", "/b-1/k", None, HOST, vec![("x-amz-server-side-encryption", "ROT13")], b"", Err("InvalidArgument")),
        ("malformed_configuration", "PUT", "/b-1", None, HOST, vec![], b"<CreateBucketConfiguration>", Err("MalformedXML")),
        ("patch_method", "PATCH", "/b-1/k", None, HOST, vec![], b"", Err("MethodNotAllowed")),
        ("max_keys_word", "GET", "/b-1", Some("list-type=2&max-keys=many"), HOST, vec![], b"", Err("InvalidArgument")),
        ("part_number_zero", "PUT", "/b-1/k", Some("partNumber=0&uploadId=u"), HOST, vec![], b"", Err("InvalidArgument")),
        ("part_number_too_big", "PUT", "/b-1/k", Some("partNumber=10001&uploadId=u"), HOST, vec![], b"", Err("InvalidArgument")),
        ("part_number_missing", "PUT", "/b-1/k", Some("uploadId=u"), HOST, vec![], b"", Err("InvalidArgument")),
        ("part_without_upload", "PUT", "/b-1/k", Some("partNumber=1"), HOST, vec![], b"", Err("InvalidRequest")),
        ("unknown_upload_algorithm", "POST", "/b-1/k", Some("uploads"), HOST, vec![("x-amz-checksum-algorithm", "MD4")], b"", Err("InvalidRequest")),
        ("sha256_full_object", "POST", "/b-1/k", Some("uploads"), HOST, vec![("x-amz-checksum-algorithm", "SHA256"), ("x-amz-checksum-type", "FULL_OBJECT")], b"", Err("InvalidRequest")),
        ("crc64_composite", "POST", "/b-1/k", Some("uploads"), HOST, vec![("x-amz-checksum-algorithm", "CRC64NVME"), ("x-amz-checksum-type", "COMPOSITE")], b"", Err("InvalidRequest")),
        ("type_without_algorithm", "POST", "/b-1/k", Some("uploads"), HOST, vec![("x-amz-checksum-type", "COMPOSITE")], b"", Err("InvalidRequest")),
        ("complete_without_body", "POST", "/b-1/k", Some("uploadId=u"), HOST, vec![], b"", Err("MalformedXML")),
        ("bad_trailer", "PUT", "/b-1/k", None, HOST, vec![("x-amz-trailer", "x-amz-checksum-md4")], b"", Err("InvalidRequest")),
        ("copy_source_without_key", "PUT", "/b-1/k", None, HOST, vec![("x-amz-copy-source", "/b-1")], b"", Err("InvalidArgument")),
        ("copy_source_bad_escape", "PUT", "/b-1/k", None, HOST, vec![("x-amz-copy-source", "/b-1/%G0")], b"", Err("InvalidArgument")),
        ("bad_metadata_directive", "PUT", "/b-1/k", None, HOST, vec![("x-amz-copy-source", "/b-1/j"), ("x-amz-metadata-directive", "MERGE")], b"", Err("InvalidArgument")),
        ("bad_content_md5", "PUT", "/b-1/k", None, HOST, vec![("content-md5", "short")], b"", Err("InvalidDigest")),
    ];
    for (name, method, path, query, host, headers, body, want) in cases {
        let got = parse(method, path, query, host, &headers, body);
        match (got, want) {
            (Ok(S3Operation::Unsupported { description }), Ok(fragment)) => {
                assert!(
                    description.feature.contains(fragment),
                    "case {name}: {description:?} lacks {fragment:?}"
                );
            }
            (Err(err), Err(code)) => assert_eq!(err.code(), code, "case {name}: {err}"),
            (got, want) => panic!("case {name}: got {got:?}, want {want:?}"),
        }
    }
}

#[test]
fn maps_operations_to_iam() {
    let list = S3Operation::ListObjectsV2 {
        bucket: "b-1".into(),
        prefix: Some("reports/".into()),
        delimiter: Some("/".into()),
        continuation_token: None,
        start_after: None,
        max_keys: Some(10),
        encoding_type: None,
        fetch_owner: false,
    };
    #[rustfmt::skip]
    let cases: Vec<IamCase> = vec![
        ("list_buckets", S3Operation::ListBuckets { prefix: None, continuation_token: None, max_buckets: None, bucket_region: None }, "s3:ListAllMyBuckets", "*", vec![]),
        ("create_bucket", S3Operation::CreateBucket { bucket: "b-1".into(), location_constraint: Some("us-west-2".into()), acl: None }, "s3:CreateBucket", "arn:aws:s3:::b-1", vec![("s3:LocationConstraint", "us-west-2")]),
        ("head_bucket", S3Operation::HeadBucket { bucket: "b-1".into() }, "s3:ListBucket", "arn:aws:s3:::b-1", vec![]),
        ("delete_bucket", S3Operation::DeleteBucket { bucket: "b-1".into() }, "s3:DeleteBucket", "arn:aws:s3:::b-1", vec![]),
        ("get_bucket_location", S3Operation::GetBucketLocation { bucket: "b-1".into() }, "s3:GetBucketLocation", "arn:aws:s3:::b-1", vec![]),
        ("list_objects", list, "s3:ListBucket", "arn:aws:s3:::b-1", vec![("s3:prefix", "reports/"), ("s3:delimiter", "/"), ("s3:max-keys", "10")]),
        ("list_objects_v1", S3Operation::ListObjects { bucket: "b-1".into(), prefix: Some("logs/".into()), delimiter: None, marker: Some("logs/a".into()), max_keys: Some(7), encoding_type: None }, "s3:ListBucket", "arn:aws:s3:::b-1", vec![("s3:prefix", "logs/"), ("s3:max-keys", "7")]),
        ("list_objects_v1_no_prefix", list_v1(), "s3:ListBucket", "arn:aws:s3:::b-1", vec![]),
        ("list_objects_no_prefix", list_v2(), "s3:ListBucket", "arn:aws:s3:::b-1", vec![]),
        ("put_object", put_object("a/b c"), "s3:PutObject", "arn:aws:s3:::b-1/a/b c", vec![]),
        ("get_object", get_object("b-1", "k"), "s3:GetObject", "arn:aws:s3:::b-1/k", vec![]),
        ("head_object", S3Operation::HeadObject { bucket: "b-1".into(), key: "k".into(), range: None, options: ReadOptions::default() }, "s3:GetObject", "arn:aws:s3:::b-1/k", vec![]),
        ("delete_object", S3Operation::DeleteObject { bucket: "b-1".into(), key: "k".into() }, "s3:DeleteObject", "arn:aws:s3:::b-1/k", vec![]),
        ("create_upload", parse("POST", "/b-1/k", Some("uploads"), HOST, &[], b"").unwrap(), "s3:PutObject", "arn:aws:s3:::b-1/k", vec![]),
        ("upload_part", parse("PUT", "/b-1/k", Some("partNumber=2&uploadId=u"), HOST, &[], b"x").unwrap(), "s3:PutObject", "arn:aws:s3:::b-1/k", vec![]),
        ("complete_upload", parse("POST", "/b-1/k", Some("uploadId=u"), HOST, &[], b"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>e</ETag></Part></CompleteMultipartUpload>").unwrap(), "s3:PutObject", "arn:aws:s3:::b-1/k", vec![]),
        ("abort_upload", parse("DELETE", "/b-1/k", Some("uploadId=u"), HOST, &[], b"").unwrap(), "s3:AbortMultipartUpload", "arn:aws:s3:::b-1/k", vec![]),
        ("list_parts", parse("GET", "/b-1/k", Some("uploadId=u&max-parts=3"), HOST, &[], b"").unwrap(), "s3:ListMultipartUploadParts", "arn:aws:s3:::b-1/k", vec![]),
        ("list_uploads", parse("GET", "/b-1", Some("uploads&prefix=a"), HOST, &[], b"").unwrap(), "s3:ListBucketMultipartUploads", "arn:aws:s3:::b-1", vec![]),
        // The coarse check of an edge that does not check per key: any key of the bucket.
        ("delete_objects", S3Operation::DeleteObjects { bucket: "b-1".into(), keys: vec!["k".into()], quiet: false }, "s3:DeleteObject", "arn:aws:s3:::b-1/*", vec![]),
    ];
    for (name, operation, action, resource, keys) in cases {
        assert_eq!(operation.iam_action(), action, "case {name}");
        assert_eq!(operation.resource_arn(), resource, "case {name}");
        let keys: Vec<(String, String)> = keys
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        assert_eq!(operation.condition_keys(), keys, "case {name}");
    }
}
