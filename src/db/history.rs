//! The history table, `_ehrdb_migrations` in the target schema: what a
//! database says it has applied.
//!
//! Takes a connection and the schema name; reads the rows as
//! [`AppliedMigration`]s, creates the table on first use and writes the
//! rows the migrator needs. Every statement here is one the caller runs
//! inside its own transaction (or, for a `-- ehrdb:no-transaction`
//! migration, one by one); nothing here begins or commits, takes a lock or
//! decides what to apply.
//!
//! A row's `state` is `applied` for a finished migration. Only a migration
//! of several steps (or without a transaction), which cannot be rolled back
//! as a whole, leaves the others: `partial` while it runs (and after a
//! crash), `failed` when one of its statements failed, with
//! `statements_done` telling a rerun where to resume; and `rolling back`
//! while its down.sql of several steps runs, `statements_done` then counting
//! down.sql's statements, until the row goes with the last step.

use anyhow::{Context, Result};
use sqlx::PgConnection;

use crate::sql::render::{ident, literal};

pub const TABLE: &str = "_ehrdb_migrations";

/// One row of the history table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedMigration {
    /// The 14-digit version of the migration folder.
    pub version: String,
    pub name: String,
    /// sha256 of `up.sql` when it was applied.
    pub checksum: String,
    /// UTC, `YYYY-MM-DDTHH:MM:SSZ`.
    pub applied_at: String,
    pub execution_ms: i64,
    pub applied_by: String,
    pub ehrdb_version: String,
    pub state: RowState,
    /// For a partial or failed no-transaction migration: how many of its
    /// statements have committed.
    pub statements_done: i32,
    /// The failed statement's error, for a failed migration.
    pub error: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RowState {
    Applied,
    Partial,
    Failed,
    RollingBack,
}

impl RowState {
    pub fn as_str(self) -> &'static str {
        match self {
            RowState::Applied => "applied",
            RowState::Partial => "partial",
            RowState::Failed => "failed",
            RowState::RollingBack => "rolling back",
        }
    }

    fn parse(text: &str) -> Option<RowState> {
        [RowState::Applied, RowState::Partial, RowState::Failed, RowState::RollingBack]
            .into_iter()
            .find(|s| s.as_str() == text)
    }
}

/// The schema-qualified, quoted table name.
pub fn table(schema: &str) -> String {
    format!("{}.{}", ident(schema), ident(TABLE))
}

/// Creates the schema and the table when they do not exist yet. Run it
/// under the migration lock, so two first runs cannot race on it.
pub async fn ensure(conn: &mut PgConnection, schema: &str) -> Result<()> {
    // `IF NOT EXISTS` still needs the CREATE privilege, which a deployment
    // role that only runs migrations in an existing schema may lack.
    if exists(conn, schema).await? {
        return upgrade(conn, schema).await;
    }
    let schema_exists: bool = sqlx::query_scalar("SELECT to_regnamespace(quote_ident($1)) IS NOT NULL")
        .bind(schema)
        .fetch_one(&mut *conn)
        .await
        .context("cannot look for the target schema")?;
    if !schema_exists {
        sqlx::raw_sql(&format!("CREATE SCHEMA IF NOT EXISTS {}", ident(schema)))
            .execute(&mut *conn)
            .await
            .with_context(|| format!("cannot create the schema {}", ident(schema)))?;
    }
    let sql = format!(
        "CREATE TABLE IF NOT EXISTS {table} (
             version         text PRIMARY KEY CHECK (version ~ '^[0-9]{{14}}$'),
             name            text NOT NULL,
             checksum        text NOT NULL CHECK (checksum ~ '^[0-9a-f]{{64}}$'),
             applied_at      timestamptz NOT NULL DEFAULT now(),
             execution_ms    bigint NOT NULL DEFAULT 0,
             applied_by      text NOT NULL DEFAULT current_user,
             ehrdb_version   text NOT NULL,
             state           text NOT NULL DEFAULT 'applied' CONSTRAINT {state_check} CHECK ({states}),
             statements_done integer NOT NULL DEFAULT 0,
             error           text
         );
         COMMENT ON TABLE {table} IS 'Migrations applied by ehrdb; written by ehrdb apply, rollback and baseline.'",
        table = table(schema),
        state_check = ident(STATE_CHECK),
        states = STATES,
    );
    sqlx::raw_sql(&sql)
        .execute(conn)
        .await
        .with_context(|| format!("cannot create the history table {}", table(schema)))?;
    Ok(())
}

/// The name and the test of the history table's state constraint.
const STATE_CHECK: &str = "_ehrdb_migrations_state_check";
const STATES: &str = "state IN ('applied', 'partial', 'failed', 'rolling back')";

