//! A cancellation flag: set by Ctrl-C or SIGTERM (the CLI installs the
//! handler), checked by every worker between batches, so the run in flight
//! stops at a batch boundary and is discarded instead of being measured.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// A run's cancel flag, shared by its threads and set by the interrupt
/// handler.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<AtomicBool>);

impl Cancel {
    /// A flag that nothing sets (tests, benches).
    pub fn never() -> Self {
        Cancel::default()
    }
    /// Asks every holder to stop.
    pub fn set(&self) {
        self.0.store(true, Ordering::SeqCst);
    }
    /// True once it was set.
    pub fn is_set(&self) -> bool {
        self.0.load(Ordering::Relaxed)
    }
}

/// The error a cancelled run returns, so callers can tell it from a failure.
#[derive(Debug, thiserror::Error)]
#[error("interrupted")]
pub struct Interrupted;
