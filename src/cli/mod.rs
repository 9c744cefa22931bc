//! Command-line interface: the only module that knows clap. Raw arguments
//! are resolved into the library's typed plans here (one `config`/`check`
//! step per command, as ripgrep does), and results are printed here, never
//! in the core.

mod compare;
mod doctor;
mod experiment;
mod generate;
mod ingest;
mod progress;
mod settings;
mod status;
mod tools;
mod validate;
mod values;
mod whatif;

use crate::run::Ctx;
use anyhow::Result;
use clap::{Parser, Subcommand};

pub use ingest::IngestArgs;
pub use status::Status;

/// The command line (its about text is set below; this comment is not
/// shown by `--help`).
#[derive(Parser, Debug)]
#[command(
    name = "ingestlab",
    version,
    long_about = None,
    about = "A lab for parallel database ingestion experiments (SQLite, DuckDB and PostgreSQL; mock or real patent XML)"
)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The commands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Write seeded mock patent-application XML records.
    Generate(generate::GenerateArgs),
    /// Parse an XML file and ingest it into a fresh database, then verify.
    Ingest(Box<IngestArgs>),
    /// Run an experiment: every configuration of a scenario file, repeated,
    /// summarised and exported (runs.csv, summary.csv, results.json,
    /// report.md, plots/).
    Run(experiment::RunArgs),
    /// Re-render the figures (and report.md) of a results folder written
    /// by `run`, without running anything.
    Plot(experiment::PlotArgs),
    /// Fit Amdahl's law and the Universal Scalability Law to a CSV of
    /// (workers, throughput) rows.
    Fit(tools::FitArgs),
    /// Measure this machine's cost model for the simulator.
    Calibrate(tools::CalibrateArgs),
    /// Run a scenario in virtual time with the calibrated cost model.
    Simulate(tools::SimulateArgs),
    /// Print parse, insert, loader, pipeline and parallel throughput figures.
    Bench(tools::BenchArgs),
    /// Compare two results folders (or two configurations of one): the
    /// change in throughput per configuration, its interval and a verdict.
    Compare(compare::CompareArgs),
    /// Fit a cost model to your own pipeline's timings (CSV or TOML:
    /// workers, batch size, records, wall and insert time) and predict the
    /// configurations you did not run, with intervals and what lies beyond
    /// the data.
    #[command(name = "whatif")]
    WhatIf(whatif::WhatIfArgs),
    /// Check this machine before a long sweep (governor, turbo, load,
    /// steal, memory, disk) and measure its noise and drift with an A/A
    /// ingest in rounds, in under a minute; changes nothing.
    Doctor(doctor::DoctorArgs),
    /// List every setting of a run: its ingest flag, its scenario key, its
    /// default, what it accepts and what it sets (Markdown).
    Settings(settings::SettingsArgs),
}

/// Sets the run's cancel flag on Ctrl-C and SIGTERM; a second one ends the
/// process at once.
fn install_interrupt_handler(ctx: &Ctx) {
    let cancel = ctx.cancel.clone();
    let _ = ctrlc::set_handler(move || {
        if cancel.is_set() {
            eprintln!("\ninterrupted again: stopping now");
            std::process::exit(130);
        }
        eprintln!(
            "\ninterrupt: finishing up (the run in flight is discarded; press Ctrl-C again to stop at once)"
        );
        cancel.set();
    });
}

