//! DeleteObjects: deletes up to 1000 keys, each on its own. A key the caller may not
//! delete, or that fails to delete, is an `<Error>` entry and the others go on; a missing
//! key counts as deleted, as DeleteObject's 204 does. `Quiet` leaves out the `<Deleted>`
//! entries. <https://docs.aws.amazon.com/AmazonS3/latest/API/API_DeleteObjects.html>

use serde::Serialize;

use crate::s3::wire::{xml_document, XML_NAMESPACE};
use crate::s3::{AccessCheck, S3Error, S3Response, S3Store};

/// `<DeleteResult>`: every deleted key, then every failed one, each in request order.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct DeleteResult<'a> {
    #[serde(rename = "@xmlns")]
    namespace: &'static str,
    deleted: Vec<Deleted<'a>>,
    error: Vec<KeyError<'a>>,
}

/// `<Deleted>`.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct Deleted<'a> {
    key: &'a str,
}

/// `<Error>` for one key.
#[derive(Serialize)]
#[serde(rename_all = "PascalCase")]
struct KeyError<'a> {
    key: &'a str,
    code: &'static str,
    message: String,
}

impl<'a> KeyError<'a> {
    /// The entry for a key the caller may not delete.
    fn access_denied(key: &'a str) -> Self {
        Self {
            key,
            code: "AccessDenied",
            message: "Access Denied".to_owned(),
        }
    }

    /// The entry for a key whose deletion failed with `err`.
    fn failed(key: &'a str, err: &S3Error) -> Self {
        Self {
            key,
            code: err.code(),
            message: err.message(),
        }
    }
}

/// Runs DeleteObjects; `allows` decides `s3:DeleteObject` on each key.
pub fn run(
    store: &S3Store,
    bucket: &str,
    keys: &[String],
    quiet: bool,
    allows: &dyn Fn(&AccessCheck) -> bool,
) -> Result<S3Response, S3Error> {
    store.bucket(bucket)?;
    let mut result = DeleteResult {
        namespace: XML_NAMESPACE,
        deleted: Vec::new(),
        error: Vec::new(),
    };
    for key in keys {
        if !allows(&AccessCheck::delete_object(bucket, key)) {
            result.error.push(KeyError::access_denied(key));
            continue;
        }
        match store.delete_object(bucket, key) {
            Ok(()) if quiet => {}
            Ok(()) => result.deleted.push(Deleted { key }),
            Err(err) => result.error.push(KeyError::failed(key, &err)),
        }
    }
    Ok(S3Response::xml(xml_document("DeleteResult", &result)?))
}

#[cfg(test)]
mod tests;
