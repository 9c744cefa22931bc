//! Shared look of every chart: the committed DejaVu Sans font (no system
//! fonts), the Okabe–Ito colour-blind-safe palette, one marker per series,
//! and a figure's physical size with fonts set in points, so a figure is
//! legible at the width it is printed at.

use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};
use std::sync::Once;

/// Font sizes in points on the page. They are the same at every figure
/// size, so text stays legible at a single-column width (8.5 cm) and does
/// not look oversized at a full text width (16 cm).
pub const TITLE_PT: f64 = 9.5;
/// Axis labels.
pub const LABEL_PT: f64 = 8.5;
/// Tick labels.
pub const TICK_PT: f64 = 7.5;
/// Legend entries.
pub const LEGEND_PT: f64 = 7.5;
/// Notes under the legend.
pub const NOTE_PT: f64 = 7.0;

/// PNG resolution: sharp in a PDF or on a screen, small enough to commit.
pub const PNG_DPI: f64 = 200.0;
/// SVG user units are CSS pixels (96 per inch); the PDF is converted at
/// the same resolution, so its page is the figure's physical size.
pub const SVG_DPI: f64 = 96.0;

/// A figure's size on the page, from `--figure-size`: "16cm" (height
/// two thirds of the width), "8.5x6cm", "6.3in", "3.35x2.5in".
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct FigureSize {
    /// Width on the page, cm.
    pub width_cm: f64,
    /// Height on the page, cm.
    pub height_cm: f64,
    /// The height was not given: a chart that needs more room (many bars)
    /// may grow taller than two thirds of the width.
    pub auto_height: bool,
}

impl FigureSize {
    /// This size for a chart that needs at least `min_pt` points of
    /// height: taller only when the height was not given.
    pub fn for_min_height(self, min_pt: f64) -> Self {
        let min_cm = min_pt / 72.0 * 2.54;
        if self.auto_height && min_cm > self.height_cm {
            FigureSize {
                height_cm: min_cm.min(60.0),
                ..self
            }
        } else {
            self
        }
    }
}

impl Default for FigureSize {
    /// A full text width.
    fn default() -> Self {
        FigureSize {
            width_cm: 16.0,
            height_cm: 16.0 * 2.0 / 3.0,
            auto_height: true,
        }
    }
}

impl std::str::FromStr for FigureSize {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let bad = || {
            format!(
                "'{s}' is not a figure size: give a width, or width x height, in cm or in, \
                 e.g. 8.5cm, 16x10cm, 3.35in"
            )
        };
        let t = s.trim().to_ascii_lowercase();
        let (num, per_unit) = if let Some(n) = t.strip_suffix("cm") {
            (n, 1.0)
        } else if let Some(n) = t.strip_suffix("in") {
            (n, 2.54)
        } else {
            return Err(bad());
        };
        let dims: Vec<f64> = num
            .split('x')
            .map(|d| d.trim().parse::<f64>())
            .collect::<Result<_, _>>()
            .map_err(|_| bad())?;
        let (w, h, auto_height) = match dims[..] {
            [w] => (w, w * 2.0 / 3.0, true),
            [w, h] => (w, h, false),
            _ => return Err(bad()),
        };
        let (w, h) = (w * per_unit, h * per_unit);
        if !(4.0..=60.0).contains(&w) || !(3.0..=60.0).contains(&h) {
            return Err(format!(
                "figure size {w:.1} x {h:.1} cm is out of range: width 4 to 60 cm, height 3 to 60 cm"
            ));
        }
        Ok(FigureSize {
            width_cm: w,
            height_cm: h,
            auto_height,
        })
    }
}

impl std::fmt::Display for FigureSize {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.auto_height {
            write!(f, "{}cm", self.width_cm)
        } else {
            write!(f, "{}x{}cm", self.width_cm, self.height_cm)
        }
    }
}

/// A figure's size in the units of one output (pixels at a resolution),
/// and the conversion from points on the page to those units.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Geometry {
    /// Width in output units.
    pub width: u32,
    /// Height in output units.
    pub height: u32,
    px_per_pt: f64,
}

