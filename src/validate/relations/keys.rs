//! The foreign key of a relation: `fields` name existing scalar fields of
//! the model and `references` those of the related model, as many of one
//! as of the other, of the same types; the referenced fields are a unique
//! criterion; a 1:1's key is unique; a required relation has a required
//! key; `SetNull` and `SetDefault` can do what they say.

use super::model::{FieldList, RelationArgs, RelationField, Shape, field_named, type_name};
use super::sides::{single_id, type_with_native};
use crate::ast::{Arity, Block, Expr, Field, Ident};
use crate::diagnostics::Diagnostic;
use crate::schema::{FieldKind, Scalar};
use crate::validate::{Ctx, closest};

/// The fields a key list names, when every name is an existing scalar
/// field of `model`, listed once. Problems are reported by
/// [`relation_keys_name_existing_scalar_fields`].
pub(super) fn resolve<'a>(ctx: &Ctx<'a>, model: &'a Block, list: &FieldList<'a>) -> Option<Vec<&'a Field>> {
    let FieldList::Names(names, _) = list else { return None };
    let mut fields: Vec<&Field> = Vec::new();
    for name in names {
        let field = field_named(model, &name.name)?;
        if matches!(ctx.schema.resolve(&field.ty), FieldKind::Model(_) | FieldKind::Unknown)
            || fields.iter().any(|f| std::ptr::eq(*f, field))
        {
            return None;
        }
        fields.push(field);
    }
    (!fields.is_empty()).then_some(fields)
}

/// Both key lists of a relation field, resolved.
fn keys<'a>(ctx: &Ctx<'a>, rf: &RelationField<'a>) -> Option<(Vec<&'a Field>, Vec<&'a Field>)> {
    Some((resolve(ctx, rf.model, &rf.fields())?, resolve(ctx, rf.target, &rf.references())?))
}

pub(super) fn relation_keys_name_existing_scalar_fields(ctx: &mut Ctx) {
    for rf in ctx.relation_fields() {
        for (arg, list, model) in [("fields", rf.fields(), rf.model), ("references", rf.references(), rf.target)] {
            let names = list.names();
            for (n, name) in names.iter().enumerate() {
                if let Some(first) = names[..n].iter().find(|earlier| earlier.name == name.name) {
                    ctx.push(
                        Diagnostic::error(
                            "duplicate-key-field",
                            name.span,
                            format!("`{}` is listed twice in `{arg}` of `{}`", name.name, rf.path()),
                        )
                        .label("listed again")
                        .also(first.span, "first listed here")
                        .help("list each field once"),
                    );
                    continue;
                }
                check_key_field(ctx, rf, arg, model, name);
            }
        }
    }
}

fn check_key_field<'a>(ctx: &mut Ctx<'a>, rf: &RelationField, arg: &str, model: &'a Block, name: &Ident) {
    let model_name = &model.name.name;
    let Some(field) = field_named(model, &name.name) else {
        let code = if arg == "fields" { "unknown-key-field" } else { "unknown-referenced-field" };
        let scalars = model.fields().filter(|f| !matches!(ctx.schema.resolve(&f.ty), FieldKind::Model(_)));
        let mut d = Diagnostic::error(code, name.span, format!("`{model_name}` has no field `{}`", name.name))
            .label(format!("not a field of `{model_name}`"));
        if let Some(suggestion) = closest(&name.name, scalars.map(|f| f.name.name.as_str())) {
            d = d.help(format!("did you mean `{suggestion}`?"));
        } else if arg == "fields" {
            d = d.help(format!("declare the key field in `{model_name}` first, e.g. `{}Id`", rf.field.name.name));
        } else if let Some(id) = single_id(model) {
            d = d.help(format!("reference `{}`, the primary key of `{model_name}`", id.name.name));
        }
        ctx.push(d);
        return;
    };
    let FieldKind::Model(_) = ctx.schema.resolve(&field.ty) else { return };
    // A relation field stores nothing; its own key fields are what to list.
    let inner = field.attribute("relation").map(|a| FieldList::of(RelationArgs::read(a).fields));
    let inner = inner.and_then(|list| resolve(ctx, model, &list));
    let guess = format!("{}Id", name.name);
    let help = match inner {
        Some(fields) => {
            let names = fields.iter().map(|f| f.name.name.as_str()).collect::<Vec<_>>().join(", ");
            format!("list the scalar fields that store the key instead: `{arg}: [{names}]`")
        }
        None if field_named(model, &guess).is_some() => format!("list the scalar field that stores the key: `{guess}`"),
        None => "list the scalar fields that store the key".to_owned(),
    };
    ctx.push(
        Diagnostic::error(
            "relation-field-as-key",
            name.span,
            format!("`{model_name}.{}` is a relation field and cannot be part of `{arg}`", name.name),
        )
        .label("not a scalar field")
        .help(help),
    );
}

