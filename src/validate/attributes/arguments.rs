//! The arguments of every known attribute: names, counts and value types,
//! and the options PostgreSQL cannot honour (`clustered`, `length`, a sort
//! order in the primary key, a named default) or that need a preview
//! feature (`where`, partial indexes). Each attribute's arguments are read
//! exactly once, here, so a wrong argument is reported once.

use super::{Place, preview_feature};
use crate::ast::{Attribute, Expr};
use crate::diagnostics::{Diagnostic, Span};
use crate::schema::names::MAX_IDENTIFIER_BYTES;
use crate::validate::{Args, Ctx, closest};

/// What an argument's value must be.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Text,
    Integer,
    Boolean,
    Sort,
    Fields,
    IndexType,
    Where,
    /// Any value; `@default`'s is checked against its field elsewhere.
    Value,
}

/// An attribute's parameters. With `positional`, the first parameter may
/// be given without its name; with `required`, it must be given.
struct Spec {
    label: &'static str,
    positional: bool,
    required: bool,
    params: &'static [(&'static str, Kind)],
}

const NAME: &[(&str, Kind)] = &[("name", Kind::Text)];

/// The most parameters an attribute has (`@@index`).
const MAX_PARAMS: usize = 6;

fn spec(place: Place, name: &str) -> Option<Spec> {
    use Kind::*;
    let (label, positional, required, params): (_, _, _, &'static [(&str, Kind)]) = match (place, name) {
        (Place::ScalarField, "id") => {
            ("@id", false, false, &[("map", Text), ("length", Integer), ("sort", Sort), ("clustered", Boolean)])
        }
        (Place::ScalarField, "unique") => (
            "@unique",
            false,
            false,
            &[("map", Text), ("length", Integer), ("sort", Sort), ("clustered", Boolean), ("where", Where)],
        ),
        (Place::ScalarField, "default") => ("@default", true, true, &[("value", Value), ("map", Text)]),
        (Place::ScalarField, "updatedAt") => ("@updatedAt", false, false, &[]),
        (Place::ScalarField | Place::EnumValue, "map") => ("@map", true, true, NAME),
        (Place::ScalarField | Place::RelationField, "ignore") => ("@ignore", false, false, &[]),
        (Place::Model, "id") => {
            ("@@id", true, true, &[("fields", Fields), ("name", Text), ("map", Text), ("clustered", Boolean)])
        }
        (Place::Model, "unique") => (
            "@@unique",
            true,
            true,
            &[("fields", Fields), ("name", Text), ("map", Text), ("clustered", Boolean), ("where", Where)],
        ),
        (Place::Model, "index") => (
            "@@index",
            true,
            true,
            &[
                ("fields", Fields),
                ("name", Text),
                ("map", Text),
                ("type", IndexType),
                ("clustered", Boolean),
                ("where", Where),
            ],
        ),
        (Place::Model | Place::Enum, "map") => ("@@map", true, true, NAME),
        (Place::Model | Place::Enum, "schema") => ("@@schema", true, true, &[("map", Text)]),
        (Place::Model, "ignore") => ("@@ignore", false, false, &[]),
        _ => return None,
    };
    Some(Spec { label, positional, required, params })
}

/// The index algorithms PostgreSQL has.
pub(crate) const INDEX_TYPES: [&str; 6] = ["BTree", "Hash", "Gist", "Gin", "SpGist", "Brin"];

pub(super) fn attribute_arguments_fit_their_parameters(ctx: &mut Ctx) {
    let groups = super::attribute_groups(ctx);
    for (place, attribute) in super::placed(&groups) {
        let Some(spec) = spec(place, &attribute.name.name) else { continue };
        let args = read(ctx, attribute, &spec);
        let mut valid = true;
        for (param, kind) in spec.params {
            if let Some(value) = args.get(param) {
                valid &= value_fits(ctx, &spec, param, *kind, value);
            }
        }
        if valid {
            postgresql_honours_the_options(ctx, &spec, attribute, &args);
        }
    }
}

