//! Storage engines behind one interface. Every engine stores the same
//! tables (`app_base`, `app_xml`, `app_errors`, and `ingestlab_meta`, which
//! marks a database as one ingestlab created) and is driven the same way:
//! open a database, open connections to it, and write batches in explicit
//! transactions, so lock models can wrap begin/commit however they like.

pub mod duckdb;
mod engines;
pub mod fault;
pub mod files;
mod pg_settings;
#[cfg(feature = "postgres")]
pub mod postgres;
pub mod sqlite;
mod staging;

use crate::choice::choice;
use crate::data::{AppRecord, Checksum, Quarantined};
use anyhow::Result;

pub use engines::{
    MAX_ENGINE_THREADS_PER_CORE, SETTING_FLAGS, create, postgres_available, postgres_server_copy_s,
    setting_flag, stop_servers, validate,
};
pub use files::{Overwrite, prepare_db_path, remove_db_files};
pub use pg_settings::{CopyFormat, DEFAULT_SCHEMA, PgUrl, PostgresSettings, WalLevel};
pub use staging::{read_staging, staging_name};

choice! {
    /// Which engine stores the data.
    pub enum Engine: "engine" {
        /// SQLite, embedded (a file).
        Sqlite = "sqlite",
        /// DuckDB, embedded (a file).
        Duckdb = "duckdb",
        /// A PostgreSQL server ingestlab starts and stops itself (needs the
        /// server binaries: initdb and postgres).
        Postgres = "postgres",
    }
}

impl Engine {
    /// The engines built into ingestlab, which need nothing installed: the
    /// ones benches and calibration measure by default.
    pub const EMBEDDED: [Engine; 2] = [Engine::Sqlite, Engine::Duckdb];
}

choice! {
    /// How rows get into `app_base`.
    pub enum InsertMethod: "insert method" {
        /// The engine's bulk path: DuckDB's appender fed Arrow record
        /// batches; for SQLite, which has no appender, a prepared
        /// multi-row INSERT.
        Bulk = "bulk",
        /// Prepared single-row INSERT statements, one per record.
        Insert = "insert",
    }
}

choice! {
    /// When the unique index on `app_id` exists.
    pub enum IndexPolicy: "index policy" {
        /// Declared with the table (`app_id` PRIMARY KEY): every insert
        /// maintains it.
        Upfront = "upfront",
        /// The table is loaded without it and a unique index is built after
        /// the load (the standard bulk-load advice).
        AfterLoad = "after-load",
    }
}

choice! {
    /// SQLite's `journal_mode`.
    #[allow(missing_docs)] // SQLite's own names; see its documentation
    pub enum JournalMode: "journal mode" {
        Wal = "wal",
        Delete = "delete",
        Truncate = "truncate",
        Persist = "persist",
        Memory = "memory",
        Off = "off",
    }
}

choice! {
    /// SQLite's `synchronous`.
    #[allow(missing_docs)] // SQLite's own names; see its documentation
    pub enum Synchronous: "synchronous setting" {
        Off = "off",
        Normal = "normal",
        Full = "full",
        Extra = "extra",
    }
}

/// SQLite's settings, applied on every connection. The defaults and why:
///
/// - `journal_mode = wal`: a commit appends to the write-ahead log instead
///   of rewriting pages and a journal, the fastest durable mode for many
///   small transactions, and readers never block the writer;
/// - `synchronous = normal`: in WAL mode this cannot corrupt the database;
///   a power cut may lose the last commits, the usual bulk-load trade-off
///   (FULL syncs the log at every commit);
/// - `page_size = 4096`: SQLite's default, one OS page;
/// - `cache_size_kib = 16384`: 16 MiB of page cache per connection (SQLite's
///   default is 2 MiB), enough for the index's upper levels during a load
///   while a 4-worker run stays far below the memory budget.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SqliteSettings {
    /// `PRAGMA journal_mode` (default WAL).
    pub journal_mode: JournalMode,
    /// `PRAGMA synchronous` (default normal).
    pub synchronous: Synchronous,
    /// `PRAGMA page_size`, bytes: a power of two from 512 to 65536.
    pub page_size: u32,
    /// Page cache per connection, KiB (`PRAGMA cache_size = -N`).
    pub cache_size_kib: u32,
    /// Further pragmas, validated against the pragmas SQLite knows.
    #[serde(default)]
    pub pragmas: std::collections::BTreeMap<String, String>,
}

