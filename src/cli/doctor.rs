//! `ingestlab doctor`: this machine's fitness for a long sweep, with the
//! reason behind each line of advice.

use crate::experiment::doctor::checkup;
use crate::run::Ctx;
use anyhow::Result;
use clap::Args;

#[derive(Args, Debug)]
pub struct DoctorArgs {
    /// Seconds of A/A measurement (the whole check takes about 5 s more).
    #[arg(long, default_value_t = 40.0, value_parser = seconds)]
    pub seconds: f64,
}

fn seconds(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(v) if (2.0..=600.0).contains(&v) => Ok(v),
        Ok(v) => Err(format!("must be between 2 and 600 seconds, got {v}")),
        Err(e) => Err(format!("not a number of seconds: {e}")),
    }
}

/// Runs the check and prints one line per finding.
pub fn doctor(a: &DoctorArgs, ctx: &Ctx) -> Result<()> {
    println!(
        "checking this machine (about {:.0} s: settings, load, then an A/A ingest in rounds)...",
        a.seconds + 3.0
    );
    let c = checkup(ctx, a.seconds, &super::progress::Bar::new())?;
    for f in &c.findings {
        println!(
            "{} {:<9} {}",
            if f.ok { "ok  " } else { "WARN" },
            f.topic,
            f.text
        );
    }
    if c.aa.is_none() {
        println!("WARN a/a       fewer than 6 rounds finished: give it more --seconds");
    }
    let warnings = c.findings.iter().filter(|f| !f.ok).count();
    println!(
        "{}",
        if warnings == 0 {
            "fit for a sweep: nothing above stands in the way".to_string()
        } else {
            format!(
                "{warnings} warning(s): figures made now may carry them (every run's machine state is recorded and flagged either way)"
            )
        }
    );
    Ok(())
}
