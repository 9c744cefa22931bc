//! Chart 5: where the time goes: a stacked bar per configuration of the
//! seconds its threads spent in each phase in one real run (the run with
//! the median wall time), the workers summed into one bar and the single
//! writer thread in a bar of its own.

use super::draw::StackedBars;
use super::style::phase_colour;
use super::{Prepared, measured};
use crate::analysis::ConfigSummary;
use crate::report::Report;
use crate::run::{Phase, PhaseTimes};

/// At most this many bars (a single writer has a bar of its own): more
/// than a column of print holds legibly.
pub const MAX_BARS: usize = 24;

/// The bars a configuration takes.
fn bars_of(s: &ConfigSummary) -> usize {
    1 + usize::from(s.breakdown.as_ref().is_some_and(|b| b.writer.is_some()))
}

/// The configurations shown and what slice of the sweep they are: the
/// largest data set; when that takes more than `MAX_BARS` bars, its most
/// common batch size; and when that still does, its first configurations
/// (the sentence says so, and the table holds them all).
fn shown(r: &Report) -> (Vec<&ConfigSummary>, String) {
    let mut m: Vec<&ConfigSummary> = measured(r)
        .into_iter()
        .filter(|s| s.breakdown.is_some())
        .collect();
    let max_records = m.iter().map(|s| s.facets.records).max().unwrap_or(0);
    let all = m.len();
    m.retain(|s| s.facets.records == max_records);
    let mut slice = format!("{max_records} records");
    if all > m.len() {
        slice += " (the largest data set; the others are in the table \"Where the time goes\")";
    }
    let bars = |m: &[&ConfigSummary]| m.iter().map(|s| bars_of(s)).sum::<usize>();
    let mut batches: Vec<usize> = m.iter().map(|s| s.facets.batch_size).collect();
    batches.sort();
    if bars(&m) > MAX_BARS && batches.first() != batches.last() {
        let common = batches
            .iter()
            .max_by_key(|b| batches.iter().filter(|x| x == b).count())
            .copied()
            .unwrap_or(0);
        m.retain(|s| s.facets.batch_size == common);
        slice += &format!(", batches of {common} only (the other batch sizes are in the table)");
    }
    if bars(&m) > MAX_BARS {
        let before = m.len();
        let mut used = 0;
        m.retain(|s| {
            used += bars_of(s);
            used <= MAX_BARS
        });
        slice += &format!(
            ", the first {} of its {before} configurations (the other {} are in the table)",
            m.len(),
            before - m.len()
        );
    }
    (m, slice)
}

fn bar_label(s: &ConfigSummary) -> String {
    let f = &s.facets;
    match f.lock {
        None => format!("{} sequential", f.engine),
        Some(l) => format!("{} {l} ×{}", f.engine, f.workers),
    }
}

fn share(p: &PhaseTimes, phase: Phase) -> f64 {
    let t = p.total();
    if t > 0.0 { p.get(phase) / t } else { 0.0 }
}

/// The chart and its caption from `r`, or why it cannot be drawn.
pub fn prepare(r: &Report) -> Prepared<StackedBars> {
    let (m, slice) = shown(r);
    let Some(first) = m.first() else {
        return Err("no measured configuration".into());
    };
    let values = |p: &PhaseTimes| Phase::ALL.iter().map(|ph| p.get(*ph)).collect::<Vec<f64>>();
    let mut bars = Vec::new();
    for s in &m {
        let b = s.breakdown.as_ref().expect("kept only with a breakdown");
        bars.push((bar_label(s), values(&b.workers)));
        if let Some(w) = &b.writer {
            bars.push((format!("{} writer", bar_label(s)), values(w)));
        }
    }
    let total = |s: &&ConfigSummary| s.breakdown.as_ref().map(|b| b.total()).unwrap_or_default();
    let worst = |phase: Phase| {
        m.iter()
            .max_by(|a, b| share(&total(a), phase).total_cmp(&share(&total(b), phase)))
            .expect("non-empty")
    };
    let (wait, over) = (worst(Phase::Wait), worst(Phase::Overhead));
    let caption = format!(
        "{slice}: one real run per configuration (the one with the median wall time). Among them, lock/queue waiting takes up to {:.0}% of all thread time ({}); overhead up to {:.0}% ({}). Workers are summed into one bar and the single writer has its own, so each configuration's bars add up to its wall time × threads, and a perfectly parallel run keeps the sequential bar's height.",
        100.0 * share(&total(wait), Phase::Wait),
        wait.label(),
        100.0 * share(&total(over), Phase::Overhead),
        over.label()
    );
    Ok((
        StackedBars {
            title: format!(
                "Where the time goes ({}, {} records)",
                r.scenario.name, first.facets.records
            ),
            y_label: "thread time, workers summed (s)".into(),
            bars,
            segments: Phase::ALL
                .iter()
                .map(|p| {
                    let name = match p {
                        Phase::Wait => "lock/queue wait".to_string(),
                        Phase::Work => "per-record work".to_string(),
                        other => other.name().to_string(),
                    };
                    (name, phase_colour(*p))
                })
                .collect(),
        },
        caption,
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_bar_per_configuration_of_the_largest_data() {
        let r = super::super::testdata::report();
        let (bars, caption) = super::prepare(&r).unwrap();
        assert_eq!(bars.bars.len(), 6);
        assert_eq!(bars.segments.len(), crate::run::Phase::ALL.len());
        // The fixture books wait = 0.2 × wall × (workers − 1).
        let four = bars.bars.iter().find(|b| b.0.ends_with("×4")).unwrap();
        let wait = bars.segments.iter().position(|s| s.0 == "lock/queue wait");
        assert!(four.1[wait.unwrap()] > 0.0);
        let work = bars.segments.iter().position(|s| s.0 == "per-record work");
        assert_eq!(
            four.1[work.unwrap()],
            0.0,
            "no per-record work in the fixture"
        );
        assert!(
            caption.starts_with("10000 records (the largest data set"),
            "{caption}"
        );
        assert!(
            caption.contains("lock/queue waiting takes up to"),
            "{caption}"
        );
    }

    /// The caption's share is the table's (wait / the bar's total, for the
    /// configuration it names), and a sweep too large for one figure says
    /// what it left out instead of dropping it silently.
    #[test]
    fn the_share_is_the_tables_and_nothing_is_dropped_unsaid() {
        let mut r = super::super::testdata::report();
        let (_, caption) = super::prepare(&r).unwrap();
        let worst = r
            .summaries
            .iter()
            .filter(|s| s.facets.records == 10_000)
            .filter_map(|s| s.breakdown.as_ref().map(|b| (s, b.total())))
            .max_by(|a, b| (a.1.wait_s / a.1.total()).total_cmp(&(b.1.wait_s / b.1.total())))
            .unwrap();
        let pct = 100.0 * worst.1.wait_s / worst.1.total();
        assert!(
            caption.contains(&format!(
                "takes up to {pct:.0}% of all thread time ({})",
                worst.0.label()
            )),
            "{caption}"
        );
        // 30 configurations at one batch size: more bars than fit.
        let template = r.summaries[0].clone();
        r.summaries = (0..30)
            .map(|i| {
                let mut s = template.clone();
                s.id = format!("c{i}");
                s
            })
            .collect();
        let (bars, caption) = super::prepare(&r).unwrap();
        assert_eq!(bars.bars.len(), super::MAX_BARS);
        assert!(
            caption
                .contains("the first 24 of its 30 configurations (the other 6 are in the table)"),
            "{caption}"
        );
    }
}
