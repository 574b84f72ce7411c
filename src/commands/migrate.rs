//! `ehrdb diff` and `ehrdb migrate`: the schema states they compare, and
//! the migration folders they write.

use std::cmp::Ordering;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context, Result, bail};

use super::output::{Stream, stderr, stderrln, stdout, stdoutln};
use super::{Outcome, Session};
use crate::cli::{self, DiagramLayout, MigrationStyle, OutputFormat};
use crate::config::Config;
use crate::fragments::Fragments;
use crate::lint;
use crate::migrations::{self, Migration};
use crate::pipeline::Checked;
use crate::sql::{Change, Risk, SqlSchema, diff, renames, render, summary};
use crate::text::count;
use crate::{diagram, merge, pipeline};

/// A schema state to compare: its relational model, the checked schema
/// (renames are read from it, and `diff --diagram` draws it) and the
/// fragments it came from (a new migration records their merged text).
struct State {
    schema: SqlSchema,
    checked: Checked<'static>,
    fragments: &'static Fragments,
}

/// Reads the fragments or a schema file, validates them and lowers them.
/// Errors in the schema are printed and end the command with exit 1.
fn state(ctx: &Session, config: &Config, path: &Path) -> Result<Option<State>> {
    // Leaked like `load`'s fragments: the process ends with the command.
    let fragments: &'static Fragments = Box::leak(Box::new(Fragments::load_file_or_dir(path)?));
    let checked = pipeline::check(fragments, config.prisma_version);
    let Some(schema) = checked.lower() else {
        ctx.report(&checked.diagnostics, fragments, OutputFormat::Human)?;
        stderrln!("{}: the schema has errors; fix them first", path.display());
        return Ok(None);
    };
    Ok(Some(State { schema, checked, fragments }))
}

/// The changes from `from` (`None`: the empty database) to `to`, renames
/// first (`@ehrdb.renamedFrom`); an annotation that renames nothing is
/// printed as a warning.
fn changes(ctx: &Session, from: Option<&State>, to: &State) -> Result<Vec<Change>> {
    let (renames, warnings) = renames::resolve(from.map(|s| &s.checked.schema), &to.checked.schema);
    if !warnings.is_empty() {
        ctx.report(&warnings, to.fragments, OutputFormat::Human)?;
    }
    let empty = SqlSchema::default();
    Ok(renames::diff_renaming(from.map_or(&empty, |s| &s.schema), &to.schema, &renames))
}

/// The newest migration's snapshot, or the empty schema before the first.
fn latest(migrations: &[Migration]) -> Option<PathBuf> {
    migrations.last().map(|m| m.dir.join("schema.prisma"))
}

pub(super) fn diff_cmd(ctx: &Session, args: cli::DiffArgs) -> Result<Outcome> {
    let config = ctx.config(&args.schema, None)?;
    // `None` is the empty database.
    let from = match args.from.as_str() {
        "empty" => Some(None),
        "latest" => {
            // Before the first migration there is no folder: the old state is empty.
            let migrations = migrations::load_or_empty(&config.migrations_dir)?.unwrap_or_default();
            match latest(&migrations) {
                Some(snapshot) => state(ctx, &config, &snapshot)?.map(Some),
                None => Some(None),
            }
        }
        path => state(ctx, &config, Path::new(path))?.map(Some),
    };
    let to_path = args.to.clone().unwrap_or_else(|| config.schema_dir.clone());
    let (Some(from), Some(to)) = (from, state(ctx, &config, &to_path)?) else { return Ok(Outcome::Found) };
    let changes = changes(ctx, from.as_ref(), &to)?;
    if let Some(format) = args.diagram {
        if changes.is_empty() {
            stdoutln!("no changes");
        } else {
            let old = match &from {
                Some(state) => diagram::build(&state.checked.schema, &[])?,
                None => diagram::Diagram::default(),
            };
            let marked = diagram::mark_changes(old, diagram::build(&to.checked.schema, &[])?, &changes);
            stdout!("{}", super::diagram::render(&marked, format, DiagramLayout::Builtin)?);
        }
    } else if args.sql {
        stdout!("{}", script(args.migration_style.unwrap_or(config.migration_style), &changes));
    } else if changes.is_empty() {
        stdoutln!("no changes");
    } else {
        stdout!("{}", summary::summary(&changes));
    }
    Ok(if args.exit_code && !changes.is_empty() { Outcome::Found } else { Outcome::Clean })
}

