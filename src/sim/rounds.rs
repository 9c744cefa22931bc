//! The costs of each round of a validation, from the calibrations measured
//! in the rounds. One calibration is noisy: the real-run terms come from a
//! straight line through three sizes, and a per-record cost measured at
//! 0 µs in one round was 20 µs in the next on the same machine. So the
//! costs' shape is the median of every round's calibration, and each round
//! gets that shape scaled by the machine's speed in that round: the median,
//! over the timings both measure, of the round's timing over the pooled
//! one. A machine that slows by k in a round scales every timing of that
//! round's calibration by k, and so its model by exactly k.

use super::model::{COSTS, CostModel, FACTORS};
use crate::analysis::stats::median;

/// The median, value by value, of `values`.
fn med(values: impl Iterator<Item = f64>) -> f64 {
    median(&values.collect::<Vec<_>>())
}

/// The timings compared to gauge a round's speed: a record's parse at
/// 4 KB and each batch and close timing of each engine and method.
fn timings(m: &CostModel) -> Vec<f64> {
    std::iter::once(m.parse.base_s + 4.0 * m.parse.per_kb_s)
        .chain(
            m.writes
                .iter()
                .flat_map(|w| w.batch_points.iter().chain(&w.close_points).map(|p| p.1)),
        )
        .collect()
}

/// The median model of `models` (all calibrated for the same engines,
/// methods and sizes): every cost and factor the median of the rounds'.
fn pooled(models: &[&CostModel]) -> CostModel {
    let mut out = models[0].clone();
    let all = |f: &dyn Fn(&CostModel) -> Option<f64>| -> Option<f64> {
        let v: Vec<f64> = models.iter().filter_map(|m| f(m)).collect();
        (v.len() == models.len()).then(|| median(&v))
    };
    out.parse.base_s = med(models.iter().map(|m| m.parse.base_s));
    out.parse.per_kb_s = med(models.iter().map(|m| m.parse.per_kb_s));
    for q in 0..out.parse.noise.len() {
        if let Some(v) = all(&|m| m.parse.noise.get(q).copied()) {
            out.parse.noise[q] = v;
        }
    }
    for (k, w) in out.writes.iter_mut().enumerate() {
        for (_, f) in COSTS.into_iter().chain(FACTORS) {
            if let Some(v) = all(&|m| m.writes.get(k).map(|x| *f(&mut x.clone()))) {
                *f(w) = v;
            }
        }
        for j in 0..w.batch_points.len() {
            if let Some(v) = all(&|m| Some(m.writes.get(k)?.batch_points.get(j)?.1)) {
                w.batch_points[j].1 = v;
            }
        }
        for j in 0..w.close_points.len() {
            if let Some(v) = all(&|m| Some(m.writes.get(k)?.close_points.get(j)?.1)) {
                w.close_points[j].1 = v;
            }
        }
    }
    out
}

/// How much slower than `pool` the machine was when `m` was measured: the
/// median ratio of their timings (1 where they share none).
pub fn speed(m: &CostModel, pool: &CostModel) -> f64 {
    let ratios: Vec<f64> = timings(m)
        .into_iter()
        .zip(timings(pool))
        .filter(|(a, b)| *a > 0.0 && *b > 0.0)
        .map(|(a, b)| a / b)
        .collect();
    if ratios.is_empty() {
        1.0
    } else {
        median(&ratios)
    }
}

/// Each round's costs: the rounds' median model, scaled by the round's
/// speed.
pub fn per_round(models: &[(usize, CostModel)]) -> Vec<(usize, CostModel)> {
    if models.is_empty() {
        return Vec::new();
    }
    let refs: Vec<&CostModel> = models.iter().map(|(_, m)| m).collect();
    let pool = pooled(&refs);
    models
        .iter()
        .map(|(r, m)| (*r, pool.slowed(speed(m, &pool))))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::model::test_model;

    fn base() -> CostModel {
        let mut m = test_model();
        for w in &mut m.writes {
            w.batch_points = vec![(10.0, 1.2e-3), (100.0, 3e-3), (1000.0, 21e-3)];
            w.close_points = vec![(1000.0, 4e-3), (4000.0, 16e-3)];
            w.busy_core_factor = 1.2;
        }
        m
    }

    /// Rounds measured on a machine slowed by k each get the median shape
    /// times k, exactly; a wild value in one round's calibration does not
    /// reach any round's costs.
    #[test]
    fn each_round_gets_the_median_shape_at_its_own_speed() {
        let slowness = [1.0, 1.5, 2.0, 1.2, 1.1];
        let mut rounds: Vec<(usize, CostModel)> = slowness
            .iter()
            .enumerate()
            .map(|(r, &k)| (r, base().slowed(k)))
            .collect();
        // One round measured a per-record cost 20× the others'.
        rounds[2].1.writes[0].per_record_s = 1e-4;
        let out = per_round(&rounds);
        for ((r, m), k) in out.iter().zip(slowness) {
            let want = base().slowed(k);
            let rel = |a: f64, b: f64| ((a - b) / b).abs();
            assert!(rel(m.parse.base_s, want.parse.base_s) < 1e-12, "round {r}");
            assert!(
                rel(
                    m.writes[0].batch_points[2].1,
                    want.writes[0].batch_points[2].1
                ) < 1e-12
            );
            assert!(
                rel(
                    m.writes[1].close_points[1].1,
                    want.writes[1].close_points[1].1
                ) < 1e-12
            );
            assert!(
                m.writes[0].per_record_s == 0.0,
                "round {r}: {}",
                m.writes[0].per_record_s
            );
            assert_eq!(
                m.writes[0].second_writer_factor,
                base().writes[0].second_writer_factor
            );
            assert_eq!(m.writes[1].busy_core_factor, 1.2, "a factor, not a cost");
        }
        assert!(per_round(&[]).is_empty());
    }
}
