//! The drawing side of the charts: four chart shapes (lines, stacked
//! bars, a timeline, a heatmap), each drawn on any plotters backend at any
//! [`Geometry`], so that PNG, SVG and PDF come from the same code. The
//! data arrive prepared by the chart modules. Sizes are set in points on
//! the page and converted by the geometry.

mod axis;
mod bands;
mod heatmap;
mod legend;
mod line;
#[cfg(test)]
pub(crate) use line::legend_labels;
mod text;

pub use axis::{linear_ticks, log_ticks, round_sig, tick};
pub(crate) use bands::band_chart;
pub(crate) use legend::{boxed_legend, boxed_room_pt};

use super::style::*;
use crate::analysis::Interval;
use anyhow::{Result, anyhow};
use plotters::coord::Shift;
use plotters::prelude::*;

/// One point with its interval (`lo == hi == y` and no level: none).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Pt {
    /// Position on the x axis.
    pub x: f64,
    /// The value.
    pub y: f64,
    /// The interval's lower end (`y` without one).
    pub lo: f64,
    /// The interval's upper end (`y` without one).
    pub hi: f64,
    /// The interval's level (0.95...), None without an interval.
    pub level: Option<f64>,
}

impl Pt {
    /// A point without an interval (a fit, a reference, a single run).
    pub fn exact(x: f64, y: f64) -> Pt {
        Pt {
            x,
            y,
            lo: y,
            hi: y,
            level: None,
        }
    }
    /// A point with `ci` as its error bar.
    pub fn with_ci(x: f64, y: f64, ci: &Interval) -> Pt {
        let shown = ci.method != crate::analysis::stats::Method::Point;
        Pt {
            x,
            y,
            lo: ci.low,
            hi: ci.high,
            level: shown.then_some(ci.level),
        }
    }
}

/// One series of a line chart.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Line {
    /// Its legend entry.
    pub label: String,
    /// Its points, in x order.
    pub points: Vec<Pt>,
    /// Drawn dashed (a fit or a derived series), else solid with markers.
    pub dashed: bool,
    /// Palette and marker index; lines that belong together share it.
    pub style: usize,
    /// The panel it is drawn in (an index into [`LineChart::panels`]).
    pub panel: usize,
}

/// Lines with markers and interval whiskers on linear or log x.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LineChart {
    /// The chart's title.
    pub title: String,
    /// The x axis's label, with its unit.
    pub x_label: String,
    /// The y axis's label, with its unit.
    pub y_label: String,
    /// A log-scaled x axis (batch sizes, record counts).
    pub log_x: bool,
    /// The series.
    pub lines: Vec<Line>,
    /// A black dashed reference (ideal speedup), drawn under the data.
    pub reference: Option<Line>,
    /// Force y to start at 0.
    pub y_from_zero: bool,
    /// A line of explanation under the legend ("dashed: USL fit").
    pub note: Option<String>,
    /// The panels' titles when the lines are drawn as small multiples
    /// (`plot::panels`); empty or one title: a single plot.
    pub panels: Vec<String>,
}

/// Horizontal bars, one per configuration, split into coloured segments
/// (where the time goes).
#[derive(Debug, Clone, PartialEq)]
pub struct StackedBars {
    /// The chart's title.
    pub title: String,
    /// The value axis's label, with its unit.
    pub y_label: String,
    /// (bar label, one value per segment).
    pub bars: Vec<(String, Vec<f64>)>,
    /// (segment name, colour), in stacking order.
    pub segments: Vec<(String, RGBColor)>,
}

/// A timeline: one row per thread, its spans coloured by phase.
#[derive(Debug, Clone, PartialEq)]
pub struct Gantt {
    /// The chart's title.
    pub title: String,
    /// Row labels, top to bottom.
    pub rows: Vec<String>,
    /// (row, start s, end s, segment index)
    pub spans: Vec<(usize, f64, f64, usize)>,
    /// (segment name, colour), indexed by the spans.
    pub segments: Vec<(String, RGBColor)>,
}

/// A value per (row, column) cell, coloured and written in the cell.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Heatmap {
    /// The chart's title.
    pub title: String,
    /// The columns' label.
    pub x_label: String,
    /// The rows' label.
    pub y_label: String,
    /// What the cells hold, with its unit.
    pub value_label: String,
    /// The columns, left to right.
    pub x_ticks: Vec<String>,
    /// The rows, top to bottom.
    pub y_ticks: Vec<String>,
    /// values[y][x]; None where the configuration is missing.
    pub values: Vec<Vec<Option<f64>>>,
}

/// A chart that can be drawn on any backend.
pub trait Draw {
    /// Draws the chart on `root` at geometry `g`.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, g: &Geometry) -> Result<()>;
    /// The height in points the chart needs at `size`'s width to stay
    /// legible (its title, a legend under the plot, bands of bars with
    /// room for their labels); a figure of automatic height grows to it.
    fn min_height_pt(&self, size: FigureSize) -> f64;
}

/// Points of height for the plot of `bands` labelled bands and its axis.
pub(crate) fn bands_height_pt(bands: usize) -> f64 {
    bands as f64 * TICK_PT * 1.6 + 60.0
}

/// The least height, in points, of a line chart's or heatmap's plot area
/// with its axes: a rotated y label of some 35 characters fits beside it.
pub(crate) const PLOT_MIN_PT: f64 = 150.0;

pub(crate) fn err<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow!("drawing failed: {e:?}")
}

/// Renders into an RGB buffer at `g` (for tests: size and content checks).
pub fn render_rgb<C: Draw>(chart: &C, g: &Geometry) -> Result<Vec<u8>> {
    init_fonts();
    let mut buf = vec![0u8; (g.width * g.height * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, g.dims()).into_drawing_area();
        chart.draw(&root, g)?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figure_sizes_parse_with_units_and_reject_the_rest() {
        let s: FigureSize = "8.5cm".parse().unwrap();
        assert_eq!((s.width_cm, (s.height_cm * 100.0).round()), (8.5, 567.0));
        let s: FigureSize = "3.35x2.5in".parse().unwrap();
        assert!((s.width_cm - 8.509).abs() < 1e-9 && (s.height_cm - 6.35).abs() < 1e-9);
        assert_eq!("16x10cm".parse::<FigureSize>().unwrap().height_cm, 10.0);
        for bad in ["16", "16px", "axbcm", "1cm", "16x10x2cm"] {
            let e = bad.parse::<FigureSize>().unwrap_err();
            assert!(e.contains("cm"), "{bad}: {e}");
        }
        let g = Geometry::new("16cm".parse().unwrap(), SVG_DPI);
        assert_eq!(g.dims(), (605, 403));
    }
}
