//! Per-configuration summaries. For each group of configurations that
//! differ only in worker count, T1 is the median wall time of the group's
//! 1-worker baseline; speedup(n) = T1 / Tn (with a bootstrap interval) and
//! efficiency(n) = speedup(n) / n.
//!
//! Beside them stands the seed's formula, sum of per-batch times / (wall ×
//! workers), under its honest name "busy fraction": it counts time spent
//! waiting for a lock or a queue as work, so it can claim more than the
//! real efficiency. Every configuration where it does is flagged.

use super::stats::{self, Stats, bootstrap_ci2, median};
use crate::run::result::{PhaseTimes, RunResult};
use crate::scenario::ConfigSpec;

/// One measured (or simulated) run as stored in `runs.jsonl`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunRecord {
    pub config_id: String,
    pub rep: usize,
    /// Failed runs (an error, or a failed verification) are kept on disk
    /// and reported, never averaged in.
    pub failed: bool,
    pub error: Option<String>,
    pub result: Option<RunResult>,
}

/// How far the busy fraction may exceed the efficiency before it is
/// flagged (absolute, 0..1), so rounding noise is not reported.
pub const BUSY_FLAG_MARGIN: f64 = 0.02;

/// Fewer runs than this give a median absolute deviation too unstable to
/// call anything an outlier (with 3 runs one slightly slow run scores > 10).
pub const MIN_RUNS_FOR_OUTLIERS: usize = 5;

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ConfigSummary {
    pub id: String,
    pub group: String,
    pub baseline: String,
    pub auto_baseline: bool,
    pub engine: String,
    pub method: String,
    pub lock: String,
    pub schedule: String,
    pub overhead: String,
    pub workers: usize,
    pub batch_size: usize,
    pub records: u64,
    pub runs: usize,
    pub failed_runs: usize,
    pub wall_s: Option<Stats>,
    pub records_per_s: Option<Stats>,
    pub speedup: Option<f64>,
    pub speedup_ci: Option<(f64, f64)>,
    pub efficiency: Option<f64>,
    /// Median over runs of sum of per-batch times / (wall × workers).
    pub busy_fraction: Option<f64>,
    /// Why the busy fraction overstates the efficiency, when it does.
    pub busy_flag: Option<String>,
    /// Median per run of each phase, summed over workers.
    pub phases: PhaseTimes,
    /// Repetition numbers of outlier runs (modified z-score > 3.5).
    pub outlier_reps: Vec<usize>,
    pub simulated: bool,
}

impl ConfigSummary {
    /// A short label: what distinguishes this configuration.
    pub fn label(&self) -> String {
        if self.workers == 1 {
            format!(
                "{} {} b{} sequential",
                self.engine, self.method, self.batch_size
            )
        } else {
            format!(
                "{} {} {} {} b{} {} ×{}",
                self.engine,
                self.method,
                self.lock,
                self.schedule,
                self.batch_size,
                self.overhead,
                self.workers
            )
        }
    }
}

