//! The command line, as clap derive types. Nothing here runs anything.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

const EXAMPLES: &str = "\
Examples:
  ehrdb merge                      write schema.prisma from schema/*.prisma
  ehrdb merge --check              exit 1 with a diff when schema.prisma is stale
  ehrdb fmt --check                exit 1 when a fragment is not formatted
  ehrdb validate --format json     diagnostics for CI
  ehrdb lint                       migration SQL that would block or break a live database
  ehrdb migrate add_patient_nhs_number
  ehrdb apply --database-url postgres://app@db.internal/ehr?sslmode=require

Exit codes: 0 success, 1 something was found (errors, a stale file, pending
migrations), 2 ehrdb could not do its job (unreadable input, bad flags, no
database).";

/// Schema toolkit for a Prisma + PostgreSQL surgical EHR: merges the domain
/// fragments into one schema.prisma, validates and formats them, writes and
/// applies migrations, and audits a database for production readiness.
#[derive(Debug, Parser)]
#[command(name = "ehrdb", version, after_help = EXAMPLES, max_term_width = 100)]
pub struct Cli {
    /// The configuration file [default: ./ehrdb.toml when it exists].
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// When to colour diagnostics.
    #[arg(long, global = true, value_enum, default_value_t = ColorChoice::Auto)]
    pub color: ColorChoice,

    #[command(subcommand)]
    pub command: Command,
}

/// The longest wait for another run's migration lock: a day.
pub const MAX_LOCK_WAIT_SECONDS: u64 = 86_400;
/// The most application instances `ehrdb check` budgets connections for.
pub const MAX_INSTANCES: u32 = 10_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// How a migration's SQL gets a database to its new schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum MigrationStyle {
    /// Lock-safe steps: concurrent index builds, constraints validated apart.
    Safe,
    /// Prisma Migrate's SQL, statement for statement.
    Prisma,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Human,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Merge the fragments into the canonical schema.prisma.
    #[command(
        after_help = "Examples:\n  ehrdb merge\n  ehrdb merge --schema db/schema --output db/schema.prisma\n  ehrdb merge --check   # pre-commit / CI: exit 1 and a diff when stale"
    )]
    Merge(MergeArgs),

    /// Format the fragments in place, as `prisma format` would.
    #[command(
        after_help = "Examples:\n  ehrdb fmt\n  ehrdb fmt --check   # exit 1 and a diff when a fragment is not formatted"
    )]
    Fmt(FmtArgs),

    /// Check the fragments and report every problem with file:line:col.
    #[command(after_help = "Examples:\n  ehrdb validate\n  ehrdb validate --format json --deny-warnings")]
    Validate(ValidateArgs),

    /// Show the changes between two schema states, as a summary or as SQL.
    #[command(
        after_help = "Examples:\n  ehrdb diff                     # the fragments against the newest migration\n  ehrdb diff --sql\n  ehrdb diff --from empty --sql  # the whole schema as SQL\n  ehrdb diff --from old.prisma --to new.prisma\n  ehrdb diff --exit-code         # CI: exit 1 when the fragments changed since the last migration"
    )]
    Diff(DiffArgs),

    /// Write a new migration (up.sql, down.sql, schema.prisma) for the changes since the last one.
    #[command(
        after_help = "Examples:\n  ehrdb migrate add_patient_nhs_number\n  ehrdb migrate drop_legacy_ward --allow-destructive\n  ehrdb migrate --verify   # CI: exit 1 when ehrdb.sum does not match the migrations\n  ehrdb migrate --rehash   # after reviewing an edit of a migration never applied anywhere"
    )]
    Migrate(MigrateArgs),

    /// Check migration SQL for what blocks or breaks a live database.
    #[command(
        after_help = "Examples:\n  ehrdb lint                       # the pending migrations (with a database URL), else all\n  ehrdb lint --all                 # every migration in the folder\n  ehrdb lint migrations/20261124_210833_index_patient_names\n  ehrdb lint 20261124210833 --format json\n  ehrdb lint scratch.sql           # any SQL file, judged as an up.sql\n\nA finding a reviewer accepts is allowed by a comment before its statement:\n  -- ehrdb:allow ban-drop-column -- nothing reads legacy_mrn since 2026-10\n\nExit codes: 0 nothing found, 1 findings, 2 ehrdb could not lint (unreadable files, a schema\nwith errors, no connection when asked for the pending migrations)."
    )]
    Lint(LintArgs),

    /// Apply pending migrations to the database, each in its own transaction.
    #[command(
        after_help = "Examples:\n  ehrdb apply                      # DATABASE_URL from the environment or .env\n  ehrdb apply --dry-run            # the plan and its SQL; changes nothing\n  ehrdb apply --to 20261124210832  # stop after that migration\n  ehrdb apply --single-transaction # all or nothing\n\nExit codes: 0 applied (or nothing to apply), 1 refused or a migration failed (nothing of it\nremains), 2 no connection, the lock was not free in time, or the connection was lost."
    )]
    Apply(ApplyArgs),

    /// List every migration and whether it is applied, pending, modified, missing, failed or partial.
    #[command(
        after_help = "Examples:\n  ehrdb status\n  ehrdb status --format json\n\nExit codes: 0 up to date, 1 something is pending or wrong, 2 no connection."
    )]
    Status(StatusArgs),

    /// Undo applied migrations with their down.sql, newest first.
    #[command(
        after_help = "Examples:\n  ehrdb rollback                   # the newest applied migration\n  ehrdb rollback --steps 3\n  ehrdb rollback --to 20261124210832   # undo everything newer than it\n  ehrdb rollback --all --dry-run"
    )]
    Rollback(RollbackArgs),

    /// Record migrations as applied without running them, for a database that already has their schema.
    #[command(
        after_help = "Examples:\n  ehrdb baseline                   # every migration in the folder\n  ehrdb baseline --to 20261124210832\n  ehrdb baseline --from-prisma     # a database Prisma Migrate built: up to the migration whose schema it has\n\nThe database must have the schema of the last migration recorded (objects beyond it may stay);\nwhen it does not, nothing is recorded and what differs is listed. --force skips that check."
    )]
    Baseline(BaselineArgs),

    /// Take over a project from Prisma Migrate: its schema as fragments, one initial migration, the baseline.
    #[command(
        after_help = "Examples:\n  ehrdb adopt                                   # prisma/schema.prisma or prisma/schema/ -> schema/, one migration\n  ehrdb adopt --database-url \"$DATABASE_URL\"   # check production has that schema first, then record it there\n\nPrisma's migrations stay where they are and are not read. With a database, nothing is written unless\nthe database has the schema (objects beyond it may stay); what it lacks is listed, with its SQL when short."
    )]
    Adopt(AdoptArgs),

    /// Audit the schema, the connection settings and a live database for production readiness.
    #[command(
        after_help = "Examples:\n  ehrdb check                          # static checks; live ones too when DATABASE_URL is set\n  ehrdb check --format markdown > assessment.md\n  ehrdb check --format json --fail-on p1\n  ehrdb check --env development --database-url postgres://ehr@localhost/ehr\n  ehrdb check --app backend            # also audit the application's Prisma setup\n\nExit codes: 0 nothing at or above --fail-on (default p0) failed, 1 something did, 2 ehrdb could\nnot run (unreadable schema folder, invalid URL). A database that does not answer is not exit 2:\nits checks are reported as skipped and the rest of the report stands."
    )]
    Check(CheckArgs),

    /// Draw the models, their columns and relations, per domain, as Mermaid, DOT or SVG.
    #[command(
        after_help = "Examples:\n  ehrdb diagram                                 # Mermaid, for a README or a pull request\n  ehrdb diagram --domain theater --format svg --out theater.svg\n  ehrdb diagram --format dot | dot -Tpng > schema.png\n  ehrdb diagram --format svg --out docs/schema.svg --check   # CI: exit 1 when stale\n\nEnums are not boxes: a field of enum type names it (in italics), and its values are in the\nSVG tooltip and the Mermaid comments.\n\nExit codes: 0 written, 1 the schema has errors or --check found the file stale, 2 an unknown\ndomain, no Graphviz for --layout dot, or a file that cannot be written."
    )]
    Diagram(DiagramArgs),

    /// Run one pipeline stage alone and print its result.
    #[command(hide = true, subcommand)]
    Debug(DebugCommand),

    /// Print a shell's completion script for ehrdb.
    #[command(
        after_help = "Examples:\n  ehrdb completions bash > ~/.local/share/bash-completion/completions/ehrdb\n  ehrdb completions zsh > ~/.zfunc/_ehrdb\n  ehrdb completions fish > ~/.config/fish/completions/ehrdb.fish"
    )]
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },

    /// Write the manual pages: ehrdb(1) and one per command (ehrdb-validate(1), ...).
    #[command(
        after_help = "Examples:\n  ehrdb man | man -l -          # read ehrdb(1) now\n  ehrdb man --out /usr/local/share/man/man1"
    )]
    Man {
        /// The folder to write the pages into (created if missing) [default: print ehrdb(1) to stdout].
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
    /// Split one schema (a schema.prisma, or a Prisma multi-file folder) into domain fragments.
    #[command(
        after_help = "Examples:\n  ehrdb split schema.prisma --dry-run   # the plan, and why each model goes where\n  ehrdb split schema.prisma --out schema\n  ehrdb split prisma/schema --out schema\n\nBefore writing, the fragments are merged and lowered: ehrdb refuses to write them unless their SQL\nmodel is the input's. `[split]` in ehrdb.toml names the groups instead (group = [\"Model\", ...])."
    )]
    Split(SplitArgs),
}

#[derive(Debug, Args)]
pub struct SplitArgs {
    /// The schema to split: a file or a folder [default: the merged schema: `output` in ehrdb.toml, else schema.prisma].
    #[arg(value_name = "SCHEMA")]
    pub input: Option<PathBuf>,

    /// The folder to write the fragments into, which must hold no *.prisma yet [default: schema, or `schema` in ehrdb.toml].
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Print the plan and why each model goes where; write nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// Where the fragments are.
#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// The folder of *.prisma fragments [default: schema, or `schema` in ehrdb.toml].
    #[arg(long, value_name = "DIR")]
    pub schema: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    #[command(flatten)]
    pub schema: SchemaArgs,

    /// Where to write the merged schema [default: schema.prisma beside the schema folder].
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,

    /// Write nothing; exit 1 and print a diff when the output is stale.
    #[arg(long)]
    pub check: bool,

    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct FmtArgs {
    #[command(flatten)]
    pub schema: SchemaArgs,

    /// Write nothing; exit 1 and print a diff when a fragment is not formatted.
    #[arg(long)]
    pub check: bool,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub schema: SchemaArgs,

    #[command(flatten)]
    pub report: ReportArgs,

    /// Exit 1 on warnings too.
    #[arg(long)]
    pub deny_warnings: bool,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    #[command(flatten)]
    pub schema: SchemaArgs,

    /// The old state: `empty`, `latest` (the newest migration's snapshot) or a schema file or folder.
    #[arg(long, default_value = "latest")]
    pub from: String,

    /// The new state: a schema file or folder [default: the fragments].
    #[arg(long)]
    pub to: Option<PathBuf>,

    /// Print the SQL instead of a summary.
    #[arg(long)]
    pub sql: bool,

    /// Exit 1 when there are changes.
    #[arg(long)]
    pub exit_code: bool,

    /// The SQL's path: `safe` (steps that never hold a long lock on a table with rows) or `prisma` (Prisma Migrate's own) [default: `migration-style` in ehrdb.toml, else safe].
    #[arg(long, value_enum)]
    pub migration_style: Option<MigrationStyle>,

    /// Draw the models the changes touch, fields and relations marked added (+), removed (-) or changed (~), with their neighbours faded [default format: mermaid].
    #[arg(long, value_enum, value_name = "FORMAT", num_args = 0..=1, default_missing_value = "mermaid")]
    pub diagram: Option<DiagramFormat>,
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub schema: SchemaArgs,

    /// The migration's name, in lower snake case (add_patient_nhs_number).
    #[arg(required_unless_present_any = ["verify", "rehash"])]
    pub name: Option<String>,

    /// Allow steps that lose data, may fail on existing rows, or rewrite a table under a lock that stops its readers and writers.
    #[arg(long)]
    pub allow_destructive: bool,

    /// The SQL's path: `safe` (steps that never hold a long lock on a table with rows) or `prisma` (Prisma Migrate's own) [default: `migration-style` in ehrdb.toml, else safe].
    #[arg(long, value_enum)]
    pub migration_style: Option<MigrationStyle>,

    /// Check migrations/ehrdb.sum against the migration files and write nothing.
    #[arg(long, conflicts_with_all = ["name", "rehash"])]
    pub verify: bool,

    /// Rewrite migrations/ehrdb.sum from the migration files, after reviewing a change to them.
    #[arg(long, conflicts_with = "name")]
    pub rehash: bool,
}

/// How to reach the database, and where the migrations are.
#[derive(Debug, Args)]
pub struct DatabaseArgs {
    /// The PostgreSQL URL, Prisma style; repeat it for a fleet (apply, status) [default: `[targets]` in ehrdb.toml, else DATABASE_URL from the environment, else from .env].
    #[arg(long, value_name = "URL", hide_env_values = true)]
    pub database_url: Vec<String>,

    /// How many databases of a fleet to work on at once.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub jobs: u32,

    /// The migrations folder [default: migrations beside the schema folder, or `migrations` in ehrdb.toml].
    #[arg(long, value_name = "DIR")]
    pub migrations: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    #[command(flatten)]
    pub schema: SchemaArgs,

    /// SQL files, migration folders, a migrations folder, or migration versions
    /// [default: the pending migrations when there is a database URL, else every migration].
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// Lint every migration in the migrations folder, without asking a database which are pending.
    #[arg(long, conflicts_with = "paths")]
    pub all: bool,

    /// The PostgreSQL URL whose history says which migrations are pending [default: DATABASE_URL from the environment or .env].
    #[arg(long, value_name = "URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// The migrations folder [default: migrations beside the schema folder, or `migrations` in ehrdb.toml].
    #[arg(long, value_name = "DIR")]
    pub migrations: Option<PathBuf>,

    #[command(flatten)]
    pub report: ReportArgs,
}

#[derive(Debug, Args)]
pub struct ApplyArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Print the plan and its SQL; change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Stop after this migration version (20261124210832 or 20261124_210832).
    #[arg(long, value_name = "VERSION")]
    pub to: Option<String>,

    /// Run all pending migrations in one transaction: all or nothing.
    #[arg(long)]
    pub single_transaction: bool,

    #[command(flatten)]
    pub locks: LockArgs,

    /// After applying, wait until every replica has replayed the migrations, at most SECONDS (default 60).
    #[arg(long, value_name = "SECONDS", num_args = 0..=1, default_missing_value = "60", value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub wait_for_replicas: Option<u64>,

    /// A streaming replica to wait for (repeatable) [default: `replicas` in ehrdb.toml].
    #[arg(long = "replica", value_name = "URL", hide_env_values = true, requires = "wait_for_replicas")]
    pub replicas: Vec<String>,

    /// How to print the result: human lines, or one JSON document per run (the lines then go to stderr).
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,

    /// How long to wait for another run's lock, in seconds (0 to 86400).
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(0..=MAX_LOCK_WAIT_SECONDS))]
    pub lock_timeout: u64,
}

/// How DDL waits for table locks.
#[derive(Debug, Args)]
pub struct LockArgs {
    /// How long one statement may wait for a table lock before it gives up, rolls its step back and is tried again, in milliseconds; 0 waits without limit [default: 1000, or `ddl-lock-timeout` in ehrdb.toml].
    #[arg(long, value_name = "MS", value_parser = clap::value_parser!(u64).range(0..=600_000))]
    pub ddl_lock_timeout: Option<u64>,

    /// How many times such a statement is tried again, after a pause that doubles from 0.5 s to at most 30 s [default: 10, or `ddl-retries` in ehrdb.toml].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=1000))]
    pub ddl_retries: Option<u32>,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// How to print the result.
    #[arg(long, value_enum, default_value_t = OutputFormat::Human)]
    pub format: OutputFormat,
}

#[derive(Debug, Args)]
pub struct RollbackArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// How many migrations to undo, from 1 [default: 1].
    #[arg(long, conflicts_with_all = ["to", "all"], value_parser = clap::value_parser!(u32).range(1..))]
    pub steps: Option<u32>,

    /// Undo every migration newer than this version.
    #[arg(long, value_name = "VERSION", conflicts_with = "all")]
    pub to: Option<String>,

    /// Undo every applied migration.
    #[arg(long)]
    pub all: bool,

    /// Print the plan and its SQL; change nothing.
    #[arg(long)]
    pub dry_run: bool,

    #[command(flatten)]
    pub locks: LockArgs,

    /// Roll back even when an applied migration's up.sql differs from its file or ehrdb.sum does not match (with a warning).
    #[arg(long)]
    pub force: bool,

    /// How long to wait for another run's lock, in seconds (0 to 86400).
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(0..=MAX_LOCK_WAIT_SECONDS))]
    pub lock_timeout: u64,
}

#[derive(Debug, Args)]
pub struct BaselineArgs {
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Record migrations up to and including this version [default: all of them].
    #[arg(long, value_name = "VERSION", conflicts_with = "from_prisma")]
    pub to: Option<String>,

    /// For a database Prisma Migrate built: record every migration up to the newest whose schema the database has.
    #[arg(long)]
    pub from_prisma: bool,

    /// Print what would be recorded; change nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Record without first checking that the database has the schema of the migration recorded last.
    #[arg(long)]
    pub force: bool,

    /// How long to wait for another run's lock, in seconds (0 to 86400).
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(0..=MAX_LOCK_WAIT_SECONDS))]
    pub lock_timeout: u64,
}

#[derive(Debug, Args)]
pub struct AdoptArgs {
    #[command(flatten)]
    pub schema: SchemaArgs,

    /// Prisma's folder, holding schema.prisma or schema/ (or the schema file or folder itself).
    #[arg(long, value_name = "PATH", default_value = "prisma")]
    pub prisma: PathBuf,

    /// The database Prisma Migrate built: checked before anything is written, then the new migration is recorded there.
    #[arg(long, value_name = "URL", hide_env_values = true)]
    pub database_url: Option<String>,

    /// The migrations folder to start [default: migrations beside the schema folder, or `migrations` in ehrdb.toml].
    #[arg(long, value_name = "DIR")]
    pub migrations: Option<PathBuf>,

    /// The initial migration's SQL: `safe` or `prisma` [default: `migration-style` in ehrdb.toml, else safe].
    #[arg(long, value_enum)]
    pub migration_style: Option<MigrationStyle>,

    /// How long to wait for another run's lock, in seconds (0 to 86400).
    #[arg(long, value_name = "SECONDS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(0..=MAX_LOCK_WAIT_SECONDS))]
    pub lock_timeout: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CheckFormat {
    /// Grouped by area, for a terminal.
    Human,
    /// One document for CI and dashboards (its shape is in the README).
    Json,
    /// An assessment document: summary, findings by area, action items.
    Markdown,
    /// SARIF 2.1.0, for code scanning: failed findings at the schema's datasource.
    Sarif,
    /// GitHub Actions workflow commands: an annotation per failed finding.
    Github,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    /// Critical findings only.
    P0,
    /// Critical and high.
    P1,
    /// Any failed check.
    P2,
    /// Never: exit 0 whatever is found.
    None,
}

/// Which severities apply.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Environment {
    Production,
    /// TLS findings count as P2: a laptop database need not encrypt.
    Development,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    #[command(flatten)]
    pub schema: SchemaArgs,

    /// The PostgreSQL URL; repeat it for a fleet (a report each) [default: `[targets]` in ehrdb.toml, else DATABASE_URL from the environment or .env]; without one, live checks are skipped.
    #[arg(long, value_name = "URL", hide_env_values = true)]
    pub database_url: Vec<String>,

    /// How many databases of a fleet to ask at once.
    #[arg(long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub jobs: u32,

    /// The migrations folder [default: migrations beside the schema folder, or `migrations` in ehrdb.toml].
    #[arg(long, value_name = "DIR")]
    pub migrations: Option<PathBuf>,

    /// How to print the report.
    #[arg(long, value_enum, default_value_t = CheckFormat::Human)]
    pub format: CheckFormat,

    /// The lowest severity that makes the exit code 1.
    #[arg(long, value_enum, default_value_t = FailOn::P0)]
    pub fail_on: FailOn,

    /// The environment the database serves: TLS findings are P2 in development.
    #[arg(long, value_enum, default_value_t = Environment::Production)]
    pub env: Environment,

    /// How many application instances share the database, for the connection budget [default: `instances` in ehrdb.toml].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_INSTANCES)))]
    pub instances: Option<u32>,

    /// The Prisma binary target of the deployment (debian-openssl-3.0.x, linux-musl-openssl-3.0.x, ...) [default: `binary-target` in ehrdb.toml].
    #[arg(long, value_name = "TARGET")]
    pub binary_target: Option<String>,

    /// Days of index statistics before a never-scanned index counts as unused (0: at once; at most 3650).
    #[arg(long, value_name = "DAYS", default_value_t = crate::check::DEFAULT_STATS_WINDOW_DAYS, value_parser = clap::value_parser!(u32).range(0..=3650))]
    pub stats_window: u32,

    /// Try an UPDATE and a DELETE on each immutable table, in a transaction that is always rolled back.
    #[arg(long)]
    pub probe: bool,

    /// A streaming replica of the database, for index statistics and replication findings (repeatable) [default: `replicas` in ehrdb.toml].
    #[arg(long = "replica", value_name = "URL", hide_env_values = true)]
    pub replicas: Vec<String>,

    /// The application's folder, for the application area [default: `app` in ehrdb.toml, else the folder holding package.json above or beside the schema folder].
    #[arg(long, value_name = "DIR")]
    pub app: Option<PathBuf>,

    /// Print only the score and how many findings of each outcome and severity (human or json).
    #[arg(long)]
    pub summary: bool,

    /// Exit 1 when more than N findings failed below --fail-on (the warnings of --format sarif and github).
    #[arg(long, value_name = "N")]
    pub max_warnings: Option<usize>,
}

#[derive(Debug, Subcommand)]
pub enum DebugCommand {
    /// Print the syntax tree of one file.
    Parse { file: PathBuf },
    /// Print the formatted text of one file.
    Format { file: PathBuf },
    /// Print the relational model of a schema (a file, or a folder of fragments).
    Lower {
        /// Print the SQL that creates it in an empty database instead.
        #[arg(long)]
        sql: bool,
        path: PathBuf,
    },
    /// Write a synthetic schema of N models into a folder (for benchmarks).
    Synth {
        /// How many models.
        #[arg(long)]
        models: usize,
        /// The folder to write the fragments into; created if missing.
        #[arg(long)]
        out: PathBuf,
    },
}

/// How `validate` and `lint` print what they found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// rustc-style text on stderr.
    Human,
    /// One document with every diagnostic (its shape is in the README).
    Json,
    /// SARIF 2.1.0, for code scanning (GitHub, GitLab, Azure DevOps).
    Sarif,
    /// GitHub Actions workflow commands: an annotation per diagnostic.
    Github,
}

/// The report options `validate` and `lint` share.
#[derive(Debug, Args)]
pub struct ReportArgs {
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t = ReportFormat::Human)]
    pub format: ReportFormat,

    /// Count the diagnostics per code instead of printing each (human or json).
    #[arg(long)]
    pub summary: bool,

    /// Exit 1 when there are more than N warnings.
    #[arg(long, value_name = "N")]
    pub max_warnings: Option<usize>,
}

#[derive(Debug, Args)]
pub struct DiagramArgs {
    #[command(flatten)]
    pub schema: SchemaArgs,

    /// Only this domain (a fragment's name: `theater` for schema/theater.prisma), with its neighbours faded; may be repeated.
    #[arg(long, value_name = "NAME")]
    pub domain: Vec<String>,

    /// What to write.
    #[arg(long, value_enum, default_value_t = DiagramFormat::Mermaid)]
    pub format: DiagramFormat,

    /// Who lays out an SVG: ehrdb itself, or Graphviz's `dot` when it is installed.
    #[arg(long, value_enum, default_value_t = DiagramLayout::Builtin)]
    pub layout: DiagramLayout,

    /// Write to this file instead of stdout.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,

    /// Write nothing; exit 1 when --out is stale.
    #[arg(long, requires = "out")]
    pub check: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiagramFormat {
    /// A Mermaid erDiagram (GitHub and GitLab render it).
    Mermaid,
    /// Graphviz DOT.
    Dot,
    /// A picture, laid out and drawn by ehrdb.
    Svg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DiagramLayout {
    /// ehrdb's own layout, the same on every machine.
    Builtin,
    /// Graphviz's `dot -Tsvg`.
    Dot,
}
