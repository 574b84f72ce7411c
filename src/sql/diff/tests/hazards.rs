//! One test per ordering hazard: each builds the case, checks the pair
//! (which plays the changes with `apply`'s checks both ways) and asserts
//! the order that avoids the failure.

use super::*;
use crate::sql::{AlterEnum, Extension};

fn is_create_table(change: &Change, name: &str) -> bool {
    matches!(change, Change::CreateTable(t) if t.name.name == name)
}

fn is_drop_table(change: &Change, name: &str) -> bool {
    matches!(change, Change::DropTable(t) if t.name.name == name)
}

#[test]
fn a_foreign_key_to_a_new_table_comes_after_the_table() {
    let patient = table("Patient", vec![col("id", "INTEGER")]);
    let a = schema(vec![], vec![patient.clone()]);
    let mut with_ward = patient.clone();
    with_ward.columns.push(nullable(col("wardId", "INTEGER")));
    with_ward.foreign_keys.push(fk("Patient_wardId_fkey", &["wardId"], "Ward", &["id"]));
    let b = schema(vec![], vec![with_ward, table("Ward", vec![col("id", "INTEGER")])]);
    let changes = check_pair(&a, &b);
    let create = position(&changes, |c| is_create_table(c, "Ward"));
    let add_column = position(&changes, |c| matches!(c, Change::AddColumn { .. }));
    let key = position(&changes, |c| matches!(c, Change::AddForeignKey { .. }));
    assert!(create < key && add_column < key, "{changes:#?}");
}

#[test]
fn an_index_on_a_dropped_column_is_dropped_before_the_column() {
    // DROP COLUMN silently drops the index; an explicit drop after it fails.
    let mut before = table("Patient", vec![col("id", "INTEGER"), col("a", "TEXT"), col("b", "TEXT")]);
    before.indexes.push(index("Patient_a_b_idx", &["a", "b"]));
    let after = table("Patient", vec![col("id", "INTEGER"), col("a", "TEXT")]);
    let changes = check_pair(&schema(vec![], vec![before]), &schema(vec![], vec![after]));
    let drop_index = position(&changes, |c| matches!(c, Change::DropIndex { .. }));
    let drop_column = position(&changes, |c| matches!(c, Change::DropColumn { .. }));
    assert!(drop_index < drop_column, "{changes:#?}");
}

#[test]
fn an_enum_is_created_before_the_columns_and_tables_that_use_it() {
    let a = schema(vec![], vec![table("Staff", vec![col("id", "INTEGER")])]);
    let b = schema(
        vec![enumeration("Role", &["NURSE", "SURGEON"])],
        vec![
            table("Staff", vec![col("id", "INTEGER"), with_default(enum_col("role", "Role"), "'NURSE'")]),
            table("Rota", vec![col("id", "INTEGER"), enum_col("role", "Role")]),
        ],
    );
    let changes = check_pair(&a, &b);
    let create = position(&changes, |c| matches!(c, Change::CreateEnum(_)));
    assert!(create < position(&changes, |c| matches!(c, Change::AddColumn { .. })));
    assert!(create < position(&changes, |c| is_create_table(c, "Rota")));
}

#[test]
fn an_enum_is_dropped_after_the_last_column_and_table_that_used_it() {
    let a = schema(
        vec![enumeration("Role", &["NURSE", "SURGEON"])],
        vec![
            table("Staff", vec![col("id", "INTEGER"), enum_col("role", "Role")]),
            table("Rota", vec![col("id", "INTEGER"), enum_col("role", "Role")]),
            table("Shift", vec![col("id", "INTEGER"), enum_col("role", "Role")]),
        ],
    );
    let b = schema(
        vec![],
        vec![
            table("Staff", vec![col("id", "INTEGER")]),
            table("Shift", vec![col("id", "INTEGER"), col("role", "TEXT")]),
        ],
    );
    let changes = check_pair(&a, &b);
    let drop = position(&changes, |c| matches!(c, Change::DropEnum(_)));
    assert!(position(&changes, |c| matches!(c, Change::DropColumn { .. })) < drop);
    assert!(position(&changes, |c| matches!(c, Change::AlterColumn { .. })) < drop);
    assert!(position(&changes, |c| is_drop_table(c, "Rota")) < drop);
}

