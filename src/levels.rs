//! Lint levels: the `[lints]` table of ehrdb.toml, which sets a lint code
//! to `allow` (not reported), `warn` (reported, fails a run only with
//! `--deny-warnings` or past `--max-warnings`) or `deny` (an error), as
//! Cargo's `[lints]` does.
//!
//! Takes the table as the file wrote it and returns [`Levels`], or an
//! error naming the place in the file and the closest known code. The
//! codes it takes are the validator's warnings ([`validate::LINTS`], with
//! `unused-allow`) and `ehrdb lint`'s rules; not lint's `sql-syntax-error`
//! and `bad-marker` (a file that cannot run, a marker that means nothing)
//! and not Prisma's own errors. A level only ever touches a warning of the
//! validator: `set-null-on-required-key` is an error where Prisma rejects
//! the schema, and no level silences that. Nothing here reads files or
//! prints.

use std::collections::BTreeMap;

use anyhow::{Result, bail};

use crate::diagnostics::{Diagnostics, Severity};
use crate::validate;

/// What a code's findings become.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Allow,
    Warn,
    Deny,
}

impl Level {
    fn parse(text: &str) -> Option<Level> {
        match text {
            "allow" => Some(Level::Allow),
            "warn" => Some(Level::Warn),
            "deny" => Some(Level::Deny),
            _ => None,
        }
    }
}

/// The `[lints]` table as written: codes and levels with their byte ranges
/// in the file.
pub type Table = BTreeMap<toml::Spanned<String>, toml::Spanned<String>>;

/// The level of each code ehrdb.toml names; codes it does not name keep
/// their own severity.
#[derive(Debug, Clone, Default)]
pub struct Levels {
    levels: BTreeMap<String, Level>,
}

/// Every code `[lints]` takes: the validator's warnings, `unused-allow`,
/// and `ehrdb lint`'s rules.
pub fn codes() -> impl Iterator<Item = &'static str> {
    validate::LINTS.iter().copied().chain(crate::lint::rule_codes())
}

impl Levels {
    /// Checks the table of the file `name` whose text is `text`: every
    /// code known, every level `allow`, `warn` or `deny`.
    pub fn from_table(name: &str, text: &str, table: Table) -> Result<Levels> {
        let mut levels = BTreeMap::new();
        for (code, level) in table {
            let at = |offset: usize| {
                let (line, column) = line_col(text, offset);
                format!("{name}:{line}:{column}")
            };
            if !codes().any(|known| known == code.get_ref()) {
                let place = at(code.span().start);
                let code = code.into_inner();
                match crate::text::closest(&code, codes()) {
                    Some(near) => bail!("{place}: `{code}` is not a lint code: did you mean {near}?"),
                    None => bail!(
                        "{place}: `{code}` is not a lint code (the codes are those of `ehrdb validate`'s warnings \
                         and `ehrdb lint`'s rules, as the README lists them)"
                    ),
                }
            }
            let Some(parsed) = Level::parse(level.get_ref()) else {
                bail!(
                    "{}: `{}` is not a level: write \"allow\", \"warn\" or \"deny\"",
                    at(level.span().start),
                    level.get_ref()
                );
            };
            levels.insert(code.into_inner(), parsed);
        }
        Ok(Levels { levels })
    }

    pub fn is_empty(&self) -> bool {
        self.levels.is_empty()
    }

    /// The level ehrdb.toml sets for `code`, if any.
    pub fn get(&self, code: &str) -> Option<Level> {
        self.levels.get(code).copied()
    }

    /// Applies the levels to the diagnostics of a schema (validate, merge):
    /// only warnings change; an error stays an error.
    pub fn apply_to_schema(&self, diagnostics: &mut Diagnostics) {
        self.apply(diagnostics, |d| d.severity == Severity::Warning && validate::LINTS.contains(&d.code));
    }

    /// `ehrdb check` takes only `allow` from the table: an allowed warning
    /// is not counted against the schema; the audit decides its own
    /// severities.
    pub fn apply_allows_only(&self, diagnostics: &mut Diagnostics) {
        diagnostics.retain(|d| {
            !(d.severity == Severity::Warning
                && validate::LINTS.contains(&d.code)
                && self.get(d.code) == Some(Level::Allow))
        });
    }

    /// Applies the levels to `ehrdb lint`'s findings, which are errors
    /// unless a level says otherwise.
    pub fn apply_to_lint(&self, diagnostics: &mut Diagnostics) {
        self.apply(diagnostics, |d| d.code == "unused-allow" || crate::lint::rule_codes().any(|c| c == d.code));
    }

    fn apply(&self, diagnostics: &mut Diagnostics, leveled: impl Fn(&crate::diagnostics::Diagnostic) -> bool) {
        if self.is_empty() {
            return;
        }
        diagnostics.retain(|d| !(leveled(d) && self.get(d.code) == Some(Level::Allow)));
        for diagnostic in diagnostics.iter_mut() {
            if !leveled(diagnostic) {
                continue;
            }
            match self.get(diagnostic.code) {
                Some(Level::Warn) => diagnostic.severity = Severity::Warning,
                Some(Level::Deny) => diagnostic.severity = Severity::Error,
                Some(Level::Allow) | None => {}
            }
        }
    }
}

/// One entry of `[check.ignore]`: an `ehrdb check` finding id and why the
/// team accepts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoredCheck {
    pub id: String,
    pub reason: String,
    /// `ehrdb.toml:LINE:COL` of the id, for errors about it.
    pub place: String,
}

