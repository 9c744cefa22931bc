//! `fit`, `calibrate` and `simulate` through the real binary.

mod common;

use common::bin;
use predicates::prelude::*;

#[test]
fn fit_a_users_csv() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("mine.csv");
    // Exact USL data with σ = 0.05, κ = 0.01 at throughput 100 per worker.
    let mut text = String::from("threads,throughput\n");
    for n in [1.0f64, 2.0, 4.0, 8.0, 16.0] {
        let s = n / (1.0 + 0.05 * (n - 1.0) + 0.01 * n * (n - 1.0));
        text += &format!("{n},{}\n", 100.0 * s);
    }
    std::fs::write(&csv, text).unwrap();
    bin().arg("fit").arg(&csv).assert().success().stdout(
        predicate::str::contains("contention σ = 0.0500")
            .and(predicate::str::contains("coherency  κ = 0.01000"))
            .and(predicate::str::contains("peak at N* = 9.7")),
    );
    std::fs::write(&csv, "threads,throughput\n2,10\n4,12\n8,13\n").unwrap();
    bin()
        .arg("fit")
        .arg(&csv)
        .assert()
        .failure()
        .stderr(predicate::str::contains("no row at 1 worker"));
    std::fs::write(&csv, "a,b\n1,2\n").unwrap();
    bin()
        .arg("fit")
        .arg(&csv)
        .assert()
        .failure()
        .stderr(predicate::str::contains("no worker column"));
}

#[test]
fn calibrate_then_simulate_a_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model.json");
    bin()
        .args(["calibrate", "--records", "2000", "--model"])
        .arg(&model)
        .assert()
        .success()
        .stdout(predicate::str::contains("saved to"));
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(&model).unwrap()).unwrap();
    assert_eq!(m["writes"].as_array().unwrap().len(), 4);
    // What the fit must give: a parse cost that is never negative and is
    // positive for a record of typical size. (A slope alone may come out
    // 0 on noisy timings: asserting `per_kb_s > 0` failed once in four
    // runs on a busy machine.)
    let (base, per_kb) = (
        m["parse"]["base_s"].as_f64().unwrap(),
        m["parse"]["per_kb_s"].as_f64().unwrap(),
    );
    assert!(base >= 0.0 && per_kb >= 0.0, "{}", m["parse"]);
    assert!(base + 4.0 * per_kb > 0.0, "{}", m["parse"]);

    let s = dir.path().join("s.toml");
    let out = dir.path().join("measured");
    std::fs::write(
        &s,
        format!("name = \"sim\"\noutput = \"{}\"\nrepetitions = 2\n[data]\nrecords = [400]\n[sweep]\nworkers = [1, 2, 16]\nbatch_sizes = [50]\n", out.display()),
    )
    .unwrap();
    // Measure what this machine can run, then simulate all of it.
    bin()
        .arg("run")
        .arg(&s)
        .args(["--set", "sweep.workers=[1,2]"])
        .assert()
        .success();
    bin()
        .arg("simulate")
        .arg(&s)
        .args(["--cores", "16", "--model"])
        .arg(&model)
        .assert()
        .success()
        .stdout(
            predicate::str::contains("events/s")
                .and(predicate::str::contains("simulated vs measured")),
        );
    // Another core count than the machine's is another folder.
    let sim = dir.path().join("measured-simulated-16cores");
    let md = std::fs::read_to_string(sim.join("report.md")).unwrap();
    assert!(md.starts_with("# sim (simulated)"), "{md}");
    assert!(md.contains("for **16 core(s)**"), "{md}");
    assert!(
        sim.join("plots/speedup.png").exists()
            && sim.join("plots/simulated-vs-measured.png").exists()
    );
    let summary = std::fs::read_to_string(sim.join("summary.csv")).unwrap();
    assert!(
        summary.lines().any(|l| l.contains("/w16,")),
        "16 workers simulated"
    );
    validate_in_rounds(&s, &out, &model, dir.path());
}

