//! TokenRequest (`authentication.k8s.io/v1`, the `serviceaccounts/token` subresource):
//! validation as kube-apiserver does it, then a minted token. Shared by the HTTP handler
//! and `irsa-local token`.

use serde::{Deserialize, Serialize};

use super::status::{Cause, Status};
use crate::clock::rfc3339;
use crate::oidc::keys::KeySet;
use crate::oidc::mint::{self, BoundObject, MintedToken, ObjectRef, TokenSpec};
use crate::world::{derived_uid, names, Cluster};

/// Lifetime when `expirationSeconds` is omitted.
pub const DEFAULT_EXPIRATION_SECONDS: i64 = 3600;
const MIN_EXPIRATION_SECONDS: i64 = 600;
const MAX_EXPIRATION_SECONDS: i64 = 1 << 32;
const GROUP: &str = "authentication.k8s.io";

/// A TokenRequest as posted: everything is optional on the wire, and `null` (as client-go
/// sends an absent list) is absent.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenRequest {
    #[serde(default)]
    pub api_version: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default, deserialize_with = "super::null_as_default")]
    pub spec: TokenRequestSpec,
}

/// `spec` of a TokenRequest.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenRequestSpec {
    #[serde(default, deserialize_with = "super::null_as_default")]
    pub audiences: Vec<String>,
    #[serde(default)]
    pub expiration_seconds: Option<i64>,
    #[serde(default)]
    pub bound_object_ref: Option<BoundObjectReference>,
}

/// `spec.boundObjectRef`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BoundObjectReference {
    #[serde(default)]
    pub kind: String,
    #[serde(default)]
    pub api_version: String,
    #[serde(default)]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uid: Option<String>,
}

/// The 201 answer: the request with defaults filled in, and the token.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenRequestResponse {
    kind: &'static str,
    api_version: &'static str,
    metadata: ResponseMetadata,
    spec: ResponseSpec,
    status: TokenRequestStatus,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ResponseMetadata {
    name: String,
    namespace: String,
    creation_timestamp: Option<String>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ResponseSpec {
    audiences: Vec<String>,
    expiration_seconds: i64,
    bound_object_ref: Option<BoundObjectReference>,
}

/// `status` of the answer.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TokenRequestStatus {
    pub token: String,
    pub expiration_timestamp: String,
}

impl TokenRequestResponse {
    /// The token itself.
    pub fn token(&self) -> &str {
        &self.status.token
    }
}

/// Checks `request` for `namespace/name` of `cluster` and mints its token at `now`.
pub fn issue(
    cluster: &Cluster,
    keys: &KeySet,
    namespace: &str,
    name: &str,
    request: &TokenRequest,
    now: u64,
    jti: &str,
) -> Result<TokenRequestResponse, Status> {
    names::dns1123_label(namespace).map_err(|problem| {
        Status::bad_request(format!("invalid namespace {namespace:?}: {problem}"))
    })?;
    names::dns1123_subdomain(name).map_err(|problem| {
        Status::bad_request(format!("invalid service account name {name:?}: {problem}"))
    })?;
    check_type(request)?;
    let spec = &request.spec;
    let expiration_seconds = spec
        .expiration_seconds
        .unwrap_or(DEFAULT_EXPIRATION_SECONDS);
    let mut causes = Vec::new();
    if expiration_seconds < MIN_EXPIRATION_SECONDS {
        causes.push(Cause::invalid(
            "spec.expirationSeconds",
            expiration_seconds,
            "may not specify a duration less than 10 minutes",
        ));
    }
    if expiration_seconds > MAX_EXPIRATION_SECONDS {
        causes.push(Cause::invalid(
            "spec.expirationSeconds",
            expiration_seconds,
            "may not specify a duration larger than 2^32 seconds",
        ));
    }
    if let Some(bound) = &spec.bound_object_ref {
        if bound.name.is_empty() {
            causes.push(Cause::required("spec.boundObjectRef.name"));
        } else if let Err(problem) = names::dns1123_subdomain(&bound.name) {
            causes.push(Cause::invalid(
                "spec.boundObjectRef.name",
                format!("{:?}", bound.name),
                &problem,
            ));
        }
    }
    if !causes.is_empty() {
        return Err(Status::invalid("TokenRequest", GROUP, name, causes));
    }
    let bound_object = spec
        .bound_object_ref
        .as_ref()
        .map(|bound| bind(cluster, namespace, name, bound))
        .transpose()?;
    let audiences = if spec.audiences.is_empty() {
        cluster.api_audiences.clone()
    } else {
        spec.audiences.clone()
    };
    let token_spec = TokenSpec {
        namespace: namespace.to_owned(),
        service_account: ObjectRef {
            name: name.to_owned(),
            uid: cluster.service_account_uid(namespace, name),
        },
        audiences: audiences.clone(),
        // Checked above to be within 600..=2^32.
        expiration_seconds: expiration_seconds.unsigned_abs(),
        bound_object,
    };
    let MintedToken { token, expires_at } =
        mint::mint(keys, cluster.oidc_issuer.as_str(), &token_spec, now, jti)
            .map_err(|err| Status::bad_request(format!("cannot sign the token: {err}")))?;
    Ok(TokenRequestResponse {
        kind: "TokenRequest",
        api_version: "authentication.k8s.io/v1",
        metadata: ResponseMetadata {
            name: name.to_owned(),
            namespace: namespace.to_owned(),
            creation_timestamp: None,
        },
        spec: ResponseSpec {
            audiences,
            expiration_seconds,
            bound_object_ref: spec.bound_object_ref.clone(),
        },
        status: TokenRequestStatus {
            token,
            expiration_timestamp: rfc3339(expires_at),
        },
    })
}

