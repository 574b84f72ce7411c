//! A throwaway PostgreSQL server for the database tests: one cluster per
//! test run, started by the first test that asks for a database, and one
//! fresh database per test.
//!
//! The cluster lives in a `static`, which is never dropped, so it cannot stop
//! itself when the run ends. A watchdog process does it instead: it holds the
//! read end of a pipe whose write end only this process has, so it wakes when
//! the process is gone however it ended (even SIGKILL), then stops the server
//! and removes its directory. A run whose watchdog died too is cleaned up by
//! the next run (`remove_stale_clusters`).
//!
//! A test that stops the server (to see what a client does when it goes),
//! or needs settings of its own (TLS, a small max_connections, its own
//! pg_hba.conf), takes a [`PrivateCluster`] instead: started the same way,
//! with a watchdog of its own, stopped and removed when the test drops it.

use std::ffi::OsString;
use std::fs;
use std::io::Write;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Output, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use sqlx::Connection;

/// Cluster directories are `$TMPDIR/ehrdb-pg-*`, so a later run can find
/// the ones left behind.
const PREFIX: &str = "ehrdb-pg-";
/// The PID of the test process that owns a cluster directory.
const OWNER_FILE: &str = "owner.pid";

/// A fresh database on the test server, dropped again with the handle.
pub struct TestDb {
    name: String,
    cluster: &'static Cluster,
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
    cluster
        .psql("postgres", &format!("CREATE DATABASE \"{name}\" STRATEGY = FILE_COPY"))
        .unwrap_or_else(|e| panic!("{e}"));
    TestDb { name, cluster }
}

impl TestDb {
    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{}", self.cluster.port, self.name)
    }

    /// Runs `sql` as a psql script (statements split as in a migration file,
    /// stopping at the first error) and returns what the queries printed, one
    /// row a line, columns separated by `|`. Panics with psql's error output.
    pub fn psql(&self, sql: &str) -> String {
        self.cluster.psql(&self.name, sql).unwrap_or_else(|e| panic!("{e}"))
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
        let _ = self.cluster.psql("postgres", &format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name));
    }
}

/// A server of the calling test's own, which it may stop and start again
/// (same port, same data directory). Dropping it stops the server and
/// removes its directory; its watchdog does the same if the run is killed.
pub struct PrivateCluster {
    cluster: Cluster,
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
        let settings = format!("shared_buffers = 16MB\n{settings}\n");
        let cluster =
            start(&settings, files).unwrap_or_else(|e| panic!("cannot start a private PostgreSQL server: {e}"));
        PrivateCluster { cluster }
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
        let cluster = start_replica(&self.cluster, slot)
            .unwrap_or_else(|e| panic!("cannot start a streaming replica with pg_basebackup: {e}"));
        PrivateCluster { cluster }
    }

    /// The URL of its `postgres` database.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.cluster.port)
    }

    /// The URL of one of its databases.
    pub fn url_of(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.cluster.port)
    }

    pub fn port(&self) -> u16 {
        self.cluster.port
    }

    /// As [`TestDb::psql`], on one of its databases.
    pub fn psql_in(&self, database: &str, sql: &str) -> String {
        self.cluster.psql(database, sql).unwrap_or_else(|e| panic!("{e}"))
    }

    /// Writes a file of its data directory, as [`PrivateCluster::start_with`]
    /// does; the server rereads a configuration file on `SELECT pg_reload_conf()`.
    pub fn write_file(&self, name: &str, contents: &[u8]) {
        write_private(&self.cluster.bin, &self.cluster.dir.join("data").join(name), contents)
            .unwrap_or_else(|e| panic!("{e}"));
    }

    /// As [`TestDb::psql`], on its `postgres` database.
    pub fn psql(&self, sql: &str) -> String {
        self.cluster.psql("postgres", sql).unwrap_or_else(|e| panic!("{e}"))
    }

    /// `pg_ctl stop -m fast`: every session is ended, its open transaction
    /// rolled back, and the server shut down cleanly.
    pub fn stop(&self) {
        self.pg_ctl_stop("fast").unwrap_or_else(|e| panic!("{e}"));
    }

    /// Starts the stopped server again.
    pub fn start_again(&self) {
        pg_ctl_start(&self.cluster.bin, &self.cluster.dir).unwrap_or_else(|e| panic!("{e}"));
    }

    fn pg_ctl_stop(&self, mode: &str) -> Result<Output, String> {
        let (bin, dir) = (&self.cluster.bin, &self.cluster.dir);
        let output = bin.command("pg_ctl", dir).args(["stop", "-w", "-m", mode, "-D"]).arg(dir.join("data")).output();
        checked(output.map_err(|e| e.to_string())?, "pg_ctl stop")
    }
}

