//! Requests on a connection past the cap ([`crate::server::AtCapacity`]): health checks
//! are answered, anything else is refused as busy, in the words of its protocol, with
//! `Retry-After` and `Connection: close` (the connection serves no other request).

use axum::http::request::Parts;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};

use super::classify::{ScopeService, Target};
use crate::k8s::status::Status;
use crate::protocol::error::{AwsError, Refusal};
use crate::sts;

/// The path of irsa-local's health check, the one request answered past the cap.
pub const HEALTH_PATH: &str = "/_irsa/health";
/// Why, in irsa-local's words.
const REASON: &str = "the server is at its connection cap (--max-connections)";
/// Paths of the Kubernetes API, whose busy answer is kube-apiserver's.
const KUBERNETES_PREFIXES: [&str; 5] = ["/api", "/apis", "/version", "/openapi", "/k8s/"];

/// Whether `parts` is a request served past the cap (a health check).
pub fn is_served(parts: &Parts) -> bool {
    parts.uri.path() == HEALTH_PATH
}

/// The busy refusal of `target`'s protocol: STS and IAM `ServiceUnavailable` (503, which
/// SDKs retry), EKS `ServiceUnavailableException`, S3 `SlowDown` (503, S3's words),
/// the Kubernetes API kube-apiserver's max-in-flight answer (429 `TooManyRequests`),
/// anything else a plain 503.
pub fn refuse(target: &Target, parts: &Parts) -> Response {
    let request_id = crate::protocol::request_id(&parts.extensions);
    let unavailable = |code| {
        AwsError::sender(code, StatusCode::SERVICE_UNAVAILABLE, "Service Unavailable")
            .because(REASON)
    };
    let mut response = match target {
        Target::Query => {
            unavailable("ServiceUnavailable").query_response(sts::NAMESPACE, request_id)
        }
        Target::Signed(ScopeService::Eks | ScopeService::EksAuth) => {
            unavailable("ServiceUnavailableException").json_response()
        }
        Target::Signed(ScopeService::S3) => AwsError::sender(
            "SlowDown",
            StatusCode::SERVICE_UNAVAILABLE,
            "Please reduce your request rate.",
        )
        .because(REASON)
        .s3_response(parts.uri.path(), request_id, parts.method == Method::HEAD),
        Target::Own if is_kubernetes(parts.uri.path()) => {
            let mut response = Status::too_many_requests().into_response();
            response.extensions_mut().insert(Refusal {
                code: "TooManyRequests",
                reason: REASON.to_owned(),
            });
            response
        }
        Target::Own => {
            let mut response =
                (StatusCode::SERVICE_UNAVAILABLE, format!("{REASON}\n")).into_response();
            response.extensions_mut().insert(Refusal {
                code: "ServiceUnavailable",
                reason: REASON.to_owned(),
            });
            response
        }
    };
    let headers = response.headers_mut();
    headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

fn is_kubernetes(path: &str) -> bool {
    KUBERNETES_PREFIXES.iter().any(|prefix| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| prefix.ends_with('/') || rest.is_empty() || rest.starts_with('/'))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kubernetes_paths_are_told_apart() {
        let cases = [
            ("core_group", "/api/v1/namespaces", true),
            ("named_groups", "/apis", true),
            ("version", "/version", true),
            ("cluster_prefix", "/k8s/other/api/v1", true),
            ("bucket_named_apix", "/apix/key", false),
            ("discovery", "/.well-known/openid-configuration", false),
        ];
        for (name, path, want) in cases {
            assert_eq!(is_kubernetes(path), want, "case {name}");
        }
    }

    #[test]
    fn each_protocol_is_refused_in_its_words() {
        let parts = |uri: &str| {
            axum::http::Request::get(uri)
                .body(())
                .unwrap()
                .into_parts()
                .0
        };
        let cases = [
            ("query", Target::Query, "/", 503, "ServiceUnavailable"),
            (
                "eks",
                Target::Signed(ScopeService::Eks),
                "/clusters",
                503,
                "ServiceUnavailableException",
            ),
            (
                "s3",
                Target::Signed(ScopeService::S3),
                "/bucket/key",
                503,
                "SlowDown",
            ),
            (
                "kubernetes",
                Target::Own,
                "/api/v1/namespaces",
                429,
                "TooManyRequests",
            ),
            ("other_own", Target::Own, "/keys", 503, "ServiceUnavailable"),
        ];
        for (name, target, uri, status, code) in cases {
            let response = refuse(&target, &parts(uri));
            assert_eq!(response.status().as_u16(), status, "case {name}");
            assert_eq!(
                response.extensions().get::<Refusal>().map(|r| r.code),
                Some(code),
                "case {name}"
            );
            assert_eq!(
                response.headers()[header::CONNECTION],
                "close",
                "case {name}"
            );
            assert_eq!(response.headers()[header::RETRY_AFTER], "1", "case {name}");
        }
    }
}
