//! The parallel runner through the library on small data: every engine ×
//! lock model × schedule × worker count × index policy stores the same rows
//! as the sequential run, on data with malformed and duplicate records;
//! verification fails when a fault-injecting double corrupts a write;
//! every thread's time adds up; simulated pool costs show up where they
//! should and only there.

mod common;

use common::gen_file;
use ingestlab::backend::fault::{Fault, FaultyDb};
use ingestlab::backend::{self, BackendOptions, Engine, IndexPolicy, InsertMethod};
use ingestlab::data::parse::parse_record;
use ingestlab::run::clock::RealClock;
use ingestlab::run::{self, Cancel, Ctx, Input, LockModel, Preset, RunConfig, Schedule};

fn cfg(
    engine: Engine,
    index: IndexPolicy,
    lock: LockModel,
    schedule: Schedule,
    workers: usize,
) -> RunConfig {
    RunConfig {
        backend: BackendOptions {
            engine,
            index,
            ..Default::default()
        },
        workers,
        batch_size: 16,
        schedule,
        lock,
        queue_depth: 2,
        ..Default::default()
    }
}

#[test]
fn every_configuration_stores_the_same_rows_as_the_sequential_run() {
    let dir = tempfile::tempdir().unwrap();
    let (path, stats) = gen_file(dir.path(), "m.xml", 240, 0.05, 0.05);
    assert!(stats.malformed > 0 && stats.duplicates > 0);
    let input = Input::open(&path).unwrap();
    let expected = *input.expected().unwrap();
    assert_eq!(expected.quarantined, stats.malformed + stats.duplicates);
    let db = dir.path().join("t.db");
    let mut runs = 0;
    for engine in Engine::EMBEDDED {
        for index in IndexPolicy::ALL {
            for lock in LockModel::ALL {
                for schedule in Schedule::ALL {
                    for workers in [1, 2, 4] {
                        let c = cfg(engine, index, lock, schedule, workers);
                        let r = run::run(&input, &db, &c, &Ctx::default()).unwrap().result;
                        let what = format!("{engine} {index} {lock} {schedule} ×{workers}");
                        let v = &r.verification;
                        assert!(v.passed, "{what}: {:?}", v.problems);
                        assert_eq!(
                            (v.checksum_stored, v.errors_checksum_stored),
                            (expected.checksum.0, expected.errors_checksum.0),
                            "{what}"
                        );
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
                        runs += 1;
                    }
                }
            }
        }
    }
    assert_eq!(runs, 2 * 2 * 4 * 2 * 3);
}

#[test]
fn the_first_record_in_file_order_wins_each_app_id() {
    let dir = tempfile::tempdir().unwrap();
    let (path, stats) = gen_file(dir.path(), "d.xml", 600, 0.0, 0.05);
    assert!(stats.duplicates > 10);
    let input = Input::open(&path).unwrap();
    let reader = ingestlab::data::split::RecordReader::open(&path).unwrap();
    // The first parsed record of every app_id, in file order.
    let mut first = std::collections::HashMap::new();
    for (k, s) in input.index.spans.iter().enumerate() {
        let mut b = Vec::new();
        reader.read(*s, &mut b).unwrap();
        let r = parse_record(&b).unwrap();
        first.entry(r.app_id.clone()).or_insert((k, r));
    }
    let db_path = dir.path().join("d.db");
    let c = cfg(
        Engine::Sqlite,
        IndexPolicy::Upfront,
        LockModel::Native,
        Schedule::Dynamic,
        4,
    );
    assert!(
        run::run(&input, &db_path, &c, &Ctx::default())
            .unwrap()
            .result
            .verification
            .passed
    );
    let conn = rusqlite::Connection::open(&db_path).unwrap();
    for (id, (k, r)) in &first {
        let (title, pub_date): (String, String) = conn
            .query_row(
                "SELECT title, pub_date FROM app_base WHERE app_id = ?",
                [id],
                |x| Ok((x.get(0)?, x.get(1)?)),
            )
            .unwrap();
        assert_eq!(
            (title.as_str(), pub_date.as_str()),
            (r.title.as_str(), r.pub_date.as_str()),
            "app_id {id} (record {k})"
        );
    }
    let reason: String = conn
        .query_row(
            "SELECT reason FROM app_errors WHERE reason LIKE 'duplicate%' LIMIT 1",
            [],
            |x| x.get(0),
        )
        .unwrap();
    assert!(
        reason.contains("the first in file order") && reason.contains("is kept"),
        "{reason}"
    );
}

