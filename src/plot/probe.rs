//! A drawing backend that records where every piece of text lands, for the
//! tests that check a figure at a single column's width: plotters does not
//! clip text to the area it was drawn in, so a legend too wide for its
//! figure runs off the canvas or over the plot without any error.

use super::draw::Draw;
use super::style::{FigureSize, Geometry, PNG_DPI, init_fonts};
use plotters::prelude::*;
use plotters_backend::text_anchor::{HPos, VPos};
use plotters_backend::{
    BackendColor, BackendCoord, BackendStyle, BackendTextStyle, DrawingErrorKind,
};
use std::cell::RefCell;
use std::convert::Infallible;
use std::rc::Rc;

/// One piece of text and the pixels its glyphs can cover.
#[derive(Debug, Clone, PartialEq)]
pub struct TextBox {
    /// What was written.
    pub text: String,
    /// Left, top, right, bottom, in canvas pixels.
    pub rect: (i32, i32, i32, i32),
}

impl TextBox {
    /// Pixels by which this box and `o` overlap along x and along y.
    fn overlap(&self, o: &TextBox) -> (i32, i32) {
        let (a, b) = (self.rect, o.rect);
        (a.2.min(b.2) - a.0.max(b.0), a.3.min(b.3) - a.1.max(b.1))
    }
}

/// Records the text boxes; draws nothing else.
struct Probe {
    size: (u32, u32),
    /// Shared with the caller: the drawing area owns the backend.
    boxes: Rc<RefCell<Vec<TextBox>>>,
}

impl DrawingBackend for Probe {
    type ErrorType = Infallible;

    fn get_size(&self) -> (u32, u32) {
        self.size
    }
    fn ensure_prepared(&mut self) -> Result<(), DrawingErrorKind<Infallible>> {
        Ok(())
    }
    fn present(&mut self) -> Result<(), DrawingErrorKind<Infallible>> {
        Ok(())
    }
    fn draw_pixel(
        &mut self,
        _: BackendCoord,
        _: BackendColor,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        Ok(())
    }
    fn draw_line<S: BackendStyle>(
        &mut self,
        _: BackendCoord,
        _: BackendCoord,
        _: &S,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        Ok(())
    }
    fn draw_rect<S: BackendStyle>(
        &mut self,
        _: BackendCoord,
        _: BackendCoord,
        _: &S,
        _: bool,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        Ok(())
    }
    fn draw_circle<S: BackendStyle>(
        &mut self,
        _: BackendCoord,
        _: u32,
        _: &S,
        _: bool,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        Ok(())
    }
    fn fill_polygon<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        _: I,
        _: &S,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        Ok(())
    }
    fn draw_path<S: BackendStyle, I: IntoIterator<Item = BackendCoord>>(
        &mut self,
        _: I,
        _: &S,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        Ok(())
    }

    /// Where plotters' own `draw_text` puts the glyphs: the layout box
    /// moved by the anchor, then rotated about the anchor point.
    fn draw_text<T: BackendTextStyle>(
        &mut self,
        text: &str,
        style: &T,
        pos: BackendCoord,
    ) -> Result<(), DrawingErrorKind<Infallible>> {
        if text.trim().is_empty() || style.color().alpha == 0.0 {
            return Ok(());
        }
        let ((x0, y0), (x1, y1)) = style.layout_box(text).expect("the shipped font lays out");
        let (w, h) = (x1 - x0, y1 - y0);
        let dx = match style.anchor().h_pos {
            HPos::Left => 0,
            HPos::Right => -w,
            HPos::Center => -w / 2,
        };
        let dy = match style.anchor().v_pos {
            VPos::Top => 0,
            VPos::Center => -h / 2,
            VPos::Bottom => -h,
        };
        let t = style.transform();
        let corners = [(dx, dy), (dx + w, dy + h)].map(|(x, y)| t.transform(x, y));
        let (xs, ys) = (corners.map(|c| c.0), corners.map(|c| c.1));
        self.boxes.borrow_mut().push(TextBox {
            text: text.to_string(),
            rect: (
                pos.0 + xs[0].min(xs[1]),
                pos.1 + ys[0].min(ys[1]),
                pos.0 + xs[0].max(xs[1]),
                pos.1 + ys[0].max(ys[1]),
            ),
        });
        Ok(())
    }
}

/// The text boxes of `chart` drawn at `size` (grown as `save` grows it for
/// charts that need height), with the canvas's pixel size.
pub fn text_boxes<C: Draw>(chart: &C, size: FigureSize) -> ((u32, u32), Vec<TextBox>) {
    init_fonts();
    let g = Geometry::new(size.for_min_height(chart.min_height_pt(size)), PNG_DPI);
    let boxes = Rc::new(RefCell::new(Vec::new()));
    let root = Probe {
        size: g.dims(),
        boxes: boxes.clone(),
    }
    .into_drawing_area();
    chart.draw(&root, &g).expect("the chart draws");
    drop(root);
    (g.dims(), boxes.take())
}

/// What is wrong with the text of `chart` at `size`: boxes reaching
/// outside the canvas, and pairs of boxes overlapping by more than a
/// pixel either way (text written over text). Empty when all is well.
pub fn text_problems<C: Draw>(chart: &C, size: FigureSize) -> Vec<String> {
    let ((w, h), boxes) = text_boxes(chart, size);
    let mut out = Vec::new();
    for b in &boxes {
        let r = b.rect;
        if r.0 < 0 || r.1 < 0 || r.2 > w as i32 || r.3 > h as i32 {
            out.push(format!("'{}' at {r:?} leaves the {w}×{h} canvas", b.text));
        }
    }
    for (i, a) in boxes.iter().enumerate() {
        for b in &boxes[i + 1..] {
            let (ox, oy) = a.overlap(b);
            if ox > 1 && oy > 1 {
                out.push(format!(
                    "'{}' {:?} overlaps '{}' {:?}",
                    a.text, a.rect, b.text, b.rect
                ));
            }
        }
    }
    out
}
