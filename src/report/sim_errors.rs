//! The simulator's error against measured runs of the same scenario: a CSV
//! (`sim-errors.csv`) and a section appended to the simulated report.md,
//! so the simulated figures never travel without how far off they were.

use crate::analysis::sim_error::{Comparison, Errors};
use crate::store;
use anyhow::Result;
use std::path::Path;

fn opt(x: Option<f64>) -> String {
    x.map_or(String::new(), |v| v.to_string())
}

fn csv(all: &[Errors]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "costs",
        "config_id",
        "workers",
        "measured_median_wall_s",
        "simulated_median_wall_s",
        "wall_error",
        "measured_speedup",
        "simulated_speedup",
        "speedup_error",
    ])?;
    for e in all {
        for c in &e.cmp {
            w.write_record([
                e.source.key().to_string(),
                c.config_id.clone(),
                c.workers.to_string(),
                c.measured_wall_s.to_string(),
                c.simulated_wall_s.to_string(),
                c.error.to_string(),
                opt(c.measured_speedup),
                opt(c.simulated_speedup),
                opt(c.speedup_error()),
            ])?;
        }
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

/// A relative error as "+12%", "–" where there is none.
pub fn pct(x: Option<f64>) -> String {
    x.map_or("–".into(), |v| format!("{:+.0}%", 100.0 * v))
}

/// A speedup as "1.85×", "–" where there is none.
pub fn speed(x: Option<f64>) -> String {
    x.map_or("–".into(), |v| format!("{v:.2}×"))
}

fn table(cmp: &[Comparison]) -> String {
    let mut md = "| configuration | measured median (s) | simulated median (s) | wall error (paired) | measured speedup | simulated speedup | speedup error |\n|---|---:|---:|---:|---:|---:|---:|\n".to_string();
    for c in cmp {
        md += &format!(
            "| {} | {:.4} | {:.4} | {} | {} | {} | {} |\n",
            c.config_id,
            c.measured_wall_s,
            c.simulated_wall_s,
            pct(Some(c.error)),
            speed(c.measured_speedup),
            speed(c.simulated_speedup),
            pct(c.speedup_error())
        );
    }
    md
}

fn markdown(all: &[Errors]) -> String {
    let mut md = String::from("\n## Simulated vs measured\n\n");
    md += "Error = (simulated − measured) / measured: of the wall time, the typical ratio of the simulated to the measured run of one round (Hodges–Lehmann over the rounds; the medians' ratio need not equal it); of the speedup over the 1-worker baseline, both speedups paired within rounds. Over the sweep: the median of the magnitudes, and the worst with its sign.\n\n";
    for e in all {
        if let Some(line) = e.line() {
            md += &format!("- {line}\n");
        }
    }
    for e in all {
        md += &format!("\n### {} costs: {}\n\n", e.source.key(), e.model);
        md += &table(&e.cmp);
    }
    md
}

/// Writes `sim-errors.csv` into `dir` and appends the section to its
/// report.md (written just before by the simulation).
pub fn write_sim_errors(all: &[Errors], dir: &Path) -> Result<()> {
    store::write_atomic(&dir.join("sim-errors.csv"), &csv(all)?)?;
    let report = dir.join("report.md");
    let mut md = std::fs::read_to_string(&report).unwrap_or_default();
    md += &markdown(all);
    store::write_atomic(&report, md.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::sim_error::CostSource;
    use crate::analysis::sim_error::tests::c;

    #[test]
    fn both_errors_are_written_on_wall_time_and_speedup() {
        let same = Errors {
            source: CostSource::SameRound,
            model: "a calibration in each of 2 rounds".into(),
            cmp: vec![
                c("a1", 1, 1.0, 1.1, None),
                c("a2", 2, 2.0, 1.0, Some((2.0, 1.5))),
            ],
        };
        let other = Errors {
            source: CostSource::OtherTime,
            model: "m.json".into(),
            cmp: vec![c("a1", 1, 1.0, 1.5, None)],
        };
        let md = markdown(&[same.clone(), other.clone()]);
        assert!(
            md.contains(
                "- model error (same-round costs): wall median 30%, worst -50%; speedup median 25%, worst -25%"
            ),
            "{md}"
        );
        assert!(
            md.contains("- other-time error (m.json): wall median 50%, worst +50%; no speedup")
        );
        assert!(
            md.contains("| a2 | 2.0000 | 1.0000 | -50% | 2.00× | 1.50× | -25% |"),
            "{md}"
        );
        let text = String::from_utf8(csv(&[same, other]).unwrap()).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 4);
        assert_eq!(lines[2], "same-round,a2,2,2,1,-0.5,2,1.5,-0.25");
        assert!(
            lines[3].starts_with("other-time,a1,1,1,1.5,0.5,,,"),
            "{}",
            lines[3]
        );
    }
}
