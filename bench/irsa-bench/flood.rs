//! The connection flood: many connections that send a request's head and one byte of its
//! body, then stall. Health is polled throughout on fresh connections; the report gives
//! its latency and failures, how long the server took to close every stalled connection
//! (each worker waits for the server to close its connections, it never closes one
//! itself), and the server's memory.
//!
//! One process may hold fewer descriptors than the flood has connections, so the flood is
//! split across worker processes (this binary run with `--flood-worker`), each raising its
//! own open-file limit.

use std::collections::BTreeMap;
use std::process::Stdio;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::Semaphore;

use super::load::ms;

/// Connections per worker process, below the usual hard limit of 20,000 descriptors.
const PER_WORKER: usize = 10_000;
/// Connects in flight at once per worker.
const CONNECTING: usize = 256;
/// A worker gives up on connections the server has not closed after this long.
const WORKER_DEADLINE: Duration = Duration::from_secs(180);
/// The stalled request: a ServiceAccount create that announces a body it never sends.
const STALLED_HEAD: &str = "POST /api/v1/namespaces/default/serviceaccounts HTTP/1.1\r\n\
     Host: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{";

/// What a worker saw, in one line on its standard output.
#[derive(Debug, Default)]
struct WorkerReport {
    opened: usize,
    connect_failed: usize,
    closed: usize,
    still_open: usize,
    /// Milliseconds from the worker's start until it had opened all its connections.
    all_opened_ms: f64,
    /// Milliseconds from the worker's start until the server had closed the last one.
    last_closed_ms: f64,
    /// How the server answered before closing: status code, or `none`.
    answers: BTreeMap<String, usize>,
}

