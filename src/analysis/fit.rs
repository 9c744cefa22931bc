//! Scalability laws fitted to a speedup curve.
//!
//! - Amdahl's law: S(n) = 1 / (s + (1 − s)/n), s the serial fraction.
//!   Linearised as 1/S − 1/n = s (1 − 1/n) and fitted by least squares
//!   through the origin.
//! - The Universal Scalability Law (Gunther, *Guerrilla Capacity
//!   Planning*, 2007, ch. 4): S(n) = n / (1 + σ(n − 1) + κ n(n − 1)), σ
//!   contention, κ coherency. Linearised as n/S − 1 = σ(n − 1) + κ n(n − 1)
//!   and fitted by least squares without intercept, as Gunther does.
//!   Peak at N* = √((1 − σ)/κ) when κ > 0.
//!
//! R² is computed on the speedups themselves, not on the linearised form.
//! Intervals are 95% percentile-bootstrap intervals over the data points,
//! approximate, and given only when some worker count was measured more
//! than once (with one point per worker count there is nothing to resample
//! but the curve itself).
//!
//! A fit is reported as a result only with evidence: at least
//! [`MIN_WORKER_COUNTS`] worker counts and R² ≥ [`MIN_R2`] for the model;
//! otherwise the report says why there is no fit.

use super::stats::{Interval, Method, quantile_sorted};

/// Worker counts (1 included) a curve needs before a fit is shown.
pub const MIN_WORKER_COUNTS: usize = 4;
/// The share of the speedups' variance a model must explain to be shown.
pub const MIN_R2: f64 = 0.90;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// One measured point: workers and speedup (or throughput relative to 1).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Point {
    /// Workers.
    pub n: f64,
    /// The speedup measured at `n`.
    pub speedup: f64,
}

/// Amdahl's and the Universal Scalability Law's fits to measured speedups.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Fit {
    /// Distinct worker counts behind the fit.
    pub worker_counts: usize,
    /// Amdahl's serial fraction s.
    pub amdahl_serial: f64,
    /// Its percentile bootstrap interval (nominal 95%, stated in the
    /// interval); None without replicated points.
    #[serde(deserialize_with = "bootstrap_ci")]
    pub amdahl_serial_ci: Option<Interval>,
    /// R² of Amdahl's fit.
    pub amdahl_r2: f64,
    /// The USL's contention coefficient σ.
    pub usl_sigma: f64,
    /// σ's bootstrap interval, as for `amdahl_serial_ci`.
    #[serde(deserialize_with = "bootstrap_ci")]
    pub usl_sigma_ci: Option<Interval>,
    /// The USL's coherency coefficient κ.
    pub usl_kappa: f64,
    /// κ's bootstrap interval, as for `amdahl_serial_ci`.
    #[serde(deserialize_with = "bootstrap_ci")]
    pub usl_kappa_ci: Option<Interval>,
    /// R² of the USL's fit.
    pub usl_r2: f64,
    /// Predicted peak worker count, None when κ ≤ 0 (no peak).
    pub peak_workers: Option<f64>,
    /// The speedup the USL predicts at `peak_workers`.
    pub peak_speedup: Option<f64>,
    /// "contention" (σ) or "coherency" (κ): which term costs more at the
    /// largest measured worker count.
    pub limited_by: String,
    /// What the fit cannot support (too few worker counts, a poor fit...).
    pub warnings: Vec<String>,
}

/// Amdahl's law: the speedup at `n` workers with serial fraction `s`.
pub fn amdahl(s: f64, n: f64) -> f64 {
    1.0 / (s + (1.0 - s) / n)
}

/// The Universal Scalability Law (Gunther): the speedup at `n` workers
/// with contention `sigma` and coherency `kappa`.
pub fn usl(sigma: f64, kappa: f64, n: f64) -> f64 {
    n / (1.0 + sigma * (n - 1.0) + kappa * n * (n - 1.0))
}

fn fit_amdahl(p: &[Point]) -> f64 {
    let (mut xy, mut xx) = (0.0, 0.0);
    for q in p {
        let x = 1.0 - 1.0 / q.n;
        let y = 1.0 / q.speedup - 1.0 / q.n;
        xy += x * y;
        xx += x * x;
    }
    if xx > 0.0 { xy / xx } else { 0.0 }
}

