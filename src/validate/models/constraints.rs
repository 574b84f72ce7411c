//! Names that must not collide: constraint names in the database (primary
//! keys, unique constraints and indexes share one namespace per PostgreSQL
//! schema; clashes with foreign keys are the relation rules' to report),
//! client names of
//! compound keys (`name:`), and the `a_b` name Prisma Client gives a key
//! over `a` and `b`.

use crate::collections::HashMap;
use crate::schema::names::default_constraint_name;

use super::{index_fields, key_attributes, resolved_fields};
use crate::ast::{Attribute, Block, Expr};
use crate::diagnostics::{Diagnostic, Span};
use crate::schema::FieldKind;
use crate::validate::Ctx;

pub(super) fn compound_names_do_not_clash_with_fields(ctx: &mut Ctx) {
    for model in ctx.models() {
        let by_name = ctx.fields_by_name(model);
        for (label, attribute) in key_attributes(model).filter(|(l, _)| *l != "@@index") {
            let Some(fields) = index_fields(attribute) else { continue };
            if fields.len() < 2 {
                continue;
            }
            let joined = fields.iter().map(|f| f.name.name.as_str()).collect::<Vec<_>>().join("_");
            let Some(field) = by_name.get(joined.as_str()) else { continue };
            if matches!(ctx.schema.resolve(&field.ty), FieldKind::Model(_)) {
                continue;
            }
            ctx.push(
                Diagnostic::error(
                    "compound-name-clash",
                    attribute.span,
                    format!("the `{label}` over these fields clashes with field `{joined}`"),
                )
                .label(format!("Prisma Client names this key `{joined}`"))
                .also(field.name.span, "a field of the same name")
                .help(format!("rename the field `{joined}` (Prisma reserves the name even when the key has a `name`)")),
            );
        }
    }
}

pub(super) fn client_names_are_unique_per_model(ctx: &mut Ctx) {
    for model in ctx.models() {
        let by_name = ctx.fields_by_name(model);
        let mut seen: HashMap<&str, Span> = HashMap::default();
        for (label, attribute) in key_attributes(model).filter(|(l, _)| *l != "@@index") {
            let Some(value) = attribute.named("name") else { continue };
            let Some(name) = value.as_str().filter(|n| !n.is_empty()) else { continue };
            if let Some(first) = seen.get(name) {
                ctx.push(
                    Diagnostic::error(
                        "duplicate-client-name",
                        value.span(),
                        format!("two keys of `{}` are named `{name}`", model.name.name),
                    )
                    .label("used again here")
                    .also(*first, "first used here")
                    .help("give each `@@id` and `@@unique` of a model its own `name`"),
                );
                continue;
            }
            seen.insert(name, value.span());
            if let Some(field) = by_name.get(name) {
                ctx.push(
                    Diagnostic::error(
                        "client-name-clash",
                        value.span(),
                        format!("the `name` of `{label}` is already a field of `{}`", model.name.name),
                    )
                    .label(format!("field `{name}` has this name"))
                    .also(field.name.span, "the field")
                    .help("choose another `name`"),
                );
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    PrimaryKey,
    Unique,
    Index,
}

/// One named constraint of a table.
struct Constraint<'a> {
    name: String,
    /// The model's name and its table: two models on one table are
    /// reported as such (`duplicate-table`), not again by their keys.
    model: &'a str,
    table: &'a str,
    schema: Option<&'a str>,
    span: Span,
    explicit: bool,
}

const SHARED_NAMESPACE: &str = "primary keys, unique constraints and indexes share one namespace per PostgreSQL schema; give one of them another name with `map: \"...\"`";

pub(super) fn constraint_names_are_unique(ctx: &mut Ctx) {
    let mut constraints = Vec::new();
    for model in ctx.models() {
        collect(ctx, model, &mut constraints);
    }
    // The first constraint of each (schema, name): a later one clashes.
    let mut first: HashMap<(Option<&str>, &str), usize> = HashMap::default();
    for (i, constraint) in constraints.iter().enumerate() {
        let earlier = *first.entry((constraint.schema, constraint.name.as_str())).or_insert(i);
        let other = &constraints[earlier];
        if earlier == i || (other.model != constraint.model && other.table == constraint.table) {
            continue;
        }
        let label = if constraint.explicit {
            "used again here".to_owned()
        } else {
            format!("named `{}` by default", constraint.name)
        };
        let first =
            if other.explicit { "first used here".to_owned() } else { format!("named `{}` by default", other.name) };
        ctx.push(
            Diagnostic::error(
                "duplicate-constraint-name",
                constraint.span,
                format!("constraint name `{}` is used twice", constraint.name),
            )
            .label(label)
            .also(other.span, first)
            .help(SHARED_NAMESPACE),
        );
    }
}

fn collect<'a>(ctx: &Ctx<'a>, model: &'a Block, out: &mut Vec<Constraint<'a>>) {
    let table = model.table_name();
    let schema = model
        .attributes_named("schema")
        .next()
        .and_then(|a| a.positional().or_else(|| a.named("map")))
        .and_then(Expr::as_str);
    // A second primary key is reported as such, not as a name clash.
    let mut primary = false;
    let mut push = |name: String, kind: Kind, span: Span, explicit: bool| {
        if kind == Kind::PrimaryKey && std::mem::replace(&mut primary, true) {
            return;
        }
        out.push(Constraint { name, model: &model.name.name, table, schema, span, explicit });
    };
    for field in model.fields() {
        let kind = ctx.schema.resolve(&field.ty);
        if matches!(kind, FieldKind::Unknown) {
            continue;
        }
        if let FieldKind::Model(_) = kind {
            continue;
        }
        let column = field.column_name();
        if let Some(attribute) = field.attribute("id") {
            let (name, span, explicit) = named(attribute, &["map"], || default_constraint_name(table, &[], "_pkey"));
            push(name, Kind::PrimaryKey, span, explicit);
        }
        if let Some(attribute) = field.attribute("unique") {
            let (name, span, explicit) =
                named(attribute, &["map"], || default_constraint_name(table, &[column], "_key"));
            push(name, Kind::Unique, span, explicit);
        }
    }
    for (label, attribute) in key_attributes(model) {
        let Some(fields) = resolved_fields(model, attribute) else { continue };
        let columns: Vec<&str> = fields.iter().map(|f| f.column_name()).collect();
        let (kind, names, default): (_, &[&str], _) = match label {
            "@@id" => (Kind::PrimaryKey, &["map"], default_constraint_name(table, &[], "_pkey")),
            "@@unique" => (Kind::Unique, &["map"], default_constraint_name(table, &columns, "_key")),
            _ => (Kind::Index, &["map", "name"], default_constraint_name(table, &columns, "_idx")),
        };
        let (name, span, explicit) = named(attribute, names, || default);
        push(name, kind, span, explicit);
    }
}

/// The `map` (or legacy `name`) of a constraint and its span, or the
/// default name and the attribute's span.
fn named(attribute: &Attribute, params: &[&str], default: impl FnOnce() -> String) -> (String, Span, bool) {
    for param in params {
        if let Some(value) = attribute.named(param) {
            if let Some(name) = value.as_str().filter(|n| !n.is_empty()) {
                return (name.to_owned(), value.span(), true);
            }
        }
    }
    (default(), attribute.span, false)
}
