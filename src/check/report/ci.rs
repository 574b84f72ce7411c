//! A [`Report`] for CI: its failed findings as SARIF results or GitHub
//! annotations (through [`diagnostics::ci`](crate::diagnostics::ci)), and
//! the `--summary` document.
//!
//! A finding at or above `--fail-on` is an error, one below it a warning.
//! An audit finding is about the deployment, not a line, but code scanning
//! shows only results with a place in a file: each is placed at the
//! schema's `datasource` block, which names the database it is about.

use serde_json::{Value, json};

use super::super::{Priority, Report};
use crate::diagnostics::Severity as Level;
use crate::diagnostics::ci::{CiResult, Place};

/// The failed findings of a report, placed at `place`; `name` is the
/// database's name in a fleet, put before each message.
pub fn results(report: &Report, fail_on: Option<Priority>, place: &Place, name: Option<&str>) -> Vec<CiResult> {
    report
        .findings
        .iter()
        .filter_map(|finding| {
            let severity = finding.outcome.severity()?;
            let level = if fail_on.is_some_and(|fail_on| severity <= fail_on) { Level::Error } else { Level::Warning };
            let prefix = name.map(|name| format!("{name}: ")).unwrap_or_default();
            Some(CiResult {
                code: finding.id.to_owned(),
                severity: level,
                message: format!("{prefix}{} {}: {}", severity.as_str(), finding.id, finding.seen),
                place: place.clone(),
                related: Vec::new(),
                notes: vec![format!("why: {}", finding.why), format!("fix: {}", finding.fix)],
            })
        })
        .collect()
}

/// How many failed findings are below `--fail-on`: the warnings.
pub fn warnings(report: &Report, fail_on: Option<Priority>) -> usize {
    report
        .findings
        .iter()
        .filter_map(|f| f.outcome.severity())
        .filter(|severity| fail_on.is_none_or(|fail_on| *severity > fail_on))
        .count()
}

/// `--summary --format json`: the verdict, the score and the counts,
/// without the findings.
pub fn summary_json(report: &Report, fail_on: Option<Priority>) -> Value {
    let mut full = super::json(report, fail_on);
    let object = full.as_object_mut().expect("the report is an object");
    let failed: Vec<&str> = report.findings.iter().filter(|f| f.outcome.severity().is_some()).map(|f| f.id).collect();
    object.remove("findings");
    object.insert("failed_ids".to_owned(), json!(failed));
    full
}

/// `--summary`: the grade line and one line per failed finding.
pub fn summary_text(report: &Report) -> String {
    let mut out = String::new();
    for finding in &report.findings {
        if let Some(severity) = finding.outcome.severity() {
            out.push_str(&format!("{} {}\n", severity.as_str(), finding.id));
        }
    }
    out.push_str(&super::summary(report));
    out.push('\n');
    out
}
