//! AWS wire codecs, shared by every service's HTTP edge and knowing none of them: the
//! query protocol's parameters and result envelope ([`query`]), the error envelopes of the
//! query, rest-json and rest-xml (S3) protocols ([`error`]), and request bodies read under
//! a limit ([`body`]). Which service a request is for is the router's question; what a
//! service's failure means in AWS's words is the service's own `error` mapping.

pub mod body;
pub mod error;
pub mod query;

use axum::http::Extensions;

/// The id the router gives each request, as a request extension.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestId(pub String);

/// The id the router gave this request (echoed as `x-amzn-RequestId` and in the request
/// log's span); empty only for a request that never passed the router.
pub fn request_id(extensions: &Extensions) -> &str {
    extensions.get::<RequestId>().map_or("", |id| id.0.as_str())
}

/// Whether `headers` carry `Authorization: Bearer <expected>`, compared in constant time
/// (the `--kube-token` check of the Kubernetes API and of `/_irsa/tokens`).
pub fn bearer_matches(headers: &axum::http::HeaderMap, expected: &str) -> bool {
    let presented = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "))
        .unwrap_or_default();
    aws_lc_rs::constant_time::verify_slices_are_equal(presented.as_bytes(), expected.as_bytes())
        .is_ok()
}
