//! S3's HTTP edge (rest-xml): authenticate (SigV4 with S3's rules, aws-chunked bodies
//! decoded and their chunk signatures checked; or SigV2, whose body is unsigned), parse
//! the operation, authorize it against the caller's policies, run it on the [`S3Store`],
//! and answer with S3's headers, XML and error documents. An unsigned request reaches here
//! too and is refused as S3 refuses an anonymous caller.

mod refusal;
mod upload;

use axum::body::{Body, Bytes};
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{
    AccessCheck, Checksum, ChecksumAlgorithm, ObjectContent, S3Error, S3Operation, S3Response,
    S3Store,
};
use crate::access::authenticate::{AuthError, Service, Signature};
use crate::access::denied::ResourceName;
use crate::access::http::Gate;
use crate::access::Request;
use crate::protocol::body::{self, BodyError};
use crate::protocol::error::AwsError;
use crate::sigv2;
use crate::sigv4::{self, PayloadHash, PayloadMode, RequestView, SigV4Error, Verified};
use crate::state::AppState;
pub use refusal::auth_error;

/// Answers one S3 request.
pub async fn handle(
    state: &AppState,
    store: &S3Store,
    parts: Parts,
    signature: &Signature,
    body: Body,
) -> Response {
    let request_id = crate::protocol::request_id(&parts.extensions);
    let (mut response, close) = match run(state, store, &parts, signature, body).await {
        Ok(response) => (
            with_request_id(response, request_id),
            expects_continue(&parts) && declares_empty_body(&parts),
        ),
        Err(error) => (
            error.s3_response(parts.uri.path(), request_id, parts.method == Method::HEAD),
            expects_continue(&parts) || !declares_empty_body(&parts),
        ),
    };
    // The connection is not reused after a refusal that may have left the body unread
    // (it may still be arriving, or have stalled), nor after a final answer to
    // `Expect: 100-continue` that came without a `100 Continue` (an empty body, for which
    // hyper sends none, or a refusal): botocore keeps such an answer's status for the next
    // request on the connection and then misreads that response (aws s3 sync of an empty
    // file followed by a part upload failed with KeyError 'ETag').
    if close {
        response.headers_mut().insert(
            axum::http::header::CONNECTION,
            HeaderValue::from_static("close"),
        );
    }
    response
}

/// Whether the request asked for `100 Continue` before sending its body.
fn expects_continue(parts: &Parts) -> bool {
    parts
        .headers
        .get(axum::http::header::EXPECT)
        .is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"100-continue"))
}

/// Whether the request declares no body: `Content-Length: 0`, or neither a length nor
/// chunked transfer coding.
fn declares_empty_body(parts: &Parts) -> bool {
    match header(parts, "content-length") {
        Some(length) => length.trim() == "0",
        None => header(parts, "transfer-encoding").is_none(),
    }
}

