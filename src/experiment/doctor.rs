//! `ingestlab doctor`: is this machine fit for a long sweep? It reads the
//! frequency governor, turbo, other load, steal, memory and free disk, then
//! measures a small fixed ingest in rounds (1 and 2 workers, each twice: an
//! A/A test) and reports the run-time variation, the drift per minute and
//! how many rounds a sweep needs for a ±5% speedup interval here. It
//! changes nothing on the machine (pyperf's `system check` is the model).

use super::measure::{Bench, EngineBench};
use super::progress::Progress;
use crate::analysis::paired::{PairedRatio, paired_ratio};
use crate::analysis::stats::{mean, median, std_dev};
use crate::machine::{self, MachineLog};
use crate::run::Ctx;
use crate::scenario::ConfigSpec;
use anyhow::Result;
use std::time::{Duration, Instant};

/// Records of the A/A ingest: runs of 20–60 ms, like the quickstart's.
pub const AA_RECORDS: u64 = 3000;
/// Free disk below this is worth a warning before a sweep.
const LOW_DISK_BYTES: u64 = 5_000_000_000;
/// Available memory below this is worth a warning.
const LOW_MEMORY_BYTES: u64 = 2_000_000_000;
/// The precision the rounds estimate is for.
const PRECISION: f64 = 0.05;

/// One finding with its reason and, when something should change, advice.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Finding {
    /// What was checked ("governor", "steal"...).
    pub topic: &'static str,
    /// True when it needs no change.
    pub ok: bool,
    /// What was found, why it matters, and the advice.
    pub text: String,
}

/// The A/A measurement.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct AaResult {
    /// Rounds measured.
    pub rounds: usize,
    /// Coefficient of variation of the 1- and 2-worker run times.
    pub cv_1: f64,
    /// See `cv_1`.
    pub cv_2: f64,
    /// Slope of the speed index over time, percent per minute.
    pub drift_pct_per_min: f64,
    /// The two identical 1-worker configurations against each other.
    pub aa: PairedRatio,
    /// Standard deviation of the per-round log speedup.
    pub log_speedup_sd: f64,
    /// Rounds a sweep needs for a ±5% speedup interval at this noise.
    pub rounds_needed: usize,
}

/// Everything the doctor found.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Checkup {
    /// The checks of the machine's settings and load.
    pub findings: Vec<Finding>,
    /// The A/A measurement, unless it was skipped.
    pub aa: Option<AaResult>,
}

/// The machine's settings and load, then an A/A measurement for about
/// `seconds`.
pub fn checkup(ctx: &Ctx, seconds: f64, progress: &dyn Progress) -> Result<Checkup> {
    let mut findings = settings();
    findings.extend(load());
    let aa = measure(ctx, seconds, progress)?;
    if let Some(a) = &aa {
        findings.extend(advice(a));
    }
    Ok(Checkup { findings, aa })
}

fn finding(topic: &'static str, ok: bool, text: String) -> Finding {
    Finding { topic, ok, text }
}

/// Governor, turbo, memory and disk.
fn settings() -> Vec<Finding> {
    let mut f = Vec::new();
    f.push(match machine::governor() {
        Some(g) if g == "performance" => finding("governor", true, "the 'performance' governor holds the clock steady".into()),
        Some(g) => finding("governor", false, format!("governor '{g}': the clock follows the load, so the first runs after a pause run slower; for a sweep, `cpupower frequency-set -g performance` (ingestlab changes nothing)")),
        None => finding("governor", true, "no cpufreq here (a virtual machine, usually): the clock is the host's to change, so watch the drift below".into()),
    });
    if let Some(true) = machine::turbo() {
        f.push(finding("turbo", false, "turbo is on: the clock rises and falls with temperature, so absolute times drift; rounds pair speedups against it, but for absolute times turn it off".into()));
    }
    if let Some(m) = machine::mem_available() {
        f.push(finding("memory", m >= LOW_MEMORY_BYTES, format!("{:.1} GB available{}", m as f64 / 1e9, if m < LOW_MEMORY_BYTES { ": large sweeps may swap and their times will say more about swapping than the engines" } else { "" })));
    }
    if let Some(d) = super::plan::free_disk(&std::env::temp_dir()) {
        f.push(finding(
            "disk",
            d >= LOW_DISK_BYTES,
            format!(
                "{:.1} GB free in the temporary folder{}",
                d as f64 / 1e9,
                if d < LOW_DISK_BYTES {
                    ": large inputs and their databases may not fit"
                } else {
                    ""
                }
            ),
        ));
    }
    f
}