/// Least squares for y = σ a + κ b (no intercept) by the normal equations.
fn fit_usl(p: &[Point]) -> (f64, f64) {
    let (mut aa, mut ab, mut bb, mut ay, mut by) = (0.0, 0.0, 0.0, 0.0, 0.0);
    for q in p {
        let (a, b, y) = (q.n - 1.0, q.n * (q.n - 1.0), q.n / q.speedup - 1.0);
        aa += a * a;
        ab += a * b;
        bb += b * b;
        ay += a * y;
        by += b * y;
    }
    let det = aa * bb - ab * ab;
    if det.abs() < 1e-12 {
        // One distinct n > 1: only contention can be identified.
        return (if aa > 0.0 { ay / aa } else { 0.0 }, 0.0);
    }
    ((ay * bb - by * ab) / det, (aa * by - ab * ay) / det)
}

fn r2(p: &[Point], f: impl Fn(f64) -> f64) -> f64 {
    let mean = p.iter().map(|q| q.speedup).sum::<f64>() / p.len() as f64;
    let ss_tot: f64 = p.iter().map(|q| (q.speedup - mean).powi(2)).sum();
    let ss_res: f64 = p.iter().map(|q| (q.speedup - f(q.n)).powi(2)).sum();
    if ss_tot > 0.0 {
        1.0 - ss_res / ss_tot
    } else if ss_res < 1e-12 {
        1.0
    } else {
        0.0
    }
}

/// Approximate 95% bootstrap intervals of (Amdahl s, USL σ, USL κ) over
/// resampled points; None without replicated points (nothing to resample
/// but the curve) or when too few resamples can be fitted.
type Cis = (Option<Interval>, Option<Interval>, Option<Interval>);

/// The level the fits' bootstrap intervals are made at.
pub const BOOTSTRAP_LEVEL: f64 = 0.95;

/// A fit's interval as results.json holds it: an [`Interval`], or the bare
/// (low, high) pair of results written before intervals carried their
/// level (those were 95% percentile bootstraps too).
fn bootstrap_ci<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Interval>, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Stored {
        Full(Interval),
        Pair(f64, f64),
    }
    let s: Option<Stored> = serde::Deserialize::deserialize(d)?;
    Ok(s.map(|s| match s {
        Stored::Full(i) => i,
        Stored::Pair(low, high) => Interval {
            low,
            high,
            level: BOOTSTRAP_LEVEL,
            method: Method::Bootstrap,
        },
    }))
}

fn bootstrap(points: &[Point], replicated: bool) -> Cis {
    let mut rng = ChaCha8Rng::seed_from_u64(0xF17);
    let (mut bs, mut bsig, mut bkap) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..1000 {
        let sample: Vec<Point> = (0..points.len())
            .map(|_| points[rng.random_range(0..points.len())])
            .collect();
        if distinct_ns(&sample).len() < 3 {
            continue;
        }
        bs.push(fit_amdahl(&sample));
        let (a, b) = fit_usl(&sample);
        bsig.push(a);
        bkap.push(b);
    }
    let ci = |mut v: Vec<f64>| {
        if v.len() < 20 || !replicated {
            return None;
        }
        v.sort_by(f64::total_cmp);
        let tail = (1.0 - BOOTSTRAP_LEVEL) / 2.0;
        Some(Interval {
            low: quantile_sorted(&v, tail),
            high: quantile_sorted(&v, 1.0 - tail),
            level: BOOTSTRAP_LEVEL,
            method: Method::Bootstrap,
        })
    };
    (ci(bs), ci(bsig), ci(bkap))
}

fn distinct_ns(points: &[Point]) -> Vec<f64> {
    let mut ns: Vec<f64> = points.iter().map(|p| p.n).collect();
    ns.sort_by(f64::total_cmp);
    ns.dedup();
    ns
}

/// What the fitted values warn about.
fn warnings(s: f64, sigma: f64, kappa: f64, peak: Option<f64>, ns: &[f64]) -> Vec<String> {
    let mut w = Vec::new();
    if s < 0.0 {
        w.push(format!("Amdahl serial fraction is negative ({s:.3}): the curve is superlinear, which Amdahl's law cannot describe"));
    }
    if sigma < 0.0 {
        w.push(format!("USL contention σ is negative ({sigma:.3}): superlinear speedup or noise; treat the fit with care"));
    }
    if kappa < 0.0 {
        w.push(format!("USL coherency κ is negative ({kappa:.4}): no retrograde region is predicted; treat the fit with care"));
    }
    let max_n = ns[ns.len() - 1];
    if let Some(p) = peak
        && (p > max_n || p < ns[0])
    {
        w.push(format!("the predicted peak at {p:.1} workers lies outside the measured range ({}–{max_n}): an extrapolation", ns[0]));
    }
    w
}

