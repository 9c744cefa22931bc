//! `ingestlab generate`: seeded mock records into a file, and optionally
//! into a staging table.

use super::values::{choice, count0, non_negative, rate};
use crate::backend::files::same_file;
use crate::backend::{self, BackendOptions, Engine, Overwrite, prepare_db_path};
use crate::data::generate::{GenOptions, Generator, is_generated, write_file};
use crate::experiment::plan::{free_disk, record_bytes};
use anyhow::{Context, Result, bail};
use clap::Args;
use std::path::{Path, PathBuf};

/// Text scales beyond this make single records of megabytes.
use crate::data::generate::MAX_TEXT_SCALE;

#[derive(Args, Debug)]
pub struct GenerateArgs {
    /// Number of records.
    #[arg(long, default_value_t = 1000, value_parser = count0, allow_hyphen_values = true)]
    pub records: u64,
    #[arg(long, default_value_t = 42, value_parser = count0, allow_hyphen_values = true)]
    pub seed: u64,
    /// Output file. An existing file is replaced only if `generate` wrote it
    /// (or with --overwrite).
    #[arg(long)]
    pub out: PathBuf,
    /// Scale the free text (abstract, claims); 1.0 gives ~2 KB records.
    #[arg(long, default_value_t = 1.0, value_parser = non_negative, allow_hyphen_values = true)]
    pub text_scale: f64,
    /// Full-text records: a description, drawings and tables, as real USPTO
    /// records carry (median ~20 KB).
    #[arg(long)]
    pub full_text: bool,
    /// Fraction of records that are malformed (not well-formed, missing a
    /// required field, bad date).
    #[arg(long, default_value_t = 0.0, value_parser = rate, allow_hyphen_values = true)]
    pub malformed_rate: f64,
    /// Fraction of records that repeat an earlier app_id.
    #[arg(long, default_value_t = 0.0, value_parser = rate, allow_hyphen_values = true)]
    pub duplicate_rate: f64,
    /// Also load the raw records into the app_xml staging table of a fresh
    /// database at this path.
    #[arg(long)]
    pub staging_db: Option<PathBuf>,
    /// Engine of the staging database; postgres stages into the app_xml
    /// of ingestlab's schema on the server at --pg-url (tables kept).
    #[arg(long, value_parser = choice::<Engine>(), default_value = "sqlite")]
    pub backend: Engine,
    /// PostgreSQL: the server to stage into (your own: a server ingestlab
    /// starts is discarded when the command ends).
    #[arg(long)]
    pub pg_url: Option<String>,
    /// PostgreSQL: the schema ingestlab creates and stages into (one it
    /// did not create is refused).
    #[arg(long, default_value = crate::backend::DEFAULT_SCHEMA)]
    pub pg_schema: String,
    /// Replace existing files ingestlab did not write.
    #[arg(long)]
    pub overwrite: bool,
    /// Write even when the estimate exceeds the free disk.
    #[arg(long)]
    pub force: bool,
}

impl GenerateArgs {
    fn options(&self) -> GenOptions {
        GenOptions {
            records: self.records,
            seed: self.seed,
            text_scale: self.text_scale,
            malformed_rate: self.malformed_rate,
            duplicate_rate: self.duplicate_rate,
            full_text: self.full_text,
        }
    }

    /// Where the raw records are staged: a database file, or the user's
    /// PostgreSQL server.
    fn stages(&self) -> bool {
        self.staging_db.is_some() || self.backend == Engine::Postgres
    }

    /// The staging engine's options (PostgreSQL's server and schema).
    fn staging_options(&self) -> BackendOptions {
        let mut o = BackendOptions {
            engine: self.backend,
            ..Default::default()
        };
        o.postgres.url = self.pg_url.as_deref().map(crate::backend::PgUrl::from);
        o.postgres.schema = self.pg_schema.clone();
        o
    }

