//! `fit`, `calibrate`, `simulate` and `bench`.

use super::experiment::print_figures;
use super::values::{FigureArgs, choice, count};
use crate::analysis::fit;
use crate::analysis::sim_error::{CostSource, Errors};
use crate::backend::{Engine, InsertMethod};
use crate::bench::{BenchPlan, Section};
use crate::report::sim_errors::{pct, speed};
use crate::sim::model::{CostModel, default_path};
use crate::store;
use anyhow::{Context, Result, anyhow, bail};
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct FitArgs {
    /// CSV with a header; the worker column is named workers, threads,
    /// processors, n or load, the throughput column throughput, tput,
    /// records_per_s or x. One row per measurement; a row at 1 worker is needed.
    pub csv: PathBuf,
}

#[derive(Args, Debug)]
pub struct CalibrateArgs {
    /// Records to measure on.
    #[arg(long, default_value_t = crate::sim::calibrate::DEFAULT_RECORDS as usize, value_parser = count, allow_hyphen_values = true)]
    pub records: usize,
    /// Where to save the cost model (default: ~/.cache/ingestlab/calibration.json).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Replace a --model file that is not an ingestlab cost model.
    #[arg(long)]
    pub overwrite: bool,
    /// The engines to measure (comma-separated); postgres needs its server
    /// binaries and starts ingestlab's own server for the calibration.
    #[arg(long, value_parser = choice::<Engine>(), value_delimiter = ',', default_value = "sqlite,duckdb")]
    pub engines: Vec<Engine>,
}

#[derive(Args, Debug)]
pub struct SimulateArgs {
    pub scenario: PathBuf,
    #[arg(long = "set")]
    pub sets: Vec<String>,
    /// Cores to simulate (default: this machine's).
    #[arg(long, value_parser = count, allow_hyphen_values = true)]
    pub cores: Option<usize>,
    /// Cost model (default: ~/.cache/ingestlab/calibration.json, measured
    /// first if missing).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Results folder (default: the scenario's output with -simulated).
    #[arg(long)]
    pub output: Option<PathBuf>,
    /// Run the scenario for real first, in rounds, with a calibration of
    /// this machine as one more entry of every round (kept in its results
    /// folder's calibrations/); then simulate each round from its own
    /// calibration and report the model's error, and the error with the
    /// model file (--model, or the default) measured at another time.
    #[arg(long, conflicts_with = "cores")]
    pub validate: bool,
    /// With --validate: measure afresh even though the results folder holds
    /// runs (the old journal and calibrations are kept under new names).
    #[arg(long, requires = "validate")]
    pub fresh: bool,
    #[command(flatten)]
    pub figures: FigureArgs,
}

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Records to generate for the parse, insert, loader, pipeline and
    /// parallel figures.
    #[arg(long, default_value_t = 100_000, value_parser = count, allow_hyphen_values = true)]
    pub records: usize,
    /// Runs per figure; the median is printed.
    #[arg(long, default_value_t = 3, value_parser = count, allow_hyphen_values = true)]
    pub repeat: usize,
    /// Sections to run, comma-separated.
    #[arg(long, value_delimiter = ',', value_parser = choice::<Section>(), default_value = "parse,insert,loaders,pipeline,parallel,sim")]
    pub sections: Vec<Section>,
    /// Records for the memory section (ingested with batches of 10,000).
    #[arg(long, default_value_t = 1_000_000, value_parser = count, allow_hyphen_values = true)]
    pub memory_records: usize,
}

