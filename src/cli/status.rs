//! How a command ended, and the exit code that says so.

/// How a command ended, for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Done, and every run passed.
    Ok,
    /// Done, but something failed (a run of a sweep).
    Failed,
    /// Done, but a run's verification against the independent account
    /// failed.
    VerificationFailed,
    /// Stopped by Ctrl-C or SIGTERM, after saving what was finished.
    Interrupted,
}

impl Status {
    /// The process exit code of this ending (see `refused.rs`).
    pub fn exit_code(self) -> u8 {
        use crate::refused::*;
        match self {
            Status::Ok => EXIT_OK,
            Status::Failed => EXIT_FAILED,
            Status::VerificationFailed => EXIT_VERIFICATION,
            Status::Interrupted => EXIT_INTERRUPTED,
        }
    }
}
