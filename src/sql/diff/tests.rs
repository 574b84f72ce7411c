//! Tests of the differ. This file holds the schema builders and
//! [`check_pair`], which every pair of schemas goes through: the changes
//! play on the first schema into the second on a simulated PostgreSQL
//! ([`simulator`]), the reversed changes play back, both lists are in the
//! safe order, and the reversed list is what diffing the other way gives.

mod hazards;
mod pairs;
mod props;
mod risks;
mod simulator;

use super::order::{self, Step, step};
use super::{diff, reversed};
use crate::sql::{
    Change, Column, ColumnDefault, ColumnType, Enum, ForeignKey, Immutable, Index, IndexColumn, PrimaryKey,
    QualifiedName, ReferentialAction, SqlSchema, Table,
};

/// `"Patient"`, or `"audit.Event"` for a table in a namespace.
pub(super) fn name(text: &str) -> QualifiedName {
    match text.split_once('.') {
        Some((schema, name)) => QualifiedName { schema: Some(schema.to_owned()), name: name.to_owned() },
        None => QualifiedName { schema: None, name: text.to_owned() },
    }
}

/// A NOT NULL column of a builtin type, without a default.
pub(super) fn col(name: &str, ty: &str) -> Column {
    Column {
        name: name.to_owned(),
        ty: ColumnType::Builtin(ty.to_owned()),
        array: false,
        nullable: false,
        default: None,
    }
}

/// A NOT NULL column of an enum type.
pub(super) fn enum_col(name: &str, ty: &str) -> Column {
    Column { ty: ColumnType::Enum(self::name(ty)), ..col(name, "") }
}

pub(super) fn nullable(column: Column) -> Column {
    Column { nullable: true, ..column }
}

pub(super) fn with_default(column: Column, literal: &str) -> Column {
    Column { default: Some(ColumnDefault::Literal(literal.to_owned())), ..column }
}

/// A table whose first column is its primary key, `<Table>_pkey`.
pub(super) fn table(name: &str, columns: Vec<Column>) -> Table {
    let name = self::name(name);
    let primary_key = columns
        .first()
        .map(|c| PrimaryKey { name: format!("{}_pkey", name.name), columns: vec![IndexColumn::plain(&c.name)] });
    Table { name, columns, primary_key, indexes: Vec::new(), foreign_keys: Vec::new(), immutable: None }
}

pub(super) fn index(name: &str, columns: &[&str]) -> Index {
    Index {
        name: name.to_owned(),
        unique: false,
        columns: columns.iter().map(|c| IndexColumn::plain(*c)).collect(),
        method: None,
        predicate: None,
    }
}

pub(super) fn unique(name: &str, columns: &[&str]) -> Index {
    Index { unique: true, ..index(name, columns) }
}

pub(super) fn fk(name: &str, columns: &[&str], referenced: &str, referenced_columns: &[&str]) -> ForeignKey {
    ForeignKey {
        name: name.to_owned(),
        columns: columns.iter().map(|c| (*c).to_owned()).collect(),
        referenced_table: self::name(referenced),
        referenced_columns: referenced_columns.iter().map(|c| (*c).to_owned()).collect(),
        on_delete: ReferentialAction::Restrict,
        on_update: ReferentialAction::Cascade,
    }
}

pub(super) fn immutable(allow_update: &[&str]) -> Option<Immutable> {
    Some(Immutable { allow_update: allow_update.iter().map(|c| (*c).to_owned()).collect() })
}

pub(super) fn enumeration(name: &str, values: &[&str]) -> Enum {
    Enum { name: self::name(name), values: values.iter().map(|v| (*v).to_owned()).collect() }
}

pub(super) fn schema(enums: Vec<Enum>, tables: Vec<Table>) -> SqlSchema {
    SqlSchema { namespaces: Vec::new(), extensions: Vec::new(), ignores_extensions: false, enums, tables }
}

/// Plays `changes` on `start` on the simulator, and also checks the one
/// thing the model cannot: the immutability function exists before a
/// trigger calls it, and is created only once.
pub(super) fn play(start: &SqlSchema, changes: &[Change]) -> SqlSchema {
    let mut schema = start.clone();
    let mut function = start.tables.iter().any(|t| t.immutable.is_some());
    for (at, change) in changes.iter().enumerate() {
        let checked = match change {
            Change::CreateImmutableFunction if function => Err("the function is created twice".to_owned()),
            Change::CreateImmutableTriggers { .. } if !function => Err("no function for the triggers".to_owned()),
            _ => simulator::play_one(&mut schema, change),
        };
        if let Err(error) = checked {
            panic!("change {at} fails: {error}\n{change:#?}\nin the list\n{changes:#?}");
        }
        match change {
            Change::CreateImmutableFunction => function = true,
            Change::DropImmutableFunction => function = false,
            _ => {}
        }
    }
    schema
}

/// The schema in a canonical order: everything by name, enum values too
/// (the differ does not migrate their order).
pub(super) fn normalized(schema: &SqlSchema) -> SqlSchema {
    let mut schema = schema.clone();
    schema.namespaces.sort();
    schema.extensions.sort_by(|a, b| a.name.cmp(&b.name));
    for e in &mut schema.enums {
        e.values.sort();
    }
    schema.enums.sort_by(|a, b| a.name.cmp(&b.name));
    for table in &mut schema.tables {
        table.columns.sort_by(|a, b| a.name.cmp(&b.name));
        table.indexes.sort_by(|a, b| a.name.cmp(&b.name));
        table.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
    }
    schema.tables.sort_by(|a, b| a.name.cmp(&b.name));
    schema
}

