//! The drawing side of the charts: four chart shapes (lines, stacked
//! bars, a timeline, a heatmap), each drawn on any plotters backend at any
//! [`Geometry`], so that PNG, SVG and PDF come from the same code. The
//! data arrive prepared by the chart modules. Sizes are set in points on
//! the page and converted by the geometry.

use super::style::*;
use crate::analysis::Interval;
use anyhow::{Result, anyhow};
use plotters::coord::Shift;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::*;

/// One point with its interval (`lo == hi == y` and no level: none).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Pt {
    pub x: f64,
    pub y: f64,
    pub lo: f64,
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

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Line {
    pub label: String,
    pub points: Vec<Pt>,
    pub dashed: bool,
    /// Palette and marker index; lines that belong together share it.
    pub style: usize,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct LineChart {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    pub log_x: bool,
    pub lines: Vec<Line>,
    /// A black dashed reference (ideal speedup), drawn under the data.
    pub reference: Option<Line>,
    /// Force y to start at 0.
    pub y_from_zero: bool,
    /// A line of explanation under the legend ("dashed: USL fit").
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StackedBars {
    pub title: String,
    pub y_label: String,
    pub bars: Vec<(String, Vec<f64>)>,
    pub segments: Vec<(String, RGBColor)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Gantt {
    pub title: String,
    /// Row labels, top to bottom.
    pub rows: Vec<String>,
    /// (row, start s, end s, segment index)
    pub spans: Vec<(usize, f64, f64, usize)>,
    pub segments: Vec<(String, RGBColor)>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Heatmap {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    /// What the cells hold, with its unit.
    pub value_label: String,
    pub x_ticks: Vec<String>,
    pub y_ticks: Vec<String>,
    /// values[y][x]; None where the configuration is missing.
    pub values: Vec<Vec<Option<f64>>>,
}

/// A chart that can be drawn on any backend.
pub trait Draw {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, g: &Geometry) -> Result<()>;
    /// The height in points the chart needs to stay legible (bands of
    /// bars need room for their labels); 0 for any height.
    fn min_height_pt(&self) -> f64 {
        0.0
    }
}

/// Points of height for `bands` labelled bands plus title, axis and legend.
pub(crate) fn bands_height_pt(bands: usize) -> f64 {
    bands as f64 * TICK_PT * 1.6 + 110.0
}

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

/// One legend entry: a line (solid or dashed) or a filled box.
pub struct LegendItem {
    pub label: String,
    pub colour: RGBColor,
    pub dashed: bool,
    pub boxed: bool,
    /// The series style whose marker the key shows (measured lines).
    pub marker: Option<usize>,
}

/// Width of `text` in `style`, in output units.
fn text_w<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, text: &str, style: &TextStyle) -> u32 {
    area.estimate_text_size(text, style).map_or(0, |(w, _)| w)
}

/// `text` broken at spaces into lines no wider than `width` (a single
/// word wider than that keeps a line of its own). Nothing is cut.
pub(crate) fn wrap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
    width: u32,
) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for para in text.split('\n') {
        let mut cur = String::new();
        for word in para.split(' ') {
            let cand = if cur.is_empty() {
                word.to_string()
            } else {
                format!("{cur} {word}")
            };
            if !cur.is_empty() && text_w(area, &cand, style) > width {
                lines.push(std::mem::replace(&mut cur, word.to_string()));
            } else {
                cur = cand;
            }
        }
        lines.push(cur);
    }
    lines
}

/// Where a legend goes: a column at the right when it fits there (no
/// legend ever covers data), else rows under the plot, as on a narrow
/// single-column figure with many series.
struct LegendLayout {
    /// Columns of entries (1 at the side).
    columns: usize,
    /// Width entry labels wrap at.
    text_width: u32,
    below: bool,
}

impl LegendLayout {
    fn key(g: &Geometry) -> u32 {
        g.upx(22.0)
    }

    /// Height of `items` (and the note) laid out in `columns` columns.
    fn height<DB: DrawingBackend>(
        area: &DrawingArea<DB, Shift>,
        g: &Geometry,
        items: &[LegendItem],
        note: Option<&str>,
        columns: usize,
        text_width: u32,
    ) -> u32 {
        let style = g.font(LEGEND_PT);
        let lines = |it: &LegendItem| wrap(area, &it.label, &style, text_width).len() as u32;
        let rows: u32 = items
            .chunks(columns)
            .map(|row| row.iter().map(lines).max().unwrap_or(1))
            .map(|l| l * g.upx(LEGEND_PT * 1.25) + g.upx(LEGEND_PT * 0.35))
            .sum();
        let note_w = text_width + Self::key(g);
        let note_lines = note.map_or(0, |n| wrap(area, n, &g.font(NOTE_PT), note_w).len() as u32);
        g.upx(8.0) + rows + note_lines * g.upx(NOTE_PT * 1.25)
    }

