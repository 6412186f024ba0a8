//! The `irsa-local` command line: parse flags, call the library, map errors to exit codes.
//! Each subcommand's flags and glue live in [`cli`].

mod cli;

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use cli::explain::ExplainArgs;
use cli::lint::LintArgs;
use cli::offline::{DecodeArgs, KeysCommand, KubeconfigArgs, MutateArgs, StateCommand, TokenArgs};
use cli::pod::{CreateIamServiceAccountArgs, ExecArgs, HealthArgs, PodEnvArgs};
use cli::serve::ServeArgs;

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
    /// Check trust policies (the world's roles, or files) for the mistakes that break or weaken IRSA.
    Lint(LintArgs),
    /// Print a kubeconfig for the server: one context per cluster, as `kind get kubeconfig`.
    Kubeconfig(KubeconfigArgs),
    /// Manage issuer signing keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Look at the saved state (`<data-dir>/state/world.db`).
    State {
        #[command(subcommand)]
        command: StateCommand,
    },
    /// Create an IAM role for a service account and annotate the service account with it,
    /// as `eksctl create iamserviceaccount --approve` does, through a running server's APIs.
    #[command(name = "create-iamserviceaccount")]
    CreateIamServiceAccount(CreateIamServiceAccountArgs),
    /// Write a service account's token file and print the `export`s of its pod (IRSA or Pod Identity).
    Env(PodEnvArgs),
    /// Run a command as the account's pod (IRSA or Pod Identity): its variables, a fresh token file, no static keys.
    Exec(ExecArgs),
    /// Say what STS would answer a role and a token, and why, step by step (offline):
    /// exit 0 allowed, 1 refused, 2 bad input.
    Explain(ExplainArgs),
    /// Exit 0 if the server answers its health check, 1 otherwise (for HEALTHCHECK).
    Health(HealthArgs),
}

fn main() -> ExitCode {
    match Cli::parse().command {
        Command::Serve(args) => cli::serve::serve(args),
        Command::Token(args) => cli::offline::token(args),
        Command::Decode(args) => cli::offline::decode(args),
        Command::Mutate(args) => cli::offline::mutate(args),
        Command::Lint(args) => cli::lint::lint(args),
        Command::Kubeconfig(args) => cli::offline::kubeconfig(args),
        Command::Keys { command } => cli::offline::keys(command),
        Command::State { command } => cli::offline::state(command),
        Command::CreateIamServiceAccount(args) => cli::pod::create_iam_service_account(args),
        Command::Env(args) => cli::pod::env(args),
        Command::Exec(args) => cli::pod::exec(args),
        Command::Health(args) => cli::pod::health(args),
        Command::Explain(args) => cli::explain::explain(args),
    }
}