/// Why speedups cannot be fitted (or made from throughputs).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FitError {
    /// A point outside what a speedup curve can hold.
    #[error(
        "every point needs a whole number of workers from 1 to 1,000,000 and a finite positive speedup; got {workers} workers, speedup {speedup}"
    )]
    BadPoint {
        /// Its worker count.
        workers: f64,
        /// Its speedup.
        speedup: f64,
    },
    /// Fewer than three distinct worker counts.
    #[error("too few worker counts to fit ({0} distinct; at least 3 needed, e.g. 1, 2 and 4)")]
    TooFewWorkerCounts(usize),
    /// A throughput that is not a finite positive number.
    #[error("every throughput must be a finite positive number; got {0}")]
    BadThroughput(f64),
    /// No 1-worker row to divide by.
    #[error("no row at 1 worker: speedup needs the 1-worker throughput")]
    NoBaseline,
    /// Points so extreme that the fit's R² is not a number.
    #[error("the points are too extreme to fit (R² is not a number)")]
    Degenerate,
}

/// Fits both laws. Errors when the data cannot identify them: fewer than
/// three distinct worker counts (including 1), a worker count that is not
/// a whole number from 1 to 10⁶, or a speedup that is not finite and
/// positive.
pub fn fit(points: &[Point]) -> Result<Fit, FitError> {
    if let Some(p) = points.iter().find(|p| {
        !(p.n >= 1.0
            && p.n.fract() == 0.0
            && p.n <= 1e6
            && p.speedup > 0.0
            && p.speedup.is_finite()
            && p.speedup < 1e9)
    }) {
        return Err(FitError::BadPoint {
            workers: p.n,
            speedup: p.speedup,
        });
    }
    let ns = distinct_ns(points);
    if ns.len() < 3 {
        return Err(FitError::TooFewWorkerCounts(ns.len()));
    }
    let s = fit_amdahl(points);
    let (sigma, kappa) = fit_usl(points);
    let (amdahl_serial_ci, usl_sigma_ci, usl_kappa_ci) = bootstrap(points, ns.len() < points.len());
    let max_n = ns[ns.len() - 1];
    // κ within rounding of zero means no coherency cost and no peak.
    let (peak_workers, peak_speedup) = if kappa > 1e-9 && sigma < 1.0 {
        let p = ((1.0 - sigma) / kappa).sqrt();
        (Some(p), Some(usl(sigma, kappa, p)))
    } else {
        (None, None)
    };
    let (amdahl_r2, usl_r2) = (
        r2(points, |n| amdahl(s, n)),
        r2(points, |n| usl(sigma, kappa, n)),
    );
    if !(amdahl_r2.is_finite() && usl_r2.is_finite()) {
        return Err(FitError::Degenerate);
    }
    let limited_by = if kappa * max_n * (max_n - 1.0) > sigma * (max_n - 1.0) {
        "coherency"
    } else {
        "contention"
    };
    Ok(Fit {
        worker_counts: ns.len(),
        amdahl_serial: s,
        amdahl_serial_ci,
        amdahl_r2,
        usl_sigma: sigma,
        usl_sigma_ci,
        usl_kappa: kappa,
        usl_kappa_ci,
        usl_r2,
        peak_workers,
        peak_speedup,
        limited_by: limited_by.into(),
        warnings: warnings(s, sigma, kappa, peak_workers, &ns),
    })
}

impl Fit {
    /// Why this fit is not evidence enough to show, or None when it is.
    pub fn lacks_evidence(&self) -> Option<String> {
        if self.worker_counts < MIN_WORKER_COUNTS {
            return Some(format!(
                "{} worker counts: a scalability fit needs at least {MIN_WORKER_COUNTS} (1 included) before its curve means anything",
                self.worker_counts
            ));
        }
        let best = self.amdahl_r2.max(self.usl_r2);
        (best < MIN_R2).then(|| {
            format!(
                "neither law explains the points (R² {:.2} for Amdahl, {:.2} for USL; at least {MIN_R2:.2} needed)",
                self.amdahl_r2, self.usl_r2
            )
        })
    }
}

