//! `ehrdb baseline` decides by what the database is: its catalog against
//! the schema each migration leaves; `ehrdb apply` refuses a database
//! Prisma Migrate built until it is baselined; installed extensions are
//! not drift for a schema that does not manage them, nor is the order in
//! which Prisma appended enum values.

use ehrdb::db::introspect;
use ehrdb::fragments::Fragments;
use ehrdb::sql::{self, SqlSchema};

use crate::support::{Project, example_project, pg, run};

fn history(project: &Project) -> Vec<ehrdb::migrations::Migration> {
    ehrdb::migrations::load(&project.path("migrations")).unwrap()
}

fn recorded(db: &pg::TestDb) -> String {
    db.psql("SELECT coalesce(string_agg(version, ',' ORDER BY version), 'none') FROM _ehrdb_migrations")
}

fn no_history(db: &pg::TestDb) -> bool {
    db.psql("SELECT to_regclass('_ehrdb_migrations') IS NULL") == "t\n"
}

const PRISMA_MIGRATIONS: &str = "CREATE TABLE _prisma_migrations (id varchar(36) PRIMARY KEY, checksum varchar(64) \
     NOT NULL, finished_at timestamptz, migration_name varchar(255) NOT NULL, logs text, rolled_back_at timestamptz, \
     started_at timestamptz NOT NULL DEFAULT now(), applied_steps_count integer NOT NULL DEFAULT 0);
     INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name) VALUES ('1', 'x', now(), '01_init');";

