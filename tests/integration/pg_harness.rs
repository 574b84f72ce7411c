//! The PostgreSQL test server itself: every later database test relies on
//! it giving each test its own database and on its errors reaching the test.

use crate::support::pg;

#[test]
fn each_test_database_is_isolated_from_the_others() {
    let a = pg::database();
    let b = pg::database();
    assert_ne!(a.name(), b.name());
    a.psql("CREATE TABLE only_in_a (id int PRIMARY KEY)");
    assert_eq!(a.psql("SELECT to_regclass('only_in_a') IS NOT NULL"), "t\n");
    assert_eq!(b.psql("SELECT to_regclass('only_in_a') IS NOT NULL"), "f\n");
}

#[tokio::test]
async fn sqlx_reads_what_psql_wrote() {
    let db = pg::database();
    db.psql("CREATE TABLE patient (id int PRIMARY KEY, name text NOT NULL); INSERT INTO patient VALUES (7, 'Ada');");
    let mut conn = db.connect().await;
    let row: (i32, String) = sqlx::query_as("SELECT id, name FROM patient WHERE id = $1")
        .bind(7)
        .fetch_one(&mut conn)
        .await
        .expect("the row psql inserted");
    assert_eq!(row, (7, "Ada".to_owned()));
}

#[test]
fn the_server_listens_on_loopback_only_and_is_postgres_15_or_newer() {
    let db = pg::database();
    assert_eq!(db.psql("SHOW listen_addresses"), "127.0.0.1\n");
    let version: u32 = db.psql("SHOW server_version_num").trim().parse().expect("a version number");
    assert!(version >= 150_000, "server_version_num {version}");
    assert!(db.url().starts_with("postgres://postgres@127.0.0.1:"), "{}", db.url());
}

#[test]
fn psql_takes_long_scripts_with_long_output() {
    // Both far beyond a pipe's buffer, which would hang a naive runner.
    let long = "x".repeat(300_000);
    let output = pg::database().psql(&format!("SELECT repeat('y', 300000) WHERE '{long}' <> '';"));
    assert_eq!(output.trim_end(), "y".repeat(300_000));
}

#[test]
#[should_panic(expected = "syntax error at or near \"SELEKT\"")]
fn psql_panics_with_the_server_error_on_bad_sql() {
    pg::database().psql("SELEKT 1");
}

#[test]
#[should_panic(expected = "relation \"missing\" does not exist")]
fn psql_stops_at_the_first_failing_statement() {
    let db = pg::database();
    // Without ON_ERROR_STOP the script would go on and the error be lost.
    db.psql("SELECT * FROM missing; SELECT 1;");
}
