//! Least squares on relative errors with physical parameters that cannot
//! be negative: three costs θ (linear in the model) and one contention
//! coefficient κ (not linear), all ≥ 0. For a fixed κ the costs are a
//! non-negative least-squares problem, solved exactly by trying every
//! subset of the costs (the optimum is the unconstrained optimum on its
//! support, so the best feasible subset is it); κ is profiled on a grid,
//! then refined by golden section.
//!
//! Intervals are profile-likelihood intervals: every value v of a
//! parameter whose best fit with that parameter held at v has a residual
//! sum of squares within RSS·(1 + F/dof) of the best (F the 95% quantile
//! of F(1, dof), exact for a linear model). They respect the bound by
//! construction (no value below 0 is ever tried), are asymmetric where
//! the data are, and reach infinity where the data cannot bound a
//! parameter. Clamping a symmetric interval at 0 does none of that.

/// One observation: `x(κ) · θ = y`, weighed relative to `measured`.
#[derive(Debug, Clone, Copy)]
pub struct Row {
    /// The coefficients of θ.
    pub x: [f64; 3],
    /// The value to explain (the measurement less any known cost).
    pub y: f64,
    /// The measurement, the scale of the row's error.
    pub measured: f64,
}

/// The rows of a model at a given κ.
pub type Rows<'a> = &'a dyn Fn(f64) -> Vec<Row>;

/// The largest κ tried: past it one more writer would cost a hundred
/// times one writer's work, no physical database.
pub const KAPPA_MAX: f64 = 100.0;

/// A fitted problem: which parameters are free, and the best fit.
pub struct Problem<'a> {
    /// The rows at any κ.
    pub rows: Rows<'a>,
    /// The costs fitted (the others are held at 0).
    pub free: Vec<usize>,
    /// Whether κ is fitted (else held at 0).
    pub kappa_free: bool,
}

/// A fit: the costs, κ and the residual sum of squares.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Fit {
    /// α, β, w.
    pub theta: [f64; 3],
    /// κ.
    pub kappa: f64,
    /// Σ ((x·θ − y) / measured)².
    pub rss: f64,
}