    fn choose<DB: DrawingBackend>(
        body: &DrawingArea<DB, Shift>,
        g: &Geometry,
        items: &[LegendItem],
        note: Option<&str>,
    ) -> Self {
        let (w, h) = body.dim_in_pixel();
        let style = g.font(LEGEND_PT);
        let natural = items
            .iter()
            .map(|i| text_w(body, &i.label, &style))
            .max()
            .unwrap_or(0);
        let key = Self::key(g);
        // At the side only if it leaves the plot most of the width and
        // fits the height; a narrow figure gets its legend underneath.
        let side_width = natural.min(((w as f64 * 0.40) as u32).saturating_sub(key));
        let narrow_enough = natural + key <= (w as f64 * 0.28) as u32;
        if narrow_enough && Self::height(body, g, items, note, 1, side_width) + g.upx(20.0) <= h {
            return LegendLayout {
                columns: 1,
                text_width: side_width,
                below: false,
            };
        }
        let columns =
            ((w / (natural + key + g.upx(8.0)).max(1)) as usize).clamp(1, items.len().max(1));
        let text_width = (w / columns as u32).saturating_sub(key + g.upx(8.0));
        LegendLayout {
            columns,
            text_width,
            below: true,
        }
    }

    /// Splits `body` into the plot area and the legend area.
    fn split<DB: DrawingBackend>(
        &self,
        body: &DrawingArea<DB, Shift>,
        g: &Geometry,
        items: &[LegendItem],
        note: Option<&str>,
    ) -> (DrawingArea<DB, Shift>, DrawingArea<DB, Shift>) {
        let (w, h) = body.dim_in_pixel();
        if self.below {
            let need = Self::height(body, g, items, note, self.columns, self.text_width);
            body.split_vertically(h.saturating_sub(need).max(h * 11 / 20))
        } else {
            body.split_horizontally(w.saturating_sub(self.text_width + Self::key(g)))
        }
    }
}

/// Lays out the legend for `items` (and a note under it) beside or under
/// the plot, draws it and returns the area left for the plot.
fn with_legend<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
    g: &Geometry,
    items: &[LegendItem],
    note: Option<&str>,
) -> Result<DrawingArea<DB, Shift>> {
    let layout = LegendLayout::choose(body, g, items, note);
    let (plot, area) = layout.split(body, g, items, note);
    legend(&area, g, items, note, &layout)?;
    Ok(plot)
}

/// One legend entry's key (line, dashed line or box) at `(x, mid)`.
fn legend_key<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    g: &Geometry,
    it: &LegendItem,
    x: i32,
    mid: i32,
) -> Result<()> {
    let (x0, x1) = (x + g.px(2.0), x + g.px(16.0));
    let c = it.colour;
    let stroke = c.stroke_width(g.upx(1.5).max(1));
    if it.boxed {
        let h = g.px(3.5);
        return area
            .draw(&Rectangle::new([(x0, mid - h), (x1, mid + h)], c.filled()))
            .map_err(err);
    }
    if it.dashed {
        let seg = (x1 - x0) / 5;
        for k in [0, 2, 4] {
            let dash = vec![(x0 + k * seg, mid), (x0 + (k + 1) * seg, mid)];
            area.draw(&PathElement::new(dash, stroke)).map_err(err)?;
        }
        return Ok(());
    }
    area.draw(&PathElement::new(vec![(x0, mid), (x1, mid)], stroke))
        .map_err(err)?;
    match it.marker {
        Some(style) => marker_at(area, g, ((x0 + x1) / 2, mid), style),
        None => Ok(()),
    }
}

