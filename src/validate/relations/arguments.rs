//! The `@relation` attribute itself: only on relation fields, once per
//! field, and arguments of the right kind (a string name, lists of field
//! names, known referential actions, a usable foreign key name).

use super::model::{FieldList, PARAMS};
use crate::ast::{Block, Expr};
use crate::diagnostics::Diagnostic;
use crate::schema::FieldKind;
use crate::schema::names::MAX_IDENTIFIER_BYTES;
use crate::validate::{Ctx, closest};

const ACTIONS: [&str; 5] = ["Cascade", "Restrict", "NoAction", "SetNull", "SetDefault"];
/// What Prisma can emulate with `relationMode = "prisma"` on PostgreSQL.
const EMULATED_ACTIONS: [&str; 3] = ["Cascade", "Restrict", "SetNull"];

pub(super) fn relation_attributes_sit_on_relation_fields(ctx: &mut Ctx) {
    for model in ctx.models() {
        for field in model.fields() {
            let kind = ctx.schema.resolve(&field.ty);
            if matches!(kind, FieldKind::Model(_) | FieldKind::Unknown) {
                continue;
            }
            for attribute in field.attributes.iter().filter(|a| a.name.name == "relation") {
                let type_text = ctx.text(field.ty.span).trim_end();
                ctx.push(
                    Diagnostic::error(
                        "relation-on-non-relation-field",
                        attribute.span,
                        format!("`{}.{}` is not a relation field", model.name.name, field.name.name),
                    )
                    .label("`@relation` needs a field whose type is a model")
                    .also(field.ty.span, format!("`{type_text}` is not a model"))
                    .help(
                        "remove `@relation` here; it belongs on the field of the model type, \
                         e.g. `patient Patient @relation(fields: [patientId], references: [id])`",
                    ),
                );
            }
        }
    }
}

pub(super) fn relation_arguments_are_well_formed(ctx: &mut Ctx) {
    let emulated = ctx.schema.relations_are_emulated();
    for rf in ctx.relation_fields() {
        let Some(attribute) = rf.attribute else { continue };
        // Reports unknown, repeated and extra positional arguments.
        ctx.args(attribute, "@relation", PARAMS);
        let path = rf.path();

        if let Some(name) = rf.args.name {
            match name {
                Expr::String(s) if s.value().is_empty() => ctx.push(
                    Diagnostic::error(
                        "empty-relation-name",
                        name.span(),
                        format!("`{path}` has an empty relation name"),
                    )
                    .label("empty name")
                    .help("name the relation (`@relation(\"CaseSurgeon\")`), or drop the empty string"),
                ),
                Expr::String(_) => {}
                other => {
                    let text = ctx.text(other.span());
                    ctx.push(
                        Diagnostic::error(
                            "relation-name-not-a-string",
                            other.span(),
                            format!("the relation name of `{path}` is not a string"),
                        )
                        .label("expected a string")
                        .help(format!("quote it: `@relation(\"{text}\")`")),
                    );
                }
            }
        }

        for (arg, value) in [("fields", rf.args.fields), ("references", rf.args.references)] {
            if !matches!(FieldList::of(value), FieldList::Malformed) {
                continue;
            }
            let Some(value) = value else { continue };
            let bad = match value {
                Expr::Array(items, _) => items.iter().find(|i| !matches!(i, Expr::Constant(_))).unwrap_or(value),
                other => other,
            };
            let help = match bad {
                Expr::String(s) => format!("write the field name without quotes: `{arg}: [{}]`", s.value()),
                Expr::Function(name, _) => format!("write the bare field name: `{arg}: [{}]`", name.name),
                _ => format!("write a list of field names, e.g. `{arg}: [patientId]`"),
            };
            ctx.push(
                Diagnostic::error(
                    "relation-field-list-malformed",
                    bad.span(),
                    format!("`{arg}` of `{path}` must list field names"),
                )
                .label("not a field name")
                .help(help),
            );
        }

        for (arg, value) in [("onDelete", rf.args.on_delete), ("onUpdate", rf.args.on_update)] {
            let Some(value) = value else { continue };
            check_action(ctx, &path, arg, value, emulated);
        }

        if let Some(map) = rf.args.map {
            match map.as_str() {
                None => {
                    let text = ctx.text(map.span());
                    ctx.push(
                        Diagnostic::error(
                            "relation-map-not-a-string",
                            map.span(),
                            format!("the foreign key name of `{path}` is not a string"),
                        )
                        .label("expected a string")
                        .help(format!("quote it: `map: \"{text}\"`")),
                    );
                }
                Some("") => ctx.push(
                    Diagnostic::error(
                        "empty-foreign-key-name",
                        map.span(),
                        format!("`{path}` maps its foreign key to an empty name"),
                    )
                    .label("empty name")
                    .help("drop `map` to get the default name, or give a name"),
                ),
                Some(name) if name.len() > MAX_IDENTIFIER_BYTES => ctx.push(
                    Diagnostic::error(
                        "foreign-key-name-too-long",
                        map.span(),
                        format!("the foreign key name of `{path}` is {} bytes long", name.len()),
                    )
                    .label(format!("PostgreSQL names are at most {MAX_IDENTIFIER_BYTES} bytes"))
                    .help("choose a shorter name"),
                ),
                Some(_) => {}
            }
        }
    }
}

