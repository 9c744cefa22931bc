//! What one ingestion run does: engine, workers, batch size, schedule, lock
//! model, index policy and simulated pool overhead; and the one validator
//! that the CLI and scenario files both call, which names every setting by
//! its flag and by its scenario key.

use super::clock::PayMode;
use crate::backend::{self, BackendOptions, Engine};
use crate::choice::choice;

choice! {
    /// How batches are handed to workers.
    #[derive(Default)]
    pub enum Schedule: "schedule" {
        #[default]
        /// Each worker gets a fixed contiguous share of the records, as a
        /// process pool's `map` splits its input (50 records / 4 =
        /// 12,12,13,13).
        Static = "static",
        /// Idle workers take the next batch from a shared queue.
        Dynamic = "dynamic",
    }
}

choice! {
    /// Who arbitrates writes to the database.
    #[derive(Default)]
    pub enum LockModel: "lock model" {
        #[default]
        /// Each worker has its own connection; the engine arbitrates.
        Native = "native",
        /// As native, plus a process-wide mutex held from begin to commit.
        GlobalMutex = "global-mutex",
        /// Workers only parse; one writer thread owns the only connection
        /// and commits batches from a bounded queue.
        SingleWriter = "single-writer",
        /// One connection shared by all workers behind a mutex.
        SharedConnection = "shared-connection",
    }
}

choice! {
    /// A named set of simulated pool costs.
    pub enum Preset: "overhead preset" {
        /// No simulated cost: threads in one process.
        None = "none",
        /// A Python multiprocessing pool (fork), at the midpoints of the
        /// seed note's breakdown.
        PythonMp = "python-mp",
        /// python-mp with the 'spawn' start method.
        PythonMpSpawn = "python-mp-spawn",
        /// Only the measured cost of really copying each batch.
        IpcCopy = "ipc-copy",
    }
}

/// Simulated costs of a process pool, paid for real (by sleeping or
/// spinning) so they show up in wall time exactly as a pool's would.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Overhead {
    /// The preset these costs started from.
    pub preset: Preset,
    /// Creating the pool, paid once by the coordinator before any worker.
    pub pool_startup_s: f64,
    /// Starting one worker, paid by the coordinator one worker after the
    /// other, as a process pool forks its workers.
    pub worker_startup_s: f64,
    /// Handing one batch to a worker: a fixed cost...
    pub dispatch_s: f64,
    /// ...plus this much per KB of the batch's raw XML (pickling).
    pub dispatch_per_kb_s: f64,
    /// Shutting the pool down, after the last worker finishes.
    pub shutdown_s: f64,
    /// How these costs are paid: sleeping (the core is free, as while a
    /// pool's parent waits) or spinning (the core is busy).
    pub pay: PayMode,
    /// Really serialise each raw batch to bytes and back across a channel,
    /// so the copy cost is measured rather than assumed.
    pub ipc_copy: bool,
}

/// Overrides of a preset's costs, in the units users type (ms, µs/KB).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OverheadKnobs {
    /// Replaces [`Overhead::pool_startup_s`], in milliseconds.
    pub pool_startup_ms: Option<f64>,
    /// Replaces [`Overhead::worker_startup_s`], in milliseconds.
    pub worker_startup_ms: Option<f64>,
    /// Replaces [`Overhead::dispatch_s`], in milliseconds.
    pub dispatch_ms: Option<f64>,
    /// Replaces [`Overhead::dispatch_per_kb_s`], in microseconds per KB.
    pub dispatch_us_per_kb: Option<f64>,
    /// Replaces [`Overhead::shutdown_s`], in milliseconds.
    pub shutdown_ms: Option<f64>,
    /// Replaces [`Overhead::pay`].
    pub pay: Option<PayMode>,
    /// Adds the measured IPC copy to any preset.
    #[serde(default)]
    pub ipc_copy: bool,
}