/// Speedups from (workers, throughput) rows: throughput(n) / throughput(1),
/// with throughput(1) the mean of the 1-worker rows.
pub fn speedups_from_throughput(rows: &[(f64, f64)]) -> Result<Vec<Point>, FitError> {
    if let Some(r) = rows.iter().find(|r| !(r.1.is_finite() && r.1 > 0.0)) {
        return Err(FitError::BadThroughput(r.1));
    }
    let ones: Vec<f64> = rows.iter().filter(|r| r.0 == 1.0).map(|r| r.1).collect();
    if ones.is_empty() {
        return Err(FitError::NoBaseline);
    }
    let x1 = ones.iter().sum::<f64>() / ones.len() as f64;
    Ok(rows
        .iter()
        .map(|&(n, x)| Point { n, speedup: x / x1 })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn curve(f: impl Fn(f64) -> f64, ns: &[f64]) -> Vec<Point> {
        ns.iter().map(|&n| Point { n, speedup: f(n) }).collect()
    }

    #[test]
    fn recovers_usl_coefficients_from_exact_data() {
        let (sigma, kappa) = (0.05, 0.002);
        let p = curve(|n| usl(sigma, kappa, n), &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0]);
        let f = fit(&p).unwrap();
        assert!(
            (f.usl_sigma - sigma).abs() < 1e-9 && (f.usl_kappa - kappa).abs() < 1e-9,
            "{f:?}"
        );
        assert!((f.usl_r2 - 1.0).abs() < 1e-9);
        // N* = √(0.95 / 0.002) = 21.79
        assert!((f.peak_workers.unwrap() - (0.95f64 / 0.002).sqrt()).abs() < 1e-6);
        assert!(f.warnings.is_empty(), "{:?}", f.warnings);
        assert_eq!(f.limited_by, "coherency");
    }

    #[test]
    fn recovers_amdahl_serial_fraction() {
        let p = curve(|n| amdahl(0.1, n), &[1.0, 2.0, 4.0, 8.0]);
        let f = fit(&p).unwrap();
        assert!((f.amdahl_serial - 0.1).abs() < 1e-9);
        assert!((f.amdahl_r2 - 1.0).abs() < 1e-9);
        // Amdahl is USL with κ = 0 and σ = s.
        assert!((f.usl_sigma - 0.1).abs() < 1e-9 && f.usl_kappa.abs() < 1e-9);
        assert_eq!(f.peak_workers, None);
        assert_eq!(f.limited_by, "contention");
    }

    #[test]
    fn usl_package_known_answer() {
        // The test data of the R package `usl` (tests/t02.R, S. Möding):
        // load 1–10 against relative throughput; the package's fit gives
        // σ = 0.02 and κ = 0.02 to three significant digits.
        let rows = [
            (1.0, 1.0),
            (2.0, 1.8868),
            (4.0, 3.0769),
            (6.0, 3.5294),
            (8.0, 3.5398),
            (10.0, 3.3557),
        ];
        let f = fit(&speedups_from_throughput(&rows).unwrap()).unwrap();
        assert!((f.usl_sigma - 0.02).abs() < 5e-4, "σ {}", f.usl_sigma);
        assert!((f.usl_kappa - 0.02).abs() < 5e-4, "κ {}", f.usl_kappa);
        assert!(f.usl_r2 > 0.999);
        // N* = √(0.98 / 0.02) = 7.0, inside the measured range.
        assert!((f.peak_workers.unwrap() - 7.0).abs() < 0.1);
        assert_eq!(f.limited_by, "coherency");
    }

    #[test]
    fn honest_warnings() {
        let p = curve(|n| n, &[1.0, 2.0]);
        assert_eq!(fit(&p).unwrap_err(), FitError::TooFewWorkerCounts(2));
        let superlinear = curve(|n| 1.2 * n - 0.2, &[1.0, 2.0, 4.0]);
        let f = fit(&superlinear).unwrap();
        assert!(
            f.warnings.iter().any(|w| w.contains("negative")),
            "{:?}",
            f.warnings
        );
        let early = curve(|n| usl(0.1, 0.05, n), &[1.0, 2.0, 3.0]);
        let f = fit(&early).unwrap();
        // N* = √(0.9/0.05) = 4.24, beyond the 3 measured.
        assert!(
            f.warnings
                .iter()
                .any(|w| w.contains("outside the measured range")),
            "{:?}",
            f.warnings
        );
        assert_eq!(
            speedups_from_throughput(&[(2.0, 5.0)]).unwrap_err(),
            FitError::NoBaseline
        );
    }

    #[test]
    fn evidence_needs_four_worker_counts_and_a_fit_that_explains_them() {
        let three = curve(|n| usl(0.05, 0.002, n), &[1.0, 2.0, 4.0]);
        let why = fit(&three).unwrap().lacks_evidence().unwrap();
        assert!(why.contains("3 worker counts"), "{why}");
        let good = curve(|n| usl(0.05, 0.002, n), &[1.0, 2.0, 4.0, 8.0]);
        assert_eq!(fit(&good).unwrap().lacks_evidence(), None);
        // Noise with no trend: R² near zero.
        let noise: Vec<Point> = [(1.0, 1.0), (2.0, 1.3), (3.0, 0.9), (4.0, 1.25), (5.0, 0.95)]
            .iter()
            .map(|&(n, speedup)| Point { n, speedup })
            .collect();
        let why = fit(&noise).unwrap().lacks_evidence().unwrap();
        assert!(why.contains("neither law explains"), "{why}");
    }

    #[test]
    fn intervals_only_with_repeated_points_and_nonsense_is_refused() {
        let once = curve(|n| usl(0.05, 0.01, n), &[1.0, 2.0, 4.0, 8.0]);
        let f = fit(&once).unwrap();
        assert_eq!((f.usl_sigma_ci, f.amdahl_serial_ci), (None, None));
        let mut twice = once.clone();
        twice.extend(once.iter().map(|p| Point {
            n: p.n,
            speedup: p.speedup * 1.02,
        }));
        let f = fit(&twice).unwrap();
        let ci = f.usl_sigma_ci.expect("an interval with repeated points");
        // Every interval carries its level and how it was made.
        assert_eq!((ci.level, ci.method), (0.95, Method::Bootstrap));
        assert!(ci.low <= f.usl_sigma && f.usl_sigma <= ci.high, "{ci:?}");
        assert_eq!(ci.label(), "approx. 95% bootstrap CI");
        // results.json from before held bare pairs: read as 95% bootstraps.
        let mut json = serde_json::to_value(&f).unwrap();
        json["usl_sigma_ci"] = serde_json::json!([0.01, 0.09]);
        let old: Fit = serde_json::from_value(json).unwrap();
        let ci = old.usl_sigma_ci.unwrap();
        assert_eq!((ci.low, ci.high, ci.level), (0.01, 0.09, 0.95));
        for bad in [(1.5, 1.0), (1e11, 1.0), (2.0, f64::NAN), (2.0, -1.0)] {
            let mut p = once.clone();
            p.push(Point {
                n: bad.0,
                speedup: bad.1,
            });
            assert!(fit(&p).is_err(), "{bad:?}");
        }
        assert!(speedups_from_throughput(&[(1.0, 1e308), (2.0, f64::INFINITY)]).is_err());
    }
}

