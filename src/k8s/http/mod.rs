//! The Kubernetes API's HTTP edge: routes for discovery, namespaces, ServiceAccounts,
//! TokenRequest and the webhook, JSON bodies in and out, failures as `Status` objects.

mod discovery;
mod listed;
mod pods;

use axum::body::{Body, Bytes};
use axum::extract::{Path, Query, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use serde::Deserialize;

use super::field_validation::{self, Directive};
use super::protobuf::{self, FromProtobuf};
use super::service_account::{self, NewServiceAccount};
use super::status::Status;
use super::table::{self, Include, Printer};
use super::token_request::{self, TokenRequest};
use super::watch::{self, Filter, WatchQuery};
use super::{admission, mutate, MAX_BODY_BYTES};
use crate::pod_identity;
use crate::protocol::body::{self, BodyError};
use crate::state::{AppState, ObjectEvent, Subscription};
use crate::store::{Snapshot, UpdateError};
use crate::world::{random_uuid, Cluster, ServiceAccount, World};

/// The Kubernetes routes, with `more` API routes beside them (the node's logs and exec):
/// the default cluster's, and every cluster's under `/k8s/<name>`. With `--kube-token`,
/// the API (not the webhook, which kube-apiserver calls) requires it.
pub fn routes(state: &AppState, more: Router<AppState>) -> Router<AppState> {
    let api = api_routes()
        .merge(more)
        .route_layer(middleware::from_fn_with_state(state.clone(), bearer));
    let webhook = Router::new().route("/mutate", post(admission_review));
    let cluster = api.clone().merge(webhook.clone());
    api.merge(webhook).nest("/k8s/{cluster}", cluster)
}

/// Lets a request through when the server has no `--kube-token`, or when the request
/// carries it as `Authorization: Bearer <token>` (compared in constant time).
async fn bearer(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let Some(token) = &state.config().kube_token else {
        return next.run(request).await;
    };
    if crate::protocol::bearer_matches(request.headers(), token.expose()) {
        next.run(request).await
    } else {
        Status::unauthorized().into_response()
    }
}

fn api_routes() -> Router<AppState> {
    Router::new()
        .route(
            "/api/v1/namespaces/{namespace}/serviceaccounts",
            get(list_accounts).post(create_account),
        )
        .route(
            "/api/v1/namespaces/{namespace}/serviceaccounts/{name}",
            get(read_account)
                .patch(patch_account)
                .delete(delete_account),
        )
        .route(
            "/api/v1/namespaces/{namespace}/serviceaccounts/{name}/token",
            post(create_token),
        )
        .route(
            "/api/v1/namespaces/{namespace}/pods",
            get(pods::list).post(pods::create),
        )
        .route(
            "/api/v1/namespaces/{namespace}/pods/{name}",
            get(pods::read).patch(pods::patch).delete(pods::delete),
        )
        .route("/api/v1/pods", get(pods::list_all))
        .route(
            "/api/v1/namespaces",
            get(discovery::list_namespaces).post(discovery::create_namespace),
        )
        .route(
            "/api/v1/namespaces/{name}",
            get(discovery::read_namespace).delete(discovery::delete_namespace),
        )
        .merge(listed::routes())
        .route("/version", get(discovery::version))
        .route("/api", get(discovery::api_versions))
        .route("/api/v1", get(discovery::core_resources))
        .route("/apis", get(discovery::api_groups))
        .route("/openapi/v3", get(discovery::openapi_root))
        .route("/openapi/v3/api/v1", get(discovery::openapi_core))
        .route("/openapi/v2", get(discovery::openapi_v2))
        .route("/swagger-2.0.0.pb-v1", any(no_route))
        .route("/swagger.json", any(no_route))
        .route("/api/{*rest}", any(no_route))
        .route("/apis/{*rest}", any(no_route))
}

/// The path parameters: `cluster` only under `/k8s/<cluster>`, `name` only for one object.
/// A path that does not decode (invalid UTF-8 in a percent-escape) is a 400 Status.
#[derive(Debug, Deserialize)]
pub(super) struct ApiPath {
    pub(super) cluster: Option<String>,
    namespace: String,
    name: Option<String>,
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ApiPath {
    type Rejection = Status;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Status> {
        Path::<Self>::from_request_parts(parts, state)
            .await
            .map(|Path(path)| path)
            .map_err(|rejection| Status::bad_request(rejection.body_text()))
    }
}

impl ApiPath {
    /// The cluster the path names, in `snapshot`.
    fn cluster<'a>(&self, snapshot: &'a Snapshot) -> Result<&'a Cluster, Status> {
        snapshot
            .world()
            .cluster_or_default(self.cluster.as_deref())
            .map_err(|_| Status::no_route())
    }

    /// The cluster's name, for a change applied to a later world.
    fn cluster_name(&self, snapshot: &Snapshot) -> Result<String, Status> {
        self.cluster(snapshot)
            .map(|cluster| cluster.name.to_string())
    }

    fn name(&self) -> &str {
        self.name.as_deref().unwrap_or_default()
    }
}

