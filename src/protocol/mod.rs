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
