//! One ingestion run: split the input into batches, hand them to workers
//! (or, with one worker, loop over them on this thread), parse, write through
//! the lock model, resolve held duplicates and build the after-load index,
//! then verify what the database holds against the independent account.

use super::cancel::{Cancel, Interrupted};
use super::clock::{Clock, PayMode, RealClock};
use super::config::RunConfig;
use super::dedup::Dedup;
use super::input::Input;
use super::ipc;
use super::lock::{BatchSink, CountedDb, OwnConnection, ParsedBatch};
use super::memory;
use super::plan::{BatchRange, dynamic_plan};
use super::recorder::Recorder;
use super::result::{
    Claims, Phase, PhaseTimes, RunResult, TimelineEvent, Verification, WorkerStats,
};
use crate::backend::fault::{Fault, FaultyDb};
use crate::backend::{self, Database, IndexPolicy, Overwrite};
use crate::data::Quarantined;
use crate::data::parse::parse_record;
use crate::data::split::RecordReader;
use anyhow::{Context, Result};
use parking_lot::Mutex;
use std::ops::Range;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};

/// A run's result plus its timeline (empty unless asked for).
#[derive(Debug)]
pub struct RunOutput {
    pub result: RunResult,
    pub timeline: Vec<TimelineEvent>,
    /// What the server's connections waited on, sampled during a timeline
    /// run on an engine with a server (PostgreSQL); None otherwise.
    pub server_waits: Option<crate::backend::ServerWaits>,
}

/// What all threads of a run share.
pub(super) struct Shared<'a> {
    pub cfg: &'a RunConfig,
    pub input: &'a Input,
    pub reader: RecordReader,
    pub clock: &'a dyn Clock,
    pub cancel: &'a Cancel,
    pub dedup: Dedup<'a>,
    /// Held while paying a batch's dispatch cost: a pool's parent process
    /// pickles tasks one at a time.
    pub coordinator: Mutex<()>,
    /// Set when a thread fails, so the others stop early.
    pub abort: AtomicBool,
    /// The origin of every thread's account: the run's start.
    pub t0: f64,
    /// The id of the final batch (after every planned one).
    pub final_id: u32,
}

/// What one thread reports about its writes, for the verification.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct WorkerOut {
    pub rows: u64,
    pub quarantined: u64,
}

impl std::ops::AddAssign for WorkerOut {
    fn add_assign(&mut self, o: WorkerOut) {
        self.rows += o.rows;
        self.quarantined += o.quarantined;
    }
}

/// The threads' accounts at the end of a run.
pub(super) struct Parts {
    pub workers: Vec<WorkerStats>,
    pub writer: Option<WorkerStats>,
    pub outs: Vec<WorkerOut>,
    pub timeline: Vec<TimelineEvent>,
    pub t_end: f64,
}

impl<'a> Shared<'a> {
    fn new(
        cfg: &'a RunConfig,
        input: &'a Input,
        clock: &'a dyn Clock,
        cancel: &'a Cancel,
    ) -> Result<Self> {
        Ok(Shared {
            cfg,
            input,
            reader: RecordReader::open(&input.path)?,
            clock,
            cancel,
            dedup: Dedup::new(input),
            coordinator: Mutex::new(()),
            abort: AtomicBool::new(false),
            t0: clock.now(),
            final_id: input.len().div_ceil(cfg.batch_size) as u32,
        })
    }

    /// True when this thread should stop taking batches.
    pub fn stopped(&self) -> bool {
        self.abort.load(Ordering::Relaxed) || self.cancel.is_set()
    }

    /// Pays one batch's dispatch cost, one batch at a time.
    fn dispatch(&self, rec: &mut Recorder, b: BatchRange) {
        let o = &self.cfg.overhead;
        if o.dispatch_s <= 0.0 && o.dispatch_per_kb_s <= 0.0 {
            return;
        }
        let spans = &self.input.index.spans[b.start..b.end];
        let kb = spans.iter().map(|s| s.len as f64).sum::<f64>() / 1024.0;
        {
            let _parent = self.coordinator.lock();
            self.clock
                .pay(o.dispatch_s + o.dispatch_per_kb_s * kb, o.pay);
        }
        rec.book(Phase::Overhead, Some(b.id));
    }

