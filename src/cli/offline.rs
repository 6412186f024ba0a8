//! The commands that work on the data dir with no server: `token`, `decode`, `mutate`
//! and `keys rotate`.

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::builder::PossibleValuesParser;
use clap::{Args, Subcommand};
use irsa_local::config::DEFAULT_DATA_DIR;
use irsa_local::manifest::Format;
use irsa_local::offline::{self, MutateOptions, TokenOptions};
use irsa_local::oidc::defect::{DefectRequest, DEFECTS};
use irsa_local::oidc::inspect::SignatureCheck;

use super::{exit_code, report, WorldArgs};

#[derive(Args)]
pub struct TokenArgs {
    #[command(flatten)]
    world: WorldArgs,
    /// Namespace of the service account.
    #[arg(short = 'n', long, default_value = "default")]
    namespace: String,
    /// Service account name.
    #[arg(short = 's', long = "service-account")]
    service_account: String,
    /// Audience (repeatable; default sts.amazonaws.com). One no IAM OIDC provider lists
    /// is a defect too: STS answers InvalidIdentityToken "Incorrect token audience".
    #[arg(long = "audience")]
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
    #[command(flatten)]
    defect: DefectArgs,
}

/// The negative-token options: one defect at a time (README: "Negative tokens").
#[derive(Args)]
#[command(next_help_heading = "Defects (a token wrong on purpose, one at a time)")]
struct DefectArgs {
    /// Make the token wrong in this one way.
    #[arg(long, value_name = "NAME", value_parser = PossibleValuesParser::new(DEFECTS.map(|(name, _)| name)))]
    defect: Option<String>,
    /// Shorthand for --defect expired (exp one hour ago).
    #[arg(long)]
    expired: bool,
    /// exp this many seconds from now, negative (expired; STS allows 300 s of skew).
    #[arg(long, value_name = "SECONDS", allow_negative_numbers = true)]
    exp_offset: Option<i64>,
    /// nbf this many seconds from now, positive (not yet valid).
    #[arg(long, value_name = "SECONDS", allow_negative_numbers = true)]
    nbf_offset: Option<i64>,
    /// iat this many seconds from now, positive (issued in the future).
    #[arg(long, value_name = "SECONDS", allow_negative_numbers = true)]
    iat_offset: Option<i64>,
}

/// The audience when none is given: the IRSA one.
const DEFAULT_AUDIENCE: &str = "sts.amazonaws.com";

/// Mints and prints a token.
pub fn token(args: TokenArgs) -> ExitCode {
    let request = DefectRequest {
        name: args.defect.defect.as_deref(),
        expired: args.defect.expired,
        exp_offset: args.defect.exp_offset,
        nbf_offset: args.defect.nbf_offset,
        iat_offset: args.defect.iat_offset,
        audience_given: !args.audiences.is_empty(),
    };
    let defect = match request.resolve() {
        Ok(defect) => defect,
        Err(err) => return report(Err(err.into())),
    };
    let audiences = if args.audiences.is_empty() {
        vec![DEFAULT_AUDIENCE.to_owned()]
    } else {
        args.audiences
    };
    let options = TokenOptions {
        cluster: args.cluster,
        namespace: args.namespace,
        service_account: args.service_account,
        audiences,
        expiration_seconds: args.expiration_seconds,
        pod: args.pod,
        defect,
    };
    report(offline::token(&args.world.config(None), &options).map(|token| println!("{token}")))
}

#[derive(Args)]
pub struct DecodeArgs {
    #[command(flatten)]
    world: WorldArgs,
    /// The token, or `-` (the default) to read it from standard input.
    #[arg(default_value = "-")]
    token: String,
}

pub fn decode(args: DecodeArgs) -> ExitCode {
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

#[derive(Args)]
pub struct MutateArgs {
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
    /// AWS_CONTAINER_CREDENTIALS_FULL_URI for a service account with an EKS Pod Identity
    /// association (default: http://169.254.170.23:4772/v1/credentials, the agent endpoint
    /// of `irsa-local serve` on its default port, at the address its pods reach it by;
    /// real EKS nodes use http://169.254.170.23/v1/credentials).
    #[arg(long = "container-credentials-uri", value_name = "URI")]
    container_credentials_uri: Option<String>,
}

pub fn mutate(args: MutateArgs) -> ExitCode {
    let options = MutateOptions {
        cluster: args.cluster,
        region: args.region,
        output: args.output,
        agent_uri: args.container_credentials_uri,
    };
    let result = offline::mutate_file(&args.world.config(None), &options, &args.file);
    report(result.map(|mutated| {
        if let Some(note) = mutated.note {
            eprintln!("irsa-local: {note}; the pod is unchanged");
        }
        print!("{}", mutated.text);
    }))
}

#[derive(Subcommand)]
pub enum KeysCommand {
    /// Add a new signing key: it signs from the next start on, and older keys stay in the JWKS.
    Rotate {
        #[command(flatten)]
        world: WorldArgs,
        /// Cluster name (default: the world's first cluster).
        #[arg(long)]
        cluster: Option<String>,
    },
}

/// Runs a `keys` subcommand.
pub fn keys(command: KeysCommand) -> ExitCode {
    match command {
        KeysCommand::Rotate { world, cluster } => report(
            offline::rotate_key(&world.config(None), cluster.as_deref())
                .map(|kid| println!("{kid}")),
        ),
    }
}

#[derive(Subcommand)]
pub enum StateCommand {
    /// Print the saved state as a world file (JSON), which `--config` can load. Reads
    /// only; safe while a server runs on the same data dir.
    Export {
        /// Where keys and state persist.
        #[arg(long, env = "IRSA_LOCAL_DATA_DIR", default_value = DEFAULT_DATA_DIR)]
        data_dir: PathBuf,
    },
}

/// Runs a `state` subcommand.
pub fn state(command: StateCommand) -> ExitCode {
    match command {
        StateCommand::Export { data_dir } => match irsa_local::store::export(&data_dir) {
            Ok(Some(json)) => {
                println!("{json}");
                ExitCode::SUCCESS
            }
            Ok(None) => {
                eprintln!(
                    "irsa-local: {} holds no saved state (the server saves on its first change)",
                    data_dir.display()
                );
                ExitCode::from(1)
            }
            Err(err) => {
                eprintln!("irsa-local: {err}");
                ExitCode::from(2)
            }
        },
    }
}

#[derive(Args)]
pub struct KubeconfigArgs {
    #[command(flatten)]
    world: WorldArgs,
    /// The server's URL, as kubectl reaches it.
    #[arg(
        long,
        env = "AWS_ENDPOINT_URL",
        default_value = "http://127.0.0.1:4772"
    )]
    server: String,
    /// The current context (default: the world's first cluster).
    #[arg(long)]
    cluster: Option<String>,
    /// The bearer token the server's Kubernetes API requires (`serve --kube-token`).
    #[arg(long, env = "IRSA_LOCAL_KUBE_TOKEN", hide_env_values = true)]
    kube_token: Option<String>,
}

/// Prints a kubeconfig for the running server.
pub fn kubeconfig(args: KubeconfigArgs) -> ExitCode {
    let config = args.world.config(None);
    report(
        offline::kubeconfig(
            &config,
            &args.server,
            args.cluster.as_deref(),
            args.kube_token.as_deref(),
        )
        .map(|text| print!("{text}")),
    )
}
