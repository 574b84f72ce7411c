//! Running migrations on the database: up.sql forward, down.sql back, and
//! baselines that record without running.
//!
//! Takes the run's one connection (already holding the migration lock) and
//! a plan from [`super::plan`]; runs each migration's statements one by one,
//! as the splitter cut them, so a failure names the migration, the
//! statement, its line and the server's message ([`StatementError`]).
//! A migration and its history row commit together or not at all; a
//! `-- ehrdb:no-transaction` migration commits statement by statement and
//! records its progress after each, so a rerun resumes where it stopped.
//! Reports progress through a callback; never prints, never takes the lock.

use std::time::Instant;

use anyhow::{Context, Result};
use sqlx::PgConnection;
use sqlx::postgres::PgDatabaseError;

use super::history::{self, NewRow, RowState};
use super::plan::Entry;
use crate::migrations::{Migration, Statement, split};

/// A statement the server refused, or a connection lost while it ran.
#[derive(Debug)]
pub struct StatementError {
    /// The migration's folder name.
    pub migration: String,
    /// `up.sql` or `down.sql`.
    pub file: &'static str,
    /// 1-based, among `total`.
    pub number: usize,
    pub total: usize,
    /// The line in the file where the error is: the statement's first line,
    /// or the line the server pointed at.
    pub line: usize,
    /// The statement's first line, shortened.
    pub excerpt: String,
    /// The server's message, with its SQLSTATE, detail and hint.
    pub message: String,
    /// The connection broke (server stopped, network gone): the caller
    /// cannot go on, and nothing uncommitted survives on the server.
    pub lost: bool,
    /// The statements before it that stay committed: those of a
    /// no-transaction migration; 0 for one that runs in a transaction.
    pub committed: usize,
}

impl std::fmt::Display for StatementError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "migration {} failed at statement {} of {} ({} line {}): {}\n  statement: {}",
            self.migration, self.number, self.total, self.file, self.line, self.message, self.excerpt
        )
    }
}

impl std::error::Error for StatementError {}

