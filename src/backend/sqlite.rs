//! SQLite: a file database (WAL by default, see [`SqliteSettings`]). Each
//! connection takes the write lock with `BEGIN IMMEDIATE`; rows go in
//! through a prepared multi-row INSERT. Busy waits are ingestlab's own, so
//! every one is counted.

use super::{
    BackendOptions, CREATE_INDEX, Connection, Database, IndexPolicy, InsertMethod, ReadBack,
    SqliteSettings,
};
use crate::data::{AppRecord, Quarantined};
use anyhow::{Context, Result, bail};
use rusqlite::{ErrorCode, ToSql, params_from_iter};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

/// Rows per multi-row INSERT statement: 64 × 13 = 832 bound values, well
/// under SQLite's limit, and large enough that statement overhead vanishes.
const ROWS_PER_STATEMENT: usize = 64;

/// Pragmas with a knob of their own (`--journal-mode`...), and the ones a
/// run must not change under the lock models (`locking_mode` is checked
/// against the worker count in the run's configuration).
const OWN_KNOBS: [&str; 4] = ["journal_mode", "synchronous", "page_size", "cache_size"];

/// A SQLite database file of one run.
pub struct SqliteDb {
    path: PathBuf,
    opts: BackendOptions,
}

impl SqliteDb {
    /// A fresh database at `path` with the tables and `opts`' settings.
    pub fn create(path: &Path, opts: &BackendOptions) -> Result<Self> {
        let db = SqliteDb {
            path: path.to_path_buf(),
            opts: opts.clone(),
        };
        let conn = db.open(true)?;
        conn.execute_batch(&super::schema("TEXT", "INTEGER", opts.index))
            .with_context(|| format!("creating tables in '{}'", path.display()))?;
        Ok(db)
    }

    /// Opens a connection with the settings applied. The page size and the
    /// journal mode are properties of the file, set once at creation (the
    /// page size before the first table; setting the journal mode again
    /// needs a lock another connection may hold).
    fn open(&self, creating: bool) -> Result<rusqlite::Connection> {
        let conn = rusqlite::Connection::open(&self.path).with_context(|| {
            format!(
                "cannot create or open SQLite database '{}'",
                self.path.display()
            )
        })?;
        conn.busy_timeout(Duration::from_secs_f64(self.opts.busy_timeout_s))?;
        let s: &SqliteSettings = &self.opts.sqlite;
        let mut pragmas: Vec<(String, String)> = Vec::new();
        if creating {
            pragmas.push(("page_size".into(), s.page_size.to_string()));
            pragmas.push(("journal_mode".into(), s.journal_mode.name().to_uppercase()));
        }
        pragmas.push(("synchronous".into(), s.synchronous.name().to_uppercase()));
        pragmas.push(("cache_size".into(), format!("-{}", s.cache_size_kib)));
        pragmas.extend(s.pragmas.iter().map(|(k, v)| (k.clone(), v.clone())));
        for (k, v) in &pragmas {
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
            index: self.opts.index,
            busy_timeout: Duration::from_secs_f64(self.opts.busy_timeout_s),
        }))
    }
    fn version(&self) -> String {
        format!("sqlite {}", rusqlite::version())
    }
}

/// The pragmas SQLite documents (https://sqlite.org/pragma.html, debug-only
/// ones left out). SQLite itself lists them only when built with
/// SQLITE_INTROSPECTION_PRAGMAS, which the bundled build is not, and it
/// silently ignores a pragma it does not know, so the list is kept here.
const DOCUMENTED_PRAGMAS: &[&str] = &[
    "analysis_limit",
    "application_id",
    "auto_vacuum",
    "automatic_index",
    "busy_timeout",
    "cache_size",
    "cache_spill",
    "case_sensitive_like",
    "cell_size_check",
    "checkpoint_fullfsync",
    "collation_list",
    "compile_options",
    "count_changes",
    "data_store_directory",
    "data_version",
    "database_list",
    "default_cache_size",
    "defer_foreign_keys",
    "empty_result_callbacks",
    "encoding",
    "foreign_key_check",
    "foreign_key_list",
    "foreign_keys",
    "freelist_count",
    "full_column_names",
    "fullfsync",
    "function_list",
    "hard_heap_limit",
    "ignore_check_constraints",
    "incremental_vacuum",
    "index_info",
    "index_list",
    "index_xinfo",
    "integrity_check",
    "journal_mode",
    "journal_size_limit",
    "legacy_alter_table",
    "legacy_file_format",
    "locking_mode",
    "max_page_count",
    "mmap_size",
    "module_list",
    "optimize",
    "page_count",
    "page_size",
    "pragma_list",
    "query_only",
    "quick_check",
    "read_uncommitted",
    "recursive_triggers",
    "reverse_unordered_selects",
    "schema_version",
    "secure_delete",
    "short_column_names",
    "shrink_memory",
    "soft_heap_limit",
    "stats",
    "synchronous",
    "table_info",
    "table_list",
    "table_xinfo",
    "temp_store",
    "temp_store_directory",
    "threads",
    "trusted_schema",
    "user_version",
    "wal_autocheckpoint",
    "wal_checkpoint",
    "writable_schema",
];

