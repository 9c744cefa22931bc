//! A throwaway PostgreSQL server that ingestlab starts and stops itself:
//! `initdb` into a temporary folder, then `postgres` listening on a Unix
//! socket in that folder only (`listen_addresses = ''`: no TCP port).
//!
//! No server outlives ingestlab. The server is started directly as a child
//! (no `pg_ctl`, no `runuser`: a wrapper forks a watching parent, and a
//! parent-death signal set on the wrapper would not reach the server) with
//! `PR_SET_PDEATHSIG = SIGKILL` set after the switch to the unprivileged
//! user (a change of user clears it), so a `kill -9` of ingestlab kills the
//! postmaster, whose backends then exit on their own. A normal end stops it
//! with a fast shutdown. The temporary folder is named after ingestlab's
//! pid (`store::work_dir`), so a cluster left by a crash is removed by the
//! next start.
//!
//! `initdb` and `postgres` refuse to run as root: run as root, ingestlab
//! runs them as the `postgres` user that the distributions' packages
//! create, and says so in the engine's version string.

use super::super::PostgresSettings;
use anyhow::{Context, Result, bail};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The port number only names the socket file (`.s.PGSQL.5432`): each
/// server has a folder of its own and no TCP port.
const PORT: u16 = 5432;
/// The superuser initdb creates (trust authentication, socket only).
pub const USER: &str = "ingestlab";
/// How long a server may take to accept connections.
const START_TIMEOUT: Duration = Duration::from_secs(60);

/// A running server, stopped when dropped.
pub struct Server {
    child: Child,
    /// The socket folder (the data folder is `data` inside it).
    socket_dir: PathBuf,
    _work: tempfile::TempDir,
    /// The settings it was started with.
    pub settings: PostgresSettings,
    /// "PostgreSQL 15.18 (…), run as user postgres".
    pub version: String,
}

/// The folder holding `initdb` and `postgres`: `bin` when given, else the
/// one on PATH, else `pg_config --bindir`, else the newest of
/// `/usr/lib/postgresql/*/bin`.
pub fn find_bin(bin: Option<&Path>) -> Result<PathBuf> {
    let ok = |d: &Path| d.join("initdb").is_file() && d.join("postgres").is_file();
    if let Some(b) = bin {
        if ok(b) {
            return Ok(b.to_path_buf());
        }
        bail!(
            "--pg-bin '{}' holds no initdb and postgres (the PostgreSQL server binaries)",
            b.display()
        );
    }
    let on_path = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default();
    if let Some(d) = on_path.into_iter().find(|d| ok(d)) {
        return Ok(d);
    }
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        let d = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
        if out.status.success() && ok(&d) {
            return Ok(d);
        }
    }
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let v = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            let d = e.path().join("bin");
            ok(&d).then_some((v, d))
        })
        .collect();
    versions.sort();
    versions.pop().map(|(_, d)| d).ok_or_else(|| {
        anyhow::anyhow!(
            "the PostgreSQL server binaries (initdb, postgres) were not found on PATH, by pg_config, or under /usr/lib/postgresql/*/bin; install them (Debian: apt-get install postgresql) or name their folder with --pg-bin"
        )
    })
}

/// The unprivileged user to run the server as when ingestlab runs as root.
fn unprivileged() -> Result<Option<(u32, u32, String)>> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Ok(None);
    }
    let name = std::ffi::CString::new("postgres").expect("no NUL");
    // SAFETY: getpwnam returns a pointer into static storage or null; it is
    // read at once, before any other call could overwrite it.
    let p = unsafe { libc::getpwnam(name.as_ptr()) };
    if p.is_null() {
        bail!(
            "initdb and postgres refuse to run as root, and there is no `postgres` user to run them as; run ingestlab as an ordinary user, or create the user (the distributions' postgresql package does)"
        );
    }
    // SAFETY: p is non-null and points to a valid passwd entry.
    let (uid, gid) = unsafe { ((*p).pw_uid, (*p).pw_gid) };
    Ok(Some((uid, gid, "postgres".into())))
}