/// The fits of one speedup curve of a report.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct GroupFit {
    /// The group (configurations differing only in workers).
    pub group: String,
    /// A configuration of the group, for its label.
    pub example_id: String,
    /// The fits, when the group has enough worker counts.
    pub fit: Option<Fit>,
    /// Why there is no fit, when there is none.
    pub note: Option<String>,
}

/// Fits every group's speedup curve, one point per run: speedup of a run
/// = T1 (median of the baseline) / its wall time; the baseline's own runs
/// give the points at n = 1.
pub fn fit_groups(summaries: &[super::ConfigSummary], runs: &[super::RunRecord]) -> Vec<GroupFit> {
    let walls = |id: &str| -> Vec<f64> {
        runs.iter()
            .filter(|r| r.config_id == id && !r.failed)
            .filter_map(|r| r.result.as_ref().map(|x| x.wall_s))
            .collect()
    };
    let mut groups: Vec<&str> = summaries
        .iter()
        .filter(|s| !s.group.is_empty())
        .map(|s| s.group.as_str())
        .collect();
    groups.dedup();
    groups.sort();
    groups.dedup();
    groups
        .into_iter()
        .filter_map(|g| {
            let members: Vec<&super::ConfigSummary> =
                summaries.iter().filter(|s| s.group == g).collect();
            let base = members.first()?.baseline.clone();
            let bw = walls(&base);
            if bw.is_empty() {
                return None;
            }
            let t1 = super::stats::median(&bw);
            let mut pts: Vec<Point> = bw
                .iter()
                .map(|w| Point {
                    n: 1.0,
                    speedup: t1 / w,
                })
                .collect();
            for m in &members {
                pts.extend(walls(&m.id).iter().map(|w| Point {
                    n: m.workers() as f64,
                    speedup: t1 / w,
                }));
            }
            let (fit, note) = match fit(&pts) {
                Ok(f) => match f.lacks_evidence() {
                    None => (Some(f), None),
                    Some(why) => (None, Some(format!("no fit: {why}"))),
                },
                Err(e) => (None, Some(format!("no fit: {e}"))),
            };
            Some(GroupFit {
                group: g.to_string(),
                example_id: members[0].id.clone(),
                fit,
                note,
            })
        })
        .collect()
}
