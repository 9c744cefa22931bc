//! Paired statistics: two run times measured side by side in the same round
//! (a speedup's T1 and Tn, or two configurations compared inside one sweep).
//! Pairing removes what the rounds share (the machine's speed at that
//! moment), which is why a sweep measured in rounds reproduces and one
//! measured configuration after configuration does not.
//!
//! - The per-round log ratios dᵣ = ln aᵣ − ln bᵣ are summarised by their
//!   Hodges–Lehmann estimate, the median of the Walsh averages
//!   (dᵢ + dⱼ)/2, i ≤ j, and the interval [W₍ₖ₎, W₍ₘ₊₁₋ₖ₎] of those
//!   averages (M = n(n+1)/2), whose coverage of the centre of symmetry of
//!   d is exactly 1 − 2·P(T⁺ < k) under the Wilcoxon signed-rank null
//!   distribution, for any continuous distribution symmetric about its
//!   centre (Hollander, Wolfe & Chicken, *Nonparametric Statistical
//!   Methods*, 3rd ed., 2014, §3.2–3.3).
//! - The estimate is the Walsh-average median rather than the plain median
//!   of the ratios: it belongs with that interval, and it cancels what the
//!   alternating (ABBA) order of a group's runs leaves of a steady drift
//!   (a ratio measured "baseline first" errs one way, the next round's
//!   "baseline last" the other way; their average is in the Walsh set).
//! - The two-sided p-value of "no change" is the exact signed-rank test,
//!   zero differences dropped (Wilcoxon's convention).

use super::stats::{Interval, Method, TARGET_LEVEL};

/// The Wilcoxon signed-rank null distribution for `n` non-zero differences:
/// `p[t]` = P(T⁺ = t), computed in probabilities so it never overflows.
pub fn signed_rank_pmf(n: usize) -> Vec<f64> {
    let max = n * (n + 1) / 2;
    let mut p = vec![0.0; max + 1];
    p[0] = 1.0;
    for i in 1..=n {
        // Rank i is positive with probability ½: shift by i.
        for t in (0..=i * (i + 1) / 2).rev() {
            let with = if t >= i { p[t - i] } else { 0.0 };
            p[t] = 0.5 * p[t] + 0.5 * with;
        }
    }
    p
}

/// The values of `x` and `y` in the rounds both have, as (round, value)
/// lists: the pairs of a paired comparison, in `x`'s order.
pub fn matched(x: &[(usize, f64)], y: &[(usize, f64)]) -> (Vec<f64>, Vec<f64>) {
    x.iter()
        .filter_map(|(r, tx)| y.iter().find(|(q, _)| q == r).map(|(_, ty)| (*tx, *ty)))
        .unzip()
}

/// A paired ratio: its estimate and interval, with the number of pairs.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PairedRatio {
    /// Hodges–Lehmann estimate of the typical aᵣ / bᵣ.
    pub estimate: f64,
    /// The Wilcoxon signed-rank interval, at its exact level.
    pub ci: Interval,
    /// Pairs (rounds) behind it.
    pub pairs: usize,
}

/// The paired ratio of `a` to `b` (positive times, `a[i]` measured beside
/// `b[i]`).
///
/// # Panics
/// If the slices are empty or of different lengths.
pub fn paired_ratio(a: &[f64], b: &[f64]) -> PairedRatio {
    assert!(!a.is_empty() && a.len() == b.len(), "pairs needed");
    let d: Vec<f64> = a.iter().zip(b).map(|(x, y)| x.ln() - y.ln()).collect();
    let n = d.len();
    let mut w: Vec<f64> = Vec::with_capacity(n * (n + 1) / 2);
    for i in 0..n {
        for j in i..n {
            w.push((d[i] + d[j]) / 2.0);
        }
    }
    w.sort_by(f64::total_cmp);
    let m = w.len();
    let hl = if m % 2 == 1 {
        w[m / 2]
    } else {
        (w[m / 2 - 1] + w[m / 2]) / 2.0
    };
    if n < 2 {
        return PairedRatio {
            estimate: hl.exp(),
            ci: Interval::point(hl.exp()),
            pairs: n,
        };
    }
    let pmf = signed_rank_pmf(n);
    let mut below = 0.0; // P(T⁺ ≤ k − 1)
    let mut best = None;
    for k in 1..=m.div_ceil(2) {
        below += pmf[k - 1];
        let coverage = 1.0 - 2.0 * below;
        if coverage >= TARGET_LEVEL {
            best = Some((k, coverage));
        }
    }
    let (k, level) = best.unwrap_or((1, 1.0 - 2.0 * pmf[0]));
    PairedRatio {
        estimate: hl.exp(),
        ci: Interval {
            low: w[k - 1].exp(),
            high: w[m - k].exp(),
            level,
            method: if best.is_some() {
                Method::Wilcoxon
            } else {
                Method::Range
            },
        },
        pairs: n,
    }
}

/// The exact two-sided Wilcoxon signed-rank p-value of "the typical
/// difference is zero" for paired differences `d` (zeros dropped; tied
/// magnitudes get their mean rank, and the exact distribution is then an
/// approximation).
pub fn signed_rank_p(d: &[f64]) -> f64 {
    let mut nz: Vec<f64> = d.iter().copied().filter(|x| *x != 0.0).collect();
    let n = nz.len();
    if n == 0 {
        return 1.0;
    }
    nz.sort_by(|a, b| a.abs().total_cmp(&b.abs()));
    let mut t_plus = 0.0;
    let mut i = 0;
    while i < n {
        let mut j = i;
        while j + 1 < n && nz[j + 1].abs() == nz[i].abs() {
            j += 1;
        }
        let rank = (i + j) as f64 / 2.0 + 1.0;
        t_plus += nz[i..=j].iter().filter(|x| **x > 0.0).count() as f64 * rank;
        i = j + 1;
    }
    let pmf = signed_rank_pmf(n);
    let max = (n * (n + 1) / 2) as f64;
    let lower = t_plus.min(max - t_plus);
    let p: f64 = pmf.iter().take(lower.floor() as usize + 1).sum();
    (2.0 * p).min(1.0)
}