impl Drop for PrivateCluster {
    fn drop(&mut self) {
        // Best effort, and quiet: it may be stopped already.
        let _ = self.pg_ctl_stop("immediate");
        let _ = fs::remove_dir_all(&self.cluster.dir);
    }
}

struct Cluster {
    bin: Bin,
    /// Holds `data/`, the server log and the owner file.
    dir: PathBuf,
    port: u16,
    /// Never written: the kernel closes it when this process exits, which
    /// wakes the watchdog.
    _watchdog: ChildStdin,
}

fn cluster() -> &'static Cluster {
    // The error is kept, so every test fails with it instead of each one
    // trying to start a server again.
    static CLUSTER: OnceLock<Result<Cluster, String>> = OnceLock::new();
    match CLUSTER.get_or_init(|| start("", &[])) {
        Ok(cluster) => cluster,
        Err(e) => panic!("the database tests need a PostgreSQL server and none could be started: {e}"),
    }
}

impl Cluster {
    fn psql(&self, database: &str, sql: &str) -> Result<String, String> {
        self.psql_as("postgres", database, sql)
    }

    /// psql signed in as `user`, never with a password (`-w`: no prompt).
    fn psql_as(&self, user: &str, database: &str, sql: &str) -> Result<String, String> {
        let mut child = Command::new(self.bin.dir.join("psql"))
            .args(["-X", "-q", "-A", "-t", "-w", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-U", user])
            .args(["-p", &self.port.to_string(), "-d", database])
            .env_remove("PGPASSWORD")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot run psql: {e}"))?;
        // Written from a thread, so that a long script and long output cannot
        // block each other on full pipes. A failed write shows up as psql's
        // own error (it exited early), so it is not reported here.
        let (mut stdin, sql) = (child.stdin.take().expect("piped stdin"), sql.to_owned());
        let writer = std::thread::spawn(move || {
            let _ = stdin.write_all(sql.as_bytes());
        });
        let output = child.wait_with_output().map_err(|e| format!("psql: {e}"));
        let _ = writer.join();
        let output = output?;
        checked(output, &format!("psql on database {database}"))
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
    }
}

/// Where the PostgreSQL programs are and how to run them: initdb and pg_ctl
/// refuse to run as root, so as root they run as the `postgres` user.
struct Bin {
    dir: PathBuf,
    as_postgres: bool,
}

impl Bin {
    fn find() -> Result<Bin, String> {
        let from_pg_config = Command::new("pg_config")
            .arg("--bindir")
            .output()
            .ok()
            .map(|o| PathBuf::from(String::from_utf8_lossy(&o.stdout).trim()))
            .filter(|dir| dir.join("initdb").is_file());
        // Debian's packages (what .ci/run installs) keep each major version
        // in /usr/lib/postgresql/N/bin; take the newest.
        let newest_debian = || {
            let versions = fs::read_dir("/usr/lib/postgresql").ok()?;
            versions
                .flatten()
                .filter_map(|e| Some((e.file_name().to_str()?.parse::<u32>().ok()?, e.path().join("bin"))))
                .filter(|(_, dir)| dir.join("initdb").is_file())
                .max()
                .map(|(_, dir)| dir)
        };
        let dir = from_pg_config.or_else(newest_debian).ok_or(
            "no initdb found (neither `pg_config --bindir` nor /usr/lib/postgresql/*/bin); install PostgreSQL (.ci/run does)",
        )?;
        let uid = Command::new("id").arg("-u").output().map_err(|e| format!("cannot run id: {e}"))?;
        Ok(Bin { dir, as_postgres: String::from_utf8_lossy(&uid.stdout).trim() == "0" })
    }

    /// The command line that runs a server program (initdb, pg_ctl).
    fn argv(&self, program: &str) -> Vec<OsString> {
        let program = self.dir.join(program).into_os_string();
        if self.as_postgres {
            vec!["runuser".into(), "-u".into(), "postgres".into(), "--".into(), program]
        } else {
            vec![program]
        }
    }

    fn command(&self, program: &str, dir: &Path) -> Command {
        let argv = self.argv(program);
        let mut command = Command::new(&argv[0]);
        // The postgres user may not be allowed into the test's working directory.
        command.args(&argv[1..]).current_dir(dir).stdin(Stdio::null());
        command
    }
}

/// A command that runs `program` (a path) as the user the test servers run
/// as: the `postgres` user when the tests run as root, which PostgreSQL's
/// programs and PgBouncer refuse to be.
pub fn as_server_user(program: &Path) -> Command {
    let bin = Bin::find().unwrap_or_else(|e| panic!("{e}"));
    let mut command = if bin.as_postgres {
        let mut runuser = Command::new("runuser");
        runuser.args(["-u", "postgres", "--"]).arg(program);
        runuser
    } else {
        Command::new(program)
    };
    command.stdin(Stdio::null());
    command
}

/// Makes `path` belong to the user the test servers run as.
pub fn give_to_server_user(path: &Path) {
    let bin = Bin::find().unwrap_or_else(|e| panic!("{e}"));
    if bin.as_postgres {
        checked(Command::new("chown").arg("-R").arg("postgres:").arg(path).output().expect("chown runs"), "chown")
            .unwrap_or_else(|e| panic!("{e}"));
    }
}

/// A new cluster directory, owned by the server's user, with the watchdog
/// that removes it when this process is gone.
fn new_dir(bin: &Bin) -> Result<(PathBuf, ChildStdin), String> {
    let dir = tempfile::Builder::new()
        .prefix(PREFIX)
        .tempdir_in(std::env::temp_dir())
        .map_err(|e| format!("cannot create a temp dir: {e}"))?
        .keep();
    fs::write(dir.join(OWNER_FILE), std::process::id().to_string()).map_err(|e| format!("{}: {e}", dir.display()))?;
    // Set up first, so the directory goes away even if the start fails.
    let watchdog = spawn_watchdog(bin, &dir)?;
    if bin.as_postgres {
        checked(Command::new("chown").arg("postgres:").arg(&dir).output().map_err(|e| e.to_string())?, "chown")?;
    }
    Ok((dir, watchdog))
}

/// A port nobody listens on. Only the kernel knows a free port; it stays
/// free until the server takes it a few milliseconds later, unless another
/// run is very unlucky.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port()
}

/// A streaming replica of `primary`: `pg_basebackup -R` writes the standby
/// settings, and the copied postgresql.conf gets a port of its own.
fn start_replica(primary: &Cluster, slot: Option<&str>) -> Result<Cluster, String> {
    let began = Instant::now();
    let bin = Bin::find()?;
    let (dir, watchdog) = new_dir(&bin)?;
    let data = dir.join("data");
    let mut basebackup = bin.command("pg_basebackup", &dir);
    basebackup.args(["-h", "127.0.0.1", "-p", &primary.port.to_string(), "-U", "postgres", "-R", "-X", "stream"]);
    // A fast checkpoint: the default spreads it over minutes when pages are dirty.
    basebackup.args(["--no-sync", "--checkpoint=fast", "-D"]).arg(&data);
    if let Some(slot) = slot {
        basebackup.args(["-C", "-S", slot]);
    }
    checked(basebackup.output().map_err(|e| e.to_string())?, "pg_basebackup")?;
    let port = free_port();
    let conf = data.join("postgresql.conf");
    let settings = format!("\nport = {port}\nunix_socket_directories = '{}'\nhot_standby = on\n", dir.display());
    fs::OpenOptions::new()
        .append(true)
        .open(&conf)
        .and_then(|mut f| f.write_all(settings.as_bytes()))
        .map_err(|e| format!("{}: {e}", conf.display()))?;
    pg_ctl_start(&bin, &dir)?;
    eprintln!("test PostgreSQL replica of port {} on port {port}, started in {:.2?}", primary.port, began.elapsed());
    Ok(Cluster { bin, dir, port, _watchdog: watchdog })
}

/// A new cluster, started: `settings` end its postgresql.conf and `files`
/// are written into its data directory.
fn start(settings: &str, files: &[(&str, &[u8])]) -> Result<Cluster, String> {
    let began = Instant::now();
    let bin = Bin::find()?;
    remove_stale_clusters(&bin);
    let (dir, watchdog) = new_dir(&bin)?;

    let data = dir.join("data");
    let initdb = ["-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C", "-D"];
    checked(bin.command("initdb", &dir).args(initdb).arg(&data).output().map_err(|e| e.to_string())?, "initdb")?;

    let port = free_port();
    // Durability off, and little memory and no parallel or background work:
    // a small test server that shares two cores with the tests.
    let defaults = format!(
        "\nlisten_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = '{}'\n\
         fsync = off\nsynchronous_commit = off\nfull_page_writes = off\nwal_level = minimal\nmax_wal_senders = 0\n\
         shared_buffers = 32MB\nmax_connections = 50\nmax_worker_processes = 2\nmax_parallel_workers = 0\n\
         max_parallel_workers_per_gather = 0\nautovacuum = off\njit = off\n",
        dir.display()
    );
    let conf = data.join("postgresql.conf");
    fs::OpenOptions::new()
        .append(true)
        .open(&conf)
        .and_then(|mut f| f.write_all(format!("{defaults}{settings}").as_bytes()))
        .map_err(|e| format!("{}: {e}", conf.display()))?;
    for (name, contents) in files {
        write_private(&bin, &data.join(name), contents)?;
    }

    pg_ctl_start(&bin, &dir)?;
    eprintln!("test PostgreSQL server in {} on port {port}, started in {:.2?}", bin.dir.display(), began.elapsed());
    Ok(Cluster { bin, dir, port, _watchdog: watchdog })
}

/// Writes `path` with mode 0600, owned by the user the server runs as.
fn write_private(bin: &Bin, path: &Path, contents: &[u8]) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    let failed = |e: std::io::Error| format!("{}: {e}", path.display());
    fs::write(path, contents).map_err(failed)?;
    fs::set_permissions(path, fs::Permissions::from_mode(0o600)).map_err(failed)?;
    if bin.as_postgres {
        checked(Command::new("chown").arg("postgres:").arg(path).output().map_err(|e| e.to_string())?, "chown")?;
    }
    Ok(())
}

