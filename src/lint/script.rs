//! A migration file as the linter sees it: its statements, where each one
//! runs (inside a transaction or not, and with which others), and the
//! `-- ehrdb:` comments between them.
//!
//! Takes the text of an up.sql or down.sql and returns a [`Script`]. The
//! transaction model is ehrdb's: a file runs in one transaction unless its
//! first line is `-- ehrdb:no-transaction`; a `-- ehrdb:step` line between
//! statements begins a step with a transaction of its own, and
//! `-- ehrdb:step no-transaction` one whose statements each commit alone
//! (an explicit `BEGIN` ... `COMMIT` there groups them again). A down.sql
//! runs as `ehrdb rollback` runs it today: in one transaction, whatever
//! its markers say, so markers that would claim otherwise are reported.
//! Markers are comments between statements; one written inside a
//! statement is part of it and means nothing to ehrdb.

use std::ops::Range;

use squawk_syntax::ast::{self, AstNode};
use squawk_syntax::{SyntaxKind, SyntaxToken};

use super::FileKind;
use super::effects::{Effects, effects};
use super::locks::{StatementLocks, classify};

/// How to get a statement out of the transaction, in a file of `kind`.
pub(crate) fn no_transaction_help() -> &'static str {
    "in ehrdb, put it after a `-- ehrdb:step no-transaction` line (or start the file with \
     `-- ehrdb:no-transaction`): such a step runs each statement on its own, in up.sql and down.sql alike"
}

/// One statement of the file.
pub(crate) struct Statement {
    pub node: ast::Stmt,
    /// Byte range in the file, from its first token to its `;`.
    pub range: Range<usize>,
    /// Which [`Segment`] it belongs to.
    pub segment: usize,
    /// Statements with the same unit commit together.
    pub unit: usize,
    /// It runs inside a transaction block.
    pub in_transaction: bool,
    pub effects: Effects,
    pub locks: StatementLocks,
}

/// A run of statements the runner executes the same way: a step, or the
/// part of the file before the first step marker.
pub(crate) struct Segment {
    pub range: Range<usize>,
    pub in_transaction: bool,
    /// The step marker that begins it; `None` for the part before any.
    pub marker: Option<Range<usize>>,
}

/// An `-- ehrdb:allow code, code` comment: the findings of those codes on
/// the statement after it are accepted.
pub(crate) struct Allow {
    /// Each code with its byte range in the file.
    pub codes: Vec<(String, Range<usize>)>,
    /// The statement it applies to; `None` at the end of the file.
    pub statement: Option<usize>,
}

/// A marker that does not mean what it says, with why.
pub(crate) struct BadMarker {
    pub range: Range<usize>,
    pub message: String,
    pub help: String,
}

pub(crate) struct Script {
    pub statements: Vec<Statement>,
    pub segments: Vec<Segment>,
    pub allows: Vec<Allow>,
    pub bad_markers: Vec<BadMarker>,
    /// Parse errors: (range, message).
    pub syntax_errors: Vec<(Range<usize>, String)>,
}

const PREFIX: &str = "ehrdb:";

impl Script {
    pub(crate) fn parse(text: &str, kind: FileKind) -> Script {
        let parse = squawk_syntax::SourceFile::parse(text);
        let root = parse.syntax_node();
        let first_line_end = text.find('\n').unwrap_or(text.len());
        let mut script = Script {
            statements: Vec::new(),
            segments: vec![Segment { range: 0..text.len(), in_transaction: true, marker: None }],
            allows: Vec::new(),
            bad_markers: Vec::new(),
            syntax_errors: Vec::new(),
        };
        // The parser recovers from an error by expecting each thing that
        // could have come next; the first at a place says it.
        for error in parse.errors() {
            let range = usize::from(error.range().start())..usize::from(error.range().end());
            if script.syntax_errors.last().is_none_or(|(last, _)| last.start != range.start) {
                script.syntax_errors.push((range, error.message().to_owned()));
            }
        }
        let mut pending_allows = Vec::new();
        for element in root.children_with_tokens() {
            if let Some(token) = element.as_token() {
                if token.kind() == SyntaxKind::COMMENT {
                    let on_first_line = usize::from(token.text_range().end()) <= first_line_end;
                    script.marker(token, kind, on_first_line, &mut pending_allows);
                }
                continue;
            }
            let Some(node) = element.as_node().and_then(|n| ast::Stmt::cast(n.clone())) else { continue };
            let index = script.statements.len();
            for allow in pending_allows.drain(..) {
                script.allows.push(Allow { statement: Some(index), ..allow });
            }
            // The statement's own range, without the trivia squawk may attach.
            let first = node.syntax().children_with_tokens().find(|e| !e.kind().is_trivia());
            let start = first.map_or(node.syntax().text_range().start(), |e| e.text_range().start());
            let effects = effects(&node);
            let locks = classify(&node);
            script.statements.push(Statement {
                range: usize::from(start)..usize::from(node.syntax().text_range().end()),
                segment: script.segments.len() - 1,
                unit: 0,
                in_transaction: true,
                effects,
                locks,
                node,
            });
        }
        script.allows.extend(pending_allows);
        for (index, segment) in script.segments.iter().enumerate() {
            let empty = !script.statements.iter().any(|s| s.segment == index);
            if let (Some(marker), true) = (&segment.marker, empty) {
                script.bad_markers.push(BadMarker {
                    range: marker.clone(),
                    message: "a step marker without a statement after it".to_owned(),
                    help: "remove it, or move the statements it was meant for after it".to_owned(),
                });
            }
        }
        script.assign_units();
        script
    }

