//! PostgreSQL through the real binary and a real server that ingestlab
//! starts itself: every lock model × index policy on dirty data, verified;
//! and no server process outliving a `kill -9`, its cluster folder removed
//! by the next start. Where the server binaries are missing these tests say
//! they were skipped; in CI (`CI` set) they fail instead.

#![cfg(feature = "postgres")]

mod common;

use common::bin;
use predicates::prelude::*;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// True where the server binaries are; panics in CI when they are not.
fn postgres_here() -> bool {
    let found = Command::new("sh")
        .arg("-c")
        .arg("command -v initdb || ls /usr/lib/postgresql/*/bin/initdb")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !found && std::env::var_os("CI").is_some() {
        panic!("CI must run the PostgreSQL tests: initdb not found (.ci/run installs postgresql)");
    }
    if !found {
        eprintln!("skipped: the PostgreSQL server binaries (initdb, postgres) are not installed");
    }
    found
}

/// Server processes whose command line names `dir` (ours, in a test's own
/// temporary folder).
fn servers_in(dir: &Path) -> usize {
    let needle = dir.display().to_string();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .chars()
                .all(|c| c.is_ascii_digit())
        })
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|c| String::from_utf8_lossy(&c).replace('\0', " "))
        .filter(|c| c.contains("postgres") && c.contains(&needle))
        .count()
}

#[test]
fn every_lock_model_and_index_policy_stores_the_same_verified_rows() {
    if !postgres_here() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let s = dir.path().join("pg.toml");
    std::fs::write(
        &s,
        format!(
            "name = \"pg\"\noutput = \"{}\"\nrepetitions = 1\n[data]\nrecords = [600]\nmalformed_rate = 0.05\nduplicate_rate = 0.05\n[sweep]\nengines = [\"postgres\"]\nmethods = [\"bulk\", \"insert\"]\nindexes = [\"upfront\", \"after-load\"]\nlocks = [\"native\", \"global-mutex\", \"single-writer\", \"shared-connection\"]\nworkers = [1, 2]\nbatch_sizes = [100]\n[postgres]\ncopy_format = \"text\"\n",
            dir.path().join("out").display()
        ),
    )
    .unwrap();
    bin()
        .env("TMPDIR", &tmp)
        .arg("run")
        .arg(&s)
        .assert()
        .success();
    let report = std::fs::read_to_string(dir.path().join("out/report.md")).unwrap();
    // 2 methods × 2 index policies × (1 sequential + 4 lock models).
    assert!(
        report.contains("all 20 runs stored the same content"),
        "{report}"
    );
    assert!(
        report.contains("postgres 15") || report.contains("postgres 1"),
        "{report}"
    );
    assert_eq!(servers_in(&tmp), 0, "a server outlived the sweep");
    assert_eq!(
        std::fs::read_dir(&tmp).unwrap().count(),
        0,
        "the cluster folder was left"
    );
}

#[test]
fn a_killed_ingestlab_leaves_no_server_and_the_next_start_removes_its_cluster() {
    if !postgres_here() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let (input, _) = common::gen_file(dir.path(), "in.xml", 20_000, 0.0, 0.0);
    let mut child = Command::new(assert_cmd::cargo::cargo_bin("ingestlab"))
        .env("TMPDIR", &tmp)
        .args([
            "ingest",
            "--backend",
            "postgres",
            "--method",
            "insert",
            "--input",
        ])
        .arg(&input)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let t = Instant::now();
    while servers_in(&tmp) == 0 && t.elapsed() < Duration::from_secs(60) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(servers_in(&tmp) > 0, "the server never started");
    std::thread::sleep(Duration::from_millis(500));
    child.kill().unwrap();
    child.wait().unwrap();
    let t = Instant::now();
    while servers_in(&tmp) > 0 && t.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        servers_in(&tmp),
        0,
        "a server process outlived ingestlab by 5 s"
    );
    assert!(
        std::fs::read_dir(&tmp).unwrap().count() >= 1,
        "the cluster folder stays until the next start"
    );
    let (small, _) = common::gen_file(dir.path(), "small.xml", 10, 0.0, 0.0);
    bin()
        .env("TMPDIR", &tmp)
        .args(["ingest", "--input"])
        .arg(&small)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "temporary folder(s) left by ingestlab processes that are gone",
        ));
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0);
}
