//! Descriptive statistics over repeated runs: pure functions with
//! known-answer tests.
//!
//! - Sample standard deviation uses n − 1.
//! - Confidence intervals are percentile bootstrap intervals (Efron &
//!   Tibshirani, *An Introduction to the Bootstrap*, 1993, ch. 13) of the
//!   median, from a seeded RNG so reports are reproducible.
//! - Outliers use the modified z-score on the median absolute deviation,
//!   |0.6745 (x − median) / MAD| > 3.5 (Iglewicz & Hoaglin, 1993), as
//!   hyperfine does.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Bootstrap resamples per interval.
pub const BOOTSTRAP_RESAMPLES: usize = 2000;
const SEED: u64 = 0x1A6E57;

#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
pub struct Stats {
    pub n: usize,
    pub median: f64,
    pub mean: f64,
    pub std_dev: f64,
    pub min: f64,
    pub max: f64,
    /// 95% bootstrap interval of the median; equal to the median for n = 1.
    pub ci_low: f64,
    pub ci_high: f64,
}

/// Median of a non-empty slice.
///
/// # Panics
/// If `xs` is empty or holds NaN.
pub fn median(xs: &[f64]) -> f64 {
    assert!(!xs.is_empty(), "median of no values");
    let mut v = xs.to_vec();
    v.sort_by(|a, b| a.partial_cmp(b).expect("NaN in sample"));
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

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

/// 95% percentile-bootstrap interval of `stat` over resamples of `xs`.
pub fn bootstrap_ci(xs: &[f64], stat: impl Fn(&[f64]) -> f64) -> (f64, f64) {
    bootstrap_ci2(xs, &[1.0], |a, _| stat(a))
}

/// 95% percentile-bootstrap interval of `stat(a, b)` with `a` and `b`
/// resampled independently (for a ratio of two medians, say).
pub fn bootstrap_ci2(a: &[f64], b: &[f64], stat: impl Fn(&[f64], &[f64]) -> f64) -> (f64, f64) {
    if a.len() < 2 && b.len() < 2 {
        let s = stat(a, b);
        return (s, s);
    }
    let mut rng = ChaCha8Rng::seed_from_u64(SEED);
    let (mut ra, mut rb) = (vec![0.0; a.len()], vec![0.0; b.len()]);
    let mut stats: Vec<f64> = (0..BOOTSTRAP_RESAMPLES)
        .map(|_| {
            ra.iter_mut()
                .for_each(|x| *x = a[rng.random_range(0..a.len())]);
            rb.iter_mut()
                .for_each(|x| *x = b[rng.random_range(0..b.len())]);
            stat(&ra, &rb)
        })
        .collect();
    stats.sort_by(f64::total_cmp);
    (
        quantile_sorted(&stats, 0.025),
        quantile_sorted(&stats, 0.975),
    )
}

/// All the statistics of one configuration's runs.
///
/// # Panics
/// If `xs` is empty.
pub fn describe(xs: &[f64]) -> Stats {
    let (ci_low, ci_high) = bootstrap_ci(xs, median);
    Stats {
        n: xs.len(),
        median: median(xs),
        mean: mean(xs),
        std_dev: std_dev(xs),
        min: xs.iter().copied().fold(f64::INFINITY, f64::min),
        max: xs.iter().copied().fold(f64::NEG_INFINITY, f64::max),
        ci_low,
        ci_high,
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
    fn single_value_has_a_degenerate_interval() {
        let s = describe(&[3.0]);
        assert_eq!(
            (s.median, s.ci_low, s.ci_high, s.std_dev),
            (3.0, 3.0, 3.0, 0.0)
        );
    }

    #[test]
    fn bootstrap_interval_brackets_the_median_and_is_reproducible() {
        let xs: Vec<f64> = (0..30).map(|i| 10.0 + (i % 7) as f64).collect();
        let (lo, hi) = bootstrap_ci(&xs, median);
        let m = median(&xs);
        assert!(lo <= m && m <= hi && lo >= 10.0 && hi <= 16.0);
        assert_eq!((lo, hi), bootstrap_ci(&xs, median));
        // A constant sample has a zero-width interval.
        assert_eq!(bootstrap_ci(&[2.0; 5], median), (2.0, 2.0));
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
