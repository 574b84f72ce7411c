//! A fleet: one database per site or tenant, in one run.
//!
//! Takes the databases of the [`Setup`] and runs `apply` or `status` on
//! each, at most `--jobs` at a time on one thread (the work is waiting on
//! servers), each with the guarantees of a run on its own: its own
//! connection, lock and history. A database that fails never stops the
//! others. Each one's lines carry its name; the run ends with a table of
//! where every database stands (migrations applied, pending, failed, and
//! drift: what its catalog lacks or has beyond the newest migration's
//! schema, which it reports without judging), or one JSON document with the
//! same, and exit 1 when any database did not end up clean.

use anyhow::Result;
use futures_util::stream::{self, StreamExt};
use serde_json::{Value, json};
use sqlx::PgConnection;

use super::apply_one::apply_to;
use super::{Database, Setup};
use crate::cli::{self, OutputFormat};
use crate::commands::Outcome;
use crate::commands::output::{Lines, errln, outln};
use crate::db::plan::{self, State};
use crate::db::{history, introspect};
use crate::fragments::Fragments;
use crate::migrations::SumError;
use crate::sql::{self, SqlSchema};

/// How one database ended.
struct Run<'s> {
    database: &'s Database,
    /// `Err` with the message when it could not run (no connection).
    outcome: Result<Outcome, String>,
    /// Where it stands afterwards, when it could be read.
    standing: Result<Standing, String>,
}

/// Where a database stands against the migrations folder.
struct Standing {
    applied: usize,
    pending: usize,
    /// Failed, partial, modified or missing migrations.
    wrong: usize,
    /// Changes between its catalog and the newest migration's schema, or
    /// why they are unknown.
    drift: Result<usize, String>,
}

/// `ehrdb apply` on every database of the fleet.
pub(super) fn apply(setup: &Setup, args: &cli::ApplyArgs, to: Option<&str>) -> Result<Outcome> {
    let expected = expected_schema(setup);
    let json = args.format == OutputFormat::Json;
    let runs: Vec<Run> = crate::db::runtime()?.block_on(async {
        stream::iter(&setup.databases)
            .map(|database| async {
                let lines = lines_for(database, json);
                let (outcome, standing) = match apply_to(setup, &database.target, args, to, &lines).await {
                    Ok((outcome, mut conn)) => {
                        let standing = standing(&mut conn, setup, &database.target.schema, &expected).await;
                        (Ok(outcome), standing)
                    }
                    Err(error) => {
                        errln!(lines, "error: {error:#}");
                        (Err(format!("{error:#}")), Err("not reached".to_owned()))
                    }
                };
                Run { database, outcome, standing }
            })
            .buffer_unordered(args.database.jobs as usize)
            .collect()
            .await
    });
    finish(setup, runs, json, "applied")
}

/// `ehrdb status` on every database of the fleet.
pub(super) fn status(setup: &Setup, args: &cli::StatusArgs, sum: Option<&SumError>) -> Result<Outcome> {
    if let Some(error) = sum {
        errln!(Lines::plain(), "error: {error}\n  help: {}", error.help());
    }
    let expected = expected_schema(setup);
    let json = args.format == OutputFormat::Json;
    let runs: Vec<Run> = crate::db::runtime()?.block_on(async {
        stream::iter(&setup.databases)
            .map(|database| async {
                let target = &database.target;
                let standing = match target.connect("ehrdb status").await {
                    Ok(mut conn) => standing(&mut conn, setup, &target.schema, &expected).await,
                    Err(error) => Err(format!("{error:#}")),
                };
                let outcome = match &standing {
                    Ok(standing) if standing.pending == 0 && standing.wrong == 0 => Ok(Outcome::Clean),
                    Ok(_) => Ok(Outcome::Found),
                    Err(why) => Err(why.clone()),
                };
                Run { database, outcome, standing }
            })
            .buffer_unordered(args.database.jobs as usize)
            .collect()
            .await
    });
    let outcome = finish(setup, runs, json, "status")?;
    Ok(if sum.is_some() { Outcome::Found } else { outcome })
}

fn lines_for(database: &Database, json: bool) -> Lines {
    let lines = Lines::named(&database.name);
    if json { lines.all_on_stderr() } else { lines }
}

/// The schema the newest migration leaves, to measure drift by.
fn expected_schema(setup: &Setup) -> Result<SqlSchema, String> {
    let Some(newest) = setup.migrations.last() else { return Ok(SqlSchema::default()) };
    let Some(text) = &newest.schema else {
        return Err(format!("{} has no schema.prisma to compare with", newest.folder()));
    };
    let path = newest.dir.join(crate::migrations::SCHEMA_FILE);
    let fragments = Fragments::from_texts(vec![(path.display().to_string(), path, text.clone())]);
    crate::pipeline::check(&fragments, setup.config.prisma_version)
        .lower()
        .ok_or_else(|| format!("{}'s schema.prisma has errors (`ehrdb validate` shows them)", newest.folder()))
}