/// Runs the parsed command.
pub fn dispatch(cli: Cli) -> Result<Status> {
    let ctx = Ctx::default();
    let stale = crate::store::remove_stale_work_dirs(&std::env::temp_dir());
    if !stale.is_empty() {
        eprintln!(
            "removed {} temporary folder(s) left by ingestlab processes that are gone: {}",
            stale.len(),
            stale
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
    }
    if matches!(
        cli.command,
        Command::Ingest(_) | Command::Run(_) | Command::Simulate(_) | Command::Doctor(_)
    ) {
        install_interrupt_handler(&ctx);
    }
    // A command stopped by Ctrl-C or SIGTERM exits 130 whichever command
    // it was, after saying what it kept (`simulate --validate` used to
    // exit 1 when its measuring was interrupted).
    let ok = |r: Result<()>| match r {
        Err(e) if e.chain().any(|c| c.is::<crate::run::Interrupted>()) => {
            eprintln!("{e:#}");
            Ok(Status::Interrupted)
        }
        r => r.map(|_| Status::Ok),
    };
    let status = match cli.command {
        Command::Generate(a) => ok(generate::generate(&a)),
        Command::Ingest(a) => ingest::ingest(&a, &ctx),
        Command::Run(a) => experiment::run(&a, &ctx),
        Command::Plot(a) => ok(experiment::plot(&a)),
        Command::Fit(a) => ok(tools::fit_csv(&a)),
        Command::Calibrate(a) => ok(tools::calibrate(&a)),
        Command::Simulate(a) if a.validate => ok(validate::validate(&a, &ctx)),
        Command::Simulate(a) => ok(tools::simulate(&a, &ctx)),
        Command::Bench(a) => ok(tools::bench(&a)),
        Command::Compare(a) => ok(compare::compare(&a)),
        Command::WhatIf(a) => ok(whatif::whatif(&a)),
        Command::Doctor(a) => ok(doctor::doctor(&a, &ctx)),
        Command::Settings(a) => {
            let cli = <Cli as clap::CommandFactory>::command();
            let ingest = cli.find_subcommand("ingest").expect("ingest is a command");
            ok(settings::settings(&a, ingest))
        }
    };
    // The PostgreSQL server ingestlab started, if any, ends with the command.
    crate::backend::stop_servers();
    status
}

#[cfg(test)]
mod tests {
    use super::Cli;
    use clap::CommandFactory;

    /// Every flag an error message can name (run::Setting::flag, engine
    /// settings through backend::SETTING_FLAGS) is a flag of `ingest`.
    #[test]
    fn every_flag_an_error_names_exists() {
        let cmd = Cli::command();
        let ingest = cmd.find_subcommand("ingest").expect("ingest");
        let longs: Vec<String> = ingest
            .get_arguments()
            .filter_map(|a| a.get_long().map(|l| format!("--{l}")))
            .collect();
        use crate::run::config::Setting;
        let mut flags: Vec<String> = [
            Setting::Workers,
            Setting::BatchSize,
            Setting::QueueDepth,
            Setting::RecordWork,
            Setting::PoolStartup,
            Setting::WorkerStartup,
            Setting::Dispatch,
            Setting::DispatchPerKb,
            Setting::Shutdown,
        ]
        .map(Setting::flag)
        .to_vec();
        flags.extend(
            crate::backend::SETTING_FLAGS
                .iter()
                .map(|(k, _)| Setting::Backend(k).flag()),
        );
        for f in flags {
            assert!(longs.contains(&f), "{f} is no flag of ingest: {longs:?}");
        }
    }

    /// Every flag of `ingest` that sets a run is listed by `settings`, each
    /// with a key a scenario accepts (and a key it does not know fails).
    #[test]
    fn every_run_setting_is_listed_with_a_key_a_scenario_accepts() {
        use super::settings::{KEYS, NOT_SETTINGS, listing};
        let cmd = Cli::command();
        let ingest = cmd.find_subcommand("ingest").unwrap();
        let listed: Vec<&str> = KEYS.iter().map(|k| k.0).collect();
        for arg in ingest.get_arguments() {
            let Some(long) = arg.get_long() else { continue };
            let flag = format!("--{long}");
            assert!(
                listed.contains(&flag.as_str()) || NOT_SETTINGS.contains(&flag.as_str()),
                "{flag} is neither listed nor marked as no setting"
            );
        }
        // The engine settings' flags are also in backend::SETTING_FLAGS
        // (what error messages name): the two tables must agree.
        for (key, flag) in crate::backend::SETTING_FLAGS {
            let scenario_key = crate::run::config::Setting::Backend(key).key();
            assert!(
                KEYS.iter().any(|k| k.0 == flag && k.1 == scenario_key),
                "{flag} / {scenario_key} differ between SETTING_FLAGS and settings::KEYS"
            );
        }
        let text = listing(ingest);
        assert_eq!(
            text.lines().count(),
            2 + KEYS.len(),
            "every key has its flag"
        );
        assert!(
            text.contains("| `--page-size` | `sqlite.page_size` | 4096 |"),
            "{text}"
        );
        let base = "name = \"s\"\n[data]\nrecords = [10]\n[sweep]\nworkers = [1]\n";
        for (flag, key, value) in KEYS {
            let set = format!("{key}={value}");
            let s = crate::scenario::parse(base, std::path::Path::new("s.toml"), &[set]);
            assert!(s.is_ok(), "{flag}: {key} = {value}: {:#}", s.unwrap_err());
        }
        // A key the scenario does not know is refused, so the loop above
        // can fail.
        let bad = ["sweep.no_such_key=1".to_string()];
        assert!(crate::scenario::parse(base, std::path::Path::new("s.toml"), &bad).is_err());
    }
}
