//! `ingestlab ingest`: one run of a file into a database, from flags.

use super::status::Status;
use super::values::{choice, count, non_negative, pragma};
use crate::backend::fault::Fault;
use crate::backend::{
    BackendOptions, CopyFormat, DuckdbSettings, Engine, IndexPolicy, InsertMethod, JournalMode,
    Overwrite, PgUrl, PostgresSettings, SqliteSettings, Synchronous, WalLevel, prepare_db_path,
};
use crate::run::clock::PayMode;
use crate::run::{
    self, Ctx, Input, Interrupted, LockModel, OverheadKnobs, Preset, RunConfig, RunResult, Schedule,
};
use anyhow::{Context, Result};
use clap::Args;
use std::path::{Path, PathBuf};

/// Engine settings shared by `ingest` and `run` overrides. Every default
/// is the library type's own (`SqliteSettings::default()`...), so `--help`
/// and a scenario that omits a setting say the same (tests/settings.rs).
#[derive(Args, Debug, Clone)]
pub struct EngineArgs {
    /// SQLite journal mode.
    #[arg(long, value_parser = choice::<JournalMode>(), default_value_t = SqliteSettings::default().journal_mode)]
    pub journal_mode: JournalMode,
    /// SQLite synchronous setting.
    #[arg(long, value_parser = choice::<Synchronous>(), default_value_t = SqliteSettings::default().synchronous)]
    pub synchronous: Synchronous,
    /// SQLite page size in bytes (a power of two, 512–65536).
    #[arg(long, default_value_t = SqliteSettings::default().page_size as usize, value_parser = count, allow_hyphen_values = true)]
    pub page_size: usize,
    /// SQLite page cache per connection, KiB.
    #[arg(long, default_value_t = SqliteSettings::default().cache_size_kib as usize, value_parser = count, allow_hyphen_values = true)]
    pub cache_size_kib: usize,
    /// Another SQLite pragma, as key=value (repeatable), checked against the
    /// pragmas SQLite knows.
    #[arg(long = "pragma", value_parser = pragma)]
    pub pragmas: Vec<(String, String)>,
    /// DuckDB memory limit, MB.
    #[arg(long, default_value_t = DuckdbSettings::default().memory_limit_mb as usize, value_parser = count, allow_hyphen_values = true)]
    pub duckdb_memory_limit_mb: usize,
    /// DuckDB threads (0: one per core).
    #[arg(long, default_value_t = DuckdbSettings::default().threads as u64, value_parser = super::values::count0, allow_hyphen_values = true)]
    pub duckdb_threads: u64,
    /// PostgreSQL: the folder of initdb and postgres (default: PATH,
    /// pg_config --bindir, then the newest /usr/lib/postgresql/*/bin).
    #[arg(long)]
    pub pg_bin: Option<PathBuf>,
    /// PostgreSQL: a server you run (postgresql://user:pw@host/db or
    /// "host=… dbname=…") instead of one ingestlab starts; ingestlab works
    /// only in its own schema there and never writes the password out.
    #[arg(long)]
    pub pg_url: Option<String>,
    /// PostgreSQL: the schema ingestlab creates and works in (one it did
    /// not create is refused).
    #[arg(long, default_value_t = PostgresSettings::default().schema)]
    pub pg_schema: String,
    /// PostgreSQL shared_buffers, MB.
    #[arg(long, default_value_t = PostgresSettings::default().shared_buffers_mb as usize, value_parser = count, allow_hyphen_values = true)]
    pub pg_shared_buffers_mb: usize,
    /// PostgreSQL max_wal_size, MB.
    #[arg(long, default_value_t = PostgresSettings::default().max_wal_size_mb as usize, value_parser = count, allow_hyphen_values = true)]
    pub pg_max_wal_size_mb: usize,
    /// PostgreSQL synchronous_commit off: commits return before their WAL
    /// is on disk (faster; the server is durable by default).
    #[arg(long)]
    pub pg_async_commit: bool,
    /// PostgreSQL fsync and full_page_writes off (unsafe outside a lab).
    #[arg(long)]
    pub pg_no_fsync: bool,
    /// PostgreSQL wal_level (minimal also sets max_wal_senders = 0).
    #[arg(long, value_parser = choice::<WalLevel>(), default_value_t = PostgresSettings::default().wal_level)]
    pub pg_wal_level: WalLevel,
    /// PostgreSQL unlogged tables (no WAL for the data).
    #[arg(long)]
    pub pg_unlogged: bool,
    /// PostgreSQL COPY format of --method bulk.
    #[arg(long, value_parser = choice::<CopyFormat>(), default_value_t = PostgresSettings::default().copy_format)]
    pub copy_format: CopyFormat,
}