/// Runs the flood of `total` connections against the server `pid` on `port`, and prints
/// the report.
pub fn flood(
    binary_self: &str,
    port: u16,
    pid: u32,
    total: usize,
    runtime: &tokio::runtime::Runtime,
) {
    println!("flood: {total} connections that send a head and one body byte, then stall");
    println!(
        "server before: RSS {:.1} MB, {} descriptors",
        memory(pid).0,
        descriptors(pid)
    );
    let started = Instant::now();
    let workers: Vec<_> = (0..total.div_ceil(PER_WORKER))
        .map(|index| {
            let count = PER_WORKER.min(total - index * PER_WORKER);
            std::process::Command::new(binary_self)
                .args([
                    "--port",
                    &port.to_string(),
                    "--flood-worker",
                    &count.to_string(),
                ])
                .stdout(Stdio::piped())
                .stderr(Stdio::inherit())
                .spawn()
                .expect("spawn a flood worker")
        })
        .collect();
    let mut health = Vec::new();
    let mut failures = Vec::new();
    let (mut peak_rss, mut peak_fds) = (0.0_f64, 0);
    let mut workers = workers;
    runtime.block_on(async {
        loop {
            let asked = Instant::now();
            match health_check(port).await {
                Ok(()) => health.push(asked.elapsed()),
                Err(err) => {
                    failures.push(format!("{:.1} s: {err}", started.elapsed().as_secs_f64()))
                }
            }
            peak_rss = peak_rss.max(memory(pid).0);
            peak_fds = peak_fds.max(descriptors(pid));
            if workers
                .iter_mut()
                .all(|w| matches!(w.try_wait(), Ok(Some(_))))
            {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    let flood_seconds = started.elapsed().as_secs_f64();
    let reports: Vec<WorkerReport> = workers
        .into_iter()
        .map(|worker| {
            let output = worker.wait_with_output().expect("a worker's report");
            parse_report(&String::from_utf8_lossy(&output.stdout))
        })
        .collect();
    let sum = |field: fn(&WorkerReport) -> usize| reports.iter().map(field).sum::<usize>();
    let latest = |field: fn(&WorkerReport) -> f64| reports.iter().map(field).fold(0.0, f64::max);
    let mut answers = BTreeMap::new();
    for report in &reports {
        for (answer, count) in &report.answers {
            *answers.entry(answer.clone()).or_insert(0) += count;
        }
    }
    health.sort();
    let quantile = |q: f64| {
        health
            .get(((health.len() as f64 - 1.0) * q).round() as usize)
            .map_or(f64::NAN, |d| ms(*d))
    };
    let (rss_after, hwm) = memory(pid);
    println!();
    println!("| figure | value |");
    println!("| --- | ---: |");
    println!("| stalled connections opened | {} |", sum(|r| r.opened));
    println!("| connects that failed | {} |", sum(|r| r.connect_failed));
    println!("| closed by the server | {} |", sum(|r| r.closed));
    println!(
        "| still open when the workers gave up | {} |",
        sum(|r| r.still_open)
    );
    println!(
        "| all opened after | {:.1} s |",
        latest(|r| r.all_opened_ms) / 1000.0
    );
    println!(
        "| last one closed by the server after | {:.1} s |",
        latest(|r| r.last_closed_ms) / 1000.0
    );
    println!("| server's answers before closing | {answers:?} |");
    println!(
        "| health checks (every 100 ms) | {} answered, {} failed |",
        health.len(),
        failures.len()
    );
    println!(
        "| health latency p50 / p99 / max | {:.2} / {:.2} / {:.2} ms |",
        quantile(0.5),
        quantile(0.99),
        quantile(1.0)
    );
    println!("| server descriptors, peak | {peak_fds} |");
    println!("| server RSS, peak sampled / VmHWM / after | {peak_rss:.1} / {hwm:.1} / {rss_after:.1} MB |");
    println!("| flood run | {flood_seconds:.1} s |");
    for failure in failures.iter().take(10) {
        println!("health failure at {failure}");
    }
}

/// The worker's side: opens `count` stalled connections and waits for the server to close
/// each; prints a [`WorkerReport`].
pub fn worker(port: u16, count: usize) {
    raise_fd_limit();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let report = runtime.block_on(stall(port, count));
    let answers: Vec<String> = report
        .answers
        .iter()
        .map(|(k, v)| format!("{k}:{v}"))
        .collect();
    println!(
        "opened={} connect_failed={} closed={} still_open={} all_opened_ms={:.0} last_closed_ms={:.0} answers={}",
        report.opened,
        report.connect_failed,
        report.closed,
        report.still_open,
        report.all_opened_ms,
        report.last_closed_ms,
        answers.join(",")
    );
}

async fn stall(port: u16, count: usize) -> WorkerReport {
    let started = Instant::now();
    let connecting = Arc::new(Semaphore::new(CONNECTING));
    let mut tasks = tokio::task::JoinSet::new();
    let (opened_sender, mut opened) = tokio::sync::mpsc::unbounded_channel::<bool>();
    for _ in 0..count {
        let connecting = Arc::clone(&connecting);
        let opened_sender = opened_sender.clone();
        tasks.spawn(async move {
            let permit = connecting.acquire_owned().await.ok();
            let connected = tokio::time::timeout(
                Duration::from_secs(10),
                TcpStream::connect(("127.0.0.1", port)),
            )
            .await;
            let Ok(Ok(mut stream)) = connected else {
                let _ = opened_sender.send(false);
                return None;
            };
            if stream.write_all(STALLED_HEAD.as_bytes()).await.is_err() {
                let _ = opened_sender.send(false);
                return None;
            }
            let _ = opened_sender.send(true);
            drop((opened_sender, permit));
            // Never writes again: waits for the server to close the connection.
            let mut answer = Vec::new();
            let closed =
                tokio::time::timeout(WORKER_DEADLINE, stream.read_to_end(&mut answer)).await;
            let status = answer
                .get(9..12)
                .filter(|_| answer.starts_with(b"HTTP/1.1 "))
                .map_or_else(
                    || "none".to_owned(),
                    |s| String::from_utf8_lossy(s).into_owned(),
                );
            Some((closed.is_ok(), started.elapsed(), status))
        });
    }
    drop(opened_sender);
    let mut report = WorkerReport::default();
    while let Some(ok) = opened.recv().await {
        if ok {
            report.opened += 1;
        } else {
            report.connect_failed += 1;
        }
    }
    report.all_opened_ms = ms(started.elapsed());
    while let Some(joined) = tasks.join_next().await {
        let Ok(Some((closed, at, status))) = joined else {
            continue;
        };
        if closed {
            report.closed += 1;
            report.last_closed_ms = report.last_closed_ms.max(ms(at));
        } else {
            report.still_open += 1;
        }
        *report.answers.entry(status).or_insert(0) += 1;
    }
    report
}

fn parse_report(line: &str) -> WorkerReport {
    let mut report = WorkerReport::default();
    for pair in line.split_whitespace() {
        let Some((key, value)) = pair.split_once('=') else {
            continue;
        };
        let count = || value.parse::<usize>().unwrap_or(0);
        let millis = || value.parse::<f64>().unwrap_or(0.0);
        match key {
            "opened" => report.opened = count(),
            "connect_failed" => report.connect_failed = count(),
            "closed" => report.closed = count(),
            "still_open" => report.still_open = count(),
            "all_opened_ms" => report.all_opened_ms = millis(),
            "last_closed_ms" => report.last_closed_ms = millis(),
            "answers" => {
                for answer in value.split(',').filter(|a| !a.is_empty()) {
                    if let Some((status, n)) = answer.split_once(':') {
                        report
                            .answers
                            .insert(status.to_owned(), n.parse().unwrap_or(0));
                    }
                }
            }
            _ => {}
        }
    }
    report
}

/// One `GET /_irsa/health` on a fresh connection, within 5 seconds.
async fn health_check(port: u16) -> Result<(), String> {
    let ask = async {
        let mut stream = TcpStream::connect(("127.0.0.1", port))
            .await
            .map_err(|e| e.to_string())?;
        stream
            .write_all(
                b"GET /_irsa/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            )
            .await
            .map_err(|e| e.to_string())?;
        let mut answer = Vec::new();
        stream
            .read_to_end(&mut answer)
            .await
            .map_err(|e| e.to_string())?;
        if answer.starts_with(b"HTTP/1.1 200") {
            Ok(())
        } else {
            Err(format!(
                "answered {:?}",
                String::from_utf8_lossy(&answer[..answer.len().min(40)])
            ))
        }
    };
    tokio::time::timeout(Duration::from_secs(5), ask)
        .await
        .unwrap_or_else(|_| Err("no answer in 5 s".into()))
}

/// VmRSS and VmHWM of `pid`, in MB.
fn memory(pid: u32) -> (f64, f64) {
    (
        crate::proc_status_mb(pid, "VmRSS:"),
        crate::proc_status_mb(pid, "VmHWM:"),
    )
}

/// How many descriptors `pid` holds.
fn descriptors(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, Iterator::count)
}

fn raise_fd_limit() {
    if let Err(err) = irsa_local::server::raise_fd_limit() {
        eprintln!("flood worker: cannot raise the open-file limit: {err}");
    }
}