/// a · b.
pub fn dot(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Inverse of a symmetric positive semi-definite k×k matrix by
/// Gauss-Jordan with pivoting; None when it is singular. A pivot is judged
/// against its own column's diagonal, not the largest: the columns of a
/// cost model differ by ten orders of magnitude (rows against rows × batch
/// size), and judged against the largest, a well-determined κ was thrown
/// out as singular.
pub fn invert(a: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let k = a.len();
    let mut m = a.to_vec();
    let mut inv: Vec<Vec<f64>> = (0..k)
        .map(|i| (0..k).map(|j| f64::from(u8::from(i == j))).collect())
        .collect();
    for col in 0..k {
        let p = (col..k).max_by(|&i, &j| m[i][col].abs().total_cmp(&m[j][col].abs()))?;
        if m[p][col].abs() <= 1e-12 * a[col][col].abs() || a[col][col] == 0.0 {
            return None;
        }
        m.swap(col, p);
        inv.swap(col, p);
        let d = m[col][col];
        for j in 0..k {
            m[col][j] /= d;
            inv[col][j] /= d;
        }
        for i in (0..k).filter(|&i| i != col) {
            let f = m[i][col];
            for j in 0..k {
                m[i][j] -= f * m[col][j];
                inv[i][j] -= f * inv[col][j];
            }
        }
    }
    Some(inv)
}

/// Weighted least squares of `rows` over the costs in `set`, the others
/// held at `base`; None when singular.
fn solve(rows: &[Row], set: &[usize], base: &[f64; 3]) -> Option<[f64; 3]> {
    let k = set.len();
    let (mut xtx, mut xty) = (vec![vec![0.0; k]; k], vec![0.0; k]);
    for r in rows {
        let w = 1.0 / r.measured;
        let y = r.y - dot(&r.x, base);
        for (a, &i) in set.iter().enumerate() {
            xty[a] += r.x[i] * w * y * w;
            for (b, &j) in set.iter().enumerate() {
                xtx[a][b] += r.x[i] * w * r.x[j] * w;
            }
        }
    }
    let inv = invert(&xtx)?;
    let mut theta = *base;
    for (a, &i) in set.iter().enumerate() {
        theta[i] = (0..k).map(|b| inv[a][b] * xty[b]).sum();
    }
    Some(theta)
}

/// Σ of the squared relative errors of `theta` on `rows`.
pub fn rss(rows: &[Row], theta: &[f64; 3]) -> f64 {
    rows.iter()
        .map(|r| ((dot(&r.x, theta) - r.y) / r.measured).powi(2))
        .sum()
}

/// The best non-negative costs over `free` with cost `held` (if any) fixed
/// at its value: every subset of the free costs solved, the best feasible
/// kept.
fn nnls(rows: &[Row], free: &[usize], held: Option<(usize, f64)>) -> Option<([f64; 3], f64)> {
    let mut base = [0.0; 3];
    let vars: Vec<usize> = match held {
        Some((j, v)) => {
            base[j] = v;
            free.iter().copied().filter(|&i| i != j).collect()
        }
        None => free.to_vec(),
    };
    let mut best: Option<([f64; 3], f64)> = None;
    for mask in 0..(1u32 << vars.len()) {
        let set: Vec<usize> = (0..vars.len())
            .filter(|b| mask & (1 << b) != 0)
            .map(|b| vars[b])
            .collect();
        let Some(theta) = solve(rows, &set, &base) else {
            continue;
        };
        if set.iter().any(|&i| theta[i] < 0.0) {
            continue;
        }
        let r = rss(rows, &theta);
        if best.is_none_or(|b| r < b.1) {
            best = Some((theta, r));
        }
    }
    best
}

impl Problem<'_> {
    /// Whether the free costs can be told apart at κ = 0 (the design is
    /// not singular).
    pub fn identifiable(&self) -> bool {
        solve(&(self.rows)(0.0), &self.free, &[0.0; 3]).is_some()
    }

    /// The best fit at κ, with cost `held` fixed.
    fn at(&self, kappa: f64, held: Option<(usize, f64)>) -> Fit {
        let (theta, rss) =
            nnls(&(self.rows)(kappa), &self.free, held).unwrap_or(([0.0; 3], f64::INFINITY));
        Fit { theta, kappa, rss }
    }

    /// The best fit over κ (if free), with cost `held` fixed.
    pub fn best(&self, held: Option<(usize, f64)>) -> Fit {
        if !self.kappa_free {
            return self.at(0.0, held);
        }
        let grid: Vec<f64> = std::iter::once(0.0)
            .chain((0..=120).map(|i| 10f64.powf(-4.0 + 6.0 * i as f64 / 120.0)))
            .collect();
        let fits: Vec<Fit> = grid.iter().map(|&k| self.at(k, held)).collect();
        let i = (0..fits.len())
            .min_by(|&a, &b| fits[a].rss.total_cmp(&fits[b].rss))
            .expect("a grid");
        // Golden section between the best point's neighbours.
        let (mut lo, mut hi) = (grid[i.saturating_sub(1)], grid[(i + 1).min(grid.len() - 1)]);
        let g = (5f64.sqrt() - 1.0) / 2.0;
        let mut best = fits[i];
        for _ in 0..60 {
            let (a, b) = (hi - g * (hi - lo), lo + g * (hi - lo));
            let (fa, fb) = (self.at(a, held), self.at(b, held));
            for f in [fa, fb] {
                if f.rss < best.rss {
                    best = f;
                }
            }
            if fa.rss < fb.rss {
                hi = b;
            } else {
                lo = a;
            }
        }
        best
    }

    /// The profile interval of κ (`param` None) or of cost `param`: every
    /// value whose best fit stays at or below `limit`. The upper end is
    /// infinite where no value the search reaches exceeds it.
    pub fn interval(&self, param: Option<usize>, est: f64, limit: f64) -> (f64, f64) {
        let profile = |v: f64| match param {
            None => self.at(v, None).rss,
            Some(j) => self.best(Some((j, v))).rss,
        };
        let inside = |v: f64| profile(v) <= limit;
        let lo = if inside(0.0) {
            0.0
        } else {
            bisect(0.0, est, &inside)
        };
        // Grow the upper end until it leaves the region (or gives up).
        let cap = match param {
            None => KAPPA_MAX,
            Some(_) => f64::MAX,
        };
        // From a nanosecond up, 60 steps of 4× pass 10^27 s: no cost the
        // data leave unbounded that far is bounded at all.
        let mut hi = if est > 0.0 { est * 2.0 } else { 1e-9 };
        for _ in 0..60 {
            if !inside(hi) {
                return (lo, bisect(hi, est.max(0.0), &|v| inside(v)));
            }
            if hi >= cap {
                break;
            }
            hi = (hi * 4.0).min(cap);
        }
        (lo, f64::INFINITY)
    }
}

