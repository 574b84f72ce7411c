//! `ehrdb status`: every migration of one database with its state, or the
//! standing of each database of a fleet ([`super::fleet`]).

use anyhow::Result;

use super::{Wants, fleet, report};
use crate::cli::{self, OutputFormat};
use crate::commands::output::{Lines, outln};
use crate::commands::{Outcome, Session};
use crate::db::{history, lock, plan};
use crate::migrations;

pub(in crate::commands) fn status_cmd(ctx: &Session, args: cli::StatusArgs) -> Result<Outcome> {
    let setup = ctx.database_setup(&args.database, Wants::Queries)?;
    let sum = migrations::verify(&setup.migrations_dir, &setup.migrations);
    if setup.databases.len() > 1 {
        return fleet::status(&setup, &args, sum.as_ref().err());
    }
    let target = &setup.databases[0].target;
    let schema = &target.schema;
    let (history, holder) = crate::db::runtime()?.block_on(async {
        let mut conn = target.connect("ehrdb status").await?;
        let history = history::read(&mut conn, schema).await?;
        let holder = lock::holder(&mut conn, schema).await?;
        anyhow::Ok((history, holder))
    })?;
    let entries = plan::reconcile(&setup.migrations, &history);
    let clean = plan::up_to_date(&entries) && sum.is_ok();
    let lines = Lines::plain();
    match args.format {
        OutputFormat::Human => report::status(&lines, target, &entries, sum.as_ref().err(), holder.as_ref()),
        OutputFormat::Json => {
            let json = report::status_json(target, &entries, sum.as_ref().err(), holder.as_ref());
            outln!(lines, "{}", serde_json::to_string_pretty(&json)?);
        }
    }
    Ok(if clean { Outcome::Clean } else { Outcome::Found })
}
