//! The machine's state while a run is measured: CPU time stolen by the
//! hypervisor, time waiting for I/O, CPU used by other processes, and the
//! clock frequency where the kernel exposes it. A sweep records one
//! [`MachineSample`] per run so a figure made on a busy or throttled
//! machine says so.
//!
//! Linux counts CPU time in ticks of 1/100 s (`USER_HZ`) summed over the
//! cores, so a 40 ms run on 2 cores spans only 8 ticks, too few to tell
//! half a core of foreign load from rounding. Each run's sample is
//! therefore taken over a window of at least [`MIN_WINDOW_S`] ending when
//! the run ends (the run itself when it is longer), from snapshots taken
//! at run boundaries: the window may include the previous runs, whose CPU
//! is ours and is subtracted like the run's own.

use std::time::Instant;

/// The shortest window a sample is taken over, seconds.
pub const MIN_WINDOW_S: f64 = 1.0;
/// A run is flagged when the hypervisor stole more than this share of the
/// machine's CPU time during it.
pub const STEAL_FLAG: f64 = 0.05;
/// A run is flagged when other processes used more than this many cores
/// on average during it.
pub const FOREIGN_FLAG_CORES: f64 = 0.5;
/// `USER_HZ`: the unit of `/proc/stat` (100 on every Linux ABI we run on).
const TICKS_PER_S: f64 = 100.0;

/// Counters at one moment.
#[derive(Debug, Clone, Copy)]
pub struct Snapshot {
    at: Instant,
    /// Ticks summed over all cores: busy (user, nice, system, irq,
    /// softirq), idle, iowait, steal.
    busy: u64,
    idle: u64,
    iowait: u64,
    steal: u64,
    /// CPU seconds used by this process, every thread.
    own_cpu_s: f64,
}

impl Snapshot {
    /// The counters now; None where `/proc/stat` cannot be read (not
    /// Linux).
    pub fn take() -> Option<Snapshot> {
        let stat = std::fs::read_to_string("/proc/stat").ok()?;
        parse_cpu_line(&stat).map(|(busy, idle, iowait, steal)| Snapshot {
            at: Instant::now(),
            busy,
            idle,
            iowait,
            steal,
            own_cpu_s: own_cpu_s(),
        })
    }
}

/// (busy, idle, iowait, steal) ticks from the aggregate `cpu` line.
fn parse_cpu_line(stat: &str) -> Option<(u64, u64, u64, u64)> {
    let line = stat.lines().find(|l| l.starts_with("cpu "))?;
    let v: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .map(|x| x.parse().unwrap_or(0))
        .collect();
    let get = |i: usize| v.get(i).copied().unwrap_or(0);
    // user nice system idle iowait irq softirq steal (guest is in user).
    let busy = get(0) + get(1) + get(2) + get(5) + get(6);
    Some((busy, get(3), get(4), get(7)))
}

/// CPU seconds this process used so far (user + system, all threads).
fn own_cpu_s() -> f64 {
    // SAFETY: getrusage writes one struct through a valid pointer.
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut ru) };
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// The machine during one run (over the window described above).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct MachineSample {
    /// Seconds the sample covers (≥ the run).
    pub window_s: f64,
    /// Share of all cores' time the hypervisor gave to someone else.
    pub steal_share: f64,
    /// Share of all cores' time spent idle waiting for I/O.
    pub iowait_share: f64,
    /// Cores other processes kept busy on average (ours subtracted).
    pub foreign_cores: f64,
    /// Mean current clock frequency over the cores, where cpufreq exists.
    pub cpu_mhz: Option<f64>,
}

impl MachineSample {
    /// Between two snapshots.
    pub fn between(a: &Snapshot, b: &Snapshot, cpu_mhz: Option<f64>) -> MachineSample {
        let wall = b.at.duration_since(a.at).as_secs_f64().max(1e-9);
        let d = |x: u64, y: u64| y.saturating_sub(x) as f64;
        let (busy, idle, iowait, steal) = (
            d(a.busy, b.busy),
            d(a.idle, b.idle),
            d(a.iowait, b.iowait),
            d(a.steal, b.steal),
        );
        let total = (busy + idle + iowait + steal).max(1.0);
        let own = b.own_cpu_s - a.own_cpu_s;
        MachineSample {
            window_s: wall,
            steal_share: steal / total,
            iowait_share: iowait / total,
            foreign_cores: ((busy / TICKS_PER_S - own) / wall).max(0.0),
            cpu_mhz,
        }
    }

    /// Why a run taken in this state may not describe the engines, if it
    /// may not.
    pub fn flag(&self) -> Option<String> {
        let mut why = Vec::new();
        if self.steal_share > STEAL_FLAG {
            why.push(format!(
                "{:.0}% of the CPU time stolen by the hypervisor",
                100.0 * self.steal_share
            ));
        }
        if self.foreign_cores > FOREIGN_FLAG_CORES {
            why.push(format!(
                "other processes used {:.1} cores",
                self.foreign_cores
            ));
        }
        (!why.is_empty()).then(|| why.join("; "))
    }
}

