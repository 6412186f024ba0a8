//! The requests the SigV2 tests walk: the S3 documentation's examples and requests
//! botocore signed.

/// A request as a test states it.
pub struct Case {
    pub name: &'static str,
    pub method: &'static str,
    pub path: &'static str,
    pub query: Option<&'static str>,
    pub headers: &'static [(&'static str, &'static str)],
    /// The bucket the Host names (virtual-host style), as S3's edge resolves it.
    pub bucket: Option<&'static str>,
    pub string_to_sign: &'static str,
    /// When the request is checked.
    pub now: u64,
}

/// The examples of "Signing and authenticating REST requests (AWS signature version 2)",
/// <https://docs.aws.amazon.com/AmazonS3/latest/API/RESTAuthentication.html>, each with
/// the `Authorization` the page shows; the query-string example is the page's older
/// version, whose bucket is `johnsmith` (the current page renamed the bucket but kept the
/// signature).
pub const DOC_EXAMPLES: [Case; 8] = [
    Case {
        name: "object_get",
        method: "GET",
        path: "/photos/puppy.jpg",
        query: None,
        headers: &[
            ("host", "awsexamplebucket1.us-west-1.s3.amazonaws.com"),
            ("date", "Tue, 27 Mar 2007 19:36:42 +0000"),
            ("authorization", "AWS AKIAIOSFODNN7EXAMPLE:qgk2+6Sv9/oM7G3qLEjTH1a1l1g="),
        ],
        bucket: Some("awsexamplebucket1"),
        string_to_sign: "GET\n\n\nTue, 27 Mar 2007 19:36:42 +0000\n/awsexamplebucket1/photos/puppy.jpg",
        now: 1_175_024_202,
    },
    Case {
        name: "object_put",
        method: "PUT",
        path: "/photos/puppy.jpg",
        query: None,
        headers: &[
            ("content-type", "image/jpeg"),
            ("content-length", "94328"),
            ("host", "awsexamplebucket1.s3.us-west-1.amazonaws.com"),
            ("date", "Tue, 27 Mar 2007 21:15:45 +0000"),
            ("authorization", "AWS AKIAIOSFODNN7EXAMPLE:iqRzw+ileNPu1fhspnRs8nOjjIA="),
        ],
        bucket: Some("awsexamplebucket1"),
        string_to_sign: "PUT\n\nimage/jpeg\nTue, 27 Mar 2007 21:15:45 +0000\n/awsexamplebucket1/photos/puppy.jpg",
        now: 1_175_030_145,
    },
    Case {
        name: "list_ignores_plain_parameters",
        method: "GET",
        path: "/",
        query: Some("prefix=photos&max-keys=50&marker=puppy"),
        headers: &[
            ("user-agent", "Mozilla/5.0"),
            ("host", "awsexamplebucket1.s3.us-west-1.amazonaws.com"),
            ("date", "Tue, 27 Mar 2007 19:42:41 +0000"),
            ("authorization", "AWS AKIAIOSFODNN7EXAMPLE:m0WP8eCtspQl5Ahe6L1SozdX9YA="),
        ],
        bucket: Some("awsexamplebucket1"),
        string_to_sign: "GET\n\n\nTue, 27 Mar 2007 19:42:41 +0000\n/awsexamplebucket1/",
        now: 1_175_024_561,
    },
    Case {
        name: "fetch_signs_the_acl_subresource",
        method: "GET",
        path: "/",
        query: Some("acl"),
        headers: &[
            ("host", "awsexamplebucket1.s3.us-west-1.amazonaws.com"),
            ("date", "Tue, 27 Mar 2007 19:44:46 +0000"),
            ("authorization", "AWS AKIAIOSFODNN7EXAMPLE:82ZHiFIjc+WbcwFKGUVEQspPn+0="),
        ],
        bucket: Some("awsexamplebucket1"),
        string_to_sign: "GET\n\n\nTue, 27 Mar 2007 19:44:46 +0000\n/awsexamplebucket1/?acl",
        now: 1_175_024_686,
    },
    Case {
        name: "upload_sorts_and_joins_amz_headers",
        method: "PUT",
        path: "/db-backup.dat.gz",
        query: None,
        headers: &[
            ("user-agent", "curl/7.15.5"),
            ("host", "static.example.com:8080"),
            ("date", "Tue, 27 Mar 2007 21:06:08 +0000"),
            ("x-amz-acl", "public-read"),
            ("content-type", "application/x-download"),
            ("content-md5", "4gJE4saaMU4BqNR0kLY+lw=="),
            ("x-amz-meta-reviewedby", "joe@example.com"),
            ("x-amz-meta-reviewedby", "jane@example.com"),
            ("x-amz-meta-filechecksum", "0x02661779"),
            ("x-amz-meta-checksumalgorithm", "crc32"),
            ("content-disposition", "attachment; filename=database.dat"),
            ("content-encoding", "gzip"),
            ("content-length", "5913339"),
            ("authorization", "AWS AKIAIOSFODNN7EXAMPLE:jtBQa0Aq+DkULFI8qrpwIjGEx0E="),
        ],
        bucket: Some("static.example.com"),
        string_to_sign: "PUT\n4gJE4saaMU4BqNR0kLY+lw==\napplication/x-download\nTue, 27 Mar 2007 21:06:08 +0000\nx-amz-acl:public-read\nx-amz-meta-checksumalgorithm:crc32\nx-amz-meta-filechecksum:0x02661779\nx-amz-meta-reviewedby:joe@example.com,jane@example.com\n/static.example.com/db-backup.dat.gz",
        now: 1_175_029_568,
    },
    Case {
        name: "list_all_my_buckets",
        method: "GET",
        path: "/",
        query: None,
        headers: &[
            ("host", "s3.us-west-1.amazonaws.com"),
            ("date", "Wed, 28 Mar 2007 01:29:59 +0000"),
            ("authorization", "AWS AKIAIOSFODNN7EXAMPLE:qGdzdERIC03wnaRNKh6OqZehG9s="),
        ],
        bucket: None,
        string_to_sign: "GET\n\n\nWed, 28 Mar 2007 01:29:59 +0000\n/",
        now: 1_175_045_399,
    },
    Case {
        name: "unicode_keys_sign_as_sent",
        method: "GET",
        path: "/dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re",
        query: None,
        headers: &[
            ("host", "s3.us-west-1.amazonaws.com"),
            ("date", "Wed, 28 Mar 2007 01:49:49 +0000"),
            ("authorization", "AWS AKIAIOSFODNN7EXAMPLE:DNEZGsoieTZ92F3bUfSPQcbGmlM="),
        ],
        bucket: None,
        string_to_sign: "GET\n\n\nWed, 28 Mar 2007 01:49:49 +0000\n/dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re",
        now: 1_175_046_589,
    },
    Case {
        name: "query_string_authentication",
        method: "GET",
        path: "/photos/puppy.jpg",
        query: Some("AWSAccessKeyId=AKIAIOSFODNN7EXAMPLE&Signature=NpgCjnDzrM%2BWFzoENXmpNDUsSn8%3D&Expires=1175139620"),
        headers: &[("host", "johnsmith.s3.amazonaws.com")],
        bucket: Some("johnsmith"),
        string_to_sign: "GET\n\n\n1175139620\n/johnsmith/photos/puppy.jpg",
        now: 1_175_139_000,
    },
];

