//! A PostgreSQL server of a bench's own: initdb in a temporary folder, on
//! 127.0.0.1 and a free port, stopped and removed when dropped (also when
//! the bench panics). The programs come from `pg_config --bindir`, else the
//! newest /usr/lib/postgresql/N/bin; as root, initdb and pg_ctl run as
//! `postgres`, since they refuse root.

use std::io::Write as _;
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

pub struct Server {
    /// PostgreSQL's programs (psql for the benches' own commands).
    pub bin: PathBuf,
    pub port: u16,
    dir: PathBuf,
    as_postgres: bool,
}

impl Server {
    /// Starts a server with `settings` added to its postgresql.conf.
    pub fn start(settings: &str) -> Server {
        let bin = bin_dir();
        let as_postgres = output(Command::new("id").arg("-u")).trim() == "0";
        let dir = tempfile::Builder::new().prefix("ehrdb-bench-pg-").tempdir().expect("a temp dir").keep();
        let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
        let server = Server { bin, port, dir, as_postgres };
        if as_postgres {
            output(Command::new("chown").arg("postgres:").arg(&server.dir));
        }
        let data = server.dir.join("data");
        output(
            server
                .program("initdb")
                .args(["-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8", "--locale=C", "-D"])
                .arg(&data),
        );
        let conf = format!(
            "\nlisten_addresses = '127.0.0.1'\nport = {}\nunix_socket_directories = '{}'\n{settings}\n",
            server.port,
            server.dir.display()
        );
        std::fs::OpenOptions::new()
            .append(true)
            .open(data.join("postgresql.conf"))
            .and_then(|mut f| f.write_all(conf.as_bytes()))
            .expect("postgresql.conf");
        let log = server.dir.join("server.log");
        output(server.program("pg_ctl").args(["start", "-w", "-t", "60", "-D"]).arg(&data).arg("-l").arg(log));
        server
    }

    pub fn url(&self, database: &str) -> String {
        format!("postgres://postgres@127.0.0.1:{}/{database}", self.port)
    }

    /// Runs a psql script, stopping at the first error; what the queries
    /// printed, unaligned, one row a line.
    pub fn psql(&self, database: &str, script: &str) -> String {
        let mut child = Command::new(self.bin.join("psql"))
            .args(["-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", &self.url(database), "-f", "-"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("psql runs");
        child.stdin.take().expect("piped stdin").write_all(script.as_bytes()).expect("psql reads the script");
        let result = child.wait_with_output().expect("psql ends");
        assert!(result.status.success(), "the script failed on {database}");
        String::from_utf8_lossy(&result.stdout).into_owned()
    }

    pub fn version(&self) -> String {
        self.psql("postgres", "SHOW server_version").trim().to_owned()
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
}

impl Drop for Server {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = self.program("pg_ctl").args(["stop", "-m", "fast", "-D"]).arg(data).stdout(Stdio::null()).status();
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
    from_pg_config.or_else(newest_debian).expect("PostgreSQL's programs (initdb, pg_ctl, psql): install PostgreSQL")
}

/// Runs a command to its end; its standard output, or a panic with its errors.
pub fn output(command: &mut Command) -> String {
    let result: Output = command.output().unwrap_or_else(|e| panic!("{command:?}: {e}"));
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    assert!(result.status.success(), "{command:?}: {}{}", text(&result.stdout), text(&result.stderr));
    text(&result.stdout)
}
