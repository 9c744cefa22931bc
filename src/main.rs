//! The ingestlab binary: parse arguments, dispatch, print the error chain
//! once and exit with 0 (done), 1 (failed) or 130 (interrupted).

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = ingestlab::cli::Cli::parse();
    match ingestlab::cli::dispatch(cli) {
        Ok(status) => ExitCode::from(status.exit_code()),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
