//! What-if from a user's own timings. A user who measured their own
//! pipeline (any engine: the seed notes' is PostgreSQL) gives a few rows of
//! workers, batch size, records, wall time and, where known, insert time.
//! A small cost model is fitted to them and asked about configurations
//! they did not run, with intervals at their stated level and a note
//! wherever the answer rests on the model's assumptions rather than on the
//! data.
//!
//! The model, per run of `n` workers on `c` cores, batches of `b` rows and
//! `N` records:
//!
//! ```text
//! insert = N · (α + β·b)                      summed over the workers
//! wall   = pool(n) + g(n) · insert + N · w / min(n, c)
//! ```
//!
//! α is the insert cost per row, β how that cost grows with the batch size
//! (the seed note's insert times grow with it), w the other work per record
//! (parse, transform), spread over the workers that have a core, and
//! pool(n) the fixed cost of the pool from an overhead preset. How the
//! writes share the database is not something a few rows at one worker
//! count can tell, so both ends are fitted and reported side by side:
//! [`Writes::Serialized`] (g = 1: one writer at a time, the lock-bound
//! case) and [`Writes::Parallel`] (g = 1 / min(n, c): writes overlap).
//!
//! The fit is least squares on relative errors (a 10 s miss on a 1,000 s
//! run weighs as a 0.1 s miss on a 10 s run); intervals are Student-t with
//! the residual degrees of freedom, none when the data leave none.

use crate::run::Overhead;
use statrs::distribution::{ContinuousCDF, StudentsT};

/// The level of every interval this module reports.
pub const LEVEL: f64 = 0.95;

/// One measured run of the user's pipeline.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Measurement {
    /// Workers of the run.
    pub workers: usize,
    /// Rows per batch.
    pub batch_size: u64,
    /// Records ingested.
    pub records: u64,
    /// Its wall time, seconds, when known.
    #[serde(default)]
    pub wall_s: Option<f64>,
    /// Its insert time summed over the workers, seconds, when known.
    #[serde(default)]
    pub insert_s: Option<f64>,
}

/// A configuration to predict.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Query {
    /// Workers.
    pub workers: usize,
    /// Rows per batch.
    pub batch_size: u64,
    /// Records.
    pub records: u64,
    /// Cores of the machine it would run on.
    pub cores: usize,
}

/// How concurrent writes share the database (see the module docs).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Writes {
    /// One writer at a time (g = 1): the lock-bound end.
    Serialized,
    /// Writes overlap (g = 1 / min(n, c)): the contention-free end.
    Parallel,
}

impl Writes {
    /// Both ends, in the order they are reported.
    pub const ALL: [Writes; 2] = [Writes::Serialized, Writes::Parallel];

    /// What the assumption means, in words.
    pub fn describe(self) -> &'static str {
        match self {
            Writes::Serialized => "writes serialized (one writer at a time)",
            Writes::Parallel => "writes in parallel (no contention)",
        }
    }

    fn share(self, workers: usize, cores: usize) -> f64 {
        match self {
            Writes::Serialized => 1.0,
            Writes::Parallel => 1.0 / workers.min(cores).max(1) as f64,
        }
    }
}

/// The fitted parameters, in seconds: insert per row, its growth per row of
/// batch size, other work per record.
pub const PARAMS: [&str; 3] = [
    "insert per row α",
    "α's growth per batch row β",
    "work per record w",
];

