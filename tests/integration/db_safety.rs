//! `ehrdb apply` under concurrency and failure, driven as users run it: the
//! real binary against a real server, with hand-written migration folders.
//!
//! Each test gets its own database (or, to stop the server, its own
//! cluster) and checks the exit code, what ehrdb printed, and what the
//! catalog and the history table hold afterwards. A migration that must
//! run long reads its sleep from a `test_control` table the test writes
//! outside any migration, so the same up.sql can be slow on the run the
//! test interrupts and quick on the rerun.

use std::process::{Child, Command, Stdio};
use std::str::FromStr;
use std::time::{Duration, Instant};

use sqlx::ConnectOptions;

use crate::support::Project;
use crate::support::pg::{self, PrivateCluster};

/// A project with a `migrations/` folder of hand-written migrations.
struct Migrations {
    project: Project,
}

impl Migrations {
    /// Writes `(folder, up.sql)` pairs, each with a trivial down.sql, and
    /// the ehrdb.sum that matches them.
    fn new(migrations: &[(&str, &str)]) -> Migrations {
        let folder = Migrations { project: Project::new(&[]) };
        for (name, up) in migrations {
            folder.write_files(name, up);
        }
        folder.rehash();
        folder
    }

    /// Replaces a migration's up.sql, as a reviewed edit does, with the sum.
    fn rewrite(&self, name: &str, up: &str) {
        self.write_files(name, up);
        self.rehash();
    }

    fn write_files(&self, name: &str, up: &str) {
        self.project.write(&format!("migrations/{name}/up.sql"), up);
        self.project.write(&format!("migrations/{name}/down.sql"), "SELECT 1;\n");
    }

    fn rehash(&self) {
        self.project.ehrdb().args(["migrate", "--rehash"]).assert().code(0);
    }

    /// `ehrdb <command> --database-url URL --migrations DIR ARGS`, ready to spawn.
    fn command(&self, command: &str, url: &str, args: &[&str]) -> Command {
        let mut ehrdb = Command::new(assert_cmd::cargo::cargo_bin("ehrdb"));
        ehrdb
            .env("NO_COLOR", "1")
            .env_remove("DATABASE_URL")
            .arg(command)
            .args(["--database-url", url, "--migrations"])
            .arg(self.project.path("migrations"))
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        ehrdb
    }

    fn spawn_apply(&self, url: &str, args: &[&str]) -> Child {
        self.command("apply", url, args).spawn().expect("ehrdb starts")
    }

    fn run(&self, command: &str, url: &str, args: &[&str]) -> Run {
        let began = Instant::now();
        let child = self.command(command, url, args).spawn().expect("ehrdb starts");
        Run::finish(child, began)
    }

    fn apply(&self, url: &str, args: &[&str]) -> Run {
        self.run("apply", url, args)
    }
}

/// How an ehrdb process ended.
struct Run {
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

impl Run {
    fn finish(child: Child, began: Instant) -> Run {
        let output = child.wait_with_output().expect("ehrdb ran");
        Run {
            code: output.status.code(),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
            elapsed: began.elapsed(),
        }
    }

    /// Panics with everything the process printed unless it exited `code`.
    fn expect(self, code: i32) -> Run {
        assert_eq!(self.code, Some(code), "{self}");
        self
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "exit {:?} after {:.2?}\n--- stdout\n{}--- stderr\n{}",
            self.code, self.elapsed, self.stdout, self.stderr
        )
    }
}

const WAITING: &str = "waiting for the migration lock";

/// The history as `version|state|statements_done` lines, oldest first.
const HISTORY: &str = "SELECT version, state, statements_done FROM _ehrdb_migrations ORDER BY version";

/// A migration whose second statement sleeps as long as `test_control` says.
const LONG: &str = "CREATE TABLE before_sleep (id int);\n\
                    SELECT pg_sleep((SELECT sleep_seconds FROM test_control));\n\
                    CREATE TABLE after_sleep (id int);\n";
