//! `ehrdb lint`: what in migration SQL blocks or breaks a live database.
//!
//! Takes the text of migration files (in [`Sources`]) and the schema's
//! [`Context`], and returns [`Diagnostics`] with stable kebab-case codes:
//! squawk's rules for locks and compatibility ([`squawk`], squawk's own
//! names), ehrdb's rules for the append-only tables and the schema the
//! application reads ([`rules`]). Statements are parsed with squawk's
//! PostgreSQL parser (`squawk-syntax`), never matched with patterns. It
//! never reads files, connects or prints.
//!
//! Every finding then passes the exemptions all rules share: a lock on a
//! table the file itself created (nobody else can be using it), an object
//! dropped and created again in one transaction (nobody sees it missing),
//! a down.sql removing what its own up.sql added (rolling back restores
//! the database before the migration), and, last, the `-- ehrdb:allow
//! CODE` comment a reviewer writes before a statement to accept a finding.
//!
//! [`locks`] classifies one statement by the table locks it takes and
//! whether it may run in a transaction block, for a runner that sets a lock
//! timeout per statement.

use std::ops::Range;

use crate::diagnostics::{Diagnostic, Diagnostics, FileId, Sources, Span};

mod accept;
pub mod context;
mod effects;
pub mod locks;
pub mod names;
mod rules;
mod script;
mod squawk;

pub use accept::{Settled, allow_accepted, settle};
pub use context::{Context, context, context_of_fragments};
pub use locks::{ConcurrentIndex, LockMode, LockedRelation, StatementLocks, concurrent_index, locks};
pub use names::ObjectName;

use effects::Object;
use script::Script;

/// Which file of a migration a text is: rules judge down.sql, which undoes
/// its migration, in its own light.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    Up,
    Down,
}

/// The kind of hazard a rule reports, which decides its exemptions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A lock that stalls the application: moot on a table the file
    /// created, or one the same transaction drops.
    Lock,
    /// Something the application may still use is dropped or renamed:
    /// moot when it is new in the file, comes back in the same
    /// transaction, or is what the migration's up.sql added.
    Compat,
    /// Always reported (unless allowed).
    Always,
}

/// One finding, in the file's byte offsets, before it is a diagnostic.
pub(crate) struct Finding {
    pub code: &'static str,
    pub kind: Kind,
    pub range: Range<usize>,
    pub message: String,
    pub label: String,
    pub notes: Vec<String>,
    /// The statement it is about.
    pub statement: Option<usize>,
}

/// Every code lint may report, squawk's and ehrdb's, in README order.
pub fn codes() -> impl Iterator<Item = &'static str> {
    rule_codes().chain(META_CODES)
}

/// The codes of the rules, squawk's and ehrdb's: what `-- ehrdb:allow`
/// accepts and `[lints]` in ehrdb.toml can set a level for.
pub fn rule_codes() -> impl Iterator<Item = &'static str> {
    squawk::RULES.iter().map(|(_, code, _)| *code).chain(rules::CODES.iter().map(|(code, _)| *code))
}

/// Codes about the file itself, which `-- ehrdb:allow` cannot accept.
const META_CODES: [&str; 3] = ["sql-syntax-error", "bad-marker", "unused-allow"];

/// Lints a migration: its up.sql and, when it has one, its down.sql.
pub fn lint_migration(sources: &Sources, up: FileId, down: Option<FileId>, context: &Context) -> Diagnostics {
    let mut diagnostics = lint_file(sources, up, FileKind::Up, context);
    if let Some(down) = down {
        diagnostics.extend(lint_down(sources, down, Some(up), context));
    }
    diagnostics
}

/// Lints one file on its own, as the up.sql or down.sql of a migration.
pub fn lint_file(sources: &Sources, file: FileId, kind: FileKind, context: &Context) -> Diagnostics {
    let text = &sources.get(file).text;
    let script = Script::parse(text, kind);
    diagnostics(file, check(text, &script, kind, context, None))
}

