//! The application area of `ehrdb check`: how the NestJS + Prisma
//! application that uses the database generates, holds, migrates and
//! validates its schema.
//!
//! [`find`] locates the application's folder (`--app`, `app` in
//! ehrdb.toml, else the folder holding package.json above or beside the
//! schema folder) and [`read`] reads it into an [`App`]: package.json
//! ([`package`]), Dockerfiles ([`docker`]), shell scripts ([`shell`]),
//! TypeScript sources ([`typescript`]), CI pipelines, hooks and compose
//! files ([`workflows`]) and env files ([`envfiles`]). The command calls
//! both before the checks run, as it gathers the live facts; a file that
//! cannot be parsed is kept as a problem with its line and column, never
//! an error, so the rest of the audit stands. The checks ([`build`], [`image`],
//! [`deploy`], [`lifecycle`], [`gates`], [`environment`]) read the `App` and the
//! schema's inputs, and return findings with the file and line that show
//! them; each finding says when it rests on a heuristic. Nothing here
//! runs the application, a build or a package manager, and no secret from
//! an env file reaches a finding.

mod build;
mod deploy;
mod discover;
mod docker;
mod envfiles;
mod environment;
mod gates;
mod image;
mod lifecycle;
mod package;
mod shell;
mod typescript;
mod workflows;

#[cfg(test)]
mod tests;

use std::fmt;
use std::path::{Path, PathBuf};

use anyhow::Result;

pub(crate) use build::prisma_client_is_generated_before_the_build;
pub(crate) use deploy::{migrations_are_applied_by_deploy, the_package_has_migration_scripts};
pub(crate) use environment::{
    no_committed_env_file_holds_a_password, tests_have_their_own_database, the_env_example_documents_the_url,
};
pub(crate) use gates::{a_pre_commit_hook_validates_the_schema, ci_validates_the_schema};
pub(crate) use image::the_build_copies_the_client;
pub(crate) use lifecycle::{
    one_client_instance, queries_are_logged_by_environment, slow_queries_are_logged_in_the_app,
    the_client_disconnects_on_shutdown, the_database_has_a_health_check, urls_are_not_set_in_code,
};

pub use discover::find;

use super::{Finding, Inputs, Spec};
use docker::Dockerfile;
use envfiles::EnvFile;
use package::{Package, ShellFile};
use typescript::Sources;
use workflows::Job;

/// A file and a line of the application; line 0 stands for the whole
/// file.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct At {
    pub file: String,
    pub line: usize,
}

impl At {
    pub fn new(file: &str, line: usize) -> At {
        At { file: file.to_owned(), line }
    }
}

impl fmt::Display for At {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            0 => write!(f, "{}", self.file),
            line => write!(f, "{}:{line}", self.file),
        }
    }
}

/// Byte offsets of line starts, to turn an offset into a line (1-based).
pub(crate) struct Lines(Vec<usize>);

impl Lines {
    pub fn new(text: &str) -> Lines {
        Lines(std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect())
    }

    pub fn line(&self, offset: usize) -> usize {
        self.0.partition_point(|&start| start <= offset)
    }

    /// Line and column (in characters, 1-based) of `offset` in `text`.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let line = self.line(offset);
        let start = self.0[line - 1];
        let column = text.get(start..offset.min(text.len())).map_or(1, |s| s.chars().count() + 1);
        (line, column)
    }
}

/// Everything read from the application.
#[derive(Debug, Default)]
pub struct App {
    /// The application's folder, as findings show it.
    pub dir: String,
    pub(crate) root: PathBuf,
    /// package.json, or why it cannot be read; `None` when there is none.
    pub(crate) package: Option<Result<Package, String>>,
    pub(crate) dockerfiles: Vec<Dockerfile>,
    pub(crate) shell_files: Vec<ShellFile>,
    pub(crate) husky: Vec<Job>,
    pub(crate) sources: Sources,
    pub(crate) ci: Vec<Job>,
    /// The CI files read, as shown.
    pub(crate) ci_files: Vec<String>,
    pub(crate) pre_commit: Vec<Job>,
    pub(crate) compose: Vec<Job>,
    pub(crate) env_files: Vec<EnvFile>,
    /// Files that could not be read or parsed: `path:line:col: why`.
    pub(crate) problems: Vec<String>,
}

impl App {
    pub(crate) fn package(&self) -> Option<&Package> {
        self.package.as_ref().and_then(|p| p.as_ref().ok())
    }

