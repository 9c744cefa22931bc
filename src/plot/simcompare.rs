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
