//! Field and block attributes: which attributes exist where, that none is
//! given twice, their arguments ([`arguments`]), `@default` values that fit
//! their field ([`defaults`]), and `@updatedAt`, `@id`, `@unique`, `@map`
//! and `@ignore` used on fields that can carry them.
//!
//! `@relation` is known here but its arguments are the relation rules'
//! business; `@db.*` native types belong to the type rules, so every dotted
//! field attribute is left alone.

mod arguments;
mod defaults;

pub(super) use arguments::INDEX_TYPES;

use super::{Ctx, Rule, closest};
use crate::ast::{Arity, Attribute, Block, BlockKind, Expr, Field};
use crate::diagnostics::{Diagnostic, Span};
use crate::schema::{FieldKind, Scalar};

pub(super) const CHECKS: &[Rule] = &[
    Rule::blocks("every_attribute_is_known", every_attribute_is_known),
    Rule::blocks("no_attribute_is_given_twice", no_attribute_is_given_twice),
    Rule::blocks("attribute_arguments_fit_their_parameters", arguments::attribute_arguments_fit_their_parameters),
    Rule::blocks("defaults_fit_their_fields", defaults::defaults_fit_their_fields),
    Rule::blocks("updated_at_is_on_datetime_fields", updated_at_is_on_datetime_fields),
    Rule::blocks("ids_are_on_required_scalar_fields", ids_are_on_required_scalar_fields),
    Rule::blocks("relation_fields_take_no_column_attributes", relation_fields_take_no_column_attributes),
    Rule::blocks("ignore_is_used_where_it_has_an_effect", ignore_is_used_where_it_has_an_effect),
];

/// Where an attribute stands; each place has its own known attributes.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    ScalarField,
    RelationField,
    EnumValue,
    Model,
    Enum,
}

impl Place {
    fn known(self) -> &'static [&'static str] {
        match self {
            Place::ScalarField => &["id", "unique", "default", "updatedAt", "map", "relation", "ignore", "shardKey"],
            // Prisma reads `@id`, `@default`, `@map` and `@unique` on a
            // relation field only to reject them with a reason (below).
            Place::RelationField => &["relation", "ignore", "id", "default", "map", "unique"],
            Place::EnumValue => &["map"],
            Place::Model => &["id", "unique", "index", "map", "ignore", "schema", "fulltext", "shardKey"],
            Place::Enum => &["map", "schema"],
        }
    }

    /// Attributes that may be given more than once at this place.
    fn repeatable(self, name: &str) -> bool {
        self == Place::Model && matches!(name, "unique" | "index" | "fulltext")
    }

    fn describe(self) -> &'static str {
        match self {
            Place::ScalarField => "a field attribute",
            Place::RelationField => "an attribute of relation fields",
            Place::EnumValue => "an attribute of enum values",
            Place::Model => "a model attribute",
            Place::Enum => "an enum attribute",
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            Place::Model | Place::Enum => "@@",
            _ => "@",
        }
    }
}

/// The attributes of each field, enum value and block, with the place
/// they stand at; fields of unknown type (already reported) and composite
/// types (not on PostgreSQL) are skipped.
fn attribute_groups<'a>(ctx: &Ctx<'a>) -> Vec<(Place, Group<'a>)> {
    let mut groups = Vec::new();
    for block in ctx.blocks() {
        let (member_place, block_place) = match block.kind {
            BlockKind::Model | BlockKind::View => (None, Place::Model),
            BlockKind::Enum => (Some(Place::EnumValue), Place::Enum),
            _ => continue,
        };
        for field in block.fields() {
            let place = match ctx.schema.resolve(&field.ty) {
                FieldKind::Unknown | FieldKind::Composite(_) => continue,
                FieldKind::Model(_) => Place::RelationField,
                _ => Place::ScalarField,
            };
            groups.push((place, Group::Member(&field.attributes)));
        }
        if let Some(place) = member_place {
            groups.extend(block.values().map(|v| (place, Group::Member(&v.attributes))));
        }
        groups.push((block_place, Group::Block(block.attributes().map(|a| &a.attribute).collect())));
    }
    groups
}

/// The attributes at one place. A field's and an enum value's are its own
/// list, borrowed: three rules group every attribute of the schema, and a
/// list of references per field cost them more than their checks.
enum Group<'a> {
    Member(&'a [Attribute]),
    /// A block's attributes, each on its own line among the members.
    Block(Vec<&'a Attribute>),
}

/// Every attribute of `groups` with the place it stands at.
fn placed<'g, 'a>(groups: &'g [(Place, Group<'a>)]) -> impl Iterator<Item = (Place, &'a Attribute)> + 'g {
    groups.iter().flat_map(|(place, group)| group.iter().map(move |a| (*place, a)))
}

impl<'a> Group<'a> {
    fn len(&self) -> usize {
        match self {
            Group::Member(attributes) => attributes.len(),
            Group::Block(attributes) => attributes.len(),
        }
    }

    fn get(&self, i: usize) -> &'a Attribute {
        match self {
            Group::Member(attributes) => &attributes[i],
            Group::Block(attributes) => attributes[i],
        }
    }

    fn iter(&self) -> impl Iterator<Item = &'a Attribute> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }
}

