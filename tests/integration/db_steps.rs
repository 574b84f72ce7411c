//! Migrations of several steps, lock timeouts and retries, on a real server
//! through the binary: every step killed in turn and the run resumed to the
//! same database as an uninterrupted one, up and down; a concurrent index
//! build left invalid is built again and never recorded as done; a lock held
//! by another session makes apply wait, try again, and give up naming it.
//!
//! A test stops a run at a chosen step by holding an advisory lock that a
//! statement of that step waits for (`--ddl-lock-timeout 0`, so it waits
//! without limit), then kills the process with SIGKILL.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ehrdb::db::introspect;
use ehrdb::sql::SqlSchema;
use sqlx::Connection;

use crate::support::{Project, pg};

/// A table with data, then three steps: a column, a concurrent index, a
/// foreign key validated in its own transaction. Each step waits for the
/// advisory lock `4240 + step` before it does its work.
const UP: &str = "\
CREATE TABLE ward (id int PRIMARY KEY);
CREATE TABLE bed (id int PRIMARY KEY, ward_id int);
INSERT INTO ward SELECT g FROM generate_series(1, 10) g;
INSERT INTO bed SELECT g, g % 10 + 1 FROM generate_series(1, 100) g;
SELECT pg_advisory_xact_lock(4241);
-- ehrdb:step no-transaction
SELECT pg_advisory_xact_lock(4242);
CREATE INDEX CONCURRENTLY bed_ward_id_idx ON bed (ward_id);
-- ehrdb:step
SELECT pg_advisory_xact_lock(4243);
ALTER TABLE bed ADD CONSTRAINT bed_ward_id_fkey FOREIGN KEY (ward_id) REFERENCES ward (id) NOT VALID;
-- ehrdb:step
SELECT pg_advisory_xact_lock(4244);
ALTER TABLE bed VALIDATE CONSTRAINT bed_ward_id_fkey;
";

/// Its reverse, in steps too.
const DOWN: &str = "\
SELECT pg_advisory_xact_lock(4251);
ALTER TABLE bed DROP CONSTRAINT bed_ward_id_fkey;
-- ehrdb:step no-transaction
SELECT pg_advisory_xact_lock(4252);
DROP INDEX CONCURRENTLY IF EXISTS bed_ward_id_idx;
-- ehrdb:step
SELECT pg_advisory_xact_lock(4253);
DROP TABLE bed;
DROP TABLE ward;
";

fn migration(up: &str, down: &str) -> Project {
    let project = Project::new(&[]);
    project.write("migrations/20261201_000000_beds/up.sql", up);
    project.write("migrations/20261201_000000_beds/down.sql", down);
    project.ehrdb().args(["migrate", "--rehash"]).assert().code(0);
    project
}

fn ehrdb(project: &Project, url: &str, args: &[&str]) -> Command {
    let mut command = Command::new(assert_cmd::cargo::cargo_bin("ehrdb"));
    command
        .current_dir(project.dir.path())
        .env("NO_COLOR", "1")
        .env_remove("DATABASE_URL")
        .args(args)
        .args(["--database-url", url]);
    command
}

fn run(project: &Project, url: &str, args: &[&str]) -> (i32, String) {
    let output = ehrdb(project, url, args).output().expect("ehrdb runs");
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.code().unwrap_or(-1), text)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

fn catalog(db: &pg::TestDb) -> SqlSchema {
    runtime().block_on(async {
        let mut conn = db.connect().await;
        introspect::introspect(&mut conn, "public").await.unwrap_or_else(|e| panic!("{e:#}"))
    })
}

/// What the database holds: its catalog and its rows and index validity.
fn state(db: &pg::TestDb) -> (SqlSchema, String) {
    let rows = db.psql(
        "SELECT (SELECT count(*) FROM ward), (SELECT count(*) FROM bed),
                (SELECT string_agg(indexrelid::regclass || ':' || indisvalid, ',' ORDER BY 1) FROM pg_index
                 WHERE indrelid = 'bed'::regclass),
                (SELECT string_agg(conname || ':' || convalidated, ',' ORDER BY 1) FROM pg_constraint
                 WHERE conrelid = 'bed'::regclass)",
    );
    (catalog(db), rows)
}