/// The boundary between `out` (outside the region) and `inn` (inside),
/// by bisection.
fn bisect(mut out: f64, mut inn: f64, inside: &dyn Fn(f64) -> bool) -> f64 {
    for _ in 0..80 {
        let mid = 0.5 * (out + inn);
        if inside(mid) {
            inn = mid;
        } else {
            out = mid;
        }
    }
    0.5 * (out + inn)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// y = 2 + 3x, with fixed scatter, as rows of (intercept, slope).
    fn line(slope: f64) -> Vec<Row> {
        let noise = [0.03, -0.05, 0.02, 0.04, -0.01, -0.03];
        (0..6)
            .map(|i| {
                let x = 1.0 + i as f64;
                let y = (20.0 + slope * x) * (1.0 + noise[i]);
                Row {
                    x: [1.0, x, 0.0],
                    y,
                    measured: y,
                }
            })
            .collect()
    }

    /// The problem of `at`'s line: intercept and slope, no κ.
    fn intercept_and_slope(at: Rows<'_>) -> Problem<'_> {
        Problem {
            rows: at,
            free: vec![0, 1],
            kappa_free: false,
        }
    }

    /// Away from the bound, the profile interval of a linear model is the
    /// Student-t interval exactly (the F test of one parameter is t²).
    #[test]
    fn away_from_the_bound_the_profile_is_the_t_interval() {
        let rows = line(3.0);
        let at = |_: f64| rows.clone();
        let p = intercept_and_slope(&at);
        let best = p.best(None);
        let dof = 4.0;
        let t = 2.776_445_105_197_8; // Student-t, 4 dof, 97.5%
        let limit = best.rss * (1.0 + t * t / dof);
        let (lo, hi) = p.interval(Some(1), best.theta[1], limit);
        // The Wald interval of weighted least squares.
        let (mut s00, mut s01, mut s11) = (0.0, 0.0, 0.0);
        for r in &rows {
            let w = 1.0 / (r.measured * r.measured);
            s00 += w;
            s01 += w * r.x[1];
            s11 += w * r.x[1] * r.x[1];
        }
        let var = best.rss / dof * s00 / (s00 * s11 - s01 * s01);
        let half = t * var.sqrt();
        assert!(lo > 0.0, "away from the bound: {lo}");
        assert!(
            (lo - (best.theta[1] - half)).abs() < 1e-6 * half,
            "{lo} vs {}",
            best.theta[1] - half
        );
        assert!(
            (hi - (best.theta[1] + half)).abs() < 1e-6 * half,
            "{hi} vs {}",
            best.theta[1] + half
        );
    }

    /// A falling line fitted with a slope that cannot be negative: the
    /// slope is 0, the intercept the weighted mean, and the slope's interval
    /// starts at 0.
    #[test]
    fn a_cost_that_would_be_negative_is_zero_and_its_interval_starts_there() {
        let rows = line(-2.0);
        let at = |_: f64| rows.clone();
        let p = intercept_and_slope(&at);
        let best = p.best(None);
        assert_eq!(best.theta[1], 0.0);
        let w: f64 = rows.iter().map(|r| 1.0 / (r.measured * r.measured)).sum();
        let mean = rows
            .iter()
            .map(|r| r.y / (r.measured * r.measured))
            .sum::<f64>()
            / w;
        assert!((best.theta[0] - mean).abs() < 1e-9 * mean);
        let (lo, hi) = p.interval(Some(1), 0.0, best.rss * 2.0);
        assert!(lo == 0.0 && hi > 0.0 && hi.is_finite(), "{lo}–{hi}");
    }
}
