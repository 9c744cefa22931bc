//! Reading a scenario: the file, its `--set` overrides merged in, the
//! values checked, and every error placed at its file, line, column and
//! field (or the `--set` that gave the value).

use super::Scenario;
use super::expand::expand;
use anyhow::{Result, anyhow, bail};
use std::path::Path;

/// Reads and validates a scenario file, then applies `key=value`
/// overrides (the file first, then the command line).
pub fn load(path: &Path, sets: &[String]) -> Result<Scenario> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| anyhow!("cannot read scenario file '{}': {e}", path.display()))?;
    parse(&text, path, sets)
}

/// [`load`] on text already read; `path` is only used in messages.
pub fn parse(text: &str, path: &Path, sets: &[String]) -> Result<Scenario> {
    let file = path.display().to_string();
    let (merged, set_keys) = if sets.is_empty() {
        (text.to_string(), Vec::new())
    } else {
        apply_sets(text, sets).map_err(|e| anyhow!("{file}: {e:#}"))?
    };
    // Positions are always given in the file as written; a field set on
    // the command line is blamed on its --set.
    let scenario: Scenario = toml::from_str(&merged)
        .map_err(|e| position::parse_error(&file, text, &merged, &set_keys, &e))?;
    if let Some((field, msg)) = validate(&scenario).first() {
        bail!(
            "{}: {msg}",
            position::describe(&file, text, &set_keys, field)
        );
    }
    Ok(scenario)
}

/// Applies `key=value` overrides, each value written as TOML
/// (`sweep.workers=[1,2]`, `name="x"`, `repetitions=5`); returns the merged
/// document and, per key set, the `--set` text that set it.
fn apply_sets(text: &str, sets: &[String]) -> Result<(String, Vec<(String, String)>)> {
    let mut table: toml::Table = toml::from_str(text)?;
    let mut keys = Vec::new();
    for s in sets {
        let (key, value) = s
            .split_once('=')
            .ok_or_else(|| anyhow!("--set '{s}': expected key=value"))?;
        let key = key.trim();
        // Bare words are taken as strings, so `--set name=fast` works.
        let parsed: toml::Table = toml::from_str(&format!("v = {value}"))
            .or_else(|_| {
                toml::from_str(&format!("v = {}", toml::Value::String(value.trim().into())))
            })
            .map_err(|e| anyhow!("--set '{s}': {}", e.message()))?;
        let parts: Vec<&str> = key.split('.').collect();
        let mut t = &mut table;
        for p in &parts[..parts.len() - 1] {
            t = t
                .entry(p.to_string())
                .or_insert_with(|| toml::Value::Table(Default::default()))
                .as_table_mut()
                .ok_or_else(|| anyhow!("--set '{s}': `{p}` is not a table"))?;
        }
        t.insert(parts[parts.len() - 1].to_string(), parsed["v"].clone());
        keys.push((key.to_string(), s.clone()));
    }
    Ok((toml::to_string(&table)?, keys))
}

/// What does not go with the user's own data: both sources at once, a
/// record count (the data's own), and the generator's settings.
fn user_data_problems(d: &super::DataSpec) -> Vec<(&'static str, String)> {
    let mut p = Vec::new();
    if d.input.is_empty() && d.staging.is_none() {
        return p;
    }
    if !d.input.is_empty() && d.staging.is_some() {
        p.push((
            "data.staging",
            "give data.input (files) or data.staging (a staging table), not both".into(),
        ));
    }
    for (field, set) in [
        ("data.records", !d.records.is_empty()),
        ("data.text_scale", d.text_scale != 1.0),
        ("data.malformed_rate", d.malformed_rate != 0.0),
        ("data.duplicate_rate", d.duplicate_rate != 0.0),
        ("data.full_text", d.full_text),
    ] {
        if set {
            p.push((
                field,
                "applies to generated data; with data.input or data.staging the records are the user's own (their count is the file's)".into(),
            ));
        }
    }
    p
}

/// The `[data]` table's problems: its numbers, and what does not go with
/// the user's own data.
fn data_problems(d: &super::DataSpec) -> Vec<(&'static str, String)> {
    let mut p = user_data_problems(d);
    if d.records.contains(&0) {
        p.push((
            "data.records",
            "0 records is not an experiment (at least 1)".into(),
        ));
    }
    for (f, r) in [
        ("data.malformed_rate", d.malformed_rate),
        ("data.duplicate_rate", d.duplicate_rate),
    ] {
        if !(0.0..=1.0).contains(&r) {
            p.push((f, format!("must be between 0 and 1, got {r}")));
        }
    }
    let max_scale = crate::data::generate::MAX_TEXT_SCALE;
    if !(d.text_scale > 0.0 && d.text_scale <= max_scale) {
        p.push((
            "data.text_scale",
            format!(
                "must be above 0 and at most {max_scale} (records of about 1 MB), got {}",
                d.text_scale
            ),
        ));
    }
    p
}