impl Preset {
    /// Where the preset's numbers come from.
    pub fn source(self) -> &'static str {
        match self {
            Preset::None => "no simulated cost: threads in one process",
            Preset::PythonMp => {
                "midpoints of the seed document's breakdown for a Python multiprocessing pool (fork): pool creation 100-200 ms, worker initialisation 50-100 ms each, IPC 10-20 ms per batch, shutdown 100-200 ms; pickling at ~200 MB/s"
            }
            Preset::PythonMpSpawn => {
                "python-mp with the 'spawn' start method (the default on macOS and Windows): each worker starts a fresh interpreter and re-imports the program, ~0.3 s per worker instead of a fork"
            }
            Preset::IpcCopy => {
                "no assumed cost: each batch really serialised to bytes and back across a channel, so only the measured copy is paid"
            }
        }
    }

    /// The preset's own costs.
    fn base(self) -> Overhead {
        let zero = Overhead {
            preset: self,
            pool_startup_s: 0.0,
            worker_startup_s: 0.0,
            dispatch_s: 0.0,
            dispatch_per_kb_s: 0.0,
            shutdown_s: 0.0,
            pay: PayMode::Sleep,
            ipc_copy: false,
        };
        let mp = Overhead {
            pool_startup_s: 0.150,
            worker_startup_s: 0.075,
            dispatch_s: 0.015,
            dispatch_per_kb_s: 5e-6,
            shutdown_s: 0.150,
            ..zero.clone()
        };
        match self {
            Preset::None => zero,
            Preset::PythonMp => mp,
            Preset::PythonMpSpawn => Overhead {
                worker_startup_s: 0.300,
                ..mp
            },
            Preset::IpcCopy => Overhead {
                ipc_copy: true,
                ..zero
            },
        }
    }

    /// The preset's costs with `knobs` applied: the one place where the
    /// units users type become seconds.
    pub fn resolve(self, knobs: &OverheadKnobs) -> Overhead {
        let mut o = self.base();
        let set = |v: Option<f64>, per_s: f64, f: &mut f64| {
            if let Some(v) = v {
                *f = v / per_s;
            }
        };
        set(knobs.pool_startup_ms, 1e3, &mut o.pool_startup_s);
        set(knobs.worker_startup_ms, 1e3, &mut o.worker_startup_s);
        set(knobs.dispatch_ms, 1e3, &mut o.dispatch_s);
        set(knobs.dispatch_us_per_kb, 1e6, &mut o.dispatch_per_kb_s);
        set(knobs.shutdown_ms, 1e3, &mut o.shutdown_s);
        if let Some(p) = knobs.pay {
            o.pay = p;
        }
        o.ipc_copy |= knobs.ipc_copy;
        o
    }
}

impl Overhead {
    /// No simulated cost at all (the `none` preset).
    pub fn none() -> Self {
        Preset::None.base()
    }

    /// True when no cost is simulated at all.
    pub fn is_none(&self) -> bool {
        let z = Preset::None.base();
        (
            self.pool_startup_s,
            self.worker_startup_s,
            self.dispatch_s,
            self.dispatch_per_kb_s,
            self.shutdown_s,
            self.ipc_copy,
        ) == (0.0, 0.0, 0.0, 0.0, 0.0, z.ipc_copy)
    }

    /// Fixed cost a pool pays before and after the work, whatever the data.
    pub fn fixed_s(&self, workers: usize) -> f64 {
        self.pool_startup_s + self.worker_startup_s * workers as f64 + self.shutdown_s
    }
}

/// The largest simulated cost (pool, dispatch, per-record work) a run
/// accepts, seconds: a day. A hard limit: beyond it a run cannot finish,
/// and 1e308 once overflowed a `Duration`.
pub const MAX_COST_S: f64 = 86_400.0;

/// Everything one run needs besides its input and database path.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunConfig {
    /// The engine and its settings.
    pub backend: BackendOptions,
    /// Worker threads (1: the sequential baseline, no pool).
    pub workers: usize,
    /// Records per batch (and per transaction).
    pub batch_size: usize,
    /// How batches are handed to workers.
    pub schedule: Schedule,
    /// How workers share the right to write.
    pub lock: LockModel,
    /// Capacity of the single writer's queue, in batches.
    pub queue_depth: usize,
    /// The simulated pool/IPC costs.
    pub overhead: Overhead,
    /// Record one timeline event per (worker, batch, phase).
    pub timeline: bool,
    /// Extra processing per record, paid by spinning a core while parsing:
    /// the application work (Python-level transformation, validation,
    /// enrichment) a real pipeline does besides parsing. 0 for a bare ingest.
    #[serde(default)]
    pub record_work_s: f64,
}

