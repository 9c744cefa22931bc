//! The parallel runner through the library on small data: every lock model
//! × engine × schedule × worker count passes verification on data with
//! malformed and duplicate records; simulated pool costs show up where they
//! should and only there; a global mutex makes workers wait.

mod common;

use common::gen_file;
use ingestlab::backend::{BackendOptions, Engine, InsertMethod};
use ingestlab::run::{self, Input, LockModel, Overhead, RunConfig, Schedule};

#[test]
fn every_combination_passes_verification() {
    let dir = tempfile::tempdir().unwrap();
    let (path, stats) = gen_file(dir.path(), "m.xml", 240, 0.05, 0.05);
    let input = Input::open(&path).unwrap();
    let expect_quarantined = stats.malformed + stats.duplicates;
    for engine in Engine::ALL {
        for lock in LockModel::ALL {
            for schedule in [Schedule::Static, Schedule::Dynamic] {
                for workers in [1, 2, 3, 4, 8] {
                    let cfg = RunConfig {
                        backend: BackendOptions {
                            engine,
                            ..Default::default()
                        },
                        workers,
                        batch_size: 16,
                        schedule,
                        lock,
                        queue_depth: 2,
                        ..Default::default()
                    };
                    let db = dir.path().join(format!(
                        "{engine}-{}-{}-{workers}.db",
                        lock.name(),
                        schedule.name()
                    ));
                    let r = run::run(&input, &db, &cfg).unwrap().result;
                    let what = format!("{engine} {} {} {workers}", lock.name(), schedule.name());
                    assert!(
                        r.verification.passed,
                        "{what}: {:?}",
                        r.verification.problems
                    );
                    assert_eq!(r.quarantined, expect_quarantined, "{what}");
                    assert_eq!(r.workers.len(), workers, "{what}");
                    assert_eq!(
                        r.workers.iter().map(|w| w.records).sum::<u64>(),
                        240,
                        "{what}"
                    );
                    assert_eq!(
                        r.writer.is_some(),
                        lock == LockModel::SingleWriter && workers > 1,
                        "{what}"
                    );
                    ingestlab::backend::remove_db_files(&db);
                }
            }
        }
    }
}

fn cfg_with(workers: usize, overhead: Overhead) -> RunConfig {
    RunConfig {
        workers,
        batch_size: 10,
        overhead,
        ..Default::default()
    }
}

#[test]
fn python_mp_preset_shows_in_the_phase_totals_and_none_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = gen_file(dir.path(), "p.xml", 50, 0.0, 0.0);
    let input = Input::open(&path).unwrap();
    let mp = Overhead::preset("python-mp").unwrap();
    let r = run::run(&input, &dir.path().join("mp.db"), &cfg_with(4, mp.clone()))
        .unwrap()
        .result;
    assert!(r.verification.passed);
    // Worker w cannot start before the pool and w+1 worker start-ups.
    for w in &r.workers {
        let floor = mp.pool_startup_s + (w.worker as f64 + 1.0) * mp.worker_startup_s;
        assert!(
            w.phases.overhead_s >= floor,
            "worker {} overhead {} < {floor}",
            w.worker,
            w.phases.overhead_s
        );
    }
    assert!(r.wall_s >= mp.fixed_s(4));
    let none = run::run(
        &input,
        &dir.path().join("none.db"),
        &cfg_with(4, Overhead::preset("none").unwrap()),
    )
    .unwrap()
    .result;
    assert!(none.verification.passed);
    assert!(
        none.phases.overhead_s < mp.pool_startup_s,
        "no preset, yet {} s of overhead",
        none.phases.overhead_s
    );
    assert!(r.phases.overhead_s > 10.0 * none.phases.overhead_s);
}

#[test]
fn global_mutex_wait_grows_with_workers_when_insert_dominates() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = gen_file(dir.path(), "g.xml", 400, 0.0, 0.0);
    let input = Input::open(&path).unwrap();
    // DuckDB's row-by-row INSERT makes the write far slower than the parse.
    let wait = |workers: usize| {
        let cfg = RunConfig {
            backend: BackendOptions {
                engine: Engine::Duckdb,
                method: InsertMethod::Insert,
                ..Default::default()
            },
            workers,
            batch_size: 20,
            lock: LockModel::GlobalMutex,
            ..Default::default()
        };
        let r = run::run(&input, &dir.path().join(format!("g{workers}.db")), &cfg)
            .unwrap()
            .result;
        assert!(r.verification.passed);
        assert!(
            r.phases.insert_s > r.phases.parse_s,
            "insert should dominate: {:?}",
            r.phases
        );
        r.phases.wait_s
    };
    let (w1, w2, w4) = (wait(1), wait(2), wait(4));
    assert!(
        w2 > w1 && w4 > w2,
        "lock wait 1/2/4 workers: {w1} {w2} {w4}"
    );
}

#[test]
fn ipc_copy_is_measured_as_overhead() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = gen_file(dir.path(), "i.xml", 100, 0.0, 0.0);
    let input = Input::open(&path).unwrap();
    let r = run::run(
        &input,
        &dir.path().join("i.db"),
        &cfg_with(2, Overhead::preset("ipc-copy").unwrap()),
    )
    .unwrap()
    .result;
    assert!(r.verification.passed);
    assert!(r.phases.overhead_s > 0.0);
}
