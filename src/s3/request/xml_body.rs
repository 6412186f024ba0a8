//! Request bodies that are XML documents (CreateBucket's configuration, DeleteObjects'
//! `<Delete>`), read with quick-xml + serde. Whatever does not parse, is not UTF-8 or has
//! another root is `MalformedXML`, as S3 answers a body that does not validate against
//! its schema. The namespace is optional, as S3 takes it.

use quick_xml::events::Event;
use quick_xml::Reader;
use serde::de::DeserializeOwned;

use crate::s3::error::S3Error;

/// The body as the document `root`.
pub fn parse<T: DeserializeOwned>(body: &[u8], root: &str) -> Result<T, S3Error> {
    let text = std::str::from_utf8(body)
        .map_err(|err| S3Error::MalformedXml(format!("body is not UTF-8: {err}")))?;
    match root_name(text)? {
        name if name == root => {}
        other => {
            return Err(S3Error::MalformedXml(format!(
                "root element is <{other}>, not <{root}>"
            )))
        }
    }
    quick_xml::de::from_str(text).map_err(|err| S3Error::MalformedXml(err.to_string()))
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
