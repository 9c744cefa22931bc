//! `ingestlab run`, `plot` and scenario errors through the real binary on
//! tiny sweeps.

mod common;

use common::bin;
use predicates::prelude::*;
use std::path::Path;

fn scenario(dir: &Path, body: &str) -> std::path::PathBuf {
    let p = dir.join("s.toml");
    let out = dir.join("out");
    std::fs::write(
        &p,
        format!("name = \"tiny\"\noutput = \"{}\"\n{body}", out.display()),
    )
    .unwrap();
    p
}

const TINY: &str = "repetitions = 2\n[data]\nrecords = [120]\n[sweep]\nengines = [\"sqlite\", \"duckdb\"]\nlocks = [\"native\", \"single-writer\"]\nworkers = [2, 4]\nbatch_sizes = [20, 40]\n";

fn csv_rows(path: &Path) -> Vec<csv::StringRecord> {
    csv::Reader::from_path(path)
        .unwrap()
        .records()
        .map(|r| r.unwrap())
        .collect()
}

#[test]
fn run_writes_exports_and_figures_and_plot_redraws_them() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(dir.path(), TINY);
    bin()
        .arg("run")
        .arg(&s)
        .assert()
        .success()
        .stdout(predicate::str::contains("results in"));
    let out = dir.path().join("out");
    for f in [
        "runs.csv",
        "summary.csv",
        "results.json",
        "report.md",
        "runs.jsonl",
    ] {
        assert!(out.join(f).exists(), "{f} missing");
    }
    // 2 engines × 2 batch sizes × (added baseline + 2 locks × 2 worker counts) × 2 reps
    assert_eq!(csv_rows(&out.join("runs.csv")).len(), 2 * 2 * 5 * 2);
    let mut rdr = csv::Reader::from_path(out.join("summary.csv")).unwrap();
    let h = rdr.headers().unwrap().clone();
    let col = |name: &str| h.iter().position(|x| x == name).unwrap();
    let mut baselines = 0;
    for r in rdr.records() {
        let r = r.unwrap();
        if &r[col("workers")] == "1" {
            baselines += 1;
            assert_eq!(&r[col("speedup")], "1.0", "a 1-worker speedup is exactly 1");
            assert_eq!(&r[col("auto_baseline")], "true");
        }
    }
    assert_eq!(baselines, 4);
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        md.contains("## Speedup and efficiency") && md.contains("baseline was added"),
        "{md}"
    );
    assert!(md.contains("![Speedup vs workers](plots/speedup.png)"));
    for name in FIGURES {
        for ext in ["png", "svg", "pdf"] {
            let p = out.join("plots").join(format!("{name}.{ext}"));
            assert!(
                p.metadata().map(|m| m.len() > 500).unwrap_or(false),
                "{} missing or tiny",
                p.display()
            );
        }
        let table = csv_rows(&out.join("plots").join(format!("{name}.csv")));
        assert!(table.len() >= 4, "{name}.csv has {} rows", table.len());
        check_pdf(&out.join("plots").join(format!("{name}.pdf")), 16.0);
    }
    figure_csvs_match_the_summary(&out);
    // Only one record count: the volume chart is skipped, and the report says why.
    assert!(!out.join("plots/overhead-vs-volume.png").exists());
    assert!(md.contains("*Overhead vs volume* skipped: the sweep has 1 record count"));
    // The report says every configuration stored the same rows.
    assert!(md.contains("all 40 runs stored the same content"), "{md}");
    // PNG header: 16 cm × 10.67 cm at 200 dpi.
    let png = std::fs::read(out.join("plots/speedup.png")).unwrap();
    assert_eq!(&png[1..4], b"PNG");
    assert_eq!(u32::from_be_bytes(png[16..20].try_into().unwrap()), 1260);
    assert_eq!(u32::from_be_bytes(png[20..24].try_into().unwrap()), 840);

    // The PNGs of the first drawing stay; a PDF-only redraw must not
    // leave report.md embedding them as if they were its figures.
    for name in FIGURES {
        std::fs::remove_file(out.join("plots").join(format!("{name}.pdf"))).unwrap();
    }
    bin()
        .args(["plot", "--figure-size", "8.5cm", "--format", "pdf"])
        .arg(&out)
        .assert()
        .success()
        // The console lists the files written, not a PNG it did not write.
        .stdout(
            predicate::str::contains("figure Speedup vs workers")
                .and(predicate::str::contains("speedup.pdf"))
                .and(predicate::str::contains(".png").not()),
        );
    for name in FIGURES {
        check_pdf(&out.join("plots").join(format!("{name}.pdf")), 8.5);
        assert!(out.join("plots").join(format!("{name}.csv")).exists());
    }
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(
        !md.contains("](plots/speedup.png)"),
        "a stale PNG embedded: {md}"
    );
    assert!(
        md.contains("[plots/speedup.pdf](plots/speedup.pdf)"),
        "{md}"
    );
    bin()
        .args(["plot", "--figure-size", "8.5pt"])
        .arg(&out)
        .assert()
        .failure()
        .stderr(
            predicate::str::contains("--figure-size").and(predicate::str::contains("cm or in")),
        );
}

