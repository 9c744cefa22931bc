//! A discrete-event simulation of one ingestion run in virtual time: the
//! same plan of batches, schedule, lock model, pool overhead and number of
//! cores as a measured run, with costs from the calibrated [`CostModel`].
//! It produces the same [`RunResult`] (marked simulated) and timeline.
//!
//! Resources are FIFO queues: the cores (a counting resource: parsing and
//! inserting need one, sleeping pool costs do not), the write lock
//! (SQLite's engine lock, a global mutex or a shared connection), the pool
//! coordinator (dispatch is paid one batch at a time), and the single
//! writer's bounded queue. DuckDB's native writers share the table and slow
//! each other by the calibrated second-writer factor; and every worker's
//! CPU work is slowed by the calibrated busy-core factor for each other
//! core the run keeps busy.

use super::model::{CostModel, WriteCost};
use super::queue::{Ev, Resource};
use super::result::{SimData, mean, simulated_result};
use crate::backend::Engine;
use crate::run::config::{LockModel, RunConfig, Schedule};
use crate::run::ingest::RunOutput;
use crate::run::plan::{BatchRange, dynamic_plan, static_plan};
use crate::run::result::{Phase, TimelineEvent, WorkerStats};
use anyhow::Result;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::collections::{BinaryHeap, VecDeque};

#[derive(Clone, Copy, PartialEq, Debug)]
enum Stage {
    Start,
    NextBatch,
    Dispatch,
    DispatchDone,
    Parse,
    ParseDone,
    Write,
    InsertCore,
    InsertDone,
    Done,
    /// The single writer, looking for a batch.
    WriterTake,
    WriterDone,
}

struct Entity {
    stage: Stage,
    /// When the current request began (for wait accounting).
    since: f64,
    batch: Option<BatchRange>,
    batch_start: f64,
    /// When the write lock was granted (start of the insert phase).
    insert_start: f64,
    next_static: usize,
    stats: WorkerStats,
    events: Vec<TimelineEvent>,
    done_at: f64,
    /// Rows of the batch being written by the writer.
    writer_rows: u64,
}

struct Sim<'a> {
    cfg: &'a RunConfig,
    write: &'a WriteCost,
    model: &'a CostModel,
    data: &'a SimData<'a>,
    rng: ChaCha8Rng,
    heap: BinaryHeap<Ev>,
    ents: Vec<Entity>,
    cores: Resource,
    lock: Resource,
    coordinator: Resource,
    /// Single-writer queue: rows of queued batches; senders blocked on it.
    queue: VecDeque<u64>,
    blocked_senders: VecDeque<usize>,
    writer_idle: bool,
    plans: Option<Vec<Vec<BatchRange>>>,
    all: Vec<BatchRange>,
    cursor: usize,
    active_writes: Vec<f64>,
    /// How much longer CPU work takes with the run's other busy cores.
    busy: f64,
    /// Mean record size of the data, for the per-KB dispatch cost.
    mean_kb: f64,
    workers_left: usize,
    events: u64,
}

