//! The drawing side of the charts: four chart shapes (lines, stacked
//! bars, a timeline, a heatmap), each drawn on any plotters backend so that
//! every figure is written as PNG and SVG from the same code. The data
//! arrive prepared by the chart modules.

use super::style::*;
use anyhow::{Result, anyhow};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

/// One point with its confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Pt {
    pub x: f64,
    pub y: f64,
    pub lo: f64,
    pub hi: f64,
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
    pub x_ticks: Vec<String>,
    pub y_ticks: Vec<String>,
    /// values[y][x]; None where the configuration is missing.
    pub values: Vec<Vec<Option<f64>>>,
}

/// A chart that can be drawn on any backend.
pub trait Draw {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()>;
}

fn err<E: std::fmt::Debug>(e: E) -> anyhow::Error {
    anyhow!("drawing failed: {e:?}")
}

/// Writes `dir/name.png` and `dir/name.svg`.
pub fn save<C: Draw>(chart: &C, dir: &Path, name: &str) -> Result<()> {
    init_fonts();
    let png = dir.join(format!("{name}.png"));
    {
        let root = BitMapBackend::new(&png, SIZE).into_drawing_area();
        chart.draw(&root)?;
        root.present()
            .map_err(|e| anyhow!("writing '{}': {e}", png.display()))?;
    }
    let svg = dir.join(format!("{name}.svg"));
    {
        let root = SVGBackend::new(&svg, SIZE).into_drawing_area();
        chart.draw(&root)?;
        root.present()
            .map_err(|e| anyhow!("writing '{}': {e}", svg.display()))?;
    }
    Ok(())
}

/// Renders into an RGB buffer (for tests: size and content checks).
pub fn render_rgb<C: Draw>(chart: &C) -> Result<Vec<u8>> {
    init_fonts();
    let mut buf = vec![0u8; (SIZE.0 * SIZE.1 * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buf, SIZE).into_drawing_area();
        chart.draw(&root)?;
        root.present().map_err(err)?;
    }
    Ok(buf)
}

fn font(px: u32) -> TextStyle<'static> {
    ("sans-serif", px).into_font().into()
}

/// Width of the legend column at the right of every chart.
const LEGEND_W: u32 = 370;

/// One legend entry: a line (solid or dashed) or a filled box.
pub struct LegendItem {
    pub label: String,
    pub colour: RGBColor,
    pub dashed: bool,
    pub boxed: bool,
}

/// Splits off the legend column, so no legend ever covers data.
fn split<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
) -> (DrawingArea<DB, Shift>, DrawingArea<DB, Shift>) {
    let (w, _) = root.dim_in_pixel();
    root.split_horizontally(w.saturating_sub(LEGEND_W))
}

/// Draws legend entries top to bottom, then an optional note.
fn legend<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    items: &[LegendItem],
    note: Option<&str>,
) -> Result<()> {
    let mut y = 90;
    let row = 34;
    for it in items {
        let c = it.colour;
        if it.boxed {
            area.draw(&Rectangle::new([(10, y - 9), (40, y + 9)], c.filled()))
                .map_err(err)?;
        } else if it.dashed {
            for k in 0..3 {
                area.draw(&PathElement::new(
                    vec![(10 + k * 11, y), (17 + k * 11, y)],
                    c.stroke_width(3),
                ))
                .map_err(err)?;
            }
        } else {
            area.draw(&PathElement::new(vec![(10, y), (40, y)], c.stroke_width(3)))
                .map_err(err)?;
        }
        // Long labels are cut, never drawn over the plot.
        let label: String = if it.label.chars().count() > 30 {
            it.label.chars().take(29).collect::<String>() + "…"
        } else {
            it.label.clone()
        };
        area.draw(&Text::new(label, (50, y - 11), font(LEGEND_PX - 5)))
            .map_err(err)?;
        y += row;
    }
    if let Some(n) = note {
        for (k, line) in n.split('\n').enumerate() {
            area.draw(&Text::new(
                line.to_string(),
                (10, y + 10 + 28 * k as i32),
                font(LEGEND_PX - 4).color(&BLACK.mix(0.7)),
            ))
            .map_err(err)?;
        }
    }
    Ok(())
}

