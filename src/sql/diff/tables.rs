//! Table changes: created and dropped tables, and for a table in both
//! states its columns, primary key, indexes, foreign keys and triggers.
//!
//! A created or dropped table is one `CreateTable` / `DropTable` carrying
//! only its columns and primary key, with its indexes, foreign keys and
//! triggers as changes of their own, so that the reverse of the drop
//! restores all of it.
//!
//! A column whose type changes takes everything built on it down and up
//! again: its primary key, indexes and foreign keys (on either side). A
//! conversion PostgreSQL cannot do in place is done by dropping and adding
//! the column, which would silently take those objects with it; in place,
//! an operator class may not fit the new type. Likewise a foreign key is
//! dropped and added again when the primary key or unique index behind it
//! is, since PostgreSQL refuses to drop a key a foreign key depends on.

use crate::collections::{HashMap, HashSet};
use crate::sql::{Change, ForeignKey, Index, IndexColumn, QualifiedName, SqlSchema, Table};

pub(super) fn tables(from: &SqlSchema, to: &SqlSchema, out: &mut Vec<Change>) {
    // Looked up by name rather than searched: a schema of thousands of
    // tables against the next version of itself is the common case.
    let old_tables = by_name(from);
    let new_tables = by_name(to);
    let pairs: Vec<(&Table, &Table)> =
        to.tables.iter().filter_map(|new| old_tables.get(&new.name).map(|&old| (old, new))).collect();
    let retyped: HashSet<(&QualifiedName, &str)> = pairs
        .iter()
        .flat_map(|(old, new)| {
            new.columns.iter().filter_map(move |column| {
                let before = old.column(&column.name)?;
                (before.ty != column.ty || before.array != column.array).then_some((&new.name, column.name.as_str()))
            })
        })
        .collect();
    let mut dropped_keys = DroppedKeys::default();
    for &(old, new) in &pairs {
        columns(old, new, out);
        primary_key(old, new, &retyped, &mut dropped_keys, out);
        indexes(old, new, &retyped, &mut dropped_keys, out);
        immutability(old, new, out);
    }
    for &(old, new) in &pairs {
        foreign_keys(old, new, &retyped, &dropped_keys, out);
    }
    for table in to.tables.iter().filter(|t| !old_tables.contains_key(&t.name)) {
        created(table, out);
    }
    for table in from.tables.iter().filter(|t| !new_tables.contains_key(&t.name)) {
        dropped(table, out);
    }
}

/// The tables of a schema by name (unique within a schema).
fn by_name(schema: &SqlSchema) -> HashMap<&QualifiedName, &Table> {
    schema.tables.iter().map(|table| (&table.name, table)).collect()
}

/// The table as `CreateTable` and `DropTable` carry it: columns and primary
/// key only. Built field by field so that the indexes and foreign keys,
/// changes of their own, are not cloned only to be dropped.
fn bare(table: &Table) -> Table {
    Table {
        name: table.name.clone(),
        columns: table.columns.clone(),
        primary_key: table.primary_key.clone(),
        indexes: Vec::new(),
        foreign_keys: Vec::new(),
        immutable: None,
    }
}

fn created(table: &Table, out: &mut Vec<Change>) {
    out.push(Change::CreateTable(bare(table)));
    for index in &table.indexes {
        out.push(Change::CreateIndex { table: table.name.clone(), index: index.clone() });
    }
    for key in &table.foreign_keys {
        out.push(Change::AddForeignKey { table: table.name.clone(), key: key.clone() });
    }
    if let Some(immutable) = &table.immutable {
        out.push(Change::CreateImmutableTriggers { table: table.name.clone(), immutable: immutable.clone() });
    }
}

fn dropped(table: &Table, out: &mut Vec<Change>) {
    if let Some(immutable) = &table.immutable {
        out.push(Change::DropImmutableTriggers { table: table.name.clone(), immutable: immutable.clone() });
    }
    for key in &table.foreign_keys {
        out.push(Change::DropForeignKey { table: table.name.clone(), key: key.clone() });
    }
    for index in &table.indexes {
        out.push(Change::DropIndex { table: table.name.clone(), index: index.clone() });
    }
    out.push(Change::DropTable(bare(table)));
}

fn columns(old: &Table, new: &Table, out: &mut Vec<Change>) {
    let table = &new.name;
    for column in &new.columns {
        match old.column(&column.name) {
            None => out.push(Change::AddColumn { table: table.clone(), column: column.clone() }),
            Some(before) if before != column => {
                out.push(Change::AlterColumn { table: table.clone(), from: before.clone(), to: column.clone() })
            }
            Some(_) => {}
        }
    }
    for column in old.columns.iter().filter(|c| new.column(&c.name).is_none()) {
        out.push(Change::DropColumn { table: table.clone(), column: column.clone() });
    }
}