fn check_action(ctx: &mut Ctx, path: &str, arg: &str, value: &Expr, emulated: bool) {
    let allowed: &[&str] = if emulated { &EMULATED_ACTIONS } else { &ACTIONS };
    let listed = allowed.iter().map(|a| format!("`{a}`")).collect::<Vec<_>>().join(", ");
    let (action, quoted) = match value {
        Expr::Constant(c) => (c.name.as_str(), false),
        Expr::String(s) => (s.value(), true),
        _ => ("", false),
    };
    if quoted && ACTIONS.contains(&action) {
        ctx.push(
            Diagnostic::error("invalid-referential-action", value.span(), format!("`{arg}` of `{path}` is a string"))
                .label("expected a referential action")
                .help(format!("write it without quotes: `{arg}: {action}`")),
        );
        return;
    }
    if !ACTIONS.contains(&action) {
        let mut d = Diagnostic::error(
            "invalid-referential-action",
            value.span(),
            format!("`{}` is not a referential action", ctx.text(value.span())),
        )
        .label(format!("`{arg}` takes one of {listed}"));
        d = match closest(action, ACTIONS) {
            Some(suggestion) => d.help(format!("did you mean `{suggestion}`?")),
            None => d.help(
                "`Cascade` deletes or updates the referencing rows, `Restrict` and `NoAction` refuse, \
                            `SetNull` and `SetDefault` reset the key",
            ),
        };
        ctx.push(d);
        return;
    }
    if !allowed.contains(&action) {
        let help = if action == "NoAction" {
            "use `Restrict`, which is what `NoAction` means when Prisma emulates relations".to_owned()
        } else {
            format!("use one of {listed}, or let the database keep the foreign keys (drop `relationMode`)")
        };
        ctx.push(
            Diagnostic::error(
                "referential-action-not-emulated",
                value.span(),
                format!("`{action}` is not available with `relationMode = \"prisma\"`"),
            )
            .label(format!("Prisma emulates only {listed}"))
            .help(help),
        );
    }
}

pub(super) fn relations_to_ignored_models_are_ignored(ctx: &mut Ctx) {
    let ignored = |block: &Block| block.attributes_named("ignore").next().is_some();
    for rf in ctx.relation_fields() {
        if !ignored(rf.target) || ignored(rf.model) || rf.field.attribute("ignore").is_some() {
            continue;
        }
        let target = &rf.target.name.name;
        ctx.push(
            Diagnostic::error(
                "relation-to-ignored-model",
                rf.field.name.span,
                format!("`{}` points to `{target}`, which is ignored", rf.path()),
            )
            .label(format!("`{target}` has `@@ignore`"))
            .help(format!("add `@ignore` to `{}` too, or remove `@@ignore` from `{target}`", rf.path())),
        );
    }
}
