//! The progress bar of a sweep ("round 3/40, configuration 7/20"), drawn by
//! indicatif on standard error: the CLI's side of
//! `experiment::Progress`.

use crate::experiment::Progress;
use indicatif::{ProgressBar, ProgressStyle};

/// A progress bar over every planned run.
pub struct Bar {
    bar: ProgressBar,
}

impl Bar {
    /// A hidden bar until the sweep starts.
    pub fn new() -> Self {
        let bar = ProgressBar::hidden();
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:30} {pos}/{len} runs, {msg} [{elapsed_precise}, at most {eta} left]",
            )
            .expect("valid template"),
        );
        Bar { bar }
    }
}

impl Progress for Bar {
    fn start(&self, rounds: usize, runs_per_round: usize, done: usize) {
        self.bar
            .set_length((rounds * runs_per_round).saturating_sub(done) as u64);
        self.bar
            .set_draw_target(indicatif::ProgressDrawTarget::stderr());
    }
    fn round(&self, round: usize, rounds: usize) {
        self.bar
            .set_message(format!("round {}/{rounds}", round + 1));
    }
    fn run_done(&self, position: usize, of: usize) {
        self.bar.inc(1);
        let msg = self.bar.message();
        let round = msg.split(',').next().unwrap_or("").to_string();
        self.bar
            .set_message(format!("{round}, configuration {position}/{of}"));
    }
    fn note(&self, line: &str) {
        self.bar.suspend(|| eprintln!("{line}"));
    }
    fn finish(&self) {
        self.bar.finish_and_clear();
    }
}
