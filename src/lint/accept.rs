//! Accepting findings in SQL ehrdb writes: a `-- ehrdb:allow CODE -- why`
//! line before each statement a finding is about, when it is accepted (the
//! user's `--allow-destructive`, or a change ehrdb knows is safe).
//!
//! [`settle`] takes a new migration's up.sql and down.sql and returns them
//! with the allow lines written in, and what lint still finds; nothing is
//! read or printed.

use std::collections::BTreeMap;

use super::{context, lint_migration};
use crate::diagnostics::{Diagnostic, Diagnostics, Sources};
use crate::migrations::split;
use crate::sql::{Change, SqlSchema, diff};

/// A new migration's SQL after [`settle`].
pub struct Settled {
    pub up: String,
    pub down: String,
    /// What lint still finds, in `sources` (`up.sql`, `down.sql`).
    pub left: Diagnostics,
    pub sources: Sources,
}

/// Lints the SQL `ehrdb migrate` writes for `changes` (which lead to
/// `schema`) and writes in an allow for each finding on a risk the user
/// `accepted` (`--allow-destructive`), and for the findings ehrdb's own SQL
/// need not fear: a `DROP NOT NULL` (no data is lost), the sequence of a
/// column that stops being autoincrement, and a type change PostgreSQL
/// makes in the catalog alone. down.sql, which undoes the migration when a
/// user rolls it back, has each finding written in as such.
pub fn settle(up: String, down: String, changes: &[Change], schema: &SqlSchema, accepted: bool) -> Settled {
    let lint = |up: &str, down: &str| {
        let mut sources = Sources::new();
        let (up_id, down_id) = (sources.add("up.sql", up), sources.add("down.sql", down));
        let diagnostics = lint_migration(&sources, up_id, Some(down_id), &context(schema));
        (sources, up_id, down_id, diagnostics)
    };
    // An enum that loses a value is recreated, and its columns rewritten.
    let catalog_only = changes.iter().all(|change| match change {
        Change::AlterColumn { from, to, .. } => !diff::rewrites_table(from, to),
        Change::AlterEnum(alter) => alter.from.iter().all(|value| alter.to.contains(value)),
        _ => true,
    });
    let why = |finding: &Diagnostic| match finding.code {
        _ if accepted => Some("accepted with `ehrdb migrate --allow-destructive`".to_owned()),
        "ban-drop-not-null" => Some("ehrdb migrate: dropping NOT NULL loses no data".to_owned()),
        // ehrdb drops a sequence only when its column stops being autoincrement.
        "ban-drop-sequence" => Some("ehrdb migrate: the column's own sequence goes with its autoincrement".to_owned()),
        // Only Prisma's path writes an added value without its place.
        "require-enum-value-ordering" => Some(
            "ehrdb migrate --migration-style prisma: the value is appended, as Prisma Migrate appends it".to_owned(),
        ),
        "changing-column-type" if catalog_only => {
            Some("ehrdb migrate: PostgreSQL makes this type change in the catalog alone, without a rewrite".to_owned())
        }
        _ => None,
    };
    let (_, up_id, down_id, found) = lint(&up, &down);
    let in_file = |id| found.iter().filter(|d| d.primary.span.file == id).collect::<Vec<&Diagnostic>>();
    let (up, _) = allow_accepted(&up, &in_file(up_id), why);
    // Rolling back is the user's later decision, and loses what the
    // migration added by its nature: down.sql's findings are written as such.
    let undoes = |_: &Diagnostic| Some("ehrdb migrate: down.sql undoes the migration".to_owned());
    let (down, _) = allow_accepted(&down, &in_file(down_id), undoes);
    let (sources, _, _, left) = lint(&up, &down);
    Settled { up, down, left, sources }
}

/// `text` with an allow line before each statement that has an accepted
/// finding; `why` gives the reason for a code, `None` for a finding it does
/// not accept. The findings' spans must lie in `text`.
pub fn allow_accepted<'d>(
    text: &str,
    findings: &[&'d Diagnostic],
    why: impl Fn(&Diagnostic) -> Option<String>,
) -> (String, Vec<&'d Diagnostic>) {
    let statements = split(text);
    // Statement start (byte) -> its codes and reasons.
    let mut allows: BTreeMap<usize, (Vec<&'static str>, Vec<String>)> = BTreeMap::new();
    let mut refused = Vec::new();
    for &finding in findings {
        let at = finding.primary.span.start as usize;
        let statement = statements.iter().rev().find(|s| s.text.as_ptr() as usize - text.as_ptr() as usize <= at);
        match (statement, why(finding)) {
            (Some(statement), Some(reason)) => {
                let start = statement.text.as_ptr() as usize - text.as_ptr() as usize;
                let (codes, reasons) = allows.entry(start).or_default();
                if !codes.contains(&finding.code) {
                    codes.push(finding.code);
                }
                if !reasons.contains(&reason) {
                    reasons.push(reason);
                }
            }
            _ => refused.push(finding),
        }
    }
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    for (start, (codes, reasons)) in allows {
        // The allow goes on the line before the statement's first line.
        let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
        out.push_str(&text[done..line_start]);
        out.push_str(&format!("-- ehrdb:allow {} -- {}\n", codes.join(", "), reasons.join("; ")));
        done = line_start;
    }
    out.push_str(&text[done..]);
    (out, refused)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::{FileId, Span};

    #[test]
    fn an_allow_goes_before_each_statement_with_an_accepted_finding() {
        let text = "-- DropTable\nDROP TABLE \"a\";\n\n-- AlterTable\nALTER TABLE \"b\" DROP COLUMN \"c\";\n";
        let at = |needle: &str| text.find(needle).unwrap();
        let finding = |code, start| Diagnostic::error(code, Span::new(FileId(0), start..start + 4), "x");
        let findings = [finding("ban-drop-table", at("DROP TABLE")), finding("ban-drop-column", at("DROP COLUMN"))];
        let refs: Vec<&Diagnostic> = findings.iter().collect();
        let (out, refused) =
            allow_accepted(text, &refs, |d| (d.code == "ban-drop-table").then(|| "accepted".to_owned()));
        assert_eq!(
            out,
            "-- DropTable\n-- ehrdb:allow ban-drop-table -- accepted\nDROP TABLE \"a\";\n\n-- AlterTable\nALTER TABLE \"b\" DROP COLUMN \"c\";\n"
        );
        assert_eq!(refused.len(), 1);
        assert_eq!(refused[0].code, "ban-drop-column");
    }
}
