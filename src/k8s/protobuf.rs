//! Kubernetes' protobuf wire format, as kubectl 1.32 and later send create bodies
//! (`application/vnd.kubernetes.protobuf`): the four bytes `k8s\0`, then a
//! `runtime.Unknown` whose `typeMeta` names the kind and whose `raw` is the object's own
//! message (from the kube-rs project's generated `k8s-pb` types). Answers stay JSON, which
//! every client accepts alongside protobuf.
//! <https://kubernetes.io/docs/reference/using-api/api-concepts/#protobuf-encoding>

use axum::http::{header, HeaderMap};
use k8s_pb::apimachinery::pkg::apis::meta::v1::{ObjectMeta, Time};
use k8s_pb::apimachinery::pkg::runtime::{TypeMeta, Unknown};
use prost::Message;
use serde_json::Value;

use super::namespace::NewNamespace;
use super::service_account::NewServiceAccount;
use super::status::Status;
use super::token_request::{BoundObjectReference, TokenRequest, TokenRequestSpec};

/// The media type of protobuf bodies.
pub const MEDIA_TYPE: &str = "application/vnd.kubernetes.protobuf";

/// What every protobuf body starts with.
const MAGIC: &[u8; 4] = b"k8s\0";

/// A kind that can be read from a protobuf body.
pub trait FromProtobuf: Sized {
    /// The kind the envelope must name.
    const KIND: &'static str;

    /// The object from its message bytes.
    fn from_message(raw: &[u8]) -> Result<Self, prost::DecodeError>;
}

/// Reads a protobuf body holding a `T`.
pub fn decode<T: FromProtobuf>(body: &[u8]) -> Result<T, Status> {
    let unknown = body
        .strip_prefix(MAGIC)
        .ok_or_else(|| Status::bad_request("the protobuf body does not start with k8s\\0"))
        .and_then(|rest| {
            Unknown::decode(rest).map_err(|err| {
                Status::bad_request(format!("couldn't decode the protobuf envelope: {err}"))
            })
        })?;
    let kind = unknown
        .type_meta
        .as_ref()
        .and_then(|meta| meta.kind.as_deref())
        .unwrap_or_default();
    if kind != T::KIND {
        return Err(Status::bad_request(format!(
            "the body holds a {kind:?}, not a {}",
            T::KIND
        )));
    }
    T::from_message(unknown.raw.as_deref().unwrap_or_default()).map_err(|err| {
        Status::bad_request(format!("couldn't decode the {} message: {err}", T::KIND))
    })
}

/// The media type in header `name`, without parameters (`application/json` of
/// `application/json; charset=utf-8`); `None` when absent or not text.
pub fn essence(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    let value = headers.get(name)?.to_str().ok()?;
    value.split(';').next().map(str::trim)
}

/// Whether the client's first choice in `Accept` is protobuf.
pub fn preferred(headers: &HeaderMap) -> bool {
    essence(headers, header::ACCEPT)
        .and_then(|media| media.split(',').next())
        .is_some_and(|first| first.trim().eq_ignore_ascii_case(MEDIA_TYPE))
}

/// Whether the body is protobuf, by its `Content-Type`.
pub fn posted(headers: &HeaderMap) -> bool {
    essence(headers, header::CONTENT_TYPE)
        .is_some_and(|media| media.eq_ignore_ascii_case(MEDIA_TYPE))
}

