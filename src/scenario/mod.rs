//! Scenario files: a TOML description of an experiment (data, sweep axes,
//! engine settings, repetitions), resolved with command-line overrides into
//! the list of configurations to run. Every error names the file, line,
//! column and field (or the `--set` that gave the value), and the valid
//! choices where there is a list.

pub mod expand;
pub mod facets;
mod load;
pub mod repeat;

use crate::backend::{
    DuckdbSettings, Engine, IndexPolicy, InsertMethod, PostgresSettings, SqliteSettings,
};
use crate::run::clock::PayMode;
use crate::run::{LockModel, Preset, Schedule};

use std::path::PathBuf;

pub use expand::{ConfigSpec, DataKey, expand};
pub use facets::Facets;
pub use load::{load, parse, validate};
pub use repeat::{Order, Repetitions};

/// One scenario file: what to generate, what to sweep, how to repeat it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// The scenario's name: its report's title and results folder.
    pub name: String,
    /// What it is for, in a sentence or two.
    #[serde(default)]
    pub description: String,
    /// The question the sweep is meant to answer, shown at the top of
    /// its report.
    #[serde(default)]
    pub question: String,
    /// Results folder; `results/<name>` when absent.
    #[serde(default)]
    pub output: Option<PathBuf>,
    /// Measured runs per configuration: a number of rounds, or "auto"
    /// (rounds until every speedup interval is within `precision`).
    #[serde(default)]
    pub repetitions: Repetitions,
    /// Unrecorded runs per configuration before the first round.
    #[serde(default)]
    pub warmup: usize,
    /// The order runs are measured in: "rounds" (default) or "grouped".
    #[serde(default)]
    pub order: Order,
    /// Seed of the shuffled group order within each round.
    #[serde(default = "default_shuffle_seed")]
    pub shuffle_seed: u64,
    /// With repetitions = "auto": the target half-width of every speedup
    /// interval, relative (0.05 = ±5%).
    #[serde(default = "default_precision")]
    pub precision: f64,
    /// With repetitions = "auto": at most this many rounds.
    #[serde(default = "default_max_rounds")]
    pub max_rounds: usize,
    /// With repetitions = "auto": no round starts once the rounds have
    /// taken this many seconds (the timeline runs come after).
    #[serde(default)]
    pub time_budget_s: Option<f64>,
    /// The data to generate (`[data]`).
    pub data: DataSpec,
    /// The configurations to sweep (`[sweep]`).
    pub sweep: Sweep,
    /// SQLite's settings for every SQLite configuration.
    #[serde(default)]
    pub sqlite: SqliteSettings,
    /// DuckDB's settings for every DuckDB configuration.
    #[serde(default)]
    pub duckdb: DuckdbSettings,
    /// PostgreSQL's settings for every PostgreSQL configuration.
    #[serde(default)]
    pub postgres: PostgresSettings,
}

fn default_shuffle_seed() -> u64 {
    repeat::DEFAULT_SHUFFLE_SEED
}
fn default_precision() -> f64 {
    repeat::DEFAULT_PRECISION
}
fn default_max_rounds() -> usize {
    repeat::DEFAULT_MAX_ROUNDS
}

/// The `[data]` table: the mock data every configuration ingests, or the
/// user's own records (`input` or `staging`).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSpec {
    /// Record counts to sweep (generated data); absent with `input` or
    /// `staging`, whose record count is their own.
    #[serde(default)]
    pub records: Vec<u64>,
    /// The user's own records instead of generated ones: a file of
    /// concatenated us-patent-application documents, a list of files, or a
    /// folder (its `.xml` files in name order); only read. The generator's
    /// settings below do not apply.
    #[serde(
        default,
        deserialize_with = "one_path_or_many",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub input: Vec<PathBuf>,
    /// A SQLite or DuckDB file whose `app_xml` table (column `xml`) holds
    /// the raw records, as `generate --staging-db` or the user's pipeline
    /// filled it, or a PostgreSQL URL (`postgresql://…`) whose server holds
    /// that table; read in stored order, never changed. A URL's password
    /// is written as `***` wherever the scenario is saved.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        serialize_with = "redacted_staging"
    )]
    pub staging: Option<PathBuf>,
    /// The generator's seed (default 42): the same seed, the same file.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Scale of the free text (abstract, claims); 1.0 gives ~2 KB records.
    #[serde(default = "default_scale")]
    pub text_scale: f64,
    /// Fraction of records made malformed (0 to 1).
    #[serde(default)]
    pub malformed_rate: f64,
    /// Fraction of records that repeat an earlier app_id (0 to 1).
    #[serde(default)]
    pub duplicate_rate: f64,
    /// Full-text records (description, drawings, tables), as real files.
    #[serde(default)]
    pub full_text: bool,
}