impl Default for RunConfig {
    fn default() -> Self {
        RunConfig {
            backend: BackendOptions::default(),
            workers: 1,
            batch_size: 1000,
            schedule: Schedule::Static,
            lock: LockModel::Native,
            queue_depth: 4,
            overhead: Overhead::none(),
            timeline: false,
            record_work_s: 0.0,
        }
    }
}

/// A setting a user can get wrong, named as the CLI and scenarios name it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    /// `workers`.
    Workers,
    /// `batch_size`.
    BatchSize,
    /// `queue_depth`.
    QueueDepth,
    /// `record_work_ms`.
    RecordWork,
    /// `pool_startup_ms`.
    PoolStartup,
    /// `worker_startup_ms`.
    WorkerStartup,
    /// `dispatch_ms`.
    Dispatch,
    /// `dispatch_us_per_kb`.
    DispatchPerKb,
    /// `shutdown_ms`.
    Shutdown,
    /// A backend setting, by its dotted name (`sqlite.page_size`).
    Backend(&'static str),
}

impl Setting {
    /// The command-line flag.
    pub fn flag(self) -> String {
        match self {
            Setting::Workers => "--workers".into(),
            Setting::BatchSize => "--batch-size".into(),
            Setting::QueueDepth => "--queue-depth".into(),
            Setting::RecordWork => "--record-work-ms".into(),
            Setting::PoolStartup => "--pool-startup-ms".into(),
            Setting::WorkerStartup => "--worker-startup-ms".into(),
            Setting::Dispatch => "--dispatch-ms".into(),
            Setting::DispatchPerKb => "--dispatch-us-per-kb".into(),
            Setting::Shutdown => "--shutdown-ms".into(),
            // A key missing from the table names itself rather than a flag
            // that may not exist (a test keeps the table complete).
            Setting::Backend(name) => backend::setting_flag(name).unwrap_or(name).into(),
        }
    }

    /// The scenario key.
    pub fn key(self) -> String {
        match self {
            Setting::Workers => "sweep.workers".into(),
            Setting::BatchSize => "sweep.batch_sizes".into(),
            Setting::QueueDepth => "sweep.queue_depth".into(),
            Setting::RecordWork => "sweep.record_work_ms".into(),
            Setting::PoolStartup => "sweep.pool_startup_ms".into(),
            Setting::WorkerStartup => "sweep.worker_startup_ms".into(),
            Setting::Dispatch => "sweep.dispatch_ms".into(),
            Setting::DispatchPerKb => "sweep.dispatch_us_per_kb".into(),
            Setting::Shutdown => "sweep.shutdown_ms".into(),
            Setting::Backend("sqlite.pragma") => "sqlite.pragmas".into(),
            Setting::Backend(name) => name.into(),
        }
    }
}

/// One thing wrong with a configuration.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// The setting at fault.
    pub setting: Setting,
    /// What is wrong with its value, and what would be accepted.
    pub message: String,
}

