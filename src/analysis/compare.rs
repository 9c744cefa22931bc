//! Two sets of runs side by side: the change in median wall time, its
//! interval, and a verdict from a test that can be stated:
//!
//! - the two-sided Mann–Whitney U test on the run times (exact null
//!   distribution; normal approximation with continuity correction once
//!   m·n > 2,500), at significance [`ALPHA`];
//! - the interval of the time ratio b/a ([`stats::ratio_interval`]);
//! - the verdict, as criterion.rs decides "improved / regressed / no
//!   change": *faster* or *slower* when p < α and the whole interval lies
//!   beyond the noise threshold ([`NOISE`], ±2%); *within noise* when p < α
//!   but the interval reaches into ±2%; *no difference detected* when
//!   p ≥ α. With 3 runs against 3 the smallest possible p is 0.1, so no
//!   difference can ever be detected: at least 4 and 4 are needed.

use super::stats::{self, Interval, median};
use crate::choice::choice;

/// Significance level of the test.
pub const ALPHA: f64 = 0.05;
/// Changes of the typical run time within ±2% are called noise.
pub const NOISE: f64 = 0.02;

choice! {
    /// What a comparison concludes about B against A.
    pub enum Verdict: "verdict" {
        Faster = "faster",
        Slower = "slower",
        WithinNoise = "within noise",
        NoDifference = "no difference detected",
    }
}

/// B against A: times, the change and its verdict.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Change {
    pub a_runs: usize,
    pub b_runs: usize,
    pub a_median_s: f64,
    pub b_median_s: f64,
    /// median(b) / median(a): below 1, B is faster.
    pub time_ratio: f64,
    /// The interval of the time ratio, with its level.
    pub ratio_ci: Interval,
    /// Change in throughput, percent: positive when B is faster.
    pub throughput_change_pct: f64,
    pub p_value: f64,
    pub verdict: Verdict,
}

/// The two-sided p-value of the Mann–Whitney U test of `a` against `b`.
pub fn mann_whitney_p(a: &[f64], b: &[f64]) -> f64 {
    let (m, n) = (a.len(), b.len());
    if m == 0 || n == 0 {
        return 1.0;
    }
    // U = pairs with a > b, ties counting one half.
    let u: f64 = a
        .iter()
        .map(|x| {
            b.iter()
                .map(|y| {
                    if x > y {
                        1.0
                    } else if x == y {
                        0.5
                    } else {
                        0.0
                    }
                })
                .sum::<f64>()
        })
        .sum();
    let mn = (m * n) as f64;
    let lower = u.min(mn - u);
    let p = if m * n <= 2500 {
        stats::mann_whitney_cdf(m, n, lower.floor() as usize)
    } else {
        let mean = mn / 2.0;
        let sd = (mn * (m + n + 1) as f64 / 12.0).sqrt();
        normal_cdf((lower + 0.5 - mean) / sd)
    };
    (2.0 * p).min(1.0)
}

/// The standard normal distribution function (Abramowitz & Stegun 7.1.26
/// through erf; absolute error below 1.5e-7).
fn normal_cdf(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.327_591_1 * x);
    let y = 1.0
        - (((((1.061_405_429 * t - 1.453_152_027) * t) + 1.421_413_741) * t - 0.284_496_736) * t
            + 0.254_829_592)
            * t
            * (-x * x).exp();
    if z >= 0.0 {
        0.5 * (1.0 + y)
    } else {
        0.5 * (1.0 - y)
    }
}

/// Compares run times `b` against `a` (seconds, positive).
///
/// # Panics
/// If either is empty.
pub fn compare_times(a: &[f64], b: &[f64]) -> Change {
    let (am, bm) = (median(a), median(b));
    let ratio_ci = stats::ratio_interval(b, a);
    let p = mann_whitney_p(a, b);
    let beyond_noise = ratio_ci.high < 1.0 - NOISE || ratio_ci.low > 1.0 + NOISE;
    let verdict = if p >= ALPHA {
        Verdict::NoDifference
    } else if !beyond_noise {
        Verdict::WithinNoise
    } else if bm < am {
        Verdict::Faster
    } else {
        Verdict::Slower
    };
    Change {
        a_runs: a.len(),
        b_runs: b.len(),
        a_median_s: am,
        b_median_s: bm,
        time_ratio: bm / am,
        ratio_ci,
        throughput_change_pct: 100.0 * (am / bm - 1.0),
        p_value: p,
        verdict,
    }
}