impl EngineArgs {
    pub fn sqlite(&self) -> SqliteSettings {
        SqliteSettings {
            journal_mode: self.journal_mode,
            synchronous: self.synchronous,
            page_size: self.page_size.min(u32::MAX as usize) as u32,
            cache_size_kib: self.cache_size_kib.min(u32::MAX as usize) as u32,
            pragmas: self.pragmas.iter().cloned().collect(),
        }
    }
    pub fn postgres(&self) -> PostgresSettings {
        PostgresSettings {
            bin: self.pg_bin.clone(),
            url: self.pg_url.as_deref().map(PgUrl::from),
            schema: self.pg_schema.clone(),
            shared_buffers_mb: self.pg_shared_buffers_mb.min(u32::MAX as usize) as u32,
            max_wal_size_mb: self.pg_max_wal_size_mb.min(u32::MAX as usize) as u32,
            synchronous_commit: !self.pg_async_commit,
            fsync: !self.pg_no_fsync,
            wal_level: self.pg_wal_level,
            unlogged: self.pg_unlogged,
            copy_format: self.copy_format,
        }
    }
    pub fn duckdb(&self) -> DuckdbSettings {
        DuckdbSettings {
            memory_limit_mb: self.duckdb_memory_limit_mb.min(u32::MAX as usize) as u32,
            threads: self.duckdb_threads.min(u32::MAX as u64) as u32,
        }
    }
}

/// The flags of `ingestlab ingest` (also what `run` resolves a
/// configuration's flags against).
#[derive(Args, Debug, Clone)]
pub struct IngestArgs {
    /// XML file of concatenated us-patent-application records.
    #[arg(long)]
    pub input: PathBuf,
    /// The engine.
    #[arg(long, value_parser = choice::<Engine>(), default_value_t = BackendOptions::default().engine)]
    pub backend: Engine,
    /// bulk: DuckDB appender fed Arrow batches / SQLite multi-row INSERT;
    /// insert: one prepared INSERT per row.
    #[arg(long, value_parser = choice::<InsertMethod>(), default_value_t = BackendOptions::default().method)]
    pub method: InsertMethod,
    /// The unique index on app_id: declared with the table, or built after
    /// the load.
    #[arg(long, value_parser = choice::<IndexPolicy>(), default_value_t = BackendOptions::default().index)]
    pub index: IndexPolicy,
    /// Records per batch (and per transaction).
    #[arg(long, default_value_t = RunConfig::default().batch_size, value_parser = count, allow_hyphen_values = true)]
    pub batch_size: usize,
    /// Number of workers; 1 is the sequential baseline (no pool).
    #[arg(long, default_value_t = RunConfig::default().workers, value_parser = count, allow_hyphen_values = true)]
    pub workers: usize,
    /// static: each worker a fixed contiguous share of the records;
    /// dynamic: idle workers take the next batch from a shared queue.
    #[arg(long, value_parser = choice::<Schedule>(), default_value_t = RunConfig::default().schedule)]
    pub schedule: Schedule,
    /// How workers share the right to write.
    #[arg(long, value_parser = choice::<LockModel>(), default_value_t = RunConfig::default().lock)]
    pub lock: LockModel,
    /// Capacity of the single writer's queue, in batches.
    #[arg(long, default_value_t = RunConfig::default().queue_depth, value_parser = count, allow_hyphen_values = true)]
    pub queue_depth: usize,
    /// Simulated pool/IPC overhead preset.
    #[arg(long, value_parser = choice::<Preset>(), default_value_t = RunConfig::default().overhead.preset)]
    pub overhead: Preset,
    /// Override the preset's pool start-up (ms).
    #[arg(long, value_parser = non_negative, allow_hyphen_values = true)]
    pub pool_startup_ms: Option<f64>,
    /// Override the preset's per-worker start-up (ms).
    #[arg(long, value_parser = non_negative, allow_hyphen_values = true)]
    pub worker_startup_ms: Option<f64>,
    /// Override the preset's fixed per-batch dispatch cost (ms).
    #[arg(long, value_parser = non_negative, allow_hyphen_values = true)]
    pub dispatch_ms: Option<f64>,
    /// Override the preset's per-KB dispatch cost (µs per KB).
    #[arg(long, value_parser = non_negative, allow_hyphen_values = true)]
    pub dispatch_us_per_kb: Option<f64>,
    /// Override the preset's pool shutdown (ms).
    #[arg(long, value_parser = non_negative, allow_hyphen_values = true)]
    pub shutdown_ms: Option<f64>,
    /// Pay simulated costs by sleeping or by spinning a core.
    #[arg(long, value_parser = choice::<PayMode>())]
    pub pay: Option<PayMode>,
    /// Extra application work per record in ms, paid by spinning a core
    /// (what a pipeline does per record besides parsing and inserting).
    #[arg(long, default_value_t = RunConfig::default().record_work_s * 1e3, value_parser = non_negative, allow_hyphen_values = true)]
    pub record_work_ms: f64,
    /// Really serialise every batch to bytes and back across a channel.
    #[arg(long)]
    pub ipc_copy: bool,
    /// The engines' settings.
    #[command(flatten)]
    pub engine: EngineArgs,
    /// Keep the database at this path. An existing file is replaced only if
    /// it is a database ingestlab created (or with --overwrite); by default
    /// the database lives in a temporary folder that is removed.
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// Replace an existing file at --db or --timeline that ingestlab did not
    /// create.
    #[arg(long)]
    pub overwrite: bool,
    /// Run even beyond the sanity limits (workers far beyond the cores).
    #[arg(long)]
    pub force: bool,
    /// Print one JSON object instead of the human summary.
    #[arg(long)]
    pub json: bool,
    /// Write one event per (worker, batch, phase) to this file (JSON).
    #[arg(long)]
    pub timeline: Option<PathBuf>,
    /// Corrupt the first batch written (tests of the verification).
    #[arg(long, hide = true, value_parser = choice::<Fault>())]
    pub inject_fault: Option<Fault>,
}