/// The path parameters of the webhook: `cluster` only under `/k8s/<cluster>`.
#[derive(Debug, Deserialize)]
struct WebhookPath {
    cluster: Option<String>,
}

/// `POST /mutate`: an AdmissionReview from kube-apiserver. (A SigV4-signed request to
/// `/mutate` is an S3 call to a bucket named `mutate`: the router never sends it here.)
async fn admission_review(
    State(state): State<AppState>,
    Path(path): Path<WebhookPath>,
    request: Request,
) -> Response {
    let (parts, body) = request.into_parts();
    // The webhook accepts exactly this media type and answers anything else in plain text.
    let essence = protobuf::essence(&parts.headers, header::CONTENT_TYPE);
    if !essence.is_some_and(|essence| essence.eq_ignore_ascii_case("application/json")) {
        let message = "Invalid Content-Type, expected `application/json`\n";
        return (StatusCode::UNSUPPORTED_MEDIA_TYPE, message).into_response();
    }
    let body = match body::read(body, admission::MAX_REVIEW_BYTES).await {
        Ok(body) => body,
        Err(err) => return body_status(err).into_response(),
    };
    let snapshot = state.current();
    let world = snapshot.world();
    let Ok(cluster) = world.cluster_or_default(path.cluster.as_deref()) else {
        return Status::no_route().into_response();
    };
    let settings = mutation_settings(&state, world);
    let (answer, verdict) = admission::review(&body, cluster, &settings);
    tracing::debug!(
        target: "irsa_local::admission",
        uid = %answer.response.uid,
        cluster = %cluster.name,
        verdict = ?verdict,
    );
    Json(answer).into_response()
}

/// The webhook's flags as EKS sets them, with the agent at this server's port on the
/// Pod Identity Agent's address (where the node makes this server reachable to pods).
pub(super) fn mutation_settings(state: &AppState, world: &World) -> mutate::Settings {
    let port = state.config().listen.port();
    let agent = pod_identity::agent_uri(&pod_identity::AGENT_ADDRESS.to_string(), port);
    mutate::Settings::eks(world.account.region.as_str()).with_agent_uri(agent)
}

/// Any other path under `/api`: the Kubernetes API has no such resource.
async fn no_route() -> Response {
    Status::no_route().into_response()
}

fn answer<T: serde::Serialize>(code: StatusCode, result: Result<T, Status>) -> Response {
    match result {
        Ok(object) => (code, Json(object)).into_response(),
        Err(status) => status.into_response(),
    }
}

async fn read_account(
    State(state): State<AppState>,
    path: ApiPath,
    Query(query): Query<TableQuery>,
    headers: HeaderMap,
) -> Response {
    let snapshot = state.current();
    let result = path.cluster(&snapshot).and_then(|cluster| {
        service_account::read(cluster, &path.namespace, path.name(), state.started_at())
    });
    answer_or_table(&state, &headers, &query, Printer::ServiceAccount, result)
}

