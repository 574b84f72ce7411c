//! `/// @ehrdb.renamedFrom("oldName")`: where it applies, and that it names
//! one old name, written in quotes, that nothing in the schema still
//! holds. Whether the previous schema had that name is for the migration
//! to say (`sql::renames`): the schema alone cannot know it.

use super::{Ctx, Site, detached};
use crate::ast::{BlockKind, Comment};
use crate::collections::HashMap;
use crate::diagnostics::{Diagnostic, Span};
use crate::schema::FieldKind;
use crate::schema::annotations::parse::{Annotation, Value};
use crate::schema::annotations::{RENAMED_FROM, quoted};

const FORM: &str = "the form is `/// @ehrdb.renamedFrom(\"oldName\")`";

/// What is wrong with `@ehrdb.renamedFrom` at `site`, if anything: models,
/// enums, the scalar fields of models and enum values take it.
pub(super) fn misplaced(ctx: &Ctx, site: Site) -> Option<(&'static str, String, String)> {
    let name = RENAMED_FROM;
    let wrong = |message: String, help: &str| Some(("misplaced-annotation", message, help.to_owned()));
    match site {
        Site::Block(block) if matches!(block.kind, BlockKind::Model | BlockKind::Enum) => None,
        Site::Block(block) => wrong(
            format!(
                "`@ehrdb.{name}` is on {} `{}`: only models, enums, their fields and values take it",
                block.kind.keyword(),
                block.name.name
            ),
            "ehrdb creates no database object for it, so there is nothing to rename: remove it",
        ),
        Site::Field(block, field) if block.kind == BlockKind::Model => match ctx.schema.resolve(&field.ty) {
            FieldKind::Model(_) => wrong(
                format!(
                    "`@ehrdb.{name}` is on relation field `{}.{}`, which has no column",
                    block.name.name, field.name.name
                ),
                "put it on the foreign-key field that `fields: [...]` names, or remove it: a relation field's name is the client's only",
            ),
            _ => None,
        },
        Site::Field(block, field) => wrong(
            format!(
                "`@ehrdb.{name}` is on field `{}.{}` of {} `{}`, which has no column",
                block.name.name,
                field.name.name,
                block.kind.keyword(),
                block.name.name
            ),
            "only the fields of models are columns: remove it",
        ),
        Site::EnumValue(..) => None,
        Site::Loose => detached(name, "a model, field, enum or enum value", "what it renames"),
    }
}

