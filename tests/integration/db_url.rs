//! Connecting through a Prisma-style URL (`db::url::Target`) to the test
//! server: the `schema` parameter becomes the session's search_path, the
//! command names the session unless the URL does, `connect_timeout` ends
//! the wait for a server that never answers, a URL that requires TLS is
//! refused by a server without it, and a wrong password's error never
//! shows the password.

use std::net::TcpListener;
use std::path::Path;
use std::time::{Duration, Instant};

use ehrdb::db;
use ehrdb::db::url::Target;
use sqlx::PgConnection;

use crate::support::pg;

fn target(url: &str) -> Target {
    Target::parse(url, Path::new("")).unwrap_or_else(|e| panic!("{e:#}"))
}

async fn connect(url: &str) -> PgConnection {
    target(url).connect("ehrdb test").await.unwrap_or_else(|e| panic!("{e:#}"))
}

async fn show(connection: &mut PgConnection, setting: &str) -> String {
    sqlx::query_scalar(&format!("SHOW {setting}")).fetch_one(connection).await.unwrap()
}

async fn scalar(connection: &mut PgConnection, sql: &str) -> String {
    sqlx::query_scalar(sql).fetch_one(connection).await.unwrap_or_else(|e| panic!("{sql}: {e}"))
}

#[test]
fn the_schema_parameter_is_the_search_path() {
    let db = pg::database();
    db.psql(r#"CREATE SCHEMA "Clinical Data"; CREATE TABLE "Clinical Data".note (body text)"#);
    db::runtime().unwrap().block_on(async {
        // A space and capitals: quoted, and escaped for the startup options.
        let mut c = connect(&format!("{}?schema=Clinical%20Data", db.url())).await;
        assert_eq!(show(&mut c, "search_path").await, r#""Clinical Data""#);
        assert_eq!(scalar(&mut c, "SELECT current_schema()::text").await, "Clinical Data");
        assert_eq!(scalar(&mut c, "SELECT count(*)::text FROM note").await, "0", "unqualified names resolve there");

        let mut c = connect(&db.url()).await;
        assert_eq!(show(&mut c, "search_path").await, r#""public""#, "public by default");

        // The URL's own options go first, so the schema wins.
        let mut c = connect(&format!("{}?options=-c%20search_path%3Dother&schema=mine", db.url())).await;
        assert_eq!(show(&mut c, "search_path").await, r#""mine""#);
    });
}

#[test]
fn pgbouncer_mode_sets_the_search_path_after_connecting() {
    let db = pg::database();
    db::runtime().unwrap().block_on(async {
        let mut c = connect(&format!("{}?pgbouncer=true&schema=behind%20the%20pooler", db.url())).await;
        assert_eq!(show(&mut c, "search_path").await, r#""behind the pooler""#);
    });
}

#[test]
fn the_command_names_the_session_unless_the_url_does() {
    let db = pg::database();
    db::runtime().unwrap().block_on(async {
        let mut c = target(&db.url()).connect("ehrdb apply").await.unwrap();
        assert_eq!(show(&mut c, "application_name").await, "ehrdb apply");
        let mut c =
            target(&format!("{}?application_name=deploy%20job", db.url())).connect("ehrdb apply").await.unwrap();
        assert_eq!(show(&mut c, "application_name").await, "deploy job");
    });
}

#[test]
fn connect_timeout_ends_the_wait_for_a_server_that_never_answers() {
    // Listening but never reading: the kernel completes the TCP handshake,
    // then nothing answers the driver's first message.
    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = silent.local_addr().unwrap().port();
    let url = format!("postgres://ehr:s3cret@127.0.0.1:{port}/ehr?connect_timeout=1");
    let started = Instant::now();
    let error = db::runtime().unwrap().block_on(target(&url).connect("ehrdb test")).unwrap_err();
    let took = started.elapsed();
    assert_eq!(
        format!("{error:#}"),
        format!(
            "cannot connect to postgres://ehr:****@127.0.0.1:{port}/ehr?connect_timeout=1: no connection within 1 s \
             (connect_timeout; 0 waits without limit)"
        )
    );
    assert!(took >= Duration::from_secs(1) && took < Duration::from_secs(3), "took {took:?}");
    drop(silent);
}

#[test]
fn a_closed_port_fails_at_once_with_the_reason() {
    let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let url = format!("postgres://ehr:s3cret@127.0.0.1:{port}/ehr?connect_timeout=1");
    let started = Instant::now();
    let error = format!("{:#}", db::runtime().unwrap().block_on(target(&url).connect("ehrdb test")).unwrap_err());
    assert!(started.elapsed() < Duration::from_secs(1), "took {:?}", started.elapsed());
    assert!(error.starts_with(&format!("cannot connect to postgres://ehr:****@127.0.0.1:{port}/ehr")), "{error}");
    assert!(error.contains("refused"), "{error}");
    assert!(!error.contains("s3cret"), "{error}");
}

#[test]
fn a_url_that_requires_tls_is_refused_by_a_server_without_it() {
    // The test server has no certificate; `prefer`, Prisma's default, falls
    // back to plain text and `require` must not.
    let db = pg::database();
    db::runtime().unwrap().block_on(async {
        connect(&format!("{}?sslmode=prefer", db.url())).await;
        for query in ["sslmode=require", "sslmode=verify-full", "sslaccept=strict"] {
            let url = format!("{}?{query}", db.url());
            let error = format!("{:#}", target(&url).connect("ehrdb test").await.expect_err(&url));
            assert!(error.contains("server does not support TLS"), "{query}: {error}");
        }
    });
}

#[test]
fn a_wrong_password_never_shows_in_the_error() {
    let db = pg::database();
    let role = db.role_with_password("right-Pa55");
    let port_and_database = db.url().rsplit_once('@').unwrap().1.to_owned();
    let runtime = db::runtime().unwrap();
    // In the user info and in `password=`, percent-encoded; neither the
    // encoded nor the decoded form may show.
    let cases = [
        (format!("postgres://{role}:wr%2Fong%21pw@{port_and_database}"), ["wr%2Fong%21pw", "wr/ong!pw"]),
        (format!("postgres://{role}@{port_and_database}?password=wr%2Bong+pw"), ["wr%2Bong+pw", "wr+ong pw"]),
    ];
    for (url, leaks) in cases {
        let error = format!("{:#}", runtime.block_on(target(&url).connect("ehrdb test")).expect_err(&url));
        assert!(error.contains("password authentication failed"), "{error}");
        assert!(error.contains(&format!("cannot connect to postgres://{role}")) && error.contains("****"), "{error}");
        for leak in leaks {
            assert!(!error.contains(leak), "the password leaks ({leak}): {error}");
        }
        // Debug output of the target holds no password either.
        let debug = format!("{:?}", target(&url));
        assert!(leaks.iter().all(|leak| !debug.contains(leak)), "{debug}");
    }
    // The right password gets in both ways, so the errors were about it.
    for url in [
        format!("postgres://{role}:right-Pa55@{port_and_database}"),
        format!("postgres://{role}@{port_and_database}?password=right-Pa55"),
    ] {
        runtime.block_on(connect(&url));
    }
}
