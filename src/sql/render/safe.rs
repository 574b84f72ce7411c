//! The lock-safe script: the same changes as [`super::script`], reaching
//! the same database, by a path that never makes writers queue behind a
//! long lock on a table that already has rows.
//!
//! Takes the differ's changes and returns a migration file of steps
//! ([`crate::migrations::steps`]). What touches only tables created in the
//! same migration stays as Prisma writes it, in the first step. On tables
//! that already exist:
//!
//! | change | Prisma's SQL (lock held for the whole of it) | here |
//! |---|---|---|
//! | a new index | `CREATE INDEX` (SHARE: no writes while it builds) | `CREATE INDEX CONCURRENTLY` in a no-transaction step |
//! | a dropped index | `DROP INDEX` (ACCESS EXCLUSIVE) | `DROP INDEX CONCURRENTLY IF EXISTS` |
//! | a primary key | `ADD PRIMARY KEY` (ACCESS EXCLUSIVE while it builds) | a concurrent unique index, then `ADD CONSTRAINT ... USING INDEX` |
//! | a foreign key | `ADD FOREIGN KEY` (SHARE ROW EXCLUSIVE on both tables while it scans) | `NOT VALID`, then `VALIDATE CONSTRAINT` in a later transaction (SHARE UPDATE EXCLUSIVE) |
//! | `SET NOT NULL` | ACCESS EXCLUSIVE while it scans | `CHECK (col IS NOT NULL) NOT VALID`, validated, then `SET NOT NULL` (no scan) and the check dropped |
//!
//! The steps, in order: renames (`@ehrdb.renamedFrom`, catalog only);
//! everything else (as Prisma orders it); the
//! concurrent index builds and drops; the constraints that use an index or
//! are not yet valid; their validation; `SET NOT NULL`. A script that uses
//! an enum value it adds commits the new values in a step of their own
//! first. Nothing here decides what changes; down.sql is the same function
//! of the reversed changes, where the renames come last, after the
//! concurrent steps that use the new names.

use std::collections::HashSet;

use super::{Change, alter, create_index, ident, idents, kind, qualified, statements};
use crate::migrations::steps::STEP_MARKER;
use crate::schema::names::MAX_IDENTIFIER_BYTES;
use crate::sql::QualifiedName;

/// The steps of the script, each a list of `(comment, statements)`.
#[derive(Default)]
struct Steps {
    /// Renames before everything (the differ puts them first).
    renames: Vec<Part>,
    /// Renames after everything: those of down.sql, undone last.
    renames_last: Vec<Part>,
    /// Enum values a later statement of the script uses.
    enum_values: Vec<Part>,
    first: Vec<Part>,
    concurrent: Vec<Part>,
    constraints: Vec<Part>,
    validate: Vec<Part>,
    not_null: Vec<Part>,
}

