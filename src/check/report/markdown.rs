//! The `--format markdown` report: a database configuration assessment a
//! DBA can file with a release.
//!
//! Sections, in order: a title; a summary table (database with its
//! password masked, date, environment, server, application, score, grade,
//! counts) and a sentence on what the grade means; the findings of each
//! area as a table; the recommendations, grouped as immediate (P0),
//! short-term (P1) and long-term (P2), each with why it matters and how to
//! fix it; the checklist of each area, every item ticked or not, with the
//! reason of those without a verdict; how the score is computed. Text from
//! findings is escaped for table cells.

use super::super::{Area, Connection, Finding, Grade, Priority, Report, Verdict};
use super::database;

/// The assessment document.
pub fn markdown(report: &Report) -> String {
    let mut out = String::new();
    out.push_str("# Database configuration assessment\n\n");
    summary(&mut out, report);
    findings_by_area(&mut out, report);
    recommendations(&mut out, report);
    checklist(&mut out, report);
    out.push_str("## Scoring\n\n");
    out.push_str(
        "The score starts at 100 and loses 25 points per P0 (critical), 10 per P1 (high) and 3 per P2 (medium) \
         finding, down to 0. Grades: A from 90, B from 80, C from 70, D from 60, F below. An A needs no P0 and \
         no P1 finding; any P0 finding grades D at best. Skipped and inconclusive checks do not count.\n",
    );
    out
}

fn summary(out: &mut String, report: &Report) {
    let server = match &report.connection {
        Connection::NoUrl => "not checked: no database URL".to_owned(),
        Connection::Failed(_) => "not checked: cannot connect".to_owned(),
        Connection::Connected(version) => format!("PostgreSQL {version}"),
    };
    let application = match &report.application {
        Some(dir) => format!("`{}`", cell(dir)),
        None => "not checked: no application folder".to_owned(),
    };
    let counts = format!(
        "{} P0, {} P1, {} P2 failed; {} passed; {} skipped; {} inconclusive",
        report.failed(Priority::P0),
        report.failed(Priority::P1),
        report.failed(Priority::P2),
        report.with_outcome("passed"),
        report.with_outcome("skipped"),
        report.with_outcome("inconclusive")
    );
    out.push_str("## Summary\n\n| | |\n|---|---|\n");
    for (key, value) in [
        ("Database", format!("`{}`", cell(database(report)))),
        ("Date", report.checked_at.clone()),
        ("Environment", report.env.as_str().to_owned()),
        ("Server", server),
        ("Application", application),
        ("Score", format!("{} / 100", report.score)),
        ("Grade", format!("**{}**", report.grade.as_str())),
        ("Findings", counts),
    ] {
        out.push_str(&format!("| {key} | {value} |\n"));
    }
    out.push('\n');
    out.push_str(verdict(report));
    out.push('\n');
    if let Connection::Failed(error) = &report.connection {
        out.push_str(&format!(
            "\nThe live checks were skipped: {}. The findings below come from the schema, the migrations folder \
             and the URL only.\n",
            error.trim_end_matches('.')
        ));
    } else if report.connection == Connection::NoUrl {
        let application = if report.application.is_some() {
            ", the configuration and the application"
        } else {
            " and the configuration"
        };
        out.push_str(&format!(
            "\nNo database URL was given, so the live checks were skipped: the findings below come from the \
             schema, the migrations folder{application} only.\n"
        ));
    }
    out.push('\n');
}

fn verdict(report: &Report) -> &'static str {
    let connected = matches!(report.connection, Connection::Connected(_));
    match (report.failed(Priority::P0), report.grade, connected) {
        (1.., _, _) => "Not ready for production: the critical findings below must be fixed first.",
        (0, Grade::A | Grade::B, false) => {
            "No critical finding in the schema, the migrations and the URL; the database itself was not checked."
        }
        (0, Grade::A, true) => "Ready for production by every check that could run.",
        (0, Grade::B, true) => "Ready for production once the high-priority findings below are planned.",
        (0, _, _) => "Several findings need attention before this database is production-ready.",
    }
}

