//! Running an ingestion: the batch plan, the worker pool, lock models,
//! simulated pool overhead, the duplicate rule, per-thread accounting and
//! verification against an independent account of the input.

pub mod cancel;
pub mod clock;
pub mod config;
pub mod dedup;
pub mod ingest;
pub mod input;
pub mod ipc;
pub mod lock;
pub mod memory;
pub mod plan;
mod pool;
pub mod recorder;
pub mod result;
mod work;

pub use cancel::{Cancel, Interrupted};
pub use config::{LockModel, Overhead, OverheadKnobs, Preset, RunConfig, Schedule};
pub use ingest::{Ctx, RunOutput, run, run_with};
pub use input::{Expected, Input};
pub use result::{Phase, PhaseTimes, RunResult, TimelineEvent};
