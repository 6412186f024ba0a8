//! The pod routes' handlers: create (JSON bodies, checked by `fieldValidation`;
//! `dryRun=All` admits without storing),
//! get, list in a namespace or across all (with `labelSelector` and `fieldSelector`),
//! delete.

use axum::body::Body;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use k8s_openapi::api::core::v1::Pod;
use serde::Deserialize;

use super::super::field_validation;
use super::super::pod::node::{self, Deleted};
use super::super::pod::{self, Selectors};
use super::super::protobuf;
use super::super::status::Status;
use super::super::table::{self, Include, Printer};
use super::super::watch::WatchQuery;
use super::{
    add, created, from_update, mutation_settings, parse_json, publish, read_body, read_patch,
    watch_list, ApiPath, Watched, WriteQuery,
};
use crate::state::AppState;

/// The query parameters pod reads read; the others kubectl sends (`limit`) change
/// nothing here.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PodQuery {
    label_selector: Option<String>,
    field_selector: Option<String>,
    include_object: Option<String>,
}

/// `cluster` only under `/k8s/<cluster>`, for the all-namespaces list.
#[derive(Debug, Deserialize)]
pub(super) struct ClusterOnly {
    pub(super) cluster: Option<String>,
}

pub(super) async fn create(
    State(state): State<AppState>,
    path: ApiPath,
    Query(write): Query<WriteQuery>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = async {
        let (directive, dry_run) = write.parse()?;
        let body = read_body(body).await?;
        let mut object: serde_json::Value = parse_json(&headers, body, &["application/json"])?
            .ok_or_else(|| Status::bad_request("the body is empty"))?;
        let warnings = field_validation::check::<Pod>("Pod", &mut object, directive)?;
        let snapshot = state.current();
        let cluster = path.cluster_name(&snapshot)?;
        let settings = mutation_settings(&state, snapshot.world());
        let now = state.now();
        let namespace = path.namespace.clone();
        let created = add(&state, dry_run, cluster, "pods", move |world, cluster| {
            pod::create(world, cluster, &namespace, object, &settings, now)
        })
        .await?;
        Ok((created, warnings))
    };
    created(&headers, result.await)
}

pub(super) async fn read(
    State(state): State<AppState>,
    path: ApiPath,
    Query(query): Query<PodQuery>,
    headers: HeaderMap,
) -> Response {
    let snapshot = state.current();
    let result = path
        .cluster(&snapshot)
        .and_then(|cluster| pod::read(cluster, &path.namespace, path.name()));
    match result {
        Ok(object) if table::requested(&headers) => {
            let include = Include::from_query(query.include_object.as_deref());
            let version = object["metadata"]["resourceVersion"]
                .as_str()
                .unwrap_or("")
                .to_owned();
            Json(table::table(
                Printer::Pod,
                &[object],
                &version,
                include,
                state.now(),
            ))
            .into_response()
        }
        other => answer(StatusCode::OK, other),
    }
}

pub(super) async fn list(
    State(state): State<AppState>,
    path: ApiPath,
    Query(query): Query<PodQuery>,
    Query(watching): Query<WatchQuery>,
    headers: HeaderMap,
) -> Response {
    let namespace = Some(path.namespace.clone());
    let tables = table::requested(&headers);
    let cluster = path.cluster.as_deref();
    list_or_watch(&state, cluster, namespace, &query, &watching, tables)
}

pub(super) async fn list_all(
    State(state): State<AppState>,
    Path(path): Path<ClusterOnly>,
    Query(query): Query<PodQuery>,
    Query(watching): Query<WatchQuery>,
    headers: HeaderMap,
) -> Response {
    let tables = table::requested(&headers);
    list_or_watch(
        &state,
        path.cluster.as_deref(),
        None,
        &query,
        &watching,
        tables,
    )
}

