//! The rules of ehrdb's own annotations (`/// @ehrdb.immutable` and
//! `/// @ehrdb.renamedFrom("old")`, read by
//! [`schema::annotations`](crate::schema::annotations)).
//!
//! An annotation starts its doc comment line. Each must parse, be known
//! and sit where it means something; `immutable` must list existing,
//! updatable scalar fields, and `renamedFrom` one old name that nothing
//! else still holds (`renamed`). A mistake here is an error, not a warning:
//! a mistyped annotation would silently leave an audit table writable, or
//! drop a column instead of renaming it. Mentions of `@ehrdb.` that ehrdb
//! cannot see (in a plain comment, past the start of a line) are warnings.

mod renamed;

use crate::collections::HashMap;

use super::{Ctx, Rule, closest};
use crate::ast::{Block, BlockKind, Comment, Expr, Field, Ident, Member, TopItem};
use crate::diagnostics::{Diagnostic, Span};
use crate::schema::FieldKind;
use crate::schema::annotations::parse::{self, Annotation, Value};
use crate::schema::annotations::{KNOWN, RENAMED_FROM};

pub(super) const CHECKS: &[Rule] = &[
    Rule::schema("every_annotation_parses", every_annotation_parses),
    Rule::schema("every_annotation_is_known", every_annotation_is_known),
    Rule::schema("annotations_sit_where_they_apply", annotations_sit_where_they_apply),
    Rule::blocks("a_model_is_annotated_once", a_model_is_annotated_once),
    Rule::schema("immutable_takes_only_allow_update", immutable_takes_only_allow_update),
    Rule::blocks("allow_update_lists_updatable_fields", allow_update_lists_updatable_fields),
    Rule::schema("annotations_are_written_in_doc_comments", annotations_are_written_in_doc_comments),
    Rule::schema("renamed_from_names_a_free_old_name", renamed::renamed_from_names_a_free_old_name),
];

/// What a doc comment is attached to.
#[derive(Clone, Copy)]
enum Site<'a> {
    Block(&'a Block),
    Field(&'a Block, &'a Field),
    EnumValue(&'a Block, &'a crate::ast::EnumValue),
    /// A doc comment followed by a blank line, a comment or a block attribute.
    Loose,
}

/// Every doc comment of every fragment, with what it documents.
fn doc_comments<'a>(ctx: &Ctx<'a>) -> Vec<(Site<'a>, &'a Comment)> {
    let mut out = Vec::new();
    for item in ctx.schema.fragments.fragments.iter().flat_map(|f| &f.ast.items) {
        match item {
            TopItem::Block(block) => {
                out.extend(block.doc.iter().map(|c| (Site::Block(block), c)));
                for member in &block.members {
                    match member {
                        Member::Field(field) => out.extend(field.doc.iter().map(|c| (Site::Field(block, field), c))),
                        Member::EnumValue(value) => {
                            out.extend(value.doc.iter().map(|c| (Site::EnumValue(block, value), c)))
                        }
                        Member::Comment(c) if c.is_doc() => out.push((Site::Loose, c)),
                        _ => {}
                    }
                }
            }
            TopItem::Comment(c) if c.is_doc() => out.push((Site::Loose, c)),
            _ => {}
        }
    }
    out
}

/// Every annotation that parses, with where it sits.
fn annotations<'a>(ctx: &Ctx<'a>) -> Vec<(Site<'a>, Annotation)> {
    doc_comments(ctx).into_iter().filter_map(|(site, c)| Some((site, parse::parse(c)?.ok()?))).collect()
}

fn every_annotation_parses(ctx: &mut Ctx) {
    for (_, comment) in doc_comments(ctx) {
        if let Some(Err(error)) = parse::parse(comment) {
            ctx.push(Diagnostic::error("annotation-syntax", error.span, error.message).label(error.label).help(
                if comment.text.contains("@ehrdb.renamedFrom") {
                    "the form is `/// @ehrdb.renamedFrom(\"oldName\")`"
                } else {
                    "the form is `/// @ehrdb.immutable` or `/// @ehrdb.immutable(allowUpdate: [field, other])`"
                },
            ));
        }
    }
}