/// Clears `root`, draws a legend of coloured boxes (one per segment) in
/// the legend column and returns the area left for the chart.
fn boxed_legend<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    segments: &[(String, RGBColor)],
) -> Result<DrawingArea<DB, Shift>> {
    root.fill(&WHITE).map_err(err)?;
    let (plot, side) = split(root);
    let items: Vec<LegendItem> = segments
        .iter()
        .map(|(n, c)| LegendItem {
            label: n.clone(),
            colour: *c,
            dashed: false,
            boxed: true,
        })
        .collect();
    legend(&side, &items, None)?;
    Ok(plot)
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

/// The label of the band (a bar, a timeline row, a heatmap cell) whose
/// centre is at `v`, bands being one unit wide from 0; empty between
/// centres. `top_down` puts band 0 at the top.
fn band_label(labels: &[String], v: f64, top_down: bool) -> String {
    let k = v.floor() as usize;
    if (v - k as f64 - 0.5).abs() < 1e-6 && k < labels.len() {
        labels[if top_down { labels.len() - 1 - k } else { k }].clone()
    } else {
        String::new()
    }
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
}

impl Draw for LineChart {
    /// A log x axis is drawn as a linear axis over log10(x), with ticks
    /// labelled in x: plotters' own log axis labels only powers of ten,
    /// which leaves a 200–1,000 sweep with a single tick.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        if !self.log_x {
            return self.draw_linear(root, false);
        }
        let mut t = self.clone();
        for l in t.lines.iter_mut().chain(t.reference.iter_mut()) {
            l.points.iter_mut().for_each(|p| p.x = p.x.log10());
        }
        t.log_x = false;
        t.draw_linear(root, true)
    }
}

type Chart2d<'a, DB> = ChartContext<
    'a,
    DB,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

impl LineChart {
    /// The legend entries: the reference first, then every labelled line.
    fn legend_items(&self) -> Vec<LegendItem> {
        let reference = self.reference.iter().map(|r| LegendItem {
            label: r.label.clone(),
            colour: BLACK,
            dashed: true,
            boxed: false,
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
            });
        reference.chain(lines).collect()
    }

    fn draw_linear<DB: DrawingBackend>(
        &self,
        root: &DrawingArea<DB, Shift>,
        log_labels: bool,
    ) -> Result<()> {
        root.fill(&WHITE).map_err(err)?;
        let (x0, x1, y0, y1) = self.bounds();
        let (x0, x1) = padded(x0, x1, false);
        let (y0, y1) = padded(y0, y1, false);
        let y0 = if self.y_from_zero { 0.0 } else { y0 };
        let (plot, side) = split(root);
        legend(&side, &self.legend_items(), self.note.as_deref())?;
        let mut b = ChartBuilder::on(&plot);
        b.caption(&self.title, font(TITLE_PX))
            .margin(20)
            .x_label_area_size(80)
            .y_label_area_size(110);
        let mut chart = b.build_cartesian_2d(x0..x1, y0..y1).map_err(err)?;
        chart
            .configure_mesh()
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .axis_desc_style(font(LABEL_PX))
            .label_style(font(TICK_PX))
            .x_label_formatter(&|v| {
                if log_labels {
                    tick(round_sig(10f64.powf(*v), 2))
                } else {
                    tick(*v)
                }
            })
            .y_label_formatter(&|v| tick(*v))
            .light_line_style(WHITE.mix(0.0))
            .bold_line_style(BLACK.mix(0.12))
            .draw()
            .map_err(err)?;
        if let Some(r) = &self.reference {
            chart
                .draw_series(DashedLineSeries::new(
                    r.points.iter().map(|p| (p.x, p.y)),
                    10,
                    8,
                    BLACK.stroke_width(2),
                ))
                .map_err(err)?;
        }
        for l in &self.lines {
            draw_line(&mut chart, l)?;
        }
        Ok(())
    }
}

/// One line: its path, its error bars and, when solid, its markers.
fn draw_line<DB: DrawingBackend>(chart: &mut Chart2d<'_, DB>, l: &Line) -> Result<()> {
    let c = colour(l.style);
    let pts: Vec<(f64, f64)> = l.points.iter().map(|p| (p.x, p.y)).collect();
    let style = c.stroke_width(3);
    if l.dashed {
        chart
            .draw_series(DashedLineSeries::new(pts.clone(), 14, 8, style))
            .map_err(err)?;
    } else {
        chart
            .draw_series(LineSeries::new(pts.clone(), style))
            .map_err(err)?;
    }
    chart
        .draw_series(
            l.points
                .iter()
                .filter(|p| p.hi > p.lo)
                .map(|p| ErrorBar::new_vertical(p.x, p.lo, p.y, p.hi, c.stroke_width(2), 14)),
        )
        .map_err(err)?;
    if !l.dashed {
        draw_markers(chart, &pts, l.style)?;
    }
    Ok(())
}