async fn run(
    state: &AppState,
    store: &S3Store,
    parts: &Parts,
    signature: &Signature,
    body: Body,
) -> Result<Response, AwsError> {
    let gate = Gate::new(state);
    // SigV2 (S3's legacy signature) binds no payload; SigV4 covers a declared hash, not
    // the body, so either way the caller is known before a byte of the body is read.
    let (caller, verified) = if sigv2::is_present(&RequestView::from(parts)) {
        let suffix = state.config().s3_virtual_host_suffix.as_str();
        let bucket = super::request::virtual_host_bucket(header(parts, "host"), Some(suffix));
        let caller = gate
            .authenticate_v2(parts, bucket.as_deref())
            .map_err(auth_error)?;
        (caller, None)
    } else {
        let (caller, verified) = gate
            .authenticate(parts, signature, Service::S3, PayloadHash::Deferred)
            .map_err(auth_error)?;
        (caller, Some(verified))
    };
    let headers: Vec<(String, String)> = parts
        .headers
        .iter()
        .filter_map(|(name, value)| {
            Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
        })
        .collect();
    let parse = |body: &[u8]| {
        super::parse_operation(
            parts.method.as_str(),
            parts.uri.path(),
            parts.uri.query(),
            header(parts, "host"),
            &headers,
            body,
            Some(state.config().s3_virtual_host_suffix.as_str()),
        )
        .map_err(|err| AwsError::from(&err))
    };
    // What the request line and headers alone say: an object's bytes stream to a staging
    // file after authorization; an unimplemented request is answered (NoSuchBucket or
    // NotImplemented) unread; any other body is a small document, read whole (under a
    // cap) and parsed with the request.
    let head = parse(&[]);
    if let Ok(unsupported @ S3Operation::Unsupported { .. }) = &head {
        let refusal =
            match super::execute_authorized(store, unsupported, &[], gate.now(), &|_| false) {
                Err(refusal) => refusal,
                Ok(_) => S3Error::Internal("an unsupported request succeeded".to_owned()),
            };
        return Err(AwsError::from(&refusal));
    }
    let (mut operation, payload) = match head {
        Ok(operation) if operation.streams_body() => (operation, Payload::Streamed(body)),
        head => {
            let decoded = read_document(parts, body, verified.as_ref()).await?;
            // Without a body (most requests) the head's parse is the request's.
            let operation = if decoded.is_empty() {
                head?
            } else {
                parse(&decoded)?
            };
            (operation, Payload::Read(decoded))
        }
    };
    // The checks S3 makes up front: the operation's own (none for Unsupported, whose
    // answer touches nothing, nor for DeleteObjects, checked key by key while it runs)
    // and, for a copy, s3:GetObject on its source.
    let checks = operation
        .request_check()
        .into_iter()
        .chain(operation.copy_source_check());
    for check in checks {
        let request = as_request(&check);
        gate.authorize(&caller, &request).map_err(|denied| {
            denied
                .refusal(
                    "AccessDenied",
                    StatusCode::FORBIDDEN,
                    &caller.arn(),
                    request.action,
                    ResourceName::Quoted(request.resource),
                )
                // S3 checks more than one action per request: the reason names which.
                .because(format!(
                    "{} on {} denied: {denied}",
                    request.action, request.resource
                ))
        })?;
    }
    let allows = |check: &AccessCheck| gate.authorize(&caller, &as_request(check)).is_ok();
    let response = match payload {
        Payload::Streamed(body) => {
            let received = upload::receive(
                store,
                parts,
                body,
                verified.as_ref(),
                &operation.upload_algorithms(store),
                store.max_object_bytes(),
            )
            .await?;
            apply_trailers(&mut operation, &received.trailers)?;
            super::execute_upload(store, &operation, received.staged, gate.now())
        }
        Payload::Read(body) => {
            let run = || super::execute_authorized(store, &operation, &body, gate.now(), &allows);
            if operation.copies_bytes() {
                off_the_reactor(run)
            } else {
                run()
            }
        }
    }
    .map_err(|err| AwsError::from(&err))?;
    Ok(into_response(response))
}

/// Runs `work`, which reads and writes a whole object's bytes (a copy, a multipart
/// completion), where it does not hold up the other connections: on a multi-threaded
/// runtime the worker hands its other tasks over first.
fn off_the_reactor<T>(work: impl FnOnce() -> T) -> T {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current().map(|handle| handle.runtime_flavor()) {
        Ok(RuntimeFlavor::MultiThread) => tokio::task::block_in_place(work),
        _ => work(),
    }
}

/// The policy engine's view of one of S3's checks.
fn as_request(check: &AccessCheck) -> Request<'_> {
    Request {
        action: check.action,
        resource: &check.resource,
        service_keys: check.condition_keys.clone(),
    }
}

/// A request's body: an object's bytes still to stream, or a document read whole.
enum Payload {
    Streamed(Body),
    Read(Vec<u8>),
}

/// The largest body read whole: S3's documents (a bucket configuration, a DeleteObjects
/// list of 1,000 keys, a CompleteMultipartUpload of 10,000 parts) stay far below it.
const MAX_DOCUMENT_BYTES: usize = 8 << 20;

