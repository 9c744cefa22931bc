//! The heatmap: a value per (row, column) cell, coloured, with the value
//! written in each cell.

use super::axis::{Chart2d, axis, tick, x_label_room, y_label_room};
use super::legend::titled;
use super::{Draw, Heatmap, err};
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