async fn list_accounts(
    State(state): State<AppState>,
    path: ApiPath,
    Query(query): Query<TableQuery>,
    Query(watching): Query<WatchQuery>,
    headers: HeaderMap,
) -> Response {
    let asked = Asked {
        query,
        watching,
        headers,
    };
    let namespace = path.namespace.clone();
    let listing = Listing {
        resource: "serviceaccounts",
        namespace: Some(namespace.clone()),
        printer: Printer::ServiceAccount,
    };
    let created_at = state.started_at();
    list_or_watch(
        &state,
        path.cluster.as_deref(),
        &asked,
        listing,
        |cluster| service_account::list(cluster, &namespace, created_at),
    )
}

/// What a list request asks besides its path: the table query, the watch query, and the
/// headers (whether a Table is wanted).
pub(super) struct Asked {
    pub(super) query: TableQuery,
    pub(super) watching: WatchQuery,
    pub(super) headers: HeaderMap,
}

/// What is listed: the resource, its namespace (all when `None`), and its printer.
pub(super) struct Listing {
    pub(super) resource: &'static str,
    pub(super) namespace: Option<String>,
    pub(super) printer: Printer,
}

/// The list `list` reads from `cluster` (the default when `None`), as JSON or a Table; or,
/// with `watch=1`, those items and then their changes. Subscribed before the list is read,
/// so no change falls between the two. The list's resourceVersion is "1": these kinds keep
/// none of their own.
pub(super) fn list_or_watch<T: serde::Serialize>(
    state: &AppState,
    cluster: Option<&str>,
    asked: &Asked,
    listing: Listing,
    list: impl FnOnce(&Cluster) -> T,
) -> Response {
    let events = asked.watching.is_watch().then(|| state.subscribe());
    let snapshot = state.current();
    let Ok(cluster) = snapshot.world().cluster_or_default(cluster) else {
        return Status::no_route().into_response();
    };
    let list = list(cluster);
    let Some(events) = events else {
        return answer_or_table(
            state,
            &asked.headers,
            &asked.query,
            listing.printer,
            Ok(list),
        );
    };
    let watched = Watched {
        cluster: cluster.name.to_string(),
        resource: listing.resource,
        namespace: listing.namespace,
        printer: listing.printer,
        tables: table::requested(&asked.headers),
        include: Include::from_query(asked.query.include_object.as_deref()),
    };
    let items = items_of(&list);
    watch_list(
        state,
        &asked.watching,
        watched,
        items,
        "1".into(),
        events,
        |_| true,
    )
}

/// `includeObject`, for an answer printed as a Table.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TableQuery {
    pub(super) include_object: Option<String>,
    /// Read by the kinds whose lists honour it (events: `kubectl describe`).
    pub(super) field_selector: Option<String>,
}

/// `result` as JSON, or printed as a Table when the client asked for one: a list's items
/// become rows, a single object one row.
pub(super) fn answer_or_table<T: serde::Serialize>(
    state: &AppState,
    headers: &HeaderMap,
    query: &TableQuery,
    printer: Printer,
    result: Result<T, Status>,
) -> Response {
    let object = match result {
        Ok(object) if table::requested(headers) => object,
        Ok(object) => return respond(StatusCode::OK, headers, &object),
        Err(status) => return status.into_response(),
    };
    let value = serde_json::to_value(&object).unwrap_or_default();
    let version = value
        .pointer("/metadata/resourceVersion")
        .and_then(serde_json::Value::as_str)
        .unwrap_or("")
        .to_owned();
    let objects = match value.get("items").and_then(serde_json::Value::as_array) {
        Some(items) => items.clone(),
        None => vec![value],
    };
    let include = Include::from_query(query.include_object.as_deref());
    Json(table::table(
        printer,
        &objects,
        &version,
        include,
        state.now(),
    ))
    .into_response()
}

async fn create_account(
    State(state): State<AppState>,
    path: ApiPath,
    Query(write): Query<WriteQuery>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = async {
        let (directive, dry_run) = write.parse()?;
        let (new, warnings) = create_body::<NewServiceAccount>(&headers, body, directive).await?;
        let now = state.now();
        let object = change_account(
            &state,
            &path,
            dry_run,
            "ADDED",
            move |world, cluster, namespace, _| {
                service_account::create(world, cluster, namespace, new, now)
            },
        )
        .await?;
        Ok((object, warnings))
    };
    created(&headers, result.await)
}

