//! The one place the runner reads time. Everything that measures a phase
//! asks a [`Clock`], so the simulator can drive the same code in virtual time
//! and tests can use a clock they control.

use std::time::{Duration, Instant};

/// How a simulated cost is paid: by sleeping (the core stays free, like a
/// process waiting on a pipe) or by spinning (the core is busy, like a
/// process pickling data).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum PayMode {
    #[default]
    Sleep,
    Spin,
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
        let d = Duration::from_secs_f64(secs);
        match mode {
            PayMode::Sleep => std::thread::sleep(d),
            PayMode::Spin => {
                let end = Instant::now() + d;
                while Instant::now() < end {
                    std::hint::spin_loop();
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