#[test]
fn verification_fails_when_the_database_is_corrupted() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = gen_file(dir.path(), "f.xml", 200, 0.0, 0.0);
    let input = Input::open(&path).unwrap();
    for engine in Engine::EMBEDDED {
        // disk-full makes every insert fail: a failed run, not a corrupted
        // database (tests/hostile.rs covers it).
        for fault in Fault::ALL.into_iter().filter(|f| *f != Fault::DiskFull) {
            let c = cfg(
                engine,
                IndexPolicy::AfterLoad,
                LockModel::Native,
                Schedule::Static,
                2,
            );
            let p = dir.path().join(format!("f-{engine}-{fault}.db"));
            let db = FaultyDb::new(backend::create(&p, &c.backend).unwrap(), fault);
            let r = run::run_with(&input, &db, &c, &RealClock::start(), &Cancel::never())
                .unwrap()
                .result;
            assert!(
                !r.verification.passed,
                "{engine} {fault}: verification passed a corrupted database"
            );
            let expected = match fault {
                Fault::DropRow => "expects 200",
                Fault::AlterColumn => "stored rows differ",
                Fault::DuplicateRow => "distinct app_ids",
                Fault::DiskFull => unreachable!("left out above"),
            };
            assert!(
                r.verification.problems.iter().any(|p| p.contains(expected)),
                "{engine} {fault}: {:?}",
                r.verification.problems
            );
        }
    }
}

#[test]
fn every_threads_time_adds_up_to_the_wall_time() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = gen_file(dir.path(), "a.xml", 300, 0.02, 0.02);
    let input = Input::open(&path).unwrap();
    for lock in LockModel::ALL {
        for index in IndexPolicy::ALL {
            let mut c = cfg(Engine::Sqlite, index, lock, Schedule::Static, 3);
            c.overhead = Preset::PythonMp.resolve(&ingestlab::run::OverheadKnobs {
                pool_startup_ms: Some(5.0),
                worker_startup_ms: Some(2.0),
                dispatch_ms: Some(0.2),
                shutdown_ms: Some(5.0),
                ..Default::default()
            });
            let r = run::run(&input, &dir.path().join("a.db"), &c, &Ctx::default())
                .unwrap()
                .result;
            let sum = r.all_threads().total();
            assert!(
                (sum - r.wall_s * r.threads as f64).abs() < 1e-6 * r.wall_s.max(1.0),
                "{lock} {index}: {sum} vs {} × {}",
                r.wall_s,
                r.threads
            );
            if index == IndexPolicy::AfterLoad {
                assert!(
                    r.all_threads().index_s > 0.0,
                    "{lock}: the index build is a phase of its own"
                );
            } else {
                assert_eq!(r.all_threads().index_s, 0.0);
            }
        }
    }
}

fn cfg_with(workers: usize, preset: Preset) -> RunConfig {
    RunConfig {
        workers,
        batch_size: 10,
        overhead: preset.resolve(&Default::default()),
        ..Default::default()
    }
}

