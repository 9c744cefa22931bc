//! Helpers shared by the integration tests: generated inputs in temp dirs
//! and the real binary.

#![allow(dead_code)]

use assert_cmd::Command;
use ingestlab::data::generate::{GenOptions, GenStats, write_file};
use std::path::{Path, PathBuf};

pub fn bin() -> Command {
    Command::cargo_bin("ingestlab").unwrap()
}

/// Generates `records` into `dir/name` with the given bad-input rates.
pub fn gen_file(
    dir: &Path,
    name: &str,
    records: u64,
    malformed: f64,
    duplicates: f64,
) -> (PathBuf, GenStats) {
    let path = dir.join(name);
    let opts = GenOptions {
        records,
        seed: 7,
        malformed_rate: malformed,
        duplicate_rate: duplicates,
        ..Default::default()
    };
    let stats = write_file(&opts, &path).unwrap();
    (path, stats)
}
