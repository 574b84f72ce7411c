//! `_prisma_migrations`, the history table `prisma migrate` keeps: what a
//! database moving from Prisma Migrate to ehrdb has applied, which `ehrdb
//! baseline` reports and `ehrdb apply` looks for.
//!
//! Takes a connection and the target schema; returns the table's rows, or
//! `None` when there is no such table. Only reads.

use anyhow::{Context, Result};
use sqlx::PgConnection;

use super::history;
use crate::sql::render::ident;

/// One row of `_prisma_migrations`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrismaMigration {
    /// The folder name: `20230912150657_initialize`, or any other (`01_init`).
    pub name: String,
    /// UTC, when it finished; `None` when it did not (failed or running).
    pub finished_at: Option<String>,
    pub rolled_back: bool,
}

impl PrismaMigration {
    pub fn applied(&self) -> bool {
        self.finished_at.is_some() && !self.rolled_back
    }
}

/// What `_prisma_migrations` holds.
#[derive(Debug, Clone)]
pub struct PrismaHistory {
    pub migrations: Vec<PrismaMigration>,
}

impl PrismaHistory {
    /// The newest migration Prisma finished and did not roll back.
    pub fn newest_applied(&self) -> Option<&PrismaMigration> {
        self.migrations.iter().filter(|m| m.applied()).max_by(|a, b| a.name.cmp(&b.name))
    }
}

/// The rows of `_prisma_migrations` in `schema`, oldest first; `None` when
/// the table does not exist.
pub async fn history(conn: &mut PgConnection, schema: &str) -> Result<Option<PrismaHistory>> {
    let table = format!("{}.{}", ident(schema), ident("_prisma_migrations"));
    let found: Option<String> =
        sqlx::query_scalar("SELECT to_regclass($1)::text").persistent(false).bind(&table).fetch_one(&mut *conn).await?;
    if found.is_none() {
        return Ok(None);
    }
    let sql = format!(
        "SELECT migration_name,
                to_char(finished_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),
                rolled_back_at IS NOT NULL
         FROM {table} ORDER BY migration_name, started_at"
    );
    let rows: Vec<(String, Option<String>, bool)> =
        sqlx::query_as(&sql).persistent(false).fetch_all(conn).await.with_context(|| format!("cannot read {table}"))?;
    let migrations = rows
        .into_iter()
        .map(|(name, finished_at, rolled_back)| PrismaMigration { name, finished_at, rolled_back })
        .collect();
    Ok(Some(PrismaHistory { migrations }))
}

/// Whether Prisma Migrate built the database in `schema` and ehrdb has not
/// taken it over yet: `_prisma_migrations` is there, and ehrdb's history
/// table is not, or is empty. Applying the first migration there would
/// create what the database already has.
pub async fn built_without_ehrdb(conn: &mut PgConnection, schema: &str) -> Result<bool> {
    let prisma = format!("{}.{}", ident(schema), ident("_prisma_migrations"));
    let found: Option<String> = sqlx::query_scalar("SELECT to_regclass($1)::text")
        .persistent(false)
        .bind(&prisma)
        .fetch_one(&mut *conn)
        .await?;
    if found.is_none() {
        return Ok(false);
    }
    if !history::exists(conn, schema).await? {
        return Ok(true);
    }
    let rows: bool = sqlx::query_scalar(&format!("SELECT EXISTS (SELECT FROM {})", history::table(schema)))
        .persistent(false)
        .fetch_one(conn)
        .await
        .context("cannot read the history table")?;
    Ok(!rows)
}