/// Draws legend entries in the layout's columns, labels wrapped, then an
/// optional note.
fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    g: &Geometry,
    items: &[LegendItem],
    note: Option<&str>,
    layout: &LegendLayout,
) -> Result<()> {
    let style = g.font(LEGEND_PT);
    let line_h = g.px(LEGEND_PT * 1.25);
    let key = LegendLayout::key(g) as i32;
    let col_w = key + layout.text_width as i32 + g.px(8.0);
    let mut y = if layout.below { g.px(4.0) } else { g.px(30.0) };
    for row in items.chunks(layout.columns) {
        let mut tallest = 1;
        for (c, it) in row.iter().enumerate() {
            let x = c as i32 * col_w;
            legend_key(area, g, it, x, y + line_h / 2)?;
            let lines = wrap(area, &it.label, &style, layout.text_width);
            tallest = tallest.max(lines.len() as i32);
            for (k, line) in lines.into_iter().enumerate() {
                let at = (x + key - g.px(3.0), y + k as i32 * line_h);
                area.draw(&Text::new(line, at, style.clone()))
                    .map_err(err)?;
            }
        }
        y += tallest * line_h + g.px(LEGEND_PT * 0.35);
    }
    if let Some(n) = note {
        let grey = BLACK.mix(0.7);
        let note_style = g.font(NOTE_PT).color(&grey);
        y += g.px(4.0);
        let width = layout.text_width + key as u32;
        for line in wrap(area, n, &note_style, width) {
            area.draw(&Text::new(line, (g.px(3.0), y), note_style.clone()))
                .map_err(err)?;
            y += g.px(NOTE_PT * 1.25);
        }
    }
    Ok(())
}

/// Draws the title across the whole figure, wrapped, and returns the
/// area under it.
fn titled<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    g: &Geometry,
    title: &str,
) -> Result<DrawingArea<DB, Shift>> {
    root.fill(&WHITE).map_err(err)?;
    let style = g.font(TITLE_PT);
    let (w, _) = root.dim_in_pixel();
    let lines = wrap(root, title, &style, w.saturating_sub(g.upx(12.0)));
    let line_h = g.px(TITLE_PT * 1.3);
    let centre = plotters::style::text_anchor::Pos::new(
        plotters::style::text_anchor::HPos::Center,
        plotters::style::text_anchor::VPos::Top,
    );
    for (k, line) in lines.iter().enumerate() {
        let at = (w as i32 / 2, g.px(5.0) + k as i32 * line_h);
        root.draw(&Text::new(line.clone(), at, style.pos(centre)))
            .map_err(err)?;
    }
    let used = g.px(8.0) + lines.len() as i32 * line_h;
    Ok(root.split_vertically(used).1)
}

/// Clears `root`, draws the title and a legend of coloured boxes (one per
/// segment) and returns the area left for the chart.
pub(crate) fn boxed_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    g: &Geometry,
    title: &str,
    segments: &[(String, RGBColor)],
) -> Result<DrawingArea<DB, Shift>> {
    let body = titled(root, g, title)?;
    let items: Vec<LegendItem> = segments
        .iter()
        .map(|(n, c)| LegendItem {
            label: n.clone(),
            colour: *c,
            dashed: false,
            boxed: true,
            marker: None,
        })
        .collect();
    with_legend(&body, g, &items, None)
}

/// Axis range with 5% padding; log axes pad multiplicatively.
fn padded(lo: f64, hi: f64, log: bool) -> (f64, f64) {
    if log {
        let (lo, hi) = (lo.max(1e-9), hi.max(lo * 1.0001));
        return (lo / 1.25, hi * 1.25);
    }
    let span = if hi > lo { hi - lo } else { hi.abs().max(1.0) };
    (lo - 0.05 * span, hi + 0.08 * span)
}

/// Ticks for a log axis over [lo, hi]: every 1, 2 and 5 times a power of
/// ten in the range (50, 100, 200, 500, 1,000...), or only the powers of
/// ten when that would be more than ten ticks. Never 320 or 3,200.
pub fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let (first, last) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let within = |v: &f64| *v >= lo * (1.0 - 1e-9) && *v <= hi * (1.0 + 1e-9);
    let ticks = |mantissas: &[f64]| -> Vec<f64> {
        (first..=last)
            .flat_map(|e| mantissas.iter().map(move |m| m * 10f64.powi(e)))
            .filter(within)
            .collect()
    };
    let fine = ticks(&[1.0, 2.0, 5.0]);
    if fine.len() <= 10 {
        fine
    } else {
        ticks(&[1.0])
    }
}

/// Ticks for a linear axis over [lo, hi]: multiples of the smallest 1-2-5
/// step that gives at most `max` of them; whole numbers only when
/// `integer`.
pub fn linear_ticks(lo: f64, hi: f64, integer: bool, max: usize) -> Vec<f64> {
    let span = (hi - lo).max(1e-12);
    let mag = 10f64.powf((span / 10.0).log10().floor());
    let mut step = [1.0, 2.0, 5.0, 10.0, 20.0, 50.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| span / s <= max.max(2) as f64)
        .unwrap_or(10.0 * mag);
    if integer {
        step = step.max(1.0).round();
    }
    // Ticks are whole multiples of the step, rounded to the step's decimals
    // so that 3 × 0.2 prints as 0.6, not 0.6000000000000001.
    let decimals = (-step.log10().floor()).max(0.0) as i32 + 1;
    let unit = 10f64.powi(decimals);
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last)
        .map(|k| (k as f64 * step * unit).round() / unit)
        .collect()
}

