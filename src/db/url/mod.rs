//! Where a database command connects: the URL from `--database-url`,
//! DATABASE_URL or `.env`, read with Prisma's meaning of its parameters.
//!
//! Takes the URL text (and the folder relative certificate paths resolve
//! from) and returns a [`Target`]: the connection options ehrdb hands its
//! driver (sqlx), plus the settings the audit reports on. Parameters are
//! translated, never passed on blindly: one ehrdb does not know, or a value
//! it cannot honour, is an error that names it. Nothing here prints, and no
//! message, `Debug` output or error shows a password: they use
//! [`Target::shown`], the URL with its passwords masked.
//!
//! # What each part of the URL means
//!
//! Where Prisma and libpq differ, Prisma's meaning wins; libpq's spellings
//! that Prisma lacks are accepted for what libpq means by them.
//!
//! - Scheme: `postgres://` or `postgresql://`. `prisma://` and
//!   `prisma+postgres://` (Prisma Accelerate) are refused: ehrdb needs the
//!   direct database URL.
//! - Host: the URL's host, or the `host` parameter, which wins (as in
//!   Prisma); a value starting with `/` is the folder of a Unix socket.
//!   Default `localhost`. Port: the URL's or `port`, default 5432. The
//!   database: the URL's path, default `postgres`. User and password: the
//!   user info or the `user` / `password` parameters, percent-decoded.
//!   Passwords with `/`, `?` or `#` must be percent-encoded.
//! - What the URL leaves out the driver may take from libpq's environment,
//!   as psql does: the user from PGUSER (else the login name), the password
//!   from PGPASSWORD, else `~/.pgpass`; a CA from PGSSLROOTCERT, a client
//!   certificate from PGSSLCERT and PGSSLKEY; PGOPTIONS before the URL's
//!   `options`. Host, port, database, sslmode and application_name always
//!   come from the URL or the defaults here.
//! - `sslmode`: Prisma's `disable`, `prefer` (the default) and `require`;
//!   libpq's `allow` reads as `prefer`, `verify-ca` and `verify-full` as
//!   `require` with the certificate verified (`verify-full` also checks the
//!   host name, `verify-ca` does not).
//! - `sslaccept`: `accept_invalid_certs` (Prisma's default) does not verify
//!   the server's certificate; `strict` does, host name included. The driver
//!   cannot verify in `prefer` mode, so `prefer` with `strict` insists on TLS
//!   (Prisma would fall back to plain text when the server has no TLS at
//!   all). `accept_invalid_certs` with `verify-ca` / `verify-full` is an error.
//! - `sslcert`: for Prisma the server's CA certificate (a PEM file), relative
//!   to the folder of schema.prisma; libpq's `sslrootcert` means the same
//!   (give one of them), and with `sslmode=require` and no `sslaccept` it
//!   verifies the certificate as libpq's `verify-ca` would. A CA is only
//!   used when certificates are verified.
//! - `sslidentity`, `sslpassword` (Prisma's PKCS#12 client identity) and
//!   libpq's `sslkey` are errors: ehrdb does not support client
//!   certificates yet.
//! - `schema`: the target schema, `public` by default; the history table
//!   lives there. The session's `search_path` is set to it, by a startup
//!   option, or with `SET` after connecting when `pgbouncer=true` (PgBouncer
//!   does not pass startup options on).
//! - `connection_limit` (a whole number from 1) and `pool_timeout` (seconds,
//!   0 = no limit): checked and kept for the audit; ehrdb itself holds one
//!   connection.
//! - `connect_timeout`: seconds to wait for the connection, TLS and sign-in
//!   included; 5 when absent (Prisma's default), 0 waits without limit, at
//!   most 3600 (as `pool_timeout`).
//! - `pgbouncer`: `true` or `false`, kept on the target: a transaction-mode
//!   pooler breaks session state (advisory locks, prepared statements), so
//!   callers decide what they can do through one.
//! - `application_name`: the URL's, else the command's own. `options`: passed
//!   to the server, ahead of the `search_path` option.
//! - `channel_binding`: `disable` and `prefer` are accepted (the driver never
//!   binds); `require` is an error, since the driver cannot honour it.
//! - `statement_cache_size`, `socket_timeout`, `max_connection_lifetime`,
//!   `max_idle_connection_lifetime`: Prisma's pool and query settings; their
//!   values are checked (whole numbers) and then ignored.
//! - Anything else is an error that names the parameter, suggests the one
//!   meant for a near miss (`sslmdoe`: `sslmode`) and lists the known ones;
//!   so is a parameter given twice.

