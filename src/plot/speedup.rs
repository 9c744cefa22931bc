//! Chart 1: speedup vs workers, one line per group (engine × lock model,
//! and whatever else the sweep varies), with the ideal linear speedup as a
//! dashed line and each point's interval (its level stated) as error bars.

use super::draw::{Line, LineChart, Pt};
use super::panels::{Layout, layout};
use super::{Prepared, interval_note, measured};
use crate::analysis::ConfigSummary;
use crate::report::Report;
use crate::scenario::Facets;
use crate::scenario::facets::Dim;

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
            v.sort_by_key(|s| s.workers());
            (b, v)
        })
        .collect()
}

/// A group's measured speedups, from (1, 1).
fn speedup_line(members: &[&ConfigSummary], label: String, style: usize, panel: usize) -> Line {
    let mut points = vec![Pt::exact(1.0, 1.0)];
    for s in members {
        let y = s.speedup.unwrap_or(0.0);
        let ci = s.speedup_ci.unwrap_or(crate::analysis::Interval::point(y));
        points.push(Pt::with_ci(s.workers() as f64, y, &ci));
    }
    Line {
        label,
        points,
        dashed: false,
        style,
        panel,
    }
}

/// The group's fitted USL curve, dashed in its colour, when there is a fit.
fn fit_line(
    r: &Report,
    members: &[&ConfigSummary],
    label: &str,
    (style, panel): (usize, usize),
) -> Option<Line> {
    let f = r
        .fits
        .iter()
        .find(|g| g.group == members[0].group)
        .and_then(|g| g.fit.as_ref())?;
    let top = members.last().map_or(1, |s| s.workers()) as f64;
    let points = (0..=40)
        .map(|k| {
            let n = 1.0 + (top - 1.0) * k as f64 / 40.0;
            Pt::exact(n, crate::analysis::fit::usl(f.usl_sigma, f.usl_kappa, n))
        })
        .collect();
    Some(Line {
        label: format!("{label}: USL fit"),
        points,
        dashed: true,
        style,
        panel,
    })
}

/// What the speedup and efficiency charts draw, the same for both: every
/// group (baseline, members) and where each is drawn.
pub(crate) struct Curves<'a> {
    /// Every group of the report.
    pub groups: Vec<(&'a ConfigSummary, Vec<&'a ConfigSummary>)>,
    /// Each group's panel, label and style (small multiples when they do
    /// not fit one plot).
    pub layout: Layout,
}

impl<'a> Curves<'a> {
    /// The drawn groups: (index, baseline, members, panel).
    pub fn drawn(
        &self,
    ) -> impl Iterator<Item = (usize, &'a ConfigSummary, &[&'a ConfigSummary], usize)> {
        self.groups
            .iter()
            .enumerate()
            .filter_map(|(i, (b, v))| self.layout.panel[i].map(|p| (i, *b, &v[..], p)))
    }

    /// The drawn groups, as the captions take them.
    pub fn drawn_groups(&self) -> Vec<(&'a ConfigSummary, Vec<&'a ConfigSummary>)> {
        self.drawn().map(|(_, b, v, _)| (b, v.to_vec())).collect()
    }

    /// Every drawn member (the baselines aside).
    fn drawn_members(&self) -> impl Iterator<Item = &'a ConfigSummary> + '_ {
        self.drawn().flat_map(|d| d.2.iter().copied())
    }

    /// The largest worker count drawn.
    pub fn max_w(&self) -> usize {
        self.drawn_members().map(|s| s.workers()).max().unwrap_or(1)
    }

    /// Every drawn point's speedup interval.
    pub fn intervals(&self) -> Vec<crate::analysis::Interval> {
        self.drawn_members().filter_map(|s| s.speedup_ci).collect()
    }
}

/// The [`Curves`] of `r`, or why there are none.
pub(crate) fn curves(r: &Report) -> Result<Curves<'_>, String> {
    let groups = groups(r);
    if groups.is_empty() {
        return Err(
            "no configuration with more than one worker and a measured 1-worker baseline".into(),
        );
    }
    let firsts: Vec<Facets> = groups.iter().map(|(_, v)| v[0].facets).collect();
    Ok(Curves {
        layout: layout(&firsts, Dim::Workers),
        groups,
    })
}

/// The chart and its caption from `r`, or why it cannot be drawn.
pub fn prepare(r: &Report) -> Prepared<LineChart> {
    let c = curves(r)?;
    let mut lines = Vec::new();
    for (i, _, members, panel) in c.drawn() {
        let (label, style) = (c.layout.labels[i].clone(), c.layout.styles[i]);
        lines.extend(fit_line(r, members, &label, (style, panel)));
        lines.push(speedup_line(members, label, style, panel));
    }
    let mut note = interval_note("the speedup", &c.intervals());
    if lines.iter().any(|l| l.dashed) {
        note = format!("dashed in a curve's colour:\nits USL fit\n{note}");
    }
    Ok((
        LineChart {
            title: format!("Speedup vs workers ({})", r.scenario.name),
            x_label: "workers".into(),
            y_label: "speedup T1/Tn".into(),
            log_x: false,
            lines,
            reference: Some(Line {
                label: "ideal (linear)".into(),
                points: (1..=c.max_w())
                    .map(|w| Pt::exact(w as f64, w as f64))
                    .collect(),
                dashed: true,
                style: 7,
                panel: 0,
            }),
            y_from_zero: true,
            note: Some(note),
            panels: c.layout.panels.clone(),
        },
        caption(&c.drawn_groups()) + &c.layout.note,
    ))
}

