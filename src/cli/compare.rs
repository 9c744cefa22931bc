//! `ingestlab compare A [B]`: two results folders (or two configurations
//! of one) side by side, as a terminal table, Markdown, CSV and a chart.

use super::experiment::read_report;
use super::values::FigureArgs;
use crate::analysis::compare::{self, NOISE, RunComparison};
use crate::plot::changes::{ChangeChart, ChangeRow};
use crate::report::{Report, comparison};
use crate::scenario::facets;
use crate::store;
use anyhow::{Result, bail};
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct CompareArgs {
    /// Results folder A, the baseline.
    pub a: PathBuf,
    /// Results folder B (default: A itself, comparing two of its
    /// configurations given with --a-config and --b-config).
    pub b: Option<PathBuf>,
    /// Compare only this configuration of A (an id from summary.csv)...
    #[arg(long, requires = "b_config")]
    pub a_config: Option<String>,
    /// ...against this configuration of B.
    #[arg(long, requires = "a_config")]
    pub b_config: Option<String>,
    /// Folder for comparison.md, comparison.csv and the chart (default:
    /// a folder `compare` inside B).
    #[arg(long)]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub figures: FigureArgs,
}

/// Which configurations to pair.
fn pairs(a: &Report, b: &Report, args: &CompareArgs) -> Result<RunComparison> {
    let ids = |r: &Report| r.configs.iter().map(|c| c.id.clone()).collect::<Vec<_>>();
    match (&args.a_config, &args.b_config) {
        (Some(ia), Some(ib)) => {
            for (id, r, side) in [(ia, a, "A"), (ib, b, "B")] {
                if !r.configs.iter().any(|c| &c.id == id) {
                    bail!(
                        "configuration '{id}' is not in {side}; its configurations are:\n  {}",
                        ids(r).join("\n  ")
                    );
                }
            }
            let rounds = |r: &Report| r.scenario.order == crate::scenario::Order::Rounds;
            if args.b.is_none() && rounds(a) {
                // Two configurations of one sweep ran side by side in
                // every round: compare them round by round.
                if let Some(c) = compare::compare_in_rounds(&a.runs, ia, ib) {
                    return Ok(compare::RunComparison {
                        changes: vec![c],
                        ..Default::default()
                    });
                }
            }
            Ok(compare::compare_pairs(
                side(a),
                side(b),
                &[(ia.clone(), ib.clone())],
            ))
        }
        _ if args.b.is_none() => bail!(
            "give a second results folder, or two configurations of '{}' with --a-config and --b-config",
            args.a.display()
        ),
        _ => Ok(compare::compare_shared(side(a), side(b))),
    }
}

/// A report as one side of a comparison.
fn side(r: &Report) -> compare::Side<'_> {
    compare::Side {
        runs: &r.runs,
        configs: &r.configs,
        rounds: r.scenario.order == crate::scenario::Order::Rounds,
    }
}

/// Short names for configurations: the facets that vary among them.
fn labeller(a: &Report, b: &Report) -> impl Fn(&str) -> String {
    let all: Vec<_> = a.configs.iter().chain(&b.configs).collect();
    let facets: Vec<_> = all.iter().map(|c| c.facets()).collect();
    let names = facets::labels(&facets, &[]);
    let map: Vec<(String, String)> = all
        .iter()
        .zip(names)
        .map(|(c, n)| (c.id.clone(), if n.is_empty() { c.id.clone() } else { n }))
        .collect();
    move |id: &str| {
        map.iter()
            .find(|(i, _)| i == id)
            .map_or_else(|| id.to_string(), |(_, n)| n.clone())
    }
}

pub fn compare(args: &CompareArgs) -> Result<()> {
    let a = read_report(&args.a)?;
    let b_dir = args.b.clone().unwrap_or_else(|| args.a.clone());
    let b = if args.b.is_some() {
        read_report(&b_dir)?
    } else {
        a.clone()
    };
    let cmp = pairs(&a, &b, args)?;
    if cmp.changes.is_empty() {
        bail!(
            "nothing to compare: A and B share no configuration with successful runs (only in A: {}; only in B: {})",
            cmp.only_a.len(),
            cmp.only_b.len()
        );
    }
    let label = labeller(&a, &b);
    if !cmp.ignored.is_empty() {
        println!(
            "A and B differ in: {}; configurations are paired on everything else",
            cmp.ignored.join(", ")
        );
    }
    print_table(&cmp, &label);
    if args.b.is_some()
        && let Some(d) = compare::speedup_disagreement(&a.summaries, &b.summaries)
    {
        println!(
            "speedup disagreement over {} multi-worker configurations: median {:.1}%, worst {:.1}%",
            d.configs,
            100.0 * d.median,
            100.0 * d.worst
        );
    }
    let out = args.output.clone().unwrap_or_else(|| b_dir.join("compare"));
    write(&cmp, &args.a, &b_dir, &out, &label, args)?;
    println!(
        "comparison in '{}' (comparison.md, comparison.csv, plots/)",
        out.display()
    );
    Ok(())
}

