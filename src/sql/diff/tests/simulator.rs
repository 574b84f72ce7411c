//! A simulated PostgreSQL for the differ's tests: plays a [`Change`] on a
//! [`SqlSchema`] and gives the model of the database after it ran, or the
//! reason PostgreSQL (or the shape of the change list) would refuse it.
//!
//! The checks are the ones that make an out-of-order migration fail: a
//! missing table, column, type or namespace; a name already taken; a
//! column, key or type still in use; a foreign key without a unique key
//! behind it; an enum default naming a value the type lacks. `DropTable`
//! must also find exactly the table it carries, with its indexes, foreign
//! keys and triggers already gone, so that its reverse restores the table
//! whole. Nothing here looks at rows: a change that fails only on data
//! (duplicates, NULLs, orphans) is a [`Risk`](crate::sql::Risk), not a
//! refusal. One file per kind of object; this one holds the lookups they
//! share. Test code only: the real migrator is `db::apply`.

mod enums;
mod keys;
mod namespaces;
mod tables;
mod triggers;

use crate::sql::render::qualified;
use crate::sql::{Change, QualifiedName, SqlSchema, Table};

/// Why PostgreSQL would refuse a change, as its error would say it.
pub(super) type Refusal = String;

macro_rules! refuse {
    ($($arg:tt)*) => {
        return Err(format!($($arg)*))
    };
}
use refuse;

/// Plays `change` on `schema`, keeping the model's canonical order (an
/// added column goes last, as in PostgreSQL). On a refusal `schema` is
/// unchanged.
pub(super) fn play_one(schema: &mut SqlSchema, change: &Change) -> Result<(), Refusal> {
    match change {
        Change::CreateNamespace(name) => namespaces::create(schema, name),
        Change::DropNamespace(name) => namespaces::drop(schema, name),
        Change::CreateExtension(extension) => namespaces::create_extension(schema, extension),
        Change::DropExtension(extension) => namespaces::drop_extension(schema, extension),
        Change::CreateEnum(e) => enums::create(schema, e),
        Change::DropEnum(e) => enums::drop(schema, e),
        Change::AlterEnum(alter) => enums::alter(schema, alter),
        Change::CreateTable(table) => tables::create(schema, table),
        Change::DropTable(table) => tables::drop(schema, table),
        Change::AddColumn { table, column } => tables::add_column(schema, table, column),
        Change::DropColumn { table, column } => tables::drop_column(schema, table, column),
        Change::AlterColumn { table, from, to } => tables::alter_column(schema, table, from, to),
        Change::AddPrimaryKey { table, key } => keys::add_primary_key(schema, table, key),
        Change::DropPrimaryKey { table, key } => keys::drop_primary_key(schema, table, key),
        Change::CreateIndex { table, index } => keys::create_index(schema, table, index),
        Change::DropIndex { table, index } => keys::drop_index(schema, table, index),
        Change::AddForeignKey { table, key } => keys::add_foreign_key(schema, table, key),
        Change::DropForeignKey { table, key } => keys::drop_foreign_key(schema, table, key),
        // Not in the model: `play` tracks the function (see `triggers`).
        Change::CreateImmutableFunction => Ok(()),
        Change::DropImmutableFunction => triggers::drop_function(schema),
        Change::CreateImmutableTriggers { table, immutable } => triggers::create(schema, table, immutable),
        Change::DropImmutableTriggers { table, immutable } => triggers::drop(schema, table, immutable),
        Change::Rename(rename) => {
            if !crate::sql::renames::play(schema, rename) {
                refuse!("cannot {rename:?}");
            }
            Ok(())
        }
    }
}

fn find<'a>(schema: &'a SqlSchema, name: &QualifiedName) -> Result<&'a Table, Refusal> {
    match schema.tables.iter().find(|t| &t.name == name) {
        Some(table) => Ok(table),
        None => refuse!("table {} does not exist", qualified(name)),
    }
}

fn find_mut<'a>(schema: &'a mut SqlSchema, name: &QualifiedName) -> Result<&'a mut Table, Refusal> {
    match schema.tables.iter_mut().find(|t| &t.name == name) {
        Some(table) => Ok(table),
        None => refuse!("table {} does not exist", qualified(name)),
    }
}

fn namespace_exists(schema: &SqlSchema, name: &QualifiedName) -> Result<(), Refusal> {
    match &name.schema {
        Some(namespace) if !schema.namespaces.contains(namespace) => {
            refuse!("schema \"{namespace}\" of {} does not exist", qualified(name))
        }
        _ => Ok(()),
    }
}

/// A table's row type shares the type namespace with enums.
fn type_name_free(schema: &SqlSchema, name: &QualifiedName) -> Result<(), Refusal> {
    if schema.tables.iter().any(|t| &t.name == name) || schema.enums.iter().any(|e| &e.name == name) {
        refuse!("type {} already exists", qualified(name));
    }
    Ok(())
}

/// Tables, indexes and primary keys (an index too) share one namespace per
/// schema.
fn relation_name_free(schema: &SqlSchema, namespace: &Option<String>, name: &str) -> Result<(), Refusal> {
    for table in schema.tables.iter().filter(|t| &t.name.schema == namespace) {
        let key = table.primary_key.iter().map(|k| k.name.as_str());
        if table.name.name == name || key.chain(table.indexes.iter().map(|i| i.name.as_str())).any(|n| n == name) {
            refuse!("relation \"{name}\" already exists");
        }
    }
    Ok(())
}

fn columns_exist<'a>(table: &Table, mut names: impl Iterator<Item = &'a str>) -> Result<(), Refusal> {
    match names.find(|name| table.column(name).is_none()) {
        Some(name) => refuse!("column \"{name}\" of {} does not exist", qualified(&table.name)),
        None => Ok(()),
    }
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

fn same_set<T: PartialEq<U>, U>(a: &[T], b: &[U]) -> bool {
    a.len() == b.len() && a.iter().all(|x| b.iter().any(|y| x == y))
}
