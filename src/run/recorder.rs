//! Per-worker accounting: phase totals always, timeline events on request.
//! Each worker owns its recorder, so recording takes no lock.

use super::clock::Clock;
use super::result::{Phase, TimelineEvent, WorkerStats};

pub struct Recorder<'c> {
    clock: &'c dyn Clock,
    pub stats: WorkerStats,
    events: Option<Vec<TimelineEvent>>,
}

impl<'c> Recorder<'c> {
    pub fn new(clock: &'c dyn Clock, worker: u32, timeline: bool) -> Self {
        Recorder {
            clock,
            stats: WorkerStats {
                worker,
                ..Default::default()
            },
            events: timeline.then(Vec::new),
        }
    }

    pub fn now(&self) -> f64 {
        self.clock.now()
    }

    pub fn clock(&self) -> &'c dyn Clock {
        self.clock
    }

    /// Books `start..end` to `phase`.
    pub fn record(&mut self, phase: Phase, batch: Option<u32>, start: f64, end: f64) {
        let d = (end - start).max(0.0);
        self.stats.phases.add(phase, d);
        if let Some(ev) = &mut self.events {
            ev.push(TimelineEvent {
                worker: self.stats.worker,
                batch,
                phase,
                start_s: start,
                end_s: end.max(start),
            });
        }
    }

    /// Runs `f` and books its duration to `phase`.
    pub fn time<T>(&mut self, phase: Phase, batch: Option<u32>, f: impl FnOnce() -> T) -> T {
        let t0 = self.now();
        let out = f();
        let t1 = self.now();
        self.record(phase, batch, t0, t1);
        out
    }

    pub fn finish(self) -> (WorkerStats, Vec<TimelineEvent>) {
        (self.stats, self.events.unwrap_or_default())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::run::clock::PayMode;
    use std::sync::atomic::{AtomicU64, Ordering};

    /// A clock that advances one second per reading.
    struct Tick(AtomicU64);
    impl Clock for Tick {
        fn now(&self) -> f64 {
            self.0.fetch_add(1, Ordering::SeqCst) as f64
        }
        fn pay(&self, _: f64, _: PayMode) {}
    }

    #[test]
    fn books_time_and_events() {
        let clock = Tick(AtomicU64::new(0));
        let mut r = Recorder::new(&clock, 3, true);
        r.time(Phase::Parse, Some(0), || ());
        r.record(Phase::Wait, None, 5.0, 7.5);
        let (s, ev) = r.finish();
        assert_eq!(s.phases.parse_s, 1.0);
        assert_eq!(s.phases.wait_s, 2.5);
        assert_eq!(ev.len(), 2);
        assert_eq!(ev[0].worker, 3);
        let mut quiet = Recorder::new(&clock, 0, false);
        quiet.time(Phase::Insert, None, || ());
        assert!(quiet.finish().1.is_empty());
    }
}