#[test]
fn python_mp_preset_shows_in_the_phase_totals_and_none_does_not() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = gen_file(dir.path(), "p.xml", 50, 0.0, 0.0);
    let input = Input::open(&path).unwrap();
    let mp = Preset::PythonMp.resolve(&Default::default());
    let r = run::run(
        &input,
        &dir.path().join("mp.db"),
        &cfg_with(4, Preset::PythonMp),
        &Ctx::default(),
    )
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
        &cfg_with(4, Preset::None),
        &Ctx::default(),
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
    // DuckDB's row-by-row INSERT makes the write slower than the parse.
    let wait = |workers: usize| {
        let mut c = cfg(
            Engine::Duckdb,
            IndexPolicy::Upfront,
            LockModel::GlobalMutex,
            Schedule::Static,
            workers,
        );
        c.backend.method = InsertMethod::Insert;
        c.batch_size = 20;
        let r = run::run(
            &input,
            &dir.path().join(format!("g{workers}.db")),
            &c,
            &Ctx::default(),
        )
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

/// The pickling round trip is booked as overhead of the batch it carries:
/// every batch has an overhead span with IPC copy, and none has one
/// without it (the run-level start-up spans belong to no batch). Checked
/// on the timeline, not against a time floor, so a noisy clock cannot
/// make it pass or fail.
#[test]
fn ipc_copy_is_measured_as_overhead_of_each_batch() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = gen_file(dir.path(), "i.xml", 100, 0.0, 0.0);
    let input = Input::open(&path).unwrap();
    let batches_with_overhead = |preset: Preset, name: &str| {
        let out = run::run(
            &input,
            &dir.path().join(name),
            &RunConfig {
                timeline: true,
                ..cfg_with(2, preset)
            },
            &Ctx::default(),
        )
        .unwrap();
        assert!(out.result.verification.passed);
        let mut ids: Vec<u32> = out
            .timeline
            .iter()
            .filter(|e| e.phase == ingestlab::run::Phase::Overhead && e.end_s > e.start_s)
            .filter_map(|e| e.batch)
            .collect();
        ids.sort();
        ids.dedup();
        ids.len()
    };
    // 100 records in batches of 10: ten batches.
    assert_eq!(batches_with_overhead(Preset::IpcCopy, "ipc.db"), 10);
    assert_eq!(batches_with_overhead(Preset::None, "none.db"), 0);
}

#[test]
fn a_failing_single_writer_reports_its_own_error() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = gen_file(dir.path(), "w.xml", 200, 0.0, 0.0);
    let input = Input::open(&path).unwrap();
    // The writer's insert fails: a duplicate row under an upfront key.
    let c = cfg(
        Engine::Sqlite,
        IndexPolicy::Upfront,
        LockModel::SingleWriter,
        Schedule::Static,
        2,
    );
    let p = dir.path().join("w.db");
    let db = FaultyDb::new(
        backend::create(&p, &c.backend).unwrap(),
        Fault::DuplicateRow,
    );
    let e = run::run_with(&input, &db, &c, &RealClock::start(), &Cancel::never()).unwrap_err();
    let msg = format!("{e:#}");
    assert!(
        msg.contains("single writer failed") && msg.contains("UNIQUE"),
        "{msg}"
    );
}

/// Per-record work is its own phase: with 2 ms a record on 150 records the
/// workers book at least 0.3 s of it and parse stays what parsing costs
/// (it held the work, 0.3 s of it, before work had its own phase).
#[test]
fn per_record_work_is_booked_apart_from_parsing() {
    let dir = tempfile::tempdir().unwrap();
    let (path, _) = gen_file(dir.path(), "w.xml", 150, 0.0, 0.0);
    let input = Input::open(&path).unwrap();
    let mut phases = Vec::new();
    for work_ms in [0.0, 2.0] {
        for workers in [1, 2] {
            let mut c = cfg(
                Engine::Sqlite,
                IndexPolicy::Upfront,
                LockModel::Native,
                Schedule::Static,
                workers,
            );
            c.record_work_s = work_ms / 1e3;
            let db = dir.path().join(format!("w{work_ms}-{workers}.db"));
            let r = run::run(&input, &db, &c, &Ctx::default()).unwrap().result;
            assert!(r.verification.passed);
            phases.push((work_ms, workers, r.phases));
        }
    }
    for (work_ms, workers, p) in &phases {
        let what = format!("{work_ms} ms ×{workers}: {p:?}");
        if *work_ms == 0.0 {
            assert_eq!(p.work_s, 0.0, "{what}");
        } else {
            assert!(p.work_s >= 0.3 * 0.99, "{what}");
            assert!(p.parse_s < 0.1, "parse holds no work: {what}");
        }
    }
}
