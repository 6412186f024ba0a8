//! One HTTP/1.1 exchange with the server: build the request (with the `Host` header a
//! signature covers), send it, and read the whole answer, bounded in time and size.

use std::time::Duration;

use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::rt::TokioExecutor;

use super::target::Endpoint;
use super::ClientError;

/// How long one call may take, connection included.
const TIMEOUT: Duration = Duration::from_secs(30);
/// The largest answer read; irsa-local's answers to these calls are a few kilobytes.
const MAX_ANSWER_BYTES: usize = 4 * 1024 * 1024;

/// The connection pool to one server.
#[derive(Debug)]
pub(super) struct Http {
    endpoint: Endpoint,
    client: HyperClient<HttpConnector, Full<Bytes>>,
}

/// A whole answer.
#[derive(Debug)]
pub(super) struct Answer {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Answer {
    /// The body as text, for messages (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

impl Http {
    pub fn new(endpoint: Endpoint) -> Self {
        Self {
            endpoint,
            client: HyperClient::builder(TokioExecutor::new()).build_http(),
        }
    }

    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    /// The head of a request to `path_and_query` (already percent-encoded), with `Host`
    /// and, when there is a body, its `Content-Type`.
    pub fn head(
        &self,
        operation: &str,
        method: Method,
        path_and_query: &str,
        content_type: Option<&'static str>,
    ) -> Result<Parts, ClientError> {
        let host = HeaderValue::from_str(self.endpoint.authority()).map_err(|err| {
            ClientError::Request {
                operation: operation.to_owned(),
                detail: format!("Host header: {err}"),
            }
        })?;
        let mut builder = Request::builder()
            .method(method)
            .uri(format!("{}{path_and_query}", self.endpoint.url()))
            .header(header::HOST, host);
        if let Some(content_type) = content_type {
            builder = builder.header(header::CONTENT_TYPE, content_type);
        }
        let (parts, ()) = builder
            .body(())
            .map_err(|err| ClientError::Request {
                operation: operation.to_owned(),
                detail: err.to_string(),
            })?
            .into_parts();
        Ok(parts)
    }

    /// Sends `parts` with `body` and reads the whole answer.
    pub async fn send(
        &self,
        operation: &str,
        parts: Parts,
        body: Vec<u8>,
    ) -> Result<Answer, ClientError> {
        let request = Request::from_parts(parts, Full::new(Bytes::from(body)));
        let exchange =
            async {
                let response = self.client.request(request).await.map_err(|source| {
                    ClientError::Unreachable {
                        endpoint: self.endpoint.url(),
                        operation: operation.to_owned(),
                        source,
                    }
                })?;
                let (head, mut body) = response.into_parts();
                let mut bytes = Vec::new();
                while let Some(frame) = body.frame().await {
                    let frame = frame.map_err(|source| ClientError::Body {
                        operation: operation.to_owned(),
                        source,
                    })?;
                    if let Some(data) = frame.data_ref() {
                        if bytes.len() + data.len() > MAX_ANSWER_BYTES {
                            return Err(ClientError::TooLarge {
                                operation: operation.to_owned(),
                                limit: MAX_ANSWER_BYTES,
                            });
                        }
                        bytes.extend_from_slice(data);
                    }
                }
                Ok(Answer {
                    status: head.status,
                    headers: head.headers,
                    body: Bytes::from(bytes),
                })
            };
        tokio::time::timeout(TIMEOUT, exchange)
            .await
            .unwrap_or_else(|_elapsed| {
                Err(ClientError::Timeout {
                    endpoint: self.endpoint.url(),
                    operation: operation.to_owned(),
                    seconds: TIMEOUT.as_secs(),
                })
            })
    }
}
