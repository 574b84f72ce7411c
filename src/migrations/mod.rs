//! The migrations folder: its migrations, the names of new ones, the
//! `ehrdb.sum` that guards them ([`sum`]) and the splitter that cuts their
//! SQL into statements ([`split`]).
//!
//! [`load`] takes the folder and returns its [`Migration`]s in history
//! order, each with its files read and its markers parsed. A missing folder
//! is an error ([`load_or_empty`] is for the commands that start one). Anything that is not a well-formed migration (a
//! misnamed folder, a missing `up.sql`, a stray file, two folders with one
//! timestamp, a file that is not UTF-8, a marker out of place) is an error
//! that names the folder or file: running a half-understood history against
//! a clinical database is worse than stopping. Nothing here writes a
//! migration, diffs schemas or opens a connection.
//!
//! A migration's version is the 14 digits of its folder's UTC timestamp
//! (`20250314093000` for `20250314_093000_add_ward`): it sorts as text and
//! as a number, fits an `i64`, and is what the database's history table
//! records and what `--to VERSION` takes ([`parse_version`] also accepts the
//! folder's spelling).

use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

mod names;
pub mod split;
pub mod steps;
pub mod sum;

pub use names::{MAX_NAME_BYTES, check_name, folder_name, parse_version};
pub use split::{Statement, split};
pub use steps::{Step, StepKind};
pub use sum::{SumError, sum, verify, write_sum};

pub const UP_FILE: &str = "up.sql";
pub const DOWN_FILE: &str = "down.sql";
pub const SCHEMA_FILE: &str = "schema.prisma";
pub const SUM_FILE: &str = "ehrdb.sum";
/// Notes for humans, allowed in the folder and in each migration.
pub const README_FILE: &str = "README.md";

/// First line of an `up.sql` whose statements cannot run inside a
/// transaction (`CREATE INDEX CONCURRENTLY`, `ALTER TYPE ... ADD VALUE` on
/// PostgreSQL before 12).
pub const NO_TRANSACTION_MARKER: &str = "-- ehrdb:no-transaction";
/// First line of a `down.sql` that cannot undo its migration (dropped data
/// cannot come back); rollback refuses it as it refuses a missing down.sql.
pub const IRREVERSIBLE_MARKER: &str = "-- ehrdb:irreversible";

/// One migration folder, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Migration {
    /// The folder's timestamp as 14 digits, `YYYYMMDDHHMMSS` (UTC).
    pub version: String,
    /// The lower snake case name after the timestamp.
    pub name: String,
    pub dir: PathBuf,
    pub up: String,
    pub down: Option<String>,
    /// The merged schema after this migration, which the next `ehrdb
    /// migrate` diffs against.
    pub schema: Option<String>,
    /// sha256 of `up.sql` in lower-case hex: what a database records when it
    /// applies the migration, so a later edit of the file is caught there.
    pub checksum: String,
    /// `up.sql` starts with [`NO_TRANSACTION_MARKER`].
    pub no_transaction: bool,
    /// `down.sql` starts with [`NO_TRANSACTION_MARKER`].
    pub down_no_transaction: bool,
    /// `down.sql` is missing or starts with [`IRREVERSIBLE_MARKER`].
    pub irreversible: bool,
}

impl Migration {
    /// The folder's name, `YYYYMMDD_HHMMSS_name`.
    pub fn folder(&self) -> String {
        format!("{}_{}_{}", &self.version[..8], &self.version[8..], self.name)
    }

    /// The steps of `up.sql` ([`steps`]), checked when it was loaded.
    pub fn up_steps(&self) -> Vec<Step<'_>> {
        steps::steps(&self.up, self.no_transaction).expect("load checked the step markers")
    }

    /// The steps of `down.sql`, `None` without one.
    pub fn down_steps(&self) -> Option<Vec<Step<'_>>> {
        let down = self.down.as_deref()?;
        Some(steps::steps(down, self.down_no_transaction).expect("load checked the step markers"))
    }

    /// The files that make the migration, in the fixed order `ehrdb.sum`
    /// hashes them; absent ones are `None`.
    pub fn files(&self) -> [(&'static str, Option<&str>); 3] {
        [(UP_FILE, Some(&self.up)), (DOWN_FILE, self.down.as_deref()), (SCHEMA_FILE, self.schema.as_deref())]
    }
}

/// Reads every migration under `dir`, oldest first. A missing folder is
/// an error: a command that reads a history must not take a mistyped
/// `--migrations` for an empty one and report "up to date".
pub fn load(dir: &Path) -> Result<Vec<Migration>> {
    load_or_empty(dir)?.with_context(|| {
        format!(
            "the migrations folder {} does not exist; give the right one with --migrations or `migrations` in \
             ehrdb.toml (`ehrdb migrate NAME` creates it with the first migration)",
            dir.display()
        )
    })
}

