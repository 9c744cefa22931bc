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
//! writes share the database is what a few rows rarely tell, so every
//! model the data can fit is reported side by side: [`Writes::Serialized`]
//! (g = 1: one writer at a time, the lock-bound case), [`Writes::Parallel`]
//! (g = 1 / min(n, c): writes overlap) and, once the data hold two worker
//! counts, [`Writes::Contended`] (g = (1 + κ(n − 1)) / min(n, c), the
//! summed insert time growing by the same factor: contention that grows
//! with the writers, which the other two cannot express).
//!
//! The fit is least squares on relative errors (a 10 s miss on a 1,000 s
//! run weighs as a 0.1 s miss on a 10 s run) with every parameter ≥ 0
//! (`bounded.rs`); the parameters' intervals are profile-likelihood
//! intervals, which respect that bound; a prediction's interval adds one
//! new run's scatter to the fit's uncertainty (its linearisation) and is
//! taken on the log scale the relative errors live on, so it never
//! reaches below 0. Student-t with the residual degrees of freedom; none
//! when the data leave none.

use super::bounded::{Fit, Problem, Row, dot, invert};
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
    /// Writes overlap but slow each other, more with every writer:
    /// g = (1 + κ(n − 1)) / min(n, c), the Universal Scalability Law's
    /// contention term, with κ ≥ 0 fitted (κ = 0 is `Parallel`; κ = 1
    /// costs as much as `Serialized` while every worker has a core; κ > 1,
    /// more workers are slower). Fitted when the data hold two worker
    /// counts or more: what "fewer workers, less contention" needs.
    Contended,
}

impl Writes {
    /// Every model, in the order they are reported.
    pub const ALL: [Writes; 3] = [Writes::Serialized, Writes::Parallel, Writes::Contended];

