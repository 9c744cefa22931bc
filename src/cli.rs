//! Command-line interface: raw arguments (clap) are resolved into the
//! library's plans here, and results are printed here, never in the core.

use crate::backend::{self, BackendOptions, Engine, InsertMethod};
use crate::data::generate::{GenOptions, Generator};
use crate::run::clock::PayMode;
use crate::run::{self, Input, LockModel, Overhead, RunConfig, RunResult, Schedule};
use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Parser, Debug)]
#[command(
    name = "ingestlab",
    version,
    about = "A lab for parallel database ingestion experiments (SQLite and DuckDB, mock patent XML)"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Write seeded mock patent-application XML records.
    Generate(GenerateArgs),
    /// Parse an XML file and ingest it into a fresh database, then verify.
    Ingest(IngestArgs),
    /// Run an experiment: every configuration of a scenario file, repeated,
    /// summarised and exported (runs.csv, summary.csv, results.json, report.md).
    Run(RunArgs),
    /// Re-render the figures (and report.md) of a results folder written
    /// by `run`, without running anything.
    Plot(PlotArgs),
    /// Fit Amdahl's law and the Universal Scalability Law to a CSV of
    /// (workers, throughput) rows.
    Fit(FitArgs),
    /// Measure this machine's cost model for the simulator.
    Calibrate(CalibrateArgs),
    /// Run a scenario in virtual time with the calibrated cost model.
    Simulate(SimulateArgs),
    /// Print parse, insert and parallel throughput figures.
    Bench(crate::bench::BenchArgs),
}

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
    #[arg(long, default_value_t = 4000)]
    pub records: u64,
    /// Where to save the cost model (default: ~/.cache/ingestlab/calibration.json).
    #[arg(long)]
    pub model: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct SimulateArgs {
    pub scenario: PathBuf,
    #[arg(long = "set")]
    pub sets: Vec<String>,
    /// Cores to simulate (default: this machine's).
    #[arg(long)]
    pub cores: Option<usize>,
    /// Cost model (default: ~/.cache/ingestlab/calibration.json, measured
    /// first if missing).
    #[arg(long)]
    pub model: Option<PathBuf>,
    /// Results folder (default: the scenario's output with -simulated).
    #[arg(long)]
    pub output: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct PlotArgs {
    /// Results folder (holds results.json).
    pub results: PathBuf,
}

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
    /// Continue an interrupted sweep, skipping finished runs.
    #[arg(long)]
    pub resume: bool,
    /// Results folder (overrides the scenario's `output`).
    #[arg(long)]
    pub output: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// Number of records.
    #[arg(long, default_value_t = 1000)]
    pub records: u64,
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// Output file.
    #[arg(long)]
    pub out: PathBuf,
    /// Scale the free text (abstract, claims); 1.0 gives ~2 KB records.
    #[arg(long, default_value_t = 1.0)]
    pub text_scale: f64,
    /// Fraction of records that are malformed (not well-formed, missing a
    /// required field, bad date).
    #[arg(long, default_value_t = 0.0)]
    pub malformed_rate: f64,
    /// Fraction of records that repeat an earlier app_id.
    #[arg(long, default_value_t = 0.0)]
    pub duplicate_rate: f64,
    /// Also load the raw records into the app_xml staging table of a fresh
    /// database at this path.
    #[arg(long)]
    pub staging_db: Option<PathBuf>,
    /// Engine of the staging database.
    #[arg(long, value_enum, default_value_t = Engine::Sqlite)]
    pub backend: Engine,
}

