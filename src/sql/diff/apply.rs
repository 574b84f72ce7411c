//! Playing a [`Change`] on a [`SqlSchema`]: the model of the database after
//! the change ran, or the reason PostgreSQL (or the shape of the change
//! list) would refuse it.
//!
//! The checks are the ones that make an out-of-order migration fail: a
//! missing table, column, type or namespace; a name already taken; a
//! column, key or type still in use; a foreign key without a unique key
//! behind it; an enum default naming a value the type lacks. `DropTable`
//! must also find exactly the table it carries, with its indexes, foreign
//! keys and triggers already gone, so that its reverse restores the table
//! whole. Nothing here looks at rows: a change that fails only on data
//! (duplicates, NULLs, orphans) is a [`Risk`](crate::sql::Risk), not an
//! error.

use std::fmt;

use crate::sql::{Change, Column, ColumnDefault, ColumnType, QualifiedName, SqlSchema, Table};

use super::{enum_columns, quoted};

/// Why a change cannot be applied to a schema state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplyError(String);

impl fmt::Display for ApplyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ApplyError {}

macro_rules! fail {
    ($($arg:tt)*) => {
        return Err(ApplyError(format!($($arg)*)))
    };
}

/// Applies `change` to `schema`, keeping the model's canonical order (an
/// added column goes last, as in PostgreSQL). On an error `schema` is
/// unchanged.
pub fn apply(schema: &mut SqlSchema, change: &Change) -> Result<(), ApplyError> {
    match change {
        Change::CreateNamespace(name) => {
            if schema.namespaces.contains(name) {
                fail!("schema \"{name}\" already exists");
            }
            schema.namespaces.push(name.clone());
            schema.namespaces.sort();
        }
        Change::DropNamespace(name) => {
            let Some(at) = schema.namespaces.iter().position(|n| n == name) else {
                fail!("schema \"{name}\" does not exist");
            };
            let inside = |q: &QualifiedName| q.schema.as_deref() == Some(name);
            if let Some(user) =
                schema.tables.iter().map(|t| &t.name).chain(schema.enums.iter().map(|e| &e.name)).find(|q| inside(q))
            {
                fail!("schema \"{name}\" still holds {}", quoted(user));
            }
            if let Some(e) = schema.extensions.iter().find(|e| e.schema.as_deref() == Some(name)) {
                fail!("schema \"{name}\" still holds extension \"{}\"", e.name);
            }
            schema.namespaces.remove(at);
        }
        Change::CreateExtension(extension) => {
            if schema.extensions.iter().any(|e| e.name == extension.name) {
                fail!("extension \"{}\" already exists", extension.name);
            }
            schema.extensions.push(extension.clone());
            schema.extensions.sort_by(|a, b| a.name.cmp(&b.name));
        }
        Change::DropExtension(extension) => {
            let Some(at) = schema.extensions.iter().position(|e| e.name == extension.name) else {
                fail!("extension \"{}\" does not exist", extension.name);
            };
            schema.extensions.remove(at);
        }
        Change::CreateEnum(e) => {
            namespace_exists(schema, &e.name)?;
            type_name_free(schema, &e.name)?;
            schema.enums.push(e.clone());
            schema.enums.sort_by(|a, b| a.name.cmp(&b.name));
        }
        Change::DropEnum(e) => {
            let Some(at) = schema.enums.iter().position(|x| x.name == e.name) else {
                fail!("enum {} does not exist", quoted(&e.name));
            };
            if !same_values(&schema.enums[at].values, &e.values) {
                fail!("enum {} has values {:?}, not {:?}", quoted(&e.name), schema.enums[at].values, e.values);
            }
            if let Some(user) = enum_columns(schema, &e.name).first() {
                fail!("enum {} is still the type of {}.\"{}\"", quoted(&e.name), quoted(&user.table), user.column.name);
            }
            schema.enums.remove(at);
        }
        Change::AlterEnum(alter) => {
            let Some(at) = schema.enums.iter().position(|x| x.name == alter.name) else {
                fail!("enum {} does not exist", quoted(&alter.name));
            };
            if !same_values(&schema.enums[at].values, &alter.from) {
                fail!("enum {} has values {:?}, not {:?}", quoted(&alter.name), schema.enums[at].values, alter.from);
            }
            if enum_columns(schema, &alter.name) != alter.columns {
                fail!("the change to enum {} does not carry the columns of that type", quoted(&alter.name));
            }
            let mut after = schema.clone();
            after.enums[at].values = alter.to.clone();
            for column in &alter.columns {
                column_fits(&after, &column.column)?;
            }
            *schema = after;
        }
        Change::CreateTable(table) => {
            namespace_exists(schema, &table.name)?;
            type_name_free(schema, &table.name)?;
            if !table.indexes.is_empty() || !table.foreign_keys.is_empty() || table.immutable.is_some() {
                fail!("table {} is created with only its columns and primary key", quoted(&table.name));
            }
            for (i, column) in table.columns.iter().enumerate() {
                if table.columns[..i].iter().any(|c| c.name == column.name) {
                    fail!("column \"{}\" appears twice in table {}", column.name, quoted(&table.name));
                }
                column_fits(schema, column)?;
            }
            if let Some(key) = &table.primary_key {
                relation_name_free(schema, &table.name.schema, &key.name)?;
                columns_exist(table, key.columns.iter().map(|c| c.name.as_str()))?;
            }
            schema.tables.push(table.clone());
            schema.tables.sort_by(|a, b| a.name.cmp(&b.name));
        }
        Change::DropTable(table) => {
            let current = find(schema, &table.name)?;
            if let Some(index) = current.indexes.first() {
                fail!("table {} still has index \"{}\"", quoted(&table.name), index.name);
            }
            if let Some(key) = current.foreign_keys.first() {
                fail!("table {} still has foreign key \"{}\"", quoted(&table.name), key.name);
            }
            if current.immutable.is_some() {
                fail!("table {} still has its immutability triggers", quoted(&table.name));
            }
            if sorted_columns(current) != sorted_columns(table) || current.primary_key != table.primary_key {
                fail!("table {} is not the table the change drops", quoted(&table.name));
            }
            if let Some((other, key)) = referencing(schema, &table.name, |_| true) {
                fail!("foreign key \"{}\" of {} references table {}", key, quoted(other), quoted(&table.name));
            }
            schema.tables.retain(|t| t.name != table.name);
        }
        Change::AddColumn { table, column } => {
            column_fits(schema, column)?;
            let current = find_mut(schema, table)?;
            if current.column(&column.name).is_some() {
                fail!("column \"{}\" of {} already exists", column.name, quoted(table));
            }
            current.columns.push(column.clone());
        }
        Change::DropColumn { table, column } => {
            column_is(schema, table, column)?;
            not_in_use(schema, table, &column.name)?;
            find_mut(schema, table)?.columns.retain(|c| c.name != column.name);
        }
        Change::AlterColumn { table, from, to } => {
            column_is(schema, table, from)?;
            if from.name != to.name {
                fail!("column \"{}\" of {} cannot change its name to \"{}\"", from.name, quoted(table), to.name);
            }
            column_fits(schema, to)?;
            if from.ty != to.ty || from.array != to.array {
                not_in_use(schema, table, &from.name)?;
            }
            let current = find_mut(schema, table)?;
            if let Some(slot) = current.columns.iter_mut().find(|c| c.name == from.name) {
                *slot = to.clone();
            }
        }
        Change::AddPrimaryKey { table, key } => {
            relation_name_free(schema, &table.schema, &key.name)?;
            let current = find_mut(schema, table)?;
            if current.primary_key.is_some() {
                fail!("table {} already has a primary key", quoted(table));
            }
            columns_exist(current, key.columns.iter().map(|c| c.name.as_str()))?;
            current.primary_key = Some(key.clone());
        }
        Change::DropPrimaryKey { table, key } => {
            if find(schema, table)?.primary_key.as_ref() != Some(key) {
                fail!("table {} has no primary key \"{}\" like this one", quoted(table), key.name);
            }
            let columns: Vec<&str> = key.columns.iter().map(|c| c.name.as_str()).collect();
            if let Some((other, name)) = referencing(schema, table, |referenced| same_set(referenced, &columns)) {
                fail!("foreign key \"{name}\" of {} depends on primary key \"{}\"", quoted(other), key.name);
            }
            find_mut(schema, table)?.primary_key = None;
        }
        Change::CreateIndex { table, index } => {
            relation_name_free(schema, &table.schema, &index.name)?;
            let current = find_mut(schema, table)?;
            columns_exist(current, index.columns.iter().map(|c| c.name.as_str()))?;
            current.indexes.push(index.clone());
            current.indexes.sort_by(|a, b| a.name.cmp(&b.name));
        }
        Change::DropIndex { table, index } => {
            if !find(schema, table)?.indexes.contains(index) {
                fail!("table {} has no index \"{}\" like this one", quoted(table), index.name);
            }
            let columns: Vec<&str> = index.columns.iter().map(|c| c.name.as_str()).collect();
            let backs_a_key = index.unique && index.predicate.is_none();
            if let Some((other, name)) =
                referencing(schema, table, |referenced| backs_a_key && same_set(referenced, &columns))
            {
                fail!("foreign key \"{name}\" of {} depends on index \"{}\"", quoted(other), index.name);
            }
            find_mut(schema, table)?.indexes.retain(|i| i != index);
        }
        Change::AddForeignKey { table, key } => {
            let referenced = find(schema, &key.referenced_table)?;
            columns_exist(referenced, key.referenced_columns.iter().map(String::as_str))?;
            if !has_unique_key(referenced, &key.referenced_columns) {
                fail!(
                    "no unique key on {} matches the columns of foreign key \"{}\"",
                    quoted(&key.referenced_table),
                    key.name
                );
            }
            let current = find_mut(schema, table)?;
            if key.columns.len() != key.referenced_columns.len() {
                fail!(
                    "foreign key \"{}\" has {} columns for {}",
                    key.name,
                    key.columns.len(),
                    key.referenced_columns.len()
                );
            }
            columns_exist(current, key.columns.iter().map(String::as_str))?;
            if current.foreign_keys.iter().any(|k| k.name == key.name) {
                fail!("table {} already has a foreign key \"{}\"", quoted(table), key.name);
            }
            current.foreign_keys.push(key.clone());
            current.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
        }
        Change::DropForeignKey { table, key } => {
            let current = find_mut(schema, table)?;
            if !current.foreign_keys.contains(key) {
                fail!("table {} has no foreign key \"{}\" like this one", quoted(table), key.name);
            }
            current.foreign_keys.retain(|k| k != key);
        }
        // The function is not part of the model: it exists while a table is
        // immutable. A caller that tracks it can check the creation.
        Change::CreateImmutableFunction => {}
        Change::DropImmutableFunction => {
            if let Some(table) = schema.tables.iter().find(|t| t.immutable.is_some()) {
                fail!("the triggers of {} still call the immutability function", quoted(&table.name));
            }
        }
        Change::CreateImmutableTriggers { table, immutable } => {
            let current = find_mut(schema, table)?;
            if current.immutable.is_some() {
                fail!("table {} already has its immutability triggers", quoted(table));
            }
            current.immutable = Some(immutable.clone());
        }
        Change::DropImmutableTriggers { table, immutable } => {
            let current = find_mut(schema, table)?;
            if current.immutable.as_ref() != Some(immutable) {
                fail!("table {} has no immutability triggers like these", quoted(table));
            }
            current.immutable = None;
        }
    }
    Ok(())
}

