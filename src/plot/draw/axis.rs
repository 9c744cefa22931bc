//! Axes: padded ranges, 1-2-5 and linear ticks, tick labels, and the room
//! the labels need.

use super::text::text_w;
use crate::plot::style::*;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::prelude::*;

/// Axis range with 5% padding; log axes pad multiplicatively.
pub(super) fn padded(lo: f64, hi: f64, log: bool) -> (f64, f64) {
    if log {
        let (lo, hi) = (lo.max(1e-9), hi.max(lo * 1.0001));
        return (lo / 1.25, hi * 1.25);
    }
    let span = if hi > lo { hi - lo } else { hi.abs().max(1.0) };
    (lo - 0.05 * span, hi + 0.08 * span)
}

/// Ticks for a log axis over [lo, hi]: every 1, 2 and 5 times a power of
/// ten in the range (50, 100, 200, 500, 1,000...), or only the powers of
/// ten when that would be more than ten ticks. Never 320 or 3,200.
pub fn log_ticks(lo: f64, hi: f64) -> Vec<f64> {
    let (first, last) = (lo.log10().floor() as i32, hi.log10().ceil() as i32);
    let within = |v: &f64| *v >= lo * (1.0 - 1e-9) && *v <= hi * (1.0 + 1e-9);
    let ticks = |mantissas: &[f64]| -> Vec<f64> {
        (first..=last)
            .flat_map(|e| mantissas.iter().map(move |m| m * 10f64.powi(e)))
            .filter(within)
            .collect()
    };
    let fine = ticks(&[1.0, 2.0, 5.0]);
    if fine.len() <= 10 {
        fine
    } else {
        ticks(&[1.0])
    }
}

/// Ticks for a linear axis over [lo, hi]: multiples of the smallest 1-2-5
/// step that gives at most `max` of them; whole numbers only when
/// `integer`.
pub fn linear_ticks(lo: f64, hi: f64, integer: bool, max: usize) -> Vec<f64> {
    let span = (hi - lo).max(1e-12);
    let mag = 10f64.powf((span / 10.0).log10().floor());
    let mut step = [1.0, 2.0, 5.0, 10.0, 20.0, 50.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| span / s <= max.max(2) as f64)
        .unwrap_or(10.0 * mag);
    if integer {
        step = step.max(1.0).round();
    }
    // Ticks are whole multiples of the step, rounded to the step's decimals
    // so that 3 × 0.2 prints as 0.6, not 0.6000000000000001.
    let decimals = (-step.log10().floor()).max(0.0) as i32 + 1;
    let unit = 10f64.powi(decimals);
    let first = (lo / step - 1e-9).ceil() as i64;
    let last = (hi / step + 1e-9).floor() as i64;
    (first..=last)
        .map(|k| (k as f64 * step * unit).round() / unit)
        .collect()
}

/// `v` rounded to `digits` significant digits (251.2 → 250).
pub fn round_sig(v: f64, digits: i32) -> f64 {
    if v == 0.0 {
        return 0.0;
    }
    let scale = 10f64.powi(digits - 1 - v.abs().log10().floor() as i32);
    (v * scale).round() / scale
}