fn check_type(request: &TokenRequest) -> Result<(), Status> {
    let api_version = request
        .api_version
        .as_deref()
        .unwrap_or("authentication.k8s.io/v1");
    let kind = request.kind.as_deref().unwrap_or("TokenRequest");
    if api_version == "authentication.k8s.io/v1" && kind == "TokenRequest" {
        Ok(())
    } else {
        Err(Status::bad_request(format!(
            "the body is a {kind} of {api_version}; expected a TokenRequest of authentication.k8s.io/v1"
        )))
    }
}

/// The claim for a bound object. Only core `v1` Pods, Secrets and Nodes can be bound, as in
/// kube-apiserver. A pod stored in the cluster gives its own uid (another uid in the
/// reference is a conflict, as kube-apiserver answers it); otherwise the uid is the given
/// one or a stable derived one, so that tests can mint tokens for pods that live elsewhere.
fn bind(
    cluster: &Cluster,
    namespace: &str,
    service_account: &str,
    bound: &BoundObjectReference,
) -> Result<BoundObject, Status> {
    let given = bound.uid.clone().filter(|uid| !uid.is_empty());
    let stored = (bound.kind == "Pod")
        .then(|| super::pod::read(cluster, namespace, &bound.name).ok())
        .flatten()
        .and_then(|pod| pod.pointer("/metadata/uid")?.as_str().map(str::to_owned));
    if let (Some(given), Some(stored)) = (&given, &stored) {
        if given != stored {
            return Err(Status::conflict(format!(
                "the UID in the bound object reference ({given}) does not match the UID in record. The object might have been deleted and then recreated"
            )));
        }
    }
    let uid = stored.or(given).unwrap_or_else(|| {
        derived_uid(&[&bound.kind, cluster.name.as_str(), namespace, &bound.name])
    });
    let reference = || ObjectRef {
        name: bound.name.clone(),
        uid: uid.clone(),
    };
    match (bound.api_version.as_str(), bound.kind.as_str()) {
        ("v1", "Pod") => Ok(BoundObject::Pod(reference())),
        ("v1", "Secret") => Ok(BoundObject::Secret(reference())),
        ("v1", "Node") => Ok(BoundObject::Node(reference())),
        (api_version, kind) => {
            let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
            Err(Status::bad_request(format!(
                "cannot bind token for serviceaccount {service_account:?} to object of type \
                 {group}/{version}, Kind={kind}"
            )))
        }
    }
}