impl Sim<'_> {
    fn record(&mut self, e: usize, phase: Phase, batch: Option<u32>, a: f64, b: f64) {
        let ent = &mut self.ents[e];
        ent.stats.phases.add(phase, (b - a).max(0.0));
        if self.cfg.timeline && b > a {
            ent.events.push(TimelineEvent {
                worker: e as u32,
                batch,
                phase,
                start_s: a,
                end_s: b,
            });
        }
    }

    fn at(&mut self, t: f64, e: usize, stage: Stage) {
        self.ents[e].stage = stage;
        self.heap.push(Ev(t, e));
    }

    fn pooled(&self) -> bool {
        self.cfg.workers > 1
    }

    fn exclusive(&self) -> bool {
        self.pooled()
            && match self.cfg.lock {
                LockModel::Native => self.write.engine == Engine::Sqlite,
                LockModel::GlobalMutex | LockModel::SharedConnection => true,
                LockModel::SingleWriter => false,
            }
    }

    fn parse_cost(&mut self, b: BatchRange) -> f64 {
        let p = &self.model.parse;
        let mut total = 0.0;
        for _ in b.start..b.end {
            let kb = self.data.sizes_kb[self.rng.random_range(0..self.data.sizes_kb.len())];
            let u: f64 = self.rng.random::<f64>() * (p.noise.len() - 1) as f64;
            let k = (u.floor() as usize).min(p.noise.len() - 2);
            let noise = p.noise[k] + (p.noise[k + 1] - p.noise[k]) * (u - k as f64);
            total += (p.base_s + p.per_kb_s * kb) * noise + self.write.per_record_s;
        }
        // The per-record work spins for its time whatever the other cores
        // do: it is not slowed.
        total * self.busy + self.cfg.record_work_s * (b.end - b.start) as f64
    }

    fn insert_cost(&mut self, rows: u64, t: f64) -> f64 {
        let base = self.write.batch_s(rows as f64);
        // DuckDB's native writers share the table: each concurrent writer
        // slows the others by the calibrated factor.
        if self.pooled() && self.cfg.lock == LockModel::Native && !self.exclusive() {
            self.active_writes.retain(|&end| end > t);
            let k = self.active_writes.len() as f64;
            // The second-writer factor was measured with both writers on
            // their own cores: it holds the busy core's cost already.
            base * (1.0 + (self.write.second_writer_factor - 1.0) * k).max(self.busy)
        } else {
            base * self.busy
        }
    }

    fn next_batch(&mut self, e: usize) -> Option<BatchRange> {
        match &self.plans {
            Some(p) => {
                let b = p[e].get(self.ents[e].next_static).copied();
                self.ents[e].next_static += 1;
                b
            }
            None => {
                let b = self.all.get(self.cursor).copied();
                self.cursor += 1;
                b
            }
        }
    }

    /// Handles entity `e`'s event at `t`: one function per stage.
    fn step(&mut self, t: f64, e: usize) {
        self.events += 1;
        match self.ents[e].stage {
            Stage::Start => self.on_start(e, t),
            Stage::NextBatch => self.on_next_batch(e, t),
            Stage::Dispatch => {
                self.ents[e].stage = Stage::DispatchDone;
                if self.coordinator.acquire(e) {
                    self.granted_dispatch(e, t);
                }
            }
            Stage::DispatchDone => self.on_dispatch_done(e, t),
            Stage::Parse => self.request_core(e, t, Stage::ParseDone),
            Stage::ParseDone => self.on_parse_done(e, t),
            Stage::Write => self.write_request(e, t),
            Stage::InsertCore => self.request_core(e, t, Stage::InsertDone),
            Stage::InsertDone => self.on_insert_done(e, t),
            Stage::WriterTake => self.on_writer_take(e, t),
            Stage::WriterDone => self.on_writer_done(e, t),
            Stage::Done => {}
        }
    }

    /// A worker starts: start-up so far, then its connection.
    fn on_start(&mut self, e: usize, t: f64) {
        self.record(e, Phase::Overhead, None, 0.0, t);
        let connect = if self.cfg.lock == LockModel::SingleWriter && self.pooled() {
            0.0
        } else {
            self.write.connect_s + self.write.per_connection_s
        };
        self.record(e, Phase::Overhead, None, t, t + connect);
        self.at(t + connect, e, Stage::NextBatch);
    }

    fn on_next_batch(&mut self, e: usize, t: f64) {
        let Some(b) = self.next_batch(e) else {
            self.ents[e].stage = Stage::Done;
            self.ents[e].done_at = t;
            self.workers_left -= 1;
            if self.workers_left == 0 && self.writer_idle {
                self.wake_writer(t);
            }
            return;
        };
        let ent = &mut self.ents[e];
        ent.batch = Some(b);
        ent.batch_start = t;
        ent.since = t;
        ent.stats.batches += 1;
        ent.stats.records += (b.end - b.start) as u64;
        let o = &self.cfg.overhead;
        let dispatch = self.pooled() && (o.dispatch_s > 0.0 || o.dispatch_per_kb_s > 0.0);
        self.at(
            t,
            e,
            if dispatch {
                Stage::Dispatch
            } else {
                Stage::Parse
            },
        );
    }

    fn on_dispatch_done(&mut self, e: usize, t: f64) {
        if let Some(w) = self.coordinator.release() {
            self.granted_dispatch(w, t);
        }
        let (since, b) = (self.ents[e].since, self.ents[e].batch.map(|b| b.id));
        self.record(e, Phase::Overhead, b, since, t);
        self.ents[e].since = t;
        self.at(t, e, Stage::Parse);
    }

    /// Asks for a core; the work ends in stage `then` once granted.
    fn request_core(&mut self, e: usize, t: f64, then: Stage) {
        self.ents[e].stage = then;
        // The single writer sleeps until a batch arrives, and the kernel
        // favours a thread waking from sleep over the parsers, which never
        // sleep: it runs as soon as a core frees, not after every parser
        // in line. (Served last, a batch of 1,000 rows waited a parse or
        // two, and 4 workers with a single writer on 2 cores came out
        // 13–21% slow.)
        let granted = if then == Stage::WriterDone {
            self.cores.acquire_first(e)
        } else {
            self.cores.acquire(e)
        };
        if granted {
            self.granted_core(e, t);
        }
    }

    fn on_parse_done(&mut self, e: usize, t: f64) {
        self.release_core(t);
        let (since, batch) = (self.ents[e].since, self.ents[e].batch);
        let b = batch.map(|b| b.id);
        // The per-record work closes the stage, as it closes a real batch.
        let work = batch.map_or(0.0, |b| self.cfg.record_work_s * b.len() as f64);
        let parsed = (t - work).max(since);
        self.record(e, Phase::Parse, b, since, parsed);
        self.record(e, Phase::Work, b, parsed, t);
        self.ents[e].since = t;
        self.at(t, e, Stage::Write);
    }

    fn on_insert_done(&mut self, e: usize, t: f64) {
        self.release_core(t);
        if self.exclusive()
            && let Some(w) = self.lock.release()
        {
            self.granted_lock(w, t);
        }
        let (start, b) = (self.ents[e].insert_start, self.ents[e].batch.map(|b| b.id));
        self.record(e, Phase::Insert, b, start, t);
        let ent = &mut self.ents[e];
        ent.stats.batch_time_s += t - ent.batch_start;
        self.at(t, e, Stage::NextBatch);
    }

    /// The single writer looks for a queued batch.
    fn on_writer_take(&mut self, e: usize, t: f64) {
        let Some(rows) = self.queue.pop_front() else {
            if self.workers_left == 0 {
                self.ents[e].stage = Stage::Done;
                self.ents[e].done_at = t;
            } else {
                self.writer_idle = true;
            }
            return;
        };
        // A blocked sender's batch enters the queue now.
        if let Some(s) = self.blocked_senders.pop_front() {
            self.enqueue(s, t);
        }
        let since = self.ents[e].since;
        self.record(e, Phase::Idle, None, since, t);
        let ent = &mut self.ents[e];
        ent.writer_rows = rows;
        ent.insert_start = t;
        ent.stats.batches += 1;
        ent.stats.records += rows;
        self.request_core(e, t, Stage::WriterDone);
    }

    fn on_writer_done(&mut self, e: usize, t: f64) {
        self.release_core(t);
        let start = self.ents[e].insert_start;
        self.record(e, Phase::Insert, None, start, t);
        self.ents[e].since = t;
        self.at(t, e, Stage::WriterTake);
    }

    fn granted_dispatch(&mut self, e: usize, t: f64) {
        let o = &self.cfg.overhead;
        let b = self.ents[e].batch.expect("dispatching a batch");
        let kb = (b.end - b.start) as f64 * self.mean_kb;
        let d = o.dispatch_s + o.dispatch_per_kb_s * kb;
        self.heap.push(Ev(t + d, e));
    }

    /// A core was granted at `t`: the entity's CPU work ends after its cost.
    fn granted_core(&mut self, e: usize, t: f64) {
        let d = match self.ents[e].stage {
            Stage::ParseDone => {
                let b = self.ents[e].batch.expect("parsing a batch");
                self.parse_cost(b)
            }
            Stage::InsertDone => {
                let b = self.ents[e].batch.expect("writing a batch");
                let rows =
                    ((b.end - b.start) as f64 * (1.0 - self.data.bad_fraction)).round() as u64;
                let d = self.insert_cost(rows, t);
                self.active_writes.push(t + d);
                d
            }
            Stage::WriterDone => {
                let rows = self.ents[e].writer_rows;
                self.insert_cost(rows, t)
            }
            s => unreachable!("core granted in stage {s:?}"),
        };
        self.heap.push(Ev(t + d, e));
    }

    fn release_core(&mut self, t: f64) {
        if let Some(w) = self.cores.release() {
            self.granted_core(w, t);
        }
    }

    fn granted_lock(&mut self, e: usize, t: f64) {
        let (since, b) = (self.ents[e].since, self.ents[e].batch.map(|b| b.id));
        self.record(e, Phase::Wait, b, since, t);
        if self.write.engine == Engine::Sqlite && self.cfg.lock == LockModel::Native {
            // SQLite retries BEGIN IMMEDIATE with naps of up to 2 ms.
            self.ents[e].stats.busy_retries += ((t - since) / 0.002).ceil() as u64;
        }
        self.ents[e].insert_start = t;
        self.at(t, e, Stage::InsertCore);
    }

    fn write_request(&mut self, e: usize, t: f64) {
        if self.pooled() && self.cfg.lock == LockModel::SingleWriter {
            if self.queue.len() < self.cfg.queue_depth {
                self.enqueue(e, t);
            } else {
                self.blocked_senders.push_back(e);
            }
            return;
        }
        if self.exclusive() {
            self.ents[e].stage = Stage::InsertCore;
            if self.lock.acquire(e) {
                self.granted_lock(e, t);
            }
        } else {
            self.ents[e].insert_start = t;
            self.at(t, e, Stage::InsertCore);
        }
    }

    /// Puts entity `e`'s parsed batch on the writer's queue at `t`.
    fn enqueue(&mut self, e: usize, t: f64) {
        let b = self.ents[e].batch.expect("sending a batch");
        let rows = ((b.end - b.start) as f64 * (1.0 - self.data.bad_fraction)).round() as u64;
        self.queue.push_back(rows);
        let since = self.ents[e].since;
        self.record(e, Phase::Wait, Some(b.id), since, t);
        let ent = &mut self.ents[e];
        ent.stats.batch_time_s += t - ent.batch_start;
        self.at(t, e, Stage::NextBatch);
        if self.writer_idle {
            self.wake_writer(t);
        }
    }

    fn wake_writer(&mut self, t: f64) {
        self.writer_idle = false;
        let w = self.cfg.workers;
        self.at(t, w, Stage::WriterTake);
    }
}

