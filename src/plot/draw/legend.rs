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
    fn height(
        g: &Geometry,
        items: &[LegendItem],
        note: Option<&str>,
        columns: usize,
        text_width: u32,
    ) -> u32 {
        let style = g.font(LEGEND_PT);
        let lines = |it: &LegendItem| wrap(&it.label, &style, text_width).len() as u32;
        let rows: u32 = items
            .chunks(columns)
            .map(|row| row.iter().map(lines).max().unwrap_or(1))
            .map(|l| l * g.upx(LEGEND_PT * 1.25) + g.upx(LEGEND_PT * 0.35))
            .sum();
        let note_w = Self::note_width(g, text_width);
        let note_lines = note.map_or(0, |n| wrap(n, &g.font(NOTE_PT), note_w).len() as u32);
        g.upx(8.0) + rows + note_lines * g.upx(NOTE_PT * 1.25) + g.upx(4.0)
    }

    /// The note starts 3 pt in; a margin as wide on the right keeps its
    /// longest line inside the legend's area (it was cut at the edge).
    fn note_width(g: &Geometry, text_width: u32) -> u32 {
        (text_width + Self::key(g)).saturating_sub(g.upx(6.0))
    }

    /// The layout for a body of `w` × `h` output units; `below` puts the
    /// legend under the plot whatever its size (small multiples, which
    /// need the width).
    fn choose(
        w: u32,
        h: u32,
        g: &Geometry,
        items: &[LegendItem],
        note: Option<&str>,
        below: bool,
    ) -> Self {
        let style = g.font(LEGEND_PT);
        let natural = items
            .iter()
            .map(|i| text_w(&i.label, &style))
            .max()
            .unwrap_or(0);
        let key = Self::key(g);
        // At the side only if it leaves the plot most of the width and
        // fits the height; a narrow figure gets its legend underneath.
        let side_width = natural.min(((w as f64 * 0.40) as u32).saturating_sub(key));
        let narrow_enough = natural + key <= (w as f64 * 0.28) as u32;
        if !below && narrow_enough && Self::height(g, items, note, 1, side_width) + g.upx(20.0) <= h
        {
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

    /// The height the legend takes under the plot (0 at the side).
    fn below_height(&self, g: &Geometry, items: &[LegendItem], note: Option<&str>) -> u32 {
        if self.below {
            Self::height(g, items, note, self.columns, self.text_width)
        } else {
            0
        }
    }

    /// Splits `body` into the plot area and the legend area. A legend
    /// underneath gets all the height it needs, so no entry or note line
    /// falls off the figure; the plot keeps at least 30% of the body
    /// (figures of automatic height grow instead: [`room_pt`]).
    fn split<DB: DrawingBackend>(
        &self,
        body: &DrawingArea<DB, Shift>,
        g: &Geometry,
        items: &[LegendItem],
        note: Option<&str>,
    ) -> (DrawingArea<DB, Shift>, DrawingArea<DB, Shift>) {
        let (w, h) = body.dim_in_pixel();
        if self.below {
            let need = self.below_height(g, items, note);
            body.split_vertically(h.saturating_sub(need).max(h * 3 / 10))
        } else {
            body.split_horizontally(w.saturating_sub(self.text_width + Self::key(g)))
        }
    }
}

/// The height in points a figure of `size` needs for its title, a legend
/// of `items` (and `note`) under the plot when it goes there, and a plot
/// area of `plot_pt`: what [`super::Draw::min_height_pt`] returns, so a
/// figure of automatic height grows rather than pushing text off its
/// canvas (a single-column figure with eight series and a note).
pub(crate) fn room_pt(
    size: FigureSize,
    title: &str,
    (items, note, below): (&[LegendItem], Option<&str>, bool),
    plot_pt: f64,
) -> f64 {
    let g = Geometry::new(size, PNG_DPI);
    let title_h = title_height(&g, g.width, title);
    let body_h = g.height.saturating_sub(title_h);
    let layout = LegendLayout::choose(g.width, body_h, &g, items, note, below);
    let legend_h = layout.below_height(&g, items, note);
    g.pt(title_h + legend_h) + plot_pt
}

/// Lays out the legend for `items` (and a note under it) beside or under
/// the plot, draws it and returns the area left for the plot.
pub(super) fn with_legend<DB: DrawingBackend>(
    body: &DrawingArea<DB, Shift>,
    g: &Geometry,
    (items, note, below): (&[LegendItem], Option<&str>, bool),
) -> Result<DrawingArea<DB, Shift>> {
    let (w, h) = body.dim_in_pixel();
    let layout = LegendLayout::choose(w, h, g, items, note, below);
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
            let lines = wrap(&it.label, &style, layout.text_width);
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
        let width = LegendLayout::note_width(g, layout.text_width);
        for line in wrap(n, &note_style, width) {
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
    let lines = title_lines(g, w, title);
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
    Ok(root.split_vertically(title_height(g, w, title)).1)
}

/// The title's lines on a figure `w` output units wide.
fn title_lines(g: &Geometry, w: u32, title: &str) -> Vec<String> {
    wrap(title, &g.font(TITLE_PT), w.saturating_sub(g.upx(12.0)))
}

/// The height the title takes on a figure `w` output units wide.
fn title_height(g: &Geometry, w: u32, title: &str) -> u32 {
    g.upx(8.0) + title_lines(g, w, title).len() as u32 * g.upx(TITLE_PT * 1.3)
}

/// One boxed legend entry per segment.
fn boxes(segments: &[(String, RGBColor)]) -> Vec<LegendItem> {
    segments
        .iter()
        .map(|(n, c)| LegendItem {
            label: n.clone(),
            colour: *c,
            dashed: false,
            boxed: true,
            marker: None,
        })
        .collect()
}

/// [`room_pt`] for a chart with [`boxed_legend`].
pub(crate) fn boxed_room_pt(
    size: FigureSize,
    title: &str,
    segments: &[(String, RGBColor)],
    plot_pt: f64,
) -> f64 {
    room_pt(size, title, (&boxes(segments), None, false), plot_pt)
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
    with_legend(&body, g, (&boxes(segments), None, false))
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
