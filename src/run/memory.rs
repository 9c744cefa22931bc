//! Peak resident memory of this process, from Linux's /proc. The peak is
//! reset at the start of each run (writing 5 to /proc/self/clear_refs), so
//! repeated runs in one process each report their own peak.

/// Resets the peak-RSS high-water mark; false where the kernel refuses.
pub fn reset_peak() -> bool {
    std::fs::write("/proc/self/clear_refs", "5").is_ok()
}

/// Peak resident set size in bytes since start or the last reset, or 0
/// where /proc is not available.
pub fn peak_rss_bytes() -> u64 {
    status_kb("VmHWM:").map_or(0, |kb| kb * 1024)
}

fn status_kb(key: &str) -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = s.lines().find(|l| l.starts_with(key))?;
    line[key.len()..]
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()
}

#[cfg(test)]
mod tests {
    #[test]
    fn peak_covers_a_large_live_allocation() {
        // Tests share this process, so only an absolute bound is safe:
        // the peak is at least what is alive now.
        super::reset_peak();
        let v = vec![1u8; 64 << 20];
        std::hint::black_box(&v);
        assert!(super::peak_rss_bytes() >= 64 << 20);
    }
}
