//! `ehrdb apply`, `status`, `rollback` and `baseline` on a real server,
//! through the binary: the example's whole history forward, back and
//! forward again; tampering; baselines (also from `_prisma_migrations`).

use ehrdb::db::introspect;
use ehrdb::fragments::Fragments;
use ehrdb::sql::{self, SqlSchema};
use serde_json::Value;

use crate::support::{Project, example_project, pg, repo, run};

fn catalog(db: &pg::TestDb) -> SqlSchema {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let mut conn = db.connect().await;
        introspect::introspect(&mut conn, "public").await.unwrap_or_else(|e| panic!("{e:#}"))
    })
}

fn example_schema() -> SqlSchema {
    let fragments = Fragments::load_file_or_dir(&repo().join("schema")).unwrap();
    crate::support::lowered(&fragments, "the example")
}

fn status_json(project: &Project, url: &str) -> Value {
    let (_, stdout, stderr) = run(project, url, &["status", "--format", "json"]);
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}{stderr}"))
}

fn states(status: &Value) -> Vec<String> {
    status["migrations"].as_array().unwrap().iter().map(|m| m["state"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn the_example_applies_reports_rolls_back_to_empty_and_applies_again() {
    let project = example_project();
    let db = pg::database();
    let url = db.url();

    let (code, stdout, stderr) = run(&project, &url, &["status"]);
    assert_eq!(code, 1, "pending migrations: {stdout}{stderr}");
    assert!(stdout.contains("0 applied, 6 pending: not up to date"), "{stdout}");

    let (code, stdout, stderr) = run(&project, &url, &["apply"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("applied 20261124_210830_initial_schema (311 statements"), "{stdout}");
    assert!(stdout.ends_with("applied 6 migrations; the database is up to date\n"), "{stdout}");
    let changes = sql::diff::diff(&catalog(&db), &example_schema());
    assert!(changes.is_empty(), "the database differs from the fragments:\n{}", sql::summary::summary(&changes));

    let (code, stdout, _) = run(&project, &url, &["status"]);
    assert_eq!(code, 0, "{stdout}");
    assert_eq!(stdout.lines().filter(|l| l.trim_start().starts_with("applied ")).count(), 6, "{stdout}");
    assert!(stdout.ends_with("6 applied, 0 pending: up to date\n"), "{stdout}");
    let status = status_json(&project, &url);
    assert_eq!(status["up_to_date"], true);
    assert_eq!(states(&status), ["applied"; 6]);
    let first = &status["migrations"][0];
    assert_eq!(first["name"], "initial_schema");
    assert_eq!(first["checksum"], first["applied_checksum"]);
    assert_eq!(first["ehrdb_version"], env!("CARGO_PKG_VERSION"));
    assert!(first["applied_by"].as_str().unwrap().starts_with("postgres"), "{first}");

    let (code, stdout, _) = run(&project, &url, &["apply"]);
    assert_eq!(
        (code, stdout.as_str()),
        (0, format!("nothing to apply: {url} is up to date (6 migrations)\n").as_str())
    );

    let (code, stdout, stderr) = run(&project, &url, &["rollback", "--all"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("rolled back 20261124_210840_record_merge_history_immutable"), "{stdout}");
    assert!(stdout.ends_with("rolled back 6 migrations\n"), "{stdout}");
    assert_eq!(catalog(&db), SqlSchema::default(), "rollback of everything leaves an empty schema");
    // Nothing else of ehrdb's either: only the (empty) history table is left.
    assert_eq!(db.psql("SELECT count(*) FROM pg_proc WHERE proname = 'ehrdb_immutable'"), "0\n");
    assert_eq!(db.psql("SELECT count(*) FROM pg_type t WHERE t.typtype = 'e'"), "0\n");
    assert_eq!(
        db.psql(
            "SELECT string_agg(relname, ',' ORDER BY relname) FROM pg_class WHERE relnamespace = 'public'::regnamespace"
        ),
        "_ehrdb_migrations,_ehrdb_migrations_pkey\n"
    );
    assert_eq!(db.psql("SELECT count(*) FROM _ehrdb_migrations"), "0\n");

    let (code, stdout, stderr) = run(&project, &url, &["apply"]);
    assert_eq!(code, 0, "apply again: {stdout}{stderr}");
    assert!(sql::diff::diff(&catalog(&db), &example_schema()).is_empty());
    assert_eq!(states(&status_json(&project, &url)), ["applied"; 6]);
}

#[test]
fn apply_to_and_rollback_steps_move_one_migration_at_a_time() {
    let project = example_project();
    let db = pg::database();
    let url = db.url();
    let (code, stdout, stderr) = run(&project, &url, &["apply", "--to", "20261124_210832"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(
        states(&status_json(&project, &url)),
        ["applied", "applied", "pending", "pending", "pending", "pending"]
    );

    let (code, stdout, _) = run(&project, &url, &["apply", "--dry-run"]);
    assert_eq!(code, 0);
    assert!(stdout.starts_with("dry run: would apply 4 migrations"), "{stdout}");
    assert!(
        stdout.contains(
            "-- 20261124_210833_index_patient_names (1 statement, statement by statement (no transaction))\n\
             -- ehrdb:no-transaction\n\n-- CreateIndex\nCREATE INDEX CONCURRENTLY"
        ),
        "{stdout}"
    );
    assert_eq!(states(&status_json(&project, &url))[2], "pending", "a dry run changes nothing");

    let (code, stdout, _) = run(&project, &url, &["rollback", "--dry-run"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("-- 20261124_210832_add_patient_is_active (down.sql)\n-- AlterTable\nALTER TABLE"),
        "{stdout}"
    );
    let (code, _, _) = run(&project, &url, &["rollback"]);
    assert_eq!(code, 0);
    assert_eq!(states(&status_json(&project, &url))[..2], ["applied", "pending"]);
}

#[test]
fn an_edited_applied_migration_is_refused_and_reported_as_modified() {
    let project = example_project();
    let db = pg::database();
    let url = db.url();
    assert_eq!(run(&project, &url, &["apply", "--to", "20261124210833"]).0, 0);

    let up = "migrations/20261124_210832_add_patient_is_active/up.sql";
    project.write(up, &format!("{}\nCREATE TABLE sneaky (id int);\n", project.read(up)));
    // ehrdb.sum catches the edit first.
    let (code, _, stderr) = run(&project, &url, &["apply"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("migration 20261124_210832_add_patient_is_active was changed after ehrdb.sum"), "{stderr}");

    // Rehashing the sum does not fool the database, which kept the checksum it applied.
    project.ehrdb().args(["migrate", "--rehash"]).assert().success();
    let (code, _, stderr) = run(&project, &url, &["apply"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains(
            "migration 20261124_210832_add_patient_is_active was applied to this database and has been changed \
             since: up.sql changed since it was applied"
        ),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was changed"), "{stderr}");
    assert_eq!(db.psql("SELECT count(*) FROM _ehrdb_migrations"), "3\n");
    assert_eq!(db.psql("SELECT to_regclass('sneaky') IS NULL"), "t\n");

    let (code, stdout, _) = run(&project, &url, &["status"]);
    assert_eq!(code, 1);
    assert!(stdout.contains("modified  20261124_210832_add_patient_is_active"), "{stdout}");
    let status = status_json(&project, &url);
    assert_eq!(states(&status), ["applied", "modified", "applied", "pending", "pending", "pending"]);
    assert_ne!(status["migrations"][1]["checksum"], status["migrations"][1]["applied_checksum"]);

    // Rolling it back needs --force, since its down.sql may not match what ran.
    let (code, _, stderr) = run(&project, &url, &["rollback", "--steps", "2"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("refusing to roll back 20261124_210832_add_patient_is_active"), "{stderr}");
    assert_eq!(db.psql("SELECT count(*) FROM _ehrdb_migrations"), "3\n", "nothing rolled back");
}

#[test]
fn baseline_records_without_running_and_can_start_from_prisma_migrations() {
    let project = example_project();
    let db = pg::database();
    let url = db.url();
    // A database built some other way, with the schema of the first three migrations.
    let history = ehrdb::migrations::load(&project.path("migrations")).unwrap();
    for migration in &history[..3] {
        db.psql(&migration.up);
    }
    db.psql(
        "CREATE TABLE _prisma_migrations (id varchar(36) PRIMARY KEY, checksum varchar(64) NOT NULL,
            finished_at timestamptz, migration_name varchar(255) NOT NULL, logs text, rolled_back_at timestamptz,
            started_at timestamptz NOT NULL DEFAULT now(), applied_steps_count integer NOT NULL DEFAULT 0);
         INSERT INTO _prisma_migrations (id, checksum, finished_at, migration_name, rolled_back_at) VALUES
            ('1', 'x', now(), '20261124210830_initial_schema', NULL),
            ('2', 'x', now(), '20261124210832_add_patient_is_active', NULL),
            ('3', 'x', NULL, '20261124210833_index_patient_names', now()),
            ('4', 'x', now(), '20261124210833_index_patient_names', NULL);",
    );
    let (code, stdout, stderr) = run(&project, &url, &["baseline"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stdout.contains("_prisma_migrations (prisma migrate's history): 3 migrations applied, 1 rolled back"),
        "{stdout}"
    );
    assert!(stdout.contains("newest applied: 20261124210833_index_patient_names"), "{stdout}");
    assert!(stderr.contains("nothing was recorded"), "{stderr}");
    assert_eq!(db.psql("SELECT to_regclass('_ehrdb_migrations') IS NULL"), "t\n");

    let (code, stdout, stderr) = run(&project, &url, &["baseline", "--from-prisma"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("the database has the schema of 20261124_210833_index_patient_names\n"), "{stdout}");
    assert!(stdout.contains("recorded 3 migrations as applied, without running them"), "{stdout}");
    assert_eq!(
        states(&status_json(&project, &url)),
        ["applied", "applied", "applied", "pending", "pending", "pending"]
    );

    let (code, _, stderr) = run(&project, &url, &["baseline", "--to", "20261124210839"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("already has an ehrdb history (3 migrations)"), "{stderr}");

    let (code, stdout, stderr) = run(&project, &url, &["apply"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("applying 3 migrations"), "{stdout}");
    assert!(sql::diff::diff(&catalog(&db), &example_schema()).is_empty());
}

#[test]
fn the_url_schema_holds_the_history_and_dotenv_supplies_the_url() {
    let project = example_project();
    let db = pg::database();
    project.write(".env", &format!("# the clinical schema\nDATABASE_URL=\"{}?schema=clinical\"\n", db.url()));
    let output = project.ehrdb().args(["apply", "--to", "20261124210832"]).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}{}", String::from_utf8_lossy(&output.stderr));
    assert!(stdout.contains("(schema clinical)"), "{stdout}");
    assert_eq!(db.psql("SELECT count(*) FROM clinical._ehrdb_migrations"), "2\n");
    assert_eq!(db.psql("SELECT to_regclass('clinical.patients') IS NOT NULL, to_regclass('public.patients')"), "t|\n");
    // Each schema has its own history and its own lock.
    let (code, stdout, _) = run(&project, &db.url(), &["status"]);
    assert_eq!(code, 1);
    assert!(stdout.contains("0 applied, 6 pending"), "{stdout}");
}

#[test]
fn a_transaction_mode_pooler_is_refused_for_writes_and_fine_for_status() {
    let project = example_project();
    let db = pg::database();
    let url = format!("{}?pgbouncer=true", db.url());
    for args in [&["apply"][..], &["rollback"], &["baseline"]] {
        let (code, _, stderr) = run(&project, &url, args);
        assert_eq!(code, 2, "{args:?}: {stderr}");
        assert!(stderr.contains("through a transaction-mode pooler"), "{stderr}");
        assert!(stderr.contains("pgbouncer=true"), "{stderr}");
    }
    assert_eq!(db.psql("SELECT to_regclass('_ehrdb_migrations') IS NULL"), "t\n", "nothing was written");
    let (code, stdout, stderr) = run(&project, &url, &["status"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stdout.contains("0 applied, 6 pending"), "{stdout}");
    let (code, stdout, _) = run(&project, &url, &["apply", "--dry-run"]);
    assert_eq!(code, 0, "a dry run only reads");
    assert!(stdout.starts_with("dry run: would apply 6 migrations"), "{stdout}");
}
