//! Who holds the table locks a statement waited for.
//!
//! Takes the run's connection and the relations a statement names (from
//! [`crate::lint::locks`]) and returns the other sessions holding a lock on
//! any of them, from `pg_locks` and `pg_stat_activity`: the long report or
//! the transaction left idle that made the migration wait. Reads only;
//! a query that fails gives no names rather than an error, since the
//! statement's own error is what matters.

use std::fmt;

use sqlx::PgConnection;

use crate::lint::ObjectName;
use crate::sql::render::ident;

/// A session holding a lock a migration's statement waited for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockHolder {
    pub pid: i32,
    pub application: Option<String>,
    pub user: Option<String>,
    /// When its current (or last) query started, UTC.
    pub query_start: Option<String>,
    /// `active`, `idle in transaction`, ...
    pub state: Option<String>,
    /// The relations it holds locks on, of those the statement names.
    pub relations: Vec<String>,
}

impl fmt::Display for LockHolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "pid {}", self.pid)?;
        let mut details = Vec::new();
        if let Some(application) = self.application.as_deref().filter(|a| !a.is_empty()) {
            details.push(format!("application {application:?}"));
        }
        if let Some(user) = &self.user {
            details.push(format!("user {user}"));
        }
        if let Some(start) = &self.query_start {
            details.push(format!("query started {start}"));
        }
        if let Some(state) = &self.state {
            details.push(state.clone());
        }
        if !self.relations.is_empty() {
            details.push(format!("on {}", self.relations.join(", ")));
        }
        if !details.is_empty() {
            write!(f, " ({})", details.join(", "))?;
        }
        Ok(())
    }
}

const HOLDERS: &str = "\
SELECT a.pid, a.application_name, a.usename::text,
       to_char(a.query_start AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), a.state,
       array_agg(DISTINCT l.relation::regclass::text ORDER BY l.relation::regclass::text)
FROM pg_catalog.pg_locks l
JOIN pg_catalog.pg_stat_activity a ON a.pid = l.pid
WHERE l.locktype = 'relation' AND l.granted AND l.pid <> pg_backend_pid()
  AND l.relation = ANY (SELECT to_regclass(r) FROM unnest($1::text[]) r WHERE to_regclass(r) IS NOT NULL)
GROUP BY 1, 2, 3, 4, 5
ORDER BY 1";

/// The sessions holding a lock on any of `relations`.
pub async fn holders(conn: &mut PgConnection, relations: &[ObjectName]) -> Vec<LockHolder> {
    if relations.is_empty() {
        return Vec::new();
    }
    let names: Vec<String> = relations
        .iter()
        .map(|r| match &r.schema {
            Some(schema) => format!("{}.{}", ident(schema), ident(&r.name)),
            None => ident(&r.name),
        })
        .collect();
    type Row = (i32, Option<String>, Option<String>, Option<String>, Option<String>, Vec<String>);
    let rows: Vec<Row> =
        sqlx::query_as(HOLDERS).persistent(false).bind(&names).fetch_all(conn).await.unwrap_or_default();
    rows.into_iter()
        .map(|(pid, application, user, query_start, state, relations)| LockHolder {
            pid,
            application,
            user,
            query_start,
            state,
            relations,
        })
        .collect()
}
