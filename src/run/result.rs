//! The result of one run: the data contract every exporter, report and chart
//! reads, measured or simulated alike. Units are in the field names.

use super::config::RunConfig;
use super::input::Expected;
use crate::backend::ReadBack;
use crate::choice::choice;

choice! {
    /// Where a thread's time goes.
    pub enum Phase: "phase" {
        /// Pool start-up, worker start-up, per-batch dispatch and IPC
        /// copies, connection opening, pool shutdown.
        Overhead = "overhead",
        /// Reading raw records and parsing them (duplicate checks included).
        Parse = "parse",
        /// The application's own per-record work (`record_work_ms`), paid
        /// after each batch is parsed: booked apart from parsing, so a
        /// breakdown shows what the engines and the lab cost without it.
        Work = "work",
        /// Waiting for a lock, a busy database or a full queue.
        Wait = "wait",
        /// Writing while holding the right to write (begin to commit).
        Insert = "insert",
        /// Building the unique index after the load (index policy
        /// after-load).
        Index = "index",
        /// Nothing to do: waiting for work or for the other threads.
        Idle = "idle",
    }
}

/// Seconds per phase. Every thread's phases add up to the run's wall time,
/// so they can be stacked.
#[derive(Debug, Clone, Copy, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PhaseTimes {
    /// Seconds in [`Phase::Overhead`].
    pub overhead_s: f64,
    /// Seconds in [`Phase::Parse`].
    pub parse_s: f64,
    /// Seconds in [`Phase::Work`] (absent in results written before it,
    /// which booked that work as parse).
    #[serde(default)]
    pub work_s: f64,
    /// Seconds in [`Phase::Wait`].
    pub wait_s: f64,
    /// Seconds in [`Phase::Insert`].
    pub insert_s: f64,
    /// Seconds in [`Phase::Index`] (absent in results written before it).
    #[serde(default)]
    pub index_s: f64,
    /// Seconds in [`Phase::Idle`].
    pub idle_s: f64,
}

impl PhaseTimes {
    /// Adds `secs` to `phase`.
    pub fn add(&mut self, phase: Phase, secs: f64) {
        *self.get_mut(phase) += secs;
    }
    /// The seconds of `phase`, to change.
    pub fn get_mut(&mut self, phase: Phase) -> &mut f64 {
        match phase {
            Phase::Overhead => &mut self.overhead_s,
            Phase::Parse => &mut self.parse_s,
            Phase::Work => &mut self.work_s,
            Phase::Wait => &mut self.wait_s,
            Phase::Insert => &mut self.insert_s,
            Phase::Index => &mut self.index_s,
            Phase::Idle => &mut self.idle_s,
        }
    }
    /// The seconds of `phase`.
    pub fn get(&self, phase: Phase) -> f64 {
        match phase {
            Phase::Overhead => self.overhead_s,
            Phase::Parse => self.parse_s,
            Phase::Work => self.work_s,
            Phase::Wait => self.wait_s,
            Phase::Insert => self.insert_s,
            Phase::Index => self.index_s,
            Phase::Idle => self.idle_s,
        }
    }
    /// Adds every phase of `o`.
    pub fn merge(&mut self, o: &PhaseTimes) {
        for p in Phase::ALL {
            self.add(p, o.get(p));
        }
    }
    /// The seconds of all phases together.
    pub fn total(&self) -> f64 {
        Phase::ALL.iter().map(|p| self.get(*p)).sum()
    }
}

/// One span of one thread's time, for the timeline chart.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct TimelineEvent {
    /// Worker number; the single writer thread is numbered `workers`.
    pub worker: u32,
    /// Batch number, or None for spans that belong to no batch.
    pub batch: Option<u32>,
    /// What the thread was doing.
    pub phase: Phase,
    /// Start, in seconds from the run's start.
    pub start_s: f64,
    /// End, in seconds from the run's start.
    pub end_s: f64,
}

