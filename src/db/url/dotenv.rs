//! A variable (DATABASE_URL, a datasource's `env("NAME")`) from a `.env`
//! file, read by the rules such files share:
//! `KEY=VALUE` lines, an optional `export ` in front, `#` comments (a whole
//! line, or after white space past an unquoted value), 'single quotes' kept
//! as written, "double quotes" with the escapes `\n`, `\"` and `\\`. No
//! variable expansion.
//!
//! Takes the file's path and a name and returns the value of the last line
//! that sets it, or `None` when the file or the line is missing. Lines that
//! define other variables are skipped unread, whatever their form; a line of
//! the variable that ehrdb cannot read is an error naming the file and the
//! line, never the value.

use std::path::Path;

use anyhow::{Result, bail};

const KEY: &str = "DATABASE_URL";

pub(super) fn database_url(path: &Path) -> Result<Option<String>> {
    variable(path, KEY)
}

/// The value of `key` in the file at `path`.
pub(super) fn variable(path: &Path, key: &str) -> Result<Option<String>> {
    let Some(bytes) = crate::input::read_bytes(path)? else { return Ok(None) };
    // Lossy, so that a stray byte elsewhere in the file does not matter;
    // one in the URL does.
    let text = String::from_utf8_lossy(&bytes);
    match lookup(&text, key) {
        Ok(Some(value)) if value.contains(char::REPLACEMENT_CHARACTER) => {
            bail!("{}: {key} is not valid UTF-8", path.display())
        }
        Ok(found) => Ok(found),
        Err((line, why)) => bail!("{}:{line}: {key}: {why}", path.display()),
    }
}

/// Every variable of `text` in order: its line, its name, and its value
/// or why the line cannot be read. For `ehrdb check --app`, which judges
/// a project's .env files and must never show a value.
pub(crate) fn variables(text: &str) -> Vec<(usize, String, Result<String, &'static str>)> {
    let mut found = Vec::new();
    for (number, line) in text.strip_prefix('\u{feff}').unwrap_or(text).lines().enumerate() {
        match parse_line(line) {
            Ok(Some((name, value))) => found.push((number + 1, name.to_owned(), Ok(value))),
            Err((Some(name), why)) => found.push((number + 1, name.to_owned(), Err(why))),
            _ => {}
        }
    }
    found
}

/// The last value of `key` in `text`, or the line number and the reason
/// when a line that defines `key` is malformed.
fn lookup(text: &str, key: &str) -> Result<Option<String>, (usize, &'static str)> {
    let mut found = None;
    for (number, line) in text.strip_prefix('\u{feff}').unwrap_or(text).lines().enumerate() {
        match parse_line(line) {
            Ok(Some((name, value))) if name == key => found = Some(value),
            Err((Some(name), why)) if name == key => return Err((number + 1, why)),
            _ => {}
        }
    }
    Ok(found)
}

/// What is wrong with a line, and its name when it has one.
type Malformed<'a> = (Option<&'a str>, &'static str);

/// A line's name and value; `None` for a blank or comment line. A
/// malformed line says why.
fn parse_line(line: &str) -> Result<Option<(&str, String)>, Malformed<'_>> {
    let line = line.trim_start();
    if line.is_empty() || line.starts_with('#') {
        return Ok(None);
    }
    let line = match line.strip_prefix("export") {
        Some(rest) if rest.starts_with([' ', '\t']) => rest.trim_start(),
        _ => line,
    };
    let name_end =
        line.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-'))).unwrap_or(line.len());
    let (name, rest) = line.split_at(name_end);
    if name.is_empty() {
        return Err((None, "a line must start with a name"));
    }
    let Some(value) = rest.trim_start().strip_prefix('=') else {
        return Err((Some(name), "expected `=` after the name"));
    };
    let value = value.trim_start();
    let (value, after) = match value.chars().next() {
        Some('"') => double_quoted(&value[1..]).ok_or((Some(name), "the double quote is not closed"))?,
        Some('\'') => {
            let (inner, after) = value[1..].split_once('\'').ok_or((Some(name), "the single quote is not closed"))?;
            (inner.to_owned(), after)
        }
        _ => {
            // `#` starts a comment only after white space: URLs hold `#`.
            let end = value.find(" #").into_iter().chain(value.find("\t#")).min().unwrap_or(value.len());
            return Ok(Some((name, value[..end].trim_end().to_owned())));
        }
    };
    let after = after.trim_start();
    if !after.is_empty() && !after.starts_with('#') {
        return Err((Some(name), "unexpected text after the closing quote"));
    }
    Ok(Some((name, value)))
}

