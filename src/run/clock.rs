//! The one place the runner reads time. Everything that measures a phase
//! asks a [`Clock`], so tests can drive the runner with a clock they
//! control. (The simulator has its own virtual time; it shares the batch
//! plan, not this code.)

use super::cancel::Cancel;
use crate::choice::choice;
use std::time::{Duration, Instant};

choice! {
    /// How a simulated cost is paid: by sleeping (the core stays free, like
    /// a process waiting on a pipe) or by spinning (the core is busy, like a
    /// process pickling data).
    #[derive(Default)]
    pub enum PayMode: "pay mode" {
        /// Sleep: the core is free for other threads.
        #[default]
        Sleep = "sleep",
        /// Spin: the core is busy.
        Spin = "spin",
    }
}

/// Time as a run sees it: the real clock, or a fake one in tests.
pub trait Clock: Send + Sync {
    /// Seconds since the clock's origin (the start of the run).
    fn now(&self) -> f64;
    /// Lets `secs` of time pass on the calling thread, as `mode` says.
    fn pay(&self, secs: f64, mode: PayMode);
}

/// Wall-clock time from a monotonic origin.
pub struct RealClock {
    origin: Instant,
    /// Paying stops early once this is set, so an interrupt is honoured
    /// within [`PAY_SLICE_S`] even inside a day-long simulated cost.
    cancel: Cancel,
}

/// Costs are paid in slices of at most this many seconds, the cancel flag
/// checked between them.
pub const PAY_SLICE_S: f64 = 0.02;

impl RealClock {
    /// A clock whose payments nothing interrupts (tests, benches).
    pub fn start() -> Self {
        RealClock::interruptible(Cancel::never())
    }

    /// A clock whose payments end early once `cancel` is set (the run is
    /// then discarded at its next batch boundary).
    pub fn interruptible(cancel: Cancel) -> Self {
        RealClock {
            origin: Instant::now(),
            cancel,
        }
    }
}

impl Clock for RealClock {
    fn now(&self) -> f64 {
        self.origin.elapsed().as_secs_f64()
    }
    fn pay(&self, secs: f64, mode: PayMode) {
        // NaN and non-positive costs are nothing to pay.
        if secs.is_nan() || secs <= 0.0 {
            return;
        }
        match mode {
            PayMode::Sleep => {
                let end = Instant::now() + Duration::from_secs_f64(secs.min(1e9));
                while !self.cancel.is_set() {
                    let left = end.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        break;
                    }
                    std::thread::sleep(left.min(Duration::from_secs_f64(PAY_SLICE_S)));
                }
            }
            PayMode::Spin => {
                // Spin for CPU time, not wall time: a thread that is
                // descheduled (more workers than cores) must take longer,
                // as real CPU work would.
                let end = thread_cpu_s() + secs;
                let mut check = thread_cpu_s() + PAY_SLICE_S;
                loop {
                    let now = thread_cpu_s();
                    if now >= end {
                        break;
                    }
                    if now >= check {
                        if self.cancel.is_set() {
                            break;
                        }
                        check = now + PAY_SLICE_S;
                    }
                    std::hint::spin_loop();
                }
            }
        }
    }
}

/// CPU time consumed by the calling thread, in seconds.
fn thread_cpu_s() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec through a valid pointer;
    // CLOCK_THREAD_CPUTIME_ID exists on every Linux we run on.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 * 1e-9
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_long_payment_ends_soon_after_the_cancel_flag_is_set() {
        for mode in [PayMode::Sleep, PayMode::Spin] {
            let cancel = Cancel::never();
            let clock = RealClock::interruptible(cancel.clone());
            let t = Instant::now();
            std::thread::scope(|s| {
                s.spawn(|| clock.pay(3600.0, mode));
                std::thread::sleep(Duration::from_millis(50));
                cancel.set();
            });
            assert!(
                t.elapsed() < Duration::from_secs(2),
                "{mode}: {:?}",
                t.elapsed()
            );
        }
    }

    #[test]
    fn spinning_costs_cpu_time() {
        let t0 = thread_cpu_s();
        RealClock::start().pay(0.02, PayMode::Spin);
        assert!(thread_cpu_s() - t0 >= 0.02);
    }

    #[test]
    fn real_clock_pays_at_least_what_is_asked() {
        let c = RealClock::start();
        let t0 = c.now();
        c.pay(0.01, PayMode::Sleep);
        let t1 = c.now();
        c.pay(0.01, PayMode::Spin);
        let t2 = c.now();
        assert!(t1 - t0 >= 0.01 && t2 - t1 >= 0.01);
    }
}
