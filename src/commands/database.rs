//! `ehrdb apply`, `status`, `rollback` and `baseline`: the commands that
//! change or read a database's migration history.
//!
//! Each reads the migrations folder, finds the URL, connects once, and for
//! the commands that write, holds the migration lock from before it reads
//! the history until it is done, releasing it on every path. Exit codes:
//! 0 done, 1 refused or failed with nothing half-applied, 2 no connection,
//! no lock in time, or a connection lost mid-run.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, bail};
use sqlx::PgConnection;

use super::output::{stderrln, stdoutln};
use super::{Outcome, Session, find_target, parse_target, replica_targets};
use crate::cli::{self, OutputFormat};
use crate::config::{Config, Overrides};
use crate::db::apply::{self, StatementError};
use crate::db::plan::{self, RollbackTarget, State};
use crate::db::pooler::{self, Pooler};
use crate::db::url::{Target, find_direct_url};
use crate::db::{history, lock, prisma};
use crate::fragments::Fragments;
use crate::migrations::{self, Migration};
use crate::text::count;

mod report;

/// What every database command starts from.
struct Setup {
    migrations_dir: std::path::PathBuf,
    migrations: Vec<Migration>,
    target: Target,
    config: Config,
    /// Where relative certificate paths resolve from.
    base: std::path::PathBuf,
}

/// Which URL a command wants when the datasource names a direct one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Wants {
    /// A session of its own (the migration lock): `directUrl` before
    /// DATABASE_URL, as Prisma's migrations use it.
    Session,
    /// Queries only, which a pooler carries: DATABASE_URL.
    Queries,
}

impl Session {
    fn database_setup(&self, args: &cli::DatabaseArgs, wants: Wants) -> Result<Setup> {
        let config = Config::load(&Overrides {
            config: self.config.clone(),
            migrations: args.migrations.clone(),
            ..Overrides::default()
        })?;
        let migrations = migrations::load(&config.migrations_dir)?;
        // Prisma resolves certificate paths from the folder of schema.prisma.
        let base = config.output.parent().map(Path::to_path_buf).unwrap_or_default();
        // A schema folder that cannot be read names no directUrl: a DBA may
        // run migrations with only the migrations folder at hand.
        let direct = match (wants, &args.database_url, Fragments::load(&config.schema_dir)) {
            (Wants::Session, None, Ok(fragments)) => find_direct_url(&fragments, Path::new("."))?,
            _ => None,
        };
        let target = match direct {
            Some((url, from)) => {
                let (target, _) = parse_target(&url, &base)?;
                stderrln!("using {from}: {}", target.shown);
                target
            }
            None => {
                find_target(args.database_url.as_deref(), &base)?
                    .context("no database URL: pass --database-url, or set DATABASE_URL in the environment or in .env")?
                    .0
            }
        };
        Ok(Setup { migrations_dir: config.migrations_dir.clone(), migrations, target, config, base })
    }
}

