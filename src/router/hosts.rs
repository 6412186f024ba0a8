//! Which `Host` values are served. Every request must name one (the one host value that
//! S3 addressing reads is the one the signature covers). On a loopback listener, only
//! loopback names are served — `localhost`, `*.localhost`, `127.0.0.0/8`, `[::1]` — plus
//! the `--public-url` host and `--allow-host` names, so that a web page cannot reach the
//! server through DNS rebinding. On any other listener (`0.0.0.0` in a container) every
//! host is served.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use axum::http::header::HOST;
use axum::http::request::Parts;

use crate::config::Config;

/// The hosts a server serves.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostPolicy {
    /// `None` serves every host; otherwise loopback names and these (lowercase, no port).
    allowed: Option<Vec<String>>,
}

/// Why a request's Host is not served.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HostRefusal {
    #[error("the request has no Host header; irsa-local serves a request only for the host it names (and signs)")]
    Missing,
    #[error("the request line names host {uri:?} but the Host header names {header:?}")]
    Conflicting { uri: String, header: String },
    #[error("Host {host:?} is not served: irsa-local listens on a loopback address and serves loopback names only (a guard against DNS rebinding). Start it with --allow-host {name} to serve this name, or listen on 0.0.0.0")]
    NotAllowed { host: String, name: String },
}

impl HostPolicy {
    /// The policy for `config`: loopback-only when it listens on a loopback address.
    pub fn from_config(config: &Config) -> Self {
        if !config.listen.ip().is_loopback() {
            return Self { allowed: None };
        }
        let public = config
            .public_url
            .as_deref()
            .and_then(|url| url.split_once("://"))
            .map(|(_, rest)| rest.split('/').next().unwrap_or_default());
        let allowed = config
            .allow_hosts
            .iter()
            .map(String::as_str)
            .chain(public)
            .map(|host| hostname(host).to_ascii_lowercase())
            .collect();
        Self {
            allowed: Some(allowed),
        }
    }

    /// Checks the request's Host.
    pub fn check(&self, parts: &Parts) -> Result<(), HostRefusal> {
        let mut values = parts.headers.get_all(HOST).iter();
        let (Some(value), None) = (values.next(), values.next()) else {
            return Err(HostRefusal::Missing);
        };
        let host = value.to_str().map_err(|_| HostRefusal::Missing)?;
        if let Some(authority) = parts.uri.authority() {
            if !authority.as_str().eq_ignore_ascii_case(host) {
                return Err(HostRefusal::Conflicting {
                    uri: authority.to_string(),
                    header: host.to_owned(),
                });
            }
        }
        let Some(allowed) = &self.allowed else {
            return Ok(());
        };
        let name = hostname(host).to_ascii_lowercase();
        if is_loopback_name(&name) || allowed.contains(&name) {
            Ok(())
        } else {
            Err(HostRefusal::NotAllowed {
                host: host.to_owned(),
                name,
            })
        }
    }
}

/// The host part of `host[:port]` or `[v6]:port`.
fn hostname(host: &str) -> &str {
    if let Some(rest) = host.strip_prefix('[') {
        return rest.split(']').next().unwrap_or_default();
    }
    match host.rsplit_once(':') {
        Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) => name,
        _ => host,
    }
}

/// `localhost`, a name under `.localhost` (RFC 6761), or a loopback address.
fn is_loopback_name(name: &str) -> bool {
    let name = name.strip_suffix('.').unwrap_or(name);
    name == "localhost"
        || name.ends_with(".localhost")
        || name.parse::<Ipv4Addr>().is_ok_and(|ip| ip.is_loopback())
        || name
            .parse::<Ipv6Addr>()
            .is_ok_and(|ip| IpAddr::V6(ip).is_loopback())
}

#[cfg(test)]
mod tests {
    use axum::http::Request;

    use super::*;

    fn parts(uri: &str, hosts: &[&str]) -> Parts {
        let mut builder = Request::builder().uri(uri);
        for host in hosts {
            builder = builder.header(HOST, *host);
        }
        builder.body(()).unwrap().into_parts().0
    }

    fn policy(listen: &str, allow: &[&str], public_url: Option<&str>) -> HostPolicy {
        let mut config = Config::with_default_world("/nonexistent");
        config.listen = listen.parse().unwrap();
        config.allow_hosts = allow.iter().map(|host| (*host).to_owned()).collect();
        config.public_url = public_url.map(str::to_owned);
        HostPolicy::from_config(&config)
    }

    #[test]
    fn loopback_listeners_serve_loopback_names() {
        let loopback = policy(
            "127.0.0.1:4772",
            &["Irsa.Example"],
            Some("http://pub.test:80/x"),
        );
        let cases = [
            ("localhost", "localhost:4772", true),
            ("localhost_upper_case", "LOCALHOST:4772", true),
            ("localhost_no_port", "localhost", true),
            ("under_localhost", "bucket.localhost:4772", true),
            ("trailing_dot", "localhost.:4772", true),
            ("ipv4_loopback", "127.0.0.1:4772", true),
            ("other_ipv4_loopback", "127.9.8.7", true),
            ("ipv6_loopback", "[::1]:4772", true),
            ("allowed_name_any_case", "irsa.example:1", true),
            ("public_url_host", "pub.test:80", true),
            ("foreign", "evil.example", false),
            ("localhost_as_a_label", "localhost.evil.example:4772", false),
            ("private_address", "10.0.0.1:4772", false),
            ("unspecified_address", "0.0.0.0:4772", false),
            ("ipv6_other", "[::2]:4772", false),
        ];
        for (name, host, want) in cases {
            let got = loopback.check(&parts("/keys", &[host]));
            assert_eq!(got.is_ok(), want, "case {name}: {got:?}");
        }
    }

    #[test]
    fn other_listeners_serve_every_host() {
        let open = policy("0.0.0.0:4772", &[], None);
        assert_eq!(open.check(&parts("/keys", &["evil.example"])), Ok(()));
        assert_eq!(open.check(&parts("/keys", &[])), Err(HostRefusal::Missing));
    }

    #[test]
    fn a_request_names_exactly_one_host() {
        let loopback = policy("127.0.0.1:4772", &[], None);
        let cases = [
            ("missing", parts("/keys", &[]), false),
            ("twice", parts("/keys", &["localhost", "localhost"]), false),
            (
                "absolute_form_agrees",
                parts("http://localhost:4772/keys", &["localhost:4772"]),
                true,
            ),
            (
                "absolute_form_disagrees",
                parts("http://bucket-b.localhost/keys", &["localhost"]),
                false,
            ),
        ];
        for (name, request, want) in cases {
            assert_eq!(loopback.check(&request).is_ok(), want, "case {name}");
        }
    }

    #[test]
    fn the_refusal_says_how_to_allow_the_name() {
        let loopback = policy("127.0.0.1:4772", &[], None);
        let refusal = loopback
            .check(&parts("/keys", &["Evil.Example:4772"]))
            .unwrap_err();
        assert!(
            refusal.to_string().contains("--allow-host evil.example"),
            "{refusal}"
        );
    }
}