/// Reads the arguments: through [`Ctx::args`] when the first parameter may
/// be positional, else here (`@id("x")` has no parameter to fill).
fn read<'a>(ctx: &mut Ctx<'a>, attribute: &'a Attribute, spec: &Spec) -> Args<'a> {
    // On the stack: this runs for every attribute of the schema.
    let mut buffer = [""; MAX_PARAMS];
    for (slot, (name, _)) in buffer.iter_mut().zip(spec.params) {
        *slot = name;
    }
    let names = &buffer[..spec.params.len()];
    let args = if spec.positional {
        ctx.args(attribute, spec.label, names)
    } else {
        named_args(ctx, attribute, spec.label, names)
    };
    let incomplete = attribute.args.as_ref().is_some_and(|a| a.items.iter().any(|i| i.value.is_none()));
    if spec.required && !incomplete && args.get(names[0]).is_none() {
        let (param, example) = match spec.label {
            "@default" => ("a value", "`@default(0)`"),
            "@map" => ("the name in the database", "`@map(\"column_name\")`"),
            "@@map" => ("the table name", "`@@map(\"table_name\")`"),
            "@@schema" => ("the schema name", "`@@schema(\"audit\")`"),
            "@@id" => ("the list of fields", "`@@id([a, b])`"),
            "@@unique" => ("the list of fields", "`@@unique([a, b])`"),
            _ => ("the list of fields", "`@@index([a, b])`"),
        };
        ctx.push(
            Diagnostic::error("missing-argument", attribute.span, format!("`{}` needs {param}", spec.label))
                .label(format!("`{}` is missing", names[0]))
                .help(format!("write it as {example}")),
        );
    }
    args
}

/// [`Ctx::args`] for attributes whose arguments are all named.
fn named_args<'a>(ctx: &mut Ctx<'a>, attribute: &'a Attribute, label: &str, params: &[&'static str]) -> Args<'a> {
    let mut values: Vec<(&'static str, &'a Expr)> = Vec::new();
    let known = || params.iter().map(|p| format!("`{p}`")).collect::<Vec<_>>().join(", ");
    let Some(list) = &attribute.args else { return Args { values } };
    for arg in &list.items {
        let Some(value) = &arg.value else { continue };
        let Some(name) = &arg.name else {
            ctx.push(if params.is_empty() {
                Diagnostic::error("unexpected-argument", arg.span, format!("`{label}` takes no arguments"))
                    .label("not expected")
                    .help(format!("write `{label}` alone"))
            } else {
                Diagnostic::error("unexpected-argument", arg.span, format!("`{label}` takes only named arguments"))
                    .label("an argument without a name")
                    .help(format!("name it; `{label}` takes {}", known()))
            });
            continue;
        };
        let Some(param) = params.iter().find(|p| **p == name.name) else {
            let d =
                Diagnostic::error("unknown-argument", name.span, format!("`{label}` has no argument `{}`", name.name));
            ctx.push(if params.is_empty() {
                d.help(format!("write `{label}` without arguments"))
            } else {
                d.help(format!("its arguments are {}", known()))
            });
            continue;
        };
        if let Some((_, first)) = values.iter().find(|(n, _)| n == param) {
            ctx.push(
                Diagnostic::error(
                    "duplicate-argument",
                    arg.span,
                    format!("argument `{param}` of `{label}` is given twice"),
                )
                .also(first.span(), "first given here"),
            );
            continue;
        }
        values.push((param, value));
    }
    Args { values }
}

/// Checks one value against its parameter's kind; false when it does not
/// fit (and was reported).
fn value_fits(ctx: &mut Ctx, spec: &Spec, param: &str, kind: Kind, value: &Expr) -> bool {
    let label = spec.label;
    let (fits, expected, example) = match kind {
        Kind::Value => return true,
        Kind::Text => (matches!(value, Expr::String(_)), "a string", format!("{param}: \"...\"")),
        Kind::Integer => (is_integer(value), "a whole number", format!("{param}: 10")),
        Kind::Boolean => {
            (matches!(value.as_constant(), Some("true" | "false")), "`true` or `false`", format!("{param}: true"))
        }
        Kind::Sort => return sort_fits(ctx, value),
        Kind::IndexType => return index_type_fits(ctx, value),
        Kind::Fields => return fields_fit(ctx, label, value),
        // The object form's own rules are in `validate::partial`.
        Kind::Where => (
            matches!(value, Expr::Object(..))
                || matches!(value, Expr::Function(name, args) if name.name == "raw" && args.items.len() == 1
                && args.items[0].value.as_ref().is_some_and(|v| v.as_str().is_some())),
            "`raw(\"...\")` or an object",
            "where: { status: \"ACTIVE\" }` or `where: raw(\"status = 'active'\")".to_owned(),
        ),
    };
    if kind == Kind::Where && fits && raw_condition(value).is_some_and(str::is_empty) {
        ctx.push(
            Diagnostic::error("empty-where", value.span(), "the `where` condition of a partial index is empty")
                .label("no condition")
                .help("write the SQL condition, as in `where: raw(\"deleted_at IS NULL\")`, or remove `where`"),
        );
        return false;
    }
    if !fits {
        let help = match (kind, value) {
            (Kind::Text, Expr::Constant(c)) => format!("put it in quotes: `\"{}\"`", c.name),
            _ => format!("write `{example}`"),
        };
        ctx.push(
            Diagnostic::error("argument-type", value.span(), format!("`{param}` of `{label}` must be {expected}"))
                .label(format!("found {}", describe(value)))
                .help(help),
        );
    }
    fits
}

