//! The work every thread of a run does, whoever drives it: pay the pool's
//! dispatch cost, read a batch's records, parse them, admit them past the
//! duplicate rule and write them through the thread's sink; and, once, the
//! final batch of held duplicates and the after-load index. The sequential
//! loop (`ingest.rs`) and the pool (`pool.rs`) both drive it; it calls
//! neither.

use super::cancel::{Cancel, Interrupted};
use super::clock::{Clock, PayMode};
use super::config::RunConfig;
use super::dedup::Dedup;
use super::input::Input;
use super::ipc;
use super::lock::{BatchSink, ParsedBatch};
use super::plan::BatchRange;
use super::recorder::Recorder;
use super::result::{Phase, TimelineEvent, WorkerStats};
use crate::backend::IndexPolicy;
use crate::data::Quarantined;
use crate::data::parse::parse_record;
use crate::data::split::RecordReader;
use anyhow::Result;
use parking_lot::Mutex;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};

/// What all threads of a run share.
pub(super) struct Shared<'a> {
    pub cfg: &'a RunConfig,
    pub input: &'a Input,
    pub reader: RecordReader,
    pub clock: &'a dyn Clock,
    pub cancel: &'a Cancel,
    pub dedup: Dedup<'a>,
    /// Held while paying a batch's dispatch cost: a pool's parent process
    /// pickles tasks one at a time.
    pub coordinator: Mutex<()>,
    /// Set when a thread fails, so the others stop early.
    pub abort: AtomicBool,
    /// The origin of every thread's account: the run's start.
    pub t0: f64,
    /// The id of the final batch (after every planned one).
    pub final_id: u32,
}

/// What one thread reports about its writes, for the verification.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct WorkerOut {
    pub rows: u64,
    pub quarantined: u64,
}

impl std::ops::AddAssign for WorkerOut {
    fn add_assign(&mut self, o: WorkerOut) {
        self.rows += o.rows;
        self.quarantined += o.quarantined;
    }
}

/// The threads' accounts at the end of a run.
pub(super) struct Parts {
    pub workers: Vec<WorkerStats>,
    pub writer: Option<WorkerStats>,
    pub outs: Vec<WorkerOut>,
    pub timeline: Vec<TimelineEvent>,
    pub t_end: f64,
}

impl<'a> Shared<'a> {
    pub fn new(
        cfg: &'a RunConfig,
        input: &'a Input,
        clock: &'a dyn Clock,
        cancel: &'a Cancel,
    ) -> Result<Self> {
        Ok(Shared {
            cfg,
            input,
            reader: RecordReader::open(&input.path)?,
            clock,
            cancel,
            dedup: Dedup::new(input),
            coordinator: Mutex::new(()),
            abort: AtomicBool::new(false),
            t0: clock.now(),
            final_id: input.len().div_ceil(cfg.batch_size) as u32,
        })
    }

    /// True when this thread should stop taking batches.
    pub fn stopped(&self) -> bool {
        self.abort.load(Ordering::Relaxed) || self.cancel.is_set()
    }

    /// Pays one batch's dispatch cost, one batch at a time.
    fn dispatch(&self, rec: &mut Recorder, b: BatchRange) {
        let o = &self.cfg.overhead;
        if o.dispatch_s <= 0.0 && o.dispatch_per_kb_s <= 0.0 {
            return;
        }
        let spans = &self.input.index.spans[b.start..b.end];
        let kb = spans.iter().map(|s| s.len as f64).sum::<f64>() / 1024.0;
        {
            let _parent = self.coordinator.lock();
            self.clock
                .pay(o.dispatch_s + o.dispatch_per_kb_s * kb, o.pay);
        }
        rec.book(Phase::Overhead, Some(b.id));
    }

