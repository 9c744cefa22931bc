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

/// A test's folder, and the TMPDIR the binary gets inside it (where its
/// server's cluster folder goes, so `servers_in` finds only this test's).
fn work_dirs() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let tmp = dir.path().join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    (dir, tmp)
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
    let (dir, tmp) = work_dirs();
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
    let (dir, tmp) = work_dirs();
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

/// A server the user runs (started here by the test, not by the binary),
/// holding tables and schemas of the user's own.
fn users_server() -> (ingestlab::backend::postgres::server::Server, String) {
    let server = ingestlab::backend::postgres::server::Server::start(&Default::default()).unwrap();
    let url = format!(
        "host={} port=5432 user=ingestlab password=s3cretpw dbname=postgres",
        server.socket_dir().display()
    );
    let mut c = server.config("postgres").connect(postgres::NoTls).unwrap();
    c.batch_execute(
        "CREATE TABLE public.app_base (app_id text); INSERT INTO public.app_base VALUES ('mine');
         CREATE SCHEMA theirs; CREATE TABLE theirs.app_base (app_id text); INSERT INTO theirs.app_base VALUES ('theirs');
         CREATE SCHEMA lab_taken; CREATE TABLE lab_taken.app_errors (note text); INSERT INTO lab_taken.app_errors VALUES ('keep');",
    )
    .unwrap();
    (server, url)
}

/// Every file under `dir`, read as text where it is text.
fn all_text(dir: &Path) -> String {
    let mut out = String::new();
    for e in std::fs::read_dir(dir).unwrap().flatten() {
        if e.path().is_dir() {
            out += &all_text(&e.path());
        } else {
            out += &String::from_utf8_lossy(&std::fs::read(e.path()).unwrap());
        }
    }
    out
}

