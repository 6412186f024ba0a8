//! CompleteMultipartUpload's body, `<CompleteMultipartUpload>`: the parts to assemble, by
//! number and ETag (their checksums, when sent, are checked against the stored parts' by
//! the number and ETag already).
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/API_CompleteMultipartUpload.html>

use serde::Deserialize;

use crate::s3::error::S3Error;
use crate::s3::operations::multipart::CompletedPart;

#[derive(Debug, Deserialize)]
struct CompleteMultipartUpload {
    #[serde(rename = "Part", default)]
    parts: Vec<Part>,
}

#[derive(Debug, Deserialize)]
struct Part {
    #[serde(rename = "PartNumber")]
    part_number: Option<String>,
    #[serde(rename = "ETag")]
    etag: Option<String>,
}

/// The parts a CompleteMultipartUpload body names, in the order given.
pub fn parts(body: &[u8]) -> Result<Vec<CompletedPart>, S3Error> {
    let text = std::str::from_utf8(body)
        .map_err(|err| S3Error::MalformedXml(format!("body is not UTF-8: {err}")))?;
    if text.trim().is_empty() {
        return Err(S3Error::MalformedXml("the body is empty".to_owned()));
    }
    let document: CompleteMultipartUpload =
        quick_xml::de::from_str(text).map_err(|err| S3Error::MalformedXml(err.to_string()))?;
    document
        .parts
        .into_iter()
        .map(|part| {
            let number = part
                .part_number
                .as_deref()
                .map(str::trim)
                .and_then(|n| n.parse::<u32>().ok())
                .filter(|n| (1..=10_000).contains(n))
                .ok_or_else(|| {
                    S3Error::MalformedXml("a Part has no valid PartNumber".to_owned())
                })?;
            let etag = part
                .etag
                .ok_or_else(|| S3Error::MalformedXml("a Part has no ETag".to_owned()))?;
            Ok(CompletedPart {
                part_number: number,
                etag: etag.trim().to_owned(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn complete_bodies() {
        let ns = "xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"";
        let part = |n: &str, etag: &str| {
            format!("<Part><ETag>{etag}</ETag><PartNumber>{n}</PartNumber></Part>")
        };
        let with = |inner: &str| {
            format!("<CompleteMultipartUpload {ns}>{inner}</CompleteMultipartUpload>")
        };
        let two = CompletedPart {
            part_number: 2,
            etag: "\"b\"".into(),
        };
        let one = CompletedPart {
            part_number: 1,
            etag: "\"a\"".into(),
        };
        #[rustfmt::skip]
        type Case<'a> = (&'a str, String, Result<Vec<CompletedPart>, &'a str>);
        let cases: Vec<Case> = vec![
            ("two_parts", with(&(part("1", "\"a\"") + &part("2", "\"b\""))), Ok(vec![one.clone(), two.clone()])),
            ("order_kept", with(&(part("2", "\"b\"") + &part("1", "\"a\""))), Ok(vec![two.clone(), one.clone()])),
            ("with_checksum", with("<Part><ETag>\"a\"</ETag><ChecksumCRC32>AAAAAA==</ChecksumCRC32><PartNumber>1</PartNumber></Part>"), Ok(vec![one.clone()])),
            ("no_namespace", "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>\"a\"</ETag></Part></CompleteMultipartUpload>".into(), Ok(vec![one.clone()])),
            ("no_parts", with(""), Ok(vec![])),
            ("empty_body", String::new(), Err("MalformedXML")),
            ("not_xml", "parts".into(), Err("MalformedXML")),
            ("no_etag", with("<Part><PartNumber>1</PartNumber></Part>"), Err("MalformedXML")),
            ("part_zero", with(&part("0", "\"a\"")), Err("MalformedXML")),
            ("part_too_big", with(&part("10001", "\"a\"")), Err("MalformedXML")),
            ("part_not_number", with(&part("x", "\"a\"")), Err("MalformedXML")),
        ];
        for (name, body, want) in cases {
            let got = parts(body.as_bytes()).map_err(|err| err.code());
            assert_eq!(got, want, "case {name}");
        }
    }
}
