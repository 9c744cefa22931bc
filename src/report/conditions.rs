//! report.md's sections on the conditions the runs met: the machine during
//! the sweep (the drift of its speed from round to round, the runs taken
//! while it was busy, and, with repetitions = "auto", which configurations
//! reached the precision), and what a server's connections waited on.

use super::Report;
use std::fmt::Write;

/// Where a server's connections waited (PostgreSQL's wait events, sampled
/// every 10 ms in each configuration's unmeasured timeline run).
pub fn server_waits(md: &mut String, r: &Report) -> std::fmt::Result {
    if r.server_waits.is_empty() {
        return Ok(());
    }
    writeln!(md, "\n## Where the server's connections waited\n")?;
    writeln!(
        md,
        "PostgreSQL's own view of contention: `pg_stat_activity` sampled every 10 ms during each configuration's unmeasured timeline run, every busy connection of the run counted in each sample. \"CPU\" is a connection running without a wait; `Lock/extend` is the relation-extension lock that concurrent COPYs into one table meet; `LWLock/WAL*` and `IO/WAL*` are the write-ahead log; `Client/ClientRead` is the server waiting for ingestlab (a worker parsing its next batch inside its transaction). Server memory is the largest summed proportional set size of the server's processes, read every 100 ms (shared buffers counted once, not once per backend; ingestlab's own peak is in the runs' table); \"–\" for a server ingestlab did not start.\n"
    )?;
    writeln!(
        md,
        "| configuration | samples | seconds | server memory, MB (peak PSS) | top waits (share of connection-samples) |\n|---|---:|---:|---:|---|"
    )?;
    for (id, w) in &r.server_waits {
        let top = w.top(5);
        let memory = w
            .peak_pss_bytes
            .map_or("–".to_string(), |b| format!("{:.0}", b as f64 / 1e6));
        writeln!(
            md,
            "| {id} | {} | {:.2} | {memory} | {} |",
            w.ticks,
            w.seconds,
            top.join(", ")
        )?;
    }
    Ok(())
}

/// The section; nothing for simulated runs, which have no machine.
pub fn section(md: &mut String, r: &Report) -> std::fmt::Result {
    let Some(d) = &r.drift else {
        return Ok(());
    };
    writeln!(md, "\n## The machine during the sweep\n")?;
    writeln!(md, "{}\n", d.sentence())?;
    let paired = r.summaries.iter().any(|s| s.speedup_paired);
    writeln!(
        md,
        "{}\n",
        if paired {
            "Speedups pair runs of the same round, so a drift from round to round cancels out of them; absolute times and throughputs carry it."
        } else {
            "This sweep was measured configuration after configuration: its speedups compare runs made minutes apart and carry the drift above as if it were the engines'."
        }
    )?;
    if let Some(p) = &r.precision {
        writeln!(md, "Repetitions \"auto\": {}.", p.sentence())?;
        let short: Vec<String> = p
            .configs
            .iter()
            .filter(|c| !c.reached)
            .map(|c| match c.half_width {
                Some(h) => format!("{} (±{:.1}%)", c.id, 100.0 * h),
                None => format!("{} (no 95% interval yet)", c.id),
            })
            .collect();
        if !short.is_empty() {
            writeln!(md, "Short of it: {}.", short.join("; "))?;
        }
        writeln!(md)?;
    }
    Ok(())
}
