//! Lowering and rendering: every `lower/*.prisma` fixture's create script
//! is snapshotted and must run on PostgreSQL; the immutability triggers
//! and the column and enum alterations are checked against a real server.
//!
//! `scripts/prisma-sql-compare.sh` compares the same scripts with the SQL
//! Prisma Migrate writes for the fixtures.

use std::path::Path;

use crate::support::{fixture, fixtures, parse, pg};
use ehrdb::fragments::Fragments;

use ehrdb::sql::{
    AlterEnum, Change, Column, ColumnDefault, ColumnType, EnumColumn, QualifiedName, SqlSchema, diff, render,
};

/// Lowers fragments that must validate without errors.
fn lowered(fragments: &Fragments) -> SqlSchema {
    crate::support::lowered(fragments, "the fixture")
}

/// What creates `schema` in an empty database.
fn create(schema: &SqlSchema) -> Vec<Change> {
    diff::diff(&SqlSchema::default(), schema)
}

fn create_script(path: &Path) -> String {
    let (name, text) = fixture(path);
    render::script(&create(&lowered(&parse(&[(&name, &text)]))))
}

#[test]
fn create_scripts_match_their_snapshots() {
    insta::glob!("../fixtures/lower", "*.prisma", |path| {
        insta::assert_snapshot!(create_script(path));
    });
}

#[test]
fn create_scripts_run_on_postgresql() {
    for entry in std::fs::read_dir(fixtures().join("lower")).unwrap() {
        let path = entry.unwrap().path();
        let db = pg::database();
        let script = create_script(&path);
        // psql panics with the server's error and the failing statement.
        let _ = std::panic::catch_unwind(|| db.psql(&script))
            .unwrap_or_else(|_| panic!("the create script of {} fails:\n{script}", path.display()));
    }
}

#[test]
fn the_example_schema_lowers_to_a_script_that_runs() {
    let fragments = Fragments::load(&crate::support::repo().join("schema")).unwrap();
    let schema = lowered(&fragments);
    assert!(schema.tables.iter().any(|t| t.immutable.is_some()));
    pg::database().psql(&render::script(&create(&schema)));
}