#[derive(Args, Debug, Clone)]
pub struct IngestArgs {
    /// XML file of concatenated us-patent-application records.
    #[arg(long)]
    pub input: PathBuf,
    #[arg(long, value_enum, default_value_t = Engine::Sqlite)]
    pub backend: Engine,
    /// bulk: DuckDB Appender / SQLite multi-row INSERT; insert: one prepared
    /// INSERT per row.
    #[arg(long, value_enum, default_value_t = InsertMethod::Bulk)]
    pub method: InsertMethod,
    #[arg(long, default_value_t = 1000)]
    pub batch_size: usize,
    /// Number of workers; 1 is the sequential baseline (no pool).
    #[arg(long, default_value_t = 1)]
    pub workers: usize,
    #[arg(long, value_enum, default_value_t = Schedule::Static)]
    pub schedule: Schedule,
    #[arg(long, value_enum, default_value_t = LockModel::Native)]
    pub lock: LockModel,
    /// Capacity of the single writer's queue, in batches.
    #[arg(long, default_value_t = 4)]
    pub queue_depth: usize,
    /// Simulated pool/IPC overhead preset: none, python-mp, python-mp-spawn, ipc-copy.
    #[arg(long, default_value = "none")]
    pub overhead: String,
    /// Override the preset's pool start-up (ms).
    #[arg(long)]
    pub pool_startup_ms: Option<f64>,
    /// Override the preset's per-worker start-up (ms).
    #[arg(long)]
    pub worker_startup_ms: Option<f64>,
    /// Override the preset's fixed per-batch dispatch cost (ms).
    #[arg(long)]
    pub dispatch_ms: Option<f64>,
    /// Override the preset's per-KB dispatch cost (µs per KB).
    #[arg(long)]
    pub dispatch_us_per_kb: Option<f64>,
    /// Override the preset's pool shutdown (ms).
    #[arg(long)]
    pub shutdown_ms: Option<f64>,
    /// Pay simulated costs by sleeping or by spinning a core.
    #[arg(long, value_enum)]
    pub pay: Option<PayMode>,
    /// Extra application work per record in ms, paid by spinning a core
    /// (what a pipeline does per record besides parsing and inserting).
    #[arg(long, default_value_t = 0.0)]
    pub record_work_ms: f64,
    /// Really serialise every batch to bytes and back across a channel.
    #[arg(long)]
    pub ipc_copy: bool,
    /// SQLite pragma, as key=value (repeatable), e.g. synchronous=OFF.
    #[arg(long = "pragma", value_parser = parse_pragma)]
    pub pragmas: Vec<(String, String)>,
    /// Keep the database at this path (replaced if it exists); by default
    /// it lives in a temporary folder that is removed.
    #[arg(long)]
    pub db: Option<PathBuf>,
    /// Print one JSON object instead of the human summary.
    #[arg(long)]
    pub json: bool,
    /// Write one event per (worker, batch, phase) to this file (JSON).
    #[arg(long)]
    pub timeline: Option<PathBuf>,
}

fn parse_pragma(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.trim().to_string())),
        _ => Err(format!("expected key=value, got '{s}'")),
    }
}

impl IngestArgs {
    /// Resolves the flags into a run configuration (preset first, then the
    /// explicit knobs), validated.
    pub fn config(&self) -> Result<RunConfig> {
        let mut o = Overhead::preset(&self.overhead).context("--overhead")?;
        let ms = |v: Option<f64>, field: &mut f64| {
            if let Some(v) = v {
                *field = v / 1000.0;
            }
        };
        ms(self.pool_startup_ms, &mut o.pool_startup_s);
        ms(self.worker_startup_ms, &mut o.worker_startup_s);
        ms(self.dispatch_ms, &mut o.dispatch_s);
        ms(self.shutdown_ms, &mut o.shutdown_s);
        if let Some(us) = self.dispatch_us_per_kb {
            o.dispatch_per_kb_s = us / 1e6;
        }
        if let Some(p) = self.pay {
            o.pay = p;
        }
        o.ipc_copy |= self.ipc_copy;
        let cfg = RunConfig {
            backend: BackendOptions {
                engine: self.backend,
                method: self.method,
                pragmas: self.pragmas.clone(),
                ..Default::default()
            },
            workers: self.workers,
            batch_size: self.batch_size,
            schedule: self.schedule,
            lock: self.lock,
            queue_depth: self.queue_depth,
            overhead: o,
            timeline: self.timeline.is_some(),
            record_work_s: self.record_work_ms / 1e3,
        };
        cfg.validate()?;
        Ok(cfg)
    }
}

