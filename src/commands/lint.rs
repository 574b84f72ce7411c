//! `ehrdb lint`: which migration files to lint, against which schema, and
//! the report.
//!
//! Takes the command line and returns 0 when nothing is found, 1 with
//! findings, an `Err` (exit 2) when it cannot lint: an unreadable file or
//! migrations folder, a schema with errors, no connection when the
//! pending migrations must be asked for. The PATHs: a `.sql` file (a
//! `down.sql` is judged with its sibling `up.sql` in view, anything else
//! as an up.sql), a migration folder, a migrations folder, or a migration
//! version. Without PATHs: the pending migrations when a database URL is
//! given (`--database-url`, DATABASE_URL, `.env`), else every migration;
//! `--all` never connects.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};

use super::output::{stderrln, stdoutln};
use super::{Outcome, Session, find_target};
use crate::cli::{self, ReportFormat};
use crate::config::Config;
use crate::db::{history, plan};
use crate::diagnostics::{Diagnostics, Sources};
use crate::fragments::Fragments;
use crate::lint::{self, FileKind};
use crate::migrations::{self, DOWN_FILE, Migration, UP_FILE};
use crate::text::count;

/// One file to lint.
enum Target {
    /// An up.sql, or any SQL file judged as one.
    Up(PathBuf),
    /// A down.sql, with the up.sql it undoes when there is one.
    Down { down: PathBuf, up: Option<PathBuf> },
}

pub(super) fn lint_cmd(ctx: &Session, args: cli::LintArgs) -> Result<Outcome> {
    let config = ctx.config_with_migrations(&args.schema, args.migrations.as_deref())?;
    let targets = if args.paths.is_empty() { default_targets(&config, &args)? } else { given(&config, &args.paths)? };
    let context = schema_context(&config, args.report.format)?;
    let mut sources = Sources::new();
    let mut diagnostics = Diagnostics::new();
    let mut add =
        |path: &Path| -> Result<_> { Ok(sources.add(path.display().to_string(), crate::input::read_text(path)?)) };
    let mut files = Vec::new();
    for target in &targets {
        match target {
            Target::Up(path) => files.push((add(path)?, None, FileKind::Up)),
            Target::Down { down, up } => {
                let up = up.as_deref().map(&mut add).transpose()?;
                files.push((add(down)?, up, FileKind::Down));
            }
        }
    }
    for (file, up, kind) in files {
        diagnostics.extend(match kind {
            FileKind::Up => lint::lint_file(&sources, file, kind, &context),
            FileKind::Down => lint::lint_down(&sources, file, up, &context),
        });
    }
    config.levels.apply_to_lint(&mut diagnostics);
    ctx.report_as(&diagnostics, &sources, &args.report)?;
    let too_many = super::too_many_warnings(diagnostics.warnings(), args.report.max_warnings);
    if args.report.format == ReportFormat::Human && !args.report.summary && diagnostics.is_empty() {
        match targets.len() {
            0 => stdoutln!("nothing to lint: no pending migrations"),
            n => stdoutln!("{}: no problems found", count(n, "file")),
        }
    }
    Ok(if diagnostics.has_errors() || too_many { Outcome::Found } else { Outcome::Clean })
}

/// The context of the schema fragments, or an empty one when there is no
/// schema folder (linting SQL outside a project).
fn schema_context(config: &Config, format: ReportFormat) -> Result<lint::Context> {
    if !config.schema_dir.exists() {
        if format == ReportFormat::Human {
            stderrln!(
                "note: no schema folder at {}: the rules about immutable tables and the columns the application \
                 reads see only what the SQL itself declares",
                config.schema_dir.display()
            );
        }
        return Ok(lint::Context::default());
    }
    let fragments = Fragments::load(&config.schema_dir)?;
    match lint::context_of_fragments(&fragments, config.prisma_version) {
        Ok(context) => Ok(context),
        Err(diagnostics) => bail!(
            "cannot lint against the schema in {}: it has {}; run `ehrdb validate`",
            config.schema_dir.display(),
            count(diagnostics.errors(), "error")
        ),
    }
}

/// Without PATHs: the pending migrations when a database URL is given and
/// `--all` is not, else every migration.
fn default_targets(config: &Config, args: &cli::LintArgs) -> Result<Vec<Target>> {
    let all = migrations::load(&config.migrations_dir)?;
    if args.all {
        return Ok(all.iter().flat_map(migration_targets).collect());
    }
    let base = config.output.parent().map(Path::to_path_buf).unwrap_or_default();
    let Some((target, _)) = find_target(args.database_url.as_deref(), &base)? else {
        return Ok(all.iter().flat_map(migration_targets).collect());
    };
    let schema = target.schema.clone();
    let applied = crate::db::runtime()?.block_on(async {
        let mut conn = target.connect("ehrdb lint").await?;
        if !history::exists(&mut conn, &schema).await? {
            return anyhow::Ok(Vec::new());
        }
        history::read(&mut conn, &schema).await
    })?;
    let entries = plan::reconcile(&all, &applied);
    let pending = entries.iter().filter(|e| e.state != plan::State::Applied).filter_map(|e| e.migration);
    Ok(pending.flat_map(migration_targets).collect())
}

/// The targets the PATHs name.
fn given(config: &Config, paths: &[PathBuf]) -> Result<Vec<Target>> {
    let mut targets = Vec::new();
    for path in paths {
        if path.is_dir() {
            if path.join(UP_FILE).exists() {
                targets.extend(folder_targets(path));
            } else {
                targets.extend(migrations::load(path)?.iter().flat_map(migration_targets));
            }
        } else if path.exists() {
            let up = path.with_file_name(UP_FILE);
            targets.push(if path.file_name().is_some_and(|name| name == DOWN_FILE) {
                Target::Down { down: path.clone(), up: up.exists().then_some(up) }
            } else {
                Target::Up(path.clone())
            });
        } else if let Some(version) = path.to_str().and_then(migrations::parse_version) {
            let all = migrations::load(&config.migrations_dir)?;
            let migration = all
                .iter()
                .find(|m| m.version == version)
                .with_context(|| format!("no migration {version} in {}", config.migrations_dir.display()))?;
            targets.extend(migration_targets(migration));
        } else {
            bail!("{}: no such file or folder, and not a migration version", path.display());
        }
    }
    Ok(targets)
}

fn migration_targets(migration: &Migration) -> Vec<Target> {
    folder_targets(&migration.dir)
}

/// A migration folder's up.sql and, when it has one, down.sql.
fn folder_targets(dir: &Path) -> Vec<Target> {
    let up = dir.join(UP_FILE);
    let down = dir.join(DOWN_FILE);
    let mut targets = vec![Target::Up(up.clone())];
    if down.exists() {
        targets.push(Target::Down { down, up: Some(up) });
    }
    targets
}
