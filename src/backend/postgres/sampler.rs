//! What the server's connections of a run wait on, and how much memory its
//! processes hold, sampled from a connection of its own while the run
//! goes: `pg_stat_activity` every 10 ms, the proportional set size of the
//! server's processes every 100 ms (reading it costs about half a
//! millisecond per process, so it is sampled ten times less often). Only
//! the unmeasured timeline run is sampled, so no measured run pays for it.

use super::super::{ServerWaits, WaitSampling};
use anyhow::{Context, Result};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Every this often the sampler asks the server what our connections do.
const SAMPLE_EVERY: Duration = Duration::from_millis(10);
/// The memory of the server's processes is read every this many samples.
const PSS_EVERY: u64 = 10;

/// A sampling thread, stopped by [`WaitSampling::finish`].
pub struct Sampler {
    stop: Arc<AtomicBool>,
    handle: std::thread::JoinHandle<Result<ServerWaits>>,
}

impl Sampler {
    /// Starts sampling the connections named `ingestlab` of the server at
    /// `config`; `postmaster` is the server's process when it is ours
    /// (its memory is then sampled too).
    pub fn start(config: &postgres::Config, postmaster: Option<u32>) -> Result<Sampler> {
        let mut config = config.clone();
        config.application_name("ingestlab-sampler");
        let client = config
            .connect(postgres::NoTls)
            .context("connecting the wait-event sampler")?;
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let handle = std::thread::spawn(move || sample(client, postmaster, &flag));
        Ok(Sampler { stop, handle })
    }
}

impl WaitSampling for Sampler {
    fn finish(self: Box<Self>) -> Result<ServerWaits> {
        self.stop.store(true, Ordering::SeqCst);
        self.handle
            .join()
            .map_err(|_| anyhow::anyhow!("the wait-event sampler panicked"))?
    }
}

/// Samples until `stop`: the busy connections named `ingestlab` and what
/// each waits on, and the server's memory.
fn sample(
    mut client: postgres::Client,
    postmaster: Option<u32>,
    stop: &AtomicBool,
) -> Result<ServerWaits> {
    let st = client.prepare(
        "SELECT coalesce(wait_event_type || '/' || wait_event, 'CPU') FROM pg_stat_activity WHERE application_name = 'ingestlab' AND state <> 'idle'",
    )?;
    let t = Instant::now();
    let mut counts: std::collections::BTreeMap<String, u64> = Default::default();
    let mut ticks = 0u64;
    let mut peak_pss_bytes: Option<u64> = None;
    while !stop.load(Ordering::SeqCst) {
        for row in client.query(&st, &[])? {
            *counts.entry(row.try_get(0)?).or_default() += 1;
        }
        if let Some(pid) = postmaster.filter(|_| ticks.is_multiple_of(PSS_EVERY))
            && let Some(b) = crate::machine::tree_pss_bytes(pid)
        {
            peak_pss_bytes = Some(peak_pss_bytes.map_or(b, |p| p.max(b)));
        }
        ticks += 1;
        std::thread::sleep(SAMPLE_EVERY);
    }
    let mut events: Vec<(String, u64)> = counts.into_iter().collect();
    events.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    Ok(ServerWaits {
        ticks,
        seconds: t.elapsed().as_secs_f64(),
        events,
        peak_pss_bytes,
    })
}
