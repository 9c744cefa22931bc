//! Chart 6: a worker timeline (Gantt chart) of one run, a row per worker
//! (and the single writer), a colour per phase, so who waited on whom is
//! visible. The run is the extra, unmeasured run that records the timeline
//! of the configuration with the most workers (the most waiting among
//! those).

use super::draw::Gantt;
use super::style::phase_colour;
use super::{Prepared, measured};
use crate::analysis::ConfigSummary;
use crate::report::Report;
use crate::run::{Phase, TimelineEvent};
use std::path::Path;

/// The chart and its caption from `r` and the timeline file in
/// `results_dir`, or why it cannot be drawn.
pub fn prepare(r: &Report, results_dir: &Path) -> Prepared<Gantt> {
    let wait = |s: &ConfigSummary| s.breakdown.as_ref().map_or(0.0, |b| b.workers.wait_s);
    let mut m: Vec<_> = measured(r)
        .into_iter()
        .filter(|s| s.workers() > 1)
        .collect();
    m.sort_by(|a, b| {
        b.workers()
            .cmp(&a.workers())
            .then(wait(b).total_cmp(&wait(a)))
    });
    let Some(s) = m.first() else {
        return Err("no multi-worker configuration".into());
    };
    let file = crate::store::timeline_file(results_dir, &s.id);
    let bytes = std::fs::read(&file)
        .map_err(|e| format!("no timeline for {} ({}: {e})", s.id, file.display()))?;
    let events: Vec<TimelineEvent> =
        serde_json::from_slice(&bytes).map_err(|e| format!("{}: {e}", file.display()))?;
    let (mut gantt, caption) = from_events(
        &events,
        s.workers(),
        &format!(
            "{} ({}, an extra run that is not measured)",
            s.label(),
            r.scenario.name
        ),
    );
    // What "pool overhead" holds depends on the preset: with none, only the
    // pool's real work (threads, connections, hand-offs) is in it.
    let f = &s.facets;
    let caption = caption
        + &match f.overhead {
            Some(crate::run::Preset::None) | None => " With the overhead preset none no pool costs are simulated: the overhead is the pool's real work (starting threads, opening connections, handing out batches, shutting down).".to_string(),
            Some(p) => format!(" The overhead holds the simulated pool costs of the preset {p} (start-up, dispatch, shutdown) and the pool's real work."),
        }
        + &if f.record_work_ns > 0 {
            format!(
                " Parsing includes the simulated work of {} ms per record.",
                f.record_work_ns as f64 / 1e6
            )
        } else {
            String::new()
        };
    gantt.title = format!(
        "Worker timeline: {} {} ×{}",
        f.engine,
        f.lock.map_or(String::new(), |l| l.to_string()),
        f.workers
    );
    Ok((gantt, caption))
}

/// Builds the chart from raw events (pure).
pub fn from_events(events: &[TimelineEvent], workers: usize, what: &str) -> (Gantt, String) {
    let has_writer = events.iter().any(|e| e.worker as usize >= workers);
    let mut rows: Vec<String> = (0..workers).map(|w| format!("worker {w}")).collect();
    if has_writer {
        rows.push("writer".into());
    }
    let seg = |p: Phase| Phase::ALL.iter().position(|x| *x == p).expect("phase");
    let spans: Vec<(usize, f64, f64, usize)> = events
        .iter()
        .filter(|e| e.end_s > e.start_s)
        .map(|e| {
            (
                (e.worker as usize).min(rows.len() - 1),
                e.start_s,
                e.end_s,
                seg(e.phase),
            )
        })
        .collect();
    let mut total = [0.0f64; Phase::ALL.len()];
    let mut worker_total = 0.0;
    for e in events.iter().filter(|e| (e.worker as usize) < workers) {
        total[seg(e.phase)] += e.end_s - e.start_s;
        worker_total += e.end_s - e.start_s;
    }
    let pct = |p: Phase| {
        if worker_total > 0.0 {
            100.0 * total[seg(p)] / worker_total
        } else {
            0.0
        }
    };
    let work = if total[seg(Phase::Work)] > 0.0 {
        format!(", {:.0}% in per-record work", pct(Phase::Work))
    } else {
        String::new()
    };
    let caption = format!(
        "One run of {what}: workers spent {:.0}% of their time parsing{work}, {:.0}% inserting, {:.0}% waiting for the lock or queue, {:.0}% building the index, {:.0}% in pool overhead and {:.0}% idle.",
        pct(Phase::Parse),
        pct(Phase::Insert),
        pct(Phase::Wait),
        pct(Phase::Index),
        pct(Phase::Overhead),
        pct(Phase::Idle)
    );
    let gantt = Gantt {
        title: format!("Worker timeline: {what}"),
        rows,
        spans,
        segments: Phase::ALL
            .iter()
            .map(|p| {
                (
                    match p {
                        Phase::Wait => "lock/queue wait".into(),
                        Phase::Work => "per-record work".into(),
                        _ => p.name().to_string(),
                    },
                    phase_colour(*p),
                )
            })
            .collect(),
    };
    (gantt, caption)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(worker: u32, phase: Phase, a: f64, b: f64) -> TimelineEvent {
        TimelineEvent {
            worker,
            batch: Some(0),
            phase,
            start_s: a,
            end_s: b,
        }
    }

    #[test]
    fn rows_spans_and_shares() {
        let events = vec![
            ev(0, Phase::Parse, 0.0, 1.0),
            ev(0, Phase::Insert, 1.0, 2.0),
            ev(1, Phase::Parse, 0.0, 1.0),
            ev(1, Phase::Wait, 1.0, 2.0),
            ev(2, Phase::Insert, 1.0, 1.5),
        ];
        let (g, caption) = from_events(&events, 2, "test");
        assert_eq!(g.rows, vec!["worker 0", "worker 1", "writer"]);
        assert_eq!(g.spans.len(), 5);
        assert_eq!(g.spans[4].0, 2);
        assert!(
            caption.contains("50% of their time parsing, 25% inserting, 25% waiting"),
            "{caption}"
        );
    }

    /// What "pool overhead" holds follows the configuration's preset: a
    /// sweep without simulated pool costs is not told its overhead is one.
    #[test]
    fn the_overhead_is_explained_by_the_preset() {
        let mut r = super::super::testdata::report();
        let dir = tempfile::tempdir().unwrap();
        let events = vec![
            ev(0, Phase::Overhead, 0.0, 1.0),
            ev(0, Phase::Parse, 1.0, 2.0),
        ];
        for s in &r.summaries {
            let f = crate::store::timeline_file(dir.path(), &s.id);
            std::fs::create_dir_all(f.parent().unwrap()).unwrap();
            std::fs::write(f, serde_json::to_vec(&events).unwrap()).unwrap();
        }
        let (_, caption) = prepare(&r, dir.path()).unwrap();
        assert!(caption.contains("50% in pool overhead"), "{caption}");
        assert!(
            caption.contains("preset none no pool costs are simulated"),
            "{caption}"
        );
        for s in r.summaries.iter_mut() {
            s.facets.overhead = Some(crate::run::Preset::PythonMp);
            s.facets.record_work_ns = 2_000_000;
        }
        let (_, caption) = prepare(&r, dir.path()).unwrap();
        assert!(
            caption.contains("simulated pool costs of the preset python-mp"),
            "{caption}"
        );
        assert!(
            caption.contains("simulated work of 2 ms per record"),
            "{caption}"
        );
    }
}
