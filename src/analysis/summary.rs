//! Per-configuration summaries. For each group of configurations that
//! differ only in worker count, T1 is the median wall time of the group's
//! 1-worker baseline; speedup(n) = T1 / Tn (with its Mann–Whitney interval)
//! and efficiency(n) = speedup(n) / n.
//!
//! Beside them stands the seed's formula, sum of per-batch times / (wall ×
//! workers), under its honest name "busy fraction": it counts time spent
//! waiting for a lock or a queue as work, so it can claim more than the
//! real efficiency. Every configuration where it does is flagged.
//!
//! "Where the time goes" is the breakdown of one real run, the one with the
//! median wall time, with the single writer's time beside the workers'.

use super::paired;
use super::stats::{self, Interval, Stats, median};
use crate::machine::MachineSample;
use crate::run::RunConfig;
use crate::run::result::{PhaseTimes, RunResult};
use crate::scenario::{ConfigSpec, DataKey, Facets};

/// One measured (or simulated) run as stored in `runs.jsonl`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunRecord {
    /// The configuration's id (`r1000/sqlite/bulk/.../w2`).
    pub config_id: String,
    /// Which repetition (round) of the configuration, from 0.
    pub rep: usize,
    /// Failed runs (an error, or a failed verification) are kept on disk
    /// and reported, never averaged in.
    pub failed: bool,
    /// The error of a run that did not finish.
    pub error: Option<String>,
    /// The run's result (also for a failed verification).
    pub result: Option<RunResult>,
    /// The data and every setting of the configuration the run was made
    /// with, so a resumed sweep reuses it only for the same configuration.
    #[serde(default)]
    pub data: Option<DataKey>,
    /// See `data`.
    #[serde(default)]
    pub run: Option<RunConfig>,
    /// When the run started, seconds since the Unix epoch (for the drift
    /// figure; absent in simulated runs).
    #[serde(default)]
    pub started_unix_s: Option<f64>,
    /// The machine's state during the run (absent in simulated runs).
    #[serde(default)]
    pub machine: Option<MachineSample>,
    /// The checksum (xxh3) of the user's own records the run read; None
    /// for generated data. A resumed sweep reuses the run only for the
    /// same records: a file with as many records but other content is
    /// other data.
    #[serde(default)]
    pub input_xxh3: Option<String>,
}

impl RunRecord {
    /// Whether this run was made with exactly `c`'s settings, on the
    /// user's records of checksum `input` (None: generated data).
    pub fn matches(&self, c: &ConfigSpec, input: Option<&str>) -> bool {
        match (&self.data, &self.run) {
            (Some(d), Some(r)) => {
                self.config_id == c.id
                    && c.same_settings(d, r)
                    && self.input_xxh3.as_deref() == input
            }
            _ => false,
        }
    }
}

/// How far the busy fraction may exceed the efficiency before it is
/// flagged (absolute, 0..1), so rounding noise is not reported.
pub const BUSY_FLAG_MARGIN: f64 = 0.02;

/// Fewer runs than this give a median absolute deviation too unstable to
/// call anything an outlier (with 3 runs one slightly slow run scores > 10).
pub const MIN_RUNS_FOR_OUTLIERS: usize = 5;

/// Where one run's time went: every thread's phases, which add up to
/// wall × threads.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Breakdown {
    /// The repetition this is (the run with the median wall time).
    pub rep: usize,
    /// That run's wall time.
    pub wall_s: f64,
    /// Its threads (workers, and the writer where there is one).
    pub threads: usize,
    /// Summed over the workers.
    pub workers: PhaseTimes,
    /// The single writer thread, when there is one.
    pub writer: Option<PhaseTimes>,
}

impl Breakdown {
    fn of(rep: usize, r: &RunResult) -> Self {
        Breakdown {
            rep,
            wall_s: r.wall_s,
            threads: r.threads,
            workers: r.phases,
            writer: r.writer.as_ref().map(|w| w.phases),
        }
    }

    /// Every thread's phases together.
    pub fn total(&self) -> PhaseTimes {
        let mut p = self.workers;
        if let Some(w) = &self.writer {
            p.merge(w);
        }
        p
    }
}

