//! The two sides of a relation: every relation field has an opposite
//! field, relations between the same two models are told apart by name,
//! and `fields`/`references` and referential actions sit on the side that
//! stores the foreign key (the single side of a 1:n, one side of a 1:1,
//! neither side of an implicit m:n).

use crate::collections::HashSet;

use super::model::{RelationField, Relations, Shape, field_named, lower_first, plural, type_name};
use crate::ast::Block;
use crate::diagnostics::{Diagnostic, Span};
use crate::validate::Ctx;

pub(super) fn relations_between_two_models_have_distinct_names(ctx: &mut Ctx) {
    let relations = ctx.relations();
    let key = |i: usize| {
        let rf = &relations.fields[i];
        (rf.model.name.name.as_str(), rf.target.name.name.as_str(), rf.name())
    };
    for group in &relations.groups {
        if !relations.ambiguous[group[0]] {
            continue;
        }
        let (model, target, name) = key(group[0]);
        // The fields pointing back are usually just as ambiguous; one
        // diagnostic covers both models.
        let reverse: Vec<usize> = if model == target {
            Vec::new()
        } else {
            relations.groups.iter().find(|g| key(g[0]) == (target, model, name)).cloned().unwrap_or_default()
        };
        if reverse.len() > 1 && target < model {
            continue;
        }
        let fields: Vec<&RelationField> = group.iter().map(|&i| &relations.fields[i]).collect();
        let listed = fields.iter().map(|f| format!("`{}`", f.field.name.name)).collect::<Vec<_>>().join(", ");
        let (code, message, help) = match name {
            None if model == target && fields.len() == 2 => (
                "ambiguous-relation",
                format!("the self-relation fields {listed} of `{model}` have no relation name"),
                format!(
                    "if they are the two sides of one relation, give both the same name, e.g. \
                     `@relation(\"{model}Tree\")`; otherwise give each its own name"
                ),
            ),
            None if model == target => (
                "ambiguous-relation",
                format!("the self-relation fields {listed} of `{model}` have no relation name"),
                "name every relation; the two sides of one relation share a name".to_owned(),
            ),
            None => (
                "ambiguous-relation",
                format!("`{model}` has {} unnamed relations to `{target}`: {listed}", fields.len()),
                format!(
                    "name each relation, with the same name on both sides, e.g. `@relation(\"{}{}\")` \
                     on `{}` and on its opposite field in `{target}`",
                    target,
                    upper_first(&fields[1].field.name.name),
                    fields[1].field.name.name
                ),
            ),
            Some(name) if model == target => (
                "duplicate-relation-name",
                format!("relation name `{name}` is used by {} fields of `{model}`: {listed}", fields.len()),
                "a relation has two sides, so at most two fields share its name; rename the others".to_owned(),
            ),
            Some(name) => (
                "duplicate-relation-name",
                format!(
                    "relation name `{name}` is used by {} fields of `{model}` that point to `{target}`",
                    fields.len()
                ),
                format!(
                    "each relation between `{model}` and `{target}` needs its own name; rename one of \
                     {listed} and its opposite field"
                ),
            ),
        };
        let mut d = Diagnostic::error(code, fields[1].field.name.span, message)
            .label("ambiguous: cannot tell which relation this field belongs to");
        for (n, other) in fields.iter().enumerate().filter(|(n, _)| *n != 1) {
            d = d.also(other.field.name.span, if n == 0 { "also points to the same model" } else { "and this one" });
        }
        for &i in reverse.iter() {
            let other = &relations.fields[i];
            d = d.also(other.field.name.span, format!("`{target}` points back just as ambiguously"));
        }
        ctx.push(d.help(help));
    }
}

