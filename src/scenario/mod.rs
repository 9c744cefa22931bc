//! Scenario files: a TOML description of an experiment (data, sweep axes,
//! repetitions), resolved with command-line overrides into the list of
//! configurations to run. Every error names the file, line, column and
//! field, and the valid choices where there is a list.

pub mod expand;

use crate::backend::{Engine, InsertMethod};
use crate::run::clock::PayMode;
use crate::run::config::{LockModel, Schedule, preset_names};
use anyhow::{Result, anyhow, bail};
use std::path::{Path, PathBuf};

pub use expand::{ConfigSpec, DataKey, expand};

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// Results folder; `results/<name>` when absent.
    #[serde(default)]
    pub output: Option<PathBuf>,
    /// Measured runs per configuration.
    #[serde(default = "default_repetitions")]
    pub repetitions: usize,
    /// Unrecorded runs before the measured ones.
    #[serde(default)]
    pub warmup: usize,
    pub data: DataSpec,
    pub sweep: Sweep,
}

fn default_repetitions() -> usize {
    3
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DataSpec {
    /// Record counts to sweep.
    pub records: Vec<u64>,
    #[serde(default = "default_seed")]
    pub seed: u64,
    #[serde(default = "default_scale")]
    pub text_scale: f64,
    #[serde(default)]
    pub malformed_rate: f64,
    #[serde(default)]
    pub duplicate_rate: f64,
}

fn default_seed() -> u64 {
    42
}
fn default_scale() -> f64 {
    1.0
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sweep {
    #[serde(default = "default_engines")]
    pub engines: Vec<Engine>,
    #[serde(default = "default_methods")]
    pub methods: Vec<InsertMethod>,
    #[serde(default = "default_locks")]
    pub locks: Vec<LockModel>,
    pub workers: Vec<usize>,
    #[serde(default = "default_batches")]
    pub batch_sizes: Vec<usize>,
    #[serde(default = "default_schedules")]
    pub schedules: Vec<Schedule>,
    /// Overhead presets (see `ingestlab ingest --help`).
    #[serde(default = "default_overheads")]
    pub overheads: Vec<String>,
    #[serde(default = "default_queue_depth")]
    pub queue_depth: usize,
    /// Knobs that override every preset's value when set.
    #[serde(default)]
    pub pool_startup_ms: Option<f64>,
    #[serde(default)]
    pub worker_startup_ms: Option<f64>,
    #[serde(default)]
    pub dispatch_ms: Option<f64>,
    #[serde(default)]
    pub dispatch_us_per_kb: Option<f64>,
    #[serde(default)]
    pub shutdown_ms: Option<f64>,
    #[serde(default)]
    pub pay: Option<PayMode>,
    #[serde(default)]
    pub ipc_copy: bool,
    /// Extra per-record processing (ms, spinning a core), for every
    /// configuration including the baseline: what the pipeline does per
    /// record besides parsing and inserting.
    #[serde(default)]
    pub record_work_ms: Option<f64>,
}

fn default_engines() -> Vec<Engine> {
    vec![Engine::Sqlite]
}
fn default_methods() -> Vec<InsertMethod> {
    vec![InsertMethod::Bulk]
}
fn default_locks() -> Vec<LockModel> {
    vec![LockModel::Native]
}
fn default_batches() -> Vec<usize> {
    vec![1000]
}
fn default_schedules() -> Vec<Schedule> {
    vec![Schedule::Static]
}
fn default_overheads() -> Vec<String> {
    vec!["none".into()]
}
fn default_queue_depth() -> usize {
    4
}

/// A scenario as loaded, with where it came from (for error positions).
pub struct Loaded {
    pub scenario: Scenario,
    pub path: PathBuf,
}

/// Reads and validates a scenario file, then applies `key=value`
/// overrides (the file first, then the command line).
pub fn load(path: &Path, sets: &[String]) -> Result<Loaded> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow!("cannot read scenario file '{}': {e}", path.display()))?;
    let scenario = parse(&text, path, sets)?;
    Ok(Loaded {
        scenario,
        path: path.to_path_buf(),
    })
}

/// [`load`] on text already read; `path` is only used in messages.
pub fn parse(text: &str, path: &Path, sets: &[String]) -> Result<Scenario> {
    let file = path.display();
    let scenario: Scenario = toml::from_str(text).map_err(|e| {
        let (line, col) = e.span().map_or((0, 0), |s| line_col(text, s.start));
        let field = e
            .span()
            .and_then(|s| field_at(text, s.start))
            .map(|f| format!(" field `{f}`:"))
            .unwrap_or_default();
        anyhow!("{file}:{line}:{col}:{field} {}", e.message().trim())
    })?;
    let scenario = if sets.is_empty() {
        scenario
    } else {
        apply_sets(text, sets).map_err(|e| anyhow!("{file}: {e:#}"))?
    };
    let problems = validate(&scenario);
    if let Some((field, msg)) = problems.first() {
        let path_parts: Vec<&str> = field.split('.').collect();
        let pos = match locate(text, &path_parts) {
            Some(start) => {
                let (l, c) = line_col(text, start);
                format!("{l}:{c}:")
            }
            None if sets.iter().any(|s| s.starts_with(field.as_str())) => {
                " (set on the command line)".into()
            }
            None => " (default value)".into(),
        };
        bail!("{file}:{pos} field `{field}`: {msg}");
    }
    Ok(scenario)
}

