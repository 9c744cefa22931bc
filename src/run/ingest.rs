//! One ingestion run: split the input into batches, hand them to workers
//! (or, with one worker, loop over them on this thread), parse, write through
//! the lock model, then verify what the database holds.

use super::clock::{Clock, RealClock};
use super::config::{LockModel, RunConfig, Schedule};
use super::ipc;
use super::lock::{self, Arbiter, BatchSink, CountedDb, OwnConnection, ParsedBatch};
use super::memory;
use super::recorder::Recorder;
use super::result::{Phase, PhaseTimes, RunResult, TimelineEvent, Verification, WorkerStats};
use crate::backend::{self, Database};
use crate::data::parse::parse_record;
use crate::data::split::{RecordIndex, RecordReader};
use crate::data::{Checksum, Quarantined};
use anyhow::{Context, Result, bail};
use parking_lot::Mutex;
use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// An input file and its record index, built once and reused by every run
/// on the same data.
pub struct Input {
    pub path: PathBuf,
    pub index: RecordIndex,
}

impl Input {
    pub fn open(path: &Path) -> Result<Self> {
        let index = crate::data::split::index_file(path)?;
        Ok(Input {
            path: path.to_path_buf(),
            index,
        })
    }
}

/// A run's result plus its timeline (empty unless asked for).
pub struct RunOutput {
    pub result: RunResult,
    pub timeline: Vec<TimelineEvent>,
}

/// A contiguous range of records, `start..end` in the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchRange {
    pub id: u32,
    pub start: usize,
    pub end: usize,
}

/// Static shares: contiguous, as even as possible, smaller shares first
/// (50 records over 4 workers: 12, 12, 13, 13), each cut into batches.
pub fn static_plan(records: usize, workers: usize, batch_size: usize) -> Vec<Vec<BatchRange>> {
    let (base, extra) = (records / workers, records % workers);
    let mut start = 0;
    let mut id = 0;
    (0..workers)
        .map(|w| {
            let share = base + usize::from(w >= workers - extra);
            let end = start + share;
            let batches = cut(start, end, batch_size, &mut id);
            start = end;
            batches
        })
        .collect()
}

/// Dynamic plan: one queue of batches over all records.
pub fn dynamic_plan(records: usize, batch_size: usize) -> Vec<BatchRange> {
    cut(0, records, batch_size, &mut 0)
}

fn cut(start: usize, end: usize, batch_size: usize, id: &mut u32) -> Vec<BatchRange> {
    (start..end)
        .step_by(batch_size)
        .map(|s| {
            *id += 1;
            BatchRange {
                id: *id - 1,
                start: s,
                end: (s + batch_size).min(end),
            }
        })
        .collect()
}

/// What all workers of a run share.
struct Shared<'a> {
    cfg: &'a RunConfig,
    input: &'a Input,
    reader: RecordReader,
    clock: &'a dyn Clock,
    /// app_ids already stored; a later record with the same id is
    /// quarantined as a duplicate.
    claimed: Mutex<HashSet<String>>,
    /// Held while paying a batch's dispatch cost: a pool's parent process
    /// pickles tasks one at a time.
    coordinator: Mutex<()>,
    /// Set when a worker fails, so the others stop early.
    abort: AtomicBool,
}

/// What one worker hands back.
#[derive(Default)]
struct WorkerOut {
    rows: u64,
    quarantined: u64,
    checksum: Checksum,
}

