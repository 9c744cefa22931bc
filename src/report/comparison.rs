//! `ingestlab compare`'s exports: a Markdown table and a CSV of B against
//! A per configuration (median times, the change in throughput with its
//! interval, the test's p-value and verdict), with the configurations only
//! one side has.

use crate::analysis::compare::{ALPHA, ConfigChange, NOISE, RunComparison};
use anyhow::Result;

/// The change in throughput, percent, and its interval (from the interval
/// of the time ratio: throughput ratio = 1 / time ratio).
pub fn throughput_change(c: &ConfigChange) -> (f64, f64, f64) {
    let ch = &c.change;
    let pct = |ratio: f64| 100.0 * (1.0 / ratio - 1.0);
    (
        ch.throughput_change_pct,
        pct(ch.ratio_ci.high),
        pct(ch.ratio_ci.low),
    )
}

/// What the verdict compares: "relative" (time over the sweep's own
/// sequential run, round by round), "paired" (round by round in one sweep)
/// or "wall" (absolute wall times).
pub fn basis(c: &ConfigChange) -> &'static str {
    if c.relative {
        "relative"
    } else if c.change.paired_rounds > 0 {
        "paired"
    } else {
        "wall"
    }
}

/// The absolute median wall times of A and B (beside a relative verdict).
pub fn wall_medians(c: &ConfigChange) -> (f64, f64) {
    let abs = c.absolute.as_ref().unwrap_or(&c.change);
    (abs.a_median_s, abs.b_median_s)
}

/// The CSV: one row per compared configuration.
pub fn csv(cmp: &RunComparison) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "a_config",
        "b_config",
        "a_runs",
        "b_runs",
        "a_median_wall_s",
        "b_median_wall_s",
        "basis",
        "wall_time_ratio_b_over_a",
        "time_ratio_b_over_a",
        "throughput_change_pct",
        "throughput_change_low_pct",
        "throughput_change_high_pct",
        "interval_level",
        "interval_method",
        "p",
        "verdict",
    ])?;
    for c in &cmp.changes {
        let ch = &c.change;
        let (pct, lo, hi) = throughput_change(c);
        let (am, bm) = wall_medians(c);
        w.write_record([
            c.a_config.clone(),
            c.b_config.clone(),
            ch.a_runs.to_string(),
            ch.b_runs.to_string(),
            am.to_string(),
            bm.to_string(),
            basis(c).to_string(),
            (bm / am).to_string(),
            ch.time_ratio.to_string(),
            pct.to_string(),
            lo.to_string(),
            hi.to_string(),
            ch.ratio_ci.level.to_string(),
            ch.ratio_ci.method.to_string(),
            ch.p_value.to_string(),
            ch.verdict.to_string(),
        ])?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

/// The rule the verdicts follow, for every output.
pub fn criterion() -> String {
    format!(
        "Verdict: faster or slower when the two-sided test gives p < {ALPHA} and the whole interval of the time ratio lies beyond ±{:.0}% (noise); within noise when p < {ALPHA} but the interval reaches into ±{:.0}%; no difference detected when p ≥ {ALPHA}. Basis: \"paired\" compares two configurations of one sweep round by round (Wilcoxon signed-rank); \"relative\" compares, across two sweeps, each multi-worker configuration's time over its own sweep's sequential run of the same round (Mann–Whitney), which the machine's drift between the sweeps cannot move; \"wall\" compares absolute wall times (Mann–Whitney), and across sweeps those include whatever the machine's speed did between them. With 3 runs against 3 no difference can be detected (the smallest p is 0.1). Each configuration is tested on its own: among k configurations that did not change, about k × {ALPHA} verdicts of faster or slower are expected by chance.",
        NOISE * 100.0,
        NOISE * 100.0
    )
}

/// The Markdown report; `label` names a configuration for people.
pub fn markdown(cmp: &RunComparison, a: &str, b: &str, label: &dyn Fn(&str) -> String) -> String {
    let mut s = format!("# ingestlab compare: B = {b} against A = {a}\n\n");
    if !cmp.ignored.is_empty() {
        s += &format!(
            "A and B differ in: {}; configurations are paired on everything else.\n\n",
            cmp.ignored.join(", ")
        );
    }
    s += "| configuration | A median wall (s) | B median wall (s) | basis | change | interval | p | verdict |\n";
    s += "|---|---:|---:|---|---:|---|---:|---|\n";
    for c in &cmp.changes {
        let ch = &c.change;
        let (pct, lo, hi) = throughput_change(c);
        let name = if c.a_config == c.b_config {
            label(&c.a_config)
        } else {
            format!("{} → {}", label(&c.a_config), label(&c.b_config))
        };
        let (am, bm) = wall_medians(c);
        s += &format!(
            "| {name} | {am:.3} ({} runs) | {bm:.3} ({} runs) | {} | {pct:+.1}% | {lo:+.1}% to {hi:+.1}% ({}) | {:.3} | {} |\n",
            ch.a_runs,
            ch.b_runs,
            basis(c),
            ch.ratio_ci.label(),
            ch.p_value,
            ch.verdict
        );
    }
    s += &format!("\n{}\n", criterion());
    let list = |title: &str, v: &[String]| {
        if v.is_empty() {
            String::new()
        } else {
            format!(
                "\n{title}: {}\n",
                v.iter().map(|id| label(id)).collect::<Vec<_>>().join("; ")
            )
        }
    };
    s += &list("Only in A", &cmp.only_a);
    s += &list("Only in B", &cmp.only_b);
    s += &list(
        "In both, but without a successful run in one",
        &cmp.unmeasured,
    );
    s
}
