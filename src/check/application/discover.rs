//! Where the application is and which of its files the audit reads.
//!
//! [`find`] takes `--app` (or `app` in ehrdb.toml) and the schema folder
//! and returns the application's folder: the one given, else the nearest
//! folder holding package.json among the schema folder's parent and its
//! ancestors, up to the repository root (a folder with `.git`). [`Files`]
//! lists what the readers need: TypeScript sources, Dockerfiles, shell
//! scripts and compose files under the application (not in
//! node_modules, build output or hidden folders), and the CI, hook and
//! env files of the application's folder and of each folder above it up
//! to the repository root (or the working directory), where a monorepo
//! keeps them. Nothing here parses a file.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail};

/// Folders never searched: dependencies, build output, caches, generated
/// code.
const SKIPPED: [&str; 11] = [
    "node_modules",
    "dist",
    "build",
    "coverage",
    "out",
    "tmp",
    "generated",
    "vendor",
    "target",
    "bower_components",
    "logs",
];

/// How deep the search goes below the application's folder, and how many
/// files it looks at, so that a folder given by mistake (a home folder)
/// cannot keep it busy.
const MAX_DEPTH: usize = 12;
const MAX_FILES: usize = 50_000;

/// The application's folder, or `None` when there is no package.json to
/// go by. A folder given that does not exist is an error.
pub fn find(given: Option<&Path>, schema_dir: &Path) -> Result<Option<PathBuf>> {
    if let Some(dir) = given {
        if !dir.is_dir() {
            bail!("application folder {}: no such folder", dir.display());
        }
        return Ok(Some(dir.to_path_buf()));
    }
    let Ok(schema) = schema_dir.canonicalize() else { return Ok(None) };
    let mut here = schema.parent();
    while let Some(dir) = here {
        if dir.join("package.json").is_file() {
            return Ok(Some(shown_path(dir)));
        }
        if dir.join(".git").exists() {
            break;
        }
        here = dir.parent();
    }
    Ok(None)
}

/// `path` relative to the working directory when it is inside it.
fn shown_path(path: &Path) -> PathBuf {
    let cwd = std::env::current_dir().and_then(|d| d.canonicalize()).unwrap_or_default();
    match path.strip_prefix(&cwd) {
        Ok(relative) if relative.as_os_str().is_empty() => PathBuf::from("."),
        Ok(relative) => relative.to_path_buf(),
        Err(_) => path.to_path_buf(),
    }
}

/// How a path is written in findings: relative to the working directory
/// when inside it, with `/` separators.
pub(crate) fn shown(path: &Path) -> String {
    let path = path.canonicalize().map(|p| shown_path(&p)).unwrap_or_else(|_| path.to_path_buf());
    path.to_string_lossy().replace('\\', "/")
}

#[derive(Debug, Default)]
pub(crate) struct Files {
    pub typescript: Vec<PathBuf>,
    pub dockerfiles: Vec<PathBuf>,
    pub shell: Vec<PathBuf>,
    pub compose: Vec<PathBuf>,
    pub github: Vec<PathBuf>,
    pub gitlab: Vec<PathBuf>,
    pub pre_commit: Vec<PathBuf>,
    pub husky: Vec<PathBuf>,
    pub env: Vec<PathBuf>,
}

impl Files {
    pub fn list(app: &Path) -> Files {
        let mut files = Files::default();
        let mut seen = 0;
        files.walk(app, 0, &mut seen);
        for folder in repository_folders(app) {
            files.repository_folder(&folder, folder == app);
        }
        for list in [&mut files.typescript, &mut files.dockerfiles, &mut files.shell, &mut files.compose] {
            list.sort();
        }
        files
    }

    fn walk(&mut self, dir: &Path, depth: usize, seen: &mut usize) {
        let Ok(entries) = std::fs::read_dir(dir) else { return };
        let mut entries: Vec<_> = entries.filter_map(|e| e.ok()).collect();
        entries.sort_by_key(|e| e.file_name());
        for entry in entries {
            *seen += 1;
            if *seen > MAX_FILES {
                return;
            }
            let path = entry.path();
            let name = entry.file_name().to_string_lossy().into_owned();
            let Ok(kind) = entry.file_type() else { continue };
            if kind.is_dir() {
                if depth < MAX_DEPTH && !name.starts_with('.') && !SKIPPED.contains(&name.as_str()) {
                    self.walk(&path, depth + 1, seen);
                }
                continue;
            }
            let lower = name.to_ascii_lowercase();
            if [".ts", ".mts", ".cts", ".tsx"].iter().any(|e| lower.ends_with(e)) && !lower.ends_with(".d.ts") {
                self.typescript.push(path);
            } else if lower == "dockerfile" || lower.starts_with("dockerfile.") || lower.ends_with(".dockerfile") {
                self.dockerfiles.push(path);
            } else if lower.ends_with(".sh") {
                self.shell.push(path);
            } else if is_compose(&lower) {
                self.compose.push(path);
            }
        }
    }

    /// CI, hook and env files of one folder of the repository; compose
    /// files too above the application's folder (its own were walked).
    fn repository_folder(&mut self, folder: &Path, is_app: bool) {
        let workflows = folder.join(".github/workflows");
        let mut found: Vec<PathBuf> = std::fs::read_dir(&workflows)
            .map(|entries| entries.filter_map(|e| e.ok()).map(|e| e.path()).collect())
            .unwrap_or_default();
        found.retain(|p| p.extension().is_some_and(|e| e == "yml" || e == "yaml"));
        found.sort();
        self.github.extend(found);
        let present = |name: &str| Some(folder.join(name)).filter(|p| p.is_file());
        self.gitlab.extend(present(".gitlab-ci.yml"));
        self.pre_commit.extend(present(".pre-commit-config.yaml"));
        self.husky.extend(present(".husky/pre-commit"));
        let mut names: Vec<(String, PathBuf)> = std::fs::read_dir(folder)
            .map(|entries| {
                entries
                    .filter_map(|e| e.ok())
                    .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
                    .collect()
            })
            .unwrap_or_default();
        names.sort();
        for (name, path) in names {
            if super::envfiles::is_env_file(&name) && path.is_file() {
                self.env.push(path);
            } else if !is_app && is_compose(&name.to_ascii_lowercase()) {
                self.compose.push(path);
            }
        }
    }
}

fn is_compose(lower: &str) -> bool {
    (lower.starts_with("docker-compose") || lower.starts_with("compose"))
        && (lower.ends_with(".yml") || lower.ends_with(".yaml"))
}

/// The application's folder and those above it, up to the repository
/// root (a folder with `.git`), or the working directory when the
/// application is inside it and no `.git` is found first.
fn repository_folders(app: &Path) -> Vec<PathBuf> {
    let Ok(start) = app.canonicalize() else { return vec![app.to_path_buf()] };
    let cwd = std::env::current_dir().and_then(|d| d.canonicalize()).ok();
    let inside_cwd = cwd.as_ref().is_some_and(|cwd| start.starts_with(cwd));
    let mut folders = vec![app.to_path_buf()];
    let mut here = start.as_path();
    while !(here.join(".git").exists() || (inside_cwd && Some(here) == cwd.as_deref())) {
        let Some(parent) = here.parent() else { break };
        folders.push(parent.to_path_buf());
        here = parent;
    }
    folders
}