/// `v` rounded to `digits` significant digits (251.2 → 250).
pub fn round_sig(v: f64, digits: i32) -> f64 {
    if v == 0.0 {
        return 0.0;
    }
    let scale = 10f64.powi(digits - 1 - v.abs().log10().floor() as i32);
    (v * scale).round() / scale
}

/// A tick label without trailing zeros: 1000 → "1,000", 0.5 → "0.5".
pub fn tick(v: f64) -> String {
    if v.abs() >= 1000.0 {
        let s = format!("{:.0}", v);
        let neg = s.starts_with('-');
        let digits: Vec<char> = s.trim_start_matches('-').chars().collect();
        let mut out = String::new();
        for (i, c) in digits.iter().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(*c);
        }
        return if neg { format!("-{out}") } else { out };
    }
    let s = format!("{:.3}", v);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A linear f64 axis with ticks exactly where we put them (plotters'
/// own key points land on values like 316 on a log-scaled axis).
#[derive(Clone)]
pub(crate) struct Axis {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;
    fn map(&self, v: &f64, (a, b): (i32, i32)) -> i32 {
        let t = (v - self.lo) / (self.hi - self.lo);
        (a as f64 + t * (b - a) as f64).round() as i32
    }
    fn key_points<H: KeyPointHint>(&self, _: H) -> Vec<f64> {
        self.ticks.clone()
    }
    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

pub(crate) type Chart2d<'a, DB> = ChartContext<'a, DB, Cartesian2d<Axis, Axis>>;

fn axis(lo: f64, hi: f64, ticks: Vec<f64>) -> Axis {
    Axis { lo, hi, ticks }
}

/// Room for the y tick labels and the axis label left of the plot.
fn y_label_room<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    g: &Geometry,
    labels: &[String],
) -> u32 {
    let style = g.font(TICK_PT);
    let widest = labels
        .iter()
        .map(|l| text_w(area, l, &style))
        .max()
        .unwrap_or(0);
    widest + g.upx(LABEL_PT * 1.4 + 8.0)
}

/// How many ticks an axis `px` long has room for, at one per `per_pt`.
fn tick_room(g: &Geometry, px: u32, per_pt: f64) -> usize {
    (px as usize / g.upx(per_pt).max(1) as usize).clamp(3, 8)
}

/// Room for the x tick labels and the axis label under the plot.
fn x_label_room(g: &Geometry) -> u32 {
    g.upx(TICK_PT * 1.2 + LABEL_PT * 1.2 + 2.0)
}

impl LineChart {
    fn bounds(&self) -> (f64, f64, f64, f64) {
        let pts = self
            .lines
            .iter()
            .chain(self.reference.iter())
            .flat_map(|l| l.points.iter());
        let (mut x0, mut x1, mut y0, mut y1) = (
            f64::INFINITY,
            f64::NEG_INFINITY,
            f64::INFINITY,
            f64::NEG_INFINITY,
        );
        for p in pts {
            x0 = x0.min(p.x);
            x1 = x1.max(p.x);
            y0 = y0.min(p.lo.min(p.y));
            y1 = y1.max(p.hi.max(p.y));
        }
        if self.y_from_zero {
            y0 = y0.min(0.0);
        }
        (x0, x1, y0, y1)
    }

    /// The legend entries: the reference first, then every labelled line.
    fn legend_items(&self) -> Vec<LegendItem> {
        let reference = self.reference.iter().map(|r| LegendItem {
            label: r.label.clone(),
            colour: BLACK,
            dashed: true,
            boxed: false,
            marker: None,
        });
        let lines = self
            .lines
            .iter()
            .filter(|l| !l.label.is_empty())
            .map(|l| LegendItem {
                label: l.label.clone(),
                colour: colour(l.style),
                dashed: l.dashed,
                boxed: false,
                marker: (!l.dashed).then_some(l.style),
            });
        reference.chain(lines).collect()
    }

    /// The x axis in drawing coordinates (log10 of x on a log axis, whose
    /// ticks are labelled in x) and its ticks.
    fn x_axis(&self, max_ticks: usize) -> (f64, f64, Vec<f64>) {
        let (x0, x1, _, _) = self.bounds();
        let (a, b) = padded(x0, x1, self.log_x);
        if self.log_x {
            let ticks = log_ticks(a, b).iter().map(|t| t.log10()).collect();
            return (a.log10(), b.log10(), ticks);
        }
        let integer = self
            .lines
            .iter()
            .flat_map(|l| l.points.iter())
            .all(|p| p.x.fract() == 0.0);
        (a, b, linear_ticks(a, b, integer, max_ticks))
    }
}

impl Draw for LineChart {
    /// A log x axis is a linear axis over log10(x) with ticks at 1-2-5
    /// values labelled in x: plotters' own log axis labels only powers of
    /// ten, and its linear key points would land on 316 or 3,162.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, g: &Geometry) -> Result<()> {
        let body = titled(root, g, &self.title)?;
        let (_, _, y0, y1) = self.bounds();
        let (y0, y1) = padded(y0, y1, false);
        let y0 = if self.y_from_zero { 0.0 } else { y0 };
        let plot = with_legend(&body, g, &self.legend_items(), self.note.as_deref())?;
        let (w, h) = plot.dim_in_pixel();
        let y_ticks = linear_ticks(y0, y1, false, tick_room(g, h, 22.0));
        let (x0, x1, x_ticks) = self.x_axis(tick_room(g, w, 40.0));
        let y_names: Vec<String> = y_ticks.iter().map(|v| tick(*v)).collect();
        let mut chart = ChartBuilder::on(&plot)
            .margin(g.px(6.0))
            .x_label_area_size(x_label_room(g))
            .y_label_area_size(y_label_room(&plot, g, &y_names))
            .build_cartesian_2d(axis(x0, x1, x_ticks), axis(y0, y1, y_ticks))
            .map_err(err)?;
        let log = self.log_x;
        chart
            .configure_mesh()
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .axis_desc_style(g.font(LABEL_PT))
            .label_style(g.font(TICK_PT))
            .x_label_formatter(&|v| {
                if log {
                    tick(round_sig(10f64.powf(*v), 3))
                } else {
                    tick(*v)
                }
            })
            .y_label_formatter(&|v| tick(*v))
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(BLACK.mix(0.12))
            .draw()
            .map_err(err)?;
        let fx = |x: f64| if log { x.log10() } else { x };
        if let Some(r) = &self.reference {
            chart
                .draw_series(DashedLineSeries::new(
                    r.points.iter().map(|p| (fx(p.x), p.y)),
                    g.upx(4.0),
                    g.upx(3.0),
                    BLACK.stroke_width(g.upx(1.0).max(1)),
                ))
                .map_err(err)?;
        }
        for l in &self.lines {
            draw_line(&mut chart, g, l, &fx)?;
        }
        Ok(())
    }
}