/// Unique keys (primary keys and non-partial unique indexes) dropped from
/// tables that stay, as (table, sorted column names): the keys a foreign
/// key may depend on.
#[derive(Default)]
struct DroppedKeys<'a>(Vec<(&'a QualifiedName, Vec<&'a str>)>);

impl<'a> DroppedKeys<'a> {
    fn push(&mut self, table: &'a QualifiedName, columns: &'a [IndexColumn]) {
        self.0.push((table, sorted(columns.iter().map(|c| c.name.as_str()))));
    }

    /// Whether `key` may depend on one of the dropped keys: PostgreSQL
    /// picks a unique key with exactly the referenced columns.
    fn backs(&self, key: &ForeignKey) -> bool {
        let columns = sorted(key.referenced_columns.iter().map(String::as_str));
        self.0.iter().any(|(table, key_columns)| **table == key.referenced_table && *key_columns == columns)
    }
}

fn sorted<'a>(names: impl Iterator<Item = &'a str>) -> Vec<&'a str> {
    let mut names: Vec<&str> = names.collect();
    names.sort_unstable();
    names
}

fn touches(retyped: &HashSet<(&QualifiedName, &str)>, table: &QualifiedName, columns: &[IndexColumn]) -> bool {
    columns.iter().any(|c| retyped.contains(&(table, c.name.as_str())))
}

fn primary_key<'a>(
    old: &'a Table,
    new: &Table,
    retyped: &HashSet<(&QualifiedName, &str)>,
    dropped_keys: &mut DroppedKeys<'a>,
    out: &mut Vec<Change>,
) {
    let same = match (&old.primary_key, &new.primary_key) {
        (Some(before), Some(after)) => before == after && !touches(retyped, &new.name, &after.columns),
        (before, after) => before == after,
    };
    if same {
        return;
    }
    if let Some(key) = &old.primary_key {
        dropped_keys.push(&old.name, &key.columns);
        out.push(Change::DropPrimaryKey { table: old.name.clone(), key: key.clone() });
    }
    if let Some(key) = &new.primary_key {
        out.push(Change::AddPrimaryKey { table: new.name.clone(), key: key.clone() });
    }
}

fn indexes<'a>(
    old: &'a Table,
    new: &Table,
    retyped: &HashSet<(&QualifiedName, &str)>,
    dropped_keys: &mut DroppedKeys<'a>,
    out: &mut Vec<Change>,
) {
    let find = |table: &'a Table, name: &str| -> Option<&'a Index> { table.indexes.iter().find(|i| i.name == name) };
    let kept =
        |index: &Index| new.indexes.iter().any(|after| after == index) && !touches(retyped, &new.name, &index.columns);
    for index in old.indexes.iter().filter(|i| !kept(i)) {
        if index.unique && index.predicate.is_none() {
            dropped_keys.push(&old.name, &index.columns);
        }
        out.push(Change::DropIndex { table: old.name.clone(), index: index.clone() });
    }
    for index in &new.indexes {
        if !find(old, &index.name).is_some_and(kept) {
            out.push(Change::CreateIndex { table: new.name.clone(), index: index.clone() });
        }
    }
}

fn foreign_keys(
    old: &Table,
    new: &Table,
    retyped: &HashSet<(&QualifiedName, &str)>,
    dropped_keys: &DroppedKeys<'_>,
    out: &mut Vec<Change>,
) {
    let kept = |key: &ForeignKey| {
        new.foreign_keys.iter().any(|after| after == key)
            && !key.columns.iter().any(|c| retyped.contains(&(&new.name, c.as_str())))
            && !key.referenced_columns.iter().any(|c| retyped.contains(&(&key.referenced_table, c.as_str())))
            && !dropped_keys.backs(key)
    };
    for key in old.foreign_keys.iter().filter(|k| !kept(k)) {
        out.push(Change::DropForeignKey { table: old.name.clone(), key: key.clone() });
    }
    for key in &new.foreign_keys {
        if !old.foreign_keys.iter().find(|k| k.name == key.name).is_some_and(kept) {
            out.push(Change::AddForeignKey { table: new.name.clone(), key: key.clone() });
        }
    }
}

/// A changed `allowUpdate` list is new triggers: the list is an argument
/// of the row trigger, and PostgreSQL cannot alter a trigger's arguments.
fn immutability(old: &Table, new: &Table, out: &mut Vec<Change>) {
    if old.immutable == new.immutable {
        return;
    }
    if let Some(immutable) = &old.immutable {
        out.push(Change::DropImmutableTriggers { table: old.name.clone(), immutable: immutable.clone() });
    }
    if let Some(immutable) = &new.immutable {
        out.push(Change::CreateImmutableTriggers { table: new.name.clone(), immutable: immutable.clone() });
    }
}
