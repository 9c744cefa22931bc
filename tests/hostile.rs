//! What a careful user and a hostile one tried, through the real binary:
//! nothing the user owns is overwritten, nothing runs away, nothing is
//! left behind, and every ending has its exit code (0 done, 1 failed,
//! 2 refused or bad usage, 3 a verification failed, 130 interrupted).

mod common;

use clap::CommandFactory;
use common::{bin, exe, gen_file};
use predicates::prelude::*;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn scenario(dir: &Path, body: &str) -> std::path::PathBuf {
    common::scenario_file(dir, "hostile", body)
}

/// Runs the binary with a deadline; returns (exit code, stderr). A panic
/// exits 101 and a hang past the deadline is killed: both fail the test.
fn run_with_deadline(args: &[String], secs: u64) -> (i32, String) {
    let mut child = Command::new(exe())
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let t = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            let mut err = String::new();
            use std::io::Read;
            child
                .stderr
                .take()
                .unwrap()
                .read_to_string(&mut err)
                .unwrap();
            return (status.code().unwrap_or(-1), err);
        }
        if t.elapsed() > Duration::from_secs(secs) {
            child.kill().unwrap();
            panic!("ingestlab {args:?} ran past {secs} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_folder_holding_a_users_results_json_is_not_taken_for_ingestlabs() {
    let dir = tempfile::tempdir().unwrap();
    let u = dir.path().join("u");
    std::fs::create_dir(&u).unwrap();
    std::fs::write(u.join("results.json"), "{\"mine\":1}").unwrap();
    std::fs::write(u.join("notes.txt"), "notes").unwrap();
    let s = scenario(
        dir.path(),
        "[data]\nrecords = [50]\n[sweep]\nworkers = [1]\n",
    );
    bin()
        .arg("run")
        .arg(&s)
        .arg("--output")
        .arg(&u)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("did not write").and(predicate::str::contains("--overwrite")),
        );
    assert_eq!(
        std::fs::read_to_string(u.join("results.json")).unwrap(),
        "{\"mine\":1}"
    );
    assert!(
        !u.join(".ingestlab").exists(),
        "the folder was marked as ingestlab's"
    );
}

#[test]
fn calibrate_replaces_only_its_own_model_and_never_a_link() {
    let dir = tempfile::tempdir().unwrap();
    let user = dir.path().join("user.txt");
    std::fs::write(&user, "precious").unwrap();
    bin()
        .args(["calibrate", "--records", "100", "--model"])
        .arg(&user)
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("not an ingestlab cost model")
                .and(predicate::str::contains("--overwrite")),
        );
    assert_eq!(std::fs::read_to_string(&user).unwrap(), "precious");
    let link = dir.path().join("link.json");
    std::os::unix::fs::symlink(&user, &link).unwrap();
    bin()
        .args(["calibrate", "--records", "100", "--overwrite", "--model"])
        .arg(&link)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("symbolic link"));
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(std::fs::read_to_string(&user).unwrap(), "precious");
    // Its own file it replaces without being asked.
    let m = dir.path().join("m.json");
    for _ in 0..2 {
        bin()
            .args(["calibrate", "--records", "100", "--model"])
            .arg(&m)
            .assert()
            .success();
    }
}

#[test]
fn eight_resumes_on_one_stale_lock_make_one_sweep() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(
        dir.path(),
        "repetitions = 1\n[data]\nrecords = [3000]\n[sweep]\nworkers = [1, 2]\n",
    );
    bin().arg("run").arg(&s).assert().success();
    let out = dir.path().join("out");
    std::fs::write(out.join(".ingestlab.lock"), "999999999\n").unwrap();
    let children: Vec<_> = (0..8)
        .map(|_| {
            Command::new(exe())
                .arg("run")
                .arg(&s)
                .args(["--resume", "--set", "repetitions=12"])
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outs: Vec<_> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap())
        .collect();
    let took_over = outs
        .iter()
        .filter(|o| String::from_utf8_lossy(&o.stderr).contains("took over the lock"))
        .count();
    assert_eq!(
        took_over, 1,
        "exactly one process takes over the stale lock"
    );
    let lines = std::fs::read_to_string(out.join("runs.jsonl"))
        .unwrap()
        .lines()
        .count();
    assert_eq!(lines, 2 * 12, "each run made once");
}

#[test]
fn the_timeline_can_be_neither_the_database_nor_the_input() {
    let dir = tempfile::tempdir().unwrap();
    let (input, _) = gen_file(dir.path(), "in.xml", 20, 0.0, 0.0);
    let db = dir.path().join("same.db");
    for (t, what) in [(&db, "the database"), (&input, "the input")] {
        bin()
            .args(["ingest", "--input"])
            .arg(&input)
            .arg("--db")
            .arg(&db)
            .arg("--timeline")
            .arg(t)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(what));
    }
    assert!(!db.exists());
}