/// Runs the parsed command. Returns whether it succeeded in the sense the
/// exit code should report (a failed verification is a failure).
pub fn dispatch(cli: Cli) -> Result<bool> {
    match cli.command {
        Command::Generate(a) => generate(&a).map(|_| true),
        Command::Ingest(a) => ingest(&a),
        Command::Run(a) => run_experiment(&a),
        Command::Plot(a) => plot(&a.results).map(|_| true),
        Command::Fit(a) => fit_csv(&a.csv).map(|_| true),
        Command::Calibrate(a) => calibrate(&a).map(|_| true),
        Command::Simulate(a) => simulate(&a).map(|_| true),
        Command::Bench(a) => crate::bench::run(&a).map(|_| true),
    }
}

fn generate(a: &GenerateArgs) -> Result<()> {
    for (name, r) in [
        ("--malformed-rate", a.malformed_rate),
        ("--duplicate-rate", a.duplicate_rate),
    ] {
        if !(0.0..=1.0).contains(&r) {
            bail!("{name} must be between 0 and 1, got {r}");
        }
    }
    if !(a.text_scale > 0.0 && a.text_scale.is_finite()) {
        bail!(
            "--text-scale must be a positive number, got {}",
            a.text_scale
        );
    }
    let opts = GenOptions {
        records: a.records,
        seed: a.seed,
        text_scale: a.text_scale,
        malformed_rate: a.malformed_rate,
        duplicate_rate: a.duplicate_rate,
    };
    let stats = write_generated(&opts, &a.out)?;
    if let Some(db_path) = &a.staging_db {
        let db = backend::create(
            db_path,
            &BackendOptions {
                engine: a.backend,
                ..Default::default()
            },
        )?;
        let mut conn = db.connect()?;
        let mut g = Generator::new(opts);
        let mut batch = Vec::with_capacity(1000);
        loop {
            let next = g.next_record();
            if let Some(r) = &next {
                batch.push((r.app_id.clone(), r.xml.clone()));
            }
            if batch.len() == 1000 || (next.is_none() && !batch.is_empty()) {
                conn.insert_staging(&batch).context("loading app_xml")?;
                batch.clear();
            }
            if next.is_none() {
                break;
            }
        }
        println!(
            "loaded {} raw records into app_xml of '{}'",
            stats.records,
            db_path.display()
        );
    }
    println!(
        "wrote {} records ({} malformed, {} duplicate app_ids, {:.1} MB) to '{}'",
        stats.records,
        stats.malformed,
        stats.duplicates,
        stats.bytes as f64 / 1e6,
        a.out.display()
    );
    Ok(())
}

/// Generates `opts` into `path`, naming the file on error.
pub fn write_generated(opts: &GenOptions, path: &Path) -> Result<crate::data::generate::GenStats> {
    let file = std::fs::File::create(path)
        .with_context(|| format!("cannot create output file '{}'", path.display()))?;
    let mut w = std::io::BufWriter::with_capacity(1 << 20, file);
    let stats = Generator::new(opts.clone())
        .write_all(&mut w)
        .with_context(|| format!("writing '{}'", path.display()))?;
    w.flush()
        .with_context(|| format!("writing '{}'", path.display()))?;
    Ok(stats)
}

