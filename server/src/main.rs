//! `achievements`: the command-line entry point.
//!
//! - `rules validate CATALOG.json`: check a catalog, every problem located.
//! - `rules test PATH...`: run rule scenarios offline.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

mod rules;

#[derive(Debug, Parser)]
#[command(name = "achievements", version, about = "Achievement and badge system for the creative platform")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Work with catalogs and rule scenarios offline.
    #[command(subcommand)]
    Rules(RulesCommand),
}

#[derive(Debug, Subcommand)]
enum RulesCommand {
    /// Validate a catalog file; lists every problem as `PATH: message`.
    Validate {
        /// The catalog JSON file.
        catalog: PathBuf,
    },
    /// Run scenario files, or folders of them (non-recursive, in name order).
    Test {
        /// Scenario files or folders.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let ok = match cli.command {
        Command::Rules(RulesCommand::Validate { catalog }) => rules::validate(&catalog),
        Command::Rules(RulesCommand::Test { paths }) => rules::test(&paths),
    };
    if ok { ExitCode::SUCCESS } else { ExitCode::FAILURE }
}