const FIGURES: [&str; 6] = [
    "speedup",
    "efficiency",
    "throughput-vs-batch",
    "time-breakdown",
    "timeline",
    "heatmap",
];

/// A PDF whose page is `width_cm` wide and whose every font is embedded
/// (what `pdffonts` checks: a FontFile stream per font descriptor).
fn check_pdf(path: &Path, width_cm: f64) {
    let pdf = std::fs::read(path).unwrap();
    assert!(
        pdf.starts_with(b"%PDF-1."),
        "{} is not a PDF",
        path.display()
    );
    let text = String::from_utf8_lossy(&pdf);
    let descriptors = text.matches("/Type /FontDescriptor").count();
    let embedded = text.matches("/FontFile2").count() + text.matches("/FontFile3").count();
    assert!(
        descriptors >= 1 && embedded >= descriptors,
        "{}: {descriptors} fonts, {embedded} embedded",
        path.display()
    );
    let media = text.split("/MediaBox [").nth(1).expect("a MediaBox");
    let w: f64 = media
        .split_whitespace()
        .nth(2)
        .unwrap()
        .trim_end_matches(']')
        .parse()
        .unwrap();
    assert!(
        (w / 72.0 * 2.54 - width_cm).abs() < 0.05,
        "{}: page {w} pt wide",
        path.display()
    );
}

/// Every measured point of the line charts' CSVs is a row of summary.csv:
/// the same x, median and interval, exactly.
fn figure_csvs_match_the_summary(out: &Path) {
    let mut rdr = csv::Reader::from_path(out.join("summary.csv")).unwrap();
    let h = rdr.headers().unwrap().clone();
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    let col = |name: &str| h.iter().position(|x| x == name).unwrap();
    // Exactly equal as numbers (the two files may spell 1 as "1" or "1.0").
    let same = |a: &str, b: &str| a.parse::<f64>().ok() == b.parse::<f64>().ok() && !a.is_empty();
    let has = |x: (&str, &str), y: &str, lo: &str, hi: &str, cols: [&str; 3]| {
        rows.iter().any(|r| {
            same(&r[col(x.0)], x.1)
                && same(&r[col(cols[0])], y)
                && (lo.is_empty() || (same(&r[col(cols[1])], lo) && same(&r[col(cols[2])], hi)))
        })
    };
    for (figure, x_col, cols) in [
        (
            "throughput-vs-batch",
            "batch_size",
            [
                "records_per_s_median",
                "records_per_s_ci_low",
                "records_per_s_ci_high",
            ],
        ),
        (
            "speedup",
            "workers",
            ["speedup", "speedup_ci_low", "speedup_ci_high"],
        ),
    ] {
        let fig = csv_rows(&out.join("plots").join(format!("{figure}.csv")));
        let measured: Vec<_> = fig
            .iter()
            .filter(|r| &r[1] == "measured" && &r[2] != "1")
            .collect();
        assert!(!measured.is_empty(), "{figure}.csv has no measured point");
        for r in measured {
            assert!(
                has((x_col, &r[2]), &r[3], &r[4], &r[5], cols),
                "{figure}.csv row {r:?} is not in summary.csv"
            );
        }
    }
}