/// Reads a small body whole, checks it against the hash the signature covers and takes
/// apart an aws-chunked framing.
async fn read_document(
    parts: &Parts,
    body: Body,
    verified: Option<&Verified>,
) -> Result<Vec<u8>, AwsError> {
    let raw = body::read(body, MAX_DOCUMENT_BYTES)
        .await
        .map_err(|err| match err {
            BodyError::TooLarge { limit } => AwsError::from(&S3Error::MaxMessageLengthExceeded {
                size: limit as u64 + 1,
                max: limit as u64,
            }),
            BodyError::TimedOut => AwsError::from(&S3Error::RequestTimeout),
            BodyError::Broken(reason) => AwsError::from(&S3Error::IncompleteBody(reason)),
        })?;
    let Some(verified) = verified else {
        return Ok(raw.to_vec());
    };
    if let Some(declared) = &verified.declared_sha256 {
        let computed = {
            use sha2::{Digest, Sha256};
            crate::hex::encode(&Sha256::digest(&raw))
        };
        if !declared.eq_ignore_ascii_case(&computed) {
            return Err(auth_error(AuthError::Signature(
                SigV4Error::ContentSha256Mismatch {
                    claimed: declared.clone(),
                    computed,
                },
            )));
        }
    }
    match verified.payload_mode {
        PayloadMode::Hashed | PayloadMode::Unsigned => Ok(raw.to_vec()),
        _ => {
            let decoded_length =
                header(parts, "x-amz-decoded-content-length").and_then(|v| v.parse().ok());
            sigv4::decode_chunked(&raw, verified, decoded_length)
                .map_err(|err| auth_error(AuthError::Signature(err)))
        }
    }
}

/// A checksum that came in the trailer of an aws-chunked body becomes the upload's
/// claimed checksum, verified and stored like a header one.
fn apply_trailers(
    operation: &mut S3Operation,
    trailers: &[(String, String)],
) -> Result<(), AwsError> {
    for (name, value) in trailers {
        let Some(algorithm) = ChecksumAlgorithm::from_header(name) else {
            continue;
        };
        let checksum = Checksum::parse(algorithm, value).map_err(|err| AwsError::from(&err))?;
        if let Some(options) = operation.put_options_mut() {
            options.checksum = Some(checksum);
        }
    }
    Ok(())
}

fn header<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts
        .headers
        .get(name)
        .and_then(|value| value.to_str().ok())
}

fn into_response(response: S3Response) -> Response {
    let status = StatusCode::from_u16(response.status).unwrap_or(StatusCode::OK);
    let body = match response.content {
        Some(content) => stream_content(content),
        None => Body::from(response.body),
    };
    let mut answer = (status, body).into_response();
    for (name, value) in response.headers {
        if let (Ok(name), Ok(value)) = (HeaderName::try_from(name), HeaderValue::try_from(value)) {
            answer.headers_mut().insert(name, value);
        }
    }
    answer
}

/// Bytes of the response body read from the object's file at a time.
const READ_CHUNK: usize = 256 << 10;

/// An object's bytes as a response body, read from its open file as the client takes
/// them: memory stays at one chunk whatever the size.
fn stream_content(content: ObjectContent) -> Body {
    use std::io::{Seek, SeekFrom};
    use tokio::io::AsyncReadExt;
    let ObjectContent {
        mut file,
        offset,
        length,
    } = content;
    if let Err(err) = file.seek(SeekFrom::Start(offset)) {
        let failed: Result<Bytes, std::io::Error> = Err(err);
        return Body::from_stream(futures_util::stream::iter([failed]));
    }
    let reader = tokio::fs::File::from_std(file).take(length);
    let chunks = futures_util::stream::unfold(reader, |mut reader| async move {
        let mut buffer = vec![0u8; READ_CHUNK];
        match reader.read(&mut buffer).await {
            Ok(0) => None,
            Ok(read) => {
                buffer.truncate(read);
                Some((Ok(Bytes::from(buffer)), reader))
            }
            Err(err) => Some((Err(err), reader)),
        }
    });
    Body::from_stream(chunks)
}

fn with_request_id(mut response: Response, request_id: &str) -> Response {
    if let Ok(value) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert("x-amz-request-id", value);
    }
    response
}
