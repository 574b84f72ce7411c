//! Names: what a block, field or enum value may be called, names given
//! twice inside one block, and tables, columns and enum types that collide
//! in the database once `@@map` / `@map` are applied.
//!
//! Duplicate block names across fragments are the merge's job and are not
//! repeated here; the database-name rules only look at the block that won
//! its name, so one duplicate model is one error. Two collisions Prisma
//! accepts but PostgreSQL refuses (an enum type named like a table, two
//! enum values with one label) are warnings.

use crate::collections::HashMap;

use super::{Ctx, Rule};
use crate::ast::{Attribute, Block, BlockKind, EnumValue, Field, Ident};
use crate::diagnostics::{Diagnostic, Span};
use crate::schema::{FieldKind, Scalar};

pub(super) const CHECKS: &[Rule] = &[
    Rule::blocks("every_name_is_a_valid_identifier", every_name_is_a_valid_identifier),
    Rule::blocks("no_block_is_named_after_a_scalar_type", no_block_is_named_after_a_scalar_type),
    Rule::blocks("no_model_or_enum_has_a_reserved_name", no_model_or_enum_has_a_reserved_name),
    Rule::blocks("field_names_are_unique_in_their_block", field_names_are_unique_in_their_block),
    Rule::blocks("enum_values_are_unique_in_their_enum", enum_values_are_unique_in_their_enum),
    Rule::blocks("every_enum_has_a_value", every_enum_has_a_value),
    Rule::schema("every_model_has_its_own_table", every_model_has_its_own_table),
    Rule::blocks("every_field_has_its_own_column", every_field_has_its_own_column),
    Rule::schema("every_enum_has_its_own_database_name", every_enum_has_its_own_database_name),
    Rule::blocks("enum_values_have_distinct_labels", enum_values_have_distinct_labels),
    Rule::schema("no_enum_is_named_like_a_table", no_enum_is_named_like_a_table),
];

/// Names Prisma Client cannot use for a model, view or enum: its own
/// `PrismaClient` and JavaScript's reserved words (Prisma's list, which
/// compares case-sensitively: `Class` is fine).
const RESERVED_NAMES: &[&str] = &[
    "PrismaClient",
    "break",
    "case",
    "catch",
    "class",
    "const",
    "continue",
    "debugger",
    "default",
    "delete",
    "do",
    "else",
    "enum",
    "export",
    "extends",
    "false",
    "finally",
    "for",
    "function",
    "if",
    "implements",
    "import",
    "in",
    "instanceof",
    "interface",
    "let",
    "new",
    "null",
    "package",
    "private",
    "protected",
    "public",
    "return",
    "super",
    "switch",
    "this",
    "throw",
    "true",
    "try",
    "typeof",
    "var",
    "void",
    "while",
    "with",
    "yield",
];

/// The grammar also accepts a leading `_` and a `-` inside a name; Prisma's
/// parser refuses the first everywhere, and its validator the second in
/// the names of models, views, types, enums, fields and enum values.
fn every_name_is_a_valid_identifier(ctx: &mut Ctx) {
    for block in ctx.blocks() {
        let (map, dash_forbidden) = if block.kind.is_config() { (None, false) } else { (Some("@@map"), true) };
        check_identifier(ctx, &block.name, block.kind.keyword(), map, dash_forbidden);
        for field in block.fields() {
            check_identifier(ctx, &field.name, "field", Some("@map"), true);
        }
        for value in block.values() {
            check_identifier(ctx, &value.name, "enum value", Some("@map"), true);
        }
    }
}

/// `map` is the attribute that keeps the old name in the database, if the
/// thing has a database name at all.
fn check_identifier(ctx: &mut Ctx, ident: &Ident, what: &str, map: Option<&str>, dash_forbidden: bool) {
    let name = &ident.name;
    let keep = |new: &str| match map {
        Some(map) => format!("rename it to `{new}`, and add `{map}(\"{name}\")` to keep `{name}` in the database"),
        None => format!("rename it to `{new}`"),
    };
    if name.starts_with('_') {
        let suggestion = name.trim_start_matches('_');
        let suggestion = if suggestion.is_empty() { "something else" } else { suggestion };
        ctx.push(
            Diagnostic::error("invalid-name", ident.span, format!("{what} name `{name}` starts with `_`"))
                .label("a name must start with a letter")
                .help(keep(suggestion)),
        );
    } else if dash_forbidden && name.contains('-') {
        ctx.push(
            Diagnostic::error("invalid-name", ident.span, format!("{what} name `{name}` contains `-`"))
                .label("`-` is not allowed in names")
                .help(keep(&name.replace('-', "_"))),
        );
    }
}

