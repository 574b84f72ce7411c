//! One function per subcommand; the only module that prints.
//!
//! Each command returns an [`Outcome`] (0: done, 1: it found something) or
//! an `Err` when it could not do its job (exit 2). Human output goes to
//! stderr for diagnostics and stdout for results; JSON always to stdout.

use std::path::Path;

use anyhow::{Context, Result};

mod check;
mod database;
mod diagram;
mod lint;
mod migrate;
pub(crate) mod output;
mod shell;
mod split;

use output::{Stream, stderr, stderrln, stdout, stdoutln};

use crate::ast::BlockKind;
use crate::cli::{self, Cli, ColorChoice, Command, OutputFormat, ReportFormat};
use crate::config::{Config, Overrides};
use crate::db::url::{Target, find_url, variable_url};
use crate::diagnostics::{Diagnostics, Severity, Sources};
use crate::fragments::Fragments;
use crate::text::count;
use crate::{format, input, merge, pipeline, secrets};

/// How a command that ran to the end went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Nothing to report: exit 0.
    Clean,
    /// Errors, a stale file, pending work: exit 1.
    Found,
}

/// Runs one parsed command line.
pub fn run(cli: Cli) -> Result<Outcome> {
    let ctx = Session { color: cli.color, config: cli.config };
    match cli.command {
        Command::Merge(args) => merge_cmd(&ctx, args),
        Command::Fmt(args) => fmt_cmd(&ctx, args),
        Command::Validate(args) => validate_cmd(&ctx, args),
        Command::Diff(args) => migrate::diff_cmd(&ctx, args),
        Command::Migrate(args) => migrate::migrate_cmd(&ctx, args),
        Command::Lint(args) => lint::lint_cmd(&ctx, args),
        Command::Apply(args) => database::apply_cmd(&ctx, args),
        Command::Status(args) => database::status_cmd(&ctx, args),
        Command::Rollback(args) => database::rollback_cmd(&ctx, args),
        Command::Baseline(args) => database::baseline_cmd(&ctx, args),
        Command::Adopt(args) => database::adopt_cmd(&ctx, args),
        Command::Check(args) => check::check_cmd(&ctx, args),
        Command::Diagram(args) => diagram::diagram_cmd(&ctx, args),
        Command::Debug(command) => debug_cmd(command),
        Command::Completions { shell } => shell::completions_cmd(shell),
        Command::Man { out } => shell::man_cmd(out.as_deref()),
        Command::Split(args) => split::split_cmd(&ctx, args),
    }
}

struct Session {
    color: ColorChoice,
    config: Option<std::path::PathBuf>,
}

impl Session {
    /// Whether to colour what goes to `stream`: `--color`, else only on a
    /// terminal and without NO_COLOR.
    fn color(&self, stream: Stream) -> bool {
        match self.color {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => output::is_terminal(stream) && std::env::var_os("NO_COLOR").is_none(),
        }
    }

    fn config(&self, schema: &cli::SchemaArgs, output: Option<&Path>) -> Result<Config> {
        Config::load(&Overrides {
            config: self.config.clone(),
            schema: schema.schema.clone(),
            output: output.map(Path::to_path_buf),
            migrations: None,
        })
    }

    /// ehrdb.toml with the schema folder and the migrations folder the
    /// command's flags name.
    fn config_with_migrations(&self, schema: &cli::SchemaArgs, migrations: Option<&Path>) -> Result<Config> {
        Config::load(&Overrides {
            config: self.config.clone(),
            schema: schema.schema.clone(),
            output: None,
            migrations: migrations.map(Path::to_path_buf),
        })
    }

    /// Prints diagnostics in the chosen format.
    fn report(&self, diagnostics: &Diagnostics, fragments: &Fragments, format: OutputFormat) -> Result<()> {
        self.report_sources(diagnostics, &fragments.sources, format)
    }

    /// Prints diagnostics about any files in the chosen format.
    fn report_sources(&self, diagnostics: &Diagnostics, sources: &Sources, format: OutputFormat) -> Result<()> {
        match format {
            OutputFormat::Human => {
                if !diagnostics.is_empty() {
                    stderr!("{}", diagnostics.render(sources, self.color(Stream::Err)));
                    stderrln!("{}", summary(diagnostics));
                }
            }
            OutputFormat::Json => {
                let report = diagnostics.to_json_report(sources);
                stdoutln!("{}", serde_json::to_string_pretty(&report)?);
            }
        }
        Ok(())
    }
}

