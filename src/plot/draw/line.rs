//! The line chart: lines with markers and interval whiskers or bands, on
//! linear or log axes.

use super::axis::{
    Chart2d, axis, linear_ticks, log_ticks, padded, round_sig, tick, tick_room, x_label_room,
    y_label_room,
};
use super::legend::{LegendItem, marker_at, room_pt, titled, with_legend};
use super::{Draw, Line, LineChart, PLOT_MIN_PT, err};
use crate::plot::style::*;
use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

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

    /// The legend entries: the reference first, then every labelled line,
    /// except a dashed line in the colour of a solid one (its fit or its
    /// derived series: the chart's note says what dashed means), so eight
    /// curves do not bring eight identical "fit" entries.
    fn legend_items(&self) -> Vec<LegendItem> {
        let solid: Vec<usize> = self
            .lines
            .iter()
            .filter(|l| !l.dashed && !l.label.is_empty())
            .map(|l| l.style)
            .collect();
        let reference = self.reference.iter().map(|r| LegendItem {
            label: r.label.clone(),
            colour: BLACK,
            dashed: true,
            boxed: false,
            marker: None,
        });
        // A series drawn in several panels has one entry.
        let mut seen: Vec<(&str, usize, bool)> = Vec::new();
        let lines = self
            .lines
            .iter()
            .filter(|l| !l.label.is_empty())
            .filter(|l| !(l.dashed && solid.contains(&l.style)))
            .filter(move |l| {
                let k = (l.label.as_str(), l.style, l.dashed);
                let new = !seen.contains(&k);
                seen.push(k);
                new
            })
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

/// The least width, in points, of one panel of small multiples: two
/// panels side by side from about 14 cm, one above the other below.
const PANEL_MIN_W_PT: f64 = 200.0;

/// Rows and columns of `n` panels on a plot `w` output units wide.
fn grid(g: &Geometry, n: usize, w: u32) -> (usize, usize) {
    let cols = if n > 1 && w >= g.upx(2.0 * PANEL_MIN_W_PT) {
        2
    } else {
        1
    };
    (n.div_ceil(cols).max(1), cols)
}

/// Height of a panel's title line.
fn panel_title_pt() -> f64 {
    LABEL_PT * 1.6
}

impl LineChart {
    /// The number of panels drawn (1 for a single plot).
    fn panel_count(&self) -> usize {
        self.panels.len().max(1)
    }

    /// The plot (or one panel, `Some(k)`) on `plot`: axes over the whole
    /// chart's bounds, so panels compare at a glance, then the lines.
    fn plot<DB: DrawingBackend>(
        &self,
        plot: &DrawingArea<DB, Shift>,
        g: &Geometry,
        panel: Option<usize>,
    ) -> Result<()> {
        let (_, _, y0, y1) = self.bounds();
        let (y0, y1) = padded(y0, y1, false);
        let y0 = if self.y_from_zero { 0.0 } else { y0 };
        let (w, h) = plot.dim_in_pixel();
        let y_ticks = linear_ticks(y0, y1, false, tick_room(g, h, 22.0));
        let (x0, x1, x_ticks) = self.x_axis(tick_room(g, w, 40.0));
        let y_names: Vec<String> = y_ticks.iter().map(|v| tick(*v)).collect();
        let mut chart = ChartBuilder::on(plot)
            .margin(g.px(6.0))
            .x_label_area_size(x_label_room(g))
            .y_label_area_size(y_label_room(g, &y_names))
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
        for l in self
            .lines
            .iter()
            .filter(|l| panel.is_none_or(|k| l.panel == k))
        {
            draw_line(&mut chart, g, l, &fx)?;
        }
        Ok(())
    }
}

impl Draw for LineChart {
    fn min_height_pt(&self, size: FigureSize) -> f64 {
        let items = self.legend_items();
        let n = self.panel_count();
        let g = Geometry::new(size, PNG_DPI);
        let (rows, _) = grid(&g, n, g.width);
        let title = if n > 1 { panel_title_pt() } else { 0.0 };
        let plot = rows as f64 * (PLOT_MIN_PT + title);
        let legend = (&items[..], self.note.as_deref(), n > 1);
        room_pt(size, &self.title, legend, plot)
    }

    /// A log x axis is a linear axis over log10(x) with ticks at 1-2-5
    /// values labelled in x: plotters' own log axis labels only powers of
    /// ten, and its linear key points would land on 316 or 3,162.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, g: &Geometry) -> Result<()> {
        let body = titled(root, g, &self.title)?;
        let n = self.panel_count();
        let items = self.legend_items();
        let plot = with_legend(&body, g, (&items, self.note.as_deref(), n > 1))?;
        if n == 1 {
            return self.plot(&plot, g, None);
        }
        let (rows, cols) = grid(g, n, plot.dim_in_pixel().0);
        let style = g.font(LABEL_PT);
        for (k, area) in plot.split_evenly((rows, cols)).iter().enumerate().take(n) {
            let (w, _) = area.dim_in_pixel();
            let centre = plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Center,
                plotters::style::text_anchor::VPos::Top,
            );
            let at = (w as i32 / 2, g.px(2.0));
            area.draw(&Text::new(self.panels[k].clone(), at, style.pos(centre)))
                .map_err(err)?;
            let inner = area.split_vertically(g.px(panel_title_pt())).1;
            self.plot(&inner, g, Some(k))?;
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

/// The legend's labels of `chart`, in order (for tests of what a reader
/// sees).
#[cfg(test)]
pub(crate) fn legend_labels(chart: &LineChart) -> Vec<String> {
    chart.legend_items().into_iter().map(|i| i.label).collect()
}