    /// What the assumption means, in words.
    pub fn describe(self) -> &'static str {
        match self {
            Writes::Serialized => "writes serialized (one writer at a time)",
            Writes::Parallel => "writes in parallel (no contention)",
            Writes::Contended => {
                "writes in parallel, slowed by contention growing with the writers, g(n) = 1 + κ(n − 1)"
            }
        }
    }

    /// The model's short name, a column heading.
    pub fn heading(self) -> &'static str {
        match self {
            Writes::Serialized => "serialized writes",
            Writes::Parallel => "parallel writes",
            Writes::Contended => "contended writes",
        }
    }

    /// Whether `data` can fit this model (κ needs two worker counts).
    pub fn fits(self, data: &[Measurement]) -> bool {
        self != Writes::Contended || self.fits_kappa(data)
    }

    /// Whether κ is fitted: contention, on two worker counts or more.
    fn fits_kappa(self, data: &[Measurement]) -> bool {
        let first = data.first().map(|m| m.workers);
        self == Writes::Contended && data.iter().any(|m| Some(m.workers) != first)
    }

    /// The share of the summed insert time on the wall clock at `n`
    /// workers on `cores` cores.
    fn share(self, n: usize, cores: usize, kappa: f64) -> f64 {
        let spread = n.min(cores).max(1) as f64;
        match self {
            Writes::Serialized => 1.0,
            Writes::Parallel => 1.0 / spread,
            Writes::Contended => (1.0 + kappa * (n as f64 - 1.0)) / spread,
        }
    }

    /// How much longer the summed insert time is at `n` writers than at
    /// one.
    fn slowdown(self, n: usize, kappa: f64) -> f64 {
        match self {
            Writes::Contended => 1.0 + kappa * (n as f64 - 1.0),
            _ => 1.0,
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

/// The name of the contention coefficient.
pub const KAPPA: &str = "contention κ";

/// Parameter intervals at [`LEVEL`] (profile likelihood, see
/// `bounded.rs`): never below 0, infinite above where the data cannot
/// bound a parameter.
#[derive(Debug, Clone, PartialEq)]
pub struct Intervals {
    /// α, β, w (None where not fitted).
    pub theta: [Option<(f64, f64)>; 3],
    /// κ (None where not fitted).
    pub kappa: Option<(f64, f64)>,
}

/// A fitted model.
#[derive(Debug, Clone)]
pub struct WhatIf {
    /// The write-sharing assumption this fit made.
    pub writes: Writes,
    /// Cores of the machine that measured.
    pub cores: usize,
    /// The pool's fixed costs (an overhead preset), not fitted.
    pub overhead: Overhead,
    /// α, β, w, all ≥ 0; β is 0 and not fitted when the data hold one
    /// batch size.
    pub theta: [f64; 3],
    /// Which of α, β, w the data could fit (the others are 0).
    pub fitted: [bool; 3],
    /// κ ≥ 0 (0 unless `Contended`).
    pub kappa: f64,
    /// Residual degrees of freedom.
    pub dof: usize,
    /// Relative residual of every observation, (model − measured) / measured,
    /// labelled "wall" or "insert" with the row's index.
    pub residuals: Vec<(usize, &'static str, f64)>,
    /// The residual sum of squares (relative) and its variance.
    rss: f64,
    sigma2: f64,
    /// (JᵀJ)⁻¹ over the fitted costs, then κ if fitted and separable.
    cov: Option<Vec<Vec<f64>>>,
    with_kappa: bool,
    t: f64,
    data: Vec<Measurement>,
}

/// Where each row came from: the measurement's index and its kind.
type Origin = (usize, &'static str);

fn rows(
    data: &[Measurement],
    writes: Writes,
    cores: usize,
    o: &Overhead,
    kappa: f64,
) -> (Vec<Row>, Vec<Origin>) {
    let (mut out, mut origin) = (Vec::new(), Vec::new());
    for (i, m) in data.iter().enumerate() {
        let (n, b, recs) = (m.workers, m.batch_size as f64, m.records as f64);
        if let Some(ins) = m.insert_s {
            let k = writes.slowdown(n, kappa);
            out.push(Row {
                x: [k * recs, k * recs * b, 0.0],
                y: ins,
                measured: ins,
            });
            origin.push((i, "insert"));
        }
        if let Some(wall) = m.wall_s {
            out.push(Row {
                x: wall_x(writes, n, cores, kappa, recs, b),
                y: wall - pool_s(o, n),
                measured: wall,
            });
            origin.push((i, "wall"));
        }
    }
    (out, origin)
}

/// The coefficients of α, β, w in the wall time of `n` workers on `cores`
/// cores writing `recs` records in batches of `b` (κ = `kappa`).
fn wall_x(writes: Writes, n: usize, cores: usize, kappa: f64, recs: f64, b: f64) -> [f64; 3] {
    let g = writes.share(n, cores, kappa);
    [g * recs, g * recs * b, recs / n.min(cores).max(1) as f64]
}

/// The pool's fixed cost for `n` workers (none for one worker: no pool).
fn pool_s(o: &Overhead, n: usize) -> f64 {
    if n > 1 { o.fixed_s(n) } else { 0.0 }
}

/// The Student-t quantile for a two-sided interval at [`LEVEL`].
fn t_quantile(dof: usize) -> f64 {
    if dof == 0 {
        return f64::NAN;
    }
    StudentsT::new(0.0, 1.0, dof as f64)
        .expect("a Student-t with positive degrees of freedom")
        .inverse_cdf(0.5 + LEVEL / 2.0)
}

/// Fits the model with `writes` to `data` measured on `cores` cores.
pub fn fit(
    data: &[Measurement],
    writes: Writes,
    cores: usize,
    overhead: &Overhead,
) -> Result<WhatIf, WhatIfError> {
    check(data)?;
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
    let at = |k: f64| rows(data, writes, cores, overhead, k).0;
    let problem = Problem {
        rows: &at,
        free: free.clone(),
        kappa_free: writes.fits_kappa(data),
    };
    if !problem.identifiable() {
        return Err(WhatIfError::Unidentifiable);
    }
    let best = problem.best(None);
    let (rs, origin) = rows(data, writes, cores, overhead, best.kappa);
    let n_params = free.len() + usize::from(problem.kappa_free);
    let dof = rs.len().saturating_sub(n_params);
    let mut fitted = [false; 3];
    free.iter().for_each(|&i| fitted[i] = true);
    let residuals = rs
        .iter()
        .zip(&origin)
        .map(|(r, o)| (o.0, o.1, (dot(&r.x, &best.theta) - r.y) / r.measured))
        .collect();
    let kappa_free = problem.kappa_free;
    let (cov, with_kappa) = covariance(&rs, &at(best.kappa + 1.0), &best, &free, kappa_free);
    Ok(WhatIf {
        writes,
        cores,
        overhead: overhead.clone(),
        theta: best.theta,
        fitted,
        kappa: best.kappa,
        dof,
        residuals,
        rss: best.rss,
        sigma2: if dof > 0 { best.rss / dof as f64 } else { 0.0 },
        cov,
        with_kappa,
        t: t_quantile(dof),
        data: data.to_vec(),
    })
}

/// The derivatives of `x(κ) · θ` by the free costs and, with `kappa`, by
/// κ, from the coefficients at κ (`x0`) and at κ + 1 (`x1`): the rows are
/// linear in κ, so that one step gives the exact derivative.
fn gradient(
    x0: &[f64; 3],
    x1: &[f64; 3],
    theta: &[f64; 3],
    free: &[usize],
    kappa: bool,
) -> Vec<f64> {
    let mut g: Vec<f64> = free.iter().map(|&i| x0[i]).collect();
    if kappa {
        g.push(dot(x1, theta) - dot(x0, theta));
    }
    g
}

/// (JᵀJ)⁻¹ of the relative residuals' Jacobian at the fit (`r0`, the rows
/// at its κ; `r1`, at κ + 1), over the free costs and κ (dropped when the
/// data cannot separate it there, as when every insert cost is 0); and
/// whether κ is in it.
fn covariance(
    r0: &[Row],
    r1: &[Row],
    best: &Fit,
    free: &[usize],
    kappa_free: bool,
) -> (Option<Vec<Vec<f64>>>, bool) {
    for with_kappa in [kappa_free, false] {
        let jac: Vec<Vec<f64>> = r0
            .iter()
            .zip(r1)
            .map(|(a, b)| {
                gradient(&a.x, &b.x, &best.theta, free, with_kappa)
                    .into_iter()
                    .map(|d| d / a.measured)
                    .collect()
            })
            .collect();
        let k = jac.first().map_or(0, Vec::len);
        let jtj: Vec<Vec<f64>> = (0..k)
            .map(|a| {
                (0..k)
                    .map(|b| jac.iter().map(|r| r[a] * r[b]).sum())
                    .collect()
            })
            .collect();
        if let Some(inv) = invert(&jtj) {
            return (Some(inv), with_kappa);
        }
        if !kappa_free {
            break;
        }
    }
    (None, false)
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
    /// The interval for one new run (`None`: no degrees of freedom left),
    /// on the log scale the fit's relative errors live on: never below 0.
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

    /// The measurements it was fitted to.
    pub fn data(&self) -> &[Measurement] {
        &self.data
    }

    /// The distinct worker counts the measurements hold, ascending.
    pub fn worker_counts(&self) -> Vec<usize> {
        let mut w: Vec<usize> = self.data.iter().map(|m| m.workers).collect();
        w.sort_unstable();
        w.dedup();
        w
    }

    /// The profile-likelihood intervals of the parameters (None without a
    /// degree of freedom). Each is a search over refits, so it is computed
    /// when asked for.
    pub fn intervals(&self) -> Option<Intervals> {
        let mut theta = [None; 3];
        for (i, t) in theta
            .iter_mut()
            .enumerate()
            .filter(|(i, _)| self.fitted[*i])
        {
            *t = Some(self.profile(Some(i))?);
        }
        Some(Intervals {
            theta,
            kappa: self.kappa_interval(),
        })
    }

    /// κ's profile-likelihood interval alone (None when κ is not fitted or
    /// no degree of freedom is left).
    pub fn kappa_interval(&self) -> Option<(f64, f64)> {
        self.writes
            .fits_kappa(&self.data)
            .then(|| self.profile(None))
            .flatten()
    }

    /// The costs fitted, by index.
    fn free(&self) -> Vec<usize> {
        (0..3).filter(|&i| self.fitted[i]).collect()
    }

    /// The profile interval of cost `param`, or of κ for None.
    fn profile(&self, param: Option<usize>) -> Option<(f64, f64)> {
        if self.dof == 0 {
            return None;
        }
        let (data, w, c, o) = (&self.data, self.writes, self.cores, &self.overhead);
        let at = |k: f64| rows(data, w, c, o, k).0;
        let problem = Problem {
            rows: &at,
            free: self.free(),
            kappa_free: w.fits_kappa(data),
        };
        // F(1, dof) at the level is t² at the two-sided level.
        let limit = self.rss * (1.0 + self.t * self.t / self.dof as f64);
        let est = param.map_or(self.kappa, |i| self.theta[i]);
        Some(problem.interval(param, est, limit))
    }

    /// The wall time of `q` and its interval.
    pub fn predict(&self, q: &Query) -> Prediction {
        let (n, b, recs) = (q.workers, q.batch_size as f64, q.records as f64);
        let coeffs = |k: f64| wall_x(self.writes, n, q.cores, k, recs, b);
        let x = coeffs(self.kappa);
        let wall = pool_s(&self.overhead, n) + dot(&x, &self.theta);
        let wall_interval = match (&self.cov, self.dof) {
            (Some(cov), 1..) => {
                let x1 = coeffs(self.kappa + 1.0);
                let g = gradient(&x, &x1, &self.theta, &self.free(), self.with_kappa);
                let var: f64 = (0..g.len())
                    .map(|a| (0..g.len()).map(|c| g[a] * cov[a][c] * g[c]).sum::<f64>())
                    .sum();
                // The fit's uncertainty plus one new run's relative scatter,
                // as a relative spread, applied on the log scale.
                let s = (self.sigma2 * (var + wall * wall)).sqrt() / wall.max(1e-300);
                Some((wall * (-self.t * s).exp(), wall * (self.t * s).exp()))
            }
            _ => None,
        };
        Prediction {
            wall_s: wall,
            wall_interval,
            insert_s: recs
                * (self.theta[0] + self.theta[1] * b)
                * self.writes.slowdown(n, self.kappa),
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

    /// Data made by each model itself with α = 400 µs, β = 0.01 µs,
    /// w = 3 ms on 4 cores (and κ = 0.3 for contention): the fit recovers
    /// them exactly and predicts exactly.
    #[test]
    fn recovers_a_known_model_and_predicts_it() {
        let (a, b, w, kappa) = (400e-6, 0.01e-6, 3e-3, 0.3);
        let none = Overhead::none();
        let truth = |n: usize, bs: u64, writes: Writes| {
            let ins = 1e5 * (a + b * bs as f64);
            let g = writes.share(n, 4, kappa);
            (
                g * ins + 1e5 * w / n.min(4) as f64,
                ins * writes.slowdown(n, kappa),
            )
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
                    (got / want - 1.0).abs() < 1e-6,
                    "{writes:?}: {got} vs {want}"
                );
            }
            let contended = writes == Writes::Contended;
            if contended {
                assert!((f.kappa / kappa - 1.0).abs() < 1e-6, "κ {}", f.kappa);
            }
            assert_eq!(f.dof, 8 - 3 - usize::from(contended));
            let q = Query {
                workers: 3,
                batch_size: 2000,
                records: 100_000,
                cores: 4,
            };
            let p = f.predict(&q);
            assert!((p.wall_s / truth(3, 2000, writes).0 - 1.0).abs() < 1e-6);
            let (lo, hi) = p.wall_interval.unwrap();
            assert!(
                hi - lo < 1e-5 * p.wall_s,
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
        let (a, b, w) = (400e-6, 0.01e-6, 3e-3);
        let none = Overhead::none();
        let truth = |n: usize, bs: u64| {
            let ins = 1e5 * (a + b * bs as f64);
            (ins + 1e5 * w / n.min(4) as f64, ins)
        };
        let mut normal = normals(7);
        let q = Query {
            workers: 3,
            batch_size: 3000,
            records: 100_000,
            cores: 4,
        };
        let coverage = new_runs_covered(2000, &q, || {
            let data = scattered(&[(1, 1000), (2, 1000), (4, 5000)], truth, 0.05, &mut normal);
            let f = fit(&data, Writes::Serialized, 4, &none).unwrap();
            (f, truth(3, 3000).0 * (1.0 + 0.05 * normal()))
        });
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

    /// The share of `trials` whose fit's 95% prediction interval for `q`
    /// holds the new run drawn beside it (`draw` gives both).
    fn new_runs_covered(trials: usize, q: &Query, mut draw: impl FnMut() -> (WhatIf, f64)) -> f64 {
        let covered = (0..trials)
            .filter(|_| {
                let (f, new_run) = draw();
                let (lo, hi) = f.predict(q).wall_interval.unwrap();
                lo <= new_run && new_run <= hi
            })
            .count();
        covered as f64 / trials as f64
    }

    /// One standard normal draw per call (Box-Muller), from a fixed seed.
    fn normals(seed: u64) -> impl FnMut() -> f64 {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
        move || {
            let (u, v): (f64, f64) = (rng.random::<f64>().max(1e-300), rng.random());
            (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
        }
    }

    /// Wall and insert times of the contention model (α = 400 µs,
    /// β = 0.01 µs, w = 3 ms, 8 cores) at `n` workers, batch `bs`.
    fn contended(n: usize, bs: u64, kappa: f64) -> (f64, f64) {
        let ins = 1e5 * (400e-6 + 0.01e-6 * bs as f64);
        let w = Writes::Contended;
        (
            w.share(n, 8, kappa) * ins + 1e5 * 3e-3 / n.min(8) as f64,
            ins * w.slowdown(n, kappa),
        )
    }

    /// Runs at each (workers, batch size) of `at`, with the wall and insert
    /// times of `truth` each given `scatter` (relative).
    fn scattered(
        at: &[(usize, u64)],
        truth: impl Fn(usize, u64) -> (f64, f64),
        scatter: f64,
        normal: &mut impl FnMut() -> f64,
    ) -> Vec<Measurement> {
        at.iter()
            .map(|&(n, bs)| {
                let (wall, ins) = truth(n, bs);
                m(
                    n,
                    bs,
                    Some(wall * (1.0 + scatter * normal())),
                    Some(ins * (1.0 + scatter * normal())),
                )
            })
            .collect()
    }

    /// The contention model's runs at `workers` × batches of 1,000 and
    /// 5,000, wall and insert times each with `scatter` (relative).
    fn noisy(
        workers: &[usize],
        kappa: f64,
        scatter: f64,
        normal: &mut impl FnMut() -> f64,
    ) -> Vec<Measurement> {
        let at: Vec<(usize, u64)> = workers
            .iter()
            .flat_map(|&n| [(n, 1000), (n, 5000)])
            .collect();
        scattered(&at, |n, bs| contended(n, bs, kappa), scatter, normal)
    }

    /// Leave one worker count out: data from the contention model with 5%
    /// scatter at 1, 2 and 8 workers; the 95% prediction interval for a
    /// new run at 4 workers, which the fit never saw, holds it in 92–98% of
    /// Monte-Carlo trials.
    #[test]
    fn a_held_out_worker_count_falls_in_its_interval_at_the_level() {
        let mut normal = normals(11);
        let q = Query {
            workers: 4,
            batch_size: 3000,
            records: 100_000,
            cores: 8,
        };
        let coverage = new_runs_covered(1000, &q, || {
            let data = noisy(&[1, 2, 8], 0.25, 0.05, &mut normal);
            let f = fit(&data, Writes::Contended, 8, &Overhead::none()).unwrap();
            (f, contended(4, 3000, 0.25).0 * (1.0 + 0.05 * normal()))
        });
        assert!((0.92..=0.98).contains(&coverage), "coverage {coverage}");
    }

    /// κ's interval where the bound binds: κ = 0.03 with 20% scatter, so
    /// that about one fit in seven puts κ at 0. Never below 0, and it holds
    /// the true κ in 93–97.5% of 2,000 trials (96.8% here; 96.2% and
    /// 96.1% with seeds 6 and 7): at its level, not merely safe.
    ///
    /// Clamping an interval at 0 cannot lower its coverage of a κ ≥ 0, so
    /// the band's upper end is what a clamp fails: the linearised interval
    /// κ̂ ± t·se clamped at 0, in the same trials, holds κ in over 97.5%
    /// (98.5%; 98.4% and 98.7% with seeds 6 and 7: where κ̂ = 0 it spans
    /// [0, t·se], wider than the data need), and the test checks that it
    /// does, so that the band keeps its teeth.
    #[test]
    fn the_interval_of_a_parameter_bounded_at_zero_covers_at_its_level() {
        let mut normal = normals(5);
        let kappa = 0.03;
        let (trials, mut covered, mut clamped, mut at_zero) = (2000, 0, 0, 0);
        for _ in 0..trials {
            let data = noisy(&[1, 2, 4, 8], kappa, 0.2, &mut normal);
            let f = fit(&data, Writes::Contended, 8, &Overhead::none()).unwrap();
            let (lo, hi) = f.kappa_interval().unwrap();
            assert!(lo >= 0.0 && f.kappa >= 0.0 && lo <= f.kappa && f.kappa <= hi);
            at_zero += usize::from(f.kappa == 0.0);
            covered += usize::from(lo <= kappa && kappa <= hi);
            // κ is in the prediction's uncertainty (a scale-blind pivot
            // test once dropped it as singular).
            assert!(f.with_kappa, "κ left out of the covariance");
            // κ is the covariance's last parameter.
            let cov = f.cov.as_ref().unwrap();
            let se = (f.sigma2 * cov[cov.len() - 1][cov.len() - 1]).sqrt();
            let (clo, chi) = ((f.kappa - f.t * se).max(0.0), f.kappa + f.t * se);
            clamped += usize::from(clo <= kappa && kappa <= chi);
        }
        let share = |k: usize| k as f64 / trials as f64;
        let level = 0.93..=0.975;
        assert!(
            level.contains(&share(covered)),
            "coverage {}",
            share(covered)
        );
        assert!(
            !level.contains(&share(clamped)),
            "the clamped interval passes too ({}): the band has no teeth",
            share(clamped)
        );
        // The case the bound is for: some fits put κ at 0.
        assert!(
            share(at_zero) > 0.05,
            "κ at 0 in {at_zero} fits: the test does not test the bound"
        );
    }

    /// The thesis's figures with a measured "2 workers, 10K batches,
    /// 980 s": every measured wall time lies in its own 95% interval for
    /// every model, no cost is negative, and the contention model, which
    /// holds the parallel one (κ = 0), fits at least as well.
    #[test]
    fn the_thesis_figures_with_two_workers_fit_within_their_intervals() {
        let rec = 717_000;
        let d = |n, bs, wall, ins| Measurement {
            workers: n,
            batch_size: bs,
            records: rec,
            wall_s: wall,
            insert_s: ins,
        };
        let data = [
            d(4, 10_000, Some(1005.85), Some(406.0)),
            d(4, 20_000, None, Some(496.0)),
            d(4, 30_000, None, Some(790.0)),
            d(2, 10_000, Some(980.0), None),
        ];
        let mp = Preset::PythonMp.resolve(&Default::default());
        let mut rss = Vec::new();
        for writes in Writes::ALL {
            let f = fit(&data, writes, 4, &mp).unwrap();
            assert!(
                f.theta.iter().all(|x| *x >= 0.0) && f.kappa >= 0.0,
                "{writes:?}"
            );
            for m in data.iter().filter(|m| m.wall_s.is_some()) {
                let q = Query {
                    workers: m.workers,
                    batch_size: m.batch_size,
                    records: rec,
                    cores: 4,
                };
                let (lo, hi) = f.predict(&q).wall_interval.unwrap();
                let wall = m.wall_s.unwrap();
                assert!(
                    lo <= wall && wall <= hi,
                    "{writes:?} at {} workers: {lo}–{hi} vs {wall}",
                    m.workers
                );
                assert!(lo > 0.0);
            }
            rss.push(f.rss);
        }
        assert!(rss[2] <= rss[1] * (1.0 + 1e-9), "{rss:?}");
    }
}
