//! Sweep expansion: every combination of the axes is one configuration.
//!
//! The 1-worker baseline is the sequential path, which has no pool and no
//! lock model, so it is the same run for every lock model, schedule and
//! overhead preset: it is expanded once per (data, engine, method, index
//! policy, batch size) and shared by every group that needs it. A sweep
//! without 1 in its worker counts gets those baselines added, marked as
//! added.

use super::Scenario;
use super::facets::Facets;
use crate::backend::{BackendOptions, Engine, IndexPolicy, InsertMethod};
use crate::data::generate::GenOptions;
use crate::run::{LockModel, OverheadKnobs, Preset, RunConfig, Schedule};

/// The generated data one configuration runs on: the generator's own
/// options, so a setting of the data is defined once (in
/// [`GenOptions`]), and two configurations share a file exactly when
/// their options are equal.
pub type DataKey = GenOptions;

/// One configuration of a sweep.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct ConfigSpec {
    /// Stable identifier, used to join results and name files.
    pub id: String,
    /// The data it ingests.
    pub data: DataKey,
    /// Everything else about the run.
    pub run: RunConfig,
    /// Configurations that differ only in worker count share a group.
    /// The sequential baseline belongs to no group of its own (`""`).
    pub group: String,
    /// Id of the 1-worker configuration this one is compared against.
    pub baseline: String,
    /// True for a baseline the sweep did not ask for.
    pub auto_baseline: bool,
}

impl ConfigSpec {
    /// What distinguishes it from the other configurations.
    pub fn facets(&self) -> Facets {
        let r = &self.run;
        let pooled = r.workers > 1;
        Facets {
            engine: r.backend.engine,
            method: r.backend.method,
            index: r.backend.index,
            lock: pooled.then_some(r.lock),
            schedule: pooled.then_some(r.schedule),
            overhead: pooled.then_some(r.overhead.preset),
            workers: r.workers,
            batch_size: r.batch_size,
            records: self.data.records,
            record_work_ns: (r.record_work_s * 1e9).round() as u64,
        }
    }

    /// Whether a journaled run was made with exactly this configuration:
    /// every setting, not just the id (a run made without
    /// `record_work_ms`, say, is not a run of a configuration with it).
    pub fn same_settings(&self, data: &DataKey, run: &RunConfig) -> bool {
        let mut a = self.run.clone();
        let mut b = run.clone();
        a.timeline = false;
        b.timeline = false;
        self.data == *data && a == b
    }
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
    if d.full_text {
        s += "-ft";
    }
    s
}

/// "{engine}/{method}", and "/after-load" for that index policy (upfront
/// ids stay as they were before the index axis existed).
fn engine_part(e: Engine, m: InsertMethod, i: IndexPolicy) -> String {
    match i {
        IndexPolicy::Upfront => format!("{e}/{m}"),
        IndexPolicy::AfterLoad => format!("{e}/{m}/{i}"),
    }
}

/// The configurations of one (data, engine, method, index, batch size):
/// the baseline first, then every pooled combination.
struct Cell<'a> {
    s: &'a Scenario,
    data: DataKey,
    backend: BackendOptions,
    batch_size: usize,
    /// Per-record work as the scenario gave it, ms (it names the ids).
    record_work_ms: f64,
}

impl Cell<'_> {
    fn expand(&self, out: &mut Vec<ConfigSpec>) {
        let sw = &self.s.sweep;
        let b = &self.backend;
        let mut prefix = format!(
            "{}/{}",
            data_part(&self.data),
            engine_part(b.engine, b.method, b.index)
        );
        // Ids without per-record work stay as they were before it was an
        // axis, so older results resume.
        if self.record_work_ms > 0.0 {
            prefix += &format!("/k{}", self.record_work_ms);
        }
        let base_id = format!("{prefix}/b{}/w1", self.batch_size);
        out.push(ConfigSpec {
            id: base_id.clone(),
            data: self.data,
            run: RunConfig {
                backend: b.clone(),
                workers: 1,
                batch_size: self.batch_size,
                record_work_s: self.record_work_ms / 1e3,
                ..Default::default()
            },
            group: String::new(),
            baseline: base_id.clone(),
            auto_baseline: !sw.workers.contains(&1),
        });
        for &lock in &sw.locks {
            for &schedule in &sw.schedules {
                for &preset in &sw.overheads {
                    self.pooled(out, &prefix, &base_id, lock, schedule, preset);
                }
            }
        }
    }

    fn pooled(
        &self,
        out: &mut Vec<ConfigSpec>,
        prefix: &str,
        base_id: &str,
        lock: LockModel,
        schedule: Schedule,
        preset: Preset,
    ) {
        let sw = &self.s.sweep;
        let group = format!("{prefix}/{lock}/{schedule}/b{}/{preset}", self.batch_size);
        for &workers in sw.workers.iter().filter(|w| **w > 1) {
            out.push(ConfigSpec {
                id: format!("{group}/w{workers}"),
                data: self.data,
                run: RunConfig {
                    backend: self.backend.clone(),
                    workers,
                    batch_size: self.batch_size,
                    schedule,
                    lock,
                    queue_depth: sw.queue_depth,
                    overhead: preset.resolve(&sw.knobs()),
                    timeline: false,
                    record_work_s: self.record_work_ms / 1e3,
                },
                group: group.clone(),
                baseline: base_id.to_string(),
                auto_baseline: false,
            });
        }
    }
}