impl Default for SqliteSettings {
    fn default() -> Self {
        SqliteSettings {
            journal_mode: JournalMode::Wal,
            synchronous: Synchronous::Normal,
            page_size: 4096,
            cache_size_kib: 16384,
            pragmas: Default::default(),
        }
    }
}

/// DuckDB's settings, for the database instance. Defaults sized for a
/// laptop: a 512 MB buffer pool (DuckDB's default is 80% of RAM, which on a
/// 24 GiB machine lets a 1M-record load hold gigabytes) and one thread per
/// core (DuckDB's default).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DuckdbSettings {
    /// DuckDB's `memory_limit`, MB (at least 16).
    pub memory_limit_mb: u32,
    /// 0: one per core.
    pub threads: u32,
}

impl Default for DuckdbSettings {
    fn default() -> Self {
        DuckdbSettings {
            memory_limit_mb: 512,
            threads: 0,
        }
    }
}

/// Engine settings for one run.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct BackendOptions {
    /// Which engine.
    pub engine: Engine,
    /// How rows are written (the engine's bulk path or single-row INSERTs).
    pub method: InsertMethod,
    /// When the unique index on `app_id` is built.
    #[serde(default = "default_index")]
    pub index: IndexPolicy,
    /// SQLite's settings (used when the engine is SQLite).
    #[serde(default)]
    pub sqlite: SqliteSettings,
    /// DuckDB's settings (used when the engine is DuckDB).
    #[serde(default)]
    pub duckdb: DuckdbSettings,
    /// PostgreSQL's settings (used when the engine is PostgreSQL).
    #[serde(default)]
    pub postgres: PostgresSettings,
    /// How long a writer waits for a busy database before the batch fails.
    pub busy_timeout_s: f64,
}

fn default_index() -> IndexPolicy {
    IndexPolicy::Upfront
}

impl Default for BackendOptions {
    fn default() -> Self {
        BackendOptions {
            engine: Engine::Sqlite,
            method: InsertMethod::Bulk,
            index: IndexPolicy::Upfront,
            sqlite: SqliteSettings::default(),
            duckdb: DuckdbSettings::default(),
            postgres: PostgresSettings::default(),
            busy_timeout_s: 60.0,
        }
    }
}

impl BackendOptions {
    /// The settings that apply to this engine, for labels and records.
    pub fn settings_note(&self) -> String {
        match self.engine {
            Engine::Sqlite => {
                let s = &self.sqlite;
                let mut n = format!(
                    "journal_mode={}, synchronous={}, page_size={}, cache_size={} KiB",
                    s.journal_mode, s.synchronous, s.page_size, s.cache_size_kib
                );
                for (k, v) in &s.pragmas {
                    n += &format!(", {k}={v}");
                }
                n
            }
            Engine::Duckdb => format!(
                "memory_limit={} MB, threads={}",
                self.duckdb.memory_limit_mb,
                if self.duckdb.threads == 0 {
                    "one per core".to_string()
                } else {
                    self.duckdb.threads.to_string()
                }
            ),
            Engine::Postgres => self.postgres.describe(),
        }
    }
}

/// A database that hands out connections.
pub trait Database: Send + Sync {
    /// A new connection to this database. Each is counted in the run result.
    fn connect(&self) -> Result<Box<dyn Connection>>;
    /// Engine name and version, for the environment record.
    fn version(&self) -> String;
    /// Starts sampling what the server's connections wait on, where the
    /// engine has a server to ask (PostgreSQL); None for embedded engines.
    fn sample_waits(&self) -> Result<Option<Box<dyn WaitSampling>>> {
        Ok(None)
    }
}

