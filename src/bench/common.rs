//! What the bench's sections share: the plan, the printed table, the
//! generated data, medians of repeated timings and the ingest and insert
//! loops they time. The sections (`mod.rs`, `loaders.rs`, `pipeline.rs`)
//! use it; it uses none of them.

use crate::backend::{self, BackendOptions, Engine};
use crate::choice::choice;
use crate::data::AppRecord;
use crate::data::generate::{GenOptions, write_file};
use crate::data::parse::parse_record;
use crate::data::split::RecordReader;
use crate::run::{self, Ctx, Input, LockModel, RunConfig};
use anyhow::{Context, Result, ensure};
use std::path::{Path, PathBuf};
use std::time::Instant;

choice! {
    /// A part of the benchmark.
    pub enum Section: "bench section" {
        /// The parser against quick-xml's bare event loop.
        Parse = "parse",
        /// Each engine's insert paths on parsed rows.
        Insert = "insert",
        /// ingestlab end to end against the engines' own loaders.
        Loaders = "loaders",
        /// A sequential ingest against its parse and insert costs.
        Pipeline = "pipeline",
        /// Ingests at 1, 2 and 4 workers.
        Parallel = "parallel",
        /// Peak memory of large ingests, each in a fresh process.
        Memory = "memory",
        /// The simulator's events per second.
        Sim = "sim",
    }
}

/// What to measure.
#[derive(Debug, Clone)]
pub struct BenchPlan {
    /// Records of the generated data.
    pub records: u64,
    /// Timings per figure (the median is reported).
    pub repeat: usize,
    /// The sections to run, in order.
    pub sections: Vec<Section>,
    /// Records for the memory section (ingested with batches of 10,000).
    pub memory_records: u64,
    /// The binary to run the memory section's ingests in (a fresh process
    /// each, so every peak is that run's alone).
    pub exe: PathBuf,
}

/// One printed table, with notes under it.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// Its heading.
    pub title: String,
    /// Column names.
    pub header: Vec<String>,
    /// Cells, formatted.
    pub rows: Vec<Vec<String>>,
    /// Sentences printed under it.
    pub notes: Vec<String>,
}

impl Table {
    pub(super) fn new(title: impl Into<String>, header: &[&str]) -> Self {
        Table {
            title: title.into(),
            header: header.iter().map(|h| h.to_string()).collect(),
            ..Default::default()
        }
    }
    pub(super) fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }

    /// GitHub Markdown, numbers right-aligned.
    pub fn markdown(&self) -> String {
        let mut s = format!("## {}\n\n| {} |\n|", self.title, self.header.join(" | "));
        for (i, _) in self.header.iter().enumerate() {
            s += if i == 0 { "---|" } else { "---:|" };
        }
        s.push('\n');
        for r in &self.rows {
            s += &format!("| {} |\n", r.join(" | "));
        }
        for n in &self.notes {
            s += &format!("\n{n}\n");
        }
        s
    }
}

pub(super) fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Median seconds of `repeat` calls of `f`.
pub(super) fn time_median(repeat: usize, mut f: impl FnMut() -> Result<()>) -> Result<f64> {
    let mut times = Vec::new();
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        f()?;
        times.push(t.elapsed().as_secs_f64());
    }
    Ok(median(times))
}

/// Records per batch (and per transaction) wherever the bench inserts:
/// the thesis's batch size. DuckDB pays milliseconds per commit (WAL
/// write, sync, checkpoints), so with 1,000-row batches about 40% of its
/// insert time was commits (dapp scratch bench, 20K records).
pub(super) const BATCH: usize = 10_000;

pub(super) fn n0(v: f64) -> String {
    crate::plot::draw::tick(v.round())
}

/// Generated data shared by the sections, with its raw records in memory.
pub(super) struct Data {
    pub(super) dir: tempfile::TempDir,
    pub(super) input: Input,
    pub(super) raw: Vec<Vec<u8>>,
    pub(super) mb: f64,
}

impl Data {
    pub(super) fn make(records: u64, full_text: bool) -> Result<Self> {
        let dir = crate::store::work_dir()?;
        let path = dir
            .path()
            .join(if full_text { "full.xml" } else { "bench.xml" });
        let stats = write_file(
            &GenOptions {
                records,
                full_text,
                ..Default::default()
            },
            &path,
        )?;
        let input = Input::open(&path)?;
        let reader = RecordReader::open(&path)?;
        let raw = input
            .index
            .spans
            .iter()
            .map(|s| {
                let mut b = Vec::new();
                reader.read(*s, &mut b).map(|_| b)
            })
            .collect::<Result<_>>()?;
        Ok(Data {
            dir,
            input,
            raw,
            mb: stats.bytes as f64 / 1e6,
        })
    }
    pub(super) fn rows(&self) -> Vec<AppRecord> {
        self.raw
            .iter()
            .filter_map(|r| parse_record(r).ok())
            .collect()
    }
    pub(super) fn n(&self) -> f64 {
        self.raw.len() as f64
    }
}

/// Rows/s of one connection inserting `rows` in transactions of [`BATCH`] rows.
pub(super) fn insert_rate(
    dir: &Path,
    opts: &BackendOptions,
    rows: &[AppRecord],
    repeat: usize,
) -> Result<f64> {
    let path = dir.join(format!("ins.{}", opts.engine));
    let secs = time_median(repeat, || {
        backend::remove_db_files(&path)?;
        let db = backend::create(&path, opts)?;
        let mut c = db.connect()?;
        for chunk in rows.chunks(BATCH) {
            c.begin()?;
            c.insert_rows(chunk)?;
            c.commit()?;
        }
        Ok(())
    })?;
    backend::remove_db_files(&path)?;
    Ok(rows.len() as f64 / secs)
}

/// Seconds of one ingest of `d` with `cfg`, verified.
pub(super) fn ingest_s(d: &Data, cfg: &RunConfig) -> Result<f64> {
    let db = d.dir.path().join(format!("par.{}", cfg.backend.engine));
    let out = run::run(&d.input, &db, cfg, &Ctx::default())?;
    backend::remove_db_files(&db)?;
    ensure!(
        out.result.verification.passed,
        "verification failed: {:?}",
        out.result.verification.problems
    );
    Ok(out.result.wall_s)
}

pub(super) fn ingest_median(d: &Data, cfg: &RunConfig, repeat: usize) -> Result<f64> {
    let v = (0..repeat.max(1))
        .map(|_| ingest_s(d, cfg))
        .collect::<Result<Vec<_>>>()
        .context("bench run")?;
    Ok(median(v))
}

pub(super) fn config(engine: Engine, workers: usize, lock: LockModel) -> RunConfig {
    RunConfig {
        backend: BackendOptions {
            engine,
            ..Default::default()
        },
        workers,
        batch_size: BATCH,
        lock,
        ..Default::default()
    }
}
