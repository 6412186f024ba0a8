//! Bounded resources under a flood: a body that stalls is refused in its protocol's words
//! once `--body-timeout` passes and its connection closed, and past `--max-connections`
//! health checks are still answered while other requests are refused as busy.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const BODY_TIMEOUT: Duration = Duration::from_secs(1);
const SERVICE_ACCOUNTS: &str = "/api/v1/namespaces/default/serviceaccounts";

/// A server with a one-second body timeout and room for `max_connections`.
async fn bounded_server(
    max_connections: usize,
) -> (String, tokio::sync::oneshot::Sender<()>, tempfile::TempDir) {
    crate::support::serve_default_world(irsa_local::ServeOptions {
        body_timeout: BODY_TIMEOUT,
        capacity: irsa_local::server::Capacity::new(max_connections),
        ..irsa_local::ServeOptions::default()
    })
    .await
}

/// A connection that sent a request's head announcing 1,000 bytes of body, and one byte.
async fn stalled(address: &str, method: &str, path: &str, headers: &[(&str, &str)]) -> TcpStream {
    let mut stream = TcpStream::connect(address).await.expect("connect");
    let mut head =
        format!("{method} {path} HTTP/1.1\r\nHost: localhost\r\nContent-Length: 1000\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n{");
    stream
        .write_all(head.as_bytes())
        .await
        .expect("send the head");
    stream
}

/// What the server sent before it closed the connection, and when; `None` if it was
/// still open after `limit`.
async fn answer_and_close(stream: &mut TcpStream, limit: Duration) -> Option<(String, Duration)> {
    let started = Instant::now();
    let mut answer = Vec::new();
    match tokio::time::timeout(limit, stream.read_to_end(&mut answer)).await {
        Ok(_) => Some((
            String::from_utf8_lossy(&answer).into_owned(),
            started.elapsed(),
        )),
        Err(_) => None,
    }
}

async fn health(address: &str) -> Result<u16, String> {
    let mut stream = TcpStream::connect(address)
        .await
        .map_err(|err| err.to_string())?;
    stream
        .write_all(b"GET /_irsa/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .map_err(|err| err.to_string())?;
    let mut answer = String::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_string(&mut answer))
        .await
        .map_err(|_| "no answer in 5 s".to_owned())?
        .map_err(|err| err.to_string())?;
    answer
        .get(9..12)
        .and_then(|status| status.parse().ok())
        .ok_or(answer)
}

/// Name, method, path, headers, the status, and a text the answer must contain.
type StallCase<'a> = (
    &'a str,
    &'a str,
    &'a str,
    Vec<(&'a str, &'a str)>,
    &'a str,
    &'a str,
);

#[tokio::test]
async fn a_stalled_body_is_refused_in_its_protocols_words_and_closed() {
    let (address, _stop, _data) = bounded_server(64).await;
    let eks_authorization = "AWS4-HMAC-SHA256 Credential=test/20261129/us-west-2/eks/aws4_request, \
         SignedHeaders=host;x-amz-date, Signature=0000000000000000000000000000000000000000000000000000000000000000";
    let form = ("Content-Type", "application/x-www-form-urlencoded");
    let json = ("Content-Type", "application/json");
    let cases: [StallCase; 4] = [
        (
            "sts_query",
            "POST",
            "/",
            vec![form],
            "400",
            "<Code>RequestTimeout</Code>",
        ),
        (
            "kubernetes_create",
            "POST",
            SERVICE_ACCOUNTS,
            vec![json],
            "504",
            "\"reason\":\"Timeout\"",
        ),
        (
            "eks_json",
            "POST",
            "/clusters",
            vec![
                json,
                ("Authorization", eks_authorization),
                ("X-Amz-Date", "20261129T000000Z"),
            ],
            "408",
            "RequestTimeoutException",
        ),
        (
            "webhook",
            "POST",
            "/mutate",
            vec![json],
            "504",
            "\"reason\":\"Timeout\"",
        ),
    ];
    for (name, method, path, headers, status, code) in cases {
        let mut stream = stalled(&address, method, path, &headers).await;
        let (answer, took) = answer_and_close(&mut stream, Duration::from_secs(10))
            .await
            .unwrap_or_else(|| panic!("case {name}: the stalled connection stayed open"));
        assert!(
            answer.get(9..12) == Some(status),
            "case {name}: {answer:.300}"
        );
        assert!(answer.contains(code), "case {name}: {answer:.600}");
        assert!(
            took >= BODY_TIMEOUT / 2,
            "case {name}: answered after {took:?}, before the body timeout"
        );
    }
}

#[tokio::test]
async fn past_the_cap_health_is_answered_and_the_stalled_are_closed() {
    let (address, _stop, _data) = bounded_server(8).await;
    // Far more stalled connections than the cap and its overflow slots.
    let mut flood = Vec::new();
    for _ in 0..200 {
        match TcpStream::connect(&address).await {
            Ok(mut stream) => {
                let head = format!(
                    "POST {SERVICE_ACCOUNTS} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{{"
                );
                let _ = stream.write_all(head.as_bytes()).await;
                flood.push(stream);
            }
            Err(err) => panic!("connect: {err}"),
        }
    }
    for attempt in 0..5 {
        assert_eq!(
            health(&address).await,
            Ok(200),
            "health check {attempt} past the cap"
        );
    }
    // Another request past the cap: refused as kube-apiserver refuses when saturated.
    let mut busy = TcpStream::connect(&address).await.expect("connect");
    busy.write_all(b"GET /api/v1/namespaces HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .expect("send");
    let (answer, _) = answer_and_close(&mut busy, Duration::from_secs(5))
        .await
        .expect("a busy refusal closes its connection");
    assert!(answer.starts_with("HTTP/1.1 429"), "{answer:.300}");
    assert!(answer.contains("TooManyRequests"), "{answer:.600}");
    // Every stalled connection is closed by the server: the body timeout for those
    // within the cap, at once for those past it.
    let started = Instant::now();
    for (index, stream) in flood.iter_mut().enumerate() {
        let left = Duration::from_secs(10).saturating_sub(started.elapsed());
        assert!(
            answer_and_close(stream, left).await.is_some(),
            "stalled connection {index} still open after {:?}",
            started.elapsed()
        );
    }
    assert_eq!(health(&address).await, Ok(200), "health after the flood");
}
