//! What a sweep does to make one run: [`Bench`] is the interface the sweep
//! drives (so tests can drive it with a clock they control), and
//! [`EngineBench`] the real one: generated inputs (or the user's file), a
//! fresh database per run, the machine's state sampled around each run.

use super::progress::Progress;
use crate::analysis::RunRecord;
use crate::machine::MachineLog;
use crate::run::{self, Ctx, Input, Interrupted, RunOutput};
use crate::scenario::{ConfigSpec, DataKey};
use crate::store;
use anyhow::Result;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Makes runs for a sweep.
pub trait Bench {
    /// One unrecorded run; false when interrupted.
    fn warmup(&mut self, c: &ConfigSpec) -> Result<bool>;
    /// One measured run of repetition `rep`, journaled by the caller; None
    /// when interrupted (the run in flight is discarded).
    fn measure(
        &mut self,
        c: &ConfigSpec,
        rep: usize,
        p: &dyn Progress,
    ) -> Result<Option<RunRecord>>;
    /// Whether `c`'s timeline exists already.
    fn has_timeline(&self, c: &ConfigSpec) -> bool;
    /// The extra, unmeasured run that records `c`'s timeline; false when
    /// interrupted.
    fn timeline(&mut self, c: &ConfigSpec, p: &dyn Progress) -> Result<bool>;
    /// Seconds since the sweep started measuring.
    fn elapsed_s(&self) -> f64;
}

/// The real engines on generated data.
pub struct EngineBench<'a> {
    ctx: &'a Ctx,
    dir: PathBuf,
    /// Generated inputs, made once per data key (removed when dropped).
    work: tempfile::TempDir,
    inputs: Vec<(DataKey, Input)>,
    /// The user's data, read by every run instead of generated data.
    user: Option<std::sync::Arc<super::userdata::UserData>>,
    machine: MachineLog,
    started: Instant,
}

impl<'a> EngineBench<'a> {
    /// A bench writing timelines into the results folder `dir`.
    pub fn new(ctx: &'a Ctx, dir: &Path) -> Result<Self> {
        Ok(EngineBench {
            ctx,
            dir: dir.to_path_buf(),
            work: store::work_dir()?,
            inputs: Vec::new(),
            user: None,
            machine: MachineLog::default(),
            started: Instant::now(),
        })
    }

    fn db(&self, c: &ConfigSpec) -> PathBuf {
        self.work
            .path()
            .join(format!("run.{}", c.run.backend.engine))
    }

    /// Every run reads the user's data (the scenario's data keys then all
    /// name it) instead of generated data.
    pub fn read_only(&mut self, user: std::sync::Arc<super::userdata::UserData>) {
        self.user = Some(user);
    }

    /// The input of `key`: the user's file, or generated data made on
    /// first use.
    fn input(&mut self, key: &DataKey) -> Result<&Input> {
        if let Some(u) = &self.user {
            return Ok(&u.input);
        }
        let i = match self.inputs.iter().position(|(k, _)| k == key) {
            Some(i) => i,
            None => {
                let path = self
                    .work
                    .path()
                    .join(format!("data-{}.xml", self.inputs.len()));
                crate::data::generate::write_file(key, &path)?;
                self.inputs.push((*key, Input::open(&path)?));
                self.inputs.len() - 1
            }
        };
        Ok(&self.inputs[i].1)
    }

    fn one(&mut self, c: &ConfigSpec, cfg: &run::RunConfig) -> Result<RunOutput> {
        let db = self.db(c);
        let ctx = self.ctx;
        let out = run::run(self.input(&c.data)?, &db, cfg, ctx);
        let _ = crate::backend::remove_db_files(&db);
        out
    }
}

impl Bench for EngineBench<'_> {
    fn warmup(&mut self, c: &ConfigSpec) -> Result<bool> {
        match self.one(c, &c.run) {
            Err(e) if e.is::<Interrupted>() => Ok(false),
            _ => Ok(true),
        }
    }

    fn measure(
        &mut self,
        c: &ConfigSpec,
        rep: usize,
        p: &dyn Progress,
    ) -> Result<Option<RunRecord>> {
        self.input(&c.data)?;
        let started_unix_s = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0.0, |d| d.as_secs_f64());
        self.machine.mark();
        let t = Instant::now();
        let out = self.one(c, &c.run);
        self.machine.mark();
        let machine = self.machine.sample_last(t.elapsed().as_secs_f64());
        let (failed, error, result) = match out {
            Ok(RunOutput { result, .. }) => {
                if !result.verification.passed {
                    p.note(&format!(
                        "VERIFICATION FAILED: {} run {rep}: {}",
                        c.id,
                        result.verification.problems.join("; ")
                    ));
                }
                (!result.verification.passed, None, Some(result))
            }
            Err(e) if e.is::<Interrupted>() => return Ok(None),
            Err(e) => {
                p.note(&format!("RUN FAILED: {} run {rep}: {e:#}", c.id));
                (true, Some(format!("{e:#}")), None)
            }
        };
        Ok(Some(RunRecord {
            config_id: c.id.clone(),
            rep,
            failed,
            error,
            result,
            data: Some(c.data),
            run: Some(c.run.clone()),
            started_unix_s: Some(started_unix_s),
            machine,
            input_xxh3: self.user.as_ref().map(|u| u.info.xxh3.clone()),
        }))
    }

    fn has_timeline(&self, c: &ConfigSpec) -> bool {
        store::timeline_file(&self.dir, &c.id).exists()
    }

    fn timeline(&mut self, c: &ConfigSpec, p: &dyn Progress) -> Result<bool> {
        let mut cfg = c.run.clone();
        cfg.timeline = true;
        match self.one(c, &cfg) {
            Ok(o) => {
                let path = store::timeline_file(&self.dir, &c.id);
                store::write_atomic(&path, &serde_json::to_vec(&o.timeline)?)?;
                if let Some(w) = &o.server_waits {
                    let path = store::waits_file(&self.dir, &c.id);
                    store::write_atomic(&path, &serde_json::to_vec(w)?)?;
                }
                Ok(true)
            }
            Err(e) if e.is::<Interrupted>() => Ok(false),
            Err(e) => {
                p.note(&format!("timeline run of {} failed: {e:#}", c.id));
                Ok(true)
            }
        }
    }

    fn elapsed_s(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }
}
