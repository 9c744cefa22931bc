//! Before a sweep starts: how long it will take, how much disk it needs,
//! and whether a laptop can finish it at all. Plans beyond the limits are
//! refused with the reason and the way out (`--force`).

use crate::backend::{Engine, InsertMethod};
use crate::scenario::{ConfigSpec, DataKey, Scenario};

/// Workers beyond this many per core only measure the scheduler.
pub const MAX_WORKERS_PER_CORE: usize = 16;
/// A sweep estimated to take longer than this is refused without --force
/// (CI and scripts have no prompt to ask; the estimate is on screen).
pub const MAX_ESTIMATE_S: f64 = 30.0 * 60.0;

/// Typical end-to-end rates on a 2-core laptop (records/s, one worker),
/// from `ingestlab bench`; only for estimates.
fn typical_rate(engine: Engine, method: InsertMethod) -> f64 {
    match (engine, method) {
        (Engine::Sqlite, InsertMethod::Bulk) => 60_000.0,
        (Engine::Sqlite, InsertMethod::Insert) => 50_000.0,
        (Engine::Duckdb, InsertMethod::Bulk) => 50_000.0,
        (Engine::Duckdb, InsertMethod::Insert) => 3_000.0,
        // Rough, for estimates only (a server round trip per statement
        // makes single-row INSERTs the slow path).
        (Engine::Postgres, InsertMethod::Bulk) => 30_000.0,
        (Engine::Postgres, InsertMethod::Insert) => 8_000.0,
    }
}

/// Bytes of one generated record, roughly (median 2.2 KB at text scale 1;
/// full text adds a ~20 KB description).
pub fn record_bytes(d: &DataKey) -> f64 {
    1000.0 + 1200.0 * d.text_scale + if d.full_text { 22_000.0 } else { 0.0 }
}

/// A rough duration of one configuration (all its runs, warm-ups and the
/// timeline run included).
pub fn estimate_s(s: &Scenario, c: &ConfigSpec) -> f64 {
    let size = record_bytes(&c.data) / 2200.0;
    let rate = typical_rate(c.run.backend.engine, c.run.backend.method) / size.max(0.1);
    let o = &c.run.overhead;
    let batches = (c.data.records as f64 / c.run.batch_size as f64).ceil();
    let pool = if c.run.workers > 1 {
        o.fixed_s(c.run.workers) + batches * o.dispatch_s
    } else {
        0.0
    };
    let work = c.data.records as f64 * c.run.record_work_s / c.run.workers.min(2) as f64;
    let one = c.data.records as f64 / rate + pool + work + 0.05;
    let runs = s.repetitions.planned(s.max_rounds) + s.warmup + usize::from(c.run.workers > 1);
    one * runs as f64
}

/// "45 s", "12 min", "3 h 20 min", "2.5 days", "more than 10,000 days".
/// Minutes are rounded before hours are split off, so 2 h 59.6 min reads
/// "3 h 0 min", never "2 h 60 min".
pub fn human(secs: f64) -> String {
    if !secs.is_finite() || secs > 1e4 * 86_400.0 {
        return "more than 10,000 days".into();
    }
    if secs < 89.5 {
        return format!("{secs:.0} s");
    }
    let minutes = (secs / 60.0).round();
    if minutes < 60.0 {
        format!("{minutes:.0} min")
    } else if minutes < 24.0 * 60.0 {
        format!(
            "{:.0} h {:.0} min",
            (minutes / 60.0).floor(),
            minutes % 60.0
        )
    } else {
        format!("{:.1} days", secs / 86_400.0)
    }
}

/// What a plan asks of this machine.
#[derive(Debug, Default)]
pub struct Check {
    /// Rough seconds the sweep will take.
    pub estimate_s: f64,
    /// Temporary disk it will need, bytes.
    pub disk_bytes: f64,
    /// Worth saying, not worth stopping for.
    pub warnings: Vec<String>,
    /// Reasons no laptop finishes this plan; refused without --force.
    pub refusals: Vec<String>,
}

