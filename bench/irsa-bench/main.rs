//! The irsa-local benchmark: start-up time, request throughput and latency, and memory,
//! measured against the real release binary over loopback. Run it through `bench/run.sh`.
//!
//! Start-up is process spawn to the first 200 on the discovery document (median of 20
//! starts on an existing data dir). Load runs a fixed number of keep-alive connections for
//! a fixed time per scenario, with the server pinned to one core and the load generator to
//! the other, so "per second" means per server core. `--peer-port` runs the scenarios a
//! peer also serves (AssumeRoleWithWebIdentity, ListBuckets) against that server in the
//! same run and prints the ratios; `--soak N` sends N mixed requests instead and reports
//! errors and memory along the way; `--flood N` opens N stalled connections and reports
//! health, their closing and memory (see `flood`).

mod flood;
mod load;
mod writes;

use std::process::{Child, Command, Stdio};
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::{Duration, Instant};

use load::{load, ms, LoadResult, Prepared, Until, SCENARIOS};

/// The scenarios a peer emulator serves too.
const PEER_SCENARIOS: [&str; 2] = ["AssumeRoleWithWebIdentity", "ListBuckets"];
/// The scenarios a soak mixes, one after the other on every connection.
const SOAK_SCENARIOS: [&str; 5] = [
    "discovery",
    "TokenRequest",
    "AssumeRoleWithWebIdentity",
    "GetCallerIdentity",
    "ListBuckets",
];

pub struct Options {
    binary: String,
    data_dir: String,
    port: u16,
    seconds: u64,
    server_cpu: Option<String>,
    client_cpu: Option<String>,
    /// Run only the scenario with this name.
    only: Option<String>,
    /// A peer emulator already listening on this port, and its name for the report.
    peer_port: Option<u16>,
    peer_name: String,
    /// Send this many mixed requests instead of the table.
    soak: Option<u64>,
    /// Run the write scenarios instead of the table.
    writes: bool,
    /// Open this many stalled connections instead of the table.
    flood: Option<usize>,
    /// Be one of the flood's worker processes, with this many connections.
    flood_worker: Option<usize>,
}

fn main() {
    let options = parse_args();
    if let Some(count) = options.flood_worker {
        flood::worker(options.port, count);
        return;
    }
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    println!("# irsa-local benchmark");
    println!();
    if let Some(total) = options.soak {
        soak(&options, &runtime, total);
        return;
    }
    if options.writes {
        writes::run(&options, &runtime);
        return;
    }
    if let Some(total) = options.flood {
        let mut server = start_server(&options, options.server_cpu.as_deref());
        wait_ready(options.port, Duration::from_secs(30)).expect("server ready");
        let binary_self = std::env::current_exe().expect("this binary's path");
        flood::flood(
            &binary_self.display().to_string(),
            options.port,
            server.id(),
            total,
            &runtime,
        );
        stop(&mut server);
        return;
    }
    println!(
        "binary: {}; {} s per load run",
        options.binary, options.seconds
    );
    println!();
    startup(&options);

    let mut server = start_server(&options, options.server_cpu.as_deref());
    wait_ready(options.port, Duration::from_secs(10)).expect("server ready");
    println!("idle RSS after start: {:.1} MB", rss_mb(server.id()));
    println!();
    println!("| scenario | concurrency | requests/s | p50 ms | p99 ms | errors |");
    println!("| --- | ---: | ---: | ---: | ---: | ---: |");
    let mut ours = Vec::new();
    let selected = SCENARIOS
        .iter()
        .filter(|s| options.only.as_deref().is_none_or(|only| only == s.name));
    for scenario in selected {
        let plan = Arc::new(vec![runtime.block_on(Prepared::new(
            scenario,
            options.port,
            options.port,
        ))]);
        for concurrency in [1, 32] {
            let result = runtime.block_on(timed(options.port, &plan, concurrency, &options));
            row(scenario.name, concurrency, &result, None);
            ours.push((scenario.name, concurrency, result.per_second));
        }
    }
    println!();
    println!("RSS after load: {:.1} MB", rss_mb(server.id()));
    if let Some(peer_port) = options.peer_port {
        beside_peer(&options, &runtime, peer_port, &ours);
    }
    stop(&mut server);
}

