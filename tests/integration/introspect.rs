//! Introspection of real databases: each fixture's `schema.sql` (what
//! Prisma Migrate writes for the `schema.prisma` next to it from an empty
//! database: the Prisma oracle's `sql` command) applied to a fresh
//! database reads back as the model in its snapshot; catalog details that
//! Prisma never writes, the immutability triggers, the size of a large
//! schema, and connection errors that keep the password to themselves.

use ehrdb::db;
use ehrdb::sql::describe::describe;
use ehrdb::sql::{Column, ColumnDefault, ColumnType, Immutable, Index, IndexColumn, QualifiedName, SqlSchema};

use crate::support::pg::{self, TestDb};

fn introspect(db: &TestDb, namespaces: &[&str]) -> SqlSchema {
    let runtime = db::runtime().expect("a runtime");
    runtime
        .block_on(async {
            let mut conn = db.connect().await;
            db::introspect_namespaces(&mut conn, "public", namespaces).await
        })
        .unwrap_or_else(|e| panic!("introspection failed: {e:#}"))
}

/// The schemas a script creates besides `public`.
fn created_schemas(sql: &str) -> Vec<&str> {
    sql.lines()
        .filter_map(|line| line.strip_prefix("CREATE SCHEMA IF NOT EXISTS \"")?.strip_suffix("\";"))
        .filter(|name| *name != "public")
        .collect()
}

#[test]
fn prisma_scripts_introspect_to_their_snapshot() {
    insta::glob!("../fixtures/introspect", "*/schema.sql", |path| {
        let sql = std::fs::read_to_string(path).unwrap();
        let db = pg::database();
        db.psql(&sql);
        let schema = introspect(&db, &created_schemas(&sql));
        insta::assert_snapshot!(describe(&schema));
        // Canonical order, whatever order the catalog returned rows in.
        let mut sorted = schema.clone();
        sorted.tables.sort_by(|a, b| a.name.cmp(&b.name));
        sorted.enums.sort_by(|a, b| a.name.cmp(&b.name));
        assert_eq!(schema, sorted);
    });
}

fn column(name: &str, ty: &str, nullable: bool, default: Option<ColumnDefault>) -> Column {
    Column { name: name.to_owned(), ty: ColumnType::Builtin(ty.to_owned()), array: false, nullable, default }
}

fn unqualified(name: &str) -> QualifiedName {
    QualifiedName { schema: None, name: name.to_owned() }
}

#[test]
fn catalog_details_prisma_never_writes() {
    let db = pg::database();
    db.psql(
        r#"
        CREATE TABLE "_prisma_migrations" (id text PRIMARY KEY);
        CREATE TABLE "_ehrdb_migrations" (version text PRIMARY KEY);
        CREATE SEQUENCE shared_seq;
        CREATE DOMAIN mrn AS text CHECK (VALUE ~ '^[0-9]+$');
        CREATE TABLE "Visit" (
            gone integer,
            id integer NOT NULL DEFAULT nextval('shared_seq'),
            code character(2) NOT NULL,
            anychar bpchar,
            patient mrn,
            total integer GENERATED ALWAYS AS (id * 2) STORED,
            span int4range,
            ranges int4range[],
            at timestamp DEFAULT now()
        );
        ALTER TABLE "Visit" DROP COLUMN gone;
        ALTER TABLE "Visit" ADD CONSTRAINT "Visit_code_unique" UNIQUE (code);
        CREATE INDEX "Visit_lower_code_idx" ON "Visit" (lower(code), id DESC NULLS LAST);
        CREATE TABLE "Event" (id integer, at date NOT NULL) PARTITION BY RANGE (at);
        CREATE TABLE "Event_2024" PARTITION OF "Event" FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');
        "#,
    );
    let schema = introspect(&db, &[]);
    let names: Vec<&str> = schema.tables.iter().map(|t| t.name.name.as_str()).collect();
    assert_eq!(names, ["Event", "Visit"], "partitions and migration history tables are left out");

    let visit = &schema.tables[1];
    let unsupported = |name: &str, text: &str| Column {
        name: name.to_owned(),
        ty: ColumnType::Unsupported(text.to_owned()),
        array: false,
        nullable: true,
        default: None,
    };
    assert_eq!(
        visit.columns,
        [
            // A sequence the column does not own is not `autoincrement()`.
            column("id", "INTEGER", false, Some(ColumnDefault::Expression("nextval('shared_seq'::regclass)".into()))),
            column("code", "CHAR(2)", false, None),
            unsupported("anychar", "bpchar"),
            unsupported("patient", "mrn"),
            // A generated column's expression is not a default.
            column("total", "INTEGER", true, None),
            unsupported("span", "int4range"),
            Column { array: true, ..unsupported("ranges", "int4range") },
            column("at", "TIMESTAMP", true, Some(ColumnDefault::Now)),
        ]
    );
    assert_eq!(visit.primary_key, None);
    assert_eq!(
        visit.indexes,
        [
            Index {
                name: "Visit_code_unique".to_owned(),
                unique: true,
                columns: vec![IndexColumn::plain("code")],
                method: None,
                predicate: None,
            },
            Index {
                name: "Visit_lower_code_idx".to_owned(),
                unique: false,
                columns: vec![
                    // An expression is its text as PostgreSQL prints it.
                    IndexColumn::plain("lower(code::text)"),
                    IndexColumn { name: "id".to_owned(), descending: true, operator_class: None },
                ],
                method: None,
                predicate: None,
            },
        ]
    );
}

