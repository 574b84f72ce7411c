//! The safe order of a change list: every change runs after the objects it
//! needs exist and before the objects it needs gone are dropped.
//!
//! The rule, step by step ([`Step`] in order), with the reason for each
//! position:
//!
//!  1. create namespaces: anything else may live in one.
//!  2. create extensions: column types (`citext`), defaults
//!     (`gen_random_uuid()`) and operator classes may come from one.
//!  3. create the immutability function: triggers created later call it;
//!     it is `CREATE OR REPLACE`, so creating it early costs nothing.
//!  4. drop immutability triggers: a dropped table takes its triggers with
//!     it, so an explicit drop must come first, and the function cannot go
//!     while a trigger calls it. Dropping them before every other change
//!     also keeps them from refusing an UPDATE that a conversion or a
//!     backfill in this migration needs.
//!  5. drop foreign keys: a key holds on to its columns, its referenced
//!     table and the unique index or primary key behind it, and each of
//!     those drops fails while it exists.
//!  6. drop indexes, and
//!  7. drop primary keys: before their columns go, because `DROP COLUMN`
//!     silently drops every index on the column and a later explicit drop
//!     would then fail; and before a new index takes their name.
//!  8. add enum values: columns and tables changed below may default to a
//!     new value.
//!  9. drop tables: after the foreign keys that point at them; before a new
//!     enum takes the name of one (a table's row type holds its name).
//! 10. create enums: before the columns and tables of that type.
//! 11. drop, add and alter columns: by table, then drops, alters, adds.
//! 12. drop enums: after the last column of the type was dropped or
//!     retyped and its tables dropped; before a new table takes the name.
//! 13. create tables: the columns' types and namespaces exist by now.
//! 14. remove enum values: only once no column holds them any more (the
//!     columns that held them were dropped, retyped or moved to another
//!     value above); every column of the type exists by now, so the type
//!     conversion sees each one once.
//! 15. add primary keys, and
//! 16. create indexes: their columns exist, and foreign keys below need
//!     the unique key on their referenced columns.
//! 17. add foreign keys: the referenced table, columns and key exist.
//! 18. create immutability triggers: after their table and the function.
//! 19. drop the immutability function: every trigger that called it went
//!     in step 4.
//! 20. drop extensions: nothing uses them any more.
//! 21. drop namespaces: empty by now.
//!
//! Renames (`@ehrdb.renamedFrom`) are not found by the differ but come
//! before all of it ([`super::super::renames::diff_renaming`]): every
//! other change names the objects by their new names. Their step sorts
//! first and keeps their own order; undone, they come last, as a reversed
//! list puts them.
//!
//! The other steps are a palindrome: the reverse of a change in step `n` belongs
//! in step `22 - n` (a drop of what `n` creates, an enum removal for an
//! addition). So a change list reversed (last first, each change reversed)
//! is in this order too, and down migrations need no order of their own.
//! Within a step, changes go by table (or enum, or namespace) name, then
//! by the name of the object.

use crate::sql::{Change, QualifiedName};

/// The steps of the safe order; the module documentation gives the reason
/// for each position.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Step {
    Renames,
    CreateNamespaces,
    CreateExtensions,
    CreateFunction,
    DropTriggers,
    DropForeignKeys,
    DropIndexes,
    DropPrimaryKeys,
    AddEnumValues,
    DropTables,
    CreateEnums,
    Columns,
    DropEnums,
    CreateTables,
    RemoveEnumValues,
    AddPrimaryKeys,
    CreateIndexes,
    AddForeignKeys,
    CreateTriggers,
    DropFunction,
    DropExtensions,
    DropNamespaces,
}

#[cfg(test)]
impl Step {
    pub(super) const ALL: [Step; 21] = [
        Step::CreateNamespaces,
        Step::CreateExtensions,
        Step::CreateFunction,
        Step::DropTriggers,
        Step::DropForeignKeys,
        Step::DropIndexes,
        Step::DropPrimaryKeys,
        Step::AddEnumValues,
        Step::DropTables,
        Step::CreateEnums,
        Step::Columns,
        Step::DropEnums,
        Step::CreateTables,
        Step::RemoveEnumValues,
        Step::AddPrimaryKeys,
        Step::CreateIndexes,
        Step::AddForeignKeys,
        Step::CreateTriggers,
        Step::DropFunction,
        Step::DropExtensions,
        Step::DropNamespaces,
    ];

