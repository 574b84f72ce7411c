//! Model-level rules: a unique criterion on every model, at most one
//! primary key, `@@id`/`@@unique`/`@@index` fields that exist, are scalar
//! and are listed once, required primary key fields, constraint and client
//! names that do not collide ([`constraints`]), index types that fit their
//! fields ([`indexes`]), what a `view` may hold, and `@@schema` names the
//! datasource declares.

mod constraints;
mod indexes;

use crate::collections::HashMap;

use super::attributes::{is_ignored, preview_feature};
use super::{Ctx, Rule, closest};
use crate::ast::{Arguments, Arity, Attribute, Block, BlockKind, Expr, Field, Ident};
use crate::diagnostics::Diagnostic;
use crate::schema::FieldKind;

pub(super) const CHECKS: &[Rule] = &[
    Rule::blocks("every_model_has_a_unique_criterion", every_model_has_a_unique_criterion),
    Rule::blocks("every_model_has_at_most_one_primary_key", every_model_has_at_most_one_primary_key),
    Rule::blocks("index_fields_exist_once_and_are_scalar", index_fields_exist_once_and_are_scalar),
    Rule::blocks("primary_key_fields_are_required", primary_key_fields_are_required),
    Rule::blocks("compound_names_do_not_clash_with_fields", constraints::compound_names_do_not_clash_with_fields),
    Rule::blocks("client_names_are_unique_per_model", constraints::client_names_are_unique_per_model),
    Rule::schema("constraint_names_are_unique", constraints::constraint_names_are_unique),
    Rule::blocks("index_types_fit_their_fields", indexes::index_types_fit_their_fields),
    Rule::blocks("views_are_enabled", views_are_enabled),
    Rule::blocks("views_have_no_primary_key", views_have_no_primary_key),
    Rule::blocks("views_have_no_indexes", views_have_no_indexes),
];

/// A field named in `@@index([a, b(sort: Desc)])`, with its arguments.
pub(super) struct IndexField<'a> {
    pub name: &'a Ident,
    pub args: Option<&'a Arguments>,
}

impl<'a> IndexField<'a> {
    pub fn arg(&self, name: &str) -> Option<&'a crate::ast::Argument> {
        self.args?.items.iter().find(|a| a.name.as_ref().is_some_and(|n| n.name == name))
    }
}

