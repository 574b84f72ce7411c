//! Running migrations on the database: up.sql forward, down.sql back, and
//! baselines that record without running.
//!
//! Takes the run's one connection (already holding the migration lock) and
//! a plan from [`super::plan`]; runs each migration's statements one by one,
//! as the splitter cut them, so a failure names the migration, the
//! statement, its line and the server's message ([`StatementError`]).
//! A file of one transaction (the usual one) commits together with its
//! history row, or not at all. A file of several steps
//! ([`crate::migrations::steps`]) commits step by step, each transactional
//! step together with the progress that records it, each statement outside
//! a transaction followed by its progress, so a rerun after a failure,
//! a crash or a kill resumes at the first step that did not commit; its
//! down.sql the same way, the row saying `rolling back` until the last step
//! removes it. Every statement runs under the [`LockPolicy`]'s short
//! `lock_timeout` and is tried again when it waited too long ([`runner`]).
//! Reports progress through a callback; never prints, never takes the
//! migration lock.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use sqlx::PgConnection;
use sqlx::postgres::PgDatabaseError;

use super::history::{self, NewRow, RowState};
use super::plan::{Entry, State};
use crate::migrations::steps::{self, StepKind};
use crate::migrations::{DOWN_FILE, Migration, Statement, Step, UP_FILE};

mod runner;
mod waits;

use runner::{Failure, Runner};
pub use waits::LockHolder;

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
    /// The statements before it that stay committed: those of the steps of
    /// a migration of several steps that committed; 0 for one transaction.
    pub committed: usize,
    /// It waited for a table lock every time it was tried.
    pub lock_wait: Option<LockWait>,
}

/// How a statement waited for a lock until the retries ran out.
#[derive(Debug)]
pub struct LockWait {
    pub tries: u32,
    /// From the first try to the last timeout, pauses included.
    pub waited: Duration,
    /// Who held a lock on its tables at the last timeout.
    pub holders: Vec<LockHolder>,
}

impl StatementError {
    /// An error about `statement` whose message the caller writes.
    fn about(migration: &Migration, file: &'static str, statement: &Statement, total: usize) -> StatementError {
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
            line: statement.line,
            excerpt,
            message: String::new(),
            lost: false,
            committed: 0,
            lock_wait: None,
        }
    }
}

impl std::fmt::Display for StatementError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "migration {} failed at statement {} of {} ({} line {}): {}\n  statement: {}",
            self.migration, self.number, self.total, self.file, self.line, self.message, self.excerpt
        )?;
        if let Some(wait) = &self.lock_wait {
            write!(
                f,
                "\n  it waited for a table lock each of {} times it was tried ({:.1} s in all, pauses included)",
                wait.tries,
                wait.waited.as_secs_f64()
            )?;
            match wait.holders.as_slice() {
                [] => write!(f, "; the session in the way had gone when it looked")?,
                holders => {
                    let named: Vec<String> = holders.iter().map(ToString::to_string).collect();
                    write!(f, "; held by {}", named.join("; "))?;
                }
            }
        }
        Ok(())
    }
}

impl std::error::Error for StatementError {}