impl<'a> Sim<'a> {
    fn new(
        cfg: &'a RunConfig,
        data: &'a SimData<'a>,
        model: &'a CostModel,
        cores: usize,
        seed: u64,
    ) -> Result<Self> {
        let write = model.write(cfg.backend.engine, cfg.backend.method)?;
        let (n, records) = (cfg.workers, data.records as usize);
        let pooled = n > 1;
        let single_writer = pooled && cfg.lock == LockModel::SingleWriter;
        // The cores the run keeps busy: its threads (the workers and the
        // single writer), up to the cores.
        let others = (n + usize::from(single_writer)).min(cores.max(1)) - 1;
        let entity = |w: usize| Entity {
            stage: if w < n {
                Stage::Start
            } else {
                Stage::WriterTake
            },
            since: 0.0,
            batch: None,
            batch_start: 0.0,
            insert_start: 0.0,
            next_static: 0,
            stats: WorkerStats {
                worker: w as u32,
                ..Default::default()
            },
            events: Vec::new(),
            done_at: 0.0,
            writer_rows: 0,
        };
        Ok(Sim {
            cfg,
            write,
            model,
            data,
            rng: ChaCha8Rng::seed_from_u64(seed),
            heap: BinaryHeap::new(),
            ents: (0..n + usize::from(single_writer)).map(entity).collect(),
            cores: Resource::new(cores.max(1)),
            lock: Resource::new(1),
            coordinator: Resource::new(1),
            queue: VecDeque::new(),
            blocked_senders: VecDeque::new(),
            writer_idle: false,
            plans: (pooled && cfg.schedule == Schedule::Static)
                .then(|| static_plan(records, n, cfg.batch_size)),
            all: dynamic_plan(records, cfg.batch_size),
            cursor: 0,
            active_writes: Vec::new(),
            busy: 1.0 + (write.busy_core_factor - 1.0) * others as f64,
            mean_kb: mean(data.sizes_kb),
            workers_left: n,
            events: 0,
        })
    }