/// The worker and throughput columns of a user's CSV, by name.
fn columns(headers: &csv::StringRecord, path: &Path) -> Result<(usize, usize)> {
    let names: Vec<String> = headers.iter().map(|h| h.trim().to_lowercase()).collect();
    let find = |wanted: &[&str], what: &str| -> Result<usize> {
        let hits: Vec<usize> = (0..names.len())
            .filter(|i| wanted.contains(&names[*i].as_str()))
            .collect();
        match hits.as_slice() {
            [i] => Ok(*i),
            [] => bail!(
                "'{}': no {what} column ({}) in {:?}",
                path.display(),
                wanted.join(", "),
                names
            ),
            many => bail!(
                "'{}': {} {what} columns ({}); keep one",
                path.display(),
                many.len(),
                many.iter()
                    .map(|i| format!("`{}`", names[*i]))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }
    };
    Ok((
        find(&["workers", "threads", "processors", "n", "load"], "worker")?,
        find(&["throughput", "tput", "records_per_s", "x"], "throughput")?,
    ))
}

fn read_rows(path: &Path) -> Result<Vec<(f64, f64)>> {
    let mut rdr = csv::Reader::from_path(path)
        .with_context(|| format!("cannot read '{}'", path.display()))?;
    let headers = rdr
        .headers()
        .with_context(|| format!("'{}' has no header row", path.display()))?
        .clone();
    let (n_col, x_col) = columns(&headers, path)?;
    let mut rows = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let line = i + 2;
        let rec = rec.with_context(|| format!("'{}' row {line}", path.display()))?;
        let cell = |c: usize| rec.get(c).unwrap_or("").trim().to_string();
        let n: f64 = cell(n_col).parse().map_err(|_| {
            anyhow!(
                "'{}' row {line}: workers '{}' is not a number",
                path.display(),
                cell(n_col)
            )
        })?;
        if !(n >= 1.0 && n.fract() == 0.0 && n <= 1e6) {
            bail!(
                "'{}' row {line}: workers must be a whole number from 1 to 1,000,000, got {}",
                path.display(),
                cell(n_col)
            );
        }
        let x: f64 = cell(x_col).parse().map_err(|_| {
            anyhow!(
                "'{}' row {line}: throughput '{}' is not a number",
                path.display(),
                cell(x_col)
            )
        })?;
        if !(x.is_finite() && x > 0.0 && x < 1e15) {
            bail!(
                "'{}' row {line}: throughput must be a positive number below 10^15, got {}",
                path.display(),
                cell(x_col)
            );
        }
        rows.push((n, x));
    }
    Ok(rows)
}

pub fn fit_csv(a: &FitArgs) -> Result<()> {
    let path = &a.csv;
    let rows = read_rows(path)?;
    let points =
        fit::speedups_from_throughput(&rows).map_err(|e| anyhow!("'{}': {e}", path.display()))?;
    let f = fit::fit(&points).map_err(|e| anyhow!("'{}': {e}", path.display()))?;
    println!(
        "{} points at {} worker counts from '{}'",
        points.len(),
        f.worker_counts,
        path.display()
    );
    let ci = |c: Option<crate::analysis::Interval>, d: usize| {
        c.map_or(
            "no interval: one measurement per worker count".to_string(),
            |i| format!("{} {:.d$}–{:.d$}", i.label(), i.low, i.high),
        )
    };
    println!(
        "Amdahl   serial fraction s = {:.4} ({}), R² = {:.3}",
        f.amdahl_serial,
        ci(f.amdahl_serial_ci, 4),
        f.amdahl_r2
    );
    println!(
        "USL      contention σ = {:.4} ({})",
        f.usl_sigma,
        ci(f.usl_sigma_ci, 4)
    );
    println!(
        "         coherency  κ = {:.5} ({}), R² = {:.3}",
        f.usl_kappa,
        ci(f.usl_kappa_ci, 5),
        f.usl_r2
    );
    match (f.peak_workers, f.peak_speedup) {
        (Some(p), Some(s)) => println!("         peak at N* = {p:.1} workers, speedup {s:.2}×"),
        _ => println!("         no peak (κ ≤ 0)"),
    }
    println!("         limited by {}", f.limited_by);
    if let Some(why) = f.lacks_evidence() {
        println!("warning: not evidence enough to cite: {why}");
    }
    for w in &f.warnings {
        println!("warning: {w}");
    }
    Ok(())
}

pub fn calibrate(a: &CalibrateArgs) -> Result<()> {
    let path = a.model.clone().unwrap_or_else(default_path);
    CostModel::check_target(&path, a.overwrite)?;
    println!(
        "calibrating on {} records (parse, then each engine and method)...",
        a.records
    );
    let m = crate::sim::calibrate::calibrate(a.records as u64, &a.engines, &InsertMethod::ALL)?;
    CostModel::check_target(&path, a.overwrite)?;
    m.save(&path)?;
    println!(
        "parse: {:.1} µs + {:.1} µs/KB per record",
        m.parse.base_s * 1e6,
        m.parse.per_kb_s * 1e6
    );
    for w in &m.writes {
        println!(
            "{} {}: {:.2} ms per batch + {:.2} µs per row; a second writer makes a write {:.2}× as long, a second busy core a worker's parse and write {:.2}×; connect {:.2} ms",
            w.engine,
            w.method,
            w.per_batch_s * 1e3,
            w.per_row_s * 1e6,
            w.second_writer_factor,
            w.busy_core_factor,
            w.connect_s * 1e3
        );
    }
    for &engine in &a.engines {
        if let Some(w) = m.writes.iter().find(|w| w.engine == engine) {
            println!(
                "{engine} real ingest adds {:.2} µs per record (reading, the duplicate rule), {:.2} ms per connection (schema, final commit) and, once every worker is done, {} to close the database{}",
                w.per_record_s * 1e6,
                w.per_connection_s * 1e3,
                w.close_points
                    .iter()
                    .map(|(rows, s)| format!("{:.1} ms after {rows} rows", s * 1e3))
                    .collect::<Vec<_>>()
                    .join(", "),
                if engine == Engine::Sqlite {
                    " (its WAL checkpoint)"
                } else {
                    ""
                }
            );
        }
    }
    println!("saved to '{}'", path.display());
    Ok(())
}