/// A fitted model.
#[derive(Debug, Clone)]
pub struct WhatIf {
    /// The write-sharing assumption this fit made.
    pub writes: Writes,
    /// Cores of the machine that measured.
    pub cores: usize,
    /// The pool's fixed costs (an overhead preset), not fitted.
    pub overhead: Overhead,
    /// α, β, w; β is 0 and not fitted when the data hold one batch size.
    pub theta: [f64; 3],
    /// Which of α, β, w the data could fit (the others are 0).
    pub fitted: [bool; 3],
    /// Half-widths of the parameters' intervals (`None`: no residual
    /// degrees of freedom).
    pub theta_half: Option<[f64; 3]>,
    /// Residual degrees of freedom.
    pub dof: usize,
    /// Relative residual of every observation, (model − measured) / measured,
    /// labelled "wall" or "insert" with the row's index.
    pub residuals: Vec<(usize, &'static str, f64)>,
    /// Residual variance (relative) and the parameters' scaled covariance.
    sigma2: f64,
    cov: [[f64; 3]; 3],
    t: f64,
    data: Vec<Measurement>,
}

/// One observation as a weighted least-squares row: `x · θ = y`.
struct Row {
    x: [f64; 3],
    y: f64,
    measured: f64,
    index: usize,
    kind: &'static str,
}

fn rows(data: &[Measurement], writes: Writes, cores: usize, o: &Overhead) -> Vec<Row> {
    let mut out = Vec::new();
    for (i, m) in data.iter().enumerate() {
        let (n, b, recs) = (m.workers, m.batch_size as f64, m.records as f64);
        if let Some(ins) = m.insert_s {
            out.push(Row {
                x: [recs, recs * b, 0.0],
                y: ins,
                measured: ins,
                index: i,
                kind: "insert",
            });
        }
        if let Some(wall) = m.wall_s {
            let g = writes.share(n, cores);
            let x = [g * recs, g * recs * b, recs / n.min(cores).max(1) as f64];
            out.push(Row {
                x,
                y: wall - pool_s(o, n),
                measured: wall,
                index: i,
                kind: "wall",
            });
        }
    }
    out
}

/// The pool's fixed cost for `n` workers (none for one worker: no pool).
fn pool_s(o: &Overhead, n: usize) -> f64 {
    if n > 1 { o.fixed_s(n) } else { 0.0 }
}

/// Inverse of a symmetric positive-definite k×k block (k ≤ 3) by
/// Gauss-Jordan; `None` when it is singular (the data cannot separate the
/// parameters). Three unknowns do not justify a linear-algebra crate.
fn invert(a: &[[f64; 3]; 3], k: usize) -> Option<[[f64; 3]; 3]> {
    let mut m = *a;
    let mut inv = [[0.0; 3]; 3];
    for (i, row) in inv.iter_mut().enumerate().take(k) {
        row[i] = 1.0;
    }
    let scale = (0..k).map(|i| a[i][i].abs()).fold(0.0, f64::max);
    for col in 0..k {
        let p = (col..k).max_by(|&i, &j| m[i][col].abs().total_cmp(&m[j][col].abs()))?;
        if m[p][col].abs() <= 1e-12 * scale {
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

/// Weighted least squares over the parameters in `free` (the others 0).
fn solve(rows: &[Row], free: &[usize]) -> Option<([f64; 3], [[f64; 3]; 3], f64)> {
    let k = free.len();
    let (mut xtx, mut xty) = ([[0.0; 3]; 3], [0.0; 3]);
    for r in rows {
        let w = 1.0 / r.measured;
        for (a, &i) in free.iter().enumerate() {
            xty[a] += r.x[i] * w * r.y * w;
            for (b, &j) in free.iter().enumerate() {
                xtx[a][b] += r.x[i] * w * r.x[j] * w;
            }
        }
    }
    let inv = invert(&xtx, k)?;
    let mut theta = [0.0; 3];
    let mut cov = [[0.0; 3]; 3];
    for (a, &i) in free.iter().enumerate() {
        theta[i] = (0..k).map(|b| inv[a][b] * xty[b]).sum();
        for (b, &j) in free.iter().enumerate() {
            cov[i][j] = inv[a][b];
        }
    }
    let rss = rows
        .iter()
        .map(|r| ((dot(&r.x, &theta) - r.y) / r.measured).powi(2))
        .sum();
    Some((theta, cov, rss))
}

fn dot(a: &[f64; 3], b: &[f64; 3]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Fits the model with `writes` to `data` measured on `cores` cores.
pub fn fit(
    data: &[Measurement],
    writes: Writes,
    cores: usize,
    overhead: &Overhead,
) -> Result<WhatIf, WhatIfError> {
    check(data)?;
    let rs = rows(data, writes, cores, overhead);
    let batches = {
        let mut b: Vec<u64> = data.iter().map(|m| m.batch_size).collect();
        b.sort_unstable();
        b.dedup();
        b.len()
    };
    // β needs two batch sizes; without them the insert cost is one number.
    let free: Vec<usize> = if batches > 1 {
        vec![0, 1, 2]
    } else {
        vec![0, 2]
    };
    let (theta, cov, rss) = solve(&rs, &free).ok_or(WhatIfError::Unidentifiable)?;
    let dof = rs.len().saturating_sub(free.len());
    let sigma2 = if dof > 0 { rss / dof as f64 } else { 0.0 };
    let t = if dof > 0 {
        StudentsT::new(0.0, 1.0, dof as f64)
            .expect("a Student-t with positive degrees of freedom")
            .inverse_cdf(0.5 + LEVEL / 2.0)
    } else {
        f64::NAN
    };
    let mut fitted = [false; 3];
    free.iter().for_each(|&i| fitted[i] = true);
    let theta_half = (dof > 0).then(|| std::array::from_fn(|i| t * (sigma2 * cov[i][i]).sqrt()));
    let residuals = rs
        .iter()
        .map(|r| (r.index, r.kind, (dot(&r.x, &theta) - r.y) / r.measured))
        .collect();
    Ok(WhatIf {
        writes,
        cores,
        overhead: overhead.clone(),
        theta,
        fitted,
        theta_half,
        dof,
        residuals,
        sigma2,
        cov,
        t,
        data: data.to_vec(),
    })
}

/// Why a what-if model cannot be fitted to the measurements given; rows
/// count from 1, as in the user's file.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WhatIfError {
    /// Nothing to fit.
    #[error("no measurements")]
    NoData,
    /// A zero worker count, batch size or record count.
    #[error("measurement {0}: workers, batch_size and records must be at least 1")]
    Zero(usize),
    /// Neither a wall time nor an insert time.
    #[error("measurement {0}: needs wall_s, insert_s or both")]
    NoTimes(usize),
    /// A time that is not a positive number of seconds.
    #[error("measurement {0}: times must be positive seconds")]
    BadTime(usize),
    /// One worker's insert time beyond its wall time.
    #[error(
        "measurement {row}: insert_s {insert_s} exceeds wall_s {wall_s} at one worker, which cannot be (is insert_s summed over something else?)"
    )]
    InsertBeyondWall {
        /// The row.
        row: usize,
        /// Its insert time.
        insert_s: f64,
        /// Its wall time.
        wall_s: f64,
    },
    /// The measurements cannot separate the parameters.
    #[error(
        "these measurements cannot separate the insert cost from the other work: give insert times (insert_s), or wall times at two worker counts or batch sizes"
    )]
    Unidentifiable,
}

