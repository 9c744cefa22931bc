//! Reading a staging table back: the raw records in `app_xml` (a column
//! `xml`) of a SQLite or DuckDB file, filled by `generate --staging-db` or
//! the user's own pipeline, as the thesis's pipeline reads them before
//! parsing. The file is opened read-only and never changed.

use anyhow::{Context, Result, bail};
use std::path::Path;

/// Calls `each` with every record of `path`'s `app_xml` in the order they
/// were stored (rowid); returns how many.
pub fn read_staging(path: &Path, each: &mut dyn FnMut(&str) -> Result<()>) -> Result<u64> {
    let mut head = [0u8; 16];
    let n = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
        .with_context(|| format!("data.staging '{}': cannot read it", path.display()))?;
    let sql = "SELECT xml FROM app_xml ORDER BY rowid";
    let what = || {
        format!(
            "data.staging '{}': reading {sql} (a table app_xml with a text column xml)",
            path.display()
        )
    };
    let mut count = 0u64;
    if head[..n].starts_with(b"SQLite format 3\0") {
        let c = rusqlite::Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .with_context(what)?;
        let mut st = c.prepare(sql).with_context(what)?;
        let mut rows = st.query([]).with_context(what)?;
        while let Some(r) = rows.next().with_context(what)? {
            each(&r.get::<_, String>(0).with_context(what)?)?;
            count += 1;
        }
    } else if n >= 12 && &head[8..12] == b"DUCK" {
        let config = duckdb::Config::default()
            .access_mode(duckdb::AccessMode::ReadOnly)
            .with_context(what)?;
        let c = duckdb::Connection::open_with_flags(path, config).with_context(what)?;
        let mut st = c.prepare(sql).with_context(what)?;
        let mut rows = st.query([]).with_context(what)?;
        while let Some(r) = rows.next().with_context(what)? {
            each(&r.get::<_, String>(0).with_context(what)?)?;
            count += 1;
        }
    } else {
        bail!(
            "data.staging '{}' is neither a SQLite nor a DuckDB database (a file `generate --staging-db` writes, or your pipeline's, with a table app_xml)",
            path.display()
        );
    }
    Ok(count)
}
