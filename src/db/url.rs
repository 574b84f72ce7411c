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
//!   included; 5 when absent (Prisma's default), 0 waits without limit.
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
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::env::VarError;
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use anyhow::{Result, anyhow, bail};
use sqlx::postgres::{PgConnectOptions, PgSslMode};
use sqlx::{ConnectOptions, PgConnection};

use super::{edit_distance, parts, passwords, percent_decode, redact, scrub};
use crate::sql::render::ident;

/// Prisma's `connect_timeout` when the URL gives none.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// The parameters ehrdb reads, in the order the error lists them.
const KNOWN: [&str; 20] = [
    "application_name",
    "channel_binding",
    "connect_timeout",
    "connection_limit",
    "host",
    "max_connection_lifetime",
    "max_idle_connection_lifetime",
    "options",
    "password",
    "pgbouncer",
    "pool_timeout",
    "port",
    "schema",
    "socket_timeout",
    "sslaccept",
    "sslcert",
    "sslmode",
    "sslrootcert",
    "statement_cache_size",
    "user",
];

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
    /// The URL sets `application_name`, so the command's name does not.
    application_given: bool,
    /// Every password the URL holds, for scrubbing driver messages.
    secrets: Vec<String>,
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
        read(url, base, &shown).map_err(|why| anyhow!("invalid database URL {shown}: {why}"))
    }

    /// One connection (no pool), within the connect timeout, with
    /// `search_path` set to the schema and `application_name` set to
    /// `application` unless the URL sets one. Errors name [`Target::shown`]
    /// and never a password, PGPASSWORD's included.
    pub async fn connect(&self, application: &str) -> Result<PgConnection> {
        let shown = &self.shown;
        if let (Some(cert), true) = (&self.ssl.root_cert, self.ssl.mode != SslMode::Disable) {
            // The driver would read it only after the server answers, and
            // say less about why it cannot.
            if let Err(e) = std::fs::File::open(cert) {
                bail!("cannot connect to {shown}: cannot read the CA certificate {}: {e}", cert.display());
            }
        }
        let mut secrets = self.secrets.clone();
        secrets.extend(std::env::var("PGPASSWORD").ok().filter(|p| !p.is_empty()));
        let failed = |e: sqlx::Error| anyhow!("cannot connect to {shown}: {}", scrub(&e.to_string(), &secrets));

        let options = if self.application_given {
            self.options.clone()
        } else {
            self.options.clone().application_name(application)
        };
        let attempt = options.connect();
        let mut connection = match self.connect_timeout {
            Some(limit) => tokio::time::timeout(limit, attempt).await.map_err(|_| {
                anyhow!(
                    "cannot connect to {shown}: no connection within {} s (connect_timeout; 0 waits without limit)",
                    limit.as_secs()
                )
            })?,
            None => attempt.await,
        }
        .map_err(failed)?;
        if self.pgbouncer {
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
}

/// Everything `Target::parse` does, its error not yet prefixed with the URL.
fn read(url: &str, base: &Path, shown: &str) -> Result<Target, String> {
    let parts = parts(url).ok_or("expected postgres://USER:PASSWORD@HOST:PORT/DATABASE")?;
    match parts.scheme.to_ascii_lowercase().as_str() {
        "postgres" | "postgresql" => {}
        "prisma" | "prisma+postgres" => {
            return Err(format!(
                "{}:// is a Prisma Accelerate URL, which only Prisma Client can use; ehrdb needs a direct \
                 database URL (postgres://...), such as the datasource's directUrl",
                parts.scheme
            ));
        }
        other => return Err(format!("the scheme must be postgres:// or postgresql://, not {other}://")),
    }
    if parts.raw_password {
        return Err("a password with `/`, `?` or `#` in it must be percent-encoded (%2F, %3F, %23)".into());
    }
    if parts.fragment.is_some() {
        return Err("unexpected `#`: percent-encode it as %23".into());
    }

    let (mut user, mut password) = (None, None);
    if let Some(user_info) = parts.user_info {
        let (name, secret) = user_info.split_once(':').map_or((user_info, None), |(u, p)| (u, Some(p)));
        user = Some(decode(name, false, "the user name")?).filter(|u| !u.is_empty());
        password = secret.map(|p| decode(p, false, "the password")).transpose()?;
    }
    let (mut host, mut port) = host_and_port(parts.host_port)?;
    let database = decode(parts.path.strip_prefix('/').unwrap_or(parts.path), false, "the database name")?;

    let mut given = parameters(parts.query.unwrap_or_default())?;
    if let Some(value) = given.remove("host") {
        host = Some(value).filter(|h| !h.is_empty());
    }
    if let Some(several) = host.as_deref().filter(|h| h.contains(',')) {
        return Err(format!("several hosts (`{several}`): ehrdb connects to one"));
    }
    if let Some(value) = given.remove("port") {
        port = Some(port_number(&value)?);
    }
    if let Some(value) = given.remove("user") {
        user = Some(value);
    }
    if let Some(value) = given.remove("password") {
        password = Some(value);
    }
    let schema = given.remove("schema").unwrap_or_else(|| "public".to_owned());
    if schema.is_empty() {
        return Err("`schema` is empty".into());
    }
    let pgbouncer = given.remove("pgbouncer").map(|v| boolean("pgbouncer", &v)).transpose()?.unwrap_or(false);
    let connection_limit = match given.remove("connection_limit") {
        Some(value) => Some(value.parse::<u32>().ok().filter(|n| *n > 0).ok_or_else(|| {
            format!("`connection_limit` must be a whole number of connections from 1, not `{value}`")
        })?),
        None => None,
    };
    let pool_timeout = given.remove("pool_timeout").map(|v| seconds("pool_timeout", &v)).transpose()?;
    let connect_timeout = match given.remove("connect_timeout") {
        Some(value) => Some(seconds("connect_timeout", &value)?).filter(|d| !d.is_zero()),
        None => Some(DEFAULT_CONNECT_TIMEOUT),
    };
    for ignored in ["statement_cache_size", "socket_timeout", "max_connection_lifetime", "max_idle_connection_lifetime"]
    {
        if let Some(value) = given.remove(ignored) {
            value.parse::<u64>().map_err(|_| format!("`{ignored}` must be a whole number, not `{value}`"))?;
        }
    }
    match given.remove("channel_binding").as_deref() {
        None | Some("disable" | "prefer") => {}
        Some("require") => {
            return Err("`channel_binding=require` cannot be honoured: ehrdb's driver does not do channel \
                        binding; use `channel_binding=prefer` or leave it out"
                .into());
        }
        Some(other) => return Err(format!("`channel_binding` must be disable, prefer or require, not `{other}`")),
    }
    let (ssl, driver_mode) = ssl(&mut given, base)?;
    let application_name = given.remove("application_name");
    let server_options = given.remove("options");
    debug_assert!(given.is_empty(), "every known parameter is read: {given:?}");

    // The driver reads PGPASSWORD and ~/.pgpass only while parsing a URL, so
    // the connection is described to it as one, every value encoded.
    let mut described = format!(
        "postgres://?host={}&port={}&dbname={}",
        encode(host.as_deref().unwrap_or("localhost")),
        port.unwrap_or(5432),
        encode(if database.is_empty() { "postgres" } else { &database })
    );
    for (key, value) in [("user", &user), ("password", &password), ("options", &server_options)] {
        if let Some(value) = value {
            described.push_str(&format!("&{key}={}", encode(value)));
        }
    }
    let secrets = passwords(url);
    let mut options = PgConnectOptions::from_str(&described).map_err(|e| scrub(&e.to_string(), &secrets))?;
    options = options.ssl_mode(driver_mode);
    if let Some(cert) = &ssl.root_cert {
        options = options.ssl_root_cert(cert);
    }
    if let Some(name) = &application_name {
        options = options.application_name(name);
    }
    if !pgbouncer {
        options = options.options([("search_path", search_path_option(&schema))]);
    }

    Ok(Target {
        shown: shown.to_owned(),
        schema,
        pgbouncer,
        connection_limit,
        pool_timeout,
        connect_timeout,
        ssl,
        options,
        application_given: application_name.is_some(),
        secrets,
    })
}

/// The query's parameters by name, decoded, each known and given once.
fn parameters(query: &str) -> Result<BTreeMap<String, String>, String> {
    let mut given = BTreeMap::new();
    for parameter in query.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = parameter.split_once('=').unwrap_or((parameter, ""));
        let key = decode(key, true, "a parameter name")?;
        let value = decode(value, true, &format!("`{key}`"))?;
        match key.as_str() {
            "sslidentity" | "sslpassword" | "sslkey" => {
                return Err(format!(
                    "`{key}` gives a TLS client certificate, which ehrdb does not support yet; \
                     leave it out and sign in with a password"
                ));
            }
            known if KNOWN.contains(&known) => {}
            unknown => {
                let hint = near_miss(unknown).map(|k| format!(" (did you mean `{k}`?)")).unwrap_or_default();
                return Err(format!("unknown parameter `{unknown}`{hint}; ehrdb knows {}", KNOWN.join(", ")));
            }
        }
        if given.insert(key.clone(), value).is_some() {
            return Err(format!("`{key}` is given twice"));
        }
    }
    Ok(given)
}