/// `object` (as its JSON answer) as a protobuf body, for the kinds answered in protobuf;
/// `None` for any other, which is answered as JSON.
pub fn encode(object: &Value) -> Option<Vec<u8>> {
    let text = |pointer: &str| object.pointer(pointer).and_then(Value::as_str);
    let owned = |pointer: &str| text(pointer).map(str::to_owned);
    let (api_version, message) = match text("/kind")? {
        "ServiceAccount" => (
            "v1",
            k8s_pb::api::core::v1::ServiceAccount {
                metadata: Some(object_meta(object)),
                ..Default::default()
            }
            .encode_to_vec(),
        ),
        "Namespace" => (
            "v1",
            k8s_pb::api::core::v1::Namespace {
                metadata: Some(object_meta(object)),
                spec: Some(k8s_pb::api::core::v1::NamespaceSpec {
                    finalizers: strings(object.pointer("/spec/finalizers")),
                }),
                status: Some(k8s_pb::api::core::v1::NamespaceStatus {
                    phase: owned("/status/phase"),
                    conditions: Vec::new(),
                }),
            }
            .encode_to_vec(),
        ),
        "TokenRequest" => {
            use k8s_pb::api::authentication::v1 as authentication;
            let bound = object
                .pointer("/spec/boundObjectRef")
                .filter(|b| b.is_object());
            (
                "authentication.k8s.io/v1",
                authentication::TokenRequest {
                    metadata: Some(object_meta(object)),
                    spec: Some(authentication::TokenRequestSpec {
                        audiences: strings(object.pointer("/spec/audiences")),
                        expiration_seconds: object
                            .pointer("/spec/expirationSeconds")
                            .and_then(Value::as_i64),
                        bound_object_ref: bound.map(|_| authentication::BoundObjectReference {
                            kind: owned("/spec/boundObjectRef/kind"),
                            api_version: owned("/spec/boundObjectRef/apiVersion"),
                            name: owned("/spec/boundObjectRef/name"),
                            u_id: owned("/spec/boundObjectRef/uid"),
                        }),
                    }),
                    status: Some(authentication::TokenRequestStatus {
                        token: owned("/status/token"),
                        expiration_timestamp: text("/status/expirationTimestamp").and_then(time),
                    }),
                }
                .encode_to_vec(),
            )
        }
        _ => return None,
    };
    Some(envelope(api_version, text("/kind")?, message))
}

/// A protobuf body: the magic, then the envelope naming `kind` around `message`.
fn envelope(api_version: &str, kind: &str, message: Vec<u8>) -> Vec<u8> {
    let unknown = Unknown {
        type_meta: Some(TypeMeta {
            api_version: Some(api_version.to_owned()),
            kind: Some(kind.to_owned()),
        }),
        raw: Some(message),
        content_encoding: Some(String::new()),
        content_type: Some(String::new()),
    };
    let mut body = MAGIC.to_vec();
    body.extend(unknown.encode_to_vec());
    body
}

/// The metadata irsa-local writes, from a JSON answer.
fn object_meta(object: &Value) -> ObjectMeta {
    let meta = |key: &str| object.pointer(&format!("/metadata/{key}"));
    let owned = |key: &str| meta(key).and_then(Value::as_str).map(str::to_owned);
    let map = |key: &str| {
        meta(key)
            .and_then(Value::as_object)
            .map(|entries| {
                entries
                    .iter()
                    .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
                    .collect()
            })
            .unwrap_or_default()
    };
    ObjectMeta {
        name: owned("name"),
        namespace: owned("namespace"),
        uid: owned("uid"),
        resource_version: owned("resourceVersion"),
        generation: meta("generation").and_then(Value::as_i64),
        creation_timestamp: meta("creationTimestamp")
            .and_then(Value::as_str)
            .and_then(time),
        labels: map("labels"),
        annotations: map("annotations"),
        finalizers: strings(meta("finalizers")),
        ..ObjectMeta::default()
    }
}

/// An RFC 3339 time as a protobuf Time.
fn time(text: &str) -> Option<Time> {
    let seconds = crate::clock::parse_rfc3339(text)?;
    Some(Time {
        seconds: Some(i64::try_from(seconds).ok()?),
        nanos: Some(0),
    })
}

