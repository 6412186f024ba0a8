//! Watches, as kube-apiserver streams them: newline-separated `{"type", "object"}` events
//! on one long response. Without a `resourceVersion` (or with `0`), a watch starts with
//! an `ADDED` event for each object that exists; with `sendInitialEvents=true` (client-go
//! 1.35's watch-list) those end with a `BOOKMARK` annotated
//! `k8s.io/initial-events-end`. Then every change to a matching object follows, until
//! `timeoutSeconds` (default 30 minutes) or the client leaves.
//! <https://kubernetes.io/docs/reference/using-api/api-concepts/#efficient-detection-of-changes>
//!
//! Known gap: no history is kept, so a watch from an older `resourceVersion` sees the
//! changes made after it began, not those between that version and now.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::broadcast::Receiver;

use crate::state::ObjectEvent;

/// How long a watch lasts when the client names no `timeoutSeconds`.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// The query parameters of a watch.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WatchQuery {
    pub watch: Option<String>,
    pub resource_version: Option<String>,
    pub send_initial_events: Option<bool>,
    pub allow_watch_bookmarks: Option<bool>,
    pub timeout_seconds: Option<u64>,
}

impl WatchQuery {
    /// Whether the list request is a watch (`watch=1` or `watch=true`).
    pub fn is_watch(&self) -> bool {
        matches!(self.watch.as_deref(), Some("1" | "true"))
    }

    /// Whether the watch starts with the objects that exist.
    fn sends_initial_events(&self) -> bool {
        self.send_initial_events == Some(true)
            || matches!(self.resource_version.as_deref(), None | Some("" | "0"))
    }
}

/// Which events a watch wants, and how each object is sent.
pub struct Filter {
    pub cluster: String,
    pub resource: &'static str,
    pub accepts: Box<dyn Fn(&Value) -> bool + Send + Sync>,
    /// The object as sent (a Table row when `kubectl get -w` asked for tables).
    pub render: Box<dyn Fn(&Value) -> Value + Send + Sync>,
}

/// The streaming answer to a watch: the initial events for `existing` (as the query asks
/// for them), then each event from `events` that `filter` accepts. `events` must have
/// been subscribed to before `existing` was read, so that nothing falls between the two.
pub fn stream(
    query: &WatchQuery,
    existing: Vec<Value>,
    resource_version: String,
    events: Receiver<ObjectEvent>,
    filter: Filter,
) -> Response {
    let mut first: VecDeque<Bytes> = VecDeque::new();
    if query.sends_initial_events() {
        first.extend(
            existing
                .iter()
                .map(|object| line("ADDED", &(filter.render)(object))),
        );
    }
    if query.send_initial_events == Some(true) {
        let bookmark = json!({
            "kind": "Pod",
            "apiVersion": "v1",
            "metadata": {
                "resourceVersion": resource_version,
                "annotations": {"k8s.io/initial-events-end": "true"}
            }
        });
        first.push_back(line("BOOKMARK", &bookmark));
    }
    let timeout = query
        .timeout_seconds
        .map_or(DEFAULT_TIMEOUT, Duration::from_secs);
    let deadline = tokio::time::Instant::now() + timeout;
    let filter = Arc::new(filter);
    let body = futures_util::stream::unfold(
        (first, events, filter),
        move |(mut first, mut events, filter)| async move {
            if let Some(next) = first.pop_front() {
                return Some((Ok::<_, std::io::Error>(next), (first, events, filter)));
            }
            loop {
                let received = tokio::select! {
                    received = events.recv() => received,
                    () = tokio::time::sleep_until(deadline) => return None,
                };
                match received {
                    Ok(event)
                        if event.cluster == filter.cluster
                            && event.resource == filter.resource
                            && (filter.accepts)(&event.object) =>
                    {
                        let next = line(event.kind, &(filter.render)(&event.object));
                        return Some((Ok(next), (first, events, filter)));
                    }
                    Ok(_) | Err(RecvError::Lagged(_)) => {}
                    Err(RecvError::Closed) => return None,
                }
            }
        },
    );
    (
        [(header::CONTENT_TYPE, "application/json")],
        Body::from_stream(body),
    )
        .into_response()
}

/// One event, as a line.
fn line(kind: &str, object: &Value) -> Bytes {
    let mut text = json!({ "type": kind, "object": object }).to_string();
    text.push('\n');
    Bytes::from(text)
}
