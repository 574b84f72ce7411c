//! The differ: two [`SqlSchema`]s give the ordered [`Change`]s that turn the
//! first into the second.
//!
//! Tables and enums match by [`QualifiedName`], columns by name; primary
//! keys, indexes and foreign keys match by name and must also be equal in
//! definition, or they are dropped and created again. Neither a column's
//! position nor the order of an enum's values makes a change: PostgreSQL
//! appends an added column, and can only insert an enum value next to one
//! that exists (Prisma Migrate ignores both the same way). The list comes
//! out in the safe order that `order` documents; [`Change::reverse`] undoes
//! one, and [`risks`] says which ones can lose data or fail on existing
//! rows. Nothing here writes SQL or reads a database. The tests play every
//! list on a simulated PostgreSQL (`tests/simulator`), forward and back.

mod order;
mod risk;
mod tables;
#[cfg(test)]
mod tests;

pub use risk::{rewrites_table, risks};

use super::{AlterEnum, Change, Enum, EnumColumn, QualifiedName, SqlSchema};

/// The changes that turn `from` into `to`, in a safe order.
pub fn diff(from: &SqlSchema, to: &SqlSchema) -> Vec<Change> {
    let mut changes = Vec::new();
    namespaces(from, to, &mut changes);
    if !to.ignores_extensions {
        extensions(from, to, &mut changes);
    }
    enums(from, to, &mut changes);
    tables::tables(from, to, &mut changes);
    immutable_function(from, to, &mut changes);
    order::sort(&mut changes);
    changes
}

/// The changes that undo `changes` (a down migration): the reverse of each,
/// last first. The result is in a safe order too, because the order of
/// `diff` is symmetric: the reverse of every step belongs in the mirrored
/// position.
pub fn reversed(changes: &[Change]) -> Vec<Change> {
    changes.iter().rev().map(Change::reverse).collect()
}

impl Change {
    /// The change that undoes this one.
    pub fn reverse(&self) -> Change {
        match self {
            Change::CreateNamespace(name) => Change::DropNamespace(name.clone()),
            Change::DropNamespace(name) => Change::CreateNamespace(name.clone()),
            Change::CreateExtension(extension) => Change::DropExtension(extension.clone()),
            Change::DropExtension(extension) => Change::CreateExtension(extension.clone()),
            Change::CreateEnum(e) => Change::DropEnum(e.clone()),
            Change::DropEnum(e) => Change::CreateEnum(e.clone()),
            // The columns stay: they are the columns of the type when the
            // step runs, and the reverse runs at the same point of the
            // reversed list, where the same columns exist.
            Change::AlterEnum(alter) => Change::AlterEnum(AlterEnum {
                name: alter.name.clone(),
                from: alter.to.clone(),
                to: alter.from.clone(),
                columns: alter.columns.clone(),
            }),
            Change::CreateTable(table) => Change::DropTable(table.clone()),
            Change::DropTable(table) => Change::CreateTable(table.clone()),
            Change::AddColumn { table, column } => Change::DropColumn { table: table.clone(), column: column.clone() },
            Change::DropColumn { table, column } => Change::AddColumn { table: table.clone(), column: column.clone() },
            Change::AlterColumn { table, from, to } => {
                Change::AlterColumn { table: table.clone(), from: to.clone(), to: from.clone() }
            }
            Change::AddPrimaryKey { table, key } => Change::DropPrimaryKey { table: table.clone(), key: key.clone() },
            Change::DropPrimaryKey { table, key } => Change::AddPrimaryKey { table: table.clone(), key: key.clone() },
            Change::CreateIndex { table, index } => Change::DropIndex { table: table.clone(), index: index.clone() },
            Change::DropIndex { table, index } => Change::CreateIndex { table: table.clone(), index: index.clone() },
            Change::AddForeignKey { table, key } => Change::DropForeignKey { table: table.clone(), key: key.clone() },
            Change::DropForeignKey { table, key } => Change::AddForeignKey { table: table.clone(), key: key.clone() },
            Change::CreateImmutableFunction => Change::DropImmutableFunction,
            Change::DropImmutableFunction => Change::CreateImmutableFunction,
            Change::CreateImmutableTriggers { table, immutable } => {
                Change::DropImmutableTriggers { table: table.clone(), immutable: immutable.clone() }
            }
            Change::DropImmutableTriggers { table, immutable } => {
                Change::CreateImmutableTriggers { table: table.clone(), immutable: immutable.clone() }
            }
            Change::Rename(rename) => Change::Rename(rename.reverse()),
        }
    }
}

