//! The round trip that catches most SQL bugs, on a real server: for every
//! migrate fixture (a before and an after schema), build the before state,
//! apply up.sql, introspect the catalog and diff it against the after
//! schema (nothing may remain), apply down.sql and compare the catalog with
//! the one before. The same databases are compared with the ones Prisma's
//! own SQL builds (committed under each fixture's `prisma/`), so a database
//! built by ehrdb is the database `prisma migrate` would build.

use std::path::{Path, PathBuf};

use ehrdb::db::introspect;
use ehrdb::fragments::Fragments;

use ehrdb::sql::diff::{diff, reversed};
use ehrdb::sql::{SqlSchema, render, summary::summary};

use ehrdb::migrations;
use sha2::Digest;

use crate::support::{fixtures, lowered, parse, pg, repo};

/// The relational model of a schema file or folder, which must be valid.
fn lower(path: &Path) -> SqlSchema {
    let fragments = Fragments::load_file_or_dir(path).unwrap_or_else(|e| panic!("{e:#}"));
    lowered(&fragments, &path.display().to_string())
}

fn cases() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(fixtures().join("migrate"))
        .expect("tests/fixtures/migrate")
        .map(|entry| entry.expect("a fixture").path())
        .filter(|path| path.join("after.prisma").is_file())
        .collect();
    cases.sort();
    cases
}

/// What a database holds, read back from its catalog.
async fn catalog(db: &pg::TestDb, namespaces: &[&str]) -> SqlSchema {
    let mut conn = db.connect().await;
    introspect::introspect_namespaces(&mut conn, "public", namespaces)
        .await
        .unwrap_or_else(|e| panic!("cannot introspect {}: {e:#}", db.name()))
}

/// The same model without ehrdb's immutability triggers, which Prisma does
/// not know about.
fn without_triggers(mut schema: SqlSchema) -> SqlSchema {
    for table in &mut schema.tables {
        table.immutable = None;
    }
    schema
}

/// Fails with a readable list of what differs.
fn assert_same(case: &str, what: &str, actual: &SqlSchema, expected: &SqlSchema) -> Result<(), String> {
    let changes = diff(actual, expected);
    if changes.is_empty() {
        return Ok(());
    }
    Err(format!("{case}: {what} differs; turning it into what was expected takes:\n{}", summary(&changes)))
}

fn run_case(dir: &Path) -> Result<(), String> {
    let case = dir.file_name().unwrap().to_string_lossy().into_owned();
    let before = lower(&dir.join("before.prisma"));
    let after = lower(&dir.join("after.prisma"));
    let changes = diff(&before, &after);

    // Every namespace either side uses, so a table moved between them is seen.
    let mut namespaces: Vec<&str> = before.namespaces.iter().chain(&after.namespaces).map(String::as_str).collect();
    namespaces.sort_unstable();
    namespaces.dedup();
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let db = pg::database();
    db.psql(&render::script(&diff(&SqlSchema::default(), &before)));
    let at_start = rt.block_on(catalog(&db, &namespaces));
    assert_same(&case, "the database built from before.prisma", &at_start, &before)?;
    // Prisma's path and the lock-safe one reach the same database, and back.
    let mut after_up = SqlSchema::default();
    for (style, script) in [("prisma", render::script as fn(&[_]) -> String), ("safe", render::safe_script)] {
        db.psql(&script(&changes));
        after_up = rt.block_on(catalog(&db, &namespaces));
        assert_same(&case, &format!("the database after the {style} up.sql"), &after_up, &after)?;
        db.psql(&script(&reversed(&changes)));
        let after_down = rt.block_on(catalog(&db, &namespaces));
        assert_same(&case, &format!("the database after the {style} down.sql"), &after_down, &at_start)?;
    }

    // Prisma's own SQL for the same schemas builds the same databases.
    for (file, ours) in [("before.sql", &at_start), ("after.sql", &after_up)] {
        let prisma = pg::database();
        let script = std::fs::read_to_string(dir.join("prisma").join(file)).map_err(|e| format!("{case}: {e}"))?;
        prisma.psql(&script);
        let theirs = rt.block_on(catalog(&prisma, &namespaces));
        assert_same(
            &case,
            &format!("the database Prisma's {file} builds"),
            &without_triggers(ours.clone()),
            &without_triggers(theirs),
        )?;
    }
    Ok(())
}

