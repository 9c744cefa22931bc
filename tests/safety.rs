//! Nothing the user owns is lost: one test per item of the safety issue,
//! each running the real binary.

mod common;

use common::{bin, exe, gen_file};
use predicates::prelude::*;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn scenario(dir: &Path, body: &str) -> std::path::PathBuf {
    common::scenario_file(dir, "safe", body)
}

/// `--db` and `--staging-db` never destroy what ingestlab did not create.
#[test]
fn database_paths_never_replace_what_ingestlab_did_not_create() {
    let dir = tempfile::tempdir().unwrap();
    let (input, _) = gen_file(dir.path(), "in.xml", 30, 0.0, 0.0);
    let notes = dir.path().join("notes.txt");
    std::fs::write(&notes, "notes\n").unwrap();
    bin()
        .args(["ingest", "--input"])
        .arg(&input)
        .arg("--db")
        .arg(&notes)
        .assert()
        .failure()
        .stderr(
            predicate::str::contains("already exists and is not a database")
                .and(predicate::str::contains("--overwrite")),
        );
    assert_eq!(std::fs::read_to_string(&notes).unwrap(), "notes\n");
    let theirs = dir.path().join("theirs.db");
    rusqlite::Connection::open(&theirs)
        .unwrap()
        .execute_batch("CREATE TABLE thesis(x); INSERT INTO thesis VALUES (1)")
        .unwrap();
    bin()
        .args(["ingest", "--input"])
        .arg(&input)
        .arg("--db")
        .arg(&theirs)
        .assert()
        .failure()
        .stderr(predicate::str::contains("did not create"));
    let n: i64 = rusqlite::Connection::open(&theirs)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM thesis", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 1);
    let before = std::fs::read(&input).unwrap();
    bin()
        .args(["ingest", "--input"])
        .arg(&input)
        .arg("--db")
        .arg(&input)
        .arg("--overwrite")
        .assert()
        .failure()
        .stderr(predicate::str::contains("is the input file"));
    assert_eq!(std::fs::read(&input).unwrap(), before);
    let same = dir.path().join("same.xml");
    bin()
        .args(["generate", "--records", "5", "--out"])
        .arg(&same)
        .arg("--staging-db")
        .arg(&same)
        .assert()
        .failure()
        .stderr(predicate::str::contains("is the --out file"));
    // Its own database is replaced without asking; others with --overwrite.
    let ours = dir.path().join("ours.db");
    for _ in 0..2 {
        bin()
            .args(["ingest", "--input"])
            .arg(&input)
            .arg("--db")
            .arg(&ours)
            .assert()
            .success();
    }
    bin()
        .args(["ingest", "--input"])
        .arg(&input)
        .arg("--db")
        .arg(&theirs)
        .arg("--overwrite")
        .assert()
        .success();
    // generate replaces only files it wrote.
    bin()
        .args(["generate", "--records", "5", "--out"])
        .arg(&notes)
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "was not written by `ingestlab generate`",
        ));
    bin()
        .args(["generate", "--records", "5", "--out"])
        .arg(&input)
        .assert()
        .success();
}

/// The journal is only appended to: killing `run --resume` at any moment
/// loses no finished run.
#[test]
fn killing_a_resume_in_a_loop_loses_no_finished_run() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(
        dir.path(),
        "repetitions = 2\n[data]\nrecords = [200]\n[sweep]\nworkers = [1, 2]\n",
    );
    bin().arg("run").arg(&s).assert().success();
    let journal = dir.path().join("out/runs.jsonl");
    let mut expected = std::fs::read(&journal).unwrap();
    for k in 0..12 {
        // More repetitions, so every resume has work to do when killed.
        let reps = format!("repetitions={}", 3 + k);
        let mut child = Command::new(exe())
            .arg("run")
            .arg(&s)
            .args(["--resume", "--set", &reps])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(30 + 37 * k as u64));
        child.kill().unwrap();
        child.wait().unwrap();
        let now = std::fs::read(&journal).unwrap();
        assert!(
            now.starts_with(&expected),
            "kill {k}: the journal lost bytes it held"
        );
        expected = now;
        let _ = std::fs::remove_file(dir.path().join("out/.ingestlab.lock"));
    }
}

