//! PostgreSQL's settings: where the server is (ingestlab's own throwaway
//! server, or the user's at a URL, inside a schema of ingestlab's own), the
//! server's settings (fixed for its life) and the load's. Compiled into
//! every build, so a scenario reads the same in a build without the engine.

use crate::choice::choice;

choice! {
    /// The format of PostgreSQL's `COPY ... FROM STDIN`.
    #[derive(Default)]
    pub enum CopyFormat: "copy format" {
        /// CSV, what a Python pipeline typically sends (csv module, pandas).
        #[default]
        Csv = "csv",
        /// PostgreSQL's tab-separated text format.
        Text = "text",
        /// PostgreSQL's binary format: typed values the server stores
        /// without parsing text, so it measures less of the server's work
        /// than csv or text (and more of the client's: dates are converted
        /// by ingestlab).
        Binary = "binary",
    }
}

choice! {
    /// PostgreSQL's `wal_level`: how much the write-ahead log records.
    #[derive(Default)]
    pub enum WalLevel: "WAL level" {
        /// Enough for crash recovery only; with it PostgreSQL may skip WAL
        /// for data loaded into a table created in the same transaction
        /// (ingestlab creates tables before the run, so COPYs are logged).
        /// Needs `max_wal_senders = 0`, which ingestlab then sets.
        Minimal = "minimal",
        /// PostgreSQL's default: enough for a streaming replica.
        #[default]
        Replica = "replica",
        /// Also what logical decoding needs (more WAL per row).
        Logical = "logical",
    }
}

/// A connection string (`postgresql://user:pw@host/db` or
/// `host=… password=…`) that never shows its password: printing,
/// debugging and serialising it (results.json) write `***` in the
/// password's place. Two URLs that differ only in the password are the same
/// setting, so a resumed sweep matches its journal.
#[derive(Clone, serde::Deserialize)]
#[serde(transparent)]
pub struct PgUrl(String);

impl PgUrl {
    /// The URL as the user gave it, for connecting only.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// The URL with its password replaced by `***`.
    pub fn redacted(&self) -> String {
        redact(&self.0)
    }
}

impl From<&str> for PgUrl {
    fn from(s: &str) -> Self {
        PgUrl(s.to_string())
    }
}

impl std::fmt::Display for PgUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.redacted())
    }
}

impl std::fmt::Debug for PgUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PgUrl({:?})", self.redacted())
    }
}

impl PartialEq for PgUrl {
    fn eq(&self, other: &Self) -> bool {
        self.redacted() == other.redacted()
    }
}

impl serde::Serialize for PgUrl {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.redacted())
    }
}

/// `s` with every password replaced by `***`: the userinfo's password of a
/// URI (`scheme://user:pw@…`), and `password=…` of a key/value string or a
/// URI's query (`?password=…`), quoted or not.
fn redact(s: &str) -> String {
    let mut out = s.to_string();
    if let Some(start) = out.find("://").map(|i| i + 3) {
        let end = out[start..]
            .find(['/', '?'])
            .map_or(out.len(), |i| start + i);
        if let Some(at) = out[start..end].rfind('@').map(|i| start + i)
            && let Some(colon) = out[start..at].find(':').map(|i| start + i)
        {
            out.replace_range(colon + 1..at, "***");
        }
    }
    let mut from = 0;
    while let Some(i) = out[from..].find("password=").map(|i| from + i) {
        let v = i + "password=".len();
        let end = if out[v..].starts_with('\'') {
            // A quoted value ends at the next unescaped quote.
            let mut j = v + 1;
            let b = out.as_bytes();
            while j < b.len() && b[j] != b'\'' {
                j += if b[j] == b'\\' { 2 } else { 1 };
            }
            (j + 1).min(out.len())
        } else {
            out[v..]
                .find([' ', '&', '\t', '\n'])
                .map_or(out.len(), |j| v + j)
        };
        out.replace_range(v..end, "***");
        from = v + 3;
    }
    out
}

/// The schema ingestlab works in on a server (its own or the user's).
pub const DEFAULT_SCHEMA: &str = "ingestlab";

