//! The real binary on small generated files: generate, ingest on both
//! engines, verification, and every bad input getting a clear error.

mod common;

use common::{bin, gen_file};
use predicates::prelude::*;
use serde_json::Value;

fn ingest_json(args: &[&str]) -> Value {
    let out = bin()
        .arg("ingest")
        .args(args)
        .arg("--json")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn generate_is_deterministic() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["a.xml", "b.xml"] {
        bin()
            .args([
                "generate",
                "--records",
                "40",
                "--seed",
                "9",
                "--malformed-rate",
                "0.1",
                "--out",
            ])
            .arg(dir.path().join(name))
            .assert()
            .success()
            .stdout(predicate::str::contains("wrote 40 records"));
    }
    let a = std::fs::read(dir.path().join("a.xml")).unwrap();
    assert_eq!(a, std::fs::read(dir.path().join("b.xml")).unwrap());
    assert!(a.starts_with(b"<?xml"));
}

#[test]
fn generate_loads_the_staging_table() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("stage.db");
    bin()
        .args(["generate", "--records", "25", "--out"])
        .arg(dir.path().join("x.xml"))
        .arg("--staging-db")
        .arg(&db)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "loaded 25 raw records into app_xml",
        ));
    let conn = rusqlite::Connection::open(&db).unwrap();
    let n: i64 = conn
        .query_row(
            "SELECT COUNT(*) FROM app_xml WHERE xml LIKE '<?xml%'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(n, 25);
}

#[test]
fn ingest_clean_data_on_both_engines() {
    let dir = tempfile::tempdir().unwrap();
    let (input, _) = gen_file(dir.path(), "clean.xml", 300, 0.0, 0.0);
    for engine in ["sqlite", "duckdb"] {
        for method in ["bulk", "insert"] {
            let v = ingest_json(&[
                "--input",
                input.to_str().unwrap(),
                "--backend",
                engine,
                "--method",
                method,
                "--batch-size",
                "64",
            ]);
            assert_eq!(v["verification"]["passed"], true, "{engine} {method}: {v}");
            assert_eq!(v["rows_out"], 300);
            assert_eq!(v["quarantined"], 0);
            assert!(v["records_per_s"].as_f64().unwrap() > 0.0);
            assert!(v["peak_rss_bytes"].as_u64().unwrap() > 0);
        }
    }
}

#[test]
fn quarantine_counts_match_what_was_injected() {
    let dir = tempfile::tempdir().unwrap();
    let (input, stats) = gen_file(dir.path(), "bad.xml", 600, 0.05, 0.05);
    assert!(stats.malformed > 0 && stats.duplicates > 0);
    for engine in ["sqlite", "duckdb"] {
        let db = dir.path().join(format!("kept.{engine}"));
        let v = ingest_json(&[
            "--input",
            input.to_str().unwrap(),
            "--backend",
            engine,
            "--db",
            db.to_str().unwrap(),
        ]);
        assert_eq!(v["verification"]["passed"], true, "{v}");
        assert_eq!(v["quarantined"], stats.malformed + stats.duplicates);
        assert_eq!(v["rows_out"], 600 - stats.malformed - stats.duplicates);
        assert!(db.exists(), "--db keeps the database");
    }
    // Record by record, not only in number: the quarantined positions are
    // exactly the ones the generator injected (same seed as gen_file), so a
    // wrongly rejected and a wrongly accepted record cannot cancel out.
    let conn = rusqlite::Connection::open(dir.path().join("kept.sqlite")).unwrap();
    let quarantined: Vec<i64> = conn
        .prepare("SELECT position FROM app_errors ORDER BY position")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    let mut g = ingestlab::data::generate::Generator::new(ingestlab::data::generate::GenOptions {
        records: 600,
        seed: 7,
        malformed_rate: 0.05,
        duplicate_rate: 0.05,
        ..Default::default()
    });
    let injected: Vec<i64> = std::iter::from_fn(|| g.next_record())
        .enumerate()
        .filter(|(_, r)| r.injected.is_some())
        .map(|(i, _)| i as i64)
        .collect();
    assert_eq!(quarantined, injected);
    // The quarantine says why.
    let reasons: Vec<String> = conn
        .prepare("SELECT reason FROM app_errors")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    assert!(reasons.iter().any(|r| r.starts_with("duplicate app_id")));
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("XML error at byte") || r.contains("still open"))
    );
}

