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
//!
//! Inside one sweep measured in rounds, two configurations ran side by
//! side in every round: they are compared pair by pair (Wilcoxon
//! signed-rank test, paired interval, `analysis::paired`). Across two
//! sweeps nothing is paired, and the machine may have run at another speed
//! altogether; so a multi-worker configuration is compared by its time
//! relative to its own sweep's sequential run of the same round (what
//! drift cannot move), with the absolute times beside it.

use super::paired::{matched, paired_ratio, signed_rank_p};
use super::stats::{self, Interval, median};
use crate::choice::choice;
use crate::scenario::ConfigSpec;
use crate::scenario::facets::Dim;

/// Significance level of the test.
pub const ALPHA: f64 = 0.05;
/// Changes of the typical run time within ±2% are called noise.
pub const NOISE: f64 = 0.02;

choice! {
    /// What a comparison concludes about B against A.
    pub enum Verdict: "verdict" {
        /// B is faster: significant, and the time ratio's interval lies
        /// wholly below 1 − [`NOISE`].
        Faster = "faster",
        /// B is slower: significant, and the interval lies wholly above
        /// 1 + [`NOISE`].
        Slower = "slower",
        /// Significant, but the interval reaches into the ±[`NOISE`] band.
        WithinNoise = "within noise",
        /// Not significant at [`ALPHA`].
        NoDifference = "no difference detected",
    }
}

/// B against A: times, the change and its verdict.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Change {
    /// Runs of A compared.
    pub a_runs: usize,
    /// Runs of B compared.
    pub b_runs: usize,
    /// A's median time, seconds (or relative time, see `ConfigChange`).
    pub a_median_s: f64,
    /// B's median time, likewise.
    pub b_median_s: f64,
    /// median(b) / median(a): below 1, B is faster.
    pub time_ratio: f64,
    /// The interval of the time ratio, with its level.
    pub ratio_ci: Interval,
    /// Change in throughput, percent: positive when B is faster.
    pub throughput_change_pct: f64,
    /// The test's p-value (Wilcoxon signed-rank when paired, else
    /// Mann–Whitney).
    pub p_value: f64,
    /// What the comparison concludes.
    pub verdict: Verdict,
    /// Rounds paired (Wilcoxon signed-rank); 0 when unpaired (Mann–Whitney).
    #[serde(default)]
    pub paired_rounds: usize,
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
    let verdict = verdict(p, &ratio_ci, bm < am);
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
        paired_rounds: 0,
    }
}

/// The verdict for a time ratio, its interval and p (see the module doc).
fn verdict(p: f64, ci: &Interval, b_faster: bool) -> Verdict {
    let beyond_noise = ci.high < 1.0 - NOISE || ci.low > 1.0 + NOISE;
    if p >= ALPHA {
        Verdict::NoDifference
    } else if !beyond_noise {
        Verdict::WithinNoise
    } else if b_faster {
        Verdict::Faster
    } else {
        Verdict::Slower
    }
}

/// Compares run times `b[i]` against `a[i]`, measured side by side in
/// round i.
///
/// # Panics
/// If the slices are empty or differ in length.
pub fn compare_paired(a: &[f64], b: &[f64]) -> Change {
    let r = paired_ratio(b, a);
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| y.ln() - x.ln()).collect();
    let p = signed_rank_p(&d);
    Change {
        a_runs: a.len(),
        b_runs: b.len(),
        a_median_s: median(a),
        b_median_s: median(b),
        time_ratio: r.estimate,
        ratio_ci: r.ci,
        throughput_change_pct: 100.0 * (1.0 / r.estimate - 1.0),
        p_value: p,
        verdict: verdict(p, &r.ci, r.estimate < 1.0),
        paired_rounds: a.len(),
    }
}

