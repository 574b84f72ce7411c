//! `ehrdb apply`: pending migrations onto one database ([`super::apply_one`])
//! or onto each of a fleet's ([`super::fleet`]), and the wait for replicas
//! afterwards.

use std::time::{Duration, Instant};

use anyhow::{Result, bail};
use sqlx::PgConnection;

use super::apply_one::apply_to;
use super::{Wants, fleet, sum_ok, version};
use crate::cli;
use crate::commands::output::{Lines, errln, outln};
use crate::commands::{Outcome, Session, replica_targets};
use crate::db::url::Target;

pub(in crate::commands) fn apply_cmd(ctx: &Session, args: cli::ApplyArgs) -> Result<Outcome> {
    let setup = ctx.database_setup(&args.database, Wants::Session)?;
    if !sum_ok(&setup) {
        return Ok(Outcome::Found);
    }
    let to = args.to.as_deref().map(version).transpose()?;
    let replicas = match args.wait_for_replicas {
        Some(_) => replica_targets(&args.replicas, &setup.config, &setup.base)?,
        None => Vec::new(),
    };
    if args.wait_for_replicas.is_some() && replicas.is_empty() {
        bail!("--wait-for-replicas: no replica named; give --replica URL, or `replicas` in ehrdb.toml");
    }
    if setup.databases.len() > 1 {
        if args.wait_for_replicas.is_some() {
            bail!("--wait-for-replicas names the replicas of one database: apply to one --database-url");
        }
        return fleet::apply(&setup, &args, to.as_deref());
    }
    let target = &setup.databases[0].target;
    crate::db::runtime()?.block_on(async {
        let lines = Lines::plain();
        let (outcome, mut conn) = apply_to(&setup, target, &args, to.as_deref(), &lines).await?;
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
    let lines = Lines::plain();
    // The insert position, not the write position: with asynchronous
    // commit the migrations' commit records may not be written out yet.
    let lsn: String =
        sqlx::query_scalar("SELECT pg_current_wal_insert_lsn()::text").persistent(false).fetch_one(primary).await?;
    let began = Instant::now();
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
                    outln!(
                        lines,
                        "{} has replayed the migrations ({:.1} s after they committed)",
                        replica.shown,
                        began.elapsed().as_secs_f64()
                    );
                    break;
                }
                Some(bytes) if began.elapsed() >= limit => {
                    errln!(
                        lines,
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
