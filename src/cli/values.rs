//! Value parsers for flags: named choices (with their valid values in the
//! help and the errors), whole counts, non-negative numbers, key=value
//! pragmas. Negative numbers reach these parsers (`allow_hyphen_values`),
//! so `--workers -1` is told what is wrong with it.

use crate::choice::Choice;
use clap::builder::{PossibleValuesParser, TypedValueParser};

/// A parser for the names of a [`Choice`].
pub fn choice<T: Choice + Send + Sync + Clone>() -> impl TypedValueParser<Value = T> {
    PossibleValuesParser::new(T::names()).map(|s| T::parse_name(&s).expect("a listed name"))
}

/// A whole number of at least 1.
pub fn count(s: &str) -> Result<usize, String> {
    match s.trim().parse::<i128>() {
        Ok(v) if v >= 1 => usize::try_from(v).map_err(|_| format!("{v} is too large")),
        Ok(v) => Err(format!("must be at least 1, got {v}")),
        Err(_) => Err(format!("'{s}' is not a whole number")),
    }
}

/// A whole number of at least 0.
pub fn count0(s: &str) -> Result<u64, String> {
    match s.trim().parse::<i128>() {
        Ok(v) if v >= 0 => u64::try_from(v).map_err(|_| format!("{v} is too large")),
        Ok(v) => Err(format!("must be at least 0, got {v}")),
        Err(_) => Err(format!("'{s}' is not a whole number")),
    }
}

/// A finite number of at least 0.
pub fn non_negative(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok(v),
        Ok(v) => Err(format!("must be a non-negative number, got {v}")),
        Err(_) => Err(format!("'{s}' is not a number")),
    }
}

/// A rate: a number from 0 to 1.
pub fn rate(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if (0.0..=1.0).contains(&v) => Ok(v),
        Ok(v) => Err(format!("must be between 0 and 1, got {v}")),
        Err(_) => Err(format!("'{s}' is not a number")),
    }
}

/// A figure size: "8.5cm", "16x10cm", "3.35in".
pub fn figure_size(s: &str) -> Result<crate::plot::FigureSize, String> {
    s.parse()
}

/// How figures are written: size and formats (flags shared by `run`,
/// `plot` and `simulate`).
#[derive(clap::Args, Debug, Clone)]
pub struct FigureArgs {
    /// Figure size on the page, width or width x height, in cm or in:
    /// 8.5cm (a single column), 16cm (a full text width), 16x10cm, 3.35in.
    /// Fonts are set in points, so text stays legible at either width.
    #[arg(long, value_parser = figure_size, default_value = "16cm")]
    pub figure_size: crate::plot::FigureSize,
    /// Figure formats, comma-separated: png, svg, pdf (a CSV of the
    /// plotted numbers is always written beside each figure).
    #[arg(long = "format", value_delimiter = ',', value_parser = choice::<crate::plot::Format>(), default_value = "png,svg,pdf")]
    pub formats: Vec<crate::plot::Format>,
}

impl FigureArgs {
    pub fn options(&self) -> crate::plot::FigureOptions {
        crate::plot::FigureOptions {
            size: self.figure_size,
            formats: self.formats.clone(),
        }
    }
}

/// `key=value`.
pub fn pragma(s: &str) -> Result<(String, String), String> {
    match s.split_once('=') {
        Some((k, v)) if !k.trim().is_empty() => Ok((k.trim().to_string(), v.trim().to_string())),
        _ => Err(format!("expected key=value, got '{s}'")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_and_numbers_say_what_is_wrong() {
        assert_eq!(count("4"), Ok(4));
        assert_eq!(count("-1"), Err("must be at least 1, got -1".into()));
        assert_eq!(count("two"), Err("'two' is not a whole number".into()));
        assert!(non_negative("-0.5").unwrap_err().contains("non-negative"));
        assert!(non_negative("inf").is_err());
        assert!(rate("1.5").unwrap_err().contains("between 0 and 1"));
        assert_eq!(
            pragma("temp_store=MEMORY"),
            Ok(("temp_store".into(), "MEMORY".into()))
        );
    }
}
