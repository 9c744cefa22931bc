//! The result of one run: the data contract every exporter, report and chart
//! reads, measured or simulated alike. Units are in the field names.

use super::config::RunConfig;
use crate::data::Checksum;

/// Where a worker's time goes. Every worker's phases add up to (about) the
/// run's wall time, so they can be stacked.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PhaseTimes {
    /// Pool start-up, worker start-up, per-batch dispatch and IPC copies,
    /// connection opening, pool shutdown.
    pub overhead_s: f64,
    /// Reading raw records and parsing them (duplicate check included).
    pub parse_s: f64,
    /// Waiting for a lock, a busy database or a full queue.
    pub wait_s: f64,
    /// Writing while holding the right to write (begin to commit).
    pub insert_s: f64,
    /// Finished its share, waiting for the other workers.
    pub idle_s: f64,
}

impl PhaseTimes {
    pub fn add(&mut self, phase: Phase, secs: f64) {
        *self.get_mut(phase) += secs;
    }
    pub fn get_mut(&mut self, phase: Phase) -> &mut f64 {
        match phase {
            Phase::Overhead => &mut self.overhead_s,
            Phase::Parse => &mut self.parse_s,
            Phase::Wait => &mut self.wait_s,
            Phase::Insert => &mut self.insert_s,
            Phase::Idle => &mut self.idle_s,
        }
    }
    pub fn get(&self, phase: Phase) -> f64 {
        match phase {
            Phase::Overhead => self.overhead_s,
            Phase::Parse => self.parse_s,
            Phase::Wait => self.wait_s,
            Phase::Insert => self.insert_s,
            Phase::Idle => self.idle_s,
        }
    }
    pub fn merge(&mut self, o: &PhaseTimes) {
        for p in Phase::ALL {
            self.add(p, o.get(p));
        }
    }
    pub fn total(&self) -> f64 {
        Phase::ALL.iter().map(|p| self.get(*p)).sum()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    Overhead,
    Parse,
    Wait,
    Insert,
    Idle,
}

impl Phase {
    pub const ALL: [Phase; 5] = [
        Phase::Overhead,
        Phase::Parse,
        Phase::Wait,
        Phase::Insert,
        Phase::Idle,
    ];
    pub fn name(self) -> &'static str {
        match self {
            Phase::Overhead => "overhead",
            Phase::Parse => "parse",
            Phase::Wait => "wait",
            Phase::Insert => "insert",
            Phase::Idle => "idle",
        }
    }
}

/// One span of one worker's time, for the timeline chart.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TimelineEvent {
    /// Worker number; the single writer thread is numbered `workers`.
    pub worker: u32,
    /// Batch number, or None for spans that belong to no batch.
    pub batch: Option<u32>,
    pub phase: Phase,
    pub start_s: f64,
    pub end_s: f64,
}

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WorkerStats {
    pub worker: u32,
    pub records: u64,
    pub batches: u64,
    pub phases: PhaseTimes,
    /// Sum of this worker's per-batch times (dispatch to the end of its
    /// write), the quantity the seed's "efficiency" formula adds up.
    pub batch_time_s: f64,
    pub busy_retries: u64,
}

/// The check that nothing was lost: records in = rows out + quarantined,
/// app_ids unique, and the stored content equals the parsed content.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Verification {
    pub records_in: u64,
    pub rows_out: u64,
    pub quarantined: u64,
    pub unique_app_ids: bool,
    pub checksum_expected: u64,
    pub checksum_stored: u64,
    pub passed: bool,
    /// What failed, empty when it passed.
    pub problems: Vec<String>,
}

impl Verification {
    pub fn check(
        records_in: u64,
        expected_rows: u64,
        expected_quarantined: u64,
        expected: Checksum,
        rb: &crate::backend::ReadBack,
    ) -> Self {
        let mut problems = Vec::new();
        if records_in != rb.rows + rb.quarantined {
            problems.push(format!(
                "records in ({records_in}) != rows out ({}) + quarantined ({})",
                rb.rows, rb.quarantined
            ));
        }
        if rb.rows != expected_rows || rb.quarantined != expected_quarantined {
            problems.push(format!(
                "database holds {} rows and {} quarantined, the run accepted {expected_rows} and quarantined {expected_quarantined}",
                rb.rows, rb.quarantined
            ));
        }
        if rb.distinct_app_ids != rb.rows {
            problems.push(format!(
                "{} rows but only {} distinct app_ids",
                rb.rows, rb.distinct_app_ids
            ));
        }
        if rb.checksum != expected {
            problems.push(format!(
                "checksum of stored rows {:016x} != checksum of parsed rows {:016x}",
                rb.checksum.0, expected.0
            ));
        }
        Verification {
            records_in,
            rows_out: rb.rows,
            quarantined: rb.quarantined,
            unique_app_ids: rb.distinct_app_ids == rb.rows,
            checksum_expected: expected.0,
            checksum_stored: rb.checksum.0,
            passed: problems.is_empty(),
            problems,
        }
    }
}

/// Everything measured in one run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunResult {
    pub config: RunConfig,
    /// True when the simulator produced this result in virtual time.
    pub simulated: bool,
    pub records_in: u64,
    pub rows_out: u64,
    pub quarantined: u64,
    pub input_bytes: u64,
    pub wall_s: f64,
    pub records_per_s: f64,
    pub records_per_min: f64,
    /// Phase totals over all workers (not the writer thread).
    pub phases: PhaseTimes,
    /// Sum over all batches of their per-batch time.
    pub batch_time_sum_s: f64,
    pub busy_retries: u64,
    pub peak_rss_bytes: u64,
    pub connections_opened: u64,
    pub workers: Vec<WorkerStats>,
    /// The single-writer thread's own accounting, when there is one.
    pub writer: Option<WorkerStats>,
    pub verification: Verification,
    pub engine_version: String,
}

impl RunResult {
    /// The seed's formula, sum of per-batch times / (wall × workers), under
    /// an honest name: it counts time waiting on locks as work, so it can
    /// claim more than the real efficiency (and even exceed 1).
    pub fn busy_fraction(&self) -> f64 {
        if self.wall_s > 0.0 {
            self.batch_time_sum_s / (self.wall_s * self.config.workers as f64)
        } else {
            0.0
        }
    }
}
