//! Sweep expansion: every combination of the axes is one configuration.
//!
//! The 1-worker baseline is the sequential path, which has no pool and no
//! lock model, so it is the same run for every lock model, schedule and
//! overhead preset: it is expanded once per (data, engine, method, batch
//! size) and shared by every group that needs it. A sweep without 1 in its
//! worker counts gets those baselines added, marked as added.

use super::Scenario;
use crate::backend::{BackendOptions, Engine, InsertMethod};
use crate::run::config::{Overhead, RunConfig};

/// The generated data one configuration runs on.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DataKey {
    pub records: u64,
    pub seed: u64,
    pub text_scale: f64,
    pub malformed_rate: f64,
    pub duplicate_rate: f64,
}

/// One configuration of a sweep.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ConfigSpec {
    /// Stable identifier, used to resume a sweep and to join results.
    pub id: String,
    pub data: DataKey,
    pub run: RunConfig,
    /// Configurations that differ only in worker count share a group.
    /// The sequential baseline belongs to no group of its own (`""`).
    pub group: String,
    /// Id of the 1-worker configuration this one is compared against.
    pub baseline: String,
    /// True for a baseline the sweep did not ask for.
    pub auto_baseline: bool,
}

fn data_part(d: &DataKey) -> String {
    let mut s = format!("r{}", d.records);
    if d.seed != 42 {
        s += &format!("-s{}", d.seed);
    }
    if d.text_scale != 1.0 {
        s += &format!("-x{}", d.text_scale);
    }
    if d.malformed_rate > 0.0 || d.duplicate_rate > 0.0 {
        s += &format!("-m{}-d{}", d.malformed_rate, d.duplicate_rate);
    }
    s
}

fn baseline_id(d: &DataKey, e: Engine, m: InsertMethod, b: usize) -> String {
    format!("{}/{e}/{}/b{b}/w1", data_part(d), m.name())
}

/// The overhead of a preset with the sweep's knob overrides applied.
fn overhead(s: &Scenario, preset: &str) -> Overhead {
    let mut o = Overhead::preset(preset).unwrap_or_else(|_| Overhead::zero(preset));
    let sw = &s.sweep;
    let set = |v: Option<f64>, scale: f64, f: &mut f64| {
        if let Some(v) = v {
            *f = v * scale;
        }
    };
    set(sw.pool_startup_ms, 1e-3, &mut o.pool_startup_s);
    set(sw.worker_startup_ms, 1e-3, &mut o.worker_startup_s);
    set(sw.dispatch_ms, 1e-3, &mut o.dispatch_s);
    set(sw.dispatch_us_per_kb, 1e-6, &mut o.dispatch_per_kb_s);
    set(sw.shutdown_ms, 1e-3, &mut o.shutdown_s);
    if let Some(p) = sw.pay {
        o.pay = p;
    }
    o.ipc_copy |= sw.ipc_copy;
    o
}

/// All configurations of a validated scenario, baselines first within each
/// (data, engine, method, batch size).
pub fn expand(s: &Scenario) -> Vec<ConfigSpec> {
    let sw = &s.sweep;
    let mut out: Vec<ConfigSpec> = Vec::new();
    let want_baseline = sw.workers.contains(&1);
    let record_work_s = sw.record_work_ms.unwrap_or(0.0) / 1e3;
    for &records in &s.data.records {
        let data = DataKey {
            records,
            seed: s.data.seed,
            text_scale: s.data.text_scale,
            malformed_rate: s.data.malformed_rate,
            duplicate_rate: s.data.duplicate_rate,
        };
        for &engine in &sw.engines {
            for &method in &sw.methods {
                for &batch_size in &sw.batch_sizes {
                    let backend = BackendOptions {
                        engine,
                        method,
                        ..Default::default()
                    };
                    let base_id = baseline_id(&data, engine, method, batch_size);
                    out.push(ConfigSpec {
                        id: base_id.clone(),
                        data,
                        run: RunConfig {
                            backend: backend.clone(),
                            workers: 1,
                            batch_size,
                            record_work_s,
                            ..Default::default()
                        },
                        group: String::new(),
                        baseline: base_id.clone(),
                        auto_baseline: !want_baseline,
                    });
                    for &lock in &sw.locks {
                        for &schedule in &sw.schedules {
                            for preset in &sw.overheads {
                                let group = format!(
                                    "{}/{engine}/{}/{}/{}/b{batch_size}/{preset}",
                                    data_part(&data),
                                    method.name(),
                                    lock.name(),
                                    schedule.name()
                                );
                                for &workers in sw.workers.iter().filter(|w| **w > 1) {
                                    out.push(ConfigSpec {
                                        id: format!("{group}/w{workers}"),
                                        data,
                                        run: RunConfig {
                                            backend: backend.clone(),
                                            workers,
                                            batch_size,
                                            schedule,
                                            lock,
                                            queue_depth: sw.queue_depth,
                                            overhead: overhead(s, preset),
                                            timeline: false,
                                            record_work_s,
                                        },
                                        group: group.clone(),
                                        baseline: base_id.clone(),
                                        auto_baseline: false,
                                    });
                                }
                            }
                        }
                    }
                }
            }
        }
    }
    // Worker counts given twice, or the same preset twice, would repeat ids.
    let mut seen = std::collections::HashSet::new();
    out.retain(|c| seen.insert(c.id.clone()));
    out
}

/// Whether the run uses the lock model / schedule it names (the sequential
/// baseline does not).
pub fn is_baseline(c: &ConfigSpec) -> bool {
    c.run.workers == 1
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn scenario(extra: &str) -> Scenario {
        let text = format!(
            "name = \"t\"\n[data]\nrecords = [100, 200]\n[sweep]\nengines = [\"sqlite\", \"duckdb\"]\nlocks = [\"native\", \"global-mutex\"]\n{extra}"
        );
        super::super::parse(&text, Path::new("t.toml"), &[]).unwrap()
    }

    #[test]
    fn one_shared_baseline_per_data_engine_method_batch() {
        let cfgs = expand(&scenario("workers = [1, 2, 4]"));
        // 2 records × 2 engines × (1 baseline + 2 locks × 2 worker counts)
        assert_eq!(cfgs.len(), 2 * 2 * (1 + 4));
        let baselines: Vec<_> = cfgs.iter().filter(|c| is_baseline(c)).collect();
        assert_eq!(baselines.len(), 4);
        assert!(baselines.iter().all(|b| !b.auto_baseline));
        for c in &cfgs {
            assert!(
                cfgs.iter()
                    .any(|b| b.id == c.baseline && b.run.workers == 1),
                "{}",
                c.id
            );
        }
        let ids: std::collections::HashSet<_> = cfgs.iter().map(|c| &c.id).collect();
        assert_eq!(ids.len(), cfgs.len());
    }

    #[test]
    fn baseline_is_added_when_missing() {
        let cfgs = expand(&scenario("workers = [2, 4]"));
        let added: Vec<_> = cfgs.iter().filter(|c| c.auto_baseline).collect();
        assert_eq!(added.len(), 4);
        assert!(added.iter().all(|c| c.run.workers == 1));
    }

    #[test]
    fn knob_overrides_apply_to_every_preset() {
        let cfgs = expand(&scenario(
            "workers = [2]\noverheads = [\"none\", \"python-mp\"]\ndispatch_ms = 1.0",
        ));
        let mp = cfgs
            .iter()
            .find(|c| c.run.overhead.preset == "python-mp")
            .unwrap();
        assert_eq!(mp.run.overhead.dispatch_s, 0.001);
        assert_eq!(mp.run.overhead.pool_startup_s, 0.150);
    }
}
