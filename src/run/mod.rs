//! Running an ingestion: the worker pool, lock models, simulated pool
//! overhead, per-worker accounting and verification.

pub mod clock;
pub mod config;
pub mod ingest;
pub mod ipc;
pub mod lock;
pub mod memory;
pub mod recorder;
pub mod result;

pub use config::{LockModel, Overhead, RunConfig, Schedule};
pub use ingest::{Input, RunOutput, run};
pub use result::{Phase, PhaseTimes, RunResult, TimelineEvent};