/// A damaged middle line costs that line only, named; a torn last line
/// (cut inside a UTF-8 character) is reported and the sweep goes on.
#[test]
fn damaged_and_torn_journal_lines_cost_only_themselves() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(
        dir.path(),
        "repetitions = 5\n[data]\nrecords = [40]\n[sweep]\nworkers = [1, 2]\n",
    );
    bin().arg("run").arg(&s).assert().success();
    let journal = dir.path().join("out/runs.jsonl");
    let text = std::fs::read_to_string(&journal).unwrap();
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    lines[4] = "{\"config_id\": garbage".into();
    let mut bytes = lines.join("\n").into_bytes();
    bytes.extend_from_slice(b"\n{\"config_id\":\"\xc3");
    std::fs::write(&journal, &bytes).unwrap();
    bin()
        .arg("run")
        .arg(&s)
        .arg("--resume")
        .assert()
        .success()
        .stderr(
            predicate::str::contains("line 5 is damaged and was skipped")
                .and(predicate::str::contains("last line (11) is incomplete"))
                .and(predicate::str::contains(
                    "9 finished run(s) reused, 1 to run",
                )),
        );
}

/// One sweep per results folder: a second is refused with the holder's
/// pid; a stale lock of a dead process is taken over.
#[test]
fn one_sweep_per_results_folder() {
    let dir = tempfile::tempdir().unwrap();
    let s = scenario(
        dir.path(),
        "repetitions = 20\n[data]\nrecords = [3000]\n[sweep]\nworkers = [1, 2]\n",
    );
    let mut first = Command::new(exe())
        .arg("run")
        .arg(&s)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let lock = dir.path().join("out/.ingestlab.lock");
    let t = Instant::now();
    while !lock.exists() && t.elapsed() < Duration::from_secs(20) {
        std::thread::sleep(Duration::from_millis(20));
    }
    bin()
        .arg("run")
        .arg(&s)
        .arg("--resume")
        .assert()
        .failure()
        .stderr(
            predicate::str::contains(format!("pid {}", first.id()))
                .and(predicate::str::contains("is writing")),
        );
    first.kill().unwrap();
    first.wait().unwrap();
    // The killed process left its lock behind: it is taken over.
    assert!(lock.exists());
    bin()
        .arg("run")
        .arg(&s)
        .args(["--resume", "--set", "repetitions=1"])
        .assert()
        .success()
        .stderr(predicate::str::contains("took over the lock"));
    assert!(!lock.exists());
}

/// Ctrl-C (SIGINT) and SIGTERM keep every finished run, write the exports
/// marked partial, leave no temporary files, say how to resume, exit 130.
#[test]
fn interrupts_keep_finished_runs_and_leave_no_debris() {
    for signal in [libc::SIGINT, libc::SIGTERM] {
        let dir = tempfile::tempdir().unwrap();
        let tmp = dir.path().join("tmp");
        std::fs::create_dir(&tmp).unwrap();
        let s = scenario(
            dir.path(),
            "repetitions = 30\n[data]\nrecords = [4000]\n[sweep]\nworkers = [1, 2]\n",
        );
        let child = Command::new(exe())
            .arg("run")
            .arg(&s)
            .env("TMPDIR", &tmp)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let journal = dir.path().join("out/runs.jsonl");
        let t = Instant::now();
        while std::fs::read_to_string(&journal).map_or(0, |j| j.lines().count()) < 2
            && t.elapsed() < Duration::from_secs(60)
        {
            std::thread::sleep(Duration::from_millis(20));
        }
        // SAFETY: sends a signal to our own child process.
        unsafe { libc::kill(child.id() as i32, signal) };
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(130), "signal {signal}: {err}");
        assert!(
            err.contains("--resume") && err.contains("finished run(s) kept"),
            "{err}"
        );
        let report = std::fs::read_to_string(dir.path().join("out/report.md")).unwrap();
        assert!(report.contains("Partial results"), "{report}");
        assert!(dir.path().join("out/results.json").exists());
        let left: Vec<_> = std::fs::read_dir(&tmp).unwrap().collect();
        assert!(left.is_empty(), "temporary files left behind: {left:?}");
        bin()
            .arg("plot")
            .arg(dir.path().join("out"))
            .assert()
            .success();
    }
}

