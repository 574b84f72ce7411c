//! Source files, spans and diagnostics.
//!
//! Every stage reports problems by pushing [`Diagnostic`]s into a
//! [`Diagnostics`] collection instead of returning `Err`, so one run shows
//! every problem of every fragment. A [`Span`] carries its [`FileId`], so a
//! diagnostic always points at the fragment the user wrote, never at the
//! merged output. Rendering (rustc-style text or JSON) happens here and only
//! here; this module never decides what is wrong.

use std::ops::Range;

use codespan_reporting::diagnostic::{self as cs, LabelStyle};
use codespan_reporting::files::{self, Files};
use codespan_reporting::term::{self, termcolor};
use serde::Serialize;

pub mod ci;
mod excerpt;

use excerpt::Excerpt;

/// Index of a file in [`Sources`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Span {
    pub file: FileId,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: FileId, range: Range<usize>) -> Span {
        Span { file, start: range.start as u32, end: range.end as u32 }
    }

    pub fn range(self) -> Range<usize> {
        self.start as usize..self.end as usize
    }

    /// The smallest span covering both (which must share a file).
    pub fn to(self, other: Span) -> Span {
        debug_assert_eq!(self.file, other.file);
        Span { file: self.file, start: self.start.min(other.start), end: self.end.max(other.end) }
    }
}

/// One source file: its path as shown to the user and its text.
#[derive(Debug)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    fn new(path: String, text: String) -> SourceFile {
        let line_starts = files::line_starts(&text).collect();
        SourceFile { path, text, line_starts }
    }

    /// 1-based line and column (counted in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&start| start <= offset) - 1;
        let line_start = self.line_starts[line];
        let column = self.text[line_start..floor_char_boundary(&self.text, offset)].chars().count();
        (line + 1, column + 1)
    }
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// Every file read in one run, addressed by [`FileId`].
#[derive(Debug, Default)]
pub struct Sources {
    files: Vec<SourceFile>,
}

impl Sources {
    pub fn new() -> Sources {
        Sources::default()
    }

    pub fn add(&mut self, path: impl Into<String>, text: impl Into<String>) -> FileId {
        self.files.push(SourceFile::new(path.into(), text.into()));
        FileId(self.files.len() as u32 - 1)
    }

    pub fn get(&self, id: FileId) -> &SourceFile {
        &self.files[id.0 as usize]
    }

    pub fn ids(&self) -> impl Iterator<Item = FileId> + '_ {
        (0..self.files.len() as u32).map(FileId)
    }

    /// The text a span covers.
    pub fn slice(&self, span: Span) -> &str {
        &self.get(span.file).text[span.range()]
    }
}

impl<'a> Files<'a> for Sources {
    type FileId = FileId;
    type Name = &'a str;
    type Source = &'a str;

