//! PgBouncer in front of a test server, from the Debian package
//! `pgbouncer`: on 127.0.0.1, on a free port, in a temp folder, in the
//! pool mode a test asks for; stopped when the test drops it, and by its
//! watchdog when the test process dies first.

use std::path::{Path, PathBuf};
use std::process::{ChildStdin, Command, Stdio};
use std::time::{Duration, Instant};

use super::pg;

/// A running PgBouncer.
pub struct PgBouncer {
    dir: tempfile::TempDir,
    port: u16,
    _watchdog: ChildStdin,
}

impl PgBouncer {
    /// PgBouncer in `mode` (`transaction`, `session`) in front of the server
    /// on `server_port`, for every database, trusting the user `postgres`.
    pub fn start(server_port: u16, mode: &str) -> PgBouncer {
        let program = find().unwrap_or_else(|| {
            panic!("the topology tests need PgBouncer and none was found: apt-get install pgbouncer (.ci/run does)")
        });
        let dir = tempfile::Builder::new().prefix("ehrdb-pgbouncer-").tempdir().expect("a temp dir");
        let port = pg::free_port();
        let path = |name: &str| dir.path().join(name);
        let config = format!(
            "[databases]\n* = host=127.0.0.1 port={server_port}\n\n[pgbouncer]\nlisten_addr = 127.0.0.1\n\
             listen_port = {port}\nunix_socket_dir =\nauth_type = trust\nauth_file = {users}\npool_mode = {mode}\n\
             default_pool_size = 4\nmax_client_conn = 200\nlogfile = {log}\npidfile = {pid}\n\
             ignore_startup_parameters = extra_float_digits\nserver_reset_query = DISCARD ALL\n",
            users = path("users.txt").display(),
            log = path("pgbouncer.log").display(),
            pid = path("pgbouncer.pid").display(),
        );
        std::fs::write(path("pgbouncer.ini"), config).unwrap();
        std::fs::write(path("users.txt"), "\"postgres\" \"\"\n").unwrap();
        pg::give_to_server_user(dir.path());
        let status = pg::as_server_user(&program)
            .arg("-d")
            .arg(path("pgbouncer.ini"))
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .output()
            .expect("pgbouncer runs");
        assert!(
            status.status.success(),
            "PgBouncer did not start: {}{}",
            String::from_utf8_lossy(&status.stderr),
            std::fs::read_to_string(path("pgbouncer.log")).unwrap_or_default()
        );
        let watchdog = watchdog(&path("pgbouncer.pid"));
        // It daemonises before it listens.
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "PgBouncer does not listen on {port}: {}",
                std::fs::read_to_string(path("pgbouncer.log")).unwrap_or_default()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        eprintln!("test PgBouncer ({mode} mode) on port {port} in front of port {server_port}");
        PgBouncer { dir, port, _watchdog: watchdog }
    }

    /// The URL of `database` through PgBouncer.
    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    fn pid(&self) -> Option<String> {
        std::fs::read_to_string(self.dir.path().join("pgbouncer.pid")).ok().map(|p| p.trim().to_owned())
    }
}

impl Drop for PgBouncer {
    fn drop(&mut self) {
        if let Some(pid) = self.pid() {
            let _ = Command::new("kill").arg(&pid).status();
        }
    }
}

fn find() -> Option<PathBuf> {
    ["/usr/sbin/pgbouncer", "/usr/bin/pgbouncer", "/usr/local/bin/pgbouncer"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.is_file())
}

/// A detached `sh` that kills PgBouncer when this process is gone (its
/// stdin reaches end-of-file).
fn watchdog(pidfile: &Path) -> ChildStdin {
    let script = r#"read line; kill "$(cat "$1")" 2>/dev/null"#;
    // Not waited for: it outlives this process on purpose, and exits on its own.
    #[allow(clippy::zombie_processes)]
    let child = Command::new("sh")
        .args(["-c", script, "sh"])
        .arg(pidfile)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("the PgBouncer watchdog starts");
    child.stdin.expect("piped stdin")
}
