//! The `achievements-tui` command: parses the command line and hands over
//! to the library (see `cli.rs` for what each command does).

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::main() {
        Ok(code) => code,
        Err(e) => {
            eprintln!("achievements-tui: {e:#}");
            ExitCode::FAILURE
        }
    }
}