#[test]
fn a_new_table_may_take_the_name_of_a_dropped_enum_and_the_reverse() {
    // A table's row type shares the type namespace with enums.
    let a = schema(vec![enumeration("Ward", &["A"])], vec![]);
    let b = schema(vec![], vec![table("Ward", vec![col("id", "INTEGER")])]);
    let changes = check_pair(&a, &b);
    assert!(
        position(&changes, |c| matches!(c, Change::DropEnum(_))) < position(&changes, |c| is_create_table(c, "Ward"))
    );
    let changes = check_pair(&b, &a);
    assert!(
        position(&changes, |c| is_drop_table(c, "Ward")) < position(&changes, |c| matches!(c, Change::CreateEnum(_)))
    );
}

#[test]
fn triggers_are_dropped_before_their_table() {
    let mut note = table("ClinicalNote", vec![col("id", "INTEGER"), col("body", "TEXT")]);
    note.immutable = immutable(&[]);
    let a = schema(vec![], vec![note, table("Patient", vec![col("id", "INTEGER")])]);
    let b = schema(vec![], vec![table("Patient", vec![col("id", "INTEGER")])]);
    let changes = check_pair(&a, &b);
    let triggers = position(&changes, |c| matches!(c, Change::DropImmutableTriggers { .. }));
    let drop = position(&changes, |c| is_drop_table(c, "ClinicalNote"));
    let function = position(&changes, |c| matches!(c, Change::DropImmutableFunction));
    assert!(triggers < drop && triggers < function, "{changes:#?}");
}

#[test]
fn the_function_comes_before_the_first_triggers_and_goes_after_the_last() {
    let mut note = table("ClinicalNote", vec![col("id", "INTEGER"), col("amendedAt", "TIMESTAMP(3)")]);
    note.immutable = immutable(&["amendedAt"]);
    let mut event = table("DomainEvent", vec![col("id", "INTEGER")]);
    event.immutable = immutable(&[]);
    let a = schema(vec![], vec![]);
    let b = schema(vec![], vec![note, event]);
    let changes = check_pair(&a, &b);
    let function = position(&changes, |c| matches!(c, Change::CreateImmutableFunction));
    let first = position(&changes, |c| matches!(c, Change::CreateImmutableTriggers { .. }));
    let table = position(&changes, |c| is_create_table(c, "ClinicalNote"));
    assert!(function < first && table < first);
    assert_eq!(changes.iter().filter(|c| matches!(c, Change::CreateImmutableFunction)).count(), 1);
    // One immutable table more or less does not touch the function.
    let mut one_less = b.clone();
    one_less.tables[1].immutable = None;
    let changes = check_pair(&b, &one_less);
    assert!(!changes.iter().any(|c| matches!(c, Change::CreateImmutableFunction | Change::DropImmutableFunction)));
}

#[test]
fn an_added_enum_value_exists_before_a_column_defaults_to_it() {
    let staff =
        |default: &str| table("Staff", vec![col("id", "INTEGER"), with_default(enum_col("role", "Role"), default)]);
    let a = schema(vec![enumeration("Role", &["NURSE"])], vec![staff("'NURSE'")]);
    let b = schema(vec![enumeration("Role", &["NURSE", "SURGEON"])], vec![staff("'SURGEON'")]);
    let changes = check_pair(&a, &b);
    let alter = position(&changes, |c| matches!(c, Change::AlterEnum(_)));
    assert!(alter < position(&changes, |c| matches!(c, Change::AlterColumn { .. })));
}

