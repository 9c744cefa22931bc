//! The cost model the simulator runs on, measured on this machine by
//! `ingestlab calibrate` and saved as JSON until recalibrated.

use crate::backend::{Engine, InsertMethod};
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};

/// Parse cost of one record: `base_s + per_kb_s × KB`, times a noise
/// factor drawn from the measured spread.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ParseCost {
    /// Seconds per record whatever its size.
    pub base_s: f64,
    /// Seconds per KB of the record.
    pub per_kb_s: f64,
    /// Quantiles (0, 5, …, 100 %) of measured / fitted time per record.
    pub noise: Vec<f64>,
}

/// Write cost of one batch on one engine and insert method.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WriteCost {
    /// The engine.
    pub engine: Engine,
    /// The insert method.
    pub method: InsertMethod,
    /// Begin + commit and per-batch setup (the intercept).
    pub per_batch_s: f64,
    /// Seconds per row written (the slope).
    pub per_row_s: f64,
    /// How much longer a write takes while a second writer writes at the
    /// same time (1 = no interference, 2 = fully serialised).
    pub second_writer_factor: f64,
    /// Opening one connection.
    pub connect_s: f64,
    /// What a real ingest pays per record beyond parsing it in memory:
    /// reading it from the file, the duplicate rule, the row's allocation.
    /// Fitted from real sequential runs (`calibrate`); 0 in older models.
    #[serde(default)]
    pub per_record_s: f64,
    /// What each worker's connection pays beyond opening it: the schema
    /// check, the final commit, SQLite's WAL checkpoint on close.
    #[serde(default)]
    pub per_connection_s: f64,
    /// What closing the database costs per row the run wrote, once, after
    /// every worker is done: SQLite's WAL checkpoint copies every page the
    /// run wrote into the database file when the last connection closes
    /// (about 35 ms of a 0.1–0.2 s run of 5,000 records, which no worker
    /// count shortens). Fitted from the real runs' overhead; 0 in older
    /// models.
    #[serde(default)]
    pub final_per_row_s: f64,
}

/// This machine's costs, as `calibrate` measured them: what the simulator
/// charges for each step of a run.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CostModel {
    /// The CPU it was measured on.
    pub cpu_model: String,
    /// That machine's cores.
    pub cores: usize,
    /// When (RFC 3339).
    pub date: String,
    /// The ingestlab that measured it.
    pub ingestlab_version: String,
    /// Parsing one record.
    pub parse: ParseCost,
    /// Writing, per engine and insert method.
    pub writes: Vec<WriteCost>,
}

impl CostModel {
    /// The write cost of `engine` and `method`, or an error saying to
    /// calibrate.
    pub fn write(&self, engine: Engine, method: InsertMethod) -> Result<&WriteCost> {
        self.writes
            .iter()
            .find(|w| w.engine == engine && w.method == method)
            .with_context(|| {
                format!(
                    "the cost model has no figures for {engine} {}; run `ingestlab calibrate --engines {}`",
                    method.name(),
                    if engine == Engine::Postgres { "sqlite,duckdb,postgres" } else { "sqlite,duckdb" }
                )
            })
    }

