//! `simulate --validate`: the scenario measured for real in rounds, with a
//! calibration of this machine as one more entry of every round, so that
//! each round's runs are simulated from that round's machine. The model's
//! error (same-round costs) is then the model's own; the error with a
//! model file measured at another time adds the machine's drift, which on
//! this machine reaches 2× within minutes.

use super::tools::{
    SimulateArgs, machine_cores, model_words, print_stats, report_errors, write_simulation,
};
use crate::analysis::sim_error::{CostSource, Errors};
use crate::backend::{Engine, InsertMethod};
use crate::experiment::runner::{RoundHook, RoundTask};
use crate::scenario::{Order, Scenario};
use crate::sim::model::{CostModel, default_path};
use crate::store;
use anyhow::{Context, Result, bail};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The folder of a measured sweep that holds its rounds' calibrations.
const CALIBRATIONS: &str = "calibrations";

fn calibration_file(dir: &Path, round: usize) -> PathBuf {
    dir.join(format!("round-{round}.json"))
}

/// Calibrates the engines and insert methods a sweep runs, once per round.
struct RoundCalibration {
    dir: PathBuf,
    engines: Vec<Engine>,
    methods: Vec<InsertMethod>,
}

impl RoundTask for RoundCalibration {
    fn done(&self, round: usize) -> bool {
        calibration_file(&self.dir, round).exists()
    }

    fn run(&mut self, round: usize) -> Result<()> {
        let m = crate::sim::calibrate::calibrate(
            crate::sim::calibrate::DEFAULT_RECORDS,
            &self.engines,
            &self.methods,
        )?;
        m.save(&calibration_file(&self.dir, round))
    }
}

/// Refuses to resume a sweep whose journaled rounds lack their own
/// calibration (runs made by `ingestlab run`, say): those rounds cannot be
/// predicted from their own machine. With `fresh` the old calibrations
/// are moved aside (the runner moves the journal).
fn check_calibrated(measured: &Path, cal: &Path, fresh: bool) -> Result<()> {
    if fresh {
        if cal.exists() {
            let aside = (1..)
                .map(|n| measured.join(format!("{CALIBRATIONS}.{n}")))
                .find(|p| !p.exists())
                .expect("a free name");
            std::fs::rename(cal, &aside)?;
            println!(
                "the previous calibrations were kept as '{}'",
                aside.display()
            );
        }
        return Ok(());
    }
    let journal = crate::experiment::journal::read(&measured.join(store::JOURNAL))?;
    let rounds: BTreeSet<usize> = journal.records.iter().map(|r| r.rep).collect();
    let missing: Vec<usize> = rounds
        .into_iter()
        .filter(|&r| !calibration_file(cal, r).exists())
        .collect();
    if !missing.is_empty() {
        bail!(
            "'{}' holds runs of {} round(s) measured without a calibration in the round (round(s) {:?}; `ingestlab run` makes none): the model's error needs each round's own; `simulate --validate --fresh` measures again (the old journal is kept under a new name)",
            measured.display(),
            missing.len(),
            missing.iter().map(|r| r + 1).collect::<Vec<_>>()
        );
    }
    Ok(())
}

/// Runs (or resumes) the measured sweep with a calibration in every round;
/// returns its report.
fn measure(
    s: &Scenario,
    user: Option<std::sync::Arc<crate::experiment::userdata::UserData>>,
    a: &SimulateArgs,
    ctx: &crate::run::Ctx,
) -> Result<crate::report::Report> {
    let dir = store::output_dir(&s.name, s.output.as_deref());
    let cal = dir.join(CALIBRATIONS);
    if s.order != Order::Rounds {
        bail!(
            "'{}': --validate measures a calibration in every round, and the scenario has order = \"grouped\"; set order = \"rounds\" (--set 'order=\"rounds\"')",
            s.name
        );
    }
    check_calibrated(&dir, &cal, a.fresh)?;
    let task = RoundCalibration {
        dir: cal,
        engines: s.sweep.engines.clone(),
        methods: s.sweep.methods.clone(),
    };
    let opts = crate::experiment::RunOptions {
        resume: !a.fresh && dir.join(store::JOURNAL).exists(),
        fresh: a.fresh,
        figures: a.figures.options(),
        ctx: ctx.clone(),
        input: user,
        round_task: Some(RoundHook(std::sync::Arc::new(parking_lot::Mutex::new(
            task,
        )))),
        ..Default::default()
    };
    println!(
        "measuring '{}' for real in '{}', with a calibration in every round...",
        s.name,
        dir.display()
    );
    let out = crate::experiment::run_scenario(s, &opts, &super::progress::Bar::new())?;
    if out.interrupted {
        return Err(anyhow::Error::new(crate::run::Interrupted).context(format!(
            "measuring for --validate was interrupted: the finished runs are kept (with each round's calibration) in '{}'",
            out.dir.display()
        )));
    }
    println!("measured: {} run(s) reused, {} run", out.reused, out.ran);
    Ok(out.report)
}

