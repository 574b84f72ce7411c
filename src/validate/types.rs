//! Field types: unknown types (with the closest name), optional lists,
//! `Unsupported`, composite types on PostgreSQL, and native types
//! (`@db.*`, in [`native`]) valid for their scalar with valid arguments.
//!
//! Lists need no rule of their own: PostgreSQL has arrays of every scalar
//! type, of enums and of `Json`, and Prisma accepts them all.

mod native;

use super::{Ctx, Rule, closest};
use crate::ast::{Arity, BlockKind, Field, TypeName};
use crate::diagnostics::Diagnostic;
use crate::schema::{FieldKind, Scalar};
pub(super) use native::{NativeField, native_field};
use native::{
    fields_have_at_most_one_native_type, native_type_lengths_fit_postgresql, native_types_are_on_scalar_fields,
    native_types_are_valid_for_their_fields, native_types_use_the_datasource_name,
};

pub(super) const CHECKS: &[Rule] = &[
    Rule::blocks("every_field_type_exists", every_field_type_exists),
    Rule::blocks("no_field_is_an_optional_list", no_field_is_an_optional_list),
    Rule::blocks("no_composite_types_on_postgresql", no_composite_types_on_postgresql),
    Rule::blocks("unsupported_types_are_not_native_types", unsupported_types_are_not_native_types),
    Rule::blocks("native_types_are_on_scalar_fields", native_types_are_on_scalar_fields),
    Rule::blocks("fields_have_at_most_one_native_type", fields_have_at_most_one_native_type),
    Rule::blocks("native_types_use_the_datasource_name", native_types_use_the_datasource_name),
    Rule::blocks("native_types_are_valid_for_their_fields", native_types_are_valid_for_their_fields),
    Rule::blocks("native_type_lengths_fit_postgresql", native_type_lengths_fit_postgresql),
];

fn every_field_type_exists(ctx: &mut Ctx) {
    for block in ctx.blocks().filter(|b| b.kind.has_fields()) {
        for field in block.fields() {
            let TypeName::Named(name) = &field.ty.name else { continue };
            if !matches!(ctx.schema.resolve(&field.ty), FieldKind::Unknown) {
                continue;
            }
            let known = Scalar::ALL
                .iter()
                .map(|s| s.name())
                .chain(ctx.schema.types.keys().copied())
                .filter(|n| *n != name.name);
            let mut diagnostic = Diagnostic::error("unknown-type", name.span, format!("unknown type `{}`", name.name))
                .label("not a scalar type, model, view, enum or composite type");
            if let Some(suggestion) = closest(&name.name, known) {
                diagnostic = diagnostic.help(format!("did you mean `{suggestion}`?"));
            }
            ctx.push(diagnostic);
        }
    }
}

fn no_field_is_an_optional_list(ctx: &mut Ctx) {
    for block in ctx.blocks().filter(|b| b.kind.has_fields()) {
        for field in block.fields().filter(|f| f.ty.arity == Arity::OptionalList) {
            ctx.push(
                Diagnostic::error(
                    "optional-list",
                    field.ty.span,
                    format!("field `{}` is an optional list", field.name.name),
                )
                .label("`[]?` is not allowed")
                .help("a list is never null; an empty list says \"none\": write `[]`"),
            );
        }
    }
}

/// One error per `type` block; fields of that type are not reported again.
fn no_composite_types_on_postgresql(ctx: &mut Ctx) {
    for block in ctx.blocks().filter(|b| b.kind == BlockKind::Type) {
        let name = &block.name.name;
        ctx.push(
            Diagnostic::error(
                "composite-type",
                block.name.span,
                format!("PostgreSQL has no composite types: `type {name}` cannot be used"),
            )
            .label("composite type (MongoDB only)")
                .help(format!(
                    "store the data in a `Json` field, or turn `{name}` into a model with a relation to the models that use it"
                )),
        );
    }
}

/// `Unsupported("VarChar(30)")` is a type Prisma supports; Prisma wants
/// the native type notation so the client can read and write it.
fn unsupported_types_are_not_native_types(ctx: &mut Ctx) {
    let source = ctx.schema.datasource.map_or("db", |d| d.name.name.as_str());
    for block in ctx.models() {
        for field in block.fields() {
            let TypeName::Unsupported(text, span) = &field.ty.name else { continue };
            let Some((native, args)) = native::parse_unsupported(text.value()) else { continue };
            let args = if args.is_empty() { String::new() } else { format!("({})", args.join(", ")) };
            let arity = match field.ty.arity {
                Arity::Optional => "?",
                Arity::List => "[]",
                _ => "",
            };
            ctx.push(
                Diagnostic::error(
                    "unsupported-native-type",
                    *span,
                    format!("`{}` is a type Prisma supports", ctx.text(*span)),
                )
                .label(format!("PostgreSQL `{}{args}` is a `{}` in Prisma", native.name, native.scalar.name()))
                .help(format!(
                    "write `{} {}{arity} @{source}.{}{args}`",
                    field.name.name,
                    native.scalar.name(),
                    native.name
                )),
            );
        }
    }
}

/// `Unsupported("tsvector")` as written, without the arity.
pub(super) fn unsupported_text<'a>(ctx: &Ctx<'a>, field: &Field) -> &'a str {
    match &field.ty.name {
        TypeName::Unsupported(_, span) => ctx.text(*span),
        TypeName::Named(name) => ctx.text(name.span),
    }
}