impl Change {
    /// One sentence: "B is 12.3% faster (time ratio 0.89, 96.8% CI
    /// 0.86–0.92; Mann–Whitney p = 0.008)".
    pub fn sentence(&self, a: &str, b: &str) -> String {
        let test = if self.paired_rounds > 0 {
            format!(
                "Wilcoxon signed-rank p = {:.3}, {} rounds paired",
                self.p_value, self.paired_rounds
            )
        } else {
            format!(
                "Mann–Whitney p = {:.3}, {} vs {} runs",
                self.p_value, self.b_runs, self.a_runs
            )
        };
        let ci = format!(
            "time ratio {:.3}, {} {:.3}–{:.3}; {test}",
            self.time_ratio,
            self.ratio_ci.label(),
            self.ratio_ci.low,
            self.ratio_ci.high,
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
    /// The configuration of A.
    pub a_config: String,
    /// The configuration of B paired with it.
    pub b_config: String,
    /// The verdict's comparison: of wall times, or (across sweeps, for a
    /// multi-worker configuration) of times relative to each sweep's own
    /// sequential run of the same round.
    pub change: Change,
    /// True when `change` compares relative times.
    #[serde(default)]
    pub relative: bool,
    /// The absolute wall times beside a relative comparison (they include
    /// the machine's drift between the sweeps).
    #[serde(default)]
    pub absolute: Option<Change>,
}

/// What two sets of runs have in common and what only one of them has.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunComparison {
    /// Every paired configuration's change.
    pub changes: Vec<ConfigChange>,
    /// Configurations measured in A only.
    pub only_a: Vec<String>,
    /// Configurations measured in B only.
    pub only_b: Vec<String>,
    /// Configurations present in both but without a measured run in one.
    pub unmeasured: Vec<String>,
    /// The facets the two sweeps vary, left out of the pairing (a schedule
    /// or a per-record work changed between them, say).
    #[serde(default)]
    pub ignored: Vec<String>,
}

/// Two configurations of one sweep, B against A: round by round when the
/// sweep ran in rounds (`paired`) and they share 2 rounds or more, else
/// their run times side by side; None when either has no successful run.
pub fn compare_configs(
    runs: &[super::RunRecord],
    a: &str,
    b: &str,
    paired: bool,
) -> Option<Change> {
    if let Some(c) = paired.then(|| compare_in_rounds(runs, a, b)).flatten() {
        return Some(c.change);
    }
    let (ta, tb) = (times(runs, a), times(runs, b));
    (!ta.is_empty() && !tb.is_empty()).then(|| compare_times(&ta, &tb))
}

/// The wall times of `config`'s successful runs.
fn times(runs: &[super::RunRecord], config: &str) -> Vec<f64> {
    runs.iter()
        .filter(|r| r.config_id == config && !r.failed)
        .filter_map(|r| r.result.as_ref().map(|x| x.wall_s))
        .collect()
}

/// (round, wall time) of `config`'s successful runs.
fn by_round(runs: &[super::RunRecord], config: &str) -> Vec<(usize, f64)> {
    runs.iter()
        .filter(|r| r.config_id == config && !r.failed)
        .filter_map(|r| r.result.as_ref().map(|x| (r.rep, x.wall_s)))
        .collect()
}

/// Per round, `config`'s time over its baseline's time in the same round.
fn relative_times(runs: &[super::RunRecord], config: &str, baseline: &str) -> Vec<f64> {
    let (t, base) = matched(&by_round(runs, config), &by_round(runs, baseline));
    t.iter().zip(&base).map(|(x, b)| x / b).collect()
}

/// Compares two configurations of one sweep measured in rounds, round by
/// round (B against A); None when they share fewer than 2 rounds.
pub fn compare_in_rounds(runs: &[super::RunRecord], a: &str, b: &str) -> Option<ConfigChange> {
    let (ta, tb) = matched(&by_round(runs, a), &by_round(runs, b));
    (ta.len() >= 2).then(|| ConfigChange {
        a_config: a.to_string(),
        b_config: b.to_string(),
        change: compare_paired(&ta, &tb),
        relative: false,
        absolute: None,
    })
}

/// One side of a comparison across sweeps: its runs and configurations.
#[derive(Clone, Copy)]
pub struct Side<'a> {
    /// Its runs.
    pub runs: &'a [super::RunRecord],
    /// Its configurations.
    pub configs: &'a [ConfigSpec],
    /// Measured in rounds, so relative times pair within the sweep.
    pub rounds: bool,
}

impl Side<'_> {
    fn baseline(&self, id: &str) -> Option<&str> {
        self.configs
            .iter()
            .find(|c| c.id == id && c.baseline != c.id && self.rounds)
            .map(|c| c.baseline.as_str())
    }
}

/// Compares `pairs` of configurations (A's id, B's id) across two sweeps,
/// B against A: multi-worker configurations of sweeps measured in rounds by
/// their time relative to their own sweep's sequential run, with the
/// absolute times beside; the rest by absolute wall times.
pub fn compare_pairs(a: Side, b: Side, pairs: &[(String, String)]) -> RunComparison {
    let mut out = RunComparison::default();
    for (ia, ib) in pairs {
        let (ta, tb) = (times(a.runs, ia), times(b.runs, ib));
        let rel = a.baseline(ia).zip(b.baseline(ib)).map(|(ba, bb)| {
            (
                relative_times(a.runs, ia, ba),
                relative_times(b.runs, ib, bb),
            )
        });
        if let Some((ra, rb)) = rel.filter(|(ra, rb)| !ra.is_empty() && !rb.is_empty()) {
            out.changes.push(ConfigChange {
                a_config: ia.clone(),
                b_config: ib.clone(),
                change: compare_times(&ra, &rb),
                relative: true,
                absolute: Some(compare_times(&ta, &tb)),
            });
            continue;
        }
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
            relative: false,
            absolute: None,
        });
    }
    out
}

