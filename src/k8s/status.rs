//! Kubernetes `Status` objects: the one way the Kubernetes subset answers a failure.
//! Shapes and reasons as kube-apiserver writes them (`k8s.io/apimachinery` `StatusReason`).

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// A failed Kubernetes API call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Status {
    pub code: StatusCode,
    pub reason: &'static str,
    pub message: String,
    pub details: Option<Box<Details>>,
}

/// `details` of a Status: which object, and for `Invalid` which fields.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Details {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<&'static str>,
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub causes: Vec<Cause>,
}

/// One field-level failure of an `Invalid` Status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cause {
    pub reason: &'static str,
    pub message: String,
    pub field: String,
}

impl Cause {
    /// `FieldValueInvalid`: `Invalid value: <value>: <detail>`.
    pub fn invalid(field: &str, value: impl std::fmt::Display, detail: &str) -> Self {
        Self {
            reason: "FieldValueInvalid",
            message: format!("Invalid value: {value}: {detail}"),
            field: field.to_owned(),
        }
    }

    /// `FieldValueTooLong`: `Too long: must have at most <max> bytes` (the value is
    /// omitted, as kube-apiserver omits it).
    pub fn too_long(field: &str, max: usize) -> Self {
        Self {
            reason: "FieldValueTooLong",
            message: format!("Too long: must have at most {max} bytes"),
            field: field.to_owned(),
        }
    }

    /// `FieldValueRequired`: `Required value`.
    pub fn required(field: &str) -> Self {
        Self {
            reason: "FieldValueRequired",
            message: "Required value".to_owned(),
            field: field.to_owned(),
        }
    }

    /// `FieldValueNotSupported`: `Unsupported value: "x": supported values: "a", "b"`.
    pub fn not_supported(field: &str, value: &str, supported: &[&str]) -> Self {
        let supported: Vec<String> = supported.iter().map(|s| format!("{s:?}")).collect();
        Self {
            reason: "FieldValueNotSupported",
            message: format!(
                "Unsupported value: {value:?}: supported values: {}",
                supported.join(", ")
            ),
            field: field.to_owned(),
        }
    }
}

impl Status {
    /// 404 `<resource> "<name>" not found`.
    pub fn not_found(resource: &'static str, name: &str) -> Self {
        Self {
            code: StatusCode::NOT_FOUND,
            reason: "NotFound",
            message: format!("{resource} {name:?} not found"),
            details: Some(Box::new(Details {
                name: Some(name.to_owned()),
                group: None,
                kind: resource,
                causes: Vec::new(),
            })),
        }
    }

    /// 409 `<resource> "<name>" already exists`.
    pub fn already_exists(resource: &'static str, name: &str) -> Self {
        Self {
            code: StatusCode::CONFLICT,
            reason: "AlreadyExists",
            message: format!("{resource} {name:?} already exists"),
            details: Some(Box::new(Details {
                name: Some(name.to_owned()),
                group: None,
                kind: resource,
                causes: Vec::new(),
            })),
        }
    }

    /// 403 `<resource> "<name>" is forbidden: <why>`, as an admission plugin refuses.
    pub fn forbidden(resource: &'static str, name: &str, why: &str) -> Self {
        Self {
            code: StatusCode::FORBIDDEN,
            reason: "Forbidden",
            message: format!("{resource} {name:?} is forbidden: {why}"),
            details: Some(Box::new(Details {
                name: Some(name.to_owned()),
                group: None,
                kind: resource,
                causes: Vec::new(),
            })),
        }
    }