/// The engines a calibration for `scenario` measures: the embedded ones
/// and any other the scenario sweeps (PostgreSQL).
fn engines_for(scenario: &crate::scenario::Scenario) -> Vec<Engine> {
    let mut e = Engine::EMBEDDED.to_vec();
    for x in &scenario.sweep.engines {
        if !e.contains(x) {
            e.push(*x);
        }
    }
    e
}

/// The cost model `simulate` runs on, and where it is (calibrated first
/// when that file does not exist yet).
fn model(a: &SimulateArgs, scenario: &crate::scenario::Scenario) -> Result<(CostModel, PathBuf)> {
    let path = a.model.clone().unwrap_or_else(default_path);
    if path.exists() {
        return Ok((CostModel::load(&path)?, path));
    }
    eprintln!(
        "no cost model at '{}': calibrating first (ingestlab calibrate)",
        path.display()
    );
    let m = crate::sim::calibrate::calibrate(
        crate::sim::calibrate::DEFAULT_RECORDS,
        &engines_for(scenario),
        &InsertMethod::ALL,
    )?;
    m.save(&path)?;
    Ok((m, path))
}

/// A model file in words: "'PATH' of 2026-11-29T20:44:00Z, 26 h old".
pub(super) fn model_words(path: &Path, m: &CostModel) -> String {
    let age = humantime::parse_rfc3339(&m.date)
        .ok()
        .and_then(|t| std::time::SystemTime::now().duration_since(t).ok())
        .map(|d| d.as_secs_f64() / 60.0);
    let age = match age {
        Some(min) if min < 120.0 => format!("{min:.0} min old"),
        Some(min) if min < 48.0 * 60.0 => format!("{:.0} h old", min / 60.0),
        Some(min) => format!("{:.0} days old", min / 1440.0),
        None => "of unknown age".into(),
    };
    format!("'{}' of {}, {age}", path.display(), m.date)
}

/// Refuses a folder of measured results: a simulation written there would
/// replace them.
fn refuse_measured(dir: &std::path::Path) -> Result<()> {
    let measured_results = std::fs::read(dir.join(store::RESULTS))
        .ok()
        .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
        .is_some_and(|v| v.get("simulated") == Some(&serde_json::Value::Bool(false)));
    if dir.join(store::JOURNAL).exists() || measured_results {
        crate::refused::refuse!(
            "'{}' holds measured results (a sweep's runs.jsonl or results.json); a simulation written there would replace them: choose another --output",
            dir.display()
        );
    }
    Ok(())
}

/// Writes a simulated `report` (drawn on `model`, `cores` cores) with its
/// timelines, figures and exports into `dir`, which must not hold measured
/// results; returns the folder's lock, held while its errors are added.
pub(super) fn write_simulation(
    report: &mut crate::report::Report,
    model: &CostModel,
    cores: usize,
    dir: &Path,
    figures: &crate::plot::FigureOptions,
) -> Result<store::FolderLock> {
    store::claim_folder(dir, false)?;
    let lock = store::FolderLock::acquire(dir)?;
    refuse_measured(dir)?;
    if dir.join(store::RESULTS).exists() {
        eprintln!("replacing the earlier simulation in '{}'", dir.display());
    }
    crate::sim::write_timelines(report, model, cores, dir)?;
    report.figures = crate::plot::render_all(report, dir, figures)?;
    crate::report::write_all(report, dir)?;
    Ok(lock)
}

/// The cores of this machine.
pub(super) fn machine_cores() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