/// Every migration under `dir`, or `None` when the folder does not exist
/// (before the first `ehrdb migrate`).
pub fn load_or_empty(dir: &Path) -> Result<Option<Vec<Migration>>> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == ErrorKind::NotFound => return Ok(None),
        Err(error) => {
            return Err(error).with_context(|| format!("cannot read the migrations folder {}", dir.display()));
        }
    };
    let mut migrations = Vec::new();
    for entry in entries {
        let entry = entry.with_context(|| format!("cannot read the migrations folder {}", dir.display()))?;
        let path = entry.path();
        let Some(name) = entry.file_name().to_str().map(str::to_owned) else {
            bail!("{}: the name is not UTF-8; a migration folder is named YYYYMMDD_HHMMSS_name", path.display());
        };
        // Editors and operating systems leave dot files (.DS_Store, .gitkeep).
        if name.starts_with('.') {
            continue;
        }
        let metadata = std::fs::metadata(&path).with_context(|| format!("cannot read {}", path.display()))?;
        if metadata.is_dir() {
            migrations.push(load_one(&path, &name)?);
        } else if name != SUM_FILE && name != README_FILE {
            bail!(
                "{}: unexpected file in the migrations folder, which holds only migration folders \
                 (YYYYMMDD_HHMMSS_name/), {SUM_FILE} and {README_FILE}",
                path.display()
            );
        }
    }
    migrations.sort_by(|a, b| a.version.cmp(&b.version).then_with(|| a.name.cmp(&b.name)));
    for pair in migrations.windows(2) {
        if pair[0].version == pair[1].version {
            bail!(
                "{} and {} have the same timestamp; each migration needs its own, because the timestamp \
                 orders the history: rename the folder of the one written later",
                pair[0].dir.display(),
                pair[1].dir.display()
            );
        }
    }
    Ok(Some(migrations))
}

/// Reads one migration folder.
fn load_one(dir: &Path, folder: &str) -> Result<Migration> {
    let (version, name) = names::parse_folder(folder).map_err(|problem| {
        anyhow::anyhow!(
            "{}: not a migration folder name ({problem}); migration folders are named \
             YYYYMMDD_HHMMSS_snake_case_name (UTC), as `ehrdb migrate NAME` writes them",
            dir.display()
        )
    })?;
    for entry in
        std::fs::read_dir(dir).with_context(|| format!("cannot read the migration folder {}", dir.display()))?
    {
        let entry = entry.with_context(|| format!("cannot read the migration folder {}", dir.display()))?;
        let file = entry.file_name();
        let known = [UP_FILE, DOWN_FILE, SCHEMA_FILE, README_FILE];
        // Anything else (Up.sql, down.SQL, a second script) would be silently
        // left out of the migration and of its checksum.
        if !file.to_str().is_some_and(|f| f.starts_with('.') || known.contains(&f)) {
            bail!(
                "{}: unexpected file in a migration folder, which holds {UP_FILE}, {DOWN_FILE}, {SCHEMA_FILE} \
                 and {README_FILE} only",
                entry.path().display()
            );
        }
    }
    let up = read_text(&dir.join(UP_FILE))?.ok_or_else(|| {
        anyhow::anyhow!("{}: no {UP_FILE}; every migration needs one, even if it is empty", dir.display())
    })?;
    let down = read_text(&dir.join(DOWN_FILE))?;
    let schema = read_text(&dir.join(SCHEMA_FILE))?;

    let no_transaction = first_line_marker(&dir.join(UP_FILE), &up, NO_TRANSACTION_MARKER)?;
    let (irreversible, down_no_transaction) = match &down {
        Some(down) => (
            first_line_marker(&dir.join(DOWN_FILE), down, IRREVERSIBLE_MARKER)?,
            first_line_marker(&dir.join(DOWN_FILE), down, NO_TRANSACTION_MARKER)?,
        ),
        None => (true, false),
    };
    for (file, text, header) in [(UP_FILE, Some(&up), no_transaction), (DOWN_FILE, down.as_ref(), down_no_transaction)]
    {
        if let Some(Err((line, why))) = text.map(|text| steps::steps(text, header)) {
            bail!("{}:{line}: {why}", dir.join(file).display());
        }
    }
    Ok(Migration {
        version,
        name,
        dir: dir.to_path_buf(),
        checksum: hex(&Sha256::digest(up.as_bytes())),
        up,
        down,
        schema,
        no_transaction,
        down_no_transaction,
        irreversible,
    })
}

/// A file's text, `None` when it does not exist.
fn read_text(path: &Path) -> Result<Option<String>> {
    crate::input::read_text_if_exists(path)
}

/// Whether `marker` is the file's first line. A marker anywhere else is an
/// error: it would look like it works and be ignored.
fn first_line_marker(path: &Path, text: &str, marker: &str) -> Result<bool> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (index, line) in text.lines().enumerate() {
        if line.trim() == marker {
            if index == 0 {
                return Ok(true);
            }
            bail!("{}:{}: `{marker}` counts only as the file's first line; move it there", path.display(), index + 1);
        }
    }
    Ok(false)
}

/// Lower-case hex of a digest.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}
