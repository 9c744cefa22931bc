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
    /// How much longer each worker's parse and write take for every other
    /// core the run keeps busy (1 = cores independent of each other). Two
    /// workers that never write at once (a global mutex) still slow each
    /// other: 13% on DuckDB on this 2-core machine, the parse included,
    /// which a model of independent cores predicted 1.9× for where 1.5×
    /// was measured. Measured by `calibrate` from real 1- and 2-worker
    /// runs side by side; beyond two cores it is assumed to grow by the
    /// same step per busy core. 1 in older models.
    #[serde(default = "one")]
    pub busy_core_factor: f64,
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
    /// What closing the database costs, once, after every worker is done,
    /// as (rows the run wrote, seconds) at the calibration's run sizes:
    /// SQLite's last connection checkpoints the WAL into the database
    /// file, about 30 ms of a 0.1–0.2 s run of 5,000 records, which no
    /// worker count shortens. It grows with the rows only up to SQLite's
    /// automatic checkpoints (every 1,000 WAL pages), which take the rest
    /// during the run: 31 ms at 5,000 records, 42 ms at 20,000. So the
    /// cost runs from 0 along the points and stays at the largest's beyond
    /// it. From the real runs' overhead; empty (no cost) in older models.
    #[serde(default)]
    pub close_points: Vec<(f64, f64)>,
    /// The median write time of batches of each measured size, as (rows,
    /// seconds), by rows: a batch is charged the straight line between the
    /// two nearest, so a scenario's batch of a measured size costs what it
    /// was measured to cost, not what one least-squares line through every
    /// size gives (a compromise the largest sizes dominate).
    /// Empty in older models: `per_batch_s + per_row_s × rows` then.
    #[serde(default)]
    pub batch_points: Vec<(f64, f64)>,
}

fn one() -> f64 {
    1.0
}

/// One number of a [`WriteCost`], reached by name.
pub type Field = fn(&mut WriteCost) -> &mut f64;

/// A write's costs in seconds (besides its points): what `problems`
/// checks against a day, what a slower machine scales, what the rounds'
/// median pools.
pub const COSTS: [(&str, Field); 5] = [
    ("per_batch_s", |w| &mut w.per_batch_s),
    ("per_row_s", |w| &mut w.per_row_s),
    ("connect_s", |w| &mut w.connect_s),
    ("per_record_s", |w| &mut w.per_record_s),
    ("per_connection_s", |w| &mut w.per_connection_s),
];

/// A write's factors (1 = no effect): checked from 1 to 1000, pooled, never
/// scaled.
pub const FACTORS: [(&str, Field); 2] = [
    ("second_writer_factor", |w| &mut w.second_writer_factor),
    ("busy_core_factor", |w| &mut w.busy_core_factor),
];

/// The straight line through the two points of `p` (by rows) around
/// `rows`, which lies inside `p`'s range; `(0, 0)` stands before the first.
fn between(p: &[(f64, f64)], rows: f64) -> f64 {
    let k = p.partition_point(|x| x.0 <= rows);
    let (x0, y0) = if k == 0 { (0.0, 0.0) } else { p[k - 1] };
    let (x1, y1) = p[k];
    y0 + (y1 - y0) * (rows - x0) / (x1 - x0)
}

impl WriteCost {
    /// Seconds to close the database after `rows` rows were written.
    pub fn close_s(&self, rows: f64) -> f64 {
        let p = &self.close_points;
        let Some(last) = p.last() else {
            return 0.0;
        };
        if rows >= last.0 {
            return last.1;
        }
        between(p, rows)
    }

