//! What stands between ehrdb and PostgreSQL, judged from what connections
//! show rather than from the URL.
//!
//! Takes a [`Target`] and returns a [`Pooler`]: whether two client
//! connections were served by one server process (a pooler in transaction
//! or statement mode hands a server connection to whichever client needs
//! one), or one client by two, and whether a pooler refused the startup
//! options. Opens two connections of its own for a moment, runs only
//! `SELECT pg_backend_pid()` and an empty transaction, and changes nothing.
//!
//! The test: client A asks for its backend's pid and goes idle; client B
//! opens a transaction and asks for its pid; A asks again. A direct
//! connection or a session-mode pooler binds each client to one server
//! process, so the pids stay A's own and B's differs. In transaction mode
//! PgBouncer gives B the server connection A just released (it reuses the
//! most recently used one), and A, whose server connection B now holds,
//! gets another one or waits.

use std::time::Duration;

use anyhow::Result;
use sqlx::PgConnection;

use super::url::Target;

/// How long A's second question may wait before the wait itself shows
/// that B holds A's server connection.
const WAIT: Duration = Duration::from_secs(2);

/// What the connections showed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pooler {
    /// Each client kept its own server process: a direct connection or a
    /// session-mode pooler. `server_port` is `inet_server_port()`, which
    /// differs from the URL's port behind a pooler or a proxy.
    SessionBound { server_port: Option<i32>, startup_refused: bool },
    /// Server processes are shared between clients: transaction or
    /// statement pooling; the text says what showed it.
    Transaction(String),
}

impl Pooler {
    pub fn is_transaction(&self) -> bool {
        matches!(self, Pooler::Transaction(_))
    }
}

/// Looks at what is between ehrdb and the server of `target`.
pub async fn detect(target: &Target, application: &str) -> Result<Pooler> {
    let (mut a, startup_refused) = target.connect_noting(application).await?;
    let (pid_a, server_port) = pid_and_port(&mut a).await?;
    let mut b = target.connect(application).await?;
    sqlx::raw_sql("BEGIN").execute(&mut b).await?;
    let pid_b = pid(&mut b).await?;
    let seen = if pid_b == pid_a {
        Pooler::Transaction(format!(
            "two client connections were served by one server process (pid {pid_a}) one after the other"
        ))
    } else {
        match tokio::time::timeout(WAIT, pid(&mut a)).await {
            Ok(Ok(again)) if again != pid_a => Pooler::Transaction(format!(
                "one client connection was served by server process {pid_a}, then by {again}"
            )),
            Ok(Ok(_)) => Pooler::SessionBound { server_port, startup_refused },
            Ok(Err(error)) => return Err(error),
            Err(_) => Pooler::Transaction(format!(
                "a query waited {} s while another client held a transaction: the clients share a pool of server \
                 connections",
                WAIT.as_secs()
            )),
        }
    };
    let _ = sqlx::raw_sql("ROLLBACK").execute(&mut b).await;
    Ok(seen)
}

async fn pid(conn: &mut PgConnection) -> Result<i32> {
    Ok(sqlx::query_scalar("SELECT pg_backend_pid()").persistent(false).fetch_one(conn).await?)
}

async fn pid_and_port(conn: &mut PgConnection) -> Result<(i32, Option<i32>)> {
    Ok(sqlx::query_as("SELECT pg_backend_pid(), inet_server_port()").persistent(false).fetch_one(conn).await?)
}
