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

/// The server wait-event samples of a configuration's timeline run.
pub fn waits_file(dir: &Path, config_id: &str) -> PathBuf {
    dir.join("timelines")
        .join(format!("{}.waits.json", config_id.replace('/', "_")))
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

/// True when `dir` is a results folder ingestlab wrote: it carries
/// ingestlab's marker (a `results.json` or `runs.jsonl` alone proves
/// nothing: a user may have files of those names).
pub fn is_ours(dir: &Path) -> bool {
    dir.join(MARKER).is_file()
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
            crate::refused::refuse!(
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
    if !is_ours(dir) {
        bail!(
            "'{}' does not carry ingestlab's marker ({MARKER}) and so holds no {RESULTS} of ingestlab's: is it a folder written by `ingestlab run`?",
            dir.display()
        );
    }
    if !dir.join(RESULTS).exists() && !dir.join(JOURNAL).exists() {
        bail!(
            "'{}' holds neither {RESULTS} nor {JOURNAL}: is it a folder written by `ingestlab run`?",
            dir.display()
        );
    }
    Ok(())
}

/// The lock of a results folder, released when dropped: an exclusive
/// `flock` on the lock file, which the kernel releases when the process
/// ends however it ends, so a lock can never outlive its holder and two
/// processes can never both take over a stale one. The file holds the
/// holder's pid, for messages only.
#[derive(Debug)]
pub struct FolderLock {
    path: PathBuf,
    /// Open for as long as the lock is held (closing it releases it).
    _file: std::fs::File,
    /// Set when the file was left by a process that no longer held it (its
    /// pid, 0 when unreadable).
    pub took_over_from: Option<u32>,
}

impl FolderLock {
    /// Takes the lock of `dir`; refuses while another process holds it.
    pub fn acquire(dir: &Path) -> Result<FolderLock> {
        use std::io::{Read, Seek};
        use std::os::unix::fs::MetadataExt;
        use std::os::unix::io::AsRawFd;
        let path = dir.join(LOCK);
        // A holder removes the file when it lets go; a file opened just
        // before that removal is locked in vain, so check that the locked
        // file is still the one at `path`, and start again if not.
        for _ in 0..100 {
            let mut f = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .with_context(|| format!("cannot create '{}'", path.display()))?;
            // SAFETY: flock on a descriptor this File owns.
            let r = unsafe { libc::flock(f.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) };
            if r != 0 {
                let holder = std::fs::read_to_string(&path).unwrap_or_default();
                crate::refused::refuse!(
                    "another ingestlab process (pid {}) is writing '{}'; wait for it to finish, or stop it (its lock is '{}')",
                    holder.trim(),
                    dir.display(),
                    path.display()
                );
            }
            let same = std::fs::metadata(&path)
                .ok()
                .zip(f.metadata().ok())
                .is_some_and(|(a, b)| a.ino() == b.ino() && a.dev() == b.dev());
            if !same {
                continue;
            }
            let mut old = String::new();
            let _ = f.read_to_string(&mut old);
            let took_over_from = (!old.trim().is_empty()).then(|| old.trim().parse().unwrap_or(0));
            f.set_len(0)?;
            f.rewind()?;
            writeln!(f, "{}", std::process::id())
                .with_context(|| format!("writing '{}'", path.display()))?;
            return Ok(FolderLock {
                path,
                _file: f,
                took_over_from,
            });
        }
        bail!("could not take the lock '{}'", path.display())
    }
}

impl Drop for FolderLock {
    fn drop(&mut self) {
        // Removed while still locked; the lock itself goes with the file
        // descriptor right after.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// The name of ingestlab's temporary folders: `ingestlab-<pid>-…`, so a
/// later start can tell whether the process that made one is gone.
const WORK_PREFIX: &str = "ingestlab-";

/// A temporary folder for generated data and databases, removed when
/// dropped, and named after this process in case it is killed first.
pub fn work_dir() -> Result<tempfile::TempDir> {
    tempfile::Builder::new()
        .prefix(&format!("{WORK_PREFIX}{}-", std::process::id()))
        .tempdir()
        .context("creating a temporary folder for data and databases")
}

/// Removes the temporary folders of ingestlab processes that no longer
/// exist (left by `kill -9` or a crash) from `tmp`; returns them.
pub fn remove_stale_work_dirs(tmp: &Path) -> Vec<PathBuf> {
    let Ok(entries) = std::fs::read_dir(tmp) else {
        return vec![];
    };
    let mut removed = Vec::new();
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        let Some(pid) = name
            .strip_prefix(WORK_PREFIX)
            .and_then(|rest| rest.split('-').next())
            .and_then(|p| p.parse::<u32>().ok())
        else {
            continue;
        };
        let path = e.path();
        let owned_dir = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_dir());
        if owned_dir && !alive(pid) && std::fs::remove_dir_all(&path).is_ok() {
            removed.push(path);
        }
    }
    removed
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
        // A lock file left by a process that is gone (or by any process
        // that does not hold it): taken over.
        std::fs::write(dir.path().join(LOCK), "999999999\n").unwrap();
        let b = FolderLock::acquire(dir.path()).unwrap();
        assert_eq!(b.took_over_from, Some(999_999_999));
    }

    #[test]
    fn many_threads_racing_for_a_stale_lock_take_it_one_at_a_time() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(LOCK), "999999999\n").unwrap();
        let holders = std::sync::atomic::AtomicUsize::new(0);
        let most = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    for _ in 0..50 {
                        if let Ok(l) = FolderLock::acquire(dir.path()) {
                            let n = holders.fetch_add(1, std::sync::atomic::Ordering::SeqCst) + 1;
                            most.fetch_max(n, std::sync::atomic::Ordering::SeqCst);
                            std::thread::yield_now();
                            holders.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
                            drop(l);
                        }
                    }
                });
            }
        });
        assert_eq!(most.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[test]
    fn temporary_folders_of_dead_processes_are_removed_and_live_ones_kept() {
        let tmp = tempfile::tempdir().unwrap();
        let dead = tmp.path().join("ingestlab-999999999-abc");
        let live = tmp
            .path()
            .join(format!("ingestlab-{}-abc", std::process::id()));
        let other = tmp.path().join("ingestlab-notes");
        for d in [&dead, &live, &other] {
            std::fs::create_dir_all(d.join("x")).unwrap();
        }
        assert_eq!(remove_stale_work_dirs(tmp.path()), vec![dead.clone()]);
        assert!(!dead.exists() && live.exists() && other.exists());
    }

    #[test]
    fn a_users_results_json_does_not_make_a_folder_ours() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(RESULTS), "{\"mine\":1}").unwrap();
        assert!(!is_ours(dir.path()));
        let e = claim_folder(dir.path(), false).unwrap_err().to_string();
        assert!(e.contains("did not write"), "{e}");
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
