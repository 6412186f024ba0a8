//! The `irsa-local` command line: parse flags, call the library, map errors to exit codes.

use std::ffi::OsString;
use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand, ValueEnum};
use irsa_local::client::create_service_account::{self, Options, Outcome};
use irsa_local::client::target::TargetFlags;
use irsa_local::clock::{Clock, SystemClock};
use irsa_local::config::{self, Config, WorldSource, DEFAULT_DATA_DIR, DEFAULT_LISTEN};
use irsa_local::manifest::Format;
use irsa_local::offline::{self, MutateOptions, TokenOptions};
use irsa_local::oidc::inspect::SignatureCheck;
use irsa_local::pod_env::{self, PodEnv, PodEnvOptions};
use irsa_local::projection::{self, Projection};
use irsa_local::tls::{self, TlsFlags};
use irsa_local::world::{ClusterName, Namespace, RoleName, ServiceAccountName};
use irsa_local::{health, App};

#[derive(Parser)]
#[command(
    name = "irsa-local",
    version,
    about = "EKS IAM Roles for Service Accounts, locally, on one port"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the OIDC issuer, the Kubernetes token API and the AWS APIs on one port.
    Serve(ServeArgs),
    /// Mint a service-account token offline (no server needed) and print it.
    Token(TokenArgs),
    /// Print a token's header and claims and whether the world's keys verify it.
    Decode(DecodeArgs),
    /// Print a pod as the pod identity webhook would mutate it (offline, no server needed).
    Mutate(MutateArgs),
    /// Manage issuer signing keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Create an IAM role for a service account and annotate the service account with it,
    /// as `eksctl create iamserviceaccount --approve` does, through a running server's APIs.
    #[command(name = "create-iamserviceaccount")]
    CreateIamServiceAccount(CreateIamServiceAccountArgs),
    /// Write a service account's token file and print the `export`s of an IRSA pod.
    Env(PodEnvArgs),
    /// Run a command as an IRSA pod: its variables, a fresh token file, no static keys.
    Exec(ExecArgs),
    /// Exit 0 if the server answers its health check, 1 otherwise (for HEALTHCHECK).
    Health(HealthArgs),
}

#[derive(Args)]
struct WorldArgs {
    /// World file (JSON); without it the embedded EKS-workshop world.
    #[arg(long, env = "IRSA_LOCAL_CONFIG")]
    config: Option<PathBuf>,
    /// Where keys and state persist.
    #[arg(long, env = "IRSA_LOCAL_DATA_DIR", default_value = DEFAULT_DATA_DIR)]
    data_dir: PathBuf,
}

impl WorldArgs {
    fn config(self, public_url: Option<String>) -> Config {
        Config {
            world: WorldSource::from_option(self.config),
            data_dir: self.data_dir,
            public_url,
            ..Config::with_default_world(DEFAULT_DATA_DIR)
        }
    }
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    world: WorldArgs,
    /// Address to listen on (port 0 picks a free port; the log says which).
    #[arg(long, env = "IRSA_LOCAL_LISTEN", default_value = DEFAULT_LISTEN)]
    listen: SocketAddr,
    /// Base URL clients reach this server at, for jwks_uri (default: http://<Host header>).
    #[arg(long, env = "IRSA_LOCAL_PUBLIC_URL", value_parser = config::parse_public_url)]
    public_url: Option<String>,
    /// The largest object S3 PutObject accepts, in bytes.
    #[arg(long, env = "IRSA_LOCAL_S3_MAX_OBJECT_BYTES", default_value_t = config::DEFAULT_MAX_OBJECT_BYTES)]
    s3_max_object_bytes: u64,
    /// Host suffix for virtual-host-style S3 requests (`<bucket>.<suffix>[:port]`).
    #[arg(long, env = "IRSA_LOCAL_S3_VIRTUAL_HOST_SUFFIX", default_value = config::DEFAULT_VIRTUAL_HOST_SUFFIX)]
    s3_virtual_host_suffix: String,
    /// Keep a token file as the kubelet keeps a projected volume:
    /// NAMESPACE/NAME=PATH[,audience=AUDIENCE] in the default cluster (repeatable).
    /// Written before the server listens, refreshed at 80% of its lifetime; SIGHUP
    /// replaces every file at once.
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
    /// Log line format.
    #[arg(long, env = "IRSA_LOCAL_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    #[command(flatten)]
    tls: TlsFlags,
}

