//! The order of a sweep's runs. In rounds, every repetition runs every
//! configuration once; a speedup group's runs (its 1-worker baseline and
//! every configuration compared with it) are neighbours, baseline first in
//! even rounds and last in odd ones (ABBA), so a steady drift errs one way
//! in one round and the other way in the next; the groups' order is
//! shuffled each round from a recorded seed, so no configuration always
//! runs at the same point of the machine's cycles.

use crate::scenario::ConfigSpec;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Indexes of the configurations that share a baseline, baseline first
/// (in the order the sweep lists them).
pub fn families(configs: &[ConfigSpec]) -> Vec<Vec<usize>> {
    let mut out: Vec<Vec<usize>> = Vec::new();
    let mut heads: Vec<&str> = Vec::new();
    for (i, c) in configs.iter().enumerate() {
        let head = if configs.iter().any(|b| b.id == c.baseline) {
            c.baseline.as_str()
        } else {
            c.id.as_str()
        };
        match heads.iter().position(|h| *h == head) {
            Some(f) if c.id == head => out[f].insert(0, i),
            Some(f) => out[f].push(i),
            None => {
                heads.push(head);
                out.push(vec![i]);
            }
        }
    }
    out
}

/// The configurations of round `round`, in the order they run.
pub fn round_order(families: &[Vec<usize>], round: usize, seed: u64) -> Vec<usize> {
    round_entries(families, round, seed, false)
        .into_iter()
        .flatten()
        .collect()
}

/// Round `round` in the order it runs: `Some(i)` is configuration `i`,
/// `None` the round's task (when `task`), placed between two groups (never
/// inside one, whose runs are paired) at a place drawn from the same seed,
/// so it samples the machine at a different point of each round.
pub fn round_entries(
    families: &[Vec<usize>],
    round: usize,
    seed: u64,
    task: bool,
) -> Vec<Option<usize>> {
    let mut order: Vec<usize> = (0..families.len()).collect();
    let mix = seed ^ (round as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    let mut rng = ChaCha8Rng::seed_from_u64(mix);
    order.shuffle(&mut rng);
    let mut out: Vec<Option<usize>> = Vec::new();
    let slot = task.then(|| rng.random_range(0..=families.len()));
    for (k, f) in order.into_iter().enumerate() {
        if slot == Some(k) {
            out.push(None);
        }
        let mut members = families[f].clone();
        if round % 2 == 1 {
            members.reverse();
        }
        out.extend(members.into_iter().map(Some));
    }
    if slot == Some(families.len()) {
        out.push(None);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::summary::tests::spec;

    fn sweep() -> Vec<ConfigSpec> {
        vec![
            spec("a1", 1, "a1"),
            spec("a2", 2, "a1"),
            spec("a4", 4, "a1"),
            spec("b1", 1, "b1"),
            spec("b2", 2, "b1"),
            spec("c1", 1, "c1"),
        ]
    }

    #[test]
    fn families_gather_each_baseline_with_its_comparisons() {
        assert_eq!(families(&sweep()), vec![vec![0, 1, 2], vec![3, 4], vec![5]]);
        // A member listed before its baseline still ends up behind it.
        let mut s = sweep();
        s.swap(0, 1);
        assert_eq!(families(&s)[0], vec![1, 0, 2]);
    }

    #[test]
    fn every_round_runs_everything_once_with_groups_together_abba() {
        let f = families(&sweep());
        for round in 0..6 {
            let o = round_order(&f, round, 7);
            let mut sorted = o.clone();
            sorted.sort_unstable();
            assert_eq!(sorted, (0..6).collect::<Vec<_>>());
            let at = |i: usize| o.iter().position(|x| *x == i).unwrap();
            // a1, a2, a4 adjacent; baseline first in even rounds, last in odd.
            let (p1, p2, p4) = (at(0), at(1), at(2));
            if round % 2 == 0 {
                assert_eq!((p2, p4), (p1 + 1, p1 + 2), "round {round}: {o:?}");
            } else {
                assert_eq!((p2, p1), (p4 + 1, p4 + 2), "round {round}: {o:?}");
            }
        }
        // The group order changes between rounds and follows the seed.
        let firsts: std::collections::HashSet<usize> =
            (0..12).map(|r| round_order(&f, 2 * r, 7)[0]).collect();
        assert!(firsts.len() > 1, "never shuffled");
        assert_eq!(round_order(&f, 3, 7), round_order(&f, 3, 7));
    }

    /// The round's task runs once per round, between two groups, at a
    /// place that changes from round to round; the runs keep their order.
    #[test]
    fn the_task_runs_once_a_round_between_groups_at_a_moving_place() {
        let f = families(&sweep());
        let mut places = std::collections::HashSet::new();
        for round in 0..20 {
            let e = round_entries(&f, round, 7, true);
            assert_eq!(e.iter().filter(|x| x.is_none()).count(), 1);
            let at = e.iter().position(|x| x.is_none()).unwrap();
            places.insert(at);
            let runs: Vec<usize> = e.iter().flatten().copied().collect();
            assert_eq!(runs, round_order(&f, round, 7), "round {round}");
            // Never between a1, a2, a4 nor between b1 and b2.
            let group = |i: usize| match i {
                0..=2 => 0,
                3 | 4 => 1,
                _ => 2,
            };
            if at > 0 && at < e.len() - 1 {
                assert_ne!(
                    group(e[at - 1].unwrap()),
                    group(e[at + 1].unwrap()),
                    "round {round}: {e:?}"
                );
            }
        }
        assert!(places.len() > 2, "{places:?}");
    }
}