    /// 409 `Conflict` with a free-form message.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self {
            code: StatusCode::CONFLICT,
            reason: "Conflict",
            message: message.into(),
            details: None,
        }
    }

    /// 401, for a request without the API's bearer token.
    pub fn unauthorized() -> Self {
        Self {
            code: StatusCode::UNAUTHORIZED,
            reason: "Unauthorized",
            message: "Unauthorized".to_owned(),
            details: None,
        }
    }

    /// 404 for a path the API does not serve.
    pub fn no_route() -> Self {
        Self {
            code: StatusCode::NOT_FOUND,
            reason: "NotFound",
            message: "the server could not find the requested resource".to_owned(),
            details: None,
        }
    }

    /// 400 with a free-form message.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self {
            code: StatusCode::BAD_REQUEST,
            reason: "BadRequest",
            message: message.into(),
            details: None,
        }
    }

    /// 422 `<Kind>.<group> "<name>" is invalid: <field>: <message>, …`.
    pub fn invalid(
        kind: &'static str,
        group: &'static str,
        name: &str,
        causes: Vec<Cause>,
    ) -> Self {
        let summary: Vec<String> = causes
            .iter()
            .map(|cause| format!("{}: {}", cause.field, cause.message))
            .collect();
        let summary = if summary.len() == 1 {
            summary[0].clone()
        } else {
            format!("[{}]", summary.join(", "))
        };
        Self {
            code: StatusCode::UNPROCESSABLE_ENTITY,
            reason: "Invalid",
            message: if group.is_empty() {
                format!("{kind} {name:?} is invalid: {summary}")
            } else {
                format!("{kind}.{group} {name:?} is invalid: {summary}")
            },
            details: Some(Box::new(Details {
                name: Some(name.to_owned()),
                group: Some(group).filter(|group| !group.is_empty()),
                kind,
                causes,
            })),
        }
    }

    /// 413, as kube-apiserver answers a body over its limit.
    pub fn too_large(limit: usize) -> Self {
        Self {
            code: StatusCode::PAYLOAD_TOO_LARGE,
            reason: "RequestEntityTooLarge",
            message: format!("Request entity too large: limit is {limit}"),
            details: None,
        }
    }

    /// 415 for a body that is not JSON.
    pub fn unsupported_media_type(content_type: &str) -> Self {
        Self {
            code: StatusCode::UNSUPPORTED_MEDIA_TYPE,
            reason: "UnsupportedMediaType",
            message: format!(
                "the body of the request was in an unknown format - accepted media types \
                 include: application/json (got {content_type:?})"
            ),
            details: None,
        }
    }

    /// 500 for a fault of the server's, never of the request.
    pub fn internal(message: &str) -> Self {
        Self {
            code: StatusCode::INTERNAL_SERVER_ERROR,
            reason: "InternalError",
            message: format!("Internal error occurred: {message}"),
            details: None,
        }
    }

    /// 504, as kube-apiserver's timeout filter answers a request (here: its body) that
    /// did not complete in time.
    pub fn timeout() -> Self {
        Self {
            code: StatusCode::GATEWAY_TIMEOUT,
            reason: "Timeout",
            message: "Timeout: request did not complete within requested timeout - context deadline exceeded".to_owned(),
            details: None,
        }
    }

    /// 429, as kube-apiserver's max-in-flight filter answers when it is saturated.
    pub fn too_many_requests() -> Self {
        Self {
            code: StatusCode::TOO_MANY_REQUESTS,
            reason: "TooManyRequests",
            message: "Too many requests, please try again later.".to_owned(),
            details: None,
        }
    }

    /// 405 for a method the path does not accept.
    pub fn method_not_allowed() -> Self {
        Self {
            code: StatusCode::METHOD_NOT_ALLOWED,
            reason: "MethodNotAllowed",
            message: "the server does not allow this method on the requested resource".to_owned(),
            details: None,
        }
    }
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct StatusBody<'a> {
    kind: &'static str,
    api_version: &'static str,
    metadata: serde_json::Map<String, serde_json::Value>,
    status: &'static str,
    message: &'a str,
    reason: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    details: Option<&'a Details>,
    code: u16,
}

impl Status {
    /// The JSON body kube-apiserver would send.
    pub fn body(&self) -> serde_json::Value {
        serde_json::to_value(StatusBody {
            kind: "Status",
            api_version: "v1",
            metadata: serde_json::Map::new(),
            status: "Failure",
            message: &self.message,
            reason: self.reason,
            details: self.details.as_deref(),
            code: self.code.as_u16(),
        })
        .unwrap_or_default()
    }
}

impl IntoResponse for Status {
    fn into_response(self) -> Response {
        let body = self.body().to_string();
        (
            self.code,
            [(header::CONTENT_TYPE, "application/json")],
            body,
        )
            .into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn bodies_match_kube_apiserver() {
        let cases = [
            (
                "not_found",
                Status::not_found("serviceaccounts", "nope"),
                json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                       "message": "serviceaccounts \"nope\" not found", "reason": "NotFound",
                       "details": {"name": "nope", "kind": "serviceaccounts"}, "code": 404}),
            ),
            (
                "invalid_expiration",
                Status::invalid(
                    "TokenRequest",
                    "authentication.k8s.io",
                    "iam-test",
                    vec![Cause::invalid(
                        "spec.expirationSeconds",
                        599,
                        "may not specify a duration less than 10 minutes",
                    )],
                ),
                json!({"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                       "message": "TokenRequest.authentication.k8s.io \"iam-test\" is invalid: spec.expirationSeconds: Invalid value: 599: may not specify a duration less than 10 minutes",
                       "reason": "Invalid",
                       "details": {"name": "iam-test", "group": "authentication.k8s.io", "kind": "TokenRequest",
                                   "causes": [{"reason": "FieldValueInvalid", "message": "Invalid value: 599: may not specify a duration less than 10 minutes", "field": "spec.expirationSeconds"}]},
                       "code": 422}),
            ),
        ];
        for (name, status, want) in cases {
            assert_eq!(status.body(), want, "case {name}");
        }
    }

    #[test]
    fn several_causes_are_listed_in_brackets() {
        let status = Status::invalid(
            "TokenRequest",
            "authentication.k8s.io",
            "x",
            vec![
                Cause::required("spec.boundObjectRef.name"),
                Cause::not_supported(
                    "spec.boundObjectRef.kind",
                    "Job",
                    &["Pod", "Secret", "Node"],
                ),
            ],
        );
        assert_eq!(
            status.message,
            "TokenRequest.authentication.k8s.io \"x\" is invalid: [spec.boundObjectRef.name: Required value, \
             spec.boundObjectRef.kind: Unsupported value: \"Job\": supported values: \"Pod\", \"Secret\", \"Node\"]"
        );
    }
}