/// Brings a history table an older ehrdb made up to date: its state
/// constraint gains `rolling back`. Checked first, so a role that may only
/// write the rows never needs to alter the table.
async fn upgrade(conn: &mut PgConnection, schema: &str) -> Result<()> {
    let current: Option<String> = sqlx::query_scalar(
        "SELECT pg_get_constraintdef(oid) FROM pg_catalog.pg_constraint WHERE conrelid = to_regclass($1) AND conname = $2",
    )
    .persistent(false)
    .bind(table(schema))
    .bind(STATE_CHECK)
    .fetch_optional(&mut *conn)
    .await
    .context("cannot read the history table's constraints")?
    .flatten();
    if current.is_some_and(|definition| definition.contains("rolling back")) {
        return Ok(());
    }
    let sql = format!(
        "ALTER TABLE {table} DROP CONSTRAINT IF EXISTS {check}, ADD CONSTRAINT {check} CHECK ({STATES})",
        table = table(schema),
        check = ident(STATE_CHECK)
    );
    sqlx::raw_sql(&sql)
        .execute(conn)
        .await
        .with_context(|| format!("cannot upgrade the history table {}", table(schema)))?;
    Ok(())
}

/// Whether the history table exists (status and dry runs never create it).
pub async fn exists(conn: &mut PgConnection, schema: &str) -> Result<bool> {
    let found: Option<String> = sqlx::query_scalar("SELECT to_regclass($1)::text")
        .persistent(false)
        .bind(table(schema))
        .fetch_one(conn)
        .await
        .context("cannot look for the history table")?;
    Ok(found.is_some())
}

/// Every row, oldest version first; empty when the table does not exist.
pub async fn read(conn: &mut PgConnection, schema: &str) -> Result<Vec<AppliedMigration>> {
    if !exists(conn, schema).await? {
        return Ok(Vec::new());
    }
    type Row = (String, String, String, String, i64, String, String, String, i32, Option<String>);
    let sql = format!(
        "SELECT version, name, checksum,
                to_char(applied_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),
                execution_ms, applied_by, ehrdb_version, state, statements_done, error
         FROM {} ORDER BY version",
        table(schema)
    );
    let rows: Vec<Row> = sqlx::query_as(&sql)
        .persistent(false)
        .fetch_all(conn)
        .await
        .with_context(|| format!("cannot read the history table {}", table(schema)))?;
    rows.into_iter()
        .map(|(version, name, checksum, applied_at, execution_ms, applied_by, ehrdb_version, state, done, error)| {
            let state = RowState::parse(&state)
                .with_context(|| format!("{}: version {version} has an unknown state {state:?}", table(schema)))?;
            Ok(AppliedMigration {
                version,
                name,
                checksum,
                applied_at,
                execution_ms,
                applied_by,
                ehrdb_version,
                state,
                statements_done: done,
                error,
            })
        })
        .collect()
}

/// What a new row says about the migration.
pub struct NewRow<'a> {
    pub version: &'a str,
    pub name: &'a str,
    pub checksum: &'a str,
    pub execution_ms: i64,
    pub state: RowState,
    pub statements_done: i32,
    /// From [`applied_by`], read once per run.
    pub applied_by: &'a str,
}

/// The columns a new row sets, and what a row already there (a partial or
/// failed migration being resumed) takes from it.
const INSERT_COLUMNS: &str =
    "(version, name, checksum, execution_ms, applied_by, ehrdb_version, state, statements_done)";
const ON_CONFLICT: &str = "ON CONFLICT (version) DO UPDATE SET
             name = excluded.name, checksum = excluded.checksum, applied_at = now(),
             execution_ms = excluded.execution_ms, applied_by = excluded.applied_by,
             ehrdb_version = excluded.ehrdb_version, state = excluded.state,
             statements_done = excluded.statements_done, error = NULL";

/// Inserts a row, or replaces the row of a partial or failed migration
/// that is being resumed.
pub async fn record(conn: &mut PgConnection, schema: &str, row: &NewRow<'_>) -> Result<()> {
    let sql = format!(
        "INSERT INTO {} {INSERT_COLUMNS}
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         {ON_CONFLICT}",
        table(schema)
    );
    sqlx::query(&sql)
        .bind(row.version)
        .bind(row.name)
        .bind(row.checksum)
        .bind(row.execution_ms)
        .bind(row.applied_by)
        .bind(env!("CARGO_PKG_VERSION"))
        .bind(row.state.as_str())
        .bind(row.statements_done)
        .execute(conn)
        .await
        .with_context(|| format!("cannot record migration {} in {}", row.version, table(schema)))?;
    Ok(())
}