/// One line: its path, its error bars and, when solid, its markers.
fn draw_line<DB: DrawingBackend>(
    chart: &mut Chart2d<'_, DB>,
    g: &Geometry,
    l: &Line,
    fx: &dyn Fn(f64) -> f64,
) -> Result<()> {
    let c = colour(l.style);
    let pts: Vec<(f64, f64)> = l.points.iter().map(|p| (fx(p.x), p.y)).collect();
    let style = c.stroke_width(g.upx(1.1).max(1));
    if l.dashed {
        chart
            .draw_series(DashedLineSeries::new(
                pts.clone(),
                g.upx(5.0),
                g.upx(3.0),
                style,
            ))
            .map_err(err)?;
    } else {
        chart
            .draw_series(LineSeries::new(pts.clone(), style))
            .map_err(err)?;
    }
    // Error bars drawn by hand: plotters' ErrorBar also rings every
    // median with a circle, which hid the series' marker shapes.
    let half = g.px(2.5);
    let bar = c.stroke_width(g.upx(0.9).max(1));
    for p in l.points.iter().filter(|p| p.hi > p.lo) {
        let x = fx(p.x);
        chart
            .draw_series([PathElement::new(vec![(x, p.lo), (x, p.hi)], bar)])
            .map_err(err)?;
        chart
            .draw_series([p.lo, p.hi].map(|y| {
                EmptyElement::at((x, y)) + PathElement::new(vec![(-half, 0), (half, 0)], bar)
            }))
            .map_err(err)?;
    }
    if !l.dashed {
        draw_markers(chart, g, &pts, l.style)?;
    }
    Ok(())
}

fn draw_markers<DB: DrawingBackend>(
    chart: &mut Chart2d<'_, DB>,
    g: &Geometry,
    pts: &[(f64, f64)],
    style: usize,
) -> Result<()> {
    let area = chart.plotting_area();
    pts.iter().try_for_each(|p| marker_at(area, g, *p, style))
}