#[test]
fn a_users_server_is_touched_only_inside_ingestlabs_own_schema() {
    if !postgres_here() {
        return;
    }
    let (dir, tmp) = work_dirs();
    let (server, url) = users_server();
    let (input, stats) = common::gen_file(dir.path(), "in.xml", 400, 0.05, 0.05);
    let ingest = |schema: &str| {
        let out = bin()
            .env("TMPDIR", &tmp)
            .args(["ingest", "--backend", "postgres", "--workers", "2"])
            .args([
                "--copy-format",
                "binary",
                "--pg-url",
                &url,
                "--pg-schema",
                schema,
            ])
            .arg("--input")
            .arg(&input)
            .output()
            .unwrap();
        let text = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(!text.contains("s3cretpw"), "the password was shown: {text}");
        (out.status.code(), text)
    };
    for _ in 0..2 {
        // Twice: the second run finds the schema it made and replaces only
        // its own tables.
        let (code, text) = ingest("ingestlab");
        assert_eq!(code, Some(0), "{text}");
        assert!(text.contains("password=***"), "{text}");
        assert!(
            text.contains("the user's server: shared_buffers="),
            "{text}"
        );
    }
    let (code, text) = ingest("lab_taken");
    assert_eq!(code, Some(2), "a schema ingestlab did not create: {text}");
    assert!(
        text.contains("'lab_taken' exists and ingestlab did not create it"),
        "{text}"
    );

    let mut c = server.config("postgres").connect(postgres::NoTls).unwrap();
    let one =
        |c: &mut postgres::Client, sql: &str| -> i64 { c.query_one(sql, &[]).unwrap().get(0) };
    assert_eq!(one(&mut c, "SELECT count(*) FROM public.app_base"), 1);
    assert_eq!(one(&mut c, "SELECT count(*) FROM theirs.app_base"), 1);
    assert_eq!(one(&mut c, "SELECT count(*) FROM lab_taken.app_errors"), 1);
    assert_eq!(
        one(
            &mut c,
            "SELECT count(*) FROM pg_tables WHERE schemaname = 'lab_taken'"
        ),
        1,
        "nothing was created in the refused schema"
    );
    // `ingest` keeps its tables for the user to look at.
    assert_eq!(
        one(&mut c, "SELECT count(*) FROM ingestlab.app_base") as u64,
        stats.records - stats.malformed - stats.duplicates
    );

    // A sweep on the user's server: no password in anything it writes.
    let s = common::scenario_file(
        dir.path(),
        "users",
        &format!(
            "repetitions = 1\n[data]\nrecords = [300]\n[sweep]\nengines = [\"postgres\"]\nworkers = [1, 2]\nbatch_sizes = [100]\n[postgres]\nurl = \"{url}\"\nschema = \"lab_sweep\"\n"
        ),
    );
    bin()
        .env("TMPDIR", &tmp)
        .arg("run")
        .arg(&s)
        .assert()
        .success();
    let written = all_text(&dir.path().join("out"));
    assert!(written.contains("password=***"));
    assert!(!written.contains("s3cretpw"));
    assert_eq!(one(&mut c, "SELECT count(*) FROM public.app_base"), 1);
    assert_eq!(
        servers_in(&tmp),
        0,
        "no server of ingestlab's own was started"
    );

    // Staging the raw records into the user's server, as the thesis does.
    let staged = bin()
        .env("TMPDIR", &tmp)
        .args(["generate", "--records", "200", "--malformed-rate", "0.1"])
        .args([
            "--backend",
            "postgres",
            "--pg-url",
            &url,
            "--pg-schema",
            "lab_stage",
            "--out",
        ])
        .arg(dir.path().join("staged.xml"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&staged.stdout);
    assert!(
        staged.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&staged.stderr)
    );
    assert!(
        text.contains("into app_xml of schema lab_stage on the server at host="),
        "{text}"
    );
    assert!(!text.contains("s3cretpw"), "{text}");
    assert_eq!(one(&mut c, "SELECT count(*) FROM lab_stage.app_xml"), 200);
    // ...and a sweep reading them back from there (read-only), verified.
    let staging = format!(
        "postgresql://ingestlab:s3cretpw@/postgres?host={}&port=5432&options=-csearch_path%3Dlab_stage",
        server.socket_dir().display()
    );
    let _ = std::fs::remove_dir_all(dir.path().join("out"));
    let s = common::scenario_file(
        dir.path(),
        "staged",
        &format!(
            "repetitions = 1\n[data]\nstaging = \"{staging}\"\n[sweep]\nworkers = [1, 2]\nbatch_sizes = [50]\n"
        ),
    );
    let swept = bin()
        .env("TMPDIR", &tmp)
        .current_dir(dir.path())
        .arg("run")
        .arg(&s)
        .output()
        .unwrap();
    assert!(
        swept.status.success(),
        "{}",
        String::from_utf8_lossy(&swept.stderr)
    );
    let results = std::fs::read_to_string(dir.path().join("out/results.json")).unwrap();
    let r: serde_json::Value = serde_json::from_str(&results).unwrap();
    assert_eq!(r["input"]["records"], 200);
    assert_eq!(r["input"]["staging"], true);
    assert!(!all_text(&dir.path().join("out")).contains("s3cretpw"));
    let md = std::fs::read_to_string(dir.path().join("out/report.md")).unwrap();
    assert!(md.contains("all 2 runs stored the same content"), "{md}");
    assert_eq!(
        one(&mut c, "SELECT count(*) FROM lab_stage.app_xml"),
        200,
        "the staging table is only read"
    );
    bin()
        .args([
            "generate",
            "--records",
            "5",
            "--backend",
            "postgres",
            "--out",
        ])
        .arg(dir.path().join("nowhere.xml"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("give it with --pg-url"));
    assert!(
        !dir.path().join("nowhere.xml").exists(),
        "a refusal writes nothing"
    );

    // A server that cannot be reached: the error names it, password hidden.
    let bad = url.replace("host=", "host=/nonexistent");
    let out = bin()
        .env("TMPDIR", &tmp)
        .args([
            "ingest",
            "--backend",
            "postgres",
            "--pg-url",
            &bad,
            "--input",
        ])
        .arg(&input)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("connecting to the PostgreSQL server at host=/nonexistent"),
        "{err}"
    );
    assert!(!err.contains("s3cretpw"), "{err}");
}
