//! `report.md`: a readable summary: where and how it was measured, the
//! best configuration per engine, the speedup table, where the time goes,
//! the figures with captions computed from the data, and the warnings.

use super::{Exporter, Report, opt};
use anyhow::Result;
use std::fmt::Write;

pub struct Markdown;

impl Exporter for Markdown {
    fn file_name(&self) -> &'static str {
        "report.md"
    }
    fn render(&self, r: &Report) -> Result<Vec<u8>> {
        let mut md = String::new();
        let s = &r.scenario;
        let e = &r.environment;
        writeln!(
            md,
            "# {}{}\n",
            s.name,
            if r.simulated { " (simulated)" } else { "" }
        )?;
        if !s.description.is_empty() {
            writeln!(md, "{}\n", s.description.trim())?;
        }
        let runs = r.runs.len();
        let failed = r.runs.iter().filter(|x| x.failed).count();
        writeln!(
            md,
            "{} configurations, {runs} runs ({failed} failed), {} repetition(s) each after {} warm-up run(s), every run on a fresh database.\n",
            r.configs.len(),
            s.repetitions,
            s.warmup
        )?;
        writeln!(
            md,
            "Measured {} with ingestlab {} on {} ({} cores, {:.1} GiB), {}; engines: {}.\n",
            e.date,
            e.ingestlab_version,
            e.cpu_model,
            e.cores,
            e.memory_bytes as f64 / (1u64 << 30) as f64,
            e.os,
            e.engines.join(", ")
        )?;

        writeln!(md, "## Best configuration per engine\n")?;
        writeln!(
            md,
            "| engine | configuration | records/s (median) | 95% CI | wall s (median) |\n|---|---|---:|---|---:|"
        )?;
        let mut engines: Vec<&str> = r.summaries.iter().map(|x| x.engine.as_str()).collect();
        engines.dedup();
        engines.sort();
        engines.dedup();
        for eng in engines {
            let best = r
                .summaries
                .iter()
                .filter(|x| x.engine == eng && x.records_per_s.is_some())
                .max_by(|a, b| {
                    a.records_per_s
                        .unwrap()
                        .median
                        .total_cmp(&b.records_per_s.unwrap().median)
                });
            if let Some(b) = best {
                let t = b.records_per_s.unwrap();
                writeln!(
                    md,
                    "| {eng} | {} | {:.0} | {:.0}–{:.0} | {:.3} |",
                    b.label(),
                    t.median,
                    t.ci_low,
                    t.ci_high,
                    b.wall_s.unwrap().median
                )?;
            }
        }

        writeln!(md, "\n## Speedup and efficiency\n")?;
        writeln!(
            md,
            "speedup = T1 / Tn with T1 the median wall time of the sequential 1-worker run on the same data, engine, method and batch size; efficiency = speedup / n. \"Busy fraction\" is the formula of the original benchmark script, sum of per-batch times / (wall × workers), shown for comparison: it counts waiting as work.\n"
        )?;
        writeln!(
            md,
            "| configuration | workers | records | wall s (median) | records/s | speedup | 95% CI | efficiency | busy fraction |\n|---|---:|---:|---:|---:|---:|---|---:|---:|"
        )?;
        for x in &r.summaries {
            let ci = x
                .speedup_ci
                .map_or("-".into(), |(a, b)| format!("{a:.2}–{b:.2}"));
            writeln!(
                md,
                "| {} | {} | {} | {} | {} | {} | {ci} | {} | {}{} |",
                x.label(),
                x.workers,
                x.records,
                opt(x.wall_s.map(|w| w.median), 3),
                opt(x.records_per_s.map(|w| w.median), 0),
                opt(x.speedup, 2),
                opt(x.efficiency.map(|v| 100.0 * v), 0)
                    + if x.efficiency.is_some() { "%" } else { "" },
                opt(x.busy_fraction.map(|v| 100.0 * v), 0)
                    + if x.busy_fraction.is_some() { "%" } else { "" },
                if x.busy_flag.is_some() { " ⚠" } else { "" },
            )?;
        }

        writeln!(md, "\n## Where the time goes\n")?;
        writeln!(md, "Median per run, seconds summed over workers.\n")?;
        writeln!(
            md,
            "| configuration | overhead | parse | lock/queue wait | insert | idle |\n|---|---:|---:|---:|---:|---:|"
        )?;
        for x in &r.summaries {
            let p = &x.phases;
            writeln!(
                md,
                "| {} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} |",
                x.label(),
                p.overhead_s,
                p.parse_s,
                p.wait_s,
                p.insert_s,
                p.idle_s
            )?;
        }

        if !r.fits.is_empty() {
            writeln!(md, "\n## Scalability fits\n")?;
            writeln!(
                md,
                "Amdahl: S(n) = 1/(s + (1 − s)/n). Universal Scalability Law: S(n) = n/(1 + σ(n − 1) + κn(n − 1)), σ contention, κ coherency, peak at N* = √((1 − σ)/κ). Intervals: 95% bootstrap over runs.\n"
            )?;
            writeln!(
                md,
                "| curve | Amdahl s | R² | USL σ | USL κ | R² | peak N* (speedup) | limited by |\n|---|---|---:|---|---|---:|---|---|"
            )?;
            for g in &r.fits {
                let label = r
                    .summaries
                    .iter()
                    .find(|s| s.id == g.example_id)
                    .map_or(g.group.clone(), |s| s.label());
                let label = label
                    .rsplit_once(" ×")
                    .map_or(label.clone(), |(a, _)| a.to_string());
                match (&g.fit, &g.note) {
                    (Some(f), _) => writeln!(
                        md,
                        "| {label} | {:.3} ({:.3}–{:.3}) | {:.2} | {:.3} ({:.3}–{:.3}) | {:.4} ({:.4}–{:.4}) | {:.2} | {} | {} |",
                        f.amdahl_serial,
                        f.amdahl_serial_ci.0,
                        f.amdahl_serial_ci.1,
                        f.amdahl_r2,
                        f.usl_sigma,
                        f.usl_sigma_ci.0,
                        f.usl_sigma_ci.1,
                        f.usl_kappa,
                        f.usl_kappa_ci.0,
                        f.usl_kappa_ci.1,
                        f.usl_r2,
                        f.peak_workers.map_or("none (κ ≤ 0)".into(), |p| format!(
                            "{p:.1} ({:.2}×)",
                            f.peak_speedup.unwrap_or(0.0)
                        )),
                        f.limited_by
                    )?,
                    (None, Some(why)) => writeln!(md, "| {label} | {why} | | | | | | |")?,
                    _ => {}
                }
            }
            for g in &r.fits {
                for w in g.fit.iter().flat_map(|f| f.warnings.iter()) {
                    writeln!(md, "\n- {}: {w}", g.group)?;
                }
            }
        }

        if !r.figures.is_empty() {
            writeln!(md, "\n## Figures\n")?;
            for f in &r.figures {
                match (&f.caption, &f.skipped) {
                    (Some(c), _) => writeln!(
                        md,
                        "![{}](plots/{}.png)\n\n*{}.* {c}\n",
                        f.title, f.name, f.title
                    )?,
                    (None, Some(why)) => writeln!(md, "- *{}* skipped: {why}", f.title)?,
                    _ => {}
                }
            }
        }

        writeln!(md, "\n## Warnings\n")?;
        if r.warnings.is_empty() {
            writeln!(md, "None.")?;
        }
        for w in &r.warnings {
            writeln!(md, "- {w}")?;
        }
        Ok(md.into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot() {
        let bytes = Markdown.render(&super::super::fixture::report()).unwrap();
        insta::assert_snapshot!(String::from_utf8(bytes).unwrap());
    }
}