/// All configurations of a validated scenario, baselines first within each
/// (data, engine, method, index policy, batch size).
pub fn expand(s: &Scenario) -> Vec<ConfigSpec> {
    let sw = &s.sweep;
    let mut out: Vec<ConfigSpec> = Vec::new();
    let works: Vec<f64> = if sw.record_work_ms.is_empty() {
        vec![0.0]
    } else {
        sw.record_work_ms.clone()
    };
    for &records in &s.data.records {
        let data = s.data.key(records);
        for &engine in &sw.engines {
            for &method in &sw.methods {
                for &index in &sw.indexes {
                    for (&batch_size, &work_ms) in sw
                        .batch_sizes
                        .iter()
                        .flat_map(|b| works.iter().map(move |w| (b, w)))
                    {
                        let backend = BackendOptions {
                            engine,
                            method,
                            index,
                            sqlite: s.sqlite.clone(),
                            duckdb: s.duckdb.clone(),
                            postgres: s.postgres.clone(),
                            ..Default::default()
                        };
                        Cell {
                            s,
                            data,
                            backend,
                            batch_size,
                            record_work_ms: work_ms,
                        }
                        .expand(&mut out);
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

impl super::DataSpec {
    /// The data of one record count.
    pub fn key(&self, records: u64) -> DataKey {
        DataKey {
            records,
            seed: self.seed,
            text_scale: self.text_scale,
            malformed_rate: self.malformed_rate,
            duplicate_rate: self.duplicate_rate,
            full_text: self.full_text,
        }
    }
}

impl super::Sweep {
    /// The sweep's overrides of the presets' costs.
    pub fn knobs(&self) -> OverheadKnobs {
        OverheadKnobs {
            pool_startup_ms: self.pool_startup_ms,
            worker_startup_ms: self.worker_startup_ms,
            dispatch_ms: self.dispatch_ms,
            dispatch_us_per_kb: self.dispatch_us_per_kb,
            shutdown_ms: self.shutdown_ms,
            pay: self.pay,
            ipc_copy: self.ipc_copy,
        }
    }
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
        let baselines: Vec<_> = cfgs.iter().filter(|c| c.run.workers == 1).collect();
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
        assert_eq!(cfgs[0].id, "r100/sqlite/bulk/b1000/w1");
        assert_eq!(cfgs[1].id, "r100/sqlite/bulk/native/static/b1000/none/w2");
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
            .find(|c| c.run.overhead.preset == Preset::PythonMp)
            .unwrap();
        assert_eq!(mp.run.overhead.dispatch_s, 0.001);
        assert_eq!(mp.run.overhead.pool_startup_s, 0.150);
    }

    #[test]
    fn the_index_policy_is_an_axis_with_its_own_baselines() {
        let cfgs = expand(&scenario(
            "workers = [1, 2]\nindexes = [\"upfront\", \"after-load\"]",
        ));
        assert_eq!(cfgs.len(), 2 * 2 * 2 * (1 + 2));
        let after: Vec<_> = cfgs
            .iter()
            .filter(|c| c.run.backend.index == IndexPolicy::AfterLoad)
            .collect();
        // Half the configurations (an `all` over none would pass).
        assert_eq!(after.len(), cfgs.len() / 2);
        assert!(after.iter().all(|c| c.id.contains("/after-load/")));
        assert!(after.iter().all(|c| c.baseline.contains("/after-load/")));
    }

    #[test]
    fn work_per_record_is_an_axis_with_its_own_baselines() {
        let cfgs = expand(&scenario("workers = [1, 2]\nrecord_work_ms = [0, 0.05]"));
        assert_eq!(cfgs.len(), 2 * 2 * 2 * (1 + 2));
        let worked: Vec<_> = cfgs.iter().filter(|c| c.run.record_work_s > 0.0).collect();
        assert_eq!(worked.len(), cfgs.len() / 2);
        assert!(worked.iter().all(|c| c.id.contains("/k0.05/")));
        assert!(worked.iter().all(|c| c.baseline.contains("/k0.05/")));
        assert!(worked.iter().all(|c| c.facets().record_work_ns == 50_000));
        let plain = cfgs.iter().find(|c| c.run.record_work_s == 0.0).unwrap();
        assert_eq!(
            plain.id, "r100/sqlite/bulk/b1000/w1",
            "ids without work unchanged"
        );
    }

    #[test]
    fn runs_are_reused_only_when_every_setting_matches() {
        let c = &expand(&scenario("workers = [2]\nrecord_work_ms = 0.05"))[1];
        let mut other = c.run.clone();
        assert!(c.same_settings(&c.data, &other));
        other.record_work_s = 0.0;
        assert!(!c.same_settings(&c.data, &other));
        let mut other = c.run.clone();
        other.timeline = true;
        assert!(
            c.same_settings(&c.data, &other),
            "the timeline is no setting"
        );
    }
}
