//! The read-only kinds' handlers (`kube-root-ca.crt` ConfigMaps; the node's Events, with
//! field selectors; Secrets, ResourceQuotas and LimitRanges, always empty): list in a namespace or across all,
//! get, and watch, which streams what exists and then nothing, as nothing changes them.

use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use super::super::listed::{self, Listed};
use super::super::watch::WatchQuery;
use super::pods::ClusterOnly;
use super::{answer_or_table, list_or_watch, ApiPath, Asked, Listing, TableQuery};
use crate::state::AppState;

/// The routes of every read-only kind.
pub(super) fn routes() -> Router<AppState> {
    let mut router = Router::new();
    for kind in Listed::ALL {
        let resource = kind.resource();
        router = router
            .route(
                &format!("/api/v1/namespaces/{{namespace}}/{resource}"),
                get(
                    move |State(state): State<AppState>,
                          path: ApiPath,
                          Query(query): Query<TableQuery>,
                          Query(watching): Query<WatchQuery>,
                          headers: HeaderMap| async move {
                        let namespace = Some(path.namespace.clone());
                        let cluster = path.cluster.clone();
                        let asked = Asked {
                            query,
                            watching,
                            headers,
                        };
                        list(&state, kind, cluster, namespace, &asked)
                    },
                ),
            )
            .route(
                &format!("/api/v1/namespaces/{{namespace}}/{resource}/{{name}}"),
                get(
                    move |State(state): State<AppState>,
                          path: ApiPath,
                          Query(query): Query<TableQuery>,
                          headers: HeaderMap| async move {
                        let snapshot = state.current();
                        let ca = root_ca_pem(&state);
                        let result = path.cluster(&snapshot).and_then(|cluster| {
                            kind.read(
                                cluster,
                                &path.namespace,
                                path.name(),
                                &ca,
                                state.started_at(),
                            )
                        });
                        answer_or_table(&state, &headers, &query, kind.into(), result)
                    },
                ),
            )
            .route(
                &format!("/api/v1/{resource}"),
                get(
                    move |State(state): State<AppState>,
                          Path(path): Path<ClusterOnly>,
                          Query(query): Query<TableQuery>,
                          Query(watching): Query<WatchQuery>,
                          headers: HeaderMap| async move {
                        let asked = Asked {
                            query,
                            watching,
                            headers,
                        };
                        list(&state, kind, path.cluster, None, &asked)
                    },
                ),
            );
    }
    router
}

/// The list of `kind` in `namespace` (every one when `None`), as JSON or a Table, or its
/// watch.
fn list(
    state: &AppState,
    kind: Listed,
    cluster: Option<String>,
    namespace: Option<String>,
    asked: &Asked,
) -> Response {
    let listing = Listing {
        resource: kind.resource(),
        namespace: namespace.clone(),
        printer: kind.into(),
    };
    let (ca, created_at) = (root_ca_pem(state), state.started_at());
    let selector = asked.query.field_selector.clone().unwrap_or_default();
    list_or_watch(state, cluster.as_deref(), asked, listing, |cluster| {
        let mut items = kind.items(cluster, namespace.as_deref(), &ca, created_at);
        items.retain(|item| listed::field_selector_matches(item, &selector));
        kind.list(items)
    })
}

fn root_ca_pem(state: &AppState) -> String {
    listed::root_ca_pem(&state.config().data_dir)
}
