//! `ehrdb apply`, `status`, `rollback`, `baseline` and `adopt`: the commands
//! that change or read a database's migration history.
//!
//! Each reads the migrations folder, finds the database (or, for apply and
//! status, the several databases of a fleet, run by [`fleet`]), connects
//! once per database, and for the commands that write, holds the migration
//! lock from before it reads the history until it is done, releasing it on
//! every path. Exit codes: 0 done, 1 refused or failed with nothing
//! half-applied (in a fleet: on any database), 2 no connection, no lock in
//! time, or a connection lost mid-run.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use sqlx::PgConnection;

use super::output::{Lines, errln};
use super::{Outcome, Session, find_target, parse_target};
use crate::cli;
use crate::config::{Config, Overrides};
use crate::db::apply::{self, StatementError};
use crate::db::lock;
use crate::db::pooler::{self, Pooler};
use crate::db::url::{Target, find_direct_url, variable_url};
use crate::fragments::Fragments;
use crate::migrations::{self, Migration};

mod adopt_cmd;
mod apply_cmd;
mod apply_one;
mod baseline_cmd;
mod fleet;
mod report;
mod rollback_cmd;
mod status_cmd;

pub(super) use adopt_cmd::adopt_cmd;
pub(super) use apply_cmd::apply_cmd;
pub(super) use baseline_cmd::baseline_cmd;
pub(super) use rollback_cmd::rollback_cmd;
pub(super) use status_cmd::status_cmd;

/// What every database command starts from.
struct Setup {
    migrations_dir: PathBuf,
    migrations: Vec<Migration>,
    /// One database, or a fleet's.
    databases: Vec<Database>,
    config: Config,
    /// Where relative certificate paths resolve from.
    base: PathBuf,
}

/// A database of the run, with the name its lines carry in a fleet.
pub(in crate::commands) struct Database {
    pub(in crate::commands) name: String,
    pub(in crate::commands) target: Target,
    /// The URL as written, which [`Target`] has read (never shown).
    pub(in crate::commands) url: String,
}

impl Setup {
    /// The one database of a command that takes one.
    fn single(&self, command: &str) -> Result<&Target> {
        match self.databases.as_slice() {
            [database] => Ok(&database.target),
            several => bail!(
                "`ehrdb {command}` works on one database at a time, and {} are given: pass one --database-url",
                several.len()
            ),
        }
    }
}

/// Which URL a command wants when the datasource names a direct one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(in crate::commands) enum Wants {
    /// A session of its own (the migration lock): `directUrl` before
    /// DATABASE_URL, as Prisma's migrations use it.
    Session,
    /// Queries only, which a pooler carries: DATABASE_URL.
    Queries,
}

impl Session {
    /// The migrations and the databases: every `--database-url`, else the
    /// `[targets]` of ehrdb.toml, else the one of the datasource's
    /// directUrl (for a session) or DATABASE_URL.
    fn database_setup(&self, args: &cli::DatabaseArgs, wants: Wants) -> Result<Setup> {
        let config = Config::load(&Overrides {
            config: self.config.clone(),
            migrations: args.migrations.clone(),
            ..Overrides::default()
        })?;
        let migrations = migrations::load(&config.migrations_dir)?;
        // Prisma resolves certificate paths from the folder of schema.prisma.
        let base = config.output.parent().map(Path::to_path_buf).unwrap_or_default();
        let databases = databases(&args.database_url, wants, &config, &base)?
            .context("no database URL: pass --database-url, or set DATABASE_URL in the environment or in .env")?;
        Ok(Setup { migrations_dir: config.migrations_dir.clone(), migrations, databases, config, base })
    }
}

