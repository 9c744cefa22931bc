//! Runs a scenario: data made once per (records, seed, size, rates) and
//! reused, warm-ups then measured repetitions per configuration, each on a
//! fresh database, every run journaled as it finishes, then the summary,
//! the exports and the figures.
//!
//! Timelines are recorded in one extra run per configuration that is not
//! measured, so no measured run pays for the instrumentation. An interrupt
//! (the caller's cancel flag) stops at the next batch: the run in flight is
//! discarded, the finished runs are exported (marked partial) and the
//! temporary data are removed.

use super::journal::{self, Journal};
use crate::analysis::RunRecord;
use crate::report::{self, Report, build_report};
use crate::run::{self, Ctx, Input, Interrupted, RunOutput};
use crate::scenario::{ConfigSpec, DataKey, Scenario, expand};
use crate::store::{self, FolderLock};
use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    /// Continue the sweep in the results folder, reusing matching runs.
    pub resume: bool,
    /// Start afresh: the old journal is moved aside, never deleted.
    pub fresh: bool,
    /// Write into a folder that holds files ingestlab did not write.
    pub overwrite: bool,
    /// How the figures are written.
    pub figures: crate::plot::FigureOptions,
    pub ctx: Ctx,
}

/// What a sweep did.
pub struct Outcome {
    pub report: Report,
    pub dir: PathBuf,
    pub reused: usize,
    pub ran: usize,
    pub interrupted: bool,
    /// Things the user should know (resume, damaged journal lines...).
    pub notes: Vec<String>,
}

/// Runs every configuration and writes the exports and figures.
pub fn run_scenario(s: &Scenario, opts: &RunOptions) -> Result<Outcome> {
    let dir = store::output_dir(&s.name, s.output.as_deref());
    store::claim_folder(&dir, opts.overwrite)?;
    let lock = FolderLock::acquire(&dir)?;
    let mut notes = Vec::new();
    if let Some(pid) = lock.took_over_from {
        notes.push(format!(
            "took over the lock of '{}' from a process that is gone (pid {pid})",
            dir.display()
        ));
    }
    let configs = expand(s);
    let (journal, previous) = open_journal(&dir, opts, &mut notes)?;
    let mut records: Vec<RunRecord> = Vec::new();
    for c in &configs {
        let mut mine: Vec<RunRecord> = previous.iter().filter(|r| r.matches(c)).cloned().collect();
        mine.sort_by_key(|r| r.rep);
        mine.dedup_by_key(|r| r.rep);
        mine.truncate(s.repetitions);
        records.extend(mine);
    }
    let reused = records.len();
    if opts.resume {
        let other = previous.len().saturating_sub(reused);
        notes.push(format!(
            "resuming: {reused} finished run(s) reused, {} to run{}",
            configs.len() * s.repetitions - reused,
            if other > 0 {
                format!("; {other} journaled run(s) were made with other settings or belong to configurations no longer in the sweep: kept in {}, left out of the exports", store::JOURNAL)
            } else {
                String::new()
            }
        ));
    }
    let mut sweep = Sweep::new(s, opts, &dir, journal, &configs, &records)?;
    for c in &configs {
        if sweep.config(c, &mut records)? {
            break;
        }
    }
    let interrupted = sweep.interrupted;
    let ran = sweep.ran;
    drop(sweep);
    let mut report = build_report(s, configs, records, false);
    report.partial = interrupted;
    report.figures = crate::plot::render_all(&report, &dir, &opts.figures)?;
    report::write_all(&report, &dir)?;
    drop(lock);
    Ok(Outcome {
        report,
        dir,
        reused,
        ran,
        interrupted,
        notes,
    })
}

/// The journal, and the runs it already holds when resuming.
fn open_journal(
    dir: &Path,
    opts: &RunOptions,
    notes: &mut Vec<String>,
) -> Result<(Journal, Vec<RunRecord>)> {
    let existing = journal::read(&dir.join(store::JOURNAL))?;
    notes.extend(existing.warnings);
    let previous = if existing.records.is_empty() {
        Vec::new()
    } else if opts.fresh {
        if let Some(moved) = journal::set_aside(dir)? {
            notes.push(format!(
                "the previous journal was kept as '{}'",
                moved.display()
            ));
        }
        Vec::new()
    } else if opts.resume {
        existing.records
    } else {
        bail!(
            "'{}' already holds {} finished run(s); --resume continues that sweep, --fresh starts again (the old {} is kept under a new name)",
            dir.display(),
            existing.records.len(),
            store::JOURNAL
        );
    };
    Ok((Journal::open(dir)?, previous))
}

/// The state of a sweep in progress.
struct Sweep<'a> {
    s: &'a Scenario,
    ctx: &'a Ctx,
    dir: &'a Path,
    journal: Journal,
    bar: ProgressBar,
    /// Generated inputs, made once per data key (removed when dropped).
    work: tempfile::TempDir,
    inputs: Vec<(DataKey, Input)>,
    configs: usize,
    done_configs: usize,
    ran: usize,
    interrupted: bool,
}