fn draw_markers<DB: DrawingBackend>(
    chart: &mut Chart2d<'_, DB>,
    pts: &[(f64, f64)],
    style: usize,
) -> Result<()> {
    let c = colour(style);
    let f = c.filled();
    match marker(style) {
        Marker::Circle => chart
            .draw_series(pts.iter().map(|p| Circle::new(*p, 7, f)))
            .map(|_| ()),
        Marker::Triangle => chart
            .draw_series(pts.iter().map(|p| TriangleMarker::new(*p, 9, f)))
            .map(|_| ()),
        Marker::Square => chart
            .draw_series(
                pts.iter()
                    .map(|p| EmptyElement::at(*p) + Rectangle::new([(-6, -6), (6, 6)], f)),
            )
            .map(|_| ()),
        Marker::Cross => chart
            .draw_series(pts.iter().map(|p| Cross::new(*p, 7, c.stroke_width(3))))
            .map(|_| ()),
        Marker::Diamond => chart
            .draw_series(pts.iter().map(|p| {
                EmptyElement::at(*p) + Polygon::new(vec![(0, -8), (8, 0), (0, 8), (-8, 0)], f)
            }))
            .map(|_| ()),
    }
    .map_err(err)
}

impl Draw for StackedBars {
    /// Horizontal bars, one row per configuration, so long labels fit.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let plot = boxed_legend(root, &self.segments)?;
        let n = self.bars.len().max(1);
        let top = self
            .bars
            .iter()
            .map(|(_, v)| v.iter().sum::<f64>())
            .fold(0.0, f64::max)
            * 1.08;
        let top = if top > 0.0 { top } else { 1.0 };
        let labels: Vec<String> = self.bars.iter().map(|(l, _)| l.clone()).collect();
        let mut chart = ChartBuilder::on(&plot)
            .caption(&self.title, font(TITLE_PX))
            .margin(20)
            .x_label_area_size(80)
            .y_label_area_size(300)
            .build_cartesian_2d(0f64..top, 0f64..n as f64)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc(&self.y_label)
            .axis_desc_style(font(LABEL_PX))
            .label_style(font(TICK_PX))
            .y_labels(n * 2 + 1)
            .y_label_formatter(&|v| band_label(&labels, *v, true))
            .x_label_formatter(&|v| tick(*v))
            .bold_line_style(BLACK.mix(0.12))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(err)?;
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
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        let plot = boxed_legend(root, &self.segments)?;
        let end = self.spans.iter().map(|s| s.2).fold(0.0, f64::max).max(1e-6);
        let rows = self.rows.len().max(1);
        let labels = self.rows.clone();
        let mut chart = ChartBuilder::on(&plot)
            .caption(&self.title, font(TITLE_PX))
            .margin(20)
            .x_label_area_size(80)
            .y_label_area_size(130)
            .build_cartesian_2d(0f64..end * 1.02, 0f64..rows as f64)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .x_desc("time since the run started (s)")
            .axis_desc_style(font(LABEL_PX))
            .label_style(font(TICK_PX))
            .y_labels(rows * 2 + 1)
            .y_label_formatter(&|v| band_label(&labels, *v, true))
            .x_label_formatter(&|v| tick(*v))
            .bold_line_style(BLACK.mix(0.12))
            .light_line_style(WHITE.mix(0.0))
            .draw()
            .map_err(err)?;
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
        x: usize,
        y: usize,
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
                font(TICK_PX).color(&ink).pos(centre),
            )))
            .map_err(err)?;
        if best {
            chart
                .draw_series(std::iter::once(Rectangle::new(
                    [(x0 + 0.03, y0 + 0.03), (x0 + 0.97, y0 + 0.97)],
                    BLACK.stroke_width(4),
                )))
                .map_err(err)?;
        }
        Ok(())
    }
}

impl Draw for Heatmap {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<()> {
        root.fill(&WHITE).map_err(err)?;
        let (nx, ny) = (self.x_ticks.len().max(1), self.y_ticks.len().max(1));
        let (xt, yt) = (self.x_ticks.clone(), self.y_ticks.clone());
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, font(TITLE_PX))
            .margin(20)
            .x_label_area_size(80)
            .y_label_area_size(110)
            .build_cartesian_2d(0f64..nx as f64, 0f64..ny as f64)
            .map_err(err)?;
        chart
            .configure_mesh()
            .disable_mesh()
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .axis_desc_style(font(LABEL_PX))
            .label_style(font(TICK_PX))
            .x_labels(nx * 2 + 1)
            .y_labels(ny * 2 + 1)
            .x_label_formatter(&|v| band_label(&xt, *v, false))
            .y_label_formatter(&|v| band_label(&yt, *v, false))
            .draw()
            .map_err(err)?;
        let best = self.best();
        for (y, row) in self.values.iter().enumerate() {
            for (x, v) in row.iter().enumerate() {
                if let Some(v) = v {
                    let is_best = best.is_some_and(|b| b.0 == x && b.1 == y);
                    self.cell(&mut chart, x, y, *v, is_best)?;
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
}
