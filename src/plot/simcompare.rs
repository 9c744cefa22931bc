//! Simulated against measured speedup, for a scenario run both ways: one
//! colour per curve, measured solid, simulated dashed.

use super::draw::{Line, LineChart, Pt};
use super::speedup::{groups, readable};
use super::{Prepared, labels};
use crate::analysis::ConfigSummary;
use crate::report::Report;
use crate::sim::Comparison;

pub fn prepare(
    measured: &Report,
    simulated: &Report,
    errors: &[Comparison],
) -> Prepared<LineChart> {
    let (groups, _) = readable(groups(measured));
    let firsts: Vec<&ConfigSummary> = groups.iter().map(|(_, v)| v[0]).collect();
    let names = labels(&firsts);
    let mut lines = Vec::new();
    for (i, ((_, members), label)) in groups.iter().zip(names).enumerate() {
        let mut m = vec![Pt {
            x: 1.0,
            y: 1.0,
            lo: 1.0,
            hi: 1.0,
        }];
        let mut s = m.clone();
        for c in members {
            let Some(sim) = simulated.summaries.iter().find(|x| x.id == c.id) else {
                continue;
            };
            let (lo, hi) = c.speedup_ci.unwrap_or((0.0, 0.0));
            m.push(Pt {
                x: c.workers as f64,
                y: c.speedup.unwrap_or(0.0),
                lo,
                hi,
            });
            let y = sim.speedup.unwrap_or(0.0);
            s.push(Pt {
                x: c.workers as f64,
                y,
                lo: y,
                hi: y,
            });
        }
        if m.len() > 1 {
            lines.push(Line {
                label: label.clone(),
                points: m,
                dashed: false,
                style: i,
            });
            lines.push(Line {
                label: String::new(),
                points: s,
                dashed: true,
                style: i,
            });
        }
    }
    if lines.is_empty() || errors.is_empty() {
        return Err("no configuration was both measured and simulated".into());
    }
    let abs: Vec<f64> = errors.iter().map(|e| e.error.abs()).collect();
    let worst = errors
        .iter()
        .max_by(|a, b| a.error.abs().total_cmp(&b.error.abs()))
        .expect("non-empty");
    let caption = format!(
        "Median absolute error of the simulated median wall time: {:.0}% over {} configurations; the worst is {:+.0}% ({}).",
        100.0 * crate::analysis::stats::median(&abs),
        errors.len(),
        100.0 * worst.error,
        worst.config_id
    );
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
        },
        caption,
    ))
}
