//! `ehrdb check` against a large database: 2,000 tables with 10,000
//! indexes, read with one catalog query per fact.
//!
//! `cargo bench --bench check` starts a PostgreSQL server of its own
//! (initdb in a temporary folder, a free port; stopped and removed at the
//! end, also when the run panics), builds the database with one SQL script
//! through psql (each table has a primary key, a foreign key to the table
//! before it, four more indexes, and every twentieth ehrdb's immutability
//! triggers), then times the release binary checking the example schema
//! and migrations against it (`--format json`, every live check, drift
//! included). One untimed run first, then `EHRDB_BENCH_RUNS` timed ones
//! (default 5); it prints the median and the minimum against the goal of
//! 2 s, and exits 1 when the median misses it.
//!
//! The PostgreSQL programs come from `pg_config --bindir`, else the newest
//! /usr/lib/postgresql/N/bin; as root, initdb and pg_ctl run as `postgres`.

#[path = "../tests/integration/support/pg/server.rs"]
mod server;

use std::fmt::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use server::Server;
use std::time::{Duration, Instant};

const EHRDB: &str = env!("CARGO_BIN_EXE_ehrdb");
const GOAL: Duration = Duration::from_secs(2);
const TABLES: usize = 2_000;
/// Besides the primary key: 5 indexes per table in all.
const MORE_INDEXES: [&str; 4] = ["parent", "a", "b", "a, c"];

/// The database: one statement at a time (one transaction for all would
/// need a lock per table and index, more than the lock table holds).
fn script() -> String {
    let mut sql = String::from(
        "CREATE FUNCTION \"ehrdb_immutable\"() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no'; END $$;\n",
    );
    for i in 1..=TABLES {
        let parent = (i - 1).max(1);
        let _ = writeln!(
            sql,
            "CREATE TABLE t{i} (id int PRIMARY KEY, parent int REFERENCES t{parent} (id), a int, b text, c timestamptz);"
        );
        for (n, columns) in MORE_INDEXES.iter().enumerate() {
            let _ = writeln!(sql, "CREATE INDEX t{i}_{n}_idx ON t{i} ({columns});");
        }
        if i % 20 == 0 {
            let _ = writeln!(
                sql,
                "CREATE TRIGGER ehrdb_immutable_row BEFORE UPDATE OR DELETE ON t{i} FOR EACH ROW EXECUTE FUNCTION \
                 ehrdb_immutable();\nCREATE TRIGGER ehrdb_immutable_truncate BEFORE TRUNCATE ON t{i} FOR EACH \
                 STATEMENT EXECUTE FUNCTION ehrdb_immutable();"
            );
        }
    }
    sql
}

fn main() {
    let runs: usize =
        std::env::var("EHRDB_BENCH_RUNS").ok().and_then(|v| v.parse().ok()).filter(|&n| n > 0).unwrap_or(5);
    let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));

    let started = Instant::now();
    // A server tuned for a quick load, as the test server is.
    let server = Server::start("fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nautovacuum = off", &[])
        .unwrap_or_else(|e| panic!("{e}"));
    server.psql("postgres", "CREATE DATABASE bench");
    server.psql("bench", &script());
    eprintln!(
        "PostgreSQL {} on port {} with {TABLES} tables and {} indexes, ready in {:.1?}",
        server.version(),
        server.port,
        TABLES * (1 + MORE_INDEXES.len()),
        started.elapsed()
    );

    let work = tempfile::tempdir().expect("a temp dir");
    let check = || {
        let begun = Instant::now();
        let status = Command::new(EHRDB)
            .arg("check")
            .arg("--schema")
            .arg(manifest.join("schema"))
            .arg("--migrations")
            .arg(manifest.join("migrations"))
            .args(["--database-url", &server.url("bench"), "--format", "json", "--fail-on", "none"])
            .env_remove("DATABASE_URL")
            .current_dir(work.path())
            .stdout(Stdio::null())
            .status()
            .expect("ehrdb runs");
        assert!(status.success(), "ehrdb check failed: {status}");
        begun.elapsed()
    };
    check();
    let mut times: Vec<Duration> = (0..runs).map(|_| check()).collect();
    times.sort_unstable();
    let median = if runs % 2 == 1 { times[runs / 2] } else { (times[runs / 2 - 1] + times[runs / 2]) / 2 };
    let verdict = if median < GOAL { "meets" } else { "MISSES" };
    println!("ehrdb check, {TABLES} tables / {} indexes", TABLES * (1 + MORE_INDEXES.len()));
    println!("  runs {runs}, median {median:.2?}, min {:.2?}: {verdict} the goal of {GOAL:?}", times[0]);
    drop(server);
    if median >= GOAL {
        std::process::exit(1);
    }
}