/// Checks a plan against this machine's cores and free disk.
pub fn check(s: &Scenario, configs: &[ConfigSpec], cores: usize, free_disk: Option<u64>) -> Check {
    let mut c = Check {
        estimate_s: configs.iter().map(|c| estimate_s(s, c)).sum(),
        ..Default::default()
    };
    // "auto" stops adding rounds at its budget; the warm-ups and timeline
    // runs come on top (one round's worth each, roughly).
    if s.repetitions == crate::scenario::Repetitions::Auto
        && let Some(budget) = s.time_budget_s
    {
        let per_round = c.estimate_s / (s.max_rounds + s.warmup + 1) as f64;
        c.estimate_s = c.estimate_s.min(budget + per_round * (s.warmup + 2) as f64);
    }
    let max_workers = configs.iter().map(|c| c.run.workers).max().unwrap_or(1);
    let limit = (MAX_WORKERS_PER_CORE * cores).max(64);
    if max_workers > limit {
        c.refusals.push(format!(
            "{max_workers} workers on {cores} cores: beyond {limit} workers a run measures the thread scheduler, not the engines (use `ingestlab simulate` for large worker counts)"
        ));
    } else if max_workers > cores {
        c.warnings.push(format!(
            "up to {max_workers} workers on {cores} cores: the extra workers share cores (oversubscription is measured as it is)"
        ));
    }
    // The largest input and its database exist at the same time.
    let biggest = configs
        .iter()
        .map(|c| c.data.records as f64 * record_bytes(&c.data))
        .fold(0.0, f64::max);
    c.disk_bytes = 2.5 * biggest;
    if let Some(free) = free_disk
        && c.disk_bytes > free as f64
    {
        c.refusals.push(format!(
            "the largest input and its database need about {:.1} GB of temporary disk, {:.1} GB are free",
            c.disk_bytes / 1e9,
            free as f64 / 1e9
        ));
    }
    if c.estimate_s > MAX_ESTIMATE_S {
        c.refusals.push(format!(
            "the sweep would take about {} on a laptop (more than {}); reduce the records, repetitions or configurations, or simulate it",
            human(c.estimate_s),
            human(MAX_ESTIMATE_S)
        ));
    }
    for cfg in configs {
        if cfg.run.batch_size as u64 > cfg.data.records {
            let w = format!(
                "batches of {} on {} records: every run is a single batch per worker, so the batch size cannot be what differs",
                cfg.run.batch_size, cfg.data.records
            );
            if !c.warnings.contains(&w) {
                c.warnings.push(w);
            }
        }
    }
    c
}

/// Free bytes on the file system of `path`.
pub fn free_disk(path: &std::path::Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    let mut st: libc::statvfs = unsafe { std::mem::zeroed() };
    // SAFETY: statvfs writes one struct through a valid pointer; the path
    // is a NUL-terminated string that outlives the call.
    let r = unsafe { libc::statvfs(c.as_ptr(), &mut st) };
    (r == 0).then(|| st.f_bavail as u64 * st.f_frsize as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_units() {
        assert_eq!(human(42.0), "42 s");
        assert_eq!(human(720.0), "12 min");
        assert_eq!(human(3.0 * 3600.0 + 20.0 * 60.0), "3 h 20 min");
        assert_eq!(human(108_000_000.0), "1250.0 days");
        assert_eq!(human(2.0 * 3600.0 + 59.7 * 60.0), "3 h 0 min");
        assert_eq!(human(1e300), "more than 10,000 days");
        assert_eq!(human(f64::INFINITY), "more than 10,000 days");
    }

    #[test]
    fn plans_no_laptop_finishes_are_refused_with_the_reason() {
        let s = crate::scenario::parse(
            "name = \"x\"\n[data]\nrecords = [1000000000000]\n[sweep]\nworkers = [1, 2000]\n",
            std::path::Path::new("x.toml"),
            &[],
        )
        .unwrap();
        let configs = crate::scenario::expand(&s);
        let c = check(&s, &configs, 2, Some(80_000_000_000));
        let all = c.refusals.join("\n");
        assert!(all.contains("2000 workers on 2 cores"), "{all}");
        assert!(all.contains("GB of temporary disk"), "{all}");
        assert!(all.contains("more than 30 min"), "{all}");
    }
}
