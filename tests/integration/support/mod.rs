//! Shared helpers: fixture paths, the `ehrdb` binary, throwaway projects.

use std::path::{Path, PathBuf};

use ehrdb::fragments::Fragments;

pub mod pg;
pub mod pgbouncer;

pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

pub fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The `ehrdb` binary with a clean environment: no colour, no database.
pub fn ehrdb() -> assert_cmd::Command {
    let mut command = assert_cmd::Command::cargo_bin("ehrdb").expect("the ehrdb binary is built");
    command.env("NO_COLOR", "1").env_remove("DATABASE_URL");
    command
}

/// Parses files given as `(display path, text)`.
pub fn parse(files: &[(&str, &str)]) -> Fragments {
    Fragments::from_texts(
        files.iter().map(|(name, text)| ((*name).to_owned(), PathBuf::from(name), (*text).to_owned())).collect(),
    )
}

/// The relational model of fragments that must be valid (`what` names
/// them); a panic with their diagnostics otherwise.
pub fn lowered(fragments: &Fragments, what: &str) -> ehrdb::sql::SqlSchema {
    let checked = ehrdb::pipeline::check(fragments, None);
    checked
        .lower()
        .unwrap_or_else(|| panic!("{what} is not valid:\n{}", checked.diagnostics.render(&fragments.sources, false)))
}

/// A fixture file read as `(path relative to tests/fixtures, text)`.
pub fn fixture(path: &Path) -> (String, String) {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
    let relative = path.strip_prefix(fixtures()).expect("a fixture path").to_string_lossy().replace('\\', "/");
    (relative, text)
}

/// A temporary project folder with a `schema/` of fragments.
pub struct Project {
    pub dir: tempfile::TempDir,
}

impl Project {
    pub fn new(fragments: &[(&str, &str)]) -> Project {
        let project = Project { dir: tempfile::tempdir().expect("a temp dir") };
        std::fs::create_dir(project.path("schema")).unwrap();
        for (name, text) in fragments {
            project.write(&format!("schema/{name}"), text);
        }
        project
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    pub fn write(&self, relative: &str, text: &str) {
        let path = self.path(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    pub fn read(&self, relative: &str) -> String {
        std::fs::read_to_string(self.path(relative)).unwrap()
    }

    /// `ehrdb` run inside the project.
    pub fn ehrdb(&self) -> assert_cmd::Command {
        let mut command = ehrdb();
        command.current_dir(self.dir.path());
        command
    }
}

/// A project holding a copy of the example's migrations, so a test may
/// edit them.
pub fn example_project() -> Project {
    let project = Project::new(&[]);
    let from = repo().join("migrations");
    for entry in walk(&from) {
        let relative = entry.strip_prefix(&from).unwrap();
        project.write(&format!("migrations/{}", relative.display()), &std::fs::read_to_string(&entry).unwrap());
    }
    project
}

/// Every file below `dir`.
pub fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() { files.extend(walk(&path)) } else { files.push(path) }
    }
    files
}

/// Runs `ehrdb <args> --database-url <url>` in the project; returns exit
/// code, stdout and stderr.
pub fn run(project: &Project, url: &str, args: &[&str]) -> (i32, String, String) {
    let output = project.ehrdb().args(args).args(["--database-url", url]).output().expect("ehrdb runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

pub const DATASOURCE: &str = "datasource db {\n  provider = \"postgresql\"\n}\n";
