//! `/// @ehrdb.allow(code, ...)`: a doc comment line on a block, a field
//! or an enum value that silences the named lints there, and only there.
//!
//! Runs after every rule, on all they found: a warning whose code an allow
//! names and whose place lies inside the allow's block, field or value is
//! dropped, and an allow that drops nothing is itself reported
//! (`unused-allow`), so suppressions never outlive what they suppressed.
//! Errors are never silenced: an allow takes the codes of
//! [`LINTS`](super::LINTS) only, and an allow of `ehrdb lint`'s rule
//! belongs in the SQL. A mistake in an allow is an error, as every
//! annotation mistake is. Levels from ehrdb.toml come after, so an allow
//! wins over `deny`.

use super::{LINTS, closest};
use crate::ast::{Block, Comment, Member, TopItem};
use crate::diagnostics::{Diagnostic, Diagnostics, Severity, Span};
use crate::schema::Schema;
use crate::schema::annotations::parse::{self, Value};

/// One code of one allow, and the place it covers.
struct Allow {
    code: String,
    /// Where the code is written.
    span: Span,
    /// The block, field or enum value it documents.
    scope: Span,
    used: bool,
}

/// Silences what the allows name, reports allows that silence nothing and
/// allows written wrong.
pub(super) fn apply(schema: &Schema, diagnostics: &mut Diagnostics) {
    let mut problems = Diagnostics::new();
    let mut allows = Vec::new();
    for (scope, comment) in doc_comments(schema) {
        read(comment, scope, &mut allows, &mut problems);
    }
    if allows.is_empty() && problems.is_empty() {
        return;
    }
    diagnostics.retain(|d| {
        if d.severity != Severity::Warning || !LINTS.contains(&d.code) {
            return true;
        }
        let place = d.primary.span;
        let inner = allows
            .iter_mut()
            .filter(|a| a.code == d.code && covers(a.scope, place))
            .min_by_key(|a| a.scope.end - a.scope.start);
        match inner {
            Some(allow) => {
                allow.used = true;
                false
            }
            None => true,
        }
    });
    diagnostics.extend(problems);
    for allow in allows.into_iter().filter(|a| !a.used) {
        diagnostics.push(
            Diagnostic::warning(
                "unused-allow",
                allow.span,
                format!("`{}` is allowed here, but nothing here raises it", allow.code),
            )
            .label("silences nothing")
            .help("remove it, so it cannot hide a finding the next edit brings"),
        );
    }
}

fn covers(scope: Span, place: Span) -> bool {
    scope.file == place.file && scope.start <= place.start && place.end <= scope.end
}

/// The codes of one doc comment line, if it is an allow.
fn read(comment: &Comment, scope: Option<Span>, allows: &mut Vec<Allow>, problems: &mut Diagnostics) {
    // A line that does not parse is `annotation-syntax`'s to report.
    let Some(Ok(annotation)) = parse::parse(comment) else { return };
    if annotation.name.name != "allow" {
        return;
    }
    let Some(scope) = scope else {
        problems.push(
            Diagnostic::error(
                "detached-annotation",
                annotation.name.span,
                "`@ehrdb.allow` is not attached to anything",
            )
            .label("ehrdb ignores it here")
            .help("put it in the `///` lines directly above the block, field or enum value it allows lints on"),
        );
        return;
    };
    if annotation.args.is_empty() {
        problems.push(
            Diagnostic::error("empty-allow", annotation.name.span, "`@ehrdb.allow` names no lint")
                .label("allows nothing")
                .help("name the codes it allows: `/// @ehrdb.allow(fk-without-index)`"),
        );
        return;
    }
    for arg in &annotation.args {
        let (Value::Word(span), None) = (&arg.value, &arg.name) else {
            problems.push(
                Diagnostic::error("bad-allow-argument", arg.span, "`@ehrdb.allow` takes lint codes, nothing else")
                    .label("not a lint code")
                    .help("write the codes bare, separated by commas: `/// @ehrdb.allow(fk-without-index, float-for-money)`"),
            );
            continue;
        };
        let code = &comment.text[(span.start - comment.span.start) as usize..(span.end - comment.span.start) as usize];
        if code == "unused-allow" || !LINTS.contains(&code) {
            problems.push(unknown(code, *span));
            continue;
        }
        allows.push(Allow { code: code.to_owned(), span: *span, scope, used: false });
    }
}

fn unknown(code: &str, span: Span) -> Diagnostic {
    if crate::lint::rule_codes().any(|c| c == code) {
        return Diagnostic::error("unknown-lint-code", span, format!("`{code}` is a rule of `ehrdb lint`"))
            .label("the schema never raises it")
            .help(format!(
                "allow it in the migration's SQL, before the statement: `-- ehrdb:allow {code} -- the reason`"
            ));
    }
    let allowable = LINTS.iter().copied().filter(|c| *c != "unused-allow");
    let diagnostic = Diagnostic::error("unknown-lint-code", span, format!("`{code}` is not a lint code"))
        .label("no lint has this code");
    match closest(code, allowable) {
        Some(near) => diagnostic.help(format!("did you mean `{near}`?")),
        None => diagnostic.help("an allow takes the codes of `ehrdb validate`'s warnings; errors cannot be allowed"),
    }
}

/// Every doc comment, with the span of what it documents (`None` for a
/// comment followed by a blank line, a comment or a block attribute).
fn doc_comments<'a>(schema: &Schema<'a>) -> Vec<(Option<Span>, &'a Comment)> {
    let mut out = Vec::new();
    for item in schema.fragments.fragments.iter().flat_map(|f| &f.ast.items) {
        match item {
            TopItem::Block(block) => members(block, &mut out),
            TopItem::Comment(c) if c.is_doc() => out.push((None, c)),
            _ => {}
        }
    }
    out
}

fn members<'a>(block: &'a Block, out: &mut Vec<(Option<Span>, &'a Comment)>) {
    out.extend(block.doc.iter().map(|c| (Some(block.span), c)));
    for member in &block.members {
        match member {
            Member::Field(field) => out.extend(field.doc.iter().map(|c| (Some(field.span), c))),
            Member::EnumValue(value) => out.extend(value.doc.iter().map(|c| (Some(value.span), c))),
            Member::Comment(c) if c.is_doc() => out.push((None, c)),
            _ => {}
        }
    }
}