/// Applies `key=value` overrides, each value written as TOML
/// (`sweep.workers=[1,2]`, `name="x"`, `repetitions=5`).
fn apply_sets(text: &str, sets: &[String]) -> Result<Scenario> {
    let mut table: toml::Table = toml::from_str(text)?;
    for s in sets {
        let (key, value) = s
            .split_once('=')
            .ok_or_else(|| anyhow!("--set '{s}': expected key=value"))?;
        let key = key.trim();
        // Bare words are taken as strings, so `--set name=fast` works.
        let parsed: toml::Table = toml::from_str(&format!("v = {value}"))
            .or_else(|_| {
                toml::from_str(&format!("v = {}", toml::Value::String(value.trim().into())))
            })
            .map_err(|e| anyhow!("--set '{s}': {}", e.message()))?;
        let value = parsed["v"].clone();
        let parts: Vec<&str> = key.split('.').collect();
        let mut t = &mut table;
        for p in &parts[..parts.len() - 1] {
            t = t
                .entry(p.to_string())
                .or_insert_with(|| toml::Value::Table(Default::default()))
                .as_table_mut()
                .ok_or_else(|| anyhow!("--set '{s}': `{p}` is not a table"))?;
        }
        t.insert(parts[parts.len() - 1].to_string(), value);
    }
    toml::Value::Table(table)
        .try_into()
        .map_err(|e: toml::de::Error| anyhow!("--set: {}", e.message().trim()))
}

/// Problems with values that parse but cannot run: (field, message).
pub fn validate(s: &Scenario) -> Vec<(String, String)> {
    let mut p = Vec::new();
    let mut empty = |field: &str, len: usize| {
        if len == 0 {
            p.push((
                field.to_string(),
                "must list at least one value".to_string(),
            ));
        }
    };
    empty("data.records", s.data.records.len());
    empty("sweep.engines", s.sweep.engines.len());
    empty("sweep.methods", s.sweep.methods.len());
    empty("sweep.locks", s.sweep.locks.len());
    empty("sweep.workers", s.sweep.workers.len());
    empty("sweep.batch_sizes", s.sweep.batch_sizes.len());
    empty("sweep.schedules", s.sweep.schedules.len());
    empty("sweep.overheads", s.sweep.overheads.len());
    if s.sweep.workers.contains(&0) {
        p.push((
            "sweep.workers".into(),
            "0 is not a valid worker count (at least 1)".into(),
        ));
    }
    if s.sweep.batch_sizes.contains(&0) {
        p.push((
            "sweep.batch_sizes".into(),
            "0 is not a valid batch size (at least 1)".into(),
        ));
    }
    if s.data.records.contains(&0) {
        p.push((
            "data.records".into(),
            "0 records is not an experiment (at least 1)".into(),
        ));
    }
    if s.sweep.queue_depth == 0 {
        p.push(("sweep.queue_depth".into(), "must be at least 1".into()));
    }
    if s.repetitions == 0 {
        p.push(("repetitions".into(), "must be at least 1".into()));
    }
    for (f, r) in [
        ("data.malformed_rate", s.data.malformed_rate),
        ("data.duplicate_rate", s.data.duplicate_rate),
    ] {
        if !(0.0..=1.0).contains(&r) {
            p.push((f.into(), format!("must be between 0 and 1, got {r}")));
        }
    }
    if !(s.data.text_scale > 0.0 && s.data.text_scale.is_finite()) {
        p.push(("data.text_scale".into(), "must be a positive number".into()));
    }
    for o in &s.sweep.overheads {
        if !preset_names().contains(&o.as_str()) {
            p.push((
                "sweep.overheads".into(),
                format!(
                    "unknown overhead preset '{o}' (valid: {})",
                    preset_names().join(", ")
                ),
            ));
        }
    }
    for (f, v) in [
        ("sweep.pool_startup_ms", s.sweep.pool_startup_ms),
        ("sweep.worker_startup_ms", s.sweep.worker_startup_ms),
        ("sweep.dispatch_ms", s.sweep.dispatch_ms),
        ("sweep.dispatch_us_per_kb", s.sweep.dispatch_us_per_kb),
        ("sweep.shutdown_ms", s.sweep.shutdown_ms),
        ("sweep.record_work_ms", s.sweep.record_work_ms),
    ] {
        if let Some(v) = v
            && !(v.is_finite() && v >= 0.0)
        {
            p.push((f.into(), format!("must be a non-negative number, got {v}")));
        }
    }
    p
}