/// Snapshots at run boundaries, and the window each run is sampled over.
#[derive(Debug, Default)]
pub struct MachineLog {
    snaps: Vec<Snapshot>,
}

impl MachineLog {
    /// Takes a snapshot (before or after a run); returns its index.
    pub fn mark(&mut self) -> Option<usize> {
        let s = Snapshot::take()?;
        // Snapshots older than a minute are never needed again.
        let keep_after = s.at.checked_sub(std::time::Duration::from_secs(60));
        if let Some(t) = keep_after {
            self.snaps.retain(|x| x.at >= t);
        }
        self.snaps.push(s);
        Some(self.snaps.len() - 1)
    }

    /// The sample of a run that ended at the last snapshot: over the run,
    /// widened backwards to at least [`MIN_WINDOW_S`] where snapshots
    /// allow.
    pub fn sample_last(&self, run_s: f64) -> Option<MachineSample> {
        let end = self.snaps.last()?;
        let want = run_s.max(MIN_WINDOW_S);
        let start = self
            .snaps
            .iter()
            .rev()
            .find(|s| end.at.duration_since(s.at).as_secs_f64() >= want)
            .or(self.snaps.first())?;
        Some(MachineSample::between(start, end, cpu_mhz()))
    }
}

/// Mean `scaling_cur_freq` over the cores, MHz; None without cpufreq.
pub fn cpu_mhz() -> Option<f64> {
    let mut sum = 0.0;
    let mut n = 0;
    for cpu in 0..1024 {
        let p = format!("/sys/devices/system/cpu/cpu{cpu}/cpufreq/scaling_cur_freq");
        match std::fs::read_to_string(&p) {
            Ok(s) => {
                if let Ok(khz) = s.trim().parse::<f64>() {
                    sum += khz / 1e3;
                    n += 1;
                }
            }
            Err(_) if cpu > 0 || n > 0 => break,
            Err(_) => return None,
        }
    }
    (n > 0).then(|| sum / n as f64)
}

/// The frequency governor of core 0, where cpufreq exists.
pub fn governor() -> Option<String> {
    std::fs::read_to_string("/sys/devices/system/cpu/cpu0/cpufreq/scaling_governor")
        .ok()
        .map(|s| s.trim().to_string())
}

/// Whether turbo/boost is on: Some(true/false) where the kernel says.
pub fn turbo() -> Option<bool> {
    if let Ok(s) = std::fs::read_to_string("/sys/devices/system/cpu/intel_pstate/no_turbo") {
        return Some(s.trim() == "0");
    }
    std::fs::read_to_string("/sys/devices/system/cpu/cpufreq/boost")
        .ok()
        .map(|s| s.trim() == "1")
}

/// MemAvailable from `/proc/meminfo`, bytes.
pub fn mem_available() -> Option<u64> {
    let m = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = m.lines().find(|l| l.starts_with("MemAvailable:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cpu_line_is_read_by_column() {
        let stat = "cpu  100 5 20 300 7 1 2 9 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n";
        assert_eq!(parse_cpu_line(stat), Some((128, 300, 7, 9)));
        assert_eq!(parse_cpu_line("intr 1 2\n"), None);
    }

    #[test]
    fn shares_and_foreign_load_between_two_snapshots() {
        let at = Instant::now();
        let a = Snapshot {
            at,
            busy: 1000,
            idle: 1000,
            iowait: 0,
            steal: 0,
            own_cpu_s: 1.0,
        };
        // 2 s on 2 cores = 400 ticks: 300 busy (3 CPU-s, 1 of them ours),
        // 60 idle, 20 iowait, 20 steal.
        let b = Snapshot {
            at: at + std::time::Duration::from_secs(2),
            busy: 1300,
            idle: 1060,
            iowait: 20,
            steal: 20,
            own_cpu_s: 2.0,
        };
        let s = MachineSample::between(&a, &b, None);
        assert!((s.steal_share - 0.05).abs() < 1e-12);
        assert!((s.iowait_share - 0.05).abs() < 1e-12);
        assert!((s.foreign_cores - 1.0).abs() < 1e-9, "{}", s.foreign_cores);
        let why = s.flag().expect("foreign load above half a core");
        assert!(why.contains("other processes used 1.0 cores"), "{why}");
        assert!(!why.contains("stolen"), "5% is not above 5%: {why}");
    }

    #[test]
    fn a_quiet_window_is_not_flagged_and_the_log_samples_at_least_the_run() {
        let mut log = MachineLog::default();
        if log.mark().is_none() {
            return; // not Linux
        }
        std::thread::sleep(std::time::Duration::from_millis(30));
        log.mark();
        let s = log.sample_last(0.01).unwrap();
        assert!(s.window_s >= 0.02, "{}", s.window_s);
        assert!(s.steal_share >= 0.0 && s.steal_share <= 1.0);
    }
}