pub(super) fn every_relation_field_has_an_opposite_field(ctx: &mut Ctx) {
    let relations = ctx.relations();
    let lonely = |i: usize| relations.opposite[i].is_none() && !relations.ambiguous[i];
    let mut reported = HashSet::default();
    for i in 0..relations.fields.len() {
        if !lonely(i) || reported.contains(&i) {
            continue;
        }
        let rf = &relations.fields[i];
        // A lonely field on the other side pointing back is the opposite
        // under another name.
        let partner = (0..relations.fields.len()).find(|&j| {
            let other = &relations.fields[j];
            j != i
                && lonely(j)
                && !reported.contains(&j)
                && std::ptr::eq(other.model, rf.target)
                && std::ptr::eq(other.target, rf.model)
        });
        if let Some(j) = partner {
            reported.insert(i);
            reported.insert(j);
            let other = &relations.fields[j];
            let name_of = |f: &RelationField| f.name().map_or("no name".to_owned(), |n| format!("name `{n}`"));
            let name = rf.name().or(other.name()).unwrap_or_default();
            ctx.push(
                Diagnostic::error(
                    "relation-name-mismatch",
                    name_span(rf),
                    format!("`{}` and `{}` give their relation different names", rf.path(), other.path()),
                )
                .label(name_of(rf))
                .also(name_span(other), name_of(other))
                .help(format!("use the same name on both sides: `@relation(\"{name}\")`")),
            );
            continue;
        }
        let target = &rf.target.name.name;
        let help = match opposite_suggestion(ctx, relations, i) {
            Some(fields) => format!("add {fields} to model `{target}`"),
            None => format!("add a field of type `{}` to model `{target}`", rf.model.name.name),
        };
        let named = rf.name().map_or(String::new(), |n| format!(" under the name `{n}`"));
        ctx.push(
            Diagnostic::error(
                "missing-opposite-relation-field",
                rf.field.name.span,
                format!("`{}` has no opposite relation field in `{target}`", rf.path()),
            )
            .label(format!("no field of `{target}` points back to `{}`{named}", rf.model.name.name))
            .help(help),
        );
    }
}

/// The field (or key field and field) to add on the other side.
fn opposite_suggestion(ctx: &Ctx, relations: &Relations, i: usize) -> Option<String> {
    let rf = &relations.fields[i];
    let model = &rf.model.name.name;
    let name_arg = rf.name().map(|n| format!("\"{n}\""));
    if !rf.is_list() {
        let one_to_one = relations.fields_are_unique(i);
        let base = if one_to_one { lower_first(model) } else { plural(&lower_first(model)) };
        let name = free_name(rf.target, base, &rf.field.name.name);
        let arity = if one_to_one { "?" } else { "[]" };
        let attribute = name_arg.map_or(String::new(), |n| format!(" @relation({n})"));
        return Some(format!("`{name} {model}{arity}{attribute}`"));
    }
    let id = single_id(rf.model)?;
    let name = free_name(rf.target, lower_first(model), &rf.field.name.name);
    let key = free_name(rf.target, format!("{name}Id"), &rf.field.name.name);
    let args = match name_arg {
        Some(n) => format!("{n}, fields: [{key}], references: [{}]", id.name.name),
        None => format!("fields: [{key}], references: [{}]", id.name.name),
    };
    let ty = type_with_native(ctx, id);
    let (ty, native) = ty.split_once(' ').map_or((ty.as_str(), String::new()), |(t, n)| (t, format!(" {n}")));
    Some(format!("`{key} {ty}?{native}` and `{name} {model}? @relation({args})`"))
}

/// `base`, or `base` with the other field's name appended when taken.
fn free_name(block: &Block, base: String, other_field: &str) -> String {
    if field_named(block, &base).is_none() { base } else { format!("{base}{}", upper_first(other_field)) }
}

