//! `ehrdb adopt`: a project that Prisma Migrate ran, taken over in one
//! step.
//!
//! Takes the Prisma folder (`prisma/schema.prisma` or `prisma/schema/`)
//! and, optionally, the database Prisma Migrate built. Writes the schema
//! files unchanged as ehrdb's fragments, the merged `schema.prisma`, and
//! one initial migration (with `ehrdb.sum`) that creates the whole schema;
//! with a database, first checks that it has that schema and writes
//! nothing unless it does, then records the migration as applied there.
//! Prisma's own migrations stay where they are and are never read: the
//! history that matters from now on starts at the initial migration.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use sqlx::PgConnection;

use super::baseline_cmd::{Snapshot, matching};
use super::{connect, locked};
use crate::cli::{self, OutputFormat};
use crate::commands::migrate::{linted, next_folder, script, write_migration};
use crate::commands::output::{Lines, errln, outln};
use crate::commands::{Outcome, Session, parse_target};
use crate::config::Config;
use crate::db::{apply, history};
use crate::fragments::Fragments;
use crate::migrations;
use crate::sql::{SqlSchema, diff};
use crate::text::count;
use crate::{merge, pipeline};

/// The new migration's name.
const NAME: &str = "init";

pub(in crate::commands) fn adopt_cmd(ctx: &Session, args: cli::AdoptArgs) -> Result<Outcome> {
    let config = ctx.config_with_migrations(&args.schema, args.migrations.as_deref())?;
    let lines = Lines::plain();
    if let Some(refusal) = already_ehrdb(&config)? {
        errln!(lines, "error: {refusal}\nnothing was written");
        return Ok(Outcome::Found);
    }
    let PrismaProject { schema: from, sources, history: prisma_migrations } = prisma_files(&args.prisma)?;
    outln!(
        lines,
        "adopting {} ({}); Prisma's history {} stays where it is and ehrdb does not read it",
        from.display(),
        count(sources.len(), "file"),
        match &prisma_migrations {
            Some((dir, n)) => format!("{} ({})", dir.display(), count(*n, "migration")),
            None => "(none found)".to_owned(),
        }
    );

    // Everything is checked in memory before a file is written: the
    // fragments under their new names, read from where they are now.
    let root = config.schema_dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| ".".into());
    let mut texts = Vec::new();
    for (from, relative) in &sources {
        let text = crate::input::read_text(from)?;
        texts.push((format!("{root}/{relative}"), from.clone(), text));
    }
    texts.sort_by(|a, b| a.0.cmp(&b.0));
    let fragments: &'static Fragments = Box::leak(Box::new(Fragments::from_texts(texts.clone())));
    let checked = pipeline::check(fragments, config.prisma_version);
    let Some(lowered) = checked.lower() else {
        ctx.report(&checked.diagnostics, fragments, OutputFormat::Human)?;
        errln!(lines, "the Prisma schema has errors that ehrdb cannot take over; nothing was written");
        return Ok(Outcome::Found);
    };
    let changes = diff::diff(&SqlSchema::default(), &lowered);
    let style = args.migration_style.unwrap_or(config.migration_style);
    let folder = next_folder(None, NAME)?;
    let files = Files {
        config: &config,
        fragments: texts.into_iter().map(|(name, _, text)| (name, text)).collect(),
        merged: merge::render(fragments),
        folder: folder.clone(),
        up: String::new(),
        down: String::new(),
    };
    let (up, down) =
        linted(ctx, script(style, &changes), script(style, &diff::reversed(&changes)), &changes, &lowered, false);
    let files = Files { up, down, ..files };

    let Some(url) = &args.database_url else {
        files.write()?;
        outln!(
            lines,
            "wrote {} ({}); record it on each database with `ehrdb baseline`",
            folder,
            count(changes.len(), "change")
        );
        return Ok(Outcome::Clean);
    };
    let base = config.output.parent().map(Path::to_path_buf).unwrap_or_default();
    let (target, _) = parse_target(url, &base)?;
    let schema = target.schema.clone();
    let version = migrations::parse_version(&folder).expect("a folder name ehrdb wrote");
    crate::db::runtime()?.block_on(async {
        let mut conn = connect(&target, "adopt", "baseline", false).await?;
        let work = async |conn: &mut PgConnection| -> Result<Outcome> {
            if !history::read(conn, &schema).await?.is_empty() {
                errln!(lines, "error: {} already has an ehrdb history; nothing was written", target.shown);
                return Ok(Outcome::Found);
            }
            let snapshots = [Snapshot { version: version.clone(), shown: folder.clone(), schema: lowered.clone() }];
            if matching(conn, &schema, &snapshots, style, &lines).await?.is_none() {
                errln!(lines, "nothing was written");
                return Ok(Outcome::Found);
            }
            files.write()?;
            outln!(lines, "wrote {} ({})", folder, count(changes.len(), "change"));
            let written = migrations::load(&config.migrations_dir)?;
            let chosen: Vec<&migrations::Migration> = written.iter().collect();
            history::ensure(conn, &schema).await?;
            apply::baseline(conn, &schema, &chosen).await?;
            outln!(lines, "recorded {} as applied on {}, without running it", folder, target.shown);
            Ok(Outcome::Clean)
        };
        locked(&lines, &mut conn, &target.schema, args.lock_timeout, work).await
    })
}

