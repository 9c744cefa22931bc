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

/// At most this many configurations.
pub const MAX_BARS: usize = 12;

/// The configurations shown: the largest data set, and at most
/// `MAX_BARS` of them (the most common batch size first).
fn shown(r: &Report) -> Vec<&ConfigSummary> {
    let mut m: Vec<&ConfigSummary> = measured(r)
        .into_iter()
        .filter(|s| s.breakdown.is_some())
        .collect();
    let max_records = m.iter().map(|s| s.facets.records).max().unwrap_or(0);
    m.retain(|s| s.facets.records == max_records);
    if m.len() > MAX_BARS {
        let mut sizes: Vec<usize> = m.iter().map(|s| s.facets.batch_size).collect();
        sizes.sort();
        let common = sizes
            .iter()
            .max_by_key(|b| sizes.iter().filter(|x| x == b).count())
            .copied()
            .unwrap_or(0);
        m.retain(|s| s.facets.batch_size == common);
        m.truncate(MAX_BARS);
    }
    m
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
    let m = shown(r);
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
        "One real run per configuration (the one with the median wall time). Lock/queue waiting takes up to {:.0}% of all thread time ({}); overhead up to {:.0}% ({}). Workers are summed into one bar and the single writer has its own, so each configuration's bars add up to its wall time × threads, and a perfectly parallel run keeps the sequential bar's height.",
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
        assert_eq!(bars.segments.len(), 6);
        // The fixture books wait = 0.2 × wall × (workers − 1).
        let four = bars.bars.iter().find(|b| b.0.ends_with("×4")).unwrap();
        assert!(four.1[2] > 0.0);
        assert!(
            caption.contains("Lock/queue waiting takes up to"),
            "{caption}"
        );
    }
}