/// Series `style`'s marker centred on `p`, in the area's own coordinates
/// (data on a chart, pixels in the legend), so the legend shows exactly the
/// shape the plot does: the only cue that survives grey-scale print.
fn marker_at<DB: DrawingBackend, CT: CoordTranslate>(
    area: &DrawingArea<DB, CT>,
    g: &Geometry,
    p: CT::From,
    style: usize,
) -> Result<()> {
    let c = colour(style);
    let f = c.filled();
    let r = g.px(2.6);
    let at = EmptyElement::at(p);
    match marker(style) {
        Marker::Circle => area.draw(&(at + Circle::new((0, 0), r, f))),
        Marker::Triangle => area.draw(&(at + TriangleMarker::new((0, 0), r + r / 3, f))),
        Marker::Square => area.draw(&(at + Rectangle::new([(-r, -r), (r, r)], f))),
        Marker::Cross => {
            area.draw(&(at + Cross::new((0, 0), r, c.stroke_width(g.upx(1.2).max(1)))))
        }
        Marker::Diamond => {
            let d = r + r / 4;
            area.draw(&(at + Polygon::new(vec![(0, -d), (d, 0), (0, d), (-d, 0)], f)))
        }
    }
    .map_err(err)
}

/// How band labels are set: their font size, the width they wrap at and
/// the room left of the plot they need.
struct BandLabels {
    pt: f64,
    width: u32,
    room: u32,
}

impl BandLabels {
    /// Labels wrap when their band is tall enough for the extra lines;
    /// otherwise they stay on one line, given up to 55% of the width, and
    /// shrink to fit their band (to 5.5 pt at least) rather than being cut.
    fn fit<DB: DrawingBackend>(
        area: &DrawingArea<DB, Shift>,
        g: &Geometry,
        labels: &[String],
    ) -> Self {
        let (w, h) = area.dim_in_pixel();
        let band = h as f64 * 0.8 / labels.len().max(1) as f64;
        let natural = |pt: f64| {
            let style = g.font(pt);
            labels
                .iter()
                .map(|l| text_w(area, l, &style))
                .max()
                .unwrap_or(0)
        };
        let wrap_at = (w as f64 * 0.40) as u32;
        let fits_wrapped = labels.iter().all(|l| {
            let n = wrap(area, l, &g.font(TICK_PT), wrap_at).len() as f64;
            n * g.px(TICK_PT * 1.25) as f64 <= band
        });
        let (pt, width) = if fits_wrapped {
            (TICK_PT, natural(TICK_PT).min(wrap_at))
        } else {
            let max = (w as f64 * 0.55) as u32;
            let full = natural(TICK_PT).max(1);
            let by_width = max as f64 / full as f64;
            let by_height = band / g.px(TICK_PT * 1.15).max(1) as f64;
            let pt = (TICK_PT * by_width.min(by_height).min(1.0)).max(5.5);
            (pt, natural(pt).min(max.max(natural(pt))))
        };
        BandLabels {
            pt,
            width,
            room: width + g.upx(8.0),
        }
    }
}

/// Row labels left of a chart of horizontal bands (bars, timeline rows),
/// centred on their band; band 0 at the top.
fn band_labels<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    chart: &Chart2d<'_, DB>,
    g: &Geometry,
    labels: &[String],
    fit: &BandLabels,
) -> Result<()> {
    let style = g.font(fit.pt);
    let right = plotters::style::text_anchor::Pos::new(
        plotters::style::text_anchor::HPos::Right,
        plotters::style::text_anchor::VPos::Center,
    );
    let line_h = g.px(fit.pt * 1.25);
    let n = labels.len();
    let (ox, oy) = root.get_base_pixel();
    let left = chart.x_range().start;
    for (i, label) in labels.iter().enumerate() {
        let (px, py) = chart.backend_coord(&(left, (n - 1 - i) as f64 + 0.5));
        let lines = wrap(root, label, &style, fit.width);
        let top = py - oy - (lines.len() as i32 - 1) * line_h / 2;
        for (k, line) in lines.into_iter().enumerate() {
            let at = (px - ox - g.px(4.0), top + k as i32 * line_h);
            root.draw(&Text::new(line, at, style.pos(right)))
                .map_err(err)?;
        }
    }
    Ok(())
}

