//! DuckDB: a file database. Connections to one database are clones of the
//! first (DuckDB allows one database instance per file per process). The
//! bulk path hands the appender whole columns (an Arrow record batch per
//! batch, dates as DATE values), DuckDB's own vectorised way in; the
//! insert path runs a prepared INSERT per row (see `insert_row` for why
//! its parameters are typed the way they are).

use super::{
    BackendOptions, CREATE_INDEX, Connection, Database, IndexPolicy, InsertMethod, ReadBack,
};
use crate::data::{AppRecord, Quarantined};
use anyhow::{Context, Result};
use duckdb::ToSql;
use duckdb::arrow::array::{ArrayRef, Date32Array, Int64Array, StringArray};
use duckdb::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use duckdb::arrow::record_batch::RecordBatch;
use duckdb::types::Value;
use parking_lot::Mutex;
use std::path::Path;
use std::sync::{Arc, OnceLock};

/// A DuckDB database file of one run.
pub struct DuckDb {
    /// The first connection; new ones are cloned from it.
    root: Mutex<duckdb::Connection>,
    method: InsertMethod,
    index: IndexPolicy,
}

/// A new database at `path` with ingestlab's tables and `opts`' settings,
/// as a plain connection (the bench's COPY uses it too).
pub fn create_raw(path: &Path, opts: &BackendOptions) -> Result<duckdb::Connection> {
    let d = &opts.duckdb;
    let mut config = duckdb::Config::default().max_memory(&format!("{}MB", d.memory_limit_mb))?;
    if d.threads > 0 {
        config = config.threads(d.threads as i64)?;
    }
    let conn = duckdb::Connection::open_with_flags(path, config)
        .with_context(|| format!("cannot create or open DuckDB database '{}'", path.display()))?;
    conn.execute_batch(&super::schema("VARCHAR", "BIGINT", opts.index))
        .with_context(|| format!("creating tables in '{}'", path.display()))?;
    Ok(conn)
}

impl DuckDb {
    /// A fresh database at `path` with the tables and `opts`' settings.
    pub fn create(path: &Path, opts: &BackendOptions) -> Result<Self> {
        let conn = create_raw(path, opts)?;
        Ok(DuckDb {
            root: Mutex::new(conn),
            method: opts.method,
            index: opts.index,
        })
    }
}

/// The marker of an existing DuckDB file, read without changing it.
pub fn marker(path: &Path) -> Option<String> {
    let config = duckdb::Config::default()
        .access_mode(duckdb::AccessMode::ReadOnly)
        .ok()?;
    let c = duckdb::Connection::open_with_flags(path, config).ok()?;
    c.query_row("SELECT tool FROM ingestlab_meta LIMIT 1", [], |r| r.get(0))
        .ok()
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
            index: self.index,
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

/// One connection to it (cloned from the first, as DuckDB wants).
pub struct DuckConn {
    conn: duckdb::Connection,
    method: InsertMethod,
    index: IndexPolicy,
}

/// Days since 1970-01-01 of an ISO `YYYY-MM-DD` date (the parser only
/// produces valid ones), by Hinnant's `days_from_civil`.
fn epoch_days(iso: &str) -> i32 {
    let num = |a: usize, b: usize| iso[a..b].parse::<i64>().unwrap_or(0);
    let (y, m, d) = (num(0, 4), num(5, 7), num(8, 10));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    (era * 146_097 + doe - 719_468) as i32
}

fn app_base_schema() -> SchemaRef {
    static SCHEMA: OnceLock<SchemaRef> = OnceLock::new();
    SCHEMA
        .get_or_init(|| {
            let text = |n: &str, null: bool| Field::new(n, DataType::Utf8, null);
            let date = |n: &str| Field::new(n, DataType::Date32, false);
            let int = |n: &str| Field::new(n, DataType::Int64, false);
            Arc::new(Schema::new(vec![
                text("app_id", false),
                text("pub_number", false),
                text("kind", false),
                date("pub_date"),
                date("filing_date"),
                text("appl_type", true),
                text("title", false),
                text("cpc_main", true),
                text("applicant", true),
                int("inventor_count"),
                int("claim_count"),
                text("abstract", false),
                int("xml_bytes"),
            ]))
        })
        .clone()
}

/// The rows as one columnar batch, in `app_base` column order.
fn rows_batch(rows: &[AppRecord]) -> Result<RecordBatch> {
    let text = |f: fn(&AppRecord) -> &str| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(rows.iter().map(f)))
    };
    let opt = |f: fn(&AppRecord) -> Option<&str>| -> ArrayRef {
        Arc::new(rows.iter().map(f).collect::<StringArray>())
    };
    let date = |f: fn(&AppRecord) -> &str| -> ArrayRef {
        Arc::new(Date32Array::from_iter_values(
            rows.iter().map(|r| epoch_days(f(r))),
        ))
    };
    let int = |f: fn(&AppRecord) -> i64| -> ArrayRef {
        Arc::new(Int64Array::from_iter_values(rows.iter().map(f)))
    };
    let columns = vec![
        text(|r| &r.app_id),
        text(|r| &r.pub_number),
        text(|r| &r.kind),
        date(|r| &r.pub_date),
        date(|r| &r.filing_date),
        opt(|r| r.appl_type.as_deref()),
        text(|r| &r.title),
        opt(|r| r.cpc_main.as_deref()),
        opt(|r| r.applicant.as_deref()),
        int(|r| r.inventor_count),
        int(|r| r.claim_count),
        text(|r| &r.abstract_text),
        int(|r| r.xml_bytes),
    ];
    RecordBatch::try_new(app_base_schema(), columns).context("building an Arrow batch of rows")
}

