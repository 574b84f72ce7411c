//! Running a migration file's statements: a group of them in one
//! transaction, or one outside any, each under a short `lock_timeout` and
//! tried again, after a growing pause, when it timed out waiting for a
//! table lock.
//!
//! A statement that queues for a lock makes every later query on that table
//! queue behind it (PostgreSQL grants locks in order), so a migration that
//! waits on a long report stalls the writers too. With a short
//! `lock_timeout` it gives up before the writers notice, rolls its step
//! back, lets them through, and tries again: GitLab's "lock retries". A
//! statement whose lock writers do not queue behind (`CREATE INDEX
//! CONCURRENTLY`, `VALIDATE CONSTRAINT` outside a transaction) waits as long
//! as it must. A `CREATE INDEX CONCURRENTLY` that an earlier run left
//! behind invalid (killed, timed out, failed) is dropped and built again;
//! one left valid is not built twice; and one that ends invalid is an
//! error, never progress.

use std::time::{Duration, Instant};

use sqlx::PgConnection;

use super::waits::{self, LockHolder};
use super::{LockPolicy, Progress, StatementError, describe, statement_error};
use crate::lint::{self, LockMode};
use crate::migrations::{Migration, Statement};
use crate::sql::render::ident;

/// SQLSTATE of a statement that gave up waiting for a lock.
const LOCK_NOT_AVAILABLE: &str = "55P03";

/// The run's connection and what a run of statements needs around it.
pub(super) struct Runner<'c, 'p> {
    pub conn: &'c mut PgConnection,
    pub policy: LockPolicy,
    pub progress: &'p mut dyn FnMut(Progress),
    /// `lock_timeout` as the session has it now, outside transactions.
    session_timeout: Option<Duration>,
}

/// One attempt's failure: a lock it waited too long for (worth another
/// try; with the statement's text, to find who holds the lock), or
/// anything else.
pub(super) enum Failure {
    Lock(StatementError, String),
    Other(StatementError),
}

impl Failure {
    pub(super) fn into_error(self) -> StatementError {
        match self {
            Failure::Lock(error, _) | Failure::Other(error) => error,
        }
    }
}

impl<'c, 'p> Runner<'c, 'p> {
    pub(super) fn new(conn: &'c mut PgConnection, policy: LockPolicy, progress: &'p mut dyn FnMut(Progress)) -> Self {
        Runner { conn, policy, progress, session_timeout: None }
    }

    /// Sets the session's `lock_timeout`, outside any transaction, unless
    /// it already is that.
    pub(super) async fn lock_timeout(&mut self, timeout: Duration) -> anyhow::Result<()> {
        if self.session_timeout != Some(timeout) {
            let sql = format!("SET lock_timeout = '{}ms'", timeout.as_millis());
            sqlx::raw_sql(&sql).execute(&mut *self.conn).await?;
            self.session_timeout = Some(timeout);
        }
        Ok(())
    }

