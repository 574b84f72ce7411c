//! The application's `.env` files: what kind each is, its variables with
//! their lines, and whether git tracks it.
//!
//! [`EnvFile::read`] takes a file's text and reads it with the rules ehrdb
//! reads `.env` by ([`crate::db::url::dotenv`]); [`tracked`] asks git
//! (`git ls-files`, `git check-ignore`) and says when it cannot. The
//! helpers judge passwords in URLs and secret variables without ever
//! returning one: callers show [`crate::db::redact`]ed URLs and variable
//! names only. Whether a password is a placeholder is a heuristic.

use std::path::Path;
use std::process::Command;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `.env.example`, `.env.sample`, `.env.template`, `.env.dist`.
    Example,
    /// `.env.test`: the test suite's database.
    Test,
    /// Any other `.env*`: a developer's or a deployment's real settings.
    Real,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Tracked {
    Committed,
    /// Not committed, and not ignored either: `git add .` commits it.
    NotIgnored,
    Ignored,
    /// Why git cannot say.
    Unknown(String),
}

#[derive(Debug, Clone)]
pub(crate) struct EnvFile {
    pub path: String,
    pub kind: Kind,
    /// Name, value, line; lines ehrdb cannot read are left out.
    pub variables: Vec<(String, String, usize)>,
    pub tracked: Tracked,
}

impl EnvFile {
    pub fn read(path: &Path, shown: &str, text: &str) -> EnvFile {
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let variables = crate::db::url::dotenv::variables(text)
            .into_iter()
            .filter_map(|(line, name, value)| Some((name, value.ok()?, line)))
            .collect();
        EnvFile { path: shown.to_owned(), kind: kind(&name), variables, tracked: tracked(path) }
    }

    /// The last value of `name`, with its line.
    pub fn get(&self, name: &str) -> Option<(&str, usize)> {
        self.variables.iter().rev().find(|(n, _, _)| n == name).map(|(_, value, line)| (value.as_str(), *line))
    }

    /// The variables that hold a secret: a URL with a password, or a
    /// `*PASSWORD*`, `*SECRET*`, `*TOKEN*` or `*API_KEY*` variable with a
    /// value. With `real_only`, placeholders do not count. Names and lines
    /// only, never values.
    pub fn secrets(&self, real_only: bool) -> Vec<(String, usize)> {
        self.variables
            .iter()
            .filter(|(name, value, _)| {
                let passwords = url_passwords(value);
                let upper = name.to_ascii_uppercase();
                let secret_name = ["PASSWORD", "PASSWD", "SECRET", "TOKEN", "API_KEY", "PRIVATE_KEY"]
                    .iter()
                    .any(|w| upper.contains(w))
                    && !value.is_empty();
                let candidates = if passwords.is_empty() && secret_name { vec![value.clone()] } else { passwords };
                !candidates.is_empty() && (!real_only || candidates.iter().all(|p| !placeholder(p)))
            })
            .map(|(name, _, line)| (name.clone(), *line))
            .collect()
    }
}

fn kind(name: &str) -> Kind {
    let lower = name.to_ascii_lowercase();
    let suffix = lower.strip_prefix(".env").unwrap_or(&lower);
    if ["example", "sample", "template", "dist", "defaults"].iter().any(|w| suffix.contains(w)) {
        Kind::Example
    } else if suffix.split('.').any(|w| w == "test" || w == "testing" || w == "e2e") {
        Kind::Test
    } else {
        Kind::Real
    }
}

/// Whether `name` is an env file's name: `.env` or `.env.<something>`.
pub(crate) fn is_env_file(name: &str) -> bool {
    name == ".env" || (name.starts_with(".env.") && !name.ends_with(".swp"))
}

/// What git says about `path`.
fn tracked(path: &Path) -> Tracked {
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        return Tracked::Unknown("no folder".into());
    };
    let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
    let git = |args: &[&str]| Command::new("git").arg("-C").arg(dir).args(args).arg("--").arg(name).output();
    match git(&["ls-files", "--error-unmatch"]) {
        Err(_) => Tracked::Unknown("git is not installed, so ehrdb cannot tell whether it is committed".into()),
        Ok(out) if out.status.success() => Tracked::Committed,
        Ok(_) => match git(&["check-ignore", "-q"]).map(|o| o.status.code()) {
            Ok(Some(0)) => Tracked::Ignored,
            Ok(Some(1)) => Tracked::NotIgnored,
            _ => Tracked::Unknown("not in a git repository, so ehrdb cannot tell whether it is committed".into()),
        },
    }
}

