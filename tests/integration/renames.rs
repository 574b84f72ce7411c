//! Renames that keep the data (`/// @ehrdb.renamedFrom("old")`), on a real
//! server through the binary: a model, a field, an enum and an enum value
//! renamed keep their rows through up.sql, reach the catalog a schema
//! written with the new names builds, and come back with their rows
//! through down.sql.

use ehrdb::db::introspect;
use ehrdb::sql::SqlSchema;
use ehrdb::sql::diff::diff;
use ehrdb::sql::summary::summary;

use crate::support::{Project, lowered, parse, pg, run};

const BEFORE: &str = r#"datasource db {
  provider = "postgresql"
}

enum Status {
  ACTIVE
  RETIRED
}

model Person {
  id       Int    @id @default(autoincrement())
  fullName String
  mrn      String @unique
  status   Status @default(ACTIVE)
  notes    Note[]

  @@index([fullName])
}

model Note {
  id       Int    @id @default(autoincrement())
  personId Int
  person   Person @relation(fields: [personId], references: [id])

  @@index([personId])
}
"#;

const AFTER: &str = r#"datasource db {
  provider = "postgresql"
}

/// @ehrdb.renamedFrom("Status")
enum PatientStatus {
  /// @ehrdb.renamedFrom("ACTIVE")
  ADMITTED
  RETIRED
}

/// @ehrdb.renamedFrom("Person")
model Patient {
  id     Int           @id @default(autoincrement())
  /// @ehrdb.renamedFrom("fullName")
  name   String
  mrn    String        @unique
  status PatientStatus @default(ADMITTED)
  notes  Note[]

  @@index([name])
}

model Note {
  id       Int     @id @default(autoincrement())
  personId Int
  patient  Patient @relation(fields: [personId], references: [id])

  @@index([personId])
}
"#;

async fn catalog(db: &pg::TestDb) -> SqlSchema {
    let mut conn = db.connect().await;
    let mut schema = introspect::introspect_namespaces(&mut conn, "public", &[]).await.expect("introspects");
    schema.tables.retain(|t| !t.name.name.starts_with("_ehrdb"));
    schema
}

fn assert_catalog_is(db: &pg::TestDb, text: &str, what: &str) {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let actual = runtime.block_on(catalog(db));
    let expected = lowered(&parse(&[("schema/main.prisma", text)]), what);
    let changes = diff(&actual, &expected);
    assert!(changes.is_empty(), "{what}: the database differs from the schema by\n{}", summary(&changes));
}

fn new_migration(project: &Project, name: &str) -> String {
    let dir = project.path("migrations");
    let folder = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().ends_with(name))
        .unwrap_or_else(|| panic!("no migration {name}"));
    std::fs::read_to_string(folder.join("up.sql")).unwrap()
}

#[test]
fn a_renamed_model_field_enum_and_value_keep_their_rows_up_and_down() {
    let project = Project::new(&[("main.prisma", BEFORE)]);
    project.ehrdb().args(["migrate", "init"]).assert().code(0);
    let db = pg::database();
    let url = db.url();
    let (code, _, err) = run(&project, &url, &["apply"]);
    assert_eq!(code, 0, "{err}");
    db.psql(
        "INSERT INTO \"Person\" (\"fullName\", mrn, status) VALUES ('Ada Lovelace', 'M1', 'ACTIVE'), \
         ('Grace Hopper', 'M2', 'RETIRED');
         INSERT INTO \"Note\" (\"personId\") VALUES (1), (2), (2);",
    );

    project.write("schema/main.prisma", AFTER);
    // A rename breaks the instances still running the old code: it is a
    // risk the user accepts, like a drop.
    let refused = project.ehrdb().args(["migrate", "rename"]).output().unwrap();
    let err = String::from_utf8_lossy(&refused.stderr);
    assert_eq!(refused.status.code(), Some(1), "{err}");
    assert!(err.contains("Renames table \"Person\" to \"Patient\""), "{err}");
    assert!(err.contains("expand and contract"), "{err}");
    project.ehrdb().args(["migrate", "rename", "--allow-destructive"]).assert().code(0);
    let up = new_migration(&project, "_rename");
    assert!(up.contains("ALTER TABLE \"Person\" RENAME TO \"Patient\";"), "{up}");
    assert!(up.contains("ALTER TYPE \"PatientStatus\" RENAME VALUE 'ACTIVE' TO 'ADMITTED';"), "{up}");
    assert!(!up.contains("DROP"), "nothing is dropped:\n{up}");

    let (code, _, err) = run(&project, &url, &["apply"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        db.psql("SELECT name, mrn, status FROM \"Patient\" ORDER BY id"),
        "Ada Lovelace|M1|ADMITTED\nGrace Hopper|M2|RETIRED\n"
    );
    assert_eq!(db.psql("SELECT count(*) FROM \"Note\" JOIN \"Patient\" p ON p.id = \"personId\""), "3\n");
    assert_catalog_is(&db, AFTER, "after up.sql");
    // The serial sequence follows the table, as a table created with the
    // new name would have it, and goes on counting.
    assert_eq!(db.psql("SELECT pg_get_serial_sequence('\"Patient\"', 'id')"), "public.\"Patient_id_seq\"\n");
    assert_eq!(
        db.psql("INSERT INTO \"Patient\" (name, mrn) VALUES ('Lin', 'M3') RETURNING id, status"),
        "3|ADMITTED\n"
    );

    // The annotation stays true of the schema, and the next diff says it
    // can go.
    let output = project.ehrdb().args(["diff"]).output().unwrap();
    let (out, err) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert_eq!(out, "no changes\n", "{err}");
    assert!(err.contains("warning[stale-renamed-from]"), "{err}");

    let (code, _, err) = run(&project, &url, &["rollback"]);
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        db.psql("SELECT \"fullName\", status FROM \"Person\" ORDER BY id"),
        "Ada Lovelace|ACTIVE\nGrace Hopper|RETIRED\nLin|ACTIVE\n"
    );
    assert_catalog_is(&db, BEFORE, "after down.sql");
    assert_eq!(db.psql("SELECT pg_get_serial_sequence('\"Person\"', 'id')"), "public.\"Person_id_seq\"\n");
}

#[test]
fn an_old_name_the_last_migration_lacks_is_a_warning_and_nothing_is_renamed() {
    let project = Project::new(&[("main.prisma", BEFORE)]);
    project.ehrdb().args(["migrate", "init"]).assert().code(0);
    let mistyped = BEFORE.replace("  fullName String", "  /// @ehrdb.renamedFrom(\"fulName\")\n  name     String");
    project.write("schema/main.prisma", &mistyped.replace("@@index([fullName])", "@@index([name])"));
    let output = project.ehrdb().args(["diff"]).output().unwrap();
    let (out, err) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert!(err.contains("warning[renamed-from-unknown]"), "{err}");
    assert!(
        err.contains("field `Person.name` is renamed from `fulName`, which the last migration's schema does not have"),
        "{err}"
    );
    assert!(out.contains("- column \"fullName\"  ! Drops column"), "{out}");
}