#[test]
fn plain_baseline_checks_the_database_has_the_last_schema_and_force_skips_it() {
    let project = example_project();
    let db = pg::database();
    let url = db.url();
    let (code, stdout, stderr) = run(&project, &url, &["baseline"]);
    assert_eq!(code, 1, "an empty database has none of the schema: {stdout}{stderr}");
    assert!(
        stderr
            .contains("error: the database does not have the schema of 20261124_210840_record_merge_history_immutable"),
        "{stderr}"
    );
    assert!(stderr.contains("+ table \"patients\""), "the drift summary: {stderr}");
    assert!(!stderr.contains("as SQL:"), "more than ten changes are not printed as SQL: {stderr}");
    assert!(stderr.ends_with("nothing was recorded\n"), "{stderr}");
    assert!(no_history(&db), "nothing was created");

    let (code, stdout, stderr) = run(&project, &url, &["baseline", "--force"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stderr.contains("warning: --force: recording without checking"), "{stderr}");
    assert!(stdout.contains("recorded 6 migrations as applied"), "{stdout}");
}

#[test]
fn to_a_version_whose_schema_the_database_has_with_a_hand_made_index() {
    let project = example_project();
    let db = pg::database();
    let url = db.url();
    for migration in &history(&project)[..3] {
        db.psql(&migration.up);
    }
    db.psql("CREATE INDEX by_hand ON patients (date_of_birth);");
    let (code, _, stderr) = run(&project, &url, &["baseline", "--to", "20261124210837"]);
    assert_eq!(code, 1, "the fourth migration's schema is not there yet: {stderr}");
    assert!(stderr.contains("as SQL:\n"), "a short gap comes with its SQL: {stderr}");
    assert!(no_history(&db));

    let (code, stdout, stderr) = run(&project, &url, &["baseline", "--to", "20261124210833"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains(
            "the database has the schema of 20261124_210833_index_patient_names, and 1 object it does not describe"
        ),
        "{stdout}"
    );
    assert!(stdout.contains("- index \"by_hand\""), "{stdout}");
    assert!(stdout.contains("recorded 3 migrations as applied"), "{stdout}");
    assert_eq!(recorded(&db), "20261124210830,20261124210832,20261124210833\n");
    assert_eq!(db.psql("SELECT to_regclass('by_hand') IS NOT NULL"), "t\n", "the extra index stays");
}

#[test]
fn from_prisma_finds_the_migration_the_database_is_at_whatever_its_names() {
    let project = example_project();
    let db = pg::database();
    let url = db.url();
    for migration in &history(&project)[..4] {
        db.psql(&migration.up);
    }
    db.psql(PRISMA_MIGRATIONS);
    let (code, stdout, stderr) = run(&project, &url, &["baseline", "--from-prisma", "--dry-run"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("the database has the schema of 20261124_210837_case_status_postponed\n"), "{stdout}");
    assert!(stdout.ends_with("would record 20261124_210837_case_status_postponed\n"), "{stdout}");
    assert!(no_history(&db), "a dry run records nothing");

    // Built by Prisma, not baselined: apply stops before it creates anything.
    let (code, stdout, stderr) = run(&project, &url, &["apply"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stderr.contains("was built by Prisma Migrate (it has _prisma_migrations) and has no ehrdb history"),
        "{stderr}"
    );
    assert!(stderr.contains("ehrdb baseline --from-prisma"), "{stderr}");
    assert!(no_history(&db), "apply created nothing");

    let (code, stdout, stderr) = run(&project, &url, &["baseline", "--from-prisma"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("recorded 4 migrations as applied"), "{stdout}");
    let (code, stdout, stderr) = run(&project, &url, &["apply"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("applied 2 migrations"), "{stdout}");
}

#[test]
fn from_prisma_records_nothing_when_no_migration_matches() {
    let project = example_project();
    let db = pg::database();
    let url = db.url();
    for migration in &history(&project)[..2] {
        db.psql(&migration.up);
    }
    db.psql("DROP INDEX patients_mrn_key;");
    db.psql(PRISMA_MIGRATIONS);
    let (code, stdout, stderr) = run(&project, &url, &["baseline", "--from-prisma"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stderr.contains(
            "error: the database does not have any migration's schema; the closest is \
             20261124_210832_add_patient_is_active: it needs 1 change to match"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("CREATE UNIQUE INDEX"), "{stderr}");
    assert!(stderr.ends_with("nothing was recorded\n"), "{stderr}");
    assert!(no_history(&db));
}

/// The schema of one fragment, lowered.
fn lowered(text: &str) -> SqlSchema {
    let fragments = Fragments::from_texts(vec![("a.prisma".into(), "a.prisma".into(), text.to_owned())]);
    crate::support::lowered(&fragments, "the schema")
}

#[test]
fn installed_extensions_are_drift_only_for_a_schema_that_manages_them() {
    let db = pg::database();
    db.psql(
        "CREATE EXTENSION pgcrypto; CREATE TABLE \"A\" (id INTEGER NOT NULL, CONSTRAINT \"A_pkey\" PRIMARY KEY (id));",
    );
    let catalog = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
        let mut conn = db.connect().await;
        introspect::introspect(&mut conn, "public").await.unwrap()
    });
    let plain = lowered("datasource db {\n  provider = \"postgresql\"\n}\n\nmodel A {\n  id Int @id\n}\n");
    let changes = sql::diff::diff(&catalog, &plain);
    assert!(changes.is_empty(), "{}", sql::summary::summary(&changes));
    let managed = lowered(
        "generator client {\n  provider        = \"prisma-client-js\"\n  previewFeatures = [\"postgresqlExtensions\"]\n}\n\n\
         datasource db {\n  provider   = \"postgresql\"\n  extensions = [citext]\n}\n\nmodel A {\n  id Int @id\n}\n",
    );
    assert_eq!(
        sql::summary::summary(&sql::diff::diff(&catalog, &managed)),
        "+ extension \"citext\"\n- extension \"pgcrypto\"\n"
    );
}

#[test]
fn enum_values_prisma_appended_are_not_drift_and_its_style_appends_them() {
    let enum_schema = |values: &str| {
        format!(
            "datasource db {{\n  provider = \"postgresql\"\n}}\n\nmodel A {{\n  id   Int  @id\n  role Role\n}}\n\nenum Role {{\n{values}}}\n"
        )
    };
    let db = pg::database();
    db.psql(
        "CREATE TYPE \"Role\" AS ENUM ('NURSE', 'SURGEON'); ALTER TYPE \"Role\" ADD VALUE 'ANAESTHETIST';
         CREATE TABLE \"A\" (id INTEGER NOT NULL, role \"Role\" NOT NULL, CONSTRAINT \"A_pkey\" PRIMARY KEY (id));",
    );
    let catalog = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
        let mut conn = db.connect().await;
        introspect::introspect(&mut conn, "public").await.unwrap()
    });
    assert_eq!(catalog.enums[0].values, ["NURSE", "SURGEON", "ANAESTHETIST"], "appended");
    let changes = sql::diff::diff(&catalog, &lowered(&enum_schema("  NURSE\n  ANAESTHETIST\n  SURGEON\n")));
    assert!(changes.is_empty(), "{}", sql::summary::summary(&changes));

    // `--migration-style prisma` appends as Prisma does; the lock-safe path places the value.
    let project = Project::new(&[("a.prisma", &enum_schema("  NURSE\n  SURGEON\n"))]);
    project.ehrdb().args(["migrate", "init"]).assert().success();
    project.write("schema/a.prisma", &enum_schema("  NURSE\n  ANAESTHETIST\n  SURGEON\n"));
    let folders = |project: &Project| {
        let mut names: Vec<String> = std::fs::read_dir(project.path("migrations"))
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n != "ehrdb.sum")
            .collect();
        names.sort();
        names
    };
    std::thread::sleep(std::time::Duration::from_millis(1100));
    project.ehrdb().args(["migrate", "add_role", "--migration-style", "prisma"]).assert().success();
    let up = project.read(&format!("migrations/{}/up.sql", folders(&project)[1]));
    assert!(up.contains("ALTER TYPE \"Role\" ADD VALUE 'ANAESTHETIST';"), "{up}");
    assert!(up.contains("-- ehrdb:allow require-enum-value-ordering"), "the lint finding is accepted: {up}");
    let first = format!("migrations/{}/schema.prisma", folders(&project)[0]);
    let safe = project.ehrdb().args(["diff", "--from", &first, "--sql"]).output().unwrap();
    let safe = String::from_utf8_lossy(&safe.stdout);
    assert!(safe.contains("ALTER TYPE \"Role\" ADD VALUE 'ANAESTHETIST' AFTER 'NURSE';"), "{safe}");
}
