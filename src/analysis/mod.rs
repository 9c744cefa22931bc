//! From runs to conclusions: statistics per configuration, speedup and
//! efficiency against the 1-worker baseline, and the seed's "busy
//! fraction" checked against them.

pub mod fit;
pub mod stats;
pub mod summary;

pub use stats::Stats;
pub use summary::{ConfigSummary, RunRecord, summarize};
