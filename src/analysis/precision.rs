//! The stopping rule of `repetitions = "auto"`: a sweep adds rounds until
//! every speedup interval (paired, at ≥ 95%) is within the precision asked
//! for, relative to its estimate. A sweep with no multi-worker
//! configuration judges the interval of each median wall time instead.

use super::paired::relative_half_width;
use super::summary::{RunRecord, summarize};
use crate::choice::choice;
use crate::scenario::ConfigSpec;

choice! {
    /// Why a sweep with repetitions = "auto" made no more rounds.
    pub enum StopReason: "stop reason" {
        /// Every interval reached the precision.
        Precision = "precision reached",
        /// `max_rounds` rounds were made.
        MaxRounds = "max_rounds reached",
        /// The next round would have run past `time_budget_s`.
        TimeBudget = "time budget spent",
        /// The user interrupted the sweep.
        Interrupted = "interrupted",
        /// Runs kept failing with the same error (the machine's fault).
        Failing = "runs kept failing",
    }
}

/// One configuration against the precision.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ConfigPrecision {
    /// The configuration.
    pub id: String,
    /// Relative half-width of the judged interval; None when it has no
    /// interval at ≥ 95% yet.
    pub half_width: Option<f64>,
    /// True when the half-width is within the target.
    pub reached: bool,
}

/// What "auto" did.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PrecisionReport {
    /// The target relative half-width (0.05 = ±5%).
    pub target: f64,
    /// Rounds measured.
    pub rounds: usize,
    /// Why no further round started.
    pub stopped_by: StopReason,
    /// Every judged configuration.
    pub configs: Vec<ConfigPrecision>,
}

impl PrecisionReport {
    /// "12 of 16 configurations reached ±5% in 40 rounds (time budget
    /// spent)".
    pub fn sentence(&self) -> String {
        let reached = self.configs.iter().filter(|c| c.reached).count();
        format!(
            "{reached} of {} judged configuration(s) reached ±{:.0}% in {} round(s) ({})",
            self.configs.len(),
            100.0 * self.target,
            self.rounds,
            self.stopped_by
        )
    }
}

/// Each judged configuration against `target`: the multi-worker ones by
/// their paired speedup interval, or, when the sweep has none, every
/// configuration by the interval of its median wall time.
pub fn judge(configs: &[ConfigSpec], runs: &[RunRecord], target: f64) -> Vec<ConfigPrecision> {
    let (summaries, _) = summarize(configs, runs, true);
    let pooled = summaries.iter().any(|s| s.workers() > 1);
    summaries
        .iter()
        .filter(|s| !pooled || s.workers() > 1)
        .map(|s| {
            let pair = if pooled {
                s.speedup.zip(s.speedup_ci)
            } else {
                s.wall_s.map(|w| (w.median, w.ci))
            };
            let half_width = pair
                .filter(|(_, ci)| ci.at_target())
                .map(|(est, ci)| relative_half_width(est, &ci));
            ConfigPrecision {
                id: s.id.clone(),
                half_width,
                reached: half_width.is_some_and(|h| h <= target),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::summary::tests::{run, spec};

    #[test]
    fn a_configuration_reaches_the_precision_once_its_interval_is_narrow() {
        let b = spec("b", 1, "b");
        let w = spec("w", 2, "b");
        let mut runs = Vec::new();
        // Noise of about ±3% per ratio: 5 rounds give no 95% interval, 12
        // rounds give one within ±5%.
        let noise = [
            1.0, 1.03, 0.97, 1.02, 0.98, 1.01, 0.99, 1.0, 1.02, 0.98, 1.01, 0.99,
        ];
        for (rep, n) in noise.iter().enumerate() {
            runs.push(run(&b, rep, 2.0, 2.0, 0.0));
            runs.push(run(&w, rep, 1.0 * n, 2.0, 0.0));
        }
        let cfgs = [b, w];
        let few = judge(&cfgs, &runs[..10], 0.05);
        assert_eq!(
            few.len(),
            1,
            "only the multi-worker configuration is judged"
        );
        assert_eq!((few[0].half_width, few[0].reached), (None, false));
        let all = judge(&cfgs, &runs, 0.05);
        assert!(all[0].reached, "{all:?}");
        let strict = judge(&cfgs, &runs, 0.001);
        assert!(!strict[0].reached && strict[0].half_width.unwrap() > 0.001);
    }
}
