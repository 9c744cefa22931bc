//! Small multiples: a chart with more series than one plot can hold
//! (eight: seven Okabe–Ito colours and a grey, each with its own marker)
//! becomes a grid of panels split by the facets that vary (one panel per
//! engine, per lock model, per engine and record count...), all on the same
//! axes and with one legend, instead of leaving series out.

use super::MAX_LINES;
use crate::scenario::Facets;
use crate::scenario::facets::{Dim, labels};

/// At most this many panels per chart; beyond, panels are left out and
/// the caption says how many.
pub const MAX_PANELS: usize = 6;

/// The dimensions a chart may be split by, most telling first.
const SPLIT_ORDER: [Dim; 9] = [
    Dim::Engine,
    Dim::Lock,
    Dim::Records,
    Dim::Batch,
    Dim::Method,
    Dim::Index,
    Dim::Schedule,
    Dim::Overhead,
    Dim::Work,
];

/// Where each series of a chart goes.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// The panels' titles, in order; one empty title for a single plot.
    pub panels: Vec<String>,
    /// Per series: its panel, or None when it is not drawn.
    pub panel: Vec<Option<usize>>,
    /// Per series: its legend label (without what the panel says).
    pub labels: Vec<String>,
    /// Per series: its colour and marker; a label has the same style in
    /// every panel, so one legend serves them all.
    pub styles: Vec<usize>,
    /// The caption's sentence on the layout ("" for one plot of every
    /// series): the panels, and any series or panel not drawn.
    pub note: String,
}