pub(crate) mod dotenv;
mod parse;
#[cfg(test)]
mod tests;

use std::env::VarError;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Result, anyhow, bail};

use crate::ast::{BlockKind, Expr};
use crate::fragments::Fragments;
use sqlx::postgres::{PgConnectOptions, PgSslMode};
use sqlx::{ConnectOptions, PgConnection};

use crate::secrets::{redact, scrub};
use crate::sql::render::ident;

/// Prisma's `connect_timeout` when the URL gives none.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Where the URL came from, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UrlSource {
    Flag,
    Environment,
    DotEnv(PathBuf),
}

impl fmt::Display for UrlSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UrlSource::Flag => f.write_str("--database-url"),
            UrlSource::Environment => f.write_str("DATABASE_URL"),
            UrlSource::DotEnv(path) => write!(f, ".env ({})", path.display()),
        }
    }
}

/// The URL to use: `flag`, else DATABASE_URL from the environment, else
/// DATABASE_URL from `.env` in `dir`; `None` when there is none. An empty
/// DATABASE_URL counts as unset.
pub fn find_url(flag: Option<&str>, dir: &Path) -> Result<Option<(String, UrlSource)>> {
    find_url_in(flag, std::env::var("DATABASE_URL"), dir)
}

fn find_url_in(
    flag: Option<&str>,
    environment: Result<String, VarError>,
    dir: &Path,
) -> Result<Option<(String, UrlSource)>> {
    if let Some(url) = flag {
        if url.trim().is_empty() {
            bail!("--database-url is empty");
        }
        return Ok(Some((url.to_owned(), UrlSource::Flag)));
    }
    match environment {
        Ok(url) if !url.is_empty() => return Ok(Some((url, UrlSource::Environment))),
        Ok(_) | Err(VarError::NotPresent) => {}
        Err(VarError::NotUnicode(_)) => bail!("DATABASE_URL in the environment is not valid UTF-8"),
    }
    let path = dir.join(".env");
    Ok(dotenv::database_url(&path)?.filter(|url| !url.is_empty()).map(|url| (url, UrlSource::DotEnv(path))))
}

/// The datasource's `directUrl`, the URL Prisma's migrations use instead of
/// `url` (a pooler's), read as Prisma 6 reads it: a literal, or `env("NAME")`
/// from the environment, else from `.env` in `dir`. Returns the URL and
/// where it came from; `None` without a `directUrl`. An `env("NAME")` whose
/// variable is set nowhere is an error, as it is for Prisma's migrations.
pub fn find_direct_url(fragments: &Fragments, dir: &Path) -> Result<Option<(String, String)>> {
    let datasource = fragments.fragments.iter().flat_map(|f| f.ast.blocks()).find(|b| b.kind == BlockKind::Datasource);
    let Some(property) = datasource.and_then(|d| d.property("directUrl")) else { return Ok(None) };
    match &property.value {
        Expr::String(text) => Ok(Some((text.value().to_owned(), "the datasource's directUrl".to_owned()))),
        Expr::Function(name, args) if name.name == "env" => {
            let Some(variable) = args.items.first().and_then(|a| a.value.as_ref()).and_then(|v| v.as_str()) else {
                return Ok(None);
            };
            let value = variable_url(variable, dir, "the datasource's directUrl")?;
            Ok(Some((value, format!("the datasource's directUrl (env \"{variable}\")"))))
        }
        _ => Ok(None),
    }
}

