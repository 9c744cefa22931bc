//! Figures: each chart is one module that prepares its series from a
//! [`Report`] (pure, tested) and hands them to one of the shapes in
//! [`draw`]. Charts the data do not support are skipped with the reason,
//! which the report states.

pub mod batch;
pub mod changes;
pub mod draw;
pub mod drift;
pub mod efficiency;
pub mod heatmap;
pub mod output;
pub mod phases;
pub mod simcompare;
pub mod speedup;
pub mod style;
mod table;
pub mod timeline;
pub mod volume;

use crate::analysis::ConfigSummary;
use crate::analysis::stats::{Interval, Method, percent};
use crate::report::{Figure, Report};
use crate::scenario::Facets;
use crate::scenario::facets::Dim;
use anyhow::{Context, Result};
use std::path::Path;

/// What a chart module prepares: the chart and a caption stating what the
/// data show; or, as the error, why the chart does not fit this sweep.
pub type Prepared<C> = std::result::Result<(C, String), String>;

pub use output::{FigureOptions, Format};
pub use style::FigureSize;

/// Renders every chart the data support into `results_dir/plots` (the
/// formats `opts` asks for, and the CSV of each chart's numbers) and
/// returns the figure list for the report.
pub fn render_all(
    report: &Report,
    results_dir: &Path,
    opts: &FigureOptions,
) -> Result<Vec<Figure>> {
    let dir = results_dir.join("plots");
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create '{}'", dir.display()))?;
    let mut figs = Vec::new();
    macro_rules! chart {
        ($name:expr, $title:expr, $prep:expr) => {
            figs.push(match $prep {
                Ok((c, caption)) => {
                    output::save(&c, &dir, $name, opts)?;
                    Figure {
                        name: $name.into(),
                        title: $title.into(),
                        caption: Some(caption),
                        skipped: None,
                    }
                }
                Err(why) => Figure {
                    name: $name.into(),
                    title: $title.into(),
                    caption: None,
                    skipped: Some(why),
                },
            })
        };
    }
    chart!("speedup", "Speedup vs workers", speedup::prepare(report));
    chart!(
        "efficiency",
        "Efficiency vs workers",
        efficiency::prepare(report)
    );
    chart!(
        "throughput-vs-batch",
        "Throughput vs batch size",
        batch::prepare(report)
    );
    chart!(
        "overhead-vs-volume",
        "Overhead vs volume",
        volume::prepare(report)
    );
    chart!(
        "time-breakdown",
        "Where the time goes",
        phases::prepare(report)
    );
    chart!(
        "timeline",
        "Worker timeline",
        timeline::prepare(report, results_dir)
    );
    chart!(
        "drift",
        "The machine's speed over the sweep",
        drift::prepare(report)
    );
    chart!(
        "heatmap",
        "Throughput over workers × batch size",
        heatmap::prepare(report)
    );
    Ok(figs)
}

/// Summaries with measurements, the ones every chart draws from.
pub(crate) fn measured(r: &Report) -> Vec<&ConfigSummary> {
    r.summaries.iter().filter(|s| s.wall_s.is_some()).collect()
}

/// Line labels for series whose first members are `firsts`, leaving out
/// the dimension the chart runs along.
pub(crate) fn labels(firsts: &[&ConfigSummary], along: Dim) -> Vec<String> {
    let f: Vec<Facets> = firsts.iter().map(|s| s.facets).collect();
    crate::scenario::facets::labels(&f, &[along])
}

/// What error bars show, stated with their levels ("bars: 96.8% CI of the
/// median"; "bars: range of 3 runs (75%)"; mixed levels as a span).
pub(crate) fn interval_note(what: &str, intervals: &[Interval]) -> String {
    let shown: Vec<&Interval> = intervals
        .iter()
        .filter(|i| i.method != Method::Point)
        .collect();
    let Some(first) = shown.first() else {
        return "no intervals (single runs)".into();
    };
    let (lo, hi) = shown.iter().fold((1.0f64, 0.0f64), |(a, b), i| {
        (a.min(i.level), b.max(i.level))
    });
    if (hi - lo).abs() < 1e-9 {
        format!("bars: {} of {what}", first.label())
    } else {
        format!(
            "bars: intervals of {what},\n{}–{} (see the CSV)",
            percent(lo),
            percent(hi)
        )
    }
}

