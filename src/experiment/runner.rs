//! Runs a scenario: warm-ups, then the measured runs in rounds (every
//! configuration once per round, `order.rs`) or configuration after
//! configuration (`order = "grouped"`), each on a fresh database, every run
//! journaled as it finishes; with `repetitions = "auto"`, rounds until
//! every speedup interval is narrow enough or the budget ends; then the
//! summary, the exports and the figures.
//!
//! Timelines are recorded in one extra run per configuration that is not
//! measured, so no measured run pays for the instrumentation. An interrupt
//! (the caller's cancel flag) stops at the next batch: the run in flight is
//! discarded, the finished runs are exported (marked partial) and the
//! temporary data are removed.

use super::journal::{self, Journal};
use super::measure::{Bench, EngineBench};
use super::order;
use super::progress::Progress;
use crate::analysis::RunRecord;
use crate::analysis::precision::{self, PrecisionReport, StopReason};
use crate::report::{self, Report, build_report};
use crate::run::Ctx;
use crate::scenario::repeat::MIN_AUTO_ROUNDS;
use crate::scenario::{ConfigSpec, Order, Repetitions, Scenario, expand};
use crate::store::{self, FolderLock};
use anyhow::{Result, bail};
use std::path::{Path, PathBuf};

/// How a sweep is run, besides its scenario.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Continue the sweep in the results folder, reusing matching runs.
    pub resume: bool,
    /// Start afresh: the old journal is moved aside, never deleted.
    pub fresh: bool,
    /// Write into a folder that holds files ingestlab did not write.
    pub overwrite: bool,
    /// How the figures are written.
    pub figures: crate::plot::FigureOptions,
    /// The cancel flag (and, in tests, a fault to inject).
    pub ctx: Ctx,
    /// The user's own records, indexed, and what they are (see
    /// `userdata::resolve`); None for generated data.
    pub input: Option<std::sync::Arc<super::userdata::UserData>>,
    /// Work done once in every round, between two speedup groups
    /// (`simulate --validate` calibrates there); rounds order only.
    pub round_task: Option<RoundHook>,
}

/// Work a sweep does once in every round, on the machine as it is during
/// that round's runs.
pub trait RoundTask: Send {
    /// Whether round `round`'s task is done already (a resumed sweep).
    fn done(&self, round: usize) -> bool;
    /// Does round `round`'s task.
    fn run(&mut self, round: usize) -> Result<()>;
}

/// A shared [`RoundTask`], so the options stay cloneable.
#[derive(Clone)]
pub struct RoundHook(pub std::sync::Arc<parking_lot::Mutex<dyn RoundTask>>);

impl std::fmt::Debug for RoundHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RoundHook")
    }
}

/// What a sweep did.
pub struct Outcome {
    /// Its report, as exported.
    pub report: Report,
    /// Its results folder.
    pub dir: PathBuf,
    /// Runs reused from the journal.
    pub reused: usize,
    /// Runs measured now.
    pub ran: usize,
    /// True when Ctrl-C or SIGTERM stopped it (finished runs kept).
    pub interrupted: bool,
    /// Things the user should know (resume, damaged journal lines...).
    pub notes: Vec<String>,
}

