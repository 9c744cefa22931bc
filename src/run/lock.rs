//! Lock models: who may write when. Each model is a small [`Arbiter`] that
//! gives every worker a [`BatchSink`]; the worker loop does not know which
//! model it runs under.

use super::recorder::Recorder;
use super::result::Phase;
use crate::backend::{Connection, Database};
use crate::data::{AppRecord, Quarantined};
use anyhow::{Context, Result, anyhow};
use crossbeam_channel::{Receiver, Sender};
use parking_lot::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};

/// A parsed batch on its way to the database.
pub struct ParsedBatch {
    pub id: u32,
    pub rows: Vec<AppRecord>,
    pub errors: Vec<Quarantined>,
}

/// Where a worker puts its parsed batches.
pub trait BatchSink {
    fn write(&mut self, rec: &mut Recorder, batch: ParsedBatch) -> Result<()>;
}

/// The shared side of a lock model for one run.
pub trait Arbiter: Sync {
    /// What one worker writes through (its own connection, a queue...).
    fn sink(&self) -> Result<Box<dyn BatchSink + '_>>;
}

/// A database whose connections are counted for the run result.
pub struct CountedDb<'a> {
    pub db: &'a dyn Database,
    pub opened: AtomicU64,
}

impl<'a> CountedDb<'a> {
    pub fn new(db: &'a dyn Database) -> Self {
        CountedDb {
            db,
            opened: AtomicU64::new(0),
        }
    }
    pub fn connect(&self) -> Result<Box<dyn Connection>> {
        self.opened.fetch_add(1, Ordering::Relaxed);
        self.db.connect()
    }
}

/// Begin (waiting while the engine is busy), insert, commit; the wait and
/// the write are booked separately. A failed write is rolled back.
pub fn write_batch(
    conn: &mut dyn Connection,
    rec: &mut Recorder,
    batch: &ParsedBatch,
) -> Result<()> {
    let t0 = rec.now();
    let retries = conn.begin()?;
    let t1 = rec.now();
    rec.record(Phase::Wait, Some(batch.id), t0, t1);
    rec.stats.busy_retries += retries;
    let res = conn
        .insert_rows(&batch.rows)
        .and_then(|_| conn.insert_errors(&batch.errors))
        .and_then(|_| conn.commit());
    if res.is_err() {
        conn.rollback();
    }
    let t2 = rec.now();
    rec.record(Phase::Insert, Some(batch.id), t1, t2);
    res.with_context(|| format!("writing batch {}", batch.id))
}

/// A connection of the worker's own, written to directly: the native model,
/// and the sequential baseline.
pub struct OwnConnection(pub Box<dyn Connection>);

impl BatchSink for OwnConnection {
    fn write(&mut self, rec: &mut Recorder, batch: ParsedBatch) -> Result<()> {
        write_batch(self.0.as_mut(), rec, &batch)
    }
}

/// `native`: every worker has its own connection; the engine arbitrates.
pub struct Native<'a> {
    pub db: &'a CountedDb<'a>,
}

impl Arbiter for Native<'_> {
    fn sink(&self) -> Result<Box<dyn BatchSink + '_>> {
        Ok(Box::new(OwnConnection(self.db.connect()?)))
    }
}

/// `global-mutex`: own connections, but one process-wide mutex is held from
/// begin to commit (a table lock).
pub struct GlobalMutex<'a> {
    pub db: &'a CountedDb<'a>,
    pub lock: Mutex<()>,
}

struct MutexSink<'a> {
    conn: Box<dyn Connection>,
    lock: &'a Mutex<()>,
}

impl Arbiter for GlobalMutex<'_> {
    fn sink(&self) -> Result<Box<dyn BatchSink + '_>> {
        Ok(Box::new(MutexSink {
            conn: self.db.connect()?,
            lock: &self.lock,
        }))
    }
}

impl BatchSink for MutexSink<'_> {
    fn write(&mut self, rec: &mut Recorder, batch: ParsedBatch) -> Result<()> {
        let t0 = rec.now();
        let _guard = self.lock.lock();
        rec.record(Phase::Wait, Some(batch.id), t0, rec.now());
        write_batch(self.conn.as_mut(), rec, &batch)
    }
}

/// `shared-connection`: one connection behind a mutex, shared by all
/// workers (what naive code does).
pub struct SharedConnection {
    pub conn: Mutex<Box<dyn Connection>>,
}

struct SharedSink<'a>(&'a Mutex<Box<dyn Connection>>);

impl Arbiter for SharedConnection {
    fn sink(&self) -> Result<Box<dyn BatchSink + '_>> {
        Ok(Box::new(SharedSink(&self.conn)))
    }
}

impl BatchSink for SharedSink<'_> {
    fn write(&mut self, rec: &mut Recorder, batch: ParsedBatch) -> Result<()> {
        let t0 = rec.now();
        let mut conn = self.0.lock();
        rec.record(Phase::Wait, Some(batch.id), t0, rec.now());
        write_batch(conn.as_mut(), rec, &batch)
    }
}

/// `single-writer`: workers only parse and put batches on a bounded queue;
/// the writer thread ([`run_writer`]) owns the only connection.
pub struct SingleWriter {
    pub tx: Sender<ParsedBatch>,
}

struct QueueSink(Sender<ParsedBatch>);

impl Arbiter for SingleWriter {
    fn sink(&self) -> Result<Box<dyn BatchSink + '_>> {
        Ok(Box::new(QueueSink(self.tx.clone())))
    }
}

impl BatchSink for QueueSink {
    fn write(&mut self, rec: &mut Recorder, batch: ParsedBatch) -> Result<()> {
        let id = batch.id;
        let t0 = rec.now();
        let res = self.0.send(batch);
        rec.record(Phase::Wait, Some(id), t0, rec.now());
        res.map_err(|_| anyhow!("the writer thread stopped (see its error)"))
    }
}

/// The single writer's loop: commits batches until every sender is gone.
/// Waiting for the next batch is booked as idle time.
pub fn run_writer(
    conn: &mut dyn Connection,
    rec: &mut Recorder,
    rx: Receiver<ParsedBatch>,
) -> Result<()> {
    loop {
        let t0 = rec.now();
        let next = rx.recv();
        rec.record(Phase::Idle, None, t0, rec.now());
        let Ok(batch) = next else { return Ok(()) };
        rec.stats.batches += 1;
        rec.stats.records += (batch.rows.len() + batch.errors.len()) as u64;
        write_batch(conn, rec, &batch)?;
    }
}
