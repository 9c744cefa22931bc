//! The machine's drift over a sweep: each round's speed index (the median
//! over its runs of wall time / the configuration's median) against the
//! time the round started. A flat line at 1 is a steady machine; a rising
//! one, a machine slowing down.

use super::Prepared;
use super::draw::{Line, LineChart, Pt};
use crate::report::Report;

/// The chart and its caption, or why there is none.
pub fn prepare(r: &Report) -> Prepared<LineChart> {
    let Some(d) = &r.drift else {
        return Err("no run carries its start time (simulated runs, or results from before ingestlab recorded it)".into());
    };
    if d.rounds.len() < 2 {
        return Err(format!(
            "the sweep has {} round(s); a drift needs at least 2",
            d.rounds.len()
        ));
    }
    let points: Vec<Pt> = d
        .rounds
        .iter()
        .map(|x| Pt::exact(x.at_s / 60.0, x.index))
        .collect();
    let end = points.last().map_or(1.0, |p| p.x);
    let flagged_rounds: Vec<String> = d
        .rounds
        .iter()
        .filter(|x| d.runs.iter().any(|s| s.rep == x.round && s.flag.is_some()))
        .map(|x| (x.round + 1).to_string())
        .collect();
    Ok((
        LineChart {
            title: format!("The machine's speed over the sweep ({})", r.scenario.name),
            x_label: "minutes since the first run".into(),
            y_label: "speed index (time / configuration median)".into(),
            log_x: false,
            lines: vec![Line {
                label: "round median".into(),
                points,
                dashed: false,
                style: 0,
                panel: 0,
            }],
            reference: Some(Line {
                label: "typical (1)".into(),
                points: vec![Pt::exact(0.0, 1.0), Pt::exact(end, 1.0)],
                dashed: true,
                style: 7,
                panel: 0,
            }),
            y_from_zero: false,
            note: (!flagged_rounds.is_empty())
                .then(|| format!("flagged runs in round(s) {}", flagged_rounds.join(", "))),
            panels: Vec::new(),
        },
        d.sentence(),
    ))
}

#[cfg(test)]
mod tests {
    /// The caption's range and round count are the chart's points'.
    fn check(r: &crate::report::Report) -> String {
        let (chart, caption) = super::prepare(r).unwrap();
        let ys: Vec<f64> = chart.lines[0].points.iter().map(|p| p.y).collect();
        let (lo, hi) = ys
            .iter()
            .fold((f64::INFINITY, 0.0f64), |(a, b), y| (a.min(*y), b.max(*y)));
        let want = format!(
            "Over {} round(s) the machine's speed index (a run's time over its configuration's median) ranged {lo:.2}–{hi:.2}",
            ys.len()
        );
        assert!(caption.contains(&want), "{caption}\nwant: {want}");
        let slower = format!("{:.0}% slower than the fastest", 100.0 * (hi / lo - 1.0));
        assert!(caption.contains(&slower), "{caption}\nwant: {slower}");
        caption
    }

    #[test]
    fn the_caption_states_the_plotted_rounds() {
        let mut r = super::super::testdata::report();
        let before = check(&r);
        // Round 1 ran 40% slow on every configuration: a new range.
        for run in r.runs.iter_mut().filter(|x| x.rep == 1) {
            run.result.as_mut().unwrap().wall_s *= 1.4;
        }
        let r = crate::report::build_report(&r.scenario, r.configs.clone(), r.runs.clone(), false);
        let after = check(&r);
        assert_ne!(before, after);
        assert!(after.contains("–1.39"), "{after}");
    }
}