impl IngestArgs {
    /// Resolves the flags into a validated run configuration.
    pub fn config(&self) -> Result<RunConfig> {
        let knobs = OverheadKnobs {
            pool_startup_ms: self.pool_startup_ms,
            worker_startup_ms: self.worker_startup_ms,
            dispatch_ms: self.dispatch_ms,
            dispatch_us_per_kb: self.dispatch_us_per_kb,
            shutdown_ms: self.shutdown_ms,
            pay: self.pay,
            ipc_copy: self.ipc_copy,
        };
        let cfg = RunConfig {
            backend: BackendOptions {
                engine: self.backend,
                method: self.method,
                index: self.index,
                sqlite: self.engine.sqlite(),
                duckdb: self.engine.duckdb(),
                postgres: self.engine.postgres(),
                ..Default::default()
            },
            workers: self.workers,
            batch_size: self.batch_size,
            schedule: self.schedule,
            lock: self.lock,
            queue_depth: self.queue_depth,
            overhead: self.overhead.resolve(&knobs),
            timeline: self.timeline.is_some(),
            record_work_s: self.record_work_ms / 1e3,
        };
        cfg.validate()?;
        Ok(cfg)
    }
}

/// Refuses plans that only measure the scheduler.
pub fn check_workers(workers: usize, force: bool) -> Result<()> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let limit = (crate::experiment::plan::MAX_WORKERS_PER_CORE * cores).max(64);
    if workers > limit && !force {
        crate::refused::refuse!(
            "--workers {workers} on {cores} cores: beyond {limit} workers a run measures the thread scheduler, not the engines; pass --force to run it anyway, or `ingestlab simulate` it"
        );
    }
    Ok(())
}

/// Makes sure the timeline can be written before the run, not after it.
fn check_timeline(path: &Path, overwrite: bool) -> Result<()> {
    if path.exists() && !overwrite {
        let ours = std::fs::read(path).is_ok_and(|b| {
            b.starts_with(b"[") && (b.len() < 3 || memchr::memmem::find(&b, b"\"phase\"").is_some())
        });
        if !ours {
            crate::refused::refuse!(
                "--timeline '{}' already exists and is not a timeline ingestlab wrote; pass --overwrite to replace it",
                path.display()
            );
        }
    }
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    tempfile::NamedTempFile::new_in(dir).with_context(|| {
        format!(
            "--timeline '{}': cannot write in '{}'",
            path.display(),
            dir.display()
        )
    })?;
    Ok(())
}

