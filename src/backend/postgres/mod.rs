//! PostgreSQL, the thesis's own engine: the same tables as the embedded
//! engines, written with `COPY app_base FROM STDIN` per batch (the
//! thesis's COPY; CSV by default, as a Python pipeline sends it, or the
//! text format) or prepared single-row INSERTs, one connection per worker
//! for the native lock model (concurrent COPYs into one table, meeting at
//! the relation-extension lock and the WAL).
//!
//! The server is ingestlab's own (`server.rs`) or the user's at
//! `--pg-url`, and the tables live in a schema ingestlab created
//! (`target.rs`). Each run gets fresh tables and a `CHECKPOINT` first, so
//! one run's checkpoint does not land in the next.

mod sampler;
pub mod server;
mod target;

use super::{
    CREATE_INDEX, Connection, CopyFormat, Database, IndexPolicy, InsertMethod, PostgresSettings,
    ReadBack,
};
use crate::data::{AppRecord, Quarantined};
use anyhow::{Context, Result};
use postgres::types::{ToSql, Type};
use std::io::Write;
pub use target::{SCHEMA_MARK, shutdown};

/// Seconds of the server's own `COPY app_base FROM` the CSV file `csv`
/// (the server reads it: the loader a DBA would use), into fresh tables
/// made as for a run; the tables and their checkpoint are not timed.
pub fn server_copy_s(opts: &super::BackendOptions, csv: &std::path::Path) -> Result<f64> {
    let db = PgDb::create(opts)?;
    let mut c = db
        .config
        .connect(postgres::NoTls)
        .context("connecting to the PostgreSQL server")?;
    let path = csv.display().to_string().replace('\'', "''");
    let t = std::time::Instant::now();
    c.batch_execute(&format!(
        "COPY app_base FROM '{path}' (FORMAT csv, HEADER, NULL '\\N')"
    ))
    .with_context(|| format!("COPY app_base FROM '{path}' (server side)"))?;
    Ok(t.elapsed().as_secs_f64())
}

/// One run's database: fresh tables in ingestlab's schema on the server.
pub struct PgDb {
    config: postgres::Config,
    settings: PostgresSettings,
    method: InsertMethod,
    index: IndexPolicy,
    version: String,
    postmaster: Option<u32>,
}

impl PgDb {
    /// Fresh tables for a run (ingestlab's own dropped and made again, in
    /// its schema), then a checkpoint.
    pub fn create(opts: &super::BackendOptions) -> Result<Self> {
        let s = &opts.postgres;
        let (t, mut c) = target::Target::open(s)?;
        let unlogged = if s.unlogged { "UNLOGGED " } else { "" };
        let tables = super::schema("TEXT", "BIGINT", opts.index)
            .replace("CREATE TABLE ", &format!("CREATE {unlogged}TABLE "));
        let schema = &s.schema;
        c.batch_execute(&format!(
            "DROP TABLE IF EXISTS {schema}.app_base, {schema}.app_xml, {schema}.app_errors, {schema}.ingestlab_meta;\n{tables}"
        ))
        .context("creating the tables")?;
        let mut version = t.version;
        if let Err(e) = c.batch_execute("CHECKPOINT") {
            // On the user's server the role may lack the right (superuser
            // or pg_checkpoint): the runs go on, and the version says so.
            if e.code() != Some(&postgres::error::SqlState::INSUFFICIENT_PRIVILEGE) {
                return Err(e).context("CHECKPOINT before the run");
            }
            version.push_str(", no CHECKPOINT before runs (the role lacks pg_checkpoint)");
        }
        Ok(PgDb {
            config: t.config,
            settings: s.clone(),
            method: opts.method,
            index: opts.index,
            version,
            postmaster: t.postmaster,
        })
    }
}

impl Database for PgDb {
    fn connect(&self) -> Result<Box<dyn Connection>> {
        let client = self
            .config
            .connect(postgres::NoTls)
            .context("connecting to the PostgreSQL server")?;
        Ok(Box::new(PgConn {
            client,
            method: self.method,
            index: self.index,
            format: self.settings.copy_format,
            insert: None,
        }))
    }
    fn version(&self) -> String {
        self.version.clone()
    }
    fn sample_waits(&self) -> Result<Option<Box<dyn super::WaitSampling>>> {
        let s = sampler::Sampler::start(&self.config, self.postmaster)?;
        Ok(Some(Box::new(s)))
    }
}

struct PgConn {
    client: postgres::Client,
    method: InsertMethod,
    index: IndexPolicy,
    format: CopyFormat,
    insert: Option<postgres::Statement>,
}

/// The INSERT of one row, its values typed as in [`with_values`].
const INSERT_ROW: &str =
    "INSERT INTO app_base VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)";