pub(super) fn upper_first(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// The model's only `@id` field (or the one field of its `@@id`).
pub(super) fn single_id(block: &Block) -> Option<&crate::ast::Field> {
    let primary = block.unique_criteria().into_iter().find(|c| c.primary)?;
    match primary.fields.as_slice() {
        [only] => field_named(block, only),
        _ => None,
    }
}

/// `String @db.Uuid`: a field's type with its native type, for suggesting
/// a key field that matches it.
pub(super) fn type_with_native(ctx: &Ctx, field: &crate::ast::Field) -> String {
    let ty = type_name(ctx, field);
    match field.attributes.iter().find(|a| a.name.name.starts_with("db.")) {
        Some(native) => format!("{ty} {}", ctx.text(native.span)),
        None => ty,
    }
}

/// The relation name argument, else the field name.
fn name_span(rf: &RelationField) -> Span {
    rf.args.name.map_or(rf.field.name.span, |n| n.span())
}

/// How to give a relation field its key: `add `patientId String @db.Uuid`
/// to `Consent` and `@relation(fields: [patientId], references: [id])` to
/// `Consent.patient``, or only the attribute when `patientId` exists.
pub(super) fn key_suggestion(ctx: &Ctx, rf: &RelationField, unique: bool) -> Option<String> {
    let id = single_id(rf.target)?;
    let key = format!("{}Id", rf.field.name.name);
    let name = rf.name().map_or(String::new(), |n| format!("\"{n}\", "));
    let attribute = format!("`@relation({name}fields: [{key}], references: [{}])` to `{}`", id.name.name, rf.path());
    if field_named(rf.model, &key).is_some() {
        return Some(format!("add {attribute}"));
    }
    let arity = if rf.is_required() { "" } else { "?" };
    let unique = if unique { " @unique" } else { "" };
    let ty = type_with_native(ctx, id);
    let (ty, native) = ty.split_once(' ').map_or((ty.as_str(), String::new()), |(t, n)| (t, format!(" {n}")));
    Some(format!("add `{key} {ty}{arity}{native}{unique}` to `{}` and {attribute}", rf.model.name.name))
}

pub(super) fn one_to_one_relations_have_one_key_side(ctx: &mut Ctx) {
    let relations = ctx.relations();
    for shape in relations.pairs() {
        let Shape::OneToOne { forward, back } = shape else { continue };
        let (f, b) = (&relations.fields[forward], &relations.fields[back]);
        let (ff, fr) = (f.fields().is_given(), f.references().is_given());
        let (bf, br) = (b.fields().is_given(), b.references().is_given());
        let pair = format!("between `{}` and `{}`", f.path(), b.path());

        if (ff && bf) || (fr && br) {
            ctx.push(
                Diagnostic::error(
                    "relation-keys-on-both-sides",
                    b.attribute_span(),
                    format!("both sides of the 1:1 relation {pair} give `fields`/`references`"),
                )
                .label("remove `fields` and `references` here")
                .also(f.attribute_span(), "or here")
                .help(if f.is_required() && !b.is_required() {
                    format!("keep them on `{}`, the required side, and remove them from `{}`", f.path(), b.path())
                } else {
                    "keep them on one side only: the side whose table should store the foreign key".to_owned()
                }),
            );
        } else if (ff && br) || (bf && fr) {
            let (with_fields, with_references) = if ff { (f, b) } else { (b, f) };
            ctx.push(
                Diagnostic::error(
                    "relation-keys-split",
                    with_references.arg_span(with_references.args.references),
                    format!("`fields` and `references` of the relation {pair} sit on different sides"),
                )
                .label("`references` is here")
                .also(with_fields.arg_span(with_fields.args.fields), "`fields` is here")
                .help(format!("move `references` to `{}`, next to `fields`", with_fields.path())),
            );
        } else if !(ff || fr || bf || br) {
            let help = key_suggestion(ctx, f, true)
                .unwrap_or_else(|| format!("give `{}` `@relation(fields: [...], references: [...])`", f.path()));
            ctx.push(
                Diagnostic::error(
                    "relation-without-keys",
                    f.field.name.span,
                    format!("the 1:1 relation {pair} does not say which fields hold the foreign key"),
                )
                .label("add `fields` and `references` here")
                .also(b.field.name.span, "the other side")
                .help(help),
            );
        } else if f.is_required() && !b.is_required() && !(ff || fr) {
            ctx.push(
                Diagnostic::error(
                    "relation-keys-on-optional-side",
                    b.attribute_span(),
                    format!("the foreign key of the 1:1 relation {pair} is on its optional side"),
                )
                .label(format!("`{}` is optional", b.path()))
                .also(f.field.ty.span, format!("`{}` is required", f.path()))
                .help(format!(
                    "move `fields` and `references` to `{}` so the database enforces it, or make `{}` \
                     optional and `{}` required",
                    f.path(),
                    f.path(),
                    b.path()
                )),
            );
        }

        if f.is_required() && b.is_required() {
            let ty = &f.model.name.name;
            ctx.push(
                Diagnostic::error(
                    "one-to-one-required-on-both-sides",
                    b.field.ty.span,
                    format!("both sides of the 1:1 relation {pair} are required"),
                )
                .label("make this side optional")
                .also(f.field.ty.span, "required here too")
                .help(format!(
                    "change the type of `{}` to `{ty}?`: no database can insist on a row at both ends",
                    b.path()
                )),
            );
        }
    }
}

pub(super) fn one_to_many_keys_sit_on_the_single_side(ctx: &mut Ctx) {
    let relations = ctx.relations();
    for shape in relations.pairs() {
        let Shape::OneToMany { forward, back } = shape else { continue };
        let (f, b) = (&relations.fields[forward], &relations.fields[back]);
        if b.fields().is_given() || b.references().is_given() {
            ctx.push(
                Diagnostic::error(
                    "relation-keys-on-list-side",
                    b.attribute_span(),
                    format!("`{}` is the list side of a 1:n relation and cannot hold `fields`/`references`", b.path()),
                )
                .label("remove `fields` and `references` here")
                .also(f.field.name.span, "the foreign key belongs here")
                .help(format!("give `{}` the `fields` and `references` instead", f.path())),
            );
        }
        if !f.fields().is_given() && !f.references().is_given() {
            let help = key_suggestion(ctx, f, false)
                .unwrap_or_else(|| format!("give `{}` `@relation(fields: [...], references: [...])`", f.path()));
            ctx.push(
                Diagnostic::error(
                    "relation-without-keys",
                    f.field.name.span,
                    format!("`{}` does not say which fields hold the foreign key", f.path()),
                )
                .label("no `fields` and `references`")
                .help(help),
            );
        }
    }
}

pub(super) fn many_to_many_relations_are_implicit(ctx: &mut Ctx) {
    let relations = ctx.relations();
    for shape in relations.pairs() {
        let Shape::ManyToMany { a, b } = shape else { continue };
        let sides = [&relations.fields[a], &relations.fields[b]];
        for side in sides {
            if side.fields().is_given() || side.references().is_given() {
                ctx.push(
                    Diagnostic::error(
                        "many-to-many-with-keys",
                        side.attribute_span(),
                        format!(
                            "`{}` is a side of a many-to-many relation and cannot take `fields`/`references`",
                            side.path()
                        ),
                    )
                    .label("remove `fields` and `references`")
                    .help(
                        "Prisma keeps the join table of an implicit many-to-many relation itself; to \
                         choose its columns, model the join table with two 1:n relations",
                    ),
                );
            }
            for action in [side.args.on_delete, side.args.on_update].into_iter().flatten() {
                ctx.push(
                    Diagnostic::error(
                        "many-to-many-referential-action",
                        action.span(),
                        format!(
                            "`{}` is a side of a many-to-many relation and takes no referential actions",
                            side.path()
                        ),
                    )
                    .label("remove this")
                    .help(
                        "the implicit join table always cascades; for other actions, model the join \
                         table with two 1:n relations",
                    ),
                );
            }
        }
        // A self-relation has one model to check, not two.
        let targets: Vec<&RelationField> = if sides[0].is_self_relation() { vec![sides[0]] } else { sides.to_vec() };
        for side in targets {
            if single_id(side.target).is_some() {
                continue;
            }
            let target = &side.target.name.name;
            ctx.push(
                Diagnostic::error(
                    "many-to-many-without-single-id",
                    side.field.name.span,
                    format!(
                        "the many-to-many relation `{}` needs `{target}` to have a single-field `@id`",
                        side.path()
                    ),
                )
                .label(format!("`{target}` has no single-field `@id`"))
                .also(side.target.name.span, format!("`{target}` defined here"))
                .help(format!(
                    "give `{target}` an `@id` field, or model the join table explicitly with two 1:n relations"
                )),
            );
        }
    }
}

pub(super) fn referential_actions_sit_on_the_key_side(ctx: &mut Ctx) {
    let relations = ctx.relations();
    for shape in relations.pairs() {
        let (forward, back) = match shape {
            Shape::OneToMany { forward, back } => (forward, back),
            Shape::OneToOne { forward, back } => (forward, back),
            Shape::ManyToMany { .. } => continue,
        };
        let (f, b) = (&relations.fields[forward], &relations.fields[back]);
        if !b.has_actions() {
            continue;
        }
        // When the keys themselves are misplaced, that is the error to fix.
        let keys_on_forward_only = (f.fields().is_given() || f.references().is_given())
            && !(b.fields().is_given() || b.references().is_given());
        if !keys_on_forward_only {
            continue;
        }
        let action = b.args.on_delete.or(b.args.on_update).expect("has actions");
        let moved = [("onDelete", b.args.on_delete), ("onUpdate", b.args.on_update)]
            .iter()
            .filter_map(|(name, value)| value.map(|v| format!("`{name}: {}`", ctx.text(v.span()))))
            .collect::<Vec<_>>()
            .join(" and ");
        ctx.push(
            Diagnostic::error(
                "referential-action-on-back-side",
                action.span(),
                format!("`{}` does not hold the foreign key, so it takes no referential actions", b.path()),
            )
            .label("remove this")
            .also(f.attribute_span(), "the foreign key is defined here")
            .help(format!("move {moved} to the `@relation` of `{}`", f.path())),
        );
    }
}
