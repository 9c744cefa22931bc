//! What may be written where. A database path is written only when nothing
//! is there, when what is there is a database ingestlab created (it has the
//! `ingestlab_meta` marker table), or when the user passed `--overwrite`;
//! and never when it is one of the run's input files.

use anyhow::{Context, Result, bail};
use std::path::{Path, PathBuf};

/// The `tool` value of the marker table.
pub const MARKER_TOOL: &str = "ingestlab";

/// Whether an existing file that ingestlab did not create may be replaced.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Overwrite {
    /// Refuse to replace it (the default).
    #[default]
    Refuse,
    /// Replace it (the user said `--overwrite`).
    Allow,
}

/// The journals and temporary files both engines keep beside a database.
pub fn sidecars(path: &Path) -> Vec<PathBuf> {
    ["-wal", "-shm", "-journal", ".wal", ".tmp"]
        .iter()
        .map(|ext| {
            let mut p = path.as_os_str().to_owned();
            p.push(ext);
            PathBuf::from(p)
        })
        .collect()
}

/// True when `a` and `b` name the same existing file (hard links and
/// different spellings of one path included).
pub fn same_file(a: &Path, b: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (std::fs::metadata(a), std::fs::metadata(b)) {
        (Ok(x), Ok(y)) => x.dev() == y.dev() && x.ino() == y.ino(),
        _ => false,
    }
}

/// True when `a` and `b` name one file, existing or not: the same inode,
/// or the same name in the same (resolved) folder.
pub fn same_path(a: &Path, b: &Path) -> bool {
    let resolved = |p: &Path| {
        let parent = p
            .parent()
            .filter(|x| !x.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        std::fs::canonicalize(parent)
            .ok()
            .zip(p.file_name())
            .map(|(d, n)| d.join(n))
    };
    same_file(a, b) || resolved(a).is_some_and(|x| Some(x) == resolved(b))
}

/// What an existing file at a database path is.
#[derive(Debug, PartialEq, Eq)]
pub enum Found {
    /// A database with ingestlab's marker.
    Ours,
    /// Anything else, described for the message.
    Other(String),
}

/// Looks at an existing file without changing it.
pub fn recognise(path: &Path) -> Found {
    let mut head = [0u8; 16];
    let n = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
        .unwrap_or(0);
    let head = &head[..n];
    if n == 0 {
        return Found::Other("an empty file".into());
    }
    if head.starts_with(b"SQLite format 3\0") {
        return match sqlite_marker(path) {
            Some(tool) if tool == MARKER_TOOL => Found::Ours,
            _ => Found::Other("a SQLite database ingestlab did not create".into()),
        };
    }
    if head.len() >= 12 && &head[8..12] == b"DUCK" {
        return match super::duckdb::marker(path) {
            Some(tool) if tool == MARKER_TOOL => Found::Ours,
            _ => Found::Other("a DuckDB database ingestlab did not create".into()),
        };
    }
    Found::Other("not a database".into())
}

fn sqlite_marker(path: &Path) -> Option<String> {
    let c = rusqlite::Connection::open_with_flags(
        path,
        rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
    )
    .ok()?;
    c.query_row("SELECT tool FROM ingestlab_meta LIMIT 1", [], |r| r.get(0))
        .ok()
}

/// Makes `path` ready for a new database, or says why it may not be used:
/// `flag` names the option that gave the path (`--db`), `inputs` are the
/// files the run reads.
pub fn prepare_db_path(
    path: &Path,
    flag: &str,
    overwrite: Overwrite,
    inputs: &[&Path],
) -> Result<()> {
    for input in inputs {
        if same_file(path, input) {
            crate::refused::refuse!(
                "{flag} '{}' is the input file '{}': writing a database there would destroy it; choose another path",
                path.display(),
                input.display()
            );
        }
    }
    if path.is_dir() {
        bail!(
            "{flag} '{}' is a folder, not a database file",
            path.display()
        );
    }
    if path.exists() && overwrite == Overwrite::Refuse {
        if let Found::Other(what) = recognise(path) {
            crate::refused::refuse!(
                "{flag} '{}' already exists and is {what}; ingestlab only replaces databases it created. Pass --overwrite to replace it, or choose another path",
                path.display()
            );
        }
    } else if !path.exists() && overwrite == Overwrite::Refuse {
        // A journal without its database belongs to someone's database.
        if let Some(s) = sidecars(path).into_iter().find(|s| s.exists()) {
            bail!(
                "'{}' exists beside {flag} '{}' (the journal of another database?); remove it, pass --overwrite, or choose another path",
                s.display(),
                path.display()
            );
        }
    }
    remove_db_files(path)
}

/// Removes a database file and the journals both engines keep beside it.
pub fn remove_db_files(path: &Path) -> Result<()> {
    for p in std::iter::once(path.to_path_buf()).chain(sidecars(path)) {
        match std::fs::remove_file(&p) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => {
                return Err(e).with_context(|| {
                    format!("cannot remove the old database file '{}'", p.display())
                });
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::{BackendOptions, Engine, create};

    #[test]
    fn only_our_databases_are_replaced_without_overwrite() {
        let dir = tempfile::tempdir().unwrap();
        let notes = dir.path().join("notes.txt");
        std::fs::write(&notes, "notes\n").unwrap();
        let e = prepare_db_path(&notes, "--db", Overwrite::Refuse, &[]).unwrap_err();
        assert!(
            format!("{e}").contains("already exists and is not a database"),
            "{e}"
        );
        assert_eq!(std::fs::read_to_string(&notes).unwrap(), "notes\n");
        // Someone else's SQLite database.
        let theirs = dir.path().join("theirs.db");
        rusqlite::Connection::open(&theirs)
            .unwrap()
            .execute_batch("CREATE TABLE t(x)")
            .unwrap();
        let e = prepare_db_path(&theirs, "--db", Overwrite::Refuse, &[]).unwrap_err();
        assert!(
            format!("{e}").contains("SQLite database ingestlab did not create"),
            "{e}"
        );
        prepare_db_path(&theirs, "--db", Overwrite::Allow, &[]).unwrap();
        assert!(!theirs.exists());
        // Ours, on both engines: replaced without asking.
        for engine in Engine::EMBEDDED {
            let ours = dir.path().join(format!("ours.{engine}"));
            drop(
                create(
                    &ours,
                    &BackendOptions {
                        engine,
                        ..Default::default()
                    },
                )
                .unwrap(),
            );
            assert_eq!(recognise(&ours), Found::Ours, "{engine}");
            prepare_db_path(&ours, "--db", Overwrite::Refuse, &[]).unwrap();
            assert!(!ours.exists());
        }
    }

    #[test]
    fn the_input_file_and_stray_journals_are_never_touched() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.xml");
        std::fs::write(&input, "<x/>").unwrap();
        let e = prepare_db_path(&input, "--db", Overwrite::Allow, &[&input]).unwrap_err();
        assert!(format!("{e}").contains("is the input file"), "{e}");
        let db = dir.path().join("new.db");
        std::fs::write(dir.path().join("new.db-wal"), "x").unwrap();
        let e = prepare_db_path(&db, "--db", Overwrite::Refuse, &[]).unwrap_err();
        assert!(format!("{e}").contains("new.db-wal"), "{e}");
        assert!(dir.path().join("new.db-wal").exists());
    }
}
