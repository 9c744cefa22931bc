//! The user's own records in a sweep, through the real binary: files and a
//! folder of them (`data.input`, `run --input`), and a staging table
//! (`data.staging`), verified like generated data, recorded with their
//! checksum, and never changed.

mod common;

use common::bin;
use predicates::prelude::*;
use std::path::{Path, PathBuf};

const SWEEP: &str =
    "[sweep]\nengines = [\"sqlite\", \"duckdb\"]\nworkers = [1, 2]\nbatch_sizes = [40]\n";

/// Runs a scenario with `data` as its `[data]` body into `dir/out`; its
/// results.json.
fn sweep(dir: &Path, data: &str) -> serde_json::Value {
    let _ = std::fs::remove_dir_all(dir.join("out"));
    let s = common::scenario_file(
        dir,
        "mine",
        &format!("repetitions = 2\n[data]\n{data}\n{SWEEP}"),
    );
    bin().current_dir(dir).arg("run").arg(&s).assert().success();
    let report = std::fs::read_to_string(dir.join("out/report.md")).unwrap();
    assert!(report.contains("Data: the user's records"), "{report}");
    assert!(
        report.contains("all 8 runs stored the same content"),
        "every run verified and alike: {report}"
    );
    serde_json::from_slice(&std::fs::read(dir.join("out/results.json")).unwrap()).unwrap()
}

fn fingerprint(paths: &[PathBuf]) -> Vec<Vec<u8>> {
    paths.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

#[test]
fn a_sweep_runs_on_the_users_files_folder_and_staging_table() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // Real USPTO documents of every layout, and a file of dirty mock data.
    let mine = d.join("mine");
    std::fs::create_dir(&mine).unwrap();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data");
    let mut real = Vec::new();
    for sub in ["realdata", "layouts"] {
        for e in std::fs::read_dir(data.join(sub)).unwrap().flatten() {
            if e.path().extension().is_some_and(|x| x == "xml") {
                let to = mine.join(e.file_name());
                std::fs::copy(e.path(), &to).unwrap();
                real.push(to);
            }
        }
    }
    std::fs::write(mine.join("notes.txt"), "not a record").unwrap();
    bin()
        .current_dir(d)
        .args(["generate", "--records", "300", "--malformed-rate", "0.05"])
        .args([
            "--duplicate-rate",
            "0.05",
            "--out",
            "gen.xml",
            "--staging-db",
            "stage.db",
        ])
        .assert()
        .success();
    let sources: Vec<PathBuf> = real
        .iter()
        .cloned()
        .chain([d.join("gen.xml"), d.join("stage.db")])
        .collect();
    let before = fingerprint(&sources);

    // A folder: its .xml files, each a record, in name order.
    let r = sweep(d, "input = \"mine\"");
    assert_eq!(r["input"]["records"], real.len() as u64);
    assert_eq!(r["input"]["sources"].as_array().unwrap().len(), real.len());
    // One file, as given: its count is the file's, dirty records included.
    let file = sweep(d, "input = \"gen.xml\"");
    assert_eq!(file["input"]["records"], 300);
    let report = std::fs::read_to_string(d.join("out/report.md")).unwrap();
    assert!(
        !report.contains("quarantine 0000000000000000"),
        "the malformed records were quarantined: {report}"
    );
    // The staging table holds the same records in the same order: the
    // same bytes, so the same checksum as the file it was generated with.
    let staged = sweep(d, "staging = \"stage.db\"");
    assert_eq!(staged["input"]["records"], 300);
    assert_eq!(staged["input"]["staging"], true);
    assert_eq!(staged["input"]["xxh3"], file["input"]["xxh3"]);
    assert_ne!(file["input"]["xxh3"], r["input"]["xxh3"]);
    assert_eq!(
        fingerprint(&sources),
        before,
        "the user's files were changed"
    );

    // `run --input` on a shipped scenario replaces its generated data.
    let quick = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/quickstart.toml");
    bin()
        .current_dir(d)
        .arg("run")
        .arg(&quick)
        .args([
            "--input",
            "gen.xml",
            "--output",
            "q",
            "--set",
            "repetitions=1",
        ])
        .args([
            "--set",
            "sweep.workers=[1,2]",
            "--set",
            "sweep.batch_sizes=[100]",
        ])
        .assert()
        .success();
    let q = std::fs::read_to_string(d.join("q/report.md")).unwrap();
    assert!(
        q.contains("Data: the user's records: 'gen.xml' (300 records"),
        "{q}"
    );
}

