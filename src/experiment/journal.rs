//! `runs.jsonl`: one JSON line per finished run, appended and flushed as
//! each run ends, so Ctrl-C or a crash loses no finished run. Resuming
//! reads it back; a torn last line (a crash mid-write) is dropped.

use crate::analysis::RunRecord;
use anyhow::{Context, Result};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

pub const FILE: &str = "runs.jsonl";

pub struct Journal {
    path: PathBuf,
    file: File,
}

impl Journal {
    /// Opens the journal in `dir`: appending when `resume`, else empty.
    pub fn open(dir: &Path, resume: bool) -> Result<(Self, Vec<RunRecord>)> {
        let path = dir.join(FILE);
        let existing = if resume { read(&path)? } else { Vec::new() };
        // Rewrite what was read, so a torn last line does not stay behind.
        let mut file =
            File::create(&path).with_context(|| format!("cannot create '{}'", path.display()))?;
        for r in &existing {
            writeln!(file, "{}", serde_json::to_string(r)?)?;
        }
        file.sync_data().ok();
        let file = OpenOptions::new().append(true).open(&path)?;
        Ok((Journal { path, file }, existing))
    }

    pub fn append(&mut self, r: &RunRecord) -> Result<()> {
        writeln!(self.file, "{}", serde_json::to_string(r)?)
            .with_context(|| format!("appending to '{}'", self.path.display()))?;
        self.file.flush()?;
        Ok(())
    }
}

/// Every complete line of a journal; a missing file is an empty journal.
pub fn read(path: &Path) -> Result<Vec<RunRecord>> {
    let f = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e).with_context(|| format!("cannot read '{}'", path.display())),
    };
    let mut out = Vec::new();
    for line in BufReader::new(f).lines() {
        let line = line?;
        match serde_json::from_str(&line) {
            Ok(r) => out.push(r),
            Err(_) if line.trim().is_empty() => {}
            Err(_) => break,
        }
    }
    Ok(out)
}
