//! The load itself: scenarios, their prepared requests, and keep-alive connections that
//! send them back to back until a deadline or a total count.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;

/// One kind of request under load.
pub struct Scenario {
    pub name: &'static str,
    method: &'static str,
    path: &'static str,
    body: Body,
    expect: u16,
}

/// What a scenario sends.
enum Body {
    /// The same JSON body every time.
    Json(&'static str),
    /// AssumeRoleWithWebIdentity with a distinct pre-minted token per request (cycling
    /// through [`DISTINCT_TOKENS`]).
    WebIdentityTokens,
    /// A request signed once with the admin keys by the Rust SDK's SigV4 signer, for this
    /// service; the server verifies the signature in full every time.
    Signed { service: &'static str },
    /// The Pod Identity Agent's request: a pod identity token of `default/iam-test` as the
    /// `Authorization` header, after the admin gave that account an association to a role
    /// trusting `pods.eks.amazonaws.com`. Each request verifies the token, evaluates the
    /// trust policy and seals new credentials, as AssumeRoleWithWebIdentity does.
    PodIdentityToken,
}

/// Tokens minted before an AssumeRoleWithWebIdentity run.
const DISTINCT_TOKENS: usize = 4000;

pub const SCENARIOS: [Scenario; 7] = [
    Scenario {
        name: "discovery",
        method: "GET",
        path: "/.well-known/openid-configuration",
        body: Body::Json(""),
        expect: 200,
    },
    Scenario {
        name: "jwks",
        method: "GET",
        path: "/keys",
        body: Body::Json(""),
        expect: 200,
    },
    Scenario {
        name: "TokenRequest",
        method: "POST",
        path: TOKEN_PATH,
        body: Body::Json(TOKEN_REQUEST),
        expect: 201,
    },
    Scenario {
        name: "AssumeRoleWithWebIdentity",
        method: "POST",
        path: "/",
        body: Body::WebIdentityTokens,
        expect: 200,
    },
    Scenario {
        name: "PodIdentityAgent",
        method: "GET",
        path: "/v1/credentials",
        body: Body::PodIdentityToken,
        expect: 200,
    },
    Scenario {
        name: "GetCallerIdentity",
        method: "POST",
        path: "/",
        body: Body::Signed { service: "sts" },
        expect: 200,
    },
    Scenario {
        name: "ListBuckets",
        method: "GET",
        path: "/",
        body: Body::Signed { service: "s3" },
        expect: 200,
    },
];

const GET_CALLER_IDENTITY: &str = "Action=GetCallerIdentity&Version=2011-06-15";
const TOKEN_PATH: &str = "/api/v1/namespaces/default/serviceaccounts/iam-test/token";
const TOKEN_REQUEST: &str = r#"{"spec":{"audiences":["sts.amazonaws.com"]}}"#;

/// A scenario ready to send to one server: its bodies, content type and signed headers.
pub struct Prepared {
    scenario: &'static Scenario,
    bodies: Vec<Bytes>,
    content_type: &'static str,
    headers: Vec<(String, String)>,
}

impl Prepared {
    /// Prepares `scenario` for the server on `target`; tokens are minted by irsa-local on
    /// `mint_port` (a peer such as moto accepts any token, so irsa-local's serve both).
    pub async fn new(scenario: &'static Scenario, target: u16, mint_port: u16) -> Self {
        let bodies = bodies(mint_port, scenario).await;
        let content_type = match scenario.body {
            Body::Json(_) | Body::PodIdentityToken => "application/json",
            Body::WebIdentityTokens | Body::Signed { .. } => {
                "application/x-www-form-urlencoded; charset=utf-8"
            }
        };
        let headers = match scenario.body {
            Body::Signed { service } => sign(
                target,
                scenario.method,
                "/",
                &bodies[0],
                service,
                content_type,
            ),
            Body::PodIdentityToken => {
                vec![("authorization".to_owned(), pod_identity_token(target).await)]
            }
            _ => Vec::new(),
        };
        let bodies = match scenario.body {
            Body::PodIdentityToken => vec![Bytes::new()],
            _ => bodies,
        };
        Self {
            scenario,
            bodies,
            content_type,
            headers,
        }
    }
}

/// When the load stops.
#[derive(Clone)]
pub enum Until {
    Deadline(Instant),
    /// After this many requests in all, counted in the shared counter.
    Total(Arc<AtomicU64>, u64),
}

impl Until {
    fn reached(&self) -> bool {
        match self {
            Self::Deadline(deadline) => Instant::now() >= *deadline,
            Self::Total(sent, total) => sent.fetch_add(1, Ordering::Relaxed) >= *total,
        }
    }
}

pub struct LoadResult {
    pub requests: u64,
    pub per_second: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub errors: u64,
}

/// `concurrency` connections to `target`, each cycling through `plan` (one scenario, or
/// several for a mixed soak) until `until`.
pub async fn load(
    target: u16,
    plan: Arc<Vec<Prepared>>,
    concurrency: usize,
    until: Until,
) -> LoadResult {
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|worker| tokio::spawn(connection(target, plan.clone(), worker, until.clone())))
        .collect();
    let mut latencies = Vec::new();
    let mut errors = 0;
    for worker in workers {
        let (mut worker_latencies, worker_errors) = worker.await.expect("worker");
        latencies.append(&mut worker_latencies);
        errors += worker_errors;
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let percentile = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(0.0, |d| ms(*d))
    };
    LoadResult {
        requests: latencies.len() as u64,
        per_second: latencies.len() as f64 / elapsed,
        p50_ms: percentile(0.50),
        p99_ms: percentile(0.99),
        errors,
    }
}

/// The request bodies a scenario cycles through.
async fn bodies(port: u16, scenario: &Scenario) -> Vec<Bytes> {
    match scenario.body {
        Body::Json(body) => vec![Bytes::from_static(body.as_bytes())],
        Body::Signed { service: "sts" } => vec![Bytes::from_static(GET_CALLER_IDENTITY.as_bytes())],
        Body::Signed { .. } | Body::PodIdentityToken => vec![Bytes::new()],
        Body::WebIdentityTokens => {
            let (mut sender, connection) = open(port).await;
            tokio::spawn(connection);
            let mut bodies = Vec::with_capacity(DISTINCT_TOKENS);
            for _ in 0..DISTINCT_TOKENS {
                let request = request(
                    port,
                    "POST",
                    TOKEN_PATH,
                    "application/json",
                    Bytes::from_static(TOKEN_REQUEST.as_bytes()),
                );
                let response = sender.send_request(request).await.expect("mint a token");
                let body = response
                    .into_body()
                    .collect()
                    .await
                    .expect("token body")
                    .to_bytes();
                let answer: serde_json::Value =
                    serde_json::from_slice(&body).expect("TokenRequest JSON");
                let token = answer["status"]["token"]
                    .as_str()
                    .expect("token")
                    .to_owned();
                let form = form_urlencoded::Serializer::new(String::new())
                    .extend_pairs([
                        ("Action", "AssumeRoleWithWebIdentity"),
                        ("Version", "2011-06-15"),
                        ("RoleArn", "arn:aws:iam::111122223333:role/iam-test"),
                        ("RoleSessionName", "bench"),
                        ("WebIdentityToken", token.as_str()),
                    ])
                    .finish();
                bodies.push(Bytes::from(form));
            }
            bodies
        }
    }
}

/// Gives `default/iam-test` a Pod Identity association (a role trusting
/// `pods.eks.amazonaws.com`, created through IAM and EKS as a user would) and returns a
/// pod identity token for it.
async fn pod_identity_token(port: u16) -> String {
    const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]}]}"#;
    let form = form_urlencoded::Serializer::new(String::new())
        .extend_pairs([
            ("Action", "CreateRole"),
            ("Version", "2010-05-08"),
            ("RoleName", "bench-pod-identity"),
            ("AssumeRolePolicyDocument", TRUST),
        ])
        .finish();
    let association = r#"{"namespace":"default","serviceAccount":"iam-test","roleArn":"arn:aws:iam::111122223333:role/bench-pod-identity"}"#;
    let form_type = "application/x-www-form-urlencoded; charset=utf-8";
    let associations = "/clusters/eksworkshop-eksctl/pod-identity-associations";
    // Signing service ("" for none), method, path, content type, body, accepted statuses.
    type Step<'a> = (&'a str, &'a str, &'a str, &'a str, Vec<u8>, &'a [u16]);
    let steps: [Step; 3] = [
        (
            "iam",
            "POST",
            "/",
            form_type,
            form.into_bytes(),
            &[200, 409],
        ),
        (
            "eks",
            "POST",
            associations,
            "application/json",
            association.as_bytes().to_vec(),
            &[200, 409],
        ),
        (
            "",
            "POST",
            TOKEN_PATH,
            "application/json",
            br#"{"spec":{"audiences":["pods.eks.amazonaws.com"]}}"#.to_vec(),
            &[201],
        ),
    ];
    let (mut sender, connection) = open(port).await;
    tokio::spawn(connection);
    let mut last = Bytes::new();
    for (service, method, path, content_type, body, ok) in steps {
        let headers = if service.is_empty() {
            Vec::new()
        } else {
            sign(port, method, path, &body, service, content_type)
        };
        let mut request = request(port, method, path, content_type, Bytes::from(body));
        for (name, value) in headers {
            request.headers_mut().insert(
                hyper::header::HeaderName::from_bytes(name.as_bytes()).expect("header name"),
                hyper::header::HeaderValue::from_str(&value).expect("header value"),
            );
        }
        let response = sender.send_request(request).await.expect("setup request");
        let status = response.status().as_u16();
        last = response
            .into_body()
            .collect()
            .await
            .expect("setup body")
            .to_bytes();
        assert!(
            ok.contains(&status),
            "{method} {path}: {status} {}",
            String::from_utf8_lossy(&last)
        );
    }
    let answer: serde_json::Value = serde_json::from_slice(&last).expect("TokenRequest JSON");
    answer["status"]["token"]
        .as_str()
        .expect("token")
        .to_owned()
}

