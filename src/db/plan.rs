//! Where a database stands against the migrations folder, and what a run
//! would do about it.
//!
//! Takes the migrations on disk and the rows of the history table and
//! returns one [`Entry`] per version with its [`State`], and the plans
//! `apply` and `rollback` follow, or the reason they must refuse. Pure:
//! no connection, no printing, so every rule here is unit-tested.

use std::collections::BTreeMap;

use anyhow::{Result, bail};

use super::history::{AppliedMigration, RowState};
use crate::migrations::Migration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum State {
    /// Applied, with the checksum of the file on disk.
    Applied,
    /// On disk, not in the database.
    Pending,
    /// Applied, but `up.sql` (or the folder's name) changed since.
    Modified,
    /// In the database, not on disk.
    Missing,
    /// A no-transaction migration whose statement failed.
    Failed,
    /// A no-transaction migration that stopped part-way (a crash).
    Partial,
    /// A rollback of several steps that stopped part-way: `ehrdb rollback`
    /// finishes it.
    #[serde(rename = "rolling back")]
    RollingBack,
}

impl State {
    pub fn as_str(self) -> &'static str {
        match self {
            State::Applied => "applied",
            State::Pending => "pending",
            State::Modified => "modified",
            State::Missing => "missing",
            State::Failed => "failed",
            State::Partial => "partial",
            State::RollingBack => "rolling back",
        }
    }
}

/// One version, as the folder and the database see it.
#[derive(Debug, Clone, Copy)]
pub struct Entry<'a> {
    pub version: &'a str,
    pub state: State,
    pub migration: Option<&'a Migration>,
    pub applied: Option<&'a AppliedMigration>,
}

impl Entry<'_> {
    /// The folder name, or what the database recorded for a missing one.
    pub fn folder(&self) -> String {
        match (self.migration, self.applied) {
            (Some(migration), _) => migration.folder(),
            (None, Some(applied)) => {
                format!("{}_{}_{}", &applied.version[..8], &applied.version[8..], applied.name)
            }
            (None, None) => self.version.to_owned(),
        }
    }

    /// Why a modified entry is modified.
    pub fn change(&self) -> Option<String> {
        let (migration, applied) = (self.migration?, self.applied?);
        if migration.checksum != applied.checksum {
            Some(format!(
                "up.sql changed since it was applied (sha256 {} then, {} now)",
                &applied.checksum[..12],
                &migration.checksum[..12]
            ))
        } else if migration.name != applied.name {
            Some(format!("the folder was renamed (applied as {:?})", applied.name))
        } else {
            None
        }
    }
}

/// Every version on disk or in the database, oldest first.
pub fn reconcile<'a>(disk: &'a [Migration], history: &'a [AppliedMigration]) -> Vec<Entry<'a>> {
    let mut versions: BTreeMap<&str, (Option<&Migration>, Option<&AppliedMigration>)> = BTreeMap::new();
    for migration in disk {
        versions.entry(&migration.version).or_default().0 = Some(migration);
    }
    for applied in history {
        versions.entry(&applied.version).or_default().1 = Some(applied);
    }
    versions
        .into_iter()
        .map(|(version, (migration, applied))| {
            let state = match (migration, applied) {
                (Some(_), None) => State::Pending,
                (None, _) => State::Missing,
                (Some(_), Some(applied)) if applied.state == RowState::Failed => State::Failed,
                (Some(_), Some(applied)) if applied.state == RowState::Partial => State::Partial,
                (Some(_), Some(applied)) if applied.state == RowState::RollingBack => State::RollingBack,
                (Some(migration), Some(applied)) => {
                    if migration.checksum == applied.checksum && migration.name == applied.name {
                        State::Applied
                    } else {
                        State::Modified
                    }
                }
            };
            Entry { version, state, migration, applied }
        })
        .collect()
}

/// Whether nothing is pending or wrong.
pub fn up_to_date(entries: &[Entry]) -> bool {
    entries.iter().all(|e| e.state == State::Applied)
}

