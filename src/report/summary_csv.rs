//! `summary.csv`: one row per configuration with its statistics, speedup,
//! efficiency and busy fraction.

use super::{Exporter, Report};
use anyhow::Result;

pub struct SummaryCsv;

#[derive(serde::Serialize)]
struct Row<'a> {
    config_id: &'a str,
    group: &'a str,
    engine: &'a str,
    method: &'a str,
    lock: &'a str,
    schedule: &'a str,
    overhead: &'a str,
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
    records_per_s_median: Option<f64>,
    records_per_s_mean: Option<f64>,
    records_per_s_std: Option<f64>,
    records_per_s_min: Option<f64>,
    records_per_s_max: Option<f64>,
    records_per_s_ci_low: Option<f64>,
    records_per_s_ci_high: Option<f64>,
    speedup: Option<f64>,
    speedup_ci_low: Option<f64>,
    speedup_ci_high: Option<f64>,
    efficiency: Option<f64>,
    busy_fraction: Option<f64>,
    busy_fraction_flagged: bool,
    overhead_s: f64,
    parse_s: f64,
    wait_s: f64,
    insert_s: f64,
    idle_s: f64,
    outliers: usize,
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
            let (wl, rt) = (s.wall_s.as_ref(), s.records_per_s.as_ref());
            w.serialize(Row {
                config_id: &s.id,
                group: &s.group,
                engine: &s.engine,
                method: &s.method,
                lock: &s.lock,
                schedule: &s.schedule,
                overhead: &s.overhead,
                workers: s.workers,
                batch_size: s.batch_size,
                records: s.records,
                runs: s.runs,
                failed_runs: s.failed_runs,
                wall_median_s: wl.map(|x| x.median),
                wall_mean_s: wl.map(|x| x.mean),
                wall_std_s: wl.map(|x| x.std_dev),
                wall_min_s: wl.map(|x| x.min),
                wall_max_s: wl.map(|x| x.max),
                wall_ci_low_s: wl.map(|x| x.ci_low),
                wall_ci_high_s: wl.map(|x| x.ci_high),
                records_per_s_median: rt.map(|x| x.median),
                records_per_s_mean: rt.map(|x| x.mean),
                records_per_s_std: rt.map(|x| x.std_dev),
                records_per_s_min: rt.map(|x| x.min),
                records_per_s_max: rt.map(|x| x.max),
                records_per_s_ci_low: rt.map(|x| x.ci_low),
                records_per_s_ci_high: rt.map(|x| x.ci_high),
                speedup: s.speedup,
                speedup_ci_low: s.speedup_ci.map(|c| c.0),
                speedup_ci_high: s.speedup_ci.map(|c| c.1),
                efficiency: s.efficiency,
                busy_fraction: s.busy_fraction,
                busy_fraction_flagged: s.busy_flag.is_some(),
                overhead_s: s.phases.overhead_s,
                parse_s: s.phases.parse_s,
                wait_s: s.phases.wait_s,
                insert_s: s.phases.insert_s,
                idle_s: s.phases.idle_s,
                outliers: s.outlier_reps.len(),
                auto_baseline: s.auto_baseline,
                simulated: s.simulated,
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
        let bytes = SummaryCsv.render(&super::super::fixture::report()).unwrap();
        insta::assert_snapshot!(String::from_utf8(bytes).unwrap());
    }
}
