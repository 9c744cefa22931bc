//! Chart 4: overhead vs volume: speedup of each worker count against the
//! record count (log x). Where the fixed pool cost stops dominating, the
//! lines climb past 1.

use super::draw::{Line, LineChart, Pt};
use super::{MAX_LINES, Prepared, labels, measured};
use crate::analysis::ConfigSummary;
use crate::report::Report;

fn key(s: &ConfigSummary) -> (String, String, String, String, String, usize, usize) {
    (
        s.engine.clone(),
        s.method.clone(),
        s.lock.clone(),
        s.schedule.clone(),
        s.overhead.clone(),
        s.batch_size,
        s.workers,
    )
}

pub fn prepare(r: &Report) -> Prepared<LineChart> {
    let m = measured(r);
    let mut counts: Vec<u64> = m.iter().map(|s| s.records).collect();
    counts.sort();
    counts.dedup();
    if counts.len() < 2 {
        return Err(format!(
            "the sweep has {} record count(s); this chart needs at least 2",
            counts.len()
        ));
    }
    let mut series: Vec<Vec<&ConfigSummary>> = Vec::new();
    for s in m.iter().filter(|s| s.workers > 1 && s.speedup.is_some()) {
        match series.iter_mut().find(|v| key(v[0]) == key(s)) {
            Some(v) => v.push(s),
            None => series.push(vec![s]),
        }
    }
    series.retain(|v| v.len() >= 2);
    series.truncate(MAX_LINES);
    if series.is_empty() {
        return Err("no multi-worker configuration was measured at two record counts".into());
    }
    let firsts: Vec<&ConfigSummary> = series.iter().map(|v| v[0]).collect();
    let names = labels(&firsts);
    let mut lines = Vec::new();
    for (i, (v, name)) in series.iter().zip(names).enumerate() {
        let mut v = v.clone();
        v.sort_by_key(|s| s.records);
        let name = name
            .replace(&format!("{} rec", v[0].records), "")
            .trim()
            .to_string();
        let who = format!("{} workers", v[0].workers);
        lines.push(Line {
            label: if name.is_empty() {
                who
            } else {
                format!("{name}, {who}")
            },
            points: v
                .iter()
                .map(|s| {
                    let (lo, hi) = s.speedup_ci.unwrap_or((0.0, 0.0));
                    Pt {
                        x: s.records as f64,
                        y: s.speedup.unwrap_or(0.0),
                        lo,
                        hi,
                    }
                })
                .collect(),
            dashed: false,
            style: i,
        });
    }
    let (lo, hi) = (counts[0] as f64, counts[counts.len() - 1] as f64);
    let reference = Line {
        label: "no speedup (1×)".into(),
        points: vec![
            Pt {
                x: lo,
                y: 1.0,
                lo: 1.0,
                hi: 1.0,
            },
            Pt {
                x: hi,
                y: 1.0,
                lo: 1.0,
                hi: 1.0,
            },
        ],
        dashed: true,
        style: 7,
    };
    let caption = lines
        .iter()
        .map(|l| {
            let first = l.points[0];
            let last = l.points[l.points.len() - 1];
            let cross = l
                .points
                .iter()
                .find(|p| p.y > 1.0)
                .map(|p| format!(", first above 1× at {} records", p.x))
                .unwrap_or_else(|| ", never above 1×".into());
            format!(
                "{}: {:.2}× at {} records to {:.2}× at {}{cross}",
                l.label, first.y, first.x, last.y, last.x
            )
        })
        .collect::<Vec<_>>()
        .join("; ")
        + ".";
    Ok((
        LineChart {
            title: format!("Overhead vs volume ({})", r.scenario.name),
            x_label: "records (log scale)".into(),
            y_label: "speedup T1/Tn".into(),
            log_x: true,
            lines,
            reference: Some(reference),
            y_from_zero: true,
            note: None,
        },
        caption,
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn speedup_against_record_count() {
        let r = super::super::testdata::report();
        let (chart, caption) = super::prepare(&r).unwrap();
        // 2 worker counts × 2 batch sizes.
        assert_eq!(chart.lines.len(), 4);
        let l = &chart.lines[0];
        assert_eq!(
            l.points.iter().map(|p| p.x).collect::<Vec<_>>(),
            vec![100.0, 10000.0]
        );
        assert!(l.points[0].y < 1.0 && l.points[1].y > 1.0);
        assert!(
            caption.contains("first above 1× at 10000 records"),
            "{caption}"
        );
    }
}
