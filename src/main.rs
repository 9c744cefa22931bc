//! The ingestlab binary: parse arguments, dispatch, print the error chain
//! once and exit with 0 (done), 1 (failed), 2 (refused or bad usage), 3 (a
//! verification failed) or 130 (interrupted); `ingestlab::refused` holds
//! the contract.

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = ingestlab::cli::Cli::parse();
    match ingestlab::cli::dispatch(cli) {
        Ok(status) => ExitCode::from(status.exit_code()),
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(ingestlab::refused::exit_code(&e))
        }
    }
}
