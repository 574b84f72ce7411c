//! `ehrdb.sum`: a chained sha256 over every migration, so an edited,
//! removed, renamed or merge-conflicting migration is caught before it
//! reaches a database.
//!
//! [`sum`] takes the loaded migrations and returns the file's text;
//! [`verify`] compares the file with the migrations and returns the first
//! problem as a [`SumError`] that names the migration and has a
//! [`help`](SumError::help) line. Nothing here writes a migration or
//! decides whether a problem may be overridden; the commands do.
//!
//! The format, one record per line, `\n` line ends:
//!
//! ```text
//! ehrdb.sum v1
//! 20250101_090000_init 6f1c...(64 hex digits)
//! 20250214_101500_add_ward 0a9e...
//! total 3d27...
//! ```
//!
//! A migration's hash is the sha256 of
//! `<previous hash>\n<folder>\n` followed, for each of `up.sql`, `down.sql`
//! and `schema.prisma` that exists, in that order, by
//! `<file name> <length in bytes>\n<contents>\n`; the first migration's
//! previous hash is 64 zeros. The lengths keep file boundaries unambiguous.
//! Chaining makes every hash depend on the whole history before it, so two
//! branches that each add a migration write different last lines and git
//! reports a conflict instead of merging them silently. Each line is checked
//! against the previous line's recorded hash, so an edit is pinned on the
//! migration that changed, not on every one after it. The `total` line is the
//! sha256 of all the text above it: a file cut short or edited by hand
//! fails it.

use std::fmt;
use std::path::Path;

use anyhow::{Context, Result};
use sha2::{Digest, Sha256};

use super::{Migration, SUM_FILE, hex, names};
use crate::collections::{HashMap, HashSet};

const HEADER: &str = "ehrdb.sum v1";
const TOTAL: &str = "total";
const FIRST_PREVIOUS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Why `ehrdb.sum` does not match the migrations folder. Each names the
/// migration (its folder) and knows how to fix it ([`SumError::help`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SumError {
    /// A file of the migration changed after the sum was written.
    Edited { migration: String },
    /// In the sum, not on disk.
    Missing { migration: String },
    /// On disk after the last recorded migration, not in the sum: written
    /// by hand, or merged from a branch whose ehrdb.sum lost the merge.
    Unrecorded { migration: String },
    /// The folder's timestamp changed (the name after it did not), which
    /// moves it in the history.
    Reordered { migration: String, recorded_as: String },
    /// Two branches each added a migration on top of the same history:
    /// `ehrdb.sum` has git conflict markers (`ours` from the first side,
    /// `theirs` from the second), or one side's migration is not recorded
    /// and is older than a recorded one (`ours` the recorded, `theirs` the
    /// unrecorded), or two or more unrecorded migrations follow the last
    /// recorded one (`ours` the older, `theirs` the newer).
    Conflict { ours: String, theirs: String },
    /// A line that is not what ehrdb writes (1-based).
    Malformed { line: usize, problem: String },
    /// The folder has migrations but no `ehrdb.sum`.
    NoSum,
    /// `ehrdb.sum` exists but cannot be read.
    Unreadable { problem: String },
}

impl fmt::Display for SumError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SumError::Edited { migration } => {
                write!(f, "migration {migration} was changed after {SUM_FILE} recorded it")
            }
            SumError::Missing { migration } => {
                write!(f, "migration {migration} is recorded in {SUM_FILE} but its folder is gone")
            }
            SumError::Unrecorded { migration } => write!(f, "migration {migration} is not recorded in {SUM_FILE}"),
            SumError::Reordered { migration, recorded_as } => write!(
                f,
                "migration {migration} was recorded in {SUM_FILE} as {recorded_as}: its timestamp, and so its \
                 place in the history, changed"
            ),
            SumError::Conflict { ours, theirs } => write!(
                f,
                "migrations {ours} and {theirs} were written on separate branches on top of the same history \
                 and merged"
            ),
            SumError::Malformed { line, problem } => write!(f, "{SUM_FILE} line {line}: {problem}"),
            SumError::NoSum => write!(f, "the migrations folder has migrations but no {SUM_FILE}"),
            SumError::Unreadable { problem } => write!(f, "cannot read {SUM_FILE}: {problem}"),
        }
    }
}

impl std::error::Error for SumError {}