impl Shared<'_> {
    /// Parses and writes one batch; `pooled` adds the pool's dispatch cost.
    fn process(
        &self,
        rec: &mut Recorder,
        sink: &mut dyn BatchSink,
        b: BatchRange,
        pooled: bool,
        out: &mut WorkerOut,
    ) -> Result<()> {
        let t_batch = rec.now();
        let id = Some(b.id);
        let spans = &self.input.index.spans[b.start..b.end];
        let raw_bytes: u64 = spans.iter().map(|s| s.len as u64).sum();
        let o = &self.cfg.overhead;
        if pooled && (o.dispatch_s > 0.0 || o.dispatch_per_kb_s > 0.0) {
            rec.time(Phase::Overhead, id, || {
                let _parent = self.coordinator.lock();
                self.clock.pay(
                    o.dispatch_s + o.dispatch_per_kb_s * raw_bytes as f64 / 1024.0,
                    o.pay,
                );
            });
        }
        let mut raw = rec.time(Phase::Parse, id, || -> Result<Vec<Vec<u8>>> {
            spans
                .iter()
                .map(|s| {
                    let mut buf = Vec::new();
                    self.reader.read(*s, &mut buf)?;
                    Ok(buf)
                })
                .collect()
        })?;
        if o.ipc_copy {
            raw = rec.time(Phase::Overhead, id, || ipc::round_trip(raw))?;
        }
        let batch = rec.time(Phase::Parse, id, || {
            let batch = self.parse_batch(b, raw);
            let work = self.cfg.record_work_s * (b.end - b.start) as f64;
            self.clock.pay(work, super::clock::PayMode::Spin);
            batch
        });
        rec.stats.batches += 1;
        rec.stats.records += (b.end - b.start) as u64;
        out.rows += batch.rows.len() as u64;
        out.quarantined += batch.errors.len() as u64;
        batch.rows.iter().for_each(|r| out.checksum.add(r));
        sink.write(rec, batch)?;
        rec.stats.batch_time_s += rec.now() - t_batch;
        Ok(())
    }

    fn parse_batch(&self, b: BatchRange, raw: Vec<Vec<u8>>) -> ParsedBatch {
        let mut rows = Vec::with_capacity(raw.len());
        let mut errors = Vec::new();
        for (k, xml) in raw.into_iter().enumerate() {
            let position = (b.start + k) as u64;
            match parse_record(&xml) {
                Ok(r) => rows.push((position, r, xml)),
                Err(e) => errors.push(Quarantined {
                    position,
                    app_id: e.app_id,
                    reason: e.reason,
                    xml: String::from_utf8_lossy(&xml).into_owned(),
                }),
            }
        }
        // Claim the batch's app_ids in one go; the first claim wins.
        let mut claimed = self.claimed.lock();
        let rows = rows
            .into_iter()
            .filter_map(|(position, r, xml)| {
                if claimed.insert(r.app_id.clone()) {
                    Some(r)
                } else {
                    errors.push(Quarantined {
                        position,
                        app_id: Some(r.app_id.clone()),
                        reason: format!(
                            "duplicate app_id {} (already stored in this run)",
                            r.app_id
                        ),
                        xml: String::from_utf8_lossy(&xml).into_owned(),
                    });
                    None
                }
            })
            .collect();
        ParsedBatch {
            id: b.id,
            rows,
            errors,
        }
    }

    /// One worker's loop over the batches `next` yields.
    fn work(
        &self,
        rec: &mut Recorder,
        sink: &mut dyn BatchSink,
        pooled: bool,
        mut next: impl FnMut() -> Option<BatchRange>,
    ) -> Result<WorkerOut> {
        let mut out = WorkerOut::default();
        while let Some(b) = next() {
            if self.abort.load(Ordering::Relaxed) {
                break;
            }
            if let Err(e) = self.process(rec, sink, b, pooled, &mut out) {
                self.abort.store(true, Ordering::Relaxed);
                return Err(e);
            }
        }
        Ok(out)
    }
}

/// Runs one ingestion of `input` into a fresh database at `db_path` and
/// verifies it.
pub fn run(input: &Input, db_path: &Path, cfg: &RunConfig) -> Result<RunOutput> {
    cfg.validate()?;
    let db = backend::create(db_path, &cfg.backend)?;
    memory::reset_peak();
    let clock = RealClock::start();
    run_with(input, db.as_ref(), cfg, &clock)
}

