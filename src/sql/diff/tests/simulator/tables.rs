//! Tables and their columns.

use super::enums::column_fits;
use super::{
    Refusal, columns_exist, find, find_mut, namespace_exists, qualified, referencing, refuse, relation_name_free,
    type_name_free,
};
use crate::sql::{Column, IndexColumn, QualifiedName, SqlSchema, Table};

/// A table is created with only its columns and primary key: its indexes,
/// foreign keys and triggers are changes of their own.
pub(super) fn create(schema: &mut SqlSchema, table: &Table) -> Result<(), Refusal> {
    namespace_exists(schema, &table.name)?;
    type_name_free(schema, &table.name)?;
    if !table.indexes.is_empty() || !table.foreign_keys.is_empty() || table.immutable.is_some() {
        refuse!("table {} is created with only its columns and primary key", qualified(&table.name));
    }
    for (i, column) in table.columns.iter().enumerate() {
        if table.columns[..i].iter().any(|c| c.name == column.name) {
            refuse!("column \"{}\" appears twice in table {}", column.name, qualified(&table.name));
        }
        column_fits(schema, column)?;
    }
    if let Some(key) = &table.primary_key {
        relation_name_free(schema, &table.name.schema, &key.name)?;
        columns_exist(table, key.columns.iter().map(|c| c.name.as_str()))?;
    }
    schema.tables.push(table.clone());
    schema.tables.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(())
}

pub(super) fn drop(schema: &mut SqlSchema, table: &Table) -> Result<(), Refusal> {
    let current = find(schema, &table.name)?;
    if let Some(index) = current.indexes.first() {
        refuse!("table {} still has index \"{}\"", qualified(&table.name), index.name);
    }
    if let Some(key) = current.foreign_keys.first() {
        refuse!("table {} still has foreign key \"{}\"", qualified(&table.name), key.name);
    }
    if current.immutable.is_some() {
        refuse!("table {} still has its immutability triggers", qualified(&table.name));
    }
    if sorted_columns(current) != sorted_columns(table) || current.primary_key != table.primary_key {
        refuse!("table {} is not the table the change drops", qualified(&table.name));
    }
    if let Some((other, key)) = referencing(schema, &table.name, |_| true) {
        refuse!("foreign key \"{}\" of {} references table {}", key, qualified(other), qualified(&table.name));
    }
    schema.tables.retain(|t| t.name != table.name);
    Ok(())
}

pub(super) fn add_column(schema: &mut SqlSchema, table: &QualifiedName, column: &Column) -> Result<(), Refusal> {
    column_fits(schema, column)?;
    let current = find_mut(schema, table)?;
    if current.column(&column.name).is_some() {
        refuse!("column \"{}\" of {} already exists", column.name, qualified(table));
    }
    current.columns.push(column.clone());
    Ok(())
}

pub(super) fn drop_column(schema: &mut SqlSchema, table: &QualifiedName, column: &Column) -> Result<(), Refusal> {
    column_is(schema, table, column)?;
    not_in_use(schema, table, &column.name)?;
    find_mut(schema, table)?.columns.retain(|c| c.name != column.name);
    Ok(())
}

pub(super) fn alter_column(
    schema: &mut SqlSchema,
    table: &QualifiedName,
    from: &Column,
    to: &Column,
) -> Result<(), Refusal> {
    column_is(schema, table, from)?;
    if from.name != to.name {
        refuse!("column \"{}\" of {} cannot change its name to \"{}\"", from.name, qualified(table), to.name);
    }
    column_fits(schema, to)?;
    if from.ty != to.ty || from.array != to.array {
        not_in_use(schema, table, &from.name)?;
    }
    let current = find_mut(schema, table)?;
    if let Some(slot) = current.columns.iter_mut().find(|c| c.name == from.name) {
        *slot = to.clone();
    }
    Ok(())
}

fn column_is(schema: &SqlSchema, table: &QualifiedName, column: &Column) -> Result<(), Refusal> {
    match find(schema, table)?.column(&column.name) {
        Some(current) if current == column => Ok(()),
        Some(_) => refuse!("column \"{}\" of {} is not the column the change expects", column.name, qualified(table)),
        None => refuse!("column \"{}\" of {} does not exist", column.name, qualified(table)),
    }
}

/// A column that a key, an index or a foreign key (of any table) uses
/// cannot be dropped or retyped: PostgreSQL would drop or rebuild them
/// behind the change list's back.
fn not_in_use(schema: &SqlSchema, table: &QualifiedName, column: &str) -> Result<(), Refusal> {
    let current = find(schema, table)?;
    let index_uses = |columns: &[IndexColumn]| columns.iter().any(|c| c.name == column);
    if let Some(key) = current.primary_key.as_ref().filter(|k| index_uses(&k.columns)) {
        refuse!("primary key \"{}\" uses column \"{column}\" of {}", key.name, qualified(table));
    }
    if let Some(index) = current.indexes.iter().find(|i| index_uses(&i.columns)) {
        refuse!("index \"{}\" uses column \"{column}\" of {}", index.name, qualified(table));
    }
    if let Some(key) = current.foreign_keys.iter().find(|k| k.columns.iter().any(|c| c == column)) {
        refuse!("foreign key \"{}\" uses column \"{column}\" of {}", key.name, qualified(table));
    }
    if let Some((other, key)) = referencing(schema, table, |referenced| referenced.iter().any(|c| c == column)) {
        refuse!("foreign key \"{key}\" of {} references column \"{column}\" of {}", qualified(other), qualified(table));
    }
    Ok(())
}

fn sorted_columns(table: &Table) -> Vec<&Column> {
    let mut columns: Vec<&Column> = table.columns.iter().collect();
    columns.sort_by(|a, b| a.name.cmp(&b.name));
    columns
}
