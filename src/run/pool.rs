//! N workers on a rayon pool: the pool's start-up costs, the lock model's
//! arbiter, the single writer (for that model), the workers, and the
//! close-out that books every thread's time up to the end of the run.

use super::cancel::Interrupted;
use super::config::{LockModel, Schedule};
use super::lock::{self, Arbiter, CountedDb, ParsedBatch};
use super::plan::{BatchRange, dynamic_plan, static_plan};
use super::recorder::Recorder;
use super::result::Phase;
use super::work::{Parts, Shared, WorkerOut};
use crate::backend::IndexPolicy;
use anyhow::{Context, Result, anyhow};
use crossbeam_channel::Receiver;
use parking_lot::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What a thread hands back: its outcome and its (unfinished) account.
struct Report<'c> {
    res: Result<WorkerOut>,
    rec: Recorder<'c>,
}

/// Which batches each worker takes.
struct Plan {
    per_worker: Option<Vec<Vec<BatchRange>>>,
    all: Vec<BatchRange>,
    cursor: AtomicUsize,
}

impl Plan {
    fn new(shared: &Shared) -> Self {
        let (cfg, records) = (shared.cfg, shared.input.len());
        Plan {
            per_worker: (cfg.schedule == Schedule::Static)
                .then(|| static_plan(records, cfg.workers, cfg.batch_size)),
            all: dynamic_plan(records, cfg.batch_size),
            cursor: AtomicUsize::new(0),
        }
    }

    /// The batch source of worker `w`.
    fn next_for(&self, w: usize) -> impl FnMut() -> Option<BatchRange> + '_ {
        let mut k = 0;
        move || match &self.per_worker {
            Some(p) => {
                k += 1;
                p[w].get(k - 1).copied()
            }
            None => self
                .all
                .get(self.cursor.fetch_add(1, Ordering::Relaxed))
                .copied(),
        }
    }
}

pub(super) fn run(shared: &Shared, db: &CountedDb) -> Result<Parts> {
    let cfg = shared.cfg;
    let o = &cfg.overhead;
    shared.clock.pay(o.pool_startup_s, o.pay);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(cfg.workers)
        .thread_name(|i| format!("ingest-worker-{i}"))
        .build()
        .context("starting the worker pool")?;
    let (tx, rx) = crossbeam_channel::bounded::<ParsedBatch>(cfg.queue_depth);
    let arbiter = lock::arbiter(cfg.lock, db, tx)?;
    let plan = Plan::new(shared);
    let (workers, writer) = std::thread::scope(|scope| {
        let writer =
            (cfg.lock == LockModel::SingleWriter).then(|| scope.spawn(|| writer(shared, db, rx)));
        let workers = run_workers(&pool, shared, arbiter.as_ref(), &plan);
        // Every worker is done: release the queue so the writer drains it.
        drop(arbiter);
        let writer = writer.map(|h| {
            h.join().unwrap_or_else(|_| Report {
                res: Err(anyhow!("the writer thread panicked")),
                rec: Recorder::new(shared.clock, cfg.workers as u32, false, shared.t0),
            })
        });
        (workers, writer)
    });
    close_out(shared, workers, writer)
}

/// Starts the workers one after the other (paying each start-up, as a pool
/// forks its workers) and waits for all of them.
fn run_workers<'c>(
    pool: &rayon::ThreadPool,
    shared: &'c Shared,
    arbiter: &(dyn Arbiter + '_),
    plan: &Plan,
) -> Vec<Report<'c>> {
    let o = &shared.cfg.overhead;
    let reports = Mutex::new(Vec::new());
    let remaining = AtomicUsize::new(shared.cfg.workers);
    pool.in_place_scope(|s| {
        for w in 0..shared.cfg.workers {
            shared.clock.pay(o.worker_startup_s, o.pay);
            let (reports, remaining) = (&reports, &remaining);
            s.spawn(move |_| {
                let report = worker(shared, arbiter, plan, remaining, w);
                reports.lock().push(report);
            });
        }
    });
    reports.into_inner()
}