/// Problems with values that parse but cannot run: (field, message).
pub fn validate(s: &Scenario) -> Vec<(String, String)> {
    let mut p: Vec<(String, String)> = Vec::new();
    let mut bad = |field: &str, msg: String| {
        if !p.iter().any(|(f, m)| f == field && *m == msg) {
            p.push((field.to_string(), msg));
        }
    };
    let sw = &s.sweep;
    let users = !s.data.input.is_empty() || s.data.staging.is_some();
    for (field, len) in [
        ("data.records", s.data.records.len() + usize::from(users)),
        ("sweep.engines", sw.engines.len()),
        ("sweep.methods", sw.methods.len()),
        ("sweep.indexes", sw.indexes.len()),
        ("sweep.locks", sw.locks.len()),
        ("sweep.workers", sw.workers.len()),
        ("sweep.batch_sizes", sw.batch_sizes.len()),
        ("sweep.schedules", sw.schedules.len()),
        ("sweep.overheads", sw.overheads.len()),
    ] {
        if len == 0 {
            bad(field, "must list at least one value".into());
        }
    }
    if sw.workers.contains(&0) {
        bad(
            "sweep.workers",
            "0 is not a valid worker count (at least 1)".into(),
        );
    }
    if sw.batch_sizes.contains(&0) {
        bad(
            "sweep.batch_sizes",
            "0 is not a valid batch size (at least 1)".into(),
        );
    }
    for (field, msg) in super::repeat::problems(
        s.repetitions,
        s.order,
        s.precision,
        s.max_rounds,
        s.time_budget_s,
    ) {
        bad(field, msg);
    }
    for (field, msg) in data_problems(&s.data) {
        bad(field, msg);
    }
    // Everything else, by the same validator the CLI uses (with the user's
    // data the record count is not known yet: one stands in for it).
    let mut probe = s.clone();
    if users {
        probe.data.records = vec![1];
    }
    for c in expand(&probe) {
        for problem in c.run.problems() {
            bad(&problem.setting.key(), problem.message);
        }
    }
    p
}

/// Positions in the TOML text, for messages.
mod position {
    use std::fmt::Write;

