//! CreateBucket's optional body, `<CreateBucketConfiguration>`, read with quick-xml + serde.
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html>

use serde::de::IgnoredAny;
use serde::Deserialize;

use super::{unsupported, xml_body};
use crate::s3::error::S3Error;

/// The body as the model defines it; the children we do not implement are only detected.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CreateBucketConfiguration {
    #[serde(rename = "@xmlns", default)]
    _namespace: Option<String>,
    #[serde(rename = "LocationConstraint", default)]
    location_constraint: Option<String>,
    #[serde(rename = "Location", default)]
    location: Option<IgnoredAny>,
    #[serde(rename = "Bucket", default)]
    bucket: Option<IgnoredAny>,
    #[serde(rename = "Tags", default)]
    tags: Option<IgnoredAny>,
}

/// The `LocationConstraint` of a CreateBucket body; `None` for an empty body or element.
pub fn location_constraint(body: &[u8]) -> Result<Option<String>, S3Error> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let configuration: CreateBucketConfiguration =
        xml_body::parse(body, "CreateBucketConfiguration")?;
    if configuration.location.is_some() || configuration.bucket.is_some() {
        return Err(unsupported(
            "directory buckets (Location or Bucket in CreateBucketConfiguration)",
        ));
    }
    if configuration.tags.is_some() {
        return Err(unsupported("bucket tags in CreateBucketConfiguration"));
    }
    Ok(configuration
        .location_constraint
        .map(|constraint| constraint.trim().to_owned())
        .filter(|constraint| !constraint.is_empty()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_constraints() {
        let ns = "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"";
        let with = |inner: &str| {
            format!("<CreateBucketConfiguration {ns}>{inner}</CreateBucketConfiguration>")
        };
        let cases = [
            ("empty_body", String::new(), Ok(None)),
            ("whitespace_body", " \n".to_owned(), Ok(None)),
            ("region", with("<LocationConstraint>eu-west-1</LocationConstraint>"), Ok(Some("eu-west-1"))),
            ("with_declaration", format!("<?xml version=\"1.0\" encoding=\"UTF-8\"?>{}", with("<LocationConstraint>us-west-2</LocationConstraint>")), Ok(Some("us-west-2"))),
            ("no_namespace", "<CreateBucketConfiguration><LocationConstraint>us-west-2</LocationConstraint></CreateBucketConfiguration>".to_owned(), Ok(Some("us-west-2"))),
            ("empty_configuration", with(""), Ok(None)),
            ("self_closed", "<CreateBucketConfiguration/>".to_owned(), Ok(None)),
            ("empty_constraint", with("<LocationConstraint></LocationConstraint>"), Ok(None)),
            ("wrong_root", "<Foo><LocationConstraint>x</LocationConstraint></Foo>".to_owned(), Err("MalformedXML")),
            ("unknown_child", with("<Color>red</Color>"), Err("MalformedXML")),
            ("not_xml", "hello".to_owned(), Err("MalformedXML")),
            ("unclosed", "<CreateBucketConfiguration><LocationConstraint>x".to_owned(), Err("MalformedXML")),
            ("directory_bucket", with("<Location><Type>AvailabilityZone</Type><Name>usw2-az1</Name></Location>"), Err("NotImplemented")),
            ("tags", with("<Tags><Tag><Key>k</Key><Value>v</Value></Tag></Tags>"), Err("NotImplemented")),
        ];
        for (name, body, want) in cases {
            let got = location_constraint(body.as_bytes()).map_err(|err| err.code());
            assert_eq!(got, want.map(|c| c.map(str::to_owned)), "case {name}");
        }
    }
}
