//! Storage engines behind one interface. Every engine stores the same three
//! tables (`app_base`, `app_xml`, `app_errors`) and is driven the same way:
//! open a database, open connections to it, and write batches in explicit
//! transactions, so lock models can wrap begin/commit however they like.

pub mod duckdb;
pub mod sqlite;

use crate::data::{AppRecord, Checksum, Quarantined};
use anyhow::Result;
use std::path::Path;

/// Which engine stores the data.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Engine {
    Sqlite,
    Duckdb,
}

impl Engine {
    pub const ALL: [Engine; 2] = [Engine::Sqlite, Engine::Duckdb];
    pub fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Duckdb => "duckdb",
        }
    }
}

impl std::fmt::Display for Engine {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// How rows get into `app_base`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    serde::Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum InsertMethod {
    /// The engine's bulk path: DuckDB's Appender; for SQLite, which has
    /// no appender, the prepared multi-row INSERT.
    Bulk,
    /// Prepared single-row INSERT statements, one per record.
    Insert,
}

impl InsertMethod {
    pub fn name(self) -> &'static str {
        match self {
            InsertMethod::Bulk => "bulk",
            InsertMethod::Insert => "insert",
        }
    }
}

/// Engine settings for one run.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq)]
pub struct BackendOptions {
    pub engine: Engine,
    pub method: InsertMethod,
    /// SQLite pragmas applied on every connection, in order
    /// (`journal_mode=WAL`, `synchronous=NORMAL` unless overridden).
    pub pragmas: Vec<(String, String)>,
    /// How long a writer waits for a busy database before the batch fails.
    pub busy_timeout_s: f64,
}

impl Default for BackendOptions {
    fn default() -> Self {
        BackendOptions {
            engine: Engine::Sqlite,
            method: InsertMethod::Bulk,
            pragmas: Vec::new(),
            busy_timeout_s: 60.0,
        }
    }
}

/// A database that hands out connections.
pub trait Database: Send + Sync {
    /// A new connection to this database. Each is counted in the run result.
    fn connect(&self) -> Result<Box<dyn Connection>>;
    /// Engine name and version, for the environment record.
    fn version(&self) -> String;
}

/// What reading the stored data back gives, for verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReadBack {
    pub rows: u64,
    pub distinct_app_ids: u64,
    pub quarantined: u64,
    pub checksum: Checksum,
}

/// One connection. Writes happen between `begin` and `commit`.
pub trait Connection: Send {
    /// Starts a write transaction. SQLite takes its write lock here
    /// (`BEGIN IMMEDIATE`) and retries while the database is busy; the
    /// number of retries is returned so contention is counted.
    fn begin(&mut self) -> Result<u64>;
    fn insert_rows(&mut self, rows: &[AppRecord]) -> Result<()>;
    fn insert_errors(&mut self, errors: &[Quarantined]) -> Result<()>;
    fn commit(&mut self) -> Result<()>;
    /// Rolls back after a failed write, so the connection stays usable.
    fn rollback(&mut self);
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
        crate::data::AppRecord {
            app_id: $r.get(0)?,
            pub_number: $r.get(1)?,
            kind: $r.get(2)?,
            pub_date: $r.get(3)?,
            filing_date: $r.get(4)?,
            appl_type: $r.get(5)?,
            title: $r.get(6)?,
            cpc_main: $r.get(7)?,
            applicant: $r.get(8)?,
            inventor_count: $r.get(9)?,
            claim_count: $r.get(10)?,
            abstract_text: $r.get(11)?,
            xml_bytes: $r.get(12)?,
        }
    };
}
pub(crate) use app_record_from_row;

/// Creates a fresh database at `path` (an existing file there is replaced)
/// with the three tables, and returns it.
pub fn create(path: &Path, opts: &BackendOptions) -> Result<Box<dyn Database>> {
    remove_db_files(path);
    match opts.engine {
        Engine::Sqlite => Ok(Box::new(sqlite::SqliteDb::create(path, opts)?)),
        Engine::Duckdb => Ok(Box::new(duckdb::DuckDb::create(path, opts)?)),
    }
}

/// Removes a database file and the journals both engines keep beside it.
pub fn remove_db_files(path: &Path) {
    let _ = std::fs::remove_file(path);
    for ext in ["-wal", "-shm", "-journal", ".wal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(ext);
        let _ = std::fs::remove_file(p);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::record::sample_record;

    /// The same write/read-back contract, run against both real engines.
    fn roundtrip(engine: Engine, method: InsertMethod) {
        let dir = tempfile::tempdir().unwrap();
        let opts = BackendOptions {
            engine,
            method,
            ..Default::default()
        };
        let db = create(&dir.path().join("t.db"), &opts).unwrap();
        let mut c = db.connect().unwrap();
        let rows: Vec<AppRecord> = (0..150).map(|i| sample_record(&i.to_string())).collect();
        let err = Quarantined {
            position: 7,
            app_id: None,
            reason: "bad".into(),
            xml: "<x".into(),
        };
        c.begin().unwrap();
        c.insert_rows(&rows).unwrap();
        c.insert_errors(std::slice::from_ref(&err)).unwrap();
        c.commit().unwrap();
        let mut expect = Checksum::default();
        rows.iter().for_each(|r| expect.add(r));
        let rb = c.read_back().unwrap();
        assert_eq!(
            rb,
            ReadBack {
                rows: 150,
                distinct_app_ids: 150,
                quarantined: 1,
                checksum: expect
            }
        );
        // A rolled-back batch leaves nothing behind.
        c.begin().unwrap();
        c.insert_rows(&[sample_record("x")]).unwrap();
        c.rollback();
        assert_eq!(c.read_back().unwrap().rows, 150);
        assert!(db.version().starts_with(engine.name()));
    }

    #[test]
    fn sqlite_roundtrip() {
        roundtrip(Engine::Sqlite, InsertMethod::Bulk);
        roundtrip(Engine::Sqlite, InsertMethod::Insert);
    }

    #[test]
    fn duckdb_roundtrip() {
        roundtrip(Engine::Duckdb, InsertMethod::Bulk);
        roundtrip(Engine::Duckdb, InsertMethod::Insert);
    }
}