/// The TLS settings in Prisma's terms, and the driver's mode for them.
fn ssl(given: &mut BTreeMap<String, String>, base: &Path) -> Result<(Ssl, PgSslMode), String> {
    let mode_value = given.remove("sslmode");
    // libpq's verifying modes: the driver's mode for them.
    let (mode, libpq_verify) = match mode_value.as_deref() {
        None | Some("prefer" | "allow") => (SslMode::Prefer, None),
        Some("disable") => (SslMode::Disable, None),
        Some("require") => (SslMode::Require, None),
        Some("verify-ca") => (SslMode::Require, Some(PgSslMode::VerifyCa)),
        Some("verify-full") => (SslMode::Require, Some(PgSslMode::VerifyFull)),
        Some(other) => {
            return Err(format!(
                "`sslmode` must be disable, prefer or require (or libpq's allow, verify-ca, verify-full), not `{other}`"
            ));
        }
    };
    let accept = match given.remove("sslaccept").as_deref() {
        None => None,
        Some("strict") => Some(true),
        Some("accept_invalid_certs") => Some(false),
        Some(other) => return Err(format!("`sslaccept` must be strict or accept_invalid_certs, not `{other}`")),
    };
    let (prisma_cert, libpq_cert) = (given.remove("sslcert"), given.remove("sslrootcert"));
    if prisma_cert.is_some() && libpq_cert.is_some() {
        return Err("`sslcert` and `sslrootcert` both name the server's CA certificate; give one".into());
    }
    let libpq_verify = match (libpq_verify, accept) {
        (Some(_), Some(false)) => {
            return Err(format!(
                "`sslmode={}` verifies the server's certificate and `sslaccept=accept_invalid_certs` does not; \
                 give one",
                mode_value.unwrap_or_default()
            ));
        }
        // libpq verifies in `require` mode when it is given a CA.
        (None, None) if mode == SslMode::Require && libpq_cert.is_some() => Some(PgSslMode::VerifyCa),
        (verify, _) => verify,
    };
    let verify = libpq_verify.is_some() || accept == Some(true);
    let driver_mode = match (mode, verify) {
        (SslMode::Disable, _) => PgSslMode::Disable,
        (SslMode::Prefer, false) => PgSslMode::Prefer,
        (SslMode::Require, false) => PgSslMode::Require,
        (_, true) => libpq_verify.unwrap_or(PgSslMode::VerifyFull),
    };
    let root_cert = prisma_cert.or(libpq_cert).map(|path| {
        let path = PathBuf::from(path);
        if path.is_relative() && !base.as_os_str().is_empty() { base.join(path) } else { path }
    });
    if root_cert.as_ref().is_some_and(|p| p.as_os_str().is_empty()) {
        return Err("the CA certificate path (`sslcert`) is empty".into());
    }
    Ok((Ssl { mode, verify, root_cert, mode_given: mode_value.is_some() }, driver_mode))
}