/// A list, or with `watch=1` the list's objects and then their changes as a stream.
fn list_or_watch(
    state: &AppState,
    cluster: Option<&str>,
    namespace: Option<String>,
    query: &PodQuery,
    watching: &WatchQuery,
    tables: bool,
) -> Response {
    let include = Include::from_query(query.include_object.as_deref());
    let selectors = match Selectors::parse(
        query.label_selector.as_deref(),
        query.field_selector.as_deref(),
    ) {
        Ok(selectors) => selectors,
        Err(status) => return status.into_response(),
    };
    // Subscribed before the snapshot is read, so no change falls between the two.
    let events = watching.is_watch().then(|| state.subscribe());
    let snapshot = state.current();
    let Ok(cluster) = snapshot.world().cluster_or_default(cluster) else {
        return Status::no_route().into_response();
    };
    let list = pod::list(cluster, namespace.as_deref(), &selectors);
    let now = state.now();
    let Some(events) = events else {
        if tables {
            let (items, version) = list.into_parts();
            let printed = table::table(Printer::Pod, &items, &version, include, now);
            return Json(printed).into_response();
        }
        return answer(StatusCode::OK, Ok(list));
    };
    let (items, resource_version) = list.into_parts();
    let watched = Watched {
        cluster: cluster.name.to_string(),
        resource: "pods",
        namespace,
        printer: Printer::Pod,
        tables,
        include,
    };
    let also = move |object: &serde_json::Value| selectors.matches(object);
    watch_list(
        state,
        watching,
        watched,
        items,
        resource_version,
        events,
        also,
    )
}

pub(super) async fn patch(
    State(state): State<AppState>,
    path: ApiPath,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = async {
        let patch = read_patch(&headers, body).await?;
        let cluster = path.cluster_name(&state.current())?;
        let (namespace, name) = (path.namespace.clone(), path.name().to_owned());
        let in_cluster = cluster.clone();
        let patched = state
            .update(move |world| pod::patch(world, &cluster, &namespace, &name, &patch))
            .await
            .map_err(from_update)?;
        publish(&state, in_cluster, "pods", "MODIFIED", &patched);
        Ok(patched)
    };
    answer(StatusCode::OK, result.await)
}

/// `gracePeriodSeconds` of a delete, from the query or the DeleteOptions body.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct DeleteOptions {
    grace_period_seconds: Option<i64>,
}

pub(super) async fn delete(
    State(state): State<AppState>,
    path: ApiPath,
    Query(query): Query<DeleteOptions>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = async {
        let body = read_body(body).await?;
        // A protobuf DeleteOptions (typed Go clients) is not read: its grace period is
        // then the pod's own.
        let json = protobuf::essence(&headers, header::CONTENT_TYPE)
            .is_none_or(|essence| !essence.contains("protobuf"));
        let options: Option<DeleteOptions> = match json {
            true => parse_json(&headers, body, &["application/json"])?,
            false => None,
        };
        let grace = options
            .and_then(|options| options.grace_period_seconds)
            .or(query.grace_period_seconds)
            .map(|seconds| u64::try_from(seconds).unwrap_or(0));
        let cluster = path.cluster_name(&state.current())?;
        let (namespace, name) = (path.namespace.clone(), path.name().to_owned());
        let in_cluster = cluster.clone();
        let (runs_pods, now) = (state.config().runs_pods, state.now());
        let deleted = state
            .update(move |world| {
                node::delete(world, &cluster, &namespace, &name, grace, runs_pods, now)
            })
            .await
            .map_err(from_update)?;
        Ok(match deleted {
            Deleted::Gone(pod) => {
                publish(&state, in_cluster, "pods", "DELETED", &pod);
                pod
            }
            Deleted::Terminating(pod) => {
                publish(&state, in_cluster, "pods", "MODIFIED", &pod);
                pod
            }
        })
    };
    answer(StatusCode::OK, result.await)
}

fn answer<T: serde::Serialize>(code: StatusCode, result: Result<T, Status>) -> Response {
    match result {
        Ok(object) => (code, Json(object)).into_response(),
        Err(status) => status.into_response(),
    }
}
