//! Pending migrations onto one database: the work `ehrdb apply` does for
//! one target, and for each of a fleet's ([`super::fleet`]).

use anyhow::Result;
use sqlx::PgConnection;

use super::{Setup, connect, failed, lock_policy, locked_unless, refused, report};
use crate::cli;
use crate::commands::Outcome;
use crate::commands::output::{Lines, outln};
use crate::db::url::Target;
use crate::db::{apply, history, plan, prisma};
use crate::text::count;

/// Applies the pending migrations to one database, its lines to `lines`;
/// returns how it went and the connection, still open.
pub(super) async fn apply_to(
    setup: &Setup,
    target: &Target,
    args: &cli::ApplyArgs,
    to: Option<&str>,
    lines: &Lines,
) -> Result<(Outcome, PgConnection)> {
    let schema = &target.schema;
    let mut conn = connect(target, "apply", "apply migrations", args.dry_run).await?;
    let work = async |conn: &mut PgConnection| -> Result<Outcome> {
        if prisma::built_without_ehrdb(conn, schema).await? {
            return refused(
                lines,
                anyhow::anyhow!(
                    "{} was built by Prisma Migrate (it has _prisma_migrations) and has no ehrdb history: applying \
                     would create what it already has; record where it stands first with `ehrdb baseline \
                     --from-prisma` (or `ehrdb adopt --database-url`)",
                    target.shown
                ),
            );
        }
        if !args.dry_run {
            history::ensure(conn, schema).await?;
        }
        let history = history::read(conn, schema).await?;
        let entries = plan::reconcile(&setup.migrations, &history);
        let plan = match plan::apply_plan(&entries, to) {
            Ok(plan) => plan,
            Err(refusal) => return refused(lines, refusal),
        };
        if args.dry_run {
            report::dry_run_apply(lines, target, &plan);
            return Ok(Outcome::Clean);
        }
        if plan.is_empty() {
            outln!(lines, "nothing to apply: {} is up to date ({} migrations)", target.shown, history.len());
            return Ok(Outcome::Clean);
        }
        if args.single_transaction {
            if let Some(entry) = plan.iter().find(|e| e.migration.is_some_and(apply::outside_transaction)) {
                return refused(
                    lines,
                    anyhow::anyhow!(
                        "--single-transaction cannot include {}: it has statements that run outside a transaction \
                         (`-- ehrdb:no-transaction`, or a `-- ehrdb:step no-transaction` step); apply up to the one \
                         before it with --to, then the rest without --single-transaction",
                        entry.folder()
                    ),
                );
            }
        }
        outln!(lines, "applying {} to {} (schema {schema})", count(plan.len(), "migration"), target.shown);
        let mut bar = report::Bar::new(lines, plan.len(), "applied");
        let policy = lock_policy(&args.locks, &setup.config);
        let result = apply::apply(conn, schema, &plan, args.single_transaction, policy, &mut |p| bar.progress(p)).await;
        bar.finish();
        match result {
            Ok(()) => {
                outln!(lines, "applied {}; the database is up to date", count(plan.len(), "migration"));
                Ok(Outcome::Clean)
            }
            Err(error) => failed(lines, error, args.single_transaction),
        }
    };
    let outcome = locked_unless(args.dry_run, lines, &mut conn, schema, args.lock_timeout, work).await?;
    Ok((outcome, conn))
}
