//! `irsa-local health`: one `GET /_irsa/health` against a running server, for a container
//! `HEALTHCHECK` in an image that has no curl. Plain HTTP/1.1 over a TCP stream with a
//! timeout on every step; `http://` URLs only (the server speaks nothing else).

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

/// The server's default address as a URL.
pub const DEFAULT_URL: &str = "http://127.0.0.1:4772";
/// The path the router answers health checks on.
const HEALTH_PATH: &str = "/_irsa/health";

/// Why the server is not healthy, or could not be asked.
#[derive(Debug, thiserror::Error)]
pub enum HealthError {
    #[error("{0:?} is not an http://host[:port][/prefix] URL")]
    Url(String),
    #[error("cannot reach {address}: {source}")]
    Connect {
        address: String,
        #[source]
        source: io::Error,
    },
    #[error("{url} gave no HTTP answer")]
    NoAnswer { url: String },
    #[error("{url} answered HTTP {status}")]
    Unhealthy { url: String, status: u16 },
}

/// Asks the server at `base_url` whether it is healthy; `Ok` only for a 200 answer.
pub fn check(base_url: &str, timeout: Duration) -> Result<(), HealthError> {
    let (authority, prefix) = split_url(base_url)?;
    let url = format!("http://{authority}{prefix}{HEALTH_PATH}");
    let address = if authority.contains(':') {
        authority.to_owned()
    } else {
        format!("{authority}:80")
    };
    let connect_error = |source| HealthError::Connect {
        address: address.clone(),
        source,
    };
    let addresses: Vec<SocketAddr> = address.to_socket_addrs().map_err(connect_error)?.collect();
    let mut last_error = io::Error::new(io::ErrorKind::NotFound, "the name has no address");
    let mut stream = None;
    for candidate in addresses {
        match TcpStream::connect_timeout(&candidate, timeout) {
            Ok(connected) => {
                stream = Some(connected);
                break;
            }
            Err(err) => last_error = err,
        }
    }
    let mut stream = stream.ok_or_else(|| connect_error(last_error))?;
    let request = format!(
        "GET {prefix}{HEALTH_PATH} HTTP/1.1\r\nHost: {authority}\r\nUser-Agent: irsa-local-health\r\nConnection: close\r\n\r\n"
    );
    let mut answer = Vec::new();
    let exchanged = stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .and_then(|()| stream.write_all(request.as_bytes()))
        .and_then(|()| (&mut stream).take(1024).read_to_end(&mut answer));
    // A reset after a complete status line still tells the status.
    let status = status_code(&answer);
    match (exchanged, status) {
        (_, Some(200)) => Ok(()),
        (_, Some(status)) => Err(HealthError::Unhealthy { url, status }),
        (Err(source), None) => Err(connect_error(source)),
        (Ok(_), None) => Err(HealthError::NoAnswer { url }),
    }
}

/// `http://host[:port][/prefix]` → (`host[:port]`, `/prefix` without a trailing slash).
fn split_url(url: &str) -> Result<(&str, &str), HealthError> {
    let bad = || HealthError::Url(url.to_owned());
    let rest = url.strip_prefix("http://").ok_or_else(bad)?;
    let (authority, prefix) = rest.find('/').map_or((rest, ""), |at| rest.split_at(at));
    let prefix = prefix.trim_end_matches('/');
    let clean = |text: &str| {
        text.bytes()
            .all(|b| b.is_ascii_graphic() && !b"?#@".contains(&b))
    };
    if authority.is_empty() || !clean(authority) || !clean(prefix) {
        return Err(bad());
    }
    Ok((authority, prefix))
}

/// The status code of an HTTP/1.x answer's first line.
fn status_code(answer: &[u8]) -> Option<u16> {
    let line = answer.split(|b| *b == b'\n').next()?;
    let line = std::str::from_utf8(line).ok()?;
    let mut words = line.split_ascii_whitespace();
    words
        .next()
        .filter(|version| version.starts_with("HTTP/1."))?;
    words.next()?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        let cases = [
            (
                "default",
                "http://127.0.0.1:4772",
                Some(("127.0.0.1:4772", "")),
            ),
            (
                "trailing_slash",
                "http://irsa:4772/",
                Some(("irsa:4772", "")),
            ),
            ("prefix", "http://proxy/irsa/", Some(("proxy", "/irsa"))),
            ("https_unsupported", "https://irsa:4772", None),
            ("no_scheme", "irsa:4772", None),
            ("no_host", "http:///x", None),
            ("userinfo", "http://a@b", None),
            ("query", "http://a/?b", None),
            ("space", "http://a b", None),
        ];
        for (name, url, want) in cases {
            assert_eq!(split_url(url).ok(), want, "case {name}");
        }
    }

    #[test]
    fn status_lines() {
        let cases: [(&str, &[u8], Option<u16>); 6] = [
            (
                "ok",
                b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}",
                Some(200),
            ),
            (
                "unavailable",
                b"HTTP/1.0 503 Service Unavailable\r\n",
                Some(503),
            ),
            ("not_http", b"SSH-2.0-OpenSSH\r\n", None),
            ("http2_preface", b"HTTP/2 200\r\n", None),
            ("empty", b"", None),
            ("binary", &[0xff, 0xfe, b'\n'], None),
        ];
        for (name, answer, want) in cases {
            assert_eq!(status_code(answer), want, "case {name}");
        }
    }

    #[test]
    fn nothing_listening_is_a_connect_error() {
        // Bind then drop: the port is very likely free for the moment of the check.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map(|address| address.port())
            .unwrap();
        let err = check(&format!("http://127.0.0.1:{port}"), Duration::from_secs(2)).unwrap_err();
        assert!(matches!(err, HealthError::Connect { .. }), "{err}");
    }
}
