//! Text measured with the backend's own font metrics, and wrapped to a
//! width.

use plotters::coord::Shift;
use plotters::prelude::*;

/// Width of `text` in `style`, in output units.
pub(super) fn text_w<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
) -> u32 {
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
