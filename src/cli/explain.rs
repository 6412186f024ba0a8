//! `irsa-local explain`: what STS would answer, and why, for a role and a token: the
//! world's (`--config`, `--data-dir`), or real AWS material (`--trust-policy` with the
//! provider's URL, client ids and JWKS).

use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, ValueEnum};
use irsa_local::clock::{Clock, SystemClock};
use irsa_local::credentials::CredentialSecret;
use irsa_local::explain::{self, material, Report};
use irsa_local::pod_env::SHADOWING_VARIABLES;
use irsa_local::sts::assume_role_with_web_identity::Services;

use super::WorldArgs;

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Output {
    Text,
    Json,
}

#[derive(Args)]
pub struct ExplainArgs {
    #[command(flatten)]
    world: WorldArgs,
    /// The role to assume (with --trust-policy: optional, names the role and its account).
    #[arg(long)]
    role_arn: Option<String>,
    /// The web identity token: a file, or `-` for standard input.
    #[arg(long)]
    token: Option<String>,
    /// Explain against this trust policy instead of the world: the JSON as
    /// `aws iam get-role --query Role.AssumeRolePolicyDocument` prints it, URL-encoded or
    /// not (a whole `get-role` output works too). Needs --provider-url and --jwks or
    /// --skip-signature.
    #[arg(long)]
    trust_policy: Option<PathBuf>,
    /// The IAM OIDC provider's URL (the token's `iss`), with --trust-policy.
    #[arg(long)]
    provider_url: Option<String>,
    /// A client id (audience) of the provider, with --trust-policy (repeatable).
    #[arg(long = "client-id", default_value = "sts.amazonaws.com")]
    client_ids: Vec<String>,
    /// The provider's JWKS (`{"keys": [...]}`), with --trust-policy.
    #[arg(long, conflicts_with = "skip_signature")]
    jwks: Option<PathBuf>,
    /// Check everything but the signature (the report says so), with --trust-policy.
    #[arg(long)]
    skip_signature: bool,
    /// Take the role from AWS_ROLE_ARN and the token from AWS_WEB_IDENTITY_TOKEN_FILE
    /// (as inside a pod), and report variables that would shadow web identity in an SDK.
    #[arg(long)]
    env: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    output: Output,
}

/// Runs `explain`: exit 0 allowed, 1 refused, 2 bad input.
pub fn explain(args: ExplainArgs) -> ExitCode {
    match run(args) {
        Ok((report, output)) => {
            let text = match output {
                Output::Text => report.text(),
                Output::Json => serde_json::to_string_pretty(&report).unwrap_or_default() + "\n",
            };
            // A closed pipe (`| head`) is not an error of the explanation.
            let _ = std::io::Write::write_all(&mut std::io::stdout().lock(), text.as_bytes());
            ExitCode::from(u8::try_from(report.exit_code()).unwrap_or(1))
        }
        Err(message) => {
            eprintln!("irsa-local explain: {message}");
            ExitCode::from(2)
        }
    }
}

fn run(args: ExplainArgs) -> Result<(Report, Output), String> {
    let env = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    let role_arn = args
        .role_arn
        .clone()
        .or_else(|| args.env.then(|| env("AWS_ROLE_ARN")).flatten());
    let token_source = args
        .token
        .clone()
        .or_else(|| {
            args.env
                .then(|| env("AWS_WEB_IDENTITY_TOKEN_FILE"))
                .flatten()
        })
        .ok_or("give --token FILE (or - for standard input), or --env inside a pod")?;
    let token = read_token(&token_source)?;
    let mut report = match &args.trust_policy {
        None => {
            let role_arn = role_arn.ok_or("give --role-arn (or --env inside a pod)")?;
            let config = args.world.config(None);
            irsa_local::offline::explain(&config, &role_arn, &token).map_err(|e| e.to_string())?
        }
        Some(path) => {
            let text = std::fs::read_to_string(path)
                .map_err(|err| format!("cannot read {}: {err}", path.display()))?;
            let (policy, account) = irsa_local::lint::read_policy(&text)
                .map_err(|err| format!("{}: {err}", path.display()))?;
            let findings = irsa_local::lint::lint_text(&text, None).unwrap_or_default();
            let provider_url = args
                .provider_url
                .as_deref()
                .ok_or("--trust-policy needs --provider-url (the token's iss)")?;
            let role_arn = role_arn.or_else(|| {
                account.map(|account| format!("arn:aws:iam::{account}:role/explained"))
            });
            let (world, role_arn) =
                material::world_for(&policy, provider_url, &args.client_ids, role_arn.as_deref())?;
            let (token, keys) = match (&args.jwks, args.skip_signature) {
                (Some(jwks), _) => {
                    let text = std::fs::read_to_string(jwks)
                        .map_err(|err| format!("cannot read {}: {err}", jwks.display()))?;
                    let value = serde_json::from_str(&text)
                        .map_err(|err| format!("{} is not JSON: {err}", jwks.display()))?;
                    let url = world
                        .oidc_providers
                        .iter()
                        .next()
                        .map_or_else(String::new, |p| p.url.to_string());
                    (token.clone(), material::JwksKeys::from_jwks(&url, &value)?)
                }
                (None, true) => material::resign(&token, provider_url)?,
                (None, false) => {
                    return Err("--trust-policy needs --jwks FILE or --skip-signature".to_owned())
                }
            };
            let secret = CredentialSecret::from_bytes(&rand::random());
            let services = Services {
                world: &world,
                keys: &keys,
                secret: &secret,
                now: SystemClock.now(),
            };
            let mut report = explain::explain(&role_arn, &token, &services, !args.skip_signature);
            for finding in findings {
                report.notes.push(format!(
                    "lint {} at {}: {} ({})",
                    finding.id.id(),
                    finding.path,
                    finding.message,
                    finding.fix
                ));
            }
            report
        }
    };
    if args.env {
        let shadowing: Vec<&str> = SHADOWING_VARIABLES
            .iter()
            .copied()
            .filter(|name| env(name).is_some())
            .collect();
        if !shadowing.is_empty() {
            report.notes.push(format!(
                "{} set: an SDK's default credential chain reads these before web identity, so it would not assume the role",
                shadowing.join(", ")
            ));
        }
    }
    Ok((report, args.output))
}

fn read_token(source: &str) -> Result<String, String> {
    let text = if source == "-" {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .map_err(|err| format!("cannot read the token from standard input: {err}"))?;
        text
    } else {
        std::fs::read_to_string(source).map_err(|err| format!("cannot read {source}: {err}"))?
    };
    Ok(text.trim().to_owned())
}
