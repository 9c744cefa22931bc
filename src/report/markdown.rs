//! `report.md`: a readable summary, one function per section: where and
//! how it was measured, the best configuration per engine, speedup and
//! efficiency, which worker counts can be told apart, where the time goes,
//! whether every run stored the same rows, the fits, the figures and the
//! warnings.

use super::{Exporter, Report, opt};
use crate::analysis::ConfigSummary;
use crate::analysis::compare::compare_configs;
use crate::analysis::stats::{Interval, percent};
use anyhow::Result;
use std::fmt::Write;

/// `report.md`: the answer, the tables and the figures, for people.
pub struct Markdown;

type Out = std::result::Result<(), std::fmt::Error>;

impl Exporter for Markdown {
    fn file_name(&self) -> &'static str {
        "report.md"
    }
    fn render(&self, r: &Report) -> Result<Vec<u8>> {
        let mut md = String::new();
        for section in SECTIONS {
            section(&mut md, r)?;
        }
        Ok(md.into_bytes())
    }
}

const SECTIONS: [fn(&mut String, &Report) -> Out; 12] = [
    header,
    best_per_engine,
    speedup_table,
    told_apart,
    super::conditions::section,
    where_the_time_goes,
    super::conditions::server_waits,
    same_content,
    fits,
    intervals_note,
    figures,
    warnings,
];

fn header(md: &mut String, r: &Report) -> Out {
    let s = &r.scenario;
    writeln!(
        md,
        "# {}{}\n",
        s.name,
        if r.simulated { " (simulated)" } else { "" }
    )?;
    super::answer::section(md, r)?;
    if !s.description.is_empty() {
        writeln!(md, "{}\n", s.description.trim())?;
    }
    if r.partial {
        writeln!(
            md,
            "**Partial results:** the sweep was interrupted; configurations with fewer runs than asked for are marked by their run counts. `ingestlab run --resume` completes it.\n"
        )?;
    }
    let failed = r.runs.iter().filter(|x| x.failed).count();
    if r.simulated {
        // No warm-up, no database, no order: a model run once per seed.
        writeln!(
            md,
            "{} configurations, {} simulated runs ({failed} failed): each configuration simulated {} time(s) in virtual time, with the model's seeds {}, {}, …\n",
            r.configs.len(),
            r.runs.len(),
            s.repetitions.fixed_or_min(),
            s.data.seed,
            s.data.seed.wrapping_add(1)
        )?;
        return provenance(md, r);
    }
    writeln!(
        md,
        "{} configurations, {} runs ({failed} failed), {} after {} warm-up run(s), every run on a fresh database; {}.\n",
        r.configs.len(),
        r.runs.len(),
        match s.repetitions {
            crate::scenario::Repetitions::Fixed(n) => format!("{n} repetition(s) each"),
            crate::scenario::Repetitions::Auto => format!(
                "repetitions \"auto\" ({} round(s))",
                r.runs.iter().map(|x| x.rep + 1).max().unwrap_or(0)
            ),
        },
        s.warmup,
        match s.order {
            crate::scenario::Order::Rounds => format!(
                "measured in rounds (every configuration once per round, each speedup group's runs side by side in alternating order, groups shuffled with seed {})",
                s.shuffle_seed
            ),
            crate::scenario::Order::Grouped => "measured configuration after configuration (grouped order: speedups are unpaired and carry the machine's drift between configurations)".to_string(),
        }
    )?;
    provenance(md, r)
}

/// What the figures were made from and on: the user's data, a
/// simulation's cores, the machine and the engines' builds.
fn provenance(md: &mut String, r: &Report) -> Out {
    let e = &r.environment;
    if let Some(i) = &r.input {
        writeln!(md, "Data: {}.\n", i.sentence())?;
    }
    if let Some(cores) = r.simulated_cores {
        writeln!(
            md,
            "**Simulated** in virtual time for **{cores} core(s)** from a cost model; nothing below was measured. The machine that ran the simulation:\n"
        )?;
    }
    writeln!(
        md,
        "{} {} with ingestlab {} on {} ({} cores, {:.1} GiB), {}; engines: {}.\n",
        if r.simulated { "Computed" } else { "Measured" },
        e.date,
        e.ingestlab_version,
        e.cpu_model,
        e.cores,
        e.memory_bytes as f64 / (1u64 << 30) as f64,
        e.os,
        e.engines.join(", ")
    )?;
    if !e.engine_builds.is_empty() {
        writeln!(md, "Engine builds: {}.\n", e.engine_builds.join("; "))?;
    }
    Ok(())
}

