//! The lab's main job: run every configuration of a scenario (warm-ups,
//! then repetitions, each on a fresh database), append each run to disk as
//! it finishes, resume an interrupted sweep, then summarise, export and
//! draw.

pub mod journal;
pub mod plan;
pub mod runner;

pub use runner::{Outcome, RunOptions, run_scenario};