fn is_native_type(place: Place, attribute: &Attribute) -> bool {
    matches!(place, Place::ScalarField | Place::RelationField) && attribute.name.name.contains('.')
}

fn every_attribute_is_known(ctx: &mut Ctx) {
    let groups = attribute_groups(ctx);
    for (place, attribute) in placed(&groups) {
        let name = attribute.name.name.as_str();
        if is_native_type(place, attribute) {
            continue;
        }
        let prefix = place.prefix();
        if place.known().contains(&name) {
            if let Some(help) = unsupported_on_postgresql(name) {
                ctx.push(
                    Diagnostic::error(
                        "attribute-not-on-postgresql",
                        attribute.span,
                        format!("`{prefix}{name}` is not supported on PostgreSQL"),
                    )
                    .label("PostgreSQL has no such index or key")
                    .help(help),
                );
            }
            continue;
        }
        // What to suggest: attributes that work here on PostgreSQL.
        let known = place.known().iter().filter(|k| {
            unsupported_on_postgresql(k).is_none()
                && (place != Place::RelationField || matches!(**k, "relation" | "ignore"))
        });
        let list = known.clone().map(|k| format!("`{prefix}{k}`")).collect::<Vec<_>>().join(", ");
        let mut diagnostic = Diagnostic::error(
            "unknown-attribute",
            Span { end: attribute.name.span.end, ..attribute.span },
            format!("unknown attribute `{prefix}{name}`"),
        )
        .label(format!("not {}", place.describe()));
        diagnostic = match closest(name, known.copied()) {
            Some(suggestion) => diagnostic.help(format!("did you mean `{prefix}{suggestion}`?")),
            None if place == Place::RelationField && name == "updatedAt" => {
                diagnostic.help("a relation field has no column; put `@updatedAt` on a `DateTime` field")
            }
            None => diagnostic.help(format!("the attributes allowed here are {list}")),
        };
        ctx.push(diagnostic);
    }
}

/// Attributes Prisma knows from other databases, and what to do instead.
fn unsupported_on_postgresql(name: &str) -> Option<&'static str> {
    match name {
        "fulltext" => Some("for full-text search, index a `tsvector` column with `@@index([...], type: Gin)`"),
        "shardKey" => Some("shard keys exist only for PlanetScale (MySQL); remove it"),
        _ => None,
    }
}

fn no_attribute_is_given_twice(ctx: &mut Ctx) {
    for (place, attributes) in attribute_groups(ctx) {
        for (i, attribute) in attributes.iter().enumerate() {
            let name = attribute.name.name.as_str();
            if !place.known().contains(&name) || place.repeatable(name) {
                continue;
            }
            let Some(first) = attributes.iter().take(i).find(|a| a.name.name == name) else { continue };
            let prefix = place.prefix();
            ctx.push(
                Diagnostic::error("duplicate-attribute", attribute.span, format!("`{prefix}{name}` is given twice"))
                    .label("given again here")
                    .also(first.span, "first given here")
                    .help(format!("keep one `{prefix}{name}`")),
            );
        }
    }
}

fn updated_at_is_on_datetime_fields(ctx: &mut Ctx) {
    for model in ctx.models() {
        for field in model.fields() {
            let Some(attribute) = field.attribute("updatedAt") else { continue };
            let kind = ctx.schema.resolve(&field.ty);
            if matches!(kind, FieldKind::Unknown | FieldKind::Model(_) | FieldKind::Composite(_)) {
                continue;
            }
            let name = &field.name.name;
            if !matches!(kind, FieldKind::Scalar(Scalar::DateTime)) {
                ctx.push(
                    Diagnostic::error(
                        "updated-at-type",
                        attribute.span,
                        format!("`@updatedAt` on `{name}`, which is not a `DateTime`"),
                    )
                    .label(format!("`{name}` is `{}`", ctx.text(field.ty.span)))
                    .also(field.ty.span, "the field's type")
                    .help("`@updatedAt` stores the time of the last update: use it on a `DateTime` field"),
                );
            } else if field.ty.arity == Arity::List {
                ctx.push(
                    Diagnostic::error("updated-at-list", attribute.span, format!("`@updatedAt` on the list `{name}`"))
                        .label("a list cannot hold the time of the last update")
                        .help("make the field a single `DateTime`"),
                );
            }
        }
    }
}