/// A command run as `user` (when set), killed with its parent.
fn command(program: PathBuf, user: &Option<(u32, u32, String)>, dir: &Path) -> Command {
    let mut c = Command::new(program);
    c.current_dir(dir);
    if let Some((uid, gid, _)) = user {
        c.uid(*uid).gid(*gid);
    }
    // SAFETY: prctl is async-signal-safe; it runs in the child after the
    // switch of user (which would clear it) and before exec.
    unsafe {
        c.pre_exec(|| {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
    c
}

impl Server {
    /// Runs initdb and starts the server with `settings`.
    pub fn start(settings: &PostgresSettings) -> Result<Server> {
        let bin = find_bin(settings.bin.as_deref())?;
        let user = unprivileged()?;
        let work = crate::store::work_dir()?;
        let socket_dir = work.path().join("pg");
        std::fs::create_dir(&socket_dir)?;
        if let Some((uid, gid, _)) = &user {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(work.path(), std::fs::Permissions::from_mode(0o711))?;
            std::os::unix::fs::chown(&socket_dir, Some(*uid), Some(*gid))?;
        }
        let data = socket_dir.join("data");
        let out = command(bin.join("initdb"), &user, &socket_dir)
            .arg("-D")
            .arg(&data)
            .args([
                "-U",
                USER,
                "--auth=trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ])
            .output()
            .with_context(|| format!("running '{}'", bin.join("initdb").display()))?;
        if !out.status.success() {
            bail!(
                "initdb failed: {}",
                String::from_utf8_lossy(&out.stderr).trim()
            );
        }
        let mut c = command(bin.join("postgres"), &user, &socket_dir);
        c.arg("-D").arg(&data).arg("-k").arg(&socket_dir);
        c.args(["-p", &PORT.to_string()]);
        for (k, v) in settings.server_options() {
            c.arg("-c").arg(format!("{k}={v}"));
        }
        let child = c
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting '{}'", bin.join("postgres").display()))?;
        let mut server = Server {
            child,
            socket_dir,
            _work: work,
            settings: settings.clone(),
            version: String::new(),
        };
        let mut client = server.wait_ready()?;
        let v: String = client.query_one("SHOW server_version", &[])?.get(0);
        server.version = format!(
            "postgres {v}{}",
            user.map_or(String::new(), |u| format!(" (run as user {})", u.2))
        );
        Ok(server)
    }

    /// A connection configuration for database `db`.
    pub fn config(&self, db: &str) -> postgres::Config {
        let mut c = postgres::Config::new();
        c.host_path(&self.socket_dir)
            .port(PORT)
            .user(USER)
            .dbname(db)
            .application_name("ingestlab");
        c
    }

    fn wait_ready(&mut self) -> Result<postgres::Client> {
        let t = Instant::now();
        loop {
            match self.config("postgres").connect(postgres::NoTls) {
                Ok(c) => return Ok(c),
                Err(e) => {
                    if let Some(status) = self.child.try_wait()? {
                        bail!("the PostgreSQL server exited at start ({status}): {e}");
                    }
                    if t.elapsed() > START_TIMEOUT {
                        bail!(
                            "the PostgreSQL server did not accept connections within {START_TIMEOUT:?}: {e}"
                        );
                    }
                    std::thread::sleep(Duration::from_millis(20));
                }
            }
        }
    }

    /// The folder of its Unix socket (a client's `host`).
    pub fn socket_dir(&self) -> &Path {
        &self.socket_dir
    }

    /// The server's main process (the postmaster).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// True while the server process runs.
    pub fn running(&mut self) -> bool {
        matches!(self.child.try_wait(), Ok(None))
    }
}

impl Drop for Server {
    /// A fast shutdown (SIGINT: roll back, disconnect, checkpoint), then
    /// SIGKILL if it takes more than 10 s.
    fn drop(&mut self) {
        // SAFETY: kill sends a signal to our own child.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGINT) };
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(10) {
            if !matches!(self.child.try_wait(), Ok(None)) {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
