//! `ingestlab bench`: throughput figures measured side by side on the same
//! generated data, printed as tables. Each figure is the median of
//! `--repeat` runs, because this machine is noisy.

use crate::backend::{self, BackendOptions, Engine, InsertMethod};
use crate::data::AppRecord;
use crate::data::generate::GenOptions;
use crate::data::parse::parse_record;
use crate::data::split::RecordReader;
use crate::run::{self, Input, LockModel, RunConfig};
use anyhow::{Context, Result};
use clap::Args;
use std::time::Instant;

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// Records to generate for the parse, insert and parallel figures.
    #[arg(long, default_value_t = 100_000)]
    pub records: u64,
    /// Runs per figure; the median is printed.
    #[arg(long, default_value_t = 3)]
    pub repeat: usize,
    /// Sections to run, comma-separated: parse, insert, parallel, timeline, memory, sim.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "parse,insert,parallel,timeline,sim"
    )]
    pub sections: Vec<String>,
    /// Records for the memory section (ingested with batch size 10,000).
    #[arg(long, default_value_t = 1_000_000)]
    pub memory_records: u64,
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    let n = v.len();
    if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    }
}

/// Median seconds of `repeat` calls of `f`.
fn time_median(repeat: usize, mut f: impl FnMut() -> Result<()>) -> Result<f64> {
    let mut times = Vec::new();
    for _ in 0..repeat.max(1) {
        let t = Instant::now();
        f()?;
        times.push(t.elapsed().as_secs_f64());
    }
    Ok(median(times))
}