/// The history and the catalog of one database, against the folder.
async fn standing(
    conn: &mut PgConnection,
    setup: &Setup,
    schema: &str,
    expected: &Result<SqlSchema, String>,
) -> Result<Standing, String> {
    let rows = history::read(conn, schema).await.map_err(|e| format!("{e:#}"))?;
    let entries = plan::reconcile(&setup.migrations, &rows);
    let tally = |wanted: &[State]| entries.iter().filter(|e| wanted.contains(&e.state)).count();
    let drift = match expected {
        Ok(expected) => introspect::introspect_namespaces(conn, schema, &namespaces(expected))
            .await
            .map(|catalog| sql::diff::diff(&catalog, expected).len())
            .map_err(|e| format!("{e:#}")),
        Err(why) => Err(why.clone()),
    };
    Ok(Standing {
        applied: tally(&[State::Applied]),
        pending: tally(&[State::Pending]),
        wrong: tally(&[State::Modified, State::Missing, State::Failed, State::Partial, State::RollingBack]),
        drift,
    })
}

fn namespaces(schema: &SqlSchema) -> Vec<&str> {
    schema.namespaces.iter().map(String::as_str).collect()
}

/// Prints the table (or the JSON document) in the order the databases
/// were given; exit 1 when any database did not end clean.
fn finish(setup: &Setup, mut runs: Vec<Run>, json: bool, what: &str) -> Result<Outcome> {
    let order = |run: &Run| setup.databases.iter().position(|d| std::ptr::eq(d, run.database));
    runs.sort_by_key(order);
    // Drift is reported, not judged: a run on one database does not judge it either.
    let clean = runs.iter().all(|run| matches!(run.outcome, Ok(Outcome::Clean)));
    let lines = Lines::plain();
    if json {
        let targets: Vec<Value> = runs.iter().map(run_json).collect();
        outln!(lines, "{}", serde_json::to_string_pretty(&json!({ "failed": !clean, "targets": targets }))?);
    } else {
        table(&lines, &runs, what);
    }
    Ok(if clean { Outcome::Clean } else { Outcome::Found })
}

fn table(lines: &Lines, runs: &[Run], what: &str) {
    let width = runs.iter().map(|r| r.database.name.len()).max().unwrap_or(8).max(8);
    outln!(
        lines,
        "\n{:<width$}  {:>7}  {:>7}  {:>6}  {:<11}  result",
        "database",
        "applied",
        "pending",
        "wrong",
        "drift"
    );
    for run in runs {
        let (applied, pending, wrong, drift) = match &run.standing {
            Ok(s) => (
                s.applied.to_string(),
                s.pending.to_string(),
                s.wrong.to_string(),
                match &s.drift {
                    Ok(0) => "none".to_owned(),
                    Ok(n) => crate::text::count(*n, "change"),
                    Err(_) => "unknown".to_owned(),
                },
            ),
            Err(_) => ("-".to_owned(), "-".to_owned(), "-".to_owned(), "unknown".to_owned()),
        };
        let result = match (&run.outcome, what) {
            (Ok(Outcome::Clean), "applied") => "ok".to_owned(),
            (Ok(Outcome::Clean), _) => "up to date".to_owned(),
            (Ok(Outcome::Found), "applied") => "refused or failed (see its lines)".to_owned(),
            (Ok(Outcome::Found), _) => "not up to date".to_owned(),
            (Err(why), _) => format!("error: {}", why.lines().next().unwrap_or_default()),
        };
        outln!(lines, "{:<width$}  {applied:>7}  {pending:>7}  {wrong:>6}  {drift:<11}  {result}", run.database.name);
    }
    let failed = runs.iter().filter(|r| !matches!(r.outcome, Ok(Outcome::Clean))).count();
    outln!(
        lines,
        "{} of {}: {}",
        crate::text::count(runs.len() - failed, "database"),
        runs.len(),
        if failed == 0 { "all clean".to_owned() } else { format!("{failed} not clean") }
    );
}

fn run_json(run: &Run) -> Value {
    let (outcome, error) = match &run.outcome {
        Ok(Outcome::Clean) => ("clean", None),
        Ok(Outcome::Found) => ("found", None),
        Err(why) => ("error", Some(why.as_str())),
    };
    let standing = run.standing.as_ref().ok();
    json!({
        "name": run.database.name,
        "database": run.database.target.shown,
        "outcome": outcome,
        "error": error,
        "applied": standing.map(|s| s.applied),
        "pending": standing.map(|s| s.pending),
        "wrong": standing.map(|s| s.wrong),
        "drift": standing.and_then(|s| s.drift.as_ref().ok().copied()),
        "drift_error": standing.and_then(|s| s.drift.as_ref().err().cloned()),
    })
}