/// Lints a down.sql, knowing from its `up` file what the migration adds
/// (and so what removing is harmless); only the down.sql is reported on.
pub fn lint_down(sources: &Sources, down: FileId, up: Option<FileId>, context: &Context) -> Diagnostics {
    let up = up.map(|up| Script::parse(&sources.get(up).text, FileKind::Up));
    let text = &sources.get(down).text;
    let script = Script::parse(text, FileKind::Down);
    diagnostics(down, check(text, &script, FileKind::Down, context, up.as_ref()))
}

/// The findings of one file, exemptions and allow comments applied.
fn check(text: &str, script: &Script, kind: FileKind, context: &Context, up: Option<&Script>) -> Vec<Finding> {
    let mut findings: Vec<Finding> = script
        .syntax_errors
        .iter()
        .map(|(range, message)| Finding {
            code: "sql-syntax-error",
            kind: Kind::Always,
            range: range.clone(),
            message: message.clone(),
            label: String::new(),
            notes: vec!["the file cannot run as written".to_owned()],
            statement: None,
        })
        .collect();
    findings.extend(squawk::run(text, script));
    findings.extend(rules::run(script, context, kind));
    findings.retain(|f| !exempt(script, f, context, up));
    supersede(&mut findings);
    apply_allows(script, &mut findings);
    findings.extend(script.bad_markers.iter().map(|bad| Finding {
        code: "bad-marker",
        kind: Kind::Always,
        range: bad.range.clone(),
        message: bad.message.clone(),
        label: String::new(),
        notes: vec![bad.help.clone()],
        statement: None,
    }));
    findings.sort_by_key(|f| (f.range.start, f.code));
    findings
}

/// Whether a finding is moot (see the module's header).
fn exempt(script: &Script, finding: &Finding, context: &Context, up: Option<&Script>) -> bool {
    let Some(index) = finding.statement else { return false };
    let statement = &script.statements[index];
    let created_before =
        |object: &Object| script.statements[..index].iter().any(|s| s.effects.creates.iter().any(|c| c.same(object)));
    match finding.kind {
        Kind::Always => false,
        Kind::Lock => {
            let table = statement.effects.table.clone().or_else(|| dropped_index_table(script, index, up));
            table.is_some_and(|table| {
                let dropped_later = script.statements[index + 1..]
                    .iter()
                    .take_while(|s| s.unit == statement.unit)
                    .any(|s| s.effects.drops.iter().any(|d| d.same(&Object::Table(table.clone()))));
                created_before(&Object::Table(table)) || dropped_later
            })
        }
        Kind::Compat => {
            let effects = &statement.effects;
            if effects.drops.is_empty() && effects.renames.is_empty() {
                return effects.table.clone().is_some_and(|t| created_before(&Object::Table(t)));
            }
            let dropped = effects.drops.iter().map(|o| (o, false));
            let renamed = effects.renames.iter().map(|(o, _)| (o, true));
            dropped
                .chain(renamed)
                .all(|(object, renamed)| harmless_removal(script, index, object, renamed, context, up))
        }
    }
}

