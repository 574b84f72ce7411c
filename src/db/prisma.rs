//! `_prisma_migrations`, the history table `prisma migrate` keeps: what a
//! database moving from Prisma Migrate to ehrdb has applied, so `ehrdb
//! baseline` can start from there.
//!
//! Takes a connection and the target schema; returns the table's rows, or
//! `None` when there is no such table. Only reads.

use anyhow::{Context, Result};
use sqlx::PgConnection;

use crate::migrations::Migration;
use crate::sql::render::ident;

/// One row of `_prisma_migrations`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrismaMigration {
    /// The folder name, `YYYYMMDDHHMMSS_name`.
    pub name: String,
    /// UTC, when it finished; `None` when it did not (failed or running).
    pub finished_at: Option<String>,
    pub rolled_back: bool,
}

impl PrismaMigration {
    /// The 14 digits Prisma puts before the name, which is also ehrdb's
    /// version of the same moment.
    pub fn version(&self) -> Option<&str> {
        let digits = self.name.get(..14)?;
        digits.bytes().all(|b| b.is_ascii_digit()).then_some(digits)
    }

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

    /// The ehrdb migration to baseline up to: the newest one that is not
    /// newer than the newest migration Prisma applied.
    pub fn starting_point<'a>(&self, migrations: &'a [Migration]) -> Option<&'a Migration> {
        let newest = self.newest_applied()?.version()?;
        migrations.iter().rev().find(|m| m.version.as_str() <= newest)
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