fn ids_are_on_required_scalar_fields(ctx: &mut Ctx) {
    for model in ctx.models() {
        let ignored = is_ignored(model);
        for field in model.fields() {
            let Some(attribute) = field.attribute("id") else { continue };
            let name = &field.name.name;
            match ctx.schema.resolve(&field.ty) {
                FieldKind::Unknown | FieldKind::Composite(_) => {}
                FieldKind::Model(_) => ctx.push(
                    Diagnostic::error(
                        "id-on-relation-field",
                        attribute.span,
                        format!("relation field `{name}` cannot be the primary key"),
                    )
                    .label("a relation field has no column")
                    .help(suggest_scalar_fields("@id", field)),
                ),
                _ if field.ty.arity != Arity::Required && !ignored => {
                    let what = if field.ty.arity == Arity::List { "a list" } else { "optional" };
                    ctx.push(
                        Diagnostic::error(
                            "optional-id",
                            attribute.span,
                            format!("primary key field `{name}` is {what}"),
                        )
                        .label("a primary key column cannot be null or a list")
                        .also(field.ty.span, "make this a single required type")
                        .help(format!("write `{name} {}` without `?` or `[]`", type_name(ctx, field))),
                    );
                }
                _ => {}
            }
        }
    }
}

fn relation_fields_take_no_column_attributes(ctx: &mut Ctx) {
    for model in ctx.models() {
        for field in model.fields() {
            if !matches!(ctx.schema.resolve(&field.ty), FieldKind::Model(_)) {
                continue;
            }
            let name = &field.name.name;
            if let Some(attribute) = field.attribute("unique") {
                ctx.push(
                    Diagnostic::error(
                        "unique-on-relation-field",
                        attribute.span,
                        format!("relation field `{name}` cannot be `@unique`"),
                    )
                    .label("a relation field has no column to make unique")
                    .help(suggest_scalar_fields("@unique", field)),
                );
            }
            if let Some(attribute) = field.attribute("map") {
                ctx.push(
                    Diagnostic::error(
                        "map-on-relation-field",
                        attribute.span,
                        format!("relation field `{name}` cannot be mapped to a column"),
                    )
                    .label("a relation field has no column")
                    .help("name the foreign key with `@relation(..., map: \"...\")`, or map its scalar fields"),
                );
            }
        }
    }
}

fn ignore_is_used_where_it_has_an_effect(ctx: &mut Ctx) {
    for model in ctx.models() {
        let model_ignore = model.attributes_named("ignore").next();
        for field in model.fields() {
            let Some(attribute) = field.attribute("ignore") else { continue };
            let name = &field.name.name;
            if let Some(model_ignore) = model_ignore {
                ctx.push(
                    Diagnostic::error(
                        "redundant-ignore",
                        attribute.span,
                        format!("`@ignore` on `{name}` in a model that is ignored"),
                    )
                    .label("already ignored with its model")
                    .also(model_ignore.span, "the whole model is ignored here")
                    .help("remove the field's `@ignore`"),
                );
            } else if matches!(ctx.schema.resolve(&field.ty), FieldKind::Unsupported) {
                ctx.push(
                    Diagnostic::error(
                        "ignore-on-unsupported",
                        attribute.span,
                        format!("`@ignore` on `{name}`, whose type is `Unsupported`"),
                    )
                    .label("`Unsupported` fields are already left out of the client")
                    .help("remove `@ignore`"),
                );
            }
        }
    }
}

/// Whether a model carries `@@ignore`.
pub(super) fn is_ignored(block: &Block) -> bool {
    block.attributes_named("ignore").next().is_some()
}

/// "put it on `authorId`" for a relation field with `fields: [authorId]`.
fn suggest_scalar_fields(attribute: &str, field: &Field) -> String {
    let fields = field
        .attribute("relation")
        .and_then(|r| r.named("fields"))
        .map(|list| match list {
            Expr::Array(items, _) => items.iter().filter_map(Expr::field_ref_name).collect::<Vec<_>>(),
            _ => Vec::new(),
        })
        .unwrap_or_default();
    match fields.as_slice() {
        [] => format!("put `{attribute}` on a scalar field"),
        [one] => format!("put `{attribute}` on its foreign key field `{one}`"),
        many => {
            let block = if attribute == "@id" { "@@id" } else { "@@unique" };
            format!("use `{block}([{}])` on its foreign key fields", many.join(", "))
        }
    }
}

/// The type of a field without `?` or `[]`.
fn type_name<'a>(ctx: &Ctx<'a>, field: &Field) -> &'a str {
    ctx.text(field.ty.span).trim_end().trim_end_matches(['?', '[', ']'])
}

/// Whether a generator lists this preview feature (Prisma compares them
/// without regard to case).
pub(super) fn preview_feature(ctx: &Ctx, feature: &str) -> bool {
    ctx.schema.generators.iter().any(|generator| match generator.property("previewFeatures").map(|p| &p.value) {
        Some(Expr::Array(items, _)) => {
            items.iter().any(|i| i.as_str().is_some_and(|s| s.eq_ignore_ascii_case(feature)))
        }
        // Prisma also reads a single string as a list of one.
        Some(Expr::String(s)) => s.value().eq_ignore_ascii_case(feature),
        _ => false,
    })
}
