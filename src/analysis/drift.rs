//! The machine's drift over a sweep, from the runs themselves: each run's
//! speed index is its wall time over its configuration's median (1 = a
//! typical run of that configuration, 1.3 = 30% slower than typical), and a
//! round's index is the median of its runs' indexes. Since every round runs
//! every configuration, the round indexes trace the machine's speed over
//! the sweep whatever the configurations cost. Runs taken while the
//! hypervisor stole CPU time or other processes kept a core busy are listed
//! with the reason (`machine::MachineSample::flag`); none is dropped.

use super::stats::median;
use super::summary::RunRecord;

/// One run's place on the drift figure.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunSpeed {
    /// The run's configuration.
    pub config_id: String,
    /// Its repetition (round).
    pub rep: usize,
    /// Seconds from the sweep's first run to this run's start.
    pub at_s: f64,
    /// Wall time over the configuration's median wall time.
    pub index: f64,
    /// Why the machine may have slowed this run, if it may have.
    pub flag: Option<String>,
}

/// One round's speed.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RoundSpeed {
    /// The round, from 0.
    pub round: usize,
    /// Seconds from the sweep's first run to the round's first run.
    pub at_s: f64,
    /// Median of the round's run indexes.
    pub index: f64,
    /// Runs in the round.
    pub runs: usize,
}

/// The sweep's drift.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Drift {
    /// Every run's speed index, in start order.
    pub runs: Vec<RunSpeed>,
    /// Every round's.
    pub rounds: Vec<RoundSpeed>,
    /// The slowest round's index over the fastest one's (1 = no drift).
    pub spread: f64,
    /// Runs with a machine sample, and how many of them were flagged.
    pub sampled_runs: usize,
    /// See `sampled_runs`.
    pub flagged_runs: usize,
}

/// The drift of `runs` (successful runs with a start time), or None when
/// no run carries a start time (simulated runs, old journals).
pub fn drift(runs: &[RunRecord]) -> Option<Drift> {
    let ok: Vec<(&RunRecord, f64, f64)> = runs
        .iter()
        .filter(|r| !r.failed)
        .filter_map(|r| Some((r, r.started_unix_s?, r.result.as_ref()?.wall_s)))
        .collect();
    if ok.is_empty() {
        return None;
    }
    let t0 = ok.iter().map(|x| x.1).fold(f64::INFINITY, f64::min);
    let mut medians: Vec<(&str, f64)> = Vec::new();
    for (r, _, _) in &ok {
        if !medians.iter().any(|(id, _)| *id == r.config_id) {
            let walls: Vec<f64> = ok
                .iter()
                .filter(|x| x.0.config_id == r.config_id)
                .map(|x| x.2)
                .collect();
            medians.push((&r.config_id, median(&walls)));
        }
    }
    let speed: Vec<RunSpeed> = ok
        .iter()
        .map(|(r, at, wall)| {
            let m = medians
                .iter()
                .find(|(id, _)| *id == r.config_id)
                .map_or(1.0, |x| x.1);
            RunSpeed {
                config_id: r.config_id.clone(),
                rep: r.rep,
                at_s: at - t0,
                index: wall / m,
                flag: r.machine.and_then(|m| m.flag()),
            }
        })
        .collect();
    let rounds = rounds(&speed);
    let (lo, hi) = rounds.iter().fold((f64::INFINITY, 0.0f64), |(lo, hi), r| {
        (lo.min(r.index), hi.max(r.index))
    });
    Some(Drift {
        spread: if lo > 0.0 { hi / lo } else { 1.0 },
        sampled_runs: ok.iter().filter(|x| x.0.machine.is_some()).count(),
        flagged_runs: speed.iter().filter(|s| s.flag.is_some()).count(),
        runs: speed,
        rounds,
    })
}

fn rounds(speed: &[RunSpeed]) -> Vec<RoundSpeed> {
    let mut reps: Vec<usize> = speed.iter().map(|s| s.rep).collect();
    reps.sort_unstable();
    reps.dedup();
    reps.into_iter()
        .map(|round| {
            let mine: Vec<&RunSpeed> = speed.iter().filter(|s| s.rep == round).collect();
            RoundSpeed {
                round,
                at_s: mine.iter().map(|s| s.at_s).fold(f64::INFINITY, f64::min),
                index: median(&mine.iter().map(|s| s.index).collect::<Vec<_>>()),
                runs: mine.len(),
            }
        })
        .collect()
}

impl Drift {
    /// One sentence for the report and the figure's caption, from the
    /// numbers above.
    pub fn sentence(&self) -> String {
        let (lo, hi) = self
            .rounds
            .iter()
            .fold((f64::INFINITY, 0.0f64), |(lo, hi), r| {
                (lo.min(r.index), hi.max(r.index))
            });
        let mut s = format!(
            "Over {} round(s) the machine's speed index (a run's time over its configuration's median) ranged {lo:.2}–{hi:.2} from round to round: the slowest round ran {:.0}% slower than the fastest",
            self.rounds.len(),
            100.0 * (self.spread - 1.0)
        );
        s += &format!(
            "; {} of {} run(s) were taken while the machine was busy or stolen from (flagged in runs.csv, kept).",
            self.flagged_runs, self.sampled_runs
        );
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::summary::tests::{run, spec};
    use crate::machine::MachineSample;

    #[test]
    fn round_indexes_trace_the_machine_and_flags_are_counted() {
        let a = spec("a", 1, "a");
        let b = spec("b", 2, "a");
        let mut runs = Vec::new();
        // Round 1 runs 50% slow on both configurations.
        for (rep, slow) in [1.0, 1.5, 1.0].iter().enumerate() {
            for (c, t) in [(&a, 2.0), (&b, 1.0)] {
                let mut r = run(c, rep, t * slow, t * slow, 0.0);
                r.started_unix_s = Some(1000.0 + 10.0 * rep as f64);
                runs.push(r);
            }
        }
        runs[3].machine = Some(MachineSample {
            window_s: 1.0,
            steal_share: 0.0,
            iowait_share: 0.0,
            foreign_cores: 0.9,
            cpu_mhz: None,
        });
        let d = drift(&runs).unwrap();
        let idx: Vec<f64> = d.rounds.iter().map(|r| r.index).collect();
        assert_eq!(idx, vec![1.0, 1.5, 1.0]);
        assert!((d.spread - 1.5).abs() < 1e-12);
        assert_eq!(d.rounds[2].at_s, 20.0);
        assert_eq!((d.flagged_runs, d.sampled_runs), (1, 1));
        let s = d.sentence();
        assert!(s.contains("1.00–1.50") && s.contains("50% slower"), "{s}");
        assert!(s.contains("1 of 1 run(s)"), "{s}");
        assert!(
            drift(&[run(&a, 0, 1.0, 1.0, 0.0)]).is_none(),
            "no start times"
        );
    }
}