    pub(crate) fn expander(&self) -> package::Expander<'_> {
        package::Expander { package: self.package(), files: &self.shell_files }
    }

    /// The problems of files whose path starts with one of `prefixes`'
    /// kinds, for a finding that could not read them.
    pub(crate) fn problems_in(&self, kinds: &[&str]) -> Vec<String> {
        self.problems.iter().filter(|p| kinds.iter().any(|k| p.contains(k))).cloned().collect()
    }
}

/// Reads the application in `dir`.
pub fn read(dir: &Path) -> Result<App> {
    let files = discover::Files::list(dir);
    let mut app = App { dir: discover::shown(dir), root: dir.to_path_buf(), ..App::default() };
    let text = |path: &Path, app: &mut App| match std::fs::read_to_string(path) {
        Ok(text) => Some(text),
        Err(error) => {
            app.problems.push(format!("{}: cannot read: {error}", discover::shown(path)));
            None
        }
    };
    let package_json = dir.join("package.json");
    if package_json.is_file() {
        if let Some(source) = text(&package_json, &mut app) {
            app.package = Some(Package::read(&discover::shown(&package_json), &source));
        }
    }
    if let Some(Err(problem)) = &app.package {
        app.problems.push(problem.clone());
    }
    for path in &files.dockerfiles {
        let Some(source) = text(path, &mut app) else { continue };
        match Dockerfile::read(&discover::shown(path), &source) {
            Ok(file) => app.dockerfiles.push(file),
            Err(problem) => app.problems.push(problem),
        }
    }
    for path in files.shell.iter().chain(&files.husky) {
        let Some(source) = text(path, &mut app) else { continue };
        let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let file = ShellFile { path: discover::shown(path), name, commands: shell::commands(&source, 1) };
        if files.husky.contains(path) {
            app.husky.push(Job {
                file: file.path.clone(),
                name: "husky pre-commit".into(),
                commands: file.commands.clone(),
                hook_id: None,
            });
        } else {
            app.shell_files.push(file);
        }
    }
    let src = dir.join("src");
    let has_src = src.is_dir();
    for path in &files.typescript {
        let Some(source) = text(path, &mut app) else { continue };
        if !typescript::MARKERS.iter().any(|m| source.contains(m)) {
            continue;
        }
        let shown = discover::shown(path);
        let counted = !is_test(&shown) && (!has_src || path.starts_with(&src));
        app.sources.read(path, &shown, &source, counted);
    }
    app.problems.extend(app.sources.errors.iter().cloned());
    let readers: [(&[PathBuf], YamlReader, u8); 4] = [
        (&files.github, workflows::github, 0),
        (&files.gitlab, workflows::gitlab, 0),
        (&files.pre_commit, workflows::pre_commit, 1),
        (&files.compose, workflows::compose, 2),
    ];
    for (paths, reader, kind) in readers {
        for path in paths {
            let Some(source) = text(path, &mut app) else { continue };
            let shown = discover::shown(path);
            match reader(&shown, &source) {
                Ok(jobs) => match kind {
                    0 => {
                        app.ci_files.push(shown);
                        app.ci.extend(jobs);
                    }
                    1 => app.pre_commit.extend(jobs),
                    _ => app.compose.extend(jobs),
                },
                Err(problem) => app.problems.push(problem),
            }
        }
    }
    for path in &files.env {
        let Some(source) = text(path, &mut app) else { continue };
        app.env_files.push(EnvFile::read(path, &discover::shown(path), &source));
    }
    Ok(app)
}

/// A reader of one kind of YAML file: path and text to jobs.
type YamlReader = fn(&str, &str) -> Result<Vec<Job>, String>;

/// A test file or folder: its clients are the tests' own.
fn is_test(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    ["/test/", "/tests/", "/__tests__/", "/e2e/", "/__mocks__/"].iter().any(|d| lower.contains(d))
        || lower.starts_with("test/")
        || [".spec.", ".test.", ".e2e-spec."].iter().any(|s| lower.contains(s))
}

/// The application, or a skipped finding of `spec` saying why there is none.
pub(crate) fn app<'i>(inputs: &'i Inputs, spec: &Spec) -> Result<&'i App, Vec<Finding>> {
    inputs.application.as_deref().map_err(|reason| vec![spec.skipped(reason.clone())])
}
