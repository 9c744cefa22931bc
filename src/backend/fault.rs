//! A fault-injecting database double: wraps a real engine and corrupts the
//! first batch it writes in one way, so the tests (and `--inject-fault`,
//! hidden from help) can show that verification fails when the database
//! does not hold what the input says it should.

use super::{Connection, Database, ReadBack};
use crate::choice::choice;
use crate::data::{AppRecord, Quarantined};
use anyhow::Result;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

choice! {
    /// What the double does wrong, once per database.
    pub enum Fault: "fault" {
        /// Leaves the first row of a batch out.
        DropRow = "drop-row",
        /// Stores the first row of a batch with another title.
        AlterColumn = "alter-column",
        /// Stores the first row of a batch twice (and pretends to build the
        /// unique index, as an engine that does not enforce it would).
        DuplicateRow = "duplicate-row",
        /// Fails every insert as a full disk does ("database or disk is
        /// full"), for the sweep's stop-on-repeated-failure rule.
        DiskFull = "disk-full",
    }
}

/// A database whose connections fail as `fault` says, once: the double
/// the verification and error paths are tested with.
pub struct FaultyDb {
    /// The real database behind it.
    pub inner: Box<dyn Database>,
    /// What goes wrong.
    pub fault: Fault,
    done: Arc<AtomicBool>,
}

impl FaultyDb {
    /// `inner` with `fault` injected.
    pub fn new(inner: Box<dyn Database>, fault: Fault) -> Self {
        FaultyDb {
            inner,
            fault,
            done: Arc::new(AtomicBool::new(false)),
        }
    }
}

impl Database for FaultyDb {
    fn connect(&self) -> Result<Box<dyn Connection>> {
        Ok(Box::new(FaultyConn {
            inner: self.inner.connect()?,
            fault: self.fault,
            done: self.done.clone(),
        }))
    }
    fn version(&self) -> String {
        self.inner.version()
    }
}

struct FaultyConn {
    inner: Box<dyn Connection>,
    fault: Fault,
    done: Arc<AtomicBool>,
}

impl Connection for FaultyConn {
    fn begin(&mut self) -> Result<u64> {
        self.inner.begin()
    }
    fn insert_rows(&mut self, rows: &[AppRecord]) -> Result<()> {
        if self.fault == Fault::DiskFull {
            anyhow::bail!("database or disk is full (injected)");
        }
        if rows.is_empty() || self.done.swap(true, Ordering::SeqCst) {
            if !rows.is_empty() {
                return self.inner.insert_rows(rows);
            }
            return Ok(());
        }
        let mut rows = rows.to_vec();
        match self.fault {
            Fault::DropRow => {
                rows.remove(0);
            }
            Fault::AlterColumn => rows[0].title.push_str(" (altered)"),
            Fault::DuplicateRow => {
                let first = rows[0].clone();
                rows.push(first);
            }
            Fault::DiskFull => unreachable!("failed above"),
        }
        self.inner.insert_rows(&rows)
    }
    fn insert_errors(&mut self, errors: &[Quarantined]) -> Result<()> {
        self.inner.insert_errors(errors)
    }
    fn delete_rows(&mut self, app_ids: &[String]) -> Result<()> {
        self.inner.delete_rows(app_ids)
    }
    fn commit(&mut self) -> Result<u64> {
        self.inner.commit()
    }
    fn rollback(&mut self) {
        self.inner.rollback()
    }
    fn build_index(&mut self) -> Result<()> {
        if self.fault == Fault::DuplicateRow {
            return Ok(());
        }
        self.inner.build_index()
    }
    fn insert_staging(&mut self, rows: &[(String, String)]) -> Result<()> {
        self.inner.insert_staging(rows)
    }
    fn read_back(&mut self) -> Result<ReadBack> {
        self.inner.read_back()
    }
}
