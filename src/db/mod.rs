//! ehrdb's side of a PostgreSQL connection: opening one from a URL and
//! reading a database's schema ([`introspect`]).
//!
//! Takes a connection URL (read with Prisma's meaning of its parameters,
//! [`url`]) and returns a [`PgConnection`] or an error that names the
//! server (the URL with its password masked) and says what went wrong. A password never appears in an error, whether it came in the
//! URL's user info, its `password=` parameter or `PGPASSWORD`, and however
//! the driver phrased its message. Nothing here prints.

pub mod apply;
pub mod history;
pub mod introspect;
pub mod lock;
pub mod plan;
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

/// A URL cut at its separators, as written (nothing decoded).
struct Parts<'a> {
    scheme: &'a str,
    user_info: Option<&'a str>,
    /// The user info ran past a `/`, `?` or `#`: a password with one of
    /// them not percent-encoded, which the URL rules would split apart.
    raw_password: bool,
    host_port: &'a str,
    /// From the `/` after the host to the query, empty when absent.
    path: &'a str,
    query: Option<&'a str>,
    fragment: Option<&'a str>,
}

fn parts(url: &str) -> Option<Parts<'_>> {
    let (scheme, after) = url.split_once("://")?;
    let authority = &after[..after.find(['/', '?', '#']).unwrap_or(after.len())];
    // An `@` in a password: the last one ends the user info.
    let (user_info, raw_password, after_user) = match authority.rfind('@') {
        Some(at) => (Some(&authority[..at]), false, &after[at + 1..]),
        // `user:pa/ss@host` reads as host `user` with port `pa`; a port that
        // is not a number, with an `@` further on, is a password cut short.
        None if !authority.starts_with('[')
            && authority.split_once(':').is_some_and(|(_, port)| !port.bytes().all(|b| b.is_ascii_digit()))
            && after.contains('@') =>
        {
            let at = after.rfind('@').unwrap_or_default();
            (Some(&after[..at]), true, &after[at + 1..])
        }
        None => (None, false, after),
    };
    let host_end = after_user.find(['/', '?', '#']).unwrap_or(after_user.len());
    let (rest, fragment) = match after_user[host_end..].split_once('#') {
        Some((rest, fragment)) => (rest, Some(fragment)),
        None => (&after_user[host_end..], None),
    };
    let (path, query) = rest.split_once('?').map_or((rest, None), |(path, query)| (path, Some(query)));
    Some(Parts { scheme, user_info, raw_password, host_port: &after_user[..host_end], path, query, fragment })
}

/// Whether a query parameter holds a secret: `password`, `sslpassword`, and
/// near misses such as `pasword` or `pwd`, which are errors but are shown in
/// the error.
fn secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["pass", "pwd", "secret"].iter().any(|part| key.contains(part))
        || key == "pw"
        || ["password", "sslpassword"].iter().any(|name| edit_distance(&key, name) <= 2)
}

/// Edits (insert, delete, replace, swap of neighbours) that turn `a` into
/// `b`: the optimal string alignment distance.
fn edit_distance(a: &str, b: &str) -> usize {
    strsim::osa_distance(a, b)
}

/// The URL to show a user: its password, in the user info or a
/// `password=` parameter, replaced by `****`. Text that is not a URL is
/// not shown at all, since it may be a password pasted in the wrong place.
pub fn redact(url: &str) -> String {
    let Some(parts) = parts(url) else { return "(not a URL)".to_owned() };
    let mut shown = format!("{}://", parts.scheme);
    if let Some(user_info) = parts.user_info {
        match user_info.split_once(':') {
            Some((user, _)) => shown.push_str(&format!("{user}:****@")),
            None => shown.push_str(&format!("{user_info}@")),
        }
    }
    shown.push_str(parts.host_port);
    shown.push_str(parts.path);
    if let Some(query) = parts.query {
        let parameters: Vec<String> = query
            .split('&')
            .map(|parameter| match parameter.split_once('=') {
                Some((key, _)) if secret_key(key) => format!("{key}=****"),
                _ => parameter.to_owned(),
            })
            .collect();
        shown.push_str(&format!("?{}", parameters.join("&")));
    }
    if let Some(fragment) = parts.fragment {
        shown.push_str(&format!("#{fragment}"));
    }
    shown
}

/// Every password in `url`, as written and percent-decoded.
pub(crate) fn passwords(url: &str) -> Vec<String> {
    let mut found = Vec::new();
    let Some(parts) = parts(url) else { return found };
    if let Some((_, password)) = parts.user_info.and_then(|user_info| user_info.split_once(':')) {
        found.push(password.to_owned());
    }
    for parameter in parts.query.unwrap_or_default().split('&') {
        if let Some((key, value)) = parameter.split_once('=') {
            if secret_key(key) {
                found.push(value.to_owned());
            }
        }
    }
    // `+` is a space in a query and itself in the user info; mask both.
    let decoded: Vec<String> = [true, false]
        .iter()
        .flat_map(|&plus| found.iter().map(move |p| String::from_utf8_lossy(&percent_decode(p, plus)).into_owned()))
        .collect();
    found.extend(decoded);
    found.retain(|p| !p.is_empty());
    // Longest first, so a password that contains another is masked whole.
    found.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    found.dedup();
    found
}