/// The fields of `@@id`, `@@unique` or `@@index`; `None` when the argument
/// is missing or no field list (reported with the arguments).
pub(super) fn index_fields(attribute: &Attribute) -> Option<Vec<IndexField<'_>>> {
    match attribute.positional().or_else(|| attribute.named("fields"))? {
        Expr::Constant(name) => Some(vec![IndexField { name, args: None }]),
        Expr::Array(items, _) => items
            .iter()
            .map(|item| match item {
                Expr::Constant(name) => Some(IndexField { name, args: None }),
                Expr::Function(name, args) => Some(IndexField { name, args: Some(args) }),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

/// `@@id`, `@@unique` and `@@index` of a block, with their labels.
pub(super) fn key_attributes(block: &Block) -> impl Iterator<Item = (&'static str, &Attribute)> {
    block.attributes().filter_map(|a| {
        let label = match a.attribute.name.name.as_str() {
            "id" => "@@id",
            "unique" => "@@unique",
            "index" => "@@index",
            _ => return None,
        };
        Some((label, &a.attribute))
    })
}

/// The fields of a key, when every one of them exists.
fn resolved_fields<'a>(block: &'a Block, attribute: &'a Attribute) -> Option<Vec<&'a Field>> {
    index_fields(attribute)?.iter().map(|f| block.fields().find(|field| field.name.name == f.name.name)).collect()
}

fn every_model_has_a_unique_criterion(ctx: &mut Ctx) {
    for model in ctx.blocks().filter(|b| b.kind == BlockKind::Model) {
        if is_ignored(model) || has_primary_key(model) {
            continue;
        }
        let mut loose = Vec::new();
        let mut satisfied = false;
        for field in model.fields() {
            let Some(unique) = field.attribute("unique") else { continue };
            match why_not_strict(ctx, &[field]) {
                None => satisfied = true,
                Some(reason) => loose.push((unique.span, reason)),
            }
        }
        for attribute in model.attributes_named("unique") {
            // A list that does not resolve is reported on its own; counting
            // it here spares the user a second error for one mistake.
            let Some(fields) = resolved_fields(model, attribute) else {
                satisfied = true;
                continue;
            };
            match why_not_strict(ctx, &fields) {
                None => satisfied = true,
                Some(reason) => loose.push((attribute.span, reason)),
            }
        }
        if satisfied {
            continue;
        }
        let mut diagnostic = Diagnostic::error(
            "missing-unique-criterion",
            model.name.span,
            format!("model `{}` has no primary key or unique criterion", model.name.name),
        )
        .label("Prisma needs a way to identify each row");
        for (span, reason) in loose {
            diagnostic = diagnostic.also(span, format!("does not count: {reason}"));
        }
        ctx.push(diagnostic.help("add a primary key, such as `id String @id @default(uuid()) @db.Uuid`"));
    }
}

/// Whether a model has an `@id` or `@@id`, even a faulty one (reported on
/// its own, so one mistake gives one error).
fn has_primary_key(model: &Block) -> bool {
    model.attributes_named("id").next().is_some() || model.fields().any(|f| f.attribute("id").is_some())
}

/// Why a unique criterion over these fields cannot identify a row, if so.
fn why_not_strict(ctx: &Ctx, fields: &[&Field]) -> Option<String> {
    for field in fields {
        let name = &field.name.name;
        match ctx.schema.resolve(&field.ty) {
            FieldKind::Unknown | FieldKind::Model(_) => return None,
            FieldKind::Unsupported => return Some(format!("`{name}` has an `Unsupported` type")),
            _ if field.ty.arity == Arity::Optional => return Some(format!("`{name}` is optional")),
            _ => {}
        }
    }
    None
}

fn every_model_has_at_most_one_primary_key(ctx: &mut Ctx) {
    for model in ctx.blocks().filter(|b| b.kind == BlockKind::Model) {
        let mut keys = Vec::new();
        for field in model.fields() {
            if matches!(ctx.schema.resolve(&field.ty), FieldKind::Model(_) | FieldKind::Unknown) {
                continue;
            }
            keys.extend(field.attribute("id").map(|a| a.span));
        }
        keys.extend(model.attributes_named("id").map(|a| a.span));
        let Some((first, others)) = keys.split_first() else { continue };
        for span in others {
            ctx.push(
                Diagnostic::error(
                    "multiple-primary-keys",
                    *span,
                    format!("model `{}` has more than one primary key", model.name.name),
                )
                .label("another primary key")
                .also(*first, "first primary key")
                .help("keep one primary key; a key over several fields is `@@id([a, b])`, other keys are `@unique`"),
            );
        }
    }
}

fn index_fields_exist_once_and_are_scalar(ctx: &mut Ctx) {
    for model in ctx.models() {
        let by_name = ctx.fields_by_name(model);
        for (label, attribute) in key_attributes(model) {
            let Some(fields) = index_fields(attribute) else { continue };
            if fields.is_empty() {
                ctx.push(
                    Diagnostic::error("empty-index-fields", attribute.span, format!("`{label}` lists no fields"))
                        .label("an empty list")
                        .help(format!("name at least one field, as in `{label}([a])`")),
                );
                continue;
            }
            let mut seen: HashMap<&str, &Ident> = HashMap::default();
            for entry in &fields {
                let name = entry.name.name.as_str();
                let Some(field) = by_name.get(name) else {
                    ctx.push(unknown_field(model, label, entry.name));
                    continue;
                };
                if matches!(ctx.schema.resolve(&field.ty), FieldKind::Model(_)) {
                    ctx.push(
                        Diagnostic::error(
                            "relation-field-in-index",
                            entry.name.span,
                            format!("`{label}` lists relation field `{name}`"),
                        )
                        .label("a relation field has no column")
                        .help(foreign_key_hint(label, field)),
                    );
                    continue;
                }
                if let Some(first) = seen.get(name) {
                    ctx.push(
                        Diagnostic::error(
                            "repeated-index-field",
                            entry.name.span,
                            format!("`{label}` lists `{name}` twice"),
                        )
                        .label("listed again")
                        .also(first.span, "first listed here")
                        .help("list each field once"),
                    );
                    continue;
                }
                seen.insert(name, entry.name);
            }
        }
    }
}

fn unknown_field(model: &Block, label: &str, name: &Ident) -> Diagnostic {
    let model_name = &model.name.name;
    let d = Diagnostic::error(
        "unknown-index-field",
        name.span,
        format!("`{label}` refers to `{}`, which is not a field of `{model_name}`", name.name),
    )
    .label("no such field");
    let by_column = model.fields().find(|f| f.column_name() == name.name && f.name.name != name.name);
    if let Some(field) = by_column {
        return d.help(format!("`{}` is a column name; list the field `{}`", name.name, field.name.name));
    }
    match closest(&name.name, model.fields().map(|f| f.name.name.as_str())) {
        Some(suggestion) => d.help(format!("did you mean `{suggestion}`?")),
        None => d.help(format!("list fields of `{model_name}` by their names in the schema")),
    }
}

/// "list `authorId` instead" for a relation field with `fields: [authorId]`.
fn foreign_key_hint(label: &str, field: &Field) -> String {
    let fields: Vec<&str> = match field.attribute("relation").and_then(|r| r.named("fields")) {
        Some(Expr::Array(items, _)) => items.iter().filter_map(Expr::field_ref_name).collect(),
        _ => Vec::new(),
    };
    if fields.is_empty() {
        format!("`{label}` takes scalar fields only")
    } else {
        format!(
            "list its foreign key field{} instead: `{}`",
            if fields.len() > 1 { "s" } else { "" },
            fields.join(", ")
        )
    }
}

fn primary_key_fields_are_required(ctx: &mut Ctx) {
    for model in ctx.models() {
        if is_ignored(model) {
            continue;
        }
        let by_name = ctx.fields_by_name(model);
        for attribute in model.attributes_named("id") {
            for entry in index_fields(attribute).unwrap_or_default() {
                let Some(field) = by_name.get(entry.name.name.as_str()) else { continue };
                if field.ty.arity == Arity::Required || matches!(ctx.schema.resolve(&field.ty), FieldKind::Model(_)) {
                    continue;
                }
                let what = if field.ty.arity == Arity::List { "a list" } else { "optional" };
                ctx.push(
                    Diagnostic::error(
                        "optional-id",
                        entry.name.span,
                        format!("primary key field `{}` is {what}", field.name.name),
                    )
                    .label("a primary key column cannot be null or a list")
                    .also(field.ty.span, "make this a single required type")
                    .help("make the field required, or leave it out of `@@id`"),
                );
            }
        }
    }
}

fn views_are_enabled(ctx: &mut Ctx) {
    if preview_feature(ctx, "views") {
        return;
    }
    let views: Vec<&Block> = ctx.blocks().filter(|b| b.kind == BlockKind::View).collect();
    for view in views {
        ctx.push(
            Diagnostic::error("views-preview", view.name.span, "views need the `views` preview feature")
                .label(format!("view `{}`", view.name.name))
                .help("add \"views\" to `previewFeatures` in the generator block"),
        );
    }
}

fn views_have_no_primary_key(ctx: &mut Ctx) {
    let views: Vec<&Block> = ctx.blocks().filter(|b| b.kind == BlockKind::View).collect();
    for view in views {
        let field_keys = view.fields().filter_map(|f| f.attribute("id"));
        for attribute in field_keys.chain(view.attributes_named("id")) {
            ctx.push(
                Diagnostic::error(
                    "view-primary-key",
                    attribute.span,
                    format!("view `{}` cannot have a primary key", view.name.name),
                )
                .label("a view has no constraints")
                .help("identify its rows with `@unique` or `@@unique([...])` instead"),
            );
        }
    }
}

fn views_have_no_indexes(ctx: &mut Ctx) {
    let views: Vec<&Block> = ctx.blocks().filter(|b| b.kind == BlockKind::View).collect();
    for view in views {
        for attribute in view.attributes_named("index") {
            ctx.push(
                Diagnostic::error(
                    "view-index",
                    attribute.span,
                    format!("view `{}` cannot have an index", view.name.name),
                )
                .label("Prisma does not index views")
                .help("index the tables the view reads, or index a materialized view in a migration"),
            );
        }
    }
}
