//! How a sweep repeats and orders its runs: the settings that decide
//! whether its figures reproduce on a drifting machine.

use crate::choice::choice;

choice! {
    /// The order runs are measured in.
    #[derive(Default)]
    pub enum Order: "run order" {
        /// Every repetition is a round in which every configuration runs
        /// once; a speedup group's runs are neighbours (alternating order
        /// from round to round), the groups shuffled. Speedups are paired
        /// within a round, so the machine's drift cancels.
        #[default]
        Rounds = "rounds",
        /// Every repetition of one configuration, then the next (the order
        /// before rounds existed; kept for comparison). Speedups are
        /// unpaired and carry the drift between configurations.
        Grouped = "grouped",
    }
}

/// The fewest rounds `repetitions = "auto"` makes: the first count at which
/// the paired (Wilcoxon) interval reaches 95% (6 pairs: 96.9%).
pub const MIN_AUTO_ROUNDS: usize = 6;
/// Default target of `precision`: speedup intervals within ±5%.
pub const DEFAULT_PRECISION: f64 = 0.05;
/// Default cap of rounds with `repetitions = "auto"`.
pub const DEFAULT_MAX_ROUNDS: usize = 100;
/// Default seed of the shuffled group order (recorded in results.json).
pub const DEFAULT_SHUFFLE_SEED: u64 = 1;

/// Measured runs per configuration: a fixed number, or `"auto"`: rounds
/// are added until every speedup interval is within `precision`, or
/// `max_rounds` / `time_budget_s` ends it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Repetitions {
    /// This many rounds.
    Fixed(usize),
    /// Rounds until the precision is reached (or a limit ends them).
    Auto,
}

impl Default for Repetitions {
    fn default() -> Self {
        Repetitions::Fixed(3)
    }
}

impl Repetitions {
    /// Rounds to plan for: the fixed count, or `max_rounds` for "auto".
    pub fn planned(&self, max_rounds: usize) -> usize {
        match self {
            Repetitions::Fixed(n) => *n,
            Repetitions::Auto => max_rounds,
        }
    }

    /// Runs per configuration when there is no stopping rule to consult
    /// (the simulator): the fixed count, or the minimum of "auto".
    pub fn fixed_or_min(&self) -> usize {
        match self {
            Repetitions::Fixed(n) => *n,
            Repetitions::Auto => MIN_AUTO_ROUNDS,
        }
    }
}

impl std::fmt::Display for Repetitions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Repetitions::Fixed(n) => write!(f, "{n}"),
            Repetitions::Auto => write!(f, "auto"),
        }
    }
}

impl serde::Serialize for Repetitions {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Repetitions::Fixed(n) => s.serialize_u64(*n as u64),
            Repetitions::Auto => s.serialize_str("auto"),
        }
    }
}

impl<'de> serde::Deserialize<'de> for Repetitions {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Repetitions;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a number of runs (1 or more) or \"auto\"")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Repetitions, E> {
                Ok(Repetitions::Fixed(v as usize))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Repetitions, E> {
                usize::try_from(v).map(Repetitions::Fixed).map_err(|_| {
                    E::custom(format!("{v} runs is not a count (1 or more, or \"auto\")"))
                })
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Repetitions, E> {
                match v {
                    "auto" => Ok(Repetitions::Auto),
                    _ => Err(E::custom(format!(
                        "unknown repetitions '{v}' (valid: a number of runs, or \"auto\")"
                    ))),
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// What is wrong with a scenario's repetition settings: (field, message).
pub fn problems(
    repetitions: Repetitions,
    order: Order,
    precision: f64,
    max_rounds: usize,
    time_budget_s: Option<f64>,
) -> Vec<(&'static str, String)> {
    let mut p = Vec::new();
    if repetitions == Repetitions::Fixed(0) {
        p.push(("repetitions", "must be at least 1".into()));
    }
    if repetitions == Repetitions::Auto && order == Order::Grouped {
        p.push((
            "repetitions",
            "\"auto\" needs order = \"rounds\" (its stopping rule reads paired speedups)".into(),
        ));
    }
    if !(precision > 0.0 && precision < 1.0) {
        p.push((
            "precision",
            format!("must be between 0 and 1 (0.05 = ±5%), got {precision}"),
        ));
    }
    if max_rounds < MIN_AUTO_ROUNDS {
        p.push((
            "max_rounds",
            format!("must be at least {MIN_AUTO_ROUNDS} (the fewest pairs with a 95% interval)"),
        ));
    }
    if let Some(b) = time_budget_s
        && !(b > 0.0 && b.is_finite())
    {
        p.push((
            "time_budget_s",
            format!("must be a positive number of seconds, got {b}"),
        ));
    }
    p
}

/// A number or a list of numbers, for axes that used to be one value
/// (`record_work_ms = 0.05` and `record_work_ms = [0, 0.05]` both read).
pub fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<f64>, D::Error> {
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Raw {
        One(f64),
        Many(Vec<f64>),
    }
    match <Raw as serde::Deserialize>::deserialize(d) {
        Ok(Raw::One(x)) => Ok(vec![x]),
        Ok(Raw::Many(v)) => Ok(v),
        Err(_) => Err(serde::de::Error::custom(
            "expected a number of milliseconds or a list of them, e.g. [0, 0.05]",
        )),
    }
}