pub(super) fn fields_and_references_come_together(ctx: &mut Ctx) {
    let relations = ctx.relations();
    for i in ctx.relation_range() {
        let rf = &relations.fields[i];
        if rf.is_list() {
            continue;
        }
        // When the other side holds the missing half, the split is the error.
        if let Some(j) = relations.opposite[i] {
            let other = &relations.fields[j];
            if other.fields().is_given() || other.references().is_given() {
                continue;
            }
        }
        let (fields, references) = (rf.fields(), rf.references());
        if fields.is_given() && !references.is_given() {
            let help = match (fields.names(), single_id(rf.target)) {
                ([_], Some(id)) => format!("add `references: [{}]`", id.name.name),
                _ => format!(
                    "add `references: [...]` with the fields of `{}` that `fields` point to",
                    rf.target.name.name
                ),
            };
            ctx.push(
                Diagnostic::error(
                    "fields-without-references",
                    rf.arg_span(rf.args.fields),
                    format!("`{}` gives `fields` but no `references`", rf.path()),
                )
                .label("which fields of the other model do these point to?")
                .help(help),
            );
        } else if references.is_given() && !fields.is_given() {
            let key = format!("{}Id", rf.field.name.name);
            let help = if field_named(rf.model, &key).is_some() {
                format!("add `fields: [{key}]`")
            } else {
                format!("add `fields: [...]` with the fields of `{}` that store the key", rf.model.name.name)
            };
            ctx.push(
                Diagnostic::error(
                    "references-without-fields",
                    rf.arg_span(rf.args.references),
                    format!("`{}` gives `references` but no `fields`", rf.path()),
                )
                .label("which fields of this model hold the key?")
                .help(help),
            );
        }
    }
}

pub(super) fn fields_and_references_have_equal_length(ctx: &mut Ctx) {
    for rf in ctx.relation_fields() {
        let (fields, references) = (rf.fields(), rf.references());
        let (FieldList::Names(f, f_span), FieldList::Names(r, r_span)) = (&fields, &references) else { continue };
        let repeats =
            |names: &[&Ident]| names.iter().enumerate().any(|(n, a)| names[..n].iter().any(|b| b.name == a.name));
        // A repeated name is its own error, and usually the cause.
        if f.is_empty() || r.is_empty() || f.len() == r.len() || repeats(f) || repeats(r) {
            continue;
        }
        ctx.push(
            Diagnostic::error(
                "key-length-mismatch",
                *r_span,
                format!("`{}` lists {} `fields` but {} `references`", rf.path(), f.len(), r.len()),
            )
            .label(format!("{} here", r.len()))
            .also(*f_span, format!("{} here", f.len()))
            .help("name one referenced field for each key field, in the same order"),
        );
    }
}

pub(super) fn key_types_match_referenced_types(ctx: &mut Ctx) {
    for rf in ctx.relation_fields() {
        let Some((fields, references)) = keys(ctx, rf) else { continue };
        if fields.len() != references.len() {
            continue;
        }
        let names = rf.fields();
        for ((field, referenced), name) in fields.iter().zip(&references).zip(names.names()) {
            let (ty, referenced_ty) = (type_name(ctx, field), type_name(ctx, referenced));
            if ty == referenced_ty {
                continue;
            }
            let target = &rf.target.name.name;
            ctx.push(
                Diagnostic::error(
                    "key-type-mismatch",
                    name.span,
                    format!(
                        "key field `{}.{}` is `{ty}` but references `{target}.{}`, which is `{referenced_ty}`",
                        rf.model.name.name, field.name.name, referenced.name.name
                    ),
                )
                .label(format!("`{ty}`"))
                .also(referenced.ty.span, format!("`{referenced_ty}`"))
                .help(format!(
                    "change the type of `{}` to `{}`",
                    field.name.name,
                    type_with_native(ctx, referenced)
                )),
            );
        }
    }
}