fn findings_by_area(out: &mut String, report: &Report) {
    out.push_str("## Findings by area\n\n");
    for area in Area::ALL {
        let findings: Vec<&Finding> = report.findings.iter().filter(|f| f.area == area).collect();
        if findings.is_empty() {
            continue;
        }
        out.push_str(&format!("### {}\n\n| Check | Result | Seen |\n|---|---|---|\n", area.title()));
        for finding in findings {
            let result = match &finding.outcome {
                Verdict::Failed(severity) => format!("**{} {}**", severity.as_str(), severity.meaning()),
                Verdict::Passed => "passed".to_owned(),
                Verdict::Skipped(_) => "skipped".to_owned(),
                Verdict::Inconclusive(_) => "inconclusive".to_owned(),
            };
            let seen = match (finding.outcome.reason(), finding.seen.is_empty()) {
                (Some(reason), true) => reason.to_owned(),
                (Some(reason), false) => format!("{reason} ({})", finding.seen),
                (None, _) => finding.seen.clone(),
            };
            out.push_str(&format!("| `{}` | {result} | {} |\n", finding.id, cell(&seen)));
        }
        out.push('\n');
    }
}

/// When a finding of `severity` should be fixed.
fn horizon(severity: Priority) -> &'static str {
    match severity {
        Priority::P0 => "Immediate",
        Priority::P1 => "Short-term",
        Priority::P2 => "Long-term",
    }
}

fn recommendations(out: &mut String, report: &Report) {
    out.push_str("## Recommendations\n\n");
    if !report.findings.iter().any(|f| f.outcome.severity().is_some()) {
        out.push_str("None: no check failed.\n\n");
        return;
    }
    let mut number = 0;
    for severity in Priority::ALL {
        let failed: Vec<&Finding> = report.findings.iter().filter(|f| f.outcome == Verdict::Failed(severity)).collect();
        if failed.is_empty() {
            continue;
        }
        out.push_str(&format!("### {} ({}, {})\n\n", horizon(severity), severity.as_str(), severity.meaning()));
        for finding in failed {
            number += 1;
            out.push_str(&format!("{number}. **`{}`** ({}): {}\n", finding.id, finding.area.title(), finding.seen));
            out.push_str(&format!("   - Why: {}\n", finding.why));
            out.push_str(&format!("   - Fix: {}\n", finding.fix));
        }
        out.push('\n');
    }
}

/// Every finding of each area as a checklist item: ticked when passed.
fn checklist(out: &mut String, report: &Report) {
    out.push_str("## Checklist\n\n");
    for area in Area::ALL {
        let findings: Vec<&Finding> = report.findings.iter().filter(|f| f.area == area).collect();
        if findings.is_empty() {
            continue;
        }
        let passed = findings.iter().filter(|f| f.outcome == Verdict::Passed).count();
        out.push_str(&format!("### {} ({passed} of {})\n\n", area.title(), findings.len()));
        for finding in findings {
            let (tick, note) = match &finding.outcome {
                Verdict::Passed => ("x", String::new()),
                Verdict::Failed(severity) => (" ", format!(" **{}**", severity.as_str())),
                Verdict::Skipped(reason) => (" ", format!(" (skipped: {reason})")),
                Verdict::Inconclusive(reason) => (" ", format!(" (inconclusive: {reason})")),
            };
            let seen =
                if finding.seen.is_empty() { String::new() } else { format!(": {}", finding.seen.replace('\n', " ")) };
            out.push_str(&format!("- [{tick}] `{}`{note}{seen}\n", finding.id));
        }
        out.push('\n');
    }
}

/// Text fit for a table cell: no line breaks, `|` escaped.
fn cell(text: &str) -> String {
    text.replace('\n', " ").replace('|', "\\|")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_keep_tables_intact() {
        assert_eq!(cell("a | b\nc"), "a \\| b c");
    }
}