impl Change {
    /// One sentence: "B is 12.3% faster (time ratio 0.89, 96.8% CI
    /// 0.86–0.92; Mann–Whitney p = 0.008)".
    pub fn sentence(&self, a: &str, b: &str) -> String {
        let ci = format!(
            "time ratio {:.3}, {} {:.3}–{:.3}; Mann–Whitney p = {:.3}, {} vs {} runs",
            self.time_ratio,
            self.ratio_ci.label(),
            self.ratio_ci.low,
            self.ratio_ci.high,
            self.p_value,
            self.b_runs,
            self.a_runs
        );
        match self.verdict {
            Verdict::Faster => format!(
                "{b} is {:.1}% faster than {a} ({ci})",
                self.throughput_change_pct
            ),
            Verdict::Slower => format!(
                "{b} is {:.1}% slower than {a} ({ci})",
                100.0 * (self.time_ratio - 1.0)
            ),
            Verdict::WithinNoise => format!(
                "{b} and {a} differ by less than the ±{:.0}% noise threshold ({ci})",
                NOISE * 100.0
            ),
            Verdict::NoDifference => format!("{b} and {a} cannot be told apart ({ci})"),
        }
    }
}

/// One configuration of A against one of B.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ConfigChange {
    pub a_config: String,
    pub b_config: String,
    pub change: Change,
}

/// What two sets of runs have in common and what only one of them has.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunComparison {
    pub changes: Vec<ConfigChange>,
    /// Configurations measured in A only, and in B only.
    pub only_a: Vec<String>,
    pub only_b: Vec<String>,
    /// Configurations present in both but without a measured run in one.
    pub unmeasured: Vec<String>,
}

/// The wall times of `config`'s successful runs.
fn times(runs: &[super::RunRecord], config: &str) -> Vec<f64> {
    runs.iter()
        .filter(|r| r.config_id == config && !r.failed)
        .filter_map(|r| r.result.as_ref().map(|x| x.wall_s))
        .collect()
}

/// Compares `pairs` of configurations (A's id, B's id): each pair's run
/// times, B against A.
pub fn compare_pairs(
    a: &[super::RunRecord],
    b: &[super::RunRecord],
    pairs: &[(String, String)],
) -> RunComparison {
    let mut out = RunComparison::default();
    for (ia, ib) in pairs {
        let (ta, tb) = (times(a, ia), times(b, ib));
        if ta.is_empty() || tb.is_empty() {
            out.unmeasured.push(if ia == ib {
                ia.clone()
            } else {
                format!("{ia} / {ib}")
            });
            continue;
        }
        out.changes.push(ConfigChange {
            a_config: ia.clone(),
            b_config: ib.clone(),
            change: compare_times(&ta, &tb),
        });
    }
    out
}

/// Compares every configuration A and B share (by id), in A's order,
/// and lists those only one of them has.
pub fn compare_shared(
    a_ids: &[String],
    b_ids: &[String],
    a: &[super::RunRecord],
    b: &[super::RunRecord],
) -> RunComparison {
    let pairs: Vec<(String, String)> = a_ids
        .iter()
        .filter(|id| b_ids.contains(id))
        .map(|id| (id.clone(), id.clone()))
        .collect();
    let mut out = compare_pairs(a, b, &pairs);
    out.only_a = a_ids
        .iter()
        .filter(|id| !b_ids.contains(id))
        .cloned()
        .collect();
    out.only_b = b_ids
        .iter()
        .filter(|id| !a_ids.contains(id))
        .cloned()
        .collect();
    out
}

/// One line of a simulated-versus-measured comparison.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Comparison {
    pub config_id: String,
    pub workers: usize,
    pub measured_wall_s: f64,
    pub simulated_wall_s: f64,
    /// (simulated − measured) / measured.
    pub error: f64,
}