/// A running sampler of a server's wait events.
pub trait WaitSampling {
    /// Stops sampling and returns what was seen.
    fn finish(self: Box<Self>) -> Result<ServerWaits>;
}

/// What a server's connections of one run were doing, sampled every few
/// milliseconds: the seed note's "database contention", seen from the
/// server's side. Each sample counts every busy connection once.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ServerWaits {
    /// Sampling ticks.
    pub ticks: u64,
    /// The seconds the ticks covered.
    pub seconds: f64,
    /// (what, connection-samples), most first: "CPU" for a running
    /// connection that waits on nothing, else "type/event" as
    /// `pg_stat_activity` names it ("Lock/extend", "LWLock/WALWrite",
    /// "IO/DataFileExtend", "Client/ClientRead"...).
    pub events: Vec<(String, u64)>,
    /// The server processes' largest summed proportional set size (shared
    /// buffers counted once, not once per backend), sampled every 100 ms;
    /// None for a server ingestlab did not start (not ours to inspect).
    #[serde(default)]
    pub peak_pss_bytes: Option<u64>,
}

impl ServerWaits {
    /// The `n` commonest waits as "what share%" ("CPU 45%",
    /// "Lock/extend 8%"), most first: the console's and the report's words.
    pub fn top(&self, n: usize) -> Vec<String> {
        self.events
            .iter()
            .take(n)
            .map(|(e, _)| format!("{e} {:.0}%", 100.0 * self.share(e)))
            .collect()
    }

    /// The share of connection-samples spent on `what`.
    pub fn share(&self, what: &str) -> f64 {
        let total: u64 = self.events.iter().map(|e| e.1).sum();
        let n = self.events.iter().find(|e| e.0 == what).map_or(0, |e| e.1);
        if total == 0 {
            0.0
        } else {
            n as f64 / total as f64
        }
    }
}

/// What reading the stored data back gives, for verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReadBack {
    /// Rows in `app_base` (`COUNT(*)`).
    pub rows: u64,
    /// Distinct app_ids in `app_base`.
    pub distinct_app_ids: u64,
    /// Records in `app_errors`.
    pub quarantined: u64,
    /// Over the stored rows' content.
    pub checksum: Checksum,
    /// Over the quarantined records' positions, app_ids and reasons.
    pub errors_checksum: Checksum,
}

/// The read-back's queries, the same text for every engine so that the
/// independent account cannot differ between them: the counts, and the
/// quarantine's (position, app_id, reason). The rows themselves are read
/// with [`select_rows`] in each engine's date syntax.
pub const COUNT_ROWS: &str = "SELECT COUNT(*), COUNT(DISTINCT app_id) FROM app_base";
/// See [`COUNT_ROWS`].
pub const SELECT_ERRORS: &str = "SELECT position, app_id, reason FROM app_errors";

impl ReadBack {
    /// An account of `rows` stored rows (`distinct` app_ids), to which each
    /// engine adds the rows and quarantined records it reads back.
    pub fn counted(rows: i64, distinct: i64) -> Self {
        ReadBack {
            rows: rows as u64,
            distinct_app_ids: distinct as u64,
            ..Default::default()
        }
    }
    /// Adds one stored row to the content checksum.
    pub fn add_row(&mut self, r: &AppRecord) {
        self.checksum.add(r);
    }
    /// Adds one quarantined record (a row of [`SELECT_ERRORS`]).
    pub fn add_error(&mut self, position: i64, app_id: Option<&str>, reason: &str) {
        self.quarantined += 1;
        self.errors_checksum
            .add_error_parts(position as u64, app_id, reason);
    }
}

