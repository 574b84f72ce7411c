//! The index and immutability checks' verdicts on catalog answers built by
//! hand: the statistics window from a reset or a migration, which index
//! of the same ones to keep, each trigger state, and the probe's outcomes.

use std::path::PathBuf;

use super::live::{ImmutabilityFacts, IndexFacts, LiveIndex, LiveTrigger, Server};
use super::probe::{Attempt, TableProbe};
use super::*;
use crate::db::history::{AppliedMigration, RowState};
use crate::fragments::Fragments;
use crate::migrations::Migration;
use crate::sql::QualifiedName;

const SCHEMA: &str = "datasource db {\n  provider = \"postgresql\"\n}\n\n/// @ehrdb.immutable\nmodel Event {\n  \
                      id   Int    @id\n  kind String\n}\n";

/// 2026-11-24T00:00:00Z.
const NOW: i64 = 1_795_478_400;
const DAY: i64 = 86_400;

fn fragments() -> Fragments {
    Fragments::from_texts(vec![("schema/a.prisma".to_owned(), PathBuf::from("schema/a.prisma"), SCHEMA.to_owned())])
}

fn table(name: &str) -> QualifiedName {
    QualifiedName { schema: None, name: name.to_owned() }
}

fn index(name: &str, keys: &str) -> LiveIndex {
    LiveIndex {
        table: table("Event"),
        name: name.to_owned(),
        method: "btree".to_owned(),
        keys: keys.to_owned(),
        classes: "1978".to_owned(),
        expressions: None,
        predicate: None,
        primary: false,
        unique: false,
        exclusion: false,
        backs_constraint: false,
        valid: true,
        serves_foreign_key: false,
        scans: Some(0),
        size: Some(8192),
    }
}

fn connected(indexes: IndexFacts, immutability: ImmutabilityFacts) -> Live {
    Live::Connected(Box::new(Server {
        version: "16.4".to_owned(),
        version_num: 160004,
        settings: Err("not asked".to_owned()),
        session_ssl: Err("not asked".to_owned()),
        client_connections: Err("not asked".to_owned()),
        extensions: Ok(Vec::new()),
        history: Ok(Vec::new()),
        catalog: Err("not asked".to_owned()),
        hba_rules: Err("not asked".to_owned()),
        server_port: Err("not asked".to_owned()),
        replication: Err("not asked".to_owned()),
        pooler: None,
        indexes,
        immutability,
    }))
}

/// `verdict: seen` of every finding of `id`.
fn results(inputs: &Inputs, id: &str) -> Vec<String> {
    run(inputs, Env::Production)
        .into_iter()
        .filter(|f| f.id == id)
        .map(|f| match f.outcome {
            Verdict::Failed(severity) => format!("{}: {}", severity.as_str(), f.seen),
            other => format!("{}: {}", other.as_str(), f.seen),
        })
        .collect()
}

#[test]
fn the_window_counts_from_the_later_of_the_reset_and_the_creating_migration() {
    let fragments = fragments();
    let mut inputs = Inputs::new(&fragments, None);
    let migration = |version: &str, up: &str| Migration {
        version: version.to_owned(),
        name: "m".to_owned(),
        dir: PathBuf::new(),
        up: up.to_owned(),
        down: None,
        schema: None,
        checksum: String::new(),
        no_transaction: false,
        down_no_transaction: false,
        irreversible: false,
    };
    inputs.migrations = Ok(vec![
        migration("20261101000000", "CREATE INDEX \"old_idx\" ON \"Event\" (kind);"),
        migration("20261120000000", "CREATE INDEX \"new_idx\" ON \"Event\" (id, kind);"),
    ]);
    let applied = |version: &str, at: &str| AppliedMigration {
        version: version.to_owned(),
        name: "m".to_owned(),
        checksum: String::new(),
        applied_at: at.to_owned(),
        execution_ms: 1,
        applied_by: String::new(),
        ehrdb_version: String::new(),
        state: RowState::Applied,
        statements_done: 0,
        error: None,
    };
    let facts = |stats_reset: Option<i64>| {
        let mut facts = IndexFacts::empty(NOW, stats_reset);
        let mut kept = index("Event_pkey", "1");
        kept.primary = true;
        facts.indexes = Ok(vec![index("old_idx", "2"), index("new_idx", "1 2"), index("hand_idx", "2 1"), kept]);
        facts
    };
    let check = |inputs: &mut Inputs, stats_reset: Option<i64>| {
        let mut live = connected(facts(stats_reset), ImmutabilityFacts::empty());
        if let Live::Connected(server) = &mut live {
            server.history = Ok(vec![
                applied("20261101000000", "2026-11-01T00:00:00Z"),
                applied("20261120000000", "2026-11-20T00:00:00Z"),
            ]);
        }
        inputs.live = live;
        results(inputs, "index-unused")
    };
    // Never reset: the migrations date two of them; the hand-made one has no age.
    let found = check(&mut inputs, None);
    assert_eq!(found.len(), 3, "{found:#?}");
    assert!(
        found[0].starts_with("P2: 1 index never scanned, 8.0 kB in all: \"old_idx\" on \"Event\" (8.0 kB, 23 days")
    );
    assert!(
        found[1].starts_with("inconclusive: 1 index never scanned so far: \"new_idx\" on \"Event\" (8.0 kB, 4 days")
    );
    assert_eq!(found[2], "inconclusive: 1 index never scanned: \"hand_idx\" on \"Event\" (8.0 kB)");
    // A reset two days ago makes all three young.
    let found = check(&mut inputs, Some(NOW - 2 * DAY));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].starts_with("inconclusive: 3 indexes never scanned so far:"), "{found:#?}");
    // A window of 0 days decides at once; the primary key never counts.
    inputs.stats_window_days = 0;
    let found = check(&mut inputs, Some(NOW - 2 * DAY));
    assert_eq!(found.len(), 1, "{found:#?}");
    assert!(found[0].starts_with("P2: 3 indexes never scanned, 24 kB in all") && !found[0].contains("pkey"));
}