fn check(data: &[Measurement]) -> Result<(), WhatIfError> {
    if data.is_empty() {
        return Err(WhatIfError::NoData);
    }
    for (i, m) in data.iter().enumerate() {
        let row = i + 1;
        if m.workers == 0 || m.batch_size == 0 || m.records == 0 {
            return Err(WhatIfError::Zero(row));
        }
        if m.wall_s.is_none() && m.insert_s.is_none() {
            return Err(WhatIfError::NoTimes(row));
        }
        if [m.wall_s, m.insert_s]
            .iter()
            .flatten()
            .any(|t| !(t.is_finite() && *t > 0.0))
        {
            return Err(WhatIfError::BadTime(row));
        }
        // One worker does its inserts inside its wall time; more workers'
        // summed insert time may exceed it, one worker's cannot.
        if let (1, Some(wall_s), Some(insert_s)) = (m.workers, m.wall_s, m.insert_s)
            && insert_s > wall_s * 1.001
        {
            return Err(WhatIfError::InsertBeyondWall {
                row,
                insert_s,
                wall_s,
            });
        }
    }
    Ok(())
}

/// A prediction with its interval and what it rests on.
#[derive(Debug, Clone)]
pub struct Prediction {
    /// The predicted wall time, seconds.
    pub wall_s: f64,
    /// The interval for one new run (`None`: no degrees of freedom left).
    pub wall_interval: Option<(f64, f64)>,
    /// The predicted insert time summed over the workers, seconds.
    pub insert_s: f64,
    /// Where the answer goes beyond the data.
    pub extrapolations: Vec<String>,
}

impl WhatIf {
    /// The Student-t quantile behind the intervals (NaN without any
    /// degree of freedom).
    pub fn t_quantile(&self) -> f64 {
        self.t
    }

    /// The distinct worker counts the measurements hold, ascending.
    pub fn worker_counts(&self) -> Vec<usize> {
        let mut w: Vec<usize> = self.data.iter().map(|m| m.workers).collect();
        w.sort_unstable();
        w.dedup();
        w
    }

