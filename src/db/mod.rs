//! ehrdb's side of a PostgreSQL connection: opening one from a URL and
//! reading a database's schema ([`introspect`]).
//!
//! Takes a connection URL and returns a [`PgConnection`] or an error that
//! names the server (the URL with its password masked) and says what went
//! wrong. A password never appears in an error, whether it came in the
//! URL's user info, its `password=` parameter or `PGPASSWORD`, and however
//! the driver phrased its message. Nothing here prints.

pub mod apply;
pub mod history;
pub mod introspect;
pub mod lock;
pub mod plan;
pub mod prisma;
pub mod url;

use std::str::FromStr;

use anyhow::{Context, Result, anyhow};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, PgConnection};

pub use introspect::{introspect, introspect_namespaces};

/// The runtime database commands run on: one thread, as they hold one
/// connection at a time.
pub fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread().enable_all().build().context("cannot start the async runtime")
}

/// One connection to the database at `url` (`postgres://` or
/// `postgresql://`, with libpq's parameters such as `sslmode`).
pub async fn connect(url: &str) -> Result<PgConnection> {
    let mut secrets = passwords(url);
    // sqlx falls back to PGPASSWORD when the URL has no password.
    secrets.extend(std::env::var("PGPASSWORD").ok().filter(|p| !p.is_empty()));
    let shown = redact(url);
    let options = PgConnectOptions::from_str(url)
        .map_err(|e| anyhow!("invalid database URL {shown}: {}", scrub(&e.to_string(), &secrets)))?;
    // The error becomes text here, scrubbed, so no source error further
    // down the chain can show the password either.
    options.connect().await.map_err(|e| anyhow!("cannot connect to {shown}: {}", scrub(&e.to_string(), &secrets)))
}

/// The URL to show a user: its password, in the user info or a
/// `password=` parameter, replaced by `****`. Text that is not a URL is
/// not shown at all, since it may be a password pasted in the wrong place.
pub fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else { return "(not a URL)".to_owned() };
    let authority_start = scheme_end + 3;
    let authority_end = url[authority_start..].find(['/', '?', '#']).map_or(url.len(), |i| authority_start + i);
    let mut shown = String::with_capacity(url.len());
    shown.push_str(&url[..authority_start]);
    let authority = &url[authority_start..authority_end];
    match authority.rfind('@') {
        Some(at) => {
            let user_info = &authority[..at];
            match user_info.split_once(':') {
                Some((user, _)) => shown.push_str(&format!("{user}:****")),
                None => shown.push_str(user_info),
            }
            shown.push_str(&authority[at..]);
        }
        None => shown.push_str(authority),
    }
    let rest = &url[authority_end..];
    match rest.split_once('?') {
        Some((path, query)) => {
            let (query, fragment) = query.split_once('#').map_or((query, None), |(q, f)| (q, Some(f)));
            let parameters: Vec<String> = query
                .split('&')
                .map(|parameter| match parameter.split_once('=') {
                    Some((key, _)) if key.eq_ignore_ascii_case("password") => format!("{key}=****"),
                    _ => parameter.to_owned(),
                })
                .collect();
            shown.push_str(&format!("{path}?{}", parameters.join("&")));
            if let Some(fragment) = fragment {
                shown.push_str(&format!("#{fragment}"));
            }
        }
        None => shown.push_str(rest),
    }
    shown
}

/// Every password in `url`, as written and percent-decoded.
fn passwords(url: &str) -> Vec<String> {
    let mut found = Vec::new();
    let after_scheme = url.find("://").map_or(url, |i| &url[i + 3..]);
    let authority = &after_scheme[..after_scheme.find(['/', '?', '#']).unwrap_or(after_scheme.len())];
    if let Some((user_info, _)) = authority.rsplit_once('@') {
        if let Some((_, password)) = user_info.split_once(':') {
            found.push(password.to_owned());
        }
    }
    if let Some((_, query)) = url.split_once('?') {
        let query = query.split('#').next().unwrap_or(query);
        for parameter in query.split('&') {
            if let Some((key, value)) = parameter.split_once('=') {
                if key.eq_ignore_ascii_case("password") {
                    found.push(value.to_owned());
                }
            }
        }
    }
    let decoded: Vec<String> = found.iter().map(|p| percent_decode(p)).collect();
    found.extend(decoded);
    found.retain(|p| !p.is_empty());
    // Longest first, so a password that contains another is masked whole.
    found.sort_by_key(|p| std::cmp::Reverse(p.len()));
    found.dedup();
    found
}

fn percent_decode(text: &str) -> String {
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
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (byte, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
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
    fn passwords_are_found_as_written_and_decoded() {
        assert_eq!(passwords("postgres://ehr:p%40ss+w@db/ehr"), ["p%40ss+w", "p@ss w"]);
        assert_eq!(passwords("postgres://ehr@db/ehr?PASSWORD=a%20b#x"), ["a%20b", "a b"]);
        assert_eq!(passwords("postgres://ehr:same@db/ehr?password=same"), ["same"]);
        assert!(passwords("postgres://ehr@db/ehr").is_empty());
    }

    #[test]
    fn scrubbing_masks_every_occurrence() {
        let secrets = passwords("postgres://u:pw%21@h/d");
        assert_eq!(scrub("bad pw! and pw%21 again pw!", &secrets), "bad **** and **** again ****");
    }

    #[tokio::test]
    async fn a_url_sqlx_rejects_is_reported_without_its_password() {
        let error = connect("postgres://ehr:s3cr3t@db:notaport/ehr").await.expect_err("a bad port").to_string();
        assert!(!error.contains("s3cr3t"), "{error}");
        assert!(error.starts_with("invalid database URL postgres://ehr:****@db:notaport/ehr: "), "{error}");
    }
}
