//! SQLite: a file database in WAL mode. Each connection takes the write lock
//! with `BEGIN IMMEDIATE`; rows go in through a prepared multi-row INSERT.

use super::{BackendOptions, Connection, Database, InsertMethod, ReadBack};
use crate::data::{AppRecord, Checksum, Quarantined};
use anyhow::{Context, Result, bail};
use rusqlite::{ErrorCode, ToSql, params_from_iter};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

const SCHEMA: &str = "
CREATE TABLE app_base (
    app_id TEXT PRIMARY KEY,
    pub_number TEXT NOT NULL,
    kind TEXT NOT NULL,
    pub_date DATE NOT NULL,
    filing_date DATE NOT NULL,
    appl_type TEXT,
    title TEXT NOT NULL,
    cpc_main TEXT,
    applicant TEXT,
    inventor_count INTEGER NOT NULL,
    claim_count INTEGER NOT NULL,
    abstract TEXT NOT NULL,
    xml_bytes INTEGER NOT NULL
);
CREATE TABLE app_xml (app_id TEXT, xml TEXT NOT NULL);
CREATE TABLE app_errors (position INTEGER NOT NULL, app_id TEXT, reason TEXT NOT NULL, xml TEXT NOT NULL);
";

/// Rows per multi-row INSERT statement: 64 × 13 = 832 bound values, well
/// under SQLite's limit, and large enough that statement overhead vanishes.
const ROWS_PER_STATEMENT: usize = 64;

pub struct SqliteDb {
    path: PathBuf,
    opts: BackendOptions,
}

impl SqliteDb {
    pub fn create(path: &Path, opts: &BackendOptions) -> Result<Self> {
        let db = SqliteDb {
            path: path.to_path_buf(),
            opts: opts.clone(),
        };
        let conn = db.open(true)?;
        conn.execute_batch(SCHEMA)
            .with_context(|| format!("creating tables in '{}'", path.display()))?;
        Ok(db)
    }

    /// Opens a connection with the pragmas applied. The journal mode is a
    /// property of the file, set once at creation: setting it again needs
    /// a lock another connection may hold.
    fn open(&self, creating: bool) -> Result<rusqlite::Connection> {
        let conn = rusqlite::Connection::open(&self.path).with_context(|| {
            format!(
                "cannot create or open SQLite database '{}'",
                self.path.display()
            )
        })?;
        conn.busy_timeout(Duration::from_secs_f64(self.opts.busy_timeout_s))?;
        let mut pragmas = vec![
            ("journal_mode".to_string(), "WAL".to_string()),
            ("synchronous".into(), "NORMAL".into()),
        ];
        pragmas.extend(self.opts.pragmas.iter().cloned());
        for (k, v) in pragmas
            .iter()
            .filter(|(k, _)| creating || !k.eq_ignore_ascii_case("journal_mode"))
        {
            conn.pragma_update(None, k, v).with_context(|| {
                format!("setting SQLite pragma {k}={v} on '{}'", self.path.display())
            })?;
        }
        // Busy handling from here on is ours (see `begin`), so that every
        // wait is counted.
        conn.busy_timeout(Duration::ZERO)?;
        Ok(conn)
    }
}

impl Database for SqliteDb {
    fn connect(&self) -> Result<Box<dyn Connection>> {
        Ok(Box::new(SqliteConn {
            conn: self.open(false)?,
            method: self.opts.method,
            busy_timeout: Duration::from_secs_f64(self.opts.busy_timeout_s),
        }))
    }
    fn version(&self) -> String {
        format!("sqlite {}", rusqlite::version())
    }
}

pub struct SqliteConn {
    conn: rusqlite::Connection,
    method: InsertMethod,
    busy_timeout: Duration,
}

