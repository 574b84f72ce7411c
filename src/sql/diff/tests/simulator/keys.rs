//! Primary keys, indexes (unique ones too) and foreign keys.

use super::{Refusal, columns_exist, find, find_mut, qualified, referencing, refuse, relation_name_free, same_set};
use crate::sql::{ForeignKey, Index, IndexColumn, PrimaryKey, QualifiedName, SqlSchema, Table};

pub(super) fn add_primary_key(schema: &mut SqlSchema, table: &QualifiedName, key: &PrimaryKey) -> Result<(), Refusal> {
    relation_name_free(schema, &table.schema, &key.name)?;
    let current = find_mut(schema, table)?;
    if current.primary_key.is_some() {
        refuse!("table {} already has a primary key", qualified(table));
    }
    columns_exist(current, key.columns.iter().map(|c| c.name.as_str()))?;
    current.primary_key = Some(key.clone());
    Ok(())
}

pub(super) fn drop_primary_key(schema: &mut SqlSchema, table: &QualifiedName, key: &PrimaryKey) -> Result<(), Refusal> {
    if find(schema, table)?.primary_key.as_ref() != Some(key) {
        refuse!("table {} has no primary key \"{}\" like this one", qualified(table), key.name);
    }
    let columns: Vec<&str> = key.columns.iter().map(|c| c.name.as_str()).collect();
    if let Some((other, name)) = referencing(schema, table, |referenced| same_set(referenced, &columns)) {
        refuse!("foreign key \"{name}\" of {} depends on primary key \"{}\"", qualified(other), key.name);
    }
    find_mut(schema, table)?.primary_key = None;
    Ok(())
}

pub(super) fn create_index(schema: &mut SqlSchema, table: &QualifiedName, index: &Index) -> Result<(), Refusal> {
    relation_name_free(schema, &table.schema, &index.name)?;
    let current = find_mut(schema, table)?;
    columns_exist(current, index.columns.iter().map(|c| c.name.as_str()))?;
    current.indexes.push(index.clone());
    current.indexes.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(())
}

pub(super) fn drop_index(schema: &mut SqlSchema, table: &QualifiedName, index: &Index) -> Result<(), Refusal> {
    if !find(schema, table)?.indexes.contains(index) {
        refuse!("table {} has no index \"{}\" like this one", qualified(table), index.name);
    }
    let columns: Vec<&str> = index.columns.iter().map(|c| c.name.as_str()).collect();
    let backs_a_key = index.unique && index.predicate.is_none();
    if let Some((other, name)) = referencing(schema, table, |referenced| backs_a_key && same_set(referenced, &columns))
    {
        refuse!("foreign key \"{name}\" of {} depends on index \"{}\"", qualified(other), index.name);
    }
    find_mut(schema, table)?.indexes.retain(|i| i != index);
    Ok(())
}

pub(super) fn add_foreign_key(schema: &mut SqlSchema, table: &QualifiedName, key: &ForeignKey) -> Result<(), Refusal> {
    let referenced = find(schema, &key.referenced_table)?;
    columns_exist(referenced, key.referenced_columns.iter().map(String::as_str))?;
    if !has_unique_key(referenced, &key.referenced_columns) {
        refuse!(
            "no unique key on {} matches the columns of foreign key \"{}\"",
            qualified(&key.referenced_table),
            key.name
        );
    }
    let current = find_mut(schema, table)?;
    if key.columns.len() != key.referenced_columns.len() {
        refuse!("foreign key \"{}\" has {} columns for {}", key.name, key.columns.len(), key.referenced_columns.len());
    }
    columns_exist(current, key.columns.iter().map(String::as_str))?;
    if current.foreign_keys.iter().any(|k| k.name == key.name) {
        refuse!("table {} already has a foreign key \"{}\"", qualified(table), key.name);
    }
    current.foreign_keys.push(key.clone());
    current.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(())
}

pub(super) fn drop_foreign_key(schema: &mut SqlSchema, table: &QualifiedName, key: &ForeignKey) -> Result<(), Refusal> {
    let current = find_mut(schema, table)?;
    if !current.foreign_keys.contains(key) {
        refuse!("table {} has no foreign key \"{}\" like this one", qualified(table), key.name);
    }
    current.foreign_keys.retain(|k| k != key);
    Ok(())
}

/// A foreign key needs a primary key or a full unique index over exactly
/// its referenced columns.
fn has_unique_key(table: &Table, columns: &[String]) -> bool {
    let names = |columns: &[IndexColumn]| columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>();
    let key = table.primary_key.iter().map(|k| names(&k.columns));
    let unique = table.indexes.iter().filter(|i| i.unique && i.predicate.is_none()).map(|i| names(&i.columns));
    key.chain(unique).any(|key| same_set(columns, &key))
}
