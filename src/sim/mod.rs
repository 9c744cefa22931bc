//! What a laptop cannot run: the same scenarios in virtual time, with costs
//! calibrated on this machine (`calibrate`), any number of workers and
//! cores. The results are the same types, exports and figures as a
//! measured run, marked simulated.

pub mod calibrate;
pub mod engine;
pub mod model;
mod queue;
mod result;
pub mod rounds;

pub use result::SimData;

use crate::analysis::RunRecord;
use crate::data::generate::{GenOptions, Generator};
use crate::report::{Report, build_report};
use crate::scenario::{DataKey, Scenario, expand};
use crate::store;
use anyhow::{Context, Result};
use model::CostModel;
use std::path::{Path, PathBuf};

pub use crate::analysis::sim_error::{Comparison, compare_reports as compare};

/// Record sizes in KB to draw from when simulating data `d`: the first
/// (at most) 2,000 records the generator makes for it.
pub fn size_sample(d: &DataKey) -> Vec<f64> {
    let mut g = Generator::new(GenOptions {
        records: d.records.min(2000),
        ..*d
    });
    std::iter::from_fn(|| g.next_record())
        .map(|r| r.xml.len() as f64 / 1024.0)
        .collect()
}

/// The folder a simulation of `s` writes to (beside its measured one).
pub fn sim_output_dir(s: &Scenario) -> PathBuf {
    store::sim_output_dir(&store::output_dir(&s.name, s.output.as_deref()))
}

/// What a simulation of a scenario cost, for the events/s line.
#[derive(Debug, Default, Clone, Copy)]
pub struct SimStats {
    /// Simulated runs.
    pub runs: usize,
    /// Events processed over all of them.
    pub events: u64,
    /// Real seconds the simulation took.
    pub seconds: f64,
}

/// The user's own records, as the simulator sees them.
#[derive(Debug, Clone, PartialEq)]
pub struct UserSample {
    /// Every record's size, KB.
    pub sizes_kb: Vec<f64>,
    /// The share of records a run quarantines (malformed or duplicate).
    pub bad_fraction: f64,
}

/// Each repetition a simulation makes, with the costs it runs on.
pub type Repetitions<'a> = Vec<(usize, &'a CostModel)>;

/// As many repetitions as `s` makes (its minimum for "auto"), all on
/// `model`.
pub fn every_repetition<'a>(s: &Scenario, model: &'a CostModel) -> Repetitions<'a> {
    (0..s.repetitions.fixed_or_min())
        .map(|rep| (rep, model))
        .collect()
}

/// Simulates every configuration of `s` on `cores` cores, once per entry
/// of `reps` (repetition `rep` on its own costs and seed), into a report
/// marked simulated. `user` describes the user's own records when the
/// scenario runs on them (else the generator's sizes are sampled and its
/// rates used).
pub fn simulate_scenario(
    s: &Scenario,
    reps: &[(usize, &CostModel)],
    cores: usize,
    user: Option<&UserSample>,
) -> Result<(Report, SimStats)> {
    let configs = expand(s);
    if let Some(c) = configs
        .iter()
        .find(|c| c.data.records.div_ceil(c.run.batch_size as u64) > MAX_SIM_BATCHES)
    {
        anyhow::bail!(
            "{}: {} records in batches of {} make more than {MAX_SIM_BATCHES} batches, more than the simulator holds in memory; use larger batches or fewer records",
            c.id,
            c.data.records,
            c.run.batch_size
        );
    }
    let mut runs = Vec::new();
    let mut stats = SimStats::default();
    let t0 = std::time::Instant::now();
    let mut samples: Vec<(DataKey, Vec<f64>)> = Vec::new();
    for c in &configs {
        if !samples.iter().any(|(k, _)| *k == c.data) {
            let sizes = user.map_or_else(|| size_sample(&c.data), |u| u.sizes_kb.clone());
            samples.push((c.data, sizes));
        }
        let sizes = &samples
            .iter()
            .find(|(k, _)| *k == c.data)
            .expect("sampled")
            .1;
        let bad = user.map_or(
            c.data.malformed_rate + (1.0 - c.data.malformed_rate) * c.data.duplicate_rate,
            |u| u.bad_fraction,
        );
        let data = SimData {
            records: c.data.records,
            sizes_kb: sizes,
            bad_fraction: bad,
        };
        for &(rep, model) in reps {
            let mut cfg = c.run.clone();
            cfg.timeline = false;
            let (out, events) = engine::simulate(
                &cfg,
                &data,
                model,
                cores,
                s.data.seed.wrapping_add(rep as u64),
            )?;
            stats.events += events;
            stats.runs += 1;
            runs.push(RunRecord {
                config_id: c.id.clone(),
                rep,
                failed: false,
                error: None,
                result: Some(out.result),
                data: Some(c.data),
                run: Some(c.run.clone()),
                started_unix_s: None,
                machine: None,
                input_xxh3: None,
            });
        }
    }
    stats.seconds = t0.elapsed().as_secs_f64();
    let mut report = build_report(s, configs, runs, true);
    report.simulated_cores = Some(cores);
    Ok((report, stats))
}