/// What the migrator reports while it works.
#[derive(Debug, Clone, Copy)]
pub enum Progress<'a> {
    /// A migration starts; `resume_at` is the 1-based statement a resumed
    /// no-transaction migration continues with.
    Started { migration: &'a Migration, statements: usize, resume_at: Option<usize> },
    /// One statement of it finished.
    Statement { number: usize },
    /// It committed, with its history row.
    Finished { migration: &'a Migration, millis: i64 },
}

/// Makes the session fit for a long run: the server notices a client that
/// died (kill -9, a lost laptop) within a second even in the middle of a
/// long statement, and rolls its transaction back (PostgreSQL 14+).
pub async fn prepare_session(conn: &mut PgConnection) -> Result<()> {
    let version: i32 = sqlx::query_scalar("SELECT current_setting('server_version_num')::int")
        .fetch_one(&mut *conn)
        .await
        .context("cannot read the server version")?;
    if version >= 140_000 {
        sqlx::raw_sql("SET client_connection_check_interval = '1s'").execute(&mut *conn).await?;
    }
    Ok(())
}

/// Applies the plan, oldest first, each migration in its own transaction
/// (or all in one with `single_transaction`). Stops at the first failure:
/// what committed before it stays, the failing migration leaves nothing
/// (for a no-transaction one: its committed statements and its progress).
///
/// Round trips are most of what a run of small migrations costs beyond the
/// server's own work, so a migration takes one more than its statements:
/// its history row goes in the message that commits it, and that message
/// also begins the next migration's transaction. With `single_transaction`
/// the rows wait for the one COMMIT.
pub async fn apply(
    conn: &mut PgConnection,
    schema: &str,
    plan: &[Entry<'_>],
    single_transaction: bool,
    progress: &mut dyn FnMut(Progress),
) -> Result<()> {
    let applied_by = history::applied_by(conn).await?;
    let mut rows = Vec::new();
    let mut open = false;
    if single_transaction {
        execute(conn, "BEGIN").await?;
        open = true;
    }
    for (i, entry) in plan.iter().enumerate() {
        let migration = entry.migration.expect("a planned migration is on disk");
        if migration.no_transaction {
            if let Err(error) = apply_statement_by_statement(conn, schema, entry, &applied_by, progress).await {
                if single_transaction {
                    rollback_quietly(conn).await;
                }
                return Err(error);
            }
            continue;
        }
        if !open {
            execute(conn, "BEGIN").await?;
            open = true;
        }
        let statements = split(&migration.up);
        progress(Progress::Started { migration, statements: statements.len(), resume_at: None });
        let began = Instant::now();
        if let Err(error) = run(conn, migration, crate::migrations::UP_FILE, &statements, progress).await {
            rollback_quietly(conn).await;
            return Err(error.into());
        }
        let millis = began.elapsed().as_millis() as i64;
        let row = NewRow {
            version: &migration.version,
            name: &migration.name,
            checksum: &migration.checksum,
            execution_ms: millis,
            state: RowState::Applied,
            statements_done: statements.len() as i32,
            applied_by: &applied_by,
        };
        if single_transaction {
            rows.push(row);
        } else {
            let next = plan.get(i + 1).and_then(|e| e.migration).is_some_and(|m| !m.no_transaction);
            let sql = history::record_sql(schema, &[row]);
            commit(conn, &sql, next, "migration", &migration.folder()).await?;
            open = next;
        }
        progress(Progress::Finished { migration, millis });
    }
    if single_transaction {
        let sql = if rows.is_empty() { String::new() } else { history::record_sql(schema, &rows) };
        commit(conn, &sql, false, "the run", &plan.iter().map(|e| e.folder()).collect::<Vec<_>>().join(", ")).await?;
    }
    Ok(())
}

/// A no-transaction migration: each statement commits on its own, and the
/// history row (state `partial`) counts them, so a rerun after a failure or
/// a crash continues with the first statement that did not finish.
async fn apply_statement_by_statement(
    conn: &mut PgConnection,
    schema: &str,
    entry: &Entry<'_>,
    applied_by: &str,
    progress: &mut dyn FnMut(Progress),
) -> Result<()> {
    let migration = entry.migration.expect("a planned migration is on disk");
    let statements = split(&migration.up);
    let done = entry.applied.map_or(0, |row| (row.statements_done.max(0) as usize).min(statements.len()));
    let resume_at = entry.applied.map(|_| done + 1);
    progress(Progress::Started { migration, statements: statements.len(), resume_at });
    let began = Instant::now();
    let mut row = NewRow {
        version: &migration.version,
        name: &migration.name,
        checksum: &migration.checksum,
        execution_ms: 0,
        state: RowState::Partial,
        statements_done: done as i32,
        applied_by,
    };
    if entry.applied.is_none() {
        history::record(conn, schema, &row).await?;
    }
    for statement in &statements[done..] {
        if let Err(mut error) = run_one(conn, migration, crate::migrations::UP_FILE, statement, statements.len()).await
        {
            error.committed = error.number - 1;
            if !error.lost {
                let message = format!("statement {} (line {}): {}", error.number, error.line, error.message);
                history::progress(conn, schema, &migration.version, error.number as i32 - 1, Some(&message)).await?;
            }
            return Err(error.into());
        }
        history::progress(conn, schema, &migration.version, statement.number as i32, None).await?;
        progress(Progress::Statement { number: statement.number });
    }
    row.state = RowState::Applied;
    row.statements_done = statements.len() as i32;
    row.execution_ms = began.elapsed().as_millis() as i64;
    history::record(conn, schema, &row).await?;
    progress(Progress::Finished { migration, millis: row.execution_ms });
    Ok(())
}

/// Runs the statements of `file`, in the caller's transaction.
async fn run(
    conn: &mut PgConnection,
    migration: &Migration,
    file: &'static str,
    statements: &[Statement<'_>],
    progress: &mut dyn FnMut(Progress),
) -> Result<(), StatementError> {
    for statement in statements {
        run_one(conn, migration, file, statement, statements.len()).await?;
        progress(Progress::Statement { number: statement.number });
    }
    Ok(())
}

async fn run_one(
    conn: &mut PgConnection,
    migration: &Migration,
    file: &'static str,
    statement: &Statement<'_>,
    total: usize,
) -> Result<(), StatementError> {
    match sqlx::raw_sql(statement.text).execute(&mut *conn).await {
        Ok(_) => Ok(()),
        Err(error) => Err(statement_error(&error, migration, file, statement, total)),
    }
}

/// Undoes the plan, newest first: each down.sql and the removal of its
/// history row in one transaction.
pub async fn rollback(
    conn: &mut PgConnection,
    schema: &str,
    plan: &[Entry<'_>],
    progress: &mut dyn FnMut(Progress),
) -> Result<()> {
    for entry in plan {
        let migration = entry.migration.expect("a planned rollback is on disk");
        let down = migration.down.as_deref().expect("the plan checked down.sql");
        let statements = split(down);
        progress(Progress::Started { migration, statements: statements.len(), resume_at: None });
        let began = Instant::now();
        execute(conn, "BEGIN").await?;
        if let Err(error) = run(conn, migration, crate::migrations::DOWN_FILE, &statements, progress).await {
            rollback_quietly(conn).await;
            return Err(error.into());
        }
        if let Err(error) = history::remove(conn, schema, &migration.version).await {
            rollback_quietly(conn).await;
            return Err(error);
        }
        commit(conn, "", false, "rollback of", &migration.folder()).await?;
        progress(Progress::Finished { migration, millis: began.elapsed().as_millis() as i64 });
    }
    Ok(())
}

/// Records migrations as applied without running them, in one transaction.
pub async fn baseline(conn: &mut PgConnection, schema: &str, migrations: &[&Migration]) -> Result<()> {
    let applied_by = history::applied_by(conn).await?;
    execute(conn, "BEGIN").await?;
    for migration in migrations {
        let row = NewRow {
            version: &migration.version,
            name: &migration.name,
            checksum: &migration.checksum,
            execution_ms: 0,
            state: RowState::Applied,
            statements_done: split(&migration.up).len() as i32,
            applied_by: &applied_by,
        };
        if let Err(error) = history::record(conn, schema, &row).await {
            rollback_quietly(conn).await;
            return Err(error);
        }
    }
    commit(conn, "", false, "baseline", &format!("{} migrations", migrations.len())).await
}

async fn execute(conn: &mut PgConnection, sql: &str) -> Result<()> {
    sqlx::raw_sql(sql).execute(conn).await.with_context(|| format!("cannot run {sql}"))?;
    Ok(())
}

/// Commits the open transaction, after `before` (statements that belong
/// to it, such as its history rows) and, with `begin_next`, begins the
/// next one: one message, one round trip. If anything in it fails, nothing
/// of the transaction is applied.
async fn commit(conn: &mut PgConnection, before: &str, begin_next: bool, what: &str, name: &str) -> Result<()> {
    let mut sql = String::with_capacity(before.len() + 16);
    if !before.is_empty() {
        sql.push_str(before);
        sql.push_str(";\n");
    }
    sql.push_str("COMMIT");
    if begin_next {
        sql.push_str(";\nBEGIN");
    }
    match sqlx::raw_sql(&sql).execute(&mut *conn).await {
        Ok(_) => Ok(()),
        Err(error) => {
            let (message, lost) = describe(&error);
            if lost {
                anyhow::bail!(
                    "the connection was lost while committing {what} {name}: {message}; whether it committed is \
                     unknown: run `ehrdb status` to see"
                )
            }
            // A failed history row leaves the transaction open and aborted;
            // a failed COMMIT has already ended it.
            rollback_quietly(conn).await;
            anyhow::bail!("{what} {name} could not commit: {message}; nothing of it was applied")
        }
    }
}

/// Ends a failed transaction. If the connection is gone, the server has
/// already rolled it back.
async fn rollback_quietly(conn: &mut PgConnection) {
    let _ = sqlx::raw_sql("ROLLBACK").execute(conn).await;
}

fn statement_error(
    error: &sqlx::Error,
    migration: &Migration,
    file: &'static str,
    statement: &Statement,
    total: usize,
) -> StatementError {
    let (message, lost) = describe(error);
    // A syntax error's position is a 1-based character offset in the statement.
    let position = match error {
        sqlx::Error::Database(db) => db.try_downcast_ref::<PgDatabaseError>().and_then(|pg| match pg.position() {
            Some(sqlx::postgres::PgErrorPosition::Original(position)) => Some(position),
            _ => None,
        }),
        _ => None,
    };
    let line = match position {
        Some(position) => {
            statement.line + statement.text.chars().take(position.saturating_sub(1)).filter(|&c| c == '\n').count()
        }
        None => statement.line,
    };
    let first_line = statement.text.lines().next().unwrap_or_default();
    let mut excerpt: String = first_line.chars().take(100).collect();
    if excerpt.len() < statement.text.len() {
        excerpt.push_str(" ...");
    }
    StatementError {
        migration: migration.folder(),
        file,
        number: statement.number,
        total,
        line,
        excerpt,
        message,
        lost,
        committed: 0,
    }
}

/// The server's message with its code, detail and hint, and whether the
/// error means the connection is gone.
pub fn describe(error: &sqlx::Error) -> (String, bool) {
    match error {
        sqlx::Error::Database(db) => {
            let code = db.code().map(|c| c.into_owned()).unwrap_or_default();
            let mut message = format!("ERROR {code}: {}", db.message());
            if let Some(pg) = db.try_downcast_ref::<PgDatabaseError>() {
                if let Some(detail) = pg.detail() {
                    message.push_str(&format!("\n  detail: {detail}"));
                }
                if let Some(hint) = pg.hint() {
                    message.push_str(&format!("\n  hint: {hint}"));
                }
            }
            // Class 08 is a connection exception; 57P01-57P03 mean the
            // server is shutting down or cannot accept the session.
            let lost = code.starts_with("08") || matches!(code.as_str(), "57P01" | "57P02" | "57P03");
            (message, lost)
        }
        sqlx::Error::Io(io) => (format!("the connection to the server broke: {io}"), true),
        sqlx::Error::Protocol(text) => (format!("the connection to the server broke: {text}"), true),
        sqlx::Error::Tls(tls) => (format!("the connection's TLS failed: {tls}"), true),
        other => (other.to_string(), matches!(other, sqlx::Error::PoolClosed | sqlx::Error::WorkerCrashed)),
    }
}
