//! An input file ready for runs: its record index, which records may share
//! an app_id, and, made once on first use, the independent account of what
//! a correct run must store.

use crate::data::parse::parse_record;
use crate::data::split::{RecordIndex, RecordReader, app_id_key, index_file};
use crate::data::{Checksum, Quarantined};
use anyhow::{Context, Result};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// The reason a later duplicate is quarantined with.
pub fn duplicate_reason(app_id: &str, kept: u64) -> String {
    format!(
        "duplicate app_id {app_id}: record {kept} (counting from 0, the first in file order) is kept"
    )
}

/// What the database must hold after a correct run of an input: the first
/// record in file order of each app_id (among those that parse), every
/// other record quarantined with its reason.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Expected {
    /// Rows a correct run stores.
    pub rows: u64,
    /// Records it quarantines.
    pub quarantined: u64,
    /// Content checksum of those rows.
    pub checksum: Checksum,
    /// Checksum of the quarantined records' positions, app_ids and reasons.
    pub errors_checksum: Checksum,
}

impl Expected {
    /// A plain sequential pass over the input, sharing nothing with the
    /// runner but the parser: no workers, no batches, no lock model, no
    /// database. Whatever a run stores is compared with this.
    pub fn compute(input: &Input) -> Result<Self> {
        let reader = RecordReader::open(&input.path)?;
        let mut first = FirstSeen::default();
        let mut e = Expected {
            rows: 0,
            quarantined: 0,
            checksum: Checksum::default(),
            errors_checksum: Checksum::default(),
        };
        let mut buf = Vec::new();
        for (position, span) in input.index.spans.iter().enumerate() {
            let position = position as u64;
            reader.read(*span, &mut buf)?;
            let mut quarantine = |app_id: Option<&str>, reason: &str| {
                e.quarantined += 1;
                e.errors_checksum.add_error_parts(position, app_id, reason);
            };
            match parse_record(&buf) {
                Err(err) => quarantine(err.app_id.as_deref(), &err.reason),
                Ok(row) => match first.claim(&row.app_id, position, input, &reader)? {
                    Some(kept) => {
                        quarantine(Some(&row.app_id), &duplicate_reason(&row.app_id, kept))
                    }
                    None => {
                        e.rows += 1;
                        e.checksum.add(&row);
                    }
                },
            }
        }
        Ok(e)
    }
}

/// The first position of every app_id seen, kept as 64-bit keys (16 bytes
/// a record rather than the strings); a key seen twice is confirmed by
/// reading the earlier record's app_id again, so a hash collision cannot
/// make two app_ids one.
#[derive(Default)]
struct FirstSeen {
    by_key: HashMap<u64, u64>,
    /// App_ids whose key collided with another app_id's.
    collided: HashMap<String, u64>,
}

impl FirstSeen {
    /// The position of an earlier record with this app_id, or None (and
    /// `position` becomes the first).
    fn claim(
        &mut self,
        app_id: &str,
        position: u64,
        input: &Input,
        reader: &RecordReader,
    ) -> Result<Option<u64>> {
        if let Some(&kept) = self.collided.get(app_id) {
            return Ok(Some(kept));
        }
        let key = app_id_key(app_id);
        let Some(&earlier) = self.by_key.get(&key) else {
            self.by_key.insert(key, position);
            return Ok(None);
        };
        let raw = input.read_record(reader, earlier)?;
        match parse_record(&raw) {
            Ok(r) if r.app_id == app_id => Ok(Some(earlier)),
            _ => {
                self.collided.insert(app_id.to_string(), position);
                Ok(None)
            }
        }
    }
}

/// An input file and its record index, built once and reused by every run
/// on the same data.
pub struct Input {
    /// The file.
    pub path: PathBuf,
    /// Where each record lies in it, with its app_id key.
    pub index: RecordIndex,
    /// Records that may share an app_id with another one (by the byte
    /// scan's keys), or whose key the scan could not read: the duplicate
    /// rule holds their rows back until every record has been parsed.
    pub suspect: Vec<bool>,
    expected: OnceLock<Expected>,
}

impl Input {
    /// Indexes the file at `path` (one pass over its bytes).
    pub fn open(path: &Path) -> Result<Self> {
        let index = index_file(path)?;
        let suspect = suspects(&index.keys);
        Ok(Input {
            path: path.to_path_buf(),
            index,
            suspect,
            expected: OnceLock::new(),
        })
    }

    /// Records in the file.
    pub fn len(&self) -> usize {
        self.index.len()
    }

    /// True for a file without records.
    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The independent account, made on first use (after the first run's
    /// measurement, so it never weighs on a measured run) and kept.
    pub fn expected(&self) -> Result<&Expected> {
        if let Some(e) = self.expected.get() {
            return Ok(e);
        }
        let e = Expected::compute(self)
            .with_context(|| format!("making the expected account of '{}'", self.path.display()))?;
        Ok(self.expected.get_or_init(|| e))
    }

    /// Reads the raw bytes of the record at `position` (for quarantine).
    pub fn read_record(&self, reader: &RecordReader, position: u64) -> Result<Vec<u8>> {
        let mut buf = Vec::new();
        reader.read(self.index.spans[position as usize], &mut buf)?;
        Ok(buf)
    }

    /// Quarantines the record at `position` with `reason`.
    pub fn quarantine(
        &self,
        reader: &RecordReader,
        position: u64,
        app_id: Option<String>,
        reason: String,
    ) -> Result<Quarantined> {
        let xml = self.read_record(reader, position)?;
        Ok(Quarantined {
            position,
            app_id,
            reason,
            xml: String::from_utf8_lossy(&xml).into_owned(),
        })
    }
}

/// True for every record whose key is unknown (0) or shared.
fn suspects(keys: &[u64]) -> Vec<bool> {
    let mut seen: HashMap<u64, u32> = HashMap::with_capacity(keys.len());
    for &k in keys.iter().filter(|k| **k != 0) {
        *seen.entry(k).or_default() += 1;
    }
    keys.iter()
        .map(|k| *k == 0 || seen.get(k).copied().unwrap_or(0) > 1)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_and_shared_keys_are_suspect() {
        assert_eq!(
            suspects(&[5, 0, 7, 5, 9]),
            vec![true, true, false, true, false]
        );
    }
}