/// A chart of horizontal bands over 0..`end` on x, with band labels at
/// the left and the x axis labelled `x_label`.
pub(crate) fn band_chart<'a, DB: DrawingBackend>(
    plot: &'a DrawingArea<DB, Shift>,
    g: &Geometry,
    labels: &[String],
    (start, end): (f64, f64),
    x_label: &str,
) -> Result<Chart2d<'a, DB>> {
    let n = labels.len().max(1);
    let fit = BandLabels::fit(plot, g, labels);
    let room = tick_room(g, plot.dim_in_pixel().0.saturating_sub(fit.room), 36.0);
    let x_ticks = linear_ticks(start, end, false, room);
    let mut chart = ChartBuilder::on(plot)
        .margin(g.px(6.0))
        .x_label_area_size(x_label_room(g))
        .y_label_area_size(fit.room)
        .build_cartesian_2d(axis(start, end, x_ticks), axis(0.0, n as f64, vec![]))
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .x_desc(x_label)
        .axis_desc_style(g.font(LABEL_PT))
        .label_style(g.font(TICK_PT))
        .y_label_formatter(&|_| String::new())
        .x_label_formatter(&|v| tick(*v))
        .bold_line_style(BLACK.mix(0.12))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(err)?;
    band_labels(plot, &chart, g, labels, &fit)?;
    Ok(chart)
}

impl Draw for StackedBars {
    fn min_height_pt(&self) -> f64 {
        bands_height_pt(self.bars.len())
    }
    /// Horizontal bars, one row per configuration, so long labels fit.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, g: &Geometry) -> Result<()> {
        let plot = boxed_legend(root, g, &self.title, &self.segments)?;
        let n = self.bars.len().max(1);
        let top = self
            .bars
            .iter()
            .map(|(_, v)| v.iter().sum::<f64>())
            .fold(0.0, f64::max)
            * 1.08;
        let top = if top > 0.0 { top } else { 1.0 };
        let labels: Vec<String> = self.bars.iter().map(|(l, _)| l.clone()).collect();
        let mut chart = band_chart(&plot, g, &labels, (0.0, top), &self.y_label)?;
        for (si, (_, c)) in self.segments.iter().enumerate() {
            let c = *c;
            chart
                .draw_series(self.bars.iter().enumerate().map(|(i, (_, v))| {
                    let base: f64 = v[..si].iter().sum();
                    let y = (n - 1 - i) as f64;
                    Rectangle::new([(base, y + 0.15), (base + v[si], y + 0.85)], c.filled())
                }))
                .map_err(err)?;
        }
        Ok(())
    }
}

impl Draw for Gantt {
    fn min_height_pt(&self) -> f64 {
        bands_height_pt(self.rows.len())
    }
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, g: &Geometry) -> Result<()> {
        let plot = boxed_legend(root, g, &self.title, &self.segments)?;
        let end = self.spans.iter().map(|s| s.2).fold(0.0, f64::max).max(1e-6) * 1.02;
        let rows = self.rows.len().max(1);
        let mut chart = band_chart(
            &plot,
            g,
            &self.rows,
            (0.0, end),
            "time since the run started (s)",
        )?;
        for (si, (_, c)) in self.segments.iter().enumerate() {
            let c = *c;
            chart
                .draw_series(
                    self.spans
                        .iter()
                        .filter(|s| s.3 == si)
                        .map(|&(row, a, b, _)| {
                            let y = (rows - 1 - row) as f64;
                            Rectangle::new([(a, y + 0.15), (b, y + 0.85)], c.filled())
                        }),
                )
                .map_err(err)?;
        }
        Ok(())
    }
}

impl Heatmap {
    /// The cell with the highest value: (x, y, value).
    fn best(&self) -> Option<(usize, usize, f64)> {
        self.values
            .iter()
            .enumerate()
            .flat_map(|(y, r)| {
                r.iter()
                    .enumerate()
                    .filter_map(move |(x, v)| v.map(|v| (x, y, v)))
            })
            .max_by(|a, b| a.2.total_cmp(&b.2))
    }

    /// Where `v` lies between the lowest and highest value (0..1).
    fn level(&self, v: f64) -> f64 {
        let vals = self.values.iter().flatten().flatten().copied();
        let (lo, hi) = vals.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        });
        if hi > lo { (v - lo) / (hi - lo) } else { 1.0 }
    }

    /// One cell: its shade (a sequential blue scale, light = low, readable
    /// in grey-scale too) and its value, starred when best.
    fn cell<DB: DrawingBackend>(
        &self,
        chart: &mut Chart2d<'_, DB>,
        g: &Geometry,
        (x, y): (usize, usize),
        v: f64,
        best: bool,
    ) -> Result<()> {
        let (x0, y0) = (x as f64, y as f64);
        let t = self.level(v);
        let shade = RGBColor(
            (235.0 - 200.0 * t) as u8,
            (243.0 - 150.0 * t) as u8,
            (250.0 - 90.0 * t) as u8,
        );
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(x0 + 0.02, y0 + 0.02), (x0 + 0.98, y0 + 0.98)],
                shade.filled(),
            )))
            .map_err(err)?;
        let centre = plotters::style::text_anchor::Pos::new(
            plotters::style::text_anchor::HPos::Center,
            plotters::style::text_anchor::VPos::Center,
        );
        let ink = if t > 0.55 { WHITE } else { BLACK };
        let text = format!("{}{}", if best { "★ " } else { "" }, tick(v.round()));
        chart
            .draw_series(std::iter::once(Text::new(
                text,
                (x0 + 0.5, y0 + 0.5),
                g.font(TICK_PT).color(&ink).pos(centre),
            )))
            .map_err(err)?;
        if best {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(x0 + 0.03, y0 + 0.03), (x0 + 0.97, y0 + 0.97)],
                    BLACK.stroke_width(g.upx(1.5).max(1)),
                )))
                .map_err(err)?;
        }
        Ok(())
    }
}