/// Requests signed by botocore 1.44's `HmacV1Auth` and `HmacV1QueryAuth` under the
/// documentation's secret (with temporary key `ASIAEXAMPLEEXAMPLE01` where a session
/// token is sent), path-style, as boto3 sends them to a custom endpoint; and the page's
/// rule for `x-amz-date`.
pub const CLIENT_REQUESTS: [Case; 4] = [
    Case {
        name: "botocore_presigned_get_with_token_and_overrides",
        method: "GET",
        path: "/my-bucket/reports/q%201.csv",
        query: Some("response-content-type=text%2Fplain&versionId=3&AWSAccessKeyId=ASIAEXAMPLEEXAMPLE01&Signature=w5nWQH8bXvUJ%2Blw5CT3cKfZQzpg%3D&x-amz-security-token=FQoGZXIvYXdzE%2Btoken%2Fwith%3Dchars&Expires=1700000600"),
        headers: &[("host", "127.0.0.1:4566")],
        bucket: None,
        string_to_sign: "GET\n\n\n1700000600\nx-amz-security-token:FQoGZXIvYXdzE+token/with=chars\n/my-bucket/reports/q%201.csv?response-content-type=text/plain&versionId=3",
        now: 1_700_000_600,
    },
    Case {
        name: "botocore_header_put_with_token_md5_and_meta",
        method: "PUT",
        path: "/my-bucket/k",
        query: Some("tagging"),
        headers: &[
            ("host", "127.0.0.1:4566"),
            ("content-type", "text/plain"),
            ("content-md5", "1B2M2Y8AsgTpgAmY7PhCfg=="),
            ("x-amz-meta-owner", "me"),
            ("x-amz-meta-a", "1"),
            ("x-amz-security-token", "FQoGZXIvYXdzE+token/with=chars"),
            ("date", "Tue, 14 Nov 2023 22:13:20 GMT"),
            ("authorization", "AWS ASIAEXAMPLEEXAMPLE01:u6i6KIDj90vrgvbyBkjDUWPRzBo="),
        ],
        bucket: None,
        string_to_sign: "PUT\n1B2M2Y8AsgTpgAmY7PhCfg==\ntext/plain\nTue, 14 Nov 2023 22:13:20 GMT\nx-amz-meta-a:1\nx-amz-meta-owner:me\nx-amz-security-token:FQoGZXIvYXdzE+token/with=chars\n/my-bucket/k?tagging",
        now: 1_700_000_000 + 300,
    },
    Case {
        name: "botocore_path_style_bucket_signs_a_trailing_slash",
        method: "GET",
        path: "/my-bucket",
        query: Some("list-type=2&prefix=v2%2F&encoding-type=url"),
        headers: &[
            ("host", "127.0.0.1:4566"),
            ("date", "Tue, 14 Nov 2023 22:13:20 GMT"),
            ("authorization", "AWS test:YC4eZ7WcqvPfyuy28lTSzn7wc7I="),
        ],
        bucket: None,
        string_to_sign: "GET\n\n\nTue, 14 Nov 2023 22:13:20 GMT\n/my-bucket/",
        now: 1_700_000_000,
    },
    Case {
        // The documentation's "Object DELETE" signs the x-amz-date value on the Date line,
        // against its own rule; this is the rule's form, signed here.
        name: "x_amz_date_empties_the_date_line",
        method: "DELETE",
        path: "/photos/puppy.jpg",
        query: None,
        headers: &[
            ("host", "awsexamplebucket1.s3.us-west-1.amazonaws.com"),
            ("date", "Tue, 27 Mar 2007 21:20:27 +0000"),
            ("x-amz-date", "Tue, 27 Mar 2007 21:20:26 +0000"),
            ("authorization", "AWS AKIAIOSFODNN7EXAMPLE:Ri1hpB1zpS9pGqR7y8kuNFCl4sE="),
        ],
        bucket: Some("awsexamplebucket1"),
        string_to_sign: "DELETE\n\n\n\nx-amz-date:Tue, 27 Mar 2007 21:20:26 +0000\n/awsexamplebucket1/photos/puppy.jpg",
        now: 1_175_030_426,
    },
];