/// Enum steps with their values sorted: the two ways round pick different
/// intermediate orders for an enum that gains and loses values.
fn comparable(changes: &[Change]) -> Vec<Change> {
    changes
        .iter()
        .map(|change| match change {
            Change::AlterEnum(alter) => {
                let mut alter = alter.clone();
                alter.from.sort();
                alter.to.sort();
                Change::AlterEnum(alter)
            }
            other => other.clone(),
        })
        .collect()
}

pub(super) fn assert_in_order(changes: &[Change]) {
    for pair in changes.windows(2) {
        assert!(step(&pair[0]) <= step(&pair[1]), "out of order: {:#?} before {:#?}", pair[0], pair[1]);
    }
}

/// Everything that must hold for a pair of schemas; returns `diff(a, b)`.
pub(super) fn check_pair(a: &SqlSchema, b: &SqlSchema) -> Vec<Change> {
    let forward = diff(a, b);
    assert_in_order(&forward);
    assert_eq!(normalized(&play(a, &forward)), normalized(b), "diff(a, b) does not turn a into b:\n{forward:#?}");
    let back = reversed(&forward);
    assert_in_order(&back);
    assert_eq!(normalized(&play(b, &back)), normalized(a), "the reversed changes do not turn b into a:\n{back:#?}");
    let mut sorted = back.clone();
    order::sort(&mut sorted);
    assert_eq!(comparable(&sorted), comparable(&diff(b, a)), "the reversed changes are not diff(b, a)");
    for change in &forward {
        assert_eq!(&change.reverse().reverse(), change);
        assert_eq!(step(&change.reverse()), step(change).mirror(), "{change:?}");
    }
    assert!(diff(a, a).is_empty() && diff(b, b).is_empty());
    assert_eq!(crate::sql::summary::summary(&forward).lines().count(), forward.len(), "one summary line per change");
    forward
}

/// The position of the first change that `matches`.
pub(super) fn position(changes: &[Change], matches: impl Fn(&Change) -> bool) -> usize {
    changes.iter().position(matches).unwrap_or_else(|| panic!("no such change in {changes:#?}"))
}

#[test]
fn the_steps_are_a_palindrome() {
    // Renames come first, before the palindrome (`order`).
    for (i, step) in Step::ALL.iter().enumerate() {
        assert_eq!(*step as usize, i + 1);
        assert_eq!(step.mirror().mirror(), *step);
    }
    assert_eq!(Step::Columns.mirror(), Step::Columns);
}

/// Renames played on the simulator: forward they reach the new schema with
/// nothing dropped, and reversed they bring the old one back.
#[test]
fn renames_reach_the_new_schema_and_back_without_a_drop() {
    use crate::sql::renames::{Renames, diff_renaming};
    let old = schema(
        vec![enumeration("Status", &["ACTIVE", "RETIRED"])],
        vec![
            Table {
                primary_key: Some(crate::sql::PrimaryKey {
                    name: "Person_pkey".into(),
                    columns: vec![crate::sql::IndexColumn::plain("id")],
                }),
                indexes: vec![index("Person_fullName_idx", &["fullName"])],
                ..table("Person", vec![col("id", "INTEGER"), col("fullName", "TEXT"), enum_col("status", "Status")])
            },
            Table {
                foreign_keys: vec![fk("Note_personId_fkey", &["personId"], "Person", &["id"])],
                ..table("Note", vec![col("id", "INTEGER"), col("personId", "INTEGER")])
            },
        ],
    );
    let new = schema(
        vec![enumeration("PatientStatus", &["ADMITTED", "RETIRED"])],
        vec![
            Table {
                primary_key: Some(crate::sql::PrimaryKey {
                    name: "Patient_pkey".into(),
                    columns: vec![crate::sql::IndexColumn::plain("id")],
                }),
                indexes: vec![index("Patient_name_idx", &["name"])],
                ..table("Patient", vec![col("id", "INTEGER"), col("name", "TEXT"), enum_col("status", "PatientStatus")])
            },
            Table {
                foreign_keys: vec![fk("Note_personId_fkey", &["personId"], "Patient", &["id"])],
                ..table("Note", vec![col("id", "INTEGER"), col("personId", "INTEGER")])
            },
        ],
    );
    let renames = Renames {
        tables: vec![(name("Person"), name("Patient"))],
        columns: vec![(name("Patient"), "fullName".into(), "name".into())],
        enums: vec![(name("Status"), name("PatientStatus"))],
        values: vec![(name("PatientStatus"), "ACTIVE".into(), "ADMITTED".into())],
    };
    let changes = diff_renaming(&old, &new, &renames);
    assert!(changes.iter().all(|c| matches!(c, Change::Rename(_))), "only renames: {changes:#?}");
    assert_eq!(changes.len(), 6, "enum, value, table, column, key and index: {changes:#?}");
    assert_eq!(normalized(&play(&old, &changes)), normalized(&new));
    assert_eq!(normalized(&play(&new, &reversed(&changes))), normalized(&old));
    // Without the renames the same edit drops the table and the column.
    let plain = diff(&old, &new);
    assert!(plain.iter().any(|c| matches!(c, Change::DropTable(_))), "{plain:#?}");
}
