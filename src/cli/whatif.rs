//! `ingestlab whatif`: a cost model fitted to a user's own timings (a CSV
//! or TOML file), asked about configurations they did not run.

use super::values::choice;
use crate::analysis::whatif::{
    self, KAPPA, LEVEL, Measurement, PARAMS, Prediction, Query, WhatIf, Writes,
};
use crate::run::Preset;
use anyhow::{Context, Result, anyhow};
use clap::Args;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct WhatIfArgs {
    /// Your measurements: a CSV with columns workers, batch_size, records,
    /// wall_s, insert_s (either time may be empty; '#' starts a comment),
    /// or a TOML file with [[measurement]] tables of the same fields and
    /// optional `cores` and `overhead`. See examples/thesis-measurements.toml.
    pub measurements: PathBuf,
    /// Cores of the machine that measured (default: the file's `cores`,
    /// else one per worker of the largest worker count, an assumption the
    /// output names).
    #[arg(long, value_parser = super::values::count)]
    pub cores: Option<usize>,
    /// The pool's fixed costs (start-up, shutdown) to assume (default: the
    /// file's `overhead`, else none).
    #[arg(long, value_parser = choice::<Preset>())]
    pub overhead: Option<Preset>,
    /// A configuration to predict, as workers=N,batch=B[,records=R][,cores=C]
    /// (repeatable; records and cores default to the measured ones).
    /// Default: 1, 2, 4 and 8 workers at every measured batch size.
    #[arg(long = "ask", value_parser = parse_ask)]
    pub asks: Vec<Ask>,
}

/// A `--ask` before the measured defaults fill in what it leaves out.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ask {
    workers: usize,
    batch_size: u64,
    records: Option<u64>,
    cores: Option<usize>,
}

fn parse_ask(s: &str) -> Result<Ask, String> {
    let mut ask = Ask {
        workers: 0,
        batch_size: 0,
        records: None,
        cores: None,
    };
    for part in s.split(',') {
        let (k, v) = part.split_once('=').ok_or_else(|| {
            format!("'{part}' is not key=value (keys: workers, batch, records, cores)")
        })?;
        let n: u64 = v
            .trim()
            .replace('_', "")
            .parse()
            .ok()
            .filter(|&n| n >= 1)
            .ok_or_else(|| format!("{k}: '{v}' is not a whole number of at least 1"))?;
        match k.trim() {
            "workers" => ask.workers = n as usize,
            "batch" | "batch_size" => ask.batch_size = n,
            "records" => ask.records = Some(n),
            "cores" => ask.cores = Some(n as usize),
            other => {
                return Err(format!(
                    "unknown key '{other}' (keys: workers, batch, records, cores)"
                ));
            }
        }
    }
    if ask.workers == 0 || ask.batch_size == 0 {
        return Err("needs at least workers=N,batch=B".into());
    }
    Ok(ask)
}

/// A TOML measurements file.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    cores: Option<usize>,
    overhead: Option<Preset>,
    measurement: Vec<Measurement>,
}

fn read(path: &Path) -> Result<File> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read measurements '{}'", path.display()))?;
    if path.extension().is_some_and(|e| e == "toml") {
        return toml::from_str(&text).map_err(|e| anyhow!("'{}': {e}", path.display()));
    }
    let mut rdr = csv::ReaderBuilder::new()
        .comment(Some(b'#'))
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let headers = rdr.headers()?.clone();
    let measurement = rdr
        .deserialize()
        .map(|r| r.map_err(|e| csv_error(path, &headers, &e)))
        .collect::<Result<Vec<Measurement>>>()?;
    Ok(File {
        cores: None,
        overhead: None,
        measurement,
    })
}

/// "'file' line 3, batch_size: invalid digit found in string (columns: …)".
fn csv_error(path: &Path, headers: &csv::StringRecord, e: &csv::Error) -> anyhow::Error {
    let line = e
        .position()
        .map_or(String::new(), |p| format!(" line {}", p.line()));
    let detail = match e.kind() {
        csv::ErrorKind::Deserialize { err, .. } => {
            let field = err
                .field()
                .and_then(|i| headers.get(i as usize))
                .unwrap_or("a field");
            format!("{field}: {}", err.kind())
        }
        _ => e.to_string(),
    };
    anyhow!(
        "'{}'{line}, {detail} (columns: workers, batch_size, records, wall_s, insert_s)",
        path.display()
    )
}