/// The facets whose values differ between two sweeps as a whole (the
/// setting a user changed between them), worker counts aside.
pub fn varied_between(a: &[ConfigSpec], b: &[ConfigSpec]) -> Vec<Dim> {
    let values = |s: &[ConfigSpec], d: Dim| {
        let mut v: Vec<String> = s.iter().filter_map(|c| c.facets().piece(d)).collect();
        v.sort();
        v.dedup();
        v
    };
    Dim::ALL
        .into_iter()
        .filter(|d| *d != Dim::Workers && values(a, *d) != values(b, *d))
        .collect()
}

/// Pairs each configuration of A with the one of B that agrees on every
/// facet but `ignore` (the same id when nothing is ignored), in A's order.
pub fn pair_by_facets(a: &[ConfigSpec], b: &[ConfigSpec], ignore: &[Dim]) -> Vec<(String, String)> {
    let key = |c: &ConfigSpec| ignore.iter().fold(c.facets(), |f, d| f.without(*d));
    let mut taken = vec![false; b.len()];
    let mut pairs: Vec<Option<(String, String)>> = vec![None; a.len()];
    // The same id first, then the same facets.
    for same_id in [true, false] {
        for (k, x) in a.iter().enumerate() {
            if pairs[k].is_some() {
                continue;
            }
            let found = b.iter().enumerate().find(|(i, y)| {
                !taken[*i]
                    && if same_id {
                        y.id == x.id
                    } else {
                        key(y) == key(x)
                    }
            });
            if let Some((i, y)) = found {
                taken[i] = true;
                pairs[k] = Some((x.id.clone(), y.id.clone()));
            }
        }
    }
    pairs.into_iter().flatten().collect()
}

/// Compares the configurations A and B share, in A's order: those that
/// agree on every facet except the ones the two sweeps vary, and lists
/// those only one of them has.
pub fn compare_shared(a: Side, b: Side) -> RunComparison {
    let ignore = varied_between(a.configs, b.configs);
    let pairs = pair_by_facets(a.configs, b.configs, &ignore);
    let mut out = compare_pairs(a, b, &pairs);
    out.only_a = a
        .configs
        .iter()
        .filter(|c| !pairs.iter().any(|p| p.0 == c.id))
        .map(|c| c.id.clone())
        .collect();
    out.only_b = b
        .configs
        .iter()
        .filter(|c| !pairs.iter().any(|p| p.1 == c.id))
        .map(|c| c.id.clone())
        .collect();
    out.ignored = ignore
        .iter()
        .map(|d| format!("{d:?}").to_lowercase())
        .collect();
    out
}

/// How far two sweeps' speedups of the same configurations disagree:
/// |S_B / S_A − 1| over every multi-worker configuration both measured.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SpeedupDisagreement {
    /// Configurations compared.
    pub configs: usize,
    /// The median disagreement (0.05 = 5%).
    pub median: f64,
    /// The largest.
    pub worst: f64,
}

