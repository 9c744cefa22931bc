//! Reading a staging table back: the raw records in `app_xml` (a column
//! `xml`) of a SQLite or DuckDB file, or of a PostgreSQL server given by
//! its URL, filled by `generate --staging-db` (`generate --backend postgres
//! --pg-url`) or the user's own pipeline, as the thesis's pipeline reads
//! them before parsing. Files are opened read-only and a server is read in
//! a read-only transaction: nothing is changed.

use anyhow::{Context, Result, bail};
use std::path::Path;

/// Calls `each` with every record of `path`'s `app_xml` in the order they
/// were stored (rowid); returns how many.
pub fn read_staging(path: &Path, each: &mut dyn FnMut(&str) -> Result<()>) -> Result<u64> {
    if let Some(url) = pg_url(path) {
        return read_postgres(&url, each);
    }
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

/// How a staging source is named in anything ingestlab writes: a path as
/// given, a PostgreSQL URL without its password.
pub fn staging_name(path: &Path) -> String {
    pg_url(path).map_or_else(|| path.display().to_string(), |u| u.redacted())
}

/// `path` as a PostgreSQL URL (`postgresql://…` or `postgres://…`), if it
/// is one.
fn pg_url(path: &Path) -> Option<super::PgUrl> {
    let s = path.to_str()?;
    (s.starts_with("postgresql://") || s.starts_with("postgres://")).then(|| s.into())
}

/// The records of `app_xml` on the server at `url`, in the table's
/// physical order (`ctid`: the order they were appended in, for a table
/// only ever appended to, as a staging table is). The table is the one
/// the connection's `search_path` finds (`?options=-csearch_path%3Dmy_schema`
/// in the URL for another schema).
#[cfg(feature = "postgres")]
fn read_postgres(url: &super::PgUrl, each: &mut dyn FnMut(&str) -> Result<()>) -> Result<u64> {
    let sql = "SELECT xml FROM app_xml ORDER BY ctid";
    let what =
        || format!("data.staging {url}: reading {sql} (a table app_xml with a text column xml)");
    let mut client = postgres::Client::connect(url.expose(), postgres::NoTls)
        .with_context(|| format!("data.staging {url}: connecting"))?;
    let mut tx = client.transaction().with_context(what)?;
    tx.batch_execute("SET TRANSACTION READ ONLY")
        .with_context(what)?;
    let mut count = 0u64;
    let mut rows = tx
        .query_raw(sql, std::iter::empty::<&str>())
        .with_context(what)?;
    while let Some(r) =
        postgres::fallible_iterator::FallibleIterator::next(&mut rows).with_context(what)?
    {
        each(r.try_get::<_, &str>(0).with_context(what)?)?;
        count += 1;
    }
    drop(rows);
    tx.rollback().with_context(what)?;
    Ok(count)
}

#[cfg(not(feature = "postgres"))]
fn read_postgres(url: &super::PgUrl, _: &mut dyn FnMut(&str) -> Result<()>) -> Result<u64> {
    bail!(
        "data.staging {url}: this build has no PostgreSQL client (build with `--features postgres`)"
    )
}