impl SumError {
    /// How to fix it, in one line.
    pub fn help(&self) -> String {
        const REHASH: &str = "`ehrdb migrate --rehash`";
        match self {
            SumError::Edited { migration } => format!(
                "databases that applied {migration} keep the old version: undo the edit (restore its files from \
                 version control) and write the change as a new migration with `ehrdb migrate NAME`; if it was never \
                 applied anywhere, review it and run {REHASH}"
            ),
            SumError::Missing { migration } => format!(
                "restore the folder of {migration} from version control; if it was removed on purpose and never \
                 applied anywhere, run {REHASH}"
            ),
            SumError::Unrecorded { migration } => format!(
                "migrations are recorded by `ehrdb migrate NAME`, which writes them; if {migration} came from \
                 another branch, delete it and write it again with `ehrdb migrate NAME` on top of the current \
                 history; if it is wanted as it is, review it and run {REHASH}"
            ),
            SumError::Reordered { recorded_as, .. } => format!(
                "rename the folder back to {recorded_as}; if the new order is intended and neither migration was \
                 applied anywhere, run {REHASH}"
            ),
            SumError::Conflict { ours, theirs } => format!(
                "keep {ours} and write {theirs} again on top of it: restore {SUM_FILE} from the branch that has \
                 {ours}, delete the folder of {theirs} and run `ehrdb migrate NAME`; when both are wanted as they \
                 are, review that they do not touch the same tables and run {REHASH}"
            ),
            SumError::Malformed { .. } => format!(
                "{SUM_FILE} is written by ehrdb: restore it from version control, or review the migrations and \
                 run {REHASH}"
            ),
            SumError::NoSum => format!("review the migrations and run {REHASH} to record them"),
            SumError::Unreadable { .. } => format!("check the file's permissions, or run {REHASH} to rewrite it"),
        }
    }
}

/// The text of `ehrdb.sum` for `migrations` (in history order).
pub fn sum(migrations: &[Migration]) -> String {
    let mut text = format!("{HEADER}\n");
    let mut previous = FIRST_PREVIOUS.to_owned();
    for migration in migrations {
        previous = link(&previous, migration);
        text.push_str(&format!("{} {previous}\n", migration.folder()));
    }
    let total = hex(&Sha256::digest(text.as_bytes()));
    text.push_str(&format!("{TOTAL} {total}\n"));
    text
}

/// Writes `ehrdb.sum` into `dir` through a temporary file, so a crash never
/// leaves half a sum.
pub fn write_sum(dir: &Path, migrations: &[Migration]) -> Result<()> {
    let path = dir.join(SUM_FILE);
    let temporary = dir.join(format!(".{SUM_FILE}.tmp"));
    std::fs::write(&temporary, sum(migrations)).with_context(|| format!("cannot write {}", temporary.display()))?;
    std::fs::rename(&temporary, &path).with_context(|| format!("cannot write {}", path.display()))
}

/// One migration's chained hash.
fn link(previous: &str, migration: &Migration) -> String {
    let mut hasher = Sha256::new();
    hasher.update(format!("{previous}\n{}\n", migration.folder()));
    for (file, text) in migration.files() {
        if let Some(text) = text {
            hasher.update(format!("{file} {}\n", text.len()));
            hasher.update(text);
            hasher.update("\n");
        }
    }
    hex(&hasher.finalize())
}

/// One migration line of the file.
struct Record {
    folder: String,
    version: String,
    name: String,
    hash: String,
}

/// Checks `dir/ehrdb.sum` against `migrations` (as [`load`](super::load)
/// returns them) and returns the first problem.
pub fn verify(dir: &Path, migrations: &[Migration]) -> Result<(), SumError> {
    let text = match crate::input::read_text_if_exists(&dir.join(SUM_FILE)) {
        Ok(Some(text)) => text,
        Ok(None) => return if migrations.is_empty() { Ok(()) } else { Err(SumError::NoSum) },
        Err(error) => return Err(SumError::Unreadable { problem: format!("{error:#}") }),
    };
    if let Some(conflict) = merge_conflict(&text) {
        return Err(conflict);
    }
    let (records, total) = parse(&text)?;

    let on_disk: HashMap<String, &Migration> = migrations.iter().map(|m| (m.folder(), m)).collect();
    let recorded: HashSet<&str> = records.iter().map(|r| r.folder.as_str()).collect();
    let missing: Vec<&Record> = records.iter().filter(|r| !on_disk.contains_key(&r.folder)).collect();
    let mut unrecorded: Vec<&Migration> =
        migrations.iter().filter(|m| !recorded.contains(m.folder().as_str())).collect();
    unrecorded.sort_by(|a, b| a.version.cmp(&b.version));

    // A migration whose timestamp changed but whose name did not is the same
    // migration moved, as long as the name identifies it on both sides.
    for record in &missing {
        let same_name = |name: &str| name == record.name;
        let moved: Vec<_> = unrecorded.iter().filter(|m| same_name(&m.name)).collect();
        if moved.len() == 1 && missing.iter().filter(|r| same_name(&r.name)).count() == 1 {
            return Err(SumError::Reordered { migration: moved[0].folder(), recorded_as: record.folder.clone() });
        }
    }
    if let Some(record) = missing.first() {
        return Err(SumError::Missing { migration: record.folder.clone() });
    }
    let last_recorded = records.last().map_or("", |r| r.version.as_str());
    if let Some(early) = unrecorded.iter().find(|m| m.version.as_str() < last_recorded) {
        let ours = records.iter().find(|r| r.version > early.version).expect("a later record exists");
        return Err(SumError::Conflict { ours: ours.folder.clone(), theirs: early.folder() });
    }
    match unrecorded.as_slice() {
        [] => {}
        [only] => return Err(SumError::Unrecorded { migration: only.folder() }),
        [first, second, ..] => return Err(SumError::Conflict { ours: first.folder(), theirs: second.folder() }),
    }

    // Every record now has its migration.
    let mut previous = FIRST_PREVIOUS;
    for record in &records {
        if link(previous, on_disk[&record.folder]) != record.hash {
            return Err(SumError::Edited { migration: record.folder.clone() });
        }
        previous = &record.hash;
    }
    if !total.matches {
        return Err(SumError::Malformed {
            line: total.line,
            problem: "the total does not match the lines above it: the file was edited by hand".to_owned(),
        });
    }
    Ok(())
}

