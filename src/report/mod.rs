//! A sweep's report and its exports: [`build_report`] turns runs into the
//! [`Report`] every exporter and chart reads; one module per format behind
//! the [`Exporter`] trait, every file written atomically (temporary file,
//! then rename) so a crash never leaves half a summary.

pub mod answer;
pub mod comparison;
mod conditions;
pub mod environment;
pub mod json;
pub mod markdown;
pub mod runs_csv;
pub mod sim_errors;
pub mod summary_csv;

use crate::analysis::summary::{ContentCheck, content_checks};
use crate::analysis::{ConfigSummary, RunRecord, summarize};
use crate::scenario::{ConfigSpec, Scenario};
use anyhow::Result;
use std::path::Path;

pub use environment::Environment;
pub use sim_errors::write_sim_errors;

/// Everything an exporter or chart reads about one experiment.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Report {
    /// The scenario, with the overrides it ran with.
    pub scenario: Scenario,
    /// The machine and the build that measured it.
    pub environment: Environment,
    /// Every configuration of the sweep.
    pub configs: Vec<ConfigSpec>,
    /// One summary per configuration.
    pub summaries: Vec<ConfigSummary>,
    /// Every run, failed ones included.
    pub runs: Vec<RunRecord>,
    /// What the reader must know about the figures (small samples, flagged
    /// runs, verification failures...).
    pub warnings: Vec<String>,
    /// Figures rendered and skipped (with why), filled in by the plotter.
    #[serde(default)]
    pub figures: Vec<Figure>,
    /// True when the runs came from the simulator.
    #[serde(default)]
    pub simulated: bool,
    /// Amdahl and USL fits of every speedup curve (or why there is none).
    #[serde(default)]
    pub fits: Vec<crate::analysis::fit::GroupFit>,
    /// Per input: did every run store the same content?
    #[serde(default)]
    pub content: Vec<ContentCheck>,
    /// The sweep was interrupted: some configurations have fewer runs than
    /// asked for.
    #[serde(default)]
    pub partial: bool,
    /// The machine's speed over the sweep and the runs taken while it was
    /// busy (None for simulated runs).
    #[serde(default)]
    pub drift: Option<crate::analysis::drift::Drift>,
    /// With repetitions = "auto": which configurations reached the
    /// precision (filled in by the sweep).
    #[serde(default)]
    pub precision: Option<crate::analysis::precision::PrecisionReport>,
    /// Per configuration with a server (PostgreSQL): what its connections
    /// waited on in the timeline run (filled in by the sweep).
    #[serde(default)]
    pub server_waits: Vec<(String, crate::backend::ServerWaits)>,
    /// The core count a simulation assumed (None for measured runs).
    #[serde(default)]
    pub simulated_cores: Option<usize>,
    /// The user's own records, when the sweep ran on them (None: generated
    /// data, described by the scenario's `[data]`).
    #[serde(default)]
    pub input: Option<InputInfo>,
}

impl Report {
    /// Its summaries with the runs behind them, for comparing two sweeps.
    pub fn sweep(&self) -> crate::analysis::sim_error::Runs<'_> {
        crate::analysis::sim_error::Runs {
            summaries: &self.summaries,
            runs: &self.runs,
        }
    }
}

/// What the user's data was, recorded with the results.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct InputInfo {
    /// The files (or the staging database) the records came from.
    pub sources: Vec<std::path::PathBuf>,
    /// True when they came from a staging table.
    pub staging: bool,
    /// Records (root elements) in them.
    pub records: u64,
    /// Bytes of the records' XML.
    pub bytes: u64,
    /// XXH3-64 of those bytes, in hex: the same figure, the same data.
    pub xxh3: String,
}

impl InputInfo {
    /// "the user's records: 'a.xml' (717 records, 12.3 MB, xxh3 …)".
    pub fn sentence(&self) -> String {
        let names: Vec<String> = self
            .sources
            .iter()
            .map(|p| format!("'{}'", p.display()))
            .collect();
        format!(
            "the user's records{} {} ({} records, {:.1} MB, xxh3 {})",
            if self.staging {
                " from the app_xml staging table of"
            } else {
                ":"
            },
            names.join(", "),
            self.records,
            self.bytes as f64 / 1e6,
            self.xxh3
        )
    }
}

/// Median run times below this are dominated by what is not the engines'
/// work (thread and connection start-up, timer and scheduler granularity,
/// caches warming): a sweep of them measures the harness.
pub const SHORT_RUN_S: f64 = 0.1;

/// The warning for measured configurations whose median run is shorter
/// than [`SHORT_RUN_S`], None when there are none.
fn short_runs(summaries: &[ConfigSummary], simulated: bool) -> Option<String> {
    if simulated {
        return None;
    }
    let short: Vec<&ConfigSummary> = summaries
        .iter()
        .filter(|s| s.wall_s.is_some_and(|w| w.median < SHORT_RUN_S))
        .collect();
    let shortest = short
        .iter()
        .filter_map(|s| s.wall_s.map(|w| w.median))
        .fold(f64::INFINITY, f64::min);
    (!short.is_empty()).then(|| {
        format!(
            "{} of {} configuration(s) have median runs under {:.0} ms (the shortest {:.0} ms): at that length start-up and the scheduler weigh as much as the engines, so their speedups say little about the workload; use more records",
            short.len(),
            summaries.len(),
            1000.0 * SHORT_RUN_S,
            1000.0 * shortest
        )
    })
}

