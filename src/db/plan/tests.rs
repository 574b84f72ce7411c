use std::path::PathBuf;

use super::*;

fn migration(version: &str, name: &str, up: &str) -> Migration {
    use sha2::{Digest, Sha256};
    let checksum = Sha256::digest(up.as_bytes()).iter().map(|b| format!("{b:02x}")).collect();
    Migration {
        version: version.to_owned(),
        name: name.to_owned(),
        dir: PathBuf::from(format!("migrations/{}_{}_{name}", &version[..8], &version[8..])),
        up: up.to_owned(),
        down: Some("SELECT 1;".to_owned()),
        schema: None,
        checksum,
        no_transaction: false,
        down_no_transaction: false,
        irreversible: false,
    }
}

fn row(migration: &Migration, state: RowState) -> AppliedMigration {
    AppliedMigration {
        version: migration.version.clone(),
        name: migration.name.clone(),
        checksum: migration.checksum.clone(),
        applied_at: "2026-11-24T10:00:00Z".to_owned(),
        execution_ms: 3,
        applied_by: "ehr".to_owned(),
        ehrdb_version: "0.1.0".to_owned(),
        state,
        statements_done: 1,
        error: None,
    }
}

fn disk() -> Vec<Migration> {
    vec![
        migration("20261101000000", "a", "CREATE TABLE a ();"),
        migration("20261102000000", "b", "CREATE TABLE b ();"),
        migration("20261103000000", "c", "CREATE TABLE c ();"),
    ]
}

fn states<'a>(entries: &[Entry<'a>]) -> Vec<(&'a str, State)> {
    entries.iter().map(|e| (e.version, e.state)).collect()
}

#[test]
fn every_version_gets_its_state() {
    let disk = disk();
    let mut edited = row(&disk[1], RowState::Applied);
    edited.checksum = "0".repeat(64);
    let mut gone = row(&disk[0], RowState::Applied);
    gone.version = "20261031000000".to_owned();
    let history = vec![gone, row(&disk[0], RowState::Applied), edited];
    let entries = reconcile(&disk, &history);
    assert_eq!(
        states(&entries),
        [
            ("20261031000000", State::Missing),
            ("20261101000000", State::Applied),
            ("20261102000000", State::Modified),
            ("20261103000000", State::Pending),
        ]
    );
    assert!(entries[2].change().unwrap().starts_with("up.sql changed since it was applied"));
    assert!(!up_to_date(&entries));
}

#[test]
fn a_renamed_folder_is_modified() {
    let disk = disk();
    let mut renamed = row(&disk[0], RowState::Applied);
    renamed.name = "old_name".to_owned();
    let entries = reconcile(&disk[..1], std::slice::from_ref(&renamed));
    assert_eq!(entries[0].state, State::Modified);
    assert_eq!(entries[0].change().unwrap(), "the folder was renamed (applied as \"old_name\")");
}

#[test]
fn apply_plans_the_pending_ones_up_to_the_target() {
    let disk = disk();
    let history = vec![row(&disk[0], RowState::Applied)];
    let entries = reconcile(&disk, &history);
    let plan = apply_plan(&entries, None).unwrap();
    assert_eq!(states(&plan), [("20261102000000", State::Pending), ("20261103000000", State::Pending)]);
    let plan = apply_plan(&entries, Some("20261102000000")).unwrap();
    assert_eq!(plan.len(), 1);
    let error = apply_plan(&entries, Some("20261109000000")).unwrap_err().to_string();
    assert!(error.contains("no migration with that version"), "{error}");
}

#[test]
fn apply_resumes_a_failed_or_partial_migration() {
    let disk = disk();
    let history = vec![row(&disk[0], RowState::Applied), row(&disk[1], RowState::Failed)];
    let entries = reconcile(&disk, &history);
    assert_eq!(entries[1].state, State::Failed);
    let plan = apply_plan(&entries, None).unwrap();
    assert_eq!(states(&plan), [("20261102000000", State::Failed), ("20261103000000", State::Pending)]);
}

#[test]
fn apply_refuses_modified_missing_and_out_of_order_histories() {
    let disk = disk();
    let mut edited = row(&disk[0], RowState::Applied);
    edited.checksum = "f".repeat(64);
    let error = apply_plan(&reconcile(&disk, &[edited]), None).unwrap_err().to_string();
    assert!(error.starts_with("migration 20261101_000000_a was applied to this database and has been changed"));

    let error = apply_plan(&reconcile(&disk[1..], &[row(&disk[0], RowState::Applied)]), None).unwrap_err();
    assert!(error.to_string().starts_with("migration 20261101_000000_a is applied to this database but is not in"));

    let history = vec![row(&disk[1], RowState::Applied)];
    let error = apply_plan(&reconcile(&disk, &history), None).unwrap_err().to_string();
    assert!(error.starts_with("migration 20261101_000000_a is pending but older than 20261102000000"), "{error}");
}

#[test]
fn rollback_takes_the_newest_first() {
    let disk = disk();
    let history: Vec<_> = disk.iter().map(|m| row(m, RowState::Applied)).collect();
    let entries = reconcile(&disk, &history);
    let versions = |plan: Vec<Entry>| plan.iter().map(|e| e.version.to_owned()).collect::<Vec<_>>();
    assert_eq!(
        versions(rollback_plan(&entries, RollbackTarget::Steps(2), false).unwrap()),
        ["20261103000000", "20261102000000"]
    );
    assert_eq!(
        versions(rollback_plan(&entries, RollbackTarget::To("20261101000000"), false).unwrap()),
        ["20261103000000", "20261102000000"]
    );
    assert_eq!(rollback_plan(&entries, RollbackTarget::All, false).unwrap().len(), 3);
    assert_eq!(rollback_plan(&entries, RollbackTarget::Steps(3), false).unwrap().len(), 3);
    let error = rollback_plan(&entries, RollbackTarget::Steps(9), false).unwrap_err().to_string();
    assert_eq!(error, "--steps 9: only 3 migrations are applied to this database; --all rolls back every one");
    assert!(rollback_plan(&entries, RollbackTarget::To("20261109000000"), false).is_err());
}

#[test]
fn rollback_refuses_what_it_cannot_undo() {
    let mut disk = disk();
    disk[2].irreversible = true;
    let history: Vec<_> = disk.iter().map(|m| row(m, RowState::Applied)).collect();
    let error = rollback_plan(&reconcile(&disk, &history), RollbackTarget::Steps(1), false).unwrap_err();
    assert!(error.to_string().contains("marked `-- ehrdb:irreversible`"), "{error}");

    disk[2].irreversible = false;
    disk[2].down = None;
    let error = rollback_plan(&reconcile(&disk, &history), RollbackTarget::Steps(1), false).unwrap_err();
    assert!(error.to_string().contains("has no down.sql"), "{error}");

    disk[2].down = Some("DROP TABLE c;".to_owned());
    disk[2].checksum = "e".repeat(64);
    let entries = reconcile(&disk, &history);
    let error = rollback_plan(&entries, RollbackTarget::Steps(1), false).unwrap_err().to_string();
    assert!(error.starts_with("refusing to roll back 20261103_000000_c: up.sql changed"), "{error}");
    assert_eq!(rollback_plan(&entries, RollbackTarget::Steps(1), true).unwrap().len(), 1);

    let error = rollback_plan(&reconcile(&disk[..1], &history), RollbackTarget::Steps(1), false).unwrap_err();
    assert!(error.to_string().contains("not in the migrations folder"), "{error}");
}