/// [`run`] on an existing, empty database with an injected clock.
pub fn run_with(
    input: &Input,
    db: &dyn Database,
    cfg: &RunConfig,
    clock: &dyn Clock,
) -> Result<RunOutput> {
    let shared = Shared {
        cfg,
        input,
        reader: RecordReader::open(&input.path)?,
        clock,
        claimed: Mutex::new(HashSet::with_capacity(input.index.len())),
        coordinator: Mutex::new(()),
        abort: AtomicBool::new(false),
    };
    let counted = CountedDb::new(db);
    let t0 = clock.now();
    let (mut workers, writer, outs, timeline) = if cfg.workers == 1 {
        sequential(&shared, &counted)?
    } else {
        pooled(&shared, &counted)?
    };
    let wall_s = clock.now() - t0;
    let peak_rss_bytes = memory::peak_rss_bytes();

    let mut checksum = Checksum::default();
    let (mut rows, mut quarantined) = (0, 0);
    for o in &outs {
        checksum.merge(o.checksum);
        rows += o.rows;
        quarantined += o.quarantined;
    }
    let readback = counted
        .connect()?
        .read_back()
        .context("reading the database back for verification")?;
    let verification = Verification::check(
        input.index.len() as u64,
        rows,
        quarantined,
        checksum,
        &readback,
    );
    let mut phases = PhaseTimes::default();
    workers.iter().for_each(|w| phases.merge(&w.phases));
    workers.sort_by_key(|w| w.worker);
    let records_in = input.index.len() as u64;
    let records_per_s = if wall_s > 0.0 {
        records_in as f64 / wall_s
    } else {
        0.0
    };
    let result = RunResult {
        config: cfg.clone(),
        simulated: false,
        records_in,
        rows_out: readback.rows,
        quarantined: readback.quarantined,
        input_bytes: input.index.bytes,
        wall_s,
        records_per_s,
        records_per_min: records_per_s * 60.0,
        phases,
        batch_time_sum_s: workers.iter().map(|w| w.batch_time_s).sum(),
        busy_retries: workers.iter().map(|w| w.busy_retries).sum::<u64>()
            + writer.as_ref().map_or(0, |w| w.busy_retries),
        peak_rss_bytes,
        connections_opened: counted.opened.load(Ordering::Relaxed),
        workers,
        writer,
        verification,
        engine_version: db.version(),
    };
    Ok(RunOutput { result, timeline })
}

type Parts = (
    Vec<WorkerStats>,
    Option<WorkerStats>,
    Vec<WorkerOut>,
    Vec<TimelineEvent>,
);

/// What a pool worker reports: its outcome, stats, events and finish time.
type WorkerReport = (Result<WorkerOut>, WorkerStats, Vec<TimelineEvent>, f64);

/// The 1-worker baseline: one thread parses and inserts every batch in
/// order over one connection. No pool, no simulated pool costs, no lock
/// model (there is nobody to arbitrate between).
fn sequential(shared: &Shared, db: &CountedDb) -> Result<Parts> {
    let cfg = shared.cfg;
    let mut rec = Recorder::new(shared.clock, 0, cfg.timeline);
    let mut sink = OwnConnection(rec.time(Phase::Overhead, None, || db.connect())?);
    let mut plan = dynamic_plan(shared.input.index.len(), cfg.batch_size).into_iter();
    let out = shared.work(&mut rec, &mut sink, false, || plan.next())?;
    let (stats, events) = rec.finish();
    Ok((vec![stats], None, vec![out], events))
}

