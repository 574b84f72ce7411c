//! Hand-made pairs of schema states around a small EHR schema, covering
//! every kind of change both ways; each pair also names the changes its
//! diff must be.

use std::collections::BTreeSet;

use super::hazards::kind;
use super::*;
use crate::sql::Extension;

fn base() -> SqlSchema {
    let mut patient = table(
        "Patient",
        vec![
            col("id", "TEXT"),
            col("mrn", "VARCHAR(20)"),
            nullable(col("name", "VARCHAR(100)")),
            Column { default: Some(ColumnDefault::Now), ..col("createdAt", "TIMESTAMP(3)") },
        ],
    );
    patient.indexes.push(unique("Patient_mrn_key", &["mrn"]));
    let mut staff = table(
        "Staff",
        vec![col("id", "TEXT"), with_default(enum_col("role", "Role"), "'NURSE'"), col("email", "VARCHAR(255)")],
    );
    staff.indexes.push(unique("Staff_email_key", &["email"]));
    let mut note = table(
        "ClinicalNote",
        vec![
            col("id", "TEXT"),
            col("patientId", "TEXT"),
            col("authorId", "TEXT"),
            col("body", "TEXT"),
            with_default(enum_col("status", "Status"), "'DRAFT'"),
            nullable(col("amendedById", "TEXT")),
        ],
    );
    note.indexes.push(index("ClinicalNote_patientId_idx", &["patientId"]));
    note.foreign_keys.push(ForeignKey {
        on_delete: ReferentialAction::Cascade,
        ..fk("ClinicalNote_patientId_fkey", &["patientId"], "Patient", &["id"])
    });
    note.foreign_keys.push(fk("ClinicalNote_authorId_fkey", &["authorId"], "Staff", &["id"]));
    note.immutable = immutable(&["amendedById"]);
    let mut event = table(
        "audit.DomainEvent",
        vec![
            Column { default: Some(ColumnDefault::Sequence), ..col("id", "BIGINT") },
            col("payload", "JSONB"),
            Column { array: true, ..col("tags", "TEXT") },
        ],
    );
    event.immutable = immutable(&[]);
    SqlSchema {
        namespaces: vec!["audit".into()],
        extensions: vec![Extension { name: "pgcrypto".into(), schema: None, version: None }],
        ignores_extensions: false,
        enums: vec![
            enumeration("Role", &["NURSE", "SURGEON", "ANAESTHETIST"]),
            enumeration("Status", &["DRAFT", "SIGNED"]),
        ],
        tables: vec![note, patient, staff, event],
    }
}

fn edit(f: impl FnOnce(&mut SqlSchema)) -> SqlSchema {
    let mut schema = base();
    f(&mut schema);
    schema
}

fn t<'a>(schema: &'a mut SqlSchema, name: &str) -> &'a mut Table {
    schema.tables.iter_mut().find(|t| t.name.name == name).unwrap()
}

fn c<'a>(schema: &'a mut SqlSchema, table: &str, column: &str) -> &'a mut Column {
    t(schema, table).columns.iter_mut().find(|c| c.name == column).unwrap()
}

/// A label, two states and the kinds of the changes between them.
type Pair = (&'static str, SqlSchema, SqlSchema, &'static str);