#[derive(Clone, Copy, ValueEnum)]
enum LogFormat {
    Text,
    Json,
}

#[derive(Args)]
struct TokenArgs {
    #[command(flatten)]
    world: WorldArgs,
    /// Namespace of the service account.
    #[arg(short = 'n', long, default_value = "default")]
    namespace: String,
    /// Service account name.
    #[arg(short = 's', long = "service-account")]
    service_account: String,
    /// Audience (repeatable).
    #[arg(long = "audience", default_value = "sts.amazonaws.com")]
    audiences: Vec<String>,
    /// Lifetime in seconds (at least 600).
    #[arg(long)]
    expiration_seconds: Option<i64>,
    /// Bind the token to this pod name (adds the kubernetes.io pod claim).
    #[arg(long)]
    pod: Option<String>,
    /// Cluster name (default: the world's first cluster).
    #[arg(long)]
    cluster: Option<String>,
}

#[derive(Args)]
struct DecodeArgs {
    #[command(flatten)]
    world: WorldArgs,
    /// The token, or `-` (the default) to read it from standard input.
    #[arg(default_value = "-")]
    token: String,
}

#[derive(Args)]
struct CreateIamServiceAccountArgs {
    /// Name of the service account.
    #[arg(long, value_parser = |s: &str| ServiceAccountName::try_from(s.to_owned()))]
    name: ServiceAccountName,
    /// Namespace of the service account.
    #[arg(long, default_value = "default", value_parser = |s: &str| Namespace::try_from(s.to_owned()))]
    namespace: Namespace,
    /// Name of the EKS cluster.
    #[arg(long, value_parser = |s: &str| ClusterName::try_from(s.to_owned()))]
    cluster: ClusterName,
    /// ARN of a managed policy to attach to the role (repeatable).
    #[arg(long = "attach-policy-arn")]
    attach_policy_arns: Vec<String>,
    /// Role name (default: eksctl's generated pattern, `eksctl-<cluster>-addon-iamserviceac…-Role1-<random>`).
    #[arg(long, value_parser = |s: &str| RoleName::try_from(s.to_owned()))]
    role_name: Option<RoleName>,
    /// Create the role and annotate the service account even when it already exists.
    #[arg(long)]
    override_existing_serviceaccounts: bool,
    /// The server (default: AWS_ENDPOINT_URL, else http://127.0.0.1:4772); http:// only.
    #[arg(long)]
    endpoint_url: Option<String>,
    /// Region to sign EKS calls for (default: AWS_REGION, AWS_DEFAULT_REGION, else the world's).
    #[arg(long)]
    region: Option<String>,
    /// World file whose first admin key and region are the defaults (without it the
    /// embedded EKS-workshop world).
    #[arg(long, env = "IRSA_LOCAL_CONFIG")]
    config: Option<PathBuf>,
}

#[derive(Args)]
struct PodEnvArgs {
    #[command(flatten)]
    world: WorldArgs,
    /// Namespace of the service account.
    #[arg(short = 'n', long, default_value = "default")]
    namespace: String,
    /// Service account name (it must carry eks.amazonaws.com/role-arn).
    #[arg(short = 's', long = "service-account")]
    service_account: String,
    /// Where to write the token (default: <data-dir>/tokens/<cluster>/<ns>/<name>/token).
    #[arg(long)]
    token_file: Option<PathBuf>,
    /// The server's URL, exported as AWS_ENDPOINT_URL.
    #[arg(long, env = "AWS_ENDPOINT_URL", default_value = health::DEFAULT_URL, value_parser = config::parse_public_url)]
    endpoint_url: String,
    /// Cluster name (default: the world's first cluster).
    #[arg(long)]
    cluster: Option<String>,
    /// Token lifetime in seconds, at least 600 (default: the account's
    /// eks.amazonaws.com/token-expiration annotation, else 86400).
    #[arg(long, value_name = "SECONDS", value_parser = token_expiration_range())]
    token_expiration: Option<u64>,
}