/// Prints the ehrdb.sum problem, if any; true when the sum matches.
fn sum_ok(setup: &Setup) -> bool {
    match migrations::verify(&setup.migrations_dir, &setup.migrations) {
        Ok(()) => true,
        Err(error) => {
            stderrln!("error: {error}\n  help: {}", error.help());
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
    conn: &mut PgConnection,
    schema: &str,
    timeout: u64,
    work: impl AsyncFnOnce(&mut PgConnection) -> Result<T>,
) -> Result<T> {
    let mut told = false;
    lock::acquire(conn, schema, Duration::from_secs(timeout), |holder| {
        if !told {
            match holder {
                Some(holder) => stderrln!("waiting for the migration lock, held by {holder}"),
                None => stderrln!("waiting for the migration lock"),
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
    conn: &mut PgConnection,
    schema: &str,
    timeout: u64,
    work: impl AsyncFnOnce(&mut PgConnection) -> Result<T>,
) -> Result<T> {
    if dry_run { work(conn).await } else { locked(conn, schema, timeout, work).await }
}

pub(super) fn apply_cmd(ctx: &Session, args: cli::ApplyArgs) -> Result<Outcome> {
    let setup = ctx.database_setup(&args.database, Wants::Session)?;
    if !sum_ok(&setup) {
        return Ok(Outcome::Found);
    }
    let to = args.to.as_deref().map(version).transpose()?;
    let schema = setup.target.schema.clone();
    let replicas = match args.wait_for_replicas {
        Some(_) => replica_targets(&args.replicas, &setup.config, &setup.base)?,
        None => Vec::new(),
    };
    if args.wait_for_replicas.is_some() && replicas.is_empty() {
        bail!("--wait-for-replicas: no replica named; give --replica URL, or `replicas` in ehrdb.toml");
    }
    crate::db::runtime()?.block_on(async {
        let mut conn = connect(&setup.target, "apply", "apply migrations", args.dry_run).await?;
        let work = async |conn: &mut PgConnection| -> Result<Outcome> {
            if !args.dry_run {
                history::ensure(conn, &schema).await?;
            }
            let history = history::read(conn, &schema).await?;
            let entries = plan::reconcile(&setup.migrations, &history);
            let plan = match plan::apply_plan(&entries, to.as_deref()) {
                Ok(plan) => plan,
                Err(refusal) => return refused(refusal),
            };
            if args.dry_run {
                report::dry_run_apply(&setup.target, &plan);
                return Ok(Outcome::Clean);
            }
            if plan.is_empty() {
                stdoutln!("nothing to apply: {} is up to date ({} migrations)", setup.target.shown, history.len());
                return Ok(Outcome::Clean);
            }
            if args.single_transaction {
                if let Some(entry) = plan.iter().find(|e| e.migration.is_some_and(|m| m.no_transaction)) {
                    return refused(anyhow::anyhow!(
                        "--single-transaction cannot include {}: it is marked `-- ehrdb:no-transaction`; apply up \
                         to the one before it with --to, then the rest without --single-transaction",
                        entry.folder()
                    ));
                }
            }
            stdoutln!("applying {} to {} (schema {schema})", count(plan.len(), "migration"), setup.target.shown);
            let mut bar = report::Bar::new(plan.len(), "applied");
            let result = apply::apply(conn, &schema, &plan, args.single_transaction, &mut |p| bar.progress(p)).await;
            bar.finish();
            match result {
                Ok(()) => {
                    stdoutln!("applied {}; the database is up to date", count(plan.len(), "migration"));
                    Ok(Outcome::Clean)
                }
                Err(error) => failed(error, args.single_transaction),
            }
        };
        let outcome = locked_unless(args.dry_run, &mut conn, &schema, args.lock_timeout, work).await?;
        match args.wait_for_replicas {
            Some(seconds) if outcome == Outcome::Clean && !args.dry_run => {
                wait_for_replicas(&mut conn, &replicas, Duration::from_secs(seconds)).await
            }
            _ => Ok(outcome),
        }
    })
}

/// Waits until every replica has replayed the primary's WAL up to where it
/// is now, which holds everything just applied; says how long each took.
/// A replica that does not get there in time is exit 1: the migrations are
/// applied, but reads there still see the old schema.
async fn wait_for_replicas(primary: &mut PgConnection, replicas: &[Target], limit: Duration) -> Result<Outcome> {
    let lsn: String =
        sqlx::query_scalar("SELECT pg_current_wal_lsn()::text").persistent(false).fetch_one(primary).await?;
    let began = std::time::Instant::now();
    let mut outcome = Outcome::Clean;
    for replica in replicas {
        let mut conn = replica.connect("ehrdb apply").await?;
        loop {
            let behind: Option<i64> = sqlx::query_scalar(
                "SELECT CASE WHEN pg_is_in_recovery() THEN pg_wal_lsn_diff($1::pg_lsn, pg_last_wal_replay_lsn())::int8 END",
            )
            .bind(&lsn)
            .persistent(false)
            .fetch_one(&mut conn)
            .await?;
            match behind {
                None => bail!("{} is not a standby (pg_is_in_recovery() is false): it replays nothing", replica.shown),
                Some(bytes) if bytes <= 0 => {
                    stdoutln!(
                        "{} has replayed the migrations ({:.1} s after they committed)",
                        replica.shown,
                        began.elapsed().as_secs_f64()
                    );
                    break;
                }
                Some(bytes) if began.elapsed() >= limit => {
                    stderrln!(
                        "error: {} has not replayed the migrations within {} s: it is {bytes} bytes of WAL behind; \
                         reads there still see the schema before them",
                        replica.shown,
                        limit.as_secs()
                    );
                    outcome = Outcome::Found;
                    break;
                }
                Some(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }
    Ok(outcome)
}

/// A refusal: printed, exit 1, nothing changed.
fn refused(refusal: anyhow::Error) -> Result<Outcome> {
    stderrln!("error: {refusal:#}");
    stderrln!("nothing was changed");
    Ok(Outcome::Found)
}

/// A failed migration: exit 1 when the server refused a statement (and
/// rolled it back), exit 2 when the connection went.
fn failed(error: anyhow::Error, single_transaction: bool) -> Result<Outcome> {
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
    stderrln!("error: {statement}\n{undone}");
    Ok(Outcome::Found)
}

pub(super) fn status_cmd(ctx: &Session, args: cli::StatusArgs) -> Result<Outcome> {
    let setup = ctx.database_setup(&args.database, Wants::Queries)?;
    let sum = migrations::verify(&setup.migrations_dir, &setup.migrations);
    let schema = setup.target.schema.clone();
    let (history, holder) = crate::db::runtime()?.block_on(async {
        let mut conn = setup.target.connect("ehrdb status").await?;
        let history = history::read(&mut conn, &schema).await?;
        let holder = lock::holder(&mut conn, &schema).await?;
        anyhow::Ok((history, holder))
    })?;
    let entries = plan::reconcile(&setup.migrations, &history);
    let clean = plan::up_to_date(&entries) && sum.is_ok();
    match args.format {
        OutputFormat::Human => report::status(&setup.target, &entries, sum.as_ref().err(), holder.as_ref()),
        OutputFormat::Json => {
            let json = report::status_json(&setup.target, &entries, sum.as_ref().err(), holder.as_ref());
            stdoutln!("{}", serde_json::to_string_pretty(&json)?);
        }
    }
    Ok(if clean { Outcome::Clean } else { Outcome::Found })
}

pub(super) fn rollback_cmd(ctx: &Session, args: cli::RollbackArgs) -> Result<Outcome> {
    let setup = ctx.database_setup(&args.database, Wants::Session)?;
    // down.sql is migration SQL like up.sql: what ehrdb.sum does not vouch
    // for does not run, unless the user says so and is told loudly.
    if let Err(error) = migrations::verify(&setup.migrations_dir, &setup.migrations) {
        if !args.force {
            stderrln!("error: {error}\n  help: {}", error.help());
            stderrln!("nothing was rolled back: ehrdb.sum no longer vouches for the SQL a rollback would run");
            return Ok(Outcome::Found);
        }
        stderrln!(
            "WARNING: --force: rolling back although {error}; the down.sql that runs may not be the one that was \
             reviewed"
        );
    }
    let to = args.to.as_deref().map(version).transpose()?;
    let target = match (&to, args.all) {
        (Some(to), _) => RollbackTarget::To(to),
        (None, true) => RollbackTarget::All,
        (None, false) => RollbackTarget::Steps(args.steps.map_or(1, |steps| steps as usize)),
    };
    let schema = setup.target.schema.clone();
    crate::db::runtime()?.block_on(async {
        let mut conn = connect(&setup.target, "rollback", "roll back migrations", args.dry_run).await?;
        let work = async |conn: &mut PgConnection| -> Result<Outcome> {
            let history = history::read(conn, &schema).await?;
            let entries = plan::reconcile(&setup.migrations, &history);
            let plan = match plan::rollback_plan(&entries, target, args.force) {
                Ok(plan) => plan,
                Err(refusal) => return refused(refusal),
            };
            if args.dry_run {
                report::dry_run_rollback(&setup.target, &plan);
                return Ok(Outcome::Clean);
            }
            if plan.is_empty() {
                stdoutln!("nothing to roll back: no migration is applied to {}", setup.target.shown);
                return Ok(Outcome::Clean);
            }
            if args.force {
                for entry in plan.iter().filter(|e| e.state == State::Modified) {
                    stderrln!(
                        "warning: rolling back {} although {}",
                        entry.folder(),
                        entry.change().unwrap_or_default()
                    );
                }
            }
            stdoutln!("rolling back {} on {} (schema {schema})", count(plan.len(), "migration"), setup.target.shown);
            let mut bar = report::Bar::new(plan.len(), "rolled back");
            let result = apply::rollback(conn, &schema, &plan, &mut |p| bar.progress(p)).await;
            bar.finish();
            match result {
                Ok(()) => {
                    stdoutln!("rolled back {}", count(plan.len(), "migration"));
                    Ok(Outcome::Clean)
                }
                Err(error) => failed(error, false),
            }
        };
        locked_unless(args.dry_run, &mut conn, &schema, args.lock_timeout, work).await
    })
}

pub(super) fn baseline_cmd(ctx: &Session, args: cli::BaselineArgs) -> Result<Outcome> {
    let setup = ctx.database_setup(&args.database, Wants::Session)?;
    if !sum_ok(&setup) {
        return Ok(Outcome::Found);
    }
    let to = args.to.as_deref().map(version).transpose()?;
    let schema = setup.target.schema.clone();
    crate::db::runtime()?.block_on(async {
        let mut conn = connect(&setup.target, "baseline", "baseline", args.dry_run).await?;
        let work = async |conn: &mut PgConnection| -> Result<Outcome> {
            let history = history::read(conn, &schema).await?;
            if !history.is_empty() {
                return refused(anyhow::anyhow!(
                    "{} already has an ehrdb history ({}); baseline is for a database that has the schema but \
                     no history: use `ehrdb apply` here",
                    setup.target.shown,
                    count(history.len(), "migration")
                ));
            }
            let prisma = prisma::history(conn, &schema).await?;
            if let Some(prisma) = &prisma {
                report::prisma_history(prisma, &setup.migrations);
            }
            let last = match (&to, args.from_prisma, &prisma) {
                (Some(to), _, _) => to.clone(),
                (None, true, Some(prisma)) => match prisma.starting_point(&setup.migrations) {
                    Some(migration) => migration.version.clone(),
                    None => {
                        return refused(anyhow::anyhow!(
                            "no migration in the folder is as old as the newest one _prisma_migrations finished"
                        ));
                    }
                },
                (None, true, None) => {
                    return refused(anyhow::anyhow!(
                        "--from-prisma: there is no _prisma_migrations table in schema {schema}"
                    ));
                }
                (None, false, Some(_)) => {
                    stderrln!("nothing was recorded: choose the starting point with --from-prisma or --to VERSION");
                    return Ok(Outcome::Found);
                }
                (None, false, None) => match setup.migrations.last() {
                    Some(migration) => migration.version.clone(),
                    None => return refused(anyhow::anyhow!("the migrations folder has no migrations to record")),
                },
            };
            if !setup.migrations.iter().any(|m| m.version == last) {
                return refused(anyhow::anyhow!(
                    "--to {last}: no migration with that version in the migrations folder"
                ));
            }
            let chosen: Vec<&Migration> = setup.migrations.iter().filter(|m| m.version <= last).collect();
            for migration in &chosen {
                stdoutln!("{} {}", if args.dry_run { "would record" } else { "recording" }, migration.folder());
            }
            if args.dry_run {
                return Ok(Outcome::Clean);
            }
            history::ensure(conn, &schema).await?;
            apply::baseline(conn, &schema, &chosen).await?;
            stdoutln!("recorded {} as applied, without running them", count(chosen.len(), "migration"));
            Ok(Outcome::Clean)
        };
        locked_unless(args.dry_run, &mut conn, &schema, args.lock_timeout, work).await
    })
}

/// A `--to` value as a 14-digit version.
fn version(text: &str) -> Result<String> {
    migrations::parse_version(text).with_context(|| {
        format!("--to {text:?} is not a migration version: give its 14 digits (20261124210832) or its folder name")
    })
}