pub(super) fn migrate_cmd(ctx: &Session, args: cli::MigrateArgs) -> Result<Outcome> {
    // A mistyped name is the cheapest mistake to fix: say so before any
    // other problem, so the user does not fix those first and then hit it.
    if let Some(name) = &args.name {
        migrations::check_name(name)?;
    }
    let config = ctx.config(&args.schema, None)?;
    let dir = &config.migrations_dir;
    // `migrate NAME` starts the folder; --verify and --rehash need it.
    let existing = match args.name {
        Some(_) => migrations::load_or_empty(dir)?.unwrap_or_default(),
        None => migrations::load(dir)?,
    };
    if args.rehash {
        migrations::write_sum(dir, &existing)?;
        stdoutln!("{}: ehrdb.sum rewritten for {}", dir.display(), count(existing.len(), "migration"));
        return Ok(Outcome::Clean);
    }
    if let Err(error) = migrations::verify(dir, &existing) {
        stderrln!("error: {error}\n  help: {}", error.help());
        if args.name.is_some() {
            stderrln!("no migration written");
        }
        return Ok(Outcome::Found);
    }
    let Some(name) = args.name else {
        stdoutln!("{}: {}, ehrdb.sum matches", dir.display(), count(existing.len(), "migration"));
        return Ok(Outcome::Clean);
    };

    let from = match latest(&existing) {
        Some(snapshot) => match state(ctx, &config, &snapshot)? {
            Some(state) => Some(state),
            None => {
                stderrln!("no migration written");
                return Ok(Outcome::Found);
            }
        },
        None => None,
    };
    let Some(to) = state(ctx, &config, &config.schema_dir)? else {
        stderrln!("no migration written");
        return Ok(Outcome::Found);
    };
    let changes = changes(ctx, from.as_ref(), &to)?;
    if changes.is_empty() {
        stderrln!("nothing changed since the last migration: no migration written");
        return Ok(Outcome::Found);
    }
    let risks: Vec<Risk> = diff::risks(&changes).into_iter().flatten().collect();
    if !risks.is_empty() && !args.allow_destructive {
        stderrln!("error: this migration has steps that can lose data or fail on existing rows:");
        for risk in &risks {
            match risk {
                Risk::Destructive(why) => stderrln!("  destructive: {why}"),
                Risk::Risky(why) => stderrln!("  risky: {why}"),
            }
        }
        stderrln!("review them, then run again with --allow-destructive; no migration written");
        return Ok(Outcome::Found);
    }

    let style = args.migration_style.unwrap_or(config.migration_style);
    let (up, down) = linted(
        ctx,
        script(style, &changes),
        script(style, &diff::reversed(&changes)),
        &changes,
        &to.schema,
        !risks.is_empty(),
    );
    let merged = merge::render(to.fragments);
    let folder = next_folder(existing.last(), &name)?;
    let written = write_migration(dir, &folder, &up, &down, &merged)?;
    migrations::write_sum(dir, &migrations::load(dir)?)?;
    stdoutln!("wrote {} ({})", written.display(), count(changes.len(), "change"));
    for risk in &risks {
        match risk {
            Risk::Destructive(why) => stdoutln!("  destructive: {why}"),
            Risk::Risky(why) => stdoutln!("  risky: {why}"),
        }
    }
    Ok(Outcome::Clean)
}

/// The migration's SQL with what `ehrdb lint` accepts in it written in
/// ([`lint::settle`]); what it still finds is printed as a warning.
pub(super) fn linted(
    ctx: &Session,
    up: String,
    down: String,
    changes: &[Change],
    schema: &SqlSchema,
    accepted: bool,
) -> (String, String) {
    let settled = lint::settle(up, down, changes, schema, accepted);
    if !settled.left.is_empty() {
        stderr!("{}", settled.left.render(&settled.sources, ctx.color(Stream::Err)));
        stderrln!("warning: `ehrdb lint` finds the above in the migration's SQL; review it before it runs");
    }
    (settled.up, settled.down)
}

/// The SQL of `changes` in `style`.
pub(super) fn script(style: MigrationStyle, changes: &[Change]) -> String {
    match style {
        MigrationStyle::Safe => render::safe_script(changes),
        MigrationStyle::Prisma => render::script(changes),
    }
}

/// The new migration's folder, stamped later than the newest migration,
/// because the timestamp orders the history. A second migration within the
/// same second waits for the next one: writing it under the same timestamp
/// leaves two folders that every later command refuses to read. A clock
/// behind the newest migration is an error rather than a migration placed
/// before the one it was diffed against.
pub(super) fn next_folder(newest: Option<&Migration>, name: &str) -> Result<String> {
    loop {
        let now = SystemTime::now();
        let folder = migrations::folder_name(now, name)?;
        let Some(newest) = newest else { return Ok(folder) };
        let version = migrations::parse_version(&folder).expect("folder_name writes a timestamp");
        match version.cmp(&newest.version) {
            Ordering::Greater => return Ok(folder),
            Ordering::Equal => {
                let into_second = now.duration_since(UNIX_EPOCH).map_or(0, |d| d.subsec_nanos());
                std::thread::sleep(Duration::from_nanos(u64::from(1_000_000_000 - into_second)));
            }
            Ordering::Less => bail!(
                "the clock reads {}, which is before the newest migration {}: a migration written now would sort \
                 before it; check the system clock (migration timestamps are UTC)",
                &folder[..15],
                newest.folder()
            ),
        }
    }
}

/// Writes the folder under a temporary name and renames it into place, so
/// an interrupted run never leaves a half-written migration behind.
pub(super) fn write_migration(dir: &Path, folder: &str, up: &str, down: &str, schema: &str) -> Result<PathBuf> {
    let target = dir.join(folder);
    if target.exists() {
        bail!("{} already exists: wait a second and run again", target.display());
    }
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let temp = dir.join(format!(".{folder}.ehrdb-tmp"));
    let _ = std::fs::remove_dir_all(&temp);
    std::fs::create_dir(&temp).with_context(|| format!("cannot create {}", temp.display()))?;
    for (file, text) in [("up.sql", up), ("down.sql", down), ("schema.prisma", schema)] {
        let path = temp.join(file);
        std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    }
    std::fs::rename(&temp, &target).with_context(|| format!("cannot write {}", target.display()))?;
    Ok(target)
}
