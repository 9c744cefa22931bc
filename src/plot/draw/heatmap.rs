//! The heatmap: a value per (row, column) cell, coloured, with the value
//! written in each cell.

use super::axis::{Chart2d, axis, linear_ticks, tick, tick_room, x_label_room, y_label_room};
use super::legend::{room_pt, titled};
use super::text::text_w;
use super::{Draw, Heatmap, PLOT_MIN_PT, err};
use crate::plot::style::*;
use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

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

    /// The lowest and highest value.
    fn range(&self) -> (f64, f64) {
        let vals = self.values.iter().flatten().flatten().copied();
        vals.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), v| {
            (a.min(v), b.max(v))
        })
    }

    /// One cell: its shade (a sequential blue scale, light = low, readable
    /// in grey-scale too; `(lo, hi)` is the chart's [`Heatmap::range`]) and
    /// its value, starred when best.
    fn cell<DB: DrawingBackend>(
        chart: &mut Chart2d<'_, DB>,
        g: &Geometry,
        (x, y): (usize, usize),
        (v, (lo, hi)): (f64, (f64, f64)),
        best: bool,
    ) -> Result<()> {
        let (x0, y0) = (x as f64, y as f64);
        // Where v lies between the lowest and highest value (0..1).
        let t = if hi > lo { (v - lo) / (hi - lo) } else { 1.0 };
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(x0 + 0.02, y0 + 0.02), (x0 + 0.98, y0 + 0.98)],
                shade(t).filled(),
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

/// The shade at level `t` (0..1): a sequential blue scale, light = low,
/// readable in grey-scale too.
fn shade(t: f64) -> RGBColor {
    RGBColor(
        (235.0 - 200.0 * t) as u8,
        (243.0 - 150.0 * t) as u8,
        (250.0 - 90.0 * t) as u8,
    )
}

/// Height of the colour bar's strip under the cells: the bar, its tick
/// labels and its label.
fn colour_bar_pt() -> f64 {
    8.0 + TICK_PT * 1.2 + LABEL_PT * 1.2 + 10.0
}

/// The colour bar: the shades from the lowest to the highest value on a
/// value axis, so a reader can read a cell's shade without its number.
fn colour_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    g: &Geometry,
    (lo, hi): (f64, f64),
    label: &str,
    left: u32,
) -> Result<()> {
    let (lo, hi) = if hi > lo {
        (lo, hi)
    } else {
        (lo - 1.0, lo + 1.0)
    };
    let (w, _) = area.dim_in_pixel();
    let ticks = linear_ticks(lo, hi, false, tick_room(g, w.saturating_sub(left), 50.0))
        .into_iter()
        .filter(|t| (lo..=hi).contains(t))
        .collect();
    // The last tick's label is centred on the bar's end: room for its half.
    let right = g.upx(6.0) + text_w(&tick(hi), &g.font(TICK_PT)) / 2;
    let mut bar = ChartBuilder::on(area)
        .margin_left(g.px(6.0))
        .margin_right(right)
        .margin_top(g.px(4.0))
        .x_label_area_size(x_label_room(g))
        .y_label_area_size(left)
        .build_cartesian_2d(axis(lo, hi, ticks), axis(0.0, 1.0, vec![]))
        .map_err(err)?;
    bar.configure_mesh()
        .disable_mesh()
        .disable_y_axis()
        .x_desc(label)
        .axis_desc_style(g.font(LABEL_PT))
        .label_style(g.font(TICK_PT))
        .x_label_formatter(&|v| tick(*v))
        .draw()
        .map_err(err)?;
    const STEPS: usize = 64;
    let step = (hi - lo) / STEPS as f64;
    bar.draw_series((0..STEPS).map(|k| {
        let x = lo + k as f64 * step;
        let t = (k as f64 + 0.5) / STEPS as f64;
        Rectangle::new([(x, 0.0), (x + step, 1.0)], shade(t).filled())
    }))
    .map_err(err)?;
    Ok(())
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
    fn min_height_pt(&self, size: FigureSize) -> f64 {
        room_pt(
            size,
            &self.title,
            (&[], None, false),
            PLOT_MIN_PT + colour_bar_pt(),
        )
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, g: &Geometry) -> Result<()> {
        let body = titled(root, g, &self.title)?;
        let (_, h) = body.dim_in_pixel();
        let (body, strip) = body.split_vertically(h.saturating_sub(g.upx(colour_bar_pt())));
        let (nx, ny) = (self.x_ticks.len().max(1), self.y_ticks.len().max(1));
        let (xt, yt) = (self.x_ticks.clone(), self.y_ticks.clone());
        let left = y_label_room(g, &yt);
        let range = self.range();
        colour_bar(&strip, g, range, &self.value_label, left)?;
        let mut chart = ChartBuilder::on(&body)
            .margin(g.px(6.0))
            .x_label_area_size(x_label_room(g))
            .y_label_area_size(left)
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
                    Heatmap::cell(&mut chart, g, (x, y), (*v, range), is_best)?;
                }
            }
        }
        Ok(())
    }
}