impl PodEnvArgs {
    fn prepare(self) -> Result<PodEnv, pod_env::PodEnvError> {
        let options = PodEnvOptions {
            cluster: self.cluster,
            namespace: self.namespace,
            service_account: self.service_account,
            token_file: self.token_file,
            endpoint_url: self.endpoint_url,
            expiration_seconds: self.token_expiration,
        };
        PodEnv::prepare(&self.world.config(None), &options)
    }
}

#[derive(Args)]
struct ExecArgs {
    #[command(flatten)]
    pod: PodEnvArgs,
    /// The command and its arguments (after `--`).
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "COMMAND"
    )]
    command: Vec<OsString>,
}

#[derive(Args)]
struct HealthArgs {
    /// The server's base URL.
    #[arg(long, env = "AWS_ENDPOINT_URL", default_value = health::DEFAULT_URL)]
    url: String,
}

fn token_expiration_range() -> clap::builder::RangedU64ValueParser {
    clap::value_parser!(u64)
        .range(projection::MIN_EXPIRATION_SECONDS..=projection::MAX_EXPIRATION_SECONDS)
}

#[derive(Args)]
struct MutateArgs {
    #[command(flatten)]
    world: WorldArgs,
    /// The pod manifest (JSON or YAML), or `-` for standard input.
    #[arg(short = 'f', long = "filename")]
    file: String,
    /// Cluster whose service accounts count (default: the world's first cluster).
    #[arg(long)]
    cluster: Option<String>,
    /// Region for AWS_REGION and AWS_DEFAULT_REGION (default: the world's region).
    #[arg(long)]
    region: Option<String>,
    /// Output format (default: the input's).
    #[arg(short = 'o', long = "output", value_enum)]
    output: Option<Format>,
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Add a new signing key: it signs from the next start on, and older keys stay in the JWKS.
    Rotate {
        #[command(flatten)]
        world: WorldArgs,
        /// Cluster name (default: the world's first cluster).
        #[arg(long)]
        cluster: Option<String>,
    },
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Serve(args) => serve(args),
        Command::Token(args) => {
            let options = TokenOptions {
                cluster: args.cluster,
                namespace: args.namespace,
                service_account: args.service_account,
                audiences: args.audiences,
                expiration_seconds: args.expiration_seconds,
                pod: args.pod,
            };
            report(
                offline::token(&args.world.config(None), &options).map(|token| println!("{token}")),
            )
        }
        Command::Decode(args) => decode(args),
        Command::Mutate(args) => mutate(args),
        Command::Keys {
            command: KeysCommand::Rotate { world, cluster },
        } => report(
            offline::rotate_key(&world.config(None), cluster.as_deref())
                .map(|kid| println!("{kid}")),
        ),
        Command::CreateIamServiceAccount(args) => create_iam_service_account(args),
        Command::Env(args) => match args.prepare() {
            Ok(env) => {
                print!("{}", env.shell_commands());
                ExitCode::SUCCESS
            }
            Err(err) => {
                eprintln!("irsa-local: {err}");
                exit_code(err.exit_code())
            }
        },
        Command::Exec(args) => exec(args),
        Command::Health(args) => match health::check(&args.url, Duration::from_secs(3)) {
            Ok(()) => ExitCode::SUCCESS,
            Err(err) => {
                eprintln!("irsa-local: unhealthy: {err}");
                ExitCode::from(1)
            }
        },
    }
}

