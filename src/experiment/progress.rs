//! How a sweep reports its progress: an observer the caller supplies (the
//! CLI draws a progress bar), so nothing below `cli` prints.

/// Receives a sweep's progress. Every method has a silent default.
pub trait Progress {
    /// A sweep starts: `runs_per_round` runs in each of up to `rounds`
    /// rounds, `done` of them already finished (a resumed sweep).
    fn start(&self, _rounds: usize, _runs_per_round: usize, _done: usize) {}
    /// Round `round` (from 0) of up to `rounds` begins.
    fn round(&self, _round: usize, _rounds: usize) {}
    /// A measured run finished: configuration `position` (from 1) of the
    /// round's `of`.
    fn run_done(&self, _position: usize, _of: usize) {}
    /// Something the user should see now (a failed run, a verification
    /// failure), one line.
    fn note(&self, _line: &str) {}
    /// The sweep's measuring ended.
    fn finish(&self) {}
}

/// Reports nothing (tests, library callers).
pub struct Silent;

impl Progress for Silent {}
