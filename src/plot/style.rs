//! Shared look of every chart: the committed DejaVu Sans font (no system
//! fonts), the Okabe–Ito colour-blind-safe palette, one marker per series,
//! and sizes readable at thesis column width.

use plotters::prelude::*;
use plotters::style::{FontStyle, register_font};
use std::sync::Once;

/// Pixel size of every PNG; the SVG uses the same coordinates.
pub const SIZE: (u32, u32) = (1200, 800);
pub const TITLE_PX: u32 = 38;
pub const LABEL_PX: u32 = 30;
pub const TICK_PX: u32 = 24;
pub const LEGEND_PX: u32 = 24;

static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
static FONT_BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

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

pub fn colour(i: usize) -> RGBColor {
    PALETTE[i % (PALETTE.len() - 1)]
}

/// Marker shapes, cycled with the colours so that series differ in two ways.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    Circle,
    Triangle,
    Square,
    Cross,
    Diamond,
}

pub const MARKERS: [Marker; 5] = [
    Marker::Circle,
    Marker::Triangle,
    Marker::Square,
    Marker::Cross,
    Marker::Diamond,
];

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
        Wait => PALETTE[3],
        Insert => PALETTE[2],
        Index => PALETTE[1],
        Idle => RGBColor(190, 190, 190),
    }
}
