//! The one place the runner reads time. Everything that measures a phase
//! asks a [`Clock`], so tests can drive the runner with a clock they
//! control. (The simulator has its own virtual time; it shares the batch
//! plan, not this code.)

use crate::choice::choice;
use std::time::{Duration, Instant};

choice! {
    /// How a simulated cost is paid: by sleeping (the core stays free, like
    /// a process waiting on a pipe) or by spinning (the core is busy, like a
    /// process pickling data).
    #[derive(Default)]
    pub enum PayMode: "pay mode" {
        #[default]
        Sleep = "sleep",
        Spin = "spin",
    }
}

pub trait Clock: Send + Sync {
    /// Seconds since the clock's origin (the start of the run).
    fn now(&self) -> f64;
    /// Lets `secs` of time pass on the calling thread, as `mode` says.
    fn pay(&self, secs: f64, mode: PayMode);
}

/// Wall-clock time from a monotonic origin.
pub struct RealClock {
    origin: Instant,
}

impl RealClock {
    pub fn start() -> Self {
        RealClock {
            origin: Instant::now(),
        }
    }
}

impl Clock for RealClock {
    fn now(&self) -> f64 {
        self.origin.elapsed().as_secs_f64()
    }
    fn pay(&self, secs: f64, mode: PayMode) {
        if secs <= 0.0 {
            return;
        }
        match mode {
            PayMode::Sleep => std::thread::sleep(Duration::from_secs_f64(secs)),
            PayMode::Spin => {
                // Spin for CPU time, not wall time: a thread that is
                // descheduled (more workers than cores) must take longer,
                // as real CPU work would.
                let end = thread_cpu_s() + secs;
                while thread_cpu_s() < end {
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