    /// Reads, parses and writes one batch; `pooled` adds the pool's costs.
    fn process(
        &self,
        rec: &mut Recorder,
        sink: &mut dyn BatchSink,
        b: BatchRange,
        pooled: bool,
        buf: &mut Vec<u8>,
    ) -> Result<WorkerOut> {
        let t_batch = rec.mark();
        let id = Some(b.id);
        if pooled {
            self.dispatch(rec, b);
        }
        let spans = &self.input.index.spans[b.start..b.end];
        let mut ranges = self.reader.read_run(spans, buf)?;
        if self.cfg.overhead.ipc_copy {
            rec.book(Phase::Parse, id);
            let (copy, r) = ipc::round_trip(buf, &ranges)?;
            (*buf, ranges) = (copy, r);
            rec.book(Phase::Overhead, id);
        }
        let batch = self.parse_batch(b, buf, ranges);
        self.clock
            .pay(self.cfg.record_work_s * b.len() as f64, PayMode::Spin);
        rec.book(Phase::Parse, id);
        rec.stats.batches += 1;
        rec.stats.records += b.len() as u64;
        let out = WorkerOut {
            rows: batch.rows.len() as u64,
            quarantined: batch.errors.len() as u64,
        };
        sink.write(rec, batch)?;
        rec.stats.batch_time_s += rec.mark() - t_batch;
        Ok(out)
    }

    fn parse_batch(&self, b: BatchRange, buf: &[u8], ranges: Vec<Range<usize>>) -> ParsedBatch {
        let mut rows = Vec::with_capacity(ranges.len());
        let mut errors = Vec::new();
        for (k, r) in ranges.into_iter().enumerate() {
            let position = (b.start + k) as u64;
            let xml = &buf[r];
            match parse_record(xml) {
                Ok(row) => rows.push((position, row)),
                Err(e) => errors.push(Quarantined {
                    position,
                    app_id: e.app_id,
                    reason: e.reason,
                    xml: String::from_utf8_lossy(xml).into_owned(),
                }),
            }
        }
        ParsedBatch {
            id: b.id,
            rows: self.dedup.admit(rows),
            errors,
            delete: Vec::new(),
        }
    }

    /// One thread's loop over the batches `next` yields.
    pub fn work(
        &self,
        rec: &mut Recorder,
        sink: &mut dyn BatchSink,
        pooled: bool,
        mut next: impl FnMut() -> Option<BatchRange>,
    ) -> Result<WorkerOut> {
        let mut out = WorkerOut::default();
        let mut buf = Vec::new();
        while let Some(b) = next() {
            if self.stopped() {
                break;
            }
            match self.process(rec, sink, b, pooled, &mut buf) {
                Ok(o) => out += o,
                Err(e) => {
                    self.abort.store(true, Ordering::Relaxed);
                    return Err(e);
                }
            }
        }
        if self.cancel.is_set() {
            return Err(Interrupted.into());
        }
        Ok(out)
    }

    /// After every batch: the held duplicates resolved in file order and
    /// written as one final batch, then the after-load index. Done by the
    /// thread that finishes last, through its own sink.
    pub fn finalize(&self, rec: &mut Recorder, sink: &mut dyn BatchSink) -> Result<WorkerOut> {
        let res = self.dedup.resolve(&self.reader)?;
        rec.book(Phase::Parse, Some(self.final_id));
        let out = WorkerOut {
            rows: (res.rows.len() - res.delete.len().min(res.rows.len())) as u64,
            quarantined: res.errors.len() as u64,
        };
        if !(res.rows.is_empty() && res.errors.is_empty()) {
            sink.write(
                rec,
                ParsedBatch {
                    id: self.final_id,
                    rows: res.rows,
                    errors: res.errors,
                    delete: res.delete,
                },
            )?;
        }
        if self.cfg.backend.index == IndexPolicy::AfterLoad {
            sink.build_index(rec)?;
        }
        Ok(out)
    }
}

/// What a run gets from its caller besides its configuration.
#[derive(Debug, Clone, Default)]
pub struct Ctx {
    pub cancel: Cancel,
    /// A fault to inject (tests and the hidden `--inject-fault`).
    pub fault: Option<Fault>,
}

/// Runs one ingestion of `input` into a fresh database at `db_path` and
/// verifies it. `db_path` may hold a database ingestlab created (it is
/// replaced), but nothing else.
pub fn run(input: &Input, db_path: &Path, cfg: &RunConfig, ctx: &Ctx) -> Result<RunOutput> {
    cfg.validate()?;
    backend::prepare_db_path(
        db_path,
        "the database path",
        Overwrite::Refuse,
        &[&input.path],
    )?;
    let mut db = backend::create(db_path, &cfg.backend)?;
    if let Some(f) = ctx.fault {
        db = Box::new(FaultyDb::new(db, f));
    }
    memory::reset_peak();
    let clock = RealClock::interruptible(ctx.cancel.clone());
    let out = run_with(input, db.as_ref(), cfg, &clock, &ctx.cancel)?;
    // An interrupt during the last batch or the verification: the run is
    // not finished, whatever it returned.
    if ctx.cancel.is_set() {
        return Err(super::Interrupted.into());
    }
    Ok(out)
}