/// The URL in the environment variable `name`, else in `.env` in `dir`;
/// `used_by` says in the error what needed it.
pub fn variable_url(name: &str, dir: &Path, used_by: &str) -> Result<String> {
    if let Some(value) = std::env::var(name).ok().filter(|v| !v.is_empty()) {
        return Ok(value);
    }
    match dotenv::variable(&dir.join(".env"), name)?.filter(|v| !v.is_empty()) {
        Some(value) => Ok(value),
        None => bail!("{used_by} reads the environment variable {name}, which is not set (in the environment or .env)"),
    }
}

/// A parsed connection target.
#[derive(Clone)]
pub struct Target {
    /// The URL with its passwords masked: what messages show.
    pub shown: String,
    /// The target schema (`schema`, default `public`): the history table
    /// lives there and the session's search_path names it.
    pub schema: String,
    /// `pgbouncer=true`: a transaction-mode pooler is in the way.
    pub pgbouncer: bool,
    pub connection_limit: Option<u32>,
    /// `pool_timeout` when given; zero means no limit.
    pub pool_timeout: Option<Duration>,
    /// `None` waits without limit (`connect_timeout=0`); 5 s when absent.
    pub connect_timeout: Option<Duration>,
    /// What the URL asked for, in Prisma's terms.
    pub ssl: Ssl,
    options: PgConnectOptions,
    /// `-c search_path=...` for the startup packet; `None` when the
    /// search_path is set after connecting instead (a pooler that does not
    /// pass startup options on).
    search_path_option: Option<String>,
    /// The URL has its own `options`, which only a startup packet carries.
    server_options_given: bool,
    /// The URL sets `application_name`, so the command's name does not.
    application_given: bool,
    /// Every password the URL holds, for scrubbing driver messages.
    secrets: Vec<String>,
}

/// The driver's options with `-c search_path=...` among the startup
/// options, when there is one.
fn with_search_path(options: &PgConnectOptions, search_path: Option<&str>) -> PgConnectOptions {
    match search_path {
        Some(search_path) => options.clone().options([("search_path", search_path)]),
        None => options.clone(),
    }
}

/// PgBouncer's answer to a startup parameter it does not pass on.
pub const STARTUP_REFUSAL: &str = "unsupported startup parameter";

/// Why one connection attempt failed.
enum Failure {
    /// A pooler refused a startup parameter.
    StartupRefused(anyhow::Error),
    Other(anyhow::Error),
}

impl Failure {
    fn into_error(self) -> anyhow::Error {
        match self {
            Failure::StartupRefused(error) | Failure::Other(error) => error,
        }
    }
}

/// The TLS settings of a URL, after translation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ssl {
    pub mode: SslMode,
    /// The server's certificate is verified (when TLS is used).
    pub verify: bool,
    /// The CA certificate file (`sslcert` / `sslrootcert`), resolved.
    pub root_cert: Option<PathBuf>,
    /// `sslmode` is in the URL, rather than Prisma's default.
    pub mode_given: bool,
}

/// Prisma's three modes; libpq's others are read into them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SslMode {
    Disable,
    Prefer,
    Require,
}

impl fmt::Debug for Target {
    // By hand: the driver's options hold the password.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Target")
            .field("shown", &self.shown)
            .field("schema", &self.schema)
            .field("pgbouncer", &self.pgbouncer)
            .field("connection_limit", &self.connection_limit)
            .field("pool_timeout", &self.pool_timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("ssl", &self.ssl)
            .finish_non_exhaustive()
    }
}

impl Target {
    /// Reads `url`. `base` is the folder relative paths in it (`sslcert`)
    /// resolve from: Prisma resolves them from the folder of schema.prisma.
    pub fn parse(url: &str, base: &Path) -> Result<Target> {
        let shown = redact(url);
        parse::read(url, base, &shown).map_err(|why| anyhow!("invalid database URL {shown}: {why}"))
    }