/// At most this many lines per chart, so it stays readable: seven
/// Okabe–Ito colours and a grey, each line also with its own marker. Eight
/// covers the quickstart's 2 engines × 2 lock models × 2 batch sizes.
pub const MAX_LINES: usize = 8;

/// Keeps the first [`MAX_LINES`] series of a chart and returns the
/// caption's note on the rest ("" when nothing was left out), so no series
/// is dropped without a word.
pub(crate) fn keep_lines<T>(series: &mut Vec<T>) -> String {
    let dropped = series.len().saturating_sub(MAX_LINES);
    series.truncate(MAX_LINES);
    if dropped == 0 {
        String::new()
    } else {
        format!(
            " {dropped} more series are not drawn here (a chart holds {MAX_LINES}); every configuration is in summary.csv and the report's tables."
        )
    }
}

/// The median throughput and its interval.
pub(crate) fn rate_ci(s: &ConfigSummary) -> (f64, f64, f64) {
    s.records_per_s
        .map_or((0.0, 0.0, 0.0), |t| (t.median, t.ci.low, t.ci.high))
}

/// The highest median among `cells`, and the cells whose intervals reach
/// its interval (it is "best" only when there are none).
pub(crate) fn top<'a>(cells: &[&'a ConfigSummary]) -> (&'a ConfigSummary, Vec<&'a ConfigSummary>) {
    let best = *cells
        .iter()
        .max_by(|a, b| rate_ci(a).0.total_cmp(&rate_ci(b).0))
        .expect("cells");
    let low = rate_ci(best).1;
    let rivals = cells
        .iter()
        .copied()
        .filter(|c| c.id != best.id && rate_ci(c).2 >= low)
        .collect();
    (best, rivals)
}

#[cfg(test)]
pub(crate) mod testdata {
    //! A hand-made report with known numbers for the chart preparation
    //! tests: sqlite, native, workers 1/2/4 × batch 100/1000, two record
    //! counts, no failures.
    use crate::analysis::stats::Stats;
    use crate::analysis::summary::tests::{run, spec};
    use crate::report::{Environment, Report};

    /// The throughput of the configuration on `records` records whose
    /// median is `median` (a figure's highest point, to check its caption).
    pub fn throughput_with_median(r: &Report, records: u64, median: f64) -> Stats {
        r.summaries
            .iter()
            .filter(|s| s.facets.records == records)
            .find_map(|s| s.records_per_s.filter(|t| t.median == median))
            .expect("a configuration with that median")
    }

    /// Widens the throughput interval of configuration `id` up to `high`,
    /// so it reaches a rival's.
    pub fn widen_throughput(r: &mut Report, id: &str, high: f64) {
        let s = r.summaries.iter_mut().find(|s| s.id == id).expect("id");
        s.records_per_s.as_mut().expect("measured").ci.high = high;
    }

