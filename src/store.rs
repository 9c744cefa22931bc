//! The results folder on disk: where each file of a sweep goes, how files
//! are written (atomically: a temporary file renamed over the old one), how
//! a folder is recognised as ingestlab's, and the advisory lock that keeps
//! two sweeps from writing one folder at once. Every layer that writes
//! results (experiment, simulator, report, plot) uses this module.

use anyhow::{Context, Result, bail};
use std::io::Write;
use std::path::{Path, PathBuf};

/// The journal of finished runs, one JSON line each.
pub const JOURNAL: &str = "runs.jsonl";
/// Everything, for tools and for `plot`.
pub const RESULTS: &str = "results.json";
/// Present in every folder ingestlab created (the overwrite rule).
pub const MARKER: &str = ".ingestlab";
/// The advisory lock of a sweep in progress: holds the owner's pid.
pub const LOCK: &str = ".ingestlab.lock";

/// The results folder of a scenario: its `output`, or `results/<name>`.
pub fn output_dir(name: &str, output: Option<&Path>) -> PathBuf {
    output
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("results").join(name))
}

/// Where simulated results of a scenario go: beside the measured ones.
pub fn sim_output_dir(measured: &Path) -> PathBuf {
    let name = measured
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "results".into());
    measured.with_file_name(format!("{name}-simulated"))
}

/// The figures of a results folder.
pub fn plots_dir(dir: &Path) -> PathBuf {
    dir.join("plots")
}

/// The timeline file of a configuration (ids contain '/').
pub fn timeline_file(dir: &Path, config_id: &str) -> PathBuf {
    dir.join("timelines")
        .join(format!("{}.json", config_id.replace('/', "_")))
}

/// Writes `bytes` to a temporary file beside `path`, then renames it over
/// `path`, so readers see the old file or the new one, never half of one.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut tmp = tempfile::NamedTempFile::new_in(dir)
        .with_context(|| format!("cannot write in '{}'", dir.display()))?;
    tmp.write_all(bytes)
        .with_context(|| format!("writing '{}'", path.display()))?;
    tmp.persist(path)
        .with_context(|| format!("cannot replace '{}'", path.display()))?;
    Ok(())
}

/// True when `dir` is a results folder ingestlab wrote.
pub fn is_ours(dir: &Path) -> bool {
    dir.join(MARKER).exists() || dir.join(JOURNAL).exists() || dir.join(RESULTS).exists()
}

/// Makes `dir` a results folder: creates it, or accepts it when it is
/// ingestlab's or empty; refuses a folder holding other files unless
/// `overwrite`. Checks that it can be written before any run starts.
pub fn claim_folder(dir: &Path, overwrite: bool) -> Result<()> {
    if dir.exists() {
        if !dir.is_dir() {
            bail!("results folder '{}' is a file, not a folder", dir.display());
        }
        let empty = std::fs::read_dir(dir)
            .with_context(|| format!("cannot read results folder '{}'", dir.display()))?
            .next()
            .is_none();
        if !empty && !is_ours(dir) && !overwrite {
            bail!(
                "'{}' already holds files ingestlab did not write; choose another results folder (--output), or pass --overwrite to write into it",
                dir.display()
            );
        }
    }
    std::fs::create_dir_all(dir.join("timelines"))
        .with_context(|| format!("cannot create results folder '{}'", dir.display()))?;
    write_atomic(&dir.join(MARKER), b"ingestlab results folder\n")
        .with_context(|| format!("results folder '{}' is not writable", dir.display()))
}

/// Makes `dir` a results folder only where it already is one (for `plot`).
pub fn require_ours(dir: &Path) -> Result<()> {
    if !dir.join(RESULTS).exists() && !dir.join(JOURNAL).exists() {
        bail!(
            "'{}' holds neither {RESULTS} nor {JOURNAL}: is it a folder written by `ingestlab run`?",
            dir.display()
        );
    }
    Ok(())
}

/// The advisory lock of a results folder, released when dropped.
#[derive(Debug)]
pub struct FolderLock {
    path: PathBuf,
    /// Set when a stale lock of a dead process was taken over.
    pub took_over_from: Option<u32>,
}

impl FolderLock {
    /// Takes the lock of `dir`; refuses while a live process holds it, and
    /// takes over the lock of a process that no longer exists.
    pub fn acquire(dir: &Path) -> Result<FolderLock> {
        let path = dir.join(LOCK);
        let mut took_over_from = None;
        for _ in 0..2 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut f) => {
                    writeln!(f, "{}", std::process::id())
                        .with_context(|| format!("writing '{}'", path.display()))?;
                    return Ok(FolderLock {
                        path,
                        took_over_from,
                    });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(&path)
                        .ok()
                        .and_then(|s| s.trim().parse::<u32>().ok());
                    match holder {
                        Some(pid) if alive(pid) => bail!(
                            "another ingestlab process (pid {pid}) is writing '{}'; wait for it to finish, or stop it (its lock is '{}')",
                            dir.display(),
                            path.display()
                        ),
                        _ => {
                            took_over_from = Some(holder.unwrap_or(0));
                            std::fs::remove_file(&path).with_context(|| {
                                format!("cannot remove the stale lock '{}'", path.display())
                            })?;
                        }
                    }
                }
                Err(e) => {
                    return Err(e).with_context(|| format!("cannot create '{}'", path.display()));
                }
            }
        }
        bail!("could not take the lock '{}'", path.display())
    }
}

impl Drop for FolderLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

/// True when a process with this pid exists (signal 0 checks, sends none).
fn alive(pid: u32) -> bool {
    if pid == 0 || pid == std::process::id() {
        return pid != 0;
    }
    // SAFETY: kill with signal 0 only checks whether the process exists.
    let r = unsafe { libc::kill(pid as libc::pid_t, 0) };
    r == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_with_the_holders_pid_and_a_stale_one_taken_over() {
        let dir = tempfile::tempdir().unwrap();
        let a = FolderLock::acquire(dir.path()).unwrap();
        let e = FolderLock::acquire(dir.path()).unwrap_err().to_string();
        assert!(e.contains(&format!("pid {}", std::process::id())), "{e}");
        drop(a);
        assert!(!dir.path().join(LOCK).exists());
        // A lock left by a process that is gone.
        std::fs::write(dir.path().join(LOCK), "999999999\n").unwrap();
        let b = FolderLock::acquire(dir.path()).unwrap();
        assert_eq!(b.took_over_from, Some(999_999_999));
    }

    #[test]
    fn folders_with_other_files_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("thesis.tex"), "x").unwrap();
        let e = claim_folder(dir.path(), false).unwrap_err().to_string();
        assert!(e.contains("did not write"), "{e}");
        claim_folder(dir.path(), true).unwrap();
        assert!(is_ours(dir.path()));
        let fresh = dir.path().join("new");
        claim_folder(&fresh, false).unwrap();
        claim_folder(&fresh, false).unwrap();
    }
}
