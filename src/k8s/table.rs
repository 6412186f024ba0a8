//! Server-side printing: `kubectl get` asks for a `Table` (`Accept:
//! application/json;as=Table;v=v1;g=meta.k8s.io`) and prints the columns and cells the
//! server chose, as kube-apiserver's printers choose them for each kind. Each row carries
//! the object's metadata (or the whole object with `includeObject=Object`).
//! <https://kubernetes.io/docs/reference/using-api/api-concepts/#receiving-resources-as-tables>

use axum::http::{header, HeaderMap};
use serde_json::{json, Value};

/// What a row carries besides its cells (`includeObject`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Include {
    /// `PartialObjectMetadata`, the default.
    Metadata,
    Object,
    None,
}

impl Include {
    /// From the `includeObject` parameter.
    pub fn from_query(value: Option<&str>) -> Self {
        match value {
            Some("Object") => Self::Object,
            Some("None") => Self::None,
            _ => Self::Metadata,
        }
    }
}

/// Whether the client asked for a Table in `Accept` (kube-apiserver's v1 or v1beta1).
pub fn requested(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|media| {
            let params: Vec<&str> = media.split(';').map(str::trim).collect();
            params.contains(&"as=Table")
                && params.contains(&"g=meta.k8s.io")
                && (params.contains(&"v=v1") || params.contains(&"v=v1beta1"))
        })
}

/// The kinds the server prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Printer {
    Pod,
    ServiceAccount,
    Namespace,
    ConfigMap,
    Secret,
    Event,
    ResourceQuota,
    LimitRange,
}

impl From<super::listed::Listed> for Printer {
    fn from(kind: super::listed::Listed) -> Self {
        use super::listed::Listed;
        match kind {
            Listed::ConfigMap => Self::ConfigMap,
            Listed::Secret => Self::Secret,
            Listed::Event => Self::Event,
            Listed::ResourceQuota => Self::ResourceQuota,
            Listed::LimitRange => Self::LimitRange,
        }
    }
}

impl Printer {
    /// `(name, type, priority)` of each column, as kube-apiserver defines them.
    fn columns(self) -> &'static [(&'static str, &'static str, u8)] {
        match self {
            Self::Pod => &[
                ("Name", "string", 0),
                ("Ready", "string", 0),
                ("Status", "string", 0),
                ("Restarts", "string", 0),
                ("Age", "string", 0),
                ("IP", "string", 1),
                ("Node", "string", 1),
                ("Nominated Node", "string", 1),
                ("Readiness Gates", "string", 1),
            ],
            Self::ServiceAccount => &[
                ("Name", "string", 0),
                ("Secrets", "string", 0),
                ("Age", "string", 0),
            ],
            Self::Namespace => &[
                ("Name", "string", 0),
                ("Status", "string", 0),
                ("Age", "string", 0),
            ],
            Self::ConfigMap => &[
                ("Name", "string", 0),
                ("Data", "string", 0),
                ("Age", "string", 0),
            ],
            Self::Secret => &[
                ("Name", "string", 0),
                ("Type", "string", 0),
                ("Data", "string", 0),
                ("Age", "string", 0),
            ],
            Self::Event => &[
                ("Last Seen", "string", 0),
                ("Type", "string", 0),
                ("Reason", "string", 0),
                ("Object", "string", 0),
                ("Message", "string", 0),
            ],
            Self::ResourceQuota => &[
                ("Name", "string", 0),
                ("Age", "string", 0),
                ("Request", "string", 0),
                ("Limit", "string", 0),
            ],
            Self::LimitRange => &[("Name", "string", 0), ("Created At", "date", 0)],
        }
    }

    /// The cells of `object`'s row at `now`.
    fn cells(self, object: &Value, now: u64) -> Vec<Value> {
        let text = |pointer: &str| {
            object
                .pointer(pointer)
                .and_then(Value::as_str)
                .unwrap_or("")
        };
        let age = json!(age(text("/metadata/creationTimestamp"), now));
        let entries = |pointer: &str| {
            object
                .pointer(pointer)
                .and_then(Value::as_object)
                .map_or(0, serde_json::Map::len)
        };
        match self {
            Self::Pod => {
                let containers = object
                    .pointer("/spec/containers")
                    .and_then(Value::as_array)
                    .map_or(0, Vec::len);
                let statuses = object
                    .pointer("/status/containerStatuses")
                    .and_then(Value::as_array);
                let ready = statuses.map_or(0, |all| {
                    all.iter().filter(|s| s["ready"] == json!(true)).count()
                });
                let (status, restarts) = pod_status(object);
                let or_none = |value: &str| {
                    if value.is_empty() {
                        "<none>".to_owned()
                    } else {
                        value.to_owned()
                    }
                };
                vec![
                    json!(text("/metadata/name")),
                    json!(format!("{ready}/{containers}")),
                    json!(status),
                    json!(restarts),
                    age,
                    json!(or_none(text("/status/podIP"))),
                    json!(or_none(text("/spec/nodeName"))),
                    json!("<none>"),
                    json!("<none>"),
                ]
            }
            Self::ServiceAccount => vec![json!(text("/metadata/name")), json!(0), age],
            Self::Namespace => vec![
                json!(text("/metadata/name")),
                json!(text("/status/phase")),
                age,
            ],
            Self::ConfigMap => vec![json!(text("/metadata/name")), json!(entries("/data")), age],
            Self::Secret => vec![
                json!(text("/metadata/name")),
                json!(text("/type")),
                json!(entries("/data")),
                age,
            ],
            Self::Event => vec![
                json!(self::age(text("/lastTimestamp"), now)),
                json!(text("/type")),
                json!(text("/reason")),
                json!(format!(
                    "{}/{}",
                    text("/involvedObject/kind").to_lowercase(),
                    text("/involvedObject/name")
                )),
                json!(text("/message")),
            ],
            Self::ResourceQuota => vec![json!(text("/metadata/name")), age, json!(""), json!("")],
            Self::LimitRange => vec![
                json!(text("/metadata/name")),
                json!(text("/metadata/creationTimestamp")),
            ],
        }
    }
}