/// [`run`] on an existing, empty database with an injected clock.
pub fn run_with(
    input: &Input,
    db: &dyn Database,
    cfg: &RunConfig,
    clock: &dyn Clock,
    cancel: &Cancel,
) -> Result<RunOutput> {
    let shared = Shared::new(cfg, input, clock, cancel)?;
    let counted = CountedDb::new(db);
    // Sampling the server costs it a query every few ms: only in the
    // unmeasured timeline run.
    let sampler = if cfg.timeline {
        db.sample_waits()?
    } else {
        None
    };
    let parts = if cfg.workers == 1 {
        sequential(&shared, &counted)?
    } else {
        super::pool::run(&shared, &counted)?
    };
    let server_waits = sampler.map(|s| s.finish()).transpose()?;
    let wall_s = parts.t_end - shared.t0;
    let peak_rss_bytes = memory::peak_rss_bytes();
    let readback = db
        .connect()?
        .read_back()
        .context("reading the database back for verification")?;
    let mut claims = Claims::default();
    for o in &parts.outs {
        claims.rows += o.rows;
        claims.quarantined += o.quarantined;
    }
    let verification =
        Verification::check(input.len() as u64, claims, input.expected()?, &readback);
    let result = assemble(
        input,
        cfg,
        db,
        &counted,
        parts.workers,
        parts.writer,
        wall_s,
        peak_rss_bytes,
        verification,
    );
    Ok(RunOutput {
        result,
        timeline: parts.timeline,
        server_waits,
    })
}

#[allow(clippy::too_many_arguments)]
fn assemble(
    input: &Input,
    cfg: &RunConfig,
    db: &dyn Database,
    counted: &CountedDb,
    mut workers: Vec<WorkerStats>,
    writer: Option<WorkerStats>,
    wall_s: f64,
    peak_rss_bytes: u64,
    verification: Verification,
) -> RunResult {
    let mut phases = PhaseTimes::default();
    workers.iter().for_each(|w| phases.merge(&w.phases));
    workers.sort_by_key(|w| w.worker);
    let records_in = input.len() as u64;
    let records_per_s = if wall_s > 0.0 {
        records_in as f64 / wall_s
    } else {
        0.0
    };
    RunResult {
        config: cfg.clone(),
        simulated: false,
        records_in,
        rows_out: verification.rows_out,
        quarantined: verification.quarantined,
        input_bytes: input.index.bytes,
        wall_s,
        records_per_s,
        records_per_min: records_per_s * 60.0,
        phases,
        threads: workers.len() + usize::from(writer.is_some()),
        batch_time_sum_s: workers.iter().map(|w| w.batch_time_s).sum(),
        busy_retries: workers.iter().map(|w| w.busy_retries).sum::<u64>()
            + writer.as_ref().map_or(0, |w| w.busy_retries),
        peak_rss_bytes,
        connections_opened: counted.opened.load(Ordering::Relaxed),
        workers,
        writer,
        verification,
        engine_version: db.version(),
    }
}

/// The 1-worker baseline: one thread parses and inserts every batch in
/// order over one connection. No pool, no simulated pool costs, no lock
/// model (there is nobody to arbitrate between).
fn sequential(shared: &Shared, db: &CountedDb) -> Result<Parts> {
    let cfg = shared.cfg;
    let mut rec = Recorder::new(shared.clock, 0, cfg.timeline, shared.t0);
    let conn = db.connect();
    rec.book(Phase::Overhead, None);
    let mut sink = OwnConnection(conn?);
    let mut plan = dynamic_plan(shared.input.len(), cfg.batch_size).into_iter();
    let mut out = shared.work(&mut rec, &mut sink, false, || plan.next())?;
    out += shared.finalize(&mut rec, &mut sink)?;
    // Closing the last connection checkpoints SQLite's WAL: engine work.
    drop(sink);
    let t_end = rec.book(Phase::Overhead, None);
    let (stats, timeline) = rec.finish();
    Ok(Parts {
        workers: vec![stats],
        writer: None,
        outs: vec![out],
        timeline,
        t_end,
    })
}
