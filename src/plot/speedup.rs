//! Chart 1: speedup vs workers, one line per group (engine × lock model,
//! and whatever else the sweep varies), with the ideal linear speedup as
//! a dashed line and bootstrap intervals as error bars.

use super::draw::{Line, LineChart, Pt};
use super::{MAX_LINES, Prepared, labels, measured};
use crate::analysis::ConfigSummary;
use crate::report::Report;

/// Groups with their points (baseline first), in report order.
pub(crate) fn groups(r: &Report) -> Vec<(&ConfigSummary, Vec<&ConfigSummary>)> {
    let m = measured(r);
    let mut out: Vec<(&ConfigSummary, Vec<&ConfigSummary>)> = Vec::new();
    for s in m
        .iter()
        .filter(|s| !s.group.is_empty() && s.speedup.is_some())
    {
        match out.iter_mut().find(|(_, v)| v[0].group == s.group) {
            Some((_, v)) => v.push(s),
            None => {
                if let Some(b) = m.iter().find(|b| b.id == s.baseline) {
                    out.push((b, vec![s]));
                }
            }
        }
    }
    out.into_iter()
        .map(|(b, mut v)| {
            v.sort_by_key(|s| s.workers);
            (b, v)
        })
        .collect()
}

/// Keeps at most `MAX_LINES` groups, preferring the largest data set.
pub(crate) fn readable<'a>(
    mut g: Vec<(&'a ConfigSummary, Vec<&'a ConfigSummary>)>,
) -> (Vec<(&'a ConfigSummary, Vec<&'a ConfigSummary>)>, usize) {
    let total = g.len();
    if g.len() > MAX_LINES {
        let max_records = g.iter().map(|(_, v)| v[0].records).max().unwrap_or(0);
        g.retain(|(_, v)| v[0].records == max_records);
        g.truncate(MAX_LINES);
    }
    (g, total)
}

pub fn prepare(r: &Report) -> Prepared<LineChart> {
    let (groups, total) = readable(groups(r));
    if groups.is_empty() {
        return Err(
            "no configuration with more than one worker and a measured 1-worker baseline".into(),
        );
    }
    let firsts: Vec<&ConfigSummary> = groups.iter().map(|(_, v)| v[0]).collect();
    let names = labels(&firsts);
    let mut lines = Vec::new();
    let mut max_w = 1;
    for (i, ((base, members), label)) in groups.iter().zip(names).enumerate() {
        let mut points = vec![Pt {
            x: 1.0,
            y: 1.0,
            lo: 1.0,
            hi: 1.0,
        }];
        let _ = base;
        for s in members {
            let (lo, hi) = s
                .speedup_ci
                .unwrap_or((s.speedup.unwrap_or(0.0), s.speedup.unwrap_or(0.0)));
            points.push(Pt {
                x: s.workers as f64,
                y: s.speedup.unwrap_or(0.0),
                lo,
                hi,
            });
            max_w = max_w.max(s.workers);
        }
        // The fitted USL curve of the group, dashed in the same colour.
        if let Some(f) = r
            .fits
            .iter()
            .find(|g| g.group == members[0].group)
            .and_then(|g| g.fit.as_ref())
        {
            let top = members.last().map_or(1, |s| s.workers) as f64;
            let curve = (0..=40)
                .map(|k| {
                    let n = 1.0 + (top - 1.0) * k as f64 / 40.0;
                    let y = crate::analysis::fit::usl(f.usl_sigma, f.usl_kappa, n);
                    Pt {
                        x: n,
                        y,
                        lo: y,
                        hi: y,
                    }
                })
                .collect();
            lines.push(Line {
                label: String::new(),
                points: curve,
                dashed: true,
                style: i,
            });
        }
        lines.push(Line {
            label,
            points,
            dashed: false,
            style: i,
        });
    }
    let ideal = Line {
        label: "ideal (linear)".into(),
        points: (1..=max_w)
            .map(|w| Pt {
                x: w as f64,
                y: w as f64,
                lo: w as f64,
                hi: w as f64,
            })
            .collect(),
        dashed: true,
        style: 7,
    };
    let caption = caption(&groups, total);
    Ok((
        LineChart {
            title: format!("Speedup vs workers ({})", r.scenario.name),
            x_label: "workers".into(),
            y_label: "speedup T1/Tn".into(),
            log_x: false,
            lines,
            reference: Some(ideal),
            y_from_zero: true,
            note: (!r.fits.is_empty()).then(|| {
                "dashed in a curve's colour:\nits USL fit\nbars: 95% bootstrap CI".to_string()
            }),
        },
        caption,
    ))
}

fn caption(groups: &[(&ConfigSummary, Vec<&ConfigSummary>)], total: usize) -> String {
    let max_w = groups
        .iter()
        .flat_map(|(_, v)| v.iter().map(|s| s.workers))
        .max()
        .unwrap_or(1);
    let at: Vec<&ConfigSummary> = groups
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .filter(|s| s.workers == max_w)
        .collect();
    let best = at.iter().max_by(|a, b| {
        a.speedup
            .unwrap_or(0.0)
            .total_cmp(&b.speedup.unwrap_or(0.0))
    });
    let worst = at.iter().min_by(|a, b| {
        a.speedup
            .unwrap_or(0.0)
            .total_cmp(&b.speedup.unwrap_or(0.0))
    });
    let mut c = match (best, worst) {
        (Some(b), Some(w)) if b.id != w.id => format!(
            "At {max_w} workers the speedup ranges from {:.2}× ({}) to {:.2}× ({}), against an ideal of {max_w}×.",
            w.speedup.unwrap_or(0.0),
            w.label(),
            b.speedup.unwrap_or(0.0),
            b.label()
        ),
        (Some(b), _) => format!(
            "At {max_w} workers the speedup is {:.2}× ({}), against an ideal of {max_w}×.",
            b.speedup.unwrap_or(0.0),
            b.label()
        ),
        _ => String::new(),
    };
    if total > groups.len() {
        c += &format!(
            " {} of {total} curves shown (the largest data set).",
            groups.len()
        );
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_group_starting_at_one() {
        let r = super::super::testdata::report();
        let (chart, caption) = prepare(&r).unwrap();
        assert_eq!(chart.lines.iter().filter(|l| !l.dashed).count(), 4);
        assert_eq!(
            chart.lines.iter().filter(|l| l.dashed).count(),
            4,
            "one USL curve per group"
        );
        for l in chart.lines.iter().filter(|l| !l.dashed) {
            assert_eq!(
                l.points[0],
                Pt {
                    x: 1.0,
                    y: 1.0,
                    lo: 1.0,
                    hi: 1.0
                }
            );
            assert_eq!(
                l.points.iter().map(|p| p.x).collect::<Vec<_>>(),
                vec![1.0, 2.0, 4.0]
            );
        }
        // Large data: 1.5× per doubling, so 2.25× at 4 workers.
        let big = chart
            .lines
            .iter()
            .find(|l| !l.dashed && l.label.contains("10000 rec") && l.label.contains("b1000"))
            .unwrap();
        assert!(
            (big.points[2].y - 2.25 / 1.0).abs() < 0.05,
            "{:?}",
            big.points
        );
        assert_eq!(chart.reference.as_ref().unwrap().points.len(), 4);
        assert!(caption.contains("At 4 workers"), "{caption}");
    }
}
