//! Foreign key names. PostgreSQL keeps constraint names per table, and a
//! unique constraint or index shares its name with a constraint, so a
//! foreign key's name (its `map`, else Prisma's default
//! `{table}_{columns}_fkey`) must differ from the table's primary key,
//! indexes, unique constraints and other foreign keys.

use super::keys::resolve;
use crate::collections::HashMap;
use crate::schema::names::default_constraint_name;

use super::model::RelationField;
use crate::ast::{Block, BlockKind, Expr, Field};
use crate::diagnostics::{Diagnostic, Span};
use crate::validate::Ctx;

/// One named constraint of a table.
struct Constraint {
    name: String,
    span: Span,
    what: &'static str,
    /// Set for foreign keys: the relation field it belongs to, and whether
    /// the name is Prisma's default.
    foreign_key: Option<(String, bool)>,
}

pub(super) fn foreign_key_names_are_unique_per_table(ctx: &mut Ctx) {
    let mut by_model: HashMap<&str, Vec<&RelationField>> = HashMap::default();
    for rf in ctx.relation_fields().iter().filter(|rf| !rf.is_list()) {
        by_model.entry(rf.model.name.name.as_str()).or_default().push(rf);
    }
    for model in ctx.models().filter(|m| m.kind == BlockKind::Model) {
        let Some(fields) = by_model.get(model.name.name.as_str()) else { continue };
        let mut constraints = key_and_index_names(model);
        let table = model.table_name();
        for rf in fields.iter().filter(|rf| std::ptr::eq(rf.model, model)) {
            let Some(fields) = resolve(ctx, model, &rf.fields()) else { continue };
            let mapped = rf.args.map.and_then(Expr::as_str).filter(|m| !m.is_empty());
            let columns: Vec<&str> = fields.iter().map(|f| f.column_name()).collect();
            let name = mapped.map_or_else(|| default_constraint_name(table, &columns, "_fkey"), str::to_owned);
            let span = match (mapped, rf.args.map) {
                (Some(_), Some(map)) => map.span(),
                _ => rf.field.name.span,
            };
            constraints.push(Constraint {
                name,
                span,
                what: "a foreign key",
                foreign_key: Some((rf.path(), mapped.is_none())),
            });
        }
        for (k, constraint) in constraints.iter().enumerate() {
            let Some((path, default)) = &constraint.foreign_key else { continue };
            let Some(first) = constraints[..k].iter().find(|c| c.name == constraint.name) else { continue };
            let help = if *default && first.foreign_key.as_ref().is_some_and(|(_, d)| *d) {
                format!(
                    "two relations use the same key fields; name this foreign key with `map: \"...\"` in the `@relation` of `{path}`"
                )
            } else if *default {
                format!("name this foreign key with `map: \"...\"` in the `@relation` of `{path}`")
            } else {
                "choose another `map` name".to_owned()
            };
            ctx.push(
                Diagnostic::error(
                    "duplicate-foreign-key-name",
                    constraint.span,
                    format!(
                        "the foreign key of `{path}` is named `{}`, a name table `{table}` already uses",
                        constraint.name
                    ),
                )
                .label(if *default { format!("default name `{}`", constraint.name) } else { "this name".to_owned() })
                .also(first.span, format!("`{}` is already {} here", first.name, first.what))
                .help(help),
            );
        }
    }
}

/// The primary key, unique constraints and indexes of a model, with their
/// database names.
fn key_and_index_names(model: &Block) -> Vec<Constraint> {
    let table = model.table_name();
    let columns_of = |names: Vec<&str>| -> Vec<String> {
        names
            .into_iter()
            .map(|n| model.fields().find(|f| f.name.name == n).map_or(n, Field::column_name).to_owned())
            .collect()
    };
    let mapped = |a: &crate::ast::Attribute, alias: Option<&str>| -> Option<String> {
        let value = a.named("map").or_else(|| alias.and_then(|alias| a.named(alias)));
        value.and_then(Expr::as_str).filter(|m| !m.is_empty()).map(str::to_owned)
    };
    let mut constraints = Vec::new();
    let mut push = |name: String, span: Span, what: &'static str| {
        constraints.push(Constraint { name, span, what, foreign_key: None });
    };
    let field_id = model.fields().find_map(|f| f.attribute("id"));
    let block_id = model.attributes_named("id").next();
    if let Some(id) = field_id.or(block_id) {
        push(
            mapped(id, None).unwrap_or_else(|| default_constraint_name(table, &[], "_pkey")),
            id.span,
            "the primary key",
        );
    }
    for field in model.fields() {
        if let Some(unique) = field.attribute("unique") {
            let name =
                mapped(unique, None).unwrap_or_else(|| default_constraint_name(table, &[field.column_name()], "_key"));
            push(name, unique.span, "a unique constraint");
        }
    }
    for (attribute, suffix, what, alias) in
        [("unique", "_key", "a unique constraint", None), ("index", "_idx", "an index", Some("name"))]
    {
        for a in model.attributes_named(attribute) {
            let columns = columns_of(a.field_list());
            let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
            let name = mapped(a, alias).unwrap_or_else(|| default_constraint_name(table, &columns, suffix));
            push(name, a.span, what);
        }
    }
    constraints
}