pub fn whatif(a: &WhatIfArgs) -> Result<()> {
    let file = read(&a.measurements)?;
    let data = &file.measurement;
    let max_workers = data.iter().map(|m| m.workers).max().unwrap_or(1);
    let (cores, assumed) = match a.cores.or(file.cores) {
        Some(0) => crate::refused::refuse!(
            "'{}': cores = 0 is not a machine (at least 1)",
            a.measurements.display()
        ),
        Some(c) => (c, false),
        None => (max_workers, true),
    };
    let preset = a.overhead.or(file.overhead).unwrap_or(Preset::None);
    let overhead = preset.resolve(&Default::default());
    let fits = Writes::ALL
        .iter()
        .filter(|w| w.fits(data))
        .map(|&w| whatif::fit(data, w, cores, &overhead))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow!("'{}': {e}", a.measurements.display()))?;
    println!(
        "{} measurement(s) from '{}'; measured on {cores} core(s){}; pool costs: {preset} ({:.2} s at {max_workers} workers)\n",
        data.len(),
        a.measurements.display(),
        if assumed {
            " (assumed: one per worker; pass --cores)"
        } else {
            ""
        },
        overhead.fixed_s(max_workers)
    );
    for f in &fits {
        print_fit(f);
    }
    let queries = queries(&a.asks, data, cores);
    print_predictions(&fits, &queries);
    print_limits(&fits, &queries, assumed);
    Ok(())
}

fn queries(asks: &[Ask], data: &[Measurement], cores: usize) -> Vec<Query> {
    let records = data.iter().map(|m| m.records).max().unwrap_or(1);
    if asks.is_empty() {
        let mut batches: Vec<u64> = data.iter().map(|m| m.batch_size).collect();
        batches.sort_unstable();
        batches.dedup();
        return batches
            .iter()
            .flat_map(|&b| {
                [1, 2, 4, 8].map(|n| Query {
                    workers: n,
                    batch_size: b,
                    records,
                    cores,
                })
            })
            .collect();
    }
    asks.iter()
        .map(|a| Query {
            workers: a.workers,
            batch_size: a.batch_size,
            records: a.records.unwrap_or(records),
            cores: a.cores.unwrap_or(cores),
        })
        .collect()
}

/// "95% CI 0.1234–0.5678 µs", open-ended where the data set no upper
/// bound.
fn interval(ci: (f64, f64), scale: f64, unit: &str, digits: usize) -> String {
    let hi = if ci.1.is_finite() {
        format!("{:.digits$}", ci.1 * scale)
    } else {
        "∞ (the data set no upper bound)".into()
    };
    format!(
        "{:.0}% CI {:.digits$}–{hi} {unit}",
        100.0 * LEVEL,
        ci.0 * scale
    )
}

fn print_fit(f: &WhatIf) {
    println!("Model: {}", f.writes.describe());
    let units = [(1e6, "µs"), (1e9, "ns"), (1e3, "ms")];
    let cis = f.intervals();
    for (i, name) in PARAMS.iter().enumerate() {
        let (scale, unit) = units[i];
        let value = f.theta[i] * scale;
        let text = match (f.fitted[i], cis.as_ref().and_then(|c| c.theta[i])) {
            (false, _) => "not fitted: one batch size".to_string(),
            (true, Some(ci)) => interval(ci, scale, unit, 4),
            (true, None) => "no interval: as many parameters as measurements".into(),
        };
        println!("  {name:<28} {value:>12.4} {unit}  ({text})");
    }
    if f.writes == Writes::Contended {
        let text = match cis.as_ref().and_then(|c| c.kappa) {
            Some(ci) => interval(ci, 1.0, "", 4),
            None => "no interval: as many parameters as measurements".into(),
        };
        println!("  {KAPPA:<28} {:>12.4}     ({text})", f.kappa);
        if f.kappa >= 0.99 * crate::analysis::bounded::KAPPA_MAX {
            println!(
                "  κ ran to the largest value tried ({}): these data push contention without bound, so this model does not describe them; do not read its predictions",
                crate::analysis::bounded::KAPPA_MAX
            );
        }
    }
    let res: Vec<String> = f
        .residuals
        .iter()
        // A residual that rounds to zero prints as +0.0%, never -0.0%.
        .map(|(row, kind, r)| {
            let pct = if r.abs() < 5e-4 { 0.0 } else { 100.0 * r };
            format!("row {} {kind} {pct:+.1}%", row + 1)
        })
        .collect();
    let rms =
        (f.residuals.iter().map(|r| r.2 * r.2).sum::<f64>() / f.residuals.len() as f64).sqrt();
    println!(
        "  fit: {} degree(s) of freedom; model − measured: {}; RMS {:.1}%\n",
        f.dof,
        res.join(", "),
        100.0 * rms
    );
}

