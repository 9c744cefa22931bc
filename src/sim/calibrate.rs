//! `ingestlab calibrate`: measures on this machine what the simulator
//! needs — parse cost per record by size, write cost per batch as a
//! function of its rows for each engine and insert method, connection cost,
//! what a second concurrent writer costs the first (for PostgreSQL:
//! two COPYs into one table at once, meeting at its extension lock and
//! the WAL), and what a second busy core costs every worker.

use super::engine::simulate;
use super::model::{CostModel, ParseCost, WriteCost};
use super::result::SimData;
use crate::analysis::stats::{median, quantile_sorted};
use crate::backend::{self, BackendOptions, Engine, InsertMethod};
use crate::data::AppRecord;
use crate::data::generate::write_file;
use crate::data::generate::{GenOptions, Generator};
use crate::data::parse::parse_record;
use crate::run::config::LockModel;
use crate::run::result::RunResult;
use crate::run::{Cancel, Ctx, Input, RunConfig};
use anyhow::Result;
use std::path::Path;
use std::time::Instant;

/// Least squares y = a + b x.
pub fn linear_fit(xs: &[f64], ys: &[f64]) -> (f64, f64) {
    let n = xs.len() as f64;
    let (mx, my) = (xs.iter().sum::<f64>() / n, ys.iter().sum::<f64>() / n);
    let sxy: f64 = xs.iter().zip(ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = xs.iter().map(|x| (x - mx).powi(2)).sum();
    let b = if sxx > 0.0 { sxy / sxx } else { 0.0 };
    (my - b * mx, b)
}

fn parse_cost(raw: &[String]) -> ParseCost {
    // One timing per record, in file order, as an ingest meets them: a
    // best-of-several on the same record runs with hot caches and
    // predictors and underestimated the bulk parse cost by half.
    let times: Vec<f64> = raw
        .iter()
        .map(|r| {
            let t = Instant::now();
            let _ = std::hint::black_box(parse_record(r.as_bytes()));
            t.elapsed().as_secs_f64()
        })
        .collect();
    let kb: Vec<f64> = raw.iter().map(|r| r.len() as f64 / 1024.0).collect();
    let (a, b) = linear_fit(&kb, &times);
    let (a, b) = (a.max(0.0), b.max(0.0));
    let mut ratio: Vec<f64> = kb
        .iter()
        .zip(&times)
        .map(|(k, t)| t / (a + b * k).max(1e-12))
        .collect();
    ratio.sort_by(f64::total_cmp);
    // Trim the extreme 1% (page faults, preemption) out of the spread.
    let noise = (0..=20)
        .map(|i| quantile_sorted(&ratio, 0.01 + 0.98 * i as f64 / 20.0))
        .collect();
    ParseCost {
        base_s: a,
        per_kb_s: b,
        noise,
    }
}

/// The batch sizes whose write time is measured (a scenario's batch is
/// charged along the line between the two nearest).
/// Larger batches than 1,000 would be measured on two or three batches of
/// the calibration's 4,000 records: too few for a median.
const BATCH_SIZES: [usize; 4] = [10, 100, 250, 1000];

/// Median write time of batches of [`BATCH_SIZES`] rows on one
/// connection (as many of each as `rows` holds), and the connection cost.
fn batch_costs(
    dir: &Path,
    opts: &BackendOptions,
    rows: &[AppRecord],
) -> Result<(Vec<(f64, f64)>, f64)> {
    let (mut points, mut connect) = (Vec::new(), Vec::new());
    for batch in BATCH_SIZES.into_iter().filter(|b| *b <= rows.len()) {
        let path = dir.join(format!("cal-{}-{}-{batch}", opts.engine, opts.method));
        let db = backend::create(&path, opts)?;
        let t = Instant::now();
        let mut c = db.connect()?;
        connect.push(t.elapsed().as_secs_f64());
        let mut times = Vec::new();
        for chunk in rows.chunks(batch).filter(|c| c.len() == batch) {
            let t = Instant::now();
            c.begin()?;
            c.insert_rows(chunk)?;
            c.commit()?;
            times.push(t.elapsed().as_secs_f64());
        }
        points.push((batch as f64, median(&times)));
        drop(c);
        drop(db);
        backend::remove_db_files(&path)?;
    }
    Ok((points, median(&connect)))
}

/// Seconds for one writer per set, all at once, each on its own
/// connection, in batches of 100.
fn writers_time(dir: &Path, opts: &BackendOptions, sets: &[&[AppRecord]]) -> Result<f64> {
    let path = dir.join(format!("cal2-{}-{}", opts.engine, opts.method));
    let db = backend::create(&path, opts)?;
    let conns = sets
        .iter()
        .map(|_| db.connect())
        .collect::<Result<Vec<_>>>()?;
    let t = Instant::now();
    std::thread::scope(|s| -> Result<()> {
        let hs: Vec<_> = conns
            .into_iter()
            .zip(sets)
            .map(|(mut c, set)| {
                s.spawn(move || -> Result<()> {
                    for chunk in set.chunks(100) {
                        c.begin()?;
                        c.insert_rows(chunk)?;
                        c.commit()?;
                    }
                    Ok(())
                })
            })
            .collect();
        for h in hs {
            h.join()
                .map_err(|_| anyhow::anyhow!("calibration writer panicked"))??;
        }
        Ok(())
    })?;
    let secs = t.elapsed().as_secs_f64();
    drop(db);
    backend::remove_db_files(&path)?;
    Ok(secs)
}

fn write_cost(
    dir: &Path,
    engine: Engine,
    method: InsertMethod,
    rows: &[AppRecord],
) -> Result<WriteCost> {
    let opts = BackendOptions {
        engine,
        method,
        ..Default::default()
    };
    let (batch_points, connect_s) = batch_costs(dir, &opts, rows)?;
    let (xs, ys): (Vec<f64>, Vec<f64>) = batch_points.iter().copied().unzip();
    let (per_batch, per_row) = linear_fit(&xs, &ys);
    // Two writers at once against one alone, each with its own connection.
    let (half, other) = rows.split_at(rows.len() / 2);
    let alone = writers_time(dir, &opts, &[half])?;
    let together = writers_time(dir, &opts, &[half, other])?;
    Ok(WriteCost {
        engine,
        method,
        per_batch_s: per_batch.max(0.0),
        per_row_s: per_row.max(0.0),
        second_writer_factor: (together / alone).clamp(1.0, 2.0),
        busy_core_factor: 1.0,
        connect_s,
        per_record_s: 0.0,
        per_connection_s: 0.0,
        close_points: Vec::new(),
        batch_points,
    })
}

/// The calibration data's own seed: no scenario's runs are ever used to fit
/// the model they are then compared with.
const RUN_SEED: u64 = 0x00ca_11b8;

/// What a real sequential ingest pays beyond parsing and writing batches.
struct RunCosts {
    busy_core_factor: f64,
    per_connection_s: f64,
    per_record_s: f64,
    close_points: Vec<(f64, f64)>,
}

/// The sizes of the real runs: SQLite's close stops growing with the rows
/// between 5,000 and 20,000 (its automatic checkpoints take the rest), so
/// one size lies beyond that.
const RUN_SIZES: [u64; 3] = [1000, 4000, 16000];

/// The close's cost at each run size: the overhead beyond what a run of no
/// rows would pay (the line through the two smallest sizes, at 0 rows),
/// never falling as the rows grow.
fn close_points(xs: &[f64], overheads: &[f64]) -> Vec<(f64, f64)> {
    let (a, _) = linear_fit(&xs[..2], &overheads[..2]);
    let fixed = a.clamp(0.0, overheads.iter().copied().fold(f64::INFINITY, f64::min));
    let mut top = 0.0f64;
    xs.iter()
        .zip(overheads)
        .map(|(&x, &o)| {
            top = top.max(o - fixed);
            (x, top)
        })
        .collect()
}

/// The file of `records` generated records (the calibration's own seed),
/// written once per calibration.
fn run_input(dir: &Path, records: u64) -> Result<Input> {
    let file = dir.join(format!("run-{records}.xml"));
    if !file.exists() {
        let opts = GenOptions {
            records,
            seed: RUN_SEED,
            ..Default::default()
        };
        write_file(&opts, &file)?;
    }
    Input::open(&file)
}

/// One real run of `cfg` on `input`, verified, its database removed.
fn one_run(dir: &Path, input: &Input, cfg: &RunConfig, tag: &str) -> Result<RunResult> {
    let engine = cfg.backend.engine;
    let db = dir.join(format!("run-{engine}-{tag}"));
    let ctx = Ctx {
        cancel: Cancel::never(),
        fault: None,
    };
    let out = crate::run::run(input, &db, cfg, &ctx)?;
    anyhow::ensure!(
        out.result.verification.passed,
        "calibration run on {engine} failed verification"
    );
    backend::remove_db_files(&db)?;
    Ok(out.result)
}

/// Three real sequential runs of `records` generated records (bulk method,
/// batches of 250): their median wall time and overhead (connecting,
/// the schema, the final commit and the close), and the records' sizes.
fn real_runs(dir: &Path, cfg: &RunConfig, records: u64) -> Result<(f64, f64, Vec<f64>)> {
    let input = run_input(dir, records)?;
    let (mut walls, mut overheads) = (Vec::new(), Vec::new());
    for i in 0..3 {
        let r = one_run(dir, &input, cfg, &format!("{records}-{i}"))?;
        walls.push(r.wall_s);
        overheads.push(r.phases.overhead_s);
    }
    // The sizes the simulator draws from: the very records just run.
    let sizes = input
        .index
        .spans
        .iter()
        .map(|s| s.len as f64 / 1024.0)
        .collect();
    Ok((median(&walls), median(&overheads), sizes))
}

/// How much longer the workers' parse and write take when two run at once,
/// from real runs of 4,000 records: three pairs of a sequential run and a
/// 2-worker run under a global mutex (so the two never write at once: that
/// is the second-writer factor), side by side so a drifting machine
/// slows both alike; the median over the pairs of the ratio of their CPU
/// phases (parse and write, summed over the workers). 1 on one core.
fn busy_core_factor(dir: &Path, cfg: &RunConfig, cores: usize) -> Result<f64> {
    if cores < 2 {
        return Ok(1.0);
    }
    let input = run_input(dir, RUN_SIZES[1])?;
    let two = RunConfig {
        workers: 2,
        lock: LockModel::GlobalMutex,
        ..cfg.clone()
    };
    let cpu = |r: &RunResult| r.phases.parse_s + r.phases.insert_s;
    let mut ratios = Vec::new();
    for i in 0..3 {
        let alone = one_run(dir, &input, cfg, &format!("busy1-{i}"))?;
        let both = one_run(dir, &input, &two, &format!("busy2-{i}"))?;
        ratios.push(cpu(&both) / cpu(&alone));
    }
    Ok(median(&ratios).clamp(1.0, 2.0))
}

/// What a real sequential ingest on `engine` costs beyond the parse and
/// write costs of `partial`, from real runs of [`RUN_SIZES`] records: the
/// overhead's growth with the rows is the close's cost (paid once, at the
/// end, whatever the workers); what the wall time still has beyond the
/// simulation is fitted as per connection + per record.
fn run_costs(dir: &Path, engine: Engine, partial: &CostModel) -> Result<RunCosts> {
    let cfg = RunConfig {
        backend: BackendOptions {
            engine,
            ..Default::default()
        },
        batch_size: 250,
        ..Default::default()
    };
    let sizes = RUN_SIZES;
    let runs = sizes
        .iter()
        .map(|&n| real_runs(dir, &cfg, n))
        .collect::<Result<Vec<_>>>()?;
    let xs: Vec<f64> = sizes.iter().map(|&n| n as f64).collect();
    let overheads: Vec<f64> = runs.iter().map(|r| r.1).collect();
    let close_points = close_points(&xs, &overheads);
    let mut model = partial.clone();
    for w in model.writes.iter_mut().filter(|w| w.engine == engine) {
        w.close_points = close_points.clone();
    }
    let mut ys = Vec::new();
    for (&records, (wall, _, sizes)) in sizes.iter().zip(&runs) {
        let data = SimData {
            records,
            sizes_kb: sizes,
            bad_fraction: 0.0,
        };
        let (sim, _) = simulate(&cfg, &data, &model, model.cores, RUN_SEED)?;
        ys.push(wall - sim.result.wall_s);
    }
    let (fixed, per_record) = linear_fit(&xs, &ys);
    Ok(RunCosts {
        busy_core_factor: busy_core_factor(dir, &cfg, partial.cores)?,
        per_connection_s: fixed.max(0.0),
        per_record_s: per_record.max(0.0),
        close_points,
    })
}

/// Records `calibrate` measures on unless told otherwise.
pub const DEFAULT_RECORDS: u64 = 4000;

/// Measures the cost model of `engines` and `methods` on `records`
/// generated records. PostgreSQL is measured on ingestlab's own server with
/// default settings (started for the calibration, stopped with the command).
pub fn calibrate(records: u64, engines: &[Engine], methods: &[InsertMethod]) -> Result<CostModel> {
    let dir = crate::store::work_dir()?;
    let mut g = Generator::new(GenOptions {
        records: records.max(2000),
        ..Default::default()
    });
    let raw: Vec<String> = std::iter::from_fn(|| g.next_record())
        .map(|r| r.xml)
        .collect();
    let parse = parse_cost(&raw);
    let rows: Vec<AppRecord> = raw
        .iter()
        .filter_map(|r| parse_record(r.as_bytes()).ok())
        .collect();
    let mut writes = Vec::new();
    for &engine in engines {
        for &method in methods {
            writes.push(write_cost(dir.path(), engine, method, &rows)?);
        }
    }
    let env = crate::report::Environment::capture(vec![]);
    let mut model = CostModel {
        cpu_model: env.cpu_model,
        cores: env.cores,
        date: env.date,
        ingestlab_version: env.ingestlab_version,
        parse,
        writes,
    };
    // Both methods of an engine share the read, connection and busy-core
    // terms (they differ in how rows are written, which the write costs
    // already hold).
    for &engine in engines {
        let c = run_costs(dir.path(), engine, &model)?;
        for w in model.writes.iter_mut().filter(|w| w.engine == engine) {
            w.busy_core_factor = c.busy_core_factor;
            w.per_connection_s = c.per_connection_s;
            w.per_record_s = c.per_record_s;
            w.close_points = c.close_points.clone();
        }
    }
    Ok(model)
}

#[cfg(test)]
mod tests {
    /// The close grows with the rows up to the largest run and never
    /// falls; the fixed overhead (connecting, the schema) is not in it.
    #[test]
    fn the_close_is_the_overhead_beyond_a_run_of_no_rows() {
        // 2 ms fixed + 10 µs per row up to 4,000 rows, then flat at 50 ms.
        let p = super::close_points(&[1000.0, 4000.0, 16000.0], &[0.012, 0.042, 0.050]);
        let want = [(1000.0, 0.010), (4000.0, 0.040), (16000.0, 0.048)];
        for (got, want) in p.iter().zip(want) {
            assert!((got.1 - want.1).abs() < 1e-12 && got.0 == want.0, "{p:?}");
        }
        // A largest run measured below the one before it stays level.
        let p = super::close_points(&[1000.0, 4000.0, 16000.0], &[0.012, 0.042, 0.030]);
        assert!((p[2].1 - p[1].1).abs() < 1e-12, "{p:?}");
    }

    #[test]
    fn linear_fit_known_answer() {
        let (a, b) = super::linear_fit(&[1.0, 2.0, 3.0], &[5.0, 7.0, 9.0]);
        assert!((a - 3.0).abs() < 1e-12 && (b - 2.0).abs() < 1e-12);
    }
}
