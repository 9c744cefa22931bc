//! From runs to conclusions: statistics per configuration, speedup and
//! efficiency against the 1-worker baseline, the seed's "busy fraction"
//! checked against them, scalability fits, and comparisons of two sets of
//! runs.

pub mod bounded;
pub mod compare;
pub mod drift;
pub mod fit;
pub mod paired;
pub mod precision;
pub mod sim_error;
pub mod stats;
pub mod summary;
pub mod whatif;

pub use stats::{Interval, Stats};
pub use summary::{ConfigSummary, RunRecord, summarize};