#[test]
fn user_data_settings_that_do_not_go_together_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("a.xml"), "").unwrap();
    for (data, needle) in [
        ("input = \"a.xml\"\nrecords = [100]", "data.records"),
        (
            "input = \"a.xml\"\nmalformed_rate = 0.1",
            "data.malformed_rate",
        ),
        ("input = \"a.xml\"\nstaging = \"s.db\"", "not both"),
        ("input = \"missing.xml\"", "neither a file nor a folder"),
        (
            "input = \"a.xml\"",
            "no <us-patent-application> record found",
        ),
        (
            "staging = \"a.xml\"",
            "neither a SQLite nor a DuckDB database",
        ),
        ("input = 3", "a path or a list of paths"),
        // The runs' own settings are still checked before anything runs.
        (
            "input = \"a.xml\"\n[sqlite]\npage_size = 1000",
            "sqlite.page_size",
        ),
    ] {
        let s = common::scenario_file(d, "bad", &format!("[data]\n{data}\n{SWEEP}"));
        bin()
            .current_dir(d)
            .arg("run")
            .arg(&s)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(needle));
        assert!(!d.join("out").exists(), "{data}: nothing written");
    }
}

/// A resumed sweep on the user's file reuses its runs only while the
/// file's records are the same: another file with as many records is other
/// data (its runs were matched by the record count alone before).
#[test]
fn resume_reuses_runs_only_for_the_same_records() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let make = |seed: &str| {
        bin()
            .current_dir(d)
            .args([
                "generate",
                "--records",
                "120",
                "--seed",
                seed,
                "--out",
                "a.xml",
            ])
            .arg("--overwrite")
            .assert()
            .success();
    };
    make("1");
    let s = common::scenario_file(
        d,
        "mine",
        &format!("repetitions = 2\n[data]\ninput = \"a.xml\"\n{SWEEP}"),
    );
    let run = || {
        bin()
            .current_dir(d)
            .args(["run", "--resume"])
            .arg(&s)
            .assert()
            .success()
    };
    run();
    run().stderr(predicate::str::contains(
        "8 finished run(s) reused, 0 to run",
    ));
    make("2");
    run().stderr(
        predicate::str::contains("0 finished run(s) reused, 8 to run").and(
            predicate::str::contains("8 journaled run(s) were made with other settings"),
        ),
    );
}

/// Simulating a sweep on the user's records quarantines what a real run
/// of them does (the simulator assumed clean records before).
#[test]
fn a_simulation_of_the_users_records_quarantines_what_a_run_does() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    bin()
        .current_dir(d)
        .args(["generate", "--records", "200", "--malformed-rate", "0.1"])
        .args(["--duplicate-rate", "0.05", "--out", "dirty.xml"])
        .assert()
        .success();
    bin()
        .current_dir(d)
        .args(["calibrate", "--records", "500", "--model", "m.json"])
        .assert()
        .success();
    let s = common::scenario_file(
        d,
        "mine",
        &format!("repetitions = 2\n[data]\ninput = \"dirty.xml\"\n{SWEEP}"),
    );
    bin().current_dir(d).arg("run").arg(&s).assert().success();
    bin()
        .current_dir(d)
        .args([
            "simulate", "--model", "m.json", "--cores", "2", "--output", "sim",
        ])
        .arg(&s)
        .assert()
        .success();
    let quarantined = |path: &Path| -> Vec<u64> {
        let mut r = csv::Reader::from_path(path).unwrap();
        let col = r
            .headers()
            .unwrap()
            .iter()
            .position(|h| h == "quarantined")
            .unwrap();
        r.records()
            .map(|x| x.unwrap()[col].parse().unwrap())
            .collect()
    };
    let measured = quarantined(&d.join("out/runs.csv"));
    let simulated = quarantined(&d.join("sim/runs.csv"));
    assert!(measured[0] >= 20, "{measured:?}");
    assert!(measured.iter().all(|q| *q == measured[0]), "{measured:?}");
    assert_eq!(simulated.len(), measured.len());
    assert!(
        simulated.iter().all(|q| *q == measured[0]),
        "{simulated:?} vs {measured:?}"
    );
}
