//! The `pipeline` section: how close the sequential path and the
//! 2-worker single writer come to what their own parse and insert costs,
//! measured in the same run, allow.

use super::common::BenchPlan;
use super::common::{BATCH, Data, Table, ingest_median, insert_rate, n0, time_median};
use crate::backend::{BackendOptions, Engine};
use crate::data::parse::parse_record;
use crate::run::{LockModel, RunConfig};
use anyhow::Result;

pub(super) fn pipeline(d: &Data, plan: &BenchPlan) -> Result<Table> {
    let n = d.n();
    let parse_s = time_median(plan.repeat, || {
        std::hint::black_box(d.raw.iter().filter(|r| parse_record(r).is_ok()).count());
        Ok(())
    })? / n;
    let rows = d.rows();
    let mut t = Table::new(
        "pipeline (parse and insert costs measured in this run, against what ingest makes of them)",
        &[
            "engine",
            "path",
            "bound, records/s",
            "measured, records/s",
            "ratio",
        ],
    );
    for engine in Engine::EMBEDDED {
        let opts = BackendOptions {
            engine,
            ..Default::default()
        };
        let insert_s = 1.0 / insert_rate(d.dir.path(), &opts, &rows, plan.repeat)?;
        let cfg = |workers, lock| RunConfig {
            backend: opts.clone(),
            workers,
            batch_size: BATCH,
            lock,
            ..Default::default()
        };
        let seq = n / ingest_median(d, &cfg(1, LockModel::Native), plan.repeat)?;
        let bound = 1.0 / (parse_s + insert_s);
        t.row(vec![
            engine.to_string(),
            "1 worker vs 1 / (parse + insert)".into(),
            n0(bound),
            n0(seq),
            format!("{:.2}", seq / bound),
        ]);
        // SQLite's writes serialise on its file lock, so its 2-worker
        // figure is the single writer; DuckDB appends concurrently.
        let lock = match engine {
            Engine::Sqlite => LockModel::SingleWriter,
            Engine::Duckdb | Engine::Postgres => LockModel::Native,
        };
        let two = n / ingest_median(d, &cfg(2, lock), plan.repeat)?;
        if engine == Engine::Sqlite {
            let target = (1.0 / insert_s).min(2.0 / parse_s);
            t.row(vec![
                engine.to_string(),
                "2 workers + single writer vs min(insert ceiling, 2 cores' parse rate)".into(),
                n0(target),
                n0(two),
                format!("{:.2}", two / target),
            ]);
        }
        let cpu = 2.0 / (parse_s + insert_s);
        t.row(vec![
            engine.to_string(),
            format!("2 workers ({lock}) vs 2 / (parse + insert), the 2-core CPU bound"),
            n0(cpu),
            n0(two),
            format!("{:.2}", two / cpu),
        ]);
        t.notes.push(format!(
            "{engine}: parse {:.1} µs + insert {:.1} µs per record.",
            parse_s * 1e6,
            insert_s * 1e6
        ));
    }
    t.notes.push("Targets: the sequential path ≥ 0.85 of 1 / (parse + insert); SQLite's single writer with 2 workers ≥ 0.90 of min(insert ceiling, 2 × parse rate). On 2 cores the writer shares the cores with the parsers, so 2 / (parse + insert) is the most any 2-worker run can reach.".into());
    Ok(t)
}