fn find<'a>(schema: &'a SqlSchema, name: &QualifiedName) -> Result<&'a Table, ApplyError> {
    match schema.tables.iter().find(|t| &t.name == name) {
        Some(table) => Ok(table),
        None => fail!("table {} does not exist", quoted(name)),
    }
}

fn find_mut<'a>(schema: &'a mut SqlSchema, name: &QualifiedName) -> Result<&'a mut Table, ApplyError> {
    match schema.tables.iter_mut().find(|t| &t.name == name) {
        Some(table) => Ok(table),
        None => fail!("table {} does not exist", quoted(name)),
    }
}

fn namespace_exists(schema: &SqlSchema, name: &QualifiedName) -> Result<(), ApplyError> {
    match &name.schema {
        Some(namespace) if !schema.namespaces.contains(namespace) => {
            fail!("schema \"{namespace}\" of {} does not exist", quoted(name))
        }
        _ => Ok(()),
    }
}

/// A table's row type shares the type namespace with enums.
fn type_name_free(schema: &SqlSchema, name: &QualifiedName) -> Result<(), ApplyError> {
    if schema.tables.iter().any(|t| &t.name == name) || schema.enums.iter().any(|e| &e.name == name) {
        fail!("type {} already exists", quoted(name));
    }
    Ok(())
}