fn cell(p: &Prediction) -> String {
    match p.wall_interval {
        Some((lo, hi)) => format!("{:>8.1} s [{:.0}–{:.0}]", p.wall_s, lo, hi),
        None => format!("{:>8.1} s", p.wall_s),
    }
}

fn print_predictions(fits: &[WhatIf], queries: &[Query]) {
    println!(
        "Predicted wall time ({:.0}% prediction interval for one run):",
        100.0 * LEVEL
    );
    let heads: String = fits
        .iter()
        .map(|f| format!(" {:<28}", f.writes.heading()))
        .collect();
    println!(
        "  {:>7} {:>7} {:>9} {:>5} {heads} beyond the data",
        "workers", "batch", "records", "cores"
    );
    for q in queries {
        let ps: Vec<Prediction> = fits.iter().map(|f| f.predict(q)).collect();
        let cells: String = ps.iter().map(|p| format!(" {:<28}", cell(p))).collect();
        println!(
            "  {:>7} {:>7} {:>9} {:>5} {cells} {}",
            q.workers,
            q.batch_size,
            q.records,
            q.cores,
            if ps[0].extrapolations.is_empty() {
                "-".to_string()
            } else {
                ps[0].extrapolations.join("; ")
            }
        );
    }
}

/// Two models' answers to one query.
struct Disagreement<'a> {
    query: &'a Query,
    a: (&'a WhatIf, f64),
    b: (&'a WhatIf, f64),
}

impl Disagreement<'_> {
    /// The gap, relative to the smaller answer.
    fn gap(&self) -> f64 {
        (self.a.1 - self.b.1).abs() / self.a.1.min(self.b.1)
    }
}

/// The widest disagreement between two of the models over `queries`.
fn widest<'a>(fits: &'a [WhatIf], queries: &'a [Query]) -> Option<Disagreement<'a>> {
    let mut best: Option<Disagreement> = None;
    for query in queries {
        for (i, a) in fits.iter().enumerate() {
            for b in &fits[i + 1..] {
                let d = Disagreement {
                    query,
                    a: (a, a.predict(query).wall_s),
                    b: (b, b.predict(query).wall_s),
                };
                if best.as_ref().is_none_or(|w| d.gap() > w.gap()) {
                    best = Some(d);
                }
            }
        }
    }
    best
}

/// What the measurements cannot decide, in words.
fn print_limits(fits: &[WhatIf], queries: &[Query], cores_assumed: bool) {
    println!();
    if let Some(d) = widest(fits, queries).filter(|d| d.gap() > 0.05) {
        println!(
            "The models disagree by up to {:.0}% ({} worker(s), batch {}: {:.0} s with {}, {:.0} s with {}): these measurements do not settle how writes share the database.",
            100.0 * d.gap(),
            d.query.workers,
            d.query.batch_size,
            d.a.1,
            d.a.0.writes.heading(),
            d.b.1,
            d.b.0.writes.heading(),
        );
    }
    let singles = single_runs(fits[0].data());
    for line in &singles {
        println!("{line}");
    }
    let counts = fits[0].worker_counts();
    if singles.is_empty() || counts.len() == 1 {
        println!("{}", next_step(&counts));
    }
    match fits[0].dof {
        0 => println!(
            "No interval: the measurements leave no degree of freedom; every figure above is a point estimate."
        ),
        d @ 1..=4 => println!(
            "With {d} degree(s) of freedom the {:.0}% intervals use Student's t = {:.1}: that width is all these few measurements can support.",
            100.0 * LEVEL,
            fits[0].t_quantile()
        ),
        _ => {}
    }
    if cores_assumed {
        println!(
            "The cores of the measuring machine were assumed; with fewer cores than workers the per-record work does not spread, and the predictions change."
        );
    }
}

