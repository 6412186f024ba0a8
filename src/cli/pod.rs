//! The commands that talk to a running server or act as a pod: `create-iamserviceaccount`,
//! `env`, `exec` and `health`.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::Args;
use irsa_local::client::create_service_account::{self, Options, Outcome};
use irsa_local::client::target::TargetFlags;
use irsa_local::clock::SystemClock;
use irsa_local::config::{self, WorldSource};
use irsa_local::health;
use irsa_local::pod_env::{self, PodEnv, PodEnvOptions};
use irsa_local::world::{ClusterName, Namespace, RoleName, ServiceAccountName};

use super::serve::{init_logging, token_expiration_range, LogFormat};
use super::{exit_code, WorldArgs};

#[derive(Args)]
pub struct CreateIamServiceAccountArgs {
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

/// Progress on standard error, eksctl-style; the role ARN alone on standard output.
pub fn create_iam_service_account(args: CreateIamServiceAccountArgs) -> ExitCode {
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

#[derive(Args)]
pub struct PodEnvArgs {
    #[command(flatten)]
    world: WorldArgs,
    /// Namespace of the service account.
    #[arg(short = 'n', long, default_value = "default")]
    namespace: String,
    /// Service account name. Without --irsa or --pod-identity, the way a pod of it gets
    /// credentials is the webhook's choice: EKS Pod Identity when the cluster has a Pod
    /// Identity association for it (even if it also carries eks.amazonaws.com/role-arn),
    /// else IRSA, which needs the eks.amazonaws.com/role-arn annotation.
    #[arg(short = 's', long = "service-account")]
    service_account: String,
    /// IRSA whatever the associations: AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE.
    #[arg(long, conflicts_with = "pod_identity")]
    irsa: bool,
    /// EKS Pod Identity (the account needs an association): a pods.eks.amazonaws.com
    /// token file (no trailing newline) as AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE, and
    /// AWS_CONTAINER_CREDENTIALS_FULL_URI=http://127.0.0.1:<port>/v1/credentials, the
    /// server's agent endpoint at the --endpoint-url port (its host kept when it is
    /// localhost or a loopback address, the whole URL when it is https); no AWS_ROLE_ARN
    /// or AWS_WEB_IDENTITY_TOKEN_FILE, which SDKs would try first.
    #[arg(long)]
    pod_identity: bool,
    /// Where to write the token (default: <data-dir>/tokens/<cluster>/<ns>/<name>/token,
    /// or eks-pod-identity-token in that folder for Pod Identity).
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
            mode: match (self.irsa, self.pod_identity) {
                (true, _) => pod_env::Mode::Irsa,
                (_, true) => pod_env::Mode::PodIdentity,
                _ => pod_env::Mode::Auto,
            },
        };
        PodEnv::prepare(&self.world.config(None), &options)
    }
}

/// Writes the token file and prints the `export`s.
pub fn env(args: PodEnvArgs) -> ExitCode {
    match args.prepare() {
        Ok(env) => {
            for note in env.notes() {
                eprintln!("irsa-local: {note}");
            }
            print!("{}", env.shell_commands());
            ExitCode::SUCCESS
        }
        Err(err) => {
            eprintln!("irsa-local: {err}");
            exit_code(err.exit_code())
        }
    }
}

#[derive(Args)]
pub struct ExecArgs {
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

pub fn exec(args: ExecArgs) -> ExitCode {
    init_logging(LogFormat::Text, "warn");
    let env = match args.pod.prepare() {
        Ok(env) => {
            for note in env.notes() {
                eprintln!("irsa-local: {note}");
            }
            env
        }
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

#[derive(Args)]
pub struct HealthArgs {
    /// The server's base URL.
    #[arg(long, env = "AWS_ENDPOINT_URL", default_value = health::DEFAULT_URL)]
    url: String,
}

/// Exit 0 when the server answers its health check.
pub fn health(args: HealthArgs) -> ExitCode {
    match health::check(&args.url, Duration::from_secs(3)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("irsa-local: unhealthy: {err}");
            ExitCode::from(1)
        }
    }
}
