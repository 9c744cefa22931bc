//! report.md's opening section: the answer to the sweep's question in a
//! few sentences, from the same summaries the tables show. Would more
//! workers be faster? For every speedup curve its two largest worker counts
//! are compared (round by round where the sweep ran in rounds), and the
//! verdicts are counted; the largest speedup is named, and called clearly
//! above the next only when its interval says so; then how sure that is
//! (pairing, the machine's drift, flagged runs) and what it covers.

use super::Report;
use crate::analysis::ConfigSummary;
use crate::analysis::compare::{Change, Verdict, compare_configs};
use std::fmt::Write;

/// The two largest worker counts of one curve, compared.
struct Step<'a> {
    fewer: &'a ConfigSummary,
    more: &'a ConfigSummary,
    change: Change,
}

/// Every curve's last step (its two largest worker counts), compared.
fn steps(r: &Report) -> Vec<Step<'_>> {
    let mut groups: Vec<&str> = r
        .summaries
        .iter()
        .filter(|s| !s.group.is_empty())
        .map(|s| s.group.as_str())
        .collect();
    groups.dedup();
    let rounds = r.scenario.order == crate::scenario::Order::Rounds && !r.simulated;
    groups
        .into_iter()
        .filter_map(|g| {
            let mut m: Vec<&ConfigSummary> = r
                .summaries
                .iter()
                .filter(|s| s.group == g && s.wall_s.is_some())
                .collect();
            // A curve starts at its sequential run.
            let base = m.first().map(|s| s.baseline.clone());
            m.extend(
                r.summaries
                    .iter()
                    .filter(|s| Some(&s.id) == base.as_ref() && s.wall_s.is_some()),
            );
            m.sort_by_key(|s| s.workers());
            let [.., fewer, more] = m.as_slice() else {
                return None;
            };
            let change = compare_configs(&r.runs, &fewer.id, &more.id, rounds)?;
            Some(Step {
                fewer,
                more,
                change,
            })
        })
        .collect()
}

/// The cores the figures are about: the simulated ones, or this machine's.
fn cores(r: &Report) -> usize {
    r.simulated_cores.unwrap_or(r.environment.cores)
}

/// The sentence on more workers, from the counted verdicts.
fn workers_sentence(r: &Report, steps: &[Step]) -> String {
    let cores = cores(r);
    let count = |v: &[Verdict]| {
        steps
            .iter()
            .filter(|s| v.contains(&s.change.verdict))
            .count()
    };
    let (faster, slower) = (count(&[Verdict::Faster]), count(&[Verdict::Slower]));
    let same = steps.len() - faster - slower;
    let pairs: Vec<(usize, usize)> = steps
        .iter()
        .map(|s| (s.fewer.workers(), s.more.workers()))
        .collect();
    let which = match pairs.first() {
        Some(&(lo, hi)) if pairs.iter().all(|p| *p == (lo, hi)) => {
            format!("with {hi} workers than with {lo}")
        }
        _ => "with their most workers than with the next fewer".to_string(),
    };
    let (place, measured) = if r.simulated {
        ("In the simulation", "simulated")
    } else {
        ("On this machine", "measured")
    };
    let mut s = format!(
        "{place} ({cores} cores), {faster} of {} curve(s) ran faster {which}, {same} could not be told apart and {slower} ran slower",
        steps.len()
    );
    let most = steps.iter().map(|x| x.more.workers()).max().unwrap_or(0);
    let best = r
        .summaries
        .iter()
        .filter_map(|x| x.speedup)
        .fold(0.0, f64::max);
    if faster == 0 && most > cores && best <= cores as f64 * 1.05 {
        // Within 5% of the core count is "at it", not "above it": the
        // words must not say "none exceeds 2×" beside a 2.04×.
        let bound = if best <= cores as f64 {
            format!("exceeds {cores}×")
        } else {
            format!("is more than 5% above {cores}×")
        };
        let _ = write!(
            s,
            ": beyond {cores} workers the extra workers can only share the {cores} cores, and no speedup {measured} {bound} (the highest is {best:.2}×)"
        );
    }
    s + "."
}