#[test]
fn immutable_tables_refuse_what_they_do_not_allow() {
    let db = pg::database();
    db.psql(&create_script(&fixtures().join("lower/immutable_tables.prisma")));
    db.psql(
        "INSERT INTO domain_events (type) VALUES ('admitted');
         INSERT INTO clinical.\"ClinicalNote\" (id, body) VALUES ('00000000-0000-0000-0000-000000000001', 'first');
         INSERT INTO clinical.\"ClinicalNote\" (id, body) VALUES ('00000000-0000-0000-0000-000000000002', 'second');",
    );
    let refused = |sql: &str, expected: &str| {
        let error = std::panic::catch_unwind(|| db.psql(sql)).expect_err(&format!("`{sql}` must be refused"));
        let message = error.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(message.contains(expected), "`{sql}` failed with:\n{message}");
    };
    refused("UPDATE domain_events SET type = 'x'", r#"ehrdb: "domain_events" is immutable: UPDATE is not allowed"#);
    refused("DELETE FROM domain_events", r#"ehrdb: "domain_events" is immutable: DELETE is not allowed"#);
    refused("TRUNCATE domain_events", r#"ehrdb: "domain_events" is immutable: TRUNCATE is not allowed"#);
    refused(
        "UPDATE clinical.\"ClinicalNote\" SET body = 'changed'",
        "only these columns may change: amended_by_id, signed_at",
    );
    refused("DELETE FROM clinical.\"ClinicalNote\"", r#""ClinicalNote" is immutable: DELETE is not allowed"#);

    // The allowed columns change; a no-op update of the others passes too.
    db.psql(
        "UPDATE clinical.\"ClinicalNote\" SET signed_at = now(), amended_by_id = '00000000-0000-0000-0000-000000000002'
         WHERE id = '00000000-0000-0000-0000-000000000001';
         UPDATE clinical.\"ClinicalNote\" SET body = body;",
    );
    assert_eq!(db.psql("SELECT count(*) FROM clinical.\"ClinicalNote\" WHERE signed_at IS NOT NULL"), "1\n");

    // Dropping the triggers (down.sql) makes the table writable again.
    let table = QualifiedName { schema: None, name: "domain_events".to_owned() };
    let immutable = Default::default();
    db.psql(&render::script(&[Change::DropImmutableTriggers { table, immutable }]));
    db.psql("DELETE FROM domain_events");
}

fn name(name: &str) -> QualifiedName {
    QualifiedName { schema: None, name: name.to_owned() }
}

fn column(name: &str, ty: &str, nullable: bool, default: Option<ColumnDefault>) -> Column {
    Column { name: name.to_owned(), ty: ColumnType::Builtin(ty.to_owned()), array: false, nullable, default }
}

#[test]
fn column_alterations_convert_existing_rows() {
    let db = pg::database();
    db.psql(
        "CREATE TABLE \"T\" (code TEXT DEFAULT '0', n INTEGER NOT NULL, tags TEXT[], label TEXT);
         INSERT INTO \"T\" (code, n, tags, label) VALUES ('42', 1, ARRAY['7'], 'a'), ('7', 2, NULL, NULL);",
    );
    let t = name("T");
    let alter = |from: Column, to: Column| Change::AlterColumn { table: t.clone(), from, to };
    let int_literal = |v: &str| Some(ColumnDefault::Literal(v.to_owned()));
    let tags_from = Column { array: true, nullable: true, ..column("tags", "TEXT", true, None) };
    let changes = [
        alter(column("code", "TEXT", true, int_literal("'0'")), column("code", "INTEGER", false, int_literal("0"))),
        alter(column("n", "INTEGER", false, None), column("n", "INTEGER", false, Some(ColumnDefault::Sequence))),
        alter(tags_from, column("tags", "INTEGER", true, None)),
        alter(column("label", "TEXT", true, None), column("label", "VARCHAR(3)", true, int_literal("'x'"))),
    ];
    db.psql(&render::script(&changes));
    db.psql("INSERT INTO \"T\" DEFAULT VALUES");
    // The new serial starts at 1; the converted rows keep their values.
    assert_eq!(db.psql("SELECT code, n, tags, label FROM \"T\" ORDER BY code"), "0|1||x\n7|2||\n42|1|7|a\n");
}

#[test]
fn enum_alterations_keep_rows_and_defaults() {
    let db = pg::database();
    db.psql(
        "CREATE TYPE \"Status\" AS ENUM ('DRAFT', 'SIGNED', 'VOID');
         CREATE TABLE \"Note\" (status \"Status\" NOT NULL DEFAULT 'DRAFT', history \"Status\"[]);
         INSERT INTO \"Note\" VALUES ('SIGNED', ARRAY['DRAFT', 'SIGNED']::\"Status\"[]);",
    );
    let status = name("Status");
    let status_column = Column {
        name: "status".to_owned(),
        ty: ColumnType::Enum(status.clone()),
        array: false,
        nullable: false,
        default: Some(ColumnDefault::Literal("'DRAFT'".to_owned())),
    };
    let history =
        Column { name: "history".to_owned(), array: true, nullable: true, default: None, ..status_column.clone() };
    let values = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    let remove = Change::AlterEnum(AlterEnum {
        name: status.clone(),
        from: values(&["DRAFT", "SIGNED", "VOID"]),
        to: values(&["DRAFT", "SIGNED"]),
        columns: vec![
            EnumColumn { table: name("Note"), column: status_column },
            EnumColumn { table: name("Note"), column: history },
        ],
    });
    let add = Change::AlterEnum(AlterEnum {
        name: status,
        from: values(&["DRAFT", "SIGNED"]),
        to: values(&["NEW", "DRAFT", "REVIEWED", "SIGNED"]),
        columns: Vec::new(),
    });
    db.psql(&render::script(&[remove]));
    // The lock-safe path places added values as the schema lists them;
    // Prisma's appends them (`render::script`).
    assert!(render::script(std::slice::from_ref(&add)).contains("ALTER TYPE \"Status\" ADD VALUE 'NEW';\n"));
    db.psql(&render::safe_script(&[add]));
    assert_eq!(db.psql("SELECT enum_range(NULL::\"Status\")"), "{NEW,DRAFT,REVIEWED,SIGNED}\n");
    db.psql("INSERT INTO \"Note\" DEFAULT VALUES");
    assert_eq!(db.psql("SELECT status, history FROM \"Note\""), "SIGNED|{DRAFT,SIGNED}\nDRAFT|\n");
}

/// The change that removes what `change` creates (the differ's reverse,
/// for the create changes only).
fn drop_of(change: &Change) -> Change {
    match change.clone() {
        Change::CreateNamespace(name) => Change::DropNamespace(name),
        Change::CreateExtension(extension) => Change::DropExtension(extension),
        Change::CreateEnum(e) => Change::DropEnum(e),
        Change::CreateTable(table) => Change::DropTable(table),
        Change::CreateIndex { table, index } => Change::DropIndex { table, index },
        Change::AddForeignKey { table, key } => Change::DropForeignKey { table, key },
        Change::CreateImmutableFunction => Change::DropImmutableFunction,
        Change::CreateImmutableTriggers { table, immutable } => Change::DropImmutableTriggers { table, immutable },
        other => panic!("not a create change: {other:?}"),
    }
}

#[test]
fn drop_changes_undo_every_create_script() {
    let inventory = "SELECT (SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                             WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')),
                            (SELECT count(*) FROM pg_type WHERE typtype = 'e'),
                            (SELECT count(*) FROM pg_proc WHERE proname = 'ehrdb_immutable'),
                            (SELECT string_agg(nspname, ',' ORDER BY nspname) FROM pg_namespace
                             WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'),
                            (SELECT string_agg(extname, ',') FROM pg_extension)";
    for entry in std::fs::read_dir(fixtures().join("lower")).unwrap() {
        let path = entry.unwrap().path();
        let (name, text) = fixture(&path);
        let creates = create(&lowered(&parse(&[(&name, &text)])));
        let drops: Vec<Change> = creates.iter().rev().map(drop_of).collect();
        let db = pg::database();
        let empty = db.psql(inventory);
        db.psql(&render::script(&creates));
        db.psql(&render::script(&drops));
        assert_eq!(db.psql(inventory), empty, "{name}: the drops leave something behind");
    }
}

#[test]
fn table_alterations_run_on_postgresql() {
    let db = pg::database();
    let t = QualifiedName { schema: Some("clinical".to_owned()), name: "Ward".to_owned() };
    let key = |name: &str, columns: &[&str]| ehrdb::sql::PrimaryKey {
        name: name.to_owned(),
        columns: columns.iter().map(|c| ehrdb::sql::IndexColumn::plain(*c)).collect(),
    };
    let table = ehrdb::sql::Table {
        name: t.clone(),
        columns: vec![column("id", "INTEGER", false, None), column("legacy", "TEXT", true, None)],
        primary_key: Some(key("Ward_pkey", &["id"])),
        indexes: Vec::new(),
        foreign_keys: Vec::new(),
        immutable: None,
    };
    let code = column("code", "VARCHAR(8)", false, Some(ColumnDefault::Literal("'W'".to_owned())));
    db.psql(&render::script(&[Change::CreateNamespace("clinical".to_owned()), Change::CreateTable(table.clone())]));
    db.psql("INSERT INTO clinical.\"Ward\" (id, legacy) VALUES (1, 'x')");
    db.psql(&render::script(&[
        Change::AddColumn { table: t.clone(), column: code.clone() },
        Change::DropColumn { table: t.clone(), column: table.columns[1].clone() },
        Change::DropPrimaryKey { table: t.clone(), key: key("Ward_pkey", &["id"]) },
        Change::AddPrimaryKey { table: t.clone(), key: key("Ward_code_id_pkey", &["code", "id"]) },
    ]));
    assert_eq!(db.psql("SELECT * FROM clinical.\"Ward\""), "1|W\n");
    assert_eq!(
        db.psql("SELECT conname FROM pg_constraint WHERE conrelid = 'clinical.\"Ward\"'::regclass"),
        "Ward_code_id_pkey\n"
    );
}