pub(super) fn references_are_a_unique_criterion(ctx: &mut Ctx) {
    for rf in ctx.relation_fields() {
        if rf.is_list() {
            continue;
        }
        let Some(references) = resolve(ctx, rf.target, &rf.references()) else { continue };
        let names: Vec<&str> = references.iter().map(|f| f.name.name.as_str()).collect();
        if rf.target.is_unique(&names) {
            continue;
        }
        let target = &rf.target.name.name;
        let (message, mut help) = match names.as_slice() {
            [one] => (
                format!("`{}` references `{target}.{one}`, which is not unique", rf.path()),
                format!("add `@unique` to `{target}.{one}`"),
            ),
            _ => (
                format!(
                    "`{}` references `{}` of `{target}`, which are not a unique criterion",
                    rf.path(),
                    names.join("`, `")
                ),
                format!("add `@@unique([{}])` to `{target}`", names.join(", ")),
            ),
        };
        // Part of a compound key: the whole key is what to reference.
        let covering = rf
            .target
            .unique_criteria()
            .into_iter()
            .filter(|c| names.iter().all(|n| c.fields.contains(n)))
            .min_by_key(|c| c.fields.len());
        if let Some(criterion) = covering {
            help.push_str(&format!(
                ", or reference all of `[{}]` (with as many `fields`)",
                criterion.fields.join(", ")
            ));
        } else if let Some(id) = single_id(rf.target).filter(|id| names != [id.name.name.as_str()]) {
            help.push_str(&format!(", or reference `{}` instead", id.name.name));
        }
        ctx.push(
            Diagnostic::error("references-not-unique", rf.arg_span(rf.args.references), message)
                .label("a foreign key must point to a primary key or unique fields")
                .help(help),
        );
    }
}

pub(super) fn one_to_one_keys_are_unique(ctx: &mut Ctx) {
    let relations = ctx.relations();
    for shape in relations.pairs() {
        let Shape::OneToOne { forward, back } = shape else { continue };
        let (f, b) = (&relations.fields[forward], &relations.fields[back]);
        if b.fields().is_given() || relations.fields_are_unique(forward) {
            continue;
        }
        let Some(fields) = resolve(ctx, f.model, &f.fields()) else { continue };
        let names: Vec<&str> = fields.iter().map(|f| f.name.name.as_str()).collect();
        let model = &f.model.name.name;
        let mut help = match names.as_slice() {
            [one] => format!("add `@unique` to `{model}.{one}`"),
            _ => format!("add `@@unique([{}])` to `{model}`", names.join(", ")),
        };
        if f.model.is_unique(&names) {
            help = format!("{help}: a 1:1 key needs a unique criterion listing its fields in the same order");
        }
        help.push_str(&format!(", or make `{}` a list for a 1:n relation", b.path()));
        ctx.push(
            Diagnostic::error(
                "one-to-one-key-not-unique",
                f.arg_span(f.args.fields),
                format!("the key of the 1:1 relation between `{}` and `{}` is not unique", f.path(), b.path()),
            )
            .label("several rows could point to the same one")
            .also(b.field.ty.span, "a single row here")
            .help(help),
        );
    }
}

pub(super) fn required_relations_have_required_keys(ctx: &mut Ctx) {
    for rf in ctx.relation_fields() {
        if !rf.is_required() {
            continue;
        }
        let Some(fields) = resolve(ctx, rf.model, &rf.fields()) else { continue };
        // Prisma counts `?` fields only: a list key is a type mismatch at worst.
        let Some(optional) = fields.iter().find(|f| f.ty.arity == Arity::Optional) else { continue };
        let target = &rf.target.name.name;
        ctx.push(
            Diagnostic::error(
                "required-relation-with-optional-key",
                rf.field.ty.span,
                format!("`{}` is required, but its key field `{}` is optional", rf.path(), optional.name.name),
            )
            .label("required")
            .also(optional.ty.span, "optional")
            .help(format!(
                "make `{}` optional (`{target}?`), or make `{}` required",
                rf.path(),
                optional.name.name
            )),
        );
    }
}

/// The explicit referential actions of a key-holding relation field with
/// the given action.
fn actions<'a>(rf: &RelationField<'a>, action: &str) -> Vec<(&'static str, &'a Expr)> {
    [("onDelete", rf.args.on_delete), ("onUpdate", rf.args.on_update)]
        .into_iter()
        .filter_map(|(arg, value)| value.filter(|v| v.as_constant() == Some(action)).map(|v| (arg, v)))
        .collect()
}