/// The speedup disagreement of two sweeps, None when they share no
/// multi-worker configuration with a speedup.
pub fn speedup_disagreement(
    a: &[super::ConfigSummary],
    b: &[super::ConfigSummary],
) -> Option<SpeedupDisagreement> {
    let d: Vec<f64> = a
        .iter()
        .filter(|x| x.workers() > 1)
        .filter_map(|x| {
            let y = b.iter().find(|y| y.id == x.id)?;
            Some((y.speedup? / x.speedup? - 1.0).abs())
        })
        .collect();
    (!d.is_empty()).then(|| SpeedupDisagreement {
        configs: d.len(),
        median: median(&d),
        worst: d.iter().copied().fold(0.0, f64::max),
    })
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
        // Worker counts never pair across: only-a and only-b stay unpaired.
        let cfgs = |v: &[&str]| {
            v.iter()
                .map(|id| {
                    let w = match *id {
                        "only-a" => 4,
                        "only-b" => 8,
                        _ => 1,
                    };
                    crate::analysis::summary::tests::spec(id, w, id)
                })
                .collect::<Vec<_>>()
        };
        let (ca, cb) = (cfgs(&["x", "only-a", "y"]), cfgs(&["y", "x", "only-b"]));
        let side = |runs, configs| Side {
            runs,
            configs,
            rounds: true,
        };
        let c = compare_shared(side(&a, &ca), side(&b, &cb));
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

    /// B's sweep ran on a machine 1.5× slower throughout, and nothing else
    /// changed: its 2-worker configuration's time relative to its own
    /// sequential run is unchanged (no difference), while the absolute
    /// times beside it show the drift as "slower".
    #[test]
    fn across_sweeps_relative_times_do_not_take_drift_for_a_change() {
        use crate::analysis::summary::tests::{run, spec};
        let (b1, w2) = (spec("b1", 1, "b1"), spec("w2", 2, "b1"));
        let configs = vec![b1.clone(), w2.clone()];
        let sweep = |slow: f64| {
            let mut v = Vec::new();
            for k in 0..8 {
                let noise = 1.0 + 0.01 * ((k * 7) % 5) as f64;
                v.push(run(&b1, k, 2.0 * slow * noise, 2.0, 0.0));
                v.push(run(
                    &w2,
                    k,
                    1.2 * slow * noise * (1.0 + 0.003 * (k % 3) as f64),
                    2.0,
                    0.0,
                ));
            }
            v
        };
        let (a, b) = (sweep(1.0), sweep(1.5));
        let side = |runs| Side {
            runs,
            configs: &configs,
            rounds: true,
        };
        let c = compare_pairs(side(&a), side(&b), &[("w2".into(), "w2".into())]);
        let x = &c.changes[0];
        assert!(x.relative);
        assert_ne!(x.change.verdict, Verdict::Slower, "{:?}", x.change);
        assert_ne!(x.change.verdict, Verdict::Faster, "{:?}", x.change);
        assert_eq!(x.absolute.as_ref().unwrap().verdict, Verdict::Slower);
        // Sequential configurations have nothing to be relative to.
        let c = compare_pairs(side(&a), side(&b), &[("b1".into(), "b1".into())]);
        assert!(!c.changes[0].relative);
    }

    #[test]
    fn inside_one_sweep_rounds_are_paired() {
        use crate::analysis::summary::tests::{run, spec};
        let (x, y) = (spec("x", 2, "b"), spec("y", 2, "b"));
        let mut runs = Vec::new();
        // The machine's speed swings 2× between rounds; y is always 5%
        // slower than x in the same round. Unpaired, the swing hides it.
        for (k, speed) in [1.0, 2.0, 1.2, 1.8, 1.4, 1.6, 1.1, 1.9].iter().enumerate() {
            runs.push(run(&x, k, *speed, 2.0, 0.0));
            runs.push(run(&y, k, speed * 1.05, 2.0, 0.0));
        }
        let c = compare_in_rounds(&runs, "x", "y").unwrap();
        assert_eq!(c.change.verdict, Verdict::Slower, "{:?}", c.change);
        assert!((c.change.time_ratio - 1.05).abs() < 1e-9);
        assert!(c.change.sentence("x", "y").contains("8 rounds paired"));
        let unpaired = compare_times(&times(&runs, "x"), &times(&runs, "y"));
        assert_eq!(unpaired.verdict, Verdict::NoDifference);
    }

    #[test]
    fn speedup_disagreement_is_over_multi_worker_configurations() {
        use crate::analysis::summary::tests::{run, spec};
        let cfgs = [spec("b", 1, "b"), spec("w2", 2, "b"), spec("w4", 4, "b")];
        let sweep = |t2: f64, t4: f64| {
            let runs: Vec<_> = (0..6)
                .flat_map(|k| {
                    [
                        run(&cfgs[0], k, 2.0, 2.0, 0.0),
                        run(&cfgs[1], k, t2, 2.0, 0.0),
                        run(&cfgs[2], k, t4, 2.0, 0.0),
                    ]
                })
                .collect();
            crate::analysis::summarize(&cfgs, &runs, true).0
        };
        // Speedups 2 and 4 against 2.2 and 3.6: off by 10% each.
        let d = speedup_disagreement(&sweep(1.0, 0.5), &sweep(2.0 / 2.2, 2.0 / 3.6)).unwrap();
        assert_eq!(d.configs, 2);
        assert!(
            (d.median - 0.1).abs() < 1e-9 && (d.worst - 0.1).abs() < 1e-9,
            "{d:?}"
        );
    }

    #[test]
    fn large_samples_use_the_normal_approximation() {
        let a: Vec<f64> = (0..60).map(|k| 2.0 + 0.001 * k as f64).collect();
        let b: Vec<f64> = a.iter().map(|x| x + 0.1).collect();
        assert!(mann_whitney_p(&a, &b) < 1e-6);
        assert!((normal_cdf(1.959_964) - 0.975).abs() < 1e-6);
    }
}