/// Half the width of an interval relative to its estimate: the larger of
/// high/estimate − 1 and 1 − low/estimate (0.05 = "±5%").
pub fn relative_half_width(estimate: f64, ci: &Interval) -> f64 {
    (ci.high / estimate - 1.0).max(1.0 - ci.low / estimate)
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
    fn signed_rank_null_distribution_known_answers() {
        // n = 3: 8 sign patterns, T⁺ ∈ 0..6 with counts 1 1 1 2 1 1 1.
        let p = signed_rank_pmf(3);
        let counts: Vec<f64> = p.iter().map(|x| x * 8.0).collect();
        assert_eq!(counts, vec![1.0, 1.0, 1.0, 2.0, 1.0, 1.0, 1.0]);
        // n = 10: P(T⁺ ≤ 8) = 25/1024 (Hollander et al., table A.4: the
        // 95.1% interval uses k = 9).
        let p = signed_rank_pmf(10);
        assert!(close(p.iter().take(9).sum::<f64>(), 25.0 / 1024.0));
        assert!(close(p.iter().sum::<f64>(), 1.0));
    }

    #[test]
    fn paired_interval_levels_and_estimate() {
        // Five pairs: the widest interval covers 1 − 2/32 = 93.75% < 95%.
        let a = [2.0, 2.2, 2.1, 2.05, 2.15];
        let b = [1.0; 5];
        let r = paired_ratio(&a, &b);
        assert_eq!(r.ci.method, Method::Range);
        assert!(close(r.ci.level, 0.9375));
        assert!(close(r.ci.low, 2.0) && close(r.ci.high, 2.2));
        // Symmetric around 2.1 in logs: the estimate is the centre.
        let a: Vec<f64> = [-2.0f64, -1.0, 0.0, 1.0, 2.0, -0.5, 0.5]
            .iter()
            .map(|e| 2.0 * (0.01 * e).exp())
            .collect();
        let r = paired_ratio(&a, &[1.0; 7]);
        assert!(close(r.estimate, 2.0), "{}", r.estimate);
        // n = 7: P(T⁺ ≤ 2) = 3/128, so k = 3 gives 1 − 6/128 = 95.3%
        // (k = 4 would give 1 − 10/128 = 92.2%).
        assert!(close(r.ci.level, 1.0 - 6.0 / 128.0), "{}", r.ci.level);
        assert_eq!(r.ci.method, Method::Wilcoxon);
    }

    #[test]
    fn the_estimate_cancels_an_alternating_bias() {
        // True ratio 2; rounds alternate +3% / −3% (ABBA order under drift).
        let a: Vec<f64> = (0..5)
            .map(|i| 2.0 * if i % 2 == 0 { 1.03 } else { 1.0 / 1.03 })
            .collect();
        let r = paired_ratio(&a, &[1.0; 5]);
        assert!((r.estimate / 2.0 - 1.0).abs() < 1e-9, "{}", r.estimate);
        // The plain median of the ratios keeps the bias.
        let mut plain = a.clone();
        plain.sort_by(f64::total_cmp);
        assert!((plain[2] / 2.0 - 1.0).abs() > 0.02);
    }

    #[test]
    fn signed_rank_p_known_answers() {
        // All 6 differences positive: T⁺ = 21, p = 2/64.
        assert!(close(
            signed_rank_p(&[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]),
            2.0 / 64.0
        ));
        // Symmetric differences: no evidence.
        assert!(signed_rank_p(&[-1.0, 1.0, -2.0, 2.0]) > 0.99);
        assert_eq!(signed_rank_p(&[0.0, 0.0]), 1.0);
    }

    /// Paired data with a shared per-round factor (the machine's speed) and
    /// independent skewed noise: the interval's coverage of the true ratio
    /// matches its stated level within ±2 points at n = 5, 10 and 20.
    #[test]
    fn monte_carlo_coverage_matches_the_stated_level() {
        let mut rng = ChaCha8Rng::seed_from_u64(20261130);
        let normal = |rng: &mut ChaCha8Rng| {
            let u: f64 = rng.random::<f64>().max(1e-300);
            let v: f64 = rng.random();
            (-2.0 * u.ln()).sqrt() * (2.0 * std::f64::consts::PI * v).cos()
        };
        let trials = 10_000;
        for n in [5usize, 10, 20] {
            let (mut hits, mut level) = (0, 0.0);
            for _ in 0..trials {
                let (mut a, mut b) = (Vec::new(), Vec::new());
                for _ in 0..n {
                    // The round's speed varies up to 2×; both runs share it.
                    let speed = 1.0 + rng.random::<f64>();
                    a.push(3.0 * speed * (0.1 * normal(&mut rng)).exp());
                    b.push(speed * (0.1 * normal(&mut rng)).exp());
                }
                let r = paired_ratio(&a, &b);
                level = r.ci.level;
                hits += usize::from(r.ci.low <= 3.0 && 3.0 <= r.ci.high);
            }
            let cov = hits as f64 / trials as f64;
            assert!(
                (cov - level).abs() <= 0.02,
                "n {n}: coverage {cov} vs stated {level}"
            );
        }
    }

    #[test]
    fn relative_half_width_is_the_larger_side() {
        let ci = Interval {
            low: 1.9,
            high: 2.2,
            level: 0.95,
            method: Method::Wilcoxon,
        };
        assert!(close(relative_half_width(2.0, &ci), 0.1));
    }
}