    /// One connection (no pool), within the connect timeout, with
    /// `search_path` set to the schema and `application_name` set to
    /// `application` unless the URL sets one. Errors name [`Target::shown`]
    /// and never a password, PGPASSWORD's included.
    pub async fn connect(&self, application: &str) -> Result<PgConnection> {
        Ok(self.connect_noting(application).await?.0)
    }

    /// [`Target::connect`], and whether something in the way (PgBouncer)
    /// refused the startup `options` that carry the search_path: the
    /// connection is then made again without them, the search_path set
    /// after connecting.
    pub async fn connect_noting(&self, application: &str) -> Result<(PgConnection, bool)> {
        match self.connect_once(application, self.search_path_option.as_deref()).await {
            Err(Failure::StartupRefused(error)) if self.search_path_option.is_some() => {
                if self.server_options_given {
                    bail!(
                        "{error:#}; something between ehrdb and PostgreSQL (PgBouncer?) does not pass startup \
                         options on, so the URL's `options` cannot be honoured: leave it out, or connect to the \
                         server directly"
                    );
                }
                let connection = self.connect_once(application, None).await.map_err(Failure::into_error)?;
                Ok((connection, true))
            }
            result => Ok((result.map_err(Failure::into_error)?, false)),
        }
    }

    async fn connect_once(&self, application: &str, search_path: Option<&str>) -> Result<PgConnection, Failure> {
        let shown = &self.shown;
        if let (Some(cert), true) = (&self.ssl.root_cert, self.ssl.mode != SslMode::Disable) {
            // The driver would read it only after the server answers, and
            // say less about why it cannot (or wait on a FIFO for ever).
            match crate::input::read_bytes(cert) {
                Ok(Some(_)) => {}
                Ok(None) => {
                    return Err(Failure::Other(anyhow!(
                        "cannot connect to {shown}: the CA certificate {} does not exist",
                        cert.display()
                    )));
                }
                Err(e) => return Err(Failure::Other(anyhow!("cannot connect to {shown}: the CA certificate: {e:#}"))),
            }
        }
        let mut secrets = self.secrets.clone();
        secrets.extend(std::env::var("PGPASSWORD").ok().filter(|p| !p.is_empty()));
        let failed = |e: sqlx::Error| {
            let message = scrub(&e.to_string(), &secrets);
            let error = anyhow!("cannot connect to {shown}: {message}");
            if message.contains(STARTUP_REFUSAL) { Failure::StartupRefused(error) } else { Failure::Other(error) }
        };

        let mut options = with_search_path(&self.options, search_path);
        if !self.application_given {
            options = options.application_name(application);
        }
        let attempt = options.connect();
        let mut connection = match self.connect_timeout {
            Some(limit) => tokio::time::timeout(limit, attempt).await.map_err(|_| {
                Failure::Other(anyhow!(
                    "cannot connect to {shown}: no connection within {} s (connect_timeout; 0 waits without limit)",
                    limit.as_secs()
                ))
            })?,
            None => attempt.await,
        }
        .map_err(failed)?;
        if search_path.is_none() {
            let set = format!("SET search_path TO {}", ident(&self.schema));
            sqlx::raw_sql(&set).execute(&mut connection).await.map_err(failed)?;
        }
        Ok(connection)
    }

    /// The TLS mode handed to the driver.
    pub fn driver_ssl_mode(&self) -> PgSslMode {
        self.options.get_ssl_mode()
    }

    /// The host connected to, or the folder of the Unix socket.
    pub fn host(&self) -> String {
        match self.options.get_socket() {
            Some(folder) => folder.display().to_string(),
            None => self.options.get_host().to_owned(),
        }
    }

    pub fn port(&self) -> u16 {
        self.options.get_port()
    }

    /// The database's name.
    pub fn database(&self) -> &str {
        self.options.get_database().unwrap_or("postgres")
    }
}