fn no_block_is_named_after_a_scalar_type(ctx: &mut Ctx) {
    for block in ctx.blocks().filter(|b| !b.kind.is_config()) {
        let name = &block.name.name;
        if Scalar::from_name(name).is_some() {
            ctx.push(
                Diagnostic::error(
                    "reserved-name",
                    block.name.span,
                    format!("{} `{name}` has the name of a scalar type", block.kind.keyword()),
                )
                .label(format!("`{name}` is a built-in scalar type"))
                .help(format!("rename it; `@@map(\"{name}\")` keeps the database name")),
            );
        }
    }
}

fn no_model_or_enum_has_a_reserved_name(ctx: &mut Ctx) {
    for block in ctx.blocks().filter(|b| matches!(b.kind, BlockKind::Model | BlockKind::View | BlockKind::Enum)) {
        let name = &block.name.name;
        if !RESERVED_NAMES.contains(&name.as_str()) {
            continue;
        }
        let what = if name == "PrismaClient" { "the name of Prisma's client class" } else { "a JavaScript keyword" };
        let mut capitalized = name.chars();
        let suggestion = capitalized.next().map(|c| c.to_uppercase().chain(capitalized).collect::<String>());
        let mut d = Diagnostic::error(
            "reserved-name",
            block.name.span,
            format!("{} name `{name}` is reserved by Prisma Client", block.kind.keyword()),
        )
        .label(format!("`{name}` is {what}"));
        d = match suggestion.filter(|s| s != name) {
            Some(s) => d.help(format!("rename it, e.g. to `{s}`; `@@map(\"{name}\")` keeps the database name")),
            None => d.help(format!("rename it; `@@map(\"{name}\")` keeps the database name")),
        };
        ctx.push(d);
    }
}

fn field_names_are_unique_in_their_block(ctx: &mut Ctx) {
    for block in ctx.blocks().filter(|b| b.kind.has_fields()) {
        let mut seen: HashMap<&str, &Field> = HashMap::default();
        for field in block.fields() {
            let name = field.name.name.as_str();
            match seen.get(name) {
                Some(first) => ctx.push(
                    Diagnostic::error(
                        "duplicate-field",
                        field.name.span,
                        format!("field `{name}` is defined twice in {} `{}`", block.kind.keyword(), block.name.name),
                    )
                    .label("second definition")
                    .also(first.name.span, "first defined here")
                    .help("rename or remove one of them"),
                ),
                None => {
                    seen.insert(name, field);
                }
            }
        }
    }
}

fn enum_values_are_unique_in_their_enum(ctx: &mut Ctx) {
    for block in ctx.enums() {
        let mut seen: HashMap<&str, &EnumValue> = HashMap::default();
        for value in block.values() {
            let name = value.name.name.as_str();
            match seen.get(name) {
                Some(first) => ctx.push(
                    Diagnostic::error(
                        "duplicate-enum-value",
                        value.name.span,
                        format!("value `{name}` is listed twice in enum `{}`", block.name.name),
                    )
                    .label("second definition")
                    .also(first.name.span, "first listed here")
                    .help("remove one of them"),
                ),
                None => {
                    seen.insert(name, value);
                }
            }
        }
    }
}

fn every_enum_has_a_value(ctx: &mut Ctx) {
    for block in ctx.enums() {
        if block.values().next().is_none() {
            ctx.push(
                Diagnostic::error("empty-enum", block.name.span, format!("enum `{}` has no values", block.name.name))
                    .label("an enum needs at least one value")
                    .help("list at least one value, one per line"),
            );
        }
    }
}

