//! Legends and titles: the layout of a chart's keys beside or below its
//! plot, and each key drawn as the series is (line, band or marker).

use super::err;
use super::text::{text_w, wrap};
use crate::plot::style::*;
use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

/// One legend entry: a line (solid or dashed) or a filled box.
pub struct LegendItem {
    pub label: String,
    pub colour: RGBColor,
    pub dashed: bool,
    pub boxed: bool,
    /// The series style whose marker the key shows (measured lines).
    pub marker: Option<usize>,
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
        let note_w = (text_width + Self::key(g)).saturating_sub(g.upx(6.0));
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
pub(super) fn with_legend<DB: DrawingBackend>(
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
        // The note starts 3 px in; a margin as wide on the right keeps its
        // longest line inside the legend's area (it was cut at the edge).
        let width = (layout.text_width + key as u32).saturating_sub(g.upx(6.0));
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
pub(super) fn titled<DB: DrawingBackend>(
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

/// Series `style`'s marker centred on `p`, in the area's own coordinates
/// (data on a chart, pixels in the legend), so the legend shows exactly the
/// shape the plot does: the only cue that survives grey-scale print.
pub(super) fn marker_at<DB: DrawingBackend, CT: CoordTranslate>(
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