/// One thread's account of a run.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WorkerStats {
    /// Worker number; the single writer thread is numbered `workers`.
    pub worker: u32,
    /// Records this thread read and parsed (for the writer: wrote).
    pub records: u64,
    /// Batches it processed.
    pub batches: u64,
    /// Where its time went; the phases add up to the run's wall time.
    pub phases: PhaseTimes,
    /// Sum of this worker's per-batch times (dispatch to the end of its
    /// write), the quantity the seed's "efficiency" formula adds up.
    pub batch_time_s: f64,
    /// Times SQLite answered "busy" and the thread retried.
    pub busy_retries: u64,
}

/// The check that the database holds exactly what the input says it
/// should: its rows and quarantined records, read back, against an account
/// made independently of the run (a sequential pass over the input that
/// applies the duplicate rule itself; see [`Expected`]).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Verification {
    /// Records in the input.
    pub records_in: u64,
    /// Rows the database holds in `app_base`, read back.
    pub rows_out: u64,
    /// Records the database holds in `app_errors`, read back.
    pub quarantined: u64,
    /// Rows the independent account expects.
    pub expected_rows: u64,
    /// Quarantined records the independent account expects.
    pub expected_quarantined: u64,
    /// True when no app_id is stored twice.
    pub unique_app_ids: bool,
    /// Content checksum of the rows the account expects.
    pub checksum_expected: u64,
    /// Content checksum of the rows read back.
    pub checksum_stored: u64,
    /// Checksum of the quarantined records (position, app_id, reason) the
    /// account expects.
    pub errors_checksum_expected: u64,
    /// The same checksum over the quarantined records read back.
    pub errors_checksum_stored: u64,
    /// True when every check held.
    pub passed: bool,
    /// What failed, empty when it passed.
    pub problems: Vec<String>,
}

/// What the run itself reported (rows it wrote, records it quarantined).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Claims {
    /// Rows the threads say they wrote.
    pub rows: u64,
    /// Records the threads say they quarantined.
    pub quarantined: u64,
}

impl Verification {
    /// Checks what the database holds (`rb`) against the independent
    /// account (`expected`) and what the threads claimed; every mismatch
    /// becomes a problem, named.
    pub fn check(records_in: u64, claims: Claims, expected: &Expected, rb: &ReadBack) -> Self {
        let mut problems = Vec::new();
        if records_in != rb.rows + rb.quarantined {
            problems.push(format!(
                "records in ({records_in}) != rows out ({}) + quarantined ({})",
                rb.rows, rb.quarantined
            ));
        }
        if (rb.rows, rb.quarantined) != (expected.rows, expected.quarantined) {
            problems.push(format!(
                "the database holds {} rows and {} quarantined records; the independent account of the input expects {} and {}",
                rb.rows, rb.quarantined, expected.rows, expected.quarantined
            ));
        }
        if (claims.rows, claims.quarantined) != (rb.rows, rb.quarantined) {
            problems.push(format!(
                "the workers reported {} rows and {} quarantined records, the database holds {} and {}",
                claims.rows, claims.quarantined, rb.rows, rb.quarantined
            ));
        }
        if rb.distinct_app_ids != rb.rows {
            problems.push(format!(
                "{} rows but only {} distinct app_ids",
                rb.rows, rb.distinct_app_ids
            ));
        }
        if rb.checksum != expected.checksum {
            problems.push(format!(
                "the stored rows differ from the independent account (checksum {:016x}, expected {:016x}): a row is missing, altered or not the first of its app_id in file order",
                rb.checksum.0, expected.checksum.0
            ));
        }
        if rb.errors_checksum != expected.errors_checksum {
            problems.push(format!(
                "the quarantined records differ from the independent account (checksum {:016x}, expected {:016x}): positions, app_ids or reasons",
                rb.errors_checksum.0, expected.errors_checksum.0
            ));
        }
        Verification {
            records_in,
            rows_out: rb.rows,
            quarantined: rb.quarantined,
            expected_rows: expected.rows,
            expected_quarantined: expected.quarantined,
            unique_app_ids: rb.distinct_app_ids == rb.rows,
            checksum_expected: expected.checksum.0,
            checksum_stored: rb.checksum.0,
            errors_checksum_expected: expected.errors_checksum.0,
            errors_checksum_stored: rb.errors_checksum.0,
            passed: problems.is_empty(),
            problems,
        }
    }
}

