//! How far a simulation is from measured runs of the same scenario, on
//! what users read: each configuration's median wall time and its speedup
//! over the 1-worker baseline, and the median and worst error over a sweep.

use super::paired::{matched, paired_ratio};
use super::stats::median;
use super::{ConfigSummary, RunRecord};

/// One configuration, simulated against measured.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Comparison {
    /// The configuration.
    pub config_id: String,
    /// Its workers.
    pub workers: usize,
    /// Its measured median wall time.
    pub measured_wall_s: f64,
    /// Its simulated median wall time.
    pub simulated_wall_s: f64,
    /// The typical (simulated − measured) / measured wall time of one
    /// round: the paired ratio of the two (Hodges–Lehmann, over the rounds
    /// both have) less one, so a round's machine speed, shared by the
    /// measured runs and a same-round calibration, cancels; the ratio of
    /// the medians where no round is shared.
    pub error: f64,
    /// The measured speedup over its baseline (paired within rounds); None
    /// for a baseline.
    #[serde(default)]
    pub measured_speedup: Option<f64>,
    /// The simulated speedup, paired the same way.
    #[serde(default)]
    pub simulated_speedup: Option<f64>,
}

impl Comparison {
    /// (simulated − measured) / measured speedup, where both exist.
    pub fn speedup_error(&self) -> Option<f64> {
        let (m, s) = (self.measured_speedup?, self.simulated_speedup?);
        (m > 0.0).then(|| (s - m) / m)
    }
}

/// A sweep's summaries and the runs behind them.
#[derive(Debug, Clone, Copy)]
pub struct Runs<'a> {
    /// One per configuration.
    pub summaries: &'a [ConfigSummary],
    /// Every run.
    pub runs: &'a [RunRecord],
}

impl Runs<'_> {
    /// (round, wall time) of `id`'s successful runs.
    fn walls(&self, id: &str) -> Vec<(usize, f64)> {
        self.runs
            .iter()
            .filter(|r| r.config_id == id && !r.failed)
            .filter_map(|r| Some((r.rep, r.result.as_ref()?.wall_s)))
            .filter(|(_, w)| *w > 0.0)
            .collect()
    }
}

/// Compares the configurations both sweeps hold, with at most
/// `max_workers` workers.
pub fn compare_reports(measured: Runs, simulated: Runs, max_workers: usize) -> Vec<Comparison> {
    measured
        .summaries
        .iter()
        .filter(|m| m.workers() <= max_workers)
        .filter_map(|m| {
            let s = simulated.summaries.iter().find(|s| s.id == m.id)?;
            let (mw, sw) = (m.wall_s?.median, s.wall_s?.median);
            let (sim, meas) = matched(&simulated.walls(&m.id), &measured.walls(&m.id));
            let error = if sim.is_empty() {
                (sw - mw) / mw
            } else {
                paired_ratio(&sim, &meas).estimate - 1.0
            };
            let multi = m.workers() > 1;
            Some(Comparison {
                config_id: m.id.clone(),
                workers: m.workers(),
                measured_wall_s: mw,
                simulated_wall_s: sw,
                error,
                measured_speedup: m.speedup.filter(|_| multi),
                simulated_speedup: s.speedup.filter(|_| multi),
            })
        })
        .collect()
}

/// The median absolute and the worst (largest absolute, signed) of some
/// relative errors, and the configuration of the worst.
#[derive(Debug, Clone, PartialEq)]
pub struct Spread {
    /// Median of |error|.
    pub median: f64,
    /// The error of largest magnitude, with its sign.
    pub worst: f64,
    /// Where it is.
    pub worst_id: String,
    /// How many errors.
    pub count: usize,
}

impl Spread {
    fn of<'a>(errors: impl Iterator<Item = (&'a str, f64)>) -> Option<Spread> {
        let v: Vec<(&str, f64)> = errors.collect();
        let worst = v.iter().max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))?;
        let abs: Vec<f64> = v.iter().map(|x| x.1.abs()).collect();
        Some(Spread {
            median: median(&abs),
            worst: worst.1,
            worst_id: worst.0.to_string(),
            count: v.len(),
        })
    }

    /// "median 7%, worst +15%".
    pub fn phrase(&self) -> String {
        format!(
            "median {:.0}%, worst {:+.0}%",
            100.0 * self.median,
            100.0 * self.worst
        )
    }
}