/// A Table of `objects` (with column definitions, as a list or get answers).
pub fn table(
    printer: Printer,
    objects: &[Value],
    resource_version: &str,
    include: Include,
    now: u64,
) -> Value {
    let columns: Vec<Value> = printer
        .columns()
        .iter()
        .map(|(name, kind, priority)| {
            json!({
                "name": name,
                "type": if matches!(*name, "Restarts" | "Secrets" | "Data") { "integer" } else { kind },
                "format": if *name == "Name" { "name" } else { "" },
                "description": "",
                "priority": priority,
            })
        })
        .collect();
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": { "resourceVersion": resource_version },
        "columnDefinitions": columns,
        "rows": objects.iter().map(|object| row(printer, object, include, now)).collect::<Vec<_>>(),
    })
}

/// The Table a watch event carries: one row, no column definitions.
pub fn event_table(printer: Printer, object: &Value, include: Include, now: u64) -> Value {
    json!({
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": { "resourceVersion": object.pointer("/metadata/resourceVersion").cloned().unwrap_or(json!("")) },
        "columnDefinitions": null,
        "rows": [row(printer, object, include, now)],
    })
}

fn row(printer: Printer, object: &Value, include: Include, now: u64) -> Value {
    let mut row = json!({ "cells": printer.cells(object, now) });
    match include {
        Include::Metadata => {
            row["object"] = json!({
                "kind": "PartialObjectMetadata",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": object.get("metadata").cloned().unwrap_or(json!({})),
            });
        }
        Include::Object => row["object"] = object.clone(),
        Include::None => {}
    }
    row
}

/// kubectl's AGE: the time since `created` (RFC 3339) at `now`, as `duration.HumanDuration`.
fn age(created: &str, now: u64) -> String {
    crate::clock::parse_rfc3339(created).map_or_else(
        || "<unknown>".to_owned(),
        |at| human_duration(now.saturating_sub(at)),
    )
}