/// Runs every configuration and writes the exports and figures, telling
/// `progress` how far it got.
pub fn run_scenario(s: &Scenario, opts: &RunOptions, progress: &dyn Progress) -> Result<Outcome> {
    let dir = store::output_dir(&s.name, s.output.as_deref());
    store::claim_folder(&dir, opts.overwrite)?;
    let lock = FolderLock::acquire(&dir)?;
    let mut notes = Vec::new();
    if let Some(pid) = lock.took_over_from {
        notes.push(format!(
            "took over the lock of '{}' left by pid {pid}, which no longer holds it",
            dir.display()
        ));
    }
    let configs = expand(s);
    let (mut journal, previous) = open_journal(&dir, opts, &mut notes)?;
    let records = reuse(s, opts, &configs, &previous, &mut notes);
    let reused = records.len();
    let mut bench = EngineBench::new(&opts.ctx, &dir)?;
    if let Some(u) = &opts.input {
        bench.read_only(u.clone());
    }
    let mut sink = |r: &RunRecord| journal.append(r);
    if opts.round_task.is_some() && s.order != Order::Rounds {
        bail!(
            "'{}': a task in every round needs order = \"rounds\" (it is \"grouped\")",
            s.name
        );
    }
    let mut sweep = Sweep {
        s,
        configs: &configs,
        records,
        ran: 0,
        progress,
        failing: Vec::new(),
        task: opts.round_task.clone(),
    };
    let stop = sweep.drive(&mut bench, &mut sink);
    progress.finish();
    let stop = stop?;
    if stop == Some(StopReason::Failing) {
        notes.push(format!(
            "stopped early: the last {FAIL_STREAK} runs all failed with the same error ({}); that is the machine, not the configurations (a full disk? see `ingestlab doctor`); fix it and continue with --resume (failed runs are made again)",
            sweep.failing_alike().unwrap_or("?")
        ));
    }
    let (records, ran) = (sweep.records, sweep.ran);
    drop(bench);
    let interrupted = stop == Some(StopReason::Interrupted);
    let mut report = build_report(s, configs.clone(), records, false);
    if s.repetitions == Repetitions::Auto {
        report.precision = Some(PrecisionReport {
            target: s.precision,
            rounds: report.runs.iter().map(|r| r.rep + 1).max().unwrap_or(0),
            stopped_by: stop.unwrap_or(StopReason::MaxRounds),
            configs: precision::judge(&configs, &report.runs, s.precision),
        });
    }
    report.partial = interrupted || stop == Some(StopReason::Failing);
    report.input = opts.input.as_ref().map(|u| u.info.clone());
    report.server_waits = configs
        .iter()
        .filter_map(|c| {
            let bytes = std::fs::read(store::waits_file(&dir, &c.id)).ok()?;
            Some((c.id.clone(), serde_json::from_slice(&bytes).ok()?))
        })
        .collect();
    report.figures = crate::plot::render_all(&report, &dir, &opts.figures)?;
    report::write_all(&report, &dir)?;
    drop(lock);
    Ok(Outcome {
        report,
        dir,
        reused,
        ran,
        interrupted,
        notes,
    })
}

/// The journaled runs a resumed sweep reuses (successful, made with the
/// same settings, within the planned rounds), and what to tell the user.
fn reuse(
    s: &Scenario,
    opts: &RunOptions,
    configs: &[ConfigSpec],
    previous: &[RunRecord],
    notes: &mut Vec<String>,
) -> Vec<RunRecord> {
    let planned = s.repetitions.planned(s.max_rounds);
    let input = opts.input.as_ref().map(|u| u.info.xxh3.as_str());
    let mut records: Vec<RunRecord> = Vec::new();
    for c in configs {
        let mut mine: Vec<RunRecord> = previous
            .iter()
            .filter(|r| r.matches(c, input) && !r.failed && r.rep < planned)
            .cloned()
            .collect();
        mine.sort_by_key(|r| r.rep);
        mine.dedup_by_key(|r| r.rep);
        records.extend(mine);
    }
    let reused = records.len();
    if opts.resume {
        // A failed run is not a finished one: it is made again. Lines that
        // repeat a reused run (a journal copied onto itself) are duplicates,
        // not runs made with other settings.
        let failed = previous.iter().filter(|r| r.failed).count();
        let other = previous
            .iter()
            .filter(|r| !r.failed)
            .filter(|r| {
                !records
                    .iter()
                    .any(|x| x.config_id == r.config_id && x.rep == r.rep)
            })
            .count();
        let duplicates = previous.len().saturating_sub(reused + other + failed);
        if duplicates > 0 {
            notes.push(format!(
                "{duplicates} journal line(s) repeat a run already read and were ignored"
            ));
        }
        let todo = match s.repetitions {
            Repetitions::Fixed(n) => format!("{} to run", configs.len() * n - reused),
            Repetitions::Auto => "rounds go on until \"auto\" is satisfied".to_string(),
        };
        let mut note = format!("resuming: {reused} finished run(s) reused, {todo}");
        if failed > 0 {
            note += &format!("; {failed} journaled run(s) failed and are made again");
        }
        if other > 0 {
            note += &format!(
                "; {other} journaled run(s) were made with other settings or belong to configurations no longer in the sweep: kept in {}, left out of the exports",
                store::JOURNAL
            );
        }
        notes.push(note);
    }
    records
}

