//! The binary's subcommands: their flags (clap) and how each maps the library's results
//! to output and exit codes. Only the binary compiles this module.

pub mod explain;
pub mod lint;
pub mod node;
pub mod offline;
pub mod pod;
pub mod serve;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use irsa_local::config::{Config, WorldSource, DEFAULT_DATA_DIR};

#[derive(Args)]
pub struct WorldArgs {
    /// World file (JSON); without it the embedded EKS-workshop world.
    #[arg(long, env = "IRSA_LOCAL_CONFIG")]
    pub config: Option<PathBuf>,
    /// Where keys and state persist.
    #[arg(long, env = "IRSA_LOCAL_DATA_DIR", default_value = DEFAULT_DATA_DIR)]
    pub data_dir: PathBuf,
}

impl WorldArgs {
    pub fn config(self, public_url: Option<String>) -> Config {
        Config {
            world: WorldSource::from_option(self.config),
            data_dir: self.data_dir,
            public_url,
            ..Config::with_default_world(DEFAULT_DATA_DIR)
        }
    }
}

/// Prints a failed command's error and picks its exit code.
pub fn report(result: Result<(), irsa_local::offline::OfflineError>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("irsa-local: {err}");
            exit_code(err.exit_code())
        }
    }
}

pub fn exit_code(code: i32) -> ExitCode {
    ExitCode::from(u8::try_from(code).unwrap_or(1))
}
