//! Chart 7: a heatmap of throughput over workers × batch size, the best
//! cell marked: the answer to "does the best worker count depend on the
//! batch size?".

use super::draw::Heatmap;
use super::{Prepared, measured};
use crate::report::Report;

pub fn prepare(r: &Report) -> Prepared<Heatmap> {
    let m = measured(r);
    let max_records = m.iter().map(|s| s.records).max().unwrap_or(0);
    // One slice: the largest data set, and the engine/method/lock/schedule/
    // overhead combination measured at the most (workers, batch) cells.
    let slice_key = |s: &crate::analysis::ConfigSummary| (s.engine.clone(), s.method.clone());
    let mut best_slice = None;
    let mut best_cells = 0;
    for s in m.iter().filter(|s| s.records == max_records) {
        let n = m
            .iter()
            .filter(|x| x.records == max_records && slice_key(x) == slice_key(s))
            .count();
        if n > best_cells {
            best_cells = n;
            best_slice = Some(slice_key(s));
        }
    }
    let Some(slice) = best_slice else {
        return Err("no measured configuration".into());
    };
    let lock = m
        .iter()
        .find(|s| s.workers > 1 && s.records == max_records && slice_key(s) == slice)
        .map(|s| (s.lock.clone(), s.schedule.clone(), s.overhead.clone()));
    let cells: Vec<_> = m
        .iter()
        .filter(|s| s.records == max_records && slice_key(s) == slice)
        .filter(|s| {
            s.workers == 1
                || lock
                    .as_ref()
                    .is_some_and(|l| (&s.lock, &s.schedule, &s.overhead) == (&l.0, &l.1, &l.2))
        })
        .collect();
    let mut workers: Vec<usize> = cells.iter().map(|s| s.workers).collect();
    workers.sort();
    workers.dedup();
    let mut batches: Vec<usize> = cells.iter().map(|s| s.batch_size).collect();
    batches.sort();
    batches.dedup();
    if workers.len() < 2 || batches.len() < 2 {
        return Err(format!(
            "needs at least 2 worker counts and 2 batch sizes (the sweep has {} and {})",
            workers.len(),
            batches.len()
        ));
    }
    let values: Vec<Vec<Option<f64>>> = workers
        .iter()
        .map(|w| {
            batches
                .iter()
                .map(|b| {
                    cells
                        .iter()
                        .find(|s| s.workers == *w && s.batch_size == *b)
                        .map(|s| s.records_per_s.unwrap().median)
                })
                .collect()
        })
        .collect();
    let best = cells
        .iter()
        .max_by(|a, b| {
            a.records_per_s
                .unwrap()
                .median
                .total_cmp(&b.records_per_s.unwrap().median)
        })
        .expect("cells");
    let lock_name = lock.map(|l| l.0).unwrap_or_default();
    let mut caption = format!(
        "Best: {} worker(s) with batches of {} at {:.0} records/s ({} {}, {lock_name}, {max_records} records).",
        best.workers,
        best.batch_size,
        best.records_per_s.unwrap().median,
        slice.0,
        slice.1
    );
    // Does the best worker count change with the batch size?
    let best_w: Vec<usize> = (0..batches.len())
        .map(|x| {
            (0..workers.len())
                .filter(|y| values[*y][x].is_some())
                .max_by(|a, b| values[*a][x].unwrap().total_cmp(&values[*b][x].unwrap()))
                .map_or(0, |y| workers[y])
        })
        .collect();
    if best_w.windows(2).any(|p| p[0] != p[1]) {
        caption += &format!(
            " The best worker count depends on the batch size: {}.",
            batches
                .iter()
                .zip(&best_w)
                .map(|(b, w)| format!("{w} at {b}"))
                .collect::<Vec<_>>()
                .join(", ")
        );
    } else {
        caption += &format!(
            " The best worker count is {} at every batch size.",
            best_w[0]
        );
    }
    Ok((
        Heatmap {
            title: format!(
                "Throughput (records/s, ★ best): workers × batch size ({})",
                r.scenario.name
            ),
            x_label: "batch size (records)".into(),
            y_label: "workers".into(),
            x_ticks: batches.iter().map(|b| b.to_string()).collect(),
            y_ticks: workers.iter().map(|w| w.to_string()).collect(),
            values,
        },
        caption,
    ))
}

#[cfg(test)]
mod tests {
    #[test]
    fn grid_of_workers_by_batch() {
        let r = super::super::testdata::report();
        let (h, caption) = super::prepare(&r).unwrap();
        assert_eq!(h.y_ticks, vec!["1", "2", "4"]);
        assert_eq!(h.x_ticks, vec!["100", "1000"]);
        assert!(h.values.iter().flatten().all(|v| v.is_some()));
        assert!(
            caption.starts_with("Best: 4 worker(s) with batches of 1000"),
            "{caption}"
        );
        assert!(
            caption.contains("best worker count is 4 at every batch size"),
            "{caption}"
        );
    }
}
