//! `irsa-local serve`: its flags, logging, signals, and the server's life from start to
//! graceful stop.

use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, ValueEnum};
use irsa_local::clock::{Clock, SystemClock};
use irsa_local::config::{self, Config, DEFAULT_LISTEN};
use irsa_local::pod_identity;
use irsa_local::projection::{self, Projection};
use irsa_local::tls::{self, TlsFlags};
use irsa_local::App;

use super::node::{find_engine, Pods};
use super::{exit_code, WorldArgs};

#[derive(Args)]
pub struct ServeArgs {
    #[command(flatten)]
    world: WorldArgs,
    /// Address to listen on (port 0 picks a free port; the log says which).
    #[arg(long, env = "IRSA_LOCAL_LISTEN", default_value = DEFAULT_LISTEN)]
    listen: SocketAddr,
    /// Base URL clients reach this server at, for jwks_uri (default: http://<Host header>).
    #[arg(long, env = "IRSA_LOCAL_PUBLIC_URL", value_parser = config::parse_public_url)]
    public_url: Option<String>,
    /// A further Host name to serve when listening on a loopback address, where only
    /// loopback names (localhost, *.localhost, 127.0.0.0/8, [::1]) and the --public-url
    /// host are served otherwise (repeatable).
    #[arg(
        long = "allow-host",
        value_name = "NAME",
        env = "IRSA_LOCAL_ALLOW_HOST",
        value_delimiter = ','
    )]
    allow_hosts: Vec<String>,
    /// A bearer token the Kubernetes API then requires (kubectl's `token:` in the
    /// kubeconfig; `irsa-local kubeconfig --kube-token` writes it). Without it the API is
    /// open to whoever reaches the port, as fits a loopback listener.
    #[arg(
        long,
        env = "IRSA_LOCAL_KUBE_TOKEN",
        value_name = "TOKEN",
        hide_env_values = true
    )]
    kube_token: Option<String>,
    /// The largest single S3 PutObject, UploadPart or CopyObject, in bytes (5 GiB, as S3).
    #[arg(long, env = "IRSA_LOCAL_S3_MAX_OBJECT_BYTES", default_value_t = config::DEFAULT_MAX_OBJECT_BYTES)]
    s3_max_object_bytes: u64,
    /// Host suffix for virtual-host-style S3 requests (`<bucket>.<suffix>[:port]`).
    #[arg(long, env = "IRSA_LOCAL_S3_VIRTUAL_HOST_SUFFIX", default_value = config::DEFAULT_VIRTUAL_HOST_SUFFIX)]
    s3_virtual_host_suffix: String,
    /// Keep a token file as the kubelet keeps a projected volume:
    /// NAMESPACE/NAME=PATH[,audience=AUDIENCE] in the default cluster (repeatable).
    /// Written before the server listens, with no trailing newline, refreshed at 80% of
    /// its lifetime; SIGHUP replaces every file at once. For EKS Pod Identity ask for
    /// audience=pods.eks.amazonaws.com and give a process
    /// AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE=PATH and
    /// AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:<port>/v1/credentials (the log
    /// prints both once the server listens).
    #[arg(long = "project", value_name = "NS/NAME=PATH")]
    projections: Vec<Projection>,
    /// Lifetime of projected tokens in seconds, at least 600 (default: the account's
    /// eks.amazonaws.com/token-expiration annotation, else 86400).
    #[arg(long, value_name = "SECONDS", value_parser = token_expiration_range())]
    token_expiration: Option<u64>,
    /// Forget the IAM/EKS/Kubernetes changes and S3 data saved in the data dir and start
    /// from the world file again (signing keys and the credential secret are kept).
    #[arg(long)]
    reset: bool,
    /// Seconds a connection may wait for a request's headers (an idle keep-alive
    /// connection, or a client sending slowly) before the server closes it.
    #[arg(long, env = "IRSA_LOCAL_IDLE_TIMEOUT", value_name = "SECONDS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    idle_timeout: u64,
    /// Seconds a request's body may pause between two pieces before the request is
    /// refused (S3's RequestTimeout, for one) and its connection closed.
    #[arg(long, env = "IRSA_LOCAL_BODY_TIMEOUT", value_name = "SECONDS", default_value_t = 20,
          value_parser = clap::value_parser!(u64).range(1..=3600))]
    body_timeout: u64,
    /// Connections held at once (default: the open-file limit, which is raised to its
    /// hard limit at start, less 320 descriptors kept back; at most 65536). Past it, each
    /// new connection gets one request: health checks are answered, others refused as
    /// busy.
    #[arg(long, env = "IRSA_LOCAL_MAX_CONNECTIONS", value_name = "N",
          value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    max_connections: Option<u64>,
    /// Log line format.
    #[arg(long, env = "IRSA_LOCAL_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    #[command(flatten)]
    tls: TlsFlags,
    /// Who runs the pods: `docker` (the Docker Engine API at DOCKER_HOST, else
    /// /var/run/docker.sock; Podman's compatible socket works too; the server refuses to
    /// start without one), `none` (pods are stored and stay Pending), or `auto` (docker
    /// when an engine answers).
    #[arg(long, env = "IRSA_LOCAL_CONTAINER_RUNTIME", value_enum, default_value_t = ContainerRuntime::Auto)]
    container_runtime: ContainerRuntime,
    /// The engine network pods join.
    #[arg(
        long,
        env = "IRSA_LOCAL_POD_NETWORK",
        value_name = "NAME",
        default_value = "bridge"
    )]
    pod_network: String,
    /// AWS_ENDPOINT_URL given to every container that sets none: this server as
    /// containers reach it (default http://host.docker.internal:<port>; the server then
    /// also listens on the pod network's gateway). An empty value gives none.
    #[arg(long, env = "IRSA_LOCAL_POD_ENDPOINT_URL", value_name = "URL")]
    pod_endpoint_url: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ContainerRuntime {
    Auto,
    Docker,
    None,
}