/// Starts `ehrdb <args>` and kills it with SIGKILL once its session waits
/// for the advisory lock `key`, which the test holds in `holder`.
fn kill_while_waiting(project: &Project, db: &pg::TestDb, args: &[&str], key: i64) {
    let holder = runtime();
    let mut conn = holder.block_on(db.connect());
    holder.block_on(async {
        sqlx::query("SELECT pg_advisory_lock($1)").bind(key).execute(&mut conn).await.unwrap();
    });
    let mut child: Child = ehrdb(project, &db.url(), args).stdout(Stdio::null()).stderr(Stdio::null()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let waiting = db.psql(&format!(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = {key}"
        ));
        if waiting == "1\n" {
            break;
        }
        assert!(Instant::now() < deadline, "the run never reached the step that waits for lock {key}");
        assert!(child.try_wait().unwrap().is_none(), "the run ended before it reached lock {key}");
        std::thread::sleep(Duration::from_millis(20));
    }
    child.kill().expect("SIGKILL");
    child.wait().unwrap();
    // The server notices the dead client within a second
    // (client_connection_check_interval) and rolls its transaction back.
    let deadline = Instant::now() + Duration::from_secs(30);
    while db.psql("SELECT count(*) FROM pg_stat_activity WHERE application_name LIKE 'ehrdb %'") != "0\n" {
        assert!(Instant::now() < deadline, "the killed run's session is still there");
        std::thread::sleep(Duration::from_millis(20));
    }
    holder.block_on(async { conn.close().await.unwrap() });
    drop(holder);
}

#[test]
fn a_run_killed_at_any_step_resumes_to_the_same_database_up_and_down() {
    let project = migration(UP, DOWN);
    let whole = pg::database();
    let (code, output) = run(&project, &whole.url(), &["apply"]);
    assert_eq!(code, 0, "{output}");
    let expected = state(&whole);
    assert!(
        expected.1.contains("bed_ward_id_idx:true") && expected.1.contains("bed_ward_id_fkey:true"),
        "{expected:?}"
    );
    assert_eq!(whole.psql("SELECT state, statements_done FROM _ehrdb_migrations"), "applied|11\n");
    let (code, output) = run(&project, &whole.url(), &["rollback"]);
    assert_eq!(code, 0, "{output}");
    let empty = catalog(&whole);
    assert!(empty.tables.is_empty(), "{empty:#?}");

    for (key, done) in [(4241, 0), (4242, 5), (4243, 7), (4244, 9)] {
        let db = pg::database();
        kill_while_waiting(&project, &db, &["apply", "--ddl-lock-timeout", "0"], key);
        // The steps before it committed with their progress; its own left nothing.
        assert_eq!(
            db.psql("SELECT state, statements_done FROM _ehrdb_migrations"),
            format!("partial|{done}\n"),
            "killed at lock {key}"
        );
        let (code, output) = run(&project, &db.url(), &["status"]);
        assert_eq!(code, 1, "{output}");
        assert!(output.contains("partial   20261201_000000_beds"), "{output}");
        let (code, output) = run(&project, &db.url(), &["apply"]);
        assert_eq!(code, 0, "{output}");
        assert!(output.contains(&format!("resuming 20261201_000000_beds at statement {}", done + 1)), "{output}");
        assert_eq!(state(&db), expected, "resumed after a kill at lock {key}");
        assert_eq!(db.psql("SELECT state, statements_done FROM _ehrdb_migrations"), "applied|11\n");

        // And back down, killed at each step of down.sql in turn.
        for (down_key, down_done) in [(4251, 0), (4252, 2), (4253, 4)] {
            if down_key > 4251 {
                let (code, output) = run(&project, &db.url(), &["apply"]);
                assert_eq!(code, 0, "{output}");
            }
            kill_while_waiting(&project, &db, &["rollback", "--ddl-lock-timeout", "0"], down_key);
            assert_eq!(
                db.psql("SELECT state, statements_done FROM _ehrdb_migrations"),
                format!("rolling back|{down_done}\n"),
                "rollback killed at lock {down_key}"
            );
            let (code, output) = run(&project, &db.url(), &["apply"]);
            assert_eq!(code, 1, "apply refuses a half rolled back migration: {output}");
            assert!(output.contains("is being rolled back"), "{output}");
            let (code, output) = run(&project, &db.url(), &["rollback"]);
            assert_eq!(code, 0, "{output}");
            assert!(catalog(&db).tables.is_empty(), "rolled back after a kill at lock {down_key}");
            assert_eq!(db.psql("SELECT count(*) FROM _ehrdb_migrations"), "0\n");
        }
    }
}