impl Session {
    /// Prints diagnostics as `--format` and `--summary` ask: text, JSON,
    /// SARIF, GitHub workflow commands, or the counts per code.
    fn report_as(&self, diagnostics: &Diagnostics, sources: &Sources, args: &cli::ReportArgs) -> Result<()> {
        use crate::diagnostics::ci;
        let results = || ci::results(diagnostics, sources);
        match (args.format, args.summary) {
            (ReportFormat::Human, false) => self.report_sources(diagnostics, sources, OutputFormat::Human)?,
            (ReportFormat::Json, false) => self.report_sources(diagnostics, sources, OutputFormat::Json)?,
            (ReportFormat::Human, true) => stdout!("{}", ci::summary(&results()).text()),
            (ReportFormat::Json, true) => stdoutln!("{}", serde_json::to_string_pretty(&ci::summary(&results()))?),
            (ReportFormat::Sarif, false) => stdoutln!("{}", serde_json::to_string_pretty(&ci::sarif(&results()))?),
            (ReportFormat::Github, false) => stdout!("{}", ci::github(&results())),
            (ReportFormat::Sarif | ReportFormat::Github, true) => {
                anyhow::bail!("--summary counts for --format human or json; sarif and github list every diagnostic")
            }
        }
        Ok(())
    }
}

/// Whether `warnings` passes `--max-warnings` (eslint's: more than N
/// fails), saying so on stderr.
fn too_many_warnings(warnings: usize, max: Option<usize>) -> bool {
    let Some(max) = max else { return false };
    if warnings <= max {
        return false;
    }
    stderrln!("{}: more than --max-warnings {max} allows", count(warnings, "warning"));
    true
}

/// The database URL from `--database-url`, DATABASE_URL or `.env`, parsed
/// with `base` as the folder for relative certificate paths, and the URL as
/// written; `None` when there is none. Its secrets (and PGPASSWORD) are
/// remembered first, so nothing printed later in the run can show them,
/// whatever form a message gives them.
fn find_target(flag: Option<&str>, base: &Path) -> Result<Option<(Target, String)>> {
    let Some((url, _)) = find_url(flag, Path::new("."))? else { return Ok(None) };
    parse_target(&url, base).map(Some)
}

/// [`find_target`] for a URL found elsewhere (a datasource's directUrl).
fn parse_target(url: &str, base: &Path) -> Result<(Target, String)> {
    secrets::remember(&secrets::passwords(url));
    if let Ok(password) = std::env::var("PGPASSWORD") {
        secrets::remember(&[password]);
    }
    Ok((Target::parse(url, base)?, url.to_owned()))
}

/// The streaming replicas a command was told of: `--replica` URLs, else
/// the environment variables that `replicas` in ehrdb.toml names.
fn replica_targets(flags: &[String], config: &Config, base: &Path) -> Result<Vec<Target>> {
    let urls: Vec<String> = if flags.is_empty() {
        let dir = Path::new(".");
        config.replicas.iter().map(|name| variable_url(name, dir, "`replicas` in ehrdb.toml")).collect::<Result<_>>()?
    } else {
        flags.to_vec()
    };
    urls.iter().map(|url| parse_target(url, base).map(|(target, _)| target)).collect()
}

/// Reads the fragments for the rest of the process. The tree is leaked on
/// purpose: a command runs once per process, and the OS takes the memory
/// back at exit faster than the tree can be freed node by node (a sixth of
/// the run time of `merge` on a 10,000-model schema).
fn load(dir: &Path) -> Result<&'static mut Fragments> {
    Ok(Box::leak(Box::new(Fragments::load(dir)?)))
}

fn summary(diagnostics: &Diagnostics) -> String {
    format!("{}, {}", count(diagnostics.errors(), "error"), count(diagnostics.warnings(), "warning"))
}

fn merge_cmd(ctx: &Session, args: cli::MergeArgs) -> Result<Outcome> {
    let config = ctx.config(&args.schema, args.output.as_deref())?;
    let fragments = load(&config.schema_dir)?;
    let mut checked = pipeline::check(fragments, config.prisma_version);
    config.levels.apply_to_schema(&mut checked.diagnostics);
    let diagnostics = &checked.diagnostics;
    let counts = format!(
        "{} fragments, {} models, {} enums",
        fragments.fragments.len(),
        checked.schema.count(BlockKind::Model),
        checked.schema.count(BlockKind::Enum)
    );
    ctx.report(diagnostics, fragments, args.format)?;
    if diagnostics.has_errors() {
        return Ok(Outcome::Found);
    }
    let text = merge::render(fragments);
    let output = &config.output;
    let human = args.format == OutputFormat::Human;
    if args.check {
        let Some(current) = input::read_text_if_exists(output)? else {
            if human {
                stderrln!("{} does not exist: run `ehrdb merge`", output.display());
            }
            return Ok(Outcome::Found);
        };
        if current == text {
            if human {
                stdoutln!("{} is up to date ({counts})", output.display());
            }
            return Ok(Outcome::Clean);
        }
        if human {
            stdout!("{}", unified_diff(&current, &text, &output.display().to_string()));
            stderrln!("{} is stale: run `ehrdb merge`", output.display());
        }
        return Ok(Outcome::Found);
    }
    write_if_changed(output, &text)?;
    if human {
        stdoutln!("wrote {} ({counts})", output.display());
    }
    Ok(Outcome::Clean)
}