fn host_and_port(text: &str) -> Result<(Option<String>, Option<u16>), String> {
    let (host, port) = match text.strip_prefix('[') {
        Some(inner) => {
            let (host, rest) = inner.split_once(']').ok_or("an IPv6 host needs its closing `]`")?;
            let port = match rest {
                "" => None,
                rest => Some(rest.strip_prefix(':').ok_or_else(|| format!("unexpected `{rest}` after the host"))?),
            };
            (host.to_owned(), port)
        }
        None => match text.split_once(':') {
            Some((host, port)) => (decode(host, false, "the host")?, Some(port)),
            None => (decode(text, false, "the host")?, None),
        },
    };
    let port = port.filter(|p| !p.is_empty()).map(port_number).transpose()?;
    Ok((Some(host).filter(|h| !h.is_empty()), port))
}

fn port_number(text: &str) -> Result<u16, String> {
    text.parse::<u16>()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| format!("the port `{text}` is not a number from 1 to 65535"))
}

fn boolean(key: &str, value: &str) -> Result<bool, String> {
    match value {
        "true" => Ok(true),
        "false" => Ok(false),
        _ => Err(format!("`{key}` must be true or false, not `{value}`")),
    }
}

fn seconds(key: &str, value: &str) -> Result<Duration, String> {
    value
        .parse()
        .map(Duration::from_secs)
        .map_err(|_| format!("`{key}` must be a whole number of seconds, not `{value}`"))
}

/// `text` percent-decoded, as UTF-8 without NUL (which the protocol cannot
/// carry). `what` names it in the error; the value itself is never shown.
fn decode(text: &str, plus_is_space: bool, what: &str) -> Result<String, String> {
    let decoded = String::from_utf8(percent_decode(text, plus_is_space))
        .map_err(|_| format!("{what} is not UTF-8 once percent-decoded"))?;
    if decoded.contains('\0') {
        return Err(format!("{what} contains a NUL character"));
    }
    Ok(decoded)
}

/// Every byte but letters and digits as `%XX`, for a query value.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| if b.is_ascii_alphanumeric() { char::from(b).to_string() } else { format!("%{b:02X}") })
        .collect()
}

/// The schema as the value of a `-c search_path=` startup option: quoted
/// as an identifier, then with white space and backslashes escaped, since
/// the server splits the options at white space.
fn search_path_option(schema: &str) -> String {
    let mut escaped = String::new();
    for c in ident(schema).chars() {
        if c.is_ascii_whitespace() || c == '\\' {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// The known parameter `key` is closest to, if it is a near miss: a
/// different case, or one or two letters off (a swap counts as one).
fn near_miss(key: &str) -> Option<&'static str> {
    let key = key.to_ascii_lowercase();
    let limit = (key.chars().count() / 3).clamp(1, 2);
    KNOWN.iter().map(|known| (edit_distance(&key, known), *known)).filter(|(d, _)| *d <= limit).min().map(|(_, k)| k)
}
