//! Lowering: a checked Prisma schema becomes a [`SqlSchema`], following
//! Prisma Migrate's PostgreSQL conventions exactly.
//!
//! Takes a [`Schema`] that validated without errors and returns the
//! database it describes: a table per model (`@@ignore`d models included,
//! as Prisma Migrate creates them; views are not created), a column per
//! scalar, enum and `Unsupported` field (`@ignore`d fields included), the
//! primary key, unique and plain indexes, foreign keys, implicit
//! many-to-many join tables, enums, the datasource's extensions and
//! schemas, and the `@ehrdb.immutable` triggers. Names are the database's
//! (`@@map`, `@map`, `map:`, Prisma's default constraint names, as
//! [`schema::names`](crate::schema::names) gives them), and the result is
//! sorted by name so two lowerings of one database compare equal.
//!
//! Nothing here reports problems: the validator has. A schema that did not
//! validate may lower to something partial, never to a panic.
//!
//! The connection's default schema is taken to be `public`: tables there,
//! with or without `@@schema("public")`, are left unqualified, as Prisma
//! writes them.

mod columns;
mod relations;

pub(crate) use relations::join_table_name;

use super::{Enum, Extension, Immutable, Index, IndexColumn, IndexMethod, PrimaryKey, QualifiedName, SqlSchema, Table};
use crate::ast::{Block, BlockKind, Expr, Field, ObjectEntry};
use crate::parallel;
use crate::schema::Schema;
use crate::schema::names::default_constraint_name;

/// The schema PostgreSQL connections use unless told otherwise; Prisma
/// leaves names in it unqualified.
const DEFAULT_SCHEMA: &str = "public";

/// The relational model of a merged schema that validated without errors.
pub fn lower(schema: &Schema) -> SqlSchema {
    let models: Vec<&Block> = schema.models().filter(|b| schema.owns_its_name(b)).collect();
    let emulated = schema.relations_are_emulated();
    // A model's table needs only that model and the names it refers to,
    // so a large schema is lowered on every core.
    let mut tables: Vec<Table> = parallel::map(
        &models,
        |model| model.span.range().len(),
        |model| {
            let mut table = table(schema, model);
            if !emulated {
                table.foreign_keys = relations::foreign_keys(schema, model, &table.name.name);
            }
            table
        },
    );
    tables.extend(relations::join_tables(schema, &models, emulated));
    for table in &mut tables {
        table.indexes.sort_by(|a, b| a.name.cmp(&b.name));
        table.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
    }
    tables.sort_by(|a, b| a.name.cmp(&b.name));

    let mut enums: Vec<Enum> = schema
        .blocks
        .iter()
        .filter(|b| b.kind == BlockKind::Enum && schema.owns_its_name(b))
        .map(|block| Enum {
            name: qualified(block),
            values: block.values().map(|v| v.database_name().to_owned()).collect(),
        })
        .collect();
    enums.sort_by(|a, b| a.name.cmp(&b.name));

    let ignores_extensions = !schema.preview_feature("postgresqlExtensions");
    SqlSchema { namespaces: namespaces(schema), extensions: extensions(schema), ignores_extensions, enums, tables }
}

/// A model's table or an enum's type: `@@map` name in its `@@schema`.
pub(crate) fn qualified(block: &Block) -> QualifiedName {
    let schema = block.schema_name().filter(|s| *s != DEFAULT_SCHEMA).map(str::to_owned);
    QualifiedName { schema, name: block.table_name().to_owned() }
}

/// The database name of the value `name` of an enum.
fn enum_value_name<'a>(block: &'a Block, name: &'a str) -> &'a str {
    block.values().find(|v| v.name.name == name).map_or(name, crate::ast::EnumValue::database_name)
}

fn table(schema: &Schema, block: &Block) -> Table {
    let name = qualified(block);
    let columns = block.fields().filter_map(|field| columns::column(schema, field)).collect();
    Table {
        primary_key: primary_key(block, &name.name),
        indexes: indexes(block, &name.name),
        foreign_keys: Vec::new(),
        immutable: immutable(block),
        columns,
        name,
    }
}

fn field_named<'a>(block: &'a Block, name: &str) -> Option<&'a Field> {
    block.fields().find(|f| f.name.name == name)
}

/// The column names of fields named in a key, in order.
fn column_names(block: &Block, fields: &[&str]) -> Vec<String> {
    fields.iter().map(|f| field_named(block, f).map_or(*f, Field::column_name).to_owned()).collect()
}

