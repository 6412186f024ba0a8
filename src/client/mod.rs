//! A client of irsa-local's own APIs over HTTP, for commands that change a running server
//! the way AWS tooling would: EKS and IAM calls signed with SigV4, and the unauthenticated
//! Kubernetes subset. Commands built on it never touch the data dir.
//!
//! - [`target`]: where the server is and who calls it (flags, then `AWS_*` variables, then
//!   the world's admin key and region).
//! - `http` and `sign`: one request on the wire, signed when it goes to an AWS API.
//! - `aws` and `kubernetes`: the typed calls, and their failures read from AWS error
//!   documents and Kubernetes `Status` objects.
//! - [`create_service_account`]: `irsa-local create-iamserviceaccount`.
//!
//! Known gaps: plain `http://` only (`serve --tls` still answers `http://` on its port); no retries; no profiles or
//! shared credential files.

mod aws;
pub mod create_service_account;
mod http;
mod kubernetes;
mod sign;
pub mod target;

use std::sync::Arc;

use crate::clock::Clock;
use http::Http;
use target::{Credentials, Target};

pub use aws::{ClusterDescription, CreatedRole, NewRole};
pub use kubernetes::{CreateOutcome, ObjectMeta, ServiceAccount};

/// A connection to one irsa-local server, signing as one caller.
#[derive(Debug)]
pub struct Client {
    http: Http,
    credentials: Credentials,
    region: String,
    clock: Arc<dyn Clock>,
}

impl Client {
    /// A client of `target`, signing at the times `clock` gives.
    pub fn new(target: Target, clock: Arc<dyn Clock>) -> Self {
        Self {
            http: Http::new(target.endpoint),
            credentials: target.credentials,
            region: target.region,
            clock,
        }
    }

    /// The server's base URL, `http://host:port`.
    pub fn endpoint_url(&self) -> String {
        self.http.endpoint().url()
    }
}

/// Why a call to the server failed.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error(
        "cannot reach irsa-local at {endpoint} ({operation}): {}",
        chain(source)
    )]
    Unreachable {
        endpoint: String,
        operation: String,
        #[source]
        source: hyper_util::client::legacy::Error,
    },
    #[error("irsa-local at {endpoint} did not answer {operation} within {seconds} seconds")]
    Timeout {
        endpoint: String,
        operation: String,
        seconds: u64,
    },
    #[error("cannot read the answer to {operation}: {source}")]
    Body {
        operation: String,
        #[source]
        source: hyper::Error,
    },
    #[error("the answer to {operation} is larger than {limit} bytes")]
    TooLarge { operation: String, limit: usize },
    /// An AWS API refused the call; `reason` is irsa-local's own explanation, when it sent one.
    #[error(
        "An error occurred ({code}) when calling the {operation} operation: {message}{}",
        reason.as_ref().map(|reason| format!(" [irsa-local: {reason}]")).unwrap_or_default()
    )]
    Aws {
        operation: &'static str,
        status: u16,
        code: String,
        message: String,
        reason: Option<String>,
    },
    /// The Kubernetes API refused the call with a `Status`.
    #[error("Error from server ({reason}) when trying to {operation}: {message}")]
    Kubernetes {
        operation: String,
        status: u16,
        reason: String,
        message: String,
    },
    #[error("unexpected answer to {operation} (HTTP {status}): {detail}")]
    Unexpected {
        operation: String,
        status: u16,
        detail: String,
    },
    #[error("cannot build the {operation} request: {detail}")]
    Request { operation: String, detail: String },
}

impl ClientError {
    /// The AWS error code, when an AWS API refused the call.
    pub fn aws_code(&self) -> Option<&str> {
        match self {
            Self::Aws { code, .. } => Some(code),
            _ => None,
        }
    }

    /// The Kubernetes `Status` reason, when the Kubernetes API refused the call.
    pub fn kubernetes_reason(&self) -> Option<&str> {
        match self {
            Self::Kubernetes { reason, .. } => Some(reason),
            _ => None,
        }
    }
}

/// An error and its causes on one line: hyper's own message ("client error (Connect)")
/// names no cause; the innermost one ("Connection refused") does.
fn chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_errors_read_like_the_aws_cli() {
        let cases = [
            (
                "without_reason",
                None,
                "An error occurred (NoSuchEntity) when calling the GetRole operation: The role with name x cannot be found.",
            ),
            (
                "with_reason",
                Some("no role named x"),
                "An error occurred (NoSuchEntity) when calling the GetRole operation: The role with name x cannot be found. [irsa-local: no role named x]",
            ),
        ];
        for (name, reason, want) in cases {
            let error = ClientError::Aws {
                operation: "GetRole",
                status: 404,
                code: "NoSuchEntity".to_owned(),
                message: "The role with name x cannot be found.".to_owned(),
                reason: reason.map(str::to_owned),
            };
            assert_eq!(error.to_string(), want, "case {name}");
            assert_eq!(error.aws_code(), Some("NoSuchEntity"), "case {name}");
        }
    }
}