/// One configuration's runs, summarised: the data contract between the
/// analysis and every report, export and chart.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ConfigSummary {
    /// The configuration's id.
    pub id: String,
    /// Its group: the configurations that differ from it only in workers.
    pub group: String,
    /// The id of its 1-worker baseline.
    pub baseline: String,
    /// True when the baseline was added because the sweep lacked one.
    pub auto_baseline: bool,
    /// What distinguishes it (engine, lock model, batch size, workers...).
    pub facets: Facets,
    /// Successful runs summarised.
    pub runs: usize,
    /// Failed runs (reported, never averaged in).
    pub failed_runs: usize,
    /// Statistics of the wall time, seconds.
    pub wall_s: Option<Stats>,
    /// Statistics of the throughput, records per second.
    pub records_per_s: Option<Stats>,
    /// T1 / Tn against its baseline (see `speedup_paired`).
    pub speedup: Option<f64>,
    /// The speedup's interval, with its level and method.
    pub speedup_ci: Option<Interval>,
    /// True when the speedup pairs T1 and Tn measured in the same round
    /// (Hodges–Lehmann estimate, Wilcoxon interval); false when it is the
    /// ratio of medians measured apart (Mann–Whitney interval).
    #[serde(default)]
    pub speedup_paired: bool,
    /// Runs taken while the machine was busy or stolen from (flagged, kept).
    #[serde(default)]
    pub flagged_runs: usize,
    /// speedup / workers.
    pub efficiency: Option<f64>,
    /// Median over runs of sum of per-batch times / (wall × workers).
    pub busy_fraction: Option<f64>,
    /// Why the busy fraction overstates the efficiency, when it does.
    pub busy_flag: Option<String>,
    /// The run with the median wall time, phase by phase.
    pub breakdown: Option<Breakdown>,
    /// Repetition numbers of outlier runs (modified z-score > 3.5).
    pub outlier_reps: Vec<usize>,
    /// True for a simulated configuration.
    pub simulated: bool,
}

impl ConfigSummary {
    /// A short label: what distinguishes this configuration.
    pub fn label(&self) -> String {
        self.facets.to_string()
    }
    /// Its worker count.
    pub fn workers(&self) -> usize {
        self.facets.workers
    }
}

/// The successful runs of configuration `id`, with their repetitions.
fn ok_runs<'a>(runs: &'a [RunRecord], id: &str) -> Vec<(usize, &'a RunResult)> {
    runs.iter()
        .filter(|r| r.config_id == id && !r.failed)
        .filter_map(|r| r.result.as_ref().map(|x| (r.rep, x)))
        .collect()
}

/// The run with the median wall time (the lower of the two middle ones for
/// an even count), so its breakdown is one real run.
fn median_run<'a>(ok: &[(usize, &'a RunResult)]) -> Option<(usize, &'a RunResult)> {
    let mut v: Vec<_> = ok.to_vec();
    v.sort_by(|a, b| a.1.wall_s.total_cmp(&b.1.wall_s));
    v.get(v.len().saturating_sub(1) / 2).copied()
}

/// Summaries of every configuration, in the order given, plus warnings.
/// With `paired`, runs of the same repetition number were measured in the
/// same round and speedups pair them.
pub fn summarize(
    configs: &[ConfigSpec],
    runs: &[RunRecord],
    paired: bool,
) -> (Vec<ConfigSummary>, Vec<String>) {
    let mut warnings = Vec::new();
    let summaries = configs
        .iter()
        .map(|c| summarize_one(c, runs, paired, &mut warnings))
        .collect();
    (summaries, warnings)
}

