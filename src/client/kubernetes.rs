//! The Kubernetes calls client commands make: read, create and merge-patch a ServiceAccount
//! of a named cluster, under `/k8s/{cluster}` (which serves the default cluster too). These
//! routes are unauthenticated, so nothing is signed. A refusal is the `Status` the server
//! answers, shown as kubectl shows it.
//! <https://kubernetes.io/docs/reference/using-api/api-concepts/#patch-and-apply>

use std::collections::BTreeMap;

use axum::http::{Method, StatusCode};
use serde::{Deserialize, Deserializer, Serialize};

use super::http::Answer;
use super::{Client, ClientError};
use crate::world::{ClusterName, Namespace, ServiceAccountName};

const JSON: &str = "application/json";
const MERGE_PATCH: &str = "application/merge-patch+json";

/// A v1 ServiceAccount, as far as the client reads and writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceAccount {
    pub api_version: String,
    pub kind: String,
    pub metadata: ObjectMeta,
}

/// The metadata the client reads and writes; other fields are ignored when read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectMeta {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    #[serde(
        default,
        deserialize_with = "nullable_map",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub annotations: BTreeMap<String, String>,
    #[serde(
        default,
        deserialize_with = "nullable_map",
        skip_serializing_if = "BTreeMap::is_empty"
    )]
    pub labels: BTreeMap<String, String>,
}

/// What a create did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CreateOutcome {
    Created(ServiceAccount),
    /// 409 `AlreadyExists`: someone made it first.
    AlreadyExists,
}

impl ServiceAccount {
    /// A v1 ServiceAccount `namespace/name` with `annotations` and `labels`.
    pub fn new(
        namespace: &Namespace,
        name: &ServiceAccountName,
        annotations: BTreeMap<String, String>,
        labels: BTreeMap<String, String>,
    ) -> Self {
        Self {
            api_version: "v1".to_owned(),
            kind: "ServiceAccount".to_owned(),
            metadata: ObjectMeta {
                name: Some(name.to_string()),
                namespace: Some(namespace.to_string()),
                annotations,
                labels,
            },
        }
    }
}

impl Client {
    /// GET the service account; `None` when the server says it does not exist.
    pub async fn read_service_account(
        &self,
        cluster: &ClusterName,
        namespace: &Namespace,
        name: &ServiceAccountName,
    ) -> Result<Option<ServiceAccount>, ClientError> {
        let operation = format!("get serviceaccount \"{namespace}/{name}\"");
        let path = format!("{}/{name}", collection_path(cluster, namespace));
        let answer = self
            .kubernetes(&operation, Method::GET, &path, None)
            .await?;
        match answer.status {
            StatusCode::OK => parse(&operation, &answer).map(Some),
            StatusCode::NOT_FOUND if names(&answer, name.as_str()) => Ok(None),
            _ => Err(refusal(&operation, &answer)),
        }
    }

    /// POST a new service account.
    pub async fn create_service_account(
        &self,
        cluster: &ClusterName,
        namespace: &Namespace,
        account: &ServiceAccount,
    ) -> Result<CreateOutcome, ClientError> {
        let operation = format!(
            "create serviceaccount \"{namespace}/{}\"",
            account.metadata.name.as_deref().unwrap_or_default()
        );
        let body = serde_json::to_vec(account).map_err(|err| ClientError::Request {
            operation: operation.clone(),
            detail: err.to_string(),
        })?;
        let path = collection_path(cluster, namespace);
        let answer = self
            .kubernetes(&operation, Method::POST, &path, Some((JSON, body)))
            .await?;
        match answer.status {
            StatusCode::CREATED | StatusCode::OK => {
                parse(&operation, &answer).map(CreateOutcome::Created)
            }
            StatusCode::CONFLICT
                if status_of(&answer).is_some_and(|s| s.reason == "AlreadyExists") =>
            {
                Ok(CreateOutcome::AlreadyExists)
            }
            _ => Err(refusal(&operation, &answer)),
        }
    }

    /// Merge-patches the service account's annotations and labels (keys not named stay).
    pub async fn patch_service_account_metadata(
        &self,
        cluster: &ClusterName,
        namespace: &Namespace,
        name: &ServiceAccountName,
        metadata: &ObjectMeta,
    ) -> Result<ServiceAccount, ClientError> {
        let operation = format!("patch serviceaccount \"{namespace}/{name}\"");
        let patch = serde_json::json!({
            "metadata": { "annotations": metadata.annotations, "labels": metadata.labels },
        });
        let path = format!("{}/{name}", collection_path(cluster, namespace));
        let body = (MERGE_PATCH, patch.to_string().into_bytes());
        let answer = self
            .kubernetes(&operation, Method::PATCH, &path, Some(body))
            .await?;
        match answer.status {
            StatusCode::OK => parse(&operation, &answer),
            _ => Err(refusal(&operation, &answer)),
        }
    }

    /// One unauthenticated call.
    async fn kubernetes(
        &self,
        operation: &str,
        method: Method,
        path: &str,
        body: Option<(&'static str, Vec<u8>)>,
    ) -> Result<Answer, ClientError> {
        let (content_type, body) = match body {
            Some((content_type, body)) => (Some(content_type), body),
            None => (None, Vec::new()),
        };
        let parts = self.http.head(operation, method, path, content_type)?;
        self.http.send(operation, parts, body).await
    }
}

/// `/k8s/{cluster}/api/v1/namespaces/{namespace}/serviceaccounts`; the names are checked
/// Kubernetes and EKS names, which need no escaping in a path.
fn collection_path(cluster: &ClusterName, namespace: &Namespace) -> String {
    format!("/k8s/{cluster}/api/v1/namespaces/{namespace}/serviceaccounts")
}

/// The `Status` of a failed call.
#[derive(Debug, Deserialize)]
struct Status {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    message: String,
    #[serde(default)]
    details: Option<StatusDetails>,
}

#[derive(Debug, Deserialize)]
struct StatusDetails {
    #[serde(default)]
    name: Option<String>,
}

fn status_of(answer: &Answer) -> Option<Status> {
    serde_json::from_slice::<Status>(&answer.body).ok()
}

/// Whether a 404 is about the object `name`, rather than a path the server does not serve
/// (whose `Status` names no object).
fn names(answer: &Answer, name: &str) -> bool {
    status_of(answer)
        .and_then(|status| status.details)
        .and_then(|details| details.name)
        .is_some_and(|named| named == name)
}

fn parse(operation: &str, answer: &Answer) -> Result<ServiceAccount, ClientError> {
    serde_json::from_slice(&answer.body).map_err(|err| unexpected(operation, answer, &err))
}

fn refusal(operation: &str, answer: &Answer) -> ClientError {
    match status_of(answer) {
        Some(status) if !status.reason.is_empty() || !status.message.is_empty() => {
            ClientError::Kubernetes {
                operation: operation.to_owned(),
                status: answer.status.as_u16(),
                reason: status.reason,
                message: status.message,
            }
        }
        _ => unexpected(operation, answer, &"not a Kubernetes Status"),
    }
}

fn unexpected(operation: &str, answer: &Answer, cause: &dyn std::fmt::Display) -> ClientError {
    let excerpt: String = answer.text().chars().take(300).collect();
    ClientError::Unexpected {
        operation: operation.to_owned(),
        status: answer.status.as_u16(),
        detail: format!("{cause}; body: {excerpt}"),
    }
}

/// A map that may be `null`, as Go's encoder writes an absent one.
fn nullable_map<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<BTreeMap<String, String>, D::Error> {
    Ok(Option::deserialize(deserializer)?.unwrap_or_default())
}