/// The SQL text of `raw("...")`.
fn raw_condition(value: &Expr) -> Option<&str> {
    match value {
        Expr::Function(name, args) if name.name == "raw" => args.items.first()?.value.as_ref()?.as_str(),
        _ => None,
    }
}

fn is_integer(value: &Expr) -> bool {
    matches!(value, Expr::Number(n) if n.name.parse::<u32>().is_ok())
}

fn sort_fits(ctx: &mut Ctx, value: &Expr) -> bool {
    if matches!(value.as_constant(), Some("Asc" | "Desc")) {
        return true;
    }
    ctx.push(
        Diagnostic::error("invalid-sort-order", value.span(), "a sort order is `Asc` or `Desc`")
            .label(format!("found {}", describe(value)))
            .help("write `sort: Asc` or `sort: Desc`, without quotes"),
    );
    false
}

fn index_type_fits(ctx: &mut Ctx, value: &Expr) -> bool {
    if value.as_constant().is_some_and(|t| INDEX_TYPES.contains(&t)) {
        return true;
    }
    let list = INDEX_TYPES.map(|t| format!("`{t}`")).join(", ");
    let mut d = Diagnostic::error("unknown-index-type", value.span(), "unknown index type")
        .label(format!("found {}", describe(value)));
    let written = value.as_constant().or(value.as_str()).unwrap_or_default();
    d = match closest(written, INDEX_TYPES) {
        Some(suggestion) => d.help(format!("did you mean `type: {suggestion}`?")),
        None => d.help(format!("PostgreSQL's index types are {list}")),
    };
    ctx.push(d);
    false
}

/// `[a, b(sort: Desc)]` (or a single `a`): field names, each with valid
/// `sort` and `length` arguments (`ops` is checked with the field types).
fn fields_fit(ctx: &mut Ctx, label: &str, value: &Expr) -> bool {
    let items = match value {
        Expr::Array(items, _) => items.as_slice(),
        Expr::Constant(_) => return true,
        _ => {
            ctx.push(
                Diagnostic::error("argument-type", value.span(), format!("the fields of `{label}` must be a list"))
                    .label(format!("found {}", describe(value)))
                    .help(format!("write `{label}([a, b])` with the field names, without quotes")),
            );
            return false;
        }
    };
    let mut fits = true;
    for item in items {
        match item {
            Expr::Constant(_) => {}
            Expr::Function(_, args) => {
                for arg in &args.items {
                    let (Some(name), Some(value)) = (&arg.name, &arg.value) else { continue };
                    if name.name == "sort" {
                        fits &= sort_fits(ctx, value);
                    } else if name.name == "length" && !is_integer(value) {
                        fits = false;
                        ctx.push(
                            Diagnostic::error("argument-type", value.span(), "`length` must be a whole number")
                                .label(format!("found {}", describe(value))),
                        );
                    }
                }
            }
            other => {
                fits = false;
                let help = match other {
                    Expr::String(s) => format!("write the field name without quotes: `{}`", s.value()),
                    _ => "list field names, as in `[a, b]`".to_owned(),
                };
                ctx.push(
                    Diagnostic::error("argument-type", other.span(), format!("`{label}` lists fields by name"))
                        .label(format!("found {}", describe(other)))
                        .help(help),
                );
            }
        }
    }
    fits
}

/// What kind of value an expression is, for messages.
pub(super) fn describe(value: &Expr) -> String {
    match value {
        Expr::String(_) => "a string".to_owned(),
        Expr::Number(n) => format!("the number `{}`", n.name),
        Expr::Constant(c) => format!("`{}`", c.name),
        Expr::Array(..) => "a list".to_owned(),
        Expr::Object(..) => "an object".to_owned(),
        Expr::Function(name, _) => format!("the function `{}()`", name.name),
    }
}

/// The span of a named argument (`clustered: true`), else of the value.
fn arg_span(attribute: &Attribute, name: &str, value: &Expr) -> Span {
    attribute
        .args
        .iter()
        .flat_map(|a| &a.items)
        .find(|a| a.name.as_ref().is_some_and(|n| n.name == name))
        .map_or(value.span(), |a| a.span)
}