fn caption(groups: &[(&ConfigSummary, Vec<&ConfigSummary>)]) -> String {
    let max_w = groups
        .iter()
        .flat_map(|(_, v)| v.iter().map(|s| s.workers()))
        .max()
        .unwrap_or(1);
    let at: Vec<&ConfigSummary> = groups
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .filter(|s| s.workers() == max_w)
        .collect();
    let by = |a: &&&ConfigSummary, b: &&&ConfigSummary| {
        a.speedup
            .unwrap_or(0.0)
            .total_cmp(&b.speedup.unwrap_or(0.0))
    };
    let ci = |s: &ConfigSummary| {
        s.speedup_ci.map_or(String::new(), |i| {
            format!(", {} {:.2}–{:.2}", i.label(), i.low, i.high)
        })
    };
    match (at.iter().max_by(by), at.iter().min_by(by)) {
        (Some(b), Some(w)) if b.id != w.id => format!(
            "At {max_w} workers the speedup ranges from {:.2}× ({}{}) to {:.2}× ({}{}), against an ideal of {max_w}×.",
            w.speedup.unwrap_or(0.0),
            w.label(),
            ci(w),
            b.speedup.unwrap_or(0.0),
            b.label(),
            ci(b)
        ),
        (Some(b), _) => format!(
            "At {max_w} workers the speedup is {:.2}× ({}{}), against an ideal of {max_w}×.",
            b.speedup.unwrap_or(0.0),
            b.label(),
            ci(b)
        ),
        _ => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_group_starting_at_one() {
        let r = super::super::testdata::report();
        let (chart, caption) = prepare(&r).unwrap();
        let solid: Vec<&Line> = chart.lines.iter().filter(|l| !l.dashed).collect();
        assert_eq!(solid.len(), 4);
        for l in &solid {
            assert_eq!(l.points[0], Pt::exact(1.0, 1.0));
            assert_eq!(
                l.points.iter().map(|p| p.x).collect::<Vec<_>>(),
                vec![1.0, 2.0, 4.0]
            );
        }
        // Three worker counts: no fit is drawn (a fit needs four).
        assert!(chart.lines.iter().all(|l| !l.dashed));
        // Large data: 1.5× per doubling, so 2.25× at 4 workers.
        let big = solid
            .iter()
            .find(|l| l.label.contains("10000 rec") && l.label.contains("b1000"))
            .unwrap();
        assert!((big.points[2].y - 2.25).abs() < 0.05, "{:?}", big.points);
        assert_eq!(chart.reference.as_ref().unwrap().points.len(), 4);
        assert!(caption.contains("At 4 workers"), "{caption}");
        assert!(
            chart.note.as_deref().unwrap().contains("bars:"),
            "{:?}",
            chart.note
        );
    }

    /// The caption's lowest and highest speedups at the largest worker
    /// count are the lowest and highest plotted there, and it names the
    /// panels of a sweep too wide for one plot.
    #[test]
    fn the_caption_is_the_range_plotted_at_the_most_workers() {
        for mut r in [
            super::super::testdata::report(),
            super::super::testdata::wide(),
        ] {
            let check = |r: &Report| {
                let (chart, caption) = prepare(r).unwrap();
                let at4: Vec<f64> = chart
                    .lines
                    .iter()
                    .filter(|l| !l.dashed)
                    .flat_map(|l| l.points.iter().filter(|p| p.x == 4.0).map(|p| p.y))
                    .collect();
                let lo = at4.iter().copied().fold(f64::INFINITY, f64::min);
                let hi = at4.iter().copied().fold(0.0, f64::max);
                let want = format!("the speedup ranges from {lo:.2}× (");
                assert!(caption.contains(&want), "{caption}\nwant: {want}");
                assert!(caption.contains(&format!(") to {hi:.2}× (")), "{caption}");
                (caption, chart.panels.len())
            };
            let (before, panels) = check(&r);
            assert_eq!(before.contains("One panel per"), panels > 1, "{before}");
            // The slowest 4-worker configuration doubles its time.
            let slow = r
                .summaries
                .iter_mut()
                .filter(|s| s.workers() == 4)
                .min_by(|a, b| a.speedup.unwrap().total_cmp(&b.speedup.unwrap()))
                .unwrap();
            slow.speedup = slow.speedup.map(|x| x / 2.0);
            assert_ne!(check(&r).0, before);
        }
    }
}
