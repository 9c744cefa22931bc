//! The batch plan: which records each batch holds and, under the static
//! schedule, which worker gets which batches. The runner and the simulator
//! both cut work with it, so they run the same plan.

/// A contiguous range of records, `start..end` in the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BatchRange {
    /// The batch's number (its order in the plan).
    pub id: u32,
    /// Its first record.
    pub start: usize,
    /// One past its last record.
    pub end: usize,
}

impl BatchRange {
    /// Records in the batch.
    pub fn len(&self) -> usize {
        self.end - self.start
    }
    /// True for a batch of no records.
    pub fn is_empty(&self) -> bool {
        self.end == self.start
    }
}

/// Static shares: contiguous, as even as possible, smaller shares first
/// (50 records over 4 workers: 12, 12, 13, 13), each cut into batches.
pub fn static_plan(records: usize, workers: usize, batch_size: usize) -> Vec<Vec<BatchRange>> {
    let (base, extra) = (records / workers, records % workers);
    let mut start = 0;
    let mut id = 0;
    (0..workers)
        .map(|w| {
            let share = base + usize::from(w >= workers - extra);
            let end = start + share;
            let batches = cut(start, end, batch_size, &mut id);
            start = end;
            batches
        })
        .collect()
}

/// Dynamic plan: one queue of batches over all records.
pub fn dynamic_plan(records: usize, batch_size: usize) -> Vec<BatchRange> {
    cut(0, records, batch_size, &mut 0)
}

fn cut(start: usize, end: usize, batch_size: usize, id: &mut u32) -> Vec<BatchRange> {
    (start..end)
        .step_by(batch_size)
        .map(|s| {
            *id += 1;
            BatchRange {
                id: *id - 1,
                start: s,
                end: (s + batch_size).min(end),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_shares_are_contiguous_smaller_first() {
        let plan = static_plan(50, 4, 100);
        let sizes: Vec<usize> = plan
            .iter()
            .map(|b| b.iter().map(|r| r.len()).sum())
            .collect();
        assert_eq!(sizes, [12, 12, 13, 13]);
        assert_eq!(plan[1][0].start, 12);
        let plan = static_plan(50, 2, 10);
        assert_eq!(plan[0].len(), 3);
        assert_eq!(
            plan[0][2],
            BatchRange {
                id: 2,
                start: 20,
                end: 25
            }
        );
        assert_eq!(plan[1][0].id, 3);
    }

    #[test]
    fn more_workers_than_records_leaves_some_idle() {
        let plan = static_plan(2, 4, 10);
        assert_eq!(plan.iter().filter(|b| b.is_empty()).count(), 2);
    }

    #[test]
    fn dynamic_plan_covers_every_record_once() {
        let p = dynamic_plan(1001, 100);
        assert_eq!(p.len(), 11);
        assert_eq!(p.last().unwrap().end, 1001);
        assert!(p.windows(2).all(|w| w[0].end == w[1].start));
    }
}