/// The journal, and the runs it already holds when resuming.
fn open_journal(
    dir: &Path,
    opts: &RunOptions,
    notes: &mut Vec<String>,
) -> Result<(Journal, Vec<RunRecord>)> {
    let existing = journal::read(&dir.join(store::JOURNAL))?;
    notes.extend(existing.warnings);
    let previous = if existing.records.is_empty() {
        Vec::new()
    } else if opts.fresh {
        if let Some(moved) = journal::set_aside(dir)? {
            notes.push(format!(
                "the previous journal was kept as '{}'",
                moved.display()
            ));
        }
        Vec::new()
    } else if opts.resume {
        existing.records
    } else {
        bail!(
            "'{}' already holds {} finished run(s); --resume continues that sweep, --fresh starts again (the old {} is kept under a new name)",
            dir.display(),
            existing.records.len(),
            store::JOURNAL
        );
    };
    Ok((Journal::open(dir)?, previous))
}

/// The state of a sweep in progress.
struct Sweep<'a> {
    s: &'a Scenario,
    configs: &'a [ConfigSpec],
    /// Every finished run, reused or new.
    records: Vec<RunRecord>,
    ran: usize,
    progress: &'a dyn Progress,
    /// The errors of the latest runs, while each failed with one.
    failing: Vec<String>,
    /// Done once in every round.
    task: Option<RoundHook>,
}

/// This many runs in a row failing with the same error stop the sweep: the
/// cause is the machine (a full disk, say), not the configurations.
pub const FAIL_STREAK: usize = 5;

/// Where each finished run goes (the journal).
type Sink<'a> = dyn FnMut(&RunRecord) -> Result<()> + 'a;