/// The strings of a JSON list (none when absent).
fn strings(list: Option<&Value>) -> Vec<String> {
    list.and_then(Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|item| item.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default()
}

impl FromProtobuf for TokenRequest {
    const KIND: &'static str = "TokenRequest";

    fn from_message(raw: &[u8]) -> Result<Self, prost::DecodeError> {
        let message = k8s_pb::api::authentication::v1::TokenRequest::decode(raw)?;
        let spec = message.spec.unwrap_or_default();
        Ok(Self {
            api_version: Some("authentication.k8s.io/v1".to_owned()),
            kind: Some(Self::KIND.to_owned()),
            spec: TokenRequestSpec {
                audiences: spec.audiences,
                expiration_seconds: spec.expiration_seconds,
                bound_object_ref: spec.bound_object_ref.map(|bound| BoundObjectReference {
                    kind: bound.kind.unwrap_or_default(),
                    api_version: bound.api_version.unwrap_or_default(),
                    name: bound.name.unwrap_or_default(),
                    uid: bound.u_id,
                }),
            },
        })
    }
}

impl FromProtobuf for NewServiceAccount {
    const KIND: &'static str = "ServiceAccount";

    fn from_message(raw: &[u8]) -> Result<Self, prost::DecodeError> {
        let message = k8s_pb::api::core::v1::ServiceAccount::decode(raw)?;
        let metadata = message.metadata.unwrap_or_default();
        // Protobuf writes an unset string as empty; JSON leaves it out.
        let given = |text: Option<String>| text.filter(|text| !text.is_empty());
        Ok(Self::from_metadata(
            given(metadata.name),
            given(metadata.namespace),
            metadata.labels.into_iter().collect(),
            metadata.annotations.into_iter().collect(),
        ))
    }
}

impl FromProtobuf for NewNamespace {
    const KIND: &'static str = "Namespace";

    fn from_message(raw: &[u8]) -> Result<Self, prost::DecodeError> {
        let message = k8s_pb::api::core::v1::Namespace::decode(raw)?;
        let name = message
            .metadata
            .and_then(|m| m.name)
            .filter(|n| !n.is_empty());
        Ok(Self::named(name))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_token_request_decodes() {
        let message = k8s_pb::api::authentication::v1::TokenRequest {
            metadata: Some(ObjectMeta::default()),
            spec: Some(k8s_pb::api::authentication::v1::TokenRequestSpec {
                audiences: vec!["sts.amazonaws.com".to_owned()],
                expiration_seconds: Some(3600),
                bound_object_ref: Some(k8s_pb::api::authentication::v1::BoundObjectReference {
                    kind: Some("Pod".to_owned()),
                    api_version: Some("v1".to_owned()),
                    name: Some("p".to_owned()),
                    u_id: Some("u".to_owned()),
                }),
            }),
            status: None,
        };
        let body = envelope(
            "authentication.k8s.io/v1",
            "TokenRequest",
            message.encode_to_vec(),
        );
        let request: TokenRequest = decode(&body).unwrap();
        assert_eq!(request.spec.audiences, ["sts.amazonaws.com"]);
        assert_eq!(request.spec.expiration_seconds, Some(3600));
        let bound = request.spec.bound_object_ref.unwrap();
        assert_eq!((bound.kind.as_str(), bound.name.as_str()), ("Pod", "p"));
        assert_eq!(bound.uid.as_deref(), Some("u"));
    }

    #[test]
    fn a_service_account_decodes() {
        let message = k8s_pb::api::core::v1::ServiceAccount {
            metadata: Some(ObjectMeta {
                name: Some("made-by-kubectl".to_owned()),
                namespace: Some(String::new()),
                labels: [("team".to_owned(), "a".to_owned())].into_iter().collect(),
                ..ObjectMeta::default()
            }),
            ..Default::default()
        };
        let body = envelope("v1", "ServiceAccount", message.encode_to_vec());
        let account: NewServiceAccount = decode(&body).unwrap();
        assert_eq!(account.name(), Some("made-by-kubectl"));
        assert_eq!(
            account.namespace(),
            None,
            "an empty namespace is no namespace"
        );
    }

    /// Bodies kubectl sent for `create token iam-test --audience sts.amazonaws.com
    /// --duration 1h`, `create sa recorded` and `create ns recorded`, captured from kubectl 1.27 (JSON) and 1.33
    /// (protobuf), in `fixtures/kubectl-<version>/`.
    #[test]
    fn recorded_kubectl_bodies_decode_alike() {
        let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
        for version in ["kubectl-1.27", "kubectl-1.33"] {
            let dir = fixtures.join(version);
            let read = |name: &str| -> (Vec<u8>, bool) {
                let json = dir.join(format!("{name}.json"));
                match std::fs::read(&json) {
                    Ok(body) => (body, false),
                    Err(_) => (std::fs::read(dir.join(format!("{name}.pb"))).unwrap(), true),
                }
            };
            let (body, protobuf) = read("create-token");
            let token: TokenRequest = if protobuf {
                decode(&body).unwrap()
            } else {
                serde_json::from_slice(&body).unwrap()
            };
            assert_eq!(token.spec.audiences, ["sts.amazonaws.com"], "{version}");
            assert_eq!(token.spec.expiration_seconds, Some(3600), "{version}");
            assert!(token.spec.bound_object_ref.is_none(), "{version}");
            let (body, protobuf) = read("create-serviceaccount");
            let account: NewServiceAccount = if protobuf {
                decode(&body).unwrap()
            } else {
                serde_json::from_slice(&body).unwrap()
            };
            assert_eq!(account.name(), Some("recorded"), "{version}");
            assert_eq!(account.namespace(), None, "{version}");
            let (body, protobuf) = read("create-namespace");
            let namespace: NewNamespace = if protobuf {
                decode(&body).unwrap()
            } else {
                serde_json::from_slice(&body).unwrap()
            };
            assert_eq!(namespace.name(), Some("recorded"), "{version}");
        }
    }

    /// Reads an answer back as client-go does: the envelope, then the kind's message.
    fn answered<M: Message + Default>(body: &[u8]) -> (TypeMeta, M) {
        let unknown = Unknown::decode(body.strip_prefix(MAGIC).unwrap()).unwrap();
        let message = M::decode(unknown.raw.as_deref().unwrap()).unwrap();
        (unknown.type_meta.unwrap(), message)
    }

    #[test]
    fn answers_round_trip_through_the_generated_messages() {
        let account = serde_json::json!({
            "kind": "ServiceAccount", "apiVersion": "v1",
            "metadata": {
                "name": "iam-test", "namespace": "default", "uid": "u-1",
                "resourceVersion": "7", "creationTimestamp": "2024-01-02T03:04:05Z",
                "labels": {"team": "a"},
                "annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/iam-test"},
            },
        });
        let (meta, decoded): (_, k8s_pb::api::core::v1::ServiceAccount) =
            answered(&encode(&account).unwrap());
        assert_eq!(
            (meta.api_version.as_deref(), meta.kind.as_deref()),
            (Some("v1"), Some("ServiceAccount"))
        );
        let metadata = decoded.metadata.unwrap();
        assert_eq!(metadata.name.as_deref(), Some("iam-test"));
        assert_eq!(metadata.uid.as_deref(), Some("u-1"));
        assert_eq!(metadata.resource_version.as_deref(), Some("7"));
        assert_eq!(
            metadata.creation_timestamp.unwrap().seconds,
            Some(1_704_164_645)
        );
        assert_eq!(metadata.labels["team"], "a");
        assert!(metadata.annotations["eks.amazonaws.com/role-arn"].ends_with("role/iam-test"));

        let namespace = serde_json::json!({
            "kind": "Namespace", "apiVersion": "v1", "metadata": {"name": "apps"},
            "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"},
        });
        let (_, decoded): (_, k8s_pb::api::core::v1::Namespace) =
            answered(&encode(&namespace).unwrap());
        assert_eq!(decoded.spec.unwrap().finalizers, ["kubernetes"]);
        assert_eq!(decoded.status.unwrap().phase.as_deref(), Some("Active"));

        let token = serde_json::json!({
            "kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
            "metadata": {"name": "iam-test", "namespace": "default"},
            "spec": {"audiences": ["sts.amazonaws.com"], "expirationSeconds": 3600,
                     "boundObjectRef": {"kind": "Pod", "apiVersion": "v1", "name": "p", "uid": "u"}},
            "status": {"token": "a.b.c", "expirationTimestamp": "2024-01-02T04:04:05Z"},
        });
        let (meta, decoded): (_, k8s_pb::api::authentication::v1::TokenRequest) =
            answered(&encode(&token).unwrap());
        assert_eq!(
            meta.api_version.as_deref(),
            Some("authentication.k8s.io/v1")
        );
        let status = decoded.status.unwrap();
        assert_eq!(status.token.as_deref(), Some("a.b.c"));
        assert_eq!(
            status.expiration_timestamp.unwrap().seconds,
            Some(1_704_168_245)
        );
        let spec = decoded.spec.unwrap();
        assert_eq!(spec.audiences, ["sts.amazonaws.com"]);
        assert_eq!(spec.bound_object_ref.unwrap().u_id.as_deref(), Some("u"));

        // What is answered is what a client posting it back would have sent.
        let again: TokenRequest = decode(&encode(&token).unwrap()).unwrap();
        assert_eq!(again.spec.expiration_seconds, Some(3600));

        for other in ["Pod", "PodList", "Status", "Table"] {
            assert!(
                encode(&serde_json::json!({"kind": other})).is_none(),
                "{other}"
            );
        }
        assert!(encode(&serde_json::json!({"metadata": {}})).is_none());
    }

    #[test]
    fn protobuf_is_answered_only_when_asked_for_first() {
        use axum::http::HeaderValue;
        let cases = [
            (
                "client_go_typed",
                Some("application/vnd.kubernetes.protobuf,application/json"),
                true,
            ),
            (
                "protobuf_only",
                Some("application/vnd.kubernetes.protobuf"),
                true,
            ),
            (
                "json_first",
                Some("application/json, application/vnd.kubernetes.protobuf"),
                false,
            ),
            ("kubectl_dynamic", Some("application/json, */*"), false),
            ("none", None, false),
        ];
        for (name, accept, want) in cases {
            let mut headers = HeaderMap::new();
            if let Some(accept) = accept {
                headers.insert(header::ACCEPT, HeaderValue::from_static(accept));
            }
            assert_eq!(preferred(&headers), want, "case {name}");
        }
    }

    #[test]
    fn random_bytes_never_panic() {
        use rand::Rng;
        let mut rng = rand::thread_rng();
        let recorded = include_bytes!("../../fixtures/kubectl-1.33/create-token.pb");
        for _ in 0..5_000 {
            let mut body = recorded.to_vec();
            for _ in 0..rng.gen_range(1..8) {
                let at = rng.gen_range(0..body.len());
                body[at] = rng.gen();
            }
            body.truncate(rng.gen_range(0..=body.len()));
            let _ = decode::<TokenRequest>(&body);
            let _ = decode::<NewServiceAccount>(&body);
            let _ = decode::<NewNamespace>(&body);
        }
    }

    #[test]
    fn damaged_bodies_are_bad_requests() {
        let token = k8s_pb::api::authentication::v1::TokenRequest::default().encode_to_vec();
        let cases: [(&str, Vec<u8>); 5] = [
            ("empty", Vec::new()),
            ("json", b"{\"kind\":\"TokenRequest\"}".to_vec()),
            ("magic_only", MAGIC.to_vec()),
            (
                "truncated_envelope",
                envelope("v1", "TokenRequest", token.clone())[..7].to_vec(),
            ),
            ("wrong_kind", envelope("v1", "Pod", token)),
        ];
        for (name, body) in cases {
            let got = decode::<TokenRequest>(&body);
            let status = got.expect_err(name);
            assert_eq!(status.code.as_u16(), 400, "case {name}");
        }
    }
}