fn fmt_cmd(ctx: &Session, args: cli::FmtArgs) -> Result<Outcome> {
    let config = ctx.config(&args.schema, None)?;
    let fragments = load(&config.schema_dir)?;
    let diagnostics = std::mem::take(&mut fragments.diagnostics);
    // A byte-order mark is the one syntax error formatting mends.
    let blocking = diagnostics.iter().any(|d| d.severity == Severity::Error && d.code != "byte-order-mark");
    if blocking {
        ctx.report(&diagnostics, fragments, OutputFormat::Human)?;
        stderrln!("nothing formatted: fix the syntax errors first");
        return Ok(Outcome::Found);
    }
    let mut changed = Vec::new();
    for fragment in &fragments.fragments {
        let current = &fragments.sources.get(fragment.ast.file).text;
        let formatted = format::format(&fragment.ast, &fragments.sources);
        if *current == formatted {
            continue;
        }
        if args.check {
            stdout!("{}", unified_diff(current, &formatted, &fragment.path.display().to_string()));
        } else {
            write_if_changed(&fragment.path, &formatted)?;
        }
        changed.push(fragment.path.display().to_string());
    }
    match (args.check, changed.is_empty()) {
        (_, true) => {
            stdoutln!("{} fragments already formatted", fragments.fragments.len());
            Ok(Outcome::Clean)
        }
        (true, false) => {
            stderrln!("not formatted: {} (run `ehrdb fmt`)", changed.join(", "));
            Ok(Outcome::Found)
        }
        (false, false) => {
            stdoutln!("formatted {}", changed.join(", "));
            Ok(Outcome::Clean)
        }
    }
}

fn validate_cmd(ctx: &Session, args: cli::ValidateArgs) -> Result<Outcome> {
    let config = ctx.config(&args.schema, None)?;
    let fragments = load(&config.schema_dir)?;
    let mut diagnostics = pipeline::check(fragments, config.prisma_version).diagnostics;
    config.levels.apply_to_schema(&mut diagnostics);
    ctx.report_as(&diagnostics, &fragments.sources, &args.report)?;
    let failed = diagnostics.has_errors()
        || (args.deny_warnings && diagnostics.warnings() > 0)
        || too_many_warnings(diagnostics.warnings(), args.report.max_warnings);
    if args.report.format == ReportFormat::Human && !args.report.summary && diagnostics.is_empty() {
        stdoutln!("{} fragments: no problems found", fragments.fragments.len());
    }
    Ok(if failed { Outcome::Found } else { Outcome::Clean })
}

fn debug_cmd(command: cli::DebugCommand) -> Result<Outcome> {
    let (path, print_tree) = match &command {
        cli::DebugCommand::Parse { file } => (file, true),
        cli::DebugCommand::Format { file } => (file, false),
        cli::DebugCommand::Lower { sql, path } => return debug_lower(path, *sql),
        cli::DebugCommand::Synth { models, out } => {
            std::fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
            for (name, text) in crate::synth::generate(*models) {
                let path = out.join(name);
                std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
            }
            return Ok(Outcome::Clean);
        }
    };
    let text = input::read_text(path)?;
    let name = path.display().to_string();
    let fragments = Fragments::from_texts(vec![(name, path.clone(), text)]);
    let fragment = &fragments.fragments[0];
    if print_tree {
        stdoutln!("{:#?}", fragment.ast);
    } else {
        stdout!("{}", format::format(&fragment.ast, &fragments.sources));
    }
    stderr!("{}", fragments.diagnostics.render(&fragments.sources, false));
    Ok(if fragments.diagnostics.has_errors() { Outcome::Found } else { Outcome::Clean })
}

/// Lowers a schema file or folder that validates; its diagnostics otherwise.
fn debug_lower(path: &Path, sql: bool) -> Result<Outcome> {
    let fragments = Fragments::load_file_or_dir(path)?;
    let checked = pipeline::check(&fragments, None);
    let Some(schema) = checked.lower() else {
        stderr!("{}", checked.diagnostics.render(&fragments.sources, false));
        return Ok(Outcome::Found);
    };
    if sql {
        let changes = crate::sql::diff::diff(&crate::sql::SqlSchema::default(), &schema);
        stdout!("{}", crate::sql::render::script(&changes));
    } else {
        stdoutln!("{schema:#?}");
    }
    Ok(Outcome::Clean)
}

fn unified_diff(old: &str, new: &str, path: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("{path} (current)"), &format!("{path} (expected)"))
        .to_string()
}

/// Writes through a temporary file and a rename, so an interrupted run
/// never leaves a half-written file; an unchanged file is not touched.
fn write_if_changed(path: &Path, text: &str) -> Result<()> {
    if input::read_text_if_exists(path).is_ok_and(|current| current.as_deref() == Some(text)) {
        return Ok(());
    }
    let file_name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let temp = path.with_file_name(format!(".{file_name}.ehrdb-tmp"));
    std::fs::write(&temp, text).with_context(|| format!("cannot write {}", temp.display()))?;
    std::fs::rename(&temp, path).with_context(|| format!("cannot write {}", path.display()))
}