/// The summary `ingest` prints: the counts, and a throughput consistent
/// with the wall time it prints beside it (records/s × 60 = records/min,
/// records / wall time = records/s, to the printed rounding).
#[test]
fn ingest_prints_counts_and_a_throughput_that_matches_its_wall_time() {
    let dir = tempfile::tempdir().unwrap();
    let (input, _) = gen_file(dir.path(), "s.xml", 50, 0.0, 0.0);
    let out = bin()
        .args(["ingest", "--input"])
        .arg(&input)
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(
        text.contains("50 in (50 root elements), 50 rows out, 0 quarantined"),
        "{text}"
    );
    assert!(text.contains("verification passed"), "{text}");
    let number_after = |key: &str| -> f64 {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(key))
            .unwrap();
        line.trim_start()[key.len()..]
            .split_whitespace()
            .next()
            .unwrap()
            .parse()
            .unwrap_or_else(|e| panic!("{line}: {e}"))
    };
    let (wall, per_s) = (number_after("wall time"), number_after("throughput"));
    let per_min: f64 = text
        .lines()
        .find_map(|l| l.split_once('(')?.1.split_once(" records/min"))
        .unwrap()
        .0
        .parse()
        .unwrap();
    assert!(
        (per_min / 60.0 - per_s).abs() <= 1.0,
        "{per_s}/s vs {per_min}/min"
    );
    // The wall time is printed to 1 ms: allow that rounding.
    assert!(
        (50.0 / (wall + 0.0005)..=50.0 / (wall - 0.0005).max(1e-6)).contains(&per_s),
        "{per_s}/s over {wall} s"
    );
}

#[test]
fn timeline_file_has_one_event_per_phase() {
    let dir = tempfile::tempdir().unwrap();
    let (input, _) = gen_file(dir.path(), "t.xml", 100, 0.0, 0.0);
    let tl = dir.path().join("timeline.json");
    bin()
        .args(["ingest", "--workers", "2", "--batch-size", "10", "--input"])
        .arg(&input)
        .arg("--timeline")
        .arg(&tl)
        .assert()
        .success();
    let ev: Vec<Value> = serde_json::from_slice(&std::fs::read(&tl).unwrap()).unwrap();
    let inserts = ev.iter().filter(|e| e["phase"] == "insert").count();
    assert_eq!(inserts, 10, "one insert span per batch");
    assert!(
        ev.iter()
            .all(|e| e["end_s"].as_f64() >= e["start_s"].as_f64())
    );
}

fn fails_with(args: &[&str], needle: &str) {
    let out = bin().args(args).output().unwrap();
    assert!(!out.status.success(), "{args:?} should fail");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(needle),
        "{args:?}: expected '{needle}' in: {err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn bad_input_gets_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let (good, _) = gen_file(dir.path(), "g.xml", 10, 0.0, 0.0);
    let good = good.to_str().unwrap();
    fails_with(
        &["ingest", "--input", "/no/such/file.xml"],
        "cannot open input file '/no/such/file.xml'",
    );
    let text = dir.path().join("notes.txt");
    std::fs::write(&text, "just some text\n").unwrap();
    fails_with(
        &["ingest", "--input", text.to_str().unwrap()],
        "not an XML file",
    );
    let empty = dir.path().join("empty.xml");
    std::fs::write(&empty, "").unwrap();
    fails_with(
        &["ingest", "--input", empty.to_str().unwrap()],
        "no <us-patent-application> record",
    );
    fails_with(
        &["ingest", "--input", good, "--db", "/proc/nope/x.db"],
        "/proc/nope/x.db",
    );
    fails_with(
        &["ingest", "--input", good, "--batch-size", "0"],
        "--batch-size <BATCH_SIZE>': must be at least 1, got 0",
    );
    fails_with(
        &["ingest", "--input", good, "--backend", "oracle"],
        "invalid value 'oracle'",
    );
    fails_with(
        &["ingest", "--input", good, "--overhead", "java"],
        "invalid value 'java' for '--overhead <OVERHEAD>'",
    );
    fails_with(
        &["ingest", "--input", good, "--overhead", "java"],
        "python-mp",
    );
    fails_with(
        &["ingest", "--input", good, "--workers", "0"],
        "must be at least 1, got 0",
    );
    fails_with(
        &["generate", "--records", "5", "--out", "/proc/nope/x.xml"],
        "cannot create output file",
    );
}