/// The shared function and the two triggers, as the immutability
/// convention has them.
const IMMUTABLE_SQL: &str = r#"
CREATE OR REPLACE FUNCTION "ehrdb_immutable"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND to_jsonb(OLD) - TG_ARGV = to_jsonb(NEW) - TG_ARGV THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'ehrdb: "%" is immutable: % is not allowed', TG_TABLE_NAME, TG_OP;
END
$$;
CREATE TABLE "DomainEvent" (id integer PRIMARY KEY, payload jsonb);
CREATE TRIGGER ehrdb_immutable_row BEFORE UPDATE OR DELETE ON "DomainEvent"
    FOR EACH ROW EXECUTE FUNCTION "ehrdb_immutable"();
CREATE TRIGGER ehrdb_immutable_truncate BEFORE TRUNCATE ON "DomainEvent"
    FOR EACH STATEMENT EXECUTE FUNCTION "ehrdb_immutable"();
CREATE TABLE "ClinicalNote" (id integer PRIMARY KEY, body text, status text, "amendedAt" timestamp(3));
CREATE TRIGGER ehrdb_immutable_row BEFORE UPDATE OR DELETE ON "ClinicalNote"
    FOR EACH ROW EXECUTE FUNCTION "ehrdb_immutable"('status', 'amendedAt');
CREATE TRIGGER ehrdb_immutable_truncate BEFORE TRUNCATE ON "ClinicalNote"
    FOR EACH STATEMENT EXECUTE FUNCTION "ehrdb_immutable"();
-- A trigger of another name, or the right name calling another function,
-- is not ehrdb's immutability.
CREATE FUNCTION audit_row() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TABLE "Plain" (id integer PRIMARY KEY);
CREATE TRIGGER audit_row BEFORE UPDATE ON "Plain" FOR EACH ROW EXECUTE FUNCTION "ehrdb_immutable"();
CREATE TABLE "Imposter" (id integer PRIMARY KEY);
CREATE TRIGGER ehrdb_immutable_row BEFORE UPDATE ON "Imposter" FOR EACH ROW EXECUTE FUNCTION audit_row();
"#;

