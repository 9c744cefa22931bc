//! Text measured with the shipped font's own metrics (the same ones every
//! backend draws with, so a layout can be planned before any drawing), and
//! wrapped to a width.

use plotters::prelude::*;

/// Width of `text` in `style`, in output units.
pub(super) fn text_w(text: &str, style: &TextStyle) -> u32 {
    style
        .font
        .layout_box(text)
        .map_or(0, |((x0, _), (x1, _))| (x1 - x0).max(0) as u32)
}

/// `text` broken at spaces into lines no wider than `width`; a word wider
/// than that (a configuration id such as `r1000/duckdb/bulk/b1000/w4`) is
/// broken after its slashes, and a part still wider keeps a line of its
/// own. Nothing is cut.
pub(crate) fn wrap(text: &str, style: &TextStyle, width: u32) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for para in text.split('\n') {
        let mut cur = String::new();
        for word in para.split(' ') {
            if text_w(word, style) > width && word.contains('/') {
                if !cur.is_empty() {
                    lines.push(std::mem::take(&mut cur));
                }
                let parts: Vec<&str> = word.split_inclusive('/').collect();
                let mut broken = wrap_parts(&parts, style, width);
                cur = broken.pop().unwrap_or_default();
                lines.extend(broken);
                continue;
            }
            let cand = if cur.is_empty() {
                word.to_string()
            } else {
                format!("{cur} {word}")
            };
            if !cur.is_empty() && text_w(&cand, style) > width {
                lines.push(std::mem::replace(&mut cur, word.to_string()));
            } else {
                cur = cand;
            }
        }
        lines.push(cur);
    }
    lines
}

/// `parts` (pieces of one word) joined into lines no wider than `width`.
fn wrap_parts(parts: &[&str], style: &TextStyle, width: u32) -> Vec<String> {
    let mut lines = vec![String::new()];
    for part in parts {
        let cur = lines.last_mut().expect("one line");
        if !cur.is_empty() && text_w(&format!("{cur}{part}"), style) > width {
            lines.push(part.to_string());
        } else {
            cur.push_str(part);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plot::style::{Geometry, PNG_DPI, init_fonts};

    #[test]
    fn long_ids_break_after_their_slashes_and_nothing_is_lost() {
        init_fonts();
        let g = Geometry::new("8.5cm".parse().unwrap(), PNG_DPI);
        let style = g.font(7.5);
        let id = "r100000/duckdb-global-mutex/b10000/w4";
        let width = text_w("r100000/duckdb-global-mutex/", &style);
        let lines = wrap(&format!("run {id} here"), &style, width);
        assert_eq!(
            lines,
            vec!["run", "r100000/duckdb-global-mutex/", "b10000/w4 here"]
        );
        assert!(lines.iter().all(|l| text_w(l, &style) <= width));
        let spaced = wrap("a b c", &style, 10_000);
        assert_eq!(spaced, vec!["a b c"]);
    }
}