type Connection =
    hyper::client::conn::http1::Connection<TokioIo<tokio::net::TcpStream>, Full<Bytes>>;

async fn open(
    port: u16,
) -> (
    hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    Connection,
) {
    let stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake")
}

fn request(
    port: u16,
    method: &str,
    path: &str,
    content_type: &str,
    body: Bytes,
) -> hyper::Request<Full<Bytes>> {
    hyper::Request::builder()
        .method(method)
        .uri(path)
        .header("host", format!("127.0.0.1:{port}"))
        .header("content-type", content_type)
        .body(Full::new(body))
        .expect("request")
}

/// One keep-alive connection sending requests back to back until `until`. A server that
/// closes the connection after a response (`Connection: close`, as moto's development
/// server does) gets a new connection, as any HTTP client would open; a request that
/// fails on the wire counts as an error and also gets a new connection.
async fn connection(
    port: u16,
    plan: Arc<Vec<Prepared>>,
    worker: usize,
    until: Until,
) -> (Vec<Duration>, u64) {
    let mut latencies = Vec::new();
    let mut errors = 0;
    let mut sender = connect(port).await;
    let mut next = worker * 997;
    while !until.reached() {
        let prepared = &plan[next % plan.len()];
        let scenario = prepared.scenario;
        let body = prepared.bodies[next % prepared.bodies.len()].clone();
        next += 1;
        let mut request = request(
            port,
            scenario.method,
            scenario.path,
            prepared.content_type,
            body,
        );
        for (name, value) in &prepared.headers {
            request.headers_mut().insert(
                hyper::header::HeaderName::from_bytes(name.as_bytes()).expect("header name"),
                hyper::header::HeaderValue::from_str(value).expect("header value"),
            );
        }
        let sent = Instant::now();
        match sender.send_request(request).await {
            Ok(response) => {
                let status = response.status().as_u16();
                let closes = response
                    .headers()
                    .get(hyper::header::CONNECTION)
                    .is_some_and(|value| value.as_bytes().eq_ignore_ascii_case(b"close"));
                let complete = response.into_body().collect().await.is_ok();
                if status == scenario.expect && complete {
                    latencies.push(sent.elapsed());
                } else {
                    errors += 1;
                }
                if closes || !complete {
                    sender = connect(port).await;
                }
            }
            Err(_) => {
                errors += 1;
                sender = connect(port).await;
            }
        }
    }
    (latencies, errors)
}