pub fn run(a: &BenchArgs) -> Result<()> {
    let dir = tempfile::tempdir()?;
    let want = |s: &str| a.sections.iter().any(|x| x == s);
    let path = dir.path().join("bench.xml");
    let stats = crate::cli::write_generated(
        &GenOptions {
            records: a.records,
            ..Default::default()
        },
        &path,
    )?;
    println!(
        "# ingestlab bench: {} records, {:.1} MB, median of {} run(s)\n",
        stats.records,
        stats.bytes as f64 / 1e6,
        a.repeat
    );
    let input = Input::open(&path)?;
    let reader = RecordReader::open(&path)?;
    let raw: Vec<Vec<u8>> = input
        .index
        .spans
        .iter()
        .map(|s| {
            let mut b = Vec::new();
            reader.read(*s, &mut b).map(|_| b)
        })
        .collect::<Result<_>>()?;
    let mb = stats.bytes as f64 / 1e6;
    let n = raw.len() as f64;
    let mut ceiling = None;

    if want("parse") {
        let bare = time_median(a.repeat, || {
            let mut events = 0u64;
            for r in &raw {
                let mut rd = quick_xml::Reader::from_str(std::str::from_utf8(r)?);
                loop {
                    match rd.read_event()? {
                        quick_xml::events::Event::Eof => break,
                        _ => events += 1,
                    }
                }
            }
            std::hint::black_box(events);
            Ok(())
        })?;
        let ours = time_median(a.repeat, || {
            let ok = raw.iter().filter(|r| parse_record(r).is_ok()).count();
            std::hint::black_box(ok);
            Ok(())
        })?;
        println!("## parse (one thread)\n");
        println!("| parser | MB/s | records/s |\n|---|---:|---:|");
        println!(
            "| quick-xml bare event loop | {:.0} | {:.0} |",
            mb / bare,
            n / bare
        );
        println!(
            "| ingestlab parse_record | {:.0} | {:.0} |",
            mb / ours,
            n / ours
        );
        println!(
            "\nparse_record runs at {:.0}% of the bare event loop\n",
            100.0 * bare / ours
        );
    }

    if want("insert") || want("parallel") {
        let rows: Vec<AppRecord> = raw.iter().filter_map(|r| parse_record(r).ok()).collect();
        println!("## insert (one connection, batches of 1,000 rows, parsed rows in memory)\n");
        println!("| engine | method | rows/s |\n|---|---|---:|");
        for engine in Engine::ALL {
            for method in [InsertMethod::Bulk, InsertMethod::Insert] {
                if !want("insert") && (engine, method) != (Engine::Sqlite, InsertMethod::Bulk) {
                    continue;
                }
                let opts = BackendOptions {
                    engine,
                    method,
                    ..Default::default()
                };
                // DuckDB's row-at-a-time INSERT runs at a few thousand rows/s:
                // it is measured on the first 10,000 rows to keep the bench short.
                let rows = if (engine, method) == (Engine::Duckdb, InsertMethod::Insert) {
                    &rows[..rows.len().min(10_000)]
                } else {
                    &rows[..]
                };
                let secs = time_median(a.repeat, || {
                    let db =
                        backend::create(&dir.path().join(format!("ins.{}", engine.name())), &opts)?;
                    let mut c = db.connect()?;
                    for chunk in rows.chunks(1000) {
                        c.begin()?;
                        c.insert_rows(chunk)?;
                        c.commit()?;
                    }
                    Ok(())
                })?;
                let rate = rows.len() as f64 / secs;
                if (engine, method) == (Engine::Sqlite, InsertMethod::Bulk) {
                    ceiling = Some(rate);
                }
                println!("| {engine} | {} | {rate:.0} |", method.name());
            }
        }
        println!();
    }

    if want("parallel") {
        println!(
            "## parallel ingest (batch 1,000, no simulated overhead, records/s; speedup over 1 worker)\n"
        );
        println!(
            "| engine | lock model | 1 worker | 2 workers | 4 workers | speedup 2 | speedup 4 |\n|---|---|---:|---:|---:|---:|---:|"
        );
        let mut sw2 = None;
        for engine in Engine::ALL {
            let base = RunConfig {
                backend: BackendOptions {
                    engine,
                    ..Default::default()
                },
                batch_size: 1000,
                ..Default::default()
            };
            let t1 = ingest_median(&input, dir.path(), &base, a.repeat)?;
            for lock in LockModel::ALL {
                let mut rates = vec![n / t1];
                for workers in [2, 4] {
                    let t = ingest_median(
                        &input,
                        dir.path(),
                        &RunConfig {
                            workers,
                            lock,
                            ..base.clone()
                        },
                        a.repeat,
                    )?;
                    rates.push(n / t);
                    if (engine, lock, workers) == (Engine::Sqlite, LockModel::SingleWriter, 2) {
                        sw2 = Some(n / t);
                    }
                }
                println!(
                    "| {engine} | {} | {:.0} | {:.0} | {:.0} | {:.2} | {:.2} |",
                    lock.name(),
                    rates[0],
                    rates[1],
                    rates[2],
                    rates[1] / rates[0],
                    rates[2] / rates[0]
                );
            }
        }
        if let (Some(sw), Some(c)) = (sw2, ceiling) {
            println!(
                "\nsingle-writer, SQLite, 2 workers: {sw:.0} records/s = {:.0}% of one SQLite connection inserting pre-parsed rows alone ({c:.0} rows/s)\n",
                100.0 * sw / c
            );
        }
    }

    if want("timeline") {
        // Alternate off/on so drift in machine load hits both alike.
        let cfg = RunConfig {
            workers: 2,
            batch_size: 1000,
            ..Default::default()
        };
        let (mut off, mut on) = (Vec::new(), Vec::new());
        for _ in 0..a.repeat.max(3) {
            off.push(ingest_once(&input, dir.path(), &cfg)?);
            on.push(ingest_once(
                &input,
                dir.path(),
                &RunConfig {
                    timeline: true,
                    ..cfg.clone()
                },
            )?);
        }
        let (off, on) = (median(off), median(on));
        println!("## instrumentation (SQLite, native, 2 workers)\n");
        println!(
            "timeline off {off:.3} s, on {on:.3} s: recording costs {:+.1}% of wall time\n",
            100.0 * (on - off) / off
        );
    }

    if want("sim") {
        // The simulator on a million records across 64 workers, with this
        // machine's cost model (measured now if there is none yet).
        let path = crate::sim::model::default_path();
        let model = match crate::sim::model::CostModel::load(&path) {
            Ok(m) => m,
            Err(_) => {
                let m = crate::sim::calibrate::calibrate(4000)?;
                m.save(&path)?;
                m
            }
        };
        let sizes = crate::sim::size_sample(&crate::scenario::DataKey {
            records: 2000,
            seed: 42,
            text_scale: 1.0,
            malformed_rate: 0.0,
            duplicate_rate: 0.0,
        });
        println!("## simulator (1,000,000 records, batch 1,000, python-mp overhead, 64 cores)\n");
        println!(
            "| engine | lock model | workers | events | simulate s | M events/s | simulated wall s |\n|---|---|---:|---:|---:|---:|---:|"
        );
        for (engine, lock) in [
            (Engine::Sqlite, LockModel::Native),
            (Engine::Duckdb, LockModel::Native),
            (Engine::Sqlite, LockModel::SingleWriter),
        ] {
            for workers in [1, 64] {
                let cfg = RunConfig {
                    backend: BackendOptions {
                        engine,
                        ..Default::default()
                    },
                    workers,
                    batch_size: 1000,
                    lock,
                    overhead: crate::run::Overhead::preset("python-mp")?,
                    ..Default::default()
                };
                let data = crate::sim::engine::SimData {
                    records: 1_000_000,
                    sizes_kb: &sizes,
                    bad_fraction: 0.0,
                };
                let mut out = None;
                let secs = time_median(a.repeat, || {
                    out = Some(crate::sim::engine::simulate(&cfg, &data, &model, 64, 1)?);
                    Ok(())
                })?;
                let (o, events) = out.expect("ran");
                println!(
                    "| {engine} | {} | {workers} | {events} | {secs:.3} | {:.1} | {:.1} |",
                    lock.name(),
                    events as f64 / secs / 1e6,
                    o.result.wall_s
                );
            }
        }
        println!();
    }

    if want("memory") {
        let path = dir.path().join("memory.xml");
        let s = crate::cli::write_generated(
            &GenOptions {
                records: a.memory_records,
                ..Default::default()
            },
            &path,
        )?;
        let input = Input::open(&path)?;
        println!(
            "## memory ({} records, {:.0} MB, batch 10,000)\n",
            s.records,
            s.bytes as f64 / 1e6
        );
        println!(
            "| engine | workers | wall s | peak RSS MB | verified |\n|---|---:|---:|---:|---|"
        );
        for engine in Engine::ALL {
            for workers in [1, 2] {
                let cfg = RunConfig {
                    backend: BackendOptions {
                        engine,
                        ..Default::default()
                    },
                    workers,
                    batch_size: 10_000,
                    ..Default::default()
                };
                let db = dir.path().join(format!("mem.{}", engine.name()));
                let out = run::run(&input, &db, &cfg)?;
                backend::remove_db_files(&db);
                let r = out.result;
                println!(
                    "| {engine} | {workers} | {:.1} | {:.0} | {} |",
                    r.wall_s,
                    r.peak_rss_bytes as f64 / 1e6,
                    r.verification.passed
                );
            }
        }
    }
    Ok(())
}

fn ingest_once(input: &Input, dir: &std::path::Path, cfg: &RunConfig) -> Result<f64> {
    let db = dir.join(format!("par.{}", cfg.backend.engine.name()));
    let out = run::run(input, &db, cfg)?;
    backend::remove_db_files(&db);
    anyhow::ensure!(
        out.result.verification.passed,
        "verification failed: {:?}",
        out.result.verification.problems
    );
    Ok(out.result.wall_s)
}

fn ingest_median(
    input: &Input,
    dir: &std::path::Path,
    cfg: &RunConfig,
    repeat: usize,
) -> Result<f64> {
    let v = (0..repeat.max(1))
        .map(|_| ingest_once(input, dir, cfg))
        .collect::<Result<Vec<_>>>()
        .context("bench run")?;
    Ok(median(v))
}