pub(super) fn set_null_only_on_optional_keys(ctx: &mut Ctx) {
    let emulated = ctx.schema.relations_are_emulated();
    for rf in ctx.relation_fields().iter().filter(|rf| !rf.is_list()) {
        let set_null = actions(rf, "SetNull");
        if set_null.is_empty() {
            continue;
        }
        let Some(fields) = resolve(ctx, rf.model, &rf.fields()) else { continue };
        let Some(required) = fields.iter().find(|f| f.ty.arity == Arity::Required) else { continue };
        for (arg, value) in set_null {
            let event = if arg == "onDelete" { "deleting" } else { "changing the key of" };
            let message = format!(
                "`{arg}: SetNull` on `{}` cannot null its required key field `{}`",
                rf.path(),
                required.name.name
            );
            let d = if emulated {
                Diagnostic::error("set-null-on-required-key", value.span(), message)
            } else {
                // Prisma accepts it on PostgreSQL (the database refuses at run time).
                Diagnostic::warning("set-null-on-required-key", value.span(), message)
            };
            ctx.push(
                d.label(format!("{event} a referenced `{}` row will fail", rf.target.name.name))
                    .also(required.ty.span, "required")
                    .help(format!(
                        "make `{}` optional, or choose another action (`Restrict`, `Cascade`)",
                        required.name.name
                    )),
            );
        }
    }
}

pub(super) fn set_default_keys_have_defaults(ctx: &mut Ctx) {
    for rf in ctx.relation_fields().iter().filter(|rf| !rf.is_list()) {
        let set_default = actions(rf, "SetDefault");
        if set_default.is_empty() {
            continue;
        }
        let Some(fields) = resolve(ctx, rf.model, &rf.fields()) else { continue };
        let Some(field) = fields.iter().find(|f| f.ty.arity == Arity::Required && f.attribute("default").is_none())
        else {
            continue;
        };
        for (arg, value) in set_default {
            ctx.push(
                Diagnostic::warning(
                    "set-default-without-default",
                    value.span(),
                    format!(
                        "`{arg}: SetDefault` on `{}`, but key field `{}` has no default",
                        rf.path(),
                        field.name.name
                    ),
                )
                .label("PostgreSQL would set the key to NULL, which the column refuses")
                .also(field.name.span, "no `@default`")
                .help(format!("add `@default(...)` to `{}`, or choose another action", field.name.name)),
            );
        }
    }
}

/// The PostgreSQL type families a `String` key can have: keys of
/// different families cannot form a foreign key (`uuid` vs `text`).
fn string_family(ctx: &Ctx, field: &Field) -> &'static str {
    if !matches!(ctx.schema.resolve(&field.ty), FieldKind::Scalar(Scalar::String)) {
        return "";
    }
    match field.attributes.iter().find_map(|a| a.name.name.strip_prefix("db.")) {
        Some("Uuid") => "uuid",
        Some("Inet") => "inet",
        Some("Xml") => "xml",
        Some("Bit" | "VarBit") => "bit",
        _ => "text",
    }
}

pub(super) fn key_native_types_are_comparable(ctx: &mut Ctx) {
    for rf in ctx.relation_fields().iter().filter(|rf| !rf.is_list()) {
        let Some((fields, references)) = keys(ctx, rf) else { continue };
        let names = rf.fields();
        for ((field, referenced), name) in fields.iter().zip(&references).zip(names.names()) {
            let (family, referenced_family) = (string_family(ctx, field), string_family(ctx, referenced));
            if family.is_empty() || referenced_family.is_empty() || family == referenced_family {
                continue;
            }
            ctx.push(
                Diagnostic::warning(
                    "key-native-type-mismatch",
                    name.span,
                    format!(
                        "key field `{}.{}` is stored as `{family}` but `{}.{}` as `{referenced_family}`",
                        rf.model.name.name, field.name.name, rf.target.name.name, referenced.name.name
                    ),
                )
                .label("PostgreSQL cannot create this foreign key")
                .also(referenced.ty.span, format!("`{referenced_family}`"))
                .help(format!(
                    "give `{}` the referenced field's type: `{}`",
                    field.name.name,
                    type_with_native(ctx, referenced)
                )),
            );
        }
    }
}
