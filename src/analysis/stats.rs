//! Descriptive statistics and intervals over repeated runs: pure functions
//! with known-answer tests. Every interval carries its true level.
//!
//! - Sample standard deviation uses n − 1.
//! - The interval of a median is the distribution-free order-statistic
//!   interval [x₍ₖ₎, x₍ₙ₊₁₋ₖ₎], whose coverage of the true median is
//!   exactly 1 − 2·P(B < k) with B ~ Binomial(n, ½) for any continuous
//!   distribution (Hollander, Wolfe & Chicken, *Nonparametric Statistical
//!   Methods*, 3rd ed., 2014, §3.6). The narrowest one with coverage ≥ 95%
//!   needs n ≥ 6; below that the interval is the range [min, max] and its
//!   level is stated as what it is (75% at n = 3, 93.75% at n = 5).
//! - The interval of a ratio of two typical run times (a speedup) is the
//!   Mann–Whitney (Hodges–Lehmann) interval for a shift of log run times:
//!   [d₍ₖ₎, d₍ₘₙ₊₁₋ₖ₎] of the m·n differences ln aᵢ − ln bⱼ, exponentiated,
//!   with coverage exactly 1 − 2·P(U < k) from the null distribution of
//!   the Mann–Whitney U when the two run-time distributions differ by a
//!   factor (Hollander et al., §4.3; Bauer, JASA 67, 1972).
//! - Outliers use the modified z-score on the median absolute deviation,
//!   |0.6745 (x − median) / MAD| > 3.5 (Iglewicz & Hoaglin, *How to Detect
//!   and Handle Outliers*, 1993). (hyperfine uses the same score with a
//!   threshold of 10; 3.5 is the authors' recommendation.)

use crate::choice::choice;

/// The level every interval aims for.
pub const TARGET_LEVEL: f64 = 0.95;

choice! {
    /// How an interval was made.
    pub enum Method: "interval method" {
        /// Order statistics around the median, level ≥ 95%.
        OrderStatistic = "order-statistic",
        /// The range of the runs: too few runs for a 95% interval.
        Range = "range",
        /// Mann–Whitney / Hodges–Lehmann interval of a ratio.
        MannWhitney = "mann-whitney",
        /// Wilcoxon signed-rank (Walsh-average) interval of a paired ratio.
        Wilcoxon = "wilcoxon-signed-rank",
        /// Percentile bootstrap (of a fitted parameter): its level is the
        /// nominal one, approximate on small samples.
        Bootstrap = "bootstrap-percentile",
        /// A single value: no interval.
        Point = "point",
    }
}

/// An interval and its true coverage (0 for a single value).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Interval {
    /// Lower end.
    pub low: f64,
    /// Upper end.
    pub high: f64,
    /// Its coverage as computed for this sample (not a nominal 95%).
    pub level: f64,
    /// How it was made.
    pub method: Method,
}

impl Interval {
    /// A single value, no interval (level 0).
    pub fn point(v: f64) -> Self {
        Interval {
            low: v,
            high: v,
            level: 0.0,
            method: Method::Point,
        }
    }

    /// What the interval is, for tables and captions ("95.3% CI",
    /// "range of 3 runs, 75%").
    pub fn label(&self) -> String {
        match self.method {
            Method::Point => "no interval (1 run)".into(),
            Method::Range => format!("range, {}", percent(self.level)),
            Method::Bootstrap => format!("approx. {} bootstrap CI", percent(self.level)),
            _ => format!("{} CI", percent(self.level)),
        }
    }

    /// True when the level reaches the target.
    pub fn at_target(&self) -> bool {
        self.level >= TARGET_LEVEL - 1e-12
    }
}

/// A level as a percentage with the digits it needs (75%, 93.75%, 97.9%).
pub fn percent(level: f64) -> String {
    let p = 100.0 * level;
    if (p - p.round()).abs() < 1e-9 {
        format!("{p:.0}%")
    } else if (p * 100.0 - (p * 100.0).round()).abs() < 1e-6
        && (p * 10.0 - (p * 10.0).round()).abs() > 1e-6
    {
        format!("{p:.2}%")
    } else {
        format!("{p:.1}%")
    }
}

/// Descriptive statistics of a sample, with the median's interval.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Stats {
    /// Values.
    pub n: usize,
    /// Their median.
    pub median: f64,
    /// Their mean.
    pub mean: f64,
    /// Their sample standard deviation.
    pub std_dev: f64,
    /// The smallest.
    pub min: f64,
    /// The largest.
    pub max: f64,
    /// The interval of the median, with its level.
    pub ci: Interval,
}