/// The migrations `apply` runs, oldest first, up to and including `to`.
/// Refuses, naming the migration, when the history does not match the
/// folder: a modified or missing migration, or a pending one older than
/// one already applied (it was written without knowing that one). A failed
/// or partial migration is resumed, so it is part of the plan.
pub fn apply_plan<'a>(entries: &[Entry<'a>], to: Option<&str>) -> Result<Vec<Entry<'a>>> {
    if let Some(to) = to {
        if !entries.iter().any(|e| e.version == to && e.migration.is_some()) {
            bail!("--to {to}: no migration with that version in the migrations folder");
        }
    }
    for entry in entries {
        match entry.state {
            State::Modified => bail!(
                "migration {} was applied to this database and has been changed since: {}; \
                 restore the applied version (git log -- {}) and write the change as a new migration",
                entry.folder(),
                entry.change().unwrap_or_default(),
                entry.migration.map(|m| m.dir.display().to_string()).unwrap_or_default()
            ),
            State::Missing => bail!(
                "migration {} is applied to this database but is not in the migrations folder; \
                 this checkout is older than the database, or the folder was deleted: update the checkout",
                entry.folder()
            ),
            State::RollingBack => bail!(
                "migration {} is being rolled back: a rollback of its steps stopped part-way; finish it with \
                 `ehrdb rollback` before applying",
                entry.folder()
            ),
            _ => {}
        }
    }
    let newest_applied = entries.iter().rev().find(|e| e.state == State::Applied).map(|e| e.version);
    let mut plan = Vec::new();
    for entry in entries {
        if to.is_some_and(|to| entry.version > to) {
            break;
        }
        if matches!(entry.state, State::Pending | State::Failed | State::Partial) {
            if let Some(newest) = newest_applied.filter(|newest| entry.version < *newest) {
                bail!(
                    "migration {} is pending but older than {newest}, which is already applied: it was written \
                     without that migration; give it a new timestamp (`ehrdb migrate` again on top of the \
                     current history) rather than apply it out of order",
                    entry.folder()
                );
            }
            plan.push(*entry);
        }
    }
    Ok(plan)
}

/// How far `rollback` goes back.
#[derive(Debug, Clone, Copy)]
pub enum RollbackTarget<'a> {
    Steps(usize),
    /// Undo everything newer than this version.
    To(&'a str),
    All,
}

/// The applied migrations `rollback` undoes, newest first. Refuses, naming
/// the migration, when one of them cannot be undone: not on disk, no
/// down.sql or marked irreversible, changed since it was applied (unless
/// `force`), or failed/partial (its down.sql expects a finished migration).
pub fn rollback_plan<'a>(entries: &[Entry<'a>], target: RollbackTarget, force: bool) -> Result<Vec<Entry<'a>>> {
    let applied: Vec<&Entry> = entries.iter().filter(|e| e.applied.is_some()).collect();
    let chosen: Vec<&Entry> = match target {
        RollbackTarget::Steps(steps) => {
            // More steps than there are migrations is a mistake (a version
            // given as a count?), not a request to undo everything.
            if steps > applied.len() && !applied.is_empty() {
                bail!(
                    "--steps {steps}: only {} applied to this database; --all rolls back every one",
                    match applied.len() {
                        1 => "1 migration is".to_owned(),
                        n => format!("{n} migrations are"),
                    }
                );
            }
            applied.iter().rev().take(steps).copied().collect()
        }
        RollbackTarget::All => applied.iter().rev().copied().collect(),
        RollbackTarget::To(version) => {
            if !applied.iter().any(|e| e.version == version) {
                bail!("--to {version}: that version is not applied to this database");
            }
            applied.iter().rev().take_while(|e| e.version > version).copied().collect()
        }
    };
    for entry in &chosen {
        let folder = entry.folder();
        let Some(migration) = entry.migration else {
            bail!("cannot roll back {folder}: it is not in the migrations folder, so there is no down.sql to run");
        };
        match entry.state {
            State::Failed | State::Partial => bail!(
                "cannot roll back {folder}: it is {} (a migration of several steps that stopped part-way), and its \
                 down.sql expects a finished migration; finish it with `ehrdb apply`, or repair it by hand",
                entry.state.as_str()
            ),
            State::Modified if !force => bail!(
                "refusing to roll back {folder}: {}; its down.sql may not undo what was applied \
                 (--force runs it anyway)",
                entry.change().unwrap_or_default()
            ),
            _ => {}
        }
        if migration.down.is_none() {
            bail!("cannot roll back {folder}: it has no down.sql");
        }
        if migration.irreversible {
            bail!("cannot roll back {folder}: its down.sql is marked `-- ehrdb:irreversible`");
        }
    }
    Ok(chosen.into_iter().copied().collect())
}

pub mod baseline;

#[cfg(test)]
mod tests;