fn ingest(a: &IngestArgs) -> Result<bool> {
    let cfg = a.config()?;
    let input = Input::open(&a.input)?;
    let tmp;
    let db_path = match &a.db {
        Some(p) => p.clone(),
        None => {
            tmp = tempfile::tempdir().context("creating a temporary folder for the database")?;
            tmp.path()
                .join(format!("ingest.{}", cfg.backend.engine.name()))
        }
    };
    let out = run::run(&input, &db_path, &cfg)?;
    if let Some(path) = &a.timeline {
        let f = std::fs::File::create(path)
            .with_context(|| format!("cannot create timeline file '{}'", path.display()))?;
        serde_json::to_writer(std::io::BufWriter::new(f), &out.timeline)
            .with_context(|| format!("writing '{}'", path.display()))?;
    }
    let r = &out.result;
    if a.json {
        println!("{}", serde_json::to_string_pretty(r)?);
    } else {
        print_summary(r, &a.input);
    }
    if !r.verification.passed {
        eprintln!(
            "error: verification FAILED: {}",
            r.verification.problems.join("; ")
        );
    }
    Ok(r.verification.passed)
}

fn print_summary(r: &RunResult, input: &Path) {
    let c = &r.config;
    println!(
        "ingested '{}' into {} ({}) with {} worker(s), {} schedule, lock {}, batch {}, overhead {}",
        input.display(),
        c.backend.engine,
        r.engine_version,
        c.workers,
        c.schedule.name(),
        c.lock.name(),
        c.batch_size,
        c.overhead.preset
    );
    println!(
        "  records      {} in, {} rows out, {} quarantined",
        r.records_in, r.rows_out, r.quarantined
    );
    println!("  wall time    {:.3} s", r.wall_s);
    println!(
        "  throughput   {:.0} records/s ({:.0} records/min)",
        r.records_per_s, r.records_per_min
    );
    let p = &r.phases;
    println!(
        "  phases       overhead {:.3} s, parse {:.3} s, wait {:.3} s, insert {:.3} s, idle {:.3} s (sum over workers)",
        p.overhead_s, p.parse_s, p.wait_s, p.insert_s, p.idle_s
    );
    if let Some(w) = &r.writer {
        println!(
            "  writer       insert {:.3} s, waiting for batches {:.3} s",
            w.phases.insert_s, w.phases.idle_s
        );
    }
    println!(
        "  busy retries {}, connections opened {}",
        r.busy_retries, r.connections_opened
    );
    println!("  peak memory  {:.1} MB", r.peak_rss_bytes as f64 / 1e6);
    println!(
        "  verification {} (checksum {:016x})",
        if r.verification.passed {
            "passed"
        } else {
            "FAILED"
        },
        r.verification.checksum_stored
    );
}

fn run_experiment(a: &RunArgs) -> Result<bool> {
    use crate::experiment::runner::{estimate_s, output_dir};
    let mut scenario = crate::scenario::load(&a.scenario, &a.sets)?.scenario;
    if let Some(o) = &a.output {
        scenario.output = Some(o.clone());
    }
    let configs = crate::scenario::expand(&scenario);
    if a.dry_run {
        let mut total = 0.0;
        println!(
            "{} configurations × {} repetition(s) (+{} warm-up):",
            configs.len(),
            scenario.repetitions,
            scenario.warmup
        );
        for c in &configs {
            let t = estimate_s(&scenario, c);
            total += t;
            println!(
                "  {:<70} ~{t:.1} s{}",
                c.id,
                if c.auto_baseline {
                    "  (baseline added)"
                } else {
                    ""
                }
            );
        }
        println!(
            "estimated time: ~{total:.0} s (rough: typical laptop rates plus the presets' pool costs)"
        );
        return Ok(true);
    }
    let report = crate::experiment::run_scenario(
        &scenario,
        &crate::experiment::RunOptions {
            resume: a.resume,
            quiet: false,
        },
    )?;
    let out = output_dir(&scenario);
    let failed = report.runs.iter().filter(|r| r.failed).count();
    println!(
        "{}: {} configurations, {} runs ({failed} failed)",
        scenario.name,
        report.configs.len(),
        report.runs.len()
    );
    for w in &report.warnings {
        println!("  warning: {w}");
    }
    print_figures(&report.figures, &out);
    println!(
        "results in '{}' (report.md, summary.csv, runs.csv, results.json, plots/)",
        out.display()
    );
    Ok(failed == 0)
}

