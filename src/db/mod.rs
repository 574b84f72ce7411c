//! ehrdb's side of a PostgreSQL database: where to connect ([`url`]), the
//! history table ([`history`]), the migration lock ([`lock`]), what a run
//! would do ([`plan`]), the migrator that runs migrations ([`apply`]),
//! Prisma Migrate's history ([`prisma`]), and reading a database's schema
//! back ([`introspect`]).
//!
//! Takes a connection URL (read with Prisma's meaning of its parameters)
//! and returns a [`PgConnection`] or an error that names the server (the
//! URL with its password masked, [`crate::secrets`]) and says what went
//! wrong. A password never appears in an error, whether it came in the
//! URL's user info, its `password=` parameter or `PGPASSWORD`, and however
//! the driver phrased its message. Nothing here prints.

pub mod apply;
pub mod history;
pub mod introspect;
pub mod lock;
pub mod plan;
pub mod pooler;
pub mod prisma;
pub mod url;

use std::path::Path;

use anyhow::{Context, Result};
use sqlx::PgConnection;

pub use introspect::{introspect, introspect_namespaces};

/// The runtime database commands run on: one thread, as they hold one
/// connection at a time.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start the async runtime")
}

/// One connection to the database at `url`, read as [`url::Target::parse`]
/// reads it (Prisma's parameters), for a command that has no better
/// application name than `ehrdb`.
pub async fn connect(url: &str) -> Result<PgConnection> {
    url::Target::parse(url, Path::new(""))?.connect("ehrdb").await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_url_ehrdb_rejects_is_reported_without_its_password() {
        let error = connect("postgres://ehr:s3cr3t@db:notaport/ehr").await.expect_err("a bad port").to_string();
        assert!(!error.contains("s3cr3t"), "{error}");
        assert!(error.starts_with("invalid database URL postgres://ehr:****@db:notaport/ehr: "), "{error}");
    }
}
