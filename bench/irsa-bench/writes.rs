//! Writes whose cost must not grow with the world: CreateRole up to IAM's quota and
//! thousands of ServiceAccount creates, at concurrency 1 and 8, each on a fresh data dir.
//! For each run: the rate of the first 100 and of the last 100 acknowledged writes (their
//! ratio shows whether a write gets slower as the world grows), the median latency of
//! each, the overall rate, then a `kill -9`, a restart on the same data dir, and a count
//! of the acknowledged writes that are there (all of them, or the table says how many were
//! lost). Each line is the median of [`RUNS`] runs.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use http_body_util::{BodyExt, Full};
use hyper::body::Bytes;

use crate::load::{connect_to, sign};
use crate::{start_server, stop, wait_ready, Options};

const ROLES: usize = 1000;
const SERVICE_ACCOUNTS: usize = 5000;
const TRUST: &str = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}"#;

#[derive(Clone, Copy, PartialEq)]
enum Write {
    CreateRole,
    CreateServiceAccount,
}

impl Write {
    fn name(self) -> &'static str {
        match self {
            Write::CreateRole => "CreateRole",
            Write::CreateServiceAccount => "ServiceAccount create",
        }
    }

    fn count(self) -> usize {
        match self {
            Write::CreateRole => ROLES,
            Write::CreateServiceAccount => SERVICE_ACCOUNTS,
        }
    }

    fn object(self, index: usize) -> String {
        match self {
            Write::CreateRole => format!("bench-role-{index}"),
            Write::CreateServiceAccount => format!("bench-sa-{index}"),
        }
    }

    fn request(self, port: u16, index: usize) -> hyper::Request<Full<Bytes>> {
        let host = format!("127.0.0.1:{port}");
        match self {
            Write::CreateRole => {
                let body = form_urlencoded::Serializer::new(String::new())
                    .extend_pairs([
                        ("Action", "CreateRole"),
                        ("Version", "2010-05-08"),
                        ("RoleName", self.object(index).as_str()),
                        ("AssumeRolePolicyDocument", TRUST),
                    ])
                    .finish();
                let content_type = "application/x-www-form-urlencoded; charset=utf-8";
                let mut request = hyper::Request::builder()
                    .method("POST")
                    .uri("/")
                    .header("host", host)
                    .header("content-type", content_type);
                for (name, value) in sign(port, "POST", "/", body.as_bytes(), "iam", content_type) {
                    request = request.header(name, value);
                }
                request.body(Full::new(Bytes::from(body))).expect("request")
            }
            Write::CreateServiceAccount => {
                let body = format!(
                    r#"{{"apiVersion":"v1","kind":"ServiceAccount","metadata":{{"name":"{}"}}}}"#,
                    self.object(index)
                );
                hyper::Request::builder()
                    .method("POST")
                    .uri("/api/v1/namespaces/default/serviceaccounts")
                    .header("host", host)
                    .header("content-type", "application/json")
                    .body(Full::new(Bytes::from(body)))
                    .expect("request")
            }
        }
    }

    fn created(self, status: u16) -> bool {
        match self {
            Write::CreateRole => status == 200,
            Write::CreateServiceAccount => status == 201,
        }
    }
}

/// Runs every write scenario and prints the table.
pub fn run(options: &Options, runtime: &tokio::runtime::Runtime) {
    println!("## writes: rate of the first and last 100 acknowledged, then kill -9 and restart");
    println!();
    println!("Each line: the median of {RUNS} runs, each on a fresh data dir.");
    println!();
    println!(
        "| write | concurrency | acknowledged | refused | first 100 /s | last 100 /s | last / first | p50 ms first / last 100 | overall /s | after kill -9 |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |");
    for write in [Write::CreateRole, Write::CreateServiceAccount] {
        for concurrency in [1, 8] {
            let runs: Vec<Measured> = (0..RUNS)
                .map(|_| measure(options, runtime, write, concurrency))
                .collect();
            let median = |value: fn(&Measured) -> f64| -> f64 {
                let mut values: Vec<f64> = runs.iter().map(value).collect();
                values.sort_by(f64::total_cmp);
                values[values.len() / 2]
            };
            let lost: usize = runs.iter().map(|run| run.acknowledged - run.present).sum();
            let kept = if lost == 0 {
                format!("all there, {RUNS} runs")
            } else {
                format!("{lost} LOST")
            };
            println!(
                "| {} | {concurrency} | {} | {} | {:.0} | {:.0} | {:.2} | {:.2} / {:.2} | {:.0} | {kept} |",
                write.name(),
                runs[0].acknowledged,
                runs[0].refused,
                median(|r| r.first),
                median(|r| r.last),
                median(|r| r.last / r.first.max(f64::MIN_POSITIVE)),
                median(|r| r.head_ms),
                median(|r| r.tail_ms),
                median(|r| r.overall),
            );
        }
    }
    println!();
    println!(
        "Refused: CreateRole stops at IAM's RolesPerAccount quota (the world's own roles count)."
    );
}

/// How many times each line runs; the table shows medians (a window of 100 writes lasts
/// tens of milliseconds, so one stall of the machine moves a single run's rate a lot).
const RUNS: usize = 5;

/// One run's figures.
struct Measured {
    acknowledged: usize,
    refused: usize,
    present: usize,
    first: f64,
    last: f64,
    head_ms: f64,
    tail_ms: f64,
    overall: f64,
}

