//! Refuses to build ingestlab on debug-built engines, and records how each
//! engine was built for the environment of every result.
//!
//! The `links` metadata of libduckdb-sys and libsqlite3-sys hands this
//! script the folders of their static libraries (which is why both are
//! direct dependencies). See `src/engine_build.rs` for what is checked.

#[path = "src/engine_build.rs"]
#[allow(dead_code)]
mod engine_build;

use engine_build::{ArchiveScan, DUCKDB_ASSERT_SYMBOL};
use std::path::PathBuf;

fn scan(dep_var: &str, lib: &str, assert_symbol: Option<&[u8]>, engine: &str) -> String {
    let dir = std::env::var(dep_var).unwrap_or_else(|_| {
        panic!("{dep_var} is not set: is the {engine} -sys crate a direct dependency?")
    });
    let path = PathBuf::from(dir).join(lib);
    println!("cargo:rerun-if-changed={}", path.display());
    let bytes = std::fs::read(&path)
        .unwrap_or_else(|e| panic!("cannot read {engine}'s library '{}': {e}", path.display()));
    let found = ArchiveScan::of(&bytes, assert_symbol);
    if let Some(problem) = found.problem(engine) {
        panic!("{problem}");
    }
    let opt = std::env::var("OPT_LEVEL").unwrap_or_else(|_| "?".into());
    found.describe(&opt)
}

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/engine_build.rs");
    let duck = scan(
        "DEP_DUCKDB_LIB_DIR",
        "libduckdb.a",
        Some(DUCKDB_ASSERT_SYMBOL),
        "DuckDB",
    );
    let sqlite = scan("DEP_SQLITE3_LIB_DIR", "libsqlite3.a", None, "SQLite");
    println!("cargo:rustc-env=INGESTLAB_DUCKDB_BUILD={duck}");
    println!("cargo:rustc-env=INGESTLAB_SQLITE_BUILD={sqlite}");
    if let Ok(inc) = std::env::var("DEP_DUCKDB_INCLUDE") {
        println!("cargo:rustc-env=INGESTLAB_DUCKDB_INCLUDE={inc}");
    }
}