    /// 1-based line and column of a byte offset.
    pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
        let before = &text[..offset.min(text.len())];
        let line = before.matches('\n').count() + 1;
        let col = before.len() - before.rfind('\n').map_or(0, |i| i + 1) + 1;
        (line, col)
    }

    /// "file:line:col: field `x`" or "file: field `x` (set on the command
    /// line: --set x=...)" or "file: field `x` (default value)".
    pub fn describe(file: &str, text: &str, sets: &[(String, String)], field: &str) -> String {
        if let Some((_, s)) = sets
            .iter()
            .rev()
            .find(|(k, _)| field == k || field.starts_with(&format!("{k}.")))
        {
            return format!("{file}: field `{field}` (set on the command line: --set {s})");
        }
        match locate(text, &field.split('.').collect::<Vec<_>>()) {
            Some(start) => {
                let (l, c) = line_col(text, start);
                format!("{file}:{l}:{c}: field `{field}`")
            }
            None => format!("{file}: field `{field}` (default value)"),
        }
    }

    /// A deserialisation error of `merged` (the file with the `--set`
    /// overrides applied) with the field it is about, positioned in `text`
    /// (the file as written).
    pub fn parse_error(
        file: &str,
        text: &str,
        merged: &str,
        sets: &[(String, String)],
        e: &toml::de::Error,
    ) -> anyhow::Error {
        let msg = e.message().trim().to_string();
        let Some(span) = e.span() else {
            return anyhow::anyhow!("{file}: {msg}");
        };
        let mut out = String::new();
        if msg.starts_with("missing field") {
            // The span is the table that lacks the field: the whole
            // document for a top-level field.
            let whole = span.start == 0 && (span.end == 0 || span.end >= merged.trim_end().len());
            let table = (!whole)
                .then(|| table_at(merged, span.start))
                .flatten()
                .unwrap_or_else(|| "top level".into());
            let _ = write!(out, "{file}: {msg} (in {table})");
            return anyhow::anyhow!(out);
        }
        match field_at(merged, span.start) {
            Some(f) if sets.is_empty() => {
                let (l, c) = line_col(text, span.start);
                let _ = write!(out, "{file}:{l}:{c}: field `{f}`: {msg}");
            }
            Some(f) => {
                let _ = write!(out, "{}: {msg}", describe(file, text, sets, &f));
            }
            None if sets.is_empty() => {
                let (l, c) = line_col(text, span.start);
                let _ = write!(out, "{file}:{l}:{c}: {msg}");
            }
            None => {
                let _ = write!(out, "{file}: {msg}");
            }
        }
        anyhow::anyhow!(out)
    }

    /// Byte offset of the key at dotted `path` in the TOML text.
    fn locate(text: &str, path: &[&str]) -> Option<usize> {
        let doc = toml::de::DeTable::parse(text).ok()?;
        let mut table = doc.get_ref();
        for (i, part) in path.iter().enumerate() {
            let (k, v) = table.iter().find(|(k, _)| k.get_ref().as_ref() == *part)?;
            if i + 1 == path.len() {
                return Some(k.span().start);
            }
            match v.get_ref() {
                toml::de::DeValue::Table(t) => table = t,
                _ => return None,
            }
        }
        None
    }

    /// The dotted name of the innermost key whose value contains `offset`.
    fn field_at(text: &str, offset: usize) -> Option<String> {
        walk(text, offset, false)
    }

    /// The dotted name of the innermost table whose header or body starts
    /// at or contains `offset`, None for the top level.
    fn table_at(text: &str, offset: usize) -> Option<String> {
        walk(text, offset, true)
    }

    fn walk(text: &str, offset: usize, tables_only: bool) -> Option<String> {
        let doc = toml::de::DeTable::parse(text).ok()?;
        fn inner(
            t: &toml::de::DeTable,
            offset: usize,
            prefix: &str,
            tables_only: bool,
        ) -> Option<String> {
            for (k, v) in t.iter() {
                let name = if prefix.is_empty() {
                    k.get_ref().to_string()
                } else {
                    format!("{prefix}.{}", k.get_ref())
                };
                let is_table = matches!(v.get_ref(), toml::de::DeValue::Table(_));
                if let toml::de::DeValue::Table(sub) = v.get_ref()
                    && let Some(f) = inner(sub, offset, &name, tables_only)
                {
                    return Some(f);
                }
                let hit = v.span().contains(&offset)
                    || k.span().contains(&offset)
                    || (is_table && v.span().start == offset);
                if hit && (!tables_only || is_table) {
                    return Some(name);
                }
            }
            None
        }
        inner(doc.get_ref(), offset, "", tables_only)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::{IndexPolicy, SqliteSettings};
    use crate::run::LockModel;
    use crate::scenario::{Order, Repetitions};

    const GOOD: &str = r#"
name = "t"
repetitions = 2

[data]
records = [100]

[sweep]
engines = ["sqlite", "duckdb"]
workers = [1, 2]
"#;

    fn err(text: &str, sets: &[&str]) -> String {
        let sets: Vec<String> = sets.iter().map(|s| s.to_string()).collect();
        format!("{:#}", parse(text, Path::new("s.toml"), &sets).unwrap_err())
    }

    #[test]
    fn parses_with_defaults() {
        let s = parse(GOOD, Path::new("s.toml"), &[]).unwrap();
        assert_eq!(s.sweep.batch_sizes, vec![1000]);
        assert_eq!(s.sweep.locks, vec![LockModel::Native]);
        assert_eq!(s.sweep.indexes, vec![IndexPolicy::Upfront]);
        assert_eq!(s.data.seed, 42);
        assert_eq!(s.warmup, 0);
        assert_eq!(s.order, Order::Rounds);
        assert_eq!(s.repetitions, Repetitions::Fixed(2));
        assert_eq!(s.sqlite, SqliteSettings::default());
    }

    #[test]
    fn unknown_field_names_file_line_and_choices() {
        let e = err(
            &GOOD.replace("workers = [1, 2]", "workers = [1, 2]\nthreads = 3"),
            &[],
        );
        assert!(e.starts_with("s.toml:11:1:"), "{e}");
        assert!(
            e.contains("unknown field `threads`") && e.contains("batch_sizes"),
            "{e}"
        );
    }

    #[test]
    fn wrong_type_names_the_field() {
        let e = err(&GOOD.replace("workers = [1, 2]", "workers = \"two\""), &[]);
        assert!(
            e.starts_with("s.toml:10:11:") && e.contains("field `sweep.workers`"),
            "{e}"
        );
        let e = err(&GOOD.replace("\"duckdb\"", "\"oracle\""), &[]);
        assert!(
            e.contains("oracle") && e.contains("sqlite, duckdb, postgres"),
            "{e}"
        );
    }

    #[test]
    fn empty_axis_zero_workers_and_unknown_presets() {
        let e = err(&GOOD.replace("workers = [1, 2]", "workers = []"), &[]);
        assert!(
            e.starts_with("s.toml:10:1: field `sweep.workers`: must list"),
            "{e}"
        );
        let e = err(&GOOD.replace("workers = [1, 2]", "workers = [0, 2]"), &[]);
        assert!(e.contains("0 is not a valid worker count"), "{e}");
        let e = err(
            &GOOD.replace("[sweep]", "[sweep]\noverheads = [\"java\"]"),
            &[],
        );
        assert!(e.contains("valid: none, python-mp"), "{e}");
    }

    #[test]
    fn command_line_overrides_the_file_and_its_errors_say_so() {
        let sets = [
            "sweep.workers=[1,4]".to_string(),
            "name=fast".to_string(),
            "data.records=[7]".to_string(),
        ];
        let s = parse(GOOD, Path::new("s.toml"), &sets).unwrap();
        assert_eq!(
            (
                s.sweep.workers.clone(),
                s.name.as_str(),
                s.data.records.clone()
            ),
            (vec![1, 4], "fast", vec![7])
        );
        let e = err(GOOD, &["sweep.workers=[0]"]);
        assert!(
            e.contains("set on the command line: --set sweep.workers=[0]"),
            "{e}"
        );
        assert!(!e.contains("s.toml:10"), "blames the file: {e}");
        let e = err(GOOD, &["sweep.workers=two"]);
        assert!(
            e.contains("sweep.workers") && e.contains("--set sweep.workers=two"),
            "{e}"
        );
        let e = err(GOOD, &["sweep.wrkers=[2]"]);
        assert!(e.contains("wrkers"), "{e}");
    }

    #[test]
    fn a_missing_field_is_reported_in_its_table() {
        let e = err(&GOOD.replace("name = \"t\"\n", ""), &[]);
        assert!(
            e.contains("missing field `name`") && e.contains("top level"),
            "{e}"
        );
        assert!(!e.contains("field `data`"), "{e}");
    }

    #[test]
    fn engine_settings_are_validated_by_key() {
        let e = err(&format!("{GOOD}\n[sqlite]\npage_size = 1000\n"), &[]);
        assert!(
            e.contains("field `sqlite.page_size`") && e.contains("power of two"),
            "{e}"
        );
        let e = err(&format!("{GOOD}\n[sqlite]\njournal_mode = \"fast\"\n"), &[]);
        assert!(
            e.contains("unknown journal mode 'fast'") && e.contains("wal"),
            "{e}"
        );
    }

    #[test]
    fn repetitions_take_a_count_or_auto_and_work_takes_one_or_many() {
        let s = parse(
            &GOOD
                .replace(
                    "repetitions = 2",
                    "repetitions = \"auto\"\ntime_budget_s = 60",
                )
                .replace(
                    "workers = [1, 2]",
                    "workers = [1, 2]\nrecord_work_ms = [0, 0.05]",
                ),
            Path::new("s.toml"),
            &[],
        )
        .unwrap();
        assert_eq!(s.repetitions, Repetitions::Auto);
        assert_eq!(s.sweep.record_work_ms, vec![0.0, 0.05]);
        let e = err(
            &GOOD.replace("repetitions = 2", "repetitions = \"many\""),
            &[],
        );
        assert!(e.contains("repetitions") && e.contains("\"auto\""), "{e}");
        let e = err(GOOD, &["repetitions=\"auto\"", "order=\"grouped\""]);
        assert!(e.contains("needs order = \"rounds\""), "{e}");
        let e = err(GOOD, &["order=\"random\""]);
        assert!(e.contains("rounds") && e.contains("grouped"), "{e}");
        let e = err(GOOD, &["precision=0"]);
        assert!(e.contains("field `precision`"), "{e}");
    }

    #[test]
    fn line_and_column() {
        assert_eq!(position::line_col("ab\ncd", 4), (2, 2));
        assert_eq!(position::line_col("ab", 0), (1, 1));
    }
}