fn primary_key(block: &Block, table: &str) -> Option<PrimaryKey> {
    let (attribute, columns) = match block.fields().find_map(|f| f.attribute("id").map(|a| (f, a))) {
        Some((field, attribute)) => (attribute, vec![field.column_name().to_owned()]),
        None => {
            let attribute = block.attributes_named("id").next()?;
            (attribute, column_names(block, &attribute.field_list()))
        }
    };
    let name = attribute.named("map").and_then(Expr::as_str).map(str::to_owned);
    let name = name.unwrap_or_else(|| default_constraint_name(table, &[], "_pkey"));
    Some(PrimaryKey { name, columns: columns.into_iter().map(IndexColumn::plain).collect() })
}

/// `@unique`, `@@unique` and `@@index`, in declaration order.
fn indexes(block: &Block, table: &str) -> Vec<Index> {
    let mut out = Vec::new();
    for field in block.fields() {
        let Some(attribute) = field.attribute("unique") else { continue };
        let column = IndexColumn {
            name: field.column_name().to_owned(),
            descending: attribute.named("sort").and_then(Expr::as_constant) == Some("Desc"),
            operator_class: None,
        };
        out.push(index(block, attribute, table, vec![column], true));
    }
    for attribute in block.attributes().map(|a| &a.attribute) {
        let unique = match attribute.name.name.as_str() {
            "unique" => true,
            "index" => false,
            _ => continue,
        };
        let list = attribute.positional().or_else(|| attribute.named("fields"));
        let items = match list {
            Some(Expr::Array(items, _)) => items.as_slice(),
            Some(single) => std::slice::from_ref(single),
            None => &[],
        };
        let columns = items.iter().filter_map(|item| index_column(block, item)).collect();
        out.push(index(block, attribute, table, columns, unique));
    }
    out
}

fn index(
    block: &Block,
    attribute: &crate::ast::Attribute,
    table: &str,
    columns: Vec<IndexColumn>,
    unique: bool,
) -> Index {
    // `name:` of `@@index` is a legacy spelling of `map:`; on `@@unique`
    // it names the client's compound field, not the index.
    let explicit = attribute.named("map").or_else(|| if unique { None } else { attribute.named("name") });
    let name = match explicit.and_then(Expr::as_str) {
        Some(name) => name.to_owned(),
        None => {
            let names: Vec<&str> = columns.iter().map(|c| c.name.as_str()).collect();
            default_constraint_name(table, &names, if unique { "_key" } else { "_idx" })
        }
    };
    let method = match attribute.named("type").and_then(Expr::as_constant) {
        Some("Hash") => Some(IndexMethod::Hash),
        Some("Gist") => Some(IndexMethod::Gist),
        Some("Gin") => Some(IndexMethod::Gin),
        Some("SpGist") => Some(IndexMethod::SpGist),
        Some("Brin") => Some(IndexMethod::Brin),
        _ => None,
    };
    let predicate = match attribute.named("where") {
        Some(Expr::Function(name, args)) if name.name == "raw" => {
            args.items.first().and_then(|a| a.value.as_ref()).and_then(Expr::as_str).map(super::normalize_predicate)
        }
        Some(Expr::Object(entries, _)) => Some(object_predicate(block, entries)),
        _ => None,
    };
    Index { name, unique, columns, method, predicate }
}

/// `where: { status: "ACTIVE", deletedAt: { not: null } }` as Prisma
/// writes it: each entry a comparison of the column, in the order written,
/// joined by `AND` (`"status" = 'ACTIVE' AND "deletedAt" IS NOT NULL`).
fn object_predicate(block: &Block, entries: &[ObjectEntry]) -> String {
    let conditions: Vec<String> = entries
        .iter()
        .map(|entry| {
            let column = field_named(block, &entry.key.name).map_or(entry.key.name.as_str(), Field::column_name);
            let column = super::render::ident(column);
            let (negated, value) = match &entry.value {
                Expr::Object(inner, _) => (true, inner.first().map(|e| &e.value)),
                value => (false, Some(value)),
            };
            match (value, negated) {
                (Some(Expr::Constant(c)), false) if c.name == "null" => format!("{column} IS NULL"),
                (Some(Expr::Constant(c)), true) if c.name == "null" => format!("{column} IS NOT NULL"),
                (value, negated) => {
                    let literal = match value {
                        Some(Expr::String(text)) => super::render::literal(text.value()),
                        Some(Expr::Number(n) | Expr::Constant(n)) => n.name.to_string(),
                        _ => String::new(),
                    };
                    format!("{column} {} {literal}", if negated { "!=" } else { "=" })
                }
            }
        })
        .collect();
    conditions.join(" AND ")
}

