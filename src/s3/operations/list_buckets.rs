//! ListBuckets: the account's buckets by name, filtered by `prefix` and `bucket-region`,
//! paged by `max-buckets` with an opaque `ContinuationToken` that is absent on the last
//! page (REFERENCE 3.2). <https://docs.aws.amazon.com/AmazonS3/latest/API/API_ListBuckets.html>

use serde::Serialize;

use crate::s3::wire::time::iso8601_millis;
use crate::s3::wire::{decode_token, encode_token, xml_document, Owner, XML_NAMESPACE};
use crate::s3::{S3Error, S3Response, S3Store};

/// `<ListAllMyBucketsResult>`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct ListAllMyBucketsResult<'a> {
    #[serde(rename = "@xmlns")]
    namespace: &'static str,
    owner: Owner<'a>,
    buckets: Buckets,
    #[serde(skip_serializing_if = "Option::is_none")]
    prefix: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    continuation_token: Option<String>,
}

/// `<Buckets>`, a list of `<Bucket>`.
#[derive(Serialize)]
struct Buckets {
    #[serde(rename = "Bucket")]
    bucket: Vec<Bucket>,
}

/// One `<Bucket>`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Bucket {
    name: String,
    creation_date: String,
    bucket_region: String,
}

/// Runs ListBuckets.
pub fn run(
    store: &S3Store,
    prefix: Option<&str>,
    continuation_token: Option<&str>,
    max_buckets: Option<u32>,
    bucket_region: Option<&str>,
) -> Result<S3Response, S3Error> {
    let after = continuation_token.map(decode_token).transpose()?;
    let limit = max_buckets.map_or(usize::MAX, |n| usize::try_from(n).unwrap_or(usize::MAX));
    let mut matching = store.buckets().into_iter().filter(|bucket| {
        prefix.is_none_or(|prefix| bucket.name.starts_with(prefix))
            && bucket_region.is_none_or(|region| bucket.region == region)
            && after
                .as_deref()
                .is_none_or(|after| bucket.name.as_str() > after)
    });
    let page: Vec<Bucket> = matching
        .by_ref()
        .take(limit)
        .map(|bucket| Bucket {
            creation_date: iso8601_millis(bucket.created),
            bucket_region: bucket.region,
            name: bucket.name,
        })
        .collect();
    let more = matching.next().is_some();
    let result = ListAllMyBucketsResult {
        namespace: XML_NAMESPACE,
        owner: Owner {
            id: store.owner_id(),
        },
        continuation_token: more
            .then(|| page.last().map(|bucket| encode_token(&bucket.name)))
            .flatten(),
        buckets: Buckets { bucket: page },
        prefix,
    };
    Ok(S3Response::xml(xml_document(
        "ListAllMyBucketsResult",
        &result,
    )?))
}

#[cfg(test)]
mod tests {
    use crate::s3::test_support::{execute, TestStore, NOW};
    use crate::s3::wire::encode_token;

    const HEAD: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<ListAllMyBucketsResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";

    fn bucket(name: &str) -> String {
        format!("<Bucket><Name>{name}</Name><CreationDate>2023-11-14T22:13:20.000Z</CreationDate><BucketRegion>us-west-2</BucketRegion></Bucket>")
    }

    #[test]
    fn lists_buckets_exactly() {
        assert_eq!(NOW, 1_700_000_000, "dates below are NOW");
        let store = TestStore::with_buckets(&["beta", "alpha", "alpine"]);
        let owner = format!("<Owner><ID>{}</ID></Owner>", store.owner_id());
        let token = encode_token("alpha");
        let cases = [
            (
                "all_sorted",
                None,
                format!(
                    "{owner}<Buckets>{}{}{}</Buckets>",
                    bucket("alpha"),
                    bucket("alpine"),
                    bucket("beta")
                ),
            ),
            (
                "prefix",
                Some("prefix=alp"),
                format!(
                    "{owner}<Buckets>{}{}</Buckets><Prefix>alp</Prefix>",
                    bucket("alpha"),
                    bucket("alpine")
                ),
            ),
            (
                "first_page",
                Some("max-buckets=1"),
                format!(
                    "{owner}<Buckets>{}</Buckets><ContinuationToken>{token}</ContinuationToken>",
                    bucket("alpha")
                ),
            ),
            (
                "last_page_has_no_token",
                Some(&*format!("max-buckets=2&continuation-token={token}")),
                format!(
                    "{owner}<Buckets>{}{}</Buckets>",
                    bucket("alpine"),
                    bucket("beta")
                ),
            ),
            (
                "exact_fit_has_no_token",
                Some("max-buckets=3"),
                format!(
                    "{owner}<Buckets>{}{}{}</Buckets>",
                    bucket("alpha"),
                    bucket("alpine"),
                    bucket("beta")
                ),
            ),
            (
                "other_region_is_empty",
                Some("bucket-region=eu-west-1"),
                format!("{owner}<Buckets></Buckets>"),
            ),
            (
                "no_match",
                Some("prefix=zzz"),
                format!("{owner}<Buckets></Buckets><Prefix>zzz</Prefix>"),
            ),
        ];
        for (name, query, want) in cases {
            let response = execute(&store, "GET", "/", query, &[], b"").unwrap();
            assert_eq!(
                response.header("content-type"),
                Some("application/xml"),
                "case {name}"
            );
            let body = String::from_utf8(response.body).unwrap();
            assert_eq!(
                body,
                format!("{HEAD}{want}</ListAllMyBucketsResult>"),
                "case {name}"
            );
        }
    }

    #[test]
    fn refuses_bad_parameters() {
        let store = TestStore::with_buckets(&["alpha"]);
        let cases = [
            ("zero_buckets", "max-buckets=0", "InvalidArgument"),
            ("too_many_buckets", "max-buckets=10001", "InvalidArgument"),
            ("not_a_number", "max-buckets=ten", "InvalidArgument"),
            ("foreign_token", "continuation-token=abc", "InvalidArgument"),
        ];
        for (name, query, want) in cases {
            let got = execute(&store, "GET", "/", Some(query), &[], b"").unwrap_err();
            assert_eq!(got.code(), want, "case {name}");
        }
    }
}