/// "1,234–1,300 (93.75% range)" or "-".
fn interval(i: Option<Interval>, digits: usize) -> String {
    i.map_or("-".into(), |i| {
        format!("{:.digits$}–{:.digits$} ({})", i.low, i.high, i.label())
    })
}

fn best_per_engine(md: &mut String, r: &Report) -> Out {
    writeln!(md, "## Best configuration per engine\n")?;
    writeln!(
        md,
        "| engine | configuration | records/s (median) | interval | wall s (median) |\n|---|---|---:|---|---:|"
    )?;
    let mut engines: Vec<_> = r.summaries.iter().map(|x| x.facets.engine).collect();
    engines.sort();
    engines.dedup();
    for eng in engines {
        let best = r
            .summaries
            .iter()
            .filter(|x| x.facets.engine == eng && x.records_per_s.is_some())
            .max_by(|a, b| {
                a.records_per_s
                    .unwrap()
                    .median
                    .total_cmp(&b.records_per_s.unwrap().median)
            });
        if let (Some(b), Some(t)) = (best, best.and_then(|b| b.records_per_s)) {
            writeln!(
                md,
                "| {eng} | {} | {:.0} | {} | {:.3} |",
                b.label(),
                t.median,
                interval(Some(t.ci), 0),
                b.wall_s.map_or(0.0, |w| w.median)
            )?;
        }
    }
    Ok(())
}

fn speedup_table(md: &mut String, r: &Report) -> Out {
    writeln!(md, "\n## Speedup and efficiency\n")?;
    let paired = r.summaries.iter().any(|x| x.speedup_paired);
    writeln!(
        md,
        "speedup = T1 / Tn with T1 the wall time of the sequential 1-worker run on the same data, engine, method, index policy and batch size; {} efficiency = speedup / n. \"Busy fraction\" is the formula of the original benchmark script, sum of per-batch times / (wall × workers), shown for comparison: it counts waiting as work.\n",
        if paired {
            "T1 and Tn are paired within each round, and the speedup is the Hodges–Lehmann estimate of the per-round ratios T1(r) / Tn(r) with its Wilcoxon signed-rank interval;"
        } else {
            "the speedup is the ratio of the median wall times, with the Mann–Whitney interval of that ratio;"
        }
    )?;
    writeln!(
        md,
        "| configuration | workers | records | runs | wall s (median) | records/s | speedup | interval | efficiency | busy fraction |\n|---|---:|---:|---:|---:|---:|---:|---|---:|---:|"
    )?;
    let pct = |v: Option<f64>| v.map_or("-".to_string(), |v| format!("{:.0}%", 100.0 * v));
    for x in &r.summaries {
        writeln!(
            md,
            "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {}{} |",
            x.label(),
            x.workers(),
            x.facets.records,
            x.runs - x.failed_runs,
            opt(x.wall_s.map(|w| w.median), 3),
            opt(x.records_per_s.map(|w| w.median), 0),
            opt(x.speedup, 2),
            if x.workers() == 1 {
                "-".into()
            } else {
                interval(x.speedup_ci, 2)
            },
            pct(x.efficiency),
            pct(x.busy_fraction),
            if x.busy_flag.is_some() { " ⚠" } else { "" },
        )?;
    }
    Ok(())
}

