//! The `compare` chart: per configuration, B's change in throughput
//! against A with its interval, a line at no change and the ±2% band the
//! verdicts call noise.

use super::draw::{Draw, band_chart, bands_height_pt, boxed_legend, boxed_room_pt, err};
use super::output::DataTable;
use super::style::{FigureSize, Geometry, PALETTE};
use anyhow::Result;
use plotters::coord::Shift;
use plotters::prelude::*;

/// One row: a configuration's change (percent) and its interval.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeRow {
    /// The configuration.
    pub label: String,
    /// The change, percent.
    pub pct: f64,
    /// Its interval's lower end, percent.
    pub lo: f64,
    /// Its interval's upper end, percent.
    pub hi: f64,
    /// "96.8% CI", "range, 75%".
    pub interval: String,
    /// The comparison's verdict, as the table words it.
    pub verdict: String,
}

/// `compare`'s chart: each configuration's change with its interval.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeChart {
    /// The chart's title.
    pub title: String,
    /// One row per configuration.
    pub rows: Vec<ChangeRow>,
    /// The noise threshold, percent (drawn as a grey band).
    pub noise_pct: f64,
}

impl ChangeChart {
    /// The legend: the change, and the band the verdicts call noise.
    fn segments(&self) -> Vec<(String, RGBColor)> {
        let noise = format!("within ±{}% (noise)", self.noise_pct);
        vec![
            ("change in throughput".to_string(), PALETTE[0]),
            (noise, RGBColor(225, 225, 225)),
        ]
    }

    fn range(&self) -> (f64, f64) {
        let (lo, hi) = self
            .rows
            .iter()
            .fold((-self.noise_pct, self.noise_pct), |(a, b), r| {
                (a.min(r.lo).min(r.pct), b.max(r.hi).max(r.pct))
            });
        let pad = 0.08 * (hi - lo).max(1.0);
        (lo - pad, hi + pad)
    }
}

impl Draw for ChangeChart {
    fn min_height_pt(&self, size: FigureSize) -> f64 {
        let plot = bands_height_pt(self.rows.len());
        boxed_room_pt(size, &self.title, &self.segments(), plot)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>, g: &Geometry) -> Result<()> {
        let plot = boxed_legend(root, g, &self.title, &self.segments())?;
        let labels: Vec<String> = self.rows.iter().map(|r| r.label.clone()).collect();
        let n = labels.len().max(1) as f64;
        let mut chart = band_chart(
            &plot,
            g,
            &labels,
            self.range(),
            "change in throughput, B against A (%)",
        )?;
        let band = Rectangle::new(
            [(-self.noise_pct, 0.0), (self.noise_pct, n)],
            RGBColor(225, 225, 225).filled(),
        );
        chart.draw_series(std::iter::once(band)).map_err(err)?;
        let zero = PathElement::new(
            vec![(0.0, 0.0), (0.0, n)],
            BLACK.stroke_width(g.upx(0.8).max(1)),
        );
        chart.draw_series(std::iter::once(zero)).map_err(err)?;
        let c = PALETTE[0];
        let rows = self.rows.len();
        chart
            .draw_series(self.rows.iter().enumerate().map(|(i, r)| {
                let y = (rows - 1 - i) as f64 + 0.5;
                ErrorBar::new_horizontal(
                    y,
                    r.lo,
                    r.pct,
                    r.hi,
                    c.stroke_width(g.upx(1.0).max(1)),
                    g.upx(5.0),
                )
            }))
            .map_err(err)?;
        chart
            .draw_series(self.rows.iter().enumerate().map(|(i, r)| {
                Circle::new((r.pct, (rows - 1 - i) as f64 + 0.5), g.px(2.6), c.filled())
            }))
            .map_err(err)?;
        Ok(())
    }
}

impl DataTable for ChangeChart {
    fn header(&self) -> Vec<String> {
        [
            "configuration",
            "throughput change (%)",
            "throughput change, interval low (%)",
            "throughput change, interval high (%)",
            "interval",
            "verdict",
        ]
        .map(String::from)
        .to_vec()
    }
    fn rows(&self) -> Vec<Vec<String>> {
        self.rows
            .iter()
            .map(|r| {
                vec![
                    r.label.clone(),
                    r.pct.to_string(),
                    r.lo.to_string(),
                    r.hi.to_string(),
                    r.interval.clone(),
                    r.verdict.clone(),
                ]
            })
            .collect()
    }
}