    /// Runs `statements` in the transaction the caller opened, reporting
    /// each; the first failure ends it (the caller rolls back).
    pub(super) async fn run(
        &mut self,
        migration: &Migration,
        file: &'static str,
        statements: &[Statement<'_>],
        total: usize,
    ) -> Result<(), Failure> {
        for statement in statements {
            self.run_one(migration, file, statement, total).await?;
            (self.progress)(Progress::Statement { number: statement.number });
        }
        Ok(())
    }

    async fn run_one(
        &mut self,
        migration: &Migration,
        file: &'static str,
        statement: &Statement<'_>,
        total: usize,
    ) -> Result<(), Failure> {
        match sqlx::raw_sql(statement.text).execute(&mut *self.conn).await {
            Ok(_) => Ok(()),
            Err(error) => {
                let failure = statement_error(&error, migration, file, statement, total);
                let waited =
                    matches!(&error, sqlx::Error::Database(db) if db.code().as_deref() == Some(LOCK_NOT_AVAILABLE));
                if waited {
                    // The step is rolled back first, so the names are read
                    // outside the aborted transaction.
                    Err(Failure::Lock(failure, statement.text.to_owned()))
                } else {
                    Err(Failure::Other(failure))
                }
            }
        }
    }

    /// Who holds a lock on the relations `statement` names.
    pub(super) async fn holders(&mut self, statement: &str) -> Vec<LockHolder> {
        let relations: Vec<_> = lint::locks(statement).relations.into_iter().map(|r| r.name).collect();
        waits::holders(self.conn, &relations).await
    }

    /// Tries `attempt` until it succeeds, fails for another reason than a
    /// lock, or the retries run out; between tries it names the sessions
    /// in the way and pauses. `attempt` must leave no transaction open when
    /// it fails. The final error says how long it waited and on whom.
    pub(super) async fn with_retries(
        &mut self,
        migration: &Migration,
        mut attempt: impl AsyncFnMut(&mut Runner<'c, 'p>) -> Result<(), Failure>,
    ) -> Result<(), StatementError> {
        let began = Instant::now();
        let mut tries = 0;
        loop {
            tries += 1;
            let (mut error, text) = match attempt(self).await {
                Ok(()) => return Ok(()),
                Err(Failure::Other(error)) => return Err(error),
                Err(Failure::Lock(error, text)) => (error, text),
            };
            let holders = self.holders(&text).await;
            if tries > self.policy.retries {
                error.lock_wait = Some(super::LockWait { tries, waited: began.elapsed(), holders });
                return Err(error);
            }
            let pause = self.policy.pause(tries);
            (self.progress)(Progress::Waiting {
                migration,
                statement: error.number,
                attempt: tries,
                retries: self.policy.retries,
                pause,
                holders: &holders,
            });
            tokio::time::sleep(pause).await;
        }
    }

    /// Runs one statement outside any transaction, repairing what an
    /// earlier run of a `CREATE INDEX CONCURRENTLY` left behind.
    pub(super) async fn outside_transaction(
        &mut self,
        migration: &Migration,
        file: &'static str,
        statement: &Statement<'_>,
        total: usize,
    ) -> Result<(), Failure> {
        let other = |message: String| {
            let mut error = StatementError::about(migration, file, statement, total);
            error.message = message;
            Failure::Other(error)
        };
        let index = lint::concurrent_index(statement.text);
        if let Some(index) = &index {
            match self.index_valid(&index.index).await.map_err(|e| other(e.to_string()))? {
                Some(true) => {
                    let note = format!(
                        "index {} is there and valid (an earlier run built it and stopped before recording it): not \
                         built again",
                        index.index
                    );
                    (self.progress)(Progress::Note { text: &note });
                    return Ok(());
                }
                Some(false) => {
                    let drop = format!("DROP INDEX CONCURRENTLY IF EXISTS {}", qualified(&index.index));
                    self.lock_timeout(Duration::ZERO).await.map_err(|e| other(e.to_string()))?;
                    sqlx::raw_sql(&drop).execute(&mut *self.conn).await.map_err(|e| other(describe(&e).0))?;
                    let note = format!(
                        "index {} was left invalid by an interrupted or failed build: dropped, to be built again",
                        index.index
                    );
                    (self.progress)(Progress::Note { text: &note });
                }
                None => {}
            }
        }
        // A lock that writers do not queue behind may be waited for.
        let weak = lint::locks(statement.text).mode.is_none_or(|mode| mode <= LockMode::ShareUpdateExclusive);
        let timeout = if weak { Duration::ZERO } else { self.policy.timeout };
        self.lock_timeout(timeout).await.map_err(|e| other(e.to_string()))?;
        self.run_one(migration, file, statement, total).await?;
        if let Some(index) = &index {
            if self.index_valid(&index.index).await.map_err(|e| other(e.to_string()))? != Some(true) {
                return Err(other(format!(
                    "index {} is not valid after its concurrent build (pg_index.indisvalid is false): it is not \
                     recorded as built, and the next run drops it and builds it again",
                    index.index
                )));
            }
        }
        (self.progress)(Progress::Statement { number: statement.number });
        Ok(())
    }

    /// Whether the index exists and is valid; `None` when it does not exist.
    async fn index_valid(&mut self, index: &lint::ObjectName) -> Result<Option<bool>, sqlx::Error> {
        sqlx::query_scalar("SELECT indisvalid FROM pg_catalog.pg_index WHERE indexrelid = to_regclass($1)")
            .persistent(false)
            .bind(qualified(index))
            .fetch_optional(&mut *self.conn)
            .await
    }

    /// Ends a failed transaction. If the connection is gone, the server has
    /// already rolled it back.
    pub(super) async fn rollback_quietly(&mut self) {
        let _ = sqlx::raw_sql("ROLLBACK").execute(&mut *self.conn).await;
    }
}

/// A name as SQL, quoted, with its schema when it has one.
fn qualified(name: &lint::ObjectName) -> String {
    match &name.schema {
        Some(schema) => format!("{}.{}", ident(schema), ident(&name.name)),
        None => ident(&name.name),
    }
}