/// The sentence on the largest speedup, "clearly above" only when its
/// interval lies above the next one's.
fn best_sentence(r: &Report) -> Option<String> {
    let mut v: Vec<&ConfigSummary> = r
        .summaries
        .iter()
        .filter(|x| x.workers() > 1 && x.speedup.is_some())
        .collect();
    v.sort_by(|a, b| {
        b.speedup
            .unwrap_or(0.0)
            .total_cmp(&a.speedup.unwrap_or(0.0))
    });
    let top = v.first()?;
    let (s, ci) = (top.speedup?, top.speedup_ci?);
    let mut out = format!(
        "The highest speedup estimate is {s:.2}× ({} {:.2}–{:.2}) for {}",
        ci.label(),
        ci.low,
        ci.high,
        top.label()
    );
    if let Some(next) = v.get(1).and_then(|n| Some((n, n.speedup_ci?))) {
        let clear = ci.at_target() && next.1.at_target() && ci.low > next.1.high;
        let _ = write!(
            out,
            "; {} the next, {:.2}× for {}",
            if clear {
                "its interval lies above that of"
            } else {
                "the data cannot tell it from"
            },
            next.0.speedup.unwrap_or(0.0),
            next.0.label()
        );
    }
    Some(out + ".")
}

/// How sure, and what it covers.
fn sureness_and_scope(r: &Report) -> String {
    let mut s = String::new();
    if r.simulated {
        s += "These are simulated figures: their spread is the model's, not a machine's. ";
    } else if r.summaries.iter().any(|x| x.speedup_paired) {
        let rounds = r.runs.iter().map(|x| x.rep + 1).max().unwrap_or(0);
        let _ = write!(
            s,
            "Speedups pair the runs of each of {rounds} round(s), so the machine's drift cancels out of them"
        );
        if let Some(d) = &r.drift {
            let _ = write!(
                s,
                " (its speed varied {:.0}% between rounds; {} run(s) flagged)",
                100.0 * (d.spread - 1.0),
                d.flagged_runs
            );
        }
        s += ". ";
    } else {
        s += "Speedups compare runs made apart (grouped order) and carry the machine's drift between them. ";
    }
    s += &scope(r);
    s
}

/// The record count of the thesis the seed notes describe (717K patent
/// applications).
const THESIS_RECORDS: u64 = 717_000;