/// 1-based line and column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, col)
}

/// Byte offset of the key at dotted `path` in the TOML text.
fn locate(text: &str, path: &[&str]) -> Option<usize> {
    let doc = toml::de::DeTable::parse(text).ok()?;
    let mut table = doc.get_ref();
    for (i, part) in path.iter().enumerate() {
        let (k, v) = table.iter().find(|(k, _)| k.get_ref().as_ref() == *part)?;
        if i + 1 == path.len() {
            return Some(k.span().start);
        }
        match v.get_ref() {
            toml::de::DeValue::Table(t) => table = t,
            _ => return None,
        }
    }
    None
}

/// The dotted name of the innermost key whose value contains `offset`.
fn field_at(text: &str, offset: usize) -> Option<String> {
    let doc = toml::de::DeTable::parse(text).ok()?;
    fn walk(t: &toml::de::DeTable, offset: usize, prefix: &str) -> Option<String> {
        for (k, v) in t.iter() {
            let name = if prefix.is_empty() {
                k.get_ref().to_string()
            } else {
                format!("{prefix}.{}", k.get_ref())
            };
            let span = v.span();
            let key_span = k.span();
            if let toml::de::DeValue::Table(inner) = v.get_ref()
                && let Some(f) = walk(inner, offset, &name)
            {
                return Some(f);
            }
            if span.contains(&offset) || key_span.contains(&offset) {
                return Some(name);
            }
        }
        None
    }
    walk(doc.get_ref(), offset, "")
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
name = "t"
repetitions = 2

[data]
records = [100]

[sweep]
engines = ["sqlite", "duckdb"]
workers = [1, 2]
"#;

    fn err(text: &str, sets: &[&str]) -> String {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        format!("{:#}", parse(text, Path::new("s.toml"), &sets).unwrap_err())
    }

    #[test]
    fn parses_with_defaults() {
        let s = parse(GOOD, Path::new("s.toml"), &[]).unwrap();
        assert_eq!(s.sweep.batch_sizes, vec![1000]);
        assert_eq!(s.sweep.locks, vec![LockModel::Native]);
        assert_eq!(s.data.seed, 42);
        assert_eq!(s.warmup, 0);
    }

    #[test]
    fn unknown_field_names_file_line_and_choices() {
        let e = err(
            &GOOD.replace("workers = [1, 2]", "workers = [1, 2]\nthreads = 3"),
            &[],
        );
        assert!(e.starts_with("s.toml:11:1:"), "{e}");
        assert!(
            e.contains("unknown field `threads`") && e.contains("batch_sizes"),
            "{e}"
        );
    }

    #[test]
    fn wrong_type_names_the_field() {
        let e = err(&GOOD.replace("workers = [1, 2]", "workers = \"two\""), &[]);
        assert!(
            e.starts_with("s.toml:10:11:") && e.contains("field `sweep.workers`"),
            "{e}"
        );
        let e = err(&GOOD.replace("\"duckdb\"", "\"postgres\""), &[]);
        assert!(
            e.contains("postgres") && e.contains("sqlite") && e.contains("duckdb"),
            "{e}"
        );
    }

    #[test]
    fn empty_axis_and_zero_workers() {
        let e = err(&GOOD.replace("workers = [1, 2]", "workers = []"), &[]);
        assert!(
            e.starts_with("s.toml:10:1: field `sweep.workers`: must list"),
            "{e}"
        );
        let e = err(&GOOD.replace("workers = [1, 2]", "workers = [0, 2]"), &[]);
        assert!(e.contains("0 is not a valid worker count"), "{e}");
        let e = err(
            &GOOD.replace("[sweep]", "[sweep]\noverheads = [\"java\"]"),
            &[],
        );
        assert!(e.contains("valid: none, python-mp"), "{e}");
    }

    #[test]
    fn command_line_overrides_the_file() {
        let sets = [
            "sweep.workers=[1,4]".to_string(),
            "name=fast".to_string(),
            "data.records=[7]".to_string(),
        ];
        let s = parse(GOOD, Path::new("s.toml"), &sets).unwrap();
        assert_eq!(
            (
                s.sweep.workers.clone(),
                s.name.as_str(),
                s.data.records.clone()
            ),
            (vec![1, 4], "fast", vec![7])
        );
        let e = err(GOOD, &["sweep.workers=[0]"]);
        assert!(
            e.contains("set on the command line") || e.contains("sweep.workers"),
            "{e}"
        );
        let e = err(GOOD, &["sweep.wrkers=[2]"]);
        assert!(e.contains("wrkers"), "{e}");
    }

    #[test]
    fn line_and_column() {
        assert_eq!(line_col("ab\ncd", 4), (2, 2));
        assert_eq!(line_col("ab", 0), (1, 1));
    }
}