/// Tables, indexes and primary keys (an index too) share one namespace per
/// schema.
fn relation_name_free(schema: &SqlSchema, namespace: &Option<String>, name: &str) -> Result<(), ApplyError> {
    for table in schema.tables.iter().filter(|t| &t.name.schema == namespace) {
        let key = table.primary_key.iter().map(|k| k.name.as_str());
        if table.name.name == name || key.chain(table.indexes.iter().map(|i| i.name.as_str())).any(|n| n == name) {
            fail!("relation \"{name}\" already exists");
        }
    }
    Ok(())
}

fn columns_exist<'a>(table: &Table, mut names: impl Iterator<Item = &'a str>) -> Result<(), ApplyError> {
    match names.find(|name| table.column(name).is_none()) {
        Some(name) => fail!("column \"{name}\" of {} does not exist", quoted(&table.name)),
        None => Ok(()),
    }
}

fn column_is(schema: &SqlSchema, table: &QualifiedName, column: &Column) -> Result<(), ApplyError> {
    match find(schema, table)?.column(&column.name) {
        Some(current) if current == column => Ok(()),
        Some(_) => fail!("column \"{}\" of {} is not the column the change expects", column.name, quoted(table)),
        None => fail!("column \"{}\" of {} does not exist", column.name, quoted(table)),
    }
}