/// What the answer covers, and what to use beyond it: the thesis's record
/// count only where the sweep stops short of it.
fn scope(r: &Report) -> String {
    let mut records: Vec<u64> = r.summaries.iter().map(|x| x.facets.records).collect();
    records.sort_unstable();
    records.dedup();
    let mut engines: Vec<String> = r
        .summaries
        .iter()
        .map(|x| x.facets.engine.to_string())
        .collect();
    engines.sort();
    engines.dedup();
    let beyond = if records.last().is_some_and(|&n| n >= THESIS_RECORDS) {
        "other core counts"
    } else {
        "the thesis's 717K records or other core counts"
    };
    format!(
        "Scope: {} record(s), {}, {} {} cores; for {beyond}, `ingestlab simulate` and `ingestlab whatif` extrapolate.",
        records
            .iter()
            .map(|x| x.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        engines.join(", "),
        if r.simulated {
            "the simulation's"
        } else {
            "this machine's"
        },
        cores(r)
    )
}

/// The answer's sentences, from the report's own numbers.
pub fn answer(r: &Report) -> Vec<String> {
    let steps = steps(r);
    let mut out = Vec::new();
    if steps.is_empty() {
        let fastest = r
            .summaries
            .iter()
            .filter(|x| x.records_per_s.is_some())
            .max_by(|a, b| {
                a.records_per_s
                    .unwrap()
                    .median
                    .total_cmp(&b.records_per_s.unwrap().median)
            });
        if let Some(f) = fastest {
            out.push(format!(
                "The highest median throughput is {:.0} records/s, for {}.",
                f.records_per_s.unwrap().median,
                f.label()
            ));
        }
    } else {
        out.push(workers_sentence(r, &steps));
        out.extend(best_sentence(r));
        let figs = "Evidence: the speedup and efficiency figures, the table \"Speedup and efficiency\" and \"Can the worker counts be told apart?\" below.";
        out.push(figs.to_string());
    }
    out.push(sureness_and_scope(r));
    out
}

/// The section, right under the report's title.
pub fn section(md: &mut String, r: &Report) -> std::fmt::Result {
    writeln!(md, "## Answer\n")?;
    if !r.scenario.question.is_empty() {
        writeln!(md, "*{}*\n", r.scenario.question.trim())?;
    }
    writeln!(md, "{}\n", answer(r).join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::summary::tests::{run, spec};

    /// One curve (1, 2 and 4 workers) whose 4-worker time is `t4`, over 8
    /// rounds with a little noise.
    fn report(t4: f64) -> Report {
        report_with(1.1, t4)
    }

    /// The same with a 2-worker time of `t2` (the baseline takes 2.0).
    fn report_with(t2: f64, t4: f64) -> Report {
        let mut c = vec![
            spec("b", 1, "b"),
            spec("g/w2", 2, "b"),
            spec("g/w4", 4, "b"),
        ];
        c[1].group = "g".into();
        c[2].group = "g".into();
        let mut runs = Vec::new();
        for k in 0..8 {
            let n = 1.0 + 0.01 * ((k * 3) % 4) as f64;
            runs.push(run(&c[0], k, 2.0 * n, 2.0, 0.0));
            runs.push(run(&c[1], k, t2 * n, 2.0 * t2, 0.0));
            runs.push(run(&c[2], k, t4 * n, 4.0 * t4, 0.0));
        }
        let s = crate::scenario::parse(
            "name = \"a\"\n[data]\nrecords = [1000]\n[sweep]\nworkers = [1, 2, 4]\n",
            std::path::Path::new("a.toml"),
            &[],
        )
        .unwrap();
        let mut r = super::super::build_report(&s, c, runs, false);
        r.environment = super::super::Environment::fixed();
        r.environment.cores = 2;
        r
    }

    /// A sweep already at the thesis's size is not sent to the simulator
    /// for it; a smaller one is.
    #[test]
    fn the_scope_points_beyond_what_the_sweep_covers() {
        let mut r = report(1.1);
        let small = scope(&r);
        assert!(small.starts_with("Scope: 1000 record(s), sqlite, this machine's 2 cores"));
        assert!(small.contains("for the thesis's 717K records or other core counts"));
        for s in r.summaries.iter_mut() {
            s.facets.records = 717_000;
        }
        let full = scope(&r);
        assert!(full.contains("Scope: 717000 record(s)"), "{full}");
        assert!(
            full.contains("for other core counts,") && !full.contains("717K"),
            "{full}"
        );
    }

    #[test]
    fn different_results_get_different_answers_from_their_own_numbers() {
        let capped = answer(&report(1.1)).join(" ");
        assert!(
            capped.contains(
                "0 of 1 curve(s) ran faster with 4 workers than with 2, 1 could not be told apart"
            ),
            "{capped}"
        );
        assert!(
            capped.contains("can only share the 2 cores")
                && capped.contains("no speedup measured exceeds 2× (the highest is 1.82×)"),
            "{capped}"
        );
        // 2.04× at 2 workers: within 5% of the cores, and not worded as if
        // nothing exceeded 2×.
        let at_cores = answer(&report_with(0.98, 1.0)).join(" ");
        assert!(
            at_cores
                .contains("no speedup measured is more than 5% above 2× (the highest is 2.04×)"),
            "{at_cores}"
        );
        let scaling = answer(&report(0.6)).join(" ");
        assert!(
            scaling.contains("1 of 1 curve(s) ran faster with 4 workers than with 2"),
            "{scaling}"
        );
        assert!(!scaling.contains("share the 2 cores"), "{scaling}");
        // 3.33× against 1.82×, both intervals at 95% (8 pairs): clear.
        assert!(
            scaling.contains("The highest speedup estimate is 3.33×")
                && scaling.contains("its interval lies above"),
            "{scaling}"
        );
        assert!(
            capped.contains("Speedups pair the runs of each of 8 round(s)"),
            "{capped}"
        );
    }

    /// A simulation answers for the cores it simulated, and says it
    /// simulated: an 8-core simulation run on this 2-core machine is not
    /// "this machine's 2 cores".
    #[test]
    fn a_simulation_speaks_of_its_own_cores() {
        let mut r = report(1.1);
        r.simulated = true;
        r.simulated_cores = Some(8);
        let a = answer(&r).join(" ");
        assert!(a.contains("In the simulation (8 cores)"), "{a}");
        assert!(a.contains("the simulation's 8 cores"), "{a}");
        assert!(!a.contains("this machine"), "{a}");
        assert!(
            !a.contains("share the 8 cores"),
            "4 workers fit 8 cores: {a}"
        );
        r.simulated_cores = Some(2);
        let a = answer(&r).join(" ");
        assert!(a.contains("no speedup simulated exceeds 2×"), "{a}");
    }
}
