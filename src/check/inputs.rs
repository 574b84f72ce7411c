//! What the checks read, in one struct the command fills: the schema
//! (checked by [`pipeline::check`], lowered, and its merged text), the
//! files on disk, the URL and the server's answers.
//!
//! [`Inputs::new`] takes parsed fragments and works out everything that
//! follows from them alone; the command sets the rest. Also the helpers the
//! checks share to show diagnostics. Nothing here reads a file or opens a
//! connection.

use std::path::PathBuf;

use super::Live;
use crate::db::url::Target;
use crate::diagnostics::Diagnostics;
use crate::fragments::Fragments;
use crate::merge;
use crate::migrations::{Migration, SumError};
use crate::pipeline::{self, Checked};
use crate::schema::Schema;
use crate::sql::SqlSchema;

/// The default of `--stats-window`: a week covers weekly jobs and reports.
pub const DEFAULT_STATS_WINDOW_DAYS: u32 = 7;

/// Why the application area is skipped when no application was read.
pub const NO_APPLICATION: &str = "no application folder (no package.json above the schema folder; give --app DIR)";

/// Everything the checks read. The command fills it; tests build it from
/// a schema text with [`Inputs::new`] and set what they need.
pub struct Inputs<'a> {
    pub fragments: &'a Fragments,
    /// The merged schema: its datasource, generators and models.
    pub schema: Schema<'a>,
    /// The parser's, the merge's and the validator's, warnings included.
    pub diagnostics: Diagnostics,
    /// The relational model; `None` when the fragments have errors.
    pub lowered: Option<SqlSchema>,
    /// 6 or 7: from ehrdb.toml, else 6 when the datasource has a url.
    pub prisma_major: u8,
    /// What `ehrdb merge` would write.
    pub merged: String,
    pub merged_path: PathBuf,
    /// The merged file as it is on disk; `None` when there is none.
    pub merged_on_disk: Option<String>,
    /// The migrations folder, or why it cannot be read.
    pub migrations: Result<Vec<Migration>, String>,
    /// Whether `ehrdb.sum` matches the migrations.
    pub sum: Result<(), SumError>,
    pub target: Option<Target>,
    /// The `sslmode` and `sslaccept` values as the URL spells them:
    /// Prisma's query engine reads some spellings differently from ehrdb.
    pub sslmode_text: Option<String>,
    pub sslaccept_text: Option<String>,
    /// Application instances sharing the database, when known.
    pub instances: Option<u32>,
    /// The deployment's Prisma binary target, when known.
    pub binary_target: Option<String>,
    /// Cores of this machine: Prisma's default pool size is cores * 2 + 1.
    pub cores: u32,
    /// Days of statistics before a never-scanned index counts as unused.
    pub stats_window_days: u32,
    pub live: Live,
    /// The replicas named with `--replica`, each with its answers.
    pub replicas: Vec<super::live::replication::Replica>,
    /// The application read for the application area, or why there is none.
    pub application: Result<Box<super::application::App>, String>,
}

impl<'a> Inputs<'a> {
    /// The inputs of `fragments` alone: no merged file on disk, an empty
    /// migrations folder, no URL.
    pub fn new(fragments: &'a Fragments, prisma_version: Option<u8>) -> Inputs<'a> {
        let checked = pipeline::check(fragments, prisma_version);
        let lowered = checked.lower();
        let Checked { schema, diagnostics, prisma_major } = checked;
        Inputs {
            fragments,
            schema,
            diagnostics,
            lowered,
            prisma_major,
            merged: merge::render(fragments),
            merged_path: PathBuf::from("schema.prisma"),
            merged_on_disk: None,
            migrations: Ok(Vec::new()),
            sum: Ok(()),
            target: None,
            sslmode_text: None,
            sslaccept_text: None,
            instances: None,
            binary_target: None,
            cores: 1,
            stats_window_days: DEFAULT_STATS_WINDOW_DAYS,
            replicas: Vec::new(),
            live: Live::NoUrl,
            application: Err(NO_APPLICATION.to_owned()),
        }
    }
}

/// The first `limit` diagnostics with `code` (every error when `code` is
/// `None`) as `path:line: message`, and how many there are.
pub(crate) fn diagnostics_seen(inputs: &Inputs, code: Option<&str>, limit: usize) -> (usize, Vec<String>) {
    let sources = &inputs.fragments.sources;
    let matching: Vec<_> = inputs
        .diagnostics
        .sorted()
        .into_iter()
        .filter(|d| match code {
            Some(code) => d.code == code,
            None => d.severity == crate::diagnostics::Severity::Error,
        })
        .collect();
    let shown = matching
        .iter()
        .take(limit)
        .map(|d| {
            let file = sources.get(d.primary.span.file);
            let (line, _) = file.line_col(d.primary.span.start as usize);
            format!("{}:{line}: {}", file.path, d.message)
        })
        .collect();
    (matching.len(), shown)
}

/// `items` joined with "; ", and how many more there are.
pub(crate) fn listed(total: usize, items: &[String]) -> String {
    let mut text = items.join("; ");
    if total > items.len() {
        text.push_str(&format!("; and {} more", total - items.len()));
    }
    text
}