/// PostgreSQL's settings: the server's (fixed for the server's life, so a
/// change restarts it) and the load's. Durable by default, as the thesis's
/// server was: fsync, synchronous_commit and full_page_writes on.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PostgresSettings {
    /// The folder of initdb and postgres (default: found on PATH, by
    /// pg_config, or the newest /usr/lib/postgresql/*/bin).
    pub bin: Option<std::path::PathBuf>,
    /// A server the user runs (`postgresql://…` or `host=… dbname=…`)
    /// instead of one ingestlab starts; its password is never written out.
    /// The server's own settings then apply (the ones below that configure
    /// a server must stay at their defaults) and are recorded as found.
    pub url: Option<PgUrl>,
    /// The schema ingestlab creates, marks as its own and works in; a
    /// schema it did not create is refused, and only its own tables
    /// (app_base, app_xml, app_errors, ingestlab_meta) are ever dropped.
    pub schema: String,
    /// shared_buffers, MB (PostgreSQL's default 128).
    pub shared_buffers_mb: u32,
    /// max_wal_size, MB (default 1024): how much WAL before a checkpoint.
    pub max_wal_size_mb: u32,
    /// synchronous_commit: off lets a commit return before its WAL is on
    /// disk (faster, loses the last commits in a crash).
    pub synchronous_commit: bool,
    /// fsync: off is unsafe outside a lab (a crash can corrupt the cluster).
    pub fsync: bool,
    /// wal_level (default replica, PostgreSQL's).
    pub wal_level: WalLevel,
    /// Unlogged tables: no WAL for the data at all (not crash-safe).
    pub unlogged: bool,
    /// The COPY format of `--method bulk`.
    pub copy_format: CopyFormat,
}

impl Default for PostgresSettings {
    fn default() -> Self {
        PostgresSettings {
            bin: None,
            url: None,
            schema: DEFAULT_SCHEMA.into(),
            shared_buffers_mb: 128,
            max_wal_size_mb: 1024,
            synchronous_commit: true,
            fsync: true,
            wal_level: WalLevel::Replica,
            unlogged: false,
            copy_format: CopyFormat::Csv,
        }
    }
}

impl PostgresSettings {
    /// The server's `-c` options (full_page_writes stays on, as fsync).
    pub fn server_options(&self) -> Vec<(&'static str, String)> {
        let on = |b: bool| if b { "on" } else { "off" }.to_string();
        let mut o = vec![
            ("listen_addresses", String::new()),
            ("shared_buffers", format!("{}MB", self.shared_buffers_mb)),
            ("max_wal_size", format!("{}MB", self.max_wal_size_mb)),
            ("synchronous_commit", on(self.synchronous_commit)),
            ("fsync", on(self.fsync)),
            ("full_page_writes", on(self.fsync)),
            ("wal_level", self.wal_level.to_string()),
            ("max_connections", "200".into()),
        ];
        if self.wal_level == WalLevel::Minimal {
            o.push(("max_wal_senders", "0".into()));
        }
        o
    }

    /// What these settings name, for the report: the server's settings,
    /// or the user's server (whose settings are recorded in the engine's
    /// version when connecting).
    pub fn describe(&self) -> String {
        let load = format!(
            "schema {}, {} tables, COPY {}",
            self.schema,
            if self.unlogged { "unlogged" } else { "logged" },
            self.copy_format
        );
        match &self.url {
            Some(u) => format!("the server at {u}, {load}"),
            None => format!(
                "shared_buffers={} MB, max_wal_size={} MB, synchronous_commit={}, fsync={}, wal_level={}, {load}",
                self.shared_buffers_mb,
                self.max_wal_size_mb,
                if self.synchronous_commit { "on" } else { "off" },
                if self.fsync { "on" } else { "off" },
                self.wal_level,
            ),
        }
    }

