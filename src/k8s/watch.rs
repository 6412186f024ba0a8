//! Watches, as kube-apiserver streams them: newline-separated `{"type", "object"}` events
//! on one long response. Without a `resourceVersion` (or with `0`), a watch starts with
//! an `ADDED` event for each object that exists; with `sendInitialEvents=true` (client-go
//! 1.35's watch-list) those end with a `BOOKMARK` annotated
//! `k8s.io/initial-events-end`. Then every change to a matching object follows, until
//! `timeoutSeconds` (default 30 minutes) or the client leaves.
//! <https://kubernetes.io/docs/reference/using-api/api-concepts/#efficient-detection-of-changes>
//!
//! With a `resourceVersion`, a watch starts with the recent changes made after that
//! version (as an informer's watch after its list needs: a pod deleted between the two is
//! still seen to go), then those to come. Only the last changes are kept; a version older
//! than those sees the changes that are.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use axum::body::{Body, Bytes};

use crate::state::{ObjectEvent, Subscription};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Value};
use tokio::sync::broadcast::error::RecvError;

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
    /// Whether the list request is a watch: `watch` true as Go's `strconv.ParseBool`
    /// reads it (`1`, `t`, `true`, `True`, ...; the Python client sends `True`).
    pub fn is_watch(&self) -> bool {
        matches!(
            self.watch.as_deref(),
            Some("1" | "t" | "T" | "true" | "TRUE" | "True")
        )
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
/// for them) or the recent changes after the query's resourceVersion, then each event from
/// `events` that `filter` accepts. `events` must have been subscribed to before
/// `existing` was read, so that nothing falls between the two.
pub fn stream(
    query: &WatchQuery,
    existing: Vec<Value>,
    resource_version: String,
    events: Subscription,
    filter: Filter,
) -> Response {
    let Subscription {
        recent,
        live: events,
    } = events;
    let mut first: VecDeque<Bytes> = VecDeque::new();
    if query.sends_initial_events() {
        first.extend(
            existing
                .iter()
                .map(|object| line("ADDED", &(filter.render)(object))),
        );
    } else if let Some(since) = query.resource_version.as_deref().and_then(version) {
        first.extend(
            recent
                .iter()
                .filter(|event| filter.wants(event))
                .filter(|event| event_version(event).is_some_and(|at| at > since))
                .map(|event| line(event.kind, &(filter.render)(&event.object))),
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
                    Ok(event) if filter.wants(&event) => {
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

impl Filter {
    fn wants(&self, event: &ObjectEvent) -> bool {
        event.cluster == self.cluster
            && event.resource == self.resource
            && (self.accepts)(&event.object)
    }
}

/// A resourceVersion as the number irsa-local gives.
fn version(text: &str) -> Option<u64> {
    text.parse().ok()
}

/// The resourceVersion of the object an event carries.
fn event_version(event: &ObjectEvent) -> Option<u64> {
    event
        .object
        .pointer("/metadata/resourceVersion")
        .and_then(Value::as_str)
        .and_then(version)
}

/// One event, as a line.
fn line(kind: &str, object: &Value) -> Bytes {
    let mut text = json!({ "type": kind, "object": object }).to_string();
    text.push('\n');
    Bytes::from(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn watch_is_a_go_boolean() {
        let cases = [
            (Some("1"), true),
            (Some("true"), true),
            (Some("True"), true),
            (Some("t"), true),
            (Some("0"), false),
            (Some("false"), false),
            (Some("yes"), false),
            (Some(""), false),
            (None, false),
        ];
        for (watch, expected) in cases {
            let query = WatchQuery {
                watch: watch.map(str::to_owned),
                ..WatchQuery::default()
            };
            assert_eq!(query.is_watch(), expected, "{watch:?}");
        }
    }

    #[test]
    fn an_event_version_is_its_objects() {
        let event = |version: Value| ObjectEvent {
            cluster: "c".into(),
            resource: "pods",
            kind: "DELETED",
            object: Arc::new(json!({"metadata": {"resourceVersion": version}})),
        };
        assert_eq!(event_version(&event(json!("12"))), Some(12));
        assert_eq!(event_version(&event(json!("x"))), None);
        assert_eq!(event_version(&event(json!(12))), None);
    }
}