pub fn ingest(a: &IngestArgs, ctx: &Ctx) -> Result<Status> {
    let cfg = a.config()?;
    check_workers(a.workers, a.force)?;
    if let Some(t) = &a.timeline {
        let db =
            a.db.iter()
                .flat_map(|d| std::iter::once(d.clone()).chain(crate::backend::files::sidecars(d)));
        for (what, other) in db
            .map(|p| ("the database (--db)", p))
            .chain(std::iter::once(("the input", a.input.clone())))
        {
            if crate::backend::files::same_path(t, &other) {
                crate::refused::refuse!(
                    "--timeline '{}' is {what} '{}': one path cannot hold both; choose another --timeline",
                    t.display(),
                    other.display()
                );
            }
        }
        check_timeline(t, a.overwrite)?;
    }
    let input = Input::open(&a.input)?;
    let overwrite = if a.overwrite {
        Overwrite::Allow
    } else {
        Overwrite::Refuse
    };
    let tmp;
    let db_path = match &a.db {
        Some(p) => {
            prepare_db_path(p, "--db", overwrite, &[&a.input])?;
            p.clone()
        }
        None => {
            tmp = crate::store::work_dir()?;
            tmp.path().join(format!("ingest.{}", cfg.backend.engine))
        }
    };
    let ctx = Ctx {
        fault: a.inject_fault,
        ..ctx.clone()
    };
    let out = match run::run(&input, &db_path, &cfg, &ctx) {
        Ok(o) => o,
        Err(e) if e.is::<Interrupted>() => {
            if a.db.is_some() {
                let _ = crate::backend::remove_db_files(&db_path);
                eprintln!(
                    "interrupted: the incomplete database '{}' was removed",
                    db_path.display()
                );
            } else {
                eprintln!("interrupted: nothing was kept");
            }
            return Ok(Status::Interrupted);
        }
        Err(e) => return Err(e),
    };
    if let Some(path) = &a.timeline {
        crate::store::write_atomic(path, &serde_json::to_vec(&out.timeline)?)?;
    }
    let r = &out.result;
    if a.json {
        println!("{}", serde_json::to_string_pretty(r)?);
    } else {
        print_summary(r, &a.input, &input);
        print_server(r, out.server_waits.as_ref());
    }
    if !r.verification.passed {
        eprintln!(
            "error: verification FAILED: {}",
            r.verification.problems.join("; ")
        );
        return Ok(Status::VerificationFailed);
    }
    Ok(Status::Ok)
}

/// PostgreSQL's side: what its connections waited on and its memory (with
/// --timeline, whose run is sampled), and where a user's server keeps the
/// tables.
fn print_server(r: &RunResult, waits: Option<&crate::backend::ServerWaits>) {
    if let Some(w) = waits {
        let top = w.top(5);
        println!("  server waits {} ({} samples)", top.join(", "), w.ticks);
        if let Some(b) = w.peak_pss_bytes {
            println!(
                "  server memory {:.1} MB (peak proportional set size of the server's processes)",
                b as f64 / 1e6
            );
        }
    }
    let pg = &r.config.backend.postgres;
    if let (Engine::Postgres, Some(url)) = (r.config.backend.engine, &pg.url) {
        println!(
            "  tables kept  {}.app_base, {}.app_errors at {url}",
            pg.schema, pg.schema
        );
    }
}

fn print_summary(r: &RunResult, path: &Path, input: &Input) {
    let c = &r.config;
    println!(
        "ingested '{}' into {} ({}) with {} worker(s), {} schedule, lock {}, batch {}, index {}, overhead {}",
        path.display(),
        c.backend.engine,
        r.engine_version,
        c.workers,
        c.schedule,
        c.lock,
        c.batch_size,
        c.backend.index,
        c.overhead.preset
    );
    println!("  settings     {}", c.backend.settings_note());
    println!(
        "  records      {} in ({} root elements), {} rows out, {} quarantined",
        r.records_in, input.index.roots, r.rows_out, r.quarantined
    );
    if let Some(note) = input.index.outside_note() {
        println!("  note         {note}");
    }
    println!("  wall time    {:.3} s", r.wall_s);
    println!(
        "  throughput   {:.0} records/s ({:.0} records/min)",
        r.records_per_s, r.records_per_min
    );
    let p = &r.phases;
    println!(
        "  workers      overhead {:.3} s, parse {:.3} s, per-record work {:.3} s, wait {:.3} s, insert {:.3} s, index {:.3} s, idle {:.3} s (summed over {} workers)",
        p.overhead_s,
        p.parse_s,
        p.work_s,
        p.wait_s,
        p.insert_s,
        p.index_s,
        p.idle_s,
        r.workers.len()
    );
    if let Some(w) = &r.writer {
        let p = &w.phases;
        println!(
            "  writer       insert {:.3} s, index {:.3} s, waiting for batches {:.3} s",
            p.insert_s, p.index_s, p.idle_s
        );
    }
    println!(
        "  busy retries {}, connections opened {}",
        r.busy_retries, r.connections_opened
    );
    println!("  peak memory  {:.1} MB", r.peak_rss_bytes as f64 / 1e6);
    let v = &r.verification;
    println!(
        "  verification {} against the independent account ({} rows, {} quarantined expected; rows checksum {:016x})",
        if v.passed { "passed" } else { "FAILED" },
        v.expected_rows,
        v.expected_quarantined,
        v.checksum_stored
    );
}