fn print_figures(figures: &[crate::report::Figure], dir: &Path) {
    for f in figures {
        match (&f.caption, &f.skipped) {
            (Some(_), _) => println!(
                "  figure {}: {}",
                f.title,
                dir.join("plots").join(format!("{}.png", f.name)).display()
            ),
            (None, Some(why)) => println!("  figure {} skipped: {why}", f.title),
            _ => {}
        }
    }
}

fn plot(dir: &Path) -> Result<()> {
    let path = dir.join("results.json");
    let bytes = std::fs::read(&path).with_context(|| {
        format!(
            "cannot read '{}' (is '{}' a folder written by `ingestlab run`?)",
            path.display(),
            dir.display()
        )
    })?;
    let mut report: crate::report::Report = serde_json::from_slice(&bytes).map_err(|e| {
        anyhow::anyhow!(
            "'{}' is not a complete ingestlab results file: {e}",
            path.display()
        )
    })?;
    if report.summaries.iter().all(|s| s.wall_s.is_none()) {
        bail!(
            "'{}' holds no measured configuration to plot",
            path.display()
        );
    }
    report.figures = crate::plot::render_all(&report, dir)?;
    crate::report::write_all(&report, dir)?;
    print_figures(&report.figures, dir);
    Ok(())
}

fn fit_csv(path: &Path) -> Result<()> {
    use crate::analysis::fit;
    let mut rdr = csv::Reader::from_path(path)
        .with_context(|| format!("cannot read '{}'", path.display()))?;
    let headers = rdr
        .headers()
        .with_context(|| format!("'{}' has no header row", path.display()))?
        .clone();
    let find = |names: &[&str]| {
        headers
            .iter()
            .position(|h| names.contains(&h.trim().to_lowercase().as_str()))
    };
    let n_col = find(&["workers", "threads", "processors", "n", "load"]).with_context(|| {
        format!(
            "'{}': no worker column (workers, threads, processors, n or load) in {:?}",
            path.display(),
            headers
        )
    })?;
    let x_col = find(&["throughput", "tput", "records_per_s", "x"]).with_context(|| {
        format!(
            "'{}': no throughput column (throughput, tput, records_per_s or x) in {:?}",
            path.display(),
            headers
        )
    })?;
    let mut rows = Vec::new();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.with_context(|| format!("'{}' row {}", path.display(), i + 2))?;
        let num = |c: usize| -> Result<f64> {
            rec.get(c).unwrap_or("").trim().parse().with_context(|| {
                format!(
                    "'{}' row {}: '{}' is not a number",
                    path.display(),
                    i + 2,
                    rec.get(c).unwrap_or("")
                )
            })
        };
        rows.push((num(n_col)?, num(x_col)?));
    }
    let points = fit::speedups_from_throughput(&rows)
        .map_err(|e| anyhow::anyhow!("'{}': {e}", path.display()))?;
    let f = fit::fit(&points).map_err(|e| anyhow::anyhow!("'{}': {e}", path.display()))?;
    println!("{} points from '{}'", points.len(), path.display());
    println!(
        "Amdahl   serial fraction s = {:.4} (95% CI {:.4}–{:.4}), R² = {:.3}",
        f.amdahl_serial, f.amdahl_serial_ci.0, f.amdahl_serial_ci.1, f.amdahl_r2
    );
    println!(
        "USL      contention σ = {:.4} (95% CI {:.4}–{:.4})",
        f.usl_sigma, f.usl_sigma_ci.0, f.usl_sigma_ci.1
    );
    println!(
        "         coherency  κ = {:.5} (95% CI {:.5}–{:.5}), R² = {:.3}",
        f.usl_kappa, f.usl_kappa_ci.0, f.usl_kappa_ci.1, f.usl_r2
    );
    match (f.peak_workers, f.peak_speedup) {
        (Some(p), Some(s)) => println!("         peak at N* = {p:.1} workers, speedup {s:.2}×"),
        _ => println!("         no peak (κ ≤ 0)"),
    }
    println!("         limited by {}", f.limited_by);
    for w in &f.warnings {
        println!("warning: {w}");
    }
    Ok(())
}