fn every_annotation_is_known(ctx: &mut Ctx) {
    for (_, annotation) in annotations(ctx) {
        let name = &annotation.name.name;
        if KNOWN.contains(&name.as_str()) {
            continue;
        }
        let diagnostic = Diagnostic::error(
            "unknown-annotation",
            annotation.name.span,
            format!("unknown annotation `@ehrdb.{name}`"),
        )
        .label("ehrdb does not know this annotation");
        ctx.push(match closest(name, KNOWN.iter().copied()) {
            Some(suggestion) => diagnostic.help(format!("did you mean `@ehrdb.{suggestion}`?")),
            None => diagnostic
                .help("ehrdb knows `@ehrdb.immutable` (append-only models), `@ehrdb.renamedFrom` (renames) and `@ehrdb.allow(code)` (silences lints)"),
        });
    }
}

fn annotations_sit_where_they_apply(ctx: &mut Ctx) {
    for (site, annotation) in annotations(ctx) {
        let name = annotation.name.name.as_str();
        let misplaced = match name {
            "immutable" => immutable_misplaced(site),
            RENAMED_FROM => renamed::misplaced(ctx, site),
            _ => None,
        };
        if let Some((code, message, help)) = misplaced {
            ctx.push(Diagnostic::error(code, annotation.name.span, message).label("ehrdb ignores it here").help(help));
        }
    }
}

/// What is wrong with `@ehrdb.immutable` at `site`: only models take it.
fn immutable_misplaced(site: Site) -> Option<(&'static str, String, String)> {
    let name = "immutable";
    Some(match site {
        Site::Block(block) if block.kind == BlockKind::Model => return None,
        Site::Block(block) => (
            "misplaced-annotation",
            format!("`@ehrdb.{name}` is on {} `{}`: only models take it", block.kind.keyword(), block.name.name),
            match block.kind {
                BlockKind::View => "a view stores no rows: annotate the models it reads from".to_owned(),
                _ => format!("only a model's table can be append-only: remove it from `{}`", block.name.name),
            },
        ),
        Site::Field(block, field) => (
            "misplaced-annotation",
            format!("`@ehrdb.{name}` is on field `{}.{}`: only models take it", block.name.name, field.name.name),
            format!(
                "move it to the doc comment above `{} {}`; to let one column change, list it in `allowUpdate`",
                block.kind.keyword(),
                block.name.name
            ),
        ),
        Site::EnumValue(block, _) => (
            "misplaced-annotation",
            format!("`@ehrdb.{name}` is on a value of enum `{}`: only models take it", block.name.name),
            "remove it: enum values are not rows".to_owned(),
        ),
        Site::Loose => detached(name, "a model", "model ...")?,
    })
}

/// The error for an annotation not attached to anything.
fn detached(name: &str, what: &str, keyword: &str) -> Option<(&'static str, String, String)> {
    Some((
        "detached-annotation",
        format!("`@ehrdb.{name}` is not attached to {what}"),
        format!("put it in the `///` lines directly above `{keyword}`, with no blank line in between"),
    ))
}

fn a_model_is_annotated_once(ctx: &mut Ctx) {
    for block in ctx.blocks().filter(|b| b.kind == BlockKind::Model) {
        let mut seen: HashMap<compact_str::CompactString, Span> = HashMap::default();
        for annotation in block.doc.iter().filter_map(|c| parse::parse(c)?.ok()) {
            let name = &annotation.name.name;
            if name == "allow" {
                continue;
            }
            match seen.get(name) {
                Some(first) => ctx.push(
                    Diagnostic::error(
                        "duplicate-annotation",
                        annotation.name.span,
                        format!("`@ehrdb.{name}` is given twice on `{}`", block.name.name),
                    )
                    .label("second annotation")
                    .also(*first, "first given here")
                    .help("keep one line; merge their `allowUpdate` lists"),
                ),
                None => {
                    seen.insert(name.clone(), annotation.name.span);
                }
            }
        }
    }
}

