//! Writing a figure: PNG, SVG and vector PDF from the same drawing code,
//! and beside them a CSV of exactly the numbers plotted, so a figure can
//! be redrawn with pgfplots, matplotlib or R.
//!
//! The PDF is the SVG converted by svg2pdf with the shipped DejaVu fonts
//! (the only fonts its font database holds), embedded as subsets: pdfLaTeX
//! and every viewer show the glyphs the PNG shows.

use super::draw::{Draw, err};
use super::style::{FONT, FONT_BOLD, FigureSize, Geometry, PNG_DPI, SVG_DPI, init_fonts};
use crate::choice::choice;
use anyhow::{Context, Result, anyhow};
use plotters::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

choice! {
    /// A file format figures are written in.
    #[allow(missing_docs)] // each names its file extension
    pub enum Format: "figure format" { Png = "png", Svg = "svg", Pdf = "pdf" }
}

/// How figures are written.
#[derive(Debug, Clone, PartialEq)]
pub struct FigureOptions {
    /// The figure's size on the page.
    pub size: FigureSize,
    /// The formats to write.
    pub formats: Vec<Format>,
}

impl Default for FigureOptions {
    fn default() -> Self {
        FigureOptions {
            size: FigureSize::default(),
            formats: Format::ALL.to_vec(),
        }
    }
}

/// The numbers behind a chart, one row per plotted value, with units in
/// the column names.
pub trait DataTable {
    /// Column names, with units.
    fn header(&self) -> Vec<String>;
    /// One row per plotted value.
    fn rows(&self) -> Vec<Vec<String>>;
}

/// Writes `dir/name.{png,svg,pdf}` (those asked for) and `dir/name.csv`;
/// returns the files written.
pub fn save<C: Draw + DataTable>(
    chart: &C,
    dir: &Path,
    name: &str,
    opts: &FigureOptions,
) -> Result<Vec<PathBuf>> {
    init_fonts();
    let mut written = Vec::new();
    let path = |ext: &str| dir.join(format!("{name}.{ext}"));
    let size = opts.size.for_min_height(chart.min_height_pt(opts.size));
    if opts.formats.contains(&Format::Png) {
        let png = path("png");
        let g = Geometry::new(size, PNG_DPI);
        {
            let root = BitMapBackend::new(&png, g.dims()).into_drawing_area();
            chart.draw(&root, &g)?;
            root.present()
                .map_err(|e| anyhow!("writing '{}': {e}", png.display()))?;
        }
        written.push(png);
    }
    let wants = |f| opts.formats.contains(&f);
    if wants(Format::Svg) || wants(Format::Pdf) {
        let svg = render_svg(chart, size)?;
        if wants(Format::Svg) {
            write(&path("svg"), svg.as_bytes(), &mut written)?;
        }
        if wants(Format::Pdf) {
            write(&path("pdf"), &svg_to_pdf(&svg)?, &mut written)?;
        }
    }
    write(&path("csv"), &csv_bytes(chart)?, &mut written)?;
    Ok(written)
}

fn write(path: &Path, bytes: &[u8], written: &mut Vec<PathBuf>) -> Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("writing '{}'", path.display()))?;
    written.push(path.to_path_buf());
    Ok(())
}

/// The chart as an SVG document, in CSS pixels at the figure's size.
pub fn render_svg<C: Draw>(chart: &C, size: FigureSize) -> Result<String> {
    init_fonts();
    let g = Geometry::new(size, SVG_DPI);
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, g.dims()).into_drawing_area();
        chart.draw(&root, &g)?;
        root.present().map_err(err)?;
    }
    Ok(svg)
}

/// The shipped fonts, as the only fonts the SVG is resolved against, so
/// the PDF never depends on what the machine has installed.
fn fonts() -> Arc<usvg::fontdb::Database> {
    static DB: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    DB.get_or_init(|| {
        let mut db = usvg::fontdb::Database::new();
        db.load_font_data(FONT.to_vec());
        db.load_font_data(FONT_BOLD.to_vec());
        db.set_sans_serif_family("DejaVu Sans");
        Arc::new(db)
    })
    .clone()
}

/// A vector PDF of `svg`, one page the size of the figure, fonts embedded.
pub fn svg_to_pdf(svg: &str) -> Result<Vec<u8>> {
    let opts = usvg::Options {
        fontdb: fonts(),
        font_family: "DejaVu Sans".into(),
        ..Default::default()
    };
    let tree = usvg::Tree::from_str(svg, &opts).context("reading the chart's SVG")?;
    svg2pdf::to_pdf(
        &tree,
        svg2pdf::ConversionOptions::default(),
        svg2pdf::PageOptions {
            dpi: SVG_DPI as f32,
        },
    )
    .map_err(|e| anyhow!("converting the chart to PDF: {e}"))
}

fn csv_bytes<C: DataTable>(chart: &C) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(chart.header())?;
    for r in chart.rows() {
        w.write_record(r)?;
    }
    w.into_inner().map_err(|e| anyhow!("{e}"))
}
