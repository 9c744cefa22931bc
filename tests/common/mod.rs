//! Helpers shared by the integration tests: generated inputs in temp dirs
//! and the real binary.

#![allow(dead_code)]

use assert_cmd::Command;
use ingestlab::data::generate::{GenOptions, GenStats, write_file};
use std::path::{Path, PathBuf};

pub fn bin() -> Command {
    Command::cargo_bin("ingestlab").unwrap()
}

/// The path of the binary, for tests that spawn and signal it themselves.
pub fn exe() -> PathBuf {
    assert_cmd::cargo::cargo_bin("ingestlab")
}

/// Writes `dir/s.toml`: a scenario called `name` whose results go to
/// `dir/out`, with `body` after those two lines.
pub fn scenario_file(dir: &Path, name: &str, body: &str) -> PathBuf {
    let p = dir.join("s.toml");
    std::fs::write(
        &p,
        format!(
            "name = \"{name}\"\noutput = \"{}\"\n{body}",
            dir.join("out").display()
        ),
    )
    .unwrap();
    p
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