/// The panel key of `f` over the dimensions `split`.
fn key(f: &Facets, split: &[Dim]) -> String {
    split
        .iter()
        .map(|&d| f.piece(d).unwrap_or_else(|| "sequential".into()))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The panel keys of `facets` in first-appearance order, and each
/// series's panel.
fn group(facets: &[Facets], split: &[Dim]) -> (Vec<String>, Vec<usize>) {
    let mut keys: Vec<String> = Vec::new();
    let panel = facets
        .iter()
        .map(|f| {
            let k = key(f, split);
            keys.iter().position(|x| *x == k).unwrap_or_else(|| {
                keys.push(k);
                keys.len() - 1
            })
        })
        .collect();
    (keys, panel)
}

/// How many series each panel of `split` holds, in panel order.
fn panel_sizes(facets: &[Facets], split: &[Dim]) -> Vec<usize> {
    let (keys, panel) = group(facets, split);
    let mut sizes = vec![0; keys.len()];
    panel.into_iter().for_each(|p| sizes[p] += 1);
    sizes
}

/// The series' legend labels: what tells them apart besides the chart's
/// axis `along` and what the panels of `split` already say.
fn series_labels(facets: &[Facets], along: Dim, split: &[Dim]) -> Vec<String> {
    let mut skip = split.to_vec();
    skip.push(along);
    labels(facets, &skip)
}

/// Whether splitting by `split` gives few enough panels, each with few
/// enough series, and few enough distinct labels for one legend.
fn fits(facets: &[Facets], along: Dim, split: &[Dim]) -> bool {
    let sizes = panel_sizes(facets, split);
    let widest = sizes.iter().copied().max().unwrap_or(0);
    let mut names = series_labels(facets, along, split);
    names.sort();
    names.dedup();
    sizes.len() <= MAX_PANELS && widest <= MAX_LINES && names.len() <= MAX_LINES
}

/// The split to use: the first single dimension that fits, else the first
/// pair, else the single dimension with the smallest widest panel.
fn choose(facets: &[Facets], along: Dim) -> Vec<Dim> {
    let varying: Vec<Dim> = SPLIT_ORDER
        .iter()
        .copied()
        .filter(|&d| d != along && group(facets, &[d]).0.len() > 1)
        .collect();
    if let Some(d) = varying.iter().find(|&&d| fits(facets, along, &[d])) {
        return vec![*d];
    }
    for (i, &a) in varying.iter().enumerate() {
        if let Some(&b) = varying[i + 1..]
            .iter()
            .find(|&&b| fits(facets, along, &[a, b]))
        {
            return vec![a, b];
        }
    }
    // Nothing fits: the split (or none) that leaves the fewest series out.
    std::iter::once(Vec::new())
        .chain(varying.iter().map(|&d| vec![d]))
        .min_by_key(|split| dropped(facets, split))
        .unwrap_or_default()
}

/// How many series a split leaves out (panels beyond [`MAX_PANELS`],
/// series beyond [`MAX_LINES`] in a panel).
fn dropped(facets: &[Facets], split: &[Dim]) -> usize {
    panel_sizes(facets, split)
        .iter()
        .enumerate()
        .map(|(k, &n)| {
            if k < MAX_PANELS {
                n.saturating_sub(MAX_LINES)
            } else {
                n
            }
        })
        .sum()
}

/// Lays out series whose facets (each series's first member) are
/// `facets`, running along `along`: one plot when they fit, else panels.
pub fn layout(facets: &[Facets], along: Dim) -> Layout {
    let split = if facets.len() > MAX_LINES {
        choose(facets, along)
    } else {
        Vec::new()
    };
    let (keys, panel) = group(facets, &split);
    let names = series_labels(facets, along, &split);
    let mut distinct: Vec<&String> = Vec::new();
    let styles = names
        .iter()
        .map(|n| {
            distinct.iter().position(|d| *d == n).unwrap_or_else(|| {
                distinct.push(n);
                distinct.len() - 1
            }) % MAX_LINES
        })
        .collect();
    let mut per_panel = vec![0usize; keys.len()];
    let panel: Vec<Option<usize>> = panel
        .into_iter()
        .map(|p| {
            per_panel[p] += 1;
            (p < MAX_PANELS && per_panel[p] <= MAX_LINES).then_some(p)
        })
        .collect();
    let drawn = panel.iter().flatten().count();
    let note = note(&keys, &split, drawn, facets.len());
    Layout {
        panels: keys.into_iter().take(MAX_PANELS).collect(),
        panel,
        labels: names,
        styles,
        note,
    }
}

/// The caption's sentence: which panels, and what was not drawn.
fn note(keys: &[String], split: &[Dim], drawn: usize, total: usize) -> String {
    let mut s = String::new();
    if keys.len() > 1 {
        let by: Vec<&str> = split.iter().map(|&d| d.name()).collect();
        let shown = keys.len().min(MAX_PANELS);
        s += &format!(
            " One panel per {} ({}), on the same axes.",
            by.join(" and "),
            keys[..shown].join("; ")
        );
    }
    if drawn < total {
        s += &format!(
            " {} of {total} series are not drawn (a panel holds {MAX_LINES}, a chart {MAX_PANELS} panels); summary.csv and the report's tables hold them all.",
            total - drawn
        );
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::{Engine, IndexPolicy, InsertMethod};
    use crate::run::{LockModel, Preset, Schedule};

    fn f(engine: Engine, lock: LockModel, batch: usize, records: u64) -> Facets {
        Facets {
            engine,
            method: InsertMethod::Bulk,
            index: IndexPolicy::Upfront,
            lock: Some(lock),
            schedule: Some(Schedule::Static),
            overhead: Some(Preset::None),
            workers: 2,
            batch_size: batch,
            records,
            record_work_ns: 0,
        }
    }

    fn sweep(records: &[u64]) -> Vec<Facets> {
        let mut out = Vec::new();
        for e in Engine::EMBEDDED {
            for l in [
                LockModel::Native,
                LockModel::GlobalMutex,
                LockModel::SingleWriter,
            ] {
                for b in [1000, 10_000] {
                    for &r in records {
                        out.push(f(e, l, b, r));
                    }
                }
            }
        }
        out
    }

    #[test]
    fn a_chart_that_fits_is_one_plot_with_every_series() {
        let facets = &sweep(&[1000])[..6];
        let l = layout(facets, Dim::Workers);
        assert_eq!(l.panels, vec![String::new()]);
        assert!(l.panel.iter().all(|p| *p == Some(0)));
        assert_eq!(l.styles, (0..6).collect::<Vec<_>>());
        assert_eq!(l.note, "");
    }

    #[test]
    fn twelve_series_become_one_panel_per_engine_with_shared_styles() {
        let facets = sweep(&[1000]);
        let l = layout(&facets, Dim::Workers);
        assert_eq!(l.panels, vec!["sqlite", "duckdb"]);
        assert!(l.panel.iter().all(Option::is_some), "nothing dropped");
        // The same lock model and batch size look alike in both panels.
        assert_eq!(l.styles[..6], l.styles[6..]);
        assert_eq!(l.labels[0], "native b1000");
        assert!(
            l.note.contains("One panel per engine (sqlite; duckdb)"),
            "{}",
            l.note
        );
        assert!(!l.note.contains("not drawn"), "{}", l.note);
    }

    #[test]
    fn twenty_four_series_split_by_the_first_facet_that_fits_and_none_is_lost() {
        // By engine: 12 a panel, too many; by lock model: 8 a panel.
        let facets = sweep(&[1000, 100_000]);
        let l = layout(&facets, Dim::Workers);
        assert_eq!(l.panels, vec!["native", "global-mutex", "single-writer"]);
        assert!(l.panel.iter().all(Option::is_some));
        let mut distinct = l.labels.clone();
        distinct.sort();
        distinct.dedup();
        assert_eq!(distinct.len(), 8);
        // Three record counts: 12 a lock model; engine and lock: 6 panels.
        let facets = sweep(&[1000, 10_000, 100_000]);
        let l = layout(&facets, Dim::Workers);
        assert_eq!(l.panels.len(), 6, "{:?}", l.panels);
        assert_eq!(l.panels[0], "sqlite native");
        assert!(l.panel.iter().all(Option::is_some));
        assert!(l.note.contains("engine and lock model"), "{}", l.note);
    }

    #[test]
    fn what_cannot_be_drawn_is_counted_in_the_note() {
        // 9 batch sizes of one engine and lock: no split leaves ≤ 8 a panel.
        let facets: Vec<Facets> = (1..=9)
            .map(|b| f(Engine::Sqlite, LockModel::Native, b * 100, 1000))
            .collect();
        let l = layout(&facets, Dim::Workers);
        assert_eq!(l.panel.iter().flatten().count(), 8);
        assert!(l.note.contains("1 of 9 series are not drawn"), "{}", l.note);
    }
}