/// Reads `[check.ignore]` (finding id = "reason"); an empty reason is an
/// error: the report prints it in place of the verdict.
pub fn ignored_checks(name: &str, text: &str, table: Table) -> Result<Vec<IgnoredCheck>> {
    let mut ignored = Vec::new();
    for (id, reason) in table {
        let place = |offset: usize| {
            let (line, column) = line_col(text, offset);
            format!("{name}:{line}:{column}")
        };
        if reason.get_ref().trim().is_empty() {
            bail!(
                "{}: `{}` is ignored without a reason: say why the team accepts it, the report prints it",
                place(reason.span().start),
                id.get_ref()
            );
        }
        ignored.push(IgnoredCheck {
            place: place(id.span().start),
            id: id.into_inner(),
            reason: reason.into_inner().trim().to_owned(),
        });
    }
    Ok(ignored)
}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap_or("").chars().count() + 1;
    (line, column)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::{Diagnostic, FileId, Span};

    fn levels(text: &str) -> Result<Levels> {
        #[derive(serde::Deserialize)]
        struct File {
            lints: Table,
        }
        let file: File = toml::from_str(text).unwrap();
        Levels::from_table("ehrdb.toml", text, file.lints)
    }

    fn found(codes: &[(&'static str, Severity)]) -> Diagnostics {
        let mut diagnostics = Diagnostics::new();
        for (code, severity) in codes {
            let span = Span::new(FileId(0), 0..1);
            diagnostics.push(match severity {
                Severity::Error => Diagnostic::error(code, span, "e"),
                Severity::Warning => Diagnostic::warning(code, span, "w"),
            });
        }
        diagnostics
    }

    fn shown(diagnostics: &Diagnostics) -> Vec<(&'static str, Severity)> {
        diagnostics.iter().map(|d| (d.code, d.severity)).collect()
    }

    #[test]
    fn an_unknown_code_is_placed_and_the_closest_suggested() {
        let error = levels("[lints]\nfloat-for-money = \"deny\"\nfk-without-idx = \"allow\"\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "ehrdb.toml:3:1: `fk-without-idx` is not a lint code: did you mean fk-without-index?"
        );
        let error = levels("[lints]\nquux = \"allow\"\n").unwrap_err();
        assert!(error.to_string().starts_with("ehrdb.toml:2:1: `quux` is not a lint code ("), "{error}");
    }

    #[test]
    fn a_bad_level_is_placed() {
        let error = levels("[lints]\nfk-without-index = \"forbid\"\n").unwrap_err();
        assert_eq!(
            error.to_string(),
            "ehrdb.toml:2:20: `forbid` is not a level: write \"allow\", \"warn\" or \"deny\""
        );
    }

    #[test]
    fn lint_meta_codes_take_no_level() {
        assert!(levels("[lints]\nsql-syntax-error = \"allow\"\n").is_err());
        assert!(levels("[lints]\nbad-marker = \"allow\"\n").is_err());
        assert!(levels("[lints]\nunused-allow = \"deny\"\nban-drop-column = \"warn\"\n").is_ok());
    }

    #[test]
    fn levels_change_warnings_of_the_schema_and_never_errors() {
        let levels = levels(
            "[lints]\nfk-without-index = \"allow\"\ntimestamp-without-time-zone = \"deny\"\n\
             set-null-on-required-key = \"allow\"\nfloat-for-money = \"warn\"\n",
        )
        .unwrap();
        let mut diagnostics = found(&[
            ("fk-without-index", Severity::Warning),
            ("timestamp-without-time-zone", Severity::Warning),
            ("set-null-on-required-key", Severity::Error),
            ("set-null-on-required-key", Severity::Warning),
            ("float-for-money", Severity::Warning),
            ("enum-named-like-table", Severity::Warning),
        ]);
        levels.apply_to_schema(&mut diagnostics);
        assert_eq!(
            shown(&diagnostics),
            [
                ("timestamp-without-time-zone", Severity::Error),
                ("set-null-on-required-key", Severity::Error),
                ("float-for-money", Severity::Warning),
                ("enum-named-like-table", Severity::Warning),
            ]
        );
    }

    #[test]
    fn check_takes_only_allow() {
        let levels = levels("[lints]\nfk-without-index = \"allow\"\ntimestamp-without-time-zone = \"deny\"\n").unwrap();
        let mut diagnostics =
            found(&[("fk-without-index", Severity::Warning), ("timestamp-without-time-zone", Severity::Warning)]);
        levels.apply_allows_only(&mut diagnostics);
        assert_eq!(shown(&diagnostics), [("timestamp-without-time-zone", Severity::Warning)]);
    }

    #[test]
    fn lint_findings_become_warnings_or_go() {
        let levels =
            levels("[lints]\nban-drop-column = \"warn\"\nrequire-concurrent-index-creation = \"allow\"\n").unwrap();
        let mut diagnostics = found(&[
            ("ban-drop-column", Severity::Error),
            ("require-concurrent-index-creation", Severity::Error),
            ("sql-syntax-error", Severity::Error),
        ]);
        levels.apply_to_lint(&mut diagnostics);
        assert_eq!(
            shown(&diagnostics),
            [("ban-drop-column", Severity::Warning), ("sql-syntax-error", Severity::Error)]
        );
    }

    #[test]
    fn line_col_counts_characters() {
        assert_eq!(line_col("ab\ncé d", 7), (2, 4));
        assert_eq!(line_col("x", 0), (1, 1));
    }
}
