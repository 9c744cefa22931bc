//! One ingestion run: split the input into batches, hand them to workers
//! (or, with one worker, loop over them on this thread), parse, write through
//! the lock model, resolve held duplicates and build the after-load index,
//! then verify what the database holds against the independent account.

use super::cancel::{Cancel, Interrupted};
use super::clock::{Clock, RealClock};
use super::config::RunConfig;
use super::input::Input;
use super::lock::{CountedDb, OwnConnection};
use super::memory;
use super::plan::dynamic_plan;
use super::recorder::Recorder;
use super::result::{
    Claims, Phase, PhaseTimes, RunResult, TimelineEvent, Verification, WorkerStats,
};
use super::work::{Parts, Shared};
use crate::backend::fault::{Fault, FaultyDb};
use crate::backend::{self, Database, Overwrite};
use anyhow::{Context, Result};
use std::path::Path;
use std::sync::atomic::Ordering;

/// A run's result plus its timeline (empty unless asked for).
#[derive(Debug)]
pub struct RunOutput {
    /// The run's result.
    pub result: RunResult,
    /// Its timeline, when the configuration asked for one.
    pub timeline: Vec<TimelineEvent>,
    /// What the server's connections waited on, sampled during a timeline
    /// run on an engine with a server (PostgreSQL); None otherwise.
    pub server_waits: Option<crate::backend::ServerWaits>,
}

/// What a run gets from its caller besides its configuration.
#[derive(Debug, Clone, Default)]
pub struct Ctx {
    /// Set on Ctrl-C or SIGTERM.
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
        return Err(Interrupted.into());
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