/// Quarantined records as one columnar batch, in `app_errors` order.
fn errors_batch(errors: &[Quarantined]) -> Result<RecordBatch> {
    let schema = Arc::new(Schema::new(vec![
        Field::new("position", DataType::Int64, false),
        Field::new("app_id", DataType::Utf8, true),
        Field::new("reason", DataType::Utf8, false),
        Field::new("xml", DataType::Utf8, false),
    ]));
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from_iter_values(
            errors.iter().map(|e| e.position as i64),
        )),
        Arc::new(
            errors
                .iter()
                .map(|e| e.app_id.as_deref())
                .collect::<StringArray>(),
        ),
        Arc::new(StringArray::from_iter_values(
            errors.iter().map(|e| &e.reason),
        )),
        Arc::new(StringArray::from_iter_values(errors.iter().map(|e| &e.xml))),
    ];
    RecordBatch::try_new(schema, columns).context("building an Arrow batch of quarantined records")
}

impl DuckConn {
    fn append(&mut self, table: &str, batch: RecordBatch) -> Result<()> {
        let mut app = self
            .conn
            .appender(table)
            .with_context(|| format!("opening the DuckDB appender on {table}"))?;
        app.append_record_batch(batch)
            .with_context(|| format!("appending to {table}"))?;
        app.flush()
            .with_context(|| format!("flushing the DuckDB appender on {table}"))
    }
}

impl DuckConn {
    /// One prepared INSERT. DuckDB re-binds and re-plans a prepared
    /// statement whenever a parameter's type differs from the one it was
    /// prepared with, which cost 3× to 8× per row (bench, issue 9): a date
    /// string cast in SQL, and a NULL (the C API binds it untyped), both
    /// did. So dates are bound as DATE values and a missing value is a
    /// NULL literal in the statement's text: one cached statement per
    /// pattern of missing values, every parameter always of its column's
    /// type.
    fn insert_row(&mut self, r: &AppRecord) -> Result<()> {
        let opt = [&r.appl_type, &r.cpc_main, &r.applicant];
        let slot = |o: &Option<String>| if o.is_some() { "?" } else { "NULL" };
        let sql = format!(
            "INSERT INTO app_base VALUES (?,?,?,?,?,{},?,{},{},?,?,?,?)",
            slot(opt[0]),
            slot(opt[1]),
            slot(opt[2])
        );
        let date = |iso: &str| Value::Date32(epoch_days(iso));
        let (pub_date, filing_date) = (date(&r.pub_date), date(&r.filing_date));
        let mut params: Vec<&dyn ToSql> =
            vec![&r.app_id, &r.pub_number, &r.kind, &pub_date, &filing_date];
        params.extend(opt[0].as_ref().map(|v| v as &dyn ToSql));
        params.push(&r.title);
        params.extend(
            opt[1..]
                .iter()
                .filter_map(|o| o.as_ref().map(|v| v as &dyn ToSql)),
        );
        params.extend([
            &r.inventor_count as &dyn ToSql,
            &r.claim_count,
            &r.abstract_text,
            &r.xml_bytes,
        ]);
        self.conn
            .prepare_cached(&sql)?
            .execute(params.as_slice())
            .context("inserting into app_base")?;
        Ok(())
    }
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
        if rows.is_empty() {
            return Ok(());
        }
        match self.method {
            InsertMethod::Bulk => self.append("app_base", rows_batch(rows)?),
            InsertMethod::Insert => rows.iter().try_for_each(|r| self.insert_row(r)),
        }
    }

    fn insert_errors(&mut self, errors: &[Quarantined]) -> Result<()> {
        if errors.is_empty() {
            return Ok(());
        }
        self.append("app_errors", errors_batch(errors)?)
    }

    fn delete_rows(&mut self, app_ids: &[String]) -> Result<()> {
        let mut stmt = self
            .conn
            .prepare_cached("DELETE FROM app_base WHERE app_id = ?")?;
        for id in app_ids {
            stmt.execute([id]).context("deleting from app_base")?;
        }
        Ok(())
    }

    fn commit(&mut self) -> Result<u64> {
        self.conn.execute_batch("COMMIT").context("COMMIT")?;
        Ok(0)
    }

    fn rollback(&mut self) {
        let _ = self.conn.execute_batch("ROLLBACK");
    }

    fn build_index(&mut self) -> Result<()> {
        if self.index == IndexPolicy::AfterLoad {
            self.conn
                .execute_batch(CREATE_INDEX)
                .context("building the unique index on app_base(app_id)")?;
        }
        Ok(())
    }

    fn insert_staging(&mut self, rows: &[(String, String)]) -> Result<()> {
        let schema = Arc::new(Schema::new(vec![
            Field::new("app_id", DataType::Utf8, true),
            Field::new("xml", DataType::Utf8, false),
        ]));
        let batch = RecordBatch::try_new(
            schema,
            vec![
                Arc::new(StringArray::from_iter_values(rows.iter().map(|r| &r.0))),
                Arc::new(StringArray::from_iter_values(rows.iter().map(|r| &r.1))),
            ],
        )?;
        self.append("app_xml", batch)
    }

    fn read_back(&mut self) -> Result<ReadBack> {
        super::read_back_embedded!(self.conn, |c| format!("CAST({c} AS VARCHAR)"))
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn epoch_days_known_answers() {
        assert_eq!(super::epoch_days("1970-01-01"), 0);
        assert_eq!(super::epoch_days("2000-03-01"), 11_017);
        assert_eq!(super::epoch_days("2024-02-29"), 19_782);
        assert_eq!(super::epoch_days("1969-12-31"), -1);
    }
}