/// `text` with its `%XX` escapes decoded, and `+` read as a space when
/// `plus_is_space` (in a query, not in the user info).
fn percent_decode(text: &str, plus_is_space: bool) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok());
        match (bytes[i], hex.and_then(|h| u8::from_str_radix(h, 16).ok())) {
            (b'%', Some(byte)) => {
                out.push(byte);
                i += 3;
            }
            (b'+', _) if plus_is_space => {
                out.push(b' ');
                i += 1;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    out
}

/// `message` with every secret replaced by `****`.
fn scrub(message: &str, secrets: &[String]) -> String {
    secrets.iter().fold(message.to_owned(), |message, secret| message.replace(secret.as_str(), "****"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_masks_passwords_and_keeps_the_rest() {
        assert_eq!(redact("postgres://ehr:s3cr3t@db:5432/ehr"), "postgres://ehr:****@db:5432/ehr");
        assert_eq!(redact("postgresql://ehr@db/ehr?sslmode=require"), "postgresql://ehr@db/ehr?sslmode=require");
        assert_eq!(
            redact("postgres://db/ehr?user=ehr&password=hunter2&sslmode=verify-full"),
            "postgres://db/ehr?user=ehr&password=****&sslmode=verify-full"
        );
        // An `@` in a password: the last one ends the user info.
        assert_eq!(redact("postgres://ehr:p@ss@db/ehr"), "postgres://ehr:****@db/ehr");
        assert_eq!(redact("postgres://ehr:p%40ss@db"), "postgres://ehr:****@db");
        assert_eq!(redact("postgres://ehr:@db/ehr"), "postgres://ehr:****@db/ehr");
        assert_eq!(redact("hunter2"), "(not a URL)");
    }

    #[test]
    fn redaction_masks_a_password_the_url_rules_would_cut_short() {
        // Unencoded `/`, `?` and `#` end the host part; the password must not
        // end up shown as a host, a path or a query.
        assert_eq!(redact("postgres://ehr:pa/ss@db/ehr"), "postgres://ehr:****@db/ehr");
        assert_eq!(redact("postgres://ehr:pa?ss@db/ehr?schema=s"), "postgres://ehr:****@db/ehr?schema=s");
        assert_eq!(redact("postgres://ehr:pa#ss@db:5432/ehr"), "postgres://ehr:****@db:5432/ehr");
        // A port, an IPv6 host or an `@` in the query are not passwords.
        assert_eq!(
            redact("postgres://db:5432/ehr?application_name=a@b"),
            "postgres://db:5432/ehr?application_name=a@b"
        );
        assert_eq!(redact("postgres://[::1]/ehr?application_name=a@b"), "postgres://[::1]/ehr?application_name=a@b");
    }

    #[test]
    fn redaction_masks_every_parameter_that_looks_like_a_password() {
        assert_eq!(
            redact("postgres://db/ehr?sslpassword=p12&pasword=typo&pwd=x&pssword=y&schema=s"),
            "postgres://db/ehr?sslpassword=****&pasword=****&pwd=****&pssword=****&schema=s"
        );
    }

    #[test]
    fn passwords_are_found_as_written_and_decoded() {
        assert_eq!(passwords("postgres://ehr:p%40ss+w@db/ehr"), ["p%40ss+w", "p@ss w", "p@ss+w"]);
        assert_eq!(passwords("postgres://ehr@db/ehr?PASSWORD=a%20b#x"), ["a%20b", "a b"]);
        assert_eq!(passwords("postgres://ehr:same@db/ehr?password=same"), ["same"]);
        assert!(passwords("postgres://ehr@db/ehr").is_empty());
        assert_eq!(passwords("postgres://ehr:pa/ss@db/ehr?sslpassword=p12"), ["pa/ss", "p12"]);
    }

    #[test]
    fn scrubbing_masks_every_occurrence() {
        let secrets = passwords("postgres://u:pw%21@h/d");
        assert_eq!(scrub("bad pw! and pw%21 again pw!", &secrets), "bad **** and **** again ****");
    }

    #[tokio::test]
    async fn a_url_ehrdb_rejects_is_reported_without_its_password() {
        let error = connect("postgres://ehr:s3cr3t@db:notaport/ehr").await.expect_err("a bad port").to_string();
        assert!(!error.contains("s3cr3t"), "{error}");
        assert!(error.starts_with("invalid database URL postgres://ehr:****@db:notaport/ehr: "), "{error}");
    }
}