/// Summarises runs into a report with this machine's environment.
pub fn build_report(
    s: &Scenario,
    configs: Vec<ConfigSpec>,
    runs: Vec<RunRecord>,
    simulated: bool,
) -> Report {
    let paired = s.order == crate::scenario::Order::Rounds;
    let (summaries, mut warnings) = summarize(&configs, &runs, paired);
    let mut engines: Vec<String> = runs
        .iter()
        .filter_map(|r| r.result.as_ref().map(|x| x.engine_version.clone()))
        .collect();
    engines.sort();
    engines.dedup();
    let fits = crate::analysis::fit::fit_groups(&summaries, &runs);
    // Simulated runs store nothing: there is no content to compare.
    let content = if simulated {
        Vec::new()
    } else {
        content_checks(&configs, &runs)
    };
    for c in content.iter().filter(|c| !c.differing.is_empty()) {
        warnings.push(format!(
            "{}: {} run(s) stored other content than the rest of the sweep on the same input: {}",
            c.data,
            c.differing.len(),
            c.differing.join(", ")
        ));
    }
    if let Some(w) = short_runs(&summaries, simulated) {
        warnings.push(w);
    }
    let drift = crate::analysis::drift::drift(&runs);
    if let Some(d) = drift.as_ref().filter(|d| d.flagged_runs > 0) {
        warnings.push(format!(
            "{} of {} run(s) were taken while the machine was busy or stolen from (steal above {:.0}% or other processes above {} core): flagged in runs.csv, kept in the statistics",
            d.flagged_runs,
            d.sampled_runs,
            100.0 * crate::machine::STEAL_FLAG,
            crate::machine::FOREIGN_FLAG_CORES
        ));
    }
    Report {
        drift,
        precision: None,
        server_waits: Vec::new(),
        simulated_cores: None,
        input: None,
        scenario: s.clone(),
        environment: Environment::capture(engines),
        configs,
        summaries,
        runs,
        warnings,
        figures: vec![],
        simulated,
        fits,
        content,
        partial: false,
    }
}

/// A chart in the report: its file stem, and either a caption stating what
/// the data shows or the reason it was skipped.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Figure {
    /// File stem (`speedup` for `plots/speedup.png`).
    pub name: String,
    /// Its title in the report.
    pub title: String,
    /// What the data show, computed from the figure's own table.
    pub caption: Option<String>,
    /// Why it was not drawn.
    pub skipped: Option<String>,
    /// The formats its last drawing wrote ("png", "svg", "pdf"), so the
    /// report embeds only images that are current (`plot --format pdf`
    /// leaves an older PNG behind). Results written before it: all three.
    #[serde(default = "all_formats")]
    pub formats: Vec<String>,
}

fn all_formats() -> Vec<String> {
    ["png", "svg", "pdf"].map(String::from).to_vec()
}

/// One export format.
pub trait Exporter {
    /// The file it writes in the results folder.
    fn file_name(&self) -> &'static str;
    /// The file's bytes for `report`.
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
        crate::store::write_atomic(&dir.join(e.file_name()), &e.render(report)?)?;
    }
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
        let scenario = crate::scenario::parse(
            "name = \"fixture\"\ndescription = \"A fixed report.\"\n[data]\nrecords = [1000]\n[sweep]\nworkers = [1, 2]\nbatch_sizes = [500]\nlocks = [\"global-mutex\"]\n",
            Path::new("fixture.toml"),
            &[],
        )
        .unwrap();
        let mut r = build_report(&scenario, configs, runs, false);
        r.environment = Environment::fixed();
        r
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simulated_runs_are_not_said_to_store_the_same_content() {
        let r = fixture::report();
        assert_eq!(r.content.len(), 1, "measured runs are compared");
        let sim = build_report(&r.scenario, r.configs.clone(), r.runs.clone(), true);
        assert!(sim.content.is_empty(), "{:?}", sim.content);
    }

    #[test]
    fn runs_under_100_ms_are_warned_about_with_the_shortest() {
        let mut r = fixture::report();
        assert_eq!(short_runs(&r.summaries, false), None, "runs of 1.4-2.2 s");
        r.summaries[1].wall_s.as_mut().unwrap().median = 0.013;
        let w = short_runs(&r.summaries, false).unwrap();
        assert!(
            w.starts_with(
                "1 of 2 configuration(s) have median runs under 100 ms (the shortest 13 ms)"
            ),
            "{w}"
        );
        // A simulation's virtual runs have no start-up noise to warn of.
        assert_eq!(short_runs(&r.summaries, true), None);
    }
}
