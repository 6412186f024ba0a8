//! The bad-input catalogue: what a broken or hostile client can send. Each input gets an
//! AWS-style (or Kubernetes-style) 4xx, or a closed connection, never a panic or a hang;
//! after each one the server answers the next request.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::{form, send_request, TestServer};

const TOKEN_PATH: &str = "/api/v1/namespaces/default/serviceaccounts/iam-test/token";
const FORM: &str = "application/x-www-form-urlencoded";
/// A syntactically valid Authorization header for `service`; its signature is wrong.
fn authorization(service: &str) -> String {
    format!(
        "AWS4-HMAC-SHA256 Credential=test/20261129/us-west-2/{service}/aws4_request, \
         SignedHeaders=host;x-amz-date, Signature={}",
        "0".repeat(64)
    )
}

/// Sends raw bytes on a fresh connection and returns what came back before the server
/// closed it or `wait` passed (empty when it just closed).
async fn raw(server: &TestServer, bytes: &[u8], wait: Duration) -> String {
    let address = server.base_url.trim_start_matches("http://");
    let mut stream = TcpStream::connect(address).await.expect("connect");
    let _ = stream.write_all(bytes).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(wait, stream.read_to_end(&mut answer)).await;
    String::from_utf8_lossy(&answer).into_owned()
}

async fn still_serves(server: &TestServer, case: &str) {
    let reply = server.get("/_irsa/health").await;
    assert_eq!(
        reply.status, 200,
        "the server stopped answering after {case}"
    );
}

/// The HTTP status at the head of a raw answer.
fn status_of(answer: &str) -> Option<u16> {
    answer.get(9..12)?.parse().ok()
}

/// (case, path, headers, body, expected status, expected code in the body)
type BodyCase = (
    &'static str,
    &'static str,
    Vec<(&'static str, String)>,
    Vec<u8>,
    u16,
    &'static str,
);

#[tokio::test]
async fn oversized_and_malformed_bodies_get_each_protocols_refusal() {
    let server = TestServer::start().await;
    let big = |n: usize| vec![b'a'; n];
    let many_params: String = (0..10_000).map(|i| format!("P{i}=v&")).collect();
    let deep_policy = format!("{}{}", "[".repeat(5_000), "]".repeat(5_000));
    let session_policy = form(&[
        ("Action", "AssumeRoleWithWebIdentity"),
        ("Version", "2011-06-15"),
        ("RoleArn", "arn:aws:iam::111122223333:role/iam-test"),
        ("RoleSessionName", "s"),
        ("WebIdentityToken", "a.b.c"),
        ("Policy", &deep_policy),
    ]);
    let json = || vec![("content-type", "application/json".to_owned())];
    let form_type = || vec![("content-type", FORM.to_owned())];
    let signed = |service: &str, content_type: &str| {
        vec![
            ("content-type", content_type.to_owned()),
            ("authorization", authorization(service)),
            ("x-amz-date", "20261129T000000Z".to_owned()),
        ]
    };
    let cases: Vec<BodyCase> = vec![
        (
            "token_request_over_3mib",
            TOKEN_PATH,
            json(),
            big(3_200_000),
            413,
            "Request entity too large: limit is 3145728",
        ),
        (
            "service_account_over_3mib",
            "/api/v1/namespaces/default/serviceaccounts",
            json(),
            big(3_200_000),
            413,
            "Request entity too large: limit is 3145728",
        ),
        (
            "sts_over_256k",
            "/",
            form_type(),
            big(300_000),
            413,
            "RequestEntityTooLarge",
        ),
        (
            "iam_over_256k",
            "/",
            signed("iam", FORM),
            big(300_000),
            413,
            "RequestEntityTooLarge",
        ),
        (
            "eks_over_64k",
            "/clusters",
            signed("eks", "application/json"),
            big(70_000),
            400,
            "InvalidRequestException",
        ),
        (
            "sts_invalid_utf8",
            "/",
            form_type(),
            b"Action=AssumeRoleWithWebIdentity&Version=2011-06-15&RoleSessionName=\xff\xfe"
                .to_vec(),
            400,
            "Error",
        ),
        (
            "sts_10000_params",
            "/",
            form_type(),
            format!("{many_params}Action=GetCallerIdentity&Version=2011-06-15").into_bytes(),
            400,
            "ValidationError",
        ),
        (
            "sts_deeply_nested_session_policy",
            "/",
            form_type(),
            session_policy,
            400,
            "Error",
        ),
        (
            "k8s_invalid_utf8_json",
            "/api/v1/namespaces/default/serviceaccounts",
            json(),
            vec![0xff, 0x7b],
            400,
            "BadRequest",
        ),
        (
            "k8s_deeply_nested_json",
            "/api/v1/namespaces/default/serviceaccounts",
            json(),
            "[".repeat(60_000).into_bytes(),
            400,
            "BadRequest",
        ),
    ];
    for (name, path, headers, body, status, code) in cases {
        let headers: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (*n, v.as_str())).collect();
        let reply = send_request(
            &format!("{}{path}", server.base_url),
            "POST",
            &headers,
            body,
        )
        .await;
        assert_eq!(reply.status, status, "case {name}: {}", reply.body);
        let error_type = reply.header("x-amzn-errortype").unwrap_or_default();
        assert!(
            reply.body.contains(code) || error_type == code,
            "case {name}: no {code} in {}",
            reply.body
        );
        still_serves(&server, name).await;
    }
}