/// Progress on standard error, eksctl-style; the role ARN alone on standard output.
fn create_iam_service_account(args: CreateIamServiceAccountArgs) -> ExitCode {
    let flags = TargetFlags {
        endpoint_url: args.endpoint_url,
        region: args.region,
        world: WorldSource::from_option(args.config),
    };
    let options = Options {
        cluster: args.cluster,
        namespace: args.namespace,
        name: args.name,
        attach_policy_arns: args.attach_policy_arns,
        role_name: args.role_name,
        override_existing_service_accounts: args.override_existing_serviceaccounts,
    };
    let result = create_service_account::execute(
        flags,
        |name| std::env::var(name).ok(),
        Arc::new(SystemClock),
        &options,
        &mut |progress| {
            let icon = if progress.is_warning() { "!" } else { "ℹ" };
            eprintln!("[{icon}]  {progress}");
        },
    );
    match result {
        Ok(Outcome::Created { role_arn }) => {
            println!("{role_arn}");
            ExitCode::SUCCESS
        }
        Ok(Outcome::Excluded) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("irsa-local: {err}");
            exit_code(err.exit_code())
        }
    }
}

fn exec(args: ExecArgs) -> ExitCode {
    init_logging(LogFormat::Text, "warn");
    let env = match args.pod.prepare() {
        Ok(env) => env,
        Err(err) => {
            eprintln!("irsa-local: {err}");
            return exit_code(err.exit_code());
        }
    };
    match pod_env::exec::run(env, &args.command) {
        Ok(code) => exit_code(code),
        Err(err) => {
            eprintln!("irsa-local: {err}");
            exit_code(err.exit_code())
        }
    }
}

fn report(result: Result<(), offline::OfflineError>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("irsa-local: {err}");
            exit_code(err.exit_code())
        }
    }
}

fn exit_code(code: i32) -> ExitCode {
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}

fn decode(args: DecodeArgs) -> ExitCode {
    let token = if args.token == "-" {
        let mut input = String::new();
        if let Err(err) = std::io::stdin().read_to_string(&mut input) {
            eprintln!("irsa-local: cannot read the token from standard input: {err}");
            return ExitCode::from(2);
        }
        input
    } else {
        args.token
    };
    match offline::decode(&args.world.config(None), &token) {
        Ok(inspection) => {
            println!(
                "{}",
                serde_json::to_string_pretty(&inspection).unwrap_or_default()
            );
            match inspection.signature {
                SignatureCheck::Verified { .. } => ExitCode::SUCCESS,
                SignatureCheck::NotVerified { .. } => ExitCode::from(1),
            }
        }
        Err(err) => {
            eprintln!("irsa-local: {err}");
            exit_code(err.exit_code())
        }
    }
}

fn mutate(args: MutateArgs) -> ExitCode {
    let options = MutateOptions {
        cluster: args.cluster,
        region: args.region,
        output: args.output,
    };
    let result = offline::mutate_file(&args.world.config(None), &options, &args.file);
    report(result.map(|mutated| {
        if let Some(note) = mutated.note {
            eprintln!("irsa-local: {note}; the pod is unchanged");
        }
        print!("{}", mutated.text);
    }))
}

fn serve(args: ServeArgs) -> ExitCode {
    init_logging(args.log_format, "info");
    let config = Config {
        max_object_bytes: args.s3_max_object_bytes,
        s3_virtual_host_suffix: args.s3_virtual_host_suffix,
        reset: args.reset,
        ..args.world.config(args.public_url)
    };
    let app = match App::build(&config, Arc::new(SystemClock)) {
        Ok(app) => app,
        Err(err) => {
            eprintln!("irsa-local: {err}");
            return exit_code(err.exit_code());
        }
    };
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
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("irsa-local: cannot start the async runtime: {err}");
            return ExitCode::from(1);
        }
    };
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
        let listener = match tokio::net::TcpListener::bind(args.listen).await {
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
        let mut options = irsa_local::ServeOptions {
            idle_timeout: std::time::Duration::from_secs(args.idle_timeout),
            ..irsa_local::ServeOptions::default()
        };
        if let Some(tls) = tls {
            tls.log_serving(&address);
            options.tls = Some(tls.config);
        }
        let served = irsa_local::serve_with(listener, app.router(), options, shutdown).await;
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

fn init_logging(format: LogFormat, default_level: &str) {
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

/// Completes on SIGINT or SIGTERM.
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
