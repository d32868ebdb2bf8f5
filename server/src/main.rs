//! `achievements`: the command-line entry point. See the library's
//! [`achievements_server::cli`] for the commands.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = achievements_server::cli::Cli::parse();
    match achievements_server::cli::run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}