/// Tick positions at the centres of `n` unit bands.
fn band_centres(n: usize) -> Vec<f64> {
    (0..n).map(|k| k as f64 + 0.5).collect()
}

/// The label of the band whose centre is at `v`.
fn band_label(labels: &[String], v: f64) -> String {
    let k = v.floor() as usize;
    labels.get(k).cloned().unwrap_or_default()
}

impl Draw for Heatmap {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, g: &Geometry) -> Result<()> {
        let body = titled(root, g, &self.title)?;
        let (nx, ny) = (self.x_ticks.len().max(1), self.y_ticks.len().max(1));
        let (xt, yt) = (self.x_ticks.clone(), self.y_ticks.clone());
        let mut chart = ChartBuilder::on(&body)
            .margin(g.px(6.0))
            .x_label_area_size(x_label_room(g))
            .y_label_area_size(y_label_room(&body, g, &yt))
            .build_cartesian_2d(
                axis(0.0, nx as f64, band_centres(nx)),
                axis(0.0, ny as f64, band_centres(ny)),
            )
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .axis_desc_style(g.font(LABEL_PT))
            .label_style(g.font(TICK_PT))
            .x_label_formatter(&|v| band_label(&xt, *v))
            .y_label_formatter(&|v| band_label(&yt, *v))
            .draw()
            .map_err(err)?;
        let best = self.best();
        for (y, row) in self.values.iter().enumerate() {
            for (x, v) in row.iter().enumerate() {
                if let Some(v) = v {
                    let is_best = best.is_some_and(|b| b.0 == x && b.1 == y);
                    self.cell(&mut chart, g, (x, y), *v, is_best)?;
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_plain() {
        assert_eq!(tick(1000.0), "1,000");
        assert_eq!(tick(1234567.0), "1,234,567");
        assert_eq!(tick(0.5), "0.5");
        assert_eq!(tick(2.0), "2");
        assert_eq!(tick(-1500.0), "-1,500");
        assert_eq!(round_sig(251.19, 2), 250.0);
        assert_eq!(round_sig(0.0123, 2), 0.012);
    }

    #[test]
    fn log_ticks_are_one_two_five_and_keep_the_ends() {
        assert_eq!(
            log_ticks(80.0, 12_500.0),
            [100.0, 200.0, 500.0, 1e3, 2e3, 5e3, 1e4]
        );
        assert_eq!(log_ticks(40.0, 625.0), [50.0, 100.0, 200.0, 500.0]);
        // Six decades: powers of ten only.
        assert_eq!(
            log_ticks(0.8, 1.25e6),
            [1.0, 10.0, 100.0, 1e3, 1e4, 1e5, 1e6]
        );
        for t in log_ticks(7.0, 70_000.0) {
            let m = t / 10f64.powf(t.log10().floor());
            assert!([1.0, 2.0, 5.0].iter().any(|k| (m - k).abs() < 1e-9), "{t}");
        }
    }

    #[test]
    fn linear_ticks_are_round_and_whole_where_asked() {
        assert_eq!(linear_ticks(0.85, 4.2, true, 8), [1.0, 2.0, 3.0, 4.0]);
        assert_eq!(
            linear_ticks(0.0, 1.0, false, 8),
            [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
        );
        assert_eq!(linear_ticks(0.0, 1.0, false, 4), [0.0, 0.5, 1.0]);
        assert_eq!(
            linear_ticks(0.0, 64.0, true, 8),
            [0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0]
        );
        assert_eq!(linear_ticks(0.0, 64.0, true, 4), [0.0, 20.0, 40.0, 60.0]);
        for max in 3..=8 {
            let t = linear_ticks(-0.3, 2.7, false, max);
            assert!(t.len() >= 2 && t.len() <= max, "{max}: {t:?}");
        }
    }

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