fn journal_records(path: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

#[test]
fn resume_after_an_interrupted_sweep_has_no_duplicate_or_missing_runs() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(
        dir.path(),
        "repetitions = 3\n[data]\nrecords = [60]\n[sweep]\nworkers = [1, 2]\nlocks = [\"native\", \"global-mutex\"]\n",
    );
    bin().arg("run").arg(&s).assert().success();
    let journal = dir.path().join("out/runs.jsonl");
    let lines: Vec<String> = std::fs::read_to_string(&journal)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(lines.len(), 9);
    // Interrupted after four runs, the fifth torn mid-write.
    let torn = format!(
        "{}\n{}",
        lines[..4].join("\n"),
        &lines[4][..lines[4].len() / 2]
    );
    std::fs::write(&journal, &torn).unwrap();
    bin()
        .arg("run")
        .arg(&s)
        .arg("--resume")
        .assert()
        .success()
        .stderr(
            predicate::str::contains("4 finished run(s) reused, 5 to run")
                .and(predicate::str::contains("last line (5) is incomplete")),
        );
    let bytes = std::fs::read_to_string(&journal).unwrap();
    assert!(
        bytes.starts_with(&torn),
        "the journal was appended to, never rewritten"
    );
    let after = journal_records(&journal);
    assert_eq!(after.len(), 9);
    let mut keys: Vec<(String, u64)> = after
        .iter()
        .map(|v| {
            (
                v["config_id"].as_str().unwrap().to_string(),
                v["rep"].as_u64().unwrap(),
            )
        })
        .collect();
    keys.sort();
    keys.dedup();
    assert_eq!(
        keys.len(),
        9,
        "every (configuration, repetition) exactly once"
    );
    assert_eq!(csv_rows(&dir.path().join("out/runs.csv")).len(), 9);
}

#[test]
fn a_folder_with_runs_is_resumed_or_started_afresh_never_truncated() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(
        dir.path(),
        "repetitions = 2\n[data]\nrecords = [40]\n[sweep]\nworkers = [1, 2]\n",
    );
    bin().arg("run").arg(&s).assert().success();
    let journal = dir.path().join("out/runs.jsonl");
    let before = std::fs::read(&journal).unwrap();
    bin()
        .arg("run")
        .arg(&s)
        .assert()
        .failure()
        .stderr(predicate::str::contains("--resume").and(predicate::str::contains("--fresh")));
    assert_eq!(
        std::fs::read(&journal).unwrap(),
        before,
        "refused without touching the journal"
    );
    bin().arg("run").arg(&s).arg("--fresh").assert().success();
    assert_eq!(
        std::fs::read(dir.path().join("out/runs.1.jsonl")).unwrap(),
        before,
        "the old journal is kept"
    );
    assert_eq!(journal_records(&journal).len(), 4);
}

#[test]
fn resume_reuses_only_runs_with_the_same_settings() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(
        dir.path(),
        "repetitions = 2\n[data]\nrecords = [40]\n[sweep]\nworkers = [1, 2]\n",
    );
    bin().arg("run").arg(&s).assert().success();
    bin()
        .arg("run")
        .arg(&s)
        .args(["--resume", "--set", "sweep.record_work_ms=0.05"])
        .assert()
        .success()
        .stderr(
            predicate::str::contains("0 finished run(s) reused, 4 to run").and(
                predicate::str::contains("4 journaled run(s) were made with other settings"),
            ),
        );
    // The exports hold only the runs of the sweep as it now is.
    let runs = csv_rows(&dir.path().join("out/runs.csv"));
    assert_eq!(runs.len(), 4);
    assert_eq!(
        journal_records(&dir.path().join("out/runs.jsonl")).len(),
        8,
        "nothing dropped from the journal"
    );
}

#[test]
fn dry_run_lists_configurations_and_an_estimate() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(dir.path(), TINY);
    bin()
        .arg("run")
        .arg(&s)
        .args(["--dry-run", "--set", "sweep.engines=[\"sqlite\"]"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("10 configurations × 2 repetition(s)")
                .and(predicate::str::contains("estimated time")),
        );
    assert!(!dir.path().join("out").exists(), "a dry run writes nothing");
}

fn bad(body: &str, needles: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(dir.path(), body);
    let out = bin().arg("run").arg(&s).output().unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    for n in needles {
        assert!(err.contains(n), "expected '{n}' in: {err}");
    }
    assert!(err.contains("s.toml:"), "names the file: {err}");
}