fn known_pragmas() -> &'static [&'static str] {
    DOCUMENTED_PRAGMAS
}

/// Problems with extra pragmas: unknown names, and the ones that have a
/// knob of their own.
pub fn check_pragmas(
    pragmas: &std::collections::BTreeMap<String, String>,
) -> Vec<(&'static str, String)> {
    let mut p = Vec::new();
    for (k, v) in pragmas {
        let key = k.trim().to_lowercase();
        if OWN_KNOBS.contains(&key.as_str()) {
            p.push((
                "sqlite.pragma",
                format!(
                    "pragma {k}={v}: use --{} (scenario: sweep.sqlite_{key}) instead",
                    key.replace('_', "-")
                ),
            ));
        } else if !known_pragmas().contains(&key.as_str()) {
            p.push((
                "sqlite.pragma",
                format!("unknown SQLite pragma '{k}' (SQLite ignores pragmas it does not know; the {} documented ones are listed at https://sqlite.org/pragma.html)", known_pragmas().len()),
            ));
        }
    }
    p
}

/// One connection to it, with the settings applied.
pub struct SqliteConn {
    conn: rusqlite::Connection,
    method: InsertMethod,
    index: IndexPolicy,
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

/// The SQL of a full multi-row statement, built once.
fn full_insert_sql() -> &'static str {
    static SQL: OnceLock<String> = OnceLock::new();
    SQL.get_or_init(|| insert_sql(ROWS_PER_STATEMENT))
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

impl SqliteConn {
    /// Runs `sql`, retrying while the database is busy with short, growing
    /// naps (100 µs doubling to 2 ms, as SQLite's own busy handler does,
    /// but counted). Returns the retries.
    fn with_retries(&mut self, sql: &str) -> Result<u64> {
        let start = Instant::now();
        let mut retries = 0u64;
        let mut nap = Duration::from_micros(100);
        loop {
            match self.conn.execute_batch(sql) {
                Ok(()) => return Ok(retries),
                Err(e) if is_busy(&e) => {
                    if start.elapsed() > self.busy_timeout {
                        bail!(
                            "SQLite database still busy after {:?} ({retries} retries) at {sql}",
                            self.busy_timeout
                        );
                    }
                    retries += 1;
                    std::thread::sleep(nap);
                    nap = (nap * 2).min(Duration::from_millis(2));
                }
                Err(e) => return Err(e).context(sql.to_string()),
            }
        }
    }
}

impl Connection for SqliteConn {
    fn begin(&mut self) -> Result<u64> {
        self.with_retries("BEGIN IMMEDIATE")
    }

    fn insert_rows(&mut self, rows: &[AppRecord]) -> Result<()> {
        let per = match self.method {
            InsertMethod::Bulk => ROWS_PER_STATEMENT,
            InsertMethod::Insert => 1,
        };
        let mut params: Vec<&dyn ToSql> = Vec::with_capacity(per * 13);
        for chunk in rows.chunks(per) {
            let mut stmt = if chunk.len() == ROWS_PER_STATEMENT {
                self.conn.prepare_cached(full_insert_sql())?
            } else {
                self.conn.prepare_cached(&insert_sql(chunk.len()))?
            };
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
        // In the rollback-journal modes a commit waits for readers to let
        // go; in WAL mode it never waits.
        self.with_retries("COMMIT")
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
        self.begin()?;
        {
            let mut stmt = self
                .conn
                .prepare_cached("INSERT INTO app_xml VALUES (?,?)")?;
            for (id, xml) in rows {
                stmt.execute([id, xml]).context("inserting into app_xml")?;
            }
        }
        self.commit().map(|_| ())
    }

    fn read_back(&mut self) -> Result<ReadBack> {
        super::read_back_embedded!(self.conn, |c| c.to_string())
    }
}
