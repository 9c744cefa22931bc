//! Where the results were measured: versions, CPU, cores, memory, OS and
//! date, read from the machine (Linux /proc) at the end of a run.

/// The machine and the build behind a report.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct Environment {
    /// This ingestlab's version.
    pub ingestlab_version: String,
    /// Engine name and version as each engine reports itself.
    pub engines: Vec<String>,
    /// How each bundled engine was compiled, read from its static library
    /// at build time (see `src/engine_build.rs`).
    #[serde(default)]
    pub engine_builds: Vec<String>,
    /// The CPU, as `/proc/cpuinfo` names it.
    pub cpu_model: String,
    /// Cores available to the process.
    pub cores: usize,
    /// Total memory.
    pub memory_bytes: u64,
    /// The operating system and kernel.
    pub os: String,
    /// RFC 3339, UTC.
    pub date: String,
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_default()
}

fn field<'a>(text: &'a str, key: &str, sep: char) -> Option<&'a str> {
    text.lines()
        .find(|l| l.starts_with(key))
        .and_then(|l| l.split_once(sep))
        .map(|(_, v)| v.trim())
}

/// How this binary's engines were built, as build.rs found them.
pub fn engine_builds() -> Vec<String> {
    vec![
        format!("duckdb: {}", env!("INGESTLAB_DUCKDB_BUILD")),
        format!("sqlite: {}", env!("INGESTLAB_SQLITE_BUILD")),
    ]
}

impl Environment {
    /// Reads this machine's description; `engines` come from the runs.
    pub fn capture(engines: Vec<String>) -> Self {
        let cpuinfo = read("/proc/cpuinfo");
        let meminfo = read("/proc/meminfo");
        let os_release = read("/etc/os-release");
        let os_name = field(&os_release, "PRETTY_NAME", '=')
            .unwrap_or(std::env::consts::OS)
            .trim_matches('"')
            .to_string();
        let kernel = read("/proc/sys/kernel/osrelease").trim().to_string();
        Environment {
            ingestlab_version: env!("CARGO_PKG_VERSION").into(),
            engines,
            engine_builds: engine_builds(),
            cpu_model: field(&cpuinfo, "model name", ':')
                .unwrap_or("unknown")
                .to_string(),
            cores: std::thread::available_parallelism().map_or(1, |n| n.get()),
            memory_bytes: field(&meminfo, "MemTotal", ':')
                .and_then(|v| v.trim_end_matches("kB").trim().parse::<u64>().ok())
                .map_or(0, |kb| kb * 1024),
            os: if kernel.is_empty() {
                os_name
            } else {
                format!("{os_name} (Linux {kernel})")
            },
            date: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
        }
    }

    /// A fixed environment for snapshot tests.
    #[cfg(test)]
    pub fn fixed() -> Self {
        Environment {
            ingestlab_version: "0.0.0-test".into(),
            engines: vec!["sqlite 3.0.0".into()],
            engine_builds: vec!["duckdb: test".into()],
            cpu_model: "Test CPU".into(),
            cores: 2,
            memory_bytes: 8 << 30,
            os: "TestOS".into(),
            date: "2026-01-01T00:00:00Z".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn captures_this_machine() {
        let e = super::Environment::capture(vec![]);
        assert!(e.cores >= 1);
        assert!(e.date.ends_with('Z') && e.date.len() == 20, "{}", e.date);
        assert!(e.memory_bytes > 0);
        // The engines this binary runs are release builds.
        assert!(
            e.engine_builds
                .iter()
                .all(|b| b.contains("NDEBUG") && b.contains("no debug info")),
            "{:?}",
            e.engine_builds
        );
    }
}