    /// Every worker's start (after the pool's and the earlier workers'
    /// start-ups) and the single writer's.
    fn start(&mut self) {
        let (o, n) = (&self.cfg.overhead, self.cfg.workers);
        for w in 0..n {
            let start = if self.pooled() {
                o.pool_startup_s + (w + 1) as f64 * o.worker_startup_s
            } else {
                0.0
            };
            self.heap.push(Ev(start, w));
        }
        if self.ents.len() > n {
            self.heap.push(Ev(o.pool_startup_s, n));
            self.ents[n].since = o.pool_startup_s;
        }
    }

    /// Books every worker idle until the last is done, and the close and
    /// the shutdown as overhead; returns the workers, the writer and the
    /// timeline.
    fn close_out(
        self,
        t_last: f64,
        t_end: f64,
    ) -> (
        Vec<WorkerStats>,
        Option<WorkerStats>,
        Vec<TimelineEvent>,
        u64,
    ) {
        let (n, pooled, timeline_on) = (self.cfg.workers, self.pooled(), self.cfg.timeline);
        let (mut workers, mut timeline, mut writer) = (Vec::new(), Vec::new(), None);
        for (i, mut ent) in self.ents.into_iter().enumerate() {
            if i < n {
                let idle = if pooled { t_last - ent.done_at } else { 0.0 };
                ent.stats.phases.add(Phase::Idle, idle);
                ent.stats.phases.add(Phase::Overhead, t_end - t_last);
                if timeline_on {
                    for (phase, a, b) in [
                        (Phase::Idle, t_last - idle, t_last),
                        (Phase::Overhead, t_last, t_end),
                    ] {
                        if b <= a {
                            continue;
                        }
                        ent.events.push(TimelineEvent {
                            worker: i as u32,
                            batch: None,
                            phase,
                            start_s: a,
                            end_s: b,
                        });
                    }
                }
            }
            timeline.append(&mut ent.events);
            if i < n {
                workers.push(ent.stats);
            } else {
                writer = Some(ent.stats);
            }
        }
        (workers, writer, timeline, self.events)
    }
}