/// One worker: its sink, its batches, and, if it finishes last, the final
/// batch and the index.
fn worker<'c>(
    shared: &'c Shared,
    arbiter: &(dyn Arbiter + '_),
    plan: &Plan,
    remaining: &AtomicUsize,
    w: usize,
) -> Report<'c> {
    let mut rec = Recorder::new(shared.clock, w as u32, shared.cfg.timeline, shared.t0);
    let res = (|| {
        let mut sink = arbiter.sink()?;
        // Everything before this worker's first batch is start-up.
        rec.book(Phase::Overhead, None);
        let mut out = shared.work(&mut rec, sink.as_mut(), true, plan.next_for(w))?;
        if remaining.fetch_sub(1, Ordering::AcqRel) == 1 && !shared.stopped() {
            out += shared.finalize(&mut rec, sink.as_mut())?;
        }
        Ok(out)
    })();
    if res.is_err() {
        shared.abort.store(true, Ordering::Relaxed);
    }
    Report { res, rec }
}

/// The single writer thread: owns the only connection, commits what the
/// workers queue, builds the after-load index when the queue closes.
fn writer<'c>(shared: &'c Shared, db: &CountedDb, rx: Receiver<ParsedBatch>) -> Report<'c> {
    let cfg = shared.cfg;
    let mut rec = Recorder::new(shared.clock, cfg.workers as u32, cfg.timeline, shared.t0);
    let res = db.connect().and_then(|mut conn| {
        rec.book(Phase::Idle, None);
        let index = cfg.backend.index == IndexPolicy::AfterLoad;
        lock::run_writer(conn.as_mut(), &mut rec, rx, index)
    });
    if res.is_err() {
        // The workers' sends fail from now on; stop them early.
        shared.abort.store(true, Ordering::Relaxed);
    }
    Report {
        res: res.map(|_| WorkerOut::default()),
        rec,
    }
}

/// The first error that explains the run: the writer's own (the workers
/// only see that it stopped), a worker's, or the interrupt.
fn first_error(
    shared: &Shared,
    workers: &mut [Report],
    writer: &mut Option<Report>,
) -> Option<anyhow::Error> {
    if let Some(Report { res: Err(e), .. }) = writer {
        return Some(anyhow!("the single writer failed: {e:#}"));
    }
    if shared.cancel.is_set() {
        return Some(Interrupted.into());
    }
    workers
        .iter_mut()
        .find(|r| r.res.is_err())
        .map(|r| std::mem::replace(&mut r.res, Ok(WorkerOut::default())).unwrap_err())
}

/// Books every thread's time to the end of the run: idle until the last
/// thread is done, then the pool's shutdown as overhead.
fn close_out(
    shared: &Shared,
    mut workers: Vec<Report>,
    mut writer: Option<Report>,
) -> Result<Parts> {
    if let Some(e) = first_error(shared, &mut workers, &mut writer) {
        return Err(e);
    }
    let o = &shared.cfg.overhead;
    let t_last = workers
        .iter()
        .chain(writer.iter())
        .map(|r| r.rec.mark())
        .fold(shared.t0, f64::max);
    shared.clock.pay(o.shutdown_s, o.pay);
    let t_end = shared.clock.now();
    let finish = |r: Report| {
        let mut rec = r.rec;
        rec.book_until(Phase::Idle, None, t_last);
        rec.book_until(Phase::Overhead, None, t_end);
        let (stats, events) = rec.finish();
        (stats, events, r.res.unwrap_or_default())
    };
    let (mut stats, mut outs, mut timeline) = (Vec::new(), Vec::new(), Vec::new());
    for r in workers {
        let (s, mut ev, out) = finish(r);
        stats.push(s);
        outs.push(out);
        timeline.append(&mut ev);
    }
    let writer = writer.map(|r| {
        let (s, mut ev, _) = finish(r);
        timeline.append(&mut ev);
        s
    });
    if stats.len() != shared.cfg.workers {
        return Err(anyhow!(
            "only {} of {} workers reported back",
            stats.len(),
            shared.cfg.workers
        ));
    }
    timeline.sort_by(|a, b| {
        (a.worker, a.start_s)
            .partial_cmp(&(b.worker, b.start_s))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    Ok(Parts {
        workers: stats,
        writer,
        outs,
        timeline,
        t_end,
    })
}