/// One burst on a fresh data dir, then `kill -9`, a restart and the count of what stayed.
fn measure(
    options: &Options,
    runtime: &tokio::runtime::Runtime,
    write: Write,
    concurrency: usize,
) -> Measured {
    let _ = std::fs::remove_dir_all(&options.data_dir);
    let mut server = start_server(options, options.server_cpu.as_deref());
    wait_ready(options.port, Duration::from_secs(30)).expect("server ready");
    let run = runtime.block_on(burst(options.port, write, concurrency));
    stop(&mut server);
    let mut restarted = start_server(options, options.server_cpu.as_deref());
    wait_ready(options.port, Duration::from_secs(30)).expect("restarted");
    let present = runtime.block_on(present(options.port, write, &run.acknowledged));
    stop(&mut restarted);
    let last_start = run.times.len().saturating_sub(101);
    Measured {
        acknowledged: run.acknowledged.len(),
        refused: run.refused,
        present,
        first: rate(&run.times[..run.times.len().min(100)], run.started),
        last: rate(
            &run.times[last_start + 1..],
            run.times.get(last_start).copied().unwrap_or(run.started),
        ),
        head_ms: median_ms(&run.latencies[..run.latencies.len().min(100)]),
        tail_ms: median_ms(&run.latencies[run.latencies.len().saturating_sub(100)..]),
        overall: rate(&run.times, run.started),
    }
}

struct Burst {
    started: Instant,
    /// When each acknowledged write completed, in order.
    times: Vec<Instant>,
    /// How long each took, in the same order.
    latencies: Vec<Duration>,
    acknowledged: Vec<usize>,
    refused: usize,
}

/// Sends `write.count()` writes over `concurrency` keep-alive connections.
async fn burst(port: u16, write: Write, concurrency: usize) -> Burst {
    let next = Arc::new(AtomicUsize::new(0));
    // The connections are open before the clock starts: the rates are the writes'.
    let mut senders = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        senders.push(connect_to(port).await);
    }
    let started = Instant::now();
    let workers: Vec<_> = senders
        .into_iter()
        .map(|mut sender| {
            let next = Arc::clone(&next);
            tokio::spawn(async move {
                let mut done = Vec::new();
                let mut refused = 0;
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    if index >= write.count() {
                        break;
                    }
                    let request = write.request(port, index);
                    let sent = Instant::now();
                    let response = sender
                        .send_request(request)
                        .await
                        .expect("the server answers");
                    let status = response.status().as_u16();
                    let _ = response.into_body().collect().await;
                    if write.created(status) {
                        let now = Instant::now();
                        done.push((now, now - sent, index));
                    } else {
                        refused += 1;
                    }
                }
                (done, refused)
            })
        })
        .collect();
    let mut all = Vec::new();
    let mut refused = 0;
    for worker in workers {
        let (done, worker_refused) = worker.await.expect("worker");
        all.extend(done);
        refused += worker_refused;
    }
    all.sort();
    Burst {
        started,
        times: all.iter().map(|(at, _, _)| *at).collect(),
        latencies: all.iter().map(|(_, latency, _)| *latency).collect(),
        acknowledged: all.iter().map(|(_, _, index)| *index).collect(),
        refused,
    }
}

/// The median of `latencies`, in milliseconds.
fn median_ms(latencies: &[Duration]) -> f64 {
    let mut sorted = latencies.to_vec();
    sorted.sort();
    sorted
        .get(sorted.len() / 2)
        .map_or(0.0, |median| median.as_secs_f64() * 1000.0)
}

/// Writes per second over `times`, counted from `since`.
fn rate(times: &[Instant], since: Instant) -> f64 {
    match times.last() {
        Some(last) => times.len() as f64 / last.duration_since(since).as_secs_f64().max(1e-9),
        None => 0.0,
    }
}

/// How many of the acknowledged objects the restarted server has.
async fn present(port: u16, write: Write, acknowledged: &[usize]) -> usize {
    let mut sender = connect_to(port).await;
    let mut found = 0;
    for &index in acknowledged {
        let request = match write {
            Write::CreateRole => {
                let body = form_urlencoded::Serializer::new(String::new())
                    .extend_pairs([
                        ("Action", "GetRole"),
                        ("Version", "2010-05-08"),
                        ("RoleName", write.object(index).as_str()),
                    ])
                    .finish();
                let content_type = "application/x-www-form-urlencoded; charset=utf-8";
                let mut request = hyper::Request::builder()
                    .method("POST")
                    .uri("/")
                    .header("host", format!("127.0.0.1:{port}"))
                    .header("content-type", content_type);
                for (name, value) in sign(port, "POST", "/", body.as_bytes(), "iam", content_type) {
                    request = request.header(name, value);
                }
                request.body(Full::new(Bytes::from(body))).expect("request")
            }
            Write::CreateServiceAccount => hyper::Request::builder()
                .uri(format!(
                    "/api/v1/namespaces/default/serviceaccounts/{}",
                    write.object(index)
                ))
                .header("host", format!("127.0.0.1:{port}"))
                .body(Full::new(Bytes::new()))
                .expect("request"),
        };
        let response = sender.send_request(request).await.expect("answer");
        if response.status().as_u16() == 200 {
            found += 1;
        }
        let _ = response.into_body().collect().await;
    }
    found
}