fn summarize_one(
    c: &ConfigSpec,
    runs: &[RunRecord],
    paired: bool,
    warnings: &mut Vec<String>,
) -> ConfigSummary {
    let mine = runs.iter().filter(|r| r.config_id == c.id).count();
    let failed = runs
        .iter()
        .filter(|r| r.config_id == c.id && r.failed)
        .count();
    if failed > 0 {
        warnings.push(format!(
            "{}: {failed} failed run(s) left out of the statistics",
            c.id
        ));
    }
    let ok = ok_runs(runs, &c.id);
    let wall: Vec<f64> = ok.iter().map(|r| r.1.wall_s).collect();
    let rate: Vec<f64> = ok.iter().map(|r| r.1.records_per_s).collect();
    let outlier_reps = outliers(&ok, &wall, &c.id, warnings);
    let (speedup, speedup_ci) = if paired {
        paired_speedup(c, runs, &ok)
    } else {
        speedup(c, runs, &wall)
    };
    let flagged_runs = runs
        .iter()
        .filter(|r| r.config_id == c.id && r.machine.is_some_and(|m| m.flag().is_some()))
        .count();
    let efficiency = speedup.map(|s| s / c.run.workers as f64);
    let busy_fraction = (!ok.is_empty())
        .then(|| median(&ok.iter().map(|r| r.1.busy_fraction()).collect::<Vec<_>>()));
    let breakdown = median_run(&ok).map(|(rep, r)| Breakdown::of(rep, r));
    let busy_flag = breakdown.as_ref().and_then(|b| {
        let batch_time = median_run(&ok).map_or(0.0, |r| r.1.batch_time_sum_s);
        busy_flag(
            busy_fraction,
            efficiency,
            b.workers.wait_s,
            batch_time,
            c.run.workers,
        )
    });
    if let Some(f) = &busy_flag {
        warnings.push(format!("{}: {f}", c.id));
    }
    if c.auto_baseline {
        warnings.push(format!("{}: the sweep has no 1-worker configuration; this sequential baseline was added to compute speedup", c.id));
    }
    ConfigSummary {
        id: c.id.clone(),
        group: c.group.clone(),
        baseline: c.baseline.clone(),
        auto_baseline: c.auto_baseline,
        facets: c.facets(),
        runs: mine,
        failed_runs: failed,
        wall_s: (!wall.is_empty()).then(|| stats::describe(&wall)),
        records_per_s: (!rate.is_empty()).then(|| stats::describe(&rate)),
        speedup,
        speedup_ci,
        speedup_paired: paired && c.id != c.baseline,
        flagged_runs,
        efficiency,
        busy_fraction,
        busy_flag,
        breakdown,
        outlier_reps,
        simulated: ok.iter().any(|r| r.1.simulated),
    }
}

fn outliers(
    ok: &[(usize, &RunResult)],
    wall: &[f64],
    id: &str,
    warnings: &mut Vec<String>,
) -> Vec<usize> {
    if wall.len() < MIN_RUNS_FOR_OUTLIERS {
        return vec![];
    }
    let reps: Vec<usize> = stats::outliers(wall).into_iter().map(|i| ok[i].0).collect();
    if !reps.is_empty() {
        warnings.push(format!(
            "{id}: outlier run(s) {reps:?} (modified z-score > 3.5 on wall time); consider more repetitions or a quieter machine"
        ));
    }
    reps
}

/// T1 / Tn with its interval; exactly 1 for the baseline itself.
fn speedup(c: &ConfigSpec, runs: &[RunRecord], wall: &[f64]) -> (Option<f64>, Option<Interval>) {
    let base: Vec<f64> = ok_runs(runs, &c.baseline)
        .iter()
        .map(|r| r.1.wall_s)
        .collect();
    if wall.is_empty() || base.is_empty() {
        return (None, None);
    }
    if c.id == c.baseline {
        return (Some(1.0), Some(Interval::point(1.0)));
    }
    let s = median(&base) / median(wall);
    (Some(s), Some(stats::ratio_interval(&base, wall)))
}

/// T1(r) / Tn(r) over the rounds r where both runs succeeded: the
/// Hodges–Lehmann estimate and the Wilcoxon interval (`analysis::paired`).
fn paired_speedup(
    c: &ConfigSpec,
    runs: &[RunRecord],
    ok: &[(usize, &RunResult)],
) -> (Option<f64>, Option<Interval>) {
    if ok.is_empty() {
        return (None, None);
    }
    if c.id == c.baseline {
        return (Some(1.0), Some(Interval::point(1.0)));
    }
    let by_round = |v: &[(usize, &RunResult)]| -> Vec<(usize, f64)> {
        v.iter().map(|(rep, r)| (*rep, r.wall_s)).collect()
    };
    let (tn, t1) = paired::matched(&by_round(ok), &by_round(&ok_runs(runs, &c.baseline)));
    if t1.is_empty() {
        return (None, None);
    }
    let p = paired::paired_ratio(&t1, &tn);
    (Some(p.estimate), Some(p.ci))
}

/// The flag text when the busy fraction claims more than the efficiency.
pub fn busy_flag(
    busy: Option<f64>,
    efficiency: Option<f64>,
    wait_s: f64,
    batch_time_s: f64,
    workers: usize,
) -> Option<String> {
    let (b, e) = (busy?, efficiency?);
    if workers < 2 || b <= e + BUSY_FLAG_MARGIN {
        return None;
    }
    let waiting = if batch_time_s > 0.0 {
        wait_s / batch_time_s
    } else {
        0.0
    };
    let why = if waiting >= 0.05 {
        format!(
            "{:.0}% of the per-batch time it counts as work was spent waiting for a lock, a busy database or a full queue",
            100.0 * waiting
        )
    } else {
        "it counts every worker's batch time as work even when workers slow each other down (shared cores, shared disk, engine-internal locks)".to_string()
    };
    Some(format!(
        "busy fraction {:.0}% claims more than the real efficiency {:.0}%: {why}",
        100.0 * b,
        100.0 * e
    ))
}