    /// The wall time of `q` and its interval.
    pub fn predict(&self, q: &Query) -> Prediction {
        let (n, b, recs) = (q.workers, q.batch_size as f64, q.records as f64);
        let g = self.writes.share(n, q.cores);
        let x = [g * recs, g * recs * b, recs / n.min(q.cores).max(1) as f64];
        let wall = pool_s(&self.overhead, n) + dot(&x, &self.theta);
        let wall_interval = (self.dof > 0).then(|| {
            let mut var = 0.0;
            for i in 0..3 {
                for j in 0..3 {
                    var += x[i] * self.cov[i][j] * x[j];
                }
            }
            // The fit's uncertainty plus one new run's relative scatter.
            let half = self.t * (self.sigma2 * (var + wall * wall)).sqrt();
            ((wall - half).max(0.0), wall + half)
        });
        Prediction {
            wall_s: wall,
            wall_interval,
            insert_s: recs * (self.theta[0] + self.theta[1] * b),
            extrapolations: self.extrapolations(q),
        }
    }

    fn extrapolations(&self, q: &Query) -> Vec<String> {
        let mut out = Vec::new();
        let range = |f: &dyn Fn(&Measurement) -> u64| {
            let v: Vec<u64> = self.data.iter().map(f).collect();
            (
                *v.iter().min().expect("data"),
                *v.iter().max().expect("data"),
            )
        };
        let (wlo, whi) = range(&|m| m.workers as u64);
        if !(wlo..=whi).contains(&(q.workers as u64)) {
            out.push(format!("workers outside the measured {wlo}–{whi}: how time scales with workers is the model's assumption, not measured"));
        }
        let (blo, bhi) = range(&|m| m.batch_size);
        if !(blo..=bhi).contains(&q.batch_size) {
            out.push(format!("batch size outside the measured {blo}–{bhi}"));
        }
        let (rlo, rhi) = range(&|m| m.records);
        if !(rlo..=rhi).contains(&q.records) {
            out.push(format!("records outside the measured {rlo}–{rhi}"));
        }
        if q.cores != self.cores {
            out.push(format!(
                "{} cores instead of the measuring machine's {}",
                q.cores, self.cores
            ));
        }
        if self.data.iter().all(|m| m.wall_s.is_none()) {
            out.push("no wall time was measured: the work per record is unknown".into());
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::Preset;

    fn m(workers: usize, batch_size: u64, wall: Option<f64>, insert: Option<f64>) -> Measurement {
        Measurement {
            workers,
            batch_size,
            records: 100_000,
            wall_s: wall,
            insert_s: insert,
        }
    }

    /// Data made by the model itself with α = 400 µs, β = 0.01 µs, w = 3 ms
    /// on 4 cores: the fit recovers them exactly and predicts exactly.
    #[test]
    fn recovers_a_known_model_and_predicts_it() {
        let (a, b, w) = (400e-6, 0.01e-6, 3e-3);
        let none = Overhead::none();
        let truth = |n: usize, bs: u64, writes: Writes| {
            let ins = 1e5 * (a + b * bs as f64);
            (writes.share(n, 4) * ins + 1e5 * w / n.min(4) as f64, ins)
        };
        for writes in Writes::ALL {
            let data: Vec<_> = [(1, 1000), (2, 1000), (4, 1000), (4, 5000)]
                .iter()
                .map(|&(n, bs)| {
                    let (wall, ins) = truth(n, bs, writes);
                    m(n, bs, Some(wall), Some(ins))
                })
                .collect();
            let f = fit(&data, writes, 4, &none).unwrap();
            for (got, want) in f.theta.iter().zip([a, b, w]) {
                assert!(
                    (got / want - 1.0).abs() < 1e-9,
                    "{writes:?}: {got} vs {want}"
                );
            }
            assert_eq!(f.dof, 8 - 3);
            let q = Query {
                workers: 3,
                batch_size: 2000,
                records: 100_000,
                cores: 4,
            };
            let p = f.predict(&q);
            assert!((p.wall_s / truth(3, 2000, writes).0 - 1.0).abs() < 1e-9);
            let (lo, hi) = p.wall_interval.unwrap();
            assert!(
                hi - lo < 1e-6 * p.wall_s,
                "exact data, no scatter: {lo}–{hi}"
            );
            assert!(p.extrapolations.is_empty(), "{:?}", p.extrapolations);
        }
    }

    /// The seed note's figures: one worker count, insert times at three
    /// batch sizes. Serialized writes put w at (wall − pool − insert) · 4 / N
    /// by hand; both models fit the one wall time exactly, and disagree on
    /// 2 workers, which is what the data cannot decide.
    #[test]
    fn the_thesis_figures_fit_and_flag_what_they_cannot_say() {
        let rec = 717_000;
        let d = |bs, wall, ins| Measurement {
            workers: 4,
            batch_size: bs,
            records: rec,
            wall_s: wall,
            insert_s: Some(ins),
        };
        let data = [
            d(10_000, Some(1005.85), 406.0),
            d(20_000, None, 496.0),
            d(30_000, None, 790.0),
        ];
        let mp = Preset::PythonMp.resolve(&Default::default());
        let s = fit(&data, Writes::Serialized, 4, &mp).unwrap();
        let p = fit(&data, Writes::Parallel, 4, &mp).unwrap();
        let ins10k = s
            .predict(&Query {
                workers: 4,
                batch_size: 10_000,
                records: rec,
                cores: 4,
            })
            .insert_s;
        let w_by_hand = (1005.85 - mp.fixed_s(4) - ins10k) * 4.0 / rec as f64;
        assert!((s.theta[2] / w_by_hand - 1.0).abs() < 1e-9);
        let wall_resid = s.residuals.iter().find(|r| r.1 == "wall").unwrap().2;
        assert!(wall_resid.abs() < 1e-9, "w absorbs the one wall time");
        assert_eq!(s.dof, 1);
        let two = Query {
            workers: 2,
            batch_size: 10_000,
            records: rec,
            cores: 4,
        };
        let (ps, pp) = (s.predict(&two), p.predict(&two));
        assert!(
            ps.wall_s > 1005.85 && pp.wall_s > ps.wall_s,
            "{} {}",
            ps.wall_s,
            pp.wall_s
        );
        assert!(
            ps.extrapolations
                .iter()
                .any(|e| e.contains("workers outside the measured 4–4"))
        );
        // One degree of freedom: t = 12.7, so the interval is honest and wide.
        let (lo, hi) = ps.wall_interval.unwrap();
        assert!(lo < 0.8 * ps.wall_s && hi > 1.2 * ps.wall_s, "{lo}–{hi}");
    }

    /// Runs with 5% multiplicative scatter around a known model, six
    /// measurements, three parameters: the 95% prediction interval for a
    /// new run covers it about 95% of the time (Monte Carlo, fixed seed).
    #[test]
    fn prediction_intervals_cover_at_their_level() {
        use rand::{Rng, SeedableRng};
        let (a, b, w) = (400e-6, 0.01e-6, 3e-3);
        let none = Overhead::none();
        let truth = |n: usize, bs: u64| {
            let ins = 1e5 * (a + b * bs as f64);
            (ins + 1e5 * w / n.min(4) as f64, ins)
        };
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        let mut normal = move || {
            // Box-Muller: one standard normal draw.
            let (u, v): (f64, f64) = (rng.random::<f64>().max(1e-300), rng.random());
            (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
        };
        let q = Query {
            workers: 3,
            batch_size: 3000,
            records: 100_000,
            cores: 4,
        };
        let (trials, mut covered) = (2000, 0);
        for _ in 0..trials {
            let data: Vec<_> = [(1, 1000), (2, 1000), (4, 5000)]
                .iter()
                .map(|&(n, bs)| {
                    let (wall, ins) = truth(n, bs);
                    m(
                        n,
                        bs,
                        Some(wall * (1.0 + 0.05 * normal())),
                        Some(ins * (1.0 + 0.05 * normal())),
                    )
                })
                .collect();
            let f = fit(&data, Writes::Serialized, 4, &none).unwrap();
            let new_run = truth(3, 3000).0 * (1.0 + 0.05 * normal());
            let (lo, hi) = f.predict(&q).wall_interval.unwrap();
            covered += usize::from(lo <= new_run && new_run <= hi);
        }
        let coverage = covered as f64 / trials as f64;
        assert!((0.92..=0.98).contains(&coverage), "coverage {coverage}");
    }

    #[test]
    fn what_the_data_cannot_separate_is_refused() {
        let none = Overhead::none();
        // Wall times alone at one worker count and batch size.
        let e = fit(
            &[m(4, 1000, Some(10.0), None)],
            Writes::Serialized,
            4,
            &none,
        )
        .unwrap_err();
        assert_eq!(e, WhatIfError::Unidentifiable);
        assert!(e.to_string().contains("cannot separate"), "{e}");
        let e = fit(&[m(4, 1000, None, None)], Writes::Serialized, 4, &none).unwrap_err();
        assert_eq!(e, WhatIfError::NoTimes(1));
        assert!(
            e.to_string().starts_with("measurement 1: needs wall_s"),
            "{e}"
        );
        let e = fit(
            &[m(4, 1000, Some(-1.0), None)],
            Writes::Serialized,
            4,
            &none,
        )
        .unwrap_err();
        assert_eq!(e, WhatIfError::BadTime(1));
    }
}