/// N workers on a rayon pool, with the lock model's arbiter and, for the
/// single-writer model, a writer thread.
fn pooled(shared: &Shared, db: &CountedDb) -> Result<Parts> {
    let cfg = shared.cfg;
    let clock = shared.clock;
    let o = &cfg.overhead;
    let n = cfg.workers;
    clock.pay(o.pool_startup_s, o.pay);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(n)
        .thread_name(|i| format!("ingest-worker-{i}"))
        .build()
        .context("starting the worker pool")?;
    let (tx, rx) = crossbeam_channel::bounded::<ParsedBatch>(cfg.queue_depth);
    let arbiter: Box<dyn Arbiter> = match cfg.lock {
        LockModel::Native => Box::new(lock::Native { db }),
        LockModel::GlobalMutex => Box::new(lock::GlobalMutex {
            db,
            lock: Mutex::new(()),
        }),
        LockModel::SharedConnection => Box::new(lock::SharedConnection {
            conn: Mutex::new(db.connect()?),
        }),
        LockModel::SingleWriter => Box::new(lock::SingleWriter { tx: tx.clone() }),
    };
    drop(tx);
    let static_batches = (cfg.schedule == Schedule::Static)
        .then(|| static_plan(shared.input.index.len(), n, cfg.batch_size));
    let dynamic_batches = dynamic_plan(shared.input.index.len(), cfg.batch_size);
    let cursor = AtomicUsize::new(0);
    let results: Mutex<Vec<WorkerReport>> = Mutex::new(Vec::new());

    let writer = std::thread::scope(
        |scope| -> Result<Option<(WorkerStats, Vec<TimelineEvent>, f64)>> {
            let writer = (cfg.lock == LockModel::SingleWriter).then(|| {
                let conn = db.connect();
                scope.spawn(move || -> Result<(WorkerStats, Vec<TimelineEvent>, f64)> {
                    let mut rec = Recorder::new(clock, n as u32, cfg.timeline);
                    let res = conn.and_then(|mut c| lock::run_writer(c.as_mut(), &mut rec, rx));
                    let done = rec.now();
                    let (stats, events) = rec.finish();
                    res.map(|_| (stats, events, done))
                })
            });
            pool.in_place_scope(|s| {
                for w in 0..n {
                    // The coordinator starts workers one after the other.
                    clock.pay(o.worker_startup_s, o.pay);
                    let (arbiter, results, cursor) = (&arbiter, &results, &cursor);
                    let (mine, all) = (static_batches.as_ref().map(|p| &p[w]), &dynamic_batches);
                    s.spawn(move |_| {
                        let mut rec = Recorder::new(clock, w as u32, cfg.timeline);
                        // Everything before this worker's first batch is start-up.
                        let started = rec.now();
                        rec.record(Phase::Overhead, None, 0.0, started);
                        let res = rec.time(Phase::Overhead, None, || arbiter.sink()).and_then(
                            |mut sink| {
                                let mut k = 0;
                                shared.work(&mut rec, sink.as_mut(), true, || match mine {
                                    Some(list) => {
                                        k += 1;
                                        list.get(k - 1).copied()
                                    }
                                    None => {
                                        all.get(cursor.fetch_add(1, Ordering::Relaxed)).copied()
                                    }
                                })
                            },
                        );
                        let done = rec.now();
                        let (stats, events) = rec.finish();
                        results.lock().push((res, stats, events, done));
                    });
                }
            });
            // All workers are done: release the queue so the writer drains it.
            drop(arbiter);
            match writer {
                Some(h) => h
                    .join()
                    .map_err(|_| anyhow::anyhow!("the writer thread panicked"))?
                    .map(Some),
                None => Ok(None),
            }
        },
    );
    let results = results.into_inner();
    if let Some((Err(e), ..)) = results.iter().find(|r| r.0.is_err()) {
        return Err(anyhow::anyhow!("{e:#}"));
    }
    let writer = writer?;
    // The pool ends when the last worker (or the writer) is done; until
    // then a finished worker is idle. Shutdown is overhead for everyone.
    let t_last = results
        .iter()
        .map(|r| r.3)
        .chain(writer.as_ref().map(|w| w.2))
        .fold(0.0, f64::max);
    clock.pay(o.shutdown_s, o.pay);
    let t_end = clock.now();
    let mut stats = Vec::new();
    let mut outs = Vec::new();
    let mut timeline = Vec::new();
    for (res, mut st, mut ev, done) in results {
        let mut rec_idle = |phase: Phase, a: f64, b: f64, st: &mut WorkerStats| {
            st.phases.add(phase, (b - a).max(0.0));
            if cfg.timeline && b > a {
                ev.push(TimelineEvent {
                    worker: st.worker,
                    batch: None,
                    phase,
                    start_s: a,
                    end_s: b,
                });
            }
        };
        rec_idle(Phase::Idle, done, t_last, &mut st);
        rec_idle(Phase::Overhead, t_last, t_end, &mut st);
        timeline.append(&mut ev);
        stats.push(st);
        outs.push(res?);
    }
    let writer = writer.map(|(st, mut ev, _)| {
        timeline.append(&mut ev);
        st
    });
    if stats.len() != n {
        bail!("only {} of {n} workers reported back", stats.len());
    }
    timeline.sort_by(|a, b| {
        (a.worker, a.start_s)
            .partial_cmp(&(b.worker, b.start_s))
            .unwrap_or(std::cmp::Ordering::Equal)
    });
    Ok((stats, writer, outs, timeline))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_shares_are_contiguous_smaller_first() {
        let plan = static_plan(50, 4, 100);
        let sizes: Vec<usize> = plan
            .iter()
            .map(|b| b.iter().map(|r| r.end - r.start).sum())
            .collect();
        assert_eq!(sizes, [12, 12, 13, 13]);
        assert_eq!(plan[1][0].start, 12);
        let plan = static_plan(50, 2, 10);
        assert_eq!(plan[0].len(), 3);
        assert_eq!(
            plan[0][2],
            BatchRange {
                id: 2,
                start: 20,
                end: 25
            }
        );
        assert_eq!(plan[1][0].id, 3);
    }

    #[test]
    fn more_workers_than_records_leaves_some_idle() {
        let plan = static_plan(2, 4, 10);
        assert_eq!(plan.iter().filter(|b| b.is_empty()).count(), 2);
    }

    #[test]
    fn dynamic_plan_covers_every_record_once() {
        let p = dynamic_plan(1001, 100);
        assert_eq!(p.len(), 11);
        assert_eq!(p.last().unwrap().end, 1001);
        assert!(p.windows(2).all(|w| w[0].end == w[1].start));
    }
}