/// A new keep-alive connection to the server on `port` (for the write scenarios).
pub async fn connect_to(port: u16) -> hyper::client::conn::http1::SendRequest<Full<Bytes>> {
    connect(port).await
}

/// A new connection whose driver runs in the background.
async fn connect(port: u16) -> hyper::client::conn::http1::SendRequest<Full<Bytes>> {
    let (sender, connection) = open(port).await;
    tokio::spawn(connection);
    sender
}

/// Signs one request with the admin keys (`test`/`test`) for `service`; every request of
/// the run reuses these headers, well within the 15-minute window.
pub fn sign(
    port: u16,
    method: &str,
    path: &str,
    body: &[u8],
    service: &str,
    content_type: &str,
) -> Vec<(String, String)> {
    use aws_sigv4::http_request::{
        sign, PayloadChecksumKind, SignableBody, SignableRequest, SigningSettings,
    };
    let host = format!("127.0.0.1:{port}");
    let mut headers = vec![
        ("host".to_owned(), host.clone()),
        ("content-type".to_owned(), content_type.to_owned()),
    ];
    let mut settings = SigningSettings::default();
    if service == "s3" {
        settings.payload_checksum_kind = PayloadChecksumKind::XAmzSha256;
    }
    let identity =
        aws_credential_types::Credentials::new("test", "test", None, None, "bench").into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region("us-west-2")
        .name(service)
        .time(std::time::SystemTime::now())
        .settings(settings)
        .build()
        .expect("signing params")
        .into();
    let uri = format!("http://{host}{path}");
    let signable = SignableRequest::new(
        method,
        uri.as_str(),
        headers.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        SignableBody::Bytes(body),
    )
    .expect("signable");
    let (instructions, _) = sign(signable, &params).expect("sign").into_parts();
    for header in instructions.into_parts().0 {
        headers.push((header.name().to_owned(), header.value().to_owned()));
    }
    headers.retain(|(name, _)| name != "host" && name != "content-type");
    headers
}

pub fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}