#[test]
fn of_the_same_indexes_the_key_or_the_unique_one_is_kept() {
    let fragments = fragments();
    let mut inputs = Inputs::new(&fragments, None);
    let mut facts = IndexFacts::empty(NOW, None);
    let (mut pkey, mut unique, mut other) = (index("Event_pkey", "1"), index("Event_id_key", "2"), index("b", "2"));
    pkey.primary = true;
    unique.unique = true;
    other.scans = Some(9);
    let mut invalid = index("Event_id_idx", "1");
    invalid.valid = false;
    facts.indexes = Ok(vec![pkey, index("a", "1"), unique, other, index("c", "2"), invalid]);
    inputs.live = connected(facts, ImmutabilityFacts::empty());
    assert_eq!(
        results(&inputs, "index-duplicate"),
        [
            "P2: 2 sets of the same index: \"Event_pkey\" and \"a\" on \"Event\": keep \"Event_pkey\" (the primary key), \
          drop \"a\"; \"Event_id_key\", \"b\" and \"c\" on \"Event\": keep \"Event_id_key\" (unique), drop \"b\", \"c\""
        ]
    );
    assert_eq!(results(&inputs, "index-invalid"), ["P1: 1 index invalid: \"Event_id_idx\" on \"Event\""]);
}

#[test]
fn each_trigger_state_and_probe_outcome_has_its_verdict() {
    let fragments = fragments();
    let mut inputs = Inputs::new(&fragments, None);
    let trigger = |name: &str, enabled: &str, kind: i32, function: &str| LiveTrigger {
        table: table("Event"),
        name: name.to_owned(),
        enabled: enabled.to_owned(),
        kind,
        function: function.to_owned(),
    };
    let mut check = |row: LiveTrigger, probe: Option<TableProbe>| {
        let mut facts = ImmutabilityFacts::empty();
        facts.triggers = Ok(vec![row, trigger("ehrdb_immutable_truncate", "O", 2 | 32, "ehrdb_immutable")]);
        facts.probe = probe.map(|p| Ok(vec![p]));
        inputs.live = connected(IndexFacts::empty(NOW, None), facts);
        (results(&inputs, "immutable-triggers").concat(), results(&inputs, "immutable-probe").concat())
    };
    let row = |enabled: &str| trigger("ehrdb_immutable_row", enabled, 1 | 2 | 8 | 16, "ehrdb_immutable");
    assert_eq!(check(row("O"), None).0, "passed: 1 immutable table with both triggers enabled");
    assert_eq!(check(row("A"), None).0, "passed: 1 immutable table with both triggers enabled");
    assert_eq!(check(row("D"), None).0, "P0: \"Event\": ehrdb_immutable_row is disabled (tgenabled D)");
    assert!(check(row("R"), None).0.starts_with("P0: \"Event\": ehrdb_immutable_row fires only in replica sessions"));
    let other = trigger("ehrdb_immutable_row", "O", 1 | 2 | 8 | 16, "audit");
    assert_eq!(check(other, None).0, "P0: \"Event\": ehrdb_immutable_row calls \"audit\"()");
    let after = trigger("ehrdb_immutable_row", "O", 1 | 8 | 16, "ehrdb_immutable");
    assert!(check(after, None).0.ends_with("is not BEFORE UPDATE OR DELETE FOR EACH ROW"));
    let missing = trigger("something_else", "O", 1 | 2 | 8 | 16, "ehrdb_immutable");
    assert_eq!(check(missing, None).0, "P0: \"Event\": no ehrdb_immutable_row trigger");

    assert!(check(row("O"), None).1.starts_with("skipped: "));
    let probe = |update: Attempt, delete: Attempt| Some(TableProbe { table: table("Event"), update, delete });
    let refused = |op: &str| Attempt::Refused(format!("ehrdb: \"Event\" is immutable: {op} is not allowed"));
    assert!(check(row("O"), probe(refused("UPDATE"), refused("DELETE"))).1.starts_with("passed: "));
    let allowed = Attempt::Allowed("the DELETE went through".to_owned());
    assert_eq!(
        check(row("O"), probe(refused("UPDATE"), allowed)).1,
        "P0: \"Event\": DELETE allowed (the DELETE went through)"
    );
    let locked = Attempt::Undecided("lock timeout".to_owned());
    assert_eq!(check(row("O"), probe(locked.clone(), locked)).1, "inconclusive: \"Event\": not tried (lock timeout)");
    inputs.live = connected(IndexFacts::empty(NOW, None), ImmutabilityFacts::empty());
    assert_eq!(
        results(&inputs, "immutable-function"),
        ["P0: \"ehrdb_immutable\"() does not exist: no immutable table is guarded"]
    );
}
