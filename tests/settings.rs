//! Every setting has one default: what `ingest --help` shows, what a
//! scenario that omits the setting runs with, and what results.json
//! records agree, through the real binary.

mod common;

use common::bin;
use std::collections::BTreeMap;

/// `flag → default` as `ingest --help` prints them.
fn help_defaults() -> BTreeMap<String, String> {
    let out = bin().args(["ingest", "--help"]).output().unwrap();
    let help = String::from_utf8(out.stdout).unwrap();
    let mut defaults = BTreeMap::new();
    let mut flag = None;
    for line in help.lines() {
        let t = line.trim_start();
        if t.starts_with("--") {
            flag = t.split([' ', ',']).next().map(String::from);
        }
        if let (Some(f), Some(at)) = (&flag, line.find("[default: ")) {
            let rest = &line[at + "[default: ".len()..];
            defaults.insert(f.clone(), rest[..rest.find(']').unwrap()].to_string());
        }
    }
    defaults
}

/// The value at `path` (dotted) of `v`, as text.
fn at(v: &serde_json::Value, path: &str) -> String {
    let x = path.split('.').fold(v, |v, k| &v[k]);
    match x {
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

#[test]
fn help_an_empty_scenario_and_results_json_agree_on_every_default() {
    let d = help_defaults();
    assert!(d.len() >= 20, "{d:?}");
    let dir = tempfile::tempdir().unwrap();
    // A sweep must name its worker counts (2: the pool's settings are set
    // aside in a sequential run; the 1-worker baseline is added);
    // everything else is omitted.
    let s = common::scenario_file(
        dir.path(),
        "defaults",
        "[data]\nrecords = [50]\n[sweep]\nworkers = [2]\n",
    );
    bin().arg("run").arg(&s).assert().success();
    let r: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("out/results.json")).unwrap())
            .unwrap();
    let configs = r["configs"].as_array().unwrap();
    assert_eq!(
        configs.len(),
        2,
        "the pooled configuration and its baseline"
    );
    let workers = |n: u64| {
        let c = configs.iter().find(|c| c["run"]["workers"] == n);
        &c.expect("a configuration with that many workers")["run"]
    };
    let (run, baseline) = (workers(2), workers(1));
    // flag, where results.json records it, and its unit's factor from the
    // flag's unit (record_work_ms is seconds in the results).
    let table: [(&str, &str, f64); 20] = [
        ("--backend", "backend.engine", 0.0),
        ("--method", "backend.method", 0.0),
        ("--index", "backend.index", 0.0),
        ("--batch-size", "batch_size", 1.0),
        ("--schedule", "schedule", 0.0),
        ("--lock", "lock", 0.0),
        ("--queue-depth", "queue_depth", 1.0),
        ("--overhead", "overhead.preset", 0.0),
        ("--record-work-ms", "record_work_s", 1e-3),
        ("--journal-mode", "backend.sqlite.journal_mode", 0.0),
        ("--synchronous", "backend.sqlite.synchronous", 0.0),
        ("--page-size", "backend.sqlite.page_size", 1.0),
        ("--cache-size-kib", "backend.sqlite.cache_size_kib", 1.0),
        (
            "--duckdb-memory-limit-mb",
            "backend.duckdb.memory_limit_mb",
            1.0,
        ),
        ("--duckdb-threads", "backend.duckdb.threads", 1.0),
        ("--pg-schema", "backend.postgres.schema", 0.0),
        (
            "--pg-shared-buffers-mb",
            "backend.postgres.shared_buffers_mb",
            1.0,
        ),
        (
            "--pg-max-wal-size-mb",
            "backend.postgres.max_wal_size_mb",
            1.0,
        ),
        ("--pg-wal-level", "backend.postgres.wal_level", 0.0),
        ("--copy-format", "backend.postgres.copy_format", 0.0),
    ];
    for (flag, path, factor) in table {
        let help = d
            .get(flag)
            .unwrap_or_else(|| panic!("{flag} shows no default"));
        let stored = at(run, path);
        if factor == 0.0 {
            assert_eq!(help, &stored, "{flag} vs results.json {path}");
        } else {
            let h: f64 = help.parse().unwrap();
            let v: f64 = stored
                .parse()
                .unwrap_or_else(|_| panic!("{path} = {stored}"));
            assert!(
                (h * factor - v).abs() < 1e-12,
                "{flag} = {h} vs results.json {path} = {v}"
            );
        }
    }
    assert_eq!(d["--workers"], at(baseline, "workers"));
    // Every flag with a default is in the table (a new one must join it).
    let mut known: Vec<&str> = table.iter().map(|t| t.0).collect();
    known.push("--workers");
    for flag in d.keys() {
        assert!(
            known.contains(&flag.as_str()),
            "{flag} has a default this test does not check"
        );
    }
}
