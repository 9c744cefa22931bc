//! `summary.csv`: one row per configuration with its statistics (every
//! interval with its true level), speedup, efficiency, busy fraction and
//! the median run's breakdown.

use super::{Exporter, Report};
use crate::analysis::ConfigSummary;
use crate::run::PhaseTimes;
use anyhow::Result;

/// `summary.csv`: one row per configuration.
pub struct SummaryCsv;

#[derive(serde::Serialize)]
struct Row<'a> {
    config_id: &'a str,
    group: &'a str,
    engine: &'static str,
    method: &'static str,
    index: &'static str,
    lock: &'static str,
    schedule: &'static str,
    overhead: &'static str,
    workers: usize,
    batch_size: usize,
    records: u64,
    runs: usize,
    failed_runs: usize,
    wall_median_s: Option<f64>,
    wall_mean_s: Option<f64>,
    wall_std_s: Option<f64>,
    wall_min_s: Option<f64>,
    wall_max_s: Option<f64>,
    wall_ci_low_s: Option<f64>,
    wall_ci_high_s: Option<f64>,
    /// The true coverage of the interval of the median (0.75 for the range
    /// of 3 runs); "method" says how it was made.
    wall_ci_level: Option<f64>,
    wall_ci_method: Option<&'static str>,
    records_per_s_median: Option<f64>,
    records_per_s_mean: Option<f64>,
    records_per_s_std: Option<f64>,
    records_per_s_min: Option<f64>,
    records_per_s_max: Option<f64>,
    records_per_s_ci_low: Option<f64>,
    records_per_s_ci_high: Option<f64>,
    records_per_s_ci_level: Option<f64>,
    records_per_s_ci_method: Option<&'static str>,
    speedup: Option<f64>,
    speedup_ci_low: Option<f64>,
    speedup_ci_high: Option<f64>,
    speedup_ci_level: Option<f64>,
    speedup_ci_method: Option<&'static str>,
    /// T1 and Tn paired within rounds (Hodges–Lehmann, Wilcoxon).
    speedup_paired: bool,
    efficiency: Option<f64>,
    busy_fraction: Option<f64>,
    busy_fraction_flagged: bool,
    /// The run whose phases follow (the median run) and its threads.
    breakdown_rep: Option<usize>,
    threads: Option<usize>,
    overhead_s: Option<f64>,
    parse_s: Option<f64>,
    work_s: Option<f64>,
    wait_s: Option<f64>,
    insert_s: Option<f64>,
    index_s: Option<f64>,
    idle_s: Option<f64>,
    writer_wait_s: Option<f64>,
    writer_insert_s: Option<f64>,
    writer_index_s: Option<f64>,
    writer_idle_s: Option<f64>,
    outliers: usize,
    /// Runs taken while the machine was busy or stolen from (kept).
    flagged_runs: usize,
    record_work_ms: f64,
    auto_baseline: bool,
    simulated: bool,
}

impl Exporter for SummaryCsv {
    fn file_name(&self) -> &'static str {
        "summary.csv"
    }
    fn render(&self, report: &Report) -> Result<Vec<u8>> {
        let mut w = csv::Writer::from_writer(Vec::new());
        for s in &report.summaries {
            w.serialize(row(s))?;
        }
        Ok(w.into_inner()?)
    }
}

fn row(s: &ConfigSummary) -> Row<'_> {
    let (wl, rt) = (s.wall_s.as_ref(), s.records_per_s.as_ref());
    let f = &s.facets;
    let b = s.breakdown.as_ref();
    let ph = |g: fn(&PhaseTimes) -> f64| b.map(|b| g(&b.workers));
    let wr = |g: fn(&PhaseTimes) -> f64| b.and_then(|b| b.writer.as_ref().map(g));
    Row {
        config_id: &s.id,
        group: &s.group,
        engine: f.engine.name(),
        method: f.method.name(),
        index: f.index.name(),
        lock: f.lock.map_or("-", |l| l.name()),
        schedule: f.schedule.map_or("-", |x| x.name()),
        overhead: f.overhead.map_or("-", |o| o.name()),
        workers: f.workers,
        batch_size: f.batch_size,
        records: f.records,
        runs: s.runs,
        failed_runs: s.failed_runs,
        wall_median_s: wl.map(|x| x.median),
        wall_mean_s: wl.map(|x| x.mean),
        wall_std_s: wl.map(|x| x.std_dev),
        wall_min_s: wl.map(|x| x.min),
        wall_max_s: wl.map(|x| x.max),
        wall_ci_low_s: wl.map(|x| x.ci.low),
        wall_ci_high_s: wl.map(|x| x.ci.high),
        wall_ci_level: wl.map(|x| x.ci.level),
        wall_ci_method: wl.map(|x| x.ci.method.name()),
        records_per_s_median: rt.map(|x| x.median),
        records_per_s_mean: rt.map(|x| x.mean),
        records_per_s_std: rt.map(|x| x.std_dev),
        records_per_s_min: rt.map(|x| x.min),
        records_per_s_max: rt.map(|x| x.max),
        records_per_s_ci_low: rt.map(|x| x.ci.low),
        records_per_s_ci_high: rt.map(|x| x.ci.high),
        records_per_s_ci_level: rt.map(|x| x.ci.level),
        records_per_s_ci_method: rt.map(|x| x.ci.method.name()),
        speedup: s.speedup,
        speedup_ci_low: s.speedup_ci.map(|c| c.low),
        speedup_ci_high: s.speedup_ci.map(|c| c.high),
        speedup_ci_level: s.speedup_ci.map(|c| c.level),
        speedup_ci_method: s.speedup_ci.map(|c| c.method.name()),
        speedup_paired: s.speedup_paired,
        efficiency: s.efficiency,
        busy_fraction: s.busy_fraction,
        busy_fraction_flagged: s.busy_flag.is_some(),
        breakdown_rep: b.map(|b| b.rep),
        threads: b.map(|b| b.threads),
        overhead_s: ph(|p| p.overhead_s),
        parse_s: ph(|p| p.parse_s),
        work_s: ph(|p| p.work_s),
        wait_s: ph(|p| p.wait_s),
        insert_s: ph(|p| p.insert_s),
        index_s: ph(|p| p.index_s),
        idle_s: ph(|p| p.idle_s),
        writer_wait_s: wr(|p| p.wait_s),
        writer_insert_s: wr(|p| p.insert_s),
        writer_index_s: wr(|p| p.index_s),
        writer_idle_s: wr(|p| p.idle_s),
        outliers: s.outlier_reps.len(),
        flagged_runs: s.flagged_runs,
        record_work_ms: f.record_work_ns as f64 / 1e6,
        auto_baseline: s.auto_baseline,
        simulated: s.simulated,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot() {
        let bytes = SummaryCsv.render(&super::super::fixture::report()).unwrap();
        insta::assert_snapshot!(String::from_utf8(bytes).unwrap());
    }
}