    /// The step where the reverse of this step's changes belongs (renames
    /// have none: see the module documentation).
    pub(super) fn mirror(self) -> Step {
        let at = Step::ALL.iter().position(|s| *s == self).expect("renames have no mirror");
        Step::ALL[Step::ALL.len() - 1 - at]
    }
}

/// The step a change belongs to.
pub(super) fn step(change: &Change) -> Step {
    match change {
        Change::Rename(_) => Step::Renames,
        Change::CreateNamespace(_) => Step::CreateNamespaces,
        Change::CreateExtension(_) => Step::CreateExtensions,
        Change::CreateImmutableFunction => Step::CreateFunction,
        Change::DropImmutableTriggers { .. } => Step::DropTriggers,
        Change::DropForeignKey { .. } => Step::DropForeignKeys,
        Change::DropIndex { .. } => Step::DropIndexes,
        Change::DropPrimaryKey { .. } => Step::DropPrimaryKeys,
        Change::AlterEnum(alter) if alter.from.iter().all(|v| alter.to.contains(v)) => Step::AddEnumValues,
        Change::DropTable(_) => Step::DropTables,
        Change::CreateEnum(_) => Step::CreateEnums,
        Change::DropColumn { .. } | Change::AddColumn { .. } | Change::AlterColumn { .. } => Step::Columns,
        Change::DropEnum(_) => Step::DropEnums,
        Change::CreateTable(_) => Step::CreateTables,
        Change::AlterEnum(_) => Step::RemoveEnumValues,
        Change::AddPrimaryKey { .. } => Step::AddPrimaryKeys,
        Change::CreateIndex { .. } => Step::CreateIndexes,
        Change::AddForeignKey { .. } => Step::AddForeignKeys,
        Change::CreateImmutableTriggers { .. } => Step::CreateTriggers,
        Change::DropImmutableFunction => Step::DropFunction,
        Change::DropExtension(_) => Step::DropExtensions,
        Change::DropNamespace(_) => Step::DropNamespaces,
    }
}

/// Sorts `changes` into the safe order. The sort is stable and every key
/// is distinct in a list from `diff`, so the order is deterministic.
pub(super) fn sort(changes: &mut [Change]) {
    changes.sort_by(|a, b| key(a).cmp(&key(b)));
}

type Key<'a> = (Step, Option<&'a QualifiedName>, u8, &'a str);

fn key(change: &Change) -> Key<'_> {
    let step = step(change);
    match change {
        Change::CreateNamespace(name) | Change::DropNamespace(name) => (step, None, 0, name),
        Change::CreateExtension(e) | Change::DropExtension(e) => (step, None, 0, &e.name),
        Change::CreateEnum(e) | Change::DropEnum(e) => (step, Some(&e.name), 0, ""),
        Change::AlterEnum(alter) => (step, Some(&alter.name), 0, ""),
        Change::CreateTable(table) | Change::DropTable(table) => (step, Some(&table.name), 0, ""),
        Change::DropColumn { table, column } => (step, Some(table), 0, &column.name),
        Change::AlterColumn { table, to, .. } => (step, Some(table), 1, &to.name),
        Change::AddColumn { table, column } => (step, Some(table), 2, &column.name),
        Change::AddPrimaryKey { table, key } | Change::DropPrimaryKey { table, key } => {
            (step, Some(table), 0, &key.name)
        }
        Change::CreateIndex { table, index } | Change::DropIndex { table, index } => {
            (step, Some(table), 0, &index.name)
        }
        Change::AddForeignKey { table, key } | Change::DropForeignKey { table, key } => {
            (step, Some(table), 0, &key.name)
        }
        Change::CreateImmutableTriggers { table, .. } | Change::DropImmutableTriggers { table, .. } => {
            (step, Some(table), 0, "")
        }
        Change::CreateImmutableFunction | Change::DropImmutableFunction | Change::Rename(_) => (step, None, 0, ""),
    }
}