/// Other load and steal over one quiet second.
fn load() -> Vec<Finding> {
    let mut log = MachineLog::default();
    if log.mark().is_none() {
        return vec![finding(
            "load",
            true,
            "no /proc/stat: load and steal cannot be read here".into(),
        )];
    }
    std::thread::sleep(Duration::from_secs(1));
    log.mark();
    let Some(s) = log.sample_last(1.0) else {
        return vec![];
    };
    vec![
        finding(
            "load",
            s.foreign_cores <= machine::FOREIGN_FLAG_CORES,
            format!(
                "other processes kept {:.2} cores busy{}",
                s.foreign_cores,
                if s.foreign_cores > machine::FOREIGN_FLAG_CORES {
                    ": they compete with the runs; stop them or expect flagged runs"
                } else {
                    ""
                }
            ),
        ),
        finding(
            "steal",
            s.steal_share <= machine::STEAL_FLAG,
            format!(
                "{:.1}% of the CPU time stolen by the hypervisor{}",
                100.0 * s.steal_share,
                if s.steal_share > machine::STEAL_FLAG {
                    ": other guests share this host; runs will drift"
                } else {
                    ""
                }
            ),
        ),
    ]
}

/// The A/A configurations: 1 and 2 workers on SQLite, each twice.
fn aa_configs() -> Result<Vec<ConfigSpec>> {
    let s = crate::scenario::parse(
        &format!(
            "name = \"doctor\"\n[data]\nrecords = [{AA_RECORDS}]\n[sweep]\nworkers = [1, 2]\n"
        ),
        std::path::Path::new("doctor"),
        &[],
    )?;
    let one = crate::scenario::expand(&s);
    let mut out = Vec::new();
    for copy in ["a", "b"] {
        for c in &one {
            let mut c = c.clone();
            c.id = format!("{}/{copy}", c.id);
            out.push(c);
        }
    }
    Ok(out)
}

/// Rounds of the four configurations (ABBA) for about `seconds`.
fn measure(ctx: &Ctx, seconds: f64, progress: &dyn Progress) -> Result<Option<AaResult>> {
    let configs = aa_configs()?;
    let dir = crate::store::work_dir()?;
    let mut bench = EngineBench::new(ctx, dir.path())?;
    for c in &configs {
        if !bench.warmup(c)? {
            return Ok(None);
        }
    }
    let start = Instant::now();
    let mut times: Vec<[f64; 4]> = Vec::new();
    let mut at_min: Vec<f64> = Vec::new();
    let rounds_max = (seconds.max(1.0) * 100.0) as usize;
    progress.start(rounds_max, 4, 0);
    while start.elapsed().as_secs_f64() < seconds && times.len() < rounds_max {
        let r = times.len();
        progress.round(r, rounds_max);
        let mut row = [0.0; 4];
        let order: Vec<usize> = if r.is_multiple_of(2) {
            vec![0, 1, 2, 3]
        } else {
            vec![3, 2, 1, 0]
        };
        for (k, i) in order.into_iter().enumerate() {
            let Some(rec) = bench.measure(&configs[i], r, progress)? else {
                return Ok(None);
            };
            row[i] = rec.result.map_or(f64::NAN, |x| x.wall_s);
            progress.run_done(k + 1, 4);
        }
        if row.iter().all(|x| x.is_finite()) {
            times.push(row);
            at_min.push(start.elapsed().as_secs_f64() / 60.0);
        }
    }
    Ok((times.len() >= 6).then(|| summarise(&times, &at_min)))
}

/// The A/A statistics from rows of (w1 a, w2 a, w1 b, w2 b) run times.
fn summarise(times: &[[f64; 4]], at_min: &[f64]) -> AaResult {
    let col = |i: usize| times.iter().map(|r| r[i]).collect::<Vec<f64>>();
    let cv = |v: &[f64]| std_dev(v) / mean(v);
    let one: Vec<f64> = col(0).into_iter().chain(col(2)).collect();
    let two: Vec<f64> = col(1).into_iter().chain(col(3)).collect();
    let aa = paired_ratio(&col(0), &col(2));
    let log_speedup: Vec<f64> = times.iter().map(|r| (r[0] / r[1]).ln()).collect();
    let sd = std_dev(&log_speedup);
    // Wilcoxon's interval is about √(π/3) wider than the normal one.
    let z = 1.96 * (std::f64::consts::PI / 3.0).sqrt();
    let needed = (z * sd / (1.0 + PRECISION).ln()).powi(2).ceil() as usize;
    AaResult {
        rounds: times.len(),
        cv_1: cv(&one),
        cv_2: cv(&two),
        drift_pct_per_min: drift_slope(times, at_min),
        aa,
        log_speedup_sd: sd,
        rounds_needed: needed.max(crate::scenario::repeat::MIN_AUTO_ROUNDS),
    }
}