#[test]
fn a_value_is_removed_after_the_columns_stopped_using_it() {
    // The column that held the value is dropped, its table dropped, or its
    // default moved off it first; otherwise the type conversion fails.
    let a = schema(
        vec![enumeration("Status", &["DRAFT", "SIGNED", "VOID"])],
        vec![
            table("Note", vec![col("id", "INTEGER"), with_default(enum_col("status", "Status"), "'VOID'")]),
            table("Letter", vec![col("id", "INTEGER"), enum_col("status", "Status"), enum_col("old", "Status")]),
            table("Draft", vec![col("id", "INTEGER"), enum_col("status", "Status")]),
        ],
    );
    let b = schema(
        vec![enumeration("Status", &["DRAFT", "SIGNED"])],
        vec![
            table("Note", vec![col("id", "INTEGER"), with_default(enum_col("status", "Status"), "'DRAFT'")]),
            table("Letter", vec![col("id", "INTEGER"), enum_col("status", "Status")]),
        ],
    );
    let changes = check_pair(&a, &b);
    let alter = position(&changes, |c| matches!(c, Change::AlterEnum(_)));
    assert!(position(&changes, |c| matches!(c, Change::AlterColumn { .. })) < alter);
    assert!(position(&changes, |c| matches!(c, Change::DropColumn { .. })) < alter);
    assert!(position(&changes, |c| is_drop_table(c, "Draft")) < alter);
    // It converts exactly the columns of the type that remain.
    let Change::AlterEnum(AlterEnum { columns, .. }) = &changes[alter] else { unreachable!() };
    let names: Vec<(&str, &str)> = columns.iter().map(|c| (c.table.name.as_str(), c.column.name.as_str())).collect();
    assert_eq!(names, [("Letter", "status"), ("Note", "status")]);
}

#[test]
fn an_enum_that_gains_and_loses_values_takes_a_step_at_each_end() {
    let staff =
        |default: &str| table("Staff", vec![col("id", "INTEGER"), with_default(enum_col("role", "Role"), default)]);
    let a = schema(vec![enumeration("Role", &["NURSE", "DOCTOR"])], vec![staff("'DOCTOR'")]);
    let b = schema(vec![enumeration("Role", &["NURSE", "SURGEON"])], vec![staff("'SURGEON'")]);
    let changes = check_pair(&a, &b);
    let steps: Vec<(usize, &AlterEnum)> = changes
        .iter()
        .enumerate()
        .filter_map(|(i, c)| if let Change::AlterEnum(alter) = c { Some((i, alter)) } else { None })
        .collect();
    assert_eq!(steps.len(), 2, "{changes:#?}");
    let column = position(&changes, |c| matches!(c, Change::AlterColumn { .. }));
    assert!(steps[0].0 < column && column < steps[1].0);
    assert_eq!(
        (steps[0].1.from.as_slice(), steps[0].1.to.as_slice()),
        (&a.enums[0].values[..], &["NURSE".to_owned(), "DOCTOR".into(), "SURGEON".into()][..])
    );
    assert_eq!(steps[1].1.to, b.enums[0].values);
}

#[test]
fn a_renamed_primary_key_takes_the_foreign_keys_on_it_down_and_up() {
    // PostgreSQL refuses to drop a key that a foreign key depends on.
    let mut note = table("Note", vec![col("id", "INTEGER"), col("patientId", "INTEGER")]);
    note.foreign_keys.push(fk("Note_patientId_fkey", &["patientId"], "Patient", &["id"]));
    let patient = table("Patient", vec![col("id", "INTEGER")]);
    let mut renamed = patient.clone();
    renamed.primary_key.as_mut().unwrap().name = "patient_pk".into();
    let changes = check_pair(&schema(vec![], vec![note.clone(), patient]), &schema(vec![], vec![note, renamed]));
    let drop_fk = position(&changes, |c| matches!(c, Change::DropForeignKey { .. }));
    let drop_pk = position(&changes, |c| matches!(c, Change::DropPrimaryKey { .. }));
    let add_pk = position(&changes, |c| matches!(c, Change::AddPrimaryKey { .. }));
    let add_fk = position(&changes, |c| matches!(c, Change::AddForeignKey { .. }));
    assert!(drop_fk < drop_pk && drop_pk < add_pk && add_pk < add_fk, "{changes:#?}");
}

#[test]
fn a_retyped_column_takes_its_indexes_and_keys_down_and_up() {
    let mut note = table("Note", vec![col("id", "INTEGER"), col("patientId", "INTEGER")]);
    note.foreign_keys.push(fk("Note_patientId_fkey", &["patientId"], "Patient", &["id"]));
    note.indexes.push(index("Note_patientId_idx", &["patientId"]));
    let patient = |ty: &str| table("Patient", vec![col("id", ty)]);
    let mut wide = note.clone();
    wide.columns[1].ty = ColumnType::Builtin("BIGINT".into());
    let a = schema(vec![], vec![note, patient("INTEGER")]);
    let b = schema(vec![], vec![wide, patient("BIGINT")]);
    let changes = check_pair(&a, &b);
    let kinds: Vec<&str> = changes.iter().map(kind).collect();
    assert_eq!(
        kinds,
        [
            "DropForeignKey",
            "DropIndex",
            "DropPrimaryKey",
            "AlterColumn",
            "AlterColumn",
            "AddPrimaryKey",
            "CreateIndex",
            "AddForeignKey"
        ]
    );
}