/// Summaries of every configuration, in the order given, plus warnings.
pub fn summarize(configs: &[ConfigSpec], runs: &[RunRecord]) -> (Vec<ConfigSummary>, Vec<String>) {
    let mut warnings = Vec::new();
    let ok_results = |id: &str| -> Vec<&RunResult> {
        runs.iter()
            .filter(|r| r.config_id == id && !r.failed)
            .filter_map(|r| r.result.as_ref())
            .collect()
    };
    let walls = |id: &str| -> Vec<f64> { ok_results(id).iter().map(|r| r.wall_s).collect() };
    let mut out = Vec::new();
    for c in configs {
        let mine: Vec<&RunRecord> = runs.iter().filter(|r| r.config_id == c.id).collect();
        let failed = mine.iter().filter(|r| r.failed).count();
        if failed > 0 {
            warnings.push(format!(
                "{}: {failed} failed run(s) left out of the statistics",
                c.id
            ));
        }
        let ok = ok_results(&c.id);
        let wall: Vec<f64> = ok.iter().map(|r| r.wall_s).collect();
        let rate: Vec<f64> = ok.iter().map(|r| r.records_per_s).collect();
        let (wall_s, records_per_s) = if wall.is_empty() {
            (None, None)
        } else {
            (Some(stats::describe(&wall)), Some(stats::describe(&rate)))
        };
        let reps: Vec<usize> = mine
            .iter()
            .filter(|r| !r.failed && r.result.is_some())
            .map(|r| r.rep)
            .collect();
        let outlier_reps: Vec<usize> = if wall.len() >= MIN_RUNS_FOR_OUTLIERS {
            stats::outliers(&wall)
                .into_iter()
                .map(|i| reps[i])
                .collect()
        } else {
            vec![]
        };
        if !outlier_reps.is_empty() {
            warnings.push(format!(
                "{}: outlier run(s) {:?} (modified z-score > 3.5 on wall time); consider more repetitions or a quieter machine",
                c.id, outlier_reps
            ));
        }
        let base = walls(&c.baseline);
        let (speedup, speedup_ci) = match (wall.is_empty(), base.is_empty()) {
            (false, false) if c.id == c.baseline => (Some(1.0), Some((1.0, 1.0))),
            (false, false) => {
                let s = median(&base) / median(&wall);
                (
                    Some(s),
                    Some(bootstrap_ci2(&base, &wall, |b, w| median(b) / median(w))),
                )
            }
            _ => (None, None),
        };
        let efficiency = speedup.map(|s| s / c.run.workers as f64);
        let busy: Vec<f64> = ok.iter().map(|r| r.busy_fraction()).collect();
        let busy_fraction = (!busy.is_empty()).then(|| median(&busy));
        let mut phases = PhaseTimes::default();
        if !ok.is_empty() {
            phases.overhead_s = median(&ok.iter().map(|r| r.phases.overhead_s).collect::<Vec<_>>());
            phases.parse_s = median(&ok.iter().map(|r| r.phases.parse_s).collect::<Vec<_>>());
            phases.wait_s = median(&ok.iter().map(|r| r.phases.wait_s).collect::<Vec<_>>());
            phases.insert_s = median(&ok.iter().map(|r| r.phases.insert_s).collect::<Vec<_>>());
            phases.idle_s = median(&ok.iter().map(|r| r.phases.idle_s).collect::<Vec<_>>());
        }
        let batch_time = (!ok.is_empty())
            .then(|| median(&ok.iter().map(|r| r.batch_time_sum_s).collect::<Vec<_>>()));
        let busy_flag = busy_flag(
            busy_fraction,
            efficiency,
            phases.wait_s,
            batch_time.unwrap_or(0.0),
            c.run.workers,
        );
        if let Some(f) = &busy_flag {
            warnings.push(format!("{}: {f}", c.id));
        }
        if c.auto_baseline {
            warnings.push(format!("{}: the sweep has no 1-worker configuration; this sequential baseline was added to compute speedup", c.id));
        }
        out.push(ConfigSummary {
            id: c.id.clone(),
            group: c.group.clone(),
            baseline: c.baseline.clone(),
            auto_baseline: c.auto_baseline,
            engine: c.run.backend.engine.name().into(),
            method: c.run.backend.method.name().into(),
            lock: if c.run.workers == 1 {
                "-".into()
            } else {
                c.run.lock.name().into()
            },
            schedule: if c.run.workers == 1 {
                "-".into()
            } else {
                c.run.schedule.name().into()
            },
            overhead: if c.run.workers == 1 {
                "-".into()
            } else {
                c.run.overhead.preset.clone()
            },
            workers: c.run.workers,
            batch_size: c.run.batch_size,
            records: c.data.records,
            runs: mine.len(),
            failed_runs: failed,
            wall_s,
            records_per_s,
            speedup,
            speedup_ci,
            efficiency,
            busy_fraction,
            busy_flag,
            phases,
            outlier_reps,
            simulated: ok.iter().any(|r| r.simulated),
        });
    }
    (out, warnings)
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

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::backend::BackendOptions;
    use crate::run::config::RunConfig;
    use crate::run::result::Verification;
    use crate::scenario::DataKey;

    pub fn spec(id: &str, workers: usize, baseline: &str) -> ConfigSpec {
        ConfigSpec {
            id: id.into(),
            data: DataKey {
                records: 1000,
                seed: 42,
                text_scale: 1.0,
                malformed_rate: 0.0,
                duplicate_rate: 0.0,
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
    pub fn run(cfg: &ConfigSpec, rep: usize, wall: f64, batch_time: f64, wait: f64) -> RunRecord {
        RunRecord {
            config_id: cfg.id.clone(),
            rep,
            failed: false,
            error: None,
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
                    ..Default::default()
                },
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
                    unique_app_ids: true,
                    checksum_expected: 1,
                    checksum_stored: 1,
                    passed: true,
                    problems: vec![],
                },
                engine_version: "sqlite test".into(),
            }),
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
        let (s, warnings) = summarize(&[b.clone(), w2, w4], &runs);
        assert_eq!(s[0].speedup, Some(1.0), "a baseline's speedup is exactly 1");
        assert_eq!(s[0].efficiency, Some(1.0));
        assert!((s[1].speedup.unwrap() - 2.0).abs() < 1e-12); // 11 / 5.5
        assert!((s[1].efficiency.unwrap() - 1.0).abs() < 1e-12);
        assert!((s[2].speedup.unwrap() - 2.5).abs() < 1e-12); // 11 / 4.4
        assert!((s[2].efficiency.unwrap() - 0.625).abs() < 1e-12);
        let (lo, hi) = s[1].speedup_ci.unwrap();
        assert!(lo <= 2.0 && 2.0 <= hi && lo >= 10.0 / 5.5 - 1e-9 && hi <= 12.0 / 5.5 + 1e-9);
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
    fn failed_runs_are_reported_not_averaged() {
        let b = spec("b", 1, "b");
        let mut bad = run(&b, 1, 1000.0, 1000.0, 0.0);
        bad.failed = true;
        let (s, warnings) = summarize(
            std::slice::from_ref(&b),
            &[run(&b, 0, 10.0, 10.0, 0.0), bad],
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
        let (s, warnings) = summarize(std::slice::from_ref(&b), &runs);
        assert_eq!(s[0].outlier_reps, vec![4]);
        assert!(warnings.iter().any(|w| w.contains("outlier")));
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
}
