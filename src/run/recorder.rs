//! Per-thread accounting: phase totals always, timeline events on request.
//! Each thread owns its recorder, so recording takes no lock.
//!
//! Time is booked contiguously: every booking covers the span from the end
//! of the previous one to now, so a thread's phases add up exactly to the
//! time from its origin to its last booking, with no gap left unaccounted.

use super::clock::Clock;
use super::result::{Phase, TimelineEvent, WorkerStats};

/// One thread's account: books the time since its last booking to a
/// phase, and keeps the timeline when asked.
pub struct Recorder<'c> {
    clock: &'c dyn Clock,
    /// End of the last booking.
    mark: f64,
    /// The account so far.
    pub stats: WorkerStats,
    events: Option<Vec<TimelineEvent>>,
}

impl<'c> Recorder<'c> {
    /// A recorder for thread `worker` whose account starts at `origin`.
    pub fn new(clock: &'c dyn Clock, worker: u32, timeline: bool, origin: f64) -> Self {
        Recorder {
            clock,
            mark: origin,
            stats: WorkerStats {
                worker,
                ..Default::default()
            },
            events: timeline.then(Vec::new),
        }
    }

    /// The clock's time.
    pub fn now(&self) -> f64 {
        self.clock.now()
    }

    /// Books the time since the last booking, up to `end`, to `phase`.
    pub fn book_until(&mut self, phase: Phase, batch: Option<u32>, end: f64) {
        let start = self.mark;
        let end = end.max(start);
        self.stats.phases.add(phase, end - start);
        if let Some(ev) = &mut self.events
            && end > start
        {
            ev.push(TimelineEvent {
                worker: self.stats.worker,
                batch,
                phase,
                start_s: start,
                end_s: end,
            });
        }
        self.mark = end;
    }

    /// Books the time since the last booking to `phase`; returns now.
    pub fn book(&mut self, phase: Phase, batch: Option<u32>) -> f64 {
        let now = self.now();
        self.book_until(phase, batch, now);
        now
    }

    /// Runs `f` and books it (and any gap before it) to `phase`.
    pub fn time<T>(&mut self, phase: Phase, batch: Option<u32>, f: impl FnOnce() -> T) -> T {
        let out = f();
        self.book(phase, batch);
        out
    }

    /// End of the last booking.
    pub fn mark(&self) -> f64 {
        self.mark
    }

    /// The finished account and its timeline (empty unless asked for).
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
    fn bookings_are_contiguous_and_add_up() {
        let clock = Tick(AtomicU64::new(0));
        let mut r = Recorder::new(&clock, 3, true, 0.0);
        r.time(Phase::Parse, Some(0), || ()); // reads 0: [0, 0)
        r.book(Phase::Wait, Some(0)); // reads 1: [0, 1)
        r.book(Phase::Insert, Some(0)); // reads 2: [1, 2)
        r.book_until(Phase::Idle, None, 7.5);
        let (s, ev) = r.finish();
        assert_eq!(s.phases.wait_s, 1.0);
        assert_eq!(s.phases.insert_s, 1.0);
        assert_eq!(s.phases.idle_s, 5.5);
        assert_eq!(s.phases.total(), 7.5, "from the origin to the last booking");
        assert_eq!(ev.len(), 3, "empty spans leave no event");
        assert!(ev.windows(2).all(|w| w[0].end_s == w[1].start_s));
        let mut quiet = Recorder::new(&clock, 0, false, 0.0);
        quiet.book(Phase::Insert, None);
        assert!(quiet.finish().1.is_empty());
    }
}
