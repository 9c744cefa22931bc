//! Chart 2: efficiency (speedup / n) vs workers, with the seed script's
//! "busy fraction" dashed beside each line in the same colour, so the gap
//! between what the formula claimed and what happened is visible.

use super::draw::{Line, LineChart, Pt};
use super::speedup::{groups, readable};
use super::{Prepared, labels};
use crate::analysis::ConfigSummary;
use crate::report::Report;

pub fn prepare(r: &Report) -> Prepared<LineChart> {
    let (groups, _) = readable(groups(r));
    if groups.is_empty() {
        return Err(
            "no configuration with more than one worker and a measured 1-worker baseline".into(),
        );
    }
    let firsts: Vec<&ConfigSummary> = groups.iter().map(|(_, v)| v[0]).collect();
    let names = labels(&firsts);
    let mut lines = Vec::new();
    let mut max_gap: Option<(f64, &ConfigSummary)> = None;
    let mut max_w = 1;
    for (i, ((base, members), label)) in groups.iter().zip(names).enumerate() {
        let all: Vec<&ConfigSummary> = std::iter::once(*base)
            .chain(members.iter().copied())
            .collect();
        let eff = all
            .iter()
            .map(|s| {
                let n = s.workers as f64;
                let (lo, hi) = s.speedup_ci.map_or((0.0, 0.0), |(a, b)| (a / n, b / n));
                let e = s.efficiency.unwrap_or(0.0);
                Pt {
                    x: n,
                    y: 100.0 * e,
                    lo: 100.0 * lo,
                    hi: 100.0 * hi,
                }
            })
            .collect();
        let busy = all
            .iter()
            .map(|s| {
                let b = 100.0 * s.busy_fraction.unwrap_or(0.0);
                Pt {
                    x: s.workers as f64,
                    y: b,
                    lo: b,
                    hi: b,
                }
            })
            .collect();
        for s in members {
            max_w = max_w.max(s.workers);
            let gap = s.busy_fraction.unwrap_or(0.0) - s.efficiency.unwrap_or(0.0);
            if max_gap.is_none_or(|(g, _)| gap > g) {
                max_gap = Some((gap, s));
            }
        }
        lines.push(Line {
            label: label.clone(),
            points: eff,
            dashed: false,
            style: i,
        });
        lines.push(Line {
            label: String::new(),
            points: busy,
            dashed: true,
            style: i,
        });
    }
    let flagged = r.summaries.iter().filter(|s| s.busy_flag.is_some()).count();
    let multi = r
        .summaries
        .iter()
        .filter(|s| s.workers > 1 && s.efficiency.is_some())
        .count();
    let caption = match max_gap {
        Some((g, s)) if g > 0.0 => format!(
            "The busy fraction overstates the real efficiency in {flagged} of {multi} multi-worker configurations; the largest gap is {:.0} points ({}: busy {:.0}% vs efficiency {:.0}%).",
            100.0 * g,
            s.label(),
            100.0 * s.busy_fraction.unwrap_or(0.0),
            100.0 * s.efficiency.unwrap_or(0.0)
        ),
        _ => format!(
            "The busy fraction does not overstate the real efficiency in any of the {multi} multi-worker configurations."
        ),
    };
    let ideal = Line {
        label: "ideal (100%)".into(),
        points: (1..=max_w)
            .map(|w| Pt {
                x: w as f64,
                y: 100.0,
                lo: 100.0,
                hi: 100.0,
            })
            .collect(),
        dashed: true,
        style: 7,
    };
    Ok((
        LineChart {
            title: format!("Efficiency vs workers ({})", r.scenario.name),
            x_label: "workers".into(),
            y_label: "efficiency = speedup / workers (%)".into(),
            log_x: false,
            lines,
            reference: Some(ideal),
            y_from_zero: true,
            note: Some(
                "solid: real efficiency\ndashed, same colour: the\nseed's busy fraction".into(),
            ),
        },
        caption,
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn efficiency_and_busy_fraction_side_by_side() {
        let r = super::super::testdata::report();
        let (chart, caption) = super::prepare(&r).unwrap();
        assert_eq!(chart.lines.len(), 8);
        let eff = &chart.lines[0];
        let busy = &chart.lines[1];
        assert!(!eff.dashed && busy.dashed && eff.style == busy.style);
        assert_eq!(eff.points[0].y, 100.0);
        // The fixture's per-batch time is wall × workers of the first
        // repetition: busy 1/1.01 = 99% at the median.
        assert!(
            busy.points
                .iter()
                .all(|p| (p.y - 100.0 / 1.01).abs() < 1e-6),
            "{:?}",
            busy.points
        );
        assert!(caption.contains("overstates"), "{caption}");
    }
}
