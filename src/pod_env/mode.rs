//! Which of EKS's two ways a pod gets credentials `env` and `exec` imitate, and where the
//! SDK's container provider finds the Pod Identity agent. Pure functions over plain values.
//!
//! The choice follows the webhook (REFERENCE-2 4.5): a service account with a Pod
//! Identity association gets the container-credentials variables and nothing else, even
//! when it also carries `eks.amazonaws.com/role-arn`; otherwise the role annotation gives
//! the web identity variables.
//! <https://docs.aws.amazon.com/eks/latest/userguide/pod-id-how-it-works.html>

use std::net::{IpAddr, Ipv4Addr};

use crate::pod_identity::AGENT_PATH;

/// The port the agent URI names when the server's URL names none.
pub const DEFAULT_PORT: u16 = 4772;

/// What the user asked for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Mode {
    /// As the webhook decides: Pod Identity when the account has an association.
    #[default]
    Auto,
    /// IAM roles for service accounts: `AWS_ROLE_ARN` and a web identity token file.
    Irsa,
    /// EKS Pod Identity: the agent's URI and a pod identity token file.
    PodIdentity,
}

/// What the process gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Chosen {
    Irsa,
    PodIdentity,
}

impl Mode {
    /// The way a pod of the account would get its credentials; `has_association`: the
    /// cluster has a Pod Identity association for the account.
    pub fn choose(self, has_association: bool) -> Chosen {
        match (self, has_association) {
            (Self::Irsa, _) | (Self::Auto, false) => Chosen::Irsa,
            (Self::PodIdentity, _) | (Self::Auto, true) => Chosen::PodIdentity,
        }
    }
}

/// `AWS_CONTAINER_CREDENTIALS_FULL_URI` for a server at `endpoint_url`. SDKs take plain
/// http only to loopback addresses (and the agents' link-local ones), so an http URL
/// keeps its host only when it is `localhost` or a literal loopback address and names
/// `127.0.0.1` otherwise, at the URL's port (else [`DEFAULT_PORT`]); an https URL,
/// which SDKs accept for any host, is kept as it is. The second value says whether the
/// host was replaced, so the caller can warn.
pub fn credentials_uri(endpoint_url: &str) -> (String, bool) {
    let trimmed = endpoint_url.trim_end_matches('/');
    if let Some(rest) = trimmed.strip_prefix("https://") {
        let authority = rest.split('/').next().unwrap_or_default();
        return (format!("https://{authority}{AGENT_PATH}"), false);
    }
    let rest = trimmed.strip_prefix("http://").unwrap_or(trimmed);
    let authority = rest.split('/').next().unwrap_or_default();
    let (host, port) = split_authority(authority);
    let port = port.unwrap_or(DEFAULT_PORT);
    if is_loopback(host) {
        (format!("http://{host}:{port}{AGENT_PATH}"), false)
    } else {
        let loopback = Ipv4Addr::LOCALHOST;
        (format!("http://{loopback}:{port}{AGENT_PATH}"), true)
    }
}

/// `host[:port]` or `[v6][:port]`; a port that is not a number counts as none.
fn split_authority(authority: &str) -> (&str, Option<u16>) {
    if let Some(rest) = authority.strip_prefix('[') {
        return match rest.split_once(']') {
            Some((v6, tail)) => (
                &authority[..v6.len() + 2],
                tail.strip_prefix(':').and_then(|port| port.parse().ok()),
            ),
            None => (authority, None),
        };
    }
    match authority.rsplit_once(':') {
        Some((host, port)) => (host, port.parse().ok()),
        None => (authority, None),
    }
}

/// `localhost` or a literal loopback address: the hosts every SDK takes over plain http.
fn is_loopback(host: &str) -> bool {
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    host.eq_ignore_ascii_case("localhost")
        || bare.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn choice_follows_the_webhook() {
        let cases = [
            (
                "auto_without_association_is_irsa",
                Mode::Auto,
                false,
                Chosen::Irsa,
            ),
            (
                "auto_with_association_is_pod_identity",
                Mode::Auto,
                true,
                Chosen::PodIdentity,
            ),
            (
                "irsa_asked_wins_over_association",
                Mode::Irsa,
                true,
                Chosen::Irsa,
            ),
            (
                "pod_identity_asked",
                Mode::PodIdentity,
                false,
                Chosen::PodIdentity,
            ),
        ];
        for (name, mode, has_association, want) in cases {
            assert_eq!(mode.choose(has_association), want, "case {name}");
        }
    }

    #[test]
    fn credentials_uris() {
        let cases = [
            (
                "default_server",
                "http://127.0.0.1:4772",
                "http://127.0.0.1:4772/v1/credentials",
                false,
            ),
            (
                "localhost_kept",
                "http://localhost:5000/",
                "http://localhost:5000/v1/credentials",
                false,
            ),
            (
                "other_loopback_kept",
                "http://127.0.0.2:81",
                "http://127.0.0.2:81/v1/credentials",
                false,
            ),
            (
                "ipv6_loopback_kept",
                "http://[::1]:4772",
                "http://[::1]:4772/v1/credentials",
                false,
            ),
            (
                "name_replaced_by_loopback",
                "http://irsa:4772/",
                "http://127.0.0.1:4772/v1/credentials",
                true,
            ),
            (
                "no_port_is_the_default",
                "http://localhost",
                "http://localhost:4772/v1/credentials",
                false,
            ),
            (
                "path_dropped",
                "http://127.0.0.1:9000/prefix",
                "http://127.0.0.1:9000/v1/credentials",
                false,
            ),
            (
                "https_kept_for_any_host",
                "https://irsa.example:8443",
                "https://irsa.example:8443/v1/credentials",
                false,
            ),
            (
                "ipv6_other_replaced",
                "http://[fd00::1]:7000",
                "http://127.0.0.1:7000/v1/credentials",
                true,
            ),
            (
                "bad_port_is_the_default",
                "http://localhost:x",
                "http://localhost:4772/v1/credentials",
                false,
            ),
        ];
        for (name, endpoint, want, replaced) in cases {
            assert_eq!(
                credentials_uri(endpoint),
                (want.to_owned(), replaced),
                "case {name}"
            );
        }
    }

    #[test]
    fn credentials_uri_never_panics() {
        for endpoint in [
            "",
            "http://",
            "http://[",
            "http://[::1",
            "https://",
            ":",
            "http://:",
        ] {
            let _ = credentials_uri(endpoint);
        }
    }
}
