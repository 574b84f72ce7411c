//! A throwaway PostgreSQL server for the database tests: one cluster per
//! test run, started by the first test that asks for a database, and one
//! fresh database per test.
//!
//! The cluster lives in a `static`, which is never dropped, so it cannot stop
//! itself when the run ends: its watchdog does (see [`server`], the harness
//! the benches share).
//!
//! A test that stops the server (to see what a client does when it goes),
//! or needs settings of its own (TLS, a small max_connections, its own
//! pg_hba.conf), takes a [`PrivateCluster`] instead: started the same way,
//! with a watchdog of its own, stopped and removed when the test drops it.

mod server;

use std::fs;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use sqlx::Connection;

use server::Server;
pub use server::{as_server_user, free_port, give_to_server_user};

/// Durability off, and little memory and no parallel or background work:
/// a small test server that shares two cores with the tests.
const TEST_SETTINGS: &str = "fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nwal_level = minimal\n\
     max_wal_senders = 0\nshared_buffers = 32MB\nmax_connections = 50\nmax_worker_processes = 2\n\
     max_parallel_workers = 0\nmax_parallel_workers_per_gather = 0\nautovacuum = off\njit = off\n";

/// A fresh database on the test server, dropped again with the handle.
pub struct TestDb {
    name: String,
    cluster: &'static Server,
}

/// A new, empty database named after the calling test.
pub fn database() -> TestDb {
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let cluster = cluster();
    // The test's name in the database name helps when reading a server log.
    let test = std::thread::current().name().unwrap_or("test").rsplit("::").next().unwrap_or("test").to_owned();
    let mut name = format!("t{}_{}", NEXT.fetch_add(1, Ordering::Relaxed), test)
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' })
        .collect::<String>();
    name.truncate(63);
    // FILE_COPY (PostgreSQL 15+) copies the small template in half the time
    // of the default, which writes it all to the WAL.
    cluster.psql("postgres", &format!("CREATE DATABASE \"{name}\" STRATEGY = FILE_COPY"));
    TestDb { name, cluster }
}

impl TestDb {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn url(&self) -> String {
        self.cluster.url(&self.name)
    }

    /// Runs `sql` as a psql script (statements split as in a migration file,
    /// stopping at the first error) and returns what the queries printed, one
    /// row a line, columns separated by `|`. Panics with psql's error output.
    pub fn psql(&self, sql: &str) -> String {
        self.cluster.psql(&self.name, sql)
    }

    pub async fn connect(&self) -> sqlx::PgConnection {
        sqlx::PgConnection::connect(&self.url())
            .await
            .unwrap_or_else(|e| panic!("cannot connect to {}: {e}", self.url()))
    }

    /// A new login role that must sign in with `password` over TCP, while
    /// the server goes on trusting every other login: a line ahead of the
    /// others in pg_hba.conf. Returns its name once the server enforces it.
    pub fn role_with_password(&self, password: &str) -> String {
        // Tests run in parallel and share the file: one edit at a time, or
        // one test's line could be written over by another's.
        static HBA: Mutex<()> = Mutex::new(());
        let mut role = format!("{}_login", self.name);
        // The server would cut a longer name, and the line would not match.
        role.truncate(63);
        self.psql(&format!("CREATE ROLE \"{role}\" LOGIN PASSWORD '{}'", password.replace('\'', "''")));
        {
            let _one_at_a_time = HBA.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let hba = self.psql("SHOW hba_file").trim().to_owned();
            let rules = fs::read_to_string(&hba).unwrap_or_else(|e| panic!("{hba}: {e}"));
            fs::write(&hba, format!("host all \"{role}\" 127.0.0.1/32 scram-sha-256\n{rules}"))
                .unwrap_or_else(|e| panic!("{hba}: {e}"));
            self.psql("SELECT pg_reload_conf()");
        }
        // The server rereads its configuration in the background.
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.cluster.psql_as(&role, &self.name, "SELECT 1").is_ok() {
            assert!(Instant::now() < deadline, "the server still lets {role} in without a password");
            std::thread::sleep(Duration::from_millis(20));
        }
        role
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        // Best effort: the whole cluster goes away at the end of the run anyway.
        let drop = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        let _ = self.cluster.psql_as("postgres", "postgres", &drop);
    }
}

