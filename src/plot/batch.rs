//! Chart 3: throughput vs batch size (log x), one line per worker count
//! (and per engine, lock model... where the sweep varies them).

use super::draw::{Line, LineChart, Pt};
use super::{MAX_LINES, Prepared, labels, measured};
use crate::analysis::ConfigSummary;
use crate::report::Report;

/// Series key: every facet except the batch size.
fn key(s: &ConfigSummary) -> (u64, String, String, String, String, String, usize) {
    (
        s.records,
        s.engine.clone(),
        s.method.clone(),
        s.lock.clone(),
        s.schedule.clone(),
        s.overhead.clone(),
        s.workers,
    )
}

pub fn prepare(r: &Report) -> Prepared<LineChart> {
    let m = measured(r);
    let mut sizes: Vec<usize> = m.iter().map(|s| s.batch_size).collect();
    sizes.sort();
    sizes.dedup();
    if sizes.len() < 2 {
        return Err(format!(
            "the sweep has {} batch size(s); this chart needs at least 2",
            sizes.len()
        ));
    }
    let max_records = m.iter().map(|s| s.records).max().unwrap_or(0);
    let mut series: Vec<Vec<&ConfigSummary>> = Vec::new();
    for s in m.iter().filter(|s| s.records == max_records) {
        match series.iter_mut().find(|v| key(v[0]) == key(s)) {
            Some(v) => v.push(s),
            None => series.push(vec![s]),
        }
    }
    series.retain(|v| v.len() >= 2);
    series.truncate(MAX_LINES);
    if series.is_empty() {
        return Err("no configuration was measured at two batch sizes".into());
    }
    let firsts: Vec<&ConfigSummary> = series.iter().map(|v| v[0]).collect();
    let base_names = labels(&firsts);
    let lines: Vec<Line> = series
        .iter()
        .zip(base_names)
        .enumerate()
        .map(|(i, (v, name))| {
            let mut v = v.clone();
            v.sort_by_key(|s| s.batch_size);
            let w = v[0].workers;
            let who = if w == 1 {
                "1 worker (sequential)".to_string()
            } else {
                format!("{w} workers")
            };
            let name = name
                .replace(&format!("b{}", v[0].batch_size), "")
                .trim()
                .to_string();
            Line {
                label: if name.is_empty() || name == who {
                    who
                } else {
                    format!("{name}, {who}")
                },
                points: v
                    .iter()
                    .map(|s| {
                        let t = s.records_per_s.unwrap();
                        Pt {
                            x: s.batch_size as f64,
                            y: t.median,
                            lo: t.ci_low,
                            hi: t.ci_high,
                        }
                    })
                    .collect(),
                dashed: false,
                style: i,
            }
        })
        .collect();
    let best = series
        .iter()
        .flatten()
        .max_by(|a, b| {
            a.records_per_s
                .unwrap()
                .median
                .total_cmp(&b.records_per_s.unwrap().median)
        })
        .expect("non-empty");
    let caption = format!(
        "On {max_records} records the highest throughput, {:.0} records/s, comes from batches of {} with {} worker(s); batch sizes from {} to {} were measured.",
        best.records_per_s.unwrap().median,
        best.batch_size,
        best.workers,
        sizes[0],
        sizes[sizes.len() - 1]
    );
    Ok((
        LineChart {
            title: format!("Throughput vs batch size ({})", r.scenario.name),
            x_label: "batch size (records, log scale)".into(),
            y_label: "throughput (records/s)".into(),
            log_x: true,
            lines,
            reference: None,
            y_from_zero: true,
            note: None,
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
        assert!(chart.lines[0].label.contains("sequential"));
        // Batch 100 is 1.2× slower in the fixture.
        let l = &chart.lines[0];
        assert!((l.points[1].y / l.points[0].y - 1.2).abs() < 0.01);
        assert!(
            caption.contains("batches of 1000 with 4 worker"),
            "{caption}"
        );
    }
}
