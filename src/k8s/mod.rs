//! The Kubernetes API subset of every cluster, as kubectl and client-go use it: discovery
//! and OpenAPI v3 ([`discovery`]), namespaces, ServiceAccounts and the TokenRequest
//! subresource that mints their tokens, Pods admitted as EKS admits them ([`pod`]),
//! watches ([`watch`]), server-side tables ([`table`]), JSON and protobuf bodies
//! ([`protobuf`]). The default cluster answers at `/api/v1/…`, and every cluster at
//! `/k8s/<cluster>/api/v1/…` (a kubeconfig `server:` URL with that path works; see
//! [`kubeconfig`]). Failures are Kubernetes `Status` objects.
//!
//! Beside the API, the pod identity webhook: `POST /mutate` (and `/k8s/<cluster>/mutate`)
//! answers AdmissionReviews with the pod mutation of [`mutate`].

pub mod admission;
pub mod discovery;
pub mod field_validation;
pub mod http;
pub mod kubeconfig;
pub mod listed;
pub mod mutate;
pub mod namespace;
pub mod object_meta;
pub mod openapi_v2;
pub mod pod;
pub mod protobuf;
pub mod quota;
pub mod service_account;
pub mod status;
pub mod table;
pub mod token_request;
pub mod watch;

/// Largest request body accepted, kube-apiserver's (`MaxRequestBodyBytes`, 3 MiB): an
/// object may carry 256 KiB of annotations and a pod a long spec.
pub const MAX_BODY_BYTES: usize = 3 * 1024 * 1024;

pub use http::routes;

/// Reads `null` as the default value, as kube-apiserver does for optional fields
/// (client-go sends `"audiences": null` and `"labels": null`).
fn null_as_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + serde::Deserialize<'de>,
{
    Ok(<Option<T> as serde::Deserialize>::deserialize(deserializer)?.unwrap_or_default())
}

/// The cluster `name` of `world`, to change; a cluster the world lacks is a path the API
/// does not serve.
fn cluster_mut<'a>(
    world: &'a mut crate::world::World,
    name: &str,
) -> Result<&'a mut crate::world::Cluster, status::Status> {
    world.cluster_mut(name).ok_or_else(status::Status::no_route)
}
