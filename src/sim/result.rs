//! What a simulated run ingests ([`SimData`]) and the result it reports.

use crate::run::config::{LockModel, RunConfig};
use crate::run::result::{PhaseTimes, RunResult, Verification, WorkerStats};

/// The data a simulated run ingests: a record count and record sizes to
/// draw from (a sample of the generator's output).
pub struct SimData<'a> {
    /// Records to simulate.
    pub records: u64,
    /// Record sizes in KB, drawn from at random.
    pub sizes_kb: &'a [f64],
    /// Fraction of records that end up quarantined (malformed + duplicates).
    pub bad_fraction: f64,
}

/// The mean of `xs` (0 for none).
pub(super) fn mean(xs: &[f64]) -> f64 {
    xs.iter().sum::<f64>() / xs.len().max(1) as f64
}

/// The [`RunResult`] of a simulated run: the threads' accounts, the rows
/// and quarantined records the data's bad fraction implies, and one
/// connection for the models that use one.
pub(super) fn simulated_result(
    cfg: &RunConfig,
    data: &SimData,
    workers: Vec<WorkerStats>,
    writer: Option<WorkerStats>,
    t_end: f64,
) -> RunResult {
    let mut phases = PhaseTimes::default();
    workers.iter().for_each(|w| phases.merge(&w.phases));
    let quarantined = (data.records as f64 * data.bad_fraction).round() as u64;
    let rows = data.records - quarantined;
    let rate = if t_end > 0.0 {
        data.records as f64 / t_end
    } else {
        0.0
    };
    let one_connection = cfg.workers > 1
        && matches!(
            cfg.lock,
            LockModel::SingleWriter | LockModel::SharedConnection
        );
    RunResult {
        config: cfg.clone(),
        simulated: true,
        records_in: data.records,
        rows_out: rows,
        quarantined,
        input_bytes: (mean(data.sizes_kb) * 1024.0 * data.records as f64) as u64,
        wall_s: t_end,
        records_per_s: rate,
        records_per_min: rate * 60.0,
        phases,
        threads: workers.len() + usize::from(writer.is_some()),
        batch_time_sum_s: workers.iter().map(|w| w.batch_time_s).sum(),
        busy_retries: workers.iter().map(|w| w.busy_retries).sum(),
        peak_rss_bytes: 0,
        connections_opened: if one_connection {
            1
        } else {
            cfg.workers as u64
        },
        workers,
        writer,
        // A simulated run stores nothing: this account only keeps the
        // result's shape (counts as the model sees them). runs.csv leaves
        // its `verified` empty, and no report counts it as verified.
        verification: Verification {
            records_in: data.records,
            rows_out: rows,
            quarantined,
            expected_rows: rows,
            expected_quarantined: quarantined,
            unique_app_ids: true,
            checksum_expected: 0,
            checksum_stored: 0,
            errors_checksum_expected: 0,
            errors_checksum_stored: 0,
            passed: true,
            problems: vec![],
        },
        engine_version: format!("{} (simulated)", cfg.backend.engine),
    }
}