/// For every group measured at two or more pooled worker counts: can the
/// two largest be told apart? (The seed's "would 2 workers beat 4?")
fn told_apart(md: &mut String, r: &Report) -> Out {
    if r.simulated {
        // Simulated repetitions differ only by the model's random draws: a
        // significance test between them would test the random numbers.
        return Ok(());
    }
    let mut lines = Vec::new();
    let mut groups: Vec<&str> = r
        .summaries
        .iter()
        .filter(|s| !s.group.is_empty())
        .map(|s| s.group.as_str())
        .collect();
    groups.dedup();
    for g in groups {
        let mut members: Vec<&ConfigSummary> = r
            .summaries
            .iter()
            .filter(|s| s.group == g && s.wall_s.is_some())
            .collect();
        members.sort_by_key(|s| s.workers());
        if let [.., a, b] = members.as_slice() {
            let rounds = r.scenario.order == crate::scenario::Order::Rounds;
            let Some(c) = compare_configs(&r.runs, &a.id, &b.id, rounds) else {
                continue;
            };
            let name = |s: &ConfigSummary| format!("{} workers", s.workers());
            lines.push(format!(
                "- {}: {}.",
                a.facets.without(crate::scenario::facets::Dim::Workers),
                c.sentence(&name(a), &name(b))
            ));
        }
    }
    if lines.is_empty() {
        return Ok(());
    }
    writeln!(md, "\n## Can the worker counts be told apart?\n")?;
    writeln!(
        md,
        "The two largest worker counts of each curve, by a two-sided test on their run times (α = 0.05; a change within ±2% is noise): measured in rounds, the Wilcoxon signed-rank test on the runs of the same round; otherwise the Mann–Whitney U test, with which 3 runs against 3 can never be told apart.\n"
    )?;
    for l in lines {
        writeln!(md, "{l}")?;
    }
    Ok(())
}

fn where_the_time_goes(md: &mut String, r: &Report) -> Out {
    writeln!(md, "\n## Where the time goes\n")?;
    writeln!(
        md,
        "Seconds per phase in one real run per configuration, the run with the median wall time, summed over its worker threads; the single writer thread has its own row. Every thread is accounted from the run's start to its end, so each configuration's rows add up to wall time × threads.\n"
    )?;
    writeln!(
        md,
        "| configuration | run | threads | overhead | parse | per-record work | lock/queue wait | insert | index | idle | = wall × threads |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
    )?;
    for x in &r.summaries {
        let Some(b) = &x.breakdown else { continue };
        let row = |md: &mut String, label: String, threads: String, p: &crate::run::PhaseTimes| {
            writeln!(
                md,
                "| {label} | {} | {threads} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} |",
                b.rep,
                p.overhead_s,
                p.parse_s,
                p.work_s,
                p.wait_s,
                p.insert_s,
                p.index_s,
                p.idle_s,
                p.total()
            )
        };
        let workers = x.workers();
        row(md, x.label(), format!("{workers}"), &b.workers)?;
        if let Some(w) = &b.writer {
            row(md, format!("{} (writer)", x.label()), "1".into(), w)?;
        }
    }
    Ok(())
}

fn same_content(md: &mut String, r: &Report) -> Out {
    if r.content.is_empty() {
        return Ok(());
    }
    writeln!(md, "\n## Same rows in every configuration\n")?;
    writeln!(
        md,
        "Each run's database is read back and compared with an account of the input made independently of the run (a sequential pass that applies the duplicate rule itself: the first record in file order wins each app_id). Across configurations on one input:\n"
    )?;
    for c in &r.content {
        if c.differing.is_empty() {
            writeln!(
                md,
                "- {}: all {} runs stored the same content (rows {:016x}, quarantine {:016x}).",
                c.data, c.runs, c.checksum, c.errors_checksum
            )?;
        } else {
            writeln!(
                md,
                "- {}: **{} of {} runs stored other content**: {}.",
                c.data,
                c.differing.len(),
                c.runs,
                c.differing.join(", ")
            )?;
        }
    }
    Ok(())
}