impl Sweep<'_> {
    /// Makes every missing run, then the timelines. Returns why "auto"
    /// stopped, or `Interrupted`; None for a fixed count that finished.
    fn drive(&mut self, bench: &mut dyn Bench, sink: &mut Sink) -> Result<Option<StopReason>> {
        let stop = match self.s.order {
            Order::Rounds => self.rounds(bench, sink)?,
            Order::Grouped => self.grouped(bench, sink)?,
        };
        if matches!(stop, Some(StopReason::Interrupted | StopReason::Failing)) {
            return Ok(stop);
        }
        for c in self.configs.iter().filter(|c| c.run.workers > 1) {
            if !bench.has_timeline(c) && !bench.timeline(c, self.progress)? {
                return Ok(Some(StopReason::Interrupted));
            }
        }
        Ok(stop)
    }

    fn have(&self, i: usize, rep: usize) -> bool {
        let id = &self.configs[i].id;
        self.records
            .iter()
            .any(|r| r.config_id == *id && r.rep == rep)
    }

    /// One measured run, journaled; false when interrupted.
    fn one(
        &mut self,
        bench: &mut dyn Bench,
        sink: &mut Sink,
        i: usize,
        rep: usize,
    ) -> Result<bool> {
        let Some(rec) = bench.measure(&self.configs[i], rep, self.progress)? else {
            return Ok(false);
        };
        sink(&rec)?;
        // The root cause (the last part of the error chain), not the
        // batch it hit: "writing batch 3: database or disk is full".
        match &rec.error {
            Some(e) if rec.failed => {
                let root = e.rsplit(": ").next().unwrap_or(e);
                self.failing.push(root.to_string());
            }
            _ => self.failing.clear(),
        }
        self.records.push(rec);
        self.ran += 1;
        Ok(true)
    }

    /// The error every one of the latest [`FAIL_STREAK`] runs failed with.
    pub fn failing_alike(&self) -> Option<&str> {
        let n = self.failing.len();
        (n >= FAIL_STREAK
            && self.failing[n - FAIL_STREAK..]
                .iter()
                .all(|e| *e == self.failing[n - 1]))
        .then(|| self.failing[n - 1].as_str())
    }

    /// Warm-ups of every configuration in `order`; false when interrupted.
    fn warm(&self, bench: &mut dyn Bench, order: &[usize]) -> Result<bool> {
        for &i in order {
            for _ in 0..self.s.warmup {
                if !bench.warmup(&self.configs[i])? {
                    return Ok(false);
                }
            }
        }
        Ok(true)
    }

    fn rounds(&mut self, bench: &mut dyn Bench, sink: &mut Sink) -> Result<Option<StopReason>> {
        let s = self.s;
        let auto = s.repetitions == Repetitions::Auto;
        let planned = s.repetitions.planned(s.max_rounds);
        let families = order::families(self.configs);
        self.progress
            .start(planned, self.configs.len(), self.records.len());
        let (mut warmed, mut last_round_s) = (false, 0.0);
        for round in 0..planned {
            if auto && round >= MIN_AUTO_ROUNDS {
                let judged = precision::judge(self.configs, &self.records, s.precision);
                if judged.iter().all(|c| c.reached) {
                    return Ok(Some(StopReason::Precision));
                }
                if let Some(budget) = s.time_budget_s
                    && bench.elapsed_s() + last_round_s > budget
                {
                    return Ok(Some(StopReason::TimeBudget));
                }
            }
            let task = self.task.as_ref().is_some_and(|t| !t.0.lock().done(round));
            let todo: Vec<Option<usize>> =
                order::round_entries(&families, round, s.shuffle_seed, task)
                    .into_iter()
                    .filter(|e| e.is_none_or(|i| !self.have(i, round)))
                    .collect();
            if todo.is_empty() {
                continue;
            }
            if !warmed {
                warmed = true;
                if !self.warm(bench, &order::round_order(&families, 0, s.shuffle_seed))? {
                    return Ok(Some(StopReason::Interrupted));
                }
            }
            self.progress.round(round, planned);
            let t0 = bench.elapsed_s();
            for (k, &entry) in todo.iter().enumerate() {
                let Some(i) = entry else {
                    let t = self.task.as_ref().expect("placed only when set");
                    t.0.lock().run(round)?;
                    continue;
                };
                if !self.one(bench, sink, i, round)? {
                    return Ok(Some(StopReason::Interrupted));
                }
                if self.failing_alike().is_some() {
                    return Ok(Some(StopReason::Failing));
                }
                self.progress.run_done(k + 1, todo.len());
            }
            last_round_s = bench.elapsed_s() - t0;
        }
        Ok(auto.then_some(StopReason::MaxRounds))
    }

    fn grouped(&mut self, bench: &mut dyn Bench, sink: &mut Sink) -> Result<Option<StopReason>> {
        let planned = self.s.repetitions.planned(self.s.max_rounds);
        self.progress
            .start(planned, self.configs.len(), self.records.len());
        for i in 0..self.configs.len() {
            let missing: Vec<usize> = (0..planned).filter(|&r| !self.have(i, r)).collect();
            if missing.is_empty() {
                continue;
            }
            if !self.warm(bench, &[i])? {
                return Ok(Some(StopReason::Interrupted));
            }
            for (k, rep) in missing.iter().enumerate() {
                if !self.one(bench, sink, i, *rep)? {
                    return Ok(Some(StopReason::Interrupted));
                }
                if self.failing_alike().is_some() {
                    return Ok(Some(StopReason::Failing));
                }
                self.progress.run_done(k + 1, missing.len());
            }
        }
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::summarize;
    use crate::analysis::summary::tests::{run, spec};
    use crate::experiment::progress::Silent;

    /// Runs that take their true time times the machine's slowness, which
    /// grows linearly with (virtual) time from 1× to 2× over the sweep.
    struct DriftingBench {
        now: f64,
        /// Virtual seconds over which the machine slows by 1×.
        per_unit: f64,
        truth: Vec<(String, f64)>,
    }

    impl DriftingBench {
        fn wall(&mut self, c: &ConfigSpec) -> f64 {
            let t = self.truth.iter().find(|x| x.0 == c.id).unwrap().1;
            let w = t * (1.0 + self.now / self.per_unit);
            self.now += w;
            w
        }
    }

    impl Bench for DriftingBench {
        fn warmup(&mut self, c: &ConfigSpec) -> Result<bool> {
            self.wall(c);
            Ok(true)
        }
        fn measure(
            &mut self,
            c: &ConfigSpec,
            rep: usize,
            _: &dyn Progress,
        ) -> Result<Option<RunRecord>> {
            let w = self.wall(c);
            Ok(Some(run(c, rep, w, w * c.run.workers as f64, 0.0)))
        }
        fn has_timeline(&self, _: &ConfigSpec) -> bool {
            true
        }
        fn timeline(&mut self, _: &ConfigSpec, _: &dyn Progress) -> Result<bool> {
            Ok(true)
        }
        fn elapsed_s(&self) -> f64 {
            self.now
        }
    }

    fn sweep_with(order: &str, seed: u64) -> Vec<(f64, f64)> {
        let configs = vec![
            spec("a1", 1, "a1"),
            spec("a2", 2, "a1"),
            spec("a4", 4, "a1"),
            spec("b1", 1, "b1"),
            spec("b2", 2, "b1"),
        ];
        let truth: Vec<(String, f64)> = [
            ("a1", 1.0),
            ("a2", 0.55),
            ("a4", 0.4),
            ("b1", 2.0),
            ("b2", 1.2),
        ]
        .iter()
        .map(|(id, t)| (id.to_string(), *t))
        .collect();
        let total: f64 = 5.0 * truth.iter().map(|x| x.1).sum::<f64>();
        // Slowness 1 + t/T reaches 2 at the end when T = total / ln 2.
        let mut bench = DriftingBench {
            now: 0.0,
            per_unit: total / std::f64::consts::LN_2,
            truth: truth.clone(),
        };
        let head = format!("repetitions = 5\norder = \"{order}\"\nshuffle_seed = {seed}\n");
        let (stop, records) = drive_fake(&head, &configs, &mut bench);
        assert_eq!(stop, None);
        assert_eq!(records.len(), 25);
        let (sum, _) = summarize(&configs, &records, order == "rounds");
        let true_speedup = |id: &str, base: &str| {
            let t = |x: &str| truth.iter().find(|y| y.0 == x).unwrap().1;
            t(base) / t(id)
        };
        sum.iter()
            .filter(|c| c.workers() > 1)
            .map(|c| (c.speedup.unwrap(), true_speedup(&c.id, &c.baseline)))
            .collect()
    }

    /// Drives a sweep of `configs` (scenario settings `head`) through a
    /// fake bench; returns why it stopped and its runs.
    fn drive_fake(
        head: &str,
        configs: &[ConfigSpec],
        bench: &mut DriftingBench,
    ) -> (Option<StopReason>, Vec<RunRecord>) {
        let s = crate::scenario::parse(
            &format!("name = \"fake\"\n{head}[data]\nrecords = [10]\n[sweep]\nworkers = [1]\n"),
            Path::new("fake.toml"),
            &[],
        )
        .unwrap();
        let mut sweep = Sweep {
            s: &s,
            configs,
            records: Vec::new(),
            ran: 0,
            progress: &Silent,
            failing: Vec::new(),
            task: None,
        };
        let mut sink = |_: &RunRecord| Ok(());
        let stop = sweep.drive(bench, &mut sink).unwrap();
        (stop, sweep.records)
    }

    /// "auto" stops at its first look (after the 6 rounds a 95% interval
    /// needs) by precision on a steady machine, where every interval is a
    /// point; on a drifting one, with a precision no interval reaches, it
    /// stops by its budget.
    #[test]
    fn auto_stops_by_precision_when_reached_and_by_budget_when_not() {
        let configs = vec![spec("a1", 1, "a1"), spec("a2", 2, "a1")];
        for (per_unit, extra, why) in [
            (f64::INFINITY, "", StopReason::Precision),
            (
                10.0,
                "precision = 0.0001\ntime_budget_s = 0.5\n",
                StopReason::TimeBudget,
            ),
        ] {
            let mut bench = DriftingBench {
                now: 0.0,
                per_unit,
                truth: vec![("a1".into(), 1.0), ("a2".into(), 0.6)],
            };
            let head = format!("repetitions = \"auto\"\n{extra}");
            let (stop, records) = drive_fake(&head, &configs, &mut bench);
            assert_eq!(stop, Some(why));
            assert_eq!(records.len(), 2 * crate::scenario::repeat::MIN_AUTO_ROUNDS);
        }
    }

    /// Records the rounds it ran in; `done` holds the rounds it finds done.
    struct Task {
        ran: Vec<usize>,
        done: Vec<usize>,
    }

    impl RoundTask for Task {
        fn done(&self, round: usize) -> bool {
            self.done.contains(&round) || self.ran.contains(&round)
        }
        fn run(&mut self, round: usize) -> Result<()> {
            self.ran.push(round);
            Ok(())
        }
    }

    /// The round's task runs once in every round still to do, and not in
    /// a round a resumed sweep finds done; every run is still made once.
    #[test]
    fn the_round_task_runs_once_in_every_round() {
        let configs = vec![
            spec("a1", 1, "a1"),
            spec("a2", 2, "a1"),
            spec("b1", 1, "b1"),
        ];
        let s = crate::scenario::parse(
            "name = \"fake\"\nrepetitions = 4\n[data]\nrecords = [10]\n[sweep]\nworkers = [1]\n",
            Path::new("fake.toml"),
            &[],
        )
        .unwrap();
        for done in [vec![], vec![1, 3]] {
            let task = std::sync::Arc::new(parking_lot::Mutex::new(Task {
                ran: vec![],
                done: done.clone(),
            }));
            let mut bench = DriftingBench {
                now: 0.0,
                per_unit: f64::INFINITY,
                truth: vec![("a1".into(), 1.0), ("a2".into(), 0.6), ("b1".into(), 2.0)],
            };
            let mut sweep = Sweep {
                s: &s,
                configs: &configs,
                records: Vec::new(),
                ran: 0,
                progress: &Silent,
                failing: Vec::new(),
                task: Some(RoundHook(task.clone())),
            };
            let mut sink = |_: &RunRecord| Ok(());
            assert_eq!(sweep.drive(&mut bench, &mut sink).unwrap(), None);
            assert_eq!(sweep.records.len(), 12);
            let want: Vec<usize> = (0..4).filter(|r| !done.contains(r)).collect();
            assert_eq!(task.lock().ran, want);
        }
    }

    /// The machine slows 2× over a sweep of 5 rounds: rounds with paired
    /// speedups recover every true speedup within 2% whatever the shuffle;
    /// configuration after configuration, the drift is taken for the
    /// engines'.
    #[test]
    fn rounds_with_pairing_recover_the_speedup_on_a_drifting_machine() {
        for seed in 0..20 {
            for (got, truth) in sweep_with("rounds", seed) {
                assert!(
                    (got / truth - 1.0).abs() < 0.02,
                    "seed {seed}: {got} vs {truth}"
                );
            }
        }
        let worst = sweep_with("grouped", 0)
            .iter()
            .map(|(got, truth)| (got / truth - 1.0).abs())
            .fold(0.0, f64::max);
        assert!(
            worst > 0.10,
            "grouped order should carry the drift: {worst}"
        );
    }
}