/// A path or a list of paths (`input = "a.xml"`, `input = ["a.xml", "b.xml"]`).
fn one_path_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<PathBuf>, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Raw {
        One(PathBuf),
        Many(Vec<PathBuf>),
    }
    match <Raw as serde::Deserialize>::deserialize(d) {
        Ok(Raw::One(p)) => Ok(vec![p]),
        Ok(Raw::Many(v)) => Ok(v),
        Err(_) => Err(serde::de::Error::custom(
            "expected a path or a list of paths, e.g. \"my-applications.xml\" or [\"a.xml\", \"b.xml\"]",
        )),
    }
}

fn default_seed() -> u64 {
    42
}
fn default_scale() -> f64 {
    1.0
}

/// The `[sweep]` table: the axes whose product is the configurations.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sweep {
    /// Engines (default: SQLite).
    #[serde(default = "default_engines")]
    pub engines: Vec<Engine>,
    /// Insert methods (default: bulk).
    #[serde(default = "default_methods")]
    pub methods: Vec<InsertMethod>,
    /// Index policies: the key declared up front, or built after the load.
    #[serde(default = "default_indexes")]
    pub indexes: Vec<IndexPolicy>,
    /// Lock models (default: native).
    #[serde(default = "default_locks")]
    pub locks: Vec<LockModel>,
    /// Worker counts; a 1-worker baseline is added when missing.
    pub workers: Vec<usize>,
    /// Batch sizes, records (default: 1,000).
    #[serde(default = "default_batches")]
    pub batch_sizes: Vec<usize>,
    /// Schedules (default: static).
    #[serde(default = "default_schedules")]
    pub schedules: Vec<Schedule>,
    /// Overhead presets (see `ingestlab ingest --help`).
    #[serde(default = "default_overheads")]
    pub overheads: Vec<Preset>,
    /// The single writer's queue, in batches (default 4).
    #[serde(default = "default_queue_depth")]
    pub queue_depth: usize,
    /// Knobs that override every preset's value when set: these and the
    /// next five are [`crate::run::OverheadKnobs`], field for field (a
    /// flattened struct cannot coexist with `deny_unknown_fields`).
    #[serde(default)]
    pub pool_startup_ms: Option<f64>,
    /// See [`crate::run::OverheadKnobs::worker_startup_ms`].
    #[serde(default)]
    pub worker_startup_ms: Option<f64>,
    /// See [`crate::run::OverheadKnobs::dispatch_ms`].
    #[serde(default)]
    pub dispatch_ms: Option<f64>,
    /// See [`crate::run::OverheadKnobs::dispatch_us_per_kb`].
    #[serde(default)]
    pub dispatch_us_per_kb: Option<f64>,
    /// See [`crate::run::OverheadKnobs::shutdown_ms`].
    #[serde(default)]
    pub shutdown_ms: Option<f64>,
    /// See [`crate::run::OverheadKnobs::pay`].
    #[serde(default)]
    pub pay: Option<PayMode>,
    /// See [`crate::run::OverheadKnobs::ipc_copy`].
    #[serde(default)]
    pub ipc_copy: bool,
    /// Extra per-record processing (ms, spinning a core), for every
    /// configuration including the baseline: what the pipeline does per
    /// record besides parsing and inserting. One value or a list (an
    /// axis: configurations that differ only in the work per record).
    #[serde(default, deserialize_with = "repeat::one_or_many")]
    pub record_work_ms: Vec<f64>,
}

// The sweep's defaults are the library types' own (one definition each),
// so a scenario that omits an axis runs what `ingest` runs without its flag.
fn default_engines() -> Vec<Engine> {
    vec![crate::backend::BackendOptions::default().engine]
}
fn default_methods() -> Vec<InsertMethod> {
    vec![crate::backend::BackendOptions::default().method]
}
fn default_indexes() -> Vec<IndexPolicy> {
    vec![crate::backend::BackendOptions::default().index]
}
fn default_locks() -> Vec<LockModel> {
    vec![crate::run::RunConfig::default().lock]
}
fn default_batches() -> Vec<usize> {
    vec![crate::run::RunConfig::default().batch_size]
}
fn default_schedules() -> Vec<Schedule> {
    vec![crate::run::RunConfig::default().schedule]
}
fn default_overheads() -> Vec<Preset> {
    vec![crate::run::RunConfig::default().overhead.preset]
}
fn default_queue_depth() -> usize {
    crate::run::RunConfig::default().queue_depth
}

/// Writes a staging path as given, and a PostgreSQL URL without its
/// password (results.json holds the scenario).
fn redacted_staging<S: serde::Serializer>(p: &Option<PathBuf>, s: S) -> Result<S::Ok, S::Error> {
    let text = p.as_ref().map(|p| crate::backend::staging_name(p));
    serde::Serialize::serialize(&text, s)
}
