//! Diagnostics for CI: SARIF 2.1.0 (code scanning), GitHub workflow
//! commands (annotations on a pull request), and a summary that counts
//! them per code.
//!
//! Takes [`CiResult`]s, made from [`Diagnostics`] here or from an audit
//! report by `check::report::ci`, and returns a document or text; the
//! command prints it. Lines and columns are 1-based, columns counted in
//! characters (SARIF's `unicodeCodePoints`), as every other output of
//! ehrdb counts them. Nothing here decides what is wrong.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_sarif::sarif;

use super::{Diagnostics, Severity, Sources};

/// A place in a file: 1-based lines and columns (in characters), the end
/// just past the span.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end: Option<(usize, usize)>,
}

/// One finding as CI shows it.
#[derive(Debug, Clone)]
pub struct CiResult {
    /// The stable code (a lint code, an audit finding id).
    pub code: String,
    pub severity: Severity,
    pub message: String,
    pub place: Place,
    /// Other places it concerns, each with its label.
    pub related: Vec<(Place, String)>,
    /// `help:` lines and the like.
    pub notes: Vec<String>,
}

/// The results of diagnostics, in the order a reader scans them.
pub fn results(diagnostics: &Diagnostics, sources: &Sources) -> Vec<CiResult> {
    diagnostics
        .to_json(sources)
        .into_iter()
        .map(|d| CiResult {
            code: d.code.to_owned(),
            severity: d.severity,
            message: d.message,
            place: Place { file: d.file, line: d.line, column: d.column, end: Some((d.end_line, d.end_column)) },
            related: d
                .related
                .into_iter()
                .map(|r| (Place { file: r.file, line: r.line, column: r.column, end: None }, r.message))
                .collect(),
            notes: d.notes,
        })
        .collect()
}

/// A SARIF 2.1.0 log of one run of ehrdb: a rule per code that occurs,
/// a result per finding.
pub fn sarif(results: &[CiResult]) -> sarif::Sarif {
    let mut codes: Vec<&str> = results.iter().map(|r| r.code.as_str()).collect();
    codes.sort_unstable();
    codes.dedup();
    let rules: Vec<sarif::ReportingDescriptor> =
        codes.iter().map(|code| sarif::ReportingDescriptor::builder().id(*code).build()).collect();
    let sarif_results: Vec<sarif::Result> = results
        .iter()
        .map(|result| {
            let index = codes.binary_search(&result.code.as_str()).expect("every code has a rule") as i64;
            let related: Vec<sarif::Location> = result
                .related
                .iter()
                .enumerate()
                .map(|(n, (place, label))| {
                    let location = sarif::Location::builder().id(n as i64 + 1).physical_location(physical(place));
                    if label.is_empty() {
                        location.build()
                    } else {
                        location.message(sarif::Message::builder().text(label.as_str()).build()).build()
                    }
                })
                .collect();
            let builder = sarif::Result::builder()
                .rule_id(result.code.as_str())
                .rule_index(index)
                .level(match result.severity {
                    Severity::Error => sarif::ResultLevel::Error,
                    Severity::Warning => sarif::ResultLevel::Warning,
                })
                .message(sarif::Message::builder().text(text(result)).build())
                .locations(vec![sarif::Location::builder().physical_location(physical(&result.place)).build()]);
            if related.is_empty() { builder.build() } else { builder.related_locations(related).build() }
        })
        .collect();
    let driver = sarif::ToolComponent::builder().name("ehrdb").version(env!("CARGO_PKG_VERSION")).rules(rules).build();
    let run = sarif::Run::builder()
        .tool(sarif::Tool::builder().driver(driver).build())
        .results(sarif_results)
        .column_kind(serde_json::json!("unicodeCodePoints"))
        .build();
    sarif::Sarif::builder().schema(sarif::SCHEMA_URL).version(serde_json::json!("2.1.0")).runs(vec![run]).build()
}

/// The message with its notes, one a line.
fn text(result: &CiResult) -> String {
    let mut text = result.message.clone();
    for note in &result.notes {
        text.push('\n');
        text.push_str(note);
    }
    text
}

fn physical(place: &Place) -> sarif::PhysicalLocation {
    let region = sarif::Region::builder().start_line(place.line as i64).start_column(place.column as i64);
    let region = match place.end {
        Some((line, column)) => region.end_line(line as i64).end_column(column as i64).build(),
        None => region.build(),
    };
    sarif::PhysicalLocation::builder()
        .artifact_location(sarif::ArtifactLocation::builder().uri(uri(&place.file)).build())
        .region(region)
        .build()
}

/// A relative path as a URI reference: forward slashes, and the characters
/// a URI cannot hold percent-encoded.
fn uri(path: &str) -> String {
    let mut out = String::new();
    for c in path.chars() {
        match c {
            '\\' => out.push('/'),
            'a'..='z' | 'A'..='Z' | '0'..='9' | '-' | '.' | '_' | '~' | '/' | ':' | '@' | '+' | '=' | '&' | ',' => {
                out.push(c)
            }
            _ => {
                let mut bytes = [0; 4];
                for byte in c.encode_utf8(&mut bytes).bytes() {
                    out.push_str(&format!("%{byte:02X}"));
                }
            }
        }
    }
    out
}