/// One connection. Writes happen between `begin` and `commit`.
pub trait Connection: Send {
    /// Starts a write transaction. SQLite takes its write lock here
    /// (`BEGIN IMMEDIATE`) and retries while the database is busy; the
    /// number of retries is returned so contention is counted.
    fn begin(&mut self) -> Result<u64>;
    /// Writes rows to `app_base` by the connection's insert method.
    fn insert_rows(&mut self, rows: &[AppRecord]) -> Result<()>;
    /// Writes quarantined records to `app_errors`.
    fn insert_errors(&mut self, errors: &[Quarantined]) -> Result<()>;
    /// Deletes the rows with these app_ids (a duplicate displaced by an
    /// earlier record that turned up late).
    fn delete_rows(&mut self, app_ids: &[String]) -> Result<()>;
    /// Commits; returns the busy retries it took (SQLite's rollback
    /// journal modes can make a commit wait for readers).
    fn commit(&mut self) -> Result<u64>;
    /// Rolls back after a failed write, so the connection stays usable.
    fn rollback(&mut self);
    /// Builds the unique index on `app_id` when the policy is after-load
    /// (a no-op for upfront). Fails if the table holds a duplicate.
    fn build_index(&mut self) -> Result<()>;
    /// Loads raw records into the `app_xml` staging table (own transaction).
    fn insert_staging(&mut self, rows: &[(String, String)]) -> Result<()>;
    /// Counts and checksums what `app_base` and `app_errors` hold.
    fn read_back(&mut self) -> Result<ReadBack>;
}

/// Builds an [`AppRecord`] from a row of the 13 `app_base` columns in
/// insert order. rusqlite's and duckdb's rows both have `get(i)` but share
/// no trait, so the read-back of both engines uses this one macro.
macro_rules! app_record_from_row {
    ($r:expr) => {
        crate::backend::app_record_from_row!($r, get)
    };
    ($r:expr, $get:ident) => {
        crate::data::AppRecord {
            app_id: $r.$get(0)?,
            pub_number: $r.$get(1)?,
            kind: $r.$get(2)?,
            pub_date: $r.$get(3)?,
            filing_date: $r.$get(4)?,
            appl_type: $r.$get(5)?,
            title: $r.$get(6)?,
            cpc_main: $r.$get(7)?,
            applicant: $r.$get(8)?,
            inventor_count: $r.$get(9)?,
            claim_count: $r.$get(10)?,
            abstract_text: $r.$get(11)?,
            xml_bytes: $r.$get(12)?,
        }
    };
}
pub(crate) use app_record_from_row;

