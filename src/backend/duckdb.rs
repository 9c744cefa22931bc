//! DuckDB: a file database. Connections to one database are clones of the
//! first (DuckDB allows one database instance per file per process); rows go
//! in through the Appender or through prepared INSERTs.

use super::{BackendOptions, Connection, Database, InsertMethod, ReadBack};
use crate::data::{AppRecord, Checksum, Quarantined};
use anyhow::{Context, Result};
use duckdb::params;
use parking_lot::Mutex;
use std::path::Path;

const SCHEMA: &str = "
CREATE TABLE app_base (
    app_id VARCHAR PRIMARY KEY,
    pub_number VARCHAR NOT NULL,
    kind VARCHAR NOT NULL,
    pub_date DATE NOT NULL,
    filing_date DATE NOT NULL,
    appl_type VARCHAR,
    title VARCHAR NOT NULL,
    cpc_main VARCHAR,
    applicant VARCHAR,
    inventor_count BIGINT NOT NULL,
    claim_count BIGINT NOT NULL,
    abstract VARCHAR NOT NULL,
    xml_bytes BIGINT NOT NULL
);
CREATE TABLE app_xml (app_id VARCHAR, xml VARCHAR NOT NULL);
CREATE TABLE app_errors (position BIGINT NOT NULL, app_id VARCHAR, reason VARCHAR NOT NULL, xml VARCHAR NOT NULL);
";

pub struct DuckDb {
    /// The first connection; new ones are cloned from it.
    root: Mutex<duckdb::Connection>,
    method: InsertMethod,
}

impl DuckDb {
    pub fn create(path: &Path, opts: &BackendOptions) -> Result<Self> {
        let conn = duckdb::Connection::open(path).with_context(|| {
            format!("cannot create or open DuckDB database '{}'", path.display())
        })?;
        conn.execute_batch(SCHEMA)
            .with_context(|| format!("creating tables in '{}'", path.display()))?;
        Ok(DuckDb {
            root: Mutex::new(conn),
            method: opts.method,
        })
    }
}

impl Database for DuckDb {
    fn connect(&self) -> Result<Box<dyn Connection>> {
        let conn = self
            .root
            .lock()
            .try_clone()
            .context("opening a DuckDB connection")?;
        Ok(Box::new(DuckConn {
            conn,
            method: self.method,
        }))
    }
    fn version(&self) -> String {
        let v = self
            .root
            .lock()
            .version()
            .unwrap_or_else(|_| "unknown".into());
        format!("duckdb {v}")
    }
}

pub struct DuckConn {
    conn: duckdb::Connection,
    method: InsertMethod,
}

impl Connection for DuckConn {
    fn begin(&mut self) -> Result<u64> {
        // DuckDB arbitrates concurrent writers optimistically at commit, so
        // there is no lock to wait for here.
        self.conn
            .execute_batch("BEGIN TRANSACTION")
            .context("BEGIN")?;
        Ok(0)
    }

    fn insert_rows(&mut self, rows: &[AppRecord]) -> Result<()> {
        match self.method {
            InsertMethod::Bulk => {
                let mut app = self
                    .conn
                    .appender("app_base")
                    .context("opening the DuckDB appender")?;
                for r in rows {
                    app.append_row(params![
                        r.app_id,
                        r.pub_number,
                        r.kind,
                        r.pub_date,
                        r.filing_date,
                        r.appl_type,
                        r.title,
                        r.cpc_main,
                        r.applicant,
                        r.inventor_count,
                        r.claim_count,
                        r.abstract_text,
                        r.xml_bytes
                    ])
                    .context("appending to app_base")?;
                }
                app.flush().context("flushing the DuckDB appender")?;
            }
            InsertMethod::Insert => {
                let mut stmt = self.conn.prepare_cached("INSERT INTO app_base VALUES (?,?,?,CAST(? AS DATE),CAST(? AS DATE),?,?,?,?,?,?,?,?)")?;
                for r in rows {
                    stmt.execute(params![
                        r.app_id,
                        r.pub_number,
                        r.kind,
                        r.pub_date,
                        r.filing_date,
                        r.appl_type,
                        r.title,
                        r.cpc_main,
                        r.applicant,
                        r.inventor_count,
                        r.claim_count,
                        r.abstract_text,
                        r.xml_bytes
                    ])
                    .context("inserting into app_base")?;
                }
            }
        }
        Ok(())
    }

    fn insert_errors(&mut self, errors: &[Quarantined]) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare_cached("INSERT INTO app_errors VALUES (?,?,?,?)")?;
        for e in errors {
            stmt.execute(params![e.position as i64, e.app_id, e.reason, e.xml])
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
        let mut app = self
            .conn
            .appender("app_xml")
            .context("opening the DuckDB appender")?;
        for (id, xml) in rows {
            app.append_row(params![id, xml])
                .context("appending to app_xml")?;
        }
        app.flush().context("flushing the DuckDB appender")?;
        Ok(())
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
        let mut stmt = self.conn.prepare(
            "SELECT app_id, pub_number, kind, CAST(pub_date AS VARCHAR), CAST(filing_date AS VARCHAR), appl_type, title, cpc_main, applicant, inventor_count, claim_count, abstract, xml_bytes FROM app_base",
        )?;
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
