//! How the bundled engines were compiled, read from their static libraries.
//!
//! Figures must describe release builds of SQLite and DuckDB. libduckdb-sys
//! defines `DEBUG` (every `D_ASSERT` becomes a call to
//! `duckdb::DuckDBAssertInternal`, and debug-only verification paths turn
//! on) whenever Cargo's `debug` setting for that package is not false, and
//! the cc crate adds `-g` at the same time. Both leave marks in the archive
//! that a release build does not have:
//!
//! - every object that calls `DuckDBAssertInternal` names the symbol in its
//!   string table; in a release build only the few `ALWAYS_ASSERT` sites and
//!   the definition do (a handful of objects), in a debug build nearly all
//!   of DuckDB's ~150 unity objects do;
//! - every object compiled with `-g` carries a `.debug_info` section.
//!
//! `build.rs` includes this file to refuse a debug-built engine at build
//! time; the library exposes it so the guard itself is tested and so the
//! verdict is recorded in every result's environment.

/// The mangled name of DuckDB's assertion handler.
pub const DUCKDB_ASSERT_SYMBOL: &[u8] = b"_ZN6duckdb20DuckDBAssertInternalEbPKcS1_i";

/// A release build names the assertion handler in at most this many places
/// (the definition, the archive's symbol index and the `ALWAYS_ASSERT`
/// sites); a debug build names it in well over a hundred objects.
pub const MAX_RELEASE_ASSERT_REFS: usize = 16;

/// What the scan of one engine's static library found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArchiveScan {
    /// Places naming the assertion handler (0 for engines without one).
    pub assert_refs: usize,
    /// Objects carrying DWARF debug info.
    pub debug_info_sections: usize,
    /// Size of the archive.
    pub bytes: u64,
}

impl ArchiveScan {
    /// Scans `bytes` (a static library); `assert_symbol` is the engine's
    /// assertion handler, if it has one that debug builds call.
    pub fn of(bytes: &[u8], assert_symbol: Option<&[u8]>) -> Self {
        ArchiveScan {
            assert_refs: assert_symbol.map_or(0, |s| count(bytes, s)),
            debug_info_sections: count(bytes, b".debug_info"),
            bytes: bytes.len() as u64,
        }
    }

    /// Assertions compiled in (a debug build of DuckDB).
    pub fn has_assertions(&self) -> bool {
        self.assert_refs > MAX_RELEASE_ASSERT_REFS
    }

    /// Why this is not a release build, or None when it is one.
    pub fn problem(&self, engine: &str) -> Option<String> {
        let mut why = Vec::new();
        if self.has_assertions() {
            why.push(format!(
                "assertions are compiled in ({} references to the assertion handler; a release build has at most {MAX_RELEASE_ASSERT_REFS})",
                self.assert_refs
            ));
        }
        if self.debug_info_sections > 0 {
            why.push(format!(
                "{} objects carry debug info",
                self.debug_info_sections
            ));
        }
        (!why.is_empty()).then(|| {
            format!(
                "{engine} was built as a debug build: {}. Keep `debug = false` for its -sys crate in every profile of Cargo.toml.",
                why.join("; ")
            )
        })
    }

    /// One line for the environment record.
    pub fn describe(&self, opt_level: &str) -> String {
        format!(
            "opt-level {opt_level}, {}, {} ({} assertion-handler references, {:.0} MB archive)",
            if self.has_assertions() {
                "DEBUG (assertions on)"
            } else {
                "NDEBUG"
            },
            if self.debug_info_sections > 0 {
                "with debug info"
            } else {
                "no debug info"
            },
            self.assert_refs,
            self.bytes as f64 / 1e6
        )
    }
}

/// Non-overlapping occurrences of `needle` in `hay`. Written out rather
/// than taken from memchr: build.rs includes this file, and a build
/// dependency on memchr changes the host memchr's features, which
/// libduckdb-sys's own build script depends on (through serde_json) — that
/// alone made Cargo rebuild DuckDB, 45 minutes.
fn count(hay: &[u8], needle: &[u8]) -> usize {
    let Some((&first, rest)) = needle.split_first() else {
        return 0;
    };
    let mut n = 0;
    let mut i = 0;
    while i + needle.len() <= hay.len() {
        match hay[i..hay.len() - rest.len()]
            .iter()
            .position(|&b| b == first)
        {
            Some(k) => {
                i += k;
                if &hay[i + 1..i + needle.len()] == rest {
                    n += 1;
                    i += needle.len();
                } else {
                    i += 1;
                }
            }
            None => break,
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stand-in archive: `objects` members, each naming the symbol when
    /// `asserts` says so, and carrying debug info when `debug` says so.
    fn archive(objects: usize, asserts: bool, debug: bool) -> Vec<u8> {
        let mut a = b"!<arch>\n".to_vec();
        for i in 0..objects {
            a.extend_from_slice(format!("obj{i}.o/\x7fELF....").as_bytes());
            if asserts {
                a.extend_from_slice(DUCKDB_ASSERT_SYMBOL);
            }
            if debug {
                a.extend_from_slice(b"\0.debug_info\0.debug_line\0");
            }
            a.extend_from_slice(b"\0.text\0.strtab\0");
        }
        a
    }

    #[test]
    fn counting_finds_non_overlapping_occurrences() {
        assert_eq!(count(b"abcabcab", b"abc"), 2);
        assert_eq!(count(b"aaaa", b"aa"), 2);
        assert_eq!(count(b"ab", b"abc"), 0);
        assert_eq!(count(b"xyz", b""), 0);
    }

    #[test]
    fn a_release_archive_passes() {
        let mut a = archive(150, false, false);
        // The definition and two ALWAYS_ASSERT sites.
        for _ in 0..3 {
            a.extend_from_slice(DUCKDB_ASSERT_SYMBOL);
        }
        let s = ArchiveScan::of(&a, Some(DUCKDB_ASSERT_SYMBOL));
        assert_eq!((s.assert_refs, s.debug_info_sections), (3, 0));
        assert_eq!(s.problem("duckdb"), None);
        assert!(s.describe("3").contains("NDEBUG, no debug info"));
    }

    #[test]
    fn a_debug_archive_is_refused_and_says_why() {
        let s = ArchiveScan::of(&archive(150, true, true), Some(DUCKDB_ASSERT_SYMBOL));
        let why = s.problem("duckdb").unwrap();
        assert!(why.contains("assertions are compiled in (150"), "{why}");
        assert!(why.contains("150 objects carry debug info"), "{why}");
        // Debug info alone (`-g` without DEBUG) is refused too.
        let s = ArchiveScan::of(&archive(150, false, true), Some(DUCKDB_ASSERT_SYMBOL));
        assert!(s.problem("sqlite").is_some());
    }
}