/// --validate refuses runs measured without a calibration in their round
/// (`ingestlab run` makes none); with --fresh it measures every round
/// again with its own calibration, keeping the old journal, and reports
/// the model's error and the other-time error (the --model file) on wall
/// time and speedup; a second --validate reuses it all.
fn validate_in_rounds(
    s: &std::path::Path,
    out: &std::path::Path,
    model: &std::path::Path,
    dir: &std::path::Path,
) {
    let validate = |extra: &[&str]| {
        let mut c = bin();
        c.arg("simulate")
            .arg(s)
            .args([
                "--set",
                "sweep.workers=[1,2,4]",
                "--validate",
                "--format",
                "png",
            ])
            .args(extra);
        c
    };
    validate(&["--model", model.to_str().unwrap()])
        .assert()
        .failure()
        .stderr(
            predicate::str::contains("without a calibration in the round")
                .and(predicate::str::contains("--fresh")),
        );
    validate(&["--fresh", "--model", model.to_str().unwrap()])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("0 run(s) reused, 6 run")
                .and(predicate::str::contains(
                    "model error (same-round costs): wall median ",
                ))
                .and(predicate::str::contains("; speedup median "))
                .and(predicate::str::contains("other-time error ('"))
                .and(predicate::str::contains("model.json' of ")),
        );
    assert!(out.join("runs.1.jsonl").exists(), "the old journal is kept");
    for round in 0..2 {
        let cal = out.join(format!("calibrations/round-{round}.json"));
        let m: serde_json::Value = serde_json::from_slice(&std::fs::read(&cal).unwrap()).unwrap();
        // The sweep's engine and method only.
        assert_eq!(m["writes"].as_array().unwrap().len(), 1, "{m}");
    }
    // This machine's core count: the folder without a core suffix.
    let sim = dir.join("measured-simulated");
    let errors = csv_lines(&sim.join("sim-errors.csv"));
    assert_eq!(errors.len(), 1 + 2 * 3, "{errors:?}");
    assert!(
        errors
            .iter()
            .any(|l| l.starts_with("same-round,") && l.contains("/w4,4,")),
        "{errors:?}"
    );
    assert!(
        errors.iter().any(|l| l.starts_with("other-time,")),
        "{errors:?}"
    );
    let md = std::fs::read_to_string(sim.join("report.md")).unwrap();
    assert!(
        md.contains("## Simulated vs measured") && md.contains("- model error (same-round costs)")
    );
    // Without --model and without a default model there is no other-time
    // error, and no model file is made for it.
    let cache = dir.join("cache");
    validate(&[])
        .env("XDG_CACHE_HOME", &cache)
        .assert()
        .success()
        .stdout(
            predicate::str::contains("6 run(s) reused, 0 run").and(predicate::str::contains(
                "other-time error: none (no cost model at",
            )),
        );
    assert!(!cache.join("ingestlab/calibration.json").exists());
    // A model file without the sweep's engine: the model's error stands,
    // the other-time error says why there is none (it used to end the
    // command after every run was measured).
    let duck = dir.join("duck-only.json");
    let mut m: serde_json::Value = serde_json::from_slice(&std::fs::read(model).unwrap()).unwrap();
    m["writes"]
        .as_array_mut()
        .unwrap()
        .retain(|w| w["engine"] == "duckdb");
    std::fs::write(&duck, serde_json::to_vec(&m).unwrap()).unwrap();
    validate(&["--model", duck.to_str().unwrap()])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("model error (same-round costs)")
                .and(predicate::str::contains("other-time error: none ("))
                .and(predicate::str::contains("no figures for sqlite")),
        );
}

fn csv_lines(path: &std::path::Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

/// The README's what-if: the shipped seed-note figures, answered in well
/// under a second, naming the fitted parameters, the fit and what lies
/// beyond the data.
#[test]
fn whatif_answers_from_the_thesis_figures() {
    let example =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/thesis-measurements.toml");
    bin()
        .arg("whatif")
        .arg(&example)
        .args([
            "--ask",
            "workers=2,batch=10000",
            "--ask",
            "workers=4,batch=10000",
        ])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("insert per row α")
                .and(predicate::str::contains("work per record w"))
                .and(predicate::str::contains("1 degree(s) of freedom"))
                .and(predicate::str::contains("workers outside the measured 4–4"))
                .and(predicate::str::contains("Student's t = 12.7"))
                .and(predicate::str::contains(
                    "Measure another worker count than 4",
                )),
        );
    // With a 2-worker run added: the contention model is fitted, every
    // measured wall time has its interval, and the advice is to repeat the
    // runs, not to measure a worker count the data already hold.
    let two = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("examples/thesis-with-two-workers.toml");
    bin()
        .arg("whatif")
        .arg(&two)
        .args(["--cores", "2", "--ask", "workers=2,batch=10000"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("contention κ")
                .and(predicate::str::contains("contended writes"))
                .and(predicate::str::contains("980.0 s ["))
                .and(predicate::str::contains(
                    "decides nothing: they differ by 2.6%",
                ))
                .and(predicate::str::contains("another worker count").not()),
        );
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("m.csv");
    std::fs::write(&bad, "workers,batch_size,records,wall_s\n4,10000,717000,\n").unwrap();
    bin()
        .arg("whatif")
        .arg(&bad)
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "measurement 1: needs wall_s, insert_s or both",
        ));
    bin()
        .arg("whatif")
        .arg(&example)
        .args(["--ask", "workers=2"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("--ask").and(predicate::str::contains("batch")));
}

/// Ctrl-C while `simulate --validate` measures: exit 130 like every other
/// command, naming where the finished runs are (it used to exit 1).
#[test]
fn an_interrupted_validation_exits_130_and_keeps_its_runs() {
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("model.json");
    bin()
        .args(["calibrate", "--records", "500", "--model"])
        .arg(&model)
        .assert()
        .success();
    let s = dir.path().join("s.toml");
    let out = dir.path().join("measured");
    std::fs::write(
        &s,
        format!("name = \"sim\"\noutput = \"{}\"\nrepetitions = 3\n[data]\nrecords = [300]\n[sweep]\nworkers = [1, 2]\nbatch_sizes = [50]\nrecord_work_ms = 2.0\n", out.display()),
    )
    .unwrap();
    let child = std::process::Command::new(common::exe())
        .arg("simulate")
        .arg(&s)
        .args(["--validate", "--format", "png", "--model"])
        .arg(&model)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Each run pays 0.6 s of per-record work: the sweep is mid-way by now.
    std::thread::sleep(std::time::Duration::from_millis(2500));
    // SAFETY: kill sends a signal to the child we spawned.
    unsafe { libc::kill(child.id() as i32, libc::SIGINT) };
    let done = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&done.stderr);
    assert_eq!(done.status.code(), Some(130), "{err}");
    assert!(err.contains("the finished runs are kept"), "{err}");
}