/// Each measured round's own calibration.
fn round_models(measured: &crate::report::Report, dir: &Path) -> Result<Vec<(usize, CostModel)>> {
    let rounds: BTreeSet<usize> = measured.runs.iter().map(|r| r.rep).collect();
    rounds
        .into_iter()
        .map(|r| Ok((r, CostModel::load(&calibration_file(dir, r))?)))
        .collect()
}

/// The sweep simulated, round by round, on the model file at `path`
/// (measured at another time), and that model.
fn other_time(
    s: &Scenario,
    path: &Path,
    rounds: &[usize],
    cores: usize,
    sample: Option<&crate::sim::UserSample>,
) -> Result<(CostModel, crate::report::Report)> {
    if !path.exists() {
        bail!(
            "no cost model at '{}' to compare; ingestlab calibrate makes one",
            path.display()
        );
    }
    let other = CostModel::load(path)?;
    let reps: Vec<(usize, &CostModel)> = rounds.iter().map(|r| (*r, &other)).collect();
    let (sim, _) = crate::sim::simulate_scenario(s, &reps, cores, sample)
        .with_context(|| format!("'{}'", path.display()))?;
    Ok((other, sim))
}

/// `simulate --validate`.
pub fn validate(a: &SimulateArgs, ctx: &crate::run::Ctx) -> Result<()> {
    let mut scenario = crate::scenario::load(&a.scenario, &a.sets)?;
    let user = crate::experiment::userdata::resolve(&mut scenario)?.map(std::sync::Arc::new);
    let measured = measure(&scenario, user.clone(), a, ctx)?;
    let mdir = store::output_dir(&scenario.name, scenario.output.as_deref());
    let models = crate::sim::rounds::per_round(&round_models(&measured, &mdir.join(CALIBRATIONS))?);
    let Some((_, last)) = models.last() else {
        bail!(
            "'{}' holds no measured run to validate against",
            mdir.display()
        );
    };
    let cores = machine_cores();
    let sample = user.as_ref().map(|u| u.sample()).transpose()?;
    let same: Vec<(usize, &CostModel)> = models.iter().map(|(r, m)| (*r, m)).collect();
    let (mut report, stats) =
        crate::sim::simulate_scenario(&scenario, &same, cores, sample.as_ref())?;
    report.input = user.as_ref().map(|u| u.info.clone());
    let dir = a
        .output
        .clone()
        .unwrap_or_else(|| crate::sim::sim_output_dir(&scenario));
    let _lock = write_simulation(&mut report, last, cores, &dir, &a.figures.options())?;
    print_stats(&scenario, cores, &stats);
    let mut all = vec![Errors {
        source: CostSource::SameRound,
        model: format!(
            "a calibration measured in each of its {} round(s) (kept in '{}'): the rounds' median costs, scaled by each round's measured speed",
            models.len(),
            mdir.join(CALIBRATIONS).display()
        ),
        cmp: crate::sim::compare(measured.sweep(), report.sweep(), usize::MAX),
    }];
    let path = a.model.clone().unwrap_or_else(default_path);
    let rounds: Vec<usize> = models.iter().map(|(r, _)| *r).collect();
    match other_time(&scenario, &path, &rounds, cores, sample.as_ref()) {
        Ok((other, sim)) => all.push(Errors {
            source: CostSource::OtherTime,
            model: model_words(&path, &other),
            cmp: crate::sim::compare(measured.sweep(), sim.sweep(), usize::MAX),
        }),
        // The measured runs and the model's error stand without it.
        Err(why) => println!("other-time error: none ({why:#})"),
    }
    report_errors(&measured, &report, &all, &dir, &a.figures.options())?;
    super::experiment::print_figures(&report.figures, &dir, &a.figures.options().formats);
    println!("results in '{}'", dir.display());
    Ok(())
}
