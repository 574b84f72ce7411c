//! `ehrdb baseline`: record migrations as applied without running them,
//! for one database that already has their schema.
//!
//! What the database is decides, not names or dates: it is introspected
//! and compared with the schema the last recorded migration leaves (its
//! `schema.prisma` snapshot), or with `--from-prisma`, with every
//! migration's ([`plan::baseline`]). Nothing is recorded when it does not
//! have that schema, unless `--force`.

use anyhow::{Context, Result, anyhow};
use sqlx::PgConnection;

use super::{Wants, connect, locked_unless, refused, report, sum_ok, version};
use crate::cli::{self, MigrationStyle};
use crate::commands::output::{Lines, errln, outln};
use crate::commands::{Outcome, Session};
use crate::db::plan::baseline::{self as fitting, Candidate};
use crate::db::{apply, history, introspect, prisma};
use crate::fragments::Fragments;
use crate::migrations::{self, Migration};
use crate::sql::{SqlSchema, render, summary};
use crate::text::count;

/// How many changes the refusal prints as SQL too: a gap small enough to
/// close by hand after review.
const SQL_SHOWN_UP_TO: usize = 10;

pub(in crate::commands) fn baseline_cmd(ctx: &Session, args: cli::BaselineArgs) -> Result<Outcome> {
    let setup = ctx.database_setup(&args.database, Wants::Session)?;
    let target = setup.single("baseline")?;
    if !sum_ok(&setup) {
        return Ok(Outcome::Found);
    }
    let lines = Lines::plain();
    let to = args.to.as_deref().map(version).transpose()?;
    let schema = &target.schema;
    let major = setup.config.prisma_version;
    let style = setup.config.migration_style;
    crate::db::runtime()?.block_on(async {
        let mut conn = connect(target, "baseline", "baseline", args.dry_run).await?;
        let work = async |conn: &mut PgConnection| -> Result<Outcome> {
            let history = history::read(conn, schema).await?;
            if !history.is_empty() {
                return refused(
                    &lines,
                    anyhow!(
                        "{} already has an ehrdb history ({}); baseline is for a database that has the schema but \
                         no history: use `ehrdb apply` here",
                        target.shown,
                        count(history.len(), "migration")
                    ),
                );
            }
            let prisma = prisma::history(conn, schema).await?;
            if let Some(prisma) = &prisma {
                report::prisma_history(&lines, prisma);
            }
            // The migrations the database may be at: one, or with --from-prisma every one.
            let candidates: Vec<&Migration> = match (&to, args.from_prisma, &prisma) {
                (Some(to), _, _) => match setup.migrations.iter().find(|m| &m.version == to) {
                    Some(migration) => vec![migration],
                    None => {
                        return refused(
                            &lines,
                            anyhow!("--to {to}: no migration with that version in the migrations folder"),
                        );
                    }
                },
                (None, true, Some(_)) => setup.migrations.iter().collect(),
                (None, true, None) => {
                    return refused(
                        &lines,
                        anyhow!("--from-prisma: there is no _prisma_migrations table in schema {schema}"),
                    );
                }
                (None, false, Some(_)) => {
                    errln!(lines, "nothing was recorded: choose the starting point with --from-prisma or --to VERSION");
                    return Ok(Outcome::Found);
                }
                (None, false, None) => match setup.migrations.last() {
                    Some(migration) => vec![migration],
                    None => return refused(&lines, anyhow!("the migrations folder has no migrations to record")),
                },
            };
            let last = if args.force {
                errln!(
                    lines,
                    "warning: --force: recording without checking that the database has the schema of {}",
                    candidates.last().expect("at least one candidate").folder()
                );
                candidates.last().expect("at least one candidate").version.clone()
            } else {
                let snapshots = candidates
                    .iter()
                    .map(|m| {
                        let schema = snapshot(m, major)?;
                        Ok(Snapshot { version: m.version.clone(), shown: m.folder(), schema })
                    })
                    .collect::<Result<Vec<_>>>();
                let snapshots = match snapshots {
                    Ok(snapshots) => snapshots,
                    Err(error) => return refused(&lines, error.context("cannot check what the database has")),
                };
                match matching(conn, schema, &snapshots, style, &lines).await? {
                    Some(at) => snapshots[at].version.clone(),
                    None => {
                        errln!(lines, "nothing was recorded");
                        return Ok(Outcome::Found);
                    }
                }
            };
            let chosen: Vec<&Migration> = setup.migrations.iter().filter(|m| m.version <= last).collect();
            for migration in &chosen {
                outln!(lines, "{} {}", if args.dry_run { "would record" } else { "recording" }, migration.folder());
            }
            if args.dry_run {
                return Ok(Outcome::Clean);
            }
            history::ensure(conn, schema).await?;
            apply::baseline(conn, schema, &chosen).await?;
            outln!(lines, "recorded {} as applied, without running them", count(chosen.len(), "migration"));
            Ok(Outcome::Clean)
        };
        locked_unless(args.dry_run, &lines, &mut conn, schema, args.lock_timeout, work).await
    })
}