/// The read-back of an embedded engine, whose connection (rusqlite's or
/// duckdb's: the same API, no shared trait) is `$conn`, with `$date`
/// turning a date column into `YYYY-MM-DD` text. One body for both, so the
/// independent account cannot drift apart between them.
macro_rules! read_back_embedded {
    ($conn:expr, $date:expr) => {{
        let (rows, distinct): (i64, i64) =
            $conn.query_row(crate::backend::COUNT_ROWS, [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
        let mut rb = crate::backend::ReadBack::counted(rows, distinct);
        let mut stmt = $conn.prepare(&crate::backend::select_rows($date))?;
        let mut it = stmt.query([])?;
        while let Some(r) = it.next()? {
            rb.add_row(&crate::backend::app_record_from_row!(r));
        }
        let mut stmt = $conn.prepare(crate::backend::SELECT_ERRORS)?;
        let mut it = stmt.query([])?;
        while let Some(r) = it.next()? {
            let (app_id, reason): (Option<String>, String) = (r.get(1)?, r.get(2)?);
            rb.add_error(r.get(0)?, app_id.as_deref(), &reason);
        }
        Ok(rb)
    }};
}
pub(crate) use read_back_embedded;

/// The `app_base` columns in insert order. Both engines' read-back selects
/// them by name, in this order, for [`app_record_from_row`].
pub const APP_BASE_COLUMNS: [&str; 13] = crate::data::record::APP_BASE_COLUMNS;

/// The CREATE TABLE statements both engines share, in their dialect:
/// `text` is the string type, `int` the integer type.
fn schema(text: &str, int: &str, index: IndexPolicy) -> String {
    let key = match index {
        IndexPolicy::Upfront => "PRIMARY KEY",
        IndexPolicy::AfterLoad => "NOT NULL",
    };
    format!(
        "CREATE TABLE app_base (
    app_id {text} {key},
    pub_number {text} NOT NULL,
    kind {text} NOT NULL,
    pub_date DATE NOT NULL,
    filing_date DATE NOT NULL,
    appl_type {text},
    title {text} NOT NULL,
    cpc_main {text},
    applicant {text},
    inventor_count {int} NOT NULL,
    claim_count {int} NOT NULL,
    abstract {text} NOT NULL,
    xml_bytes {int} NOT NULL
);
CREATE TABLE app_xml (app_id {text}, xml {text} NOT NULL);
CREATE TABLE app_errors (position {int} NOT NULL, app_id {text}, reason {text} NOT NULL, xml {text} NOT NULL);
CREATE TABLE ingestlab_meta (tool {text} NOT NULL, version {text} NOT NULL);
INSERT INTO ingestlab_meta VALUES ('{}', '{}');
",
        files::MARKER_TOOL,
        env!("CARGO_PKG_VERSION")
    )
}

/// The statement that builds the after-load index.
pub const CREATE_INDEX: &str = "CREATE UNIQUE INDEX app_base_app_id ON app_base(app_id)";

/// The SELECT of every `app_base` column, in insert order.
pub(crate) fn select_rows(date: impl Fn(&str) -> String) -> String {
    let cols: Vec<String> = APP_BASE_COLUMNS
        .iter()
        .map(|c| {
            if c.ends_with("_date") {
                date(c)
            } else {
                c.to_string()
            }
        })
        .collect();
    format!("SELECT {} FROM app_base", cols.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::record::sample_record;

    fn err(position: u64) -> Quarantined {
        Quarantined {
            position,
            app_id: None,
            reason: "bad".into(),
            xml: "<x".into(),
        }
    }

    /// The same write/read-back contract, run against both real engines
    /// under both index policies.
    fn roundtrip(engine: Engine, method: InsertMethod, index: IndexPolicy) {
        roundtrip_with(engine, method, index, |_| {});
    }

    fn roundtrip_with(
        engine: Engine,
        method: InsertMethod,
        index: IndexPolicy,
        tweak: impl Fn(&mut BackendOptions),
    ) {
        let dir = tempfile::tempdir().unwrap();
        let mut opts = BackendOptions {
            engine,
            method,
            index,
            ..Default::default()
        };
        tweak(&mut opts);
        let db = create(&dir.path().join("t.db"), &opts).unwrap();
        let mut c = db.connect().unwrap();
        let rows: Vec<AppRecord> = (0..150).map(|i| sample_record(&i.to_string())).collect();
        c.begin().unwrap();
        c.insert_rows(&rows).unwrap();
        c.insert_errors(&[err(7)]).unwrap();
        c.commit().unwrap();
        c.begin().unwrap();
        c.build_index().unwrap();
        c.commit().unwrap();
        let mut expect = Checksum::default();
        rows.iter().for_each(|r| expect.add(r));
        let mut errors = Checksum::default();
        errors.add_error(&err(7));
        let rb = c.read_back().unwrap();
        assert_eq!(
            rb,
            ReadBack {
                rows: 150,
                distinct_app_ids: 150,
                quarantined: 1,
                checksum: expect,
                errors_checksum: errors,
            },
            "{engine} {method} {index}"
        );
        // A rolled-back batch leaves nothing behind.
        c.begin().unwrap();
        c.insert_rows(&[sample_record("x")]).unwrap();
        c.rollback();
        assert_eq!(c.read_back().unwrap().rows, 150);
        // The unique index holds under both policies.
        c.begin().unwrap();
        let dup = c.insert_rows(&[sample_record("3")]);
        c.rollback();
        assert!(
            dup.is_err(),
            "{engine} {index}: a duplicate app_id was accepted"
        );
        // Deleting a row.
        c.begin().unwrap();
        c.delete_rows(&["4".to_string()]).unwrap();
        c.commit().unwrap();
        assert_eq!(c.read_back().unwrap().rows, 149);
        assert!(db.version().starts_with(engine.name()));
    }

    /// PostgreSQL's tests run where its server binaries are; elsewhere they
    /// say they were skipped, except in CI, which must run them.
    #[cfg(feature = "postgres")]
    pub(crate) fn postgres_here() -> bool {
        match postgres::server::find_bin(None) {
            Ok(_) => true,
            Err(e) if std::env::var_os("CI").is_some() => {
                panic!("CI must run the PostgreSQL tests (.ci/run installs postgresql): {e:#}")
            }
            Err(e) => {
                eprintln!("skipped: {e:#}");
                false
            }
        }
    }

    #[cfg(feature = "postgres")]
    #[test]
    fn postgres_roundtrip() {
        if !postgres_here() {
            return;
        }
        // The server is this process's child: not while the machine's
        // tests count children.
        let _children = crate::machine::TEST_CHILDREN
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        for f in CopyFormat::ALL {
            for m in InsertMethod::ALL {
                for i in IndexPolicy::ALL {
                    roundtrip_with(Engine::Postgres, m, i, |o| o.postgres.copy_format = f);
                }
            }
        }
        // A server with minimal WAL starts only with max_wal_senders = 0.
        roundtrip_with(
            Engine::Postgres,
            InsertMethod::Bulk,
            IndexPolicy::Upfront,
            |o| {
                o.postgres.wal_level = WalLevel::Minimal;
                o.postgres.unlogged = true;
            },
        );
        postgres::shutdown();
    }

    #[test]
    fn sqlite_roundtrip() {
        for m in InsertMethod::ALL {
            for i in IndexPolicy::ALL {
                roundtrip(Engine::Sqlite, m, i);
            }
        }
    }

    #[test]
    fn duckdb_roundtrip() {
        for m in InsertMethod::ALL {
            for i in IndexPolicy::ALL {
                roundtrip(Engine::Duckdb, m, i);
            }
        }
    }

    #[test]
    fn an_after_load_index_refuses_duplicates_already_stored() {
        for engine in Engine::EMBEDDED {
            let dir = tempfile::tempdir().unwrap();
            let opts = BackendOptions {
                engine,
                index: IndexPolicy::AfterLoad,
                ..Default::default()
            };
            let db = create(&dir.path().join("t.db"), &opts).unwrap();
            let mut c = db.connect().unwrap();
            c.begin().unwrap();
            c.insert_rows(&[sample_record("1"), sample_record("1")])
                .unwrap();
            c.commit().unwrap();
            c.begin().unwrap();
            assert!(c.build_index().is_err(), "{engine}");
            c.rollback();
        }
    }

    #[test]
    fn server_waits_name_their_commonest_shares() {
        let w = ServerWaits {
            events: vec![
                ("CPU".into(), 6),
                ("Lock/extend".into(), 3),
                ("IO/x".into(), 1),
            ],
            ..Default::default()
        };
        assert_eq!(w.top(2), ["CPU 60%", "Lock/extend 30%"]);
        assert!(ServerWaits::default().top(5).is_empty());
    }

    #[test]
    fn settings_are_validated_by_name() {
        let mut o = BackendOptions::default();
        o.sqlite.page_size = 1000;
        o.duckdb.memory_limit_mb = 1;
        o.sqlite.pragmas = [("no_such_pragma".to_string(), "1".to_string())].into();
        let p = validate(&o);
        let fields: Vec<&str> = p.iter().map(|x| x.0).collect();
        assert_eq!(
            fields,
            [
                "sqlite.page_size",
                "duckdb.memory_limit_mb",
                "sqlite.pragma"
            ],
            "{p:?}"
        );
        assert!(p[2].1.contains("no_such_pragma"), "{p:?}");
    }
}
