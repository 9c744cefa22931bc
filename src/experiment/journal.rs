//! `runs.jsonl`: one JSON line per finished run, appended, flushed and
//! synced as each run ends, so Ctrl-C, a kill or a crash loses no finished
//! run. The file is only ever appended to: it is never truncated or
//! rewritten in place, and starting afresh moves it aside under a new name.
//! Reading it back skips a damaged line (naming it) and keeps going, and
//! tolerates a torn last line, even one cut inside a UTF-8 character.

use crate::analysis::RunRecord;
use crate::store::JOURNAL;
use anyhow::{Context, Result};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// A sweep's `runs.jsonl`, open for appending one finished run per line.
pub struct Journal {
    path: PathBuf,
    file: File,
}

/// What reading a journal found.
#[derive(Debug, Default)]
pub struct Contents {
    /// Every readable run.
    pub records: Vec<RunRecord>,
    /// One line per damaged or torn line, naming it.
    pub warnings: Vec<String>,
}

impl Journal {
    /// Opens the journal in `dir` for appending. If its last line was torn
    /// (no newline), a newline is added first, so the next run gets a line
    /// of its own and the torn one stays a damaged line that reading skips.
    pub fn open(dir: &Path) -> Result<Self> {
        let path = dir.join(JOURNAL);
        let mut file = OpenOptions::new()
            .create(true)
            .read(true)
            .append(true)
            .open(&path)
            .with_context(|| format!("cannot open the journal '{}'", path.display()))?;
        let len = file.metadata()?.len();
        if len > 0 {
            let mut last = [0u8; 1];
            file.seek(SeekFrom::Start(len - 1))?;
            file.read_exact(&mut last)?;
            if last[0] != b'\n' {
                file.write_all(b"\n")
                    .with_context(|| format!("appending to '{}'", path.display()))?;
            }
        }
        Ok(Journal { path, file })
    }

    /// Appends `r` as one line and syncs it to disk.
    pub fn append(&mut self, r: &RunRecord) -> Result<()> {
        let mut line = serde_json::to_vec(r)?;
        line.push(b'\n');
        self.file
            .write_all(&line)
            .and_then(|_| self.file.sync_data())
            .with_context(|| format!("appending to '{}'", self.path.display()))
    }
}

/// Every readable line of the journal at `path`; a missing file is empty.
pub fn read(path: &Path) -> Result<Contents> {
    let bytes = match std::fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Contents::default()),
        Err(e) => return Err(e).with_context(|| format!("cannot read '{}'", path.display())),
    };
    let mut out = Contents::default();
    let complete = bytes.ends_with(b"\n");
    let lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    let last = lines.len().saturating_sub(if complete { 2 } else { 1 });
    for (i, line) in lines.iter().enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let parsed = std::str::from_utf8(line)
            .map_err(|e| e.to_string())
            .and_then(|s| serde_json::from_str::<RunRecord>(s).map_err(|e| e.to_string()));
        match parsed {
            Ok(r) => out.records.push(r),
            Err(e) if i == last && !complete => out.warnings.push(format!(
                "{}: the last line ({}) is incomplete, a run interrupted while it was written; it is ignored",
                path.display(),
                i + 1
            ) + &format!(" ({e})")),
            Err(e) => out.warnings.push(format!(
                "{}: line {} is damaged and was skipped ({e})",
                path.display(),
                i + 1
            )),
        }
    }
    Ok(out)
}

/// Moves the journal of `dir` aside (for `--fresh`): `runs.jsonl` becomes
/// `runs.<n>.jsonl`, the first free n. Returns the new name, if there was
/// a journal.
pub fn set_aside(dir: &Path) -> Result<Option<PathBuf>> {
    let path = dir.join(JOURNAL);
    if !path.exists() {
        return Ok(None);
    }
    let new = (1..)
        .map(|n| dir.join(format!("runs.{n}.jsonl")))
        .find(|p| !p.exists())
        .expect("a free name");
    std::fs::rename(&path, &new)
        .with_context(|| format!("cannot move '{}' aside", path.display()))?;
    Ok(Some(new))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::summary::tests::{run, spec};

    fn lines(n: usize) -> Vec<String> {
        let c = spec("c", 1, "c");
        (0..n)
            .map(|i| serde_json::to_string(&run(&c, i, 1.0, 1.0, 0.0)).unwrap())
            .collect()
    }

    #[test]
    fn a_damaged_middle_line_costs_only_itself() {
        let dir = tempfile::tempdir().unwrap();
        let mut l = lines(8);
        l[4] = l[4][..10].to_string() + "}}garbage";
        std::fs::write(dir.path().join(JOURNAL), l.join("\n") + "\n").unwrap();
        let r = read(&dir.path().join(JOURNAL)).unwrap();
        assert_eq!(r.records.len(), 7);
        assert_eq!(r.warnings.len(), 1);
        assert!(
            r.warnings[0].contains("line 5 is damaged"),
            "{:?}",
            r.warnings
        );
    }

    #[test]
    fn a_torn_last_line_cut_inside_a_utf8_character_is_tolerated_and_appending_continues() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(JOURNAL);
        let l = lines(3);
        let mut bytes = (l.join("\n") + "\n").into_bytes();
        bytes.extend_from_slice("{\"config_id\":\"é".as_bytes());
        bytes.pop(); // half of 'é'
        std::fs::write(&path, &bytes).unwrap();
        let r = read(&path).unwrap();
        assert_eq!(r.records.len(), 3);
        assert!(
            r.warnings[0].contains("last line (4) is incomplete"),
            "{:?}",
            r.warnings
        );
        let c = spec("c", 1, "c");
        let mut j = Journal::open(dir.path()).unwrap();
        j.append(&run(&c, 9, 1.0, 1.0, 0.0)).unwrap();
        let r = read(&path).unwrap();
        assert_eq!(r.records.len(), 4, "the new run is on a line of its own");
        assert!(
            r.warnings[0].contains("line 4 is damaged"),
            "{:?}",
            r.warnings
        );
        assert!(
            std::fs::read(&path).unwrap().starts_with(&bytes),
            "nothing before was touched"
        );
    }

    #[test]
    fn starting_afresh_keeps_the_old_journal() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(JOURNAL), lines(2).join("\n") + "\n").unwrap();
        let moved = set_aside(dir.path()).unwrap().unwrap();
        assert_eq!(moved.file_name().unwrap(), "runs.1.jsonl");
        assert_eq!(read(&moved).unwrap().records.len(), 2);
        assert!(set_aside(dir.path()).unwrap().is_none());
    }
}