/// What [`record`] does, for several rows in one statement, as SQL text
/// with the values written in: the migrator sends it in one message with
/// its COMMIT, so recording a migration costs no round trip of its own.
/// `rows` must not be empty.
pub fn record_sql(schema: &str, rows: &[NewRow<'_>]) -> String {
    let values: Vec<String> = rows
        .iter()
        .map(|row| {
            format!(
                "({}, {}, {}, {}, {}, {}, {}, {})",
                text_literal(row.version),
                text_literal(row.name),
                text_literal(row.checksum),
                row.execution_ms,
                text_literal(row.applied_by),
                text_literal(env!("CARGO_PKG_VERSION")),
                text_literal(row.state.as_str()),
                row.statements_done
            )
        })
        .collect();
    format!(
        "INSERT INTO {} {INSERT_COLUMNS}\n         VALUES {}\n         {ON_CONFLICT}",
        table(schema),
        values.join(", ")
    )
}

/// A string literal that means the same whatever the server's
/// `standard_conforming_strings`: `applied_by` holds an operating-system
/// user name, which may have a backslash (`DOMAIN\user`), and a plain
/// literal's backslash is an escape when that setting is off.
fn text_literal(text: &str) -> String {
    if text.contains('\\') { format!("E{}", literal(&text.replace('\\', "\\\\"))) } else { literal(text) }
}

/// Moves a no-transaction migration's progress on, or marks it failed.
pub async fn progress(
    conn: &mut PgConnection,
    schema: &str,
    version: &str,
    statements_done: i32,
    failure: Option<&str>,
) -> Result<()> {
    let sql = format!(
        "UPDATE {} SET statements_done = $2, state = CASE WHEN $3::text IS NULL THEN 'partial' ELSE 'failed' END,
                error = $3 WHERE version = $1",
        table(schema)
    );
    sqlx::query(&sql)
        .bind(version)
        .bind(statements_done)
        .bind(failure)
        .execute(conn)
        .await
        .with_context(|| format!("cannot record the progress of migration {version}"))?;
    Ok(())
}

/// Moves a rollback of several steps on: the row says `rolling back`, with
/// how many of down.sql's statements have committed, or why one failed.
pub async fn rollback_progress(
    conn: &mut PgConnection,
    schema: &str,
    version: &str,
    statements_done: i32,
    failure: Option<&str>,
) -> Result<()> {
    let sql = format!(
        "UPDATE {} SET statements_done = $2, state = 'rolling back', error = $3 WHERE version = $1",
        table(schema)
    );
    sqlx::query(&sql)
        .bind(version)
        .bind(statements_done)
        .bind(failure)
        .execute(conn)
        .await
        .with_context(|| format!("cannot record the progress of the rollback of {version}"))?;
    Ok(())
}

/// The SQL of [`progress`] with the values written in, to send with the
/// COMMIT of the step it records.
pub fn progress_sql(schema: &str, version: &str, statements_done: i32) -> String {
    format!(
        "UPDATE {} SET statements_done = {statements_done}, state = 'partial', error = NULL WHERE version = {}",
        table(schema),
        text_literal(version)
    )
}

/// The SQL of [`rollback_progress`], to send with a step's COMMIT.
pub fn rollback_progress_sql(schema: &str, version: &str, statements_done: i32) -> String {
    format!(
        "UPDATE {} SET statements_done = {statements_done}, state = 'rolling back', error = NULL WHERE version = {}",
        table(schema),
        text_literal(version)
    )
}

/// The SQL of [`remove`], to send with the last step's COMMIT.
pub fn remove_sql(schema: &str, version: &str) -> String {
    format!("DELETE FROM {} WHERE version = {}", table(schema), text_literal(version))
}

/// Removes a row (rollback).
pub async fn remove(conn: &mut PgConnection, schema: &str, version: &str) -> Result<()> {
    let sql = format!("DELETE FROM {} WHERE version = $1", table(schema));
    sqlx::query(&sql)
        .bind(version)
        .execute(conn)
        .await
        .with_context(|| format!("cannot remove migration {version} from {}", table(schema)))?;
    Ok(())
}

/// `applied_by`: the database role, and the operating-system user and host
/// that ran ehrdb, since deployments often share one role.
pub async fn applied_by(conn: &mut PgConnection) -> Result<String> {
    let role: String = sqlx::query_scalar("SELECT current_user::text").fetch_one(conn).await?;
    let user = std::env::var("USER").or_else(|_| std::env::var("LOGNAME")).ok();
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname").ok().map(|h| h.trim().to_owned());
    Ok(match (user, host) {
        (Some(user), Some(host)) => format!("{role} ({user}@{host})"),
        (Some(user), None) => format!("{role} ({user})"),
        _ => role,
    })
}