/// Whether dropping or renaming `object` at statement `index` takes
/// nothing from a client. Something with the same name back in the same
/// transaction is the same thing again only if nothing was lost: after a
/// rename (the data lives on under the other name), or for an object that
/// holds no data (a default, constraint, trigger, index or function), not
/// for a table or column dropped and created empty.
fn harmless_removal(
    script: &Script,
    index: usize,
    object: &Object,
    renamed: bool,
    context: &Context,
    up: Option<&Script>,
) -> bool {
    let statement = &script.statements[index];
    let its_table = object.table().map(|t| Object::Table(t.clone()));
    let new = |o: &Object| {
        script.statements[..index].iter().any(|s| s.effects.born().any(|b| b.same(o)))
            || up.is_some_and(|up| up.statements.iter().any(|s| s.effects.born().any(|b| b.same(o))))
    };
    let holds_no_data = matches!(
        object,
        Object::Default(..) | Object::Constraint(..) | Object::Trigger(..) | Object::Index(_) | Object::Function(_)
    );
    let back_in_the_same_transaction = (renamed || holds_no_data)
        && script.statements[index + 1..]
            .iter()
            .take_while(|s| s.unit == statement.unit)
            .any(|s| s.effects.born().any(|b| b.same(object)));
    let no_default_to_lose = matches!(object, Object::Default(table, column) if context.column(table, column).is_some_and(|c| !c.has_default));
    new(object) || its_table.as_ref().is_some_and(new) || back_in_the_same_transaction || no_default_to_lose
}

/// The table of an index a DROP INDEX statement drops, when this file (or
/// its up.sql) created it.
fn dropped_index_table(script: &Script, index: usize, up: Option<&Script>) -> Option<crate::lint::ObjectName> {
    let Some(Object::Index(dropped)) = script.statements[index].effects.drops.first() else { return None };
    let earlier = script.statements[..index].iter().chain(up.into_iter().flat_map(|u| u.statements.iter()));
    earlier
        .filter(|s| s.effects.creates.iter().any(|c| c.same(&Object::Index(dropped.clone()))))
        .find_map(|s| s.effects.table.clone())
}

/// Drops the squawk findings an ehrdb finding on the same statement says
/// better.
fn supersede(findings: &mut Vec<Finding>) {
    let replaced: Vec<(Option<usize>, &str)> = findings
        .iter()
        .flat_map(|f| {
            rules::SUPERSEDES.iter().filter(|(ours, _)| *ours == f.code).map(|(_, theirs)| (f.statement, *theirs))
        })
        .collect();
    findings.retain(|f| !replaced.contains(&(f.statement, f.code)));
}

/// Removes the findings an `-- ehrdb:allow` accepts, and reports allow
/// comments that name an unknown code or accept nothing.
fn apply_allows(script: &Script, findings: &mut Vec<Finding>) {
    let mut problems = Vec::new();
    for allow in &script.allows {
        for (code, range) in &allow.codes {
            let known = codes().any(|c| c == code && !META_CODES.contains(&c));
            if !known {
                let closest = codes()
                    .filter(|c| !META_CODES.contains(c))
                    .max_by(|a, b| strsim::jaro_winkler(code, a).total_cmp(&strsim::jaro_winkler(code, b)));
                problems.push(Finding {
                    code: "bad-marker",
                    kind: Kind::Always,
                    range: range.clone(),
                    message: format!("`{code}` is not a lint code"),
                    label: String::new(),
                    notes: closest.map(|c| format!("did you mean `{c}`?")).into_iter().collect(),
                    statement: None,
                });
                continue;
            }
            let before = findings.len();
            findings.retain(|f| !(allow.statement.is_some() && f.statement == allow.statement && f.code == code));
            if findings.len() == before {
                problems.push(Finding {
                    code: "unused-allow",
                    kind: Kind::Always,
                    range: range.clone(),
                    message: format!("nothing to allow: the statement after it has no `{code}` finding"),
                    label: String::new(),
                    notes: vec!["remove it, so it cannot hide a finding the next edit brings".to_owned()],
                    statement: None,
                });
            }
        }
    }
    findings.extend(problems);
}

fn diagnostics(file: FileId, findings: Vec<Finding>) -> Diagnostics {
    let mut diagnostics = Diagnostics::new();
    for finding in findings {
        let span = Span::new(file, finding.range);
        let mut diagnostic = Diagnostic::error(finding.code, span, finding.message).label(finding.label);
        for note in finding.notes {
            diagnostic = diagnostic.help(note);
        }
        diagnostics.push(diagnostic);
    }
    diagnostics
}