/// Plans no laptop finishes are refused at once, with the way out.
#[test]
fn sanity_limits() {
    let dir = tempfile::tempdir().unwrap();
    let (input, _) = gen_file(dir.path(), "in.xml", 200, 0.0, 0.0);
    let t = Instant::now();
    bin()
        .args(["ingest", "--workers", "2000", "--input"])
        .arg(&input)
        .assert()
        .failure()
        .stderr(
            predicate::str::contains("thread scheduler").and(predicate::str::contains("--force")),
        );
    assert!(t.elapsed() < Duration::from_secs(5));
    let s = scenario(
        dir.path(),
        "[data]\nrecords = [1000000000000]\n[sweep]\nworkers = [1]\n",
    );
    bin()
        .arg("run")
        .arg(&s)
        .assert()
        .failure()
        .stderr(predicate::str::contains("GB of temporary disk"));
    assert!(
        !dir.path().join("out/runs.jsonl").exists(),
        "refused before writing"
    );
    bin()
        .arg("run")
        .arg(&s)
        .arg("--dry-run")
        .assert()
        .success()
        .stdout(
            predicate::str::contains("days")
                .and(predicate::str::contains("warning: the sweep would take")),
        );
    bin()
        .args([
            "generate",
            "--records",
            "10",
            "--text-scale",
            "1e9",
            "--out",
        ])
        .arg(dir.path().join("big.xml"))
        .assert()
        .failure()
        .stderr(predicate::str::contains("--text-scale must be"));
    assert!(!dir.path().join("big.xml").exists());
}

/// Every error names the file, flag or key and the value.
#[test]
fn errors_name_the_culprit() {
    let dir = tempfile::tempdir().unwrap();
    let (input, _) = gen_file(dir.path(), "in.xml", 20, 0.0, 0.0);
    let s = scenario(
        dir.path(),
        "[data]\nrecords = [10]\n[sweep]\nworkers = [1, 2]\n",
    );
    bin()
        .arg("run")
        .arg(&s)
        .args(["--dry-run", "--set", "sweep.workers=[0]"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "set on the command line: --set sweep.workers=[0]",
        ));
    bin()
        .arg("run")
        .arg(&s)
        .args(["--dry-run", "--set", "sweep.workers=two"])
        .assert()
        .failure()
        .stderr(
            predicate::str::contains("sweep.workers")
                .and(predicate::str::contains("--set sweep.workers=two")),
        );
    let nameless = dir.path().join("n.toml");
    std::fs::write(
        &nameless,
        "[data]\nrecords = [10]\n[sweep]\nworkers = [1]\n",
    )
    .unwrap();
    bin().arg("run").arg(&nameless).assert().failure().stderr(
        predicate::str::contains("missing field `name` (in top level)")
            .and(predicate::str::contains("field `data`").not()),
    );
    bin()
        .args(["ingest", "--workers", "-1", "--input"])
        .arg(&input)
        .assert()
        .failure()
        .stderr(
            predicate::str::contains("--workers")
                .and(predicate::str::contains("must be at least 1, got -1")),
        );
    bin()
        .args(["ingest", "--input", "/dev/stdin"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("not a regular file"));
    let t = Instant::now();
    bin()
        .args(["ingest", "--timeline", "/nonexistent/t.json", "--input"])
        .arg(&input)
        .assert()
        .failure()
        .stderr(predicate::str::contains("--timeline '/nonexistent/t.json'"));
    assert!(t.elapsed() < Duration::from_secs(5));
    let utf16: Vec<u8> = std::fs::read_to_string(&input)
        .unwrap()
        .encode_utf16()
        .flat_map(|u| u.to_le_bytes())
        .collect();
    let f16 = dir.path().join("u16.xml");
    std::fs::write(&f16, [&[0xFF, 0xFE][..], &utf16].concat()).unwrap();
    bin()
        .args(["ingest", "--input"])
        .arg(&f16)
        .assert()
        .failure()
        .stderr(predicate::str::contains("UTF-16").and(predicate::str::contains("iconv")));
    let cr = dir.path().join("cr.xml");
    std::fs::write(
        &cr,
        std::fs::read_to_string(&input).unwrap().replace('\n', "\r"),
    )
    .unwrap();
    bin()
        .args(["ingest", "--json", "--input"])
        .arg(&cr)
        .assert()
        .success()
        .stdout(predicate::str::contains("\"rows_out\": 20"));
}

/// Pragmas that cannot work are refused; rollback-journal modes work
/// with several workers.
#[test]
fn pragmas_are_safe_or_refused() {
    let dir = tempfile::tempdir().unwrap();
    let (input, _) = gen_file(dir.path(), "in.xml", 300, 0.0, 0.0);
    let t = Instant::now();
    bin()
        .args([
            "ingest",
            "--workers",
            "2",
            "--pragma",
            "locking_mode=EXCLUSIVE",
            "--input",
        ])
        .arg(&input)
        .assert()
        .failure()
        .stderr(
            predicate::str::contains("wait forever").and(predicate::str::contains("single-writer")),
        );
    assert!(t.elapsed() < Duration::from_secs(5));
    bin()
        .args([
            "ingest",
            "--workers",
            "2",
            "--lock",
            "single-writer",
            "--pragma",
            "locking_mode=EXCLUSIVE",
            "--input",
        ])
        .arg(&input)
        .assert()
        .success();
    for mode in ["delete", "truncate", "persist"] {
        bin()
            .args([
                "ingest",
                "--workers",
                "2",
                "--batch-size",
                "10",
                "--journal-mode",
                mode,
                "--input",
            ])
            .arg(&input)
            .assert()
            .success()
            .stdout(predicate::str::contains("verification passed"));
    }
    bin()
        .args(["ingest", "--pragma", "no_such_pragma=1", "--input"])
        .arg(&input)
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "unknown SQLite pragma 'no_such_pragma'",
        ));
    bin()
        .args(["ingest", "--pragma", "synchronous=OFF", "--input"])
        .arg(&input)
        .assert()
        .failure()
        .stderr(predicate::str::contains("--synchronous"));
}