/// Process start to the first 200, 20 times on an existing data dir.
fn startup(options: &Options) {
    // A first start creates the keys, so every timed start finds an existing data dir.
    let mut warm = start_server(options, None);
    wait_ready(options.port, Duration::from_secs(30)).expect("first start");
    stop(&mut warm);
    let mut startups: Vec<Duration> = (0..20)
        .map(|_| {
            let started = Instant::now();
            let mut child = start_server(options, None);
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
}

async fn timed(
    port: u16,
    plan: &Arc<Vec<Prepared>>,
    concurrency: usize,
    options: &Options,
) -> LoadResult {
    let until = Until::Deadline(Instant::now() + Duration::from_secs(options.seconds));
    load(port, plan.clone(), concurrency, until).await
}

fn row(name: &str, concurrency: usize, result: &LoadResult, ratio: Option<f64>) {
    let ratio = ratio.map_or(String::new(), |r| format!(" {r:.1}x |"));
    println!(
        "| {name} | {concurrency} | {:.0} | {:.2} | {:.2} | {} |{ratio}",
        result.per_second, result.p50_ms, result.p99_ms, result.errors
    );
}

/// The peer's figures for the scenarios it serves, and irsa-local's rate over the peer's.
fn beside_peer(
    options: &Options,
    runtime: &tokio::runtime::Runtime,
    peer_port: u16,
    ours: &[(&str, usize, f64)],
) {
    println!();
    println!("## beside {} (same run, same pinning)", options.peer_name);
    println!();
    println!(
        "| scenario | concurrency | requests/s | p50 ms | p99 ms | errors | irsa-local / peer |"
    );
    println!("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for scenario in SCENARIOS
        .iter()
        .filter(|s| PEER_SCENARIOS.contains(&s.name))
    {
        // Tokens come from irsa-local: the peer accepts any string as a token.
        let plan = Arc::new(vec![runtime.block_on(Prepared::new(
            scenario,
            peer_port,
            options.port,
        ))]);
        for concurrency in [1, 32] {
            let result = runtime.block_on(timed(peer_port, &plan, concurrency, options));
            let ratio = ours
                .iter()
                .find(|(name, c, _)| *name == scenario.name && *c == concurrency)
                .map(|(_, _, rate)| rate / result.per_second.max(f64::MIN_POSITIVE));
            row(scenario.name, concurrency, &result, ratio);
        }
    }
}

/// `total` mixed requests at concurrency 32, in tenths, with RSS after each tenth.
fn soak(options: &Options, runtime: &tokio::runtime::Runtime, total: u64) {
    let mut server = start_server(options, options.server_cpu.as_deref());
    wait_ready(options.port, Duration::from_secs(30)).expect("server ready");
    let plan: Vec<Prepared> = SCENARIOS
        .iter()
        .filter(|s| SOAK_SCENARIOS.contains(&s.name))
        .map(|s| runtime.block_on(Prepared::new(s, options.port, options.port)))
        .collect();
    let plan = Arc::new(plan);
    println!("soak: {total} requests mixing {SOAK_SCENARIOS:?}, concurrency 32");
    println!("idle RSS: {:.1} MB", rss_mb(server.id()));
    println!();
    println!("| requests so far | requests/s | p99 ms | errors | RSS MB |");
    println!("| ---: | ---: | ---: | ---: | ---: |");
    let step = (total / 10).max(1);
    let (mut done, mut errors) = (0, 0);
    let mut samples = Vec::new();
    let started = Instant::now();
    while done < total {
        let chunk = step.min(total - done);
        let until = Until::Total(Arc::new(AtomicU64::new(0)), chunk);
        let result = runtime.block_on(load(options.port, plan.clone(), 32, until));
        done += result.requests + result.errors;
        errors += result.errors;
        let rss = rss_mb(server.id());
        samples.push(rss);
        println!(
            "| {done} | {:.0} | {:.2} | {} | {rss:.1} |",
            result.per_second, result.p99_ms, result.errors
        );
        if result.requests == 0 {
            break;
        }
    }
    let after_warmup = samples.get(1).copied().unwrap_or_default();
    let last = samples.last().copied().unwrap_or_default();
    println!();
    println!(
        "{done} requests in {:.1} s, {errors} errors; RSS {after_warmup:.1} MB after the \
         second tenth, {last:.1} MB at the end ({:+.1}%)",
        started.elapsed().as_secs_f64(),
        (last - after_warmup) / after_warmup.max(f64::MIN_POSITIVE) * 100.0
    );
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
        peer_port: None,
        peer_name: "peer".into(),
        soak: None,
        writes: false,
        flood: None,
        flood_worker: None,
    };
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    if let Some(at) = args.iter().position(|arg| arg == "--writes") {
        args.remove(at);
        options.writes = true;
    }
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
            "--peer-port" => options.peer_port = Some(value.parse().expect("--peer-port")),
            "--peer-name" => options.peer_name = value,
            "--soak" => options.soak = Some(value.parse().expect("--soak")),
            "--flood" => options.flood = Some(value.parse().expect("--flood")),
            "--flood-worker" => options.flood_worker = Some(value.parse().expect("--flood-worker")),
            other => panic!("unknown option {other}"),
        }
    }
    if let Some(cpu) = &options.client_cpu {
        pin_self(cpu);
    }
    options
}

pub fn start_server(options: &Options, cpu: Option<&str>) -> Child {
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

pub fn stop(child: &mut Child) {
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
pub fn wait_ready(port: u16, limit: Duration) -> Result<(), String> {
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

/// Resident set size of `pid` from /proc, in MB.
fn rss_mb(pid: u32) -> f64 {
    proc_status_mb(pid, "VmRSS:")
}

/// A memory figure of `pid`'s /proc status (`VmRSS:`, `VmHWM:`), in MB; 0 when unknown.
pub fn proc_status_mb(pid: u32, field: &str) -> f64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|line| line.strip_prefix(field))
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