/// Models and views share one namespace of tables per PostgreSQL schema.
/// Prisma points at the `@@map` that causes the clash, whichever model it
/// is on.
fn every_model_has_its_own_table(ctx: &mut Ctx) {
    let schema = ctx.schema;
    let mut tables: HashMap<(Option<&str>, &str), &Block> = HashMap::default();
    for block in ctx.models().filter(|b| schema.owns_its_name(b)) {
        let table = block.table_name();
        let Some(first) = tables.get(&(block.schema_name(), table)).copied() else {
            tables.insert((block.schema_name(), table), block);
            continue;
        };
        // `this` carries the `@@map` that causes the clash.
        let (this, other) = if map_span(block).is_some() { (block, first) } else { (first, block) };
        let message = if this.kind == BlockKind::View || other.kind == BlockKind::View {
            format!("both use the name `{table}` in the database")
        } else {
            format!("are both stored in table `{table}`")
        };
        ctx.push(
            Diagnostic::error(
                "duplicate-table",
                map_span(this).unwrap_or(this.name.span),
                format!(
                    "{} `{}` and {} `{}` {message}",
                    this.kind.keyword(),
                    this.name.name,
                    other.kind.keyword(),
                    other.name.name
                ),
            )
            .label(format!("`{}` is mapped to `{table}`", this.name.name))
            .also(other.name.span, format!("`{}` uses `{table}` too", other.name.name))
            .help("give one of them another table name with `@@map(\"...\")`"),
        );
    }
}

/// Mirrors Prisma, which checks each `@map` in field order: against the
/// `@map` of the fields before it, and against the name of every other
/// field. A later field's own `@map` is not known yet at that point, so
/// `a @map("b")` above `b @map("c")` is refused although the columns
/// differ; that case gets its own message.
fn every_field_has_its_own_column(ctx: &mut Ctx) {
    for block in ctx.models() {
        // Each field's column and `@map`, read once: the comparisons below
        // visit every pair of fields.
        let fields: Vec<Column> = block
            .fields()
            .filter(|f| is_column(ctx, f))
            .map(|field| Column { field, name: field.column_name(), map: field.attribute("map") })
            .collect();
        for (i, this_column) in fields.iter().enumerate() {
            let Column { field, name: column, map } = *this_column;
            // A real collision with an earlier field; two unmapped fields
            // of one name are a duplicate field, reported above.
            let earlier = fields[..i].iter().find(|f| f.name == column && (map.is_some() || f.map.is_some()));
            if let Some(earlier) = earlier {
                // `this` carries the `@map` that causes the clash.
                let (this, other) = if map.is_some() { (this_column, earlier) } else { (earlier, this_column) };
                let span = this.map.map_or(this.field.name.span, |m| m.span);
                ctx.push(
                    Diagnostic::error(
                        "duplicate-column",
                        span,
                        format!(
                            "fields `{}` and `{}` of {} `{}` are both stored in column `{column}`",
                            earlier.field.name.name,
                            field.name.name,
                            block.kind.keyword(),
                            block.name.name
                        ),
                    )
                    .label(format!("`{}` is mapped to `{column}`", this.field.name.name))
                    .also(other.field.name.span, format!("`{}` uses column `{column}` too", other.field.name.name))
                    .help("give one of them another column name with `@map(\"...\")`"),
                );
                continue;
            }
            let Some(map) = map else { continue };
            let later = fields[i + 1..].iter().find(|f| f.field.name.name == column && f.name != column);
            if let Some(later) = later {
                ctx.push(
                    Diagnostic::error(
                        "map-names-later-field",
                        map.span,
                        format!(
                            "field `{}` is mapped to `{column}`, the name of field `{column}` further down",
                            field.name.name
                        ),
                    )
                    .label(format!("`{column}` is taken by a field name"))
                    .also(later.field.name.span, format!("`{column}` is stored as `{}`", later.name))
                    .help(format!(
                        "Prisma compares `@map` names with the fields below before reading their own `@map`: move `{column}` above `{}`, or map `{}` to another column",
                        field.name.name, field.name.name
                    )),
                );
            }
        }
    }
}