    /// Reads one top-level comment.
    fn marker(&mut self, token: &SyntaxToken, kind: FileKind, on_first_line: bool, allows: &mut Vec<Allow>) {
        let Some(body) = token.text().strip_prefix("--") else { return };
        let Some(directive) = body.trim_start().strip_prefix(PREFIX) else { return };
        let at = usize::from(token.text_range().start());
        let here = at..usize::from(token.text_range().end());
        let directive = directive.trim_end();
        let mut bad = |message: String, help: &str| {
            self.bad_markers.push(BadMarker { range: here.clone(), message, help: help.to_owned() })
        };
        let (word, rest) = directive.split_once(char::is_whitespace).unwrap_or((directive, ""));
        match (word, rest.trim()) {
            ("allow", _) => {
                // `rest` lies inside the token's text: its offset there places each code.
                let offset = at + (rest.as_ptr() as usize - token.text().as_ptr() as usize);
                allows.push(Allow { codes: allow_codes(rest, offset), statement: None });
            }
            ("no-transaction", "") if on_first_line => {
                self.segments[0].in_transaction = false;
            }
            ("irreversible", "") if on_first_line && kind == FileKind::Down => {}
            ("step", "" | "transaction" | "no-transaction") if !self.segments[0].in_transaction => bad(
                "a file with the `-- ehrdb:no-transaction` header runs every statement on its own".to_owned(),
                "use either the header or step markers",
            ),
            ("step", option @ ("" | "transaction" | "no-transaction")) => {
                let last = self.segments.last_mut().expect("there is always a segment");
                let end = std::mem::replace(&mut last.range.end, at);
                let in_transaction = option != "no-transaction";
                self.segments.push(Segment { range: at..end, in_transaction, marker: Some(here) });
            }
            ("no-transaction" | "irreversible", "") => bad(
                format!(
                    "`-- ehrdb:{word}` counts only as the first line of {}",
                    if word == "irreversible" { "a down.sql" } else { "a migration file" }
                ),
                "move it to the first line, or use `-- ehrdb:step no-transaction` between statements",
            ),
            ("step", option) => bad(
                format!("unknown step option `{option}`"),
                "a step is `-- ehrdb:step [transaction]` (its own transaction) or `-- ehrdb:step no-transaction`",
            ),
            _ => bad(
                format!("unknown marker `-- ehrdb:{directive}`"),
                "ehrdb reads `-- ehrdb:no-transaction`, `-- ehrdb:irreversible`, `-- ehrdb:step [transaction | \
                 no-transaction]` and `-- ehrdb:allow CODE`; anything else would be silently ignored",
            ),
        }
    }

    /// Numbers the units of statements that commit together.
    fn assign_units(&mut self) {
        let mut unit = 0;
        let mut explicit = false;
        let mut previous_segment = usize::MAX;
        for statement in &mut self.statements {
            let segment = &self.segments[statement.segment];
            let new_segment = statement.segment != previous_segment;
            previous_segment = statement.segment;
            if new_segment {
                unit += 1;
                explicit = false;
            }
            if !segment.in_transaction {
                let begins = matches!(statement.node, ast::Stmt::Begin(_));
                if !explicit && !new_segment {
                    unit += 1;
                }
                statement.in_transaction = explicit || begins;
                explicit =
                    (explicit || begins) && !matches!(statement.node, ast::Stmt::Commit(_) | ast::Stmt::Rollback(_));
            }
            statement.unit = unit;
        }
    }

    /// The statement whose range holds `offset`.
    pub(crate) fn statement_at(&self, offset: usize) -> Option<usize> {
        let index = self.statements.partition_point(|s| s.range.end <= offset);
        (index < self.statements.len() && self.statements[index].range.start <= offset).then_some(index)
    }
}

