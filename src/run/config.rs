//! What one ingestion run does: engine, workers, batch size, schedule, lock
//! model and simulated pool overhead. Built by the CLI or by a scenario.

use super::clock::PayMode;
use crate::backend::BackendOptions;
use anyhow::{Result, bail};

/// How batches are handed to workers.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Default,
    serde::Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Schedule {
    /// Each worker gets a fixed contiguous share of the records, as a
    /// process pool's `map` splits its input (50 records / 4 = 12,12,13,13).
    #[default]
    Static,
    /// Idle workers take the next batch from a shared queue.
    Dynamic,
}

/// Who arbitrates writes to the database.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Default,
    serde::Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "kebab-case")]
pub enum LockModel {
    /// Each worker has its own connection; the engine arbitrates.
    #[default]
    Native,
    /// As native, plus a process-wide mutex held from begin to commit.
    GlobalMutex,
    /// Workers only parse; one writer thread owns the only connection and
    /// commits batches from a bounded queue.
    SingleWriter,
    /// One connection shared by all workers behind a mutex.
    SharedConnection,
}

impl LockModel {
    pub const ALL: [LockModel; 4] = [
        LockModel::Native,
        LockModel::GlobalMutex,
        LockModel::SingleWriter,
        LockModel::SharedConnection,
    ];
    pub fn name(self) -> &'static str {
        match self {
            LockModel::Native => "native",
            LockModel::GlobalMutex => "global-mutex",
            LockModel::SingleWriter => "single-writer",
            LockModel::SharedConnection => "shared-connection",
        }
    }
}

impl Schedule {
    pub fn name(self) -> &'static str {
        match self {
            Schedule::Static => "static",
            Schedule::Dynamic => "dynamic",
        }
    }
}

/// Simulated costs of a process pool, paid for real (by sleeping or
/// spinning) so they show up in wall time exactly as a pool's would.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Overhead {
    /// The preset these knobs started from (`none`, `python-mp`, ...).
    pub preset: String,
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
    pub pay: PayMode,
    /// Really serialise each raw batch to bytes and back across a channel,
    /// so the copy cost is measured rather than assumed.
    pub ipc_copy: bool,
}

/// A named overhead preset and where its numbers come from.
pub struct Preset {
    pub name: &'static str,
    pub source: &'static str,
    pub overhead: fn() -> Overhead,
}

pub const PRESETS: &[Preset] = &[
    Preset {
        name: "none",
        source: "no simulated cost: threads in one process",
        overhead: || Overhead::zero("none"),
    },
    Preset {
        name: "python-mp",
        source: "midpoints of the seed document's breakdown for a Python multiprocessing pool (fork): pool creation 100-200 ms, worker initialisation 50-100 ms each, IPC 10-20 ms per batch, shutdown 100-200 ms; pickling at ~200 MB/s",
        overhead: || Overhead {
            preset: "python-mp".into(),
            pool_startup_s: 0.150,
            worker_startup_s: 0.075,
            dispatch_s: 0.015,
            dispatch_per_kb_s: 5e-6,
            shutdown_s: 0.150,
            pay: PayMode::Sleep,
            ipc_copy: false,
        },
    },
    Preset {
        name: "python-mp-spawn",
        source: "python-mp with the 'spawn' start method (the default on macOS and Windows): each worker starts a fresh interpreter and re-imports the program, ~0.3 s per worker instead of a fork",
        overhead: || Overhead {
            preset: "python-mp-spawn".into(),
            worker_startup_s: 0.300,
            ..(PRESETS[1].overhead)()
        },
    },
    Preset {
        name: "ipc-copy",
        source: "no assumed cost: each batch really serialised to bytes and back across a channel, so only the measured copy is paid",
        overhead: || Overhead {
            preset: "ipc-copy".into(),
            ipc_copy: true,
            ..Overhead::zero("ipc-copy")
        },
    },
];

impl Overhead {
    pub fn zero(name: &str) -> Self {
        Overhead {
            preset: name.into(),
            pool_startup_s: 0.0,
            worker_startup_s: 0.0,
            dispatch_s: 0.0,
            dispatch_per_kb_s: 0.0,
            shutdown_s: 0.0,
            pay: PayMode::Sleep,
            ipc_copy: false,
        }
    }

    /// The preset called `name`, or an error listing the valid names.
    pub fn preset(name: &str) -> Result<Self> {
        match PRESETS.iter().find(|p| p.name == name) {
            Some(p) => Ok((p.overhead)()),
            None => bail!(
                "unknown overhead preset '{name}' (valid: {})",
                preset_names().join(", ")
            ),
        }
    }

    /// True when no cost is simulated at all.
    pub fn is_none(&self) -> bool {
        *self
            == Overhead {
                preset: self.preset.clone(),
                pay: self.pay,
                ..Overhead::zero("")
            }
    }

    /// Fixed cost a pool pays before and after the work, whatever the data.
    pub fn fixed_s(&self, workers: usize) -> f64 {
        self.pool_startup_s + self.worker_startup_s * workers as f64 + self.shutdown_s
    }
}

pub fn preset_names() -> Vec<&'static str> {
    PRESETS.iter().map(|p| p.name).collect()
}

/// Everything one run needs besides its input and database path.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct RunConfig {
    pub backend: BackendOptions,
    pub workers: usize,
    pub batch_size: usize,
    pub schedule: Schedule,
    pub lock: LockModel,
    /// Capacity of the single writer's queue, in batches.
    pub queue_depth: usize,
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
            overhead: Overhead::zero("none"),
            timeline: false,
            record_work_s: 0.0,
        }
    }
}

impl RunConfig {
    /// Rejects settings no run can use, naming the flag.
    pub fn validate(&self) -> Result<()> {
        if self.workers == 0 {
            bail!("--workers must be at least 1");
        }
        if self.batch_size == 0 {
            bail!("--batch-size must be at least 1");
        }
        if self.queue_depth == 0 {
            bail!("--queue-depth must be at least 1");
        }
        if !(self.record_work_s.is_finite() && self.record_work_s >= 0.0) {
            bail!("--record-work-ms must be a non-negative number");
        }
        let o = &self.overhead;
        for (name, v) in [
            ("pool-startup", o.pool_startup_s),
            ("worker-startup", o.worker_startup_s),
            ("dispatch", o.dispatch_s),
            ("dispatch-per-kb", o.dispatch_per_kb_s),
            ("shutdown", o.shutdown_s),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                bail!("overhead {name} must be a non-negative number of seconds, got {v}");
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_resolve_and_unknown_names_list_the_choices() {
        for name in preset_names() {
            assert_eq!(Overhead::preset(name).unwrap().preset, name);
        }
        assert!(Overhead::preset("none").unwrap().is_none());
        assert!(!Overhead::preset("python-mp").unwrap().is_none());
        let e = Overhead::preset("java").unwrap_err().to_string();
        assert!(e.contains("python-mp") && e.contains("none"), "{e}");
    }

    #[test]
    fn python_mp_uses_the_seed_midpoints() {
        let o = Overhead::preset("python-mp").unwrap();
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
    }

    #[test]
    fn validation_names_the_flag() {
        let bad = RunConfig {
            workers: 0,
            ..Default::default()
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("--workers")
        );
        let bad = RunConfig {
            batch_size: 0,
            ..Default::default()
        };
        assert!(
            bad.validate()
                .unwrap_err()
                .to_string()
                .contains("--batch-size")
        );
    }
}