fn name(c: &compare::ConfigChange, label: &dyn Fn(&str) -> String) -> String {
    if c.a_config == c.b_config {
        label(&c.a_config)
    } else {
        format!("{} → {}", label(&c.a_config), label(&c.b_config))
    }
}

fn print_table(cmp: &RunComparison, label: &dyn Fn(&str) -> String) {
    println!(
        "{:<44} {:>11} {:>11} {:>8} {:>9} {:>17} {:>7}  verdict",
        "configuration", "A median", "B median", "basis", "change", "interval", "p"
    );
    for c in &cmp.changes {
        let ch = &c.change;
        let (pct, lo, hi) = comparison::throughput_change(c);
        let (am, bm) = comparison::wall_medians(c);
        println!(
            "{:<44} {:>10.3}s {:>10.3}s {:>8} {:>+8.1}% {:>+7.1}..{:>+6.1}% {:>7.3}  {}",
            name(c, label),
            am,
            bm,
            comparison::basis(c),
            pct,
            lo,
            hi,
            ch.p_value,
            ch.verdict
        );
    }
    for (what, v) in [("only in A", &cmp.only_a), ("only in B", &cmp.only_b)] {
        if !v.is_empty() {
            println!(
                "{what}: {}",
                v.iter().map(|id| label(id)).collect::<Vec<_>>().join("; ")
            );
        }
    }
    println!("{}", comparison::criterion());
}

fn write(
    cmp: &RunComparison,
    a: &Path,
    b: &Path,
    out: &Path,
    label: &dyn Fn(&str) -> String,
    args: &CompareArgs,
) -> Result<()> {
    store::claim_folder(out, false)?;
    // claim_folder prepares a sweep's folder; a comparison has no timelines.
    let _ = std::fs::remove_dir(out.join("timelines"));
    let (an, bn) = (a.display().to_string(), b.display().to_string());
    store::write_atomic(
        &out.join("comparison.md"),
        comparison::markdown(cmp, &an, &bn, label).as_bytes(),
    )?;
    store::write_atomic(&out.join("comparison.csv"), &comparison::csv(cmp)?)?;
    let (a_short, b_short) = short_names(a, b);
    let chart = ChangeChart {
        title: format!("Throughput of B ({b_short}) against A ({a_short})"),
        rows: cmp
            .changes
            .iter()
            .map(|c| {
                let (pct, lo, hi) = comparison::throughput_change(c);
                ChangeRow {
                    label: name(c, label),
                    pct,
                    lo,
                    hi,
                    interval: c.change.ratio_ci.label(),
                    verdict: c.change.verdict.to_string(),
                }
            })
            .collect(),
        noise_pct: NOISE * 100.0,
    };
    let dir = store::plots_dir(out);
    std::fs::create_dir_all(&dir)?;
    crate::plot::output::save(&chart, &dir, "comparison", &args.figures.options())?;
    Ok(())
}

/// The folders' own names for a figure title ("qs-b", "qs"), or their
/// paths as given where the names alone would read the same.
fn short_names(a: &Path, b: &Path) -> (String, String) {
    let name = |p: &Path| p.file_name().map(|n| n.to_string_lossy().into_owned());
    match (name(a), name(b)) {
        (Some(x), Some(y)) if x != y => (x, y),
        _ => (a.display().to_string(), b.display().to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::short_names;
    use std::path::Path;

    #[test]
    fn titles_use_folder_names_unless_they_would_read_the_same() {
        let (a, b) = short_names(Path::new("results/quickstart"), Path::new("/tmp/qs-b"));
        assert_eq!((a.as_str(), b.as_str()), ("quickstart", "qs-b"));
        let (a, b) = short_names(Path::new("old/quickstart"), Path::new("new/quickstart"));
        assert_eq!(
            (a.as_str(), b.as_str()),
            ("old/quickstart", "new/quickstart")
        );
    }
}
