//! The facets of a configuration: the one key that tables and charts group
//! by, compare and label. A sequential run has no lock model, schedule or
//! pool (`None`), since it uses none of them.

use crate::backend::{Engine, IndexPolicy, InsertMethod};
use crate::run::{LockModel, Preset, Schedule};

/// What distinguishes one configuration from another (see the module doc).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Facets {
    /// The engine.
    pub engine: Engine,
    /// The insert method.
    pub method: InsertMethod,
    /// The index policy.
    #[serde(default = "upfront")]
    pub index: IndexPolicy,
    /// The lock model (None for the sequential baseline, which has none).
    pub lock: Option<LockModel>,
    /// The schedule (None for the baseline).
    pub schedule: Option<Schedule>,
    /// The overhead preset (None for the baseline, which has no pool).
    pub overhead: Option<Preset>,
    /// Workers.
    pub workers: usize,
    /// Records per batch.
    pub batch_size: usize,
    /// Records of the data.
    pub records: u64,
    /// Per-record application work, nanoseconds (an integer so facets
    /// stay comparable and hashable).
    #[serde(default)]
    pub record_work_ns: u64,
}

fn upfront() -> IndexPolicy {
    IndexPolicy::Upfront
}

/// One dimension of [`Facets`], in label order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)] // each names the facet of the same name
pub enum Dim {
    Engine,
    Method,
    Index,
    Lock,
    Schedule,
    Overhead,
    Batch,
    Records,
    Work,
    Workers,
}

impl Dim {
    /// The dimension's name in a sentence ("one panel per lock model").
    pub fn name(self) -> &'static str {
        match self {
            Dim::Engine => "engine",
            Dim::Method => "insert method",
            Dim::Index => "index policy",
            Dim::Lock => "lock model",
            Dim::Schedule => "schedule",
            Dim::Overhead => "pool overhead",
            Dim::Batch => "batch size",
            Dim::Records => "record count",
            Dim::Work => "per-record work",
            Dim::Workers => "worker count",
        }
    }

    /// Every dimension, in label order.
    pub const ALL: [Dim; 10] = [
        Dim::Engine,
        Dim::Method,
        Dim::Index,
        Dim::Lock,
        Dim::Schedule,
        Dim::Overhead,
        Dim::Batch,
        Dim::Records,
        Dim::Work,
        Dim::Workers,
    ];
}

impl Facets {
    /// The label piece of one dimension; None where it does not apply (a
    /// sequential run's lock model, say).
    pub fn piece(&self, d: Dim) -> Option<String> {
        match d {
            Dim::Engine => Some(self.engine.to_string()),
            Dim::Method => Some(self.method.to_string()),
            Dim::Index => Some(format!("index {}", self.index)),
            Dim::Lock => self.lock.map(|l| l.to_string()),
            Dim::Schedule => self.schedule.map(|s| s.to_string()),
            Dim::Overhead => self.overhead.map(|o| o.to_string()),
            Dim::Batch => Some(format!("b{}", self.batch_size)),
            Dim::Records => Some(format!("{} rec", self.records)),
            Dim::Work => Some(format!("work {} ms", self.record_work_ns as f64 / 1e6)),
            Dim::Workers => match self.workers {
                0 => None,
                1 => Some("sequential".into()),
                w => Some(format!("×{w}")),
            },
        }
    }

    /// The same facets with `d` set aside, to group the points of a series
    /// that runs along `d`.
    pub fn without(&self, d: Dim) -> Facets {
        let mut f = *self;
        match d {
            Dim::Workers => f.workers = 0,
            Dim::Batch => f.batch_size = 0,
            Dim::Records => f.records = 0,
            Dim::Work => f.record_work_ns = 0,
            Dim::Lock => f.lock = None,
            Dim::Schedule => f.schedule = None,
            Dim::Overhead => f.overhead = None,
            Dim::Index => f.index = IndexPolicy::Upfront,
            Dim::Engine | Dim::Method => {}
        }
        f
    }

    /// True for the sequential baseline.
    pub fn sequential(&self) -> bool {
        self.workers == 1
    }
}

/// The full label: engine, method, (index when after-load), then lock,
/// schedule, batch and pool for a pooled run, or batch and "sequential".
impl std::fmt::Display for Facets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.engine, self.method)?;
        if self.index == IndexPolicy::AfterLoad {
            write!(f, " index after-load")?;
        }
        if self.record_work_ns > 0 {
            write!(f, " {}", self.piece(Dim::Work).unwrap_or_default())?;
        }
        if self.sequential() {
            return write!(f, " b{} sequential", self.batch_size);
        }
        for d in [
            Dim::Lock,
            Dim::Schedule,
            Dim::Batch,
            Dim::Overhead,
            Dim::Workers,
        ] {
            if let Some(p) = self.piece(d) {
                write!(f, " {p}")?;
            }
        }
        Ok(())
    }
}

/// Labels for lines of one chart: the dimensions that differ between them
/// (a dimension that does not apply to a member matches anything), or the
/// engine and lock model when nothing differs.
pub fn labels(members: &[Facets], skip: &[Dim]) -> Vec<String> {
    let varying: Vec<Dim> = Dim::ALL
        .iter()
        .copied()
        .filter(|d| !skip.contains(d))
        .filter(|&d| {
            let mut vals = members.iter().filter_map(|f| f.piece(d));
            let first = vals.next();
            vals.any(|v| Some(v) != first)
        })
        .collect();
    let varying = if varying.is_empty() {
        vec![Dim::Engine, Dim::Lock]
    } else {
        varying
    };
    members
        .iter()
        .map(|f| {
            varying
                .iter()
                .filter_map(|&d| f.piece(d))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(workers: usize, lock: LockModel, batch: usize) -> Facets {
        Facets {
            engine: Engine::Sqlite,
            method: InsertMethod::Bulk,
            index: IndexPolicy::Upfront,
            lock: (workers > 1).then_some(lock),
            schedule: (workers > 1).then_some(Schedule::Static),
            overhead: (workers > 1).then_some(Preset::None),
            workers,
            batch_size: batch,
            records: 1000,
            record_work_ns: 0,
        }
    }

    #[test]
    fn labels_name_what_differs() {
        assert_eq!(
            f(2, LockModel::GlobalMutex, 500).to_string(),
            "sqlite bulk global-mutex static b500 none ×2"
        );
        assert_eq!(
            f(1, LockModel::Native, 500).to_string(),
            "sqlite bulk b500 sequential"
        );
        let members = [
            f(2, LockModel::Native, 100),
            f(2, LockModel::SingleWriter, 100),
        ];
        assert_eq!(labels(&members, &[]), ["native", "single-writer"]);
        // The baseline's missing lock model matches anything.
        let members = [f(1, LockModel::Native, 100), f(4, LockModel::Native, 100)];
        assert_eq!(labels(&members, &[]), ["sequential", "×4"]);
        assert_eq!(
            labels(&members, &[Dim::Workers]),
            ["sqlite", "sqlite native"]
        );
        assert_eq!(
            f(4, LockModel::Native, 100).without(Dim::Workers),
            f(2, LockModel::Native, 100).without(Dim::Workers)
        );
    }
}
