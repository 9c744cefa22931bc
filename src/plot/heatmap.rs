//! Chart 7: a heatmap of throughput over workers × batch size, the best
//! cell marked: the answer to "does the best worker count depend on the
//! batch size?".

use super::draw::Heatmap;
use super::{Prepared, measured, rate_ci, top};
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
    let caption = caption(&cells, &batches);
    let pooled = cells.iter().find(|s| s.workers() > 1).unwrap_or(&cells[0]);
    let f = &pooled.facets;
    Ok((
        Heatmap {
            title: format!(
                "Throughput (records/s, ★ highest median): workers × batch size ({} {}, {}, {} records; {})",
                f.engine,
                f.method,
                f.lock.map_or("sequential".to_string(), |l| l.to_string()),
                f.records,
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

/// Names a best cell, or a best worker count per batch size, only where
/// its throughput interval lies above all the others'; otherwise says
/// which cannot be told apart.
fn caption(cells: &[&ConfigSummary], batches: &[usize]) -> String {
    let (best, rivals) = top(cells);
    let f = &best.facets;
    let (m, lo, hi) = rate_ci(best);
    let mut caption = format!(
        "Highest median: {} worker(s) with batches of {} at {:.0} records/s (interval {:.0}–{:.0}; {} {}, {}, {} records); ",
        f.workers,
        f.batch_size,
        m,
        lo,
        hi,
        f.engine,
        f.method,
        f.lock.map_or("sequential".to_string(), |l| l.to_string()),
        f.records
    );
    caption += &if rivals.is_empty() {
        "its interval lies above every other cell's, so it is the best measured.".to_string()
    } else {
        format!(
            "its interval overlaps those of {} other cell(s), so no cell is shown to be the best.",
            rivals.len()
        )
    };
    let per_batch: Vec<(usize, usize, Vec<usize>)> = batches
        .iter()
        .map(|b| {
            let at: Vec<&ConfigSummary> = cells
                .iter()
                .copied()
                .filter(|s| s.facets.batch_size == *b)
                .collect();
            let (t, r) = top(&at);
            (*b, t.workers(), r.iter().map(|x| x.workers()).collect())
        })
        .collect();
    let clear: Vec<usize> = per_batch
        .iter()
        .filter(|p| p.2.is_empty())
        .map(|p| p.1)
        .collect();
    let words: Vec<String> = per_batch
        .iter()
        .map(|(b, w, r)| {
            if r.is_empty() {
                format!("{w} at {b}")
            } else {
                let others: Vec<String> = r.iter().map(|x| x.to_string()).collect();
                format!("{w} at {b} (not told apart from {})", others.join(", "))
            }
        })
        .collect();
    caption += &if clear.len() == per_batch.len() && clear.windows(2).all(|p| p[0] == p[1]) {
        format!(
            " The best worker count is {} at every batch size.",
            clear[0]
        )
    } else if clear.len() == per_batch.len() {
        format!(
            " The best worker count depends on the batch size: {}.",
            words.join(", ")
        )
    } else {
        format!(
            " Highest median worker count per batch size: {}; the data cannot tell where the intervals overlap.",
            words.join(", ")
        )
    };
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
            caption.starts_with("Highest median: 4 worker(s) with batches of 1000"),
            "{caption}"
        );
        assert!(caption.contains("so it is the best measured"), "{caption}");
        assert!(
            caption.contains("best worker count is 4 at every batch size"),
            "{caption}"
        );
        assert!(
            h.title.contains("sqlite bulk, native, 10000 records"),
            "{}",
            h.title
        );
    }

    /// The caption's figures are the table's (the best cell's median and
    /// interval), and widening one rival's interval to reach the best one
    /// takes back the claim of a best.
    #[test]
    fn best_only_where_the_intervals_part() {
        let mut r = super::super::testdata::report();
        let (h, caption) = super::prepare(&r).unwrap();
        let top = h
            .values
            .iter()
            .flatten()
            .flatten()
            .fold(0.0, |a: f64, b| a.max(*b));
        // The heatmap shows the largest data set, 10,000 records.
        let t = super::super::testdata::throughput_with_median(&r, 10_000, top);
        assert!(
            caption.contains(&format!(
                "at {:.0} records/s (interval {:.0}–{:.0}",
                t.median, t.ci.low, t.ci.high
            )),
            "{caption}"
        );
        // The 2-worker cell at batch 1000 now reaches the best one.
        super::super::testdata::widen_throughput(&mut r, "r10000/g/b1000/w2", t.median * 2.0);
        let (_, caption) = super::prepare(&r).unwrap();
        assert!(
            caption.contains("no cell is shown to be the best"),
            "{caption}"
        );
        assert!(
            caption.contains("4 at 1000 (not told apart from 2)"),
            "{caption}"
        );
        assert!(caption.contains("the data cannot tell"), "{caption}");
    }
}