fn fits(md: &mut String, r: &Report) -> Out {
    if r.fits.is_empty() {
        return Ok(());
    }
    writeln!(md, "\n## Scalability fits\n")?;
    writeln!(
        md,
        "Amdahl: S(n) = 1/(s + (1 − s)/n). Universal Scalability Law: S(n) = n/(1 + σ(n − 1) + κn(n − 1)), σ contention, κ coherency, peak at N* = √((1 − σ)/κ). A fit is shown only with at least {} worker counts and R² ≥ {:.2}. Intervals: approximate 95% bootstrap over runs.\n",
        crate::analysis::fit::MIN_WORKER_COUNTS,
        crate::analysis::fit::MIN_R2
    )?;
    writeln!(
        md,
        "| curve | Amdahl s | R² | USL σ | USL κ | R² | peak N* (speedup) | limited by |\n|---|---|---:|---|---|---:|---|---|"
    )?;
    let ci = |c: Option<crate::analysis::Interval>, d: usize| {
        c.map_or(String::new(), |i| {
            format!(" ({} {:.d$}–{:.d$})", i.label(), i.low, i.high)
        })
    };
    for g in &r.fits {
        let label =
            r.summaries
                .iter()
                .find(|s| s.id == g.example_id)
                .map_or(g.group.clone(), |s| {
                    s.facets
                        .without(crate::scenario::facets::Dim::Workers)
                        .to_string()
                });
        match (&g.fit, &g.note) {
            (Some(f), _) => writeln!(
                md,
                "| {label} | {:.3}{} | {:.2} | {:.3}{} | {:.4}{} | {:.2} | {} | {} |",
                f.amdahl_serial,
                ci(f.amdahl_serial_ci, 3),
                f.amdahl_r2,
                f.usl_sigma,
                ci(f.usl_sigma_ci, 3),
                f.usl_kappa,
                ci(f.usl_kappa_ci, 4),
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
    Ok(())
}

fn intervals_note(md: &mut String, r: &Report) -> Out {
    let n = r
        .summaries
        .iter()
        .filter_map(|s| s.wall_s.map(|w| w.n))
        .min()
        .unwrap_or(0);
    writeln!(md, "\n## How the intervals are made\n")?;
    writeln!(
        md,
        "The interval of a median of n runs is the order-statistic interval [x(k), x(n+1−k)], distribution-free with exact coverage 1 − 2·P(Binomial(n, ½) < k); the narrowest one of at least 95% needs 6 runs. With fewer runs the interval is the range of the runs, labelled with its true level (75% for 3 runs, {} for 5). Speedup intervals are Mann–Whitney (Hodges–Lehmann) intervals of the ratio of run times, exact when the two configurations' run times differ by a factor. Each interval's level is in the tables, in summary.csv and in the figures.",
        percent(1.0 - 2.0 / 32.0)
    )?;
    if n > 0 && n < 6 {
        writeln!(
            md,
            "\nWith {n} run(s) per configuration, no interval of a median here is 95%: add repetitions (`--set repetitions=7`) for that."
        )?;
    }
    Ok(())
}

fn figures(md: &mut String, r: &Report) -> Out {
    if r.figures.is_empty() {
        return Ok(());
    }
    writeln!(md, "\n## Figures\n")?;
    for f in &r.figures {
        match (&f.caption, &f.skipped) {
            (Some(c), _) => figure(md, f, c)?,
            (None, Some(why)) => writeln!(md, "- *{}* skipped: {why}", f.title)?,
            _ => {}
        }
    }
    Ok(())
}

/// One drawn figure: its PNG inline only when the last drawing wrote one
/// (an older PNG left by an earlier drawing is not the figure any more),
/// then links to the other formats it wrote and its data.
fn figure(md: &mut String, f: &super::Figure, caption: &str) -> Out {
    let n = &f.name;
    let wrote = |ext: &str| f.formats.iter().any(|x| x == ext);
    if wrote("png") {
        writeln!(md, "![{}](plots/{n}.png)\n", f.title)?;
    }
    let mut links: Vec<String> = ["pdf", "svg"]
        .iter()
        .filter(|x| wrote(x))
        .map(|x| format!("[plots/{n}.{x}](plots/{n}.{x})"))
        .collect();
    links.push(format!("data: [plots/{n}.csv](plots/{n}.csv)"));
    let vector = if wrote("pdf") || wrote("svg") {
        "Vector: "
    } else {
        ""
    };
    writeln!(
        md,
        "*{}.* {caption} ({vector}{}.)\n",
        f.title,
        links.join("; ")
    )
}

fn warnings(md: &mut String, r: &Report) -> Out {
    writeln!(md, "\n## Warnings\n")?;
    if r.warnings.is_empty() {
        writeln!(md, "None.")?;
    }
    for w in &r.warnings {
        writeln!(md, "- {w}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snapshot() {
        let bytes = Markdown.render(&super::super::fixture::report()).unwrap();
        insta::assert_snapshot!(String::from_utf8(bytes).unwrap());
    }

    #[test]
    fn each_section_renders_on_its_own() {
        let r = super::super::fixture::report();
        for (i, section) in SECTIONS.iter().enumerate() {
            let mut md = String::new();
            section(&mut md, &r).unwrap();
            assert!(md.is_empty() || md.contains('\n'), "section {i}");
        }
        let mut md = String::new();
        where_the_time_goes(&mut md, &r).unwrap();
        assert!(md.contains("= wall × threads"), "{md}");
    }
}