fn pairs() -> Vec<Pair> {
    let empty = SqlSchema::default();
    vec![
        (
            "everything from nothing",
            empty.clone(),
            base(),
            "CreateNamespace CreateExtension CreateImmutableFunction CreateEnum CreateEnum CreateTable CreateTable CreateTable CreateTable CreateIndex CreateIndex CreateIndex AddForeignKey AddForeignKey CreateImmutableTriggers CreateImmutableTriggers",
        ),
        (
            "a nullable column",
            base(),
            edit(|s| t(s, "Patient").columns.push(nullable(col("nhsNumber", "VARCHAR(10)")))),
            "AddColumn",
        ),
        (
            "a NOT NULL column without default",
            base(),
            edit(|s| t(s, "Staff").columns.push(col("grade", "INTEGER"))),
            "AddColumn",
        ),
        ("a dropped column", base(), edit(|s| t(s, "Patient").columns.retain(|c| c.name != "name")), "DropColumn"),
        (
            "a widened string",
            base(),
            edit(|s| c(s, "Patient", "name").ty = ColumnType::Builtin("VARCHAR(200)".into())),
            "AlterColumn",
        ),
        (
            "a narrowed string with a unique index",
            base(),
            edit(|s| c(s, "Patient", "mrn").ty = ColumnType::Builtin("CHAR(10)".into())),
            "DropIndex AlterColumn CreateIndex",
        ),
        ("a column made NOT NULL", base(), edit(|s| c(s, "Patient", "name").nullable = false), "AlterColumn"),
        (
            "a new default",
            base(),
            edit(|s| c(s, "ClinicalNote", "body").default = Some(ColumnDefault::Literal("''".into()))),
            "AlterColumn",
        ),
        ("an added enum value", base(), edit(|s| s.enums[0].values.push("AUDITOR".into())), "AlterEnum"),
        ("a removed enum value", base(), edit(|s| s.enums[0].values.retain(|v| v != "ANAESTHETIST")), "AlterEnum"),
        (
            "a renamed enum value used as a default",
            base(),
            edit(|s| {
                s.enums[1].values = vec!["PENDING".into(), "SIGNED".into()];
                c(s, "ClinicalNote", "status").default = Some(ColumnDefault::Literal("'PENDING'".into()));
            }),
            "AlterEnum AlterColumn AlterEnum",
        ),
        (
            "a new enum and its column",
            base(),
            edit(|s| {
                s.enums.push(enumeration("Sex", &["F", "M", "X"]));
                t(s, "Patient").columns.push(nullable(enum_col("sex", "Sex")));
            }),
            "CreateEnum AddColumn",
        ),
        (
            "a string column becomes an enum",
            base(),
            edit(|s| {
                s.enums.push(enumeration("Title", &["DR", "MR"]));
                c(s, "Patient", "name").ty = ColumnType::Enum(name("Title"));
            }),
            "CreateEnum AlterColumn",
        ),
        (
            "a renamed index",
            base(),
            edit(|s| t(s, "ClinicalNote").indexes[0].name = "note_patient_idx".into()),
            "DropIndex CreateIndex",
        ),
        (
            "an index on other columns",
            base(),
            edit(|s| {
                t(s, "ClinicalNote").indexes[0]
                    .columns
                    .push(IndexColumn { descending: true, ..IndexColumn::plain("id") })
            }),
            "DropIndex CreateIndex",
        ),
        (
            "a unique index on an existing table",
            base(),
            edit(|s| t(s, "ClinicalNote").indexes.push(unique("ClinicalNote_body_key", &["body"]))),
            "CreateIndex",
        ),
        (
            "a foreign key with another action",
            base(),
            edit(|s| t(s, "ClinicalNote").foreign_keys[1].on_delete = ReferentialAction::SetNull),
            "DropForeignKey AddForeignKey",
        ),
        (
            "a new foreign key column",
            base(),
            edit(|s| {
                let note = t(s, "ClinicalNote");
                note.columns.push(nullable(col("reviewerId", "TEXT")));
                note.foreign_keys.push(fk("ClinicalNote_reviewerId_fkey", &["reviewerId"], "Staff", &["id"]));
            }),
            "AddColumn AddForeignKey",
        ),
        (
            "a composite primary key",
            base(),
            edit(|s| {
                t(s, "Staff").primary_key.as_mut().unwrap().columns.push(IndexColumn::plain("email"));
                t(s, "ClinicalNote").foreign_keys.retain(|k| k.referenced_table.name != "Staff");
            }),
            "DropForeignKey DropPrimaryKey AddPrimaryKey",
        ),
        (
            "a primary key replaced by a unique index",
            base(),
            edit(|s| {
                let staff = t(s, "Staff");
                staff.primary_key = None;
                staff.indexes.push(unique("Staff_id_key", &["id"]));
            }),
            "DropForeignKey DropPrimaryKey CreateIndex AddForeignKey",
        ),
        (
            "a dropped table that others reference",
            base(),
            edit(|s| {
                s.tables.retain(|t| t.name.name != "Staff");
                let note = t(s, "ClinicalNote");
                note.columns.retain(|c| c.name != "authorId");
                note.foreign_keys.retain(|k| k.name != "ClinicalNote_authorId_fkey");
            }),
            "DropForeignKey DropIndex DropTable DropColumn",
        ),
        (
            "a changed allowUpdate list",
            base(),
            edit(|s| t(s, "ClinicalNote").immutable = immutable(&["amendedById", "body"])),
            "DropImmutableTriggers CreateImmutableTriggers",
        ),
        (
            "a table made immutable",
            base(),
            edit(|s| t(s, "Patient").immutable = immutable(&["name"])),
            "CreateImmutableTriggers",
        ),
        (
            "the last immutable tables gone",
            base(),
            edit(|s| {
                t(s, "ClinicalNote").immutable = None;
                s.tables.retain(|t| t.name.name != "DomainEvent");
            }),
            "DropImmutableTriggers DropImmutableTriggers DropTable DropImmutableFunction",
        ),
        (
            "a table moved out of its namespace",
            base(),
            edit(|s| {
                s.namespaces.clear();
                t(s, "DomainEvent").name.schema = None;
            }),
            "DropImmutableTriggers DropTable CreateTable CreateImmutableTriggers DropNamespace",
        ),
        (
            "a new extension and its column type",
            base(),
            edit(|s| {
                s.extensions.push(Extension { name: "citext".into(), schema: None, version: None });
                c(s, "Staff", "email").ty = ColumnType::Builtin("CITEXT".into());
            }),
            "CreateExtension DropIndex AlterColumn CreateIndex",
        ),
        ("a list becomes a single value", base(), edit(|s| c(s, "DomainEvent", "tags").array = false), "AlterColumn"),
        (
            "a self-referencing table",
            base(),
            edit(|s| {
                let mut ward = table("Ward", vec![col("id", "INTEGER"), nullable(col("parentId", "INTEGER"))]);
                ward.foreign_keys.push(fk("Ward_parentId_fkey", &["parentId"], "Ward", &["id"]));
                s.tables.push(ward);
            }),
            "CreateTable AddForeignKey",
        ),
        (
            "an enum dropped with its columns",
            base(),
            edit(|s| {
                s.enums.retain(|e| e.name.name != "Role");
                t(s, "Staff").columns.retain(|c| c.name != "role");
            }),
            "DropColumn DropEnum",
        ),
    ]
}

#[test]
fn every_pair_plays_both_ways_and_gives_its_changes() {
    let pairs = pairs();
    assert!(pairs.len() >= 20);
    let mut seen = BTreeSet::new();
    for (label, a, b, expected) in &pairs {
        let changes = check_pair(a, b);
        let kinds: Vec<&str> = changes.iter().map(kind).collect();
        assert_eq!(kinds.join(" "), *expected, "{label}: {changes:#?}");
        for change in changes.iter().chain(&reversed(&changes)) {
            seen.insert(kind(change));
        }
    }
    assert_eq!(seen.len(), 22, "every kind of change, both ways: {seen:?}");
}

#[test]
fn pairs_of_pairs_play_too() {
    // Any two states of the list, not only the base and one edit.
    let states: Vec<SqlSchema> = pairs().into_iter().map(|(_, _, b, _)| b).collect();
    for a in &states {
        for b in &states {
            check_pair(a, b);
        }
    }
}
