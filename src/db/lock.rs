//! The migration lock: a session-level advisory lock, one per database and
//! target schema, that every `ehrdb apply`, `rollback` and `baseline` holds
//! for its whole run, so concurrent runners take turns and each migration
//! is applied exactly once.
//!
//! Takes the run's one dedicated connection (never a pooled one: a pool
//! could hand the locked session to someone else) and waits for the lock
//! up to a deadline, telling the caller who holds it while it waits.
//! A session lock survives a failed transaction and is released when the
//! session ends, so a crashed runner never leaves it behind; [`release`]
//! gives it back at the end of a run that is still connected.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};
use sqlx::PgConnection;

/// How often a waiting runner looks again at who holds the lock.
const RECHECK: Duration = Duration::from_secs(2);

/// The lock's key for a schema: the first 8 bytes of a sha256, so that runs
/// on different schemas of one database do not wait for each other.
pub fn key(schema: &str) -> i64 {
    let digest = Sha256::digest(format!("ehrdb migrations in schema {schema}").as_bytes());
    i64::from_be_bytes(digest[..8].try_into().expect("8 bytes"))
}

/// The session holding the lock, from pg_stat_activity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Holder {
    pub pid: i32,
    pub user: Option<String>,
    pub application: Option<String>,
    pub client: Option<String>,
    /// When its session started, UTC.
    pub since: Option<String>,
    pub state: Option<String>,
}

impl std::fmt::Display for Holder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "pid {}", self.pid)?;
        let mut details = Vec::new();
        if let Some(application) = self.application.as_deref().filter(|a| !a.is_empty()) {
            details.push(format!("application {application:?}"));
        }
        if let Some(user) = &self.user {
            details.push(format!("user {user}"));
        }
        if let Some(client) = &self.client {
            details.push(format!("from {client}"));
        }
        if let Some(since) = &self.since {
            details.push(format!("connected since {since}"));
        }
        if let Some(state) = &self.state {
            details.push(state.clone());
        }
        if !details.is_empty() {
            write!(f, " ({})", details.join(", "))?;
        }
        Ok(())
    }
}

/// Takes the lock, waiting up to `timeout`. `waiting` is called when the
/// lock is busy, and again every few seconds, with its holder (`None` when
/// the holder cannot be seen, e.g. without the rights to read other
/// sessions). Fails after `timeout`, naming the holder.
pub async fn acquire(
    conn: &mut PgConnection,
    schema: &str,
    timeout: Duration,
    mut waiting: impl FnMut(Option<&Holder>),
) -> Result<()> {
    let key = key(schema);
    let taken: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
        .bind(key)
        .fetch_one(&mut *conn)
        .await
        .context("cannot take the migration lock")?;
    if taken {
        return Ok(());
    }
    let deadline = Instant::now() + timeout;
    loop {
        let holder = holder(conn, schema).await?;
        let now = Instant::now();
        if now >= deadline {
            match holder {
                Some(holder) => bail!(
                    "gave up after {}s waiting for the migration lock on schema {schema:?}, held by {holder}; \
                     wait for that run to finish, or raise --lock-timeout",
                    timeout.as_secs()
                ),
                None => bail!(
                    "gave up after {}s waiting for the migration lock on schema {schema:?}; another session \
                     holds it (its details are not visible to this role)",
                    timeout.as_secs()
                ),
            }
        }
        waiting(holder.as_ref());
        // A blocking wait hands the lock over the moment it is released;
        // lock_timeout wakes it now and then to report and to give up in time.
        let step = RECHECK.min(deadline - now).max(Duration::from_millis(1));
        sqlx::raw_sql(&format!("SET lock_timeout = '{}ms'", step.as_millis())).execute(&mut *conn).await?;
        let result = sqlx::query("SELECT pg_advisory_lock($1)").bind(key).execute(&mut *conn).await;
        sqlx::raw_sql("RESET lock_timeout").execute(&mut *conn).await?;
        match result {
            Ok(_) => return Ok(()),
            Err(sqlx::Error::Database(error)) if error.code().as_deref() == Some("55P03") => continue,
            Err(error) => return Err(error).context("cannot take the migration lock"),
        }
    }
}

/// Gives the lock back. A run that lost its connection has lost the lock
/// with it, so there is nothing to do then.
pub async fn release(conn: &mut PgConnection, schema: &str) -> Result<()> {
    sqlx::query("SELECT pg_advisory_unlock($1)")
        .bind(key(schema))
        .execute(conn)
        .await
        .context("cannot release the migration lock")?;
    Ok(())
}

/// The session that holds the lock, if this role can see it.
pub async fn holder(conn: &mut PgConnection, schema: &str) -> Result<Option<Holder>> {
    // A bigint key is stored as its high half in classid and its low half
    // in objid, with objsubid 1.
    let key = key(schema);
    let (high, low) = ((key >> 32) as u32 as i64, key & 0xffff_ffff);
    type Row = (i32, Option<String>, Option<String>, Option<String>, Option<String>, Option<String>);
    let row: Option<Row> = sqlx::query_as(
        "SELECT l.pid, a.usename::text, a.application_name, host(a.client_addr),
                to_char(a.backend_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), a.state
         FROM pg_locks l LEFT JOIN pg_stat_activity a ON a.pid = l.pid
         WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1
           AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND l.classid::bigint = $1 AND l.objid::bigint = $2
         LIMIT 1",
    )
    .persistent(false)
    .bind(high)
    .bind(low)
    .fetch_optional(conn)
    .await
    .context("cannot look up who holds the migration lock")?;
    Ok(row.map(|(pid, user, application, client, since, state)| Holder {
        pid,
        user,
        application,
        client,
        since,
        state,
    }))
}