/// The databases of a run: every `--database-url` (a fleet when there
/// are several), else the `[targets]` of ehrdb.toml, else one: the
/// datasource's directUrl (for a session), else DATABASE_URL. `None` when
/// no URL is given anywhere.
pub(in crate::commands) fn databases(
    flags: &[String],
    wants: Wants,
    config: &Config,
    base: &Path,
) -> Result<Option<Vec<Database>>> {
    if flags.len() > 1 {
        let mut databases = Vec::new();
        for url in flags {
            let (target, url) = parse_target(url, base)?;
            databases.push(Database { name: target.database().to_owned(), target, url });
        }
        // A database's name tells sites apart, unless two servers hold one of the same name.
        let mut names: Vec<&str> = databases.iter().map(|d| d.name.as_str()).collect();
        names.sort_unstable();
        if names.windows(2).any(|pair| pair[0] == pair[1]) {
            for database in &mut databases {
                database.name = database.target.shown.clone();
            }
        }
        return Ok(Some(databases));
    }
    if flags.is_empty() && !config.targets.is_empty() {
        let mut databases = Vec::new();
        for (name, variable) in &config.targets {
            let url = variable_url(variable, Path::new("."), &format!("target `{name}` of ehrdb.toml"))?;
            let (target, url) = parse_target(&url, base)?;
            databases.push(Database { name: name.clone(), target, url });
        }
        return Ok(Some(databases));
    }
    // A schema folder that cannot be read names no directUrl: a DBA may
    // run migrations with only the migrations folder at hand.
    let direct = match (wants, flags.first(), Fragments::load(&config.schema_dir)) {
        (Wants::Session, None, Ok(fragments)) => find_direct_url(&fragments, Path::new("."))?,
        _ => None,
    };
    let found = match direct {
        Some((url, from)) => {
            let (target, url) = parse_target(&url, base)?;
            Lines::plain().err(&format!("using {from}: {}\n", target.shown));
            Some((target, url))
        }
        None => find_target(flags.first().map(String::as_str), base)?,
    };
    Ok(found.map(|(target, url)| vec![Database { name: target.shown.clone(), target, url }]))
}

/// Prints the ehrdb.sum problem, if any; true when the sum matches.
fn sum_ok(setup: &Setup) -> bool {
    match migrations::verify(&setup.migrations_dir, &setup.migrations) {
        Ok(()) => true,
        Err(error) => {
            errln!(Lines::plain(), "error: {error}\n  help: {}", error.help());
            false
        }
    }
}

/// How to give ehrdb a URL that reaches PostgreSQL itself.
const DIRECT_URL_HELP: &str = "connect ehrdb straight to PostgreSQL (or to a session-mode pooler): give the direct \
                               URL with --database-url, or as the datasource's directUrl, which apply, rollback and \
                               baseline use before DATABASE_URL";

/// Connects for a command that writes the history and holds the migration
/// lock, which lives in a session: refuses a transaction-mode pooler (said
/// by `pgbouncer=true`, or seen) and a standby, before any lock is taken;
/// then makes the session fit for a long run. A dry run only reads, so it
/// may go through either.
async fn connect(target: &Target, command: &str, verb: &str, dry_run: bool) -> Result<PgConnection> {
    let application = format!("ehrdb {command}");
    if !dry_run {
        if target.pgbouncer {
            bail!(
                "refusing to {verb} through a transaction-mode pooler ({} has pgbouncer=true): the migration lock is \
                 held by a session, which such a pooler does not keep; {DIRECT_URL_HELP}",
                target.shown
            );
        }
        if let Pooler::Transaction(seen) = pooler::detect(target, &application).await? {
            bail!(
                "refusing to {verb} through a transaction-mode pooler at {}: {seen}; the migration lock is held by a \
                 session, which such a pooler does not keep; {DIRECT_URL_HELP}",
                target.shown
            );
        }
    }
    let mut conn = target.connect(&application).await?;
    if !dry_run && standby(&mut conn).await? {
        bail!(
            "refusing to {verb} on {}: it is a standby (pg_is_in_recovery() is true), which cannot be written; give \
             the primary's URL",
            target.shown
        );
    }
    apply::prepare_session(&mut conn).await?;
    Ok(conn)
}