/// The `total` line: where it is and whether it matches the text above.
struct Total {
    line: usize,
    matches: bool,
}

/// The records and the `total` line.
fn parse(text: &str) -> Result<(Vec<Record>, Total), SumError> {
    let malformed = |line: usize, problem: &str| SumError::Malformed { line, problem: problem.to_owned() };
    let lines: Vec<&str> = text.lines().map(|l| l.trim_end_matches('\r')).collect();
    if lines.first() != Some(&HEADER) {
        return Err(malformed(1, &format!("expected the header `{HEADER}`")));
    }
    let mut records: Vec<Record> = Vec::new();
    for (index, line) in lines.iter().enumerate().skip(1) {
        let number = index + 1;
        let Some((key, hash)) = line.split_once(' ') else {
            return Err(malformed(number, "expected `<migration folder> <sha256>` or `total <sha256>`"));
        };
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) {
            return Err(malformed(number, "expected a sha256 of 64 lower-case hex digits after the first space"));
        }
        if key == TOTAL {
            if number != lines.len() {
                return Err(malformed(number + 1, "nothing may follow the `total` line"));
            }
            let above: String = lines[..index].iter().map(|l| format!("{l}\n")).collect();
            let matches = hash == hex(&Sha256::digest(above.as_bytes()));
            return Ok((records, Total { line: number, matches }));
        }
        let (version, name) = names::parse_folder(key)
            .map_err(|problem| malformed(number, &format!("{key:?} is not a migration folder: {problem}")))?;
        if records.last().is_some_and(|r| r.version >= version) {
            return Err(malformed(number, "the migrations are not in timestamp order, or one is listed twice"));
        }
        records.push(Record { folder: key.to_owned(), version, name, hash: hash.to_owned() });
    }
    Err(malformed(lines.len() + 1, "no `total` line: the file is cut short"))
}

/// A merge of two sums, as git leaves it: conflict markers around each
/// side, or (with `merge=union` in .gitattributes) both sides one after the
/// other, each ending in its own `total`. Names the migration each side
/// added.
fn merge_conflict(text: &str) -> Option<SumError> {
    let folder = |line: &str| line.split_once(' ').map(|(key, _)| key.to_owned()).filter(|key| key != TOTAL);
    let (mut ours, mut theirs) = (Vec::new(), Vec::new());
    if text.lines().any(|line| line.starts_with("<<<<<<<")) {
        // Between `<<<<<<<` and `|||||||` or `=======` is the checked-out
        // side, after `=======` the merged one, and `|||||||` opens the base.
        let mut side = None;
        for line in text.lines() {
            match line.get(..7).unwrap_or("") {
                "<<<<<<<" => side = Some(&mut ours),
                "|||||||" | ">>>>>>>" => side = None,
                "=======" => side = Some(&mut theirs),
                _ => side.as_mut().into_iter().for_each(|side| side.extend(folder(line))),
            }
        }
    } else {
        let lines: Vec<&str> = text.lines().collect();
        let totals: Vec<usize> = (0..lines.len()).filter(|&i| lines[i].starts_with("total ")).collect();
        if totals.len() < 2 {
            return None;
        }
        // Union keeps the common lines once: ours is the last migration
        // before the first total, theirs follows it.
        ours.extend(lines[..totals[0]].iter().rev().find_map(|l| folder(l)));
        theirs.extend(lines[totals[0] + 1..totals[1]].iter().filter_map(|l| folder(l)));
    }
    let first_only = |side: &[String], other: &[String]| {
        side.iter().find(|f| !other.contains(f)).or(side.first()).cloned().unwrap_or_else(|| "(none)".to_owned())
    };
    Some(SumError::Conflict { ours: first_only(&ours, &theirs), theirs: first_only(&theirs, &ours) })
}
