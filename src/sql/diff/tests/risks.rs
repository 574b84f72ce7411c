//! Risks: which changes are destructive or risky, what the reviewer reads,
//! and what the context of a change list takes away.

use super::*;
use crate::sql::diff::risks;
use crate::sql::{AlterEnum, EnumColumn, Risk};

fn destructive(change: &Change) -> String {
    match change.risk() {
        Some(Risk::Destructive(message)) => message,
        other => panic!("{change:?} is {other:?}, not destructive"),
    }
}

fn risky(change: &Change) -> String {
    match change.risk() {
        Some(Risk::Risky(message)) => message,
        other => panic!("{change:?} is {other:?}, not risky"),
    }
}

fn retype(from: &str, to: &str) -> Change {
    let column = |ty: &str| match ty.strip_suffix("[]") {
        Some(element) => Column { array: true, ..nullable(col("value", element)) },
        None if ty.starts_with('"') => nullable(enum_col("value", ty.trim_matches('"'))),
        None => nullable(col("value", ty)),
    };
    Change::AlterColumn { table: name("Patient"), from: column(from), to: column(to) }
}

#[test]
fn drops_lose_data() {
    let patient = table("Patient", vec![col("id", "TEXT"), col("nhsNumber", "VARCHAR(10)")]);
    assert_eq!(destructive(&Change::DropTable(patient.clone())), r#"Drops table "Patient" and every row in it."#);
    let column = Change::DropColumn { table: name("audit.Event"), column: patient.columns[1].clone() };
    assert_eq!(destructive(&column), r#"Drops column "audit"."Event"."nhsNumber" and the data in it."#);
    let role = Change::DropEnum(enumeration("Role", &["NURSE", "SURGEON"]));
    assert_eq!(destructive(&role), r#"Drops enum "Role" and its values "NURSE", "SURGEON"."#);
    let triggers = Change::DropImmutableTriggers { table: name("ClinicalNote"), immutable: immutable(&[]).unwrap() };
    assert_eq!(
        destructive(&triggers),
        r#"Drops the immutability triggers of "ClinicalNote": UPDATE, DELETE and TRUNCATE on this audit table become possible."#
    );
}

#[test]
fn removing_enum_values_names_them_and_the_columns_that_hold_them() {
    let column = EnumColumn { table: name("Staff"), column: enum_col("role", "Role") };
    let alter = |from: &[&str], to: &[&str], columns: Vec<EnumColumn>| {
        Change::AlterEnum(AlterEnum {
            name: name("Role"),
            from: from.iter().map(|v| (*v).to_owned()).collect(),
            to: to.iter().map(|v| (*v).to_owned()).collect(),
            columns,
        })
    };
    assert_eq!(alter(&["A"], &["A", "B"], vec![column.clone()]).risk(), None);
    assert_eq!(
        destructive(&alter(&["A", "B", "C"], &["A"], vec![column.clone()])),
        r#"Removes values "B", "C" from enum "Role": the migration fails while a row still holds one in "Staff"."role"."#
    );
    assert_eq!(destructive(&alter(&["A", "B"], &["A"], vec![])), r#"Removes value "B" from enum "Role"."#);
}

#[test]
fn only_known_widenings_are_safe_type_changes() {
    let widenings = [
        ("VARCHAR(10)", "VARCHAR(20)"),
        ("VARCHAR(10)", "TEXT"),
        ("VARCHAR(10)", "VARCHAR"),
        ("TEXT", "VARCHAR"),
        ("DECIMAL(10,2)", "DECIMAL(65,2)"),
        ("DECIMAL(10,2)", "DECIMAL"),
        ("TIMESTAMP(3)", "TIMESTAMP(6)"),
        ("TIMESTAMPTZ(3)", "TIMESTAMPTZ"),
    ];
    for (from, to) in widenings {
        assert_eq!(retype(from, to).risk(), None, "{from} -> {to}");
    }
    // Widenings all the same, but PostgreSQL rewrites the table for them.
    let rewrites = [
        ("CHAR(2)", "CHAR(3)"),
        ("SMALLINT", "INTEGER"),
        ("INTEGER", "BIGINT"),
        ("INTEGER", "DECIMAL(12,2)"),
        ("BIGINT", "DECIMAL"),
        ("INTEGER", "DOUBLE PRECISION"),
        ("REAL", "DOUBLE PRECISION"),
        ("DECIMAL(10,2)", "DECIMAL(12,4)"),
        ("DECIMAL(10,2)", "DECIMAL(65,30)"),
        ("VARCHAR(10)[]", "VARCHAR(20)[]"),
        ("\"Role\"", "TEXT"),
    ];
    for (from, to) in rewrites {
        assert!(
            risky(&retype(from, to)).contains("rewrite the table and its indexes under an ACCESS EXCLUSIVE lock"),
            "{from} -> {to}"
        );
    }
    let narrowings = [
        ("VARCHAR(20)", "VARCHAR(10)"),
        ("TEXT", "VARCHAR(10)"),
        ("VARCHAR", "VARCHAR(10)"),
        ("BIGINT", "INTEGER"),
        ("BIGINT", "DECIMAL(12,2)"),
        ("DECIMAL(10,2)", "DECIMAL(10,1)"),
        ("DECIMAL(10,2)", "DECIMAL(10,3)"),
        ("DECIMAL", "DECIMAL(65,30)"),
        ("DOUBLE PRECISION", "REAL"),
        ("TIMESTAMP(6)", "TIMESTAMP(3)"),
        ("TIMESTAMP", "TIMESTAMP(3)"),
    ];
    for (from, to) in narrowings {
        assert!(destructive(&retype(from, to)).contains("which narrows it"), "{from} -> {to}");
    }
    let conversions = [
        ("TEXT", "INTEGER"),
        ("TIMESTAMP(3)", "TIMESTAMPTZ(3)"),
        ("CHAR(10)", "VARCHAR(10)"),
        ("JSON", "JSONB"),
        ("TEXT", "\"Role\""),
        ("\"Role\"", "VARCHAR(10)"),
        ("TEXT[]", "TEXT"),
        ("TEXT", "TEXT[]"),
    ];
    for (from, to) in conversions {
        assert!(destructive(&retype(from, to)).contains("not a lossless conversion"), "{from} -> {to}");
    }
}

#[test]
fn a_type_change_message_names_the_column_and_both_types() {
    assert_eq!(
        destructive(&retype("TEXT", "VARCHAR(10)")),
        r#"Changes "Patient"."value" from TEXT to VARCHAR(10), which narrows it: a value that does not fit is rounded or makes the migration fail."#
    );
    let Change::AlterColumn { table, from, mut to } = retype("TEXT[]", "\"Role\"") else { unreachable!() };
    to.nullable = false;
    assert_eq!(
        destructive(&Change::AlterColumn { table, from, to }),
        r#"Changes "Patient"."value" from TEXT[] to "Role", which is not a lossless conversion: a value that does not convert makes the migration fail, or is lost. It also becomes NOT NULL, which fails if a row holds NULL in it."#
    );
}

#[test]
fn changes_that_fail_on_existing_rows_are_risky() {
    let patient = name("Patient");
    let column = col("nhsNumber", "VARCHAR(10)");
    let add = |column: Column| Change::AddColumn { table: patient.clone(), column };
    assert_eq!(
        risky(&add(column.clone())),
        r#"Adds NOT NULL column "Patient"."nhsNumber" without a default: this fails if the table has rows."#
    );
    assert_eq!(add(nullable(column.clone())).risk(), None);
    assert_eq!(add(with_default(column.clone(), "''")).risk(), None);
    assert_eq!(add(Column { default: Some(ColumnDefault::Sequence), ..col("n", "INTEGER") }).risk(), None);
    let not_null = Change::AlterColumn { table: patient.clone(), from: nullable(column.clone()), to: column.clone() };
    assert_eq!(risky(&not_null), r#"Makes "Patient"."nhsNumber" NOT NULL: this fails if a row holds NULL in it."#);
    assert_eq!(not_null.reverse().risk(), None);
    let index = |index: Index| Change::CreateIndex { table: patient.clone(), index };
    assert_eq!(
        risky(&index(unique("Patient_nhsNumber_key", &["nhsNumber"]))),
        r#"Creates unique index "Patient_nhsNumber_key" on "Patient" ("nhsNumber"): this fails if rows hold duplicate values."#
    );
    assert_eq!(index(super::index("Patient_nhsNumber_idx", &["nhsNumber"])).risk(), None);
    let key = Change::AddForeignKey {
        table: name("Note"),
        key: fk("Note_patientId_fkey", &["patientId"], "Patient", &["id"]),
    };
    assert_eq!(
        risky(&key),
        r#"Adds foreign key "Note_patientId_fkey" on "Note" ("patientId") to "Patient": this fails if a row references one that does not exist."#
    );
    let primary =
        Change::AddPrimaryKey { table: patient, key: table("Patient", vec![col("id", "TEXT")]).primary_key.unwrap() };
    assert!(risky(&primary).contains("duplicates or NULLs"));
}

#[test]
fn creates_on_a_new_table_are_not_risky() {
    let mut note = table("Note", vec![col("id", "TEXT"), col("patientId", "TEXT"), col("code", "TEXT")]);
    note.indexes.push(unique("Note_code_key", &["code"]));
    note.foreign_keys.push(fk("Note_patientId_fkey", &["patientId"], "Patient", &["id"]));
    let patient = table("Patient", vec![col("id", "TEXT")]);
    let changes = diff(&schema(vec![], vec![patient.clone()]), &schema(vec![], vec![patient, note]));
    assert_eq!(changes.len(), 3);
    assert_eq!(risks(&changes), [None, None, None]);
    // The same index and key on a table that exists are risky.
    let alone: Vec<Change> = changes[1..].to_vec();
    assert!(risks(&alone).iter().all(|r| matches!(r, Some(Risk::Risky(_)))));
}

#[test]
fn an_index_or_key_created_again_as_it_was_is_not_risky() {
    let mut patient = table("Patient", vec![col("id", "INTEGER"), col("mrn", "VARCHAR(10)")]);
    patient.indexes.push(unique("Patient_mrn_key", &["mrn"]));
    let mut wider = patient.clone();
    wider.columns[1].ty = ColumnType::Builtin("VARCHAR(20)".into());
    let changes = diff(&schema(vec![], vec![patient]), &schema(vec![], vec![wider]));
    assert_eq!(changes.len(), 3, "{changes:#?}");
    assert_eq!(risks(&changes), [None, None, None]);
}

#[test]
fn triggers_recreated_are_risky_only_when_they_allow_more() {
    let note = |allow: &[&str]| {
        let mut note =
            table("ClinicalNote", vec![col("id", "TEXT"), col("body", "TEXT"), nullable(col("amendedAt", "TEXT"))]);
        note.immutable = immutable(allow);
        schema(vec![], vec![note])
    };
    let tighter = diff(&note(&["amendedAt", "body"]), &note(&["amendedAt"]));
    assert_eq!(risks(&tighter), [None, None]);
    let looser = diff(&note(&["amendedAt"]), &note(&["amendedAt", "body"]));
    assert_eq!(
        risks(&looser),
        [Some(Risk::Destructive(r#"Lets UPDATE change "body" of immutable table "ClinicalNote"."#.into())), None]
    );
    // Dropping an immutable table is one destructive step, not two.
    let gone = diff(&note(&[]), &schema(vec![], vec![]));
    let flagged: Vec<bool> = risks(&gone).iter().map(Option::is_some).collect();
    assert_eq!(gone.len(), 3);
    assert_eq!(flagged, [false, true, false], "{gone:#?}");
}

#[test]
fn only_type_changes_the_catalog_alone_can_make_are_not_rewrites() {
    use crate::sql::diff::rewrites_table;
    let column = |ty: &str| col("c", ty);
    for (from, to) in [
        ("VARCHAR(10)", "VARCHAR(20)"),
        ("VARCHAR(10)", "TEXT"),
        ("VARCHAR(10)", "VARCHAR"),
        ("TEXT", "VARCHAR"),
        ("DECIMAL(10,2)", "DECIMAL(12,2)"),
        ("DECIMAL(10,2)", "DECIMAL"),
    ] {
        assert!(!rewrites_table(&column(from), &column(to)), "{from} -> {to}");
    }
    for (from, to) in [
        ("VARCHAR(20)", "VARCHAR(10)"),
        ("INTEGER", "BIGINT"),
        ("TEXT", "VARCHAR(5)"),
        ("DECIMAL(10,2)", "DECIMAL(12,3)"),
        ("TIMESTAMP(3)", "TIMESTAMPTZ(3)"),
    ] {
        assert!(rewrites_table(&column(from), &column(to)), "{from} -> {to}");
    }
}