/// Compares the median wall times of configurations both sets of
/// summaries hold, with at most `max_workers` workers.
pub fn compare_reports(
    measured: &[super::ConfigSummary],
    simulated: &[super::ConfigSummary],
    max_workers: usize,
) -> Vec<Comparison> {
    measured
        .iter()
        .filter(|m| m.workers() <= max_workers)
        .filter_map(|m| {
            let s = simulated.iter().find(|s| s.id == m.id)?;
            let (mw, sw) = (m.wall_s?.median, s.wall_s?.median);
            Some(Comparison {
                config_id: m.id.clone(),
                workers: m.workers(),
                measured_wall_s: mw,
                simulated_wall_s: sw,
                error: (sw - mw) / mw,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runs(median: f64, n: usize) -> Vec<f64> {
        (0..n)
            .map(|k| median * (1.0 + 0.01 * (k as f64 - (n as f64 - 1.0) / 2.0)))
            .collect()
    }

    #[test]
    fn identical_inputs_show_no_change() {
        let a = runs(2.0, 7);
        let c = compare_times(&a, &a);
        assert_eq!(c.verdict, Verdict::NoDifference);
        assert!((c.time_ratio - 1.0).abs() < 1e-12);
        assert!(c.p_value > 0.9, "{}", c.p_value);
    }

    #[test]
    fn a_known_shift_is_detected_with_its_sign_and_size() {
        let a = runs(2.0, 7);
        let b = runs(1.6, 7);
        let c = compare_times(&a, &b);
        assert_eq!(c.verdict, Verdict::Faster);
        assert!((c.time_ratio - 0.8).abs() < 1e-9);
        assert!((c.throughput_change_pct - 25.0).abs() < 1e-9);
        assert!(c.ratio_ci.low < 0.8 && 0.8 < c.ratio_ci.high && c.ratio_ci.high < 0.98);
        assert!(c.p_value < 0.001);
        let back = compare_times(&b, &a);
        assert_eq!(back.verdict, Verdict::Slower);
        assert!(
            c.sentence("A", "B").starts_with("B is 25.0% faster than A"),
            "{}",
            c.sentence("A", "B")
        );
    }

    #[test]
    fn a_tiny_but_consistent_shift_is_noise_and_three_runs_prove_nothing() {
        let a = runs(2.0, 9);
        let b: Vec<f64> = a.iter().map(|x| x * 0.995).collect();
        let c = compare_times(&a, &b);
        assert_ne!(c.verdict, Verdict::Faster, "{c:?}");
        // 3 against 3: the smallest two-sided p is 2/20.
        let c = compare_times(&runs(2.0, 3), &runs(1.0, 3));
        assert!((c.p_value - 0.1).abs() < 1e-12);
        assert_eq!(c.verdict, Verdict::NoDifference);
    }

    fn record(config: &str, rep: usize, wall_s: f64, failed: bool) -> crate::analysis::RunRecord {
        let mut r = crate::analysis::summary::tests::run(
            &crate::analysis::summary::tests::spec(config, 1, config),
            rep,
            wall_s,
            wall_s,
            0.0,
        );
        r.failed = failed;
        r
    }

    #[test]
    fn shared_configurations_are_paired_and_the_rest_listed() {
        let ids = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let mut a = Vec::new();
        let mut b = Vec::new();
        for k in 0..6 {
            let f = 1.0 + 0.01 * k as f64;
            a.push(record("x", k, 2.0 * f, false));
            b.push(record("x", k, 1.0 * f, false));
            a.push(record("only-a", k, 1.0, false));
            b.push(record("only-b", k, 1.0, false));
            a.push(record("y", k, 1.0, false));
            b.push(record("y", k, 1.0, true));
        }
        let c = compare_shared(
            &ids(&["x", "only-a", "y"]),
            &ids(&["y", "x", "only-b"]),
            &a,
            &b,
        );
        assert_eq!(c.changes.len(), 1);
        let x = &c.changes[0];
        assert_eq!(
            (x.a_config.as_str(), x.change.verdict),
            ("x", Verdict::Faster)
        );
        assert!((x.change.throughput_change_pct - 100.0).abs() < 1e-9);
        assert_eq!(c.only_a, ["only-a"]);
        assert_eq!(c.only_b, ["only-b"]);
        // Every run of y failed in B: listed, never compared.
        assert_eq!(c.unmeasured, ["y"]);
    }

    #[test]
    fn large_samples_use_the_normal_approximation() {
        let a: Vec<f64> = (0..60).map(|k| 2.0 + 0.001 * k as f64).collect();
        let b: Vec<f64> = a.iter().map(|x| x + 0.1).collect();
        assert!(mann_whitney_p(&a, &b) < 1e-6);
        assert!((normal_cdf(1.959_964) - 0.975).abs() < 1e-6);
    }
}