/// The column types of `app_base`, in insert order, for binary COPY.
const COLUMN_TYPES: [Type; 13] = [
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::DATE,
    Type::DATE,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::TEXT,
    Type::INT8,
    Type::INT8,
    Type::TEXT,
    Type::INT8,
];

/// Calls `f` with the 13 `app_base` values of `r` in insert order, typed
/// for the binary protocol (dates as dates): one definition of that order
/// for the prepared INSERT and binary COPY.
fn with_values<T>(r: &AppRecord, f: impl FnOnce(&[&(dyn ToSql + Sync)]) -> Result<T>) -> Result<T> {
    let date = |what: &str, s: &str| {
        chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .with_context(|| format!("record {}: {what} '{s}' is not a YYYY-MM-DD date", r.app_id))
    };
    let (pub_date, filing_date) = (
        date("pub_date", &r.pub_date)?,
        date("filing_date", &r.filing_date)?,
    );
    f(&[
        &r.app_id,
        &r.pub_number,
        &r.kind,
        &pub_date,
        &filing_date,
        &r.appl_type,
        &r.title,
        &r.cpc_main,
        &r.applicant,
        &r.inventor_count,
        &r.claim_count,
        &r.abstract_text,
        &r.xml_bytes,
    ])
}

impl PgConn {
    fn copy(&mut self, rows: &[AppRecord]) -> Result<()> {
        let (sql, dialect) = match self.format {
            CopyFormat::Csv => ("COPY app_base FROM STDIN (FORMAT csv)", &CSV),
            CopyFormat::Text => ("COPY app_base FROM STDIN (FORMAT text)", &TEXT),
            CopyFormat::Binary => return self.copy_binary(rows),
        };
        let mut buf = Vec::with_capacity(rows.len() * 512);
        for r in rows {
            copy_row(&mut buf, r, dialect);
        }
        let mut w = self.client.copy_in(sql).context("COPY into app_base")?;
        w.write_all(&buf)?;
        w.finish().context("COPY into app_base")?;
        Ok(())
    }

    fn copy_binary(&mut self, rows: &[AppRecord]) -> Result<()> {
        let sink = self
            .client
            .copy_in("COPY app_base FROM STDIN (FORMAT binary)")
            .context("COPY into app_base")?;
        let mut w = postgres::binary_copy::BinaryCopyInWriter::new(sink, &COLUMN_TYPES);
        for r in rows {
            with_values(r, |v| w.write(v).context("COPY into app_base"))?;
        }
        w.finish().context("COPY into app_base")?;
        Ok(())
    }

    fn insert_each(&mut self, rows: &[AppRecord]) -> Result<()> {
        if self.insert.is_none() {
            self.insert = Some(self.client.prepare(INSERT_ROW)?);
        }
        let st = self.insert.clone().expect("prepared");
        for r in rows {
            with_values(r, |v| {
                self.client
                    .execute(&st, v)
                    .context("inserting into app_base")
            })?;
        }
        Ok(())
    }
}

/// How one COPY format writes a line: the separator, the NULL marker and
/// the escaping of a text value.
struct Dialect {
    sep: u8,
    null: &'static [u8],
    text: fn(&mut Vec<u8>, &str),
}

/// CSV: text quoted (so an empty string is not NULL), NULL empty.
const CSV: Dialect = Dialect {
    sep: b',',
    null: b"",
    text: |out, s| {
        out.push(b'"');
        for b in s.bytes() {
            if b == b'"' {
                out.push(b'"');
            }
            out.push(b);
        }
        out.push(b'"');
    },
};

/// COPY's text format: tab-separated, `\N` for NULL, and backslash, tab,
/// newline and carriage return escaped.
const TEXT: Dialect = Dialect {
    sep: b'\t',
    null: b"\\N",
    text: |out, s| {
        for b in s.bytes() {
            match b {
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\t' => out.extend_from_slice(b"\\t"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                _ => out.push(b),
            }
        }
    },
};

/// One value of a COPY line.
enum Cell<'a> {
    Text(&'a str),
    Null,
    Int(i64),
}

impl<'a> Cell<'a> {
    fn opt(s: &'a Option<String>) -> Self {
        s.as_deref().map_or(Cell::Null, Cell::Text)
    }
}

/// One line of COPY input in `d`: the 13 `app_base` columns in insert
/// order (one definition of that order for both formats).
fn copy_row(out: &mut Vec<u8>, r: &AppRecord, d: &Dialect) {
    let cells = [
        Cell::Text(&r.app_id),
        Cell::Text(&r.pub_number),
        Cell::Text(&r.kind),
        Cell::Text(&r.pub_date),
        Cell::Text(&r.filing_date),
        Cell::opt(&r.appl_type),
        Cell::Text(&r.title),
        Cell::opt(&r.cpc_main),
        Cell::opt(&r.applicant),
        Cell::Int(r.inventor_count),
        Cell::Int(r.claim_count),
        Cell::Text(&r.abstract_text),
        Cell::Int(r.xml_bytes),
    ];
    for (i, c) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(d.sep);
        }
        match c {
            Cell::Text(s) => (d.text)(out, s),
            Cell::Null => out.extend_from_slice(d.null),
            Cell::Int(v) => {
                let _ = write!(out, "{v}");
            }
        }
    }
    out.push(b'\n');
}