    pub fn report() -> Report {
        let mut configs = Vec::new();
        let mut runs = Vec::new();
        for records in [100u64, 10_000] {
            for batch in [100usize, 1000] {
                let base = format!("r{records}/sqlite/bulk/b{batch}/w1");
                for workers in [1usize, 2, 4] {
                    let id = if workers == 1 {
                        base.clone()
                    } else {
                        format!("r{records}/g/b{batch}/w{workers}")
                    };
                    let mut c = spec(&id, workers, &base);
                    c.data.records = records;
                    c.run.batch_size = batch;
                    c.group = if workers == 1 {
                        String::new()
                    } else {
                        format!("r{records}/g/b{batch}")
                    };
                    // Small data: pool costs eat the gain; large data: 1.5× per doubling.
                    let t1 = records as f64 / 1000.0 + 0.1;
                    let wall = if records == 100 {
                        t1 * (1.0 + 0.2 * workers as f64)
                    } else {
                        t1 / 1.5f64.powf((workers as f64).log2())
                    };
                    let wall = if batch == 100 { wall * 1.2 } else { wall };
                    for rep in 0..3 {
                        let mut r = run(
                            &c,
                            rep,
                            wall * (1.0 + 0.01 * rep as f64),
                            wall * workers as f64,
                            0.2 * wall * (workers - 1) as f64,
                        );
                        if let Some(res) = r.result.as_mut() {
                            res.records_in = records;
                            res.records_per_s = records as f64 / res.wall_s;
                        }
                        runs.push(r);
                    }
                    configs.push(c);
                }
            }
        }
        let scenario = crate::scenario::parse(
            "name = \"charts\"\n[data]\nrecords = [100]\n[sweep]\nworkers = [1]\n",
            std::path::Path::new("t.toml"),
            &[],
        )
        .unwrap();
        let mut r = crate::report::build_report(&scenario, configs, runs, false);
        r.environment = Environment::fixed();
        r
    }
}

#[cfg(test)]
mod tests {
    use super::draw::{Draw, render_rgb};
    use super::style::{FigureSize, Geometry, PNG_DPI};

    /// Fraction of non-white pixels and number of distinct colours.
    fn content<C: Draw>(c: &C) -> (f64, usize) {
        let g = Geometry::new(FigureSize::default(), PNG_DPI);
        let buf = render_rgb(c, &g).unwrap();
        assert_eq!(buf.len(), (g.width * g.height * 3) as usize);
        let px: Vec<&[u8]> = buf.chunks(3).collect();
        let ink =
            px.iter().filter(|p| p.iter().any(|&b| b != 255)).count() as f64 / px.len() as f64;
        let mut colours: Vec<&[u8]> = px.clone();
        colours.sort();
        colours.dedup();
        (ink, colours.len())
    }

    #[test]
    fn every_chart_renders_non_trivial_content() {
        let r = super::testdata::report();
        let checks = [
            content(&super::speedup::prepare(&r).unwrap().0),
            content(&super::efficiency::prepare(&r).unwrap().0),
            content(&super::batch::prepare(&r).unwrap().0),
            content(&super::volume::prepare(&r).unwrap().0),
            content(&super::phases::prepare(&r).unwrap().0),
            content(&super::heatmap::prepare(&r).unwrap().0),
            content(
                &super::timeline::from_events(
                    &[crate::run::TimelineEvent {
                        worker: 0,
                        batch: None,
                        phase: crate::run::Phase::Parse,
                        start_s: 0.0,
                        end_s: 1.0,
                    }],
                    1,
                    "t",
                )
                .0,
            ),
        ];
        for (i, (ink, colours)) in checks.iter().enumerate() {
            assert!(
                *ink > 0.02 && *ink < 0.9,
                "chart {i}: {ink} of the pixels inked"
            );
            assert!(*colours > 8, "chart {i}: only {colours} colours");
        }
    }

    #[test]
    fn charts_the_data_cannot_support_are_skipped_with_a_reason() {
        let mut r = super::testdata::report();
        r.summaries
            .retain(|s| s.facets.records == 100 && s.facets.batch_size == 100);
        assert!(
            super::batch::prepare(&r)
                .unwrap_err()
                .contains("1 batch size")
        );
        assert!(
            super::volume::prepare(&r)
                .unwrap_err()
                .contains("1 record count")
        );
        assert!(
            super::heatmap::prepare(&r)
                .unwrap_err()
                .contains("2 batch sizes")
        );
        r.summaries.clear();
        assert!(super::speedup::prepare(&r).is_err());
        assert!(super::phases::prepare(&r).is_err());
    }
}
