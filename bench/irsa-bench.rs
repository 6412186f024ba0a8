//! The irsa-local benchmark: start-up time, request throughput and latency, and memory,
//! measured against the real release binary over loopback. Run it through `bench/run.sh`.
//!
//! Start-up is process spawn to the first 200 on the discovery document (median of 20
//! starts on an existing data dir). Load runs a fixed number of keep-alive connections for
//! a fixed time per scenario, with the server pinned to one core and the load generator to
//! the other, so "per second" means per server core.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;

/// One kind of request under load.
struct Scenario {
    name: &'static str,
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
}

/// Tokens minted before the AssumeRoleWithWebIdentity runs.
const DISTINCT_TOKENS: usize = 4000;

const SCENARIOS: [Scenario; 6] = [
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

struct Options {
    binary: String,
    data_dir: String,
    port: u16,
    seconds: u64,
    server_cpu: Option<String>,
    client_cpu: Option<String>,
    /// Run only the scenario with this name.
    only: Option<String>,
}

fn main() {
    let options = parse_args();
    println!("# irsa-local benchmark");
    println!();
    println!(
        "binary: {}; {} s per load run",
        options.binary, options.seconds
    );
    println!();

    // A first start creates the keys, so every timed start finds an existing data dir.
    let mut warm = start_server(&options, None);
    wait_ready(options.port, Duration::from_secs(30)).expect("first start");
    stop(&mut warm);

    let mut startups: Vec<Duration> = (0..20)
        .map(|_| {
            let started = Instant::now();
            let mut child = start_server(&options, None);
            let ready =
                wait_ready(options.port, Duration::from_secs(10)).map(|()| started.elapsed());
            stop(&mut child);
            ready.expect("server ready")
        })
        .collect();
    startups.sort();
    println!(
        "start-up to first 200 (20 starts): median {:.1} ms, min {:.1} ms, max {:.1} ms",
        ms(startups[10]),
        ms(startups[0]),
        ms(startups[19])
    );

    let mut server = start_server(&options, options.server_cpu.as_deref());
    wait_ready(options.port, Duration::from_secs(10)).expect("server ready");
    println!("idle RSS after start: {:.1} MB", rss_mb(server.id()));
    println!();
    println!("| scenario | concurrency | requests/s | p50 ms | p99 ms | errors |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let selected = SCENARIOS
        .iter()
        .filter(|s| options.only.as_deref().is_none_or(|only| only == s.name));
    for scenario in selected {
        for concurrency in [1, 32] {
            let result =
                runtime.block_on(load(options.port, scenario, concurrency, options.seconds));
            println!(
                "| {} | {} | {:.0} | {:.2} | {:.2} | {} |",
                scenario.name,
                concurrency,
                result.per_second,
                result.p50_ms,
                result.p99_ms,
                result.errors
            );
        }
    }
    println!();
    println!("RSS after load: {:.1} MB", rss_mb(server.id()));
    stop(&mut server);
}

fn parse_args() -> Options {
    let mut options = Options {
        binary: "target/release/irsa-local".into(),
        data_dir: std::env::temp_dir()
            .join("irsa-bench")
            .display()
            .to_string(),
        port: 47_720,
        seconds: 5,
        server_cpu: None,
        client_cpu: None,
        only: None,
    };
    let args: Vec<String> = std::env::args().skip(1).collect();
    for pair in args.chunks(2) {
        let value = pair.get(1).cloned().unwrap_or_default();
        match pair[0].as_str() {
            "--binary" => options.binary = value,
            "--data-dir" => options.data_dir = value,
            "--port" => options.port = value.parse().expect("--port"),
            "--seconds" => options.seconds = value.parse().expect("--seconds"),
            "--server-cpu" => options.server_cpu = Some(value),
            "--client-cpu" => options.client_cpu = Some(value),
            "--only" => options.only = Some(value),
            other => panic!("unknown option {other}"),
        }
    }
    if let Some(cpu) = &options.client_cpu {
        pin_self(cpu);
    }
    options
}

fn start_server(options: &Options, cpu: Option<&str>) -> Child {
    let listen = format!("127.0.0.1:{}", options.port);
    let server_args = [
        "serve",
        "--listen",
        &listen,
        "--data-dir",
        &options.data_dir,
    ];
    let mut command = match cpu {
        Some(cpu) => {
            let mut command = Command::new("taskset");
            command.args(["-c", cpu, &options.binary]).args(server_args);
            command
        }
        None => {
            let mut command = Command::new(&options.binary);
            command.args(server_args);
            command
        }
    };
    command
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn the server")
}

fn stop(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

fn pin_self(cpu: &str) {
    let pid = std::process::id().to_string();
    let _ = Command::new("taskset")
        .args(["-pc", cpu, &pid])
        .stdout(Stdio::null())
        .status();
}

/// Polls with a raw HTTP/1.1 GET until the discovery document answers 200.
fn wait_ready(port: u16, limit: Duration) -> Result<(), String> {
    use std::io::{Read, Write};
    let deadline = Instant::now() + limit;
    let request = b"GET /.well-known/openid-configuration HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    while Instant::now() < deadline {
        if let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) {
            let mut head = [0u8; 12];
            if stream.write_all(request).is_ok()
                && stream.read_exact(&mut head).is_ok()
                && &head[9..12] == b"200"
            {
                return Ok(());
            }
        }
        std::thread::sleep(Duration::from_micros(200));
    }
    Err("not ready in time".into())
}

struct LoadResult {
    per_second: f64,
    p50_ms: f64,
    p99_ms: f64,
    errors: u64,
}

async fn load(
    port: u16,
    scenario: &'static Scenario,
    concurrency: usize,
    seconds: u64,
) -> LoadResult {
    let bodies = std::sync::Arc::new(bodies(port, scenario).await);
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let workers: Vec<_> = (0..concurrency)
        .map(|worker| tokio::spawn(connection(port, scenario, bodies.clone(), worker, deadline)))
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
        Body::Signed { .. } => vec![Bytes::new()],
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

/// One keep-alive connection sending requests back to back until `deadline`.
async fn connection(
    port: u16,
    scenario: &'static Scenario,
    bodies: std::sync::Arc<Vec<Bytes>>,
    worker: usize,
    deadline: Instant,
) -> (Vec<Duration>, u64) {
    let mut latencies = Vec::new();
    let mut errors = 0;
    let (mut sender, connection) = open(port).await;
    tokio::spawn(connection);
    let content_type = match scenario.body {
        Body::Json(_) => "application/json",
        Body::WebIdentityTokens | Body::Signed { .. } => {
            "application/x-www-form-urlencoded; charset=utf-8"
        }
    };
    let signed_headers = match scenario.body {
        Body::Signed { service } => sign(port, scenario.method, &bodies[0], service, content_type),
        _ => Vec::new(),
    };
    let mut next = worker * 997;
    while Instant::now() < deadline {
        let body = bodies[next % bodies.len()].clone();
        next += 1;
        let mut request = request(port, scenario.method, scenario.path, content_type, body);
        for (name, value) in &signed_headers {
            request.headers_mut().insert(
                hyper::header::HeaderName::from_bytes(name.as_bytes()).expect("header name"),
                hyper::header::HeaderValue::from_str(value).expect("header value"),
            );
        }
        let sent = Instant::now();
        match sender.send_request(request).await {
            Ok(response) => {
                let status = response.status().as_u16();
                let complete = response.into_body().collect().await.is_ok();
                if status == scenario.expect && complete {
                    latencies.push(sent.elapsed());
                } else {
                    errors += 1;
                }
            }
            Err(_) => {
                errors += 1;
                break;
            }
        }
    }
    (latencies, errors)
}

/// Signs one request with the admin keys (`test`/`test`) for `service`; every request of
/// the run reuses these headers, well within the 15-minute window.
fn sign(
    port: u16,
    method: &str,
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
    let uri = format!("http://{host}/");
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

fn ms(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Resident set size of `pid` from /proc, in MB.
fn rss_mb(pid: u32) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|value| {
            value
                .trim()
                .trim_end_matches("kB")
                .trim()
                .parse::<f64>()
                .ok()
        })
        .map_or(0.0, |kb| kb / 1024.0)
}