    /// Reads, parses and writes one batch; `pooled` adds the pool's costs.
    fn process(
        &self,
        rec: &mut Recorder,
        sink: &mut dyn BatchSink,
        b: BatchRange,
        pooled: bool,
        buf: &mut Vec<u8>,
    ) -> Result<WorkerOut> {
        let t_batch = rec.mark();
        let id = Some(b.id);
        if pooled {
            self.dispatch(rec, b);
        }
        let spans = &self.input.index.spans[b.start..b.end];
        let mut ranges = self.reader.read_run(spans, buf)?;
        if self.cfg.overhead.ipc_copy {
            rec.book(Phase::Parse, id);
            let (copy, r) = ipc::round_trip(buf, &ranges)?;
            (*buf, ranges) = (copy, r);
            rec.book(Phase::Overhead, id);
        }
        let batch = self.parse_batch(b, buf, ranges);
        rec.book(Phase::Parse, id);
        if self.cfg.record_work_s > 0.0 {
            self.clock
                .pay(self.cfg.record_work_s * b.len() as f64, PayMode::Spin);
            rec.book(Phase::Work, id);
        }
        rec.stats.batches += 1;
        rec.stats.records += b.len() as u64;
        let out = WorkerOut {
            rows: batch.rows.len() as u64,
            quarantined: batch.errors.len() as u64,
        };
        sink.write(rec, batch)?;
        rec.stats.batch_time_s += rec.mark() - t_batch;
        Ok(out)
    }

    fn parse_batch(&self, b: BatchRange, buf: &[u8], ranges: Vec<Range<usize>>) -> ParsedBatch {
        let mut rows = Vec::with_capacity(ranges.len());
        let mut errors = Vec::new();
        for (k, r) in ranges.into_iter().enumerate() {
            let position = (b.start + k) as u64;
            let xml = &buf[r];
            match parse_record(xml) {
                Ok(row) => rows.push((position, row)),
                Err(e) => errors.push(Quarantined {
                    position,
                    app_id: e.app_id,
                    reason: e.reason,
                    xml: String::from_utf8_lossy(xml).into_owned(),
                }),
            }
        }
        ParsedBatch {
            id: b.id,
            rows: self.dedup.admit(rows),
            errors,
            delete: Vec::new(),
        }
    }

    /// One thread's loop over the batches `next` yields.
    pub fn work(
        &self,
        rec: &mut Recorder,
        sink: &mut dyn BatchSink,
        pooled: bool,
        mut next: impl FnMut() -> Option<BatchRange>,
    ) -> Result<WorkerOut> {
        let mut out = WorkerOut::default();
        let mut buf = Vec::new();
        while let Some(b) = next() {
            if self.stopped() {
                break;
            }
            match self.process(rec, sink, b, pooled, &mut buf) {
                Ok(o) => out += o,
                Err(e) => {
                    self.abort.store(true, Ordering::Relaxed);
                    return Err(e);
                }
            }
        }
        if self.cancel.is_set() {
            return Err(Interrupted.into());
        }
        Ok(out)
    }

    /// After every batch: the held duplicates resolved in file order and
    /// written as one final batch, then the after-load index. Done by the
    /// thread that finishes last, through its own sink.
    pub fn finalize(&self, rec: &mut Recorder, sink: &mut dyn BatchSink) -> Result<WorkerOut> {
        let res = self.dedup.resolve(&self.reader)?;
        rec.book(Phase::Parse, Some(self.final_id));
        let out = WorkerOut {
            rows: (res.rows.len() - res.delete.len().min(res.rows.len())) as u64,
            quarantined: res.errors.len() as u64,
        };
        if !(res.rows.is_empty() && res.errors.is_empty()) {
            sink.write(
                rec,
                ParsedBatch {
                    id: self.final_id,
                    rows: res.rows,
                    errors: res.errors,
                    delete: res.delete,
                },
            )?;
        }
        if self.cfg.backend.index == IndexPolicy::AfterLoad {
            sink.build_index(rec)?;
        }
        Ok(out)
    }
}
