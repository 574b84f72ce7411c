//! Reading a URL's text into a [`Target`]: its parts decoded, every
//! parameter checked and translated into the driver's options, or an error
//! that names the parameter and never shows a secret.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgSslMode};

use super::{DEFAULT_CONNECT_TIMEOUT, Ssl, SslMode, Target};
use crate::secrets::{Url, passwords, percent_decode, scrub, split_url};
use crate::sql::render::ident;

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

/// Everything `Target::parse` does, its error not yet prefixed with the URL.
pub(super) fn read(url: &str, base: &Path, shown: &str) -> Result<Target, String> {
    let parts = match split_url(url).ok_or("expected postgres://USER:PASSWORD@HOST:PORT/DATABASE")? {
        Url::Parts(parts) => parts,
        Url::Unreadable { .. } => {
            return Err("there is an `@` after the host part: a password or user name with `/`, `?`, `#` or `@` in \
                        it must be percent-encoded (%2F, %3F, %23, %40), and so must an `@` in a parameter other \
                        than application_name, options, user or password; the URL is shown only from its last `@` \
                        on, since any other part of it could hold a piece of the password"
                .into());
        }
    };
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
    // Unnamed statements only: ehrdb runs each query once or twice, and a
    // transaction-mode pooler hands a named one to whichever session is next.
    options = options.statement_cache_capacity(0);

    let search_path_option = (!pgbouncer).then(|| search_path_option(&schema));
    Ok(Target {
        shown: shown.to_owned(),
        schema,
        pgbouncer,
        connection_limit,
        pool_timeout,
        connect_timeout,
        ssl,
        options,
        search_path_option,
        server_options_given: server_options.is_some(),
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

/// The longest `connect_timeout` or `pool_timeout`: an hour. A longer one
/// is a typo (milliseconds?), and a deadline that far off overflows.
const MAX_TIMEOUT_SECONDS: u64 = 3_600;

fn seconds(key: &str, value: &str) -> Result<Duration, String> {
    value.parse().ok().filter(|seconds| *seconds <= MAX_TIMEOUT_SECONDS).map(Duration::from_secs).ok_or_else(|| {
        format!("`{key}` must be a whole number of seconds from 0 to {MAX_TIMEOUT_SECONDS}, not `{value}`")
    })
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
pub(super) fn near_miss(key: &str) -> Option<&'static str> {
    let key = key.to_ascii_lowercase();
    let limit = (key.chars().count() / 3).clamp(1, 2);
    KNOWN
        .iter()
        .map(|known| (strsim::osa_distance(&key, known), *known))
        .filter(|(d, _)| *d <= limit)
        .min()
        .map(|(_, k)| k)
}