async fn standby(conn: &mut PgConnection) -> Result<bool> {
    Ok(sqlx::query_scalar("SELECT pg_is_in_recovery()").persistent(false).fetch_one(conn).await?)
}

/// Takes the lock, runs `work`, and releases the lock whatever `work` did.
async fn locked<T>(
    lines: &Lines,
    conn: &mut PgConnection,
    schema: &str,
    timeout: u64,
    work: impl AsyncFnOnce(&mut PgConnection) -> Result<T>,
) -> Result<T> {
    let mut told = false;
    lock::acquire(conn, schema, Duration::from_secs(timeout), |holder| {
        if !told {
            match holder {
                Some(holder) => errln!(lines, "waiting for the migration lock, held by {holder}"),
                None => errln!(lines, "waiting for the migration lock"),
            }
            told = true;
        }
    })
    .await?;
    let result = work(conn).await;
    // After a lost connection the lock went with the session.
    let released = lock::release(conn, schema).await;
    let value = result?;
    released?;
    Ok(value)
}

/// `work` under the migration lock, or without it for a dry run, which
/// only reads and must not wait behind a real run.
async fn locked_unless<T>(
    dry_run: bool,
    lines: &Lines,
    conn: &mut PgConnection,
    schema: &str,
    timeout: u64,
    work: impl AsyncFnOnce(&mut PgConnection) -> Result<T>,
) -> Result<T> {
    if dry_run { work(conn).await } else { locked(lines, conn, schema, timeout, work).await }
}

/// A refusal: printed, exit 1, nothing changed.
fn refused(lines: &Lines, refusal: anyhow::Error) -> Result<Outcome> {
    errln!(lines, "error: {refusal:#}");
    errln!(lines, "nothing was changed");
    Ok(Outcome::Found)
}

/// A failed migration: exit 1 when the server refused a statement (and
/// rolled it back), exit 2 when the connection went.
fn failed(lines: &Lines, error: anyhow::Error, single_transaction: bool) -> Result<Outcome> {
    let Some(statement) = error.downcast_ref::<StatementError>() else { return Err(error) };
    let undone = match (single_transaction, statement.lost, statement.committed) {
        (true, _, _) => "nothing of this run was applied".to_owned(),
        (false, false, 0) => "nothing of that migration was applied; the migrations before it are".to_owned(),
        (false, true, 0) => {
            "the server rolls back what was not committed: nothing of that migration was applied".to_owned()
        }
        // A no-transaction migration keeps what it committed.
        (false, _, done) => format!(
            "{} of that migration committed (it runs without a transaction) and stay; `ehrdb apply` resumes at \
             statement {}",
            if done == 1 { "statement 1".to_owned() } else { format!("statements 1 to {done}") },
            done + 1
        ),
    };
    if statement.lost {
        return Err(anyhow::anyhow!("{statement}\n{undone}"));
    }
    errln!(lines, "error: {statement}\n{undone}");
    Ok(Outcome::Found)
}

/// How long DDL waits for a table lock, and how often it is tried again:
/// the flags, else ehrdb.toml, else [`apply::LockPolicy::default`].
fn lock_policy(flags: &cli::LockArgs, config: &Config) -> apply::LockPolicy {
    let default = apply::LockPolicy::default();
    apply::LockPolicy {
        timeout: flags.ddl_lock_timeout.or(config.ddl_lock_timeout).map_or(default.timeout, Duration::from_millis),
        retries: flags.ddl_retries.or(config.ddl_retries).unwrap_or(default.retries),
    }
}

/// A `--to` value as a 14-digit version.
fn version(text: &str) -> Result<String> {
    migrations::parse_version(text).with_context(|| {
        format!("--to {text:?} is not a migration version: give its 14 digits (20261124210832) or its folder name")
    })
}