    /// The staging flags that do not go together.
    fn check_staging(&self) -> Result<()> {
        match (self.backend, &self.staging_db, &self.pg_url) {
            (Engine::Postgres, Some(db), _) => crate::refused::refuse!(
                "--staging-db '{}' names a file, but --backend postgres stages into a server: drop --staging-db and give the server with --pg-url",
                db.display()
            ),
            (Engine::Postgres, None, None) => crate::refused::refuse!(
                "--backend postgres stages into a server you run: give it with --pg-url (a server ingestlab starts itself is discarded when the command ends, and the staged rows with it)"
            ),
            (Engine::Sqlite | Engine::Duckdb, _, Some(_)) => crate::refused::refuse!(
                "--pg-url is for --backend postgres; for {} stage into a file with --staging-db",
                self.backend
            ),
            _ => {}
        }
        let problems = crate::backend::validate(&self.staging_options());
        if let Some((key, message)) = problems.first() {
            crate::refused::refuse!("{key}: {message}");
        }
        Ok(())
    }

    /// Everything that can be known wrong before a byte is written.
    fn check(&self) -> Result<()> {
        self.check_staging()?;
        if !(self.text_scale > 0.0 && self.text_scale <= MAX_TEXT_SCALE) {
            bail!(
                "--text-scale must be above 0 and at most {MAX_TEXT_SCALE} (records of about 1 MB), got {}",
                self.text_scale
            );
        }
        if self.out.exists() && !self.overwrite && !is_generated(&self.out) {
            bail!(
                "--out '{}' already exists and was not written by `ingestlab generate`; pass --overwrite to replace it, or choose another path",
                self.out.display()
            );
        }
        if let Some(db) = &self.staging_db
            && (db == &self.out || same_file(db, &self.out))
        {
            bail!(
                "--staging-db '{}' is the --out file: the database would replace the XML just written; choose another path",
                db.display()
            );
        }
        let need = self.records as f64
            * record_bytes(&GenOptions {
                malformed_rate: 0.0,
                duplicate_rate: 0.0,
                ..self.options()
            })
            * if self.stages() { 2.0 } else { 1.0 };
        let dir = self
            .out
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        if let Some(free) = free_disk(dir)
            && need > free as f64
            && !self.force
        {
            bail!(
                "{} records would take about {:.1} GB, and '{}' has {:.1} GB free; pass --force to try anyway",
                self.records,
                need / 1e9,
                dir.display(),
                free as f64 / 1e9
            );
        }
        Ok(())
    }
}

pub fn generate(a: &GenerateArgs) -> Result<()> {
    a.check()?;
    let overwrite = if a.overwrite {
        Overwrite::Allow
    } else {
        Overwrite::Refuse
    };
    if let Some(db) = &a.staging_db {
        // Checked before the XML is written, so a refusal writes nothing.
        prepare_db_path(db, "--staging-db", overwrite, &[])?;
    }
    let stats = write_file(&a.options(), &a.out)?;
    if a.stages() {
        let path = a.staging_db.clone().unwrap_or_default();
        stage(a, &path)?;
        let place = match (&a.staging_db, &a.pg_url) {
            (Some(db), _) => format!("'{}'", db.display()),
            (None, url) => format!(
                "schema {} on the server at {}",
                a.pg_schema,
                crate::backend::PgUrl::from(url.as_deref().unwrap_or_default())
            ),
        };
        println!(
            "loaded {} raw records into app_xml of {place}",
            stats.records
        );
    }
    println!(
        "wrote {} records ({} malformed, {} duplicate app_ids, {:.1} MB) to '{}'",
        stats.records,
        stats.malformed,
        stats.duplicates,
        stats.bytes as f64 / 1e6,
        a.out.display()
    );
    Ok(())
}

/// Loads the raw records into `app_xml` of a fresh database at `db_path`
/// (a file), or of fresh tables in ingestlab's schema on the user's server.
fn stage(a: &GenerateArgs, db_path: &Path) -> Result<()> {
    let db = backend::create(db_path, &a.staging_options())?;
    let mut conn = db.connect()?;
    let mut g = Generator::new(a.options());
    let mut batch = Vec::with_capacity(1000);
    loop {
        let next = g.next_record();
        if let Some(r) = &next {
            batch.push((r.app_id.clone(), r.xml.clone()));
        }
        if batch.len() == 1000 || (next.is_none() && !batch.is_empty()) {
            conn.insert_staging(&batch).context("loading app_xml")?;
            batch.clear();
        }
        if next.is_none() {
            return Ok(());
        }
    }
}