fn immutable_takes_only_allow_update(ctx: &mut Ctx) {
    for (site, annotation) in annotations(ctx) {
        if annotation.name.name != "immutable" || !matches!(site, Site::Block(b) if b.kind == BlockKind::Model) {
            continue;
        }
        let mut seen: Option<Span> = None;
        for arg in &annotation.args {
            let Some(name) = &arg.name else {
                ctx.push(
                    Diagnostic::error("unnamed-annotation-argument", arg.span, "the argument needs its name")
                        .label("`@ehrdb.immutable` takes one named argument")
                        .help(format!("write `allowUpdate: {}`", ctx.text(arg.value.span()))),
                );
                continue;
            };
            if name.name != "allowUpdate" {
                let diagnostic = Diagnostic::error(
                    "unknown-annotation-argument",
                    name.span,
                    format!("`@ehrdb.immutable` has no argument `{}`", name.name),
                )
                .label("unknown argument");
                ctx.push(match closest(&name.name, ["allowUpdate"]) {
                    Some(suggestion) => diagnostic.help(format!("did you mean `{suggestion}`?")),
                    None => diagnostic.help("its only argument is `allowUpdate: [field, ...]`"),
                });
                continue;
            }
            if let Some(first) = seen {
                ctx.push(
                    Diagnostic::error("duplicate-annotation-argument", arg.span, "`allowUpdate` is given twice")
                        .label("second list")
                        .also(first, "first given here")
                        .help("merge the two lists into one"),
                );
                continue;
            }
            seen = Some(arg.span);
            if let Value::Word(span) = arg.value {
                ctx.push(
                    Diagnostic::error("allow-update-not-a-list", span, "`allowUpdate` takes a list of field names")
                        .label("not a list")
                        .help(format!("write `allowUpdate: [{}]`", ctx.text(span).trim_matches('"'))),
                );
            }
        }
    }
}

fn allow_update_lists_updatable_fields(ctx: &mut Ctx) {
    for model in ctx.blocks().filter(|b| b.kind == BlockKind::Model) {
        let Some(immutable) = model.immutable() else { continue };
        let fields = ctx.fields_by_name(model);
        let primary: Vec<&str> =
            model.unique_criteria().into_iter().filter(|c| c.primary).flat_map(|c| c.fields).collect();
        let mut seen: Vec<&Ident> = Vec::new();
        for listed in &immutable.allow_update {
            let name = listed.name.as_str();
            if let Some(first) = seen.iter().find(|s| s.name == name) {
                ctx.push(
                    Diagnostic::error(
                        "duplicate-allow-update-field",
                        listed.span,
                        format!("`{name}` is listed twice in `allowUpdate`"),
                    )
                    .label("listed again")
                    .also(first.span, "first listed here")
                    .help("remove one of them"),
                );
                continue;
            }
            seen.push(listed);
            let Some(field) = fields.get(name) else {
                let diagnostic = Diagnostic::error(
                    "unknown-allow-update-field",
                    listed.span,
                    format!("`allowUpdate` names `{name}`, which is not a field of `{}`", model.name.name),
                )
                .label("no such field");
                let known = model.fields().map(|f| f.name.name.as_str());
                ctx.push(match closest(name, known) {
                    Some(suggestion) => diagnostic.help(format!("did you mean `{suggestion}`?")),
                    None => diagnostic.help(format!("list fields of `{}`", model.name.name)),
                });
                continue;
            };
            match ctx.schema.resolve(&field.ty) {
                FieldKind::Unknown => continue,
                FieldKind::Model(_) => {
                    let foreign_keys = match field.attribute("relation").and_then(|r| r.named("fields")) {
                        Some(Expr::Array(items, _)) => items.iter().filter_map(Expr::field_ref_name).collect(),
                        _ => Vec::new(),
                    };
                    ctx.push(
                        Diagnostic::error(
                            "relation-field-in-allow-update",
                            listed.span,
                            format!("`allowUpdate` names relation field `{name}`"),
                        )
                        .label("a relation field has no column")
                        .also(field.name.span, "a relation field")
                        .help(if foreign_keys.is_empty() {
                            "list the foreign-key fields of the relation, on the side that holds them".to_owned()
                        } else {
                            let keys = foreign_keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ");
                            format!("list its foreign-key field instead: {keys}")
                        }),
                    );
                    continue;
                }
                _ => {}
            }
            if primary.contains(&name) {
                ctx.push(
                    Diagnostic::error(
                        "id-in-allow-update",
                        listed.span,
                        format!("`allowUpdate` names `{name}`, part of the primary key"),
                    )
                    .label("an immutable row keeps its identity")
                    .also(field.name.span, "primary key field")
                    .help(format!("remove `{name}` from the list")),
                );
            }
        }
    }
}

