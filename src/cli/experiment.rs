//! `ingestlab run` and `ingestlab plot`: sweeps and their figures.

use super::status::Status;
use super::values::{FigureArgs, choice};
use crate::backend::fault::Fault;
use crate::experiment::plan::{self, human};
use crate::experiment::{RunOptions, run_scenario};
use crate::plot::Format;
use crate::report::{Figure, Report};
use crate::run::Ctx;
use crate::scenario::{self, Scenario};
use crate::store;
use anyhow::{Context, Result, bail};
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct RunArgs {
    /// Scenario file (TOML), e.g. scenarios/quickstart.toml.
    pub scenario: PathBuf,
    /// Override a scenario field, as key=value with a TOML value
    /// (repeatable): --set sweep.workers=[1,2] --set repetitions=5.
    #[arg(long = "set")]
    pub sets: Vec<String>,
    /// Print the configurations and an estimate of the time, run nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Continue the sweep in the results folder, reusing every finished run
    /// whose settings match.
    #[arg(long, conflicts_with = "fresh")]
    pub resume: bool,
    /// Start again in a results folder that holds runs (the old runs.jsonl
    /// is kept under a new name).
    #[arg(long)]
    pub fresh: bool,
    /// Results folder (overrides the scenario's `output`).
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Your own records instead of the scenario's generated data: a file of
    /// concatenated us-patent-application documents or a folder of them
    /// (repeatable; overrides `[data]`; the record count is theirs).
    #[arg(long)]
    pub input: Vec<PathBuf>,
    /// The order runs are measured in (overrides the scenario's `order`):
    /// rounds pair every speedup within a round; grouped runs every
    /// repetition of one configuration before the next.
    #[arg(long, value_parser = choice::<crate::scenario::Order>())]
    pub order: Option<crate::scenario::Order>,
    /// Write into a results folder that holds files ingestlab did not write.
    #[arg(long)]
    pub overwrite: bool,
    /// Run plans beyond the sanity limits (longer than a day, more disk
    /// than is free, workers far beyond the cores).
    #[arg(long)]
    pub force: bool,
    #[arg(long, hide = true, value_parser = choice::<Fault>())]
    pub inject_fault: Option<Fault>,
    #[command(flatten)]
    pub figures: FigureArgs,
}

#[derive(Args, Debug)]
pub struct PlotArgs {
    /// Results folder (holds results.json).
    pub results: PathBuf,
    #[command(flatten)]
    pub figures: FigureArgs,
}

fn load(a: &RunArgs) -> Result<Scenario> {
    let mut s = scenario::load(&a.scenario, &a.sets).map_err(crate::refused::as_refusal)?;
    if let Some(o) = &a.output {
        s.output = Some(o.clone());
    }
    if let Some(o) = a.order {
        s.order = o;
        if let Some((field, msg)) = scenario::validate(&s).first() {
            crate::refused::refuse!("--order {o}: {field}: {msg}");
        }
    }
    if !a.input.is_empty() {
        // The user's files replace the generated data, and with it the
        // generator's settings.
        let seed = s.data.seed;
        s.data = toml::from_str(&format!("seed = {seed}")).expect("[data] defaults parse");
        s.data.input = a.input.clone();
    }
    Ok(s)
}

pub fn run(a: &RunArgs, ctx: &Ctx) -> Result<Status> {
    let mut s = load(a)?;
    // Kept alive to the end: a gathered copy of the user's files lives in it.
    let user = crate::experiment::userdata::resolve(&mut s)?.map(std::sync::Arc::new);
    let configs = scenario::expand(&s);
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let check = plan::check(&s, &configs, cores, plan::free_disk(&std::env::temp_dir()));
    if a.dry_run {
        dry_run(&s, &configs, &check);
        return Ok(Status::Ok);
    }
    for w in &check.warnings {
        eprintln!("note: {w}");
    }
    eprintln!(
        "{} configurations, estimated ~{} on a typical laptop",
        configs.len(),
        human(check.estimate_s)
    );
    if !check.refusals.is_empty() && !a.force {
        crate::refused::refuse!(
            "{}\n(pass --force to run it anyway)",
            check.refusals.join("\n")
        );
    }
    let opts = RunOptions {
        resume: a.resume,
        fresh: a.fresh,
        overwrite: a.overwrite,
        figures: a.figures.options(),
        ctx: Ctx {
            fault: a.inject_fault,
            ..ctx.clone()
        },
        input: user,
        round_task: None,
    };
    let out = run_scenario(&s, &opts, &super::progress::Bar::new())?;
    for n in &out.notes {
        eprintln!("{n}");
    }
    print_outcome(&s, &out.report, &out.dir, &a.figures.options().formats);
    if out.interrupted {
        eprintln!(
            "interrupted: {} finished run(s) kept in '{}' (exports and figures written, marked partial); continue with: ingestlab run {} --resume{}",
            out.reused + out.ran,
            out.dir.display(),
            a.scenario.display(),
            a.sets
                .iter()
                .map(|s| format!(" --set '{s}'"))
                .collect::<String>()
        );
        return Ok(Status::Interrupted);
    }
    let failed = out.report.runs.iter().filter(|r| r.failed).count();
    let unverified = out
        .report
        .runs
        .iter()
        .any(|r| r.result.as_ref().is_some_and(|x| !x.verification.passed));
    Ok(if unverified {
        Status::VerificationFailed
    } else if failed == 0 {
        Status::Ok
    } else {
        Status::Failed
    })
}