/// Every numeric flag of `ingest`, found in clap's command definition, and
/// every numeric scenario key, found in a serialised scenario, given 0, a
/// negative number, NaN and 1e308: a clear refusal or a run, never a panic
/// (exit 101) and never a run past its deadline.
#[test]
fn extreme_values_of_every_numeric_knob_never_panic() {
    let dir = tempfile::tempdir().unwrap();
    let (input, _) = gen_file(dir.path(), "in.xml", 40, 0.0, 0.0);
    let cmd = ingestlab::cli::Cli::command();
    let ingest = cmd.find_subcommand("ingest").unwrap();
    let numeric: Vec<String> = ingest
        .get_arguments()
        .filter(|a| a.get_action().takes_values() && a.get_possible_values().is_empty())
        .filter_map(|a| a.get_long().map(String::from))
        .filter(|l| {
            ![
                "input",
                "db",
                "timeline",
                "pragma",
                "inject-fault",
                "pg-bin",
            ]
            .contains(&l.as_str())
        })
        .collect();
    assert!(numeric.len() >= 8, "{numeric:?}");
    for flag in &numeric {
        for v in ["0", "-1", "NaN", "1e308"] {
            let args: Vec<String> = vec![
                "ingest".into(),
                "--input".into(),
                input.display().to_string(),
                "--workers".into(),
                "2".into(),
                "--overhead".into(),
                "python-mp".into(),
                format!("--{flag}={v}"),
            ];
            let (code, err) = run_with_deadline(&args, 60);
            assert!(code == 0 || code == 2, "--{flag} {v}: exit {code}: {err}");
        }
    }
    let s = scenario(
        dir.path(),
        "repetitions = 1\n[data]\nrecords = [40]\n[sweep]\nworkers = [1, 2]\n",
    );
    let parsed = ingestlab::scenario::load(&s, &[]).unwrap();
    let table: toml::Table = toml::from_str(&toml::to_string(&parsed).unwrap()).unwrap();
    let mut keys = Vec::new();
    for (k, v) in &table {
        match v {
            toml::Value::Integer(_) | toml::Value::Float(_) => keys.push(k.clone()),
            toml::Value::Table(t) => {
                for (k2, v2) in t {
                    if matches!(v2, toml::Value::Integer(_) | toml::Value::Float(_)) {
                        keys.push(format!("{k}.{k2}"));
                    }
                }
            }
            _ => {}
        }
    }
    for k in [
        "sweep.record_work_ms",
        "sweep.pool_startup_ms",
        "sweep.dispatch_ms",
        "time_budget_s",
    ] {
        keys.push(k.into());
    }
    assert!(keys.len() >= 8, "{keys:?}");
    for key in &keys {
        for v in ["0", "-1", "nan", "1e308"] {
            let args: Vec<String> = vec![
                "run".into(),
                s.display().to_string(),
                "--fresh".into(),
                "--force".into(),
                "--set".into(),
                format!("{key}={v}"),
            ];
            let (code, err) = run_with_deadline(&args, 120);
            assert!(code != 101, "{key}={v}: panicked: {err}");
            assert!(
                err.is_empty() || !err.contains("panicked"),
                "{key}={v}: {err}"
            );
        }
    }
}

#[test]
fn runs_failing_alike_stop_the_sweep_and_are_made_again_on_resume() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(
        dir.path(),
        "repetitions = 4\n[data]\nrecords = [60]\n[sweep]\nworkers = [1, 2]\n",
    );
    bin()
        .arg("run")
        .arg(&s)
        .args(["--inject-fault", "disk-full"])
        .assert()
        .code(1)
        .stderr(
            predicate::str::contains("stopped early").and(predicate::str::contains("disk is full")),
        );
    let journal = std::fs::read_to_string(dir.path().join("out/runs.jsonl")).unwrap();
    assert_eq!(
        journal.lines().count(),
        5,
        "stopped after 5 alike failures, not all 8 runs"
    );
    bin()
        .arg("run")
        .arg(&s)
        .arg("--resume")
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "0 finished run(s) reused, 8 to run",
        ));
}

#[test]
fn exit_codes_follow_the_contract() {
    let dir = tempfile::tempdir().unwrap();
    let (input, _) = gen_file(dir.path(), "in.xml", 40, 0.0, 0.0);
    bin()
        .args(["ingest", "--input"])
        .arg(&input)
        .assert()
        .code(0);
    bin()
        .args(["ingest", "--input"])
        .arg(&input)
        .args(["--inject-fault", "drop-row"])
        .assert()
        .code(3)
        .stderr(predicate::str::contains("verification FAILED"));
    bin()
        .args(["ingest", "--input"])
        .arg(&input)
        .args(["--batch-size", "0"])
        .assert()
        .code(2);
    bin()
        .args(["ingest", "--input"])
        .arg(&input)
        .args(["--inject-fault", "disk-full"])
        .assert()
        .code(1);
    bin()
        .args(["ingest", "--input"])
        .arg(dir.path().join("missing.xml"))
        .assert()
        .code(1);
}

/// SIGINT in the middle of one long batch of per-record work: the run
/// stops within a second (exit 130), not at the end of the batch.
#[test]
fn an_interrupt_inside_per_record_work_is_honoured_within_a_second() {
    let dir = tempfile::tempdir().unwrap();
    let (input, _) = gen_file(dir.path(), "in.xml", 500, 0.0, 0.0);
    let child = Command::new(exe())
        .args(["ingest", "--input"])
        .arg(&input)
        .args(["--batch-size", "500", "--record-work-ms", "20"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(800));
    let t = Instant::now();
    // SAFETY: kill sends a signal to the child we spawned.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let out = child.wait_with_output().unwrap();
    assert!(t.elapsed() < Duration::from_secs(2), "{:?}", t.elapsed());
    assert_eq!(out.status.code(), Some(130));
}

#[test]
fn temporary_folders_of_killed_processes_are_removed_at_the_next_start() {
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let stale = tmp.join("ingestlab-999999999-x");
    std::fs::create_dir(&stale).unwrap();
    std::fs::write(stale.join("data-0.xml"), "x").unwrap();
    let (input, _) = gen_file(dir.path(), "in.xml", 10, 0.0, 0.0);
    bin()
        .env("TMPDIR", &tmp)
        .args(["ingest", "--input"])
        .arg(&input)
        .assert()
        .success()
        .stderr(predicate::str::contains("removed 1 temporary folder"));
    assert!(!stale.exists());
    assert_eq!(
        std::fs::read_dir(&tmp).unwrap().count(),
        0,
        "nothing left behind"
    );
}