impl<'a> Sweep<'a> {
    fn new(
        s: &'a Scenario,
        opts: &'a RunOptions,
        dir: &'a Path,
        journal: Journal,
        configs: &[ConfigSpec],
        records: &[RunRecord],
    ) -> Result<Self> {
        let todo = configs.len() * s.repetitions - records.len();
        let bar = ProgressBar::new(todo as u64);
        bar.set_style(
            ProgressStyle::with_template(
                "{bar:30} {pos}/{len} runs, {msg} [{elapsed_precise}, {eta} left]",
            )
            .expect("valid template"),
        );
        Ok(Sweep {
            s,
            ctx: &opts.ctx,
            dir,
            journal,
            bar,
            work: tempfile::tempdir()
                .context("creating a temporary folder for data and databases")?,
            inputs: Vec::new(),
            configs: configs.len(),
            done_configs: 0,
            ran: 0,
            interrupted: false,
        })
    }

    /// Warm-ups, the missing repetitions and the timeline of one
    /// configuration. Returns true when the sweep was interrupted.
    fn config(&mut self, c: &ConfigSpec, records: &mut Vec<RunRecord>) -> Result<bool> {
        self.done_configs += 1;
        let have: Vec<usize> = records
            .iter()
            .filter(|r| r.config_id == c.id)
            .map(|r| r.rep)
            .collect();
        let missing: Vec<usize> = (0..self.s.repetitions)
            .filter(|r| !have.contains(r))
            .collect();
        let timeline = store::timeline_file(self.dir, &c.id);
        if missing.is_empty() && (c.run.workers == 1 || timeline.exists()) {
            return Ok(false);
        }
        self.bar.set_message(format!(
            "configuration {}/{}",
            self.done_configs, self.configs
        ));
        let db = self
            .work
            .path()
            .join(format!("run.{}", c.run.backend.engine));
        let i = self.input_index(&c.data)?;
        if !missing.is_empty() {
            for _ in 0..self.s.warmup {
                let _ = run::run(&self.inputs[i].1, &db, &c.run, self.ctx);
            }
        }
        for rep in missing {
            let Some(rec) = self.measure(c, i, &db, rep)? else {
                self.interrupted = true;
                return Ok(true);
            };
            self.journal.append(&rec)?;
            records.push(rec);
            self.ran += 1;
            self.bar.inc(1);
        }
        if c.run.workers > 1 && !timeline.exists() {
            self.record_timeline(c, i, &db, &timeline)?;
        }
        Ok(self.interrupted)
    }

    /// One measured run, or None when interrupted.
    fn measure(
        &mut self,
        c: &ConfigSpec,
        i: usize,
        db: &Path,
        rep: usize,
    ) -> Result<Option<RunRecord>> {
        let out = run::run(&self.inputs[i].1, db, &c.run, self.ctx);
        let _ = crate::backend::remove_db_files(db);
        let record = |failed, error: Option<String>, result| RunRecord {
            config_id: c.id.clone(),
            rep,
            failed,
            error,
            result,
            data: Some(c.data),
            run: Some(c.run.clone()),
        };
        Ok(Some(match out {
            Ok(RunOutput { result, .. }) => {
                let failed = !result.verification.passed;
                if failed {
                    self.bar.suspend(|| {
                        eprintln!(
                            "VERIFICATION FAILED: {} run {rep}: {}",
                            c.id,
                            result.verification.problems.join("; ")
                        )
                    });
                }
                record(failed, None, Some(result))
            }
            Err(e) if e.is::<Interrupted>() => return Ok(None),
            Err(e) => {
                self.bar
                    .suspend(|| eprintln!("RUN FAILED: {} run {rep}: {e:#}", c.id));
                record(true, Some(format!("{e:#}")), None)
            }
        }))
    }

    /// One extra, unmeasured run that records the timeline.
    fn record_timeline(&mut self, c: &ConfigSpec, i: usize, db: &Path, path: &Path) -> Result<()> {
        let mut cfg = c.run.clone();
        cfg.timeline = true;
        let out = run::run(&self.inputs[i].1, db, &cfg, self.ctx);
        let _ = crate::backend::remove_db_files(db);
        match out {
            Ok(o) => store::write_atomic(path, &serde_json::to_vec(&o.timeline)?),
            Err(e) if e.is::<Interrupted>() => {
                self.interrupted = true;
                Ok(())
            }
            Err(e) => {
                self.bar
                    .suspend(|| eprintln!("timeline run of {} failed: {e:#}", c.id));
                Ok(())
            }
        }
    }

    /// The input of `key`, generated on first use.
    fn input_index(&mut self, key: &DataKey) -> Result<usize> {
        if let Some(i) = self.inputs.iter().position(|(k, _)| k == key) {
            return Ok(i);
        }
        let path = self
            .work
            .path()
            .join(format!("data-{}.xml", self.inputs.len()));
        crate::data::generate::write_file(&key.gen_options(), &path)?;
        self.inputs.push((*key, Input::open(&path)?));
        Ok(self.inputs.len() - 1)
    }
}

impl Drop for Sweep<'_> {
    fn drop(&mut self) {
        self.bar.finish_and_clear();
    }
}
