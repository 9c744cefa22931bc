//! The simulator's two primitives: the event queue's entries (earliest
//! first, ties broken by entity so runs are deterministic) and FIFO
//! resources with a capacity (cores, the write lock, the coordinator).

use std::cmp::Ordering;
use std::collections::VecDeque;

/// An event: entity `.1` acts at virtual time `.0`.
#[derive(Clone, Copy, PartialEq)]
pub(super) struct Ev(pub f64, pub usize);
impl Eq for Ev {}
impl Ord for Ev {
    // Earliest first (BinaryHeap is a max-heap); ties by entity number so
    // the simulation is deterministic.
    fn cmp(&self, o: &Self) -> Ordering {
        o.0.total_cmp(&self.0).then(o.1.cmp(&self.1))
    }
}
impl PartialOrd for Ev {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}

/// A FIFO resource with `capacity` units.
pub(super) struct Resource {
    capacity: usize,
    in_use: usize,
    waiters: VecDeque<usize>,
}

impl Resource {
    pub(super) fn new(capacity: usize) -> Self {
        Resource {
            capacity,
            in_use: 0,
            waiters: VecDeque::new(),
        }
    }
    /// True when granted now; otherwise the entity waits in line.
    pub(super) fn acquire(&mut self, who: usize) -> bool {
        self.take(who, false)
    }
    /// As [`Resource::acquire`], but a waiting entity goes ahead of every
    /// other in line.
    pub(super) fn acquire_first(&mut self, who: usize) -> bool {
        self.take(who, true)
    }
    fn take(&mut self, who: usize, first: bool) -> bool {
        if self.in_use < self.capacity {
            self.in_use += 1;
            return true;
        }
        if first {
            self.waiters.push_front(who);
        } else {
            self.waiters.push_back(who);
        }
        false
    }
    /// Releases one unit; returns the waiter that gets it now, if any.
    pub(super) fn release(&mut self) -> Option<usize> {
        match self.waiters.pop_front() {
            Some(w) => Some(w),
            None => {
                self.in_use -= 1;
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Resource;

    /// Waiters are served first come, first served, except one that asked
    /// with `acquire_first`, which goes ahead of all of them.
    #[test]
    fn a_first_waiter_is_served_before_the_line() {
        let mut r = Resource::new(1);
        assert!(r.acquire(0));
        assert!(!r.acquire(1) && !r.acquire(2));
        assert!(!r.acquire_first(3));
        assert_eq!(r.release(), Some(3));
        assert_eq!(r.release(), Some(1));
        assert_eq!(r.release(), Some(2));
        assert_eq!(r.release(), None);
        assert!(r.acquire_first(4), "a free unit is granted at once");
    }
}