impl Geometry {
    /// `size` at `dpi` output units per inch.
    pub fn new(size: FigureSize, dpi: f64) -> Self {
        let px = |cm: f64| (cm / 2.54 * dpi).round() as u32;
        Geometry {
            width: px(size.width_cm),
            height: px(size.height_cm),
            px_per_pt: dpi / 72.0,
        }
    }
    /// (width, height) in output units.
    pub fn dims(&self) -> (u32, u32) {
        (self.width, self.height)
    }
    /// `pt` points in output units.
    pub fn px(&self, pt: f64) -> i32 {
        (pt * self.px_per_pt).round() as i32
    }
    /// `px` output units in points.
    pub fn pt(&self, px: u32) -> f64 {
        px as f64 / self.px_per_pt
    }
    /// [`Geometry::px`], never below 0.
    pub fn upx(&self, pt: f64) -> u32 {
        self.px(pt).max(0) as u32
    }
    /// The shipped sans-serif font at `pt` points.
    pub fn font(&self, pt: f64) -> TextStyle<'static> {
        ("sans-serif", pt * self.px_per_pt).into_font().into()
    }
}

pub(crate) static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
pub(crate) static FONT_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// Registers the bundled font as plotters' sans-serif family (once).
pub fn init_fonts() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // The font is compiled in and known to parse; a failure here is a
        // broken build, not bad input.
        register_font("sans-serif", FontStyle::Normal, FONT)
            .unwrap_or_else(|_| panic!("bundled font does not parse"));
        register_font("sans-serif", FontStyle::Bold, FONT_BOLD)
            .unwrap_or_else(|_| panic!("bundled font does not parse"));
    });
}

/// Okabe & Ito (2008), "Color Universal Design": distinguishable with
/// every common colour-vision deficiency. Black last: it is for references.
pub const PALETTE: [RGBColor; 8] = [
    RGBColor(0, 114, 178),   // blue
    RGBColor(230, 159, 0),   // orange
    RGBColor(0, 158, 115),   // bluish green
    RGBColor(213, 94, 0),    // vermillion
    RGBColor(204, 121, 167), // reddish purple
    RGBColor(86, 180, 233),  // sky blue
    RGBColor(240, 228, 66),  // yellow
    RGBColor(0, 0, 0),       // black
];

/// The series colours: the palette without its black (kept for
/// references), and a mid grey, so a chart's eight lines
/// ([`super::MAX_LINES`]) never share a colour.
const SERIES: [RGBColor; 8] = [
    PALETTE[0],
    PALETTE[1],
    PALETTE[2],
    PALETTE[3],
    PALETTE[4],
    PALETTE[5],
    PALETTE[6],
    RGBColor(110, 110, 110),
];

/// The colour of series style `i` (distinct for the first eight, then
/// cycled).
pub fn colour(i: usize) -> RGBColor {
    SERIES[i % SERIES.len()]
}

/// Marker shapes, cycled with the colours so that series differ in two ways.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[allow(missing_docs)] // the variants name their shapes
pub enum Marker {
    Circle,
    Triangle,
    Square,
    Cross,
    Diamond,
}

/// The markers in the order series styles take them.
pub const MARKERS: [Marker; 5] = [
    Marker::Circle,
    Marker::Triangle,
    Marker::Square,
    Marker::Cross,
    Marker::Diamond,
];

/// The marker of series style `i`.
pub fn marker(i: usize) -> Marker {
    MARKERS[i % MARKERS.len()]
}

/// Phase colours for stacked bars and the timeline, fixed so that a
/// phase looks the same in every chart.
pub fn phase_colour(p: crate::run::Phase) -> RGBColor {
    use crate::run::Phase::*;
    match p {
        Overhead => PALETTE[4],
        Parse => PALETTE[0],
        Work => PALETTE[5],
        Wait => PALETTE[3],
        Insert => PALETTE[2],
        Index => PALETTE[1],
        Idle => RGBColor(190, 190, 190),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_charts_lines_never_share_a_colour_or_the_references_black() {
        let c: Vec<_> = (0..super::super::MAX_LINES).map(super::colour).collect();
        for (i, a) in c.iter().enumerate() {
            assert_ne!(*a, super::PALETTE[7], "line {i} is the references' black");
            for b in &c[i + 1..] {
                assert_ne!(a, b, "line {i} repeats a colour");
            }
        }
    }
}