/// The passwords of a URL-like value; empty when it has none.
pub(crate) fn url_passwords(value: &str) -> Vec<String> {
    if !value.contains("://") {
        return Vec::new();
    }
    crate::secrets::passwords(value)
}

/// Whether a password reads as a placeholder rather than a real one
/// (a heuristic): a variable (`${DB_PASSWORD}`), something in angle or
/// square brackets, one character repeated, or a word such as password,
/// changeme, secret, example, postgres.
pub(crate) fn placeholder(password: &str) -> bool {
    const WORDS: [&str; 16] = [
        "pass",
        "pwd",
        "secret",
        "change",
        "example",
        "your",
        "xxx",
        "todo",
        "placeholder",
        "replace",
        "dummy",
        "postgres",
        "admin",
        "local",
        "dev",
        "test",
    ];
    let lower = password.to_ascii_lowercase();
    let mut chars = password.chars();
    let first = chars.next();
    password.starts_with('$')
        || (password.starts_with('<') && password.ends_with('>'))
        || (password.starts_with('[') && password.ends_with(']'))
        || (password.starts_with('{') && password.ends_with('}'))
        || first.is_some_and(|c| chars.all(|d| d == c))
        || WORDS.iter().any(|w| lower.contains(w))
}

/// The host, port and database of a URL as written, to tell two databases
/// apart; `None` when the value is not a URL.
pub(crate) fn database_of(url: &str) -> Option<String> {
    let (_, rest) = url.split_once("://")?;
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let host = rest[..authority_end].rsplit('@').next().unwrap_or_default();
    let path = &rest[authority_end..];
    let database = path.strip_prefix('/').unwrap_or("").split(['?', '#']).next().unwrap_or_default();
    let schema = crate::check::url_parameter(url, "schema").map(|s| format!(" (schema {s})")).unwrap_or_default();
    Some(format!("{}/{database}{schema}", if host.is_empty() { "localhost" } else { host }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_of_env_files() {
        assert_eq!(kind(".env.example"), Kind::Example);
        assert_eq!(kind(".env.sample"), Kind::Example);
        assert_eq!(kind(".env.test"), Kind::Test);
        assert_eq!(kind(".env.test.local"), Kind::Test);
        assert_eq!(kind(".env"), Kind::Real);
        assert_eq!(kind(".env.production"), Kind::Real);
        assert!(is_env_file(".env") && is_env_file(".env.local") && !is_env_file(".envrc"));
    }

    #[test]
    fn placeholders_and_real_passwords() {
        for word in ["password", "changeme", "${DB_PASSWORD}", "<password>", "postgres", "****", "your_password"] {
            assert!(placeholder(word), "{word}");
        }
        for word in ["Xk9#mQ2vLp", "hunter2", "s3cr3t"] {
            assert!(!placeholder(word), "{word}");
        }
    }

    #[test]
    fn secrets_are_named_never_shown() {
        let text = "DATABASE_URL=postgres://ehr:Xk9mQ2vLp@db/ehr\nJWT_SECRET=\nAPI_TOKEN=abc\nSHADOW=postgres://ehr:postgres@db/s\n";
        let file = EnvFile {
            path: ".env".into(),
            kind: Kind::Real,
            variables: crate::db::url::dotenv::variables(text)
                .into_iter()
                .map(|(line, name, value)| (name, value.unwrap(), line))
                .collect(),
            tracked: Tracked::Committed,
        };
        assert_eq!(
            file.secrets(false),
            [("DATABASE_URL".to_owned(), 1), ("API_TOKEN".to_owned(), 3), ("SHADOW".to_owned(), 4)]
        );
        assert_eq!(file.secrets(true), [("DATABASE_URL".to_owned(), 1), ("API_TOKEN".to_owned(), 3)]);
    }

    #[test]
    fn databases_are_told_apart_by_host_and_name() {
        assert_eq!(database_of("postgres://u:p@db:5432/ehr?sslmode=require").as_deref(), Some("db:5432/ehr"));
        assert_eq!(
            database_of("postgresql://localhost/ehr_test?schema=test").as_deref(),
            Some("localhost/ehr_test (schema test)")
        );
        assert_eq!(database_of("not a url"), None);
    }
}