/// Least-squares slope of ln(speed index) over minutes, percent per minute.
fn drift_slope(times: &[[f64; 4]], at_min: &[f64]) -> f64 {
    let med: Vec<f64> = (0..4)
        .map(|i| median(&times.iter().map(|r| r[i]).collect::<Vec<_>>()))
        .collect();
    let y: Vec<f64> = times
        .iter()
        .map(|r| (0..4).map(|i| (r[i] / med[i]).ln()).sum::<f64>() / 4.0)
        .collect();
    let (mx, my) = (mean(at_min), mean(&y));
    let sxx: f64 = at_min.iter().map(|x| (x - mx).powi(2)).sum();
    if sxx == 0.0 {
        return 0.0;
    }
    let sxy: f64 = at_min
        .iter()
        .zip(&y)
        .map(|(x, y)| (x - mx) * (y - my))
        .sum();
    100.0 * (sxy / sxx)
}

/// What the A/A measurement means for a sweep.
fn advice(a: &AaResult) -> Vec<Finding> {
    let aa_ok = a.aa.ci.low <= 1.0 && 1.0 <= a.aa.ci.high;
    vec![
        finding(
            "noise",
            a.cv_2 <= 0.10,
            format!(
                "run times vary by {:.1}% (1 worker) and {:.1}% (2 workers) over {} rounds{}",
                100.0 * a.cv_1,
                100.0 * a.cv_2,
                a.rounds,
                if a.cv_2 > 0.10 {
                    ": noisy; longer runs (more records) or more rounds narrow the intervals"
                } else {
                    ""
                }
            ),
        ),
        finding(
            "drift",
            a.drift_pct_per_min.abs() <= 5.0,
            format!(
                "the machine's speed drifted {:+.1}% per minute{}",
                a.drift_pct_per_min,
                if a.drift_pct_per_min.abs() > 5.0 {
                    ": absolute times from different minutes disagree; compare speedups and relative times, which rounds pair"
                } else {
                    ""
                }
            ),
        ),
        finding(
            "a/a",
            aa_ok,
            format!(
                "two identical configurations measured {:.3}× apart ({} {:.3}–{:.3}){}",
                a.aa.estimate,
                a.aa.ci.label(),
                a.aa.ci.low,
                a.aa.ci.high,
                if aa_ok {
                    ""
                } else {
                    ": identical runs differ beyond their interval; something on the machine favours one position in the round"
                }
            ),
        ),
        finding(
            "rounds",
            true,
            format!(
                "a sweep needs about {} rounds for ±{:.0}% speedup intervals here (`repetitions = \"auto\"` finds it by itself)",
                a.rounds_needed,
                100.0 * PRECISION
            ),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_steady_machine_needs_few_rounds_and_a_slowing_one_shows_its_drift() {
        // Speedup 2 with ±2% alternating noise, and no drift.
        let steady: Vec<[f64; 4]> = (0..10)
            .map(|r| {
                let n = if r % 2 == 0 { 1.02 } else { 0.98 };
                [1.0, 0.5 * n, 1.0, 0.5 / n]
            })
            .collect();
        let minutes: Vec<f64> = (0..10).map(|r| r as f64 * 0.1).collect();
        let a = summarise(&steady, &minutes);
        assert!(a.drift_pct_per_min.abs() < 1.0, "{}", a.drift_pct_per_min);
        assert_eq!(a.rounds_needed, crate::scenario::repeat::MIN_AUTO_ROUNDS);
        assert!((a.aa.estimate - 1.0).abs() < 1e-12);
        // Every run 10% slower per minute.
        let slowing: Vec<[f64; 4]> = (0..10)
            .map(|r| {
                let k = (0.1 * minutes[r]).exp();
                [k, 0.5 * k, k, 0.5 * k]
            })
            .collect();
        let d = summarise(&slowing, &minutes);
        assert!(
            (d.drift_pct_per_min - 10.0).abs() < 1e-6,
            "{}",
            d.drift_pct_per_min
        );
        let adv = advice(&d);
        assert!(adv.iter().any(|f| f.topic == "drift" && !f.ok), "{adv:?}");
    }
}