/// Why the project is not one to adopt: it has fragments, a merged schema
/// or migrations of ehrdb's already.
fn already_ehrdb(config: &Config) -> Result<Option<String>> {
    if config.schema_dir.is_dir() && Fragments::load(&config.schema_dir).is_ok() {
        return Ok(Some(format!(
            "{} already holds fragments: adopt starts a project that has none",
            config.schema_dir.display()
        )));
    }
    if config.output.exists() {
        return Ok(Some(format!("{} already exists: adopt writes it", config.output.display())));
    }
    if migrations::load_or_empty(&config.migrations_dir)?.is_some_and(|m| !m.is_empty()) {
        return Ok(Some(format!(
            "{} already holds ehrdb migrations: adopt writes the first one",
            config.migrations_dir.display()
        )));
    }
    Ok(None)
}

/// The Prisma schema's files and Prisma's migrations. `prisma` is the Prisma
/// folder holding `schema.prisma` or `schema/`, or the schema file or
/// folder itself.
fn prisma_files(prisma: &Path) -> Result<PrismaProject> {
    let schema = if prisma.is_file() {
        prisma.to_path_buf()
    } else if prisma.join("schema.prisma").is_file() {
        prisma.join("schema.prisma")
    } else if prisma.join("schema").is_dir() {
        prisma.join("schema")
    } else if prisma.is_dir() {
        prisma.to_path_buf()
    } else {
        bail!("no Prisma schema at {}: give --prisma the folder that holds schema.prisma or schema/", prisma.display());
    };
    let mut sources = Vec::new();
    if schema.is_file() {
        let name = schema.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        sources.push((schema.clone(), name));
    } else {
        for path in prisma_files_below(&schema)? {
            let relative = path.strip_prefix(&schema).expect("found below it");
            let parts: Vec<_> = relative.components().map(|c| c.as_os_str().to_string_lossy()).collect();
            sources.push((path.clone(), parts.join("/")));
        }
    }
    if sources.is_empty() {
        bail!("no *.prisma files in {}", schema.display());
    }
    // Prisma keeps its migrations beside the schema file or folder.
    let migrations_dir = schema.parent().map(Path::to_path_buf).unwrap_or_default().join("migrations");
    let history = std::fs::read_dir(&migrations_dir).ok().map(|entries| {
        let n = entries.filter_map(Result::ok).filter(|e| e.path().join("migration.sql").is_file()).count();
        (migrations_dir.clone(), n)
    });
    Ok(PrismaProject { schema, sources, history })
}

/// What adopt takes from a Prisma project.
struct PrismaProject {
    /// The schema file or folder.
    schema: PathBuf,
    /// The schema's files: (where, name below the fragments folder).
    sources: Vec<(PathBuf, String)>,
    /// Prisma's migrations folder and how many migrations it holds.
    history: Option<(PathBuf, usize)>,
}

fn prisma_files_below(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    let entries = std::fs::read_dir(dir).with_context(|| format!("cannot read {}", dir.display()))?;
    for entry in entries {
        let path = entry.with_context(|| format!("cannot read {}", dir.display()))?.path();
        if path.is_dir() {
            found.extend(prisma_files_below(&path)?);
        } else if path.extension().is_some_and(|e| e == "prisma") {
            found.push(path);
        }
    }
    found.sort();
    Ok(found)
}

/// What adopt writes, all of it known before the first file is.
struct Files<'a> {
    config: &'a Config,
    /// (name as the fragments folder's merge names it, text).
    fragments: Vec<(String, String)>,
    merged: String,
    folder: String,
    up: String,
    down: String,
}

impl Files<'_> {
    fn write(&self) -> Result<()> {
        let dir = &self.config.schema_dir;
        for (name, text) in &self.fragments {
            let relative = name.split_once('/').map_or(name.as_str(), |(_, rest)| rest);
            let path = dir.join(relative);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
            }
            std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
        }
        let output = &self.config.output;
        if let Some(parent) = output.parent().filter(|p| !p.as_os_str().is_empty()) {
            std::fs::create_dir_all(parent).with_context(|| format!("cannot create {}", parent.display()))?;
        }
        std::fs::write(output, &self.merged).with_context(|| format!("cannot write {}", output.display()))?;
        let migrations_dir = &self.config.migrations_dir;
        write_migration(migrations_dir, &self.folder, &self.up, &self.down, &self.merged)?;
        migrations::write_sum(migrations_dir, &migrations::load(migrations_dir)?)
    }
}
