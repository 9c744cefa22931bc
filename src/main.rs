//! The ingestlab binary: parse arguments, dispatch, print the error chain
//! once and exit non-zero on failure.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = ingestlab::cli::Cli::parse();
    match ingestlab::cli::dispatch(cli) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(1)
        }
    }
}
