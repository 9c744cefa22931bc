//! The user's own records in a sweep: `data.input` (a file of concatenated
//! us-patent-application documents, several, or a folder of them) or
//! `data.staging` (the `app_xml` table of a SQLite or DuckDB file). The
//! sources are only read. One file, as given, is what the runs read; several
//! files, a folder or a staging table are copied, in order, into one file in
//! ingestlab's temporary folder. The record count is the file's.

use crate::report::InputInfo;
use crate::run::Input;
use crate::scenario::Scenario;
use anyhow::{Context, Result};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The user's data, ready for runs: the file they read, indexed once, and
/// its record.
pub struct UserData {
    /// The file every run reads, indexed (shared by every run of a sweep,
    /// and the simulator's record sizes).
    pub input: Input,
    /// What it holds, for the results.
    pub info: InputInfo,
    /// Keeps a gathered file alive until the sweep ends.
    _work: Option<tempfile::TempDir>,
}

/// Resolves `s`' user data, if it names any: the file the runs read, and
/// `s` with `data.records` set to its record count (so ids, estimates and
/// reports read as for generated data).
pub fn resolve(s: &mut Scenario) -> Result<Option<UserData>> {
    let d = &s.data;
    if d.input.is_empty() && d.staging.is_none() {
        return Ok(None);
    }
    let (file, sources, staging, work) = match &d.staging {
        Some(db) => {
            let work = crate::store::work_dir()?;
            let file = work.path().join("staging.xml");
            let mut out = std::io::BufWriter::new(std::fs::File::create(&file)?);
            // A table that is not there, or a file that is no database,
            // is the user's input: refused.
            crate::backend::read_staging(db, &mut |xml| Ok(out.write_all(xml.as_bytes())?))
                .map_err(crate::refused::as_refusal)?;
            out.flush()?;
            let name = PathBuf::from(crate::backend::staging_name(db));
            (file, vec![name], true, Some(work))
        }
        None => {
            let files = expand_inputs(&d.input)?;
            if let [one] = files.as_slice() {
                (one.clone(), files, false, None)
            } else {
                let work = crate::store::work_dir()?;
                let file = work.path().join("input.xml");
                let mut out = std::fs::File::create(&file)?;
                for f in &files {
                    std::io::copy(&mut std::fs::File::open(f)?, &mut out)
                        .with_context(|| format!("data.input: reading '{}'", f.display()))?;
                }
                (file, files, false, Some(work))
            }
        }
    };
    // A file without records is the user's input, not a failure: refused.
    let input = Input::open(&file)
        .with_context(|| format!("data.input: indexing '{}'", file.display()))
        .map_err(crate::refused::as_refusal)?;
    let (bytes, xxh3) = checksum(&file)?;
    let info = InputInfo {
        sources,
        staging,
        records: input.len() as u64,
        bytes,
        xxh3,
    };
    s.data.records = vec![info.records];
    Ok(Some(UserData {
        input,
        info,
        _work: work,
    }))
}

/// The size and XXH3-64 (hex) of `file`, read in 1 MiB pieces.
fn checksum(file: &Path) -> Result<(u64, String)> {
    let mut h = xxhash_rust::xxh3::Xxh3::new();
    let mut f = std::fs::File::open(file)?;
    let mut buf = vec![0u8; 1 << 20];
    let mut bytes = 0u64;
    loop {
        let n = std::io::Read::read(&mut f, &mut buf)?;
        if n == 0 {
            return Ok((bytes, format!("{:016x}", h.digest())));
        }
        h.update(&buf[..n]);
        bytes += n as u64;
    }
}

/// The files `data.input` names: each file as given, each folder's `.xml`
/// files in name order.
fn expand_inputs(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut xml: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("data.input: reading the folder '{}'", p.display()))?
                .flatten()
                .map(|e| e.path())
                .filter(|f| {
                    f.is_file() && f.extension().is_some_and(|x| x.eq_ignore_ascii_case("xml"))
                })
                .collect();
            xml.sort();
            if xml.is_empty() {
                crate::refused::refuse!(
                    "data.input: the folder '{}' holds no .xml files",
                    p.display()
                );
            }
            out.extend(xml);
        } else if p.is_file() {
            out.push(p.clone());
        } else {
            crate::refused::refuse!(
                "data.input: '{}' is neither a file nor a folder (paths are relative to the folder ingestlab runs in)",
                p.display()
            );
        }
    }
    Ok(out)
}

impl std::fmt::Debug for UserData {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserData")
            .field("file", &self.input.path)
            .field("info", &self.info)
            .finish_non_exhaustive()
    }
}

impl UserData {
    /// What the simulator needs of the user's records: their sizes, and
    /// the share a run quarantines (malformed or duplicate), from the
    /// sequential account every run is verified against.
    pub fn sample(&self) -> Result<crate::sim::UserSample> {
        let sizes_kb = self
            .input
            .index
            .spans
            .iter()
            .map(|s| s.len as f64 / 1024.0)
            .collect();
        let e = self.input.expected()?;
        let total = (e.rows + e.quarantined).max(1) as f64;
        Ok(crate::sim::UserSample {
            sizes_kb,
            bad_fraction: e.quarantined as f64 / total,
        })
    }
}
