//! How `ehrdb apply` commits: each migration in one message with its
//! history row (which also begins the next migration's transaction), or the
//! whole run with every row at its one COMMIT.
//!
//! Against a real server: the rows written as text read back exactly as
//! written, whatever `standard_conforming_strings` says; a plan that mixes
//! transactional and no-transaction migrations applies each its own way;
//! a failing `--single-transaction` run leaves no table and no row.

use ehrdb::db::history::{self, NewRow, RowState};
use sqlx::Connection;

use crate::support::{Project, pg};

/// `HISTORY` rows as `version|state|statements_done`, oldest first.
const HISTORY: &str = "SELECT version, state, statements_done FROM _ehrdb_migrations ORDER BY version";

fn row<'a>(version: &'a str, state: RowState, applied_by: &'a str) -> NewRow<'a> {
    NewRow {
        version,
        name: "add_ward",
        checksum: "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        execution_ms: 42,
        state,
        statements_done: 3,
        applied_by,
    }
}

#[tokio::test]
async fn rows_written_as_text_read_back_as_written_and_replace_a_partial_row() {
    let db = pg::database();
    let mut conn = db.connect().await;
    history::ensure(&mut conn, "public").await.unwrap();
    // A Windows domain user and a quote: both must survive either reading
    // of backslashes in a plain literal.
    let applied_by = r"deploy (CORP\o'brien\n@ward-3)";
    for (setting, version) in [("on", "20260401090000"), ("off", "20260401090001")] {
        sqlx::raw_sql(&format!("SET standard_conforming_strings = {setting}")).execute(&mut conn).await.unwrap();
        // A resumed no-transaction migration already has a partial row.
        history::record(&mut conn, "public", &row(version, RowState::Partial, "someone else")).await.unwrap();
        let sql = history::record_sql("public", &[row(version, RowState::Applied, applied_by)]);
        let mut transaction = conn.begin().await.unwrap();
        sqlx::raw_sql(&sql).execute(&mut *transaction).await.unwrap_or_else(|e| panic!("{e}\n{sql}"));
        transaction.commit().await.unwrap();
    }
    let rows = history::read(&mut conn, "public").await.unwrap();
    assert_eq!(rows.len(), 2);
    for read in rows {
        assert_eq!(read.applied_by, applied_by);
        assert_eq!((read.state, read.statements_done, read.execution_ms), (RowState::Applied, 3, 42));
        assert_eq!(read.ehrdb_version, env!("CARGO_PKG_VERSION"));
    }
}

/// A project whose migrations folder holds `(folder, up.sql)` pairs and
/// their ehrdb.sum.
fn project(migrations: &[(&str, &str)]) -> Project {
    let project = Project::new(&[]);
    for (folder, up) in migrations {
        project.write(&format!("migrations/{folder}/up.sql"), up);
    }
    project.ehrdb().args(["migrate", "--rehash"]).assert().code(0);
    project
}

fn apply(project: &Project, db: &pg::TestDb, args: &[&str]) -> (i32, String) {
    let output = project.ehrdb().arg("apply").args(["--database-url", &db.url()]).args(args).output().unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    (output.status.code().unwrap_or(-1), text)
}

#[test]
fn a_mixed_plan_commits_each_migration_with_its_row_until_one_fails() {
    let db = pg::database();
    // CREATE INDEX CONCURRENTLY fails inside a transaction block: the
    // no-transaction migration shows that no transaction was left open
    // for it by the migration before.
    let project = project(&[
        ("20260401_100000_ward", "CREATE TABLE ward (id int PRIMARY KEY, name text);\n"),
        (
            "20260401_100001_bed",
            "CREATE TABLE bed (id int PRIMARY KEY, ward_id int);\nCREATE INDEX bed_ward ON bed (ward_id);\n",
        ),
        (
            "20260401_100002_concurrent",
            "-- ehrdb:no-transaction\nCREATE INDEX CONCURRENTLY ward_name ON ward (name);\n",
        ),
        ("20260401_100003_bay", "CREATE TABLE bay (id int PRIMARY KEY);\n"),
        ("20260401_100004_broken", "CREATE TABLE theatre (id int);\nSELECT * FROM missing_table;\n"),
        ("20260401_100005_never", "CREATE TABLE never (id int);\n"),
    ]);
    let (code, output) = apply(&project, &db, &[]);
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("migration 20260401_100004_broken failed at statement 2 of 2"), "{output}");
    assert_eq!(
        db.psql(HISTORY),
        "20260401100000|applied|1\n20260401100001|applied|2\n20260401100002|applied|1\n20260401100003|applied|1\n"
    );
    assert_eq!(
        db.psql(
            "SELECT string_agg(relname, ' ' ORDER BY relname) FROM pg_class \
             WHERE relname IN ('ward', 'bed', 'bed_ward', 'ward_name', 'bay', 'theatre', 'never')"
        ),
        "bay bed bed_ward ward ward_name\n"
    );
}

#[test]
fn a_single_transaction_run_records_every_row_or_none() {
    let good = [
        ("20260401_110000_ward", "CREATE TABLE ward (id int PRIMARY KEY);\n"),
        ("20260401_110001_bed", "CREATE TABLE bed (id int);\nCREATE INDEX bed_id ON bed (id);\n"),
    ];
    let db = pg::database();
    let (code, output) = apply(&project(&good), &db, &["--single-transaction"]);
    assert_eq!(code, 0, "{output}");
    assert_eq!(db.psql(HISTORY), "20260401110000|applied|1\n20260401110001|applied|2\n");

    let db = pg::database();
    let broken = [good[0], good[1], ("20260401_110002_broken", "SELECT * FROM missing_table;\n")];
    let (code, output) = apply(&project(&broken), &db, &["--single-transaction"]);
    assert_eq!(code, 1, "{output}");
    assert!(output.contains("nothing of this run was applied"), "{output}");
    assert_eq!(db.psql(HISTORY), "");
    assert_eq!(db.psql("SELECT to_regclass('ward') IS NULL, to_regclass('bed') IS NULL"), "t|t\n");
}
