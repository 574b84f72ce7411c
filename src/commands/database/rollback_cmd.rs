//! `ehrdb rollback`: undo applied migrations with their down.sql, newest
//! first, on one database.

use anyhow::Result;
use sqlx::PgConnection;

use super::{Wants, connect, failed, lock_policy, locked_unless, refused, report, version};
use crate::cli;
use crate::commands::output::{Lines, errln, outln};
use crate::commands::{Outcome, Session};
use crate::db::plan::{self, RollbackTarget, State};
use crate::db::{apply, history};
use crate::migrations;
use crate::text::count;

pub(in crate::commands) fn rollback_cmd(ctx: &Session, args: cli::RollbackArgs) -> Result<Outcome> {
    let setup = ctx.database_setup(&args.database, Wants::Session)?;
    let target = setup.single("rollback")?;
    let lines = Lines::plain();
    // down.sql is migration SQL like up.sql: what ehrdb.sum does not vouch
    // for does not run, unless the user says so and is told loudly.
    if let Err(error) = migrations::verify(&setup.migrations_dir, &setup.migrations) {
        if !args.force {
            errln!(lines, "error: {error}\n  help: {}", error.help());
            errln!(lines, "nothing was rolled back: ehrdb.sum no longer vouches for the SQL a rollback would run");
            return Ok(Outcome::Found);
        }
        errln!(
            lines,
            "WARNING: --force: rolling back although {error}; the down.sql that runs may not be the one that was \
             reviewed"
        );
    }
    let to = args.to.as_deref().map(version).transpose()?;
    let how_far = match (&to, args.all) {
        (Some(to), _) => RollbackTarget::To(to),
        (None, true) => RollbackTarget::All,
        (None, false) => RollbackTarget::Steps(args.steps.map_or(1, |steps| steps as usize)),
    };
    let schema = &target.schema;
    crate::db::runtime()?.block_on(async {
        let mut conn = connect(target, "rollback", "roll back migrations", args.dry_run).await?;
        let work = async |conn: &mut PgConnection| -> Result<Outcome> {
            let history = history::read(conn, schema).await?;
            let entries = plan::reconcile(&setup.migrations, &history);
            let plan = match plan::rollback_plan(&entries, how_far, args.force) {
                Ok(plan) => plan,
                Err(refusal) => return refused(&lines, refusal),
            };
            if args.dry_run {
                report::dry_run_rollback(&lines, target, &plan);
                return Ok(Outcome::Clean);
            }
            if plan.is_empty() {
                outln!(lines, "nothing to roll back: no migration is applied to {}", target.shown);
                return Ok(Outcome::Clean);
            }
            if args.force {
                for entry in plan.iter().filter(|e| e.state == State::Modified) {
                    errln!(
                        lines,
                        "warning: rolling back {} although {}",
                        entry.folder(),
                        entry.change().unwrap_or_default()
                    );
                }
            }
            outln!(lines, "rolling back {} on {} (schema {schema})", count(plan.len(), "migration"), target.shown);
            let mut bar = report::Bar::new(&lines, plan.len(), "rolled back");
            let policy = lock_policy(&args.locks, &setup.config);
            let result = apply::rollback(conn, schema, &plan, policy, &mut |p| bar.progress(p)).await;
            bar.finish();
            match result {
                Ok(()) => {
                    outln!(lines, "rolled back {}", count(plan.len(), "migration"));
                    Ok(Outcome::Clean)
                }
                Err(error) => failed(&lines, error, false),
            }
        };
        locked_unless(args.dry_run, &lines, &mut conn, schema, args.lock_timeout, work).await
    })
}