/// The most batches one simulated run plans (each held in memory).
/// Batches per run beyond which the simulator refuses (its plan is held in
/// memory).
pub const MAX_SIM_BATCHES: u64 = 10_000_000;

/// Writes the timelines of a simulated report into `dir` (the caller draws
/// the figures and writes the exports).
/// Writes a simulated timeline for every multi-worker configuration of
/// `report` into `dir/timelines`, as a measured sweep has.
pub fn write_timelines(report: &Report, model: &CostModel, cores: usize, dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir.join("timelines"))
        .with_context(|| format!("cannot create '{}'", dir.display()))?;
    // One timeline per multi-worker configuration, as a measured sweep has.
    for c in report.configs.iter().filter(|c| c.run.workers > 1) {
        let sizes = size_sample(&c.data);
        let data = SimData {
            records: c.data.records,
            sizes_kb: &sizes,
            bad_fraction: 0.0,
        };
        let mut cfg = c.run.clone();
        cfg.timeline = true;
        let (out, _) = engine::simulate(&cfg, &data, model, cores, report.scenario.data.seed)?;
        let path = store::timeline_file(dir, &c.id);
        store::write_atomic(&path, &serde_json::to_vec(&out.timeline)?)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::model::{CostModel, test_model};
    use crate::analysis::sim_error::{ErrorSummary, compare_reports};

    /// The errors of simulating, round by round, a "measured" sweep made on
    /// a machine with the true costs `truth`, slowed in round r by
    /// `slowness[r]`: with each round's own calibration (the model's costs
    /// slowed alike) and with one model measured at another time.
    fn errors(slowness: &[f64]) -> (ErrorSummary, ErrorSummary) {
        let s = crate::scenario::parse(
            "name = \"drift\"\nrepetitions = 4\n[data]\nrecords = [600]\n[sweep]\nengines = [\"sqlite\", \"duckdb\"]\nworkers = [1, 2, 4]\nbatch_sizes = [50]\n",
            std::path::Path::new("drift.toml"),
            &[],
        )
        .unwrap();
        let model = test_model();
        // The machine's true costs, which the model gets partly wrong.
        let mut truth = model.clone();
        truth.parse.per_kb_s *= 1.4;
        for w in &mut truth.writes {
            w.per_row_s *= 0.7;
            w.second_writer_factor = (w.second_writer_factor * 0.8).max(1.0);
        }
        let per_round =
            |m: &CostModel| -> Vec<CostModel> { slowness.iter().map(|&k| m.slowed(k)).collect() };
        let run = |models: &[CostModel]| {
            let reps: Vec<(usize, &CostModel)> = models.iter().enumerate().collect();
            super::simulate_scenario(&s, &reps, 2, None).unwrap().0
        };
        let measured = run(&per_round(&truth));
        // The rounds' calibrations, pooled and scaled as --validate does.
        let calibrated: Vec<(usize, CostModel)> =
            per_round(&model).into_iter().enumerate().collect();
        let same: Vec<CostModel> = super::rounds::per_round(&calibrated)
            .into_iter()
            .map(|(_, m)| m)
            .collect();
        let same = run(&same);
        let other = run(&vec![model.clone(); slowness.len()]);
        let e = |sim: &crate::report::Report| {
            ErrorSummary::of(&compare_reports(measured.sweep(), sim.sweep(), 8)).unwrap()
        };
        (e(&same), e(&other))
    }

    /// A machine that slows by up to 2× between rounds leaves the model's
    /// error (same-round costs) exactly as on a steady machine, on wall
    /// time and on speedup; the error with costs measured at another time
    /// takes the drift for the model's.
    #[test]
    fn same_round_calibration_keeps_the_drift_out_of_the_models_error() {
        let (steady_same, steady_other) = errors(&[1.0; 4]);
        let (drift_same, drift_other) = errors(&[1.0, 1.7, 2.0, 1.3]);
        assert_eq!(steady_same, steady_other);
        // Not vacuous: the model is off, on wall time and on speedup.
        let sp = steady_same.speedup.clone().unwrap();
        assert!(
            steady_same.wall.median > 0.05 && sp.median > 0.02,
            "{steady_same:?}"
        );
        let close = |a: f64, b: f64| (a - b).abs() < 1e-9;
        assert!(
            close(drift_same.wall.median, steady_same.wall.median),
            "{drift_same:?}"
        );
        assert!(close(drift_same.wall.worst, steady_same.wall.worst));
        let dsp = drift_same.speedup.clone().unwrap();
        assert!(close(dsp.median, sp.median) && close(dsp.worst, sp.worst));
        assert!(
            (drift_other.wall.median - steady_other.wall.median).abs() > 0.05,
            "{drift_other:?}"
        );
    }
}