/// Starts the server of an initialised cluster directory and waits until
/// it takes connections; the error ends with the server log's last lines.
fn pg_ctl_start(bin: &Bin, dir: &Path) -> Result<(), String> {
    let log = dir.join("server.log");
    let pg_ctl = bin
        .command("pg_ctl", dir)
        .args(["start", "-w", "-t", "30", "-D"])
        .arg(dir.join("data"))
        .arg("-l")
        .arg(&log)
        .output();
    if let Err(e) = checked(pg_ctl.map_err(|e| e.to_string())?, "pg_ctl start") {
        let text = fs::read_to_string(&log).unwrap_or_default();
        let tail = text.lines().rev().take(30).collect::<Vec<_>>().into_iter().rev().collect::<Vec<_>>().join("\n");
        return Err(format!("{e}\nserver log ({}), last lines:\n{tail}", log.display()));
    }
    Ok(())
}

/// A detached `sh` that waits for end-of-file on its stdin, i.e. for this
/// process to be gone, then stops the server and removes `dir`.
fn spawn_watchdog(bin: &Bin, dir: &Path) -> Result<ChildStdin, String> {
    let script = r#"read line; "$@" stop -m immediate -D "$EHRDB_PG_DIR/data" >/dev/null 2>&1; rm -rf "$EHRDB_PG_DIR""#;
    let child = Command::new("sh")
        .args(["-c", script, "sh"])
        .args(bin.argv("pg_ctl"))
        .env("EHRDB_PG_DIR", dir)
        .current_dir(std::env::temp_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        // Its own process group, so a Ctrl-C on the test run does not kill it.
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot start the cleanup watchdog: {e}"))?;
    Ok(child.stdin.expect("piped stdin"))
}

/// Removes the clusters of earlier runs whose test process and watchdog are
/// gone (killed together, or the machine stopped), stopping their server
/// first if it still runs. Clusters of runs still going are left alone.
fn remove_stale_clusters(bin: &Bin) {
    let Ok(entries) = fs::read_dir(std::env::temp_dir()) else { return };
    for entry in entries.flatten() {
        if !entry.file_name().to_string_lossy().starts_with(PREFIX) {
            continue;
        }
        let dir = entry.path();
        let stale = match read_pid(&dir.join(OWNER_FILE)) {
            Some(owner) => !alive(owner),
            // A run that is just creating it has not written its PID yet.
            None => entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t.elapsed().unwrap_or_default() > Duration::from_secs(60)),
        };
        if !stale {
            continue;
        }
        if read_pid(&dir.join("data/postmaster.pid")).is_some_and(alive) {
            let _ = bin
                .command("pg_ctl", &std::env::temp_dir())
                .args(["stop", "-m", "immediate", "-D"])
                .arg(dir.join("data"))
                .output();
        }
        let _ = fs::remove_dir_all(&dir);
    }
}

/// The PID on the first line of a file (also the layout of postmaster.pid).
fn read_pid(path: &Path) -> Option<u32> {
    fs::read_to_string(path).ok()?.lines().next()?.trim().parse().ok()
}

fn alive(pid: u32) -> bool {
    // `kill -0` says no for other users' processes when not root; /proc does not.
    if Path::new("/proc/self").exists() {
        return Path::new(&format!("/proc/{pid}")).exists();
    }
    Command::new("sh")
        .args(["-c", "kill -0 \"$1\" 2>/dev/null", "sh", &pid.to_string()])
        .status()
        .is_ok_and(|s| s.success())
}

fn checked(output: Output, what: &str) -> Result<Output, String> {
    if output.status.success() {
        return Ok(output);
    }
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    Err(format!("{what} failed ({}):\n{stdout}{stderr}", output.status))
}
