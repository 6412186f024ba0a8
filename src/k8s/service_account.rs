//! `GET /api/v1/namespaces/{ns}/serviceaccounts/{name}`: a declared service account as a
//! v1 ServiceAccount, with the annotations the pod identity webhook reads.

use std::collections::BTreeMap;

use serde::Serialize;

use super::status::Status;
use crate::clock::rfc3339;
use crate::world::Cluster;

/// A v1 ServiceAccount.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ServiceAccountObject<'a> {
    kind: &'static str,
    api_version: &'static str,
    metadata: Metadata<'a>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Metadata<'a> {
    name: &'a str,
    namespace: &'a str,
    uid: String,
    creation_timestamp: String,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    annotations: &'a BTreeMap<String, String>,
}

/// The declared service account, or the 404 Status kube-apiserver gives.
pub fn read<'a>(
    cluster: &'a Cluster,
    namespace: &str,
    name: &str,
    created_at: u64,
) -> Result<ServiceAccountObject<'a>, Status> {
    let account = cluster
        .service_account(namespace, name)
        .ok_or_else(|| Status::not_found("serviceaccounts", name))?;
    Ok(ServiceAccountObject {
        kind: "ServiceAccount",
        api_version: "v1",
        metadata: Metadata {
            name: account.name.as_str(),
            namespace: account.namespace.as_str(),
            uid: cluster.service_account_uid(namespace, name),
            creation_timestamp: rfc3339(created_at),
            annotations: &account.annotations,
        },
    })
}
