//! The lab's main job: run every configuration of a scenario (warm-ups,
//! then rounds of runs, each on a fresh database), append each run to disk
//! as it finishes, resume an interrupted sweep, then summarise, export and
//! draw.

pub mod doctor;
pub mod journal;
pub mod measure;
pub mod order;
pub mod plan;
pub mod progress;
pub mod runner;
pub mod userdata;

pub use progress::{Progress, Silent};
pub use runner::{Outcome, RunOptions, run_scenario};