    fn name(&'a self, id: FileId) -> Result<&'a str, files::Error> {
        self.files.get(id.0 as usize).map(|f| f.path.as_str()).ok_or(files::Error::FileMissing)
    }

    fn source(&'a self, id: FileId) -> Result<&'a str, files::Error> {
        self.files.get(id.0 as usize).map(|f| f.text.as_str()).ok_or(files::Error::FileMissing)
    }

    fn line_index(&'a self, id: FileId, byte_index: usize) -> Result<usize, files::Error> {
        let file = self.files.get(id.0 as usize).ok_or(files::Error::FileMissing)?;
        Ok(file.line_starts.partition_point(|&start| start <= byte_index).saturating_sub(1))
    }

    fn line_range(&'a self, id: FileId, line_index: usize) -> Result<Range<usize>, files::Error> {
        let file = self.files.get(id.0 as usize).ok_or(files::Error::FileMissing)?;
        let start = *file
            .line_starts
            .get(line_index)
            .ok_or(files::Error::LineTooLarge { given: line_index, max: file.line_starts.len() - 1 })?;
        let end = file.line_starts.get(line_index + 1).copied().unwrap_or(file.text.len());
        Ok(start..end)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A span with an explanation.
#[derive(Clone, Debug)]
pub struct Label {
    pub span: Span,
    pub message: String,
}

/// One problem: a stable kebab-case `code` (never renamed, so scripts and
/// suppressions can rely on it), a message, where it is and where else it
/// concerns.
#[derive(Clone, Debug)]
pub struct Diagnostic {
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    pub primary: Label,
    pub secondary: Vec<Label>,
    pub notes: Vec<String>,
}

impl Diagnostic {
    pub fn error(code: &'static str, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Error, code, span, message.into())
    }

    pub fn warning(code: &'static str, span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic::new(Severity::Warning, code, span, message.into())
    }

    fn new(severity: Severity, code: &'static str, span: Span, message: String) -> Diagnostic {
        Diagnostic {
            code,
            severity,
            message,
            primary: Label { span, message: String::new() },
            secondary: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Text under the primary caret.
    pub fn label(mut self, message: impl Into<String>) -> Diagnostic {
        self.primary.message = message.into();
        self
    }

    /// Another place this diagnostic concerns, possibly in another file.
    pub fn also(mut self, span: Span, message: impl Into<String>) -> Diagnostic {
        self.secondary.push(Label { span, message: message.into() });
        self
    }

    /// A `help:` line: how to fix it.
    pub fn help(mut self, message: impl Into<String>) -> Diagnostic {
        self.notes.push(format!("help: {}", message.into()));
        self
    }
}

/// The diagnostics of one run, in the order they were found.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics {
    items: Vec<Diagnostic>,
}

impl Diagnostics {
    pub fn new() -> Diagnostics {
        Diagnostics::default()
    }

    pub fn push(&mut self, diagnostic: Diagnostic) {
        self.items.push(diagnostic);
    }

    pub fn pop(&mut self) -> Option<Diagnostic> {
        self.items.pop()
    }

    pub fn extend(&mut self, other: Diagnostics) {
        self.items.extend(other.items);
    }

    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    pub fn len(&self) -> usize {
        self.items.len()
    }

    pub fn errors(&self) -> usize {
        self.items.iter().filter(|d| d.severity == Severity::Error).count()
    }

    pub fn warnings(&self) -> usize {
        self.items.iter().filter(|d| d.severity == Severity::Warning).count()
    }

    pub fn has_errors(&self) -> bool {
        self.errors() > 0
    }

    pub fn iter(&self) -> impl Iterator<Item = &Diagnostic> {
        self.items.iter()
    }

    pub fn iter_mut(&mut self) -> impl Iterator<Item = &mut Diagnostic> {
        self.items.iter_mut()
    }

    /// Keeps the diagnostics `keep` says yes to, in their order.
    pub fn retain(&mut self, keep: impl FnMut(&Diagnostic) -> bool) {
        self.items.retain(keep);
    }

    /// Diagnostics ordered by file and position, as a reader scans them;
    /// ties keep the order in which they were found.
    pub fn sorted(&self) -> Vec<&Diagnostic> {
        let mut sorted: Vec<&Diagnostic> = self.items.iter().collect();
        sorted.sort_by_key(|d| (d.primary.span.file, d.primary.span.start));
        sorted
    }

    /// rustc-style text: `error[code]: message`, `--> path:line:col`, the
    /// source line and a caret; ANSI colours only when `color` is set.
    pub fn render(&self, sources: &Sources, color: bool) -> String {
        let mut buffer = if color { termcolor::Buffer::ansi() } else { termcolor::Buffer::no_color() };
        let config = term::Config::default();
        for diagnostic in self.sorted() {
            let labels = std::iter::once(&diagnostic.primary).chain(&diagnostic.secondary);
            let spans: Vec<(FileId, Range<usize>)> = labels.map(|l| (l.span.file, l.span.range())).collect();
            let excerpt = Excerpt::new(sources, &spans);
            // Writing into an in-memory buffer only fails on a span that
            // lies outside its file, which is a bug in the stage that made it.
            term::emit_to_write_style(&mut buffer, &config, &excerpt, &to_codespan(diagnostic, &excerpt))
                .expect("diagnostic spans lie inside their files");
        }
        String::from_utf8_lossy(buffer.as_slice()).into_owned()
    }

    /// One JSON object per diagnostic (see [`JsonDiagnostic`]).
    pub fn to_json(&self, sources: &Sources) -> Vec<JsonDiagnostic> {
        self.sorted().into_iter().map(|d| JsonDiagnostic::new(d, sources)).collect()
    }

    /// The `--format json` document: a verdict, counts, and every diagnostic.
    pub fn to_json_report(&self, sources: &Sources) -> JsonReport {
        JsonReport {
            ok: !self.has_errors(),
            errors: self.errors(),
            warnings: self.warnings(),
            diagnostics: self.to_json(sources),
        }
    }
}

fn to_codespan(diagnostic: &Diagnostic, excerpt: &Excerpt) -> cs::Diagnostic<FileId> {
    let severity = match diagnostic.severity {
        Severity::Error => cs::Severity::Error,
        Severity::Warning => cs::Severity::Warning,
    };
    let label = |style, label: &Label| {
        cs::Label::new(style, label.span.file, excerpt.map(label.span.file, label.span.range()))
            .with_message(shorten(&label.message))
    };
    let mut labels = vec![label(LabelStyle::Primary, &diagnostic.primary)];
    labels.extend(diagnostic.secondary.iter().map(|l| label(LabelStyle::Secondary, l)));
    cs::Diagnostic::new(severity)
        .with_code(diagnostic.code)
        .with_message(shorten(&diagnostic.message))
        .with_labels(labels)
        .with_notes(diagnostic.notes.iter().map(|note| shorten(note).into_owned()).collect())
}

/// Messages quote what the user wrote (a name, a value); a name of a
/// megabyte is cut in the middle rather than printed whole.
const LONG_MESSAGE: usize = 1000;

fn shorten(text: &str) -> std::borrow::Cow<'_, str> {
    if text.len() <= LONG_MESSAGE {
        return text.into();
    }
    let head = floor_char_boundary(text, LONG_MESSAGE / 2);
    let tail = ceil_char_boundary(text, text.len() - LONG_MESSAGE / 2);
    format!("{}…({} bytes cut)…{}", &text[..head], tail - head, &text[tail..]).into()
}

fn ceil_char_boundary(text: &str, mut offset: usize) -> usize {
    while !text.is_char_boundary(offset) {
        offset += 1;
    }
    offset
}

/// What `--format json` prints. Field names are a stable interface.
#[derive(Debug, Serialize)]
pub struct JsonReport {
    pub ok: bool,
    pub errors: usize,
    pub warnings: usize,
    pub diagnostics: Vec<JsonDiagnostic>,
}

/// The machine-readable form of a diagnostic: 1-based lines and columns
/// (columns in characters), `end_*` just past the span.
#[derive(Debug, Serialize)]
pub struct JsonDiagnostic {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub code: &'static str,
    pub severity: Severity,
    pub message: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub related: Vec<JsonLocation>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct JsonLocation {
    pub file: String,
    pub line: usize,
    pub column: usize,
    pub message: String,
}

impl JsonDiagnostic {
    fn new(diagnostic: &Diagnostic, sources: &Sources) -> JsonDiagnostic {
        let span = diagnostic.primary.span;
        let file = sources.get(span.file);
        let (line, column) = file.line_col(span.start as usize);
        let (end_line, end_column) = file.line_col(span.end as usize);
        let related = diagnostic
            .secondary
            .iter()
            .map(|label| {
                let file = sources.get(label.span.file);
                let (line, column) = file.line_col(label.span.start as usize);
                JsonLocation { file: file.path.clone(), line, column, message: label.message.clone() }
            })
            .collect();
        JsonDiagnostic {
            file: file.path.clone(),
            line,
            column,
            end_line,
            end_column,
            code: diagnostic.code,
            severity: diagnostic.severity,
            message: shorten(&diagnostic.message).into_owned(),
            related,
            notes: diagnostic.notes.clone(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_not_bytes() {
        let mut sources = Sources::new();
        let id = sources.add("a.prisma", "model Ä {\n  ü Int\n}\n");
        let file = sources.get(id);
        assert_eq!(file.line_col(0), (1, 1));
        let u = file.text.find('ü').unwrap();
        assert_eq!(file.line_col(u), (2, 3));
        assert_eq!(file.line_col(u + 2), (2, 4));
        assert_eq!(file.line_col(file.text.len()), (4, 1));
    }

    #[test]
    fn rendering_names_file_line_and_column_without_colour() {
        let mut sources = Sources::new();
        let id = sources.add("schema/a.prisma", "model A {\n  id Flaot\n}\n");
        let mut diagnostics = Diagnostics::new();
        diagnostics.push(
            Diagnostic::error("unknown-type", Span::new(id, 15..20), "unknown type `Flaot`")
                .label("not a scalar, model or enum"),
        );
        let text = diagnostics.render(&sources, false);
        assert!(text.contains("error[unknown-type]: unknown type `Flaot`"), "{text}");
        assert!(text.contains("schema/a.prisma:2:6"), "{text}");
        assert!(!text.contains('\u{1b}'), "no ANSI escapes without colour: {text}");
    }

    fn render_one(text: &str, span: Range<usize>, message: &str) -> String {
        let mut sources = Sources::new();
        let id = sources.add("schema/a.prisma", text);
        let mut diagnostics = Diagnostics::new();
        diagnostics.push(Diagnostic::error("some-code", Span::new(id, span), message).label("here"));
        diagnostics.render(&sources, false)
    }

    #[test]
    fn a_secret_on_a_shown_line_is_masked_and_the_caret_still_points_at_its_label() {
        let text = "datasource db {\n  url = \"postgres://ehr:Sup3rS3cret@dbhost/ehr\"\n}\n";
        let at = text.find("dbhost").unwrap();
        let rendered = render_one(text, at..at + 6, "unknown host");
        assert!(!rendered.contains("Sup3rS3cret"), "{rendered}");
        // The column is the one in the file as written.
        assert!(rendered.contains("schema/a.prisma:2:37"), "{rendered}");
        let lines: Vec<&str> = rendered.lines().collect();
        let source = lines.iter().position(|l| l.contains("postgres://ehr:****@dbhost")).expect(&rendered);
        let caret = lines[source + 1];
        assert_eq!(caret.find('^'), lines[source].find("dbhost"), "{rendered}");
    }

    #[test]
    fn a_long_line_is_cut_to_a_window_around_the_label() {
        let mut text = "model A {\n  id Int @id\n  ".to_owned();
        text.push_str(&"x".repeat(5_000_000));
        let at = text.len();
        text.push_str(" Flaot\n}\n");
        let rendered = render_one(&text, at + 1..at + 6, "unknown type `Flaot`");
        assert!(rendered.len() < 2_000, "{} bytes", rendered.len());
        assert!(rendered.contains("schema/a.prisma:3:5000004"), "{rendered}");
        let lines: Vec<&str> = rendered.lines().collect();
        let source = lines.iter().position(|l| l.contains("Flaot") && l.contains('…')).expect(&rendered);
        let column = |line: &str, at: usize| line[..at].chars().count();
        let caret = lines[source + 1].find('^').unwrap();
        assert_eq!(column(lines[source + 1], caret), column(lines[source], lines[source].find("Flaot").unwrap()));
    }

    #[test]
    fn a_huge_message_is_cut_in_the_middle() {
        let name = "N".repeat(100_000);
        let rendered = render_one("model A {}\n", 6..7, &format!("unknown type `{name}`"));
        assert!(rendered.len() < 3_000, "{} bytes", rendered.len());
        assert!(rendered.contains("bytes cut)"), "{rendered}");
    }
}