#[derive(Clone, Copy, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

pub fn token_expiration_range() -> clap::builder::RangedU64ValueParser {
    clap::value_parser!(u64)
        .range(projection::MIN_EXPIRATION_SECONDS..=projection::MAX_EXPIRATION_SECONDS)
}

pub fn serve(args: ServeArgs) -> ExitCode {
    init_logging(args.log_format, "info");
    // Each connection holds a descriptor: the soft limit (often 1024) is raised to the
    // hard one, and the connection cap derived from what is then allowed.
    let fd_limit = match irsa_local::server::raise_fd_limit() {
        Ok(limit) => limit,
        Err(err) => {
            tracing::warn!(error = %err, "cannot raise the open-file limit");
            irsa_local::server::fd_limit()
        }
    };
    let max_connections = args.max_connections.map_or_else(
        || irsa_local::server::default_max_connections(fd_limit),
        |n| usize::try_from(n).unwrap_or(usize::MAX),
    );
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("irsa-local: cannot start the async runtime: {err}");
            return ExitCode::from(1);
        }
    };
    let engine = match runtime.block_on(find_engine(args.container_runtime, &args.pod_network)) {
        Ok(engine) => engine,
        Err(err) => {
            eprintln!("irsa-local: {err}");
            return ExitCode::from(1);
        }
    };
    // A `--listen …:0` is bound now, so the config holds the port the system picked (the
    // agent URI the webhook injects names it); another port only once the world loaded.
    let early = (args.listen.port() == 0)
        .then(|| {
            runtime
                .block_on(tokio::net::TcpListener::bind(args.listen))
                .ok()
        })
        .flatten();
    let listen = early
        .as_ref()
        .and_then(|l| l.local_addr().ok())
        .unwrap_or(args.listen);
    let mut allow_hosts = args.allow_hosts;
    if let Some((_, gateway)) = &engine {
        // Containers call the server by these names.
        allow_hosts.push(irsa_local::kubelet::spec::HOST_ALIAS.to_owned());
        allow_hosts.extend(gateway.map(|ip| ip.to_string()));
        // And pods call the Pod Identity agent at its address.
        allow_hosts.push(pod_identity::AGENT_ADDRESS.to_string());
    }
    let config = Config {
        max_object_bytes: args.s3_max_object_bytes,
        s3_virtual_host_suffix: args.s3_virtual_host_suffix,
        reset: args.reset,
        listen,
        allow_hosts,
        runs_pods: engine.is_some(),
        kube_token: args.kube_token.map(irsa_local::world::SecretString::new),
        ..args.world.config(args.public_url)
    };
    let app = match App::build(&config, Arc::new(SystemClock)) {
        Ok(app) => app,
        Err(err) => {
            eprintln!("irsa-local: {err}");
            return exit_code(err.exit_code());
        }
    };
    super::lint::warn_at_start(&app, &config);
    // Before the server listens, so a client that waits for its health check finds them.
    let token_files =
        match projection::write_all(app.state(), &args.projections, args.token_expiration) {
            Ok(files) => files,
            Err(err) => {
                eprintln!("irsa-local: {err}");
                return exit_code(err.exit_code());
            }
        };
    let tls = args
        .tls
        .source()
        .map(|source| tls::load(&source, &config.data_dir, SystemClock.now()));
    let tls = match tls.transpose() {
        Ok(tls) => tls,
        Err(err) => {
            eprintln!("irsa-local: {err}");
            return exit_code(err.exit_code());
        }
    };
    let pod_identity_files: Vec<std::path::PathBuf> = token_files
        .iter()
        .filter(|(file, _)| file.settings().audience == pod_identity::AUDIENCE)
        .map(|(file, _)| file.path().to_owned())
        .collect();
    runtime.block_on(async move {
        if !token_files.is_empty() {
            // Registered before the log says "listening", so no SIGHUP finds the default
            // action (ending the process) in place.
            let hangups = match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup()) {
                Ok(hangups) => hangups,
                Err(err) => {
                    eprintln!("irsa-local: cannot handle SIGHUP: {err}");
                    return ExitCode::from(1);
                }
            };
            tokio::spawn(refresh_on_hangup(hangups, projection::spawn_all(token_files)));
        }
        let shutdown = match shutdown_signal() {
            Ok(shutdown) => shutdown,
            Err(err) => {
                eprintln!("irsa-local: cannot handle SIGINT/SIGTERM: {err}");
                return ExitCode::from(1);
            }
        };
        let bound = match early {
            Some(listener) => Ok(listener),
            None => tokio::net::TcpListener::bind(args.listen).await,
        };
        let listener = match bound {
            Ok(listener) => listener,
            Err(err) => {
                eprintln!("irsa-local: cannot listen on {}: {err}", args.listen);
                return ExitCode::from(1);
            }
        };
        let address = listener
            .local_addr()
            .map_or_else(|_| args.listen.to_string(), |addr| addr.to_string());
        tracing::info!(address = %address, data_dir = %config.data_dir.display(), "listening on http://{address}");
        let port = listener.local_addr().map_or(args.listen.port(), |a| a.port());
        for path in &pod_identity_files {
            tracing::info!(
                path = %path.display(),
                "a Pod Identity token file: give a process {}={} and {}={}",
                pod_identity::TOKEN_FILE_VAR,
                path.display(),
                pod_identity::FULL_URI_VAR,
                pod_identity::agent_uri(&agent_host(args.listen.ip()), port),
            );
        }
        if !args.listen.ip().is_loopback() && config.kube_token.is_none() {
            tracing::warn!(
                "listening beyond loopback with the Kubernetes API open and the world's well-known \
                 admin keys: anyone who reaches {address} can mint tokens; pass --kube-token to \
                 close the API"
            );
        }
        tracing::info!(max_connections, open_file_limit = fd_limit, "connection cap");
        let mut options = irsa_local::ServeOptions {
            idle_timeout: std::time::Duration::from_secs(args.idle_timeout),
            body_timeout: std::time::Duration::from_secs(args.body_timeout),
            capacity: irsa_local::server::Capacity::new(max_connections),
            tls: None,
        };
        if let Some(tls) = tls {
            tls.log_serving(&address);
            options.tls = Some(tls.config);
        }
        let pods = match engine {
            Some((engine, gateway)) => {
                let pods = Pods {
                    engine,
                    gateway,
                    network: args.pod_network,
                    endpoint_url: args.pod_endpoint_url,
                };
                match pods.start(app.state(), args.listen, port).await {
                    Ok(started) => Some(started),
                    Err(err) => {
                        eprintln!("irsa-local: cannot start the node: {err}");
                        return ExitCode::from(1);
                    }
                }
            }
            None => None,
        };
        let node = pods.as_ref().map(|(node, _)| node.clone());
        let router = app.router_with_node(node.clone());
        // The pods stop first, so that streams that follow them (`kubectl logs -f`) end
        // and the server can finish its requests.
        let (stopped, _) = tokio::sync::watch::channel(false);
        let stopping = stopped.clone();
        tokio::spawn(async move {
            shutdown.await;
            if let Some(node) = node {
                node.shutdown().await;
            }
            stopping.send_replace(true);
        });
        let on_stop = |mut receiver: tokio::sync::watch::Receiver<bool>| async move {
            let _ = receiver.wait_for(|stopped| *stopped).await;
        };
        for extra in pods.into_iter().flat_map(|(_, listeners)| listeners) {
            let (router, options) = (router.clone(), options.clone());
            let stop = on_stop(stopped.subscribe());
            tokio::spawn(async move {
                if let Err(err) = irsa_local::serve_with(extra, router, options, stop).await {
                    tracing::warn!(error = %err, "a listener for containers stopped");
                }
            });
        }
        let served = irsa_local::serve_with(listener, router, options, on_stop(stopped.subscribe())).await;
        match served {
            Ok(()) => {
                tracing::info!("stopped");
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("irsa-local: server error: {err}");
                ExitCode::from(1)
            }
        }
    })
}

/// The loopback host SDKs reach a server listening on `ip` at over plain http.
fn agent_host(ip: IpAddr) -> String {
    match ip {
        IpAddr::V6(v6) if v6.is_loopback() => format!("[{v6}]"),
        IpAddr::V4(v4) if v4.is_loopback() => v4.to_string(),
        _ => std::net::Ipv4Addr::LOCALHOST.to_string(),
    }
}

pub fn init_logging(format: LogFormat, default_level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    match format {
        LogFormat::Text => builder.with_ansi(false).init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
}

/// Replaces every projected token file on each SIGHUP.
async fn refresh_on_hangup(
    mut hangups: tokio::signal::unix::Signal,
    refresh_now: tokio::sync::watch::Sender<()>,
) {
    while hangups.recv().await.is_some() {
        tracing::info!("SIGHUP: replacing the token files");
        refresh_now.send_replace(());
    }
}

/// Registers SIGINT and SIGTERM handlers now, so that a signal arriving at any moment
/// after this returns stops the server gracefully (a handler registered lazily, on the
/// future's first poll, would leave a window where SIGTERM still kills the process).
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {},
            _ = terminate.recv() => {},
        }
        tracing::info!("shutting down");
    })
}