fn dry_run(s: &Scenario, configs: &[scenario::ConfigSpec], check: &plan::Check) {
    let reps = match s.repetitions {
        scenario::Repetitions::Auto => format!(
            "rounds until every speedup is within ±{:.0}% (at most {}{})",
            100.0 * s.precision,
            s.max_rounds,
            s.time_budget_s
                .map_or(String::new(), |b| format!(" or {}", human(b)))
        ),
        scenario::Repetitions::Fixed(n) => format!("{n} repetition(s)"),
    };
    println!(
        "{} configurations × {reps}, in {} order (+{} warm-up, +1 timeline run per pooled configuration):",
        configs.len(),
        s.order,
        s.warmup
    );
    for c in configs {
        println!(
            "  {:<70} ~{}{}",
            c.id,
            human(plan::estimate_s(s, c)),
            if c.auto_baseline {
                "  (baseline added)"
            } else {
                ""
            }
        );
    }
    println!(
        "estimated time: ~{} (rough: typical laptop rates plus the presets' pool costs); temporary disk: ~{:.1} GB",
        human(check.estimate_s),
        check.disk_bytes / 1e9
    );
    for w in check.warnings.iter().chain(&check.refusals) {
        println!("warning: {w}");
    }
}

fn print_outcome(s: &Scenario, report: &Report, dir: &Path, formats: &[Format]) {
    let failed = report.runs.iter().filter(|r| r.failed).count();
    println!(
        "{}: {} configurations, {} runs ({failed} failed)",
        s.name,
        report.configs.len(),
        report.runs.len()
    );
    for w in &report.warnings {
        println!("  warning: {w}");
    }
    print_figures(&report.figures, dir, formats);
    println!(
        "results in '{}' (report.md, summary.csv, runs.csv, results.json, plots/)",
        dir.display()
    );
}

/// Lists each figure with the files written for it, in exactly the
/// `formats` written (a `--format pdf` redraw lists no stale PNG), or why
/// it was skipped.
pub fn print_figures(figures: &[Figure], dir: &Path, formats: &[Format]) {
    for f in figures {
        match (&f.caption, &f.skipped) {
            (Some(_), _) => println!(
                "  figure {}: {}",
                f.title,
                formats
                    .iter()
                    .map(|x| store::plots_dir(dir)
                        .join(format!("{}.{}", f.name, x.name()))
                        .display()
                        .to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            (None, Some(why)) => println!("  figure {} skipped: {why}", f.title),
            _ => {}
        }
    }
}

/// Reads a results folder's report.
pub fn read_report(dir: &Path) -> Result<Report> {
    store::require_ours(dir)?;
    let path = dir.join(store::RESULTS);
    if !path.exists() {
        bail!(
            "'{}' holds runs but no {} (a sweep interrupted before its exports?): `ingestlab run SCENARIO --resume` writes them",
            dir.display(),
            store::RESULTS
        );
    }
    let bytes =
        std::fs::read(&path).with_context(|| format!("cannot read '{}'", path.display()))?;
    serde_json::from_slice(&bytes).map_err(|e| {
        anyhow::anyhow!(
            "'{}' is not a complete ingestlab results file (written by another version?): {e}",
            path.display()
        )
    })
}

pub fn plot(a: &PlotArgs) -> Result<()> {
    let dir = &a.results;
    let mut report = read_report(dir)?;
    if report.summaries.iter().all(|s| s.wall_s.is_none()) {
        bail!(
            "'{}' holds no measured configuration to plot",
            dir.join(store::RESULTS).display()
        );
    }
    let options = a.figures.options();
    report.figures = crate::plot::render_all(&report, dir, &options)?;
    crate::report::write_all(&report, dir)?;
    print_figures(&report.figures, dir, &options.formats);
    Ok(())
}
