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
pub mod panels;
pub mod phases;
#[cfg(test)]
mod probe;
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
                        formats: opts.formats.iter().map(|f| f.name().to_string()).collect(),
                    }
                }
                Err(why) => Figure {
                    name: $name.into(),
                    title: $title.into(),
                    caption: None,
                    skipped: Some(why),
                    formats: Vec::new(),
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

/// At most this many lines per plot, so it stays readable: seven
/// Okabe–Ito colours and a grey, each line also with its own marker. Eight
/// covers the quickstart's 2 engines × 2 lock models × 2 batch sizes; more
/// become small multiples ([`panels`]).
pub const MAX_LINES: usize = 8;

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
    use crate::backend::Engine;
    use crate::report::{Environment, Report};
    use crate::run::LockModel;
    use crate::scenario::ConfigSpec;

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
        over(
            &[(Engine::Sqlite, LockModel::Native)],
            [100, 10_000],
            [100, 1000],
        )
    }

    /// A sweep as wide as lock-models': both embedded engines × three lock
    /// models × two batch sizes × two record counts, for the charts that
    /// must say what they leave out and keep their text on a small canvas.
    pub fn wide() -> Report {
        let mut cells = Vec::new();
        for e in Engine::EMBEDDED {
            for l in [
                LockModel::Native,
                LockModel::GlobalMutex,
                LockModel::SingleWriter,
            ] {
                cells.push((e, l));
            }
        }
        over(&cells, [1_000, 100_000], [1000, 10_000])
    }

    fn over(cells: &[(Engine, LockModel)], counts: [u64; 2], batches: [usize; 2]) -> Report {
        let mut configs = Vec::new();
        let mut runs = Vec::new();
        for (cell, &(engine, lock)) in cells.iter().enumerate() {
            // One cell keeps the short group name the chart tests address.
            let g = if cells.len() == 1 {
                "g".to_string()
            } else {
                format!("{engine}-{lock}")
            };
            for records in counts {
                for batch in batches {
                    let base = format!("r{records}/{engine}/bulk/b{batch}/w1");
                    for workers in [1usize, 2, 4] {
                        let id = if workers == 1 {
                            base.clone()
                        } else {
                            format!("r{records}/{g}/b{batch}/w{workers}")
                        };
                        if workers == 1 && configs.iter().any(|c: &ConfigSpec| c.id == id) {
                            continue;
                        }
                        let mut c = spec(&id, workers, &base);
                        c.data.records = records;
                        c.run.batch_size = batch;
                        c.run.backend.engine = engine;
                        c.run.lock = lock;
                        c.group = if workers == 1 {
                            String::new()
                        } else {
                            format!("r{records}/{g}/b{batch}")
                        };
                        // Small data: pool costs eat the gain; large data: 1.5× per doubling.
                        let t1 = records as f64 / 1000.0 + 0.1 + 0.01 * cell as f64;
                        let wall = if records == counts[0] {
                            t1 * (1.0 + 0.2 * workers as f64)
                        } else {
                            t1 / 1.5f64.powf((workers as f64).log2())
                        };
                        let wall = if batch == batches[0] {
                            wall * 1.2
                        } else {
                            wall
                        };
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
                            // Round `rep` starts at 100·rep s: the drift chart.
                            r.started_unix_s = Some(100.0 * rep as f64 + runs.len() as f64);
                            runs.push(r);
                        }
                        configs.push(c);
                    }
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

    /// Every chart, drawn from `r`, with its name.
    fn every_chart(r: &super::Report) -> Vec<(&'static str, Vec<String>)> {
        use super::probe::text_problems;
        let mut out = Vec::new();
        for size in ["8.5cm", "16cm"] {
            let size: FigureSize = size.parse().unwrap();
            let mut check = |name: &'static str, problems: Vec<String>| {
                out.push((name, problems));
            };
            macro_rules! chart {
                ($name:expr, $prep:expr) => {
                    if let Ok((c, _)) = $prep {
                        check($name, text_problems(&c, size));
                    }
                };
            }
            chart!("speedup", super::speedup::prepare(r));
            chart!("efficiency", super::efficiency::prepare(r));
            chart!("throughput-vs-batch", super::batch::prepare(r));
            chart!("overhead-vs-volume", super::volume::prepare(r));
            chart!("time-breakdown", super::phases::prepare(r));
            chart!("heatmap", super::heatmap::prepare(r));
            chart!("drift", super::drift::prepare(r));
            let errors = crate::analysis::sim_error::Errors {
                source: crate::analysis::sim_error::CostSource::SameRound,
                model: "a calibration in each of 8 rounds".into(),
                cmp: crate::analysis::sim_error::compare_reports(r.sweep(), r.sweep(), 8),
            };
            chart!("simcompare", super::simcompare::prepare(r, r, &errors));
            check("timeline", text_problems(&timeline(4), size));
            check("compare", text_problems(&changes(r), size));
        }
        out
    }

    /// A timeline of `workers` workers and a single writer, each busy in
    /// every phase.
    fn timeline(workers: u32) -> super::draw::Gantt {
        use crate::run::{Phase, TimelineEvent};
        let mut events = Vec::new();
        for worker in 0..=workers {
            for (k, phase) in Phase::ALL.iter().enumerate() {
                let start_s = k as f64 * 0.1;
                events.push(TimelineEvent {
                    worker,
                    batch: Some(k as u32),
                    phase: *phase,
                    start_s,
                    end_s: start_s + 0.1,
                });
            }
        }
        super::timeline::from_events(&events, workers as usize, "r100000/sqlite/b1000/w4").0
    }

    /// `compare`'s chart with one row per configuration of `r`.
    fn changes(r: &super::Report) -> super::changes::ChangeChart {
        use super::changes::{ChangeChart, ChangeRow};
        ChangeChart {
            title: "Throughput of B (results/quickstart-after) against A (results/quickstart)"
                .into(),
            rows: r
                .summaries
                .iter()
                .enumerate()
                .map(|(i, s)| ChangeRow {
                    label: s.id.clone(),
                    pct: i as f64 - 5.0,
                    lo: i as f64 - 8.0,
                    hi: i as f64 - 2.0,
                    interval: "96.8% CI".into(),
                    verdict: "within noise".into(),
                })
                .collect(),
            noise_pct: 2.0,
        }
    }

    #[test]
    fn every_chart_keeps_its_text_on_the_canvas_at_a_single_column_and_a_full_width() {
        let mut seen = Vec::new();
        let mut bad = Vec::new();
        for r in [super::testdata::report(), super::testdata::wide()] {
            for (name, problems) in every_chart(&r) {
                seen.push(name);
                bad.extend(problems.into_iter().map(|p| format!("{name}: {p}")));
            }
        }
        // 10 charts × 2 sizes × 2 reports, less the heatmap of the narrow
        // report... every chart this test knows must have been drawn.
        for name in [
            "speedup",
            "efficiency",
            "throughput-vs-batch",
            "overhead-vs-volume",
            "time-breakdown",
            "heatmap",
            "drift",
            "simcompare",
            "timeline",
            "compare",
        ] {
            assert_eq!(seen.iter().filter(|n| **n == name).count(), 4, "{name}");
        }
        assert!(bad.is_empty(), "{}", bad.join("\n"));
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