/// A server of the calling test's own, which it may stop and start again
/// (same port, same data directory). Dropping it stops the server and
/// removes its directory; its watchdog does the same if the run is killed.
pub struct PrivateCluster {
    server: Server,
}

impl PrivateCluster {
    /// A new cluster, started, with only the built-in databases.
    pub fn start() -> PrivateCluster {
        PrivateCluster::start_with("", &[])
    }

    /// A new cluster whose postgresql.conf ends with `settings` (lines that
    /// override the defaults), and with `files` written into its data
    /// directory before it starts: `(name, contents)`, each readable only by
    /// the server's user, as PostgreSQL wants a private key. A file named
    /// `pg_hba.conf` replaces initdb's.
    pub fn start_with(settings: &str, files: &[(&str, &[u8])]) -> PrivateCluster {
        let settings = format!("{TEST_SETTINGS}shared_buffers = 16MB\n{settings}\n");
        let server =
            Server::start(&settings, files).unwrap_or_else(|e| panic!("cannot start a private PostgreSQL server: {e}"));
        PrivateCluster { server }
    }

    /// A server that streams its WAL to replicas (the defaults turn that off).
    pub fn primary() -> PrivateCluster {
        PrivateCluster::start_with(
            "wal_level = replica\nmax_wal_senders = 8\nmax_replication_slots = 8\nhot_standby = on\n\
             wal_keep_size = 64MB",
            &[],
        )
    }

    /// A streaming replica of this server (which [`PrivateCluster::primary`]
    /// started), copied with `pg_basebackup` and started on a port of its
    /// own; with `slot`, it streams through that physical replication slot,
    /// which `pg_basebackup` creates. Its watchdog stops it as the others.
    pub fn replica(&self, slot: Option<&str>) -> PrivateCluster {
        let server = Server::start_replica(&self.server, slot)
            .unwrap_or_else(|e| panic!("cannot start a streaming replica with pg_basebackup: {e}"));
        PrivateCluster { server }
    }

    /// The URL of its `postgres` database.
    pub fn url(&self) -> String {
        self.server.url("postgres")
    }

    /// The URL of one of its databases.
    pub fn url_of(&self, database: &str) -> String {
        self.server.url(database)
    }

    pub fn port(&self) -> u16 {
        self.server.port
    }

    /// As [`TestDb::psql`], on one of its databases.
    pub fn psql_in(&self, database: &str, sql: &str) -> String {
        self.server.psql(database, sql)
    }

    /// Writes a file of its data directory, as [`PrivateCluster::start_with`]
    /// does; the server rereads a configuration file on `SELECT pg_reload_conf()`.
    pub fn write_file(&self, name: &str, contents: &[u8]) {
        self.server.write_file(name, contents).unwrap_or_else(|e| panic!("{e}"));
    }

    /// As [`TestDb::psql`], on its `postgres` database.
    pub fn psql(&self, sql: &str) -> String {
        self.server.psql("postgres", sql)
    }

    /// `pg_ctl stop -m fast`: every session is ended, its open transaction
    /// rolled back, and the server shut down cleanly.
    pub fn stop(&self) {
        self.server.stop("fast").unwrap_or_else(|e| panic!("{e}"));
    }

    /// Starts the stopped server again.
    pub fn start_again(&self) {
        self.server.start_again().unwrap_or_else(|e| panic!("{e}"));
    }
}

fn cluster() -> &'static Server {
    // The error is kept, so every test fails with it instead of each one
    // trying to start a server again.
    static CLUSTER: OnceLock<Result<Server, String>> = OnceLock::new();
    match CLUSTER.get_or_init(|| Server::start(TEST_SETTINGS, &[])) {
        Ok(cluster) => cluster,
        Err(e) => panic!("the database tests need a PostgreSQL server and none could be started: {e}"),
    }
}