const CONTROL: &str =
    "CREATE TABLE test_control (sleep_seconds float8 NOT NULL); INSERT INTO test_control VALUES (30);";
const NO_SLEEP: &str = "UPDATE test_control SET sleep_seconds = 0";

/// Whether a session other than the asking one is inside pg_sleep.
const SLEEPING: &str = "SELECT count(*) > 0 FROM pg_stat_activity
    WHERE pid <> pg_backend_pid() AND state = 'active' AND query LIKE 'SELECT pg_sleep(%'";

/// Waits until `psql(SLEEPING)` says so: the migration is in its long statement.
fn wait_for_sleep(psql: impl Fn(&str) -> String, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(15);
    while psql(SLEEPING) != "t\n" {
        if let Some(status) = child.try_wait().expect("ehrdb is waitable") {
            panic!("ehrdb ended ({status}) before its migration reached pg_sleep");
        }
        assert!(Instant::now() < deadline, "the migration never reached pg_sleep");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn eight_applies_started_at_once_apply_each_migration_exactly_once() {
    let db = pg::database();
    // No unique key on the log, so a second run of a migration shows as a
    // second row instead of failing.
    let migrations = Migrations::new(&[
        ("20260301_080000_log", "CREATE TABLE run_log (migration text NOT NULL);\nINSERT INTO run_log VALUES ('1');\n"),
        ("20260301_080001_ward", "CREATE TABLE ward (id int PRIMARY KEY);\nINSERT INTO run_log VALUES ('2');\n"),
        // Slow enough that the runs started with it overlap.
        ("20260301_080002_slow", "SELECT pg_sleep(0.5);\nINSERT INTO run_log VALUES ('3');\n"),
        ("20260301_080003_name", "ALTER TABLE ward ADD COLUMN name text;\nINSERT INTO run_log VALUES ('4');\n"),
        ("20260301_080004_index", "CREATE INDEX ward_name ON ward (name);\nINSERT INTO run_log VALUES ('5');\n"),
    ]);
    let began = Instant::now();
    let children: Vec<Child> = (0..8).map(|_| migrations.spawn_apply(&db.url(), &[])).collect();
    let runs: Vec<Run> = children.into_iter().map(|child| Run::finish(child, began)).collect();
    let all = runs.iter().map(Run::to_string).collect::<Vec<_>>().join("\n");

    assert!(runs.iter().all(|run| run.code == Some(0)), "{all}");
    let appliers = runs.iter().filter(|run| run.stdout.contains("applied 5 migrations; the database is up to date"));
    assert_eq!(appliers.count(), 1, "one run applies everything, the others find nothing left:\n{all}");
    assert_eq!(runs.iter().filter(|run| run.stdout.contains("nothing to apply")).count(), 7, "{all}");
    assert!(runs.iter().any(|run| run.stderr.contains(WAITING)), "no run had to wait for the lock:\n{all}");

    assert_eq!(
        db.psql(HISTORY),
        "20260301080000|applied|2\n20260301080001|applied|2\n20260301080002|applied|2\n\
         20260301080003|applied|2\n20260301080004|applied|2\n"
    );
    assert_eq!(
        db.psql("SELECT migration, count(*) FROM run_log GROUP BY migration ORDER BY migration"),
        "1|1\n2|1\n3|1\n4|1\n5|1\n"
    );
}

#[test]
fn a_failing_statement_leaves_nothing_of_its_migration_and_frees_the_lock() {
    let db = pg::database();
    // The bad reference is on the statement's second line, where the server
    // points, not on the line the statement starts.
    let bad = "20260301_090001_bed";
    let migrations = Migrations::new(&[
        ("20260301_090000_ward", "CREATE TABLE ward (id int PRIMARY KEY);\n"),
        (
            bad,
            "CREATE TABLE bed (id int PRIMARY KEY);\n\nINSERT INTO bed (id)\nSELECT id FROM missing_table;\n\
             CREATE TABLE bay (id int PRIMARY KEY);\n",
        ),
    ]);
    let first = migrations.apply(&db.url(), &[]).expect(1);
    let failure = format!("migration {bad} failed at statement 2 of 3 (up.sql line 4)");
    assert!(first.stderr.contains(&failure), "{first}");
    assert!(first.stderr.contains("relation \"missing_table\" does not exist"), "{first}");
    assert!(first.stdout.contains("applied 20260301_090000_ward"), "{first}");

    assert_eq!(
        db.psql("SELECT to_regclass('ward') IS NOT NULL, to_regclass('bed') IS NULL, to_regclass('bay') IS NULL"),
        "t|t|t\n"
    );
    assert_eq!(db.psql(HISTORY), "20260301090000|applied|1\n");

    // A lock left behind would make this run wait and say so.
    let second = migrations.apply(&db.url(), &["--lock-timeout", "5"]).expect(1);
    assert!(!second.stderr.contains(WAITING), "{second}");
    assert!(second.stderr.contains(&failure), "{second}");
    assert_eq!(db.psql(HISTORY), "20260301090000|applied|1\n");
}

#[test]
fn a_run_killed_mid_migration_leaves_nothing_and_the_next_run_applies_it_once() {
    let db = pg::database();
    db.psql(CONTROL);
    let migrations =
        Migrations::new(&[("20260301_100000_ward", "CREATE TABLE ward (id int);\n"), ("20260301_100001_long", LONG)]);
    let mut victim = migrations.spawn_apply(&db.url(), &[]);
    wait_for_sleep(|sql| db.psql(sql), &mut victim);
    victim.kill().expect("SIGKILL");
    victim.wait().expect("the killed run is reaped");
    db.psql(NO_SLEEP);

    // The killed run's session still holds the lock until the server sees
    // its client is gone; that takes about a second, not the 30 of the sleep.
    let rerun = migrations.apply(&db.url(), &[]).expect(0);
    assert!(rerun.elapsed < Duration::from_secs(5), "{rerun}");
    assert!(
        rerun.stdout.contains("applying 1 migration"),
        "the first migration was committed before the kill:\n{rerun}"
    );
    assert_eq!(db.psql(HISTORY), "20260301100000|applied|1\n20260301100001|applied|3\n");
    assert_eq!(
        db.psql(
            "SELECT relname, count(*) FROM pg_class WHERE relname IN ('before_sleep', 'after_sleep') \
             GROUP BY relname ORDER BY relname"
        ),
        "after_sleep|1\nbefore_sleep|1\n"
    );
}

#[test]
fn a_server_stopped_mid_run_exits_2_and_records_nothing_it_did_not_apply() {
    let cluster = PrivateCluster::start();
    cluster.psql(CONTROL);
    let long = "20260301_110001_long";
    let migrations = Migrations::new(&[("20260301_110000_ward", "CREATE TABLE ward (id int);\n"), (long, LONG)]);
    let began = Instant::now();
    let mut run = migrations.spawn_apply(&cluster.url(), &[]);
    wait_for_sleep(|sql| cluster.psql(sql), &mut run);
    cluster.stop();
    let run = Run::finish(run, began).expect(2);
    assert!(run.stderr.contains(&format!("migration {long} failed at statement 2 of 3")), "{run}");
    assert!(run.stderr.contains("nothing of that migration was applied"), "{run}");
    assert!(!run.stderr.contains("panicked"), "{run}");

    cluster.start_again();
    assert_eq!(cluster.psql(HISTORY), "20260301110000|applied|1\n");
    assert_eq!(cluster.psql("SELECT to_regclass('ward') IS NOT NULL, to_regclass('before_sleep') IS NULL"), "t|t\n");
    cluster.psql(NO_SLEEP);
    migrations.apply(&cluster.url(), &[]).expect(0);
    assert_eq!(cluster.psql(HISTORY), "20260301110000|applied|1\n20260301110001|applied|3\n");
}

#[test]
fn a_no_transaction_migration_resumes_at_the_statement_that_failed() {
    let db = pg::database();
    let folder = "20260301_120000_concurrent";
    // Statement 1 fails if it runs twice, so a resume that repeats it shows.
    let up = |column: &str| {
        format!(
            "-- ehrdb:no-transaction\nCREATE TABLE ward (id int, name text);\n\
             CREATE INDEX CONCURRENTLY ward_first ON ward ({column});\n\
             CREATE INDEX CONCURRENTLY ward_name ON ward (name);\n"
        )
    };
    let migrations = Migrations::new(&[(folder, &up("missing"))]);
    let failed = migrations.apply(&db.url(), &[]).expect(1);
    assert!(
        failed.stderr.contains(&format!("migration {folder} failed at statement 2 of 3 (up.sql line 3)")),
        "{failed}"
    );
    assert!(failed.stderr.contains("column \"missing\" does not exist"), "{failed}");
    // Statement 1 committed on its own: the message must not deny it.
    assert!(!failed.stderr.contains("nothing of that migration was applied"), "{failed}");
    assert!(failed.stderr.contains("resumes at statement 2"), "{failed}");

    let status = migrations.run("status", &db.url(), &["--format", "json"]).expect(1);
    let json: serde_json::Value = serde_json::from_str(&status.stdout).expect("status prints JSON");
    let entry = &json["migrations"][0];
    assert_eq!((entry["state"].as_str(), entry["statements_done"].as_i64()), (Some("failed"), Some(1)), "{status}");

    migrations.rewrite(folder, &up("id"));
    let resumed = migrations.apply(&db.url(), &[]).expect(0);
    assert!(resumed.stdout.contains(&format!("resuming {folder} at statement 2 of 3")), "{resumed}");

    let status = migrations.run("status", &db.url(), &["--format", "json"]).expect(0);
    let json: serde_json::Value = serde_json::from_str(&status.stdout).expect("status prints JSON");
    assert_eq!(json["migrations"][0]["state"], "applied", "{status}");
    assert_eq!(db.psql(HISTORY), "20260301120000|applied|3\n");
    assert_eq!(
        db.psql("SELECT indexname FROM pg_indexes WHERE tablename = 'ward' ORDER BY indexname"),
        "ward_first\nward_name\n"
    );
}

#[tokio::test]
async fn a_held_lock_makes_apply_give_up_in_time_naming_the_holder() {
    let db = pg::database();
    let migrations = Migrations::new(&[("20260301_130000_ward", "CREATE TABLE ward (id int);\n")]);
    let options = sqlx::postgres::PgConnectOptions::from_str(&db.url()).unwrap().application_name("night-deploy");
    let mut holder = options.connect().await.expect("the holder connects");
    let pid: i32 = sqlx::query_scalar("SELECT pg_backend_pid()").fetch_one(&mut holder).await.unwrap();
    sqlx::query("SELECT pg_advisory_lock($1)")
        .bind(ehrdb::db::lock::key("public"))
        .execute(&mut holder)
        .await
        .expect("the lock is free");

    let run = migrations.apply(&db.url(), &["--lock-timeout", "1"]).expect(2);
    assert!(run.elapsed < Duration::from_secs(3), "{run}");
    assert!(run.stderr.contains("gave up after 1s waiting for the migration lock"), "{run}");
    assert!(run.stderr.contains(&format!("pid {pid} (application \"night-deploy\"")), "{run}");
    // Nothing ran, not even the history table's creation.
    assert_eq!(db.psql("SELECT to_regclass('_ehrdb_migrations') IS NULL, to_regclass('ward') IS NULL"), "t|t\n");
}
