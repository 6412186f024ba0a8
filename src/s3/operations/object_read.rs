//! What GetObject and HeadObject share: the lookup, the conditions, the range, and the
//! response headers S3 sends with an object.
//! <https://docs.aws.amazon.com/AmazonS3/latest/API/API_HeadObject.html>

use super::range::{self, ByteRange};
use crate::s3::input::ReadOptions;
use crate::s3::preconditions::Outcome;
use crate::s3::store::{ObjectMeta, S3Store, StoredObject};
use crate::s3::wire::time::http_date;
use crate::s3::{S3Error, S3Response};

/// How to answer a read.
pub enum Plan {
    /// 304: the client's copy is current.
    NotModified(StoredObject),
    /// 200 or 206 with these bytes.
    Send {
        object: StoredObject,
        range: ByteRange,
    },
}

/// Looks the object up and evaluates the conditions, then the range.
pub fn plan(
    store: &S3Store,
    bucket: &str,
    key: &str,
    range_header: Option<&str>,
    options: &ReadOptions,
) -> Result<Plan, S3Error> {
    let object = store.object(bucket, key)?;
    let meta = &object.meta;
    match options
        .preconditions
        .evaluate(&meta.etag, meta.last_modified)?
    {
        Outcome::NotModified => Ok(Plan::NotModified(object)),
        Outcome::Proceed => {
            let range = range::resolve(range_header, meta.size)?;
            Ok(Plan::Send { object, range })
        }
    }
}

/// 304 with the validators and no body.
pub fn not_modified(meta: &ObjectMeta) -> S3Response {
    S3Response {
        status: 304,
        headers: vec![
            ("etag".into(), meta.etag.clone()),
            ("last-modified".into(), http_date(meta.last_modified)),
        ],
        body: Vec::new(),
        content: None,
    }
}

/// The headers of a 200 or 206 for `range` of the object; the body is left empty. With
/// `checksum_mode`, a whole object's stored checksum and its type are added.
pub fn response(meta: &ObjectMeta, range: ByteRange, options: &ReadOptions) -> S3Response {
    let overrides = &options.response_overrides;
    let (_, length) = range.span(meta.size);
    let mut headers: Vec<(String, String)> = vec![
        ("accept-ranges".into(), "bytes".into()),
        ("last-modified".into(), http_date(meta.last_modified)),
        ("etag".into(), meta.etag.clone()),
        ("x-amz-server-side-encryption".into(), "AES256".into()),
        ("content-length".into(), length.to_string()),
        ("content-type".into(), meta.content_type.clone()),
    ];
    headers.extend(meta.content_headers.iter().cloned());
    for (name, value) in overrides {
        headers.retain(|(existing, _)| existing != name);
        headers.push((name.clone(), value.clone()));
    }
    headers.extend(
        meta.metadata
            .iter()
            .map(|(name, value)| (format!("x-amz-meta-{name}"), value.clone())),
    );
    if let (true, ByteRange::Whole, Some(checksum)) = (options.checksum_mode, range, &meta.checksum)
    {
        headers.push((
            checksum.algorithm.header().to_owned(),
            checksum.value.clone(),
        ));
        let kind = if checksum.composite {
            "COMPOSITE"
        } else {
            "FULL_OBJECT"
        };
        headers.push(("x-amz-checksum-type".to_owned(), kind.to_owned()));
    }
    let status = match range {
        ByteRange::Whole => 200,
        ByteRange::Slice { start, end } => {
            headers.push((
                "content-range".into(),
                format!("bytes {start}-{end}/{}", meta.size),
            ));
            206
        }
    };
    S3Response {
        status,
        headers,
        body: Vec::new(),
        content: None,
    }
}