/// Median of a non-empty slice.
///
/// # Panics
/// If `xs` is empty or holds NaN.
pub fn median(xs: &[f64]) -> f64 {
    assert!(!xs.is_empty(), "median of no values");
    let v = sorted(xs);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

fn sorted(xs: &[f64]) -> Vec<f64> {
    let mut v = xs.to_vec();
    v.sort_by(|a, b| a.partial_cmp(b).expect("NaN in sample"));
    v
}

/// Mean of a slice (NaN when empty).
pub fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len() as f64
}

/// Sample standard deviation (n − 1); 0 for a single value.
pub fn std_dev(xs: &[f64]) -> f64 {
    if xs.len() < 2 {
        return 0.0;
    }
    let m = mean(xs);
    (xs.iter().map(|x| (x - m).powi(2)).sum::<f64>() / (xs.len() - 1) as f64).sqrt()
}

/// The `q` quantile (0..=1) of sorted values, linearly interpolated.
pub fn quantile_sorted(sorted: &[f64], q: f64) -> f64 {
    let pos = q.clamp(0.0, 1.0) * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

/// P(B ≤ j) for B ~ Binomial(n, ½), exactly (n ≤ 1000).
fn binomial_half_cdf(n: usize, j: usize) -> f64 {
    let mut c = 1.0f64; // C(n, 0)
    let mut sum = 0.0;
    for i in 0..=j.min(n) {
        if i > 0 {
            c = c * (n - i + 1) as f64 / i as f64;
        }
        sum += c;
    }
    sum / 2f64.powi(n as i32)
}

/// Coverage of [x₍ₖ₎, x₍ₙ₊₁₋ₖ₎] (k from 1) for the median of n values.
pub fn order_statistic_coverage(n: usize, k: usize) -> f64 {
    if k == 0 || 2 * k > n + 1 {
        return 0.0;
    }
    1.0 - 2.0 * binomial_half_cdf(n, k - 1)
}

/// The interval of the median of `xs`: the narrowest order-statistic
/// interval with coverage ≥ 95%, or the range with its true level.
pub fn median_interval(xs: &[f64]) -> Interval {
    let n = xs.len();
    let v = sorted(xs);
    if n < 2 {
        return Interval::point(v[0]);
    }
    let best = (1..=n.div_ceil(2))
        .filter(|&k| order_statistic_coverage(n, k) >= TARGET_LEVEL)
        .max();
    let k = best.unwrap_or(1);
    Interval {
        low: v[k - 1],
        high: v[n - k],
        level: order_statistic_coverage(n, k),
        method: if best.is_some() {
            Method::OrderStatistic
        } else {
            Method::Range
        },
    }
}

/// The null distribution of the Mann–Whitney U for samples of m and n:
/// `counts[u]` / C(m+n, m) = P(U = u).
fn mann_whitney_counts(m: usize, n: usize) -> Vec<f64> {
    // c[j][u]: arrangements of i items of the first sample and j of the
    // second with U = u, built up over i.
    let max_u = m * n;
    let mut prev: Vec<Vec<f64>> = (0..=n)
        .map(|_| {
            let mut v = vec![0.0; max_u + 1];
            v[0] = 1.0;
            v
        })
        .collect();
    for _ in 1..=m {
        let mut cur: Vec<Vec<f64>> = vec![vec![0.0; max_u + 1]; n + 1];
        cur[0][0] = 1.0;
        for j in 1..=n {
            for u in 0..=max_u {
                let take_first = if u >= j { prev[j][u - j] } else { 0.0 };
                cur[j][u] = take_first + cur[j - 1][u];
            }
        }
        prev = cur;
    }
    prev.swap_remove(n)
}

/// P(U ≤ u) under the null hypothesis.
pub fn mann_whitney_cdf(m: usize, n: usize, u: usize) -> f64 {
    let counts = mann_whitney_counts(m, n);
    let total: f64 = counts.iter().sum();
    counts.iter().take(u + 1).sum::<f64>() / total
}

/// The interval of median(a) / median(b) for positive samples (run times),
/// as a ratio of typical values under a scale model.
pub fn ratio_interval(a: &[f64], b: &[f64]) -> Interval {
    let (m, n) = (a.len(), b.len());
    if m < 2 && n < 2 {
        return Interval::point(median(a) / median(b));
    }
    let mut d: Vec<f64> = a
        .iter()
        .flat_map(|x| b.iter().map(move |y| x.ln() - y.ln()))
        .collect();
    d.sort_by(f64::total_cmp);
    let counts = mann_whitney_counts(m, n);
    let total: f64 = counts.iter().sum();
    let mut at_most = 0.0; // arrangements with U ≤ k − 1
    let mut best = None;
    for k in 1..=(m * n).div_ceil(2) {
        at_most += counts[k - 1];
        let coverage = 1.0 - 2.0 * at_most / total;
        if coverage >= TARGET_LEVEL {
            best = Some((k, coverage));
        }
    }
    let (k, level) = best.unwrap_or((1, 1.0 - 2.0 * counts[0] / total));
    Interval {
        low: d[k - 1].exp(),
        high: d[m * n - k].exp(),
        level,
        method: if best.is_some() {
            Method::MannWhitney
        } else {
            Method::Range
        },
    }
}

/// All the statistics of one configuration's runs.
///
/// # Panics
/// If `xs` is empty.
pub fn describe(xs: &[f64]) -> Stats {
    Stats {
        n: xs.len(),
        median: median(xs),
        mean: mean(xs),
        std_dev: std_dev(xs),
        min: xs.iter().copied().fold(f64::INFINITY, f64::min),
        max: xs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        ci: median_interval(xs),
    }
}

/// Modified z-scores, 0.6745 (x − median) / MAD. All zero when the MAD is
/// zero (more than half the values equal).
pub fn modified_z_scores(xs: &[f64]) -> Vec<f64> {
    let m = median(xs);
    let deviations: Vec<f64> = xs.iter().map(|x| (x - m).abs()).collect();
    let mad = median(&deviations);
    if mad == 0.0 {
        return vec![0.0; xs.len()];
    }
    xs.iter().map(|x| 0.6745 * (x - m) / mad).collect()
}

/// Indices of outliers: |modified z| > 3.5.
pub fn outliers(xs: &[f64]) -> Vec<usize> {
    modified_z_scores(xs)
        .iter()
        .enumerate()
        .filter(|(_, z)| z.abs() > 3.5)
        .map(|(i, _)| i)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn known_answers() {
        let xs = [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0];
        assert!(close(mean(&xs), 5.0));
        assert!(close(median(&xs), 4.5));
        // Sum of squared deviations is 32; 32 / 7.
        assert!(close(std_dev(&xs), (32.0f64 / 7.0).sqrt()));
        assert!(close(median(&[3.0, 1.0, 2.0]), 2.0));
        assert!(close(
            quantile_sorted(&[1.0, 2.0, 3.0, 4.0, 5.0], 0.25),
            2.0
        ));
        assert!(close(quantile_sorted(&[0.0, 10.0], 0.975), 9.75));
        let s = describe(&xs);
        assert_eq!((s.n, s.min, s.max), (8, 2.0, 9.0));
    }

    #[test]
    fn order_statistic_levels_are_exact() {
        // The range of n runs covers the median with 1 − 2/2ⁿ.
        assert!(close(order_statistic_coverage(3, 1), 0.75));
        assert!(close(order_statistic_coverage(5, 1), 0.9375));
        assert!(close(order_statistic_coverage(6, 1), 1.0 - 2.0 / 64.0));
        // n = 10, [x₂, x₉]: 1 − 2·(1 + 10)/1024.
        assert!(close(order_statistic_coverage(10, 2), 1.0 - 22.0 / 1024.0));
        let three = median_interval(&[3.0, 1.0, 2.0]);
        assert_eq!(
            (three.low, three.high, three.method),
            (1.0, 3.0, Method::Range)
        );
        assert_eq!(three.label(), "range, 75%");
        let ten: Vec<f64> = (1..=10).map(f64::from).collect();
        let i = median_interval(&ten);
        assert_eq!(
            (i.low, i.high, i.method),
            (2.0, 9.0, Method::OrderStatistic)
        );
        assert_eq!(i.label(), "97.9% CI");
        assert_eq!(median_interval(&[5.0]).method, Method::Point);
        assert_eq!(percent(0.9375), "93.75%");
    }

    #[test]
    fn mann_whitney_null_distribution_known_answers() {
        // m = n = 3: 20 arrangements; P(U = 0) = 1/20, P(U ≤ 1) = 2/20.
        assert!(close(mann_whitney_cdf(3, 3, 0), 0.05));
        assert!(close(mann_whitney_cdf(3, 3, 1), 0.10));
        // m = n = 5: C(10,5) = 252; counts 1, 1, 2, 3 for U = 0..3.
        assert!(close(mann_whitney_cdf(5, 5, 2), 4.0 / 252.0));
        assert!(close(mann_whitney_cdf(5, 5, 3), 7.0 / 252.0));
        assert!(close(mann_whitney_cdf(4, 7, 28), 1.0));
        // Symmetric: P(U ≤ u) = P(U ≥ mn − u).
        assert!(close(
            mann_whitney_cdf(4, 6, 5),
            1.0 - mann_whitney_cdf(4, 6, 18)
        ));
    }

    #[test]
    fn ratio_interval_levels() {
        let a = [2.0, 2.1, 2.2];
        let b = [1.0, 1.05, 1.1];
        let i = ratio_interval(&a, &b);
        // 3 × 3: the widest interval covers 1 − 2/20 = 90% < 95%.
        assert_eq!(i.method, Method::Range);
        assert!(close(i.level, 0.9));
        assert!(close(i.low, 2.0 / 1.1) && close(i.high, 2.2));
        let a: Vec<f64> = (0..5).map(|k| 2.0 + 0.05 * k as f64).collect();
        let b: Vec<f64> = (0..5).map(|k| 1.0 + 0.02 * k as f64).collect();
        let i = ratio_interval(&a, &b);
        // 5 × 5: k = 3 gives 1 − 2·4/252 = 96.8%.
        assert_eq!(i.method, Method::MannWhitney);
        assert!(close(i.level, 1.0 - 8.0 / 252.0));
        assert!(i.low < median(&a) / median(&b) && median(&a) / median(&b) < i.high);
    }

    /// Draws from skewed run-time distributions with median 1.
    fn draw(rng: &mut ChaCha8Rng, dist: usize) -> f64 {
        let u: f64 = rng.random::<f64>().max(1e-300);
        let v: f64 = rng.random();
        let normal = (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos();
        match dist {
            // Lognormal, σ = 0.5.
            0 => (0.5 * normal).exp(),
            // Exponential shifted to median 1 (heavily skewed).
            1 => 0.5 + (-(rng.random::<f64>().max(1e-300)).ln()) * 0.5 / std::f64::consts::LN_2,
            // Gamma(2, θ) by the sum of two exponentials, median 1.
            _ => {
                let e = |rng: &mut ChaCha8Rng| -(rng.random::<f64>().max(1e-300)).ln();
                (e(rng) + e(rng)) / 1.678_346_990_016_661
            }
        }
    }

    /// The empirical coverage of every interval is within ±2 points of the
    /// level it states, at n = 3, 5 and 10, on skewed distributions.
    #[test]
    fn monte_carlo_coverage_matches_the_stated_level() {
        let mut rng = ChaCha8Rng::seed_from_u64(20261123);
        let trials = 20_000;
        for dist in 0..3 {
            for n in [3usize, 5, 10] {
                let (mut hit_median, mut hit_ratio) = (0, 0);
                let (mut level_median, mut level_ratio) = (0.0, 0.0);
                for _ in 0..trials {
                    let a: Vec<f64> = (0..n).map(|_| 3.0 * draw(&mut rng, dist)).collect();
                    let b: Vec<f64> = (0..n).map(|_| draw(&mut rng, dist)).collect();
                    let m = median_interval(&a);
                    level_median = m.level;
                    hit_median += usize::from(m.low <= 3.0 && 3.0 <= m.high);
                    let r = ratio_interval(&a, &b);
                    level_ratio = r.level;
                    hit_ratio += usize::from(r.low <= 3.0 && 3.0 <= r.high);
                }
                let cov_m = hit_median as f64 / trials as f64;
                let cov_r = hit_ratio as f64 / trials as f64;
                assert!(
                    (cov_m - level_median).abs() <= 0.02,
                    "median, dist {dist}, n {n}: coverage {cov_m} vs stated {level_median}"
                );
                assert!(
                    (cov_r - level_ratio).abs() <= 0.02,
                    "ratio, dist {dist}, n {n}: coverage {cov_r} vs stated {level_ratio}"
                );
            }
        }
    }

    #[test]
    fn modified_z_flags_the_far_value_only() {
        // median 10, |dev| = [0,1,1,0,90] → MAD 1; z(100) = 0.6745 · 90 = 60.7
        let xs = [10.0, 11.0, 9.0, 10.0, 100.0];
        let z = modified_z_scores(&xs);
        assert!(close(z[4], 0.6745 * 90.0));
        assert!(close(z[1], 0.6745));
        assert_eq!(outliers(&xs), vec![4]);
        assert!(
            outliers(&[1.0, 1.0, 1.0, 5.0]).is_empty(),
            "MAD 0: no verdict"
        );
    }
}