impl Connection for PgConn {
    fn begin(&mut self) -> Result<u64> {
        self.client.batch_execute("BEGIN")?;
        Ok(0)
    }
    fn insert_rows(&mut self, rows: &[AppRecord]) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        match self.method {
            InsertMethod::Bulk => self.copy(rows),
            InsertMethod::Insert => self.insert_each(rows),
        }
    }
    fn insert_errors(&mut self, errors: &[Quarantined]) -> Result<()> {
        let st = self
            .client
            .prepare("INSERT INTO app_errors VALUES ($1, $2, $3, $4)")?;
        for e in errors {
            // PostgreSQL's text cannot hold NUL, which a malformed record
            // may: stored as U+FFFD (the errors checksum covers position,
            // app_id and reason, never the raw XML).
            let nul = |s: &str| s.replace('\0', "\u{FFFD}");
            let (id, reason, xml) = (e.app_id.as_deref().map(nul), nul(&e.reason), nul(&e.xml));
            self.client
                .execute(&st, &[&(e.position as i64), &id, &reason, &xml])
                .context("inserting into app_errors")?;
        }
        Ok(())
    }
    fn delete_rows(&mut self, app_ids: &[String]) -> Result<()> {
        let st = self
            .client
            .prepare("DELETE FROM app_base WHERE app_id = $1")?;
        for id in app_ids {
            self.client
                .execute(&st, &[id])
                .context("deleting from app_base")?;
        }
        Ok(())
    }
    fn commit(&mut self) -> Result<u64> {
        self.client.batch_execute("COMMIT")?;
        Ok(0)
    }
    fn rollback(&mut self) {
        let _ = self.client.batch_execute("ROLLBACK");
    }
    fn build_index(&mut self) -> Result<()> {
        if self.index == IndexPolicy::AfterLoad {
            self.client
                .batch_execute(CREATE_INDEX)
                .context("building the unique index on app_base(app_id)")?;
        }
        Ok(())
    }
    fn insert_staging(&mut self, rows: &[(String, String)]) -> Result<()> {
        self.begin()?;
        let st = self.client.prepare("INSERT INTO app_xml VALUES ($1, $2)")?;
        for (id, xml) in rows {
            // As in app_errors: PostgreSQL's text cannot hold NUL, which a
            // malformed record may; it is stored as U+FFFD.
            let xml = xml.replace('\0', "\u{FFFD}");
            self.client
                .execute(&st, &[id, &xml])
                .context("inserting into app_xml")?;
        }
        self.commit().map(|_| ())
    }
    fn read_back(&mut self) -> Result<ReadBack> {
        let row = self.client.query_one(super::COUNT_ROWS, &[])?;
        let mut rb = ReadBack::counted(row.try_get(0)?, row.try_get(1)?);
        let sql = super::select_rows(|c| format!("to_char({c}, 'YYYY-MM-DD')"));
        for r in self.client.query(&sql, &[])? {
            rb.add_row(&super::app_record_from_row!(r, try_get));
        }
        for r in self.client.query(super::SELECT_ERRORS, &[])? {
            let (app_id, reason): (Option<String>, String) = (r.try_get(1)?, r.try_get(2)?);
            rb.add_error(r.try_get(0)?, app_id.as_deref(), &reason);
        }
        Ok(rb)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::record::sample_record;

    #[test]
    fn csv_and_text_rows_escape_what_their_formats_need() {
        let mut r = sample_record("US1");
        r.title = "a \"quoted\"\ttab\nline \\ back".into();
        r.appl_type = None;
        let mut csv = Vec::new();
        copy_row(&mut csv, &r, &CSV);
        let csv = String::from_utf8(csv).unwrap();
        assert!(csv.starts_with("\"US1\","), "{csv}");
        assert!(
            csv.contains("\"a \"\"quoted\"\"\ttab\nline \\ back\""),
            "{csv}"
        );
        assert!(
            csv.contains(",,\""),
            "a NULL is an empty unquoted field: {csv}"
        );
        let mut text = Vec::new();
        copy_row(&mut text, &r, &TEXT);
        let text = String::from_utf8(text).unwrap();
        assert!(
            text.contains("a \"quoted\"\\ttab\\nline \\\\ back"),
            "{text}"
        );
        assert!(text.contains("\t\\N\t"), "{text}");
        assert_eq!(text.matches('\n').count(), 1);
    }
}
