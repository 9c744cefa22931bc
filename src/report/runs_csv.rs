//! `runs.csv`: one row per run with every measured field (phases summed
//! over the workers; the writer thread's are in results.json).

use super::{Exporter, Report};
use crate::run::RunResult;
use anyhow::Result;

/// `runs.csv`: one row per run.
pub struct RunsCsv;

#[derive(serde::Serialize)]
struct Row<'a> {
    config_id: &'a str,
    rep: usize,
    failed: bool,
    error: &'a str,
    simulated: bool,
    engine: &'a str,
    method: &'a str,
    index: &'a str,
    lock: &'a str,
    schedule: &'a str,
    overhead: &'a str,
    workers: usize,
    batch_size: usize,
    records_in: u64,
    rows_out: u64,
    quarantined: u64,
    wall_s: f64,
    records_per_s: f64,
    records_per_min: f64,
    overhead_s: f64,
    parse_s: f64,
    work_s: f64,
    wait_s: f64,
    insert_s: f64,
    index_s: f64,
    idle_s: f64,
    threads: usize,
    batch_time_sum_s: f64,
    busy_fraction: f64,
    busy_retries: u64,
    /// Empty for simulated runs, which have no process.
    peak_rss_bytes: Option<u64>,
    connections_opened: u64,
    /// Empty for simulated runs: they store nothing, so nothing is
    /// verified (not "true").
    verified: Option<bool>,
    /// Seconds since the Unix epoch when the run started.
    started_unix_s: Option<f64>,
    /// The machine during the run (`machine::MachineSample`), percent and
    /// cores; empty for simulated runs.
    steal_pct: Option<f64>,
    iowait_pct: Option<f64>,
    foreign_cores: Option<f64>,
    cpu_mhz: Option<f64>,
    /// Why the machine may have slowed the run (kept in every statistic).
    machine_flag: String,
}

impl Exporter for RunsCsv {
    fn file_name(&self) -> &'static str {
        "runs.csv"
    }
    fn render(&self, report: &Report) -> Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(Vec::new());
        for run in &report.runs {
            // A run that errored before producing a result still gets a
            // row, with its configuration and error and no measurements.
            let spec = report
                .configs
                .iter()
                .find(|c| c.id == run.config_id)
                .map(|c| &c.run);
            let Some(c) = run.result.as_ref().map(|r| &r.config).or(spec) else {
                continue;
            };
            let r = run.result.as_ref();
            let measured = r.filter(|r| !r.simulated);
            let m = |f: fn(&RunResult) -> f64| r.map_or(0.0, f);
            let n = |f: fn(&RunResult) -> u64| r.map_or(0, f);
            w.serialize(Row {
                config_id: &run.config_id,
                rep: run.rep,
                failed: run.failed,
                error: run.error.as_deref().unwrap_or(""),
                simulated: r.is_some_and(|r| r.simulated),
                engine: c.backend.engine.name(),
                method: c.backend.method.name(),
                index: c.backend.index.name(),
                lock: c.lock.name(),
                schedule: c.schedule.name(),
                overhead: c.overhead.preset.name(),
                workers: c.workers,
                batch_size: c.batch_size,
                records_in: n(|r| r.records_in),
                rows_out: n(|r| r.rows_out),
                quarantined: n(|r| r.quarantined),
                wall_s: m(|r| r.wall_s),
                records_per_s: m(|r| r.records_per_s),
                records_per_min: m(|r| r.records_per_min),
                overhead_s: m(|r| r.phases.overhead_s),
                parse_s: m(|r| r.phases.parse_s),
                work_s: m(|r| r.phases.work_s),
                wait_s: m(|r| r.phases.wait_s),
                insert_s: m(|r| r.phases.insert_s),
                index_s: m(|r| r.phases.index_s),
                idle_s: m(|r| r.phases.idle_s),
                threads: r.map_or(0, |r| r.threads),
                batch_time_sum_s: m(|r| r.batch_time_sum_s),
                busy_fraction: m(|r| r.busy_fraction()),
                busy_retries: n(|r| r.busy_retries),
                peak_rss_bytes: measured.map(|r| r.peak_rss_bytes),
                connections_opened: n(|r| r.connections_opened),
                verified: measured.map(|r| r.verification.passed),
                started_unix_s: run.started_unix_s,
                steal_pct: run.machine.map(|m| 100.0 * m.steal_share),
                iowait_pct: run.machine.map(|m| 100.0 * m.iowait_share),
                foreign_cores: run.machine.map(|m| m.foreign_cores),
                cpu_mhz: run.machine.and_then(|m| m.cpu_mhz),
                machine_flag: run.machine.and_then(|m| m.flag()).unwrap_or_default(),
            })?;
        }
        Ok(w.into_inner()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot() {
        let bytes = RunsCsv.render(&super::super::fixture::report()).unwrap();
        insta::assert_snapshot!(String::from_utf8(bytes).unwrap());
    }

    #[test]
    fn simulated_runs_claim_no_verification_and_no_memory() {
        let mut r = super::super::fixture::report();
        for run in r.runs.iter_mut() {
            if let Some(x) = run.result.as_mut() {
                x.simulated = true;
            }
        }
        let text = String::from_utf8(RunsCsv.render(&r).unwrap()).unwrap();
        let mut rows = csv::Reader::from_reader(text.as_bytes());
        let head = rows.headers().unwrap().clone();
        let col = |name: &str| head.iter().position(|h| h == name).unwrap();
        let (v, m) = (col("verified"), col("peak_rss_bytes"));
        for row in rows.records() {
            let row = row.unwrap();
            assert_eq!((&row[v], &row[m]), ("", ""), "{row:?}");
        }
    }
}
