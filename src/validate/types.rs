//! Field types: unknown types (with the closest name), optional lists,
//! `Unsupported`, composite types on PostgreSQL, and native types
//! (`@db.*`) valid for their scalar with valid arguments.

use super::{Check, Ctx, FieldKind, Scalar, closest};
use crate::ast::{Arity, TypeName};
use crate::diagnostics::Diagnostic;

pub(super) const CHECKS: &[Check] = &[
    ("every_field_type_exists", every_field_type_exists),
    ("no_field_is_an_optional_list", no_field_is_an_optional_list),
];

fn every_field_type_exists(ctx: &mut Ctx) {
    for block in ctx.blocks().filter(|b| b.kind.has_fields()) {
        for field in block.fields() {
            let TypeName::Named(name) = &field.ty.name else { continue };
            if !matches!(ctx.resolve(&field.ty), FieldKind::Unknown) {
                continue;
            }
            let known = Scalar::ALL
                .iter()
                .map(|s| s.name())
                .chain(ctx.merged.types.keys().copied())
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