#[test]
fn immutability_triggers_come_back_with_their_allowed_columns() {
    let db = pg::database();
    db.psql(IMMUTABLE_SQL);
    let schema = introspect(&db, &[]);
    let immutable = |name: &str| schema.tables.iter().find(|t| t.name == unqualified(name)).unwrap().immutable.clone();
    assert_eq!(immutable("DomainEvent"), Some(Immutable { allow_update: vec![] }));
    assert_eq!(
        immutable("ClinicalNote"),
        Some(Immutable { allow_update: vec!["amendedAt".to_owned(), "status".to_owned()] })
    );
    assert_eq!(immutable("Plain"), None);
    assert_eq!(immutable("Imposter"), None);
    // The convention holds in the database the model describes.
    db.psql(
        r#"INSERT INTO "ClinicalNote" VALUES (1, 'note', 'draft', NULL); UPDATE "ClinicalNote" SET status = 'final'"#,
    );
    let error = db::runtime()
        .unwrap()
        .block_on(async {
            let mut conn = db.connect().await;
            sqlx::query(r#"UPDATE "ClinicalNote" SET body = 'changed'"#).execute(&mut conn).await
        })
        .expect_err("the body is not in allowUpdate");
    assert!(error.to_string().contains(r#"ehrdb: "ClinicalNote" is immutable: UPDATE is not allowed"#), "{error}");
}

#[test]
fn other_namespaces_are_read_only_when_asked_for() {
    let db = pg::database();
    db.psql(
        r#"CREATE SCHEMA audit;
        CREATE TYPE audit."Kind" AS ENUM ('A', 'B');
        CREATE TABLE audit."Event" (id integer PRIMARY KEY, kind audit."Kind" NOT NULL DEFAULT 'A');
        CREATE TABLE "User" (id integer PRIMARY KEY, "eventId" integer REFERENCES audit."Event"(id));"#,
    );
    let only_public = introspect(&db, &[]);
    assert!(only_public.namespaces.is_empty() && only_public.enums.is_empty());
    let user = &only_public.tables[0];
    assert_eq!(user.name, unqualified("User"));
    let audit = |name: &str| QualifiedName { schema: Some("audit".to_owned()), name: name.to_owned() };
    assert_eq!(user.foreign_keys[0].referenced_table, audit("Event"));

    let both = introspect(&db, &["audit", "missing"]);
    assert_eq!(both.namespaces, ["audit"]);
    assert_eq!(both.tables.iter().map(|t| t.name.clone()).collect::<Vec<_>>(), [unqualified("User"), audit("Event")]);
    assert_eq!(both.tables[1].columns[1].ty, ColumnType::Enum(audit("Kind")));
    assert_eq!(both.tables[1].columns[1].default, Some(ColumnDefault::Literal("'A'".to_owned())));
}

#[test]
fn a_missing_schema_is_an_error() {
    let db = pg::database();
    let runtime = db::runtime().unwrap();
    let error = runtime
        .block_on(async { db::introspect(&mut db.connect().await, "nowhere").await })
        .expect_err("no such schema");
    assert_eq!(error.to_string(), "the database has no schema \"nowhere\"");
}

#[test]
fn five_hundred_tables_introspect_whole() {
    let db = pg::database();
    db.psql(
        r#"CREATE TYPE "Status" AS ENUM ('OPEN', 'CLOSED');
        DO $$
        BEGIN
            FOR i IN 1..500 LOOP
                EXECUTE format(
                    'CREATE TABLE %I (id SERIAL PRIMARY KEY, name VARCHAR(255) NOT NULL, status "Status" NOT NULL DEFAULT ''OPEN'',
                        amount DECIMAL(10,2) DEFAULT 0, tags TEXT[] DEFAULT ARRAY[]::TEXT[], at TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
                        parent_id INTEGER %s)',
                    't' || i, CASE WHEN i > 1 THEN format('REFERENCES %I(id) ON DELETE CASCADE', 't' || (i - 1)) ELSE '' END);
                EXECUTE format('CREATE UNIQUE INDEX %I ON %I (name)', 't' || i || '_name_key', 't' || i);
                EXECUTE format('CREATE INDEX %I ON %I (parent_id, at DESC)', 't' || i || '_parent_idx', 't' || i);
            END LOOP;
        END
        $$;"#,
    );
    // Its speed is `cargo bench --bench check`'s (2,000 tables), not a
    // timed test's.
    let schema = introspect(&db, &[]);
    assert_eq!(schema.tables.len(), 500);
    assert!(schema.tables.iter().all(|t| t.columns.len() == 7 && t.indexes.len() == 2));
    assert_eq!(schema.tables.iter().map(|t| t.foreign_keys.len()).sum::<usize>(), 499);
}

#[test]
fn a_wrong_password_is_reported_without_the_password() {
    let db = pg::database();
    let role = db.role_with_password("the-right-one");
    let url = |password: &str| db.url().replacen("postgres@", &format!("{role}:{password}@"), 1);
    let secret = "Wr0ng%21S3cret";
    let runtime = db::runtime().unwrap();
    let error = format!("{:#}", runtime.block_on(db::connect(&url(secret))).expect_err("a wrong password"));
    assert!(error.contains("password authentication failed"), "{error}");
    for leak in ["Wr0ng%21S3cret", "Wr0ng!S3cret", "S3cret"] {
        assert!(!error.contains(leak), "the password leaks: {error}");
    }
    assert!(error.contains(&format!("{role}:****@127.0.0.1")), "{error}");
    // The right password gets in, so the error above was about the password.
    runtime.block_on(db::connect(&url("the-right-one"))).expect("the right password connects");
}