#[tokio::test]
async fn broken_http_gets_a_4xx_or_a_closed_connection() {
    let server = TestServer::start().await;
    let huge_header = format!(
        "GET /keys HTTP/1.1\r\nHost: localhost\r\nX-Big: {}\r\n\r\n",
        "a".repeat(1 << 20)
    );
    let many_headers = format!(
        "GET /keys HTTP/1.1\r\nHost: localhost\r\n{}\r\n",
        (0..10_000)
            .map(|i| format!("X-H{i}: v\r\n"))
            .collect::<String>()
    );
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("huge_header", huge_header.into_bytes()),
        ("ten_thousand_headers", many_headers.into_bytes()),
        ("garbage", b"\x16\x03\x01\x02\x00hello\r\n\r\n".to_vec()),
        ("bad_request_line", b"GET\r\n\r\n".to_vec()),
        ("invalid_utf8_path", b"GET /api/v1/namespaces/\xff/serviceaccounts/x HTTP/1.1\r\nHost: localhost\r\n\r\n".to_vec()),
        ("truncated_body", b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\nAction=Get".to_vec()),
        ("truncated_chunked", b"POST / HTTP/1.1\r\nHost: localhost\r\nTransfer-Encoding: chunked\r\n\r\n10\r\nAct".to_vec()),
        ("bad_content_length", b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: -5\r\n\r\n".to_vec()),
    ];
    for (name, bytes) in cases {
        // A truncated request is answered (or dropped) once the client gives up: half-close.
        let answer = raw(&server, &bytes, Duration::from_secs(2)).await;
        match status_of(&answer) {
            None => {} // closed without an answer
            Some(status) => assert!((400..500).contains(&status), "case {name}: {answer:.200}"),
        }
        still_serves(&server, name).await;
    }
}

#[tokio::test]
async fn percent_encoded_invalid_utf8_in_a_kubernetes_path_is_a_status() {
    let server = TestServer::start().await;
    for path in [
        "/api/v1/namespaces/%FF/serviceaccounts/x",
        "/api/v1/namespaces/default/serviceaccounts/%C3%28",
        "/k8s/%FF/api/v1/namespaces/default/serviceaccounts/x",
    ] {
        let reply = send_request(
            &format!("{}{path}", server.base_url),
            "GET",
            &[],
            Vec::new(),
        )
        .await;
        assert_eq!(reply.status, 400, "{path}: {}", reply.body);
        assert_eq!(reply.json()["kind"], "Status", "{path}: {}", reply.body);
        still_serves(&server, path).await;
    }
}

/// A server whose idle timeout is one second, on an ephemeral port.
async fn impatient_server() -> (String, tokio::sync::oneshot::Sender<()>, tempfile::TempDir) {
    crate::support::serve_default_world(irsa_local::ServeOptions {
        idle_timeout: Duration::from_secs(1),
        ..irsa_local::ServeOptions::default()
    })
    .await
}

/// Reads until the server closes the connection; how long that took, or `None` if it
/// stayed open past `limit`.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Duration> {
    let started = std::time::Instant::now();
    let mut sink = Vec::new();
    match tokio::time::timeout(limit, stream.read_to_end(&mut sink)).await {
        Ok(_) => Some(started.elapsed()),
        Err(_) => None,
    }
}

#[tokio::test]
async fn silent_slow_and_idle_connections_are_closed_after_the_idle_timeout() {
    let (address, _stop, _data) = impatient_server().await;
    let limit = Duration::from_secs(5);

    let mut silent = TcpStream::connect(&address).await.unwrap();
    assert!(
        closed_within(&mut silent, limit).await.is_some(),
        "a silent connection stayed open"
    );

    // Headers trickling in, one byte every 300 ms, never finishing within the timeout.
    let mut slow = TcpStream::connect(&address).await.unwrap();
    let trickle = async {
        for byte in b"GET /keys HTTP/1.1\r\nHost: localhost\r\nX-Slow: aaaaaaaaaaaaaaaaaaaa" {
            if slow.write_all(&[*byte]).await.is_err() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(300)).await;
        }
    };
    let _ = tokio::time::timeout(limit, trickle).await;
    assert!(
        closed_within(&mut slow, Duration::from_millis(100))
            .await
            .is_some(),
        "a slowloris client kept its connection"
    );

    // A keep-alive connection answers, then is closed once it has been idle too long.
    let mut idle = TcpStream::connect(&address).await.unwrap();
    idle.write_all(b"GET /_irsa/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
        .await
        .unwrap();
    let mut head = [0u8; 12];
    idle.read_exact(&mut head).await.unwrap();
    assert_eq!(&head[9..12], b"200");
    let took = closed_within(&mut idle, limit)
        .await
        .expect("an idle keep-alive connection stayed open");
    assert!(
        took >= Duration::from_millis(500),
        "closed too early: {took:?}"
    );

    // And the server still answers.
    let mut fresh = TcpStream::connect(&address).await.unwrap();
    fresh
        .write_all(b"GET /_irsa/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        .await
        .unwrap();
    let mut answer = String::new();
    fresh.read_to_string(&mut answer).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
}
