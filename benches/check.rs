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

use std::fmt::Write as _;
use std::io::Write as _;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

const EHRDB: &str = env!("CARGO_BIN_EXE_ehrdb");
const GOAL: Duration = Duration::from_secs(2);
const TABLES: usize = 2_000;
/// Besides the primary key: 5 indexes per table in all.
const MORE_INDEXES: [&str; 4] = ["parent", "a", "b", "a, c"];

/// A running server; dropping it stops it and removes its folder.
struct Server {
    bin: PathBuf,
    as_postgres: bool,
    dir: PathBuf,
    port: u16,
}

impl Server {
    fn start() -> Server {
        let bin = bin_dir();
        let as_postgres = output(Command::new("id").arg("-u")).trim() == "0";
        let dir = tempfile::Builder::new().prefix("ehrdb-bench-pg-").tempdir().expect("a temp dir").keep();
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let server = Server { bin, as_postgres, dir, port };
        if as_postgres {
            output(Command::new("chown").arg("postgres:").arg(&server.dir));
        }
        let data = server.dir.join("data");
        output(
            server
                .program("initdb")
                .args(["-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "-D"])
                .arg(&data),
        );
        // A server tuned for a quick load, as the test server is.
        let settings = format!(
            "\nlisten_addresses = '127.0.0.1'\nport = {}\nunix_socket_directories = '{}'\nfsync = off\n\
             synchronous_commit = off\nfull_page_writes = off\nautovacuum = off\n",
            server.port,
            server.dir.display()
        );
        std::fs::OpenOptions::new()
            .append(true)
            .open(data.join("postgresql.conf"))
            .and_then(|mut f| f.write_all(settings.as_bytes()))
            .expect("postgresql.conf");
        let log = server.dir.join("server.log");
        output(server.program("pg_ctl").args(["start", "-w", "-t", "60", "-D"]).arg(&data).arg("-l").arg(log));
        server
    }

    /// initdb or pg_ctl, as `postgres` when this runs as root.
    fn program(&self, name: &str) -> Command {
        let path = self.bin.join(name);
        let mut command = if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(path);
            command
        } else {
            Command::new(path)
        };
        command.current_dir(&self.dir).stdin(Stdio::null());
        command
    }

    fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Runs a psql script, stopping at the first error.
    fn psql(&self, database: &str, script: &str) {
        let mut child = Command::new(self.bin.join("psql"))
            .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-U", "postgres"])
            .args(["-p", &self.port.to_string(), "-d", database, "-f", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .expect("psql runs");
        child.stdin.take().expect("piped stdin").write_all(script.as_bytes()).expect("psql reads the script");
        assert!(child.wait().expect("psql ends").success(), "the script failed");
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = self.program("pg_ctl").args(["stop", "-m", "immediate", "-D"]).arg(data).output();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn bin_dir() -> PathBuf {
    let from_pg_config = Command::new("pg_config")
        .arg("--bindir")
        .output()
        .ok()
        .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
        .filter(|dir| dir.join("initdb").is_file());
    let newest_debian = || {
        std::fs::read_dir("/usr/lib/postgresql")
            .ok()?
            .flatten()
            .filter_map(|e| Some((e.file_name().to_str()?.parse::<u32>().ok()?, e.path().join("bin"))))
            .filter(|(_, dir)| dir.join("initdb").is_file())
            .max()
            .map(|(_, dir)| dir)
    };
    from_pg_config.or_else(newest_debian).expect("PostgreSQL's programs (initdb, pg_ctl, psql)")
}

fn output(command: &mut Command) -> String {
    let result: Output = command.output().unwrap_or_else(|e| panic!("{command:?}: {e}"));
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    assert!(result.status.success(), "{command:?}: {}{}", text(&result.stdout), text(&result.stderr));
    text(&result.stdout)
}

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
    let server = Server::start();
    server.psql("postgres", "CREATE DATABASE bench");
    server.psql("bench", &script());
    eprintln!(
        "server on port {} with {TABLES} tables and {} indexes, ready in {:.1?}",
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