fn namespaces(from: &SqlSchema, to: &SqlSchema, out: &mut Vec<Change>) {
    for name in to.namespaces.iter().filter(|n| !from.namespaces.contains(n)) {
        out.push(Change::CreateNamespace(name.clone()));
    }
    for name in from.namespaces.iter().filter(|n| !to.namespaces.contains(n)) {
        out.push(Change::DropNamespace(name.clone()));
    }
}

/// Extensions match by name only, and only when the schema arrived at
/// manages them ([`SqlSchema::ignores_extensions`]): a schema without
/// `postgresqlExtensions` neither installs nor removes one, which is also
/// why a database with extensions has no drift against it. A different version or schema is not
/// migrated: there is no change for `ALTER EXTENSION`, and dropping an
/// extension that columns use to create it again would fail or cascade.
fn extensions(from: &SqlSchema, to: &SqlSchema, out: &mut Vec<Change>) {
    let has = |schema: &SqlSchema, name: &str| schema.extensions.iter().any(|e| e.name == name);
    for extension in to.extensions.iter().filter(|e| !has(from, &e.name)) {
        out.push(Change::CreateExtension(extension.clone()));
    }
    for extension in from.extensions.iter().filter(|e| !has(to, &e.name)) {
        out.push(Change::DropExtension(extension.clone()));
    }
}

fn enums(from: &SqlSchema, to: &SqlSchema, out: &mut Vec<Change>) {
    for new in &to.enums {
        match find_enum(from, &new.name) {
            None => out.push(Change::CreateEnum(new.clone())),
            Some(old) => enum_values(old, new, from, to, out),
        }
    }
    for old in from.enums.iter().filter(|e| find_enum(to, &e.name).is_none()) {
        out.push(Change::DropEnum(old.clone()));
    }
}

/// Added values must exist before the columns and tables that default to
/// them are changed; removed values can only go once every column has
/// stopped holding them (dropped, retyped, or its table dropped). An enum
/// that both gains and loses values therefore takes two steps, one at each
/// end of the column changes: first `from` plus the added values, then the
/// values of `to`. Each step carries the columns of the type at the point
/// where it runs, which are the columns of `from` before the column
/// changes and those of `to` after them.
fn enum_values(old: &Enum, new: &Enum, from: &SqlSchema, to: &SqlSchema, out: &mut Vec<Change>) {
    let added: Vec<&String> = new.values.iter().filter(|v| !old.values.contains(v)).collect();
    let removes = old.values.iter().any(|v| !new.values.contains(v));
    if !removes {
        if !added.is_empty() {
            out.push(alter_enum(&new.name, &old.values, &new.values, from));
        }
        return;
    }
    let mut middle = old.values.clone();
    if !added.is_empty() {
        middle.extend(added.into_iter().cloned());
        out.push(alter_enum(&new.name, &old.values, &middle, from));
    }
    out.push(alter_enum(&new.name, &middle, &new.values, to));
}

fn alter_enum(name: &QualifiedName, from: &[String], to: &[String], columns_in: &SqlSchema) -> Change {
    Change::AlterEnum(AlterEnum {
        name: name.clone(),
        from: from.to_vec(),
        to: to.to_vec(),
        columns: enum_columns(columns_in, name),
    })
}

/// Every column of the enum type `name` in `schema`, by table, then column.
fn enum_columns(schema: &SqlSchema, name: &QualifiedName) -> Vec<EnumColumn> {
    let mut columns: Vec<EnumColumn> = schema
        .tables
        .iter()
        .flat_map(|table| {
            table
                .columns
                .iter()
                .filter(|c| matches!(&c.ty, super::ColumnType::Enum(e) if e == name))
                .map(|c| EnumColumn { table: table.name.clone(), column: c.clone() })
        })
        .collect();
    columns.sort_by(|a, b| (&a.table, &a.column.name).cmp(&(&b.table, &b.column.name)));
    columns
}

/// The shared trigger function exists while at least one table is
/// immutable: created with the first, dropped with the last.
fn immutable_function(from: &SqlSchema, to: &SqlSchema, out: &mut Vec<Change>) {
    let any_immutable = |schema: &SqlSchema| schema.tables.iter().any(|t| t.immutable.is_some());
    match (any_immutable(from), any_immutable(to)) {
        (false, true) => out.push(Change::CreateImmutableFunction),
        (true, false) => out.push(Change::DropImmutableFunction),
        _ => {}
    }
}

fn find_enum<'a>(schema: &'a SqlSchema, name: &QualifiedName) -> Option<&'a Enum> {
    schema.enums.iter().find(|e| &e.name == name)
}