async fn patch_account(
    State(state): State<AppState>,
    path: ApiPath,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = async {
        let patch = read_patch(&headers, body).await?;
        change_account(
            &state,
            &path,
            false,
            "MODIFIED",
            move |world, cluster, namespace, name| {
                service_account::patch(world, cluster, namespace, name, &patch)
            },
        )
        .await
    };
    answer(StatusCode::OK, result.await)
}

async fn delete_account(State(state): State<AppState>, path: ApiPath) -> Response {
    let result = change_account(&state, &path, false, "DELETED", service_account::delete).await;
    answer(StatusCode::OK, result)
}

/// Applies `change(world, cluster, namespace, name)` through the store (or, for a dry
/// run, to a copy of the world that is then dropped) and answers the changed account's
/// object, as the cluster after the change has it.
async fn change_account<F>(
    state: &AppState,
    path: &ApiPath,
    dry_run: bool,
    event: &'static str,
    change: F,
) -> Result<service_account::ServiceAccountObject, Status>
where
    F: FnOnce(&mut World, &str, &str, &str) -> Result<ServiceAccount, Status> + Send + 'static,
{
    let cluster = path.cluster_name(&state.current())?;
    let (namespace, name) = (path.namespace.clone(), path.name().to_owned());
    let in_cluster = cluster.clone();
    let account = apply(state, dry_run, move |world| {
        change(world, &cluster, &namespace, &name)
    })
    .await?;
    let snapshot = state.current();
    let world = snapshot.world();
    let cluster = path.cluster(&snapshot).unwrap_or(world.default_cluster());
    let object = service_account::object(cluster, &account, state.started_at());
    if !dry_run {
        publish(state, in_cluster, "serviceaccounts", event, &object);
    }
    Ok(object)
}

/// Runs `change` through the store; with `dry_run`, on a copy of the current world that
/// is then dropped, so the answer is what the change would have made.
pub(super) async fn apply<T, F>(state: &AppState, dry_run: bool, change: F) -> Result<T, Status>
where
    T: Send + 'static,
    F: FnOnce(&mut World) -> Result<T, Status> + Send + 'static,
{
    if dry_run {
        let mut world = state.current().world().clone();
        return change(&mut world);
    }
    state.update(change).await.map_err(from_update)
}

/// Runs the create `change(world, cluster)` through `apply` and, unless it was a dry run,
/// tells the watchers of `resource` in `cluster` that the object it answers was added.
pub(super) async fn add<T, F>(
    state: &AppState,
    dry_run: bool,
    cluster: String,
    resource: &'static str,
    change: F,
) -> Result<T, Status>
where
    T: serde::Serialize + Send + 'static,
    F: FnOnce(&mut World, &str) -> Result<T, Status> + Send + 'static,
{
    let in_cluster = cluster.clone();
    let added = apply(state, dry_run, move |world| change(world, &cluster)).await?;
    if !dry_run {
        publish(state, in_cluster, resource, "ADDED", &added);
    }
    Ok(added)
}

/// The query parameters of a create: `fieldValidation` and `dryRun` (the others kubectl
/// sends, such as `fieldManager`, change nothing here).
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WriteQuery {
    field_validation: Option<String>,
    dry_run: Option<String>,
}

impl WriteQuery {
    /// The field validation directive, and whether this is a dry run (`dryRun=All`, the
    /// one value kube-apiserver accepts).
    pub(super) fn parse(&self) -> Result<(Directive, bool), Status> {
        let directive = Directive::parse(self.field_validation.as_deref())?;
        let dry_run = match self.dry_run.as_deref() {
            None | Some("") => false,
            Some("All") => true,
            Some(other) => {
                return Err(Status::bad_request(format!(
                    "Invalid dryRun value: {other:?}: supported values: \"All\""
                )))
            }
        };
        Ok((directive, dry_run))
    }
}