    /// The settings a run cannot use, each with its scenario key.
    pub fn problems(&self) -> Vec<(&'static str, String)> {
        let mut p = Vec::new();
        if !(16..=65_536).contains(&self.shared_buffers_mb) {
            p.push((
                "postgres.shared_buffers_mb",
                format!(
                    "must be from 16 to 65536 (MB), got {}",
                    self.shared_buffers_mb
                ),
            ));
        }
        if !(32..=1_048_576).contains(&self.max_wal_size_mb) {
            p.push((
                "postgres.max_wal_size_mb",
                format!(
                    "must be from 32 to 1048576 (MB), got {}",
                    self.max_wal_size_mb
                ),
            ));
        }
        let ident = |s: &str| {
            !s.is_empty()
                && s.len() <= 63
                && s.starts_with(|c: char| c.is_ascii_lowercase() || c == '_')
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        };
        if !ident(&self.schema) || self.schema.starts_with("pg_") || self.schema == "public" {
            p.push((
                "postgres.schema",
                format!(
                    "'{}' is not a schema ingestlab may own: lower-case letters, digits and _, starting with a letter or _, at most 63 characters, not public and not pg_*",
                    self.schema
                ),
            ));
        }
        if self.url.is_some() {
            let d = PostgresSettings::default();
            let server = [
                ("postgres.bin", self.bin != d.bin),
                (
                    "postgres.shared_buffers_mb",
                    self.shared_buffers_mb != d.shared_buffers_mb,
                ),
                (
                    "postgres.max_wal_size_mb",
                    self.max_wal_size_mb != d.max_wal_size_mb,
                ),
                (
                    "postgres.synchronous_commit",
                    self.synchronous_commit != d.synchronous_commit,
                ),
                ("postgres.fsync", self.fsync != d.fsync),
                ("postgres.wal_level", self.wal_level != d.wal_level),
            ];
            for (key, changed) in server {
                if changed {
                    p.push((
                        key,
                        "configures the server ingestlab starts; with postgres.url (--pg-url) the server is the user's and keeps its own settings (recorded with each run)".into(),
                    ));
                }
            }
        }
        p
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_show() {
        for (url, want) in [
            (
                "postgresql://ann:s3cret@db.example/thesis",
                "postgresql://ann:***@db.example/thesis",
            ),
            (
                "postgres://ann:p%40ss:w@[::1]:5432/x?sslmode=disable",
                "postgres://ann:***@[::1]:5432/x?sslmode=disable",
            ),
            ("postgresql://ann@host/db", "postgresql://ann@host/db"),
            (
                "postgresql:///db?host=/tmp&password=s3cret&user=ann",
                "postgresql:///db?host=/tmp&password=***&user=ann",
            ),
            (
                "host=/tmp user=ann password=s3cret dbname=x",
                "host=/tmp user=ann password=*** dbname=x",
            ),
            (
                "host=/tmp password='s3 c\\'ret' dbname=x",
                "host=/tmp password=*** dbname=x",
            ),
        ] {
            let u = PgUrl::from(url);
            assert_eq!(u.redacted(), want, "{url}");
            for shown in [
                u.to_string(),
                format!("{u:?}"),
                serde_json::to_string(&u).unwrap(),
            ] {
                assert!(!shown.contains("s3"), "{shown}");
                assert!(!shown.contains("p%40ss"), "{shown}");
            }
            assert_eq!(u.expose(), url);
        }
        // Only the password may differ between two "same" settings.
        assert_eq!(
            PgUrl::from("postgresql://a:x@h/db"),
            PgUrl::from("postgresql://a:y@h/db")
        );
        assert_ne!(
            PgUrl::from("postgresql://a:x@h/db"),
            PgUrl::from("postgresql://a:x@h/other")
        );
    }

    #[test]
    fn a_users_server_keeps_its_settings_and_schemas_are_checked() {
        let mut s = PostgresSettings {
            url: Some("host=/tmp".into()),
            fsync: false,
            schema: "public".into(),
            ..Default::default()
        };
        let keys: Vec<&str> = s.problems().iter().map(|p| p.0).collect();
        assert_eq!(keys, ["postgres.schema", "postgres.fsync"]);
        s.fsync = true;
        for bad in ["", "Theirs", "pg_x", "a-b", "1a", &"a".repeat(64)] {
            s.schema = bad.into();
            assert_eq!(s.problems().len(), 1, "{bad}");
        }
        s.schema = "my_lab2".into();
        assert!(s.problems().is_empty());
    }

    #[test]
    fn minimal_wal_turns_off_wal_senders() {
        let s = PostgresSettings {
            wal_level: WalLevel::Minimal,
            ..Default::default()
        };
        let o = s.server_options();
        assert!(o.contains(&("wal_level", "minimal".into())));
        assert!(o.contains(&("max_wal_senders", "0".into())));
        assert!(
            !PostgresSettings::default()
                .server_options()
                .iter()
                .any(|x| x.0 == "max_wal_senders")
        );
    }
}