/// The codes of an allow comment (`a, b -- why`), each with its byte
/// range; `offset` is where `text` starts in the file.
fn allow_codes(text: &str, offset: usize) -> Vec<(String, Range<usize>)> {
    let list = text.split("--").next().unwrap_or_default();
    let mut found = Vec::new();
    let mut at = 0;
    for piece in list.split(',') {
        let code = piece.trim();
        if !code.is_empty() {
            let start = at + piece.find(code).unwrap_or(0);
            found.push((code.to_owned(), offset + start..offset + start + code.len()));
        }
        at += piece.len() + 1;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    /// (unit, in a transaction) of each statement.
    fn units(text: &str, kind: FileKind) -> Vec<(usize, bool)> {
        Script::parse(text, kind).statements.iter().map(|s| (s.unit, s.in_transaction)).collect()
    }

    #[test]
    fn a_file_is_one_transaction_unless_its_first_line_says_otherwise() {
        let sql = "SELECT 1;\nSELECT 2;\n";
        assert_eq!(units(sql, FileKind::Up), [(1, true), (1, true)]);
        let sql = "-- ehrdb:no-transaction\nSELECT 1;\nBEGIN;\nSELECT 2;\nCOMMIT;\nSELECT 3;\n";
        assert_eq!(units(sql, FileKind::Up), [(1, false), (2, true), (2, true), (2, true), (3, false)]);
    }

    #[test]
    fn steps_begin_transactions_of_their_own_or_none() {
        let sql =
            "SELECT 1;\n-- ehrdb:step\nSELECT 2;\nSELECT 3;\n-- ehrdb:step no-transaction\nSELECT 4;\nSELECT 5;\n";
        let script = Script::parse(sql, FileKind::Up);
        assert_eq!(script.segments.iter().map(|s| s.in_transaction).collect::<Vec<_>>(), [true, true, false]);
        assert_eq!(script.segments[1].range, sql.find("-- ehrdb:step").unwrap()..sql.find("-- ehrdb:step no").unwrap());
        assert_eq!(units(sql, FileKind::Up), [(1, true), (2, true), (2, true), (3, false), (4, false)]);
        assert!(script.bad_markers.is_empty());
    }

    #[test]
    fn step_markers_are_read_as_the_migrator_reads_them() {
        let sql = "SELECT 1;\n-- ehrdb:step transaction\nSELECT 2;\n";
        assert_eq!(units(sql, FileKind::Up), [(1, true), (2, true)]);
        let bad =
            |sql: &str| Script::parse(sql, FileKind::Up).bad_markers.into_iter().map(|b| b.message).collect::<Vec<_>>();
        assert_eq!(
            bad("SELECT 1;\n-- ehrdb:step\n-- ehrdb:step\nSELECT 2;\n"),
            ["a step marker without a statement after it"]
        );
        assert_eq!(bad("SELECT 1;\n-- ehrdb:step no-transaction\n"), ["a step marker without a statement after it"]);
        let mixed = bad("-- ehrdb:no-transaction\nSELECT 1;\n-- ehrdb:step\nSELECT 2;\n");
        assert_eq!(mixed, ["a file with the `-- ehrdb:no-transaction` header runs every statement on its own"]);
        assert_eq!(
            bad("SELECT 1;\n-- ehrdb:step no-transactoin\nSELECT 2;\n"),
            ["unknown step option `no-transactoin`"]
        );
    }

    #[test]
    fn a_down_sql_reads_its_markers_as_an_up_sql_does() {
        // `ehrdb rollback` runs down.sql's steps as `ehrdb apply` runs up.sql's.
        for sql in [
            "-- ehrdb:no-transaction\nSELECT 1;\n-- ehrdb:step no-transaction\nSELECT 2;\n",
            "SELECT 1;\n-- ehrdb:step no-transaction\nSELECT 2;\n",
        ] {
            assert_eq!(units(sql, FileKind::Down), units(sql, FileKind::Up), "{sql}");
            let bad = |kind| Script::parse(sql, kind).bad_markers.len();
            assert_eq!(bad(FileKind::Down), bad(FileKind::Up), "{sql}");
        }
        assert_eq!(
            units("SELECT 1;\n-- ehrdb:step no-transaction\nSELECT 2;\n", FileKind::Down),
            [(1, true), (2, false)]
        );
        assert!(Script::parse("-- ehrdb:irreversible\n", FileKind::Down).bad_markers.is_empty());
        assert_eq!(Script::parse("-- ehrdb:irreversible\n", FileKind::Up).bad_markers.len(), 1);
    }

    #[test]
    fn an_allow_names_its_codes_where_they_are_written_and_the_statement_after_it() {
        let sql = "SELECT 1;\n--  ehrdb:allow ban-drop-column,renaming-table -- reviewed, see #12\nSELECT 2;\n";
        let script = Script::parse(sql, FileKind::Up);
        let allow = &script.allows[0];
        assert_eq!(allow.statement, Some(1));
        let codes: Vec<(&str, &str)> = allow.codes.iter().map(|(c, r)| (c.as_str(), &sql[r.clone()])).collect();
        assert_eq!(codes, [("ban-drop-column", "ban-drop-column"), ("renaming-table", "renaming-table")]);
        let trailing = Script::parse("SELECT 1;\n-- ehrdb:allow ban-drop-table\n", FileKind::Up);
        assert_eq!(trailing.allows[0].statement, None);
    }

    #[test]
    fn statements_are_found_by_offset_and_comments_inside_them_are_not_markers() {
        let sql = "SELECT 1;\nSELECT\n-- ehrdb:stepp\n2;\n";
        let script = Script::parse(sql, FileKind::Up);
        assert!(script.bad_markers.is_empty() && script.segments.len() == 1);
        assert_eq!(script.statement_at(sql.find('2').unwrap()), Some(1));
        assert_eq!(script.statement_at(sql.find('\n').unwrap()), None);
    }
}