    /// Reads a cost model and checks every cost in it.
    pub fn load(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path)
            .with_context(|| format!("cannot read cost model '{}'", path.display()))?;
        let m: CostModel = serde_json::from_slice(&bytes).with_context(|| {
            format!(
                "'{}' is not an ingestlab cost model (recalibrate)",
                path.display()
            )
        })?;
        if let Some(p) = m.problems().first() {
            anyhow::bail!(
                "cost model '{}': {p} (recalibrate, or correct the file)",
                path.display()
            );
        }
        Ok(m)
    }

    /// Every cost that no simulation can use: not a finite number from 0 to
    /// a day (factors: from 1 to 1000).
    pub fn problems(&self) -> Vec<String> {
        let day = crate::run::config::MAX_COST_S;
        let mut p = Vec::new();
        let mut cost = |name: String, v: f64| {
            if !(v.is_finite() && (0.0..=day).contains(&v)) {
                p.push(format!("{name} = {v} is not a cost from 0 to {day} s"));
            }
        };
        cost("parse.base_s".into(), self.parse.base_s);
        cost("parse.per_kb_s".into(), self.parse.per_kb_s);
        for w in &self.writes {
            let at = format!("writes[{} {}]", w.engine, w.method);
            cost(format!("{at}.per_batch_s"), w.per_batch_s);
            cost(format!("{at}.per_row_s"), w.per_row_s);
            cost(format!("{at}.connect_s"), w.connect_s);
            cost(format!("{at}.per_record_s"), w.per_record_s);
            cost(format!("{at}.per_connection_s"), w.per_connection_s);
            cost(format!("{at}.final_per_row_s"), w.final_per_row_s);
        }
        for w in &self.writes {
            let f = w.second_writer_factor;
            if !(f.is_finite() && (1.0..=1000.0).contains(&f)) {
                p.push(format!(
                    "writes[{} {}].second_writer_factor = {f} is not a factor from 1 to 1000",
                    w.engine, w.method
                ));
            }
        }
        if self
            .parse
            .noise
            .iter()
            .any(|q| !(q.is_finite() && *q > 0.0 && *q <= 1000.0))
        {
            p.push("parse.noise holds a quantile that is not a positive factor up to 1000".into());
        }
        p
    }

    /// Refuses to write over `path` unless it is absent or an ingestlab
    /// cost model (re-calibrating replaces its own file), or `overwrite`;
    /// never writes through or over a symbolic link.
    pub fn check_target(path: &Path, overwrite: bool) -> Result<()> {
        let meta = std::fs::symlink_metadata(path);
        if meta.as_ref().is_ok_and(|m| m.file_type().is_symlink()) {
            crate::refused::refuse!(
                "--model '{}' is a symbolic link; ingestlab writes no file through or over a link: name the file itself",
                path.display()
            );
        }
        if meta.is_ok() && !overwrite && CostModel::load(path).is_err() {
            let ours = std::fs::read(path)
                .ok()
                .and_then(|b| serde_json::from_slice::<serde_json::Value>(&b).ok())
                .is_some_and(|v| v.get("cpu_model").is_some() && v.get("writes").is_some());
            if !ours {
                crate::refused::refuse!(
                    "--model '{}' already exists and is not an ingestlab cost model; choose another path, or pass --overwrite to replace it",
                    path.display()
                );
            }
        }
        Ok(())
    }

    /// Writes the model to `path` as JSON.
    pub fn save(&self, path: &Path) -> Result<()> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("cannot create '{}'", dir.display()))?;
        }
        crate::store::write_atomic(path, &serde_json::to_vec_pretty(self)?)
    }
}

/// Where the cost model lives unless `--model` says otherwise.
pub fn default_path() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("ingestlab").join("calibration.json")
}

/// `m` on a machine `k` times as slow: every cost times `k`, the factors
/// and the noise's shape unchanged.
#[cfg(test)]
pub(crate) fn slowed(m: &CostModel, k: f64) -> CostModel {
    let mut m = m.clone();
    m.parse.base_s *= k;
    m.parse.per_kb_s *= k;
    for w in &mut m.writes {
        for x in [
            &mut w.per_batch_s,
            &mut w.per_row_s,
            &mut w.connect_s,
            &mut w.per_record_s,
            &mut w.per_connection_s,
            &mut w.final_per_row_s,
        ] {
            *x *= k;
        }
    }
    m
}

#[cfg(test)]
pub(crate) fn test_model() -> CostModel {
    CostModel {
        cpu_model: "test".into(),
        cores: 2,
        date: "2026-01-01T00:00:00Z".into(),
        ingestlab_version: "test".into(),
        parse: ParseCost {
            base_s: 10e-6,
            per_kb_s: 5e-6,
            noise: vec![1.0; 21],
        },
        writes: [Engine::Sqlite, Engine::Duckdb]
            .iter()
            .flat_map(|&engine| {
                [InsertMethod::Bulk, InsertMethod::Insert].map(|method| WriteCost {
                    engine,
                    method,
                    per_batch_s: 1e-3,
                    per_row_s: 20e-6,
                    second_writer_factor: if engine == Engine::Duckdb { 1.3 } else { 2.0 },
                    connect_s: 1e-4,
                    per_record_s: 0.0,
                    per_connection_s: 0.0,
                    final_per_row_s: 0.0,
                })
            })
            .collect(),
    }
}