/// Warnings for annotations ehrdb cannot see: in a plain `//` comment
/// (perhaps commented out on purpose) or past the start of a doc line.
fn annotations_are_written_in_doc_comments(ctx: &mut Ctx) {
    for comment in every_comment(ctx) {
        let text = comment.text.as_str();
        let offset = if comment.is_doc() {
            parse::mention_after_start(text)
        } else if text.starts_with("//") && text[2..].trim_start().starts_with("@ehrdb.") {
            Some(text.len() - text[2..].trim_start().len())
        } else {
            None
        };
        let Some(offset) = offset else { continue };
        let rest = &text[offset..];
        let end =
            rest.find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '@' | '.' | '_'))).unwrap_or(rest.len());
        let word = rest[..end].trim_end_matches('.');
        let start = comment.span.start + offset as u32;
        let span = Span { start, end: start + word.len() as u32, ..comment.span };
        let diagnostic = if comment.is_doc() {
            Diagnostic::warning(
                "annotation-not-at-line-start",
                span,
                format!("`{word}` is read only at the start of a doc comment line"),
            )
            .label("ehrdb ignores it here")
            .help(format!("put `/// {word}` on its own line"))
        } else {
            Diagnostic::warning("annotation-in-plain-comment", span, format!("`{word}` in a `//` comment is ignored"))
                .label("ehrdb reads annotations from `///` doc comments only")
                .help("write `///` to apply it, or delete the line if it was commented out on purpose")
        };
        ctx.push(diagnostic);
    }
}

/// Every comment of every fragment: doc, plain and trailing ones.
fn every_comment<'a>(ctx: &Ctx<'a>) -> Vec<&'a Comment> {
    let mut out = Vec::new();
    for item in ctx.schema.fragments.fragments.iter().flat_map(|f| &f.ast.items) {
        match item {
            TopItem::Comment(c) => out.push(c),
            TopItem::Block(block) => {
                out.extend(&block.doc);
                for member in &block.members {
                    match member {
                        Member::Field(f) => out.extend(f.doc.iter().chain(f.trailing.as_deref())),
                        Member::EnumValue(v) => out.extend(v.doc.iter().chain(v.trailing.as_deref())),
                        Member::Property(p) => out.extend(p.trailing.as_deref()),
                        Member::Attribute(a) => out.extend(a.trailing.as_deref()),
                        Member::Comment(c) => out.push(c),
                        Member::BlankLine | Member::Invalid(_) => {}
                    }
                }
            }
            TopItem::BlankLine | TopItem::Invalid(_) => {}
        }
    }
    out
}

#[cfg(test)]
mod tests;