#[test]
fn a_concurrent_index_left_invalid_is_built_again_and_never_recorded_as_done() {
    let up = "\
CREATE TABLE patient (id int PRIMARY KEY, mrn text);
INSERT INTO patient VALUES (1, 'a'), (2, 'a');
-- ehrdb:step no-transaction
CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS patient_mrn_key ON patient (mrn);
";
    let project = migration(up, "DROP TABLE patient;\n");
    let db = pg::database();
    // The duplicate makes the build fail and leave an invalid index behind.
    let (code, output) = run(&project, &db.url(), &["apply"]);
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("could not create unique index"), "{output}");
    assert_eq!(db.psql("SELECT indisvalid FROM pg_index WHERE indexrelid = 'patient_mrn_key'::regclass"), "f\n");
    assert_eq!(db.psql("SELECT state, statements_done FROM _ehrdb_migrations"), "failed|2\n");
    // IF NOT EXISTS would skip the invalid index; the rerun drops it first,
    // and fails again while the duplicate is there, recording nothing false.
    let (code, output) = run(&project, &db.url(), &["apply"]);
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("index patient_mrn_key was left invalid"), "{output}");
    let (code, output) = run(&project, &db.url(), &["status"]);
    assert_eq!(code, 1, "never up to date with an invalid index: {output}");

    db.psql("DELETE FROM patient WHERE id = 2");
    let (code, output) = run(&project, &db.url(), &["apply"]);
    assert_eq!(code, 0, "{output}");
    assert_eq!(db.psql("SELECT indisvalid FROM pg_index WHERE indexrelid = 'patient_mrn_key'::regclass"), "t\n");
    assert_eq!(db.psql("SELECT state FROM _ehrdb_migrations"), "applied\n");

    // A run killed after its build committed and before its progress did:
    // the index is there and valid, and is not built twice.
    let up = "\
CREATE TABLE patient (id int PRIMARY KEY, mrn text);
-- ehrdb:step no-transaction
CREATE UNIQUE INDEX CONCURRENTLY patient_mrn_key ON patient (mrn);
-- ehrdb:step
SELECT pg_advisory_xact_lock(4261);
";
    let project = migration(up, "DROP TABLE patient;\n");
    let db = pg::database();
    kill_while_waiting(&project, &db, &["apply", "--ddl-lock-timeout", "0"], 4261);
    db.psql("UPDATE _ehrdb_migrations SET statements_done = 1");
    let (code, output) = run(&project, &db.url(), &["apply"]);
    assert_eq!(code, 0, "{output}");
    assert!(output.contains("index patient_mrn_key is there and valid"), "{output}");
    assert_eq!(db.psql("SELECT state FROM _ehrdb_migrations"), "applied\n");
}

#[test]
fn a_lock_held_elsewhere_makes_apply_try_again_and_give_up_naming_the_holder() {
    let project = migration("ALTER TABLE record ADD COLUMN note text;\n", "ALTER TABLE record DROP COLUMN note;\n");
    let db = pg::database();
    db.psql("CREATE TABLE record (id int PRIMARY KEY); INSERT INTO record VALUES (1)");
    let rt = runtime();
    // A long report: its transaction holds ACCESS SHARE on the table.
    let mut report = rt.block_on(db.connect());
    rt.block_on(async {
        sqlx::raw_sql("SET application_name = 'night-report'; BEGIN; SELECT count(*) FROM record")
            .execute(&mut report)
            .await
            .unwrap();
    });
    let began = Instant::now();
    let (code, output) = run(&project, &db.url(), &["apply", "--ddl-lock-timeout", "200", "--ddl-retries", "2"]);
    assert_eq!(code, 1, "{output}");
    assert!(
        output.contains("waiting: statement 1 of 20261201_000000_beds gave up waiting for a table lock"),
        "{output}"
    );
    assert!(output.contains("held by pid ") && output.contains("application \"night-report\""), "{output}");
    assert!(output.contains("it waited for a table lock each of 3 times it was tried"), "{output}");
    assert!(output.contains("nothing of that migration was applied"), "{output}");
    assert!(began.elapsed() < Duration::from_secs(20));
    assert_eq!(db.psql("SELECT count(*) FROM _ehrdb_migrations"), "0\n", "nothing false recorded");
    assert_eq!(
        db.psql("SELECT count(*) FROM pg_attribute WHERE attrelid = 'record'::regclass AND attname = 'note'"),
        "0\n"
    );

    // The report ends while apply pauses between tries: it goes through.
    let finisher = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1500));
        rt.block_on(async {
            sqlx::raw_sql("COMMIT").execute(&mut report).await.unwrap();
            report.close().await.unwrap();
        });
    });
    let (code, output) = run(&project, &db.url(), &["apply", "--ddl-lock-timeout", "200"]);
    finisher.join().unwrap();
    assert_eq!(code, 0, "{output}");
    assert!(output.contains("waiting: statement 1"), "it waited first: {output}");
    assert_eq!(db.psql("SELECT state FROM _ehrdb_migrations"), "applied\n");
}