    /// Seconds to write one batch of `rows` rows on one connection: along
    /// the measured points (beyond the largest, at the per-row slope of
    /// the fit, never below the largest's cost), else the fitted line.
    pub fn batch_s(&self, rows: f64) -> f64 {
        let p = &self.batch_points;
        let line = self.per_batch_s + self.per_row_s * rows;
        let (Some(first), Some(last)) = (p.first(), p.last()) else {
            return line;
        };
        if rows <= first.0 {
            // Below the smallest measured batch: a share of its cost, never
            // less than the fitted per-batch cost.
            return (first.1 * rows / first.0).max(self.per_batch_s.min(first.1));
        }
        if rows >= last.0 {
            return last.1 + self.per_row_s * (rows - last.0);
        }
        between(p, rows)
    }
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
            let mut w = w.clone();
            for (name, f) in COSTS {
                cost(format!("{at}.{name}"), *f(&mut w));
            }
            for (rows, s) in w.batch_points.iter().chain(&w.close_points) {
                cost(format!("{at} cost at {rows} rows"), *s);
            }
        }
        for w in &self.writes {
            for (name, points) in [
                ("batch_points", &w.batch_points),
                ("close_points", &w.close_points),
            ] {
                if points.iter().any(|r| !(r.0.is_finite() && r.0 >= 1.0))
                    || points.windows(2).any(|x| x[0].0 >= x[1].0)
                {
                    p.push(format!(
                        "writes[{} {}].{name} are not in increasing rows from 1",
                        w.engine, w.method
                    ));
                }
            }
            for (name, f) in FACTORS {
                let f = *f(&mut w.clone());
                if !(f.is_finite() && (1.0..=1000.0).contains(&f)) {
                    p.push(format!(
                        "writes[{} {}].{name} = {f} is not a factor from 1 to 1000",
                        w.engine, w.method
                    ));
                }
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

    /// This model on a machine `k` times as slow: every cost times `k`, the
    /// factors and the noise's shape unchanged.
    pub fn slowed(&self, k: f64) -> CostModel {
        let mut m = self.clone();
        m.parse.base_s *= k;
        m.parse.per_kb_s *= k;
        for w in &mut m.writes {
            for (_, f) in COSTS {
                *f(w) *= k;
            }
            for p in w.batch_points.iter_mut().chain(&mut w.close_points) {
                p.1 *= k;
            }
        }
        m
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
                    busy_core_factor: 1.0,
                    connect_s: 1e-4,
                    per_record_s: 0.0,
                    per_connection_s: 0.0,
                    close_points: Vec::new(),
                    batch_points: Vec::new(),
                })
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_costs_what_was_measured_and_the_line_between() {
        let mut w = test_model().writes[0].clone();
        let line = w.batch_s(500.0);
        assert!(
            (line - (1e-3 + 500.0 * 20e-6)).abs() < 1e-15,
            "no points: the fit"
        );
        w.batch_points = vec![(10.0, 2e-3), (100.0, 3e-3), (1000.0, 9e-3)];
        for (rows, s) in w.batch_points.clone() {
            assert!((w.batch_s(rows) - s).abs() < 1e-15, "{rows}");
        }
        assert!((w.batch_s(550.0) - 6e-3).abs() < 1e-15);
        // Beyond the largest: its cost plus the fitted per-row slope.
        assert!((w.batch_s(2000.0) - (9e-3 + 1000.0 * 20e-6)).abs() < 1e-15);
        // Below the smallest: a share of it, never below the per-batch cost.
        assert!((w.batch_s(5.0) - 1e-3).abs() < 1e-15);
        // The close: from 0 along the points, flat beyond the last.
        w.close_points = vec![(1000.0, 5e-3), (4000.0, 20e-3), (16000.0, 30e-3)];
        for (rows, s) in [
            (0.0, 0.0),
            (500.0, 2.5e-3),
            (2500.0, 12.5e-3),
            (16000.0, 30e-3),
            (1e6, 30e-3),
        ] {
            assert!(
                (w.close_s(rows) - s).abs() < 1e-15,
                "{rows}: {}",
                w.close_s(rows)
            );
        }
        let mut m = test_model();
        m.writes[0].batch_points = vec![(100.0, 3e-3), (10.0, 2e-3)];
        assert!(
            m.problems().iter().any(|p| p.contains("increasing rows")),
            "{:?}",
            m.problems()
        );
    }
}
