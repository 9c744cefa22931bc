//! Chart 5: where the time goes: a stacked bar per configuration of the
//! seconds all workers spent in overhead, parse, lock/queue wait, insert
//! and idle (medians over runs).

use super::draw::StackedBars;
use super::style::phase_colour;
use super::{Prepared, measured};
use crate::analysis::ConfigSummary;
use crate::report::Report;
use crate::run::Phase;

/// At most this many bars.
pub const MAX_BARS: usize = 12;

pub fn prepare(r: &Report) -> Prepared<StackedBars> {
    let mut m: Vec<&ConfigSummary> = measured(r);
    if m.is_empty() {
        return Err("no measured configuration".into());
    }
    let max_records = m.iter().map(|s| s.records).max().unwrap_or(0);
    m.retain(|s| s.records == max_records);
    if m.len() > MAX_BARS {
        // Keep the most common batch size.
        let mut sizes: Vec<usize> = m.iter().map(|s| s.batch_size).collect();
        sizes.sort();
        let common = sizes
            .iter()
            .max_by_key(|b| sizes.iter().filter(|x| x == b).count())
            .copied()
            .unwrap_or(0);
        m.retain(|s| s.batch_size == common);
        m.truncate(MAX_BARS);
    }
    let bars: Vec<(String, Vec<f64>)> = m
        .iter()
        .map(|s| {
            let label = if s.workers == 1 {
                format!("{} seq.", s.engine)
            } else {
                format!("{} {} ×{}", s.engine, s.lock, s.workers)
            };
            (label, Phase::ALL.iter().map(|p| s.phases.get(*p)).collect())
        })
        .collect();
    let share = |s: &ConfigSummary, p: Phase| {
        let t = s.phases.total();
        if t > 0.0 { s.phases.get(p) / t } else { 0.0 }
    };
    let worst_wait = m
        .iter()
        .max_by(|a, b| share(a, Phase::Wait).total_cmp(&share(b, Phase::Wait)))
        .expect("non-empty");
    let worst_over = m
        .iter()
        .max_by(|a, b| share(a, Phase::Overhead).total_cmp(&share(b, Phase::Overhead)))
        .expect("non-empty");
    let caption = format!(
        "Lock/queue waiting takes up to {:.0}% of all worker time ({}); overhead up to {:.0}% ({}). Bars are seconds summed over workers, so a perfectly parallel run keeps the sequential bar's height.",
        100.0 * share(worst_wait, Phase::Wait),
        worst_wait.label(),
        100.0 * share(worst_over, Phase::Overhead),
        worst_over.label()
    );
    Ok((
        StackedBars {
            title: format!(
                "Where the time goes ({}, {max_records} records)",
                r.scenario.name
            ),
            y_label: "worker time, summed over workers (s)".into(),
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
        assert_eq!(bars.segments.len(), 5);
        // The fixture books wait = 0.2 × wall × (workers − 1).
        let four = bars.bars.iter().find(|b| b.0.ends_with("×4")).unwrap();
        assert!(four.1[2] > 0.0);
        assert!(
            caption.contains("Lock/queue waiting takes up to"),
            "{caption}"
        );
    }
}