/// `field`, or `field(sort: Desc, ops: JsonbPathOps)`.
fn index_column(block: &Block, item: &Expr) -> Option<IndexColumn> {
    let name = item.field_ref_name()?;
    let mut column = IndexColumn::plain(field_named(block, name).map_or(name, Field::column_name));
    if let Expr::Function(_, args) = item {
        for arg in &args.items {
            match (arg.name.as_ref().map(|n| n.name.as_str()), &arg.value) {
                (Some("sort"), Some(value)) => column.descending = value.as_constant() == Some("Desc"),
                (Some("ops"), Some(Expr::Constant(class))) => column.operator_class = Some(operator_class(&class.name)),
                (Some("ops"), Some(Expr::Function(raw, args))) if raw.name == "raw" => {
                    column.operator_class =
                        args.items.first().and_then(|a| a.value.as_ref()).and_then(Expr::as_str).map(str::to_owned)
                }
                _ => {}
            }
        }
    }
    Some(column)
}

/// Prisma's operator class names in SQL: `JsonbPathOps` is
/// `jsonb_path_ops`, `Int4MinMaxMultiOps` is `int4_minmax_multi_ops`,
/// `TimestampTzBloomOps` is `timestamptz_bloom_ops`.
fn operator_class(name: &str) -> String {
    let mut words: Vec<String> = Vec::new();
    for c in name.chars() {
        match words.last_mut() {
            Some(word) if !c.is_ascii_uppercase() => word.push(c.to_ascii_lowercase()),
            _ => words.push(c.to_ascii_lowercase().to_string()),
        }
    }
    let mut joined = words.join("_");
    for (split, whole) in [("min_max", "minmax"), ("var_bit", "varbit"), ("_tz", "tz")] {
        joined = joined.replace(split, whole);
    }
    joined
}

/// `@ehrdb.immutable`: the `allowUpdate` fields' column names, sorted.
fn immutable(block: &Block) -> Option<Immutable> {
    let annotation = block.immutable()?;
    let names: Vec<&str> = annotation.allow_update.iter().map(|n| n.name.as_str()).collect();
    let mut allow_update = column_names(block, &names);
    allow_update.sort();
    allow_update.dedup();
    Some(Immutable { allow_update })
}

/// The datasource's `schemas`, but the default one, sorted.
fn namespaces(schema: &Schema) -> Vec<String> {
    let Some(property) = schema.datasource.and_then(|d| d.property("schemas")) else { return Vec::new() };
    let items = match &property.value {
        Expr::Array(items, _) => items.as_slice(),
        single => std::slice::from_ref(single),
    };
    let mut names: Vec<String> =
        items.iter().filter_map(Expr::as_str).filter(|s| *s != DEFAULT_SCHEMA).map(str::to_owned).collect();
    names.sort();
    names.dedup();
    names
}

/// The datasource's `extensions`: `pg_trgm`, `postgis(schema: "gis",
/// version: "3.4")`, `uuidOssp(map: "uuid-ossp")`; sorted by name.
fn extensions(schema: &Schema) -> Vec<Extension> {
    let Some(property) = schema.datasource.and_then(|d| d.property("extensions")) else { return Vec::new() };
    let items = match &property.value {
        Expr::Array(items, _) => items.as_slice(),
        single => std::slice::from_ref(single),
    };
    let mut extensions: Vec<Extension> = items
        .iter()
        .filter_map(|item| match item {
            Expr::Constant(name) => Some(Extension { name: name.name.to_string(), schema: None, version: None }),
            Expr::Function(name, args) => {
                let arg = |key: &str| {
                    args.items
                        .iter()
                        .find(|a| a.name.as_ref().is_some_and(|n| n.name == key))
                        .and_then(|a| a.value.as_ref())
                        .and_then(Expr::as_str)
                        .map(str::to_owned)
                };
                Some(Extension {
                    name: arg("map").unwrap_or_else(|| name.name.to_string()),
                    schema: arg("schema"),
                    version: arg("version"),
                })
            }
            _ => None,
        })
        .collect();
    extensions.sort_by(|a, b| a.name.cmp(&b.name));
    extensions
}

#[cfg(test)]
mod tests {
    use super::operator_class;

    #[test]
    fn operator_classes_are_spelled_like_postgresql() {
        assert_eq!(operator_class("JsonbPathOps"), "jsonb_path_ops");
        assert_eq!(operator_class("InetOps"), "inet_ops");
        assert_eq!(operator_class("Int4MinMaxMultiOps"), "int4_minmax_multi_ops");
        assert_eq!(operator_class("VarBitMinMaxOps"), "varbit_minmax_ops");
        assert_eq!(operator_class("TimestampTzBloomOps"), "timestamptz_bloom_ops");
        assert_eq!(operator_class("TimeTzMinMaxOps"), "timetz_minmax_ops");
        assert_eq!(operator_class("InetInclusionOps"), "inet_inclusion_ops");
    }
}
