//! Simulated against measured speedup, for a scenario run both ways: one
//! colour per curve, measured solid, simulated dashed.

use super::Prepared;
use super::draw::{Line, LineChart, Pt};
use super::panels::layout;
use super::speedup::groups;
use crate::analysis::ConfigSummary;
use crate::analysis::compare::Comparison;
use crate::report::Report;
use crate::scenario::Facets;
use crate::scenario::facets::Dim;

/// The measured (solid, with intervals) and simulated (dashed) speedups of
/// one group, from (1, 1).
fn pair(
    members: &[&ConfigSummary],
    simulated: &Report,
    label: String,
    (style, panel): (usize, usize),
) -> Option<[Line; 2]> {
    let one = Pt::exact(1.0, 1.0);
    let (mut m, mut s) = (vec![one], vec![one]);
    for c in members {
        let Some(sim) = simulated.summaries.iter().find(|x| x.id == c.id) else {
            continue;
        };
        let y = c.speedup.unwrap_or(0.0);
        let ci = c.speedup_ci.unwrap_or(crate::analysis::Interval::point(y));
        let x = c.workers() as f64;
        m.push(Pt::with_ci(x, y, &ci));
        let ys = sim.speedup.unwrap_or(0.0);
        s.push(Pt::exact(x, ys));
    }
    (m.len() > 1).then(|| {
        [
            Line {
                label,
                points: m,
                dashed: false,
                style,
                panel,
            },
            Line {
                label: String::new(),
                points: s,
                dashed: true,
                style,
                panel,
            },
        ]
    })
}

/// The chart and its caption from a scenario `measured` and `simulated`,
/// with the simulator's `errors`, or why it cannot be drawn.
pub fn prepare(
    measured: &Report,
    simulated: &Report,
    errors: &[Comparison],
) -> Prepared<LineChart> {
    let groups = groups(measured);
    let firsts: Vec<Facets> = groups.iter().map(|(_, v)| v[0].facets).collect();
    let layout = layout(&firsts, Dim::Workers);
    let lines: Vec<Line> = groups
        .iter()
        .enumerate()
        .filter_map(|(i, (_, members))| {
            let at = (layout.styles[i], layout.panel[i]?);
            pair(members, simulated, layout.labels[i].clone(), at)
        })
        .flatten()
        .collect();
    if lines.is_empty() || errors.is_empty() {
        return Err("no configuration was both measured and simulated".into());
    }
    let (median_error, worst) =
        crate::report::sim_errors::error_summary(errors).expect("non-empty");
    let caption = format!(
        "Median absolute error of the simulated median wall time: {:.0}% over {} configurations; the worst is {:+.0}% ({}).",
        100.0 * median_error,
        errors.len(),
        100.0 * worst.error,
        worst.config_id
    ) + &layout.note;
    Ok((
        LineChart {
            title: format!("Simulated vs measured speedup ({})", measured.scenario.name),
            x_label: "workers".into(),
            y_label: "speedup T1/Tn".into(),
            log_x: false,
            lines,
            reference: None,
            y_from_zero: true,
            note: Some("solid: measured\ndashed: simulated".into()),
            panels: layout.panels,
        },
        caption,
    ))
}

#[cfg(test)]
mod tests {
    use crate::analysis::compare::compare_reports;

    /// The simulated report: every configuration `k` of the measured one
    /// `1 + 0.04·k` times as slow, its speedup scaled to match.
    fn simulated(m: &crate::report::Report) -> crate::report::Report {
        let mut s = m.clone();
        for (k, c) in s.summaries.iter_mut().enumerate() {
            let f = 1.0 + 0.04 * k as f64;
            if let Some(w) = c.wall_s.as_mut() {
                w.median *= f;
            }
            c.speedup = c.speedup.map(|x| x / f);
        }
        s
    }

    #[test]
    fn the_caption_is_the_error_table_and_the_dashed_lines_the_simulation() {
        let m = super::super::testdata::report();
        let s = simulated(&m);
        let errors = compare_reports(&m.summaries, &s.summaries, 8);
        let (chart, caption) = super::prepare(&m, &s, &errors).unwrap();
        // The numbers, computed here from the table the caption rests on.
        let mut abs: Vec<f64> = errors.iter().map(|e| e.error.abs()).collect();
        abs.sort_by(f64::total_cmp);
        let n = abs.len();
        let median = if n % 2 == 1 {
            abs[n / 2]
        } else {
            (abs[n / 2 - 1] + abs[n / 2]) / 2.0
        };
        let worst = errors
            .iter()
            .max_by(|a, b| a.error.abs().total_cmp(&b.error.abs()))
            .unwrap();
        let want = format!(
            "{:.0}% over {n} configurations; the worst is {:+.0}% ({})",
            100.0 * median,
            100.0 * worst.error,
            worst.config_id
        );
        assert!(caption.contains(&want), "{caption}\nwant: {want}");
        // Every dashed point is a simulated speedup of that configuration.
        for l in chart.lines.iter().filter(|l| l.dashed) {
            for p in l.points.iter().skip(1) {
                assert!(
                    s.summaries
                        .iter()
                        .any(|c| c.workers() as f64 == p.x && c.speedup == Some(p.y)),
                    "{p:?} is no simulated speedup"
                );
            }
        }
        // Other errors, another caption.
        let mut s2 = s.clone();
        let last = s2.summaries.len() - 1;
        s2.summaries[last].wall_s.as_mut().unwrap().median *= 3.0;
        let errors2 = compare_reports(&m.summaries, &s2.summaries, 8);
        let (_, caption2) = super::prepare(&m, &s2, &errors2).unwrap();
        assert_ne!(caption, caption2);
        assert!(caption2.contains(&m.summaries[last].id), "{caption2}");
    }
}
