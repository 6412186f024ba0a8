//! An object body streamed in: read frame by frame (a pause longer than the server's body
//! timeout, `--body-timeout`, is S3's `RequestTimeout`), aws-chunked framing taken apart and its chunk signatures checked as it arrives, the
//! payload's SHA-256 compared with the one the signature covers, and the content written
//! to a staging file while its MD5 and checksums are computed. Memory stays at one frame
//! and one write buffer whatever the object's size; a body that breaks any rule is
//! discarded with its staging file.

use axum::body::Body;
use axum::http::request::Parts;
use http_body_util::BodyExt;
use sha2::{Digest, Sha256};

use crate::access::authenticate::AuthError;
use crate::protocol::error::AwsError;
use crate::s3::{ChecksumAlgorithm, S3Error, S3Store, Staged};
use crate::sigv4::{ChunkDecoder, PayloadMode, SigV4Error, Verified};

use super::refusal::auth_error;

/// A streamed body: the staged content and the trailers of an aws-chunked body.
pub struct Received {
    pub staged: Staged,
    pub trailers: Vec<(String, String)>,
}

/// Streams `body` into a staging file of `store`, computing MD5 and `algorithms`, refusing
/// more than `max_bytes` of content.
pub async fn receive(
    store: &S3Store,
    parts: &Parts,
    body: Body,
    verified: Option<&Verified>,
    algorithms: &[ChecksumAlgorithm],
    max_bytes: u64,
) -> Result<Received, AwsError> {
    let declared_size = declared_content_size(parts, verified);
    if let Some(size) = declared_size.filter(|size| *size > max_bytes) {
        return Err(too_large(size, max_bytes));
    }
    let decoded_length = header_number(parts, "x-amz-decoded-content-length");
    let mut decoder = match verified.map(|v| (v, v.payload_mode)) {
        None | Some((_, PayloadMode::Hashed | PayloadMode::Unsigned)) => None,
        Some((verified, _)) => {
            Some(ChunkDecoder::new(verified, decoded_length).map_err(signature_error)?)
        }
    };
    let declared_sha256 = verified.and_then(|v| v.declared_sha256.as_ref());
    let mut payload_hash = declared_sha256.map(|_| Sha256::new());
    let mut writer = store
        .stage(algorithms)
        .map_err(|err| AwsError::from(&err))?;
    let mut content = Vec::new();
    let mut body = body;
    loop {
        let frame = match body.frame().await {
            None => break,
            Some(Err(err)) if crate::protocol::body::is_timeout(&err) => {
                return Err(AwsError::from(&S3Error::RequestTimeout))
            }
            Some(Err(err)) => {
                return Err(AwsError::from(&S3Error::IncompleteBody(err.to_string())))
            }
            Some(Ok(frame)) => frame,
        };
        let Ok(data) = frame.into_data() else {
            continue;
        };
        if let Some(hash) = &mut payload_hash {
            hash.update(&data);
        }
        let piece: &[u8] = match &mut decoder {
            Some(decoder) => {
                content.clear();
                decoder.feed(&data, &mut content).map_err(signature_error)?;
                &content
            }
            None => &data,
        };
        writer.write(piece).await.map_err(storage_error)?;
        if writer.size() > max_bytes {
            return Err(too_large(writer.size(), max_bytes));
        }
    }
    let trailers = match decoder {
        Some(decoder) => decoder.finish().map_err(signature_error)?,
        None => Vec::new(),
    };
    if let (Some(declared), Some(hash)) = (declared_sha256, payload_hash) {
        let computed = crate::hex::encode(&hash.finalize());
        if !declared.eq_ignore_ascii_case(&computed) {
            return Err(signature_error(SigV4Error::ContentSha256Mismatch {
                claimed: declared.clone(),
                computed,
            }));
        }
    }
    if let Some(expected) = declared_size.filter(|size| *size != writer.size()) {
        return Err(AwsError::from(&S3Error::IncompleteBody(format!(
            "{} bytes received of {expected}",
            writer.size()
        ))));
    }
    let staged = writer.finish().await.map_err(storage_error)?;
    Ok(Received { staged, trailers })
}

/// The content size the request declares: the decoded length of an aws-chunked body, else
/// `Content-Length`.
fn declared_content_size(parts: &Parts, verified: Option<&Verified>) -> Option<u64> {
    match verified.map(|verified| verified.payload_mode) {
        None | Some(PayloadMode::Hashed | PayloadMode::Unsigned) => {
            header_number(parts, "content-length")
        }
        Some(_) => header_number(parts, "x-amz-decoded-content-length"),
    }
}

fn header_number(parts: &Parts, name: &str) -> Option<u64> {
    parts
        .headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse().ok())
}

fn too_large(size: u64, max: u64) -> AwsError {
    AwsError::from(&S3Error::EntityTooLarge { size, max })
}

fn signature_error(err: SigV4Error) -> AwsError {
    auth_error(AuthError::Signature(err))
}

fn storage_error(err: std::io::Error) -> AwsError {
    AwsError::from(&S3Error::Storage {
        context: "staging an upload".to_owned(),
        source: err,
    })
}
