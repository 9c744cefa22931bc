//! Chart 7: a heatmap of throughput over workers × batch size, the best
//! cell marked: the answer to "does the best worker count depend on the
//! batch size?".

use super::draw::Heatmap;
use super::{Prepared, measured};
use crate::analysis::ConfigSummary;
use crate::report::Report;
use crate::scenario::Facets;
use crate::scenario::facets::Dim;

/// The slice the heatmap shows: the largest data set, and the pooled
/// facets (lock model, schedule, pool...) measured at the most cells.
fn slice<'a>(m: &[&'a ConfigSummary]) -> Vec<&'a ConfigSummary> {
    let max_records = m.iter().map(|s| s.facets.records).max().unwrap_or(0);
    let big: Vec<&ConfigSummary> = m
        .iter()
        .copied()
        .filter(|s| s.facets.records == max_records)
        .collect();
    // A cell's key without workers and batch size; the baseline joins
    // every pooled slice of its engine and method.
    let key = |f: &Facets| f.without(Dim::Workers).without(Dim::Batch);
    let Some(best) = big.iter().filter(|s| s.workers() > 1).max_by_key(|s| {
        big.iter()
            .filter(|x| key(&x.facets) == key(&s.facets))
            .count()
    }) else {
        return Vec::new();
    };
    let k = key(&best.facets);
    let base = k
        .without(Dim::Lock)
        .without(Dim::Schedule)
        .without(Dim::Overhead);
    big.into_iter()
        .filter(|s| key(&s.facets) == k || (s.workers() == 1 && key(&s.facets) == base))
        .collect()
}

/// The chart and its caption from `r`, or why it cannot be drawn.
pub fn prepare(r: &Report) -> Prepared<Heatmap> {
    let m = measured(r);
    let cells = slice(&m);
    let mut workers: Vec<usize> = cells.iter().map(|s| s.workers()).collect();
    workers.sort();
    workers.dedup();
    let mut batches: Vec<usize> = cells.iter().map(|s| s.facets.batch_size).collect();
    batches.sort();
    batches.dedup();
    if workers.len() < 2 || batches.len() < 2 {
        return Err(format!(
            "needs at least 2 worker counts and 2 batch sizes (the sweep has {} and {})",
            workers.len(),
            batches.len()
        ));
    }
    let rate = |s: &ConfigSummary| s.records_per_s.map_or(0.0, |t| t.median);
    let values: Vec<Vec<Option<f64>>> = workers
        .iter()
        .map(|w| {
            batches
                .iter()
                .map(|b| {
                    cells
                        .iter()
                        .find(|s| s.workers() == *w && s.facets.batch_size == *b)
                        .map(|s| rate(s))
                })
                .collect()
        })
        .collect();
    let best = cells
        .iter()
        .max_by(|a, b| rate(a).total_cmp(&rate(b)))
        .expect("cells");
    let caption = caption(best, &workers, &batches, &values);
    Ok((
        Heatmap {
            title: format!(
                "Throughput (records/s, ★ best): workers × batch size ({})",
                r.scenario.name
            ),
            x_label: "batch size (records)".into(),
            y_label: "workers".into(),
            value_label: "throughput, median (records/s)".into(),
            x_ticks: batches.iter().map(|b| b.to_string()).collect(),
            y_ticks: workers.iter().map(|w| w.to_string()).collect(),
            values,
        },
        caption,
    ))
}

fn caption(
    best: &ConfigSummary,
    workers: &[usize],
    batches: &[usize],
    values: &[Vec<Option<f64>>],
) -> String {
    let f = &best.facets;
    let mut caption = format!(
        "Best: {} worker(s) with batches of {} at {:.0} records/s ({} {}, {}, {} records).",
        f.workers,
        f.batch_size,
        best.records_per_s.map_or(0.0, |t| t.median),
        f.engine,
        f.method,
        f.lock.map_or("sequential".to_string(), |l| l.to_string()),
        f.records
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
    caption
}

#[cfg(test)]
mod tests {
    #[test]
    fn grid_of_workers_by_batch() {
        let r = super::super::testdata::report();
        let (h, caption) = super::prepare(&r).unwrap();
        assert_eq!(h.y_ticks, vec!["1", "2", "4"]);
        assert_eq!(h.x_ticks, vec!["100", "1000"]);
        // Every cell of the 3 × 2 grid filled (an `all` over none would pass).
        assert_eq!(h.values.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2, 2]);
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
