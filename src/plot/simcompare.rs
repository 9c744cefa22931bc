//! Simulated against measured speedup, for a scenario run both ways: one
//! colour per curve, measured solid, simulated dashed.

use super::Prepared;
use super::draw::{Line, LineChart, Pt};
use super::panels::layout;
use super::speedup::groups;
use crate::analysis::ConfigSummary;
use crate::analysis::sim_error::{ErrorSummary, Errors, Spread};
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

/// "wall time, median 7% over 12 configurations, worst +15% (id)".
fn spread(what: &str, s: &Spread) -> String {
    format!(
        "{what}: median {:.0}% over {} configurations, worst {:+.0}% ({})",
        100.0 * s.median,
        s.count,
        100.0 * s.worst,
        s.worst_id
    )
}

/// The chart and its caption from a scenario `measured` and `simulated`,
/// with the simulator's `errors` (of that simulation), or why it cannot be
/// drawn.
pub fn prepare(measured: &Report, simulated: &Report, errors: &Errors) -> Prepared<LineChart> {
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
    let Some(summary) = ErrorSummary::of(&errors.cmp).filter(|_| !lines.is_empty()) else {
        return Err("no configuration was both measured and simulated".into());
    };
    let mut caption = format!(
        "Simulated with {}. Error of the simulation against the measured runs, {}",
        errors.model,
        spread("median wall time", &summary.wall)
    );
    if let Some(s) = &summary.speedup {
        caption += &format!("; {}", spread("speedup", s));
    }
    caption += ".";
    caption += &layout.note;
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
    use crate::analysis::sim_error::{CostSource, Errors, compare_reports};

    /// Configuration `k` of `r` (its summary and its runs) `f` times as
    /// slow, its speedup scaled to match.
    fn slow(r: &mut crate::report::Report, k: usize, f: f64) {
        let c = &mut r.summaries[k];
        if let Some(w) = c.wall_s.as_mut() {
            w.median *= f;
        }
        c.speedup = c.speedup.map(|x| x / f);
        for run in r.runs.iter_mut().filter(|x| x.config_id == c.id) {
            if let Some(res) = run.result.as_mut() {
                res.wall_s *= f;
            }
        }
    }

    /// The simulated report: every configuration `k` of the measured one
    /// `1 + 0.04·k` times as slow.
    fn simulated(m: &crate::report::Report) -> crate::report::Report {
        let mut s = m.clone();
        for k in 0..s.summaries.len() {
            slow(&mut s, k, 1.0 + 0.04 * k as f64);
        }
        s
    }

    fn errors(m: &crate::report::Report, s: &crate::report::Report) -> Errors {
        Errors {
            source: CostSource::SameRound,
            model: "a calibration in each round".into(),
            cmp: compare_reports(m.sweep(), s.sweep(), 8),
        }
    }

    /// Median of magnitudes and the signed worst, computed here from the
    /// table the caption rests on.
    fn median_worst(v: &[(String, f64)]) -> (f64, f64, String) {
        let mut abs: Vec<f64> = v.iter().map(|e| e.1.abs()).collect();
        abs.sort_by(f64::total_cmp);
        let n = abs.len();
        let median = if n % 2 == 1 {
            abs[n / 2]
        } else {
            (abs[n / 2 - 1] + abs[n / 2]) / 2.0
        };
        let w = v
            .iter()
            .max_by(|a, b| a.1.abs().total_cmp(&b.1.abs()))
            .unwrap();
        (median, w.1, w.0.clone())
    }

    #[test]
    fn the_caption_is_the_error_table_and_the_dashed_lines_the_simulation() {
        let m = super::super::testdata::report();
        let s = simulated(&m);
        let e = errors(&m, &s);
        let (chart, caption) = super::prepare(&m, &s, &e).unwrap();
        let wall: Vec<(String, f64)> = e
            .cmp
            .iter()
            .map(|c| (c.config_id.clone(), c.error))
            .collect();
        // Each run 1 + 0.04·k times as long: the paired error is exactly that.
        for (k, c) in e.cmp.iter().enumerate() {
            assert!((c.error - 0.04 * k as f64).abs() < 1e-9, "{c:?}");
        }
        let speed: Vec<(String, f64)> = e
            .cmp
            .iter()
            .filter_map(|c| Some((c.config_id.clone(), c.speedup_error()?)))
            .collect();
        assert!(!speed.is_empty());
        for (what, v) in [("median wall time", wall), ("speedup", speed)] {
            let (med, worst, id) = median_worst(&v);
            let want = format!(
                "{what}: median {:.0}% over {} configurations, worst {:+.0}% ({id})",
                100.0 * med,
                v.len(),
                100.0 * worst
            );
            assert!(caption.contains(&want), "{caption}\nwant: {want}");
        }
        assert!(caption.starts_with("Simulated with a calibration in each round."));
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
        slow(&mut s2, last, 3.0);
        let (_, caption2) = super::prepare(&m, &s2, &errors(&m, &s2)).unwrap();
        assert_ne!(caption, caption2);
        assert!(caption2.contains(&m.summaries[last].id), "{caption2}");
    }
}
