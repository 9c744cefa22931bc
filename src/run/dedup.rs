//! The duplicate rule: among records that parse, the first in file order
//! wins each app_id; every later one is quarantined naming the position of
//! the one kept. The stored rows therefore depend on the input alone, not
//! on workers, schedule, lock model, batch size, engine or index policy.
//!
//! How, without serialising the workers: the splitter's byte scan gives
//! every record a key for its app_id. A record whose key is unique (and
//! matches the app_id the parser reads) cannot have a duplicate, and its
//! row is written at once. The rows of the few records that may share an
//! app_id (shared or unreadable key) are held back; when every batch has
//! been parsed, the thread that finishes last resolves them in file order
//! and writes the winners in one final batch, the same work in every
//! configuration. Should the parser ever read an app_id other than the
//! scan's, the row is held too, and a row written early that loses to it is
//! deleted in that final batch, so the rule holds even then.

use super::input::{Input, duplicate_reason};
use crate::data::parse::parse_record;
use crate::data::split::{RecordReader, app_id_key};
use crate::data::{AppRecord, Quarantined};
use anyhow::Result;
use parking_lot::Mutex;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

/// A parsed row held back until every record has been parsed.
pub struct Held {
    /// The record's position in the file.
    pub position: u64,
    /// Its parsed row.
    pub row: AppRecord,
}

/// What the final batch writes.
#[derive(Default)]
pub struct Resolution {
    /// The held rows that won their app_id.
    pub rows: Vec<AppRecord>,
    /// The ones that lost, quarantined with the winner's position.
    pub errors: Vec<Quarantined>,
    /// App_ids of rows written early that lost to an earlier record.
    pub delete: Vec<String>,
}

/// The duplicate rule's state during one run (see the module doc).
pub struct Dedup<'a> {
    input: &'a Input,
    held: Mutex<Vec<Held>>,
    /// Positions whose row was written at once (a bit each).
    direct: Vec<AtomicU64>,
}

impl<'a> Dedup<'a> {
    /// A fresh state for a run of `input`.
    pub fn new(input: &'a Input) -> Self {
        Dedup {
            input,
            held: Mutex::new(Vec::new()),
            direct: (0..input.len().div_ceil(64))
                .map(|_| AtomicU64::new(0))
                .collect(),
        }
    }

    /// Splits a batch's parsed rows into those written now and those held.
    pub fn admit(&self, rows: Vec<(u64, AppRecord)>) -> Vec<AppRecord> {
        let mut now = Vec::with_capacity(rows.len());
        let mut later = Vec::new();
        for (position, row) in rows {
            let p = position as usize;
            if !self.input.suspect[p] && app_id_key(&row.app_id) == self.input.index.keys[p] {
                self.direct[p / 64].fetch_or(1 << (p % 64), Ordering::Relaxed);
                now.push(row);
            } else {
                later.push(Held { position, row });
            }
        }
        if !later.is_empty() {
            self.held.lock().append(&mut later);
        }
        now
    }

    fn written_early(&self, p: usize) -> bool {
        self.direct[p / 64].load(Ordering::Relaxed) & (1 << (p % 64)) != 0
    }

    /// Resolves every held row, in file order. Call once, after every batch
    /// has been parsed.
    pub fn resolve(&self, reader: &RecordReader) -> Result<Resolution> {
        let held = std::mem::take(&mut *self.held.lock());
        // app_id → (position, row held back, or None for a row written early)
        let mut groups: BTreeMap<String, Vec<(u64, Option<AppRecord>)>> = BTreeMap::new();
        for h in held {
            let key = app_id_key(&h.row.app_id);
            if key != self.input.index.keys[h.position as usize] {
                self.add_early_twins(&h.row.app_id, key, reader, &mut groups)?;
            }
            groups
                .entry(h.row.app_id.clone())
                .or_default()
                .push((h.position, Some(h.row)));
        }
        let mut out = Resolution::default();
        for (app_id, mut members) in groups {
            members.sort_by_key(|m| m.0);
            members.dedup_by_key(|m| m.0);
            let kept = members[0].0;
            let mut members = members.into_iter();
            if let Some((_, Some(row))) = members.next() {
                out.rows.push(row);
            }
            for (position, row) in members {
                if row.is_none() {
                    out.delete.push(app_id.clone());
                }
                let reason = duplicate_reason(&app_id, kept);
                out.errors.push(self.input.quarantine(
                    reader,
                    position,
                    Some(app_id.clone()),
                    reason,
                )?);
            }
        }
        Ok(out)
    }

    /// Adds to `app_id`'s group any row written early with that app_id: it
    /// can only be one whose scanned key is `key` (a row is written early
    /// only when the parser's app_id matches its key).
    fn add_early_twins(
        &self,
        app_id: &str,
        key: u64,
        reader: &RecordReader,
        groups: &mut BTreeMap<String, Vec<(u64, Option<AppRecord>)>>,
    ) -> Result<()> {
        for (q, _) in self
            .input
            .index
            .keys
            .iter()
            .enumerate()
            .filter(|(_, k)| **k == key)
        {
            if !self.written_early(q) {
                continue;
            }
            let raw = self.input.read_record(reader, q as u64)?;
            if parse_record(&raw).is_ok_and(|r| r.app_id == app_id) {
                groups
                    .entry(app_id.to_string())
                    .or_default()
                    .push((q as u64, None));
            }
        }
        Ok(())
    }
}
