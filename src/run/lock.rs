//! Lock models: who may write when. Each model is a small [`Arbiter`] that
//! gives every worker a [`BatchSink`]; the worker loop does not know which
//! model it runs under.

use super::config::LockModel;
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
    /// The batch's number.
    pub id: u32,
    /// Its rows that passed the duplicate rule.
    pub rows: Vec<AppRecord>,
    /// Its records quarantined, with their reasons.
    pub errors: Vec<Quarantined>,
    /// App_ids to delete first (only the final batch of the duplicate rule).
    pub delete: Vec<String>,
}

/// Where a worker puts its parsed batches.
pub trait BatchSink {
    /// Writes one batch (rows and quarantined records) in a transaction,
    /// booking the wait and the insert to `rec`.
    fn write(&mut self, rec: &mut Recorder, batch: ParsedBatch) -> Result<()>;
    /// Builds the after-load index through this sink's connection, booked
    /// as the index phase. The single writer builds it itself when the
    /// queue closes, so a queue sink does nothing here.
    fn build_index(&mut self, rec: &mut Recorder) -> Result<()>;
}

/// The shared side of a lock model for one run.
pub trait Arbiter: Sync {
    /// What one worker writes through (its own connection, a queue...).
    fn sink(&self) -> Result<Box<dyn BatchSink + '_>>;
}

/// A database whose connections are counted for the run result.
pub struct CountedDb<'a> {
    /// The database.
    pub db: &'a dyn Database,
    /// Connections opened so far.
    pub opened: AtomicU64,
}

impl<'a> CountedDb<'a> {
    /// `db`, with no connection counted yet.
    pub fn new(db: &'a dyn Database) -> Self {
        CountedDb {
            db,
            opened: AtomicU64::new(0),
        }
    }
    /// A new connection, counted.
    pub fn connect(&self) -> Result<Box<dyn Connection>> {
        self.opened.fetch_add(1, Ordering::Relaxed);
        self.db.connect()
    }
}

/// The arbiter of `lock` for one run; `tx` is the single writer's queue.
pub fn arbiter<'a>(
    lock: LockModel,
    db: &'a CountedDb<'a>,
    tx: Sender<ParsedBatch>,
) -> Result<Box<dyn Arbiter + 'a>> {
    Ok(match lock {
        LockModel::Native => Box::new(Native { db }),
        LockModel::GlobalMutex => Box::new(GlobalMutex {
            db,
            lock: Mutex::new(()),
        }),
        LockModel::SharedConnection => Box::new(SharedConnection {
            conn: Mutex::new(db.connect()?),
        }),
        LockModel::SingleWriter => Box::new(SingleWriter { tx }),
    })
}

/// Begin (waiting while the engine is busy), write, commit: the wait and
/// the write are booked separately. A failed write is rolled back.
pub fn write_batch(
    conn: &mut dyn Connection,
    rec: &mut Recorder,
    batch: &ParsedBatch,
) -> Result<()> {
    let id = Some(batch.id);
    let began = conn.begin();
    rec.book(Phase::Wait, id);
    rec.stats.busy_retries += *began.as_ref().unwrap_or(&0);
    began.with_context(|| format!("writing batch {}", batch.id))?;
    let res = (|| {
        if !batch.delete.is_empty() {
            conn.delete_rows(&batch.delete)?;
        }
        conn.insert_rows(&batch.rows)?;
        conn.insert_errors(&batch.errors)?;
        conn.commit()
    })();
    match &res {
        Ok(retries) => rec.stats.busy_retries += retries,
        Err(_) => conn.rollback(),
    }
    rec.book(Phase::Insert, id);
    res.map(|_| ())
        .with_context(|| format!("writing batch {}", batch.id))
}

/// Builds the after-load index in a transaction of its own.
pub fn build_index(conn: &mut dyn Connection, rec: &mut Recorder) -> Result<()> {
    let began = conn.begin();
    rec.book(Phase::Wait, None);
    began?;
    let res = conn.build_index().and_then(|_| conn.commit());
    if res.is_err() {
        conn.rollback();
    }
    rec.book(Phase::Index, None);
    res.map(|_| ())
}

/// A connection of the worker's own, written to directly: the native model,
/// and the sequential baseline.
pub struct OwnConnection(pub Box<dyn Connection>);

impl BatchSink for OwnConnection {
    fn write(&mut self, rec: &mut Recorder, batch: ParsedBatch) -> Result<()> {
        write_batch(self.0.as_mut(), rec, &batch)
    }
    fn build_index(&mut self, rec: &mut Recorder) -> Result<()> {
        build_index(self.0.as_mut(), rec)
    }
}

/// `native`: every worker has its own connection; the engine arbitrates.
pub struct Native<'a> {
    /// The database the workers connect to.
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
    /// The database the workers connect to.
    pub db: &'a CountedDb<'a>,
    /// The mutex held from begin to commit.
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
        let _guard = self.lock.lock();
        rec.book(Phase::Wait, Some(batch.id));
        write_batch(self.conn.as_mut(), rec, &batch)
    }
    fn build_index(&mut self, rec: &mut Recorder) -> Result<()> {
        let _guard = self.lock.lock();
        build_index(self.conn.as_mut(), rec)
    }
}

/// `shared-connection`: one connection behind a mutex, shared by all
/// workers (what naive code does).
pub struct SharedConnection {
    /// The one connection.
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
        let mut conn = self.0.lock();
        rec.book(Phase::Wait, Some(batch.id));
        write_batch(conn.as_mut(), rec, &batch)
    }
    fn build_index(&mut self, rec: &mut Recorder) -> Result<()> {
        let mut conn = self.0.lock();
        build_index(conn.as_mut(), rec)
    }
}

/// `single-writer`: workers only parse and put batches on a bounded queue;
/// the writer thread ([`run_writer`]) owns the only connection.
pub struct SingleWriter {
    /// The queue's sending end (the writer holds the receiving one).
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
        let res = self.0.send(batch);
        rec.book(Phase::Wait, Some(id));
        res.map_err(|_| anyhow!("the writer thread stopped"))
    }
    fn build_index(&mut self, _: &mut Recorder) -> Result<()> {
        Ok(())
    }
}

/// The single writer's loop: commits batches until every sender is gone,
/// then builds the after-load index when `index` says so. Waiting for the
/// next batch is booked as idle time.
pub fn run_writer(
    conn: &mut dyn Connection,
    rec: &mut Recorder,
    rx: Receiver<ParsedBatch>,
    index: bool,
) -> Result<()> {
    while let Ok(batch) = rx.recv() {
        rec.book(Phase::Idle, None);
        rec.stats.batches += 1;
        rec.stats.records += (batch.rows.len() + batch.errors.len()) as u64;
        write_batch(conn, rec, &batch)?;
    }
    rec.book(Phase::Idle, None);
    if index {
        build_index(conn, rec)?;
    }
    Ok(())
}
