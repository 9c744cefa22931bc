//! The simulator's error against measured runs of the same scenario: a CSV
//! (`sim-errors.csv`) and a section appended to the simulated report.md,
//! so the simulated figures never travel without how far off they were.

use crate::analysis::compare::Comparison;
use crate::analysis::stats::median;
use crate::store;
use anyhow::Result;
use std::path::Path;

/// Median and worst (largest absolute) relative error of the medians.
pub fn error_summary(cmp: &[Comparison]) -> Option<(f64, &Comparison)> {
    let abs: Vec<f64> = cmp.iter().map(|c| c.error.abs()).collect();
    let worst = cmp
        .iter()
        .max_by(|a, b| a.error.abs().total_cmp(&b.error.abs()))?;
    Some((median(&abs), worst))
}

fn csv(cmp: &[Comparison]) -> Result<Vec<u8>> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "config_id",
        "workers",
        "measured_median_wall_s",
        "simulated_median_wall_s",
        "error",
    ])?;
    for c in cmp {
        w.write_record([
            c.config_id.clone(),
            c.workers.to_string(),
            c.measured_wall_s.to_string(),
            c.simulated_wall_s.to_string(),
            c.error.to_string(),
        ])?;
    }
    w.into_inner().map_err(|e| anyhow::anyhow!("{e}"))
}

fn markdown(cmp: &[Comparison]) -> String {
    let mut md = String::from("\n## Simulated vs measured\n\n");
    if let Some((med, worst)) = error_summary(cmp) {
        md += &format!(
            "Against the measured runs of this scenario on this machine: median absolute error {:.0}% over {} configurations, worst {:+.0}% ({}). Error = (simulated − measured) / measured median wall time.\n\n",
            100.0 * med,
            cmp.len(),
            100.0 * worst.error,
            worst.config_id
        );
    }
    md += "| configuration | measured (s) | simulated (s) | error |\n|---|---:|---:|---:|\n";
    for c in cmp {
        md += &format!(
            "| {} | {:.4} | {:.4} | {:+.0}% |\n",
            c.config_id,
            c.measured_wall_s,
            c.simulated_wall_s,
            100.0 * c.error
        );
    }
    md
}

/// Writes `sim-errors.csv` into `dir` and appends the section to its
/// report.md (written just before by the simulation).
pub fn write_sim_errors(cmp: &[Comparison], dir: &Path) -> Result<()> {
    store::write_atomic(&dir.join("sim-errors.csv"), &csv(cmp)?)?;
    let report = dir.join("report.md");
    let mut md = std::fs::read_to_string(&report).unwrap_or_default();
    md += &markdown(cmp);
    store::write_atomic(&report, md.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(id: &str, m: f64, s: f64) -> Comparison {
        Comparison {
            config_id: id.into(),
            workers: 1,
            measured_wall_s: m,
            simulated_wall_s: s,
            error: (s - m) / m,
        }
    }

    #[test]
    fn median_and_worst_error_are_by_absolute_value() {
        let cmp = [c("a", 1.0, 1.1), c("b", 2.0, 1.0), c("c", 1.0, 0.95)];
        let (med, worst) = error_summary(&cmp).unwrap();
        assert!((med - 0.1).abs() < 1e-12, "{med}");
        assert_eq!(worst.config_id, "b");
        let md = markdown(&cmp);
        assert!(
            md.contains("median absolute error 10% over 3 configurations, worst -50% (b)"),
            "{md}"
        );
        assert!(md.contains("| b | 2.0000 | 1.0000 | -50% |"));
    }
}