impl RunConfig {
    /// Everything no run can use, each naming its setting.
    pub fn problems(&self) -> Vec<Problem> {
        let mut p = Vec::new();
        let mut bad = |setting: Setting, message: String| p.push(Problem { setting, message });
        if self.workers == 0 {
            bad(Setting::Workers, "must be at least 1".into());
        }
        if self.batch_size == 0 {
            bad(Setting::BatchSize, "must be at least 1".into());
        }
        if self.queue_depth == 0 {
            bad(Setting::QueueDepth, "must be at least 1".into());
        }
        let o = &self.overhead;
        for (setting, v, per_s) in [
            (Setting::RecordWork, self.record_work_s, 1e3),
            (Setting::PoolStartup, o.pool_startup_s, 1e3),
            (Setting::WorkerStartup, o.worker_startup_s, 1e3),
            (Setting::Dispatch, o.dispatch_s, 1e3),
            (Setting::DispatchPerKb, o.dispatch_per_kb_s, 1e6),
            (Setting::Shutdown, o.shutdown_s, 1e3),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                bad(
                    setting,
                    format!("must be a non-negative number, got {}", v * per_s),
                );
            } else if v > MAX_COST_S {
                bad(
                    setting,
                    format!(
                        "{} is more than a day ({}); a simulated cost that long is no experiment",
                        v * per_s,
                        MAX_COST_S * per_s
                    ),
                );
            }
        }
        for (name, message) in backend::validate(&self.backend) {
            bad(Setting::Backend(name), message);
        }
        if let Some(m) = self.exclusive_lock_problem() {
            bad(Setting::Backend("sqlite.pragma"), m);
        }
        p
    }

    /// SQLite's `locking_mode=EXCLUSIVE` keeps the first writer's lock until
    /// its connection closes: every other connection would wait forever.
    fn exclusive_lock_problem(&self) -> Option<String> {
        let exclusive = self.backend.engine == Engine::Sqlite
            && self.backend.sqlite.pragmas.iter().any(|(k, v)| {
                k.trim().eq_ignore_ascii_case("locking_mode")
                    && v.trim().eq_ignore_ascii_case("exclusive")
            });
        let writers_share =
            self.workers > 1 && matches!(self.lock, LockModel::Native | LockModel::GlobalMutex);
        (exclusive && writers_share).then(|| {
            format!(
                "locking_mode=EXCLUSIVE keeps the first connection's write lock until it closes, so the other {} workers' connections would wait forever; use --lock single-writer or shared-connection (one connection), or --workers 1",
                self.workers - 1
            )
        })
    }

    /// The first problem as a one-line message naming the flag.
    pub fn validate(&self) -> anyhow::Result<()> {
        match self.problems().first() {
            Some(p) => crate::refused::refuse!("{} {}", p.setting.flag(), p.message),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_resolve_and_unknown_names_list_the_choices() {
        for p in Preset::ALL {
            assert_eq!(p.resolve(&OverheadKnobs::default()).preset, p);
        }
        assert!(Preset::None.resolve(&Default::default()).is_none());
        assert!(!Preset::PythonMp.resolve(&Default::default()).is_none());
        let e = "java".parse::<Preset>().unwrap_err();
        assert!(e.contains("python-mp") && e.contains("none"), "{e}");
    }

    #[test]
    fn python_mp_uses_the_seed_midpoints() {
        let o = Preset::PythonMp.resolve(&Default::default());
        assert_eq!(
            (
                o.pool_startup_s,
                o.worker_startup_s,
                o.dispatch_s,
                o.shutdown_s
            ),
            (0.150, 0.075, 0.015, 0.150)
        );
        assert!((o.fixed_s(4) - 0.6).abs() < 1e-12);
        assert_eq!(
            Preset::PythonMpSpawn
                .resolve(&Default::default())
                .worker_startup_s,
            0.3
        );
    }

    #[test]
    fn knobs_override_in_the_units_users_type() {
        let o = Preset::PythonMp.resolve(&OverheadKnobs {
            dispatch_ms: Some(1.0),
            dispatch_us_per_kb: Some(2.0),
            pay: Some(PayMode::Spin),
            ..Default::default()
        });
        assert_eq!(
            (o.dispatch_s, o.dispatch_per_kb_s, o.pay),
            (0.001, 2e-6, PayMode::Spin)
        );
        assert_eq!(o.pool_startup_s, 0.150);
    }

    #[test]
    fn validation_names_the_flag_and_the_key() {
        let bad = RunConfig {
            workers: 0,
            batch_size: 0,
            ..Default::default()
        };
        let p = bad.problems();
        assert_eq!(p[0].setting, Setting::Workers);
        assert_eq!(
            (p[0].setting.flag(), p[0].setting.key()),
            ("--workers".into(), "sweep.workers".into())
        );
        assert_eq!(p[1].setting.key(), "sweep.batch_sizes");
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .starts_with("--workers must be at least 1")
        );
        assert_eq!(Setting::Backend("sqlite.page_size").flag(), "--page-size");
        assert_eq!(
            Setting::Backend("duckdb.memory_limit_mb").flag(),
            "--duckdb-memory-limit-mb"
        );
    }

    #[test]
    fn an_exclusive_lock_with_several_connections_is_refused() {
        let mut c = RunConfig {
            workers: 2,
            ..Default::default()
        };
        c.backend.sqlite.pragmas = [("locking_mode".to_string(), "EXCLUSIVE".to_string())].into();
        assert!(
            c.problems()
                .iter()
                .any(|p| p.message.contains("wait forever"))
        );
        c.lock = LockModel::SingleWriter;
        assert!(c.problems().is_empty(), "{:?}", c.problems());
        c.lock = LockModel::Native;
        c.workers = 1;
        assert!(c.problems().is_empty());
    }
}