/// A field that has a column, with the column's name and its `@map`.
#[derive(Clone, Copy)]
struct Column<'a> {
    field: &'a Field,
    name: &'a str,
    map: Option<&'a Attribute>,
}

fn every_enum_has_its_own_database_name(ctx: &mut Ctx) {
    let schema = ctx.schema;
    let mut names: HashMap<(Option<&str>, &str), &Block> = HashMap::default();
    for block in ctx.enums().filter(|b| schema.owns_its_name(b)) {
        let name = block.table_name();
        let Some(first) = names.get(&(block.schema_name(), name)).copied() else {
            names.insert((block.schema_name(), name), block);
            continue;
        };
        let span = map_span(block).unwrap_or(block.name.span);
        ctx.push(
            Diagnostic::error(
                "duplicate-enum-name",
                span,
                format!("enums `{}` and `{}` are both stored as type `{name}`", first.name.name, block.name.name),
            )
            .label(format!("`{}` is mapped to `{name}`", block.name.name))
            .also(map_span(first).unwrap_or(first.name.span), format!("`{}` is type `{name}` too", first.name.name))
            .help("give one of them another database name with `@@map(\"...\")`"),
        );
    }
}

/// Prisma accepts two values with one database label, and then generates
/// `CREATE TYPE ... AS ENUM ('x', 'x')`, which PostgreSQL refuses.
fn enum_values_have_distinct_labels(ctx: &mut Ctx) {
    for block in ctx.enums() {
        let mut labels: HashMap<&str, &EnumValue> = HashMap::default();
        for value in block.values() {
            let label = value.database_name();
            match labels.get(label) {
                Some(first) if first.name.name != value.name.name => ctx.push(
                    Diagnostic::warning(
                        "duplicate-enum-label",
                        value.attributes.iter().find(|a| a.name.name == "map").map_or(value.name.span, |a| a.span),
                        format!(
                            "values `{}` and `{}` of enum `{}` are both stored as `{label}`",
                            first.name.name, value.name.name, block.name.name
                        ),
                    )
                    .label(format!("`{}` is stored as `{label}`", value.name.name))
                    .also(first.name.span, format!("`{}` is stored as `{label}` too", first.name.name))
                    .help("PostgreSQL refuses an enum type with a label twice: change one `@map`"),
                ),
                Some(_) => {}
                None => {
                    labels.insert(label, value);
                }
            }
        }
    }
}

/// Every PostgreSQL table has a row type of its own name, so an enum type
/// of the same name in the same schema cannot be created (or the table
/// cannot, whichever comes second). Prisma does not check this.
fn no_enum_is_named_like_a_table(ctx: &mut Ctx) {
    let schema = ctx.schema;
    let tables: HashMap<(Option<&str>, &str), &Block> =
        ctx.models().filter(|b| schema.owns_its_name(b)).map(|b| ((b.schema_name(), b.table_name()), b)).collect();
    for block in ctx.enums().filter(|b| schema.owns_its_name(b)) {
        let name = block.table_name();
        let Some(table) = tables.get(&(block.schema_name(), name)) else { continue };
        ctx.push(
            Diagnostic::warning(
                "enum-named-like-table",
                map_span(block).unwrap_or(block.name.span),
                format!(
                    "enum `{}` and {} `{}` both take the name `{name}` in the database",
                    block.name.name,
                    table.kind.keyword(),
                    table.name.name
                ),
            )
            .label(format!("enum type `{name}`"))
            .also(map_span(table).unwrap_or(table.name.span), format!("table `{name}`"))
            .help(format!(
                "PostgreSQL gives every table a row type of its name, so type `{name}` cannot exist twice: `@@map` the enum or the table to another name"
            )),
        );
    }
}

/// Fields stored in a column of their own: not relations, and not fields
/// whose type is unknown or a composite type (already reported).
fn is_column(ctx: &Ctx, field: &Field) -> bool {
    matches!(ctx.schema.resolve(&field.ty), FieldKind::Scalar(_) | FieldKind::Enum(_) | FieldKind::Unsupported)
}

fn map_span(block: &Block) -> Option<Span> {
    block.attributes_named("map").next().map(|a| a.span)
}