/// `duration.HumanDuration`: precise when short, coarser as it grows.
pub fn human_duration(seconds: u64) -> String {
    let (minutes, hours, days) = (seconds / 60, seconds / 3600, seconds / 86_400);
    if seconds < 120 {
        format!("{seconds}s")
    } else if minutes < 10 {
        match seconds % 60 {
            0 => format!("{minutes}m"),
            rest => format!("{minutes}m{rest}s"),
        }
    } else if minutes < 180 {
        format!("{minutes}m")
    } else if hours < 8 {
        match minutes % 60 {
            0 => format!("{hours}h"),
            rest => format!("{hours}h{rest}m"),
        }
    } else if hours < 48 {
        format!("{hours}h")
    } else if hours < 24 * 8 {
        match hours % 24 {
            0 => format!("{days}d"),
            rest => format!("{days}d{rest}h"),
        }
    } else if hours < 24 * 365 * 2 {
        format!("{days}d")
    } else if hours < 24 * 365 * 8 {
        let years = days / 365;
        match days % 365 {
            0 => format!("{years}y"),
            rest => format!("{years}y{rest}d"),
        }
    } else {
        format!("{}y", days / 365)
    }
}

/// The STATUS column and the restarts, as kubectl's `printPod` reads them: the phase,
/// unless an init container or a container says more (`Init:0/1`, `ContainerCreating`,
/// `Completed`, `CrashLoopBackOff`, `Error`), and `Terminating` once deleted.
fn pod_status(pod: &Value) -> (String, i64) {
    let statuses = |pointer: &str| -> Vec<Value> {
        pod.pointer(pointer)
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default()
    };
    let field = |value: &Value, pointer: &str| -> String {
        value
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_owned()
    };
    let mut reason = match field(pod, "/status/reason") {
        given if !given.is_empty() => given,
        _ => field(pod, "/status/phase"),
    };
    let mut restarts = 0;
    let init = statuses("/status/initContainerStatuses");
    let init_total = pod
        .pointer("/spec/initContainers")
        .and_then(Value::as_array)
        .map_or(0, Vec::len);
    let mut initializing = false;
    for (index, container) in init.iter().enumerate() {
        restarts += container["restartCount"].as_i64().unwrap_or(0);
        let exit = container
            .pointer("/state/terminated/exitCode")
            .and_then(Value::as_i64);
        let waiting = field(container, "/state/waiting/reason");
        match exit {
            Some(0) => continue,
            Some(code) => {
                reason = match field(container, "/state/terminated/reason") {
                    empty if empty.is_empty() => format!("Init:ExitCode:{code}"),
                    given => format!("Init:{given}"),
                };
            }
            None if !waiting.is_empty() && waiting != "PodInitializing" => {
                reason = format!("Init:{waiting}");
            }
            None => reason = format!("Init:{index}/{init_total}"),
        }
        initializing = true;
        break;
    }
    if !initializing {
        restarts = 0;
        let mut running = false;
        for container in statuses("/status/containerStatuses").iter().rev() {
            restarts += container["restartCount"].as_i64().unwrap_or(0);
            let waiting = field(container, "/state/waiting/reason");
            let terminated = container.pointer("/state/terminated");
            if !waiting.is_empty() {
                reason = waiting;
            } else if let Some(terminated) = terminated {
                reason = match field(terminated, "/reason") {
                    empty if empty.is_empty() => {
                        format!("ExitCode:{}", terminated["exitCode"].as_i64().unwrap_or(0))
                    }
                    given => given,
                };
            } else if container["ready"] == json!(true)
                && container.pointer("/state/running").is_some()
            {
                running = true;
            }
        }
        if reason == "Completed" && running {
            reason = "Running".to_owned();
        }
    }
    if pod.pointer("/metadata/deletionTimestamp").is_some() {
        reason = "Terminating".to_owned();
    }
    (reason, restarts)
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    #[test]
    fn ages_read_as_kubectl_prints_them() {
        let cases = [
            ("seconds", 5, "5s"),
            ("under_two_minutes", 119, "119s"),
            ("minutes_and_seconds", 150, "2m30s"),
            ("whole_minutes", 300, "5m"),
            ("tens_of_minutes", 1_800, "30m"),
            ("hours_and_minutes", 4 * 3600 + 120, "4h2m"),
            ("hours", 20 * 3600, "20h"),
            ("days_and_hours", 3 * 86_400 + 3600, "3d1h"),
            ("days", 30 * 86_400, "30d"),
            ("years_and_days", 3 * 365 * 86_400 + 86_400, "3y1d"),
            ("years", 10 * 365 * 86_400, "10y"),
        ];
        for (name, seconds, want) in cases {
            assert_eq!(human_duration(seconds), want, "case {name}");
        }
    }

    #[test]
    fn tables_are_asked_for_in_accept() {
        let cases = [
            ("kubectl_get", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json", true),
            ("v1beta1_only", "application/json;as=Table;v=v1beta1;g=meta.k8s.io", true),
            ("plain_json", "application/json", false),
            ("discovery", "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", false),
        ];
        for (name, accept, want) in cases {
            let mut headers = HeaderMap::new();
            headers.insert(header::ACCEPT, HeaderValue::from_static(accept));
            assert_eq!(requested(&headers), want, "case {name}");
        }
    }

    #[test]
    fn a_pending_pod_prints_as_kubectl_shows_it() {
        let pod = json!({
            "metadata": {"name": "eks-iam-test4", "creationTimestamp": "2024-01-02T03:04:05Z"},
            "spec": {"containers": [{"name": "c"}]},
            "status": {"phase": "Pending"}
        });
        let table = table(
            Printer::Pod,
            &[pod],
            "7",
            Include::Metadata,
            1_704_164_645 + 65,
        );
        assert_eq!(
            table["rows"][0]["cells"],
            json!([
                "eks-iam-test4",
                "0/1",
                "Pending",
                0,
                "65s",
                "<none>",
                "<none>",
                "<none>",
                "<none>"
            ])
        );
        assert_eq!(table["rows"][0]["object"]["kind"], "PartialObjectMetadata");
        assert_eq!(table["columnDefinitions"][3]["type"], "integer");
    }
}

#[cfg(test)]
mod pod_status_tests {
    use serde_json::{json, Value};

    use super::pod_status;

    fn pod(status: Value) -> Value {
        json!({"metadata": {"name": "p"}, "spec": {"initContainers": [{"name": "i"}]}, "status": status})
    }

    #[test]
    fn the_status_column_reads_as_kubectls() {
        let cases = [
            ("pending", json!({"phase": "Pending"}), "Pending", 0),
            (
                "creating",
                json!({"phase": "Pending", "containerStatuses": [{"state": {"waiting": {"reason": "ContainerCreating"}}, "restartCount": 0}]}),
                "ContainerCreating",
                0,
            ),
            (
                "completed",
                json!({"phase": "Succeeded", "containerStatuses": [{"state": {"terminated": {"exitCode": 0, "reason": "Completed"}}, "restartCount": 0}]}),
                "Completed",
                0,
            ),
            (
                "error",
                json!({"phase": "Failed", "containerStatuses": [{"state": {"terminated": {"exitCode": 1, "reason": "Error"}}, "restartCount": 0}]}),
                "Error",
                0,
            ),
            (
                "crash_loop",
                json!({"phase": "Running", "containerStatuses": [{"state": {"waiting": {"reason": "CrashLoopBackOff"}}, "restartCount": 3}]}),
                "CrashLoopBackOff",
                3,
            ),
            (
                "one_done_one_running",
                json!({"phase": "Running", "containerStatuses": [
                    {"state": {"running": {}}, "ready": true, "restartCount": 0},
                    {"state": {"terminated": {"exitCode": 0, "reason": "Completed"}}, "restartCount": 1}]}),
                "Running",
                1,
            ),
            (
                "init_running",
                json!({"phase": "Pending", "initContainerStatuses": [{"state": {"running": {}}, "restartCount": 0}]}),
                "Init:0/1",
                0,
            ),
            (
                "init_failed",
                json!({"phase": "Failed", "initContainerStatuses": [{"state": {"terminated": {"exitCode": 1, "reason": "Error"}}, "restartCount": 2}]}),
                "Init:Error",
                2,
            ),
        ];
        for (name, status, want, restarts) in cases {
            assert_eq!(
                pod_status(&pod(status)),
                (want.to_owned(), restarts),
                "case {name}"
            );
        }
        let mut deleting = pod(json!({"phase": "Running"}));
        deleting["metadata"]["deletionTimestamp"] = json!("2026-01-01T00:00:00Z");
        assert_eq!(pod_status(&deleting).0, "Terminating");
    }
}
