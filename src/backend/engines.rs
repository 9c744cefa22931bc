//! What depends on every engine at once: creating a database of the chosen
//! engine, stopping the servers this process started, and checking the
//! settings of all of them. Kept out of `mod.rs` so the engines use the
//! folder's shared types without `mod.rs` using them back.

use super::{BackendOptions, Database, Engine, duckdb, sqlite};
use anyhow::Result;
use std::path::Path;

/// Creates a fresh database at `path` with the tables, and returns it.
/// The caller has made sure the path may be written ([`prepare_db_path`]).
pub fn create(path: &Path, opts: &BackendOptions) -> Result<Box<dyn Database>> {
    match opts.engine {
        Engine::Sqlite => Ok(Box::new(sqlite::SqliteDb::create(path, opts)?)),
        Engine::Duckdb => Ok(Box::new(duckdb::DuckDb::create(path, opts)?)),
        // A server's tables, not a file: `path` is not used.
        Engine::Postgres => postgres_db(opts),
    }
}

#[cfg(feature = "postgres")]
fn postgres_db(opts: &BackendOptions) -> Result<Box<dyn Database>> {
    Ok(Box::new(super::postgres::PgDb::create(opts)?))
}

#[cfg(not(feature = "postgres"))]
fn postgres_db(_: &BackendOptions) -> Result<Box<dyn Database>> {
    crate::refused::refuse!(
        "this ingestlab was built without the PostgreSQL engine (`--no-default-features`): build it with the default features, `cargo build --release` (and install the server binaries to run it)"
    )
}

/// True when this build has the PostgreSQL engine and the server binaries
/// are installed (the bench measures PostgreSQL only then).
pub fn postgres_available() -> bool {
    #[cfg(feature = "postgres")]
    return super::postgres::server::find_bin(None).is_ok();
    #[cfg(not(feature = "postgres"))]
    false
}

/// Seconds of the PostgreSQL server's own `COPY app_base FROM` the CSV
/// file `csv` (read by the server itself) into fresh tables made as for a
/// run, with `opts`' server settings; making the tables is not timed.
pub fn postgres_server_copy_s(opts: &BackendOptions, csv: &Path) -> Result<f64> {
    #[cfg(feature = "postgres")]
    return super::postgres::server_copy_s(opts, csv);
    #[cfg(not(feature = "postgres"))]
    {
        let _ = csv;
        postgres_db(opts).map(|_| 0.0)
    }
}

/// Stops the PostgreSQL server this process started, if any.
pub fn stop_servers() {
    #[cfg(feature = "postgres")]
    super::postgres::shutdown();
}

/// Engine threads per core beyond which nothing is measured but the
/// scheduler; a hard limit (`--force` does not lift it): 100,000 DuckDB
/// threads once filled the process table and outlived a SIGTERM.
pub const MAX_ENGINE_THREADS_PER_CORE: usize = 16;

/// Every engine setting [`validate`] (and `PostgresSettings::problems`) can
/// name, by its scenario key, with the `ingest`/`run` flag that sets it:
/// one table, so an error names a flag that exists (deriving flags from
/// keys had `postgres.fsync` say `--pg-fsync`, a flag that is
/// `--pg-no-fsync`). A test checks every flag against the command line.
pub const SETTING_FLAGS: [(&str, &str); 12] = [
    ("sqlite.page_size", "--page-size"),
    ("sqlite.cache_size_kib", "--cache-size-kib"),
    ("sqlite.pragma", "--pragma"),
    ("duckdb.memory_limit_mb", "--duckdb-memory-limit-mb"),
    ("duckdb.threads", "--duckdb-threads"),
    ("postgres.bin", "--pg-bin"),
    ("postgres.schema", "--pg-schema"),
    ("postgres.shared_buffers_mb", "--pg-shared-buffers-mb"),
    ("postgres.max_wal_size_mb", "--pg-max-wal-size-mb"),
    ("postgres.synchronous_commit", "--pg-async-commit"),
    ("postgres.fsync", "--pg-no-fsync"),
    ("postgres.wal_level", "--pg-wal-level"),
];

/// The flag of the engine setting `key` (see [`SETTING_FLAGS`]).
pub fn setting_flag(key: &str) -> Option<&'static str> {
    SETTING_FLAGS
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, f)| *f)
}

/// Checks the settings a run cannot use, naming each.
pub fn validate(opts: &BackendOptions) -> Vec<(&'static str, String)> {
    let mut p = Vec::new();
    let s = &opts.sqlite;
    if !(512..=65536).contains(&s.page_size) || !s.page_size.is_power_of_two() {
        p.push((
            "sqlite.page_size",
            format!(
                "must be a power of two from 512 to 65536, got {}",
                s.page_size
            ),
        ));
    }
    if s.cache_size_kib == 0 {
        p.push(("sqlite.cache_size_kib", "must be at least 1".to_string()));
    }
    if opts.duckdb.memory_limit_mb < 16 {
        p.push((
            "duckdb.memory_limit_mb",
            format!(
                "must be at least 16 (MB), got {}",
                opts.duckdb.memory_limit_mb
            ),
        ));
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let max_threads = MAX_ENGINE_THREADS_PER_CORE * cores;
    if opts.duckdb.threads as usize > max_threads {
        p.push((
            "duckdb.threads",
            format!(
                "{} threads on {cores} cores: at most {max_threads} ({MAX_ENGINE_THREADS_PER_CORE} per core, a hard limit: beyond it a run measures the thread scheduler, and far beyond it exhausts the process table); 0 = one per core",
                opts.duckdb.threads
            ),
        ));
    }
    if !(opts.busy_timeout_s.is_finite() && (0.0..=86_400.0).contains(&opts.busy_timeout_s)) {
        p.push((
            "busy_timeout_s",
            "must be a number of seconds from 0 to 86,400 (a day)".into(),
        ));
    }
    p.extend(sqlite::check_pragmas(&s.pragmas));
    p.extend(opts.postgres.problems());
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every key validate() can name has a flag in the table: all of them
    /// made bad at once (a URL too, which refuses the server settings).
    #[test]
    fn every_setting_a_problem_names_has_its_flag() {
        let mut o = BackendOptions::default();
        o.sqlite.page_size = 3;
        o.sqlite.cache_size_kib = 0;
        o.duckdb.memory_limit_mb = 1;
        o.duckdb.threads = u32::MAX;
        let p = &mut o.postgres;
        p.url = Some("postgresql://x".into());
        p.schema = "public".into();
        p.bin = Some("/opt/pg".into());
        p.shared_buffers_mb = 1;
        p.max_wal_size_mb = 1;
        p.synchronous_commit = !p.synchronous_commit;
        p.fsync = !p.fsync;
        p.wal_level = crate::backend::WalLevel::Minimal;
        let keys: Vec<&str> = validate(&o).into_iter().map(|(k, _)| k).collect();
        assert!(keys.len() >= 11, "{keys:?}");
        for k in keys {
            assert!(
                setting_flag(k).is_some(),
                "{k} has no flag in SETTING_FLAGS"
            );
        }
    }
}