/// Whether every run on one input stored the same content.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ContentCheck {
    /// The input, as its data key reads.
    pub data: String,
    /// Successful runs on it.
    pub runs: usize,
    /// The content stored by most runs (rows and quarantine checksums).
    pub checksum: u64,
    /// See `checksum`.
    pub errors_checksum: u64,
    /// Runs that stored something else: "config id run k".
    pub differing: Vec<String>,
}

/// Groups successful runs by their input and checks that all stored the
/// same rows and quarantined the same records.
pub fn content_checks(configs: &[ConfigSpec], runs: &[RunRecord]) -> Vec<ContentCheck> {
    let mut out: Vec<ContentCheck> = Vec::new();
    let mut inputs: Vec<DataKey> = Vec::new();
    for c in configs {
        if !inputs.contains(&c.data) {
            inputs.push(c.data);
        }
    }
    for d in inputs {
        let ids: Vec<&str> = configs
            .iter()
            .filter(|c| c.data == d)
            .map(|c| c.id.as_str())
            .collect();
        let mine: Vec<(&RunRecord, (u64, u64))> = runs
            .iter()
            .filter(|r| ids.contains(&r.config_id.as_str()))
            .filter_map(|r| {
                let v = &r.result.as_ref()?.verification;
                Some((r, (v.checksum_stored, v.errors_checksum_stored)))
            })
            .collect();
        if mine.is_empty() {
            continue;
        }
        let mut counts: Vec<((u64, u64), usize)> = Vec::new();
        for (_, k) in &mine {
            match counts.iter_mut().find(|(x, _)| x == k) {
                Some((_, n)) => *n += 1,
                None => counts.push((*k, 1)),
            }
        }
        let (common, _) = *counts.iter().max_by_key(|(_, n)| *n).expect("non-empty");
        out.push(ContentCheck {
            data: ids.first().map_or(String::new(), |i| {
                i.split('/').next().unwrap_or("").to_string()
            }),
            runs: mine.len(),
            checksum: common.0,
            errors_checksum: common.1,
            differing: mine
                .iter()
                .filter(|(_, k)| *k != common)
                .map(|(r, _)| format!("{} run {}", r.config_id, r.rep))
                .collect(),
        });
    }
    out
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::backend::BackendOptions;
    use crate::run::result::Verification;

    pub fn spec(id: &str, workers: usize, baseline: &str) -> ConfigSpec {
        ConfigSpec {
            id: id.into(),
            data: DataKey {
                records: 1000,
                seed: 42,
                text_scale: 1.0,
                malformed_rate: 0.0,
                duplicate_rate: 0.0,
                full_text: false,
            },
            run: RunConfig {
                workers,
                backend: BackendOptions::default(),
                ..Default::default()
            },
            group: if workers == 1 {
                String::new()
            } else {
                "g".into()
            },
            baseline: baseline.into(),
            auto_baseline: false,
        }
    }

    /// A run with the given wall time; per-batch time and waits as given.
    /// Its phases add up: wall × workers.
    pub fn run(cfg: &ConfigSpec, rep: usize, wall: f64, batch_time: f64, wait: f64) -> RunRecord {
        let n = cfg.run.workers as f64;
        RunRecord {
            config_id: cfg.id.clone(),
            rep,
            failed: false,
            error: None,
            data: Some(cfg.data),
            run: Some(cfg.run.clone()),
            result: Some(RunResult {
                config: cfg.run.clone(),
                simulated: false,
                records_in: 1000,
                rows_out: 1000,
                quarantined: 0,
                input_bytes: 2_000_000,
                wall_s: wall,
                records_per_s: 1000.0 / wall,
                records_per_min: 60_000.0 / wall,
                phases: PhaseTimes {
                    wait_s: wait,
                    insert_s: batch_time - wait,
                    idle_s: wall * n - batch_time,
                    ..Default::default()
                },
                threads: cfg.run.workers,
                batch_time_sum_s: batch_time,
                busy_retries: 0,
                peak_rss_bytes: 1,
                connections_opened: cfg.run.workers as u64,
                workers: vec![],
                writer: None,
                verification: Verification {
                    records_in: 1000,
                    rows_out: 1000,
                    quarantined: 0,
                    expected_rows: 1000,
                    expected_quarantined: 0,
                    unique_app_ids: true,
                    checksum_expected: 1,
                    checksum_stored: 1,
                    errors_checksum_expected: 2,
                    errors_checksum_stored: 2,
                    passed: true,
                    problems: vec![],
                },
                engine_version: "sqlite test".into(),
            }),
            started_unix_s: None,
            input_xxh3: None,
            machine: None,
        }
    }

    #[test]
    fn speedup_and_efficiency_against_the_groups_baseline() {
        let b = spec("b", 1, "b");
        let w2 = spec("w2", 2, "b");
        let w4 = spec("w4", 4, "b");
        let runs = vec![
            run(&b, 0, 10.0, 10.0, 0.0),
            run(&b, 1, 12.0, 12.0, 0.0),
            run(&b, 2, 11.0, 11.0, 0.0),
            run(&w2, 0, 5.5, 11.0, 0.0),
            run(&w2, 1, 5.5, 11.0, 0.0),
            run(&w4, 0, 4.4, 17.6, 8.0),
        ];
        let (s, warnings) = summarize(&[b.clone(), w2, w4], &runs, false);
        assert_eq!(s[0].speedup, Some(1.0), "a baseline's speedup is exactly 1");
        assert_eq!(s[0].efficiency, Some(1.0));
        assert!((s[1].speedup.unwrap() - 2.0).abs() < 1e-12); // 11 / 5.5
        assert!((s[1].efficiency.unwrap() - 1.0).abs() < 1e-12);
        assert!((s[2].speedup.unwrap() - 2.5).abs() < 1e-12); // 11 / 4.4
        assert!((s[2].efficiency.unwrap() - 0.625).abs() < 1e-12);
        let ci = s[1].speedup_ci.unwrap();
        assert!(ci.low <= 2.0 && 2.0 <= ci.high, "{ci:?}");
        // 3 baseline runs × 2: too few for 95%; the level says so.
        assert!(ci.level < 0.95 && ci.label().starts_with("range"), "{ci:?}");
        // 17.6 / (4.4 × 4) = 100% busy against 62.5% real efficiency.
        assert!((s[2].busy_fraction.unwrap() - 1.0).abs() < 1e-12);
        let flag = s[2].busy_flag.as_deref().unwrap();
        assert!(
            flag.contains("busy fraction 100%")
                && flag.contains("62%")
                && flag.contains("45% of the per-batch time"),
            "{flag}"
        );
        assert!(s[1].busy_flag.is_none());
        assert!(warnings.iter().any(|w| w.starts_with("w4: busy fraction")));
    }

    #[test]
    fn paired_speedup_pairs_runs_of_the_same_round() {
        let b = spec("b", 1, "b");
        let w2 = spec("w2", 2, "b");
        // The machine slows 2× from round to round; within a round, T1/T2
        // is exactly 1.8. Unpaired, the medians mix rounds.
        let mut runs = Vec::new();
        for (rep, speed) in [1.0, 1.3, 1.6, 2.0, 1.1, 1.9].iter().enumerate() {
            runs.push(run(&b, rep, 9.0 * speed, 9.0 * speed, 0.0));
            runs.push(run(&w2, rep, 5.0 * speed, 10.0 * speed, 0.0));
        }
        // A round whose baseline failed has no pair and is left out.
        let mut lone = run(&b, 6, 100.0, 100.0, 0.0);
        lone.failed = true;
        runs.push(lone);
        runs.push(run(&w2, 6, 1.0, 2.0, 0.0));
        let (s, _) = summarize(&[b.clone(), w2.clone()], &runs, true);
        assert!(
            (s[1].speedup.unwrap() - 1.8).abs() < 1e-9,
            "{:?}",
            s[1].speedup
        );
        let ci = s[1].speedup_ci.unwrap();
        assert!((ci.low - 1.8).abs() < 1e-9 && (ci.high - 1.8).abs() < 1e-9);
        assert_eq!(ci.method, stats::Method::Wilcoxon, "6 pairs reach 96.9%");
        assert!(s[1].speedup_paired && !s[0].speedup_paired);
        let (u, _) = summarize(&[b, w2], &runs, false);
        assert!(
            (u[1].speedup.unwrap() - 1.8).abs() > 0.05,
            "{:?}",
            u[1].speedup
        );
    }

    #[test]
    fn runs_on_a_busy_machine_are_counted_not_dropped() {
        let b = spec("b", 1, "b");
        let mut busy = run(&b, 1, 10.0, 10.0, 0.0);
        busy.machine = Some(MachineSample {
            window_s: 1.0,
            steal_share: 0.2,
            iowait_share: 0.0,
            foreign_cores: 0.0,
            cpu_mhz: None,
        });
        let (s, _) = summarize(
            std::slice::from_ref(&b),
            &[run(&b, 0, 10.0, 10.0, 0.0), busy],
            true,
        );
        assert_eq!((s[0].flagged_runs, s[0].wall_s.unwrap().n), (1, 2));
    }

    #[test]
    fn the_breakdown_is_the_median_run_and_adds_up() {
        let b = spec("w2", 2, "b");
        let runs = vec![
            run(&b, 0, 3.0, 5.0, 1.0),
            run(&b, 1, 1.0, 1.5, 0.1),
            run(&b, 2, 2.0, 3.0, 0.5),
        ];
        let (s, _) = summarize(std::slice::from_ref(&b), &runs, false);
        let bd = s[0].breakdown.as_ref().unwrap();
        assert_eq!(
            (bd.rep, bd.wall_s),
            (2, 2.0),
            "the median run, not medians of phases"
        );
        assert!((bd.total().total() - bd.wall_s * bd.threads as f64).abs() < 1e-9);
    }

    #[test]
    fn failed_runs_are_reported_not_averaged() {
        let b = spec("b", 1, "b");
        let mut bad = run(&b, 1, 1000.0, 1000.0, 0.0);
        bad.failed = true;
        let (s, warnings) = summarize(
            std::slice::from_ref(&b),
            &[run(&b, 0, 10.0, 10.0, 0.0), bad],
            false,
        );
        assert_eq!(s[0].wall_s.unwrap().median, 10.0);
        assert_eq!((s[0].runs, s[0].failed_runs), (2, 1));
        assert!(warnings[0].contains("1 failed run"));
    }

    #[test]
    fn outliers_are_warned_about() {
        let b = spec("b", 1, "b");
        let runs: Vec<_> = [10.0, 10.1, 9.9, 10.0, 30.0]
            .iter()
            .enumerate()
            .map(|(i, w)| run(&b, i, *w, *w, 0.0))
            .collect();
        let (s, warnings) = summarize(std::slice::from_ref(&b), &runs, false);
        assert_eq!(s[0].outlier_reps, vec![4]);
        assert!(warnings.iter().any(|w| w.contains("outlier")));
    }

    #[test]
    fn a_run_that_stored_other_content_is_named() {
        let b = spec("r1000/b", 1, "r1000/b");
        let w = spec("r1000/w2", 2, "r1000/b");
        let mut odd = run(&w, 1, 1.0, 1.0, 0.0);
        odd.result.as_mut().unwrap().verification.checksum_stored = 9;
        let runs = vec![run(&b, 0, 2.0, 2.0, 0.0), run(&w, 0, 1.0, 1.0, 0.0), odd];
        let c = content_checks(&[b, w], &runs);
        assert_eq!(c.len(), 1);
        assert_eq!(c[0].differing, vec!["r1000/w2 run 1"]);
    }

    #[test]
    fn busy_flag_reasons() {
        assert!(
            busy_flag(Some(0.9), Some(0.5), 0.0, 10.0, 2)
                .unwrap()
                .contains("shared cores")
        );
        assert!(
            busy_flag(Some(0.51), Some(0.5), 5.0, 10.0, 2).is_none(),
            "within the margin"
        );
        assert!(
            busy_flag(Some(0.9), Some(0.5), 5.0, 10.0, 1).is_none(),
            "one worker"
        );
    }

    #[test]
    fn a_run_is_reused_only_for_the_same_settings() {
        let c = spec("x", 2, "b");
        let mut r = run(&c, 0, 1.0, 1.0, 0.0);
        assert!(r.matches(&c, None));
        assert!(
            !r.matches(&c, Some("1f2e")),
            "generated data is not the user's"
        );
        r.run.as_mut().unwrap().record_work_s = 0.05;
        assert!(!r.matches(&c, None));
        r.run = None;
        assert!(
            !r.matches(&c, None),
            "an old journal line without its settings"
        );
    }
}