fn calibrate(a: &CalibrateArgs) -> Result<()> {
    let path = a
        .model
        .clone()
        .unwrap_or_else(crate::sim::model::default_path);
    println!(
        "calibrating on {} records (parse, then each engine and method)...",
        a.records
    );
    let m = crate::sim::calibrate::calibrate(a.records)?;
    m.save(&path)?;
    println!(
        "parse: {:.1} µs + {:.1} µs/KB per record",
        m.parse.base_s * 1e6,
        m.parse.per_kb_s * 1e6
    );
    for w in &m.writes {
        println!(
            "{} {}: {:.2} ms per batch + {:.2} µs per row; a second writer makes a write {:.2}× as long; connect {:.2} ms",
            w.engine,
            w.method.name(),
            w.per_batch_s * 1e3,
            w.per_row_s * 1e6,
            w.second_writer_factor,
            w.connect_s * 1e3
        );
    }
    println!("saved to '{}'", path.display());
    Ok(())
}

fn simulate(a: &SimulateArgs) -> Result<()> {
    use crate::experiment::runner::output_dir;
    let scenario = crate::scenario::load(&a.scenario, &a.sets)?.scenario;
    let path = a
        .model
        .clone()
        .unwrap_or_else(crate::sim::model::default_path);
    let model = if path.exists() {
        crate::sim::model::CostModel::load(&path)?
    } else {
        eprintln!(
            "no cost model at '{}': calibrating first (ingestlab calibrate)",
            path.display()
        );
        let m = crate::sim::calibrate::calibrate(4000)?;
        m.save(&path)?;
        m
    };
    let machine_cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let cores = a.cores.unwrap_or(machine_cores);
    let (mut report, stats) = crate::sim::simulate_scenario(&scenario, &model, cores)?;
    let dir = a
        .output
        .clone()
        .unwrap_or_else(|| crate::sim::sim_output_dir(&scenario));
    let measured_path = output_dir(&scenario).join("results.json");
    let measured: Option<crate::report::Report> = std::fs::read(&measured_path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    crate::sim::write_simulated(&mut report, &model, cores, &dir)?;
    println!(
        "simulated {} runs of '{}' on {cores} core(s): {} events in {:.3} s ({:.1} M events/s)",
        stats.runs,
        scenario.name,
        stats.events,
        stats.seconds,
        stats.events as f64 / stats.seconds.max(1e-9) / 1e6
    );
    if let Some(m) = measured {
        let cmp = crate::sim::compare(&m, &report, machine_cores);
        if !cmp.is_empty() {
            println!(
                "simulated vs measured median wall time (configurations with ≤ {machine_cores} workers):"
            );
            println!(
                "  {:<60} {:>10} {:>10} {:>8}",
                "configuration", "measured", "simulated", "error"
            );
            for c in &cmp {
                println!(
                    "  {:<60} {:>9.3}s {:>9.3}s {:>+7.0}%",
                    c.config_id,
                    c.measured_wall_s,
                    c.simulated_wall_s,
                    100.0 * c.error
                );
            }
            match crate::plot::simcompare::prepare(&m, &report, &cmp) {
                Ok((chart, caption)) => {
                    crate::plot::draw::save(&chart, &dir.join("plots"), "simulated-vs-measured")?;
                    println!("  {caption}");
                    crate::report::write_atomic(
                        &dir.join("comparison.json"),
                        &serde_json::to_vec_pretty(&cmp)?,
                    )?;
                }
                Err(why) => println!("  no comparison chart: {why}"),
            }
        }
    }
    print_figures(&report.figures, &dir);
    println!("results in '{}'", dir.display());
    Ok(())
}