/// Characters XML forbids are quarantined with the reason; a wrapper
/// element around the records costs no record.
#[test]
fn strict_where_xml_is_strict() {
    let dir = tempfile::tempdir().unwrap();
    let (input, _) = gen_file(dir.path(), "in.xml", 20, 0.0, 0.0);
    let text = std::fs::read_to_string(&input).unwrap();
    let nul = dir.path().join("nul.xml");
    std::fs::write(
        &nul,
        text.replacen(
            "<invention-title id=\"d2e43\">",
            "<invention-title id=\"d2e43\">A\u{0}B ",
            1,
        ),
    )
    .unwrap();
    let db = dir.path().join("nul.db");
    bin()
        .args(["ingest", "--input"])
        .arg(&nul)
        .arg("--db")
        .arg(&db)
        .assert()
        .success();
    let reason: String = rusqlite::Connection::open(&db)
        .unwrap()
        .query_row("SELECT reason FROM app_errors", [], |r| r.get(0))
        .unwrap();
    assert!(
        reason.contains("U+0000") && reason.contains("not allowed in XML"),
        "{reason}"
    );
    let wrapped = dir.path().join("wrapped.xml");
    std::fs::write(&wrapped, format!("<root>\n{text}</root>\n")).unwrap();
    bin()
        .args(["ingest", "--input"])
        .arg(&wrapped)
        .assert()
        .success()
        .stdout(
            predicate::str::contains("20 rows out, 0 quarantined")
                .and(predicate::str::contains("outside any record")),
        );
}

/// `fit` checks its input and prints no interval it cannot estimate.
#[test]
fn fit_checks_its_input() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("f.csv");
    let fit = |text: &str| {
        std::fs::write(&csv, text).unwrap();
        bin().arg("fit").arg(&csv).assert()
    };
    fit("workers,throughput\n1,100\n2,180\n4,300\n8,420\n")
        .success()
        .stdout(predicate::str::contains(
            "no interval: one measurement per worker count",
        ));
    fit("workers,throughput\n1,1e308\n2,1e308\n4,1e308\n")
        .failure()
        .stderr(predicate::str::contains("below 10^15"));
    fit("workers,throughput\n1,100\n1.5,150\n2,180\n")
        .failure()
        .stderr(predicate::str::contains(
            "row 3: workers must be a whole number",
        ));
    fit("workers,throughput\n1,100\n100000000000,150\n2,180\n")
        .failure()
        .stderr(predicate::str::contains("whole number from 1 to 1,000,000"));
    fit("workers,throughput,workers\n1,100,1\n2,180,2\n4,300,4\n")
        .failure()
        .stderr(predicate::str::contains("2 worker columns"));
}