/// 201 with the created object, and a `Warning` header for each warning, as kubectl
/// prints them (`Warning: unknown field "spec.x"`).
pub(super) fn created<T: serde::Serialize>(
    headers: &HeaderMap,
    result: Result<(T, Vec<String>), Status>,
) -> Response {
    match result {
        Ok((object, warnings)) => {
            let mut response = respond(StatusCode::CREATED, headers, &object);
            for warning in warnings {
                // RFC 7234 warn-code 299, agent "-", the text as a quoted string.
                let text = format!("299 - {:?}", warning);
                if let Ok(value) = header::HeaderValue::from_str(&text) {
                    response.headers_mut().append(header::WARNING, value);
                }
            }
            response
        }
        Err(status) => status.into_response(),
    }
}

/// `object` with `code`: as protobuf when the client puts protobuf first in `Accept` and
/// the kind has a protobuf answer, else as JSON.
pub(super) fn respond<T: serde::Serialize>(
    code: StatusCode,
    headers: &HeaderMap,
    object: &T,
) -> Response {
    if protobuf::preferred(headers) {
        let encoded = serde_json::to_value(object)
            .ok()
            .and_then(|value| protobuf::encode(&value));
        if let Some(body) = encoded {
            return (code, [(header::CONTENT_TYPE, protobuf::MEDIA_TYPE)], body).into_response();
        }
    }
    (code, Json(object)).into_response()
}