/// Each `renamedFrom` names one old name in quotes, not the item's own,
/// not one another item of its kind still has (the model, field or value
/// would be two things at once), not one another item already claims, and
/// an item is renamed once.
pub(super) fn renamed_from_names_a_free_old_name(ctx: &mut Ctx) {
    // (scope, old name) -> where it was claimed first; scope "" is the
    // schema's own namespace of models and enums.
    let mut claimed: HashMap<(String, String), Span> = HashMap::default();
    // The item (by address) -> its first annotation.
    let mut renamed: HashMap<usize, Span> = HashMap::default();
    for (site, comment, annotation) in renames(ctx) {
        let Some(old) = old_name(ctx, comment, &annotation) else { continue };
        let (item, what, current, scope, taken) = match site {
            Site::Block(block) => (
                block as *const _ as usize,
                block.kind.keyword(),
                block.name.name.as_str(),
                String::new(),
                ctx.schema.types.contains_key(old.as_str()),
            ),
            Site::Field(block, field) => (
                field as *const _ as usize,
                "field",
                field.name.name.as_str(),
                block.name.name.to_string(),
                block.fields().any(|f| f.name.name == old),
            ),
            Site::EnumValue(block, value) => (
                value as *const _ as usize,
                "value",
                value.name.name.as_str(),
                block.name.name.to_string(),
                block.values().any(|v| v.name.name == old),
            ),
            Site::Loose => continue,
        };
        let span = annotation.name.span;
        if let Some(first) = renamed.get(&item) {
            ctx.push(
                Diagnostic::error("duplicate-annotation", span, format!("`{current}` has two `@ehrdb.{RENAMED_FROM}`"))
                    .label("second annotation")
                    .also(*first, "first given here")
                    .help("a migration renames it once: keep the name it had in the last migration"),
            );
            continue;
        }
        renamed.insert(item, span);
        if old == current {
            ctx.push(
                Diagnostic::error("renamed-from-itself", span, format!("`{current}` is renamed from its own name"))
                    .label("this renames nothing")
                    .help("write the name it had in the last migration, or remove the line"),
            );
        } else if taken {
            let place = if scope.is_empty() { "in the schema".to_owned() } else { format!("in `{scope}`") };
            ctx.push(
                Diagnostic::error(
                    "renamed-from-existing-name",
                    span,
                    format!("{what} `{current}` is renamed from `{old}`, which still exists {place}"),
                )
                .label("the old name is still in use")
                .help(format!(
                    "rename `{old}` too, or remove this line: a migration cannot both keep `{old}` and turn it into `{current}`"
                )),
            );
        } else {
            match claimed.get(&(scope.clone(), old.clone())) {
                Some(first) => ctx.push(
                    Diagnostic::error("duplicate-renamed-from", span, format!("`{old}` is renamed to two {what}s"))
                        .label(format!("`{current}` claims it here"))
                        .also(*first, "claimed first here")
                        .help("one old name becomes one new name: keep the annotation on the one that holds its data"),
                ),
                None => {
                    claimed.insert((scope, old), span);
                }
            }
        }
    }
}

/// Every well-placed `renamedFrom` with its comment.
fn renames<'a>(ctx: &Ctx<'a>) -> Vec<(Site<'a>, &'a Comment, Annotation)> {
    super::doc_comments(ctx)
        .into_iter()
        .filter_map(|(site, comment)| {
            let annotation = crate::schema::annotations::parse::parse(comment)?.ok()?;
            (annotation.name.name == RENAMED_FROM && misplaced(ctx, site).is_none())
                .then_some((site, comment, annotation))
        })
        .collect()
}

/// The old name, or `None` after reporting what is wrong with the
/// arguments.
fn old_name(ctx: &mut Ctx, comment: &Comment, annotation: &Annotation) -> Option<String> {
    let error = |span: Span, message: &str, label: &str| {
        Diagnostic::error("renamed-from-syntax", span, message.to_owned()).label(label.to_owned()).help(FORM)
    };
    let [arg] = annotation.args.as_slice() else {
        let span = annotation.args.get(1).map_or(annotation.name.span, |a| a.span);
        let (message, label) = if annotation.args.is_empty() {
            ("`@ehrdb.renamedFrom` needs the old name", "no old name")
        } else {
            ("`@ehrdb.renamedFrom` takes one old name", "one too many")
        };
        ctx.push(error(span, message, label));
        return None;
    };
    if let Some(name) = &arg.name {
        ctx.push(error(name.span, "`@ehrdb.renamedFrom` takes the old name alone, without a label", "remove this"));
        return None;
    }
    let Value::Word(span) = arg.value else {
        ctx.push(error(arg.span, "the old name is one name, not a list", "not a name"));
        return None;
    };
    let word = crate::schema::annotations::word_text(comment, span);
    let Some(old) = quoted(word) else {
        let help = format!("write `@ehrdb.renamedFrom(\"{}\")`", word.trim_matches('"'));
        ctx.push(
            Diagnostic::error("renamed-from-syntax", span, "the old name goes in double quotes")
                .label("not a quoted name")
                .help(help),
        );
        return None;
    };
    let mut chars = old.chars();
    let valid = chars.next().is_some_and(char::is_alphabetic) && chars.all(|c| c.is_alphanumeric() || c == '_');
    if !valid {
        ctx.push(error(span, "the old name is not a name", "a name starts with a letter, then letters, digits or `_`"));
        return None;
    }
    Some(old.to_owned())
}
