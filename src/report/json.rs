//! `results.json`: everything (scenario as resolved, environment,
//! configurations, summaries, every run), for tools and for `plot`.

use super::{Exporter, Report};
use anyhow::Result;

/// `results.json`: the whole report, for tools and `plot`.
pub struct ResultsJson;

impl Exporter for ResultsJson {
    fn file_name(&self) -> &'static str {
        "results.json"
    }
    fn render(&self, report: &Report) -> Result<Vec<u8>> {
        Ok(serde_json::to_vec_pretty(report)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips() {
        let r = super::super::fixture::report();
        let bytes = ResultsJson.render(&r).unwrap();
        let back: Report = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(back, r);
    }
}
