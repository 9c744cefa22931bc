//! Charts of horizontal bands (one per configuration or thread): the
//! stacked bars of where the time goes, and the timeline.

use super::axis::{Chart2d, axis, linear_ticks, tick, tick_room, x_desc, x_label_room};
use super::legend::{boxed_legend, boxed_room_pt};
use super::text::{text_w, wrap};
use super::{Draw, Gantt, StackedBars, bands_height_pt, err};
use crate::plot::style::*;
use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

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
            labels.iter().map(|l| text_w(l, &style)).max().unwrap_or(0)
        };
        let wrap_at = (w as f64 * 0.40) as u32;
        let fits_wrapped = labels.iter().all(|l| {
            let n = wrap(l, &g.font(TICK_PT), wrap_at).len() as f64;
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
        let lines = wrap(label, &style, fit.width);
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
        .label_style(g.font(TICK_PT))
        .y_label_formatter(&|_| String::new())
        .x_label_formatter(&|v| tick(*v))
        .bold_line_style(BLACK.mix(0.12))
        .light_line_style(WHITE.mix(0.0))
        .draw()
        .map_err(err)?;
    band_labels(plot, &chart, g, labels, &fit)?;
    x_desc(plot, &chart, g, x_label)?;
    Ok(chart)
}

impl Draw for StackedBars {
    fn min_height_pt(&self, size: FigureSize) -> f64 {
        boxed_room_pt(
            size,
            &self.title,
            &self.segments,
            bands_height_pt(self.bars.len()),
        )
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
    fn min_height_pt(&self, size: FigureSize) -> f64 {
        boxed_room_pt(
            size,
            &self.title,
            &self.segments,
            bands_height_pt(self.rows.len()),
        )
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