/// A tick label without trailing zeros: 1000 → "1,000", 0.5 → "0.5".
pub fn tick(v: f64) -> String {
    if v.abs() >= 1000.0 {
        let s = format!("{:.0}", v);
        let neg = s.starts_with('-');
        let digits: Vec<char> = s.trim_start_matches('-').chars().collect();
        let mut out = String::new();
        for (i, c) in digits.iter().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(*c);
        }
        return if neg { format!("-{out}") } else { out };
    }
    let s = format!("{:.3}", v);
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A linear f64 axis with ticks exactly where we put them (plotters'
/// own key points land on values like 316 on a log-scaled axis).
#[derive(Clone)]
pub(crate) struct Axis {
    lo: f64,
    hi: f64,
    ticks: Vec<f64>,
}

impl Ranged for Axis {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;
    fn map(&self, v: &f64, (a, b): (i32, i32)) -> i32 {
        let t = (v - self.lo) / (self.hi - self.lo);
        (a as f64 + t * (b - a) as f64).round() as i32
    }
    fn key_points<H: KeyPointHint>(&self, _: H) -> Vec<f64> {
        self.ticks.clone()
    }
    fn range(&self) -> std::ops::Range<f64> {
        self.lo..self.hi
    }
}

pub(crate) type Chart2d<'a, DB> = ChartContext<'a, DB, Cartesian2d<Axis, Axis>>;

pub(super) fn axis(lo: f64, hi: f64, ticks: Vec<f64>) -> Axis {
    Axis { lo, hi, ticks }
}

/// Room for the y tick labels and the axis label left of the plot.
pub(super) fn y_label_room(g: &Geometry, labels: &[String]) -> u32 {
    let style = g.font(TICK_PT);
    let widest = labels.iter().map(|l| text_w(l, &style)).max().unwrap_or(0);
    widest + g.upx(LABEL_PT * 1.4 + 8.0)
}

/// How many ticks an axis `px` long has room for, at one per `per_pt`.
pub(super) fn tick_room(g: &Geometry, px: u32, per_pt: f64) -> usize {
    (px as usize / g.upx(per_pt).max(1) as usize).clamp(3, 8)
}

/// Room for the x tick labels and the axis label under the plot.
pub(super) fn x_label_room(g: &Geometry) -> u32 {
    g.upx(TICK_PT * 1.2 + LABEL_PT * 1.2 + 2.0)
}

/// The x axis's label under `chart`'s plot, centred on the plot but moved
/// in to stay whole on `area` (plotters centres it on the plot even when it
/// is wider, which ran it off a narrow figure's edge).
pub(super) fn x_desc<DB: DrawingBackend>(
    area: &DrawingArea<DB, plotters::coord::Shift>,
    chart: &Chart2d<'_, DB>,
    g: &Geometry,
    label: &str,
) -> anyhow::Result<()> {
    let style = g.font(LABEL_PT);
    let half = (text_w(label, &style) as i32 + 1) / 2 + g.px(1.0);
    let ox = area.get_base_pixel().0;
    let (w, h) = area.dim_in_pixel();
    let xs = chart.plotting_area().get_pixel_range().0;
    let centre = ((xs.start + xs.end) / 2 - ox).clamp(half, (w as i32 - half).max(half));
    let bottom = plotters::style::text_anchor::Pos::new(
        plotters::style::text_anchor::HPos::Center,
        plotters::style::text_anchor::VPos::Bottom,
    );
    let at = (centre, h as i32 - g.px(2.0));
    area.draw(&Text::new(label.to_string(), at, style.pos(bottom)))
        .map_err(super::err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_plain() {
        assert_eq!(tick(1000.0), "1,000");
        assert_eq!(tick(1234567.0), "1,234,567");
        assert_eq!(tick(0.5), "0.5");
        assert_eq!(tick(2.0), "2");
        assert_eq!(tick(-1500.0), "-1,500");
        assert_eq!(round_sig(251.19, 2), 250.0);
        assert_eq!(round_sig(0.0123, 2), 0.012);
    }

    #[test]
    fn log_ticks_are_one_two_five_and_keep_the_ends() {
        assert_eq!(
            log_ticks(80.0, 12_500.0),
            [100.0, 200.0, 500.0, 1e3, 2e3, 5e3, 1e4]
        );
        assert_eq!(log_ticks(40.0, 625.0), [50.0, 100.0, 200.0, 500.0]);
        // Six decades: powers of ten only.
        assert_eq!(
            log_ticks(0.8, 1.25e6),
            [1.0, 10.0, 100.0, 1e3, 1e4, 1e5, 1e6]
        );
        for t in log_ticks(7.0, 70_000.0) {
            let m = t / 10f64.powf(t.log10().floor());
            assert!([1.0, 2.0, 5.0].iter().any(|k| (m - k).abs() < 1e-9), "{t}");
        }
    }

    #[test]
    fn linear_ticks_are_round_and_whole_where_asked() {
        assert_eq!(linear_ticks(0.85, 4.2, true, 8), [1.0, 2.0, 3.0, 4.0]);
        assert_eq!(
            linear_ticks(0.0, 1.0, false, 8),
            [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]
        );
        assert_eq!(linear_ticks(0.0, 1.0, false, 4), [0.0, 0.5, 1.0]);
        assert_eq!(
            linear_ticks(0.0, 64.0, true, 8),
            [0.0, 10.0, 20.0, 30.0, 40.0, 50.0, 60.0]
        );
        assert_eq!(linear_ticks(0.0, 64.0, true, 4), [0.0, 20.0, 40.0, 60.0]);
        for max in 3..=8 {
            let t = linear_ticks(-0.3, 2.7, false, max);
            assert!(t.len() >= 2 && t.len() <= max, "{max}: {t:?}");
        }
    }
}