/// The schema a migration leaves: its `schema.prisma` snapshot, lowered.
pub(in crate::commands) fn snapshot(migration: &Migration, major: Option<u8>) -> Result<SqlSchema> {
    let text = migration.schema.as_ref().with_context(|| {
        format!("{} has no {} to compare the database with", migration.folder(), migrations::SCHEMA_FILE)
    })?;
    let path = migration.dir.join(migrations::SCHEMA_FILE);
    let fragments = Fragments::from_texts(vec![(path.display().to_string(), path, text.clone())]);
    crate::pipeline::check(&fragments, major)
        .lower()
        .with_context(|| format!("{}'s schema.prisma has errors (`ehrdb validate` shows them)", migration.folder()))
}

/// A schema the database may have: the one a migration leaves.
pub(in crate::commands) struct Snapshot {
    pub(in crate::commands) version: String,
    /// The migration's folder, as messages name it.
    pub(in crate::commands) shown: String,
    pub(in crate::commands) schema: SqlSchema,
}

/// Which of the snapshots the database has ([`fitting::choose`]), by
/// index. Says what the database has beyond the chosen one, which stays;
/// when it has none of them, says what the closest needs (and its SQL when
/// short) and returns `None`.
pub(in crate::commands) async fn matching(
    conn: &mut PgConnection,
    schema: &str,
    snapshots: &[Snapshot],
    style: MigrationStyle,
    lines: &Lines,
) -> Result<Option<usize>> {
    let mut namespaces: Vec<&str> =
        snapshots.iter().flat_map(|s| s.schema.namespaces.iter().map(String::as_str)).collect();
    namespaces.sort_unstable();
    namespaces.dedup();
    let catalog = introspect::introspect_namespaces(conn, schema, &namespaces).await?;
    let candidates: Vec<Candidate> = snapshots
        .iter()
        .map(|s| Candidate { version: s.version.as_str(), fit: fitting::fit(&catalog, &s.schema) })
        .collect();
    let index = |version: &str| snapshots.iter().position(|s| s.version == version).expect("a candidate's snapshot");
    if let Some(chosen) = fitting::choose(&candidates) {
        let at = index(chosen.version);
        let extra = &chosen.fit.extra;
        if extra.is_empty() {
            outln!(lines, "the database has the schema of {}", snapshots[at].shown);
        } else {
            outln!(
                lines,
                "the database has the schema of {}, and {} it does not describe, which stay as they are (drift \
                 lists them):",
                snapshots[at].shown,
                count(extra.len(), "object")
            );
            for line in summary::summary(extra).lines() {
                outln!(lines, "  {line}");
            }
        }
        return Ok(Some(at));
    }
    let Some(closest) = fitting::closest(&candidates) else { return Ok(None) };
    let needed = &closest.fit.needed;
    let which = if candidates.len() == 1 { "the schema of" } else { "any migration's schema; the closest is" };
    errln!(
        lines,
        "error: the database does not have {which} {}: it needs {} to match",
        snapshots[index(closest.version)].shown,
        count(needed.len(), "change")
    );
    for line in summary::summary(needed).lines() {
        errln!(lines, "  {line}");
    }
    if needed.len() <= SQL_SHOWN_UP_TO {
        let sql = match style {
            MigrationStyle::Safe => render::safe_script(needed),
            MigrationStyle::Prisma => render::script(needed),
        };
        errln!(lines, "as SQL:\n{}", sql.trim_end());
    }
    Ok(None)
}
