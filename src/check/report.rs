//! A [`Report`] as text: for a terminal, as JSON, and as Markdown.
//!
//! Takes a report and returns a string (or a JSON value); the command
//! prints it. The terminal form groups findings by area and ends with a
//! summary line, coloured only when asked. The JSON form has a `version`
//! that changes only when a field is removed or changes meaning (its shape
//! is documented in the README). The Markdown form reads as an assessment
//! document ([`markdown`]).

pub mod ci;
mod markdown;

use serde_json::{Value, json};

pub use markdown::markdown;

use super::{Area, Connection, Finding, Priority, Report, Verdict};

/// The JSON shape's version.
pub const JSON_VERSION: u32 = 1;

/// ANSI colours for the terminal.
const RED: &str = "\x1b[1;31m";
const YELLOW: &str = "\x1b[1;33m";
const MAGENTA: &str = "\x1b[35m";
const GREEN: &str = "\x1b[32m";
const DIM: &str = "\x1b[2m";
const BOLD: &str = "\x1b[1m";
const RESET: &str = "\x1b[0m";

/// Where wrapped text starts, and the width it wraps at.
const INDENT: usize = 15;
const WIDTH: usize = 100;

/// The terminal report.
pub fn human(report: &Report, color: bool) -> String {
    let paint = |style: &str, text: &str| if color { format!("{style}{text}{RESET}") } else { text.to_owned() };
    let mut out = String::new();
    out.push_str(&format!("ehrdb check: {} ({})\n", database(report), report.env.as_str()));
    match &report.connection {
        Connection::NoUrl => out.push_str("live checks skipped: no database URL (--database-url or DATABASE_URL)\n"),
        Connection::Failed(error) => out.push_str(&format!("live checks skipped: {error}\n")),
        Connection::Connected(version) => out.push_str(&format!("connected: PostgreSQL {version}\n")),
    }
    if let Some(app) = &report.application {
        out.push_str(&format!("application: {app}\n"));
    }
    for area in Area::ALL {
        let findings: Vec<&Finding> = report.findings.iter().filter(|f| f.area == area).collect();
        if findings.is_empty() {
            continue;
        }
        out.push_str(&format!("\n{}\n", paint(BOLD, area.title())));
        for finding in findings {
            let (label, style) = match &finding.outcome {
                Verdict::Failed(Priority::P0) => ("FAIL P0", RED),
                Verdict::Failed(Priority::P1) => ("FAIL P1", YELLOW),
                Verdict::Failed(Priority::P2) => ("FAIL P2", MAGENTA),
                Verdict::Passed => ("passed", GREEN),
                Verdict::Skipped(_) => ("skipped", DIM),
                Verdict::Inconclusive(_) => ("inconclusive", DIM),
            };
            let text = match (&finding.outcome, finding.seen.is_empty()) {
                (Verdict::Skipped(reason) | Verdict::Inconclusive(reason), true) => reason.clone(),
                (Verdict::Skipped(reason) | Verdict::Inconclusive(reason), false) => {
                    format!("{reason} ({})", finding.seen)
                }
                _ => finding.seen.clone(),
            };
            out.push_str(&format!("  {}{} ", paint(style, label), " ".repeat(12 - label.len())));
            out.push_str(&wrap(&format!("{}: {text}", finding.id), INDENT, INDENT, WIDTH));
            if finding.outcome.severity().is_some() {
                out.push_str(&" ".repeat(INDENT));
                out.push_str(&wrap(&format!("why: {}", finding.why), INDENT, INDENT + 5, WIDTH));
                out.push_str(&" ".repeat(INDENT));
                out.push_str(&wrap(&format!("fix: {}", finding.fix), INDENT, INDENT + 5, WIDTH));
            }
        }
    }
    out.push('\n');
    out.push_str(&paint(BOLD, &summary(report)));
    out.push('\n');
    out
}

/// `score 72/100, grade C: 1 P0, ...`: the last line of the terminal report.
pub fn summary(report: &Report) -> String {
    format!(
        "score {}/100, grade {}: {} P0, {} P1, {} P2 failed; {} passed, {} skipped, {} inconclusive",
        report.score,
        report.grade.as_str(),
        report.failed(Priority::P0),
        report.failed(Priority::P1),
        report.failed(Priority::P2),
        report.with_outcome("passed"),
        report.with_outcome("skipped"),
        report.with_outcome("inconclusive"),
    )
}

fn database(report: &Report) -> &str {
    report.database.as_deref().unwrap_or("no database URL")
}

/// `text`, starting at column `start`, wrapped at `width` with the lines
/// after the first indented by `indent`; ends in a newline. Words longer
/// than a line stay whole.
fn wrap(text: &str, start: usize, indent: usize, width: usize) -> String {
    let mut out = String::new();
    let mut column = start;
    for (i, word) in text.split(' ').filter(|w| !w.is_empty()).enumerate() {
        if i > 0 && column + 1 + word.len() > width {
            out.push('\n');
            out.push_str(&" ".repeat(indent));
            column = indent;
        } else if i > 0 {
            out.push(' ');
            column += 1;
        }
        out.push_str(word);
        column += word.len();
    }
    out.push('\n');
    out
}

/// The `--format json` document (shape version [`JSON_VERSION`]).
pub fn json(report: &Report, fail_on: Option<Priority>) -> Value {
    let connection = match &report.connection {
        Connection::NoUrl => json!({ "state": "none" }),
        Connection::Failed(error) => json!({ "state": "failed", "error": error }),
        Connection::Connected(version) => json!({ "state": "connected", "server_version": version }),
    };
    let findings: Vec<Value> = report
        .findings
        .iter()
        .map(|f| {
            json!({
                "id": f.id,
                "area": f.area.as_str(),
                "outcome": f.outcome.as_str(),
                "severity": f.outcome.severity().map(Priority::as_str),
                "reason": f.outcome.reason(),
                "seen": f.seen,
                "why": f.why,
                "fix": f.fix,
            })
        })
        .collect();
    json!({
        "version": JSON_VERSION,
        "ehrdb_version": env!("CARGO_PKG_VERSION"),
        "checked_at": report.checked_at,
        "environment": report.env.as_str(),
        "database": report.database,
        "application": report.application,
        "connection": connection,
        "score": report.score,
        "grade": report.grade.as_str(),
        "fail_on": fail_on.map(Priority::as_str),
        "failed": report.fails(fail_on),
        "counts": {
            "P0": report.failed(Priority::P0),
            "P1": report.failed(Priority::P1),
            "P2": report.failed(Priority::P2),
            "passed": report.with_outcome("passed"),
            "skipped": report.with_outcome("skipped"),
            "inconclusive": report.with_outcome("inconclusive"),
        },
        "findings": findings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_words_whole_and_indents_continuations() {
        assert_eq!(wrap("aaa bbb ccc", 2, 2, 9), "aaa bbb\n  ccc\n");
        assert_eq!(wrap("aaa bbb ccc", 4, 2, 9), "aaa\n  bbb ccc\n");
        assert_eq!(wrap("a-very-long-word b", 2, 2, 5), "a-very-long-word\n  b\n");
    }
}
