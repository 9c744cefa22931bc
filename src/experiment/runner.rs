//! Runs a scenario: data made once per (records, seed, size, rates) and
//! reused, warm-ups then repetitions per configuration with a progress bar,
//! every run journaled, then the summary and the exports.

use super::journal::Journal;
use crate::analysis::{RunRecord, summarize};
use crate::data::generate::GenOptions;
use crate::report::{self, Environment, Report};
use crate::run::{self, Input, RunOutput};
use crate::scenario::{ConfigSpec, DataKey, Scenario, expand};
use anyhow::{Context, Result};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub resume: bool,
    /// Print progress lines (the bar hides itself when not on a terminal).
    pub quiet: bool,
}

/// The results folder of a scenario.
pub fn output_dir(s: &Scenario) -> PathBuf {
    s.output
        .clone()
        .unwrap_or_else(|| PathBuf::from("results").join(&s.name))
}

fn gen_options(d: &DataKey) -> GenOptions {
    GenOptions {
        records: d.records,
        seed: d.seed,
        text_scale: d.text_scale,
        malformed_rate: d.malformed_rate,
        duplicate_rate: d.duplicate_rate,
    }
}

/// Runs every configuration and writes the exports; returns the report.
pub fn run_scenario(s: &Scenario, opts: &RunOptions) -> Result<Report> {
    let out = output_dir(s);
    std::fs::create_dir_all(out.join("timelines"))
        .with_context(|| format!("cannot create results folder '{}'", out.display()))?;
    let configs = expand(s);
    let (mut journal, mut records) = Journal::open(&out, opts.resume)?;
    let done =
        |records: &[RunRecord], id: &str| records.iter().filter(|r| r.config_id == id).count();
    let total_runs: usize = configs
        .iter()
        .map(|c| s.repetitions - done(&records, &c.id).min(s.repetitions))
        .sum();
    if opts.resume && !records.is_empty() {
        eprintln!(
            "resuming: {} finished run(s) kept, {total_runs} to go",
            records.len()
        );
    }
    let bar = ProgressBar::new(total_runs as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{bar:30} {pos}/{len} runs, {msg} [{elapsed_precise}, {eta} left]",
        )
        .expect("valid template"),
    );
    let work = tempfile::tempdir().context("creating a temporary folder for data and databases")?;
    let mut data: Vec<(DataKey, Input)> = Vec::new();
    for (k, c) in configs.iter().enumerate() {
        bar.set_message(format!("configuration {}/{}", k + 1, configs.len()));
        let have = done(&records, &c.id);
        if have >= s.repetitions {
            continue;
        }
        let input = input_for(&mut data, &c.data, work.path())?;
        let db = work
            .path()
            .join(format!("run.{}", c.run.backend.engine.name()));
        for _ in 0..s.warmup {
            let _ = run::run(input, &db, &c.run);
        }
        for rep in have..s.repetitions {
            let mut cfg = c.run.clone();
            cfg.timeline = rep == 0 && cfg.workers > 1;
            let rec = match run::run(input, &db, &cfg) {
                Ok(RunOutput { result, timeline }) => {
                    if cfg.timeline {
                        let path = out.join("timelines").join(timeline_file(c));
                        report::write_atomic(&path, &serde_json::to_vec(&timeline)?)?;
                    }
                    let failed = !result.verification.passed;
                    if failed {
                        bar.suspend(|| {
                            eprintln!(
                                "VERIFICATION FAILED: {} run {rep}: {}",
                                c.id,
                                result.verification.problems.join("; ")
                            )
                        });
                    }
                    RunRecord {
                        config_id: c.id.clone(),
                        rep,
                        failed,
                        error: None,
                        result: Some(result),
                    }
                }
                Err(e) => {
                    bar.suspend(|| eprintln!("RUN FAILED: {} run {rep}: {e:#}", c.id));
                    RunRecord {
                        config_id: c.id.clone(),
                        rep,
                        failed: true,
                        error: Some(format!("{e:#}")),
                        result: None,
                    }
                }
            };
            crate::backend::remove_db_files(&db);
            journal.append(&rec)?;
            records.push(rec);
            bar.inc(1);
        }
    }
    bar.finish_and_clear();
    let mut report = build_report(s, configs, records, false);
    report.figures = crate::plot::render_all(&report, &out)?;
    report::write_all(&report, &out)?;
    Ok(report)
}

/// The timeline file of a configuration (ids contain '/').
pub fn timeline_file(c: &ConfigSpec) -> String {
    format!("{}.json", c.id.replace('/', "_"))
}

/// Summarises runs into a report with this machine's environment.
pub fn build_report(
    s: &Scenario,
    configs: Vec<ConfigSpec>,
    runs: Vec<RunRecord>,
    simulated: bool,
) -> Report {
    let (summaries, warnings) = summarize(&configs, &runs);
    let mut engines: Vec<String> = runs
        .iter()
        .filter_map(|r| r.result.as_ref().map(|x| x.engine_version.clone()))
        .collect();
    engines.sort();
    engines.dedup();
    let fits = crate::analysis::fit::fit_groups(&summaries, &runs);
    Report {
        scenario: s.clone(),
        environment: Environment::capture(engines),
        configs,
        summaries,
        runs,
        warnings,
        figures: vec![],
        simulated,
        fits,
    }
}

fn input_for<'a>(
    data: &'a mut Vec<(DataKey, Input)>,
    key: &DataKey,
    dir: &Path,
) -> Result<&'a Input> {
    if let Some(i) = data.iter().position(|(k, _)| k == key) {
        return Ok(&data[i].1);
    }
    let path = dir.join(format!("data-{}.xml", data.len()));
    crate::cli::write_generated(&gen_options(key), &path)?;
    data.push((*key, Input::open(&path)?));
    Ok(&data.last().expect("just pushed").1)
}

/// A rough duration estimate for `--dry-run`: records at a typical rate per
/// engine and method on a laptop, plus the pool costs the presets add.
pub fn estimate_s(s: &Scenario, c: &ConfigSpec) -> f64 {
    use crate::backend::{Engine, InsertMethod};
    let rate = match (c.run.backend.engine, c.run.backend.method) {
        (Engine::Sqlite, InsertMethod::Bulk) => 25_000.0,
        (Engine::Sqlite, InsertMethod::Insert) => 20_000.0,
        (Engine::Duckdb, InsertMethod::Bulk) => 20_000.0,
        (Engine::Duckdb, InsertMethod::Insert) => 5_000.0,
    };
    let o = &c.run.overhead;
    let batches = (c.data.records as f64 / c.run.batch_size as f64).ceil();
    let pool = if c.run.workers > 1 {
        o.fixed_s(c.run.workers) + batches * o.dispatch_s
    } else {
        0.0
    };
    let one = c.data.records as f64 / rate + pool + 0.05;
    one * (s.repetitions + s.warmup) as f64
}