/// Options Prisma accepts for other databases, partial indexes, names.
fn postgresql_honours_the_options(ctx: &mut Ctx, spec: &Spec, attribute: &Attribute, args: &Args) {
    let label = spec.label;
    if let Some(value) = args.get("clustered") {
        ctx.push(
            Diagnostic::error(
                "clustered-on-postgresql",
                arg_span(attribute, "clustered", value),
                "PostgreSQL has no clustered indexes",
            )
            .label("`clustered` is for SQL Server")
            .help("remove `clustered`; PostgreSQL's CLUSTER command is a one-off reorder, run it in a migration"),
        );
    }
    if let Some(value) = args.get("length") {
        length_is_not_supported(ctx, arg_span(attribute, "length", value));
    }
    if label == "@id" {
        if let Some(value) = args.get("sort") {
            primary_key_sort_is_not_supported(ctx, arg_span(attribute, "sort", value));
        }
    }
    if let Some(Expr::Array(items, _)) = args.get("fields") {
        for item in items {
            let Expr::Function(_, field_args) = item else { continue };
            for arg in &field_args.items {
                match arg.name.as_ref().map(|n| n.name.as_str()) {
                    Some("length") => length_is_not_supported(ctx, arg.span),
                    Some("sort") if label == "@@id" => primary_key_sort_is_not_supported(ctx, arg.span),
                    _ => {}
                }
            }
        }
    }
    if let Some(value) = args.get("where") {
        if ctx.prisma_major < 7 {
            // Partial indexes came with Prisma 7.4; Prisma 6 has no `where`.
            ctx.push(
                Diagnostic::error(
                    "partial-index-prisma-6",
                    arg_span(attribute, "where", value),
                    "partial indexes need Prisma 7.4 or later",
                )
                .label("Prisma 6 has no `where` argument")
                .help("remove `where`, or move to Prisma 7 (the connection URL moves to prisma.config.ts)"),
            );
        } else if !preview_feature(ctx, "partialIndexes") {
            ctx.push(
                Diagnostic::error(
                    "partial-index-preview",
                    arg_span(attribute, "where", value),
                    "partial indexes need the `partialIndexes` preview feature",
                )
                .label("`where` makes this a partial index")
                .help("add \"partialIndexes\" to `previewFeatures` in the generator block"),
            );
        }
    }
    if label == "@default" {
        if let Some(value) = args.get("map") {
            ctx.push(
                Diagnostic::error(
                    "named-default",
                    arg_span(attribute, "map", value),
                    "PostgreSQL does not name default values",
                )
                .label("a default is no constraint here")
                .help("remove `map` from `@default`"),
            );
        }
    }
    constraint_names_are_usable(ctx, label, args);
}

fn length_is_not_supported(ctx: &mut Ctx, span: Span) {
    ctx.push(
        Diagnostic::error("length-on-postgresql", span, "PostgreSQL cannot index a prefix of a column")
            .label("`length` is for MySQL")
            .help("remove `length`; index the whole column, or an expression in a migration"),
    );
}

fn primary_key_sort_is_not_supported(ctx: &mut Ctx, span: Span) {
    ctx.push(
        Diagnostic::error("primary-key-sort", span, "PostgreSQL does not sort primary key columns")
            .label("a primary key takes no sort order")
            .help("remove `sort`; add an `@@index` with `sort: Desc` if queries need that order"),
    );
}

/// Constraint names (`map`, and `name` where it names something): not
/// empty, not longer than PostgreSQL's identifiers, and client names made
/// of letters, digits and `_`.
fn constraint_names_are_usable(ctx: &mut Ctx, label: &str, args: &Args) {
    let constraint = matches!(label, "@id" | "@unique" | "@default" | "@@id" | "@@unique" | "@@index");
    if !constraint {
        return;
    }
    for param in ["map", "name"] {
        let Some(value) = args.get(param) else { continue };
        let Some(text) = value.as_str() else { continue };
        let span = value.span();
        if text.is_empty() {
            ctx.push(
                Diagnostic::error("empty-name", span, format!("the `{param}` of `{label}` is empty"))
                    .label("an empty name")
                    .help(format!("give a name, or remove `{param}` to get the default one")),
            );
            continue;
        }
        let names_constraint = param == "map" || label == "@@index";
        if names_constraint && text.len() > MAX_IDENTIFIER_BYTES {
            ctx.push(
                Diagnostic::error(
                    "constraint-name-too-long",
                    span,
                    format!("constraint name `{text}` is longer than {MAX_IDENTIFIER_BYTES} bytes"),
                )
                .label(format!("{} bytes", text.len()))
                .help(format!(
                    "PostgreSQL identifiers have at most {MAX_IDENTIFIER_BYTES} bytes; choose a shorter name"
                )),
            );
        }
        if param == "name" && label != "@@index" && !text.chars().all(|c| c == '_' || c.is_ascii_alphanumeric()) {
            ctx.push(
                Diagnostic::error("invalid-client-name", span, format!("the `name` of `{label}` is not an identifier"))
                    .label("only letters, digits and `_` are allowed")
                    .help("`name` becomes part of the client API; to name the constraint, use `map`"),
            );
        }
    }
    if label == "@@index" {
        if let (Some(name), Some(map)) = (args.get("name"), args.get("map")) {
            ctx.push(
                Diagnostic::error("index-name-and-map", name.span(), "`@@index` takes `name` or `map`, not both")
                    .label("`name` is an old spelling of `map`")
                    .also(map.span(), "the index's name")
                    .help("remove `name`"),
            );
        }
    }
}
