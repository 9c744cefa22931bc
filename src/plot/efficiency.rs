//! Chart 2: efficiency (speedup / n) vs workers, with the seed script's
//! "busy fraction" dashed beside each line in the same colour, so the gap
//! between what the formula claimed and what happened is visible.

use super::draw::{Line, LineChart, Pt};
use super::speedup::curves;
use super::{Prepared, interval_note};
use crate::analysis::ConfigSummary;
use crate::report::Report;

fn lines_of(
    base: &ConfigSummary,
    members: &[&ConfigSummary],
    label: String,
    (style, panel): (usize, usize),
) -> [Line; 2] {
    let all: Vec<&ConfigSummary> = std::iter::once(base)
        .chain(members.iter().copied())
        .collect();
    let eff = all
        .iter()
        .map(|s| {
            let n = s.workers() as f64;
            let e = 100.0 * s.efficiency.unwrap_or(0.0);
            match (s.workers(), s.speedup_ci) {
                // The interval of S/n is the interval of S over n, at S's level.
                (w, Some(i)) if w > 1 => {
                    let scaled = crate::analysis::Interval {
                        low: 100.0 * i.low / n,
                        high: 100.0 * i.high / n,
                        ..i
                    };
                    Pt::with_ci(n, e, &scaled)
                }
                _ => Pt::exact(n, e),
            }
        })
        .collect();
    let busy = all
        .iter()
        .map(|s| {
            let b = 100.0 * s.busy_fraction.unwrap_or(0.0);
            Pt::exact(s.workers() as f64, b)
        })
        .collect();
    // Named after its curve in the figure's CSV; the legend leaves it out
    // (the note says what dashed means).
    let busy_label = format!("{label}: busy fraction");
    [
        Line {
            label,
            points: eff,
            dashed: false,
            style,
            panel,
        },
        Line {
            label: busy_label,
            points: busy,
            dashed: true,
            style,
            panel,
        },
    ]
}

/// The chart and its caption from `r`, or why it cannot be drawn.
pub fn prepare(r: &Report) -> Prepared<LineChart> {
    let c = curves(r)?;
    let mut lines = Vec::new();
    for (i, base, members, panel) in c.drawn() {
        let (label, style) = (c.layout.labels[i].clone(), c.layout.styles[i]);
        lines.extend(lines_of(base, members, label, (style, panel)));
    }
    Ok((
        LineChart {
            title: format!("Efficiency vs workers ({})", r.scenario.name),
            x_label: "workers".into(),
            y_label: "efficiency = speedup / workers (%)".into(),
            log_x: false,
            lines,
            reference: Some(Line {
                label: "ideal (100%)".into(),
                points: (1..=c.max_w())
                    .map(|w| Pt::exact(w as f64, 100.0))
                    .collect(),
                dashed: true,
                style: 7,
                panel: 0,
            }),
            y_from_zero: true,
            note: Some(format!(
                "solid: real efficiency\ndashed, same colour: the\nseed's busy fraction\n{}",
                interval_note("the speedup / n", &c.intervals())
            )),
            panels: c.layout.panels.clone(),
        },
        caption(r, &c.drawn_groups()) + &c.layout.note,
    ))
}

fn caption(r: &Report, groups: &[(&ConfigSummary, Vec<&ConfigSummary>)]) -> String {
    let gap = |s: &ConfigSummary| s.busy_fraction.unwrap_or(0.0) - s.efficiency.unwrap_or(0.0);
    let widest = groups
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .max_by(|a, b| gap(a).total_cmp(&gap(b)));
    let flagged = r.summaries.iter().filter(|s| s.busy_flag.is_some()).count();
    let multi = r
        .summaries
        .iter()
        .filter(|s| s.workers() > 1 && s.efficiency.is_some())
        .count();
    match widest {
        Some(s) if gap(s) > 0.0 => format!(
            "The busy fraction overstates the real efficiency in {flagged} of {multi} multi-worker configurations; the largest gap is {:.0} points ({}: busy {:.0}% vs efficiency {:.0}%).",
            100.0 * gap(s),
            s.label(),
            100.0 * s.busy_fraction.unwrap_or(0.0),
            100.0 * s.efficiency.unwrap_or(0.0)
        ),
        _ => format!(
            "The busy fraction does not overstate the real efficiency in any of the {multi} multi-worker configurations."
        ),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn efficiency_and_busy_fraction_side_by_side() {
        let r = super::super::testdata::report();
        let (chart, caption) = super::prepare(&r).unwrap();
        assert_eq!(chart.lines.len(), 8);
        let (eff, busy) = (&chart.lines[0], &chart.lines[1]);
        assert!(!eff.dashed && busy.dashed && eff.style == busy.style);
        assert_eq!(eff.points[0].y, 100.0);
        // The fixture's per-batch time is wall × workers of the median run.
        assert!(
            busy.points
                .iter()
                .all(|p| (p.y - 100.0 / 1.01).abs() < 1e-6),
            "{:?}",
            busy.points
        );
        assert!(caption.contains("overstates"), "{caption}");
        // Each busy-fraction line is named after its curve (in the CSV),
        // and the legend lists each curve once, not "busy fraction" × 4.
        assert_eq!(busy.label, format!("{}: busy fraction", eff.label));
        let legend = super::super::draw::legend_labels(&chart);
        assert_eq!(legend.len(), 1 + 4, "{legend:?}");
        legend
            .iter()
            .skip(1)
            .for_each(|l| assert!(!l.contains("busy"), "{legend:?}"));
    }

    /// The caption's largest gap is the largest gap between a solid point
    /// and the dashed one of its curve at the same worker count.
    #[test]
    fn the_largest_gap_is_the_plotted_one() {
        let check = |r: &crate::report::Report| {
            let (chart, caption) = super::prepare(r).unwrap();
            let mut widest = 0.0f64;
            for pair in chart.lines.chunks(2) {
                for (e, b) in pair[0].points.iter().zip(&pair[1].points) {
                    assert_eq!(e.x, b.x);
                    widest = widest.max(b.y - e.y);
                }
            }
            let want = format!("the largest gap is {widest:.0} points");
            assert!(caption.contains(&want), "{caption}\nwant: {want}");
            caption
        };
        let mut r = super::super::testdata::report();
        let before = check(&r);
        // Every busy fraction now tells the truth but one, 30 points high.
        for s in r.summaries.iter_mut() {
            s.busy_fraction = s.efficiency;
        }
        let s = r.summaries.iter_mut().find(|s| s.workers() == 2).unwrap();
        s.busy_fraction = Some(s.efficiency.unwrap() + 0.30);
        let after = check(&r);
        assert!(after.contains("the largest gap is 30 points"), "{after}");
        assert_ne!(before, after);
    }
}