/// Everything measured in one run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunResult {
    /// The configuration that was run.
    pub config: RunConfig,
    /// True when the simulator produced this result in virtual time.
    pub simulated: bool,
    /// Records in the input.
    pub records_in: u64,
    /// Rows stored in `app_base` (read back, not claimed).
    pub rows_out: u64,
    /// Records stored in `app_errors` (read back).
    pub quarantined: u64,
    /// Bytes of the input's records.
    pub input_bytes: u64,
    /// Wall-clock seconds from the run's start to its last thread's end
    /// (verification excluded).
    pub wall_s: f64,
    /// Records in per wall-clock second.
    pub records_per_s: f64,
    /// The same, per minute (the thesis's unit).
    pub records_per_min: f64,
    /// Phase totals over all workers (not the writer thread).
    pub phases: PhaseTimes,
    /// Threads whose accounts make up the run: the workers and, with the
    /// single-writer model, the writer. Their phases add up to wall × this.
    #[serde(default)]
    pub threads: usize,
    /// Sum over all batches of their per-batch time.
    pub batch_time_sum_s: f64,
    /// Busy retries over all threads.
    pub busy_retries: u64,
    /// The process's peak resident memory during the run.
    pub peak_rss_bytes: u64,
    /// Database connections the run opened.
    pub connections_opened: u64,
    /// Each worker's own account, by worker number.
    pub workers: Vec<WorkerStats>,
    /// The single-writer thread's own accounting, when there is one.
    pub writer: Option<WorkerStats>,
    /// The check against the independent account.
    pub verification: Verification,
    /// The engine and its version ("sqlite 3.54.1"; "(simulated)" for
    /// the simulator).
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

    /// Every thread's phases added: workers and the writer.
    pub fn all_threads(&self) -> PhaseTimes {
        let mut p = self.phases;
        if let Some(w) = &self.writer {
            p.merge(&w.phases);
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::Checksum;

    fn expected() -> Expected {
        Expected {
            rows: 8,
            quarantined: 2,
            checksum: Checksum(11),
            errors_checksum: Checksum(22),
        }
    }

    fn readback() -> ReadBack {
        ReadBack {
            rows: 8,
            distinct_app_ids: 8,
            quarantined: 2,
            checksum: Checksum(11),
            errors_checksum: Checksum(22),
        }
    }

    const CLAIMS: Claims = Claims {
        rows: 8,
        quarantined: 2,
    };

    #[test]
    fn passes_only_when_the_database_matches_the_independent_account() {
        assert!(Verification::check(10, CLAIMS, &expected(), &readback()).passed);
        let mut altered = readback();
        altered.checksum = Checksum(12);
        let v = Verification::check(10, CLAIMS, &expected(), &altered);
        assert!(
            !v.passed && v.problems[0].contains("differ from the independent account"),
            "{:?}",
            v.problems
        );
        let mut errs = readback();
        errs.errors_checksum = Checksum(0);
        assert!(!Verification::check(10, CLAIMS, &expected(), &errs).passed);
        let mut dup = readback();
        dup.distinct_app_ids = 7;
        assert!(
            Verification::check(10, CLAIMS, &expected(), &dup).problems[0].contains("distinct")
        );
        // The workers' claims cannot vouch for the database: a run that
        // claims what the database holds still fails against the account.
        let mut short = readback();
        short.rows = 7;
        let claims = Claims {
            rows: 7,
            quarantined: 2,
        };
        let v = Verification::check(9, claims, &expected(), &short);
        assert!(
            !v.passed && v.problems.iter().any(|p| p.contains("expects 8")),
            "{:?}",
            v.problems
        );
    }
}
