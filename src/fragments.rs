//! Finding, reading and parsing the schema fragments.
//!
//! Takes a folder and returns every `*.prisma` file below it, sorted by
//! path, read into [`Sources`] and parsed. I/O problems (a missing folder,
//! an unreadable or non-UTF-8 file, a `*.prisma` that is not a regular file
//! or is too large, no fragments at all) are `Err`s that name the path:
//! the tool cannot do its job. Syntax problems are
//! diagnostics, as everywhere else.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};

use crate::ast::SchemaFile;
use crate::diagnostics::{Diagnostics, FileId, Sources};
use crate::{input, parallel, parse};

/// One fragment: where it is and its tree.
#[derive(Debug)]
pub struct Fragment {
    /// Path relative to the schema folder's parent with `/` separators
    /// (`schema/theater.prisma`): the same on every machine, so it is what
    /// the merged file names.
    pub name: String,
    /// The path to read and write it.
    pub path: PathBuf,
    pub ast: SchemaFile,
}

/// Every fragment of one schema, in path order.
#[derive(Debug)]
pub struct Fragments {
    pub sources: Sources,
    pub fragments: Vec<Fragment>,
    pub diagnostics: Diagnostics,
}

impl Fragments {
    /// A schema folder as [`Fragments::load`] reads it, or one schema file
    /// (a migration's `schema.prisma`) as a single fragment.
    pub fn load_file_or_dir(path: &Path) -> Result<Fragments> {
        if path.is_dir() {
            return Fragments::load(path);
        }
        let text = input::read_text(path)?;
        Ok(Fragments::from_texts(vec![(path.display().to_string(), path.to_path_buf(), text)]))
    }

    /// Reads and parses every `*.prisma` file under `dir`, recursively.
    pub fn load(dir: &Path) -> Result<Fragments> {
        let metadata =
            std::fs::metadata(dir).with_context(|| format!("cannot read the schema folder {}", dir.display()))?;
        if !metadata.is_dir() {
            bail!("{} is not a folder: --schema takes the folder of *.prisma fragments", dir.display());
        }
        let mut paths = Vec::new();
        collect(dir, &mut paths)?;
        if paths.is_empty() {
            bail!("no *.prisma files in {}", dir.display());
        }
        let root = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| ".".to_owned());
        let mut named: Vec<(String, PathBuf)> = paths
            .into_iter()
            .map(|path| {
                let relative = path.strip_prefix(dir).expect("collected below dir");
                let parts: Vec<_> = relative.components().map(|c| c.as_os_str().to_string_lossy()).collect();
                (format!("{root}/{}", parts.join("/")), path)
            })
            .collect();
        named.sort();

        let mut files = Vec::with_capacity(named.len());
        for (name, path) in named {
            let text = input::read_text(&path)?;
            files.push((name, path, text));
        }
        Ok(Fragments::from_texts(files))
    }

    /// Parses fragments already in memory: `(name, path, text)` in order.
    pub fn from_texts(files: Vec<(String, PathBuf, String)>) -> Fragments {
        let mut sources = Sources::new();
        let mut names = Vec::with_capacity(files.len());
        for (name, path, text) in files {
            sources.add(path.to_string_lossy().replace('\\', "/"), text);
            names.push((name, path));
        }
        let ids: Vec<FileId> = sources.ids().collect();
        let parsed = parallel::map(
            &ids,
            |&id| sources.get(id).text.len(),
            |&id| {
                let mut diagnostics = Diagnostics::new();
                let ast = parse::parse(id, &sources.get(id).text, &mut diagnostics);
                (ast, diagnostics)
            },
        );
        let mut diagnostics = Diagnostics::new();
        let fragments = names
            .into_iter()
            .zip(parsed)
            .map(|((name, path), (ast, found))| {
                diagnostics.extend(found);
                Fragment { name, path, ast }
            })
            .collect();
        Fragments { sources, fragments, diagnostics }
    }

    pub fn by_file(&self, file: FileId) -> &Fragment {
        &self.fragments[file.0 as usize]
    }
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) -> Result<()> {
    let entries = std::fs::read_dir(dir).with_context(|| format!("cannot read the folder {}", dir.display()))?;
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read the folder {}", dir.display()))?;
        let path = entry.path();
        let kind = entry.file_type().with_context(|| format!("cannot read {}", path.display()))?;
        if kind.is_dir() {
            collect(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "prisma") {
            out.push(path);
        }
    }
    Ok(())
}
