//! A partial index's condition in Prisma's object form, on `@@index`,
//! `@@unique` and `@unique`: `where: { status: "ACTIVE", deletedAt: { not:
//! null } }`. Prisma's rules: a key is a scalar field of the model; a value
//! is `true`, `false`, `null`, a string or a number of the field's type,
//! or `{ not: value }`; the object is not empty. (`raw("...")` is checked
//! with the other arguments.)

use super::{Ctx, Rule};
use crate::ast::{Block, Expr, ObjectEntry};
use crate::diagnostics::Diagnostic;
use crate::schema::{FieldKind, Scalar};

pub(super) const CHECKS: &[Rule] =
    &[Rule::blocks("where_objects_follow_prismas_rules", where_objects_follow_prismas_rules)];

fn where_objects_follow_prismas_rules(ctx: &mut Ctx) {
    for model in ctx.models() {
        let fields = model.fields().filter_map(|f| f.attribute("unique"));
        let blocks = model.attributes_named("index").chain(model.attributes_named("unique"));
        for attribute in blocks.chain(fields) {
            if let Some(Expr::Object(entries, span)) = attribute.named("where") {
                if entries.is_empty() {
                    ctx.push(
                        Diagnostic::error("empty-where", *span, "the `where` condition of a partial index is empty")
                            .label("an empty object")
                            .help("name a field and its value, as in `where: { deletedAt: null }`, or remove `where`"),
                    );
                }
                for entry in entries {
                    entry_fits(ctx, model, entry);
                }
            }
        }
    }
}

/// What a value in the object is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Literal {
    Null,
    Boolean,
    String,
    Number,
}

fn literal(value: &Expr) -> Option<Literal> {
    match value {
        Expr::String(_) => Some(Literal::String),
        Expr::Number(_) => Some(Literal::Number),
        Expr::Constant(c) if c.name == "null" => Some(Literal::Null),
        Expr::Constant(c) if c.name == "true" || c.name == "false" => Some(Literal::Boolean),
        _ => None,
    }
}

fn entry_fits(ctx: &mut Ctx, model: &Block, entry: &ObjectEntry) {
    let Some(field) = model.fields().find(|f| f.name.name == entry.key.name) else {
        ctx.push(
            Diagnostic::error(
                "where-unknown-field",
                entry.key.span,
                format!("`{}` is not a field of `{}`", entry.key.name, model.name.name),
            )
            .label("a partial index's condition names the model's own scalar fields"),
        );
        return;
    };
    let kind = ctx.schema.resolve(&field.ty);
    if !matches!(kind, FieldKind::Scalar(_) | FieldKind::Enum(_)) {
        ctx.push(
            Diagnostic::error(
                "where-unknown-field",
                entry.key.span,
                format!("`{}` is a relation field, which has no column to compare", entry.key.name),
            )
            .label("a partial index's condition names the model's own scalar fields"),
        );
        return;
    }
    // `{ not: value }`: one key, and that key is `not`.
    let value = match &entry.value {
        Expr::Object(inner, span) => match inner.as_slice() {
            [only] if only.key.name == "not" => &only.value,
            [only] => {
                ctx.push(
                    Diagnostic::error(
                        "where-invalid-value",
                        only.key.span,
                        format!("`{}` is not an operator of a partial index's condition", only.key.name),
                    )
                    .label("only `not` is supported")
                    .help(format!("write `{}: {{ not: ... }}`, or the SQL with `where: raw(\"...\")`", entry.key.name)),
                );
                return;
            }
            _ => {
                ctx.push(
                    Diagnostic::error("where-invalid-value", *span, "a nested condition has exactly one key, `not`")
                        .label(format!("{} keys", inner.len()))
                        .help("write `{ not: null }` or `{ not: \"value\" }`"),
                );
                return;
            }
        },
        value => value,
    };
    let Some(found) = literal(value) else {
        let mut diagnostic = Diagnostic::error(
            "where-invalid-value",
            value.span(),
            "a partial index's condition compares with `true`, `false`, `null`, a string or a number",
        )
        .label("not a value it takes");
        if let (Expr::Constant(c), FieldKind::Enum(_)) = (value, kind) {
            diagnostic = diagnostic.help(format!("an enum value is written as a string: `\"{}\"`", c.name));
        }
        ctx.push(diagnostic);
        return;
    };
    let fits = match (found, kind) {
        (Literal::Null, _) => true,
        (Literal::Boolean, FieldKind::Scalar(scalar)) => scalar == Scalar::Boolean,
        (Literal::Number, FieldKind::Scalar(scalar)) => {
            matches!(scalar, Scalar::Int | Scalar::BigInt | Scalar::Float | Scalar::Decimal)
        }
        (Literal::String, FieldKind::Scalar(scalar)) => {
            !matches!(scalar, Scalar::Int | Scalar::BigInt | Scalar::Float | Scalar::Boolean)
        }
        (Literal::String, FieldKind::Enum(_)) => true,
        _ => false,
    };
    if !fits {
        ctx.push(
            Diagnostic::error(
                "where-type-mismatch",
                value.span(),
                format!("`{}` is {}, and this value is {}", field.name.name, type_words(kind), literal_words(found)),
            )
            .label("of another type"),
        );
        return;
    }
    if let (Expr::String(text), FieldKind::Enum(block)) = (value, kind) {
        // The SQL compares with the database's label (after `@map`).
        if !block.values().any(|v| v.database_name() == text.value()) {
            ctx.push(
                Diagnostic::warning(
                    "where-unknown-enum-value",
                    text.span,
                    format!("`{}` is not a value of the enum `{}`", text.value(), block.name.name),
                )
                .label("PostgreSQL refuses to create the index: invalid input value for enum")
                .help(format!(
                    "use one of {}",
                    block.values().map(|v| format!("\"{}\"", v.database_name())).collect::<Vec<_>>().join(", ")
                )),
            );
        }
    }
}

fn type_words(kind: FieldKind) -> String {
    match kind {
        FieldKind::Scalar(scalar) => format!("of type {}", scalar.name()),
        FieldKind::Enum(block) => format!("of the enum `{}`", block.name.name),
        _ => "not a scalar".to_owned(),
    }
}

fn literal_words(literal: Literal) -> &'static str {
    match literal {
        Literal::Null => "null",
        Literal::Boolean => "a boolean",
        Literal::String => "a string",
        Literal::Number => "a number",
    }
}