/// GitHub Actions workflow commands, one a line:
/// `::error file=F,line=L,col=C,endLine=L,endColumn=C,title=CODE::MESSAGE`.
pub fn github(results: &[CiResult]) -> String {
    let mut out = String::new();
    for result in results {
        let kind = match result.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let place = &result.place;
        let mut properties = format!("file={},line={},col={}", property(&place.file), place.line, place.column);
        if let Some((line, column)) = place.end {
            // GitHub takes endColumn only for a span on one line.
            if line == place.line {
                properties.push_str(&format!(",endLine={line},endColumn={column}"));
            } else {
                properties.push_str(&format!(",endLine={line}"));
            }
        }
        properties.push_str(&format!(",title={}", property(&result.code)));
        out.push_str(&format!("::{kind} {properties}::{}\n", data(&text(result))));
    }
    out
}

/// A workflow command's message: `%`, CR and LF escaped.
fn data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// A workflow command's property: also `:` and `,` escaped.
fn property(text: &str) -> String {
    data(text).replace(':', "%3A").replace(',', "%2C")
}

/// What `--summary` prints: the counts, and how many of each code.
#[derive(Debug, Serialize)]
pub struct Summary {
    pub ok: bool,
    pub errors: usize,
    pub warnings: usize,
    pub codes: Vec<CodeCount>,
}

#[derive(Debug, Serialize)]
pub struct CodeCount {
    pub code: String,
    pub severity: Severity,
    pub count: usize,
}

/// Counts per code and severity, the most frequent first.
pub fn summary(results: &[CiResult]) -> Summary {
    let mut counts: BTreeMap<(Severity, &str), usize> = BTreeMap::new();
    for result in results {
        *counts.entry((result.severity, result.code.as_str())).or_default() += 1;
    }
    let mut codes: Vec<CodeCount> = counts
        .into_iter()
        .map(|((severity, code), count)| CodeCount { code: code.to_owned(), severity, count })
        .collect();
    codes.sort_by_key(|c| (c.severity, std::cmp::Reverse(c.count)));
    let errors = results.iter().filter(|r| r.severity == Severity::Error).count();
    Summary { ok: errors == 0, errors, warnings: results.len() - errors, codes }
}

impl Summary {
    /// One line per code (`  12 warning fk-without-index`), then the totals.
    pub fn text(&self) -> String {
        let width = self.codes.iter().map(|c| c.count.to_string().len()).max().unwrap_or(1);
        let mut out = String::new();
        for code in &self.codes {
            let severity = match code.severity {
                Severity::Error => "error  ",
                Severity::Warning => "warning",
            };
            out.push_str(&format!("{:>width$} {severity} {}\n", code.count, code.code));
        }
        out.push_str(&format!(
            "{}, {}\n",
            crate::text::count(self.errors, "error"),
            crate::text::count(self.warnings, "warning")
        ));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostics::{Diagnostic, Span};

    fn example() -> (Diagnostics, Sources) {
        let mut sources = Sources::new();
        let a = sources.add("schema/a b.prisma", "model Ä {\n  at DateTime\n}\n");
        let mut diagnostics = Diagnostics::new();
        diagnostics.push(
            Diagnostic::warning("timestamp-without-time-zone", Span::new(a, 16..24), "`Ä.at`: no zone, 100%")
                .help("add `@db.Timestamptz(6)`, or not"),
        );
        diagnostics
            .push(Diagnostic::error("duplicate-model", Span::new(a, 6..8), "twice").also(Span::new(a, 0..5), "first"));
        (diagnostics, sources)
    }

    #[test]
    fn github_lines_escape_messages_and_properties() {
        let (diagnostics, sources) = example();
        let text = github(&results(&diagnostics, &sources));
        assert_eq!(
            text,
            "::error file=schema/a b.prisma,line=1,col=7,endLine=1,endColumn=8,title=duplicate-model::twice\n\
             ::warning file=schema/a b.prisma,line=2,col=6,endLine=2,endColumn=14,title=timestamp-without-time-zone::\
             `Ä.at`: no zone, 100%25%0Ahelp: add `@db.Timestamptz(6)`, or not\n"
        );
    }

    #[test]
    fn sarif_places_count_characters_and_keep_related_places() {
        let (diagnostics, sources) = example();
        let log = serde_json::to_value(sarif(&results(&diagnostics, &sources))).unwrap();
        let run = &log["runs"][0];
        assert_eq!(run["columnKind"], "unicodeCodePoints");
        assert_eq!(run["tool"]["driver"]["rules"][0]["id"], "duplicate-model");
        let error = &run["results"][0];
        assert_eq!((error["ruleId"].as_str(), error["ruleIndex"].as_i64()), (Some("duplicate-model"), Some(0)));
        let region = &error["locations"][0]["physicalLocation"]["region"];
        assert_eq!((region["startColumn"].as_i64(), region["endColumn"].as_i64()), (Some(7), Some(8)));
        assert_eq!(error["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "schema/a%20b.prisma");
        assert_eq!(error["relatedLocations"][0]["message"]["text"], "first");
        assert_eq!(run["results"][1]["level"], "warning");
    }

    #[test]
    fn a_summary_counts_per_code() {
        let (mut diagnostics, sources) = example();
        diagnostics.extend(example().0);
        let summary = summary(&results(&diagnostics, &sources));
        assert_eq!((summary.errors, summary.warnings, summary.ok), (2, 2, false));
        assert_eq!(
            summary.text(),
            "2 error   duplicate-model\n2 warning timestamp-without-time-zone\n2 errors, 2 warnings\n"
        );
    }
}