#[test]
fn every_migrate_fixture_round_trips_and_matches_prisma() {
    let cases = cases();
    assert!(cases.len() >= 40, "only {} migrate fixtures", cases.len());
    let failures: Vec<String> = cases.iter().filter_map(|dir| run_case(dir).err()).collect();
    assert!(failures.is_empty(), "{} of {} cases failed:\n\n{}", failures.len(), cases.len(), failures.join("\n\n"));
}

/// The relational model of a merged schema text (a migration's snapshot).
fn lower_text(name: &str, text: &str) -> SqlSchema {
    let fragments = parse(&[(name, text)]);
    lowered(&fragments, name)
}

#[test]
fn the_example_history_applies_in_order_and_rolls_back_to_empty() {
    let dir = repo().join("migrations");
    let history = migrations::load(&dir).expect("the example's migrations");
    migrations::verify(&dir, &history).expect("the example's ehrdb.sum matches");
    assert!(history.len() >= 5, "{} migrations", history.len());

    // The history ends at the current fragments.
    let current = lower(&repo().join("schema"));
    let last = history.last().unwrap();
    assert_eq!(
        summary(&diff(&lower_text("last snapshot", last.schema.as_deref().unwrap()), &current)),
        "",
        "the fragments changed after {}: run `ehrdb migrate NAME`",
        last.folder()
    );

    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let db = pg::database();
    let mut states = vec![rt.block_on(catalog(&db, &[]))];
    assert_eq!(states[0], SqlSchema::default(), "a fresh database is empty");
    for migration in &history {
        db.psql(&migration.up);
        let now = rt.block_on(catalog(&db, &[]));
        let snapshot = lower_text(&migration.folder(), migration.schema.as_deref().expect("a snapshot"));
        assert_same(&migration.folder(), "the database after up.sql", &now, &snapshot).unwrap();
        states.push(now);
    }
    for (i, migration) in history.iter().enumerate().rev() {
        db.psql(migration.down.as_deref().expect("a down.sql"));
        let now = rt.block_on(catalog(&db, &[]));
        assert_same(&migration.folder(), "the database after down.sql", &now, &states[i]).unwrap();
    }
    // Nothing of ehrdb is left behind, the shared trigger function included.
    assert_eq!(db.psql("SELECT count(*) FROM pg_proc WHERE proname = 'ehrdb_immutable'"), "0\n");
}

#[test]
fn the_example_builds_the_database_prisma_builds() {
    let prisma_sql = std::fs::read_to_string(fixtures().join("example/prisma.sql")).expect("Prisma's SQL");
    let merged = std::fs::read(repo().join("schema.prisma")).expect("schema.prisma");
    let hash = format!("{:x}", sha2::Sha256::digest(&merged));
    assert!(
        prisma_sql.lines().next().is_some_and(|line| line.ends_with(&hash)),
        "tests/fixtures/example/prisma.sql is older than schema.prisma: run scripts/prisma-migrate-fixtures.sh"
    );
    let ours = lower(&repo().join("schema"));
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (ehrdb_db, prisma_db) = (pg::database(), pg::database());
    ehrdb_db.psql(&render::script(&diff(&SqlSchema::default(), &ours)));
    prisma_db.psql(&prisma_sql);
    let (built, expected) = (rt.block_on(catalog(&ehrdb_db, &[])), rt.block_on(catalog(&prisma_db, &[])));
    assert_same("the example", "the database ehrdb builds", &built, &ours).unwrap();
    assert_same("the example", "Prisma's database", &without_triggers(built), &without_triggers(expected)).unwrap();
    assert_eq!(ours.tables.len(), 50, "48 models and 2 implicit many-to-many tables");
}