#[test]
fn namespaces_and_extensions_come_first_and_go_last() {
    let mut a = schema(vec![], vec![]);
    a.namespaces.push("audit".into());
    a.extensions.push(Extension { name: "citext".into(), schema: Some("audit".into()), version: None });
    a.tables.push(table(
        "audit.Event",
        vec![col("id", "INTEGER"), Column { ty: ColumnType::Builtin("CITEXT".into()), ..col("actor", "") }],
    ));
    let b = schema(vec![], vec![]);
    let changes = check_pair(&a, &b);
    let kinds: Vec<&str> = changes.iter().map(kind).collect();
    assert_eq!(kinds, ["DropTable", "DropExtension", "DropNamespace"]);
    let kinds: Vec<&str> = check_pair(&b, &a).iter().map(kind).collect();
    assert_eq!(kinds, ["CreateNamespace", "CreateExtension", "CreateTable"]);
}

#[test]
fn a_step_goes_by_table_then_by_name() {
    let bare = |name: &str| table(name, vec![col("id", "INTEGER")]);
    let a = schema(vec![], vec![bare("B"), bare("A")]);
    let indexed = |name: &str| {
        let mut t = table(name, vec![col("id", "INTEGER"), col("x", "TEXT"), col("y", "TEXT")]);
        t.indexes = vec![index(&format!("{name}_y_idx"), &["y"]), index(&format!("{name}_x_idx"), &["x"])];
        t
    };
    let b = schema(vec![], vec![indexed("B"), indexed("A")]);
    let changes = check_pair(&a, &b);
    let described: Vec<String> = changes
        .iter()
        .map(|c| match c {
            Change::AddColumn { table, column } => format!("{} {}", table.name, column.name),
            Change::CreateIndex { index, .. } => index.name.clone(),
            other => format!("{other:?}"),
        })
        .collect();
    assert_eq!(described, ["A x", "A y", "B x", "B y", "A_x_idx", "A_y_idx", "B_x_idx", "B_y_idx"]);
}

#[test]
fn column_position_and_enum_value_order_make_no_change() {
    let a = schema(
        vec![enumeration("Role", &["A", "B"])],
        vec![table("T", vec![col("id", "INTEGER"), col("x", "TEXT"), enum_col("r", "Role")])],
    );
    let b = schema(
        vec![enumeration("Role", &["B", "A"])],
        vec![table("T", vec![col("id", "INTEGER"), enum_col("r", "Role"), col("x", "TEXT")])],
    );
    assert_eq!(diff(&a, &b), []);
}

/// The variant name of a change.
pub(super) fn kind(change: &Change) -> &'static str {
    match change {
        Change::CreateNamespace(_) => "CreateNamespace",
        Change::DropNamespace(_) => "DropNamespace",
        Change::CreateExtension(_) => "CreateExtension",
        Change::DropExtension(_) => "DropExtension",
        Change::CreateEnum(_) => "CreateEnum",
        Change::DropEnum(_) => "DropEnum",
        Change::AlterEnum(_) => "AlterEnum",
        Change::CreateTable(_) => "CreateTable",
        Change::DropTable(_) => "DropTable",
        Change::AddColumn { .. } => "AddColumn",
        Change::DropColumn { .. } => "DropColumn",
        Change::AlterColumn { .. } => "AlterColumn",
        Change::AddPrimaryKey { .. } => "AddPrimaryKey",
        Change::DropPrimaryKey { .. } => "DropPrimaryKey",
        Change::CreateIndex { .. } => "CreateIndex",
        Change::DropIndex { .. } => "DropIndex",
        Change::AddForeignKey { .. } => "AddForeignKey",
        Change::DropForeignKey { .. } => "DropForeignKey",
        Change::CreateImmutableFunction => "CreateImmutableFunction",
        Change::DropImmutableFunction => "DropImmutableFunction",
        Change::CreateImmutableTriggers { .. } => "CreateImmutableTriggers",
        Change::DropImmutableTriggers { .. } => "DropImmutableTriggers",
        Change::Rename(_) => "Rename",
    }
}
