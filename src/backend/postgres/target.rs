//! Where a run's tables go: ingestlab's own throwaway server (started on
//! first use and kept for the process, restarted when a run asks for other
//! server settings), or the user's server at `--pg-url`; in either, a
//! schema that ingestlab created and marked as its own. A schema it did
//! not create is refused, so nothing of the user's is ever dropped.

use super::super::PostgresSettings;
use super::server::Server;
use anyhow::{Context, Result};
use parking_lot::Mutex;

/// The database of ingestlab's own server.
const DB: &str = "postgres";

/// The comment that marks a schema as ingestlab's: it created the schema
/// and may drop its tables in it.
pub const SCHEMA_MARK: &str = "created by ingestlab, which may drop its tables app_base, app_xml, app_errors and ingestlab_meta in it";

/// The process's server: started on first use, stopped by [`shutdown`].
static SERVER: Mutex<Option<Server>> = Mutex::new(None);

/// Stops the process's server, if one runs.
pub fn shutdown() {
    *SERVER.lock() = None;
}

/// A server to run on, inside ingestlab's schema.
pub struct Target {
    /// Connections made from it work in the schema (`search_path`) and are
    /// named `ingestlab` (the wait sampler finds them by that name).
    pub config: postgres::Config,
    /// "postgres 15.18 (run as user postgres)", or the user's server with
    /// its settings as found.
    pub version: String,
    /// The server's main process when ingestlab started it.
    pub postmaster: Option<u32>,
}

impl Target {
    /// The server `s` names, started or restarted as needed, with its
    /// schema claimed; `client` is a connection to it.
    pub fn open(s: &PostgresSettings) -> Result<(Target, postgres::Client)> {
        let (mut config, mut version, postmaster) = match &s.url {
            Some(url) => {
                let config: postgres::Config = url
                    .expose()
                    .parse()
                    .with_context(|| format!("reading --pg-url '{url}'"))?;
                (config, String::new(), None)
            }
            None => own_server(s)?,
        };
        config.application_name("ingestlab");
        let where_ = s.url.as_ref().map(|u| format!(" at {u}"));
        let mut client = config.connect(postgres::NoTls).with_context(|| {
            format!(
                "connecting to the PostgreSQL server{}",
                where_.clone().unwrap_or_default()
            )
        })?;
        if s.url.is_some() {
            version = users_settings(&mut client)?;
        }
        claim_schema(&mut client, &s.schema)?;
        config.options(&format!("-c search_path={}", s.schema));
        client.batch_execute(&format!("SET search_path = {}", s.schema))?;
        Ok((
            Target {
                config,
                version,
                postmaster,
            },
            client,
        ))
    }
}

/// ingestlab's own server with `s`' settings: its connection settings,
/// version and main process.
fn own_server(s: &PostgresSettings) -> Result<(postgres::Config, String, Option<u32>)> {
    let mut slot = SERVER.lock();
    let fit = slot
        .as_mut()
        .is_some_and(|v| v.settings.server_options() == s.server_options() && v.running());
    if !fit {
        *slot = None; // stops the old one first
        *slot = Some(Server::start(s)?);
    }
    let v = slot.as_ref().expect("started");
    Ok((v.config(DB), v.version.clone(), Some(v.pid())))
}

/// The version line of the user's server, with the settings that decide
/// what a load measures, as the server reports them.
fn users_settings(c: &mut postgres::Client) -> Result<String> {
    let names = [
        "server_version",
        "shared_buffers",
        "max_wal_size",
        "synchronous_commit",
        "fsync",
        "full_page_writes",
        "wal_level",
    ];
    let mut v = Vec::new();
    for n in names {
        let row = c.query_one("SELECT current_setting($1)", &[&n])?;
        v.push(row.try_get::<_, String>(0)?);
    }
    let settings: Vec<String> = names[1..]
        .iter()
        .zip(&v[1..])
        .map(|(n, x)| format!("{n}={x}"))
        .collect();
    Ok(format!(
        "postgres {} (the user's server: {})",
        v[0],
        settings.join(", ")
    ))
}

/// Creates `schema` with ingestlab's mark, or checks that an existing one
/// carries it; refuses a schema ingestlab did not create.
fn claim_schema(c: &mut postgres::Client, schema: &str) -> Result<()> {
    let row = c.query_opt(
        "SELECT coalesce(obj_description(oid, 'pg_namespace'), '') FROM pg_namespace WHERE nspname = $1",
        &[&schema],
    )?;
    match row {
        None => c
            .batch_execute(&format!(
                "CREATE SCHEMA {schema}; COMMENT ON SCHEMA {schema} IS '{SCHEMA_MARK}'"
            ))
            .with_context(|| format!("creating the schema '{schema}'")),
        Some(r) if r.try_get::<_, String>(0)? == SCHEMA_MARK => Ok(()),
        Some(_) => crate::refused::refuse!(
            "the schema '{schema}' exists and ingestlab did not create it (it lacks ingestlab's comment); ingestlab works only in a schema of its own: name a new one with --pg-schema (postgres.schema), which ingestlab creates"
        ),
    }
}