/// The `items` of a typed list, as JSON objects.
pub(super) fn items_of<T: serde::Serialize>(list: &T) -> Vec<serde_json::Value> {
    match serde_json::to_value(list) {
        Ok(serde_json::Value::Object(mut list)) => match list.remove("items") {
            Some(serde_json::Value::Array(items)) => items,
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

/// Tells the watchers of `resource` in `cluster` about a saved change.
pub(super) fn publish<T: serde::Serialize>(
    state: &AppState,
    cluster: String,
    resource: &'static str,
    kind: &'static str,
    object: &T,
) {
    if let Ok(object) = serde_json::to_value(object) {
        state.publish(ObjectEvent {
            cluster,
            resource,
            kind,
            object: std::sync::Arc::new(object),
        });
    }
}

/// What a watch of a list needs besides its query: what it lists, and how it prints.
pub(super) struct Watched {
    pub(super) cluster: String,
    pub(super) resource: &'static str,
    pub(super) namespace: Option<String>,
    pub(super) printer: Printer,
    pub(super) tables: bool,
    pub(super) include: Include,
}

/// The watch of a list whose current `items` (at `resource_version`) were read after
/// `events` was subscribed to.
pub(super) fn watch_list(
    state: &AppState,
    watching: &WatchQuery,
    watched: Watched,
    items: Vec<serde_json::Value>,
    resource_version: String,
    events: Subscription,
    also: impl Fn(&serde_json::Value) -> bool + Send + Sync + 'static,
) -> Response {
    let Watched {
        cluster,
        resource,
        namespace,
        printer,
        tables,
        include,
    } = watched;
    let render: Box<dyn Fn(&serde_json::Value) -> serde_json::Value + Send + Sync> = if tables {
        let state = state.clone();
        Box::new(move |object| table::event_table(printer, object, include, state.now()))
    } else {
        Box::new(serde_json::Value::clone)
    };
    let filter = Filter {
        cluster,
        resource,
        accepts: Box::new(move |object| {
            let in_namespace = namespace.as_deref().is_none_or(|ns| {
                object
                    .pointer("/metadata/namespace")
                    .and_then(|v| v.as_str())
                    == Some(ns)
            });
            in_namespace && also(object)
        }),
        render,
    };
    watch::stream(watching, items, resource_version, events, filter)
}

pub(super) fn from_update(err: UpdateError<Status>) -> Status {
    match err {
        UpdateError::Rejected(status) => status,
        UpdateError::Failed(reason) => Status::internal(&reason),
    }
}

async fn create_token(
    State(state): State<AppState>,
    path: ApiPath,
    Query(write): Query<WriteQuery>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    let result = async {
        // A token is minted, never stored: a dry run changes nothing either way.
        let (directive, _dry_run) = write.parse()?;
        let (request, warnings) = create_body::<TokenRequest>(&headers, body, directive).await?;
        let snapshot = state.current();
        let cluster = path.cluster(&snapshot)?;
        let keys = snapshot
            .keys_of(cluster)
            .ok_or_else(|| Status::internal("the cluster has no signing keys"))?;
        let token = token_request::issue(
            cluster,
            keys,
            &path.namespace,
            path.name(),
            &request,
            state.now(),
            &random_uuid(),
        )?;
        Ok((token, warnings))
    };
    created(&headers, result.await)
}

pub(super) async fn read_body(body: Body) -> Result<Bytes, Status> {
    body::read(body, MAX_BODY_BYTES).await.map_err(body_status)
}

/// A body that could not be read, as kube-apiserver answers it.
fn body_status(err: BodyError) -> Status {
    match err {
        BodyError::TooLarge { limit } => Status::too_large(limit),
        BodyError::TimedOut => Status::timeout(),
        BodyError::Broken(cause) => {
            Status::bad_request(format!("cannot read the request body: {cause}"))
        }
    }
}

/// A merge patch body (JSON merge patch, or a strategic merge patch, which agrees with it
/// on the maps that can be patched here); a PATCH must say which it sends.
pub(super) async fn read_patch(
    headers: &HeaderMap,
    body: Body,
) -> Result<serde_json::Value, Status> {
    const PATCH_TYPES: &[&str] = &[
        "application/merge-patch+json",
        "application/strategic-merge-patch+json",
    ];
    if headers.get(header::CONTENT_TYPE).is_none() {
        return Err(Status::unsupported_media_type("<none>"));
    }
    parse_json(headers, read_body(body).await?, PATCH_TYPES)?
        .ok_or_else(|| Status::bad_request("the patch is empty"))
}

/// A kind posted to a create route, as JSON (checked against its schema) or protobuf.
pub(super) trait Posted: serde::de::DeserializeOwned + Default + FromProtobuf {
    /// The kind's schema, as kube-apiserver's types hold it.
    type Schema: serde::de::DeserializeOwned;
}

impl Posted for NewServiceAccount {
    type Schema = k8s_openapi::api::core::v1::ServiceAccount;
}

impl Posted for super::namespace::NewNamespace {
    type Schema = k8s_openapi::api::core::v1::Namespace;
}

impl Posted for TokenRequest {
    type Schema = k8s_openapi::api::authentication::v1::TokenRequest;
}

/// A create body, or all defaults when it is empty (TokenRequest and create bodies;
/// kubectl 1.32+ posts them as protobuf). A JSON body is checked by `directive` against
/// the kind's schema first; the warnings come back beside the object.
pub(super) async fn create_body<T: Posted>(
    headers: &HeaderMap,
    body: Body,
    directive: Directive,
) -> Result<(T, Vec<String>), Status> {
    let body = read_body(body).await?;
    if protobuf::posted(headers) {
        return Ok((protobuf::decode(&body)?, Vec::new()));
    }
    let Some(mut object) = parse_json::<serde_json::Value>(headers, body, &["application/json"])?
    else {
        return Ok((T::default(), Vec::new()));
    };
    let warnings = field_validation::check::<T::Schema>(T::KIND, &mut object, directive)?;
    let new = serde_json::from_value(object)
        .map_err(|err| Status::bad_request(format!("couldn't decode the body: {err}")))?;
    Ok((new, warnings))
}

/// Parses a JSON body of one of the `accepted` media types (a missing Content-Type is
/// taken as JSON, so `curl -X POST` works); an empty body is `None`.
pub(super) fn parse_json<T: serde::de::DeserializeOwned>(
    headers: &HeaderMap,
    body: Bytes,
    accepted: &[&str],
) -> Result<Option<T>, Status> {
    if let Some(content_type) = headers.get(header::CONTENT_TYPE) {
        let content_type = content_type.to_str().unwrap_or("<not text>");
        let essence = content_type.split(';').next().unwrap_or("").trim();
        let known = accepted.iter().any(|t| essence.eq_ignore_ascii_case(t));
        // An empty TokenRequest or create body of any type is taken as "all defaults".
        let empty_json = body.is_empty() && accepted.contains(&"application/json");
        if !(known || empty_json) {
            return Err(Status::unsupported_media_type(content_type));
        }
    }
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(&body).map(Some).map_err(|err| {
        Status::bad_request(format!("couldn't decode the body: json parse error: {err}"))
    })
}
