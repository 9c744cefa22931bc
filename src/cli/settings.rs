//! `ingestlab settings`: every setting of a run, with its `ingest` flag,
//! its scenario key, its default, what it accepts and what it changes,
//! read from the command's own definition (the defaults there are the
//! library types', see `tests/settings.rs`), so the listing cannot go
//! stale. The one hand-kept part, which flag is which scenario key, is
//! checked by this module's test: every flag that sets a run is listed and
//! every key is one a scenario accepts.

use anyhow::Result;
use clap::Args;

/// The flags of `settings`.
#[derive(Args, Debug)]
pub struct SettingsArgs {}

/// Each run setting's flag and scenario key, with a value a scenario
/// accepts for it (what the test sets). Sweep axes take a list.
pub(super) const KEYS: [(&str, &str, &str); 34] = [
    ("--backend", "sweep.engines", "[\"sqlite\"]"),
    ("--method", "sweep.methods", "[\"bulk\"]"),
    ("--index", "sweep.indexes", "[\"upfront\"]"),
    ("--batch-size", "sweep.batch_sizes", "[1000]"),
    ("--workers", "sweep.workers", "[1, 2]"),
    ("--schedule", "sweep.schedules", "[\"static\"]"),
    ("--lock", "sweep.locks", "[\"native\"]"),
    ("--queue-depth", "sweep.queue_depth", "4"),
    ("--overhead", "sweep.overheads", "[\"none\"]"),
    ("--pool-startup-ms", "sweep.pool_startup_ms", "150"),
    ("--worker-startup-ms", "sweep.worker_startup_ms", "75"),
    ("--dispatch-ms", "sweep.dispatch_ms", "15"),
    ("--dispatch-us-per-kb", "sweep.dispatch_us_per_kb", "5"),
    ("--shutdown-ms", "sweep.shutdown_ms", "150"),
    ("--pay", "sweep.pay", "\"sleep\""),
    ("--record-work-ms", "sweep.record_work_ms", "[0]"),
    ("--ipc-copy", "sweep.ipc_copy", "true"),
    ("--journal-mode", "sqlite.journal_mode", "\"wal\""),
    ("--synchronous", "sqlite.synchronous", "\"normal\""),
    ("--page-size", "sqlite.page_size", "4096"),
    ("--cache-size-kib", "sqlite.cache_size_kib", "16384"),
    ("--pragma", "sqlite.pragmas", "{ temp_store = \"memory\" }"),
    ("--duckdb-memory-limit-mb", "duckdb.memory_limit_mb", "512"),
    ("--duckdb-threads", "duckdb.threads", "0"),
    ("--pg-bin", "postgres.bin", "\"/usr/lib/postgresql/15/bin\""),
    (
        "--pg-url",
        "postgres.url",
        "\"postgresql://me@localhost/db\"",
    ),
    ("--pg-schema", "postgres.schema", "\"ingestlab\""),
    (
        "--pg-shared-buffers-mb",
        "postgres.shared_buffers_mb",
        "128",
    ),
    ("--pg-max-wal-size-mb", "postgres.max_wal_size_mb", "1024"),
    ("--pg-async-commit", "postgres.synchronous_commit", "false"),
    ("--pg-no-fsync", "postgres.fsync", "false"),
    ("--pg-wal-level", "postgres.wal_level", "\"replica\""),
    ("--pg-unlogged", "postgres.unlogged", "true"),
    ("--copy-format", "postgres.copy_format", "\"csv\""),
];

#[cfg(test)]
/// `ingest`'s flags that are not settings of a run (what to read, where
/// to keep the database, how to print, what to allow).
pub(super) const NOT_SETTINGS: [&str; 8] = [
    "--input",
    "--db",
    "--overwrite",
    "--force",
    "--json",
    "--timeline",
    "--inject-fault",
    "--help",
];

/// The listing as a Markdown table, from `ingest`'s command definition.
pub fn listing(ingest: &clap::Command) -> String {
    let mut out = String::from(
        "| flag (`ingest`, `run --set` takes the key) | scenario key | default | accepts | what it sets |\n|---|---|---|---|---|\n",
    );
    for (flag, key, _) in KEYS {
        let Some(arg) = ingest
            .get_arguments()
            .find(|a| a.get_long().is_some_and(|l| format!("--{l}") == flag))
        else {
            continue;
        };
        let default: Vec<String> = arg
            .get_default_values()
            .iter()
            .map(|v| v.to_string_lossy().into_owned())
            .collect();
        let accepts: Vec<String> = arg
            .get_possible_values()
            .iter()
            .map(|v| v.get_name().to_string())
            .collect();
        let accepts = if accepts.is_empty() {
            if arg.get_action().takes_values() {
                "a value".to_string()
            } else {
                "on/off".to_string()
            }
        } else {
            accepts.join(", ")
        };
        let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
        out += &format!(
            "| `{flag}` | `{key}` | {} | {accepts} | {} |\n",
            if default.is_empty() {
                "none".to_string()
            } else {
                default.join(", ")
            },
            help.replace('\n', " ").replace('|', "\\|")
        );
    }
    out
}

/// Prints the listing of `ingest` (the command's definition, passed in by
/// the dispatcher that owns it).
pub fn settings(_: &SettingsArgs, ingest: &clap::Command) -> Result<()> {
    print!("{}", listing(ingest));
    Ok(())
}
