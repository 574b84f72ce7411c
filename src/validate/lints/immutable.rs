//! Lints for `@ehrdb.immutable` models: what would fight the triggers
//! that make their tables append-only, or defeat the point of an audit
//! trail. They read the annotation through [`Block::immutable`].

use super::super::Ctx;
use crate::ast::{Arity, Block, BlockKind, Expr, Field};
use crate::diagnostics::Diagnostic;
use crate::schema::{FieldKind, ImmutableAnnotation, Scalar};

fn immutable_models<'a>(ctx: &Ctx<'a>) -> Vec<(&'a Block, ImmutableAnnotation)> {
    ctx.blocks().filter(|b| b.kind == BlockKind::Model).filter_map(|b| Some((b, b.immutable()?))).collect()
}

/// Sequential ids leak volume and timing (two receipts tell how many
/// events happened in between), are guessable in URLs, and collide when
/// rows of two databases meet: a merge of patient records across sites, a
/// restore next to live data. Rows that can never be rewritten can never
/// be renumbered either, so the key must be right from the start.
pub(super) fn not_keyed_by_autoincrement(ctx: &mut Ctx) {
    for (model, immutable) in immutable_models(ctx) {
        let fields = ctx.fields_by_name(model);
        let key_fields = model.unique_criteria().into_iter().filter(|c| c.primary).flat_map(|c| c.fields);
        for field in key_fields.filter_map(|name| fields.get(name)) {
            let Some(default) = field.attribute("default") else { continue };
            let autoincrement = matches!(default.positional(), Some(Expr::Function(f, _)) if f.name == "autoincrement");
            if !autoincrement
                || !matches!(ctx.schema.resolve(&field.ty), FieldKind::Scalar(Scalar::Int | Scalar::BigInt))
            {
                continue;
            }
            ctx.push(
                Diagnostic::warning(
                    "immutable-autoincrement-id",
                    default.span,
                    format!("immutable model `{}` is keyed by an autoincrement id", model.name.name),
                )
                .label("sequential: leaks volume, collides across databases")
                .also(immutable.span, "immutable here")
                .help(format!(
                    "key it by a UUID: `{} String @id @default(dbgenerated(\"gen_random_uuid()\")) @db.Uuid`",
                    field.name.name
                )),
            );
        }
    }
}

/// A referential action that deletes or updates rows of an immutable
/// table fails in its trigger, so the parent's delete fails with an error
/// about a table nobody meant to touch. `onDelete: Restrict` says what is
/// meant: a parent with audit rows is never deleted. An optional relation
/// without `onDelete` is `SetNull` by Prisma's default.
pub(super) fn deletes_do_not_write_into_them(ctx: &mut Ctx) {
    for (model, immutable) in immutable_models(ctx) {
        for field in model.fields() {
            let Some(relation) = field.attribute("relation") else { continue };
            let Some(Expr::Array(keys, _)) = relation.named("fields") else { continue };
            let FieldKind::Model(parent) = ctx.schema.resolve(&field.ty) else { continue };
            let explicit = relation.named("onDelete");
            let action = match explicit.and_then(Expr::as_constant) {
                Some(action) => action,
                None if explicit.is_some() => continue,
                None if field.ty.arity == Arity::Optional => "SetNull",
                None => continue,
            };
            let span = explicit.map_or(relation.span, Expr::span);
            let parent = &parent.name.name;
            let diagnostic = match action {
                "Cascade" => Diagnostic::warning(
                    "cascade-delete-into-immutable",
                    span,
                    format!("deleting from `{parent}` would delete `{}` rows, which are immutable", model.name.name),
                )
                .label("`onDelete: Cascade` into an append-only table"),
                "SetNull" | "SetDefault" => {
                    let listed = |key: &Expr| {
                        key.field_ref_name().is_some_and(|k| immutable.allow_update.iter().any(|a| a.name == k))
                    };
                    if keys.iter().all(listed) {
                        continue;
                    }
                    let names = keys.iter().filter_map(Expr::field_ref_name).collect::<Vec<_>>().join("`, `");
                    Diagnostic::warning(
                        "set-null-into-immutable",
                        span,
                        format!(
                            "deleting from `{parent}` would update `{}.{names}`, which is immutable",
                            model.name.name
                        ),
                    )
                    .label(if explicit.is_some() {
                        format!("`onDelete: {action}` updates the row")
                    } else {
                        "an optional relation is `onDelete: SetNull` by default".to_owned()
                    })
                }
                _ => continue,
            };
            ctx.push(
                diagnostic
                    .also(immutable.span, "immutable here")
                    .help(format!("write `onDelete: Restrict` on `{}.{}`", model.name.name, field.name.name)),
            );
        }
    }
}

/// Prisma Client writes an `@updatedAt` field on every update it makes.
/// Without `allowUpdate` there are none, so the column only repeats the
/// creation time and suggests the row can change; with `allowUpdate`,
/// every permitted update also writes this column, which the trigger
/// refuses unless it is listed too.
pub(super) fn have_no_updated_at(ctx: &mut Ctx) {
    for (model, immutable) in immutable_models(ctx) {
        for field in model.fields().filter(|f| f.attribute("updatedAt").is_some()) {
            if immutable.allow_update.iter().any(|a| a.name == field.name.name) {
                continue;
            }
            ctx.push(updated_at_warning(model, field, &immutable));
        }
    }
}

fn updated_at_warning(model: &Block, field: &Field, immutable: &ImmutableAnnotation) -> Diagnostic {
    let name = &field.name.name;
    let (label, help) = if immutable.allow_update.is_empty() {
        ("never changes: rows of this model are never updated", format!("remove `{name}`"))
    } else {
        ("Prisma Client writes it on every update, which the trigger refuses", format!("add `{name}` to `allowUpdate`"))
    };
    let attribute = field.attribute("updatedAt").map_or(field.name.span, |a| a.span);
    Diagnostic::warning(
        "updated-at-on-immutable",
        attribute,
        format!("immutable model `{}` has an `@updatedAt` field `{name}`", model.name.name),
    )
    .label(label)
    .also(immutable.span, "immutable here")
    .help(help)
}
