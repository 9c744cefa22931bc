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
    /// CPU seconds used by this process (every thread) and by the
    /// processes it started (a PostgreSQL server and its backends).
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

/// CPU seconds this process and its descendants used so far (user +
/// system, all threads). The descendants count as ours: a PostgreSQL
/// run's work is done by the server's backends, which would otherwise be
/// "other processes" and flag every such run as taken on a busy machine.
fn own_cpu_s() -> f64 {
    let tv = |t: libc::timeval| t.tv_sec as f64 + t.tv_usec as f64 * 1e-6;
    let usage = |who| {
        // SAFETY: getrusage writes one struct through a valid pointer.
        let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
        unsafe { libc::getrusage(who, &mut ru) };
        tv(ru.ru_utime) + tv(ru.ru_stime)
    };
    usage(libc::RUSAGE_SELF) + children_cpu_s(usage(libc::RUSAGE_CHILDREN))
}

/// CPU seconds of the processes this one started: `reaped` (children
/// already waited for, from RUSAGE_CHILDREN) plus the live ones and what
/// they reaped of their own children, read from /proc.
fn children_cpu_s(reaped: f64) -> f64 {
    reaped + live_descendants_cpu_s()
}

/// (pid, ppid, CPU ticks of the process and of the children it reaped)
/// from a `/proc/<pid>/stat` line; the command name may hold spaces and
/// parentheses, so the fields are counted from the last `)`.
fn parse_proc_stat(line: &str) -> Option<(u32, u32, u64)> {
    let pid = line.split_whitespace().next()?.parse().ok()?;
    let rest: Vec<&str> = line[line.rfind(')')? + 1..].split_whitespace().collect();
    // rest[0] is field 3 (state); ppid is field 4, utime..cstime 14..17.
    let field = |n: usize| rest.get(n - 3).and_then(|v| v.parse::<u64>().ok());
    let ticks = field(14)? + field(15)? + field(16)? + field(17)?;
    Some((pid, u32::try_from(field(4)?).ok()?, ticks))
}

/// CPU seconds of the live processes descended from this one.
fn live_descendants_cpu_s() -> f64 {
    let ticks: u64 = descendants(std::process::id()).iter().map(|p| p.1).sum();
    ticks as f64 / TICKS_PER_S
}

/// (pid, CPU ticks) of the live processes descended from `root`, read from
/// /proc (empty where it cannot be read).
fn descendants(root: u32) -> Vec<(u32, u64)> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let procs: Vec<(u32, u32, u64)> = dir
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path().join("stat")).ok())
        .filter_map(|l| parse_proc_stat(&l))
        .collect();
    let mut ours = vec![(root, 0)];
    let mut i = 0;
    while i < ours.len() {
        let parent = ours[i].0;
        ours.extend(procs.iter().filter(|p| p.1 == parent).map(|p| (p.0, p.2)));
        i += 1;
    }
    ours.remove(0);
    ours
}

/// The summed proportional set size of `root` and its live descendants,
/// bytes: memory shared between them (a server's shared buffers) counted
/// once, split between its users. None when `root`'s own
/// `/proc/<pid>/smaps_rollup` cannot be read. Reading one costs about half
/// a millisecond, so callers sample it sparingly.
pub fn tree_pss_bytes(root: u32) -> Option<u64> {
    let pss = |pid: u32| {
        let s = std::fs::read_to_string(format!("/proc/{pid}/smaps_rollup")).ok()?;
        let line = s.lines().find(|l| l.starts_with("Pss:"))?;
        let kb: u64 = line["Pss:".len()..]
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse()
            .ok()?;
        Some(kb * 1024)
    };
    let own = pss(root)?;
    let rest: u64 = descendants(root).iter().filter_map(|p| pss(p.0)).sum();
    Some(own + rest)
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

/// Held by the tests that start children of this process (a busy child,
/// a PostgreSQL server): the machine's tests count this process's
/// children, so another test's child, exiting or growing, would land in
/// their figures.
#[cfg(test)]
pub(crate) static TEST_CHILDREN: std::sync::Mutex<()> = std::sync::Mutex::new(());

#[cfg(test)]
mod tests {
    #[test]
    fn a_process_trees_pss_counts_its_children() {
        let _one = super::TEST_CHILDREN
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let me = std::process::id();
        let alone = super::tree_pss_bytes(me).expect("Linux /proc");
        // A child that holds 64 MiB of its own.
        let mut child = std::process::Command::new("sh")
            .args([
                "-c",
                "x=$(head -c 67108864 /dev/zero | tr '\\0' a); sleep 5",
            ])
            .spawn()
            .unwrap();
        let mut grown = 0;
        for _ in 0..100 {
            std::thread::sleep(std::time::Duration::from_millis(50));
            grown = super::tree_pss_bytes(me).unwrap().saturating_sub(alone);
            if grown > 64 << 20 {
                break;
            }
        }
        child.kill().unwrap();
        child.wait().unwrap();
        assert!(grown > 64 << 20, "grew by {grown} bytes");
        assert_eq!(super::tree_pss_bytes(u32::MAX), None);
    }

    #[test]
    fn proc_stat_lines_parse_past_a_command_name_with_spaces() {
        let line = "4242 (postgres: ingestlab (x) COPY) S 4200 4200 0 0 -1 4194560 10 0 0 0 150 25 7 3 20 0 1 0 100 0 0";
        assert_eq!(
            super::parse_proc_stat(line),
            Some((4242, 4200, 150 + 25 + 7 + 3))
        );
        assert_eq!(super::parse_proc_stat("12 (sh) S"), None);
    }

    /// A child that burns CPU is counted as ours: without it, a PostgreSQL
    /// run (whose backends do the work) reads as a busy machine.
    #[test]
    fn the_cpu_of_a_live_child_counts_as_ours() {
        let _one = super::TEST_CHILDREN
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        // Only the children's part: this process's own polling costs CPU
        // too, which would let the test pass without counting the child.
        let before = super::children_cpu_s(0.0);
        let mut child = std::process::Command::new("sh")
            .args([
                "-c",
                "i=0; while [ $i -lt 400000 ]; do i=$((i+1)); done; sleep 5",
            ])
            .spawn()
            .unwrap();
        // Wait until the loop is done (the child then sleeps, alive).
        let t = std::time::Instant::now();
        let mut seen = 0.0;
        while t.elapsed() < std::time::Duration::from_secs(20) {
            std::thread::sleep(std::time::Duration::from_millis(100));
            seen = super::children_cpu_s(0.0) - before;
            if seen >= 0.2 {
                break;
            }
        }
        let _ = child.kill();
        let _ = child.wait();
        assert!(seen >= 0.2, "a busy child added only {seen} s");
    }

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
