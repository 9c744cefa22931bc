//! Sweeps measured in rounds, through the real binary: the journal follows
//! the rounds, speedups are paired, the machine's drift is measured and
//! shown, "auto" stops by its rule, `doctor` advises, and `compare` across
//! sweeps judges what drift cannot move.

mod common;

use common::bin;
use predicates::prelude::*;
use std::path::{Path, PathBuf};

fn scenario(dir: &Path, out: &str, body: &str) -> PathBuf {
    let p = dir.join(format!("{out}.toml"));
    std::fs::write(
        &p,
        format!(
            "name = \"{out}\"\noutput = \"{}\"\n{body}",
            dir.join(out).display()
        ),
    )
    .unwrap();
    p
}

fn journal(dir: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(dir.join("runs.jsonl"))
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

const SMALL: &str = "repetitions = 6\n[data]\nrecords = [200]\n[sweep]\nengines = [\"sqlite\", \"duckdb\"]\nworkers = [1, 2]\n";

#[test]
fn a_sweep_in_rounds_pairs_its_speedups_and_shows_the_machines_drift() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(dir.path(), "r", SMALL);
    bin().arg("run").arg(&s).assert().success();
    let out = dir.path().join("r");
    // Every round runs every configuration before the next round starts.
    let reps: Vec<u64> = journal(&out)
        .iter()
        .map(|v| v["rep"].as_u64().unwrap())
        .collect();
    assert_eq!(reps.len(), 4 * 6);
    assert!(reps.windows(2).all(|w| w[0] <= w[1]), "{reps:?}");
    assert!(
        reps.chunks(4)
            .enumerate()
            .all(|(r, c)| c.iter().all(|x| *x == r as u64))
    );
    let first = &journal(&out)[0];
    assert!(first["started_unix_s"].as_f64().is_some() && first["machine"].is_object());
    let summary = std::fs::read_to_string(out.join("summary.csv")).unwrap();
    assert!(summary.lines().next().unwrap().contains("speedup_paired"));
    assert!(
        summary
            .lines()
            .skip(1)
            .filter(|l| l.contains(",true,"))
            .count()
            >= 2,
        "{summary}"
    );
    let runs = std::fs::read_to_string(out.join("runs.csv")).unwrap();
    assert!(runs.lines().next().unwrap().contains("steal_pct"));
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        report.contains("measured in rounds") && report.contains("seed 1"),
        "{report}"
    );
    assert!(
        report.contains("## The machine during the sweep") && report.contains("Over 6 round(s)")
    );
    assert!(report.contains("Hodges–Lehmann"));
    assert!(out.join("plots/drift.png").exists());
    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("results.json")).unwrap()).unwrap();
    assert_eq!(results["drift"]["rounds"].as_array().unwrap().len(), 6);
}

#[test]
fn grouped_order_stays_available_for_comparison() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(dir.path(), "g", SMALL);
    bin()
        .arg("run")
        .arg(&s)
        .args(["--order", "grouped"])
        .assert()
        .success();
    let out = dir.path().join("g");
    let ids: Vec<String> = journal(&out)
        .iter()
        .map(|v| v["config_id"].as_str().unwrap().to_string())
        .collect();
    assert!(
        ids.chunks(6).all(|c| c.iter().all(|x| *x == c[0])),
        "{ids:?}"
    );
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(report.contains("grouped order"), "{report}");
    bin()
        .arg("run")
        .arg(&s)
        .args([
            "--fresh",
            "--order",
            "grouped",
            "--set",
            "repetitions=\"auto\"",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("needs order = \"rounds\""));
}

#[test]
fn auto_repetitions_stop_by_their_rule_and_say_which_configurations_reached_it() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(
        dir.path(),
        "a",
        "repetitions = \"auto\"\nprecision = 0.9\nmax_rounds = 30\ntime_budget_s = 20\n[data]\nrecords = [200]\n[sweep]\nworkers = [1, 2]\n",
    );
    bin().arg("run").arg(&s).assert().success();
    let out = dir.path().join("a");
    let results: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("results.json")).unwrap()).unwrap();
    let p = &results["precision"];
    // ±90% is reached soon after the 6 rounds "auto" needs for a 95%
    // interval (exactly 6 on a quiet machine; a stalled run of these
    // 10 ms ingests can cost a round or two while other tests run).
    assert_eq!(p["stopped_by"], "precision reached", "{p}");
    let rounds = p["rounds"].as_u64().unwrap();
    assert!((6..30).contains(&rounds), "{p}");
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        report.contains(&format!(
            "1 of 1 judged configuration(s) reached ±90% in {rounds} round(s)"
        )),
        "{report}"
    );
}

#[test]
fn work_per_record_is_an_axis() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(
        dir.path(),
        "k",
        "repetitions = 2\n[data]\nrecords = [100]\n[sweep]\nworkers = [1, 2]\nrecord_work_ms = [0, 0.02]\n",
    );
    bin().arg("run").arg(&s).assert().success();
    let summary = std::fs::read_to_string(dir.path().join("k/summary.csv")).unwrap();
    assert_eq!(
        summary.lines().filter(|l| l.contains("/k0.02/")).count(),
        2,
        "{summary}"
    );
}

#[test]
fn doctor_measures_noise_and_drift_and_says_how_many_rounds_a_sweep_needs() {
    let t = std::time::Instant::now();
    bin()
        .args(["doctor", "--seconds", "4"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("rounds for ±5% speedup intervals")
                .and(predicate::str::contains("per minute"))
                .and(predicate::str::contains("governor")),
        );
    assert!(t.elapsed().as_secs() < 30, "{:?}", t.elapsed());
}

#[test]
fn compare_across_sweeps_judges_relative_times_with_the_absolute_ones_beside() {
    let dir = tempfile::tempdir().unwrap();
    let a = scenario(dir.path(), "ca", SMALL);
    let b = scenario(dir.path(), "cb", SMALL);
    bin().arg("run").arg(&a).assert().success();
    bin().arg("run").arg(&b).assert().success();
    bin()
        .arg("compare")
        .arg(dir.path().join("ca"))
        .arg(dir.path().join("cb"))
        .assert()
        .success()
        .stdout(predicate::str::contains("relative").and(predicate::str::contains("wall")));
    let csv = std::fs::read_to_string(dir.path().join("cb/compare/comparison.csv")).unwrap();
    assert_eq!(
        csv.lines().filter(|l| l.contains(",relative,")).count(),
        2,
        "{csv}"
    );
    // Two configurations of one sweep are paired round by round.
    let ids: Vec<String> = journal(&dir.path().join("ca"))
        .iter()
        .map(|v| v["config_id"].as_str().unwrap().to_string())
        .filter(|id| id.ends_with("/w2"))
        .collect();
    bin()
        .arg("compare")
        .arg(dir.path().join("ca"))
        .args(["--a-config", &ids[0], "--b-config", &ids[1]])
        .args(["--output"])
        .arg(dir.path().join("within"))
        .assert()
        .success()
        .stdout(predicate::str::contains("paired"));
}
