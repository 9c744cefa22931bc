//! Chart 3: throughput vs batch size (log x), one line per worker count
//! (and per engine, lock model... where the sweep varies them).

use super::draw::{Line, LineChart, Pt};
use super::panels::{Layout, layout};
use super::{Prepared, interval_note, measured};
use crate::analysis::ConfigSummary;
use crate::report::Report;
use crate::scenario::Facets;
use crate::scenario::facets::Dim;

/// Series along the batch size: same facets but the batch size.
pub(crate) fn series<'a>(m: &[&'a ConfigSummary], along: Dim) -> Vec<Vec<&'a ConfigSummary>> {
    let mut out: Vec<Vec<&ConfigSummary>> = Vec::new();
    for s in m {
        let key = s.facets.without(along);
        match out.iter_mut().find(|v| v[0].facets.without(along) == key) {
            Some(v) => v.push(s),
            None => out.push(vec![s]),
        }
    }
    out.retain(|v| v.len() >= 2);
    out
}

/// One line per drawn series, points in batch-size order.
fn lines(series: &[Vec<&ConfigSummary>], layout: &Layout) -> Vec<Line> {
    series
        .iter()
        .enumerate()
        .filter_map(|(i, v)| Some((i, v, layout.panel[i]?)))
        .map(|(i, v, panel)| {
            let mut v = v.clone();
            v.sort_by_key(|s| s.facets.batch_size);
            Line {
                label: layout.labels[i].clone(),
                points: v
                    .iter()
                    .map(|s| {
                        let t = s.records_per_s.expect("measured");
                        Pt::with_ci(s.facets.batch_size as f64, t.median, &t.ci)
                    })
                    .collect(),
                dashed: false,
                style: layout.styles[i],
                panel,
            }
        })
        .collect()
}

/// The chart and its caption from `r` (the module doc says what it shows),
/// or why it cannot be drawn.
pub fn prepare(r: &Report) -> Prepared<LineChart> {
    let m = measured(r);
    let mut sizes: Vec<usize> = m.iter().map(|s| s.facets.batch_size).collect();
    sizes.sort();
    sizes.dedup();
    if sizes.len() < 2 {
        return Err(format!(
            "the sweep has {} batch size(s); this chart needs at least 2",
            sizes.len()
        ));
    }
    let max_records = m.iter().map(|s| s.facets.records).max().unwrap_or(0);
    let largest: Vec<&ConfigSummary> = m
        .iter()
        .copied()
        .filter(|s| s.facets.records == max_records)
        .collect();
    let series = series(&largest, Dim::Batch);
    if series.is_empty() {
        return Err("no configuration was measured at two batch sizes".into());
    }
    let firsts: Vec<Facets> = series.iter().map(|v| v[0].facets).collect();
    let layout = layout(&firsts, Dim::Batch);
    let lines = lines(&series, &layout);
    let shown: Vec<&ConfigSummary> = series
        .iter()
        .enumerate()
        .filter(|(i, _)| layout.panel[*i].is_some())
        .flat_map(|(_, v)| v.iter().copied())
        .collect();
    let intervals: Vec<_> = shown
        .iter()
        .filter_map(|s| s.records_per_s.map(|t| t.ci))
        .collect();
    let (best, rivals) = super::top(&shown);
    let (median, lo, hi) = super::rate_ci(best);
    let caption = format!(
        "On {max_records} records the highest median throughput, {median:.0} records/s (interval {lo:.0}–{hi:.0}), comes from batches of {} with {} worker(s); {} Batch sizes from {} to {} were measured.",
        best.facets.batch_size,
        best.workers(),
        if rivals.is_empty() {
            "its interval lies above every other point's.".to_string()
        } else {
            format!(
                "its interval overlaps those of {} other point(s), so the data cannot name a best batch size and worker count.",
                rivals.len()
            )
        },
        sizes[0],
        sizes[sizes.len() - 1]
    ) + &layout.note;
    Ok((
        LineChart {
            title: format!("Throughput vs batch size ({})", r.scenario.name),
            x_label: "batch size (records, log scale)".into(),
            y_label: "throughput (records/s)".into(),
            log_x: true,
            lines,
            reference: None,
            y_from_zero: true,
            note: Some(interval_note("the median", &intervals)),
            panels: layout.panels,
        },
        caption,
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_line_per_worker_count_over_batch_sizes() {
        let r = super::super::testdata::report();
        let (chart, caption) = super::prepare(&r).unwrap();
        assert_eq!(
            chart.lines.len(),
            3,
            "{:?}",
            chart.lines.iter().map(|l| &l.label).collect::<Vec<_>>()
        );
        assert!(
            chart
                .lines
                .iter()
                .all(|l| l.points.len() == 2 && l.points[0].x == 100.0)
        );
        assert!(
            chart.lines[0].label.contains("sequential"),
            "{}",
            chart.lines[0].label
        );
        // Batch 100 is 1.2× slower in the fixture.
        let l = &chart.lines[0];
        assert!((l.points[1].y / l.points[0].y - 1.2).abs() < 0.01);
        assert!(
            caption.contains("batches of 1000 with 4 worker"),
            "{caption}"
        );
    }

    /// The caption's throughput and interval are the best point's, and a
    /// rival whose interval reaches it takes back the claim.
    #[test]
    fn a_best_only_where_its_interval_clears_the_rest() {
        let mut r = super::super::testdata::report();
        let (chart, caption) = super::prepare(&r).unwrap();
        let top = chart
            .lines
            .iter()
            .flat_map(|l| l.points.iter().map(|p| p.y))
            .fold(0.0, f64::max);
        let t = super::super::testdata::throughput_with_median(&r, 10_000, top);
        assert!(
            caption.contains(&format!(
                "{:.0} records/s (interval {:.0}–{:.0})",
                t.median, t.ci.low, t.ci.high
            )),
            "{caption}"
        );
        assert!(
            caption.contains("lies above every other point's"),
            "{caption}"
        );
        super::super::testdata::widen_throughput(&mut r, "r10000/g/b1000/w2", t.median * 2.0);
        let (_, caption) = super::prepare(&r).unwrap();
        assert!(caption.contains("cannot name a best"), "{caption}");
    }
}
