//! Relations in the database: a foreign key for every relation field with
//! `fields`/`references`, and a join table for every implicit many-to-many
//! relation, named and shaped exactly as Prisma Migrate creates them.

use crate::collections::HashSet;

use super::{column_names, field_named, qualified};
use crate::ast::{Arity, Block, BlockKind, Expr, Field};
use crate::schema::names::{MAX_IDENTIFIER_BYTES, default_constraint_name};
use crate::schema::{FieldKind, Schema};
use crate::sql::{Column, ForeignKey, Index, IndexColumn, PrimaryKey, ReferentialAction, Table};

/// The foreign keys a model's relation fields define.
pub(super) fn foreign_keys(schema: &Schema, model: &Block, table: &str) -> Vec<ForeignKey> {
    let mut keys = Vec::new();
    for field in model.fields() {
        let FieldKind::Model(target) = schema.resolve(&field.ty) else { continue };
        let Some(relation) = field.attribute("relation") else { continue };
        let (Some(fields), Some(references)) = (names(relation.named("fields")), names(relation.named("references")))
        else {
            continue;
        };
        if target.kind != BlockKind::Model || fields.is_empty() {
            continue;
        }
        let columns = column_names(model, &fields);
        let name = match relation.named("map").and_then(Expr::as_str) {
            Some(name) => name.to_owned(),
            None => {
                let names: Vec<&str> = columns.iter().map(String::as_str).collect();
                default_constraint_name(table, &names, "_fkey")
            }
        };
        // Prisma's defaults: a key that cannot be NULL restricts deletes,
        // one that can is cleared.
        let required = fields.iter().any(|f| field_named(model, f).is_some_and(|f| f.ty.arity == Arity::Required));
        let on_delete = action(relation.named("onDelete")).unwrap_or(if required {
            ReferentialAction::Restrict
        } else {
            ReferentialAction::SetNull
        });
        keys.push(ForeignKey {
            name,
            columns,
            referenced_table: qualified(target),
            referenced_columns: column_names(target, &references),
            on_delete,
            on_update: action(relation.named("onUpdate")).unwrap_or(ReferentialAction::Cascade),
        });
    }
    keys
}

/// `[a, b]`, or a lone `a`.
fn names(expr: Option<&Expr>) -> Option<Vec<&str>> {
    match expr? {
        Expr::Constant(name) => Some(vec![name.name.as_str()]),
        Expr::Array(items, _) => items.iter().map(Expr::as_constant).collect(),
        _ => None,
    }
}

fn action(expr: Option<&Expr>) -> Option<ReferentialAction> {
    Some(match expr?.as_constant()? {
        "Cascade" => ReferentialAction::Cascade,
        "Restrict" => ReferentialAction::Restrict,
        "NoAction" => ReferentialAction::NoAction,
        "SetNull" => ReferentialAction::SetNull,
        "SetDefault" => ReferentialAction::SetDefault,
        _ => return None,
    })
}

/// The relation name of a relation field, if it has one.
fn relation_name(field: &Field) -> Option<&str> {
    let relation = field.attribute("relation")?;
    let name = relation.positional().or_else(|| relation.named("name"))?.as_str()?;
    (!name.is_empty()).then_some(name)
}

fn is_list(field: &Field) -> bool {
    matches!(field.ty.arity, Arity::List | Arity::OptionalList)
}

/// One join table per implicit many-to-many relation: `_AToB` (model
/// names in byte order) or `_RelationName`, with columns `A` and `B`
/// referencing the two models' ids, in model A's schema. Without foreign
/// keys when Prisma emulates relations.
pub(super) fn join_tables(schema: &Schema, models: &[&Block], emulated: bool) -> Vec<Table> {
    let mut seen: HashSet<(&str, &str, Option<&str>)> = HashSet::default();
    let mut tables = Vec::new();
    for &model in models {
        for field in model.fields().filter(|f| is_list(f)) {
            let FieldKind::Model(target) = schema.resolve(&field.ty) else { continue };
            if target.kind != BlockKind::Model {
                continue;
            }
            let name = relation_name(field);
            let opposite = target.fields().find(|other| {
                !std::ptr::eq(*other, field)
                    && matches!(schema.resolve(&other.ty), FieldKind::Model(m) if std::ptr::eq(m, model))
                    && relation_name(other) == name
            });
            if !opposite.is_some_and(is_list) {
                continue;
            }
            let (a, b) = if model.name.name <= target.name.name { (model, target) } else { (target, model) };
            if seen.insert((&a.name.name, &b.name.name, name)) {
                tables.extend(join_table(schema, a, b, name, emulated));
            }
        }
    }
    tables
}

/// The join table of the implicit many-to-many relation between models
/// `a` and `b` (in byte order) named `relation`, if it has a name:
/// `_RelationName` or `_AToB`, cut as Prisma cuts it.
pub(crate) fn join_table_name(a: &str, b: &str, relation: Option<&str>) -> String {
    let full = match relation {
        Some(name) => format!("_{name}"),
        None => format!("_{a}To{b}"),
    };
    truncate(&full)
}

fn join_table(schema: &Schema, a: &Block, b: &Block, relation: Option<&str>, emulated: bool) -> Option<Table> {
    let table = join_table_name(&a.name.name, &b.name.name, relation);
    let id_column = |model: &Block, name: &str| -> Option<(Column, String)> {
        let id = single_id(model)?;
        let mut column = super::columns::column(schema, id)?;
        let referenced = column.name.clone();
        column.name = name.to_owned();
        column.nullable = false;
        column.array = false;
        column.default = None;
        Some((column, referenced))
    };
    let (column_a, referenced_a) = id_column(a, "A")?;
    let (column_b, referenced_b) = id_column(b, "B")?;
    let mut schema_table = Table {
        name: crate::sql::QualifiedName { schema: qualified(a).schema, name: table.clone() },
        columns: vec![column_a, column_b],
        primary_key: Some(PrimaryKey {
            name: default_constraint_name(&table, &[], "_AB_pkey"),
            columns: vec![IndexColumn::plain("A"), IndexColumn::plain("B")],
        }),
        indexes: vec![Index {
            name: default_constraint_name(&table, &[], "_B_index"),
            unique: false,
            columns: vec![IndexColumn::plain("B")],
            method: None,
            predicate: None,
        }],
        foreign_keys: Vec::new(),
        immutable: None,
    };
    if !emulated {
        for (column, model, referenced) in [("A", a, referenced_a), ("B", b, referenced_b)] {
            schema_table.foreign_keys.push(ForeignKey {
                name: default_constraint_name(&table, &[], &format!("_{column}_fkey")),
                columns: vec![column.to_owned()],
                referenced_table: qualified(model),
                referenced_columns: vec![referenced],
                on_delete: ReferentialAction::Cascade,
                on_update: ReferentialAction::Cascade,
            });
        }
    }
    Some(schema_table)
}

/// The model's one id field: `@id`, or the only field of `@@id`.
fn single_id(model: &Block) -> Option<&Field> {
    if let Some(id) = model.fields().find(|f| f.attribute("id").is_some()) {
        return Some(id);
    }
    let primary = model.unique_criteria().into_iter().find(|c| c.primary)?;
    match primary.fields.as_slice() {
        [only] => field_named(model, only),
        _ => None,
    }
}

/// A name cut to PostgreSQL's identifier length on a character boundary,
/// as Prisma cuts join table names.
fn truncate(name: &str) -> String {
    let mut cut = name.len().min(MAX_IDENTIFIER_BYTES);
    while !name.is_char_boundary(cut) {
        cut -= 1;
    }
    name[..cut].to_owned()
}