/// Pairs of wall times at two worker counts (same batch size and records)
/// measured once each: what one such pair cannot decide.
fn single_runs(data: &[Measurement]) -> Vec<String> {
    let once = |m: &Measurement| {
        m.wall_s.is_some()
            && data
                .iter()
                .filter(|o| {
                    o.workers == m.workers
                        && o.batch_size == m.batch_size
                        && o.records == m.records
                        && o.wall_s.is_some()
                })
                .count()
                == 1
    };
    let mut out = Vec::new();
    for (i, a) in data.iter().enumerate().filter(|(_, m)| once(m)) {
        for b in data[i + 1..].iter().filter(|m| once(m)) {
            if a.workers == b.workers || a.batch_size != b.batch_size || a.records != b.records {
                continue;
            }
            let (wa, wb) = (a.wall_s.unwrap_or(0.0), b.wall_s.unwrap_or(0.0));
            out.push(format!(
                "One run of {wa} s at {} workers against one of {wb} s at {} workers (batch {}) decides nothing: they differ by {:.1}%, and one run of each says nothing of how much runs of the same configuration differ. Repeat both (3 runs or more each) before concluding that either is faster.",
                a.workers,
                b.workers,
                a.batch_size,
                100.0 * (wa - wb).abs() / wa.min(wb)
            ));
        }
    }
    out
}

/// What would decide between the models, given the worker counts already
/// measured: another worker count when there is one, else repeated runs
/// (asking for a worker count the data already hold was the old advice).
fn next_step(measured: &[usize]) -> String {
    match measured {
        [one] => format!("Measure another worker count than {one} (with repeated runs) to decide."),
        counts => format!(
            "The measurements already hold {} worker counts ({}); single runs of them cannot separate the models: repeat each (3 runs or more) so that their differences stand out of the noise.",
            counts.len(),
            counts
                .iter()
                .map(|w| w.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_advice_never_asks_for_a_worker_count_already_measured() {
        assert!(next_step(&[4]).contains("another worker count than 4"));
        let s = next_step(&[2, 4]);
        assert!(
            s.contains("2 worker counts (2, 4)") && s.contains("repeat"),
            "{s}"
        );
        assert!(!s.contains("another worker count"), "{s}");
    }

    #[test]
    fn asks_parse_with_defaults_and_errors_name_the_keys() {
        let a = parse_ask("workers=2,batch=10_000").unwrap();
        assert_eq!(
            (a.workers, a.batch_size, a.records, a.cores),
            (2, 10_000, None, None)
        );
        let a = parse_ask("workers=8, batch=10000, cores=8, records=1000").unwrap();
        assert_eq!((a.cores, a.records), (Some(8), Some(1000)));
        assert!(parse_ask("workers=2").unwrap_err().contains("batch"));
        assert!(
            parse_ask("threads=2,batch=1")
                .unwrap_err()
                .contains("keys: workers")
        );
        assert!(
            parse_ask("workers=0,batch=1")
                .unwrap_err()
                .contains("at least 1")
        );
    }

    #[test]
    fn csv_and_toml_read_the_same_measurements() {
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("m.csv");
        std::fs::write(&csv, "# mine\nworkers,batch_size,records,wall_s,insert_s\n4,10000,717000,1005.85,406\n4,20000,717000,,496\n").unwrap();
        let toml = dir.path().join("m.toml");
        std::fs::write(&toml, "[[measurement]]\nworkers = 4\nbatch_size = 10000\nrecords = 717000\nwall_s = 1005.85\ninsert_s = 406\n[[measurement]]\nworkers = 4\nbatch_size = 20000\nrecords = 717000\ninsert_s = 496\n").unwrap();
        let (a, b) = (read(&csv).unwrap(), read(&toml).unwrap());
        assert_eq!(a.measurement, b.measurement);
        assert_eq!(a.measurement[1].wall_s, None);
        std::fs::write(&csv, "workers,batch_size,records,wall_s\n4,x,1,2\n").unwrap();
        let e = read(&csv).unwrap_err().to_string();
        assert!(
            e.contains("m.csv' line 2, batch_size: invalid digit"),
            "{e}"
        );
    }
}