/// The errors of a whole comparison, on wall time and on speedup.
#[derive(Debug, Clone, PartialEq)]
pub struct ErrorSummary {
    /// Over every configuration's median wall time.
    pub wall: Spread,
    /// Over every multi-worker configuration's speedup (None without one).
    pub speedup: Option<Spread>,
}

impl ErrorSummary {
    /// The summary of `cmp`; None when it is empty.
    pub fn of(cmp: &[Comparison]) -> Option<ErrorSummary> {
        Some(ErrorSummary {
            wall: Spread::of(cmp.iter().map(|c| (c.config_id.as_str(), c.error)))?,
            speedup: Spread::of(
                cmp.iter()
                    .filter_map(|c| Some((c.config_id.as_str(), c.speedup_error()?))),
            ),
        })
    }

    /// "wall median 7%, worst +15%; speedup median 4%, worst -12%".
    pub fn line(&self) -> String {
        let speedup = self
            .speedup
            .as_ref()
            .map_or("no speedup measured".to_string(), |s| {
                format!("speedup {}", s.phrase())
            });
        format!("wall {}; {speedup}", self.wall.phrase())
    }
}

/// Which costs a simulation ran on, as a validation names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CostSource {
    /// Each round's runs simulated from a calibration measured in that
    /// round: what is left is the model's own error.
    SameRound,
    /// One calibration measured at another time (the default file, or
    /// `--model`): what a user gets, the machine's drift included.
    OtherTime,
}

impl CostSource {
    /// Its key in `sim-errors.csv`.
    pub fn key(self) -> &'static str {
        match self {
            CostSource::SameRound => "same-round",
            CostSource::OtherTime => "other-time",
        }
    }
}

/// A simulation's comparison with the measured runs, and the costs it ran
/// on.
#[derive(Debug, Clone, PartialEq)]
pub struct Errors {
    /// Which costs.
    pub source: CostSource,
    /// Those costs in words: "a calibration in each of 8 rounds", or the
    /// model file with its date and age.
    pub model: String,
    /// Every configuration.
    pub cmp: Vec<Comparison>,
}

impl Errors {
    /// "model error (same-round costs): wall median 7%, worst +15%;
    /// speedup median 4%, worst -12%", or the other-time line; None with
    /// nothing compared.
    pub fn line(&self) -> Option<String> {
        let e = ErrorSummary::of(&self.cmp)?;
        let head = match self.source {
            CostSource::SameRound => "model error (same-round costs)".to_string(),
            CostSource::OtherTime => format!("other-time error ({})", self.model),
        };
        Some(format!("{head}: {}", e.line()))
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A comparison of `id` at `workers`, measured `m` and simulated `s`
    /// seconds, with speedups `(measured, simulated)`.
    pub(crate) fn c(
        id: &str,
        workers: usize,
        m: f64,
        s: f64,
        sp: Option<(f64, f64)>,
    ) -> Comparison {
        Comparison {
            config_id: id.into(),
            workers,
            measured_wall_s: m,
            simulated_wall_s: s,
            error: (s - m) / m,
            measured_speedup: sp.map(|x| x.0),
            simulated_speedup: sp.map(|x| x.1),
        }
    }

    #[test]
    fn median_and_worst_are_by_magnitude_with_the_sign_kept() {
        let cmp = [
            c("a1", 1, 1.0, 1.1, None),
            c("a2", 2, 2.0, 1.0, Some((1.6, 1.2))),
            c("a4", 4, 1.0, 0.95, Some((2.0, 2.1))),
        ];
        let e = ErrorSummary::of(&cmp).unwrap();
        assert!((e.wall.median - 0.1).abs() < 1e-12, "{e:?}");
        assert_eq!((e.wall.worst, e.wall.worst_id.as_str()), (-0.5, "a2"));
        let sp = e.speedup.as_ref().unwrap();
        // Speedup errors −25% and +5%: median of magnitudes 15%.
        assert_eq!(sp.count, 2);
        assert!((sp.median - 0.15).abs() < 1e-12 && (sp.worst + 0.25).abs() < 1e-12);
        assert_eq!(
            e.line(),
            "wall median 10%, worst -50%; speedup median 15%, worst -25%"
        );
        let one = ErrorSummary::of(&cmp[..1]).unwrap();
        assert_eq!(
            one.line(),
            "wall median 10%, worst +10%; no speedup measured"
        );
        assert!(ErrorSummary::of(&[]).is_none());
    }
}