/// What the migrator reports while it works.
#[derive(Debug, Clone, Copy)]
pub enum Progress<'a> {
    /// A migration starts; `resume_at` is the 1-based statement a resumed
    /// migration continues with.
    Started { migration: &'a Migration, statements: usize, resume_at: Option<usize> },
    /// One statement of it finished.
    Statement { number: usize },
    /// A statement waited too long for a lock and is tried again after
    /// `pause`; `holders` held the lock.
    Waiting {
        migration: &'a Migration,
        statement: usize,
        attempt: u32,
        retries: u32,
        pause: Duration,
        holders: &'a [LockHolder],
    },
    /// Something the run did besides the statements (an invalid index
    /// dropped to be built again).
    Note { text: &'a str },
    /// It committed, with its history row.
    Finished { migration: &'a Migration, millis: i64 },
}

/// How long a statement may wait for a table lock, and how often it is
/// tried again: every DDL statement runs under `lock_timeout`, so that a
/// long query on its table makes it give up and let the writers queued
/// behind it through, instead of stalling them all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockPolicy {
    /// `lock_timeout`; zero waits without limit.
    pub timeout: Duration,
    /// How many times a statement that timed out is tried again.
    pub retries: u32,
}

impl Default for LockPolicy {
    fn default() -> LockPolicy {
        LockPolicy { timeout: Duration::from_secs(1), retries: 10 }
    }
}

impl LockPolicy {
    const FIRST_PAUSE: Duration = Duration::from_millis(500);
    const LONGEST_PAUSE: Duration = Duration::from_secs(30);

    /// The pause after the `attempt`-th try: half a second, doubled each
    /// time, at most 30 s.
    pub fn pause(&self, attempt: u32) -> Duration {
        let doubled = Self::FIRST_PAUSE.saturating_mul(1 << attempt.saturating_sub(1).min(16));
        doubled.min(Self::LONGEST_PAUSE)
    }
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

/// Whether any migration of the plan has a step outside a transaction,
/// which `--single-transaction` cannot hold.
pub fn outside_transaction(migration: &Migration) -> bool {
    migration.up_steps().iter().any(|s| s.kind == StepKind::NoTransaction)
}

/// Applies the plan, oldest first, each migration in its own transaction
/// or steps (or all in one with `single_transaction`). Stops at the first
/// failure: what committed before it stays, the failing migration leaves
/// nothing but the steps it committed and its progress.
///
/// Round trips are most of what a run of small migrations costs beyond the
/// server's own work, so a migration of one transaction takes one more than
/// its statements: its history row goes in the message that commits it,
/// and that message also begins the next migration's transaction. With
/// `single_transaction` the rows wait for the one COMMIT.
pub async fn apply(
    conn: &mut PgConnection,
    schema: &str,
    plan: &[Entry<'_>],
    single_transaction: bool,
    policy: LockPolicy,
    progress: &mut dyn FnMut(Progress),
) -> Result<()> {
    let applied_by = history::applied_by(conn).await?;
    let mut runner = Runner::new(conn, policy, progress);
    runner.lock_timeout(policy.timeout).await?;
    if single_transaction {
        return apply_in_one_transaction(&mut runner, schema, plan, &applied_by).await;
    }
    let mut open = false;
    for (i, entry) in plan.iter().enumerate() {
        let migration = entry.migration.expect("a planned migration is on disk");
        let steps = migration.up_steps();
        if steps::is_stepped(&steps) || entry.applied.is_some() {
            if open {
                execute(runner.conn, "COMMIT").await?;
                open = false;
            }
            apply_in_steps(&mut runner, schema, entry, &steps, &applied_by).await?;
            continue;
        }
        let statements: Vec<Statement> = steps.into_iter().flat_map(|s| s.statements).collect();
        (runner.progress)(Progress::Started { migration, statements: statements.len(), resume_at: None });
        let began = Instant::now();
        let ran = runner
            .with_retries(migration, async |runner| {
                if !open {
                    begin(runner.conn, migration).await?;
                    open = true;
                }
                let result = runner.run(migration, UP_FILE, &statements, statements.len()).await;
                if result.is_err() {
                    runner.rollback_quietly().await;
                    open = false;
                }
                result
            })
            .await;
        ran?;
        let millis = began.elapsed().as_millis() as i64;
        let row = new_row(migration, millis, RowState::Applied, statements.len(), &applied_by);
        let next = plan
            .get(i + 1)
            .is_some_and(|e| e.applied.is_none() && e.migration.is_some_and(|m| !steps::is_stepped(&m.up_steps())));
        commit(runner.conn, &history::record_sql(schema, &[row]), next, "migration", &migration.folder()).await?;
        open = next;
        (runner.progress)(Progress::Finished { migration, millis });
    }
    Ok(())
}

/// The whole plan in one transaction; a lock timeout rolls everything back
/// and tries the whole run again.
async fn apply_in_one_transaction(
    runner: &mut Runner<'_, '_>,
    schema: &str,
    plan: &[Entry<'_>],
    applied_by: &str,
) -> Result<()> {
    let first = plan.first().and_then(|e| e.migration).expect("the plan is not empty");
    let mut rows = Vec::new();
    runner
        .with_retries(first, async |runner| {
            rows.clear();
            begin(runner.conn, first).await?;
            for entry in plan {
                let migration = entry.migration.expect("a planned migration is on disk");
                let statements: Vec<Statement> = migration.up_steps().into_iter().flat_map(|s| s.statements).collect();
                (runner.progress)(Progress::Started { migration, statements: statements.len(), resume_at: None });
                let began = Instant::now();
                if let Err(failure) = runner.run(migration, UP_FILE, &statements, statements.len()).await {
                    runner.rollback_quietly().await;
                    return Err(failure);
                }
                let millis = began.elapsed().as_millis() as i64;
                rows.push((migration, millis, statements.len()));
                (runner.progress)(Progress::Finished { migration, millis });
            }
            Ok(())
        })
        .await?;
    let rows: Vec<NewRow> = rows
        .iter()
        .map(|(migration, millis, statements)| new_row(migration, *millis, RowState::Applied, *statements, applied_by))
        .collect();
    let sql = if rows.is_empty() { String::new() } else { history::record_sql(schema, &rows) };
    commit(runner.conn, &sql, false, "the run", &plan.iter().map(|e| e.folder()).collect::<Vec<_>>().join(", ")).await
}

/// A migration of several steps (or one being resumed): its row says
/// `partial` while the steps commit, each with its progress, and
/// `applied` at the end.
async fn apply_in_steps(
    runner: &mut Runner<'_, '_>,
    schema: &str,
    entry: &Entry<'_>,
    steps: &[Step<'_>],
    applied_by: &str,
) -> Result<()> {
    let migration = entry.migration.expect("a planned migration is on disk");
    let total: usize = steps.iter().map(|s| s.statements.len()).sum();
    let mut done = entry.applied.map_or(0, |row| (row.statements_done.max(0) as usize).min(total));
    let resume_at = entry.applied.map(|_| done + 1);
    (runner.progress)(Progress::Started { migration, statements: total, resume_at });
    let began = Instant::now();
    if entry.applied.is_none() {
        history::record(runner.conn, schema, &new_row(migration, 0, RowState::Partial, 0, applied_by)).await?;
    }
    let record = |done: usize| history::progress_sql(schema, &migration.version, done as i32);
    let result = run_steps(runner, migration, UP_FILE, steps, &mut done, total, record).await;
    if let Err(mut error) = result {
        error.committed = done;
        if !error.lost {
            let message = format!("statement {} (line {}): {}", error.number, error.line, error.message);
            history::progress(runner.conn, schema, &migration.version, done as i32, Some(&message)).await?;
        }
        return Err(error.into());
    }
    let millis = began.elapsed().as_millis() as i64;
    history::record(runner.conn, schema, &new_row(migration, millis, RowState::Applied, total, applied_by)).await?;
    (runner.progress)(Progress::Finished { migration, millis });
    Ok(())
}

/// Runs the steps of `file` after the `done` statements that committed
/// already, moving `done` on as steps commit. A transactional step commits
/// with `record(done)`, the SQL that records its progress; a statement
/// outside a transaction is followed by the same SQL on its own.
async fn run_steps(
    runner: &mut Runner<'_, '_>,
    migration: &Migration,
    file: &'static str,
    steps: &[Step<'_>],
    done: &mut usize,
    total: usize,
    record: impl Fn(usize) -> String,
) -> Result<(), StatementError> {
    for step in steps {
        let remaining: Vec<Statement> = step.statements.iter().filter(|s| s.number > *done).copied().collect();
        let Some(last) = remaining.last().map(|s| s.number) else { continue };
        match step.kind {
            StepKind::Transaction => {
                runner.lock_timeout(runner.policy.timeout).await.map_err(|e| lost_anyhow(migration, file, &e))?;
                runner
                    .with_retries(migration, async |runner| {
                        begin(runner.conn, migration).await?;
                        if let Err(failure) = runner.run(migration, file, &remaining, total).await {
                            runner.rollback_quietly().await;
                            return Err(failure);
                        }
                        commit(runner.conn, &record(last), false, "step of", &migration.folder())
                            .await
                            .map_err(|e| Failure::Other(lost_anyhow(migration, file, &e)))
                    })
                    .await?;
                *done = last;
            }
            StepKind::NoTransaction => {
                for statement in &remaining {
                    runner
                        .with_retries(migration, async |runner| {
                            runner.outside_transaction(migration, file, statement, total).await
                        })
                        .await?;
                    *done = statement.number;
                    sqlx::raw_sql(&record(*done))
                        .execute(&mut *runner.conn)
                        .await
                        .map_err(|e| lost(migration, &e).into_error())?;
                }
            }
        }
    }
    Ok(())
}

/// Undoes the plan, newest first: each down.sql and the removal of its
/// history row in one transaction, or, for a down.sql of several steps,
/// step by step with the row saying `rolling back` until the last one.
pub async fn rollback(
    conn: &mut PgConnection,
    schema: &str,
    plan: &[Entry<'_>],
    policy: LockPolicy,
    progress: &mut dyn FnMut(Progress),
) -> Result<()> {
    let mut runner = Runner::new(conn, policy, progress);
    runner.lock_timeout(policy.timeout).await?;
    for entry in plan {
        let migration = entry.migration.expect("a planned rollback is on disk");
        let steps = migration.down_steps().expect("the plan checked down.sql");
        let total: usize = steps.iter().map(|s| s.statements.len()).sum();
        let began = Instant::now();
        let resuming = entry.state == State::RollingBack;
        if !steps::is_stepped(&steps) && !resuming {
            (runner.progress)(Progress::Started { migration, statements: total, resume_at: None });
            let statements: Vec<Statement> = steps.into_iter().flat_map(|s| s.statements).collect();
            runner
                .with_retries(migration, async |runner| {
                    begin(runner.conn, migration).await?;
                    if let Err(failure) = runner.run(migration, DOWN_FILE, &statements, total).await {
                        runner.rollback_quietly().await;
                        return Err(failure);
                    }
                    let remove = history::remove_sql(schema, &migration.version);
                    commit(runner.conn, &remove, false, "rollback of", &migration.folder())
                        .await
                        .map_err(|e| Failure::Other(lost_anyhow(migration, DOWN_FILE, &e)))
                })
                .await?;
        } else {
            let mut done = match (resuming, entry.applied) {
                (true, Some(row)) => (row.statements_done.max(0) as usize).min(total),
                _ => 0,
            };
            (runner.progress)(Progress::Started {
                migration,
                statements: total,
                resume_at: resuming.then_some(done + 1),
            });
            if !resuming {
                history::rollback_progress(runner.conn, schema, &migration.version, 0, None).await?;
            }
            let record = |done: usize| {
                if done == total {
                    history::remove_sql(schema, &migration.version)
                } else {
                    history::rollback_progress_sql(schema, &migration.version, done as i32)
                }
            };
            if let Err(mut error) = run_steps(&mut runner, migration, DOWN_FILE, &steps, &mut done, total, record).await
            {
                error.committed = done;
                if !error.lost {
                    let message = format!("statement {} (line {}): {}", error.number, error.line, error.message);
                    history::rollback_progress(runner.conn, schema, &migration.version, done as i32, Some(&message))
                        .await?;
                }
                return Err(error.into());
            }
            if total == 0 {
                history::remove(runner.conn, schema, &migration.version).await?;
            }
        }
        (runner.progress)(Progress::Finished { migration, millis: began.elapsed().as_millis() as i64 });
    }
    Ok(())
}

/// Records migrations as applied without running them, in one transaction.
pub async fn baseline(conn: &mut PgConnection, schema: &str, migrations: &[&Migration]) -> Result<()> {
    let applied_by = history::applied_by(conn).await?;
    execute(conn, "BEGIN").await?;
    for migration in migrations {
        let statements = migration.up_steps().iter().map(|s| s.statements.len()).sum();
        let row = new_row(migration, 0, RowState::Applied, statements, &applied_by);
        if let Err(error) = history::record(conn, schema, &row).await {
            let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await;
            return Err(error);
        }
    }
    commit(conn, "", false, "baseline", &format!("{} migrations", migrations.len())).await
}

fn new_row<'a>(
    migration: &'a Migration,
    execution_ms: i64,
    state: RowState,
    statements_done: usize,
    applied_by: &'a str,
) -> NewRow<'a> {
    NewRow {
        version: &migration.version,
        name: &migration.name,
        checksum: &migration.checksum,
        execution_ms,
        state,
        statements_done: statements_done as i32,
        applied_by,
    }
}

/// Begins a transaction; a failure means the connection is not usable.
async fn begin(conn: &mut PgConnection, migration: &Migration) -> Result<(), Failure> {
    sqlx::raw_sql("BEGIN").execute(conn).await.map(|_| ()).map_err(|e| lost(migration, &e))
}

/// A failure to begin a transaction or record progress: the connection is
/// not usable.
fn lost(migration: &Migration, error: &sqlx::Error) -> Failure {
    let (message, _) = describe(error);
    Failure::Other(StatementError {
        migration: migration.folder(),
        file: UP_FILE,
        number: 0,
        total: 0,
        line: 0,
        excerpt: String::new(),
        message,
        lost: true,
        committed: 0,
        lock_wait: None,
    })
}

/// A failed COMMIT (its message says what is known), as a statement error.
fn lost_anyhow(migration: &Migration, file: &'static str, error: &anyhow::Error) -> StatementError {
    StatementError {
        migration: migration.folder(),
        file,
        number: 0,
        total: 0,
        line: 0,
        excerpt: String::new(),
        message: format!("{error:#}"),
        lost: true,
        committed: 0,
        lock_wait: None,
    }
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
            let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *conn).await;
            anyhow::bail!("{what} {name} could not commit: {message}; nothing of it was applied")
        }
    }
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
    let mut found = StatementError::about(migration, file, statement, total);
    if let Some(position) = position {
        found.line += statement.text.chars().take(position.saturating_sub(1)).filter(|&c| c == '\n').count();
    }
    found.message = message;
    found.lost = lost;
    found
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
