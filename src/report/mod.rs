//! Exports of an experiment's results: one module per format behind the
//! [`Exporter`] trait, every file written atomically (temporary file, then
//! rename) so a crash never leaves half a summary.

pub mod environment;
pub mod json;
pub mod markdown;
pub mod runs_csv;
pub mod summary_csv;

use crate::analysis::{ConfigSummary, RunRecord};
use crate::scenario::{ConfigSpec, Scenario};
use anyhow::{Context, Result};
use std::io::Write;
use std::path::Path;

pub use environment::Environment;

/// Everything an exporter or chart reads about one experiment.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Report {
    pub scenario: Scenario,
    pub environment: Environment,
    pub configs: Vec<ConfigSpec>,
    pub summaries: Vec<ConfigSummary>,
    pub runs: Vec<RunRecord>,
    pub warnings: Vec<String>,
    /// Figures rendered and skipped (with why), filled in by the plotter.
    #[serde(default)]
    pub figures: Vec<Figure>,
    /// True when the runs came from the simulator.
    #[serde(default)]
    pub simulated: bool,
    /// Amdahl and USL fits of every speedup curve.
    #[serde(default)]
    pub fits: Vec<crate::analysis::fit::GroupFit>,
}

/// A chart in the report: its file stem, and either a caption stating what
/// the data shows or the reason it was skipped.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Figure {
    pub name: String,
    pub title: String,
    pub caption: Option<String>,
    pub skipped: Option<String>,
}

/// One export format.
pub trait Exporter {
    fn file_name(&self) -> &'static str;
    fn render(&self, report: &Report) -> Result<Vec<u8>>;
}

/// The four exports, in the order they are written.
pub fn exporters() -> Vec<Box<dyn Exporter>> {
    vec![
        Box::new(runs_csv::RunsCsv),
        Box::new(summary_csv::SummaryCsv),
        Box::new(json::ResultsJson),
        Box::new(markdown::Markdown),
    ]
}

/// Writes every export into `dir`.
pub fn write_all(report: &Report, dir: &Path) -> Result<()> {
    for e in exporters() {
        write_atomic(&dir.join(e.file_name()), &e.render(report)?)?;
    }
    Ok(())
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over
/// `path`, so readers see the old file or the new one, never half of one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write in '{}'", dir.display()))?;
    tmp.write_all(bytes)
        .with_context(|| format!("writing '{}'", path.display()))?;
    tmp.persist(path)
        .with_context(|| format!("cannot replace '{}'", path.display()))?;
    Ok(())
}

/// Formats an optional number, `-` when absent.
pub(crate) fn opt(v: Option<f64>, digits: usize) -> String {
    v.map_or("-".into(), |v| format!("{v:.digits$}"))
}

#[cfg(test)]
pub(crate) mod fixture {
    //! A small fixed report for snapshot tests: no clock, no machine.
    use super::*;
    use crate::analysis::summarize;
    use crate::analysis::summary::tests::{run, spec};

    pub fn report() -> Report {
        let mut b = spec("r1000/sqlite/bulk/b500/w1", 1, "r1000/sqlite/bulk/b500/w1");
        b.run.batch_size = 500;
        let mut w2 = spec("g/w2", 2, &b.id);
        w2.run.batch_size = 500;
        w2.run.lock = crate::run::LockModel::GlobalMutex;
        let runs = vec![
            run(&b, 0, 2.0, 2.0, 0.0),
            run(&b, 1, 2.2, 2.2, 0.0),
            run(&b, 2, 2.1, 2.1, 0.0),
            run(&w2, 0, 1.5, 2.9, 1.0),
            run(&w2, 1, 1.4, 2.7, 0.9),
            run(&w2, 2, 1.6, 3.1, 1.1),
        ];
        let configs = vec![b, w2];
        let (summaries, warnings) = summarize(&configs, &runs);
        let scenario = crate::scenario::parse(
            "name = \"fixture\"\ndescription = \"A fixed report.\"\n[data]\nrecords = [1000]\n[sweep]\nworkers = [1, 2]\nbatch_sizes = [500]\nlocks = [\"global-mutex\"]\n",
            Path::new("fixture.toml"),
            &[],
        )
        .unwrap();
        let fits = crate::analysis::fit::fit_groups(&summaries, &runs);
        Report {
            scenario,
            environment: Environment::fixed(),
            configs,
            summaries,
            runs,
            warnings,
            figures: vec![],
            simulated: false,
            fits,
        }
    }
}
