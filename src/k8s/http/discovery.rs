//! The discovery routes' handlers: version, group and resource lists, OpenAPI v3, and
//! the namespaces (read-only).

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap};
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Deserialize;

use super::super::namespace::NewNamespace;
use super::super::status::Status;
use super::super::table::Printer;
use super::super::watch::WatchQuery;
use super::super::{discovery, namespace};
use super::{
    add, answer_or_table, create_body, created, from_update, list_or_watch, publish, Asked,
    Listing, TableQuery, WriteQuery,
};
use crate::state::AppState;

/// The cluster a discovery path names: `cluster` only under `/k8s/<cluster>`.
#[derive(Debug, Deserialize)]
pub(super) struct ClusterPath {
    cluster: Option<String>,
    name: Option<String>,
}

/// Runs `answer` over the cluster the path names, or 404 for an unknown cluster.
fn with_cluster<T: serde::Serialize>(
    state: &AppState,
    path: &ClusterPath,
    answer: impl FnOnce(&crate::world::Cluster) -> Result<T, Status>,
) -> Response {
    let snapshot = state.current();
    let result = snapshot
        .world()
        .cluster_or_default(path.cluster.as_deref())
        .map_err(|_| Status::no_route())
        .and_then(answer);
    match result {
        Ok(body) => Json(body).into_response(),
        Err(status) => status.into_response(),
    }
}

pub(super) async fn version(
    State(state): State<AppState>,
    Path(path): Path<ClusterPath>,
) -> Response {
    with_cluster(&state, &path, |cluster| Ok(discovery::version(cluster)))
}

pub(super) async fn api_versions(headers: HeaderMap) -> Response {
    let host = headers
        .get(header::HOST)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    Json(discovery::api_versions(host)).into_response()
}

pub(super) async fn core_resources() -> Response {
    Json(discovery::core_resources()).into_response()
}

pub(super) async fn api_groups() -> Response {
    Json(discovery::api_groups()).into_response()
}

pub(super) async fn openapi_root() -> Response {
    Json(discovery::openapi_root()).into_response()
}

pub(super) async fn openapi_v2() -> Response {
    let document = super::super::openapi_v2::document(&discovery::patchable());
    (
        [(header::CONTENT_TYPE, super::super::openapi_v2::MEDIA_TYPE)],
        document,
    )
        .into_response()
}

pub(super) async fn openapi_core() -> Response {
    Json(discovery::openapi_core()).into_response()
}

pub(super) async fn list_namespaces(
    State(state): State<AppState>,
    Path(path): Path<ClusterPath>,
    Query(query): Query<TableQuery>,
    Query(watching): Query<WatchQuery>,
    headers: HeaderMap,
) -> Response {
    let asked = Asked {
        query,
        watching,
        headers,
    };
    let listing = Listing {
        resource: "namespaces",
        namespace: None,
        printer: Printer::Namespace,
    };
    let created_at = state.started_at();
    list_or_watch(
        &state,
        path.cluster.as_deref(),
        &asked,
        listing,
        |cluster| namespace::list(cluster, created_at),
    )
}

pub(super) async fn create_namespace(
    State(state): State<AppState>,
    Path(path): Path<ClusterPath>,
    Query(write): Query<WriteQuery>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = async {
        let (directive, dry_run) = write.parse()?;
        let (new, warnings) = create_body::<NewNamespace>(&headers, body, directive).await?;
        let cluster = cluster_name(&state, &path)?;
        let now = state.now();
        let created = add(
            &state,
            dry_run,
            cluster,
            "namespaces",
            move |world, cluster| namespace::create(world, cluster, &new, now),
        )
        .await?;
        Ok((created, warnings))
    };
    created(&headers, result.await)
}

pub(super) async fn delete_namespace(
    State(state): State<AppState>,
    Path(path): Path<ClusterPath>,
) -> Response {
    let result = async {
        let cluster = cluster_name(&state, &path)?;
        let name = path.name.clone().unwrap_or_default();
        let created_at = state.started_at();
        let in_cluster = cluster.clone();
        let deleted = state
            .update(move |world| namespace::delete(world, &cluster, &name, created_at))
            .await
            .map_err(from_update)?;
        publish(&state, in_cluster, "namespaces", "DELETED", &deleted);
        Ok::<_, Status>(deleted)
    };
    match result.await {
        Ok(object) => Json(object).into_response(),
        Err(status) => status.into_response(),
    }
}

fn cluster_name(state: &AppState, path: &ClusterPath) -> Result<String, Status> {
    state
        .current()
        .world()
        .cluster_or_default(path.cluster.as_deref())
        .map(|cluster| cluster.name.to_string())
        .map_err(|_| Status::no_route())
}

pub(super) async fn read_namespace(
    State(state): State<AppState>,
    Path(path): Path<ClusterPath>,
    Query(query): Query<TableQuery>,
    headers: HeaderMap,
) -> Response {
    let created_at = state.started_at();
    let name = path.name.clone().unwrap_or_default();
    let result =
        cluster_of(&state, &path).and_then(|cluster| namespace::read(&cluster, &name, created_at));
    answer_or_table(&state, &headers, &query, Printer::Namespace, result)
}

/// The cluster the path names, as it is now.
fn cluster_of(state: &AppState, path: &ClusterPath) -> Result<crate::world::Cluster, Status> {
    state
        .current()
        .world()
        .cluster_or_default(path.cluster.as_deref())
        .cloned()
        .map_err(|_| Status::no_route())
}