#[test]
fn bad_scenario_files_name_file_line_and_field() {
    let ok = "[data]\nrecords = [10]\n[sweep]\nworkers = [1, 2]\n";
    bad(
        &ok.replace("workers = [1, 2]", "workers = [1, 2]\nthread = 2"),
        &["s.toml:7:1:", "unknown field `thread`", "batch_sizes"],
    );
    bad(
        &ok.replace("[1, 2]", "\"two\""),
        &["s.toml:6:11:", "field `sweep.workers`", "invalid type"],
    );
    bad(
        &ok.replace("[1, 2]", "[]"),
        &["s.toml:6:1:", "field `sweep.workers`", "at least one"],
    );
    bad(
        &ok.replace("[1, 2]", "[0, 2]"),
        &["field `sweep.workers`", "0 is not a valid worker count"],
    );
    bad(
        &ok.replace("[sweep]", "[sweep]\nlocks = [\"spinlock\"]"),
        &["spinlock", "native", "single-writer"],
    );
}

#[test]
fn plot_on_an_empty_or_broken_folder_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    bin().arg("plot").arg(dir.path()).assert().failure().stderr(
        predicate::str::contains("results.json").and(predicate::str::contains("ingestlab run")),
    );
    std::fs::write(dir.path().join("results.json"), "{\"scenario\": {}}").unwrap();
    std::fs::write(dir.path().join(".ingestlab"), "ingestlab results folder\n").unwrap();
    bin().arg("plot").arg(dir.path()).assert().failure().stderr(
        predicate::str::contains("not a complete ingestlab results file")
            .and(predicate::str::contains("panicked").not()),
    );
}

/// `compare`: a folder against an identical copy finds no difference; against
/// the same sweep with 0.5 ms of work per record added, every configuration
/// is slower; the exports and the chart are written where asked.
#[test]
fn compare_finds_no_difference_in_a_copy_and_the_slowdown_it_is_given() {
    let dir = tempfile::tempdir().unwrap();
    let body = "repetitions = 5\nwarmup = 0\n[data]\nrecords = [300]\n[sweep]\nworkers = [1, 2]\nbatch_sizes = [50]\n";
    let s = scenario(dir.path(), body);
    bin()
        .arg("run")
        .arg(&s)
        .args(["--format", "png"])
        .assert()
        .success();
    let (a, copy, slow) = (
        dir.path().join("out"),
        dir.path().join("copy"),
        dir.path().join("slow"),
    );
    std::fs::create_dir(&copy).unwrap();
    for f in [
        ".ingestlab",
        "results.json",
        "runs.jsonl",
        "summary.csv",
        "runs.csv",
        "report.md",
    ] {
        std::fs::copy(a.join(f), copy.join(f)).unwrap();
    }
    let out = bin().arg("compare").arg(&a).arg(&copy).assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).to_string();
    let verdicts = text
        .lines()
        .filter(|l| l.ends_with("no difference detected"));
    assert_eq!(verdicts.count(), 2, "{text}");
    let table = csv_rows(&copy.join("compare/comparison.csv"));
    assert_eq!(table.len(), 2);
    assert!(
        table
            .iter()
            .all(|r| &r[8] == "1" && &r[15] == "no difference detected"),
        "{table:?}"
    );
    assert!(copy.join("compare/comparison.md").exists());
    assert!(copy.join("compare/plots/comparison.png").exists());

    bin()
        .arg("run")
        .arg(&s)
        .args(["--output"])
        .arg(&slow)
        .args(["--set", "sweep.record_work_ms=0.5", "--format", "png"])
        .assert()
        .success();
    let report = dir.path().join("a-vs-slow");
    bin()
        .arg("compare")
        .arg(&a)
        .arg(&slow)
        .arg("--output")
        .arg(&report)
        .args(["--format", "svg"])
        .assert()
        .success();
    // Paired despite the changed setting (the ids differ by /k0.5/): the
    // sequential run is slower in wall time; the 2-worker run is slower in
    // wall time too, while relative to its own sequential run (the
    // verdict's basis across sweeps) the work parallelises.
    let table = csv_rows(&report.join("comparison.csv"));
    assert_eq!(table.len(), 2, "{table:?}");
    assert!(table[1][1].contains("/k0.5/"), "{table:?}");
    assert!(
        table.iter().all(|r| r[7].parse::<f64>().unwrap() > 1.05),
        "{table:?}"
    );
    assert_eq!(
        (&table[0][6], &table[0][15]),
        ("wall", "slower"),
        "{table:?}"
    );
    assert_eq!(&table[1][6], "relative", "{table:?}");
    assert!(
        report.join("plots/comparison.svg").exists()
            && !report.join("plots/comparison.png").exists()
    );

    bin()
        .arg("compare")
        .arg(&a)
        .assert()
        .failure()
        .stderr(predicate::str::contains("give a second results folder"));
}
