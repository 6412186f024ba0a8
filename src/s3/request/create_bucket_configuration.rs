//! CreateBucket's optional body, `<CreateBucketConfiguration>`, read with quick-xml + serde.
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/API_CreateBucket.html>

use quick_xml::events::Event;
use quick_xml::Reader;
use serde::de::IgnoredAny;
use serde::Deserialize;

use super::unsupported;
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
    let text = std::str::from_utf8(body)
        .map_err(|err| S3Error::MalformedXml(format!("body is not UTF-8: {err}")))?;
    if text.trim().is_empty() {
        return Ok(None);
    }
    match root_name(text)?.as_str() {
        "CreateBucketConfiguration" => {}
        other => {
            return Err(S3Error::MalformedXml(format!(
                "root element is <{other}>, not <CreateBucketConfiguration>"
            )))
        }
    }
    let configuration: CreateBucketConfiguration =
        quick_xml::de::from_str(text).map_err(|err| S3Error::MalformedXml(err.to_string()))?;
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

/// The local name of the first element.
fn root_name(text: &str) -> Result<String, S3Error> {
    let mut reader = Reader::from_str(text);
    loop {
        match reader.read_event() {
            Ok(Event::Start(element) | Event::Empty(element)) => {
                return Ok(element.local_name().into_inner().to_owned())
            }
            Ok(Event::Eof) => return Err(S3Error::MalformedXml("no root element".into())),
            Ok(_) => {}
            Err(err) => return Err(S3Error::MalformedXml(err.to_string())),
        }
    }
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