type Part = (&'static str, Vec<String>);

/// The lock-safe SQL of a list of changes, in steps.
pub fn safe_script(changes: &[Change]) -> String {
    let new: HashSet<&QualifiedName> = changes
        .iter()
        .filter_map(|c| match c {
            Change::CreateTable(table) => Some(&table.name),
            _ => None,
        })
        .collect();
    let exists = |table: &QualifiedName| !new.contains(table);
    let committed_first = alter::uses_added_enum_values(changes);
    let mut steps = Steps::default();
    for (at, change) in changes.iter().enumerate() {
        match change {
            Change::Rename(_) if changes[..at].iter().all(|c| matches!(c, Change::Rename(_))) => {
                steps.renames.push((kind(change), statements(change)));
            }
            Change::Rename(_) => steps.renames_last.push((kind(change), statements(change))),
            Change::AlterEnum(_) if committed_first && !alter::recreates_enum(change) => {
                steps.enum_values.push((kind(change), statements(change)));
            }
            Change::CreateIndex { table, index } if exists(table) => {
                let sql = create_index(table, index).replacen(" INDEX ", " INDEX CONCURRENTLY ", 1);
                steps.concurrent.push(("CreateIndex", vec![format!("{sql};")]));
            }
            Change::DropIndex { table, index } if exists(table) => {
                let name = QualifiedName { schema: table.schema.clone(), name: index.name.clone() };
                let sql = format!("DROP INDEX CONCURRENTLY IF EXISTS {};", qualified(&name));
                steps.concurrent.push(("DropIndex", vec![sql]));
            }
            Change::AddPrimaryKey { table, key } if exists(table) => {
                let columns = idents(key.columns.iter().map(|c| c.name.as_str()), ", ");
                let index = format!(
                    "CREATE UNIQUE INDEX CONCURRENTLY {} ON {}({columns});",
                    ident(&key.name),
                    qualified(table)
                );
                steps.concurrent.push(("CreateIndex", vec![index]));
                let name = ident(&key.name);
                let constraint =
                    format!("ALTER TABLE {} ADD CONSTRAINT {name} PRIMARY KEY USING INDEX {name};", qualified(table));
                steps.constraints.push(("AlterTable", vec![constraint]));
            }
            Change::AddForeignKey { table, key } if exists(table) || exists(&key.referenced_table) => {
                let add = statements(change).concat();
                let not_valid = format!("{} NOT VALID;", add.trim_end_matches(';'));
                steps.constraints.push(("AddForeignKey", vec![not_valid]));
                let validate = format!("ALTER TABLE {} VALIDATE CONSTRAINT {};", qualified(table), ident(&key.name));
                steps.validate.push(("ValidateForeignKey", vec![validate]));
            }
            Change::AlterColumn { table, from, to } if exists(table) && from.nullable && !to.nullable => {
                let mut rest = to.clone();
                rest.nullable = true;
                let others = alter::alter_column(table, from, &rest);
                if !others.is_empty() {
                    steps.first.push(("AlterTable", others));
                }
                let check = ident(&check_name(table, &to.name));
                let column = ident(&to.name);
                let table = qualified(table);
                steps.constraints.push((
                    "AddCheck",
                    vec![format!("ALTER TABLE {table} ADD CONSTRAINT {check} CHECK ({column} IS NOT NULL) NOT VALID;")],
                ));
                steps
                    .validate
                    .push(("ValidateCheck", vec![format!("ALTER TABLE {table} VALIDATE CONSTRAINT {check};")]));
                steps.not_null.push((
                    "AlterTable",
                    vec![
                        // The validated check proves it: no scan under the lock.
                        format!("ALTER TABLE {table} ALTER COLUMN {column} SET NOT NULL;"),
                        format!("ALTER TABLE {table} DROP CONSTRAINT {check};"),
                    ],
                ));
            }
            _ => {
                let sql = statements(change);
                if !sql.is_empty() {
                    steps.first.push((kind(change), sql));
                }
            }
        }
    }
    render(steps)
}

/// The name of the check that proves a column holds no NULL, within
/// PostgreSQL's identifier length.
fn check_name(table: &QualifiedName, column: &str) -> String {
    let mut name = format!("{}_{column}_not_null", table.name);
    while name.len() > MAX_IDENTIFIER_BYTES {
        name.pop();
    }
    name
}

fn render(steps: Steps) -> String {
    let no_transaction = format!("{STEP_MARKER} no-transaction");
    let ordered: [(&str, &[Part]); 8] = [
        (STEP_MARKER, &steps.renames),
        (STEP_MARKER, &steps.enum_values),
        (STEP_MARKER, &steps.first),
        (&no_transaction, &steps.concurrent),
        (STEP_MARKER, &steps.constraints),
        (STEP_MARKER, &steps.validate),
        (STEP_MARKER, &steps.not_null),
        (STEP_MARKER, &steps.renames_last),
    ];
    let mut out = String::new();
    for (marker, parts) in ordered {
        if parts.is_empty() {
            continue;
        }
        let first = out.is_empty();
        if !first {
            out.push_str("\n\n");
        }
        // The statements before any marker are a transactional step of
        // their own: such a step needs no marker when it comes first.
        if !first || marker != STEP_MARKER {
            out.push_str(marker);
            out.push('\n');
        }
        out.push_str(&render_parts(parts));
    }
    if out.is_empty() {
        out.push_str(super::EMPTY);
    }
    out.push('\n');
    out
}

fn render_parts(parts: &[Part]) -> String {
    let mut out = String::new();
    for (i, (comment, statements)) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str("\n\n");
        }
        out.push_str("-- ");
        out.push_str(comment);
        for statement in statements {
            out.push('\n');
            out.push_str(statement);
        }
    }
    out
}