fn is_busy(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

fn insert_sql(rows: usize) -> String {
    let one = format!("({})", ["?"; 13].join(","));
    format!("INSERT INTO app_base VALUES {}", vec![one; rows].join(","))
}

fn push_params<'a>(params: &mut Vec<&'a dyn ToSql>, r: &'a AppRecord) {
    params.extend_from_slice(&[
        &r.app_id as &dyn ToSql,
        &r.pub_number,
        &r.kind,
        &r.pub_date,
        &r.filing_date,
        &r.appl_type,
        &r.title,
        &r.cpc_main,
        &r.applicant,
        &r.inventor_count,
        &r.claim_count,
        &r.abstract_text,
        &r.xml_bytes,
    ]);
}

impl Connection for SqliteConn {
    fn begin(&mut self) -> Result<u64> {
        // Retry with short, growing sleeps (100 µs doubling to 2 ms), as
        // SQLite's own busy handler does, but counted.
        let start = Instant::now();
        let mut retries = 0u64;
        let mut nap = Duration::from_micros(100);
        loop {
            match self.conn.execute_batch("BEGIN IMMEDIATE") {
                Ok(()) => return Ok(retries),
                Err(e) if is_busy(&e) => {
                    if start.elapsed() > self.busy_timeout {
                        bail!(
                            "SQLite database still busy after {:?} ({retries} retries)",
                            self.busy_timeout
                        );
                    }
                    retries += 1;
                    std::thread::sleep(nap);
                    nap = (nap * 2).min(Duration::from_millis(2));
                }
                Err(e) => return Err(e).context("BEGIN IMMEDIATE"),
            }
        }
    }

    fn insert_rows(&mut self, rows: &[AppRecord]) -> Result<()> {
        let per = match self.method {
            InsertMethod::Bulk => ROWS_PER_STATEMENT,
            InsertMethod::Insert => 1,
        };
        let mut params: Vec<&dyn ToSql> = Vec::with_capacity(per * 13);
        for chunk in rows.chunks(per) {
            let mut stmt = self.conn.prepare_cached(&insert_sql(chunk.len()))?;
            params.clear();
            chunk.iter().for_each(|r| push_params(&mut params, r));
            stmt.execute(params_from_iter(params.iter()))
                .context("inserting into app_base")?;
        }
        Ok(())
    }

    fn insert_errors(&mut self, errors: &[Quarantined]) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare_cached("INSERT INTO app_errors VALUES (?,?,?,?)")?;
        for e in errors {
            stmt.execute(rusqlite::params![
                e.position as i64,
                e.app_id,
                e.reason,
                e.xml
            ])
            .context("inserting into app_errors")?;
        }
        Ok(())
    }

    fn commit(&mut self) -> Result<()> {
        self.conn.execute_batch("COMMIT").context("COMMIT")
    }

    fn rollback(&mut self) {
        let _ = self.conn.execute_batch("ROLLBACK");
    }

    fn insert_staging(&mut self, rows: &[(String, String)]) -> Result<()> {
        self.begin()?;
        {
            let mut stmt = self
                .conn
                .prepare_cached("INSERT INTO app_xml VALUES (?,?)")?;
            for (id, xml) in rows {
                stmt.execute([id, xml]).context("inserting into app_xml")?;
            }
        }
        self.commit()
    }

    fn read_back(&mut self) -> Result<ReadBack> {
        let (rows, distinct): (i64, i64) = self.conn.query_row(
            "SELECT COUNT(*), COUNT(DISTINCT app_id) FROM app_base",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        let quarantined: i64 = self
            .conn
            .query_row("SELECT COUNT(*) FROM app_errors", [], |r| r.get(0))?;
        let mut checksum = Checksum::default();
        let mut stmt = self.conn.prepare("SELECT * FROM app_base")?;
        let mut it = stmt.query([])?;
        while let Some(r) = it.next()? {
            checksum.add(&super::app_record_from_row!(r));
        }
        Ok(ReadBack {
            rows: rows as u64,
            distinct_app_ids: distinct as u64,
            quarantined: quarantined as u64,
            checksum,
        })
    }
}