/// An enum column needs its type, and its default must be one of the
/// type's values.
fn column_fits(schema: &SqlSchema, column: &Column) -> Result<(), ApplyError> {
    let ColumnType::Enum(name) = &column.ty else {
        return Ok(());
    };
    let Some(e) = schema.enums.iter().find(|e| &e.name == name) else {
        fail!("type {} of column \"{}\" does not exist", quoted(name), column.name);
    };
    if let Some(ColumnDefault::Literal(literal)) = &column.default {
        if let Some(value) = literal_values(literal).into_iter().find(|v| !e.values.contains(v)) {
            fail!(
                "the default of column \"{}\" is \"{value}\", which enum {} does not have",
                column.name,
                quoted(name)
            );
        }
    }
    Ok(())
}

/// The values of an enum default: `'A'` or `ARRAY['A', 'B']`.
fn literal_values(literal: &str) -> Vec<String> {
    let mut values = Vec::new();
    let mut rest = literal;
    while let Some(start) = rest.find('\'') {
        let mut value = String::new();
        let mut chars = rest[start + 1..].char_indices();
        let mut end = rest.len();
        while let Some((i, c)) = chars.next() {
            if c != '\'' {
                value.push(c);
            } else if rest[start + 1 + i + 1..].starts_with('\'') {
                value.push('\'');
                chars.next();
            } else {
                end = start + 1 + i + 1;
                break;
            }
        }
        values.push(value);
        rest = &rest[end..];
    }
    values
}

/// A column that a key, an index or a foreign key (of any table) uses
/// cannot be dropped or retyped: PostgreSQL would drop or rebuild them
/// behind the change list's back.
fn not_in_use(schema: &SqlSchema, table: &QualifiedName, column: &str) -> Result<(), ApplyError> {
    let current = find(schema, table)?;
    let index_uses = |columns: &[crate::sql::IndexColumn]| columns.iter().any(|c| c.name == column);
    if let Some(key) = current.primary_key.as_ref().filter(|k| index_uses(&k.columns)) {
        fail!("primary key \"{}\" uses column \"{column}\" of {}", key.name, quoted(table));
    }
    if let Some(index) = current.indexes.iter().find(|i| index_uses(&i.columns)) {
        fail!("index \"{}\" uses column \"{column}\" of {}", index.name, quoted(table));
    }
    if let Some(key) = current.foreign_keys.iter().find(|k| k.columns.iter().any(|c| c == column)) {
        fail!("foreign key \"{}\" uses column \"{column}\" of {}", key.name, quoted(table));
    }
    if let Some((other, key)) = referencing(schema, table, |referenced| referenced.iter().any(|c| c == column)) {
        fail!("foreign key \"{key}\" of {} references column \"{column}\" of {}", quoted(other), quoted(table));
    }
    Ok(())
}

/// The first foreign key (its table and name) that references `table` on
/// columns that `matches`.
fn referencing<'a>(
    schema: &'a SqlSchema,
    table: &QualifiedName,
    matches: impl Fn(&[String]) -> bool,
) -> Option<(&'a QualifiedName, &'a str)> {
    schema.tables.iter().find_map(|other| {
        let key = other.foreign_keys.iter().find(|k| &k.referenced_table == table && matches(&k.referenced_columns))?;
        Some((&other.name, key.name.as_str()))
    })
}

fn has_unique_key(table: &Table, columns: &[String]) -> bool {
    let names = |columns: &[crate::sql::IndexColumn]| columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
    let key = table.primary_key.iter().map(|k| names(&k.columns));
    let unique = table.indexes.iter().filter(|i| i.unique && i.predicate.is_none()).map(|i| names(&i.columns));
    key.chain(unique).any(|key| same_set(columns, &key))
}

fn same_set<T: PartialEq<U>, U>(a: &[T], b: &[U]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.iter().any(|y| x == y))
}

/// Enum values compare as a set: `diff` does not migrate their order.
fn same_values(a: &[String], b: &[String]) -> bool {
    same_set(a, b)
}

fn sorted_columns(table: &Table) -> Vec<&Column> {
    let mut columns: Vec<&Column> = table.columns.iter().collect();
    columns.sort_by(|a, b| a.name.cmp(&b.name));
    columns
}
