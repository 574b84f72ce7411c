//! A PostgreSQL server of one's own, for the integration tests
//! (`support::pg`) and the benches (`benches/apply.rs`, `benches/check.rs`,
//! which include this file by path): initdb in a temporary folder, on
//! 127.0.0.1 and a free port, with the caller's settings; stopped and
//! removed when dropped.
//!
//! The programs come from `pg_config --bindir`, else the newest
//! /usr/lib/postgresql/N/bin; initdb and pg_ctl refuse to run as root, so
//! as root they run as the `postgres` user. A server that is never dropped
//! (a `static`) or whose process is killed cannot stop itself, so each one
//! has a watchdog process: it holds the read end of a pipe whose write end
//! only this process has, so it wakes when the process is gone however it
//! ended (even SIGKILL), then stops the server and removes its directory.
//! A server whose watchdog died too is cleaned up by the next start
//! (`remove_stale_servers`).

// Each includer uses a part of it: the benches never stop and restart a
// server or start a replica, the tests never ask its version.
#![allow(dead_code)]

use std::ffi::OsString;
use std::fs;
use std::io::Write;
use std::net::TcpListener;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// Server directories are `$TMPDIR/ehrdb-pg-*`, so a later run can find
/// the ones left behind.
const PREFIX: &str = "ehrdb-pg-";
/// The PID of the process that owns a server directory.
const OWNER_FILE: &str = "owner.pid";

pub struct Server {
    bin: Bin,
    /// Holds `data/`, the server log and the owner file.
    dir: PathBuf,
    pub port: u16,
    /// Never written: the kernel closes it when this process exits, which
    /// wakes the watchdog.
    _watchdog: ChildStdin,
}

impl Server {
    /// A new server, started: `settings` end its postgresql.conf (lines
    /// that override what comes before) and `files` are written into its
    /// data directory first: `(name, contents)`, each readable only by the
    /// server's user, as PostgreSQL wants a private key. A file named
    /// `pg_hba.conf` replaces initdb's.
    pub fn start(settings: &str, files: &[(&str, &[u8])]) -> Result<Server, String> {
        let began = Instant::now();
        let bin = Bin::find()?;
        remove_stale_servers(&bin);
        let (dir, watchdog) = new_dir(&bin)?;

        let data = dir.join("data");
        let initdb = ["-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C", "-D"];
        checked(bin.command("initdb", &dir).args(initdb).arg(&data).output().map_err(|e| e.to_string())?, "initdb")?;

        let port = free_port();
        let listen =
            format!("\nlisten_addresses = '127.0.0.1'\nport = {port}\nunix_socket_directories = '{}'\n", dir.display());
        let conf = data.join("postgresql.conf");
        fs::OpenOptions::new()
            .append(true)
            .open(&conf)
            .and_then(|mut f| f.write_all(format!("{listen}{settings}\n").as_bytes()))
            .map_err(|e| format!("{}: {e}", conf.display()))?;
        for (name, contents) in files {
            write_private(&bin, &data.join(name), contents)?;
        }

        pg_ctl_start(&bin, &dir)?;
        eprintln!("PostgreSQL server in {} on port {port}, started in {:.2?}", bin.dir.display(), began.elapsed());
        Ok(Server { bin, dir, port, _watchdog: watchdog })
    }

    /// A streaming replica of `primary` (a server whose settings let it
    /// stream its WAL): `pg_basebackup -R` writes the standby settings, and
    /// the copied postgresql.conf gets a port of its own; with `slot`, it
    /// streams through that physical replication slot, which
    /// `pg_basebackup` creates. It has a watchdog of its own.
    pub fn start_replica(primary: &Server, slot: Option<&str>) -> Result<Server, String> {
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
        eprintln!("PostgreSQL replica of port {} on port {port}, started in {:.2?}", primary.port, began.elapsed());
        Ok(Server { bin, dir, port, _watchdog: watchdog })
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// The path of one of PostgreSQL's programs (`psql`).
    pub fn program(&self, name: &str) -> PathBuf {
        self.bin.dir.join(name)
    }

    /// Runs `sql` as a psql script on `database` (statements split as in a
    /// migration file, stopping at the first error) and returns what the
    /// queries printed, one row a line, columns separated by `|`. Panics
    /// with psql's error output.
    pub fn psql(&self, database: &str, sql: &str) -> String {
        self.psql_as("postgres", database, sql).unwrap_or_else(|e| panic!("{e}"))
    }

    /// [`Server::psql`] signed in as `user`, never with a password (`-w`:
    /// no prompt); psql's error output as the error.
    pub fn psql_as(&self, user: &str, database: &str, sql: &str) -> Result<String, String> {
        let mut child = Command::new(self.program("psql"))
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

    /// `SHOW server_version`.
    pub fn version(&self) -> String {
        self.psql("postgres", "SHOW server_version").trim().to_owned()
    }

    /// Writes a file of its data directory, as [`Server::start`] does; the
    /// server rereads a configuration file on `SELECT pg_reload_conf()`.
    pub fn write_file(&self, name: &str, contents: &[u8]) -> Result<(), String> {
        write_private(&self.bin, &self.dir.join("data").join(name), contents)
    }

    /// `pg_ctl stop` in `mode` (`fast`: every session is ended, its open
    /// transaction rolled back, and the server shut down cleanly).
    pub fn stop(&self, mode: &str) -> Result<(), String> {
        let (bin, dir) = (&self.bin, &self.dir);
        let output = bin.command("pg_ctl", dir).args(["stop", "-w", "-m", mode, "-D"]).arg(dir.join("data")).output();
        checked(output.map_err(|e| e.to_string())?, "pg_ctl stop").map(drop)
    }

    /// Starts the stopped server again (same port, same data directory).
    pub fn start_again(&self) -> Result<(), String> {
        pg_ctl_start(&self.bin, &self.dir)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Best effort, and quiet: it may be stopped already.
        let _ = self.stop("immediate");
        let _ = fs::remove_dir_all(&self.dir);
    }
}

/// A port nobody listens on. Only the kernel knows a free port; it stays
/// free until the server takes it a few milliseconds later, unless another
/// run is very unlucky.
pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port()
}

/// A command that runs `program` (a path) as the user the servers run as:
/// the `postgres` user when this runs as root, which PostgreSQL's programs
/// and PgBouncer refuse to be.
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

/// Makes `path` (and what is in it) belong to the user the servers run as.
pub fn give_to_server_user(path: &Path) {
    let bin = Bin::find().unwrap_or_else(|e| panic!("{e}"));
    if bin.as_postgres {
        checked(Command::new("chown").arg("-R").arg("postgres:").arg(path).output().expect("chown runs"), "chown")
            .unwrap_or_else(|e| panic!("{e}"));
    }
}

/// A new server directory, owned by the server's user, with the watchdog
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
        // The postgres user may not be allowed into the caller's working directory.
        command.args(&argv[1..]).current_dir(dir).stdin(Stdio::null());
        command
    }
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

/// Starts the server of an initialised directory and waits until it takes
/// connections; the error ends with the server log's last lines.
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
        // Its own process group, so a Ctrl-C on the run does not kill it.
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot start the cleanup watchdog: {e}"))?;
    Ok(child.stdin.expect("piped stdin"))
}

/// Removes the servers of earlier runs whose process and watchdog are gone
/// (killed together, or the machine stopped), stopping a server first if it
/// still runs. Servers of runs still going are left alone.
fn remove_stale_servers(bin: &Bin) {
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