pub fn simulate(a: &SimulateArgs, _ctx: &crate::run::Ctx) -> Result<()> {
    let mut scenario = crate::scenario::load(&a.scenario, &a.sets)?;
    let user = crate::experiment::userdata::resolve(&mut scenario)?.map(std::sync::Arc::new);
    let (model, model_path) = model(a, &scenario)?;
    let cores = a.cores.unwrap_or(machine_cores());
    let sample = user.as_ref().map(|u| u.sample()).transpose()?;
    let (mut report, stats) = crate::sim::simulate_scenario(
        &scenario,
        &crate::sim::every_repetition(&scenario, &model),
        cores,
        sample.as_ref(),
    )?;
    report.input = user.map(|u| u.info.clone());
    // Another core count is another simulation: it gets its own folder.
    let dir = a.output.clone().unwrap_or_else(|| {
        let d = crate::sim::sim_output_dir(&scenario);
        if cores == machine_cores() {
            d
        } else {
            let name = d
                .file_name()
                .map_or("simulated".into(), |n| n.to_string_lossy().into_owned());
            d.with_file_name(format!("{name}-{cores}cores"))
        }
    });
    let _lock = write_simulation(&mut report, &model, cores, &dir, &a.figures.options())?;
    print_stats(&scenario, cores, &stats);
    let measured_dir = store::output_dir(&scenario.name, scenario.output.as_deref());
    if let Ok(m) = super::experiment::read_report(&measured_dir) {
        // Measured runs say something about another core count only where
        // the cores were never the limit; runs measured on as many cores
        // as simulated (`taskset -c 0` for one) compare in full.
        let measured_cores = m.environment.cores;
        let max_workers = if cores == measured_cores {
            usize::MAX
        } else {
            measured_cores.min(cores)
        };
        let errors = Errors {
            source: CostSource::OtherTime,
            model: model_words(&model_path, &model),
            cmp: crate::sim::compare(m.sweep(), report.sweep(), max_workers),
        };
        if max_workers != usize::MAX {
            println!("compared with the measured runs with ≤ {max_workers} workers only");
        }
        report_errors(&m, &report, &[errors], &dir, &a.figures.options())?;
    }
    print_figures(&report.figures, &dir, &a.figures.options().formats);
    println!("results in '{}'", dir.display());
    Ok(())
}

/// The "simulated N runs … events/s" line.
pub(super) fn print_stats(
    scenario: &crate::scenario::Scenario,
    cores: usize,
    stats: &crate::sim::SimStats,
) {
    println!(
        "simulated {} runs of '{}' on {cores} core(s): {} events in {:.3} s ({:.1} M events/s)",
        stats.runs,
        scenario.name,
        stats.events,
        stats.seconds,
        stats.events as f64 / stats.seconds.max(1e-9) / 1e6
    );
}

/// Prints and writes the simulator's errors against the measured report
/// `m`: each error line, the first one's table, and the chart of `sim`
/// (the simulation of `all[0]`).
pub(super) fn report_errors(
    m: &crate::report::Report,
    sim: &crate::report::Report,
    all: &[Errors],
    dir: &Path,
    figures: &crate::plot::FigureOptions,
) -> Result<()> {
    let Some(first) = all.first().filter(|e| !e.cmp.is_empty()) else {
        return Ok(());
    };
    crate::report::write_sim_errors(all, dir)?;
    println!(
        "simulated vs measured, median wall time and speedup ({} costs; the wall error is the typical ratio of the two in one round, which the medians' ratio need not equal):",
        first.source.key()
    );
    println!(
        "  {:<56} {:>9} {:>9} {:>6} {:>7} {:>7} {:>6}",
        "configuration", "measured", "simulated", "error", "speedup", "sim", "error"
    );
    for c in &first.cmp {
        println!(
            "  {:<56} {:>8.3}s {:>8.3}s {:>6} {:>7} {:>7} {:>6}",
            c.config_id,
            c.measured_wall_s,
            c.simulated_wall_s,
            pct(Some(c.error)),
            speed(c.measured_speedup),
            speed(c.simulated_speedup),
            pct(c.speedup_error())
        );
    }
    for e in all {
        if let Some(line) = e.line() {
            println!("{line}");
        }
    }
    match crate::plot::simcompare::prepare(m, sim, first) {
        Ok((chart, caption)) => {
            crate::plot::output::save(
                &chart,
                &store::plots_dir(dir),
                "simulated-vs-measured",
                figures,
            )?;
            println!("  {caption}");
            store::write_atomic(
                &dir.join("comparison.json"),
                &serde_json::to_vec_pretty(&first.cmp)?,
            )?;
        }
        Err(why) => println!("  no comparison chart: {why}"),
    }
    Ok(())
}

pub fn bench(a: &BenchArgs) -> Result<()> {
    let plan = BenchPlan {
        records: a.records as u64,
        repeat: a.repeat,
        sections: a.sections.clone(),
        memory_records: a.memory_records as u64,
        exe: std::env::current_exe().context("locating the ingestlab binary")?,
    };
    println!(
        "# ingestlab bench: {} records, median of {} run(s)\n",
        a.records, a.repeat
    );
    crate::bench::run(&plan, |t| println!("{}", t.markdown()))
}
