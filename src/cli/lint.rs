//! `irsa-local lint`: trust-policy findings for the world's roles or for files, as text
//! or JSON. Exit 0 with no finding, 1 with any (error or warning), 2 for input that is
//! not a trust policy; and the same findings as warnings when `serve` starts.

use std::io::Read;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Args, ValueEnum};
use irsa_local::clock::SystemClock;
use irsa_local::config::{Config, WorldSource};
use irsa_local::lint::{self, Report};
use irsa_local::App;
use serde::Serialize;

use super::{exit_code, WorldArgs};

/// `irsa-local lint`'s flags.
#[derive(Args)]
pub struct LintArgs {
    #[command(flatten)]
    world: WorldArgs,
    /// Lint these trust policies instead of the world's roles (`-` for standard input):
    /// the JSON `aws iam get-role --query Role.AssumeRolePolicyDocument` prints, IAM's
    /// URL-encoded text, or a whole `get-role` output.
    #[arg(long = "trust-policy", value_name = "FILE", num_args = 1..)]
    trust_policies: Vec<String>,
    /// The roles' account, for the provider-other-account check on files (default: the
    /// `Role.Arn` of a `get-role` output; unchecked without either).
    #[arg(long, value_name = "ID")]
    account: Option<String>,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Output::Text)]
    output: Output,
}

/// How findings are printed.
#[derive(Clone, Copy, ValueEnum)]
pub enum Output {
    Text,
    Json,
}

/// The JSON output: every finding, flat, with where it was found.
#[derive(Serialize)]
struct JsonOutput<'a> {
    findings: Vec<JsonFinding<'a>>,
}

/// A finding with the file or role it is in.
#[derive(Serialize)]
struct JsonFinding<'a> {
    source: &'a str,
    #[serde(flatten)]
    finding: &'a lint::Finding,
}

/// Lints, prints, and picks the exit code: 2 for bad input (over findings), 1 for any
/// finding, else 0.
pub fn lint(args: LintArgs) -> ExitCode {
    let mut bad_input = false;
    let reports = if args.trust_policies.is_empty() {
        let config = args.world.config(None);
        match world_reports(&config) {
            Ok(reports) => reports,
            Err((message, code)) => {
                eprintln!("irsa-local: {message}");
                return exit_code(code);
            }
        }
    } else {
        let mut reports = Vec::new();
        for file in &args.trust_policies {
            let findings = read_input(file).and_then(|text| {
                lint::lint_text(&text, args.account.as_deref()).map_err(|err| err.to_string())
            });
            match findings {
                Ok(findings) => reports.push(Report {
                    source: file.clone(),
                    findings,
                }),
                Err(message) => {
                    eprintln!("irsa-local: {file}: {message}");
                    bad_input = true;
                }
            }
        }
        reports
    };
    print(&reports, args.output);
    if bad_input {
        ExitCode::from(2)
    } else if reports.iter().any(|report| !report.findings.is_empty()) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// Logs the findings for the world's roles as warnings; `serve` starts all the same.
pub fn warn_at_start(app: &App, config: &Config) {
    let snapshot = app.state().current();
    let text = config_text(config);
    for report in lint::lint_world(snapshot.world(), text.as_deref()) {
        for finding in &report.findings {
            tracing::warn!(
                source = %report.source,
                id = finding.id.id(),
                path = %finding.path,
                fix = finding.fix,
                "trust policy: {}: {} (irsa-local lint)",
                finding.id.id(),
                finding.message,
            );
        }
    }
}

/// The world's roles (the saved state over the world file), loaded as `token` and the
/// other offline commands load them.
fn world_reports(config: &Config) -> Result<Vec<Report>, (String, i32)> {
    let app = App::build(config, Arc::new(SystemClock))
        .map_err(|err| (err.to_string(), err.exit_code()))?;
    let snapshot = app.state().current();
    Ok(lint::lint_world(
        snapshot.world(),
        config_text(config).as_deref(),
    ))
}

/// The world file's text, where duplicate keys are still visible.
fn config_text(config: &Config) -> Option<String> {
    match &config.world {
        WorldSource::File(path) => std::fs::read_to_string(path).ok(),
        WorldSource::Default => None,
    }
}

/// The text of `file`, or of standard input for `-`.
fn read_input(file: &str) -> Result<String, String> {
    let mut text = String::new();
    let read = if file == "-" {
        std::io::stdin().read_to_string(&mut text).map(|_| text)
    } else {
        std::fs::read_to_string(file)
    };
    read.map_err(|err| format!("cannot read: {err}"))
}

/// Prints every finding: two lines each as text, one JSON document otherwise.
fn print(reports: &[Report], output: Output) {
    match output {
        Output::Text => {
            for report in reports {
                for finding in &report.findings {
                    let level = match finding.level {
                        lint::Level::Error => "error",
                        lint::Level::Warning => "warning",
                    };
                    println!(
                        "{}: {level}[{}] {}: {}\n  fix: {}",
                        report.source,
                        finding.id.id(),
                        finding.path,
                        finding.message,
                        finding.fix
                    );
                }
            }
        }
        Output::Json => {
            let findings = reports
                .iter()
                .flat_map(|report| {
                    report.findings.iter().map(|finding| JsonFinding {
                        source: &report.source,
                        finding,
                    })
                })
                .collect();
            let json = serde_json::to_string_pretty(&JsonOutput { findings });
            println!("{}", json.unwrap_or_default());
        }
    }
}
