//! GetBucketLocation: the bucket's region as its location constraint, which is empty for
//! us-east-1 (the constraint CreateBucket omits there); botocore reads an empty one as
//! `None`. <https://docs.aws.amazon.com/AmazonS3/latest/API/API_GetBucketLocation.html>

use serde::Serialize;

use crate::s3::wire::{xml_document, XML_NAMESPACE};
use crate::s3::{S3Error, S3Response, S3Store};

/// The region whose buckets have no location constraint.
const NO_CONSTRAINT_REGION: &str = "us-east-1";

/// `<LocationConstraint>`, the whole document.
#[derive(Serialize)]
struct LocationConstraint<'a> {
    #[serde(rename = "@xmlns")]
    namespace: &'static str,
    #[serde(rename = "$text", skip_serializing_if = "Option::is_none")]
    region: Option<&'a str>,
}

/// Runs GetBucketLocation.
pub fn run(store: &S3Store, bucket: &str) -> Result<S3Response, S3Error> {
    let info = store.bucket(bucket)?;
    let constraint = LocationConstraint {
        namespace: XML_NAMESPACE,
        region: Some(info.region.as_str()).filter(|region| *region != NO_CONSTRAINT_REGION),
    };
    Ok(S3Response::xml(xml_document(
        "LocationConstraint",
        &constraint,
    )?))
}

#[cfg(test)]
mod tests {
    use crate::s3::test_support::{execute, TestStore};

    #[test]
    fn answers_the_region() {
        let declaration = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
        let element = "<LocationConstraint xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
        let cases = [
            (
                "other_region_is_named",
                "eu-west-1",
                "/b-1",
                Ok(format!(
                    "{declaration}{element}eu-west-1</LocationConstraint>"
                )),
            ),
            (
                "us_east_1_is_empty",
                "us-east-1",
                "/b-1",
                Ok(format!("{declaration}{element}</LocationConstraint>")),
            ),
            ("missing_bucket", "eu-west-1", "/b-2", Err("NoSuchBucket")),
        ];
        for (name, region, path, want) in cases {
            let store = TestStore::in_region(region, &["b-1"]);
            let got = execute(&store, "GET", path, Some("location"), &[], b"").map(|response| {
                assert_eq!(response.status, 200, "case {name}");
                assert_eq!(response.header("content-type"), Some("application/xml"));
                String::from_utf8(response.body).unwrap()
            });
            assert_eq!(got.map_err(|err| err.code()), want, "case {name}");
        }
    }

    #[test]
    fn refuses_bad_requests() {
        let store = TestStore::in_region("eu-west-1", &["b-1"]);
        let cases = [
            (
                "other_parameter",
                "/b-1",
                "location&prefix=a",
                "NotImplemented",
            ),
            ("bad_bucket_name", "/B-1", "location", "InvalidBucketName"),
        ];
        for (name, path, query, want) in cases {
            let got = execute(&store, "GET", path, Some(query), &[], b"").unwrap_err();
            assert_eq!(got.code(), want, "case {name}");
        }
    }
}