/// The value up to the closing `"` of `text` (which starts after the
/// opening one) with its escapes read, and the rest of the line.
fn double_quoted(text: &str) -> Option<(String, &str)> {
    let mut value = String::new();
    let mut chars = text.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '"' => return Some((value, &text[i + 1..])),
            '\\' => match chars.next()?.1 {
                'n' => value.push('\n'),
                escaped @ ('"' | '\\') => value.push(escaped),
                // Unknown escapes stay as written, as most readers keep them.
                other => {
                    value.push('\\');
                    value.push(other);
                }
            },
            c => value.push(c),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url_in(text: &str) -> Result<Option<String>, (usize, &'static str)> {
        lookup(text, KEY)
    }

    #[test]
    fn plain_exported_and_quoted_forms_are_read() {
        let url = "postgres://ehr:pw@db/ehr";
        for text in [
            "DATABASE_URL=postgres://ehr:pw@db/ehr",
            "DATABASE_URL = postgres://ehr:pw@db/ehr  ",
            "export DATABASE_URL=postgres://ehr:pw@db/ehr",
            "export\tDATABASE_URL=\"postgres://ehr:pw@db/ehr\"",
            "DATABASE_URL='postgres://ehr:pw@db/ehr' # the local one",
            "DATABASE_URL=\"postgres://ehr:pw@db/ehr\"# no space needed after a quote",
            "DATABASE_URL=postgres://ehr:pw@db/ehr # a comment",
            "\u{feff}DATABASE_URL=postgres://ehr:pw@db/ehr\r",
        ] {
            assert_eq!(url_in(text), Ok(Some(url.to_owned())), "{text:?}");
        }
    }

    #[test]
    fn comments_blank_lines_and_other_variables_are_skipped() {
        let text = "# DATABASE_URL=postgres://commented/out\n\n   \nSHADOW_DATABASE_URL=postgres://shadow\n\
                    DATABASE_URL=postgres://real\nOTHER=1\n";
        assert_eq!(url_in(text), Ok(Some("postgres://real".to_owned())));
        assert_eq!(url_in("OTHER=1\n"), Ok(None));
        assert_eq!(url_in(""), Ok(None));
    }

    #[test]
    fn the_last_definition_wins() {
        assert_eq!(
            url_in("DATABASE_URL=postgres://a\nDATABASE_URL=postgres://b\n"),
            Ok(Some("postgres://b".to_owned()))
        );
    }

    #[test]
    fn double_quotes_read_escapes_and_single_quotes_keep_everything() {
        assert_eq!(url_in(r#"DATABASE_URL="a\"b\\c\nd\te""#), Ok(Some("a\"b\\c\nd\\te".to_owned())));
        assert_eq!(url_in(r"DATABASE_URL='a\nb\\c'"), Ok(Some(r"a\nb\\c".to_owned())));
        assert_eq!(url_in(r##"DATABASE_URL="x # not a comment""##), Ok(Some("x # not a comment".to_owned())));
    }

    #[test]
    fn a_hash_inside_an_unquoted_value_is_kept() {
        assert_eq!(url_in("DATABASE_URL=postgres://u:p#w@db"), Ok(Some("postgres://u:p#w@db".to_owned())));
    }

    #[test]
    fn no_variable_is_expanded() {
        assert_eq!(url_in("DATABASE_URL=postgres://${USER}@db"), Ok(Some("postgres://${USER}@db".to_owned())));
    }

    #[test]
    fn an_empty_value_is_empty() {
        assert_eq!(url_in("DATABASE_URL="), Ok(Some(String::new())));
        assert_eq!(url_in("DATABASE_URL=\"\""), Ok(Some(String::new())));
    }

    #[test]
    fn a_malformed_database_url_line_is_an_error_with_its_line() {
        assert_eq!(url_in("A=1\nDATABASE_URL=\"postgres://db\n"), Err((2, "the double quote is not closed")));
        assert_eq!(url_in("DATABASE_URL='postgres://db"), Err((1, "the single quote is not closed")));
        assert_eq!(url_in("\n\nexport DATABASE_URL\n"), Err((3, "expected `=` after the name")));
        assert_eq!(url_in("DATABASE_URL: postgres://db"), Err((1, "expected `=` after the name")));
        assert_eq!(
            url_in("DATABASE_URL=\"postgres://db\" trailing"),
            Err((1, "unexpected text after the closing quote"))
        );
    }

    #[test]
    fn malformed_lines_of_other_variables_do_not_matter() {
        let text = "KEY=\"-----BEGIN\nabc def\n-----END\"\n= nothing\nexport\nDATABASE_URL=postgres://db\n";
        assert_eq!(url_in(text), Ok(Some("postgres://db".to_owned())));
    }

    #[test]
    fn a_file_is_read_and_its_errors_name_the_file_and_line_not_the_value() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(".env");
        assert!(database_url(&path).unwrap().is_none(), "a missing file is no URL");

        std::fs::write(&path, "# local\nDATABASE_URL=\"postgres://ehr:s3cret@db/ehr\"\n").unwrap();
        assert_eq!(database_url(&path).unwrap().as_deref(), Some("postgres://ehr:s3cret@db/ehr"));

        std::fs::write(&path, "# local\nDATABASE_URL=\"postgres://ehr:s3cret@db/ehr\n").unwrap();
        let error = database_url(&path).unwrap_err().to_string();
        assert_eq!(error, format!("{}:2: DATABASE_URL: the double quote is not closed", path.display()));

        std::fs::write(&path, b"NOTE=caf\xe9\nDATABASE_URL=postgres://db\n").unwrap();
        assert_eq!(database_url(&path).unwrap().as_deref(), Some("postgres://db"), "a stray byte elsewhere");
        std::fs::write(&path, b"DATABASE_URL=postgres://caf\xe9:s3cret@db\n").unwrap();
        let error = database_url(&path).unwrap_err().to_string();
        assert!(error.ends_with("DATABASE_URL is not valid UTF-8") && !error.contains("s3cret"), "{error}");
    }
}
