//! `ehrdb baseline`: record migrations as applied without running them,
//! for one database that already has their schema.

use anyhow::Result;
use sqlx::PgConnection;

use super::{Wants, connect, locked_unless, refused, report, sum_ok, version};
use crate::cli;
use crate::commands::output::{Lines, errln, outln};
use crate::commands::{Outcome, Session};
use crate::db::{apply, history, prisma};
use crate::migrations::Migration;
use crate::text::count;

pub(in crate::commands) fn baseline_cmd(ctx: &Session, args: cli::BaselineArgs) -> Result<Outcome> {
    let setup = ctx.database_setup(&args.database, Wants::Session)?;
    let target = setup.single("baseline")?;
    if !sum_ok(&setup) {
        return Ok(Outcome::Found);
    }
    let lines = Lines::plain();
    let to = args.to.as_deref().map(version).transpose()?;
    let schema = &target.schema;
    crate::db::runtime()?.block_on(async {
        let mut conn = connect(target, "baseline", "baseline", args.dry_run).await?;
        let work = async |conn: &mut PgConnection| -> Result<Outcome> {
            let history = history::read(conn, schema).await?;
            if !history.is_empty() {
                return refused(
                    &lines,
                    anyhow::anyhow!(
                        "{} already has an ehrdb history ({}); baseline is for a database that has the schema but \
                         no history: use `ehrdb apply` here",
                        target.shown,
                        count(history.len(), "migration")
                    ),
                );
            }
            let prisma = prisma::history(conn, schema).await?;
            if let Some(prisma) = &prisma {
                report::prisma_history(&lines, prisma, &setup.migrations);
            }
            let last = match (&to, args.from_prisma, &prisma) {
                (Some(to), _, _) => to.clone(),
                (None, true, Some(prisma)) => match prisma.starting_point(&setup.migrations) {
                    Some(migration) => migration.version.clone(),
                    None => {
                        return refused(
                            &lines,
                            anyhow::anyhow!(
                                "no migration in the folder is as old as the newest one _prisma_migrations finished"
                            ),
                        );
                    }
                },
                (None, true, None) => {
                    return refused(
                        &lines,
                        anyhow::anyhow!("--from-prisma: there is no _prisma_migrations table in schema {schema}"),
                    );
                }
                (None, false, Some(_)) => {
                    errln!(lines, "nothing was recorded: choose the starting point with --from-prisma or --to VERSION");
                    return Ok(Outcome::Found);
                }
                (None, false, None) => match setup.migrations.last() {
                    Some(migration) => migration.version.clone(),
                    None => {
                        return refused(&lines, anyhow::anyhow!("the migrations folder has no migrations to record"));
                    }
                },
            };
            if !setup.migrations.iter().any(|m| m.version == last) {
                return refused(
                    &lines,
                    anyhow::anyhow!("--to {last}: no migration with that version in the migrations folder"),
                );
            }
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