/// Simulates one run of `cfg` on `data` with `cores` cores. Deterministic
/// for a given seed. Returns the run and the number of events processed.
pub fn simulate(
    cfg: &RunConfig,
    data: &SimData,
    model: &CostModel,
    cores: usize,
    seed: u64,
) -> Result<(RunOutput, u64)> {
    cfg.validate()?;
    anyhow::ensure!(
        !data.sizes_kb.is_empty(),
        "no record sizes to simulate with"
    );
    let mut sim = Sim::new(cfg, data, model, cores, seed)?;
    sim.start();
    while let Some(Ev(t, e)) = sim.heap.pop() {
        sim.step(t, e);
    }
    let t_last = sim.ents.iter().map(|e| e.done_at).fold(0.0, f64::max);
    // The database's close (SQLite's WAL checkpoint) once every worker is
    // done, then the pool's shutdown.
    let rows = data.records - (data.records as f64 * data.bad_fraction).round() as u64;
    let close = sim.write.close_s(rows as f64);
    let t_end = if cfg.workers > 1 {
        t_last + close + cfg.overhead.shutdown_s
    } else {
        t_last + close
    };
    let (workers, writer, timeline, events) = sim.close_out(t_last, t_end);
    let result = simulated_result(cfg, data, workers, writer, t_end);
    Ok((
        RunOutput {
            result,
            timeline,
            server_waits: None,
        },
        events,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::BackendOptions;
    use crate::run::config::Preset;
    use crate::run::result::RunResult;
    use crate::sim::model::test_model;

    fn run(cfg: RunConfig, records: u64, cores: usize) -> RunResult {
        let sizes = [2.0];
        let data = SimData {
            records,
            sizes_kb: &sizes,
            bad_fraction: 0.0,
        };
        simulate(&cfg, &data, &test_model(), cores, 1)
            .unwrap()
            .0
            .result
    }

    fn cfg(workers: usize, lock: LockModel, engine: Engine) -> RunConfig {
        RunConfig {
            workers,
            lock,
            batch_size: 100,
            backend: BackendOptions {
                engine,
                ..Default::default()
            },
            ..Default::default()
        }
    }

    #[test]
    fn per_record_work_is_its_own_phase_in_a_simulated_run() {
        let plain = run(cfg(2, LockModel::Native, Engine::Sqlite), 1000, 2);
        let mut c = cfg(2, LockModel::Native, Engine::Sqlite);
        c.record_work_s = 1e-3;
        let worked = run(c, 1000, 2);
        assert_eq!(plain.phases.work_s, 0.0);
        // 1,000 records × 1 ms, whichever worker paid it.
        assert!(
            (worked.phases.work_s - 1.0).abs() < 1e-9,
            "{:?}",
            worked.phases
        );
        assert!(
            (worked.phases.parse_s - plain.phases.parse_s).abs() < 0.05 * plain.phases.parse_s,
            "parse keeps its own cost: {:?} vs {:?}",
            worked.phases,
            plain.phases
        );
    }

    #[test]
    fn sequential_time_is_the_sum_of_costs() {
        // 1000 records: parse 20 µs each, 10 batches × (1 ms + 100 × 20 µs) + connect.
        let r = run(cfg(1, LockModel::Native, Engine::Sqlite), 1000, 2);
        let expect = 1000.0 * 20e-6 + 10.0 * (1e-3 + 100.0 * 20e-6) + 1e-4;
        assert!((r.wall_s - expect).abs() < 1e-9, "{} vs {expect}", r.wall_s);
        // A simulated run stores nothing: it is marked as such, and its
        // version string says so wherever it is shown.
        assert!(r.simulated && r.engine_version.ends_with("(simulated)"));
        assert_eq!(r.workers[0].batches, 10);
    }

    #[test]
    fn read_and_connection_costs_add_where_they_are_paid() {
        let mut model = test_model();
        for w in &mut model.writes {
            w.per_record_s = 5e-6;
            w.per_connection_s = 2e-3;
        }
        let sizes = [2.0];
        let data = SimData {
            records: 1000,
            sizes_kb: &sizes,
            bad_fraction: 0.0,
        };
        let wall = |c: RunConfig, cores| {
            simulate(&c, &data, &model, cores, 1)
                .unwrap()
                .0
                .result
                .wall_s
        };
        // One worker: every record's read cost and one connection's, serially.
        let one = wall(cfg(1, LockModel::Native, Engine::Duckdb), 2);
        let expect = 1000.0 * (20e-6 + 5e-6) + 10.0 * (1e-3 + 100.0 * 20e-6) + 1e-4 + 2e-3;
        assert!((one - expect).abs() < 1e-9, "{one} vs {expect}");
        // Two DuckDB workers on two cores (factor 1.3 when both write):
        // the connections open in parallel, so the fixed cost is paid once
        // on the critical path, and the reads split between the workers.
        let two = wall(cfg(2, LockModel::Native, Engine::Duckdb), 2);
        assert!(two > 2e-3 + 500.0 * 25e-6 && two < one, "{two}");
    }

    /// Every worker's parse and write take the busy-core factor longer
    /// for each other core the run keeps busy: exactly 1.5× the CPU time
    /// with two workers on two cores (a global mutex, so the second-writer
    /// factor has no part), none on one core, where nothing runs beside
    /// it; the per-record work spins for its time and is not slowed.
    #[test]
    fn a_busy_core_slows_the_cpu_work_of_the_others() {
        let mut busy = test_model();
        for w in &mut busy.writes {
            w.busy_core_factor = 1.5;
        }
        let sizes = [2.0];
        let data = SimData {
            records: 1000,
            sizes_kb: &sizes,
            bad_fraction: 0.0,
        };
        let phases = |m: &CostModel, workers, cores| {
            let mut c = cfg(workers, LockModel::GlobalMutex, Engine::Duckdb);
            c.record_work_s = 1e-4;
            simulate(&c, &data, m, cores, 1).unwrap().0.result.phases
        };
        let cpu = |p: &crate::run::result::PhaseTimes| p.parse_s + p.insert_s;
        let (plain, slowed) = (phases(&test_model(), 2, 2), phases(&busy, 2, 2));
        assert!(
            (cpu(&slowed) - 1.5 * cpu(&plain)).abs() < 1e-9,
            "{slowed:?} vs {plain:?}"
        );
        assert!((slowed.work_s - plain.work_s).abs() < 1e-9);
        let (plain, slowed) = (phases(&test_model(), 2, 1), phases(&busy, 2, 1));
        assert!((cpu(&slowed) - cpu(&plain)).abs() < 1e-9, "one core");
        let (plain, slowed) = (phases(&test_model(), 1, 2), phases(&busy, 1, 2));
        assert!((cpu(&slowed) - cpu(&plain)).abs() < 1e-9, "one worker");
    }

    /// Closing the database costs the same time at the end whatever the
    /// workers (it is paid once, after the last is done), by the rows
    /// written: quarantined records are not.
    #[test]
    fn the_close_is_paid_once_at_the_end_per_row_written() {
        let mut closing = test_model();
        for w in &mut closing.writes {
            w.close_points = vec![(2000.0, 20e-3)];
        }
        let sizes = [2.0];
        for bad in [0.0, 0.2] {
            let data = SimData {
                records: 1000,
                sizes_kb: &sizes,
                bad_fraction: bad,
            };
            for workers in [1, 2, 4] {
                let c = cfg(workers, LockModel::Native, Engine::Sqlite);
                let with = simulate(&c, &data, &closing, 2, 1).unwrap().0.result;
                let without = simulate(&c, &data, &test_model(), 2, 1).unwrap().0.result;
                let close = 20e-3 * 1000.0 * (1.0 - bad) / 2000.0;
                assert!(
                    (with.wall_s - without.wall_s - close).abs() < 1e-9,
                    "{workers} workers: {} vs {}",
                    with.wall_s,
                    without.wall_s
                );
                // Every worker books it as overhead (one waits for the
                // close of the database, the other closes it).
                let grown = with.phases.overhead_s - without.phases.overhead_s;
                assert!((grown - workers as f64 * close).abs() < 1e-9, "{grown}");
            }
        }
    }

    #[test]
    fn an_exclusive_lock_serialises_the_inserts() {
        // Insert dominates (3 ms per batch vs 2 ms parse): with a lock the
        // wall time cannot drop below the sum of inserts.
        let r = run(cfg(4, LockModel::GlobalMutex, Engine::Sqlite), 2000, 8);
        let inserts = 20.0 * 3e-3;
        assert!(r.wall_s >= inserts, "{}", r.wall_s);
        assert!(r.phases.wait_s > 0.0);
        // The lock alone, on one engine: DuckDB's native writers overlap
        // (slowed by the second-writer factor), under a mutex they queue.
        let locked = run(cfg(4, LockModel::GlobalMutex, Engine::Duckdb), 2000, 8);
        let free = run(cfg(4, LockModel::Native, Engine::Duckdb), 2000, 8);
        assert!(
            free.wall_s < locked.wall_s,
            "{} vs {}",
            free.wall_s,
            locked.wall_s
        );
        assert!(locked.phases.wait_s > free.phases.wait_s);
    }

    #[test]
    fn cores_limit_parallelism() {
        let mut c = cfg(4, LockModel::Native, Engine::Duckdb);
        c.backend.method = crate::backend::InsertMethod::Bulk;
        let two = run(c.clone(), 4000, 2);
        let four = run(c, 4000, 4);
        assert!(
            four.wall_s < two.wall_s * 0.8,
            "{} vs {}",
            four.wall_s,
            two.wall_s
        );
    }

    #[test]
    fn single_writer_and_overheads() {
        let mut c = cfg(4, LockModel::SingleWriter, Engine::Sqlite);
        c.overhead = Preset::PythonMp.resolve(&Default::default());
        c.queue_depth = 1;
        let r = run(c.clone(), 1000, 2);
        assert!(r.writer.is_some());
        assert_eq!(r.writer.as_ref().unwrap().records, 1000);
        assert!(r.wall_s >= c.overhead.fixed_s(4));
        for w in &r.workers {
            assert!(w.phases.overhead_s >= 0.150 + (w.worker as f64 + 1.0) * 0.075 - 1e-9);
        }
        let total: u64 = r.workers.iter().map(|w| w.records).sum();
        assert_eq!(total, 1000);
    }

    #[test]
    fn deterministic_and_every_lock_model_finishes() {
        for lock in LockModel::ALL {
            for schedule in [Schedule::Static, Schedule::Dynamic] {
                for engine in Engine::EMBEDDED {
                    let mut c = cfg(3, lock, engine);
                    c.schedule = schedule;
                    let a = run(c.clone(), 777, 2);
                    assert_eq!(a, run(c, 777, 2));
                    assert_eq!(a.workers.iter().map(|w| w.records).sum::<u64>(), 777);
                }
            }
        }
    }
}
