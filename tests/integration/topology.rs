//! ehrdb on a real topology: a primary, a streaming replica made with
//! `pg_basebackup`, and PgBouncer in front of the primary, all from the
//! Debian packages, started by the test and stopped at its end.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::pg::PrivateCluster;
use crate::support::pgbouncer::PgBouncer;
use crate::support::{Project, example_project, repo, run};

/// The example's migrations and fragments, with a datasource that names
/// the direct URL as Prisma does: `directUrl = env("DIRECT_URL")`.
fn example_with_direct_url() -> Project {
    let project = example_project();
    for entry in std::fs::read_dir(repo().join("schema")).unwrap() {
        let path = entry.unwrap().path();
        let mut text = std::fs::read_to_string(&path).unwrap();
        if text.contains("datasource db") {
            text = text.replacen(
                "provider = \"postgresql\"",
                "provider = \"postgresql\"\n  directUrl = env(\"DIRECT_URL\")",
                1,
            );
        }
        project.write(&format!("schema/{}", path.file_name().unwrap().to_str().unwrap()), &text);
    }
    project
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "waited 30 s for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn finding(report: &Value, id: &str) -> (String, String) {
    let finding = report["findings"].as_array().unwrap().iter().find(|f| f["id"] == id).unwrap_or_else(|| {
        panic!("no {id}: {report:#}");
    });
    let verdict = finding["severity"].as_str().unwrap_or(finding["outcome"].as_str().unwrap()).to_owned();
    (verdict, finding["seen"].as_str().unwrap().to_owned())
}

#[test]
fn writes_refuse_a_transaction_pooler_and_a_standby_and_go_through_direct_url() {
    let primary = PrivateCluster::primary();
    primary.psql("CREATE DATABASE ehr");
    let replica = primary.replica(None);
    let bouncer = PgBouncer::start(primary.port(), "transaction");
    let (pooled, direct) = (bouncer.url("ehr"), primary.url_of("ehr"));
    let project = example_with_direct_url();

    // Through the pooler, without pgbouncer=true: seen and refused before
    // anything is written.
    for command in ["apply", "rollback", "baseline"] {
        let (code, stdout, stderr) = run(&project, &pooled, &[command]);
        assert_eq!(code, 2, "{command}: {stdout}{stderr}");
        assert!(stderr.contains("refusing to") && stderr.contains("through a transaction-mode pooler"), "{stderr}");
        assert!(stderr.contains("served by"), "what showed the pooler: {stderr}");
        assert!(stderr.contains("directUrl"), "{stderr}");
    }
    assert_eq!(primary.psql_in("ehr", "SELECT to_regclass('_ehrdb_migrations') IS NULL"), "t\n");

    // With DATABASE_URL on the pooler, apply takes the datasource's directUrl.
    let output = project
        .ehrdb()
        .arg("apply")
        .env("DATABASE_URL", &pooled)
        .env("DIRECT_URL", &direct)
        .output()
        .expect("ehrdb runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{}{stderr}", String::from_utf8_lossy(&output.stdout));
    assert!(stderr.contains(&format!("using the datasource's directUrl (env \"DIRECT_URL\"): {direct}")), "{stderr}");

    // Reads work through the pooler, again and again (no prepared statement
    // left behind on a server connection another client gets).
    for _ in 0..3 {
        let (code, stdout, stderr) = run(&project, &pooled, &["status"]);
        assert_eq!(code, 0, "{stdout}{stderr}");
        assert!(stdout.contains("6 applied"), "{stdout}");
    }
    let output = project
        .ehrdb()
        .args(["check", "--format", "json", "--fail-on", "none", "--probe", "--database-url", &pooled])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| panic!("{e}: {output:?}"));
    assert_eq!(report["connection"]["state"], "connected");
    let (verdict, seen) = finding(&report, "pool-pooler-mode");
    assert_eq!(verdict, "P1", "{seen}");
    assert!(seen.starts_with("a transaction-mode pooler at 127.0.0.1:"), "{seen}");
    let (verdict, seen) = finding(&report, "immutable-probe");
    assert_eq!(verdict, "inconclusive", "{seen}");
    assert_eq!(finding(&report, "migrations-applied").0, "passed");
    // Directly, the same check sees no pooler.
    let output = project
        .ehrdb()
        .args(["check", "--format", "json", "--fail-on", "none", "--database-url", &direct])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(finding(&report, "pool-pooler-mode").0, "passed");

    // A standby is refused before any lock is taken.
    wait_until("the replica to replay the migrations", || {
        replica.psql_in("ehr", "SELECT count(*) FROM _ehrdb_migrations") == "6\n"
    });
    for command in ["apply", "rollback", "baseline"] {
        let (code, _, stderr) = run(&project, &replica.url_of("ehr"), &[command]);
        assert_eq!(code, 2, "{command}: {stderr}");
        assert!(stderr.contains("it is a standby (pg_is_in_recovery() is true)"), "{stderr}");
    }
    let (code, stdout, _) = run(&project, &replica.url_of("ehr"), &["status"]);
    assert_eq!(code, 0, "status reads a standby: {stdout}");
}

#[test]
fn a_session_mode_pooler_keeps_the_session_and_apply_goes_through() {
    let primary = PrivateCluster::primary();
    primary.psql("CREATE DATABASE ehr");
    let bouncer = PgBouncer::start(primary.port(), "session");
    let project = example_project();
    let (code, stdout, stderr) = run(&project, &bouncer.url("ehr"), &["apply"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains("applied 6 migrations"), "{stdout}");
}

const REPORTED: &str = r#"
datasource db {
  provider = "postgresql"
}

model Patient {
  id   Int     @id @default(autoincrement())
  mrn  String  @unique
  city String?
  ward String?

  @@index([city])
  @@index([ward])
}

/// @ehrdb.immutable
model Event {
  id   Int    @id @default(autoincrement())
  kind String
}
"#;

fn check_json(project: &Project, args: &[&str]) -> Value {
    let output = project.ehrdb().args(["check", "--format", "json", "--fail-on", "none"]).args(args).output().unwrap();
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!("{e}: {}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
    })
}

#[test]
fn replicas_count_for_index_use_and_replication_is_audited() {
    let primary = PrivateCluster::primary();
    primary.psql("CREATE DATABASE ehr");
    let replica = primary.replica(Some("replica_one"));
    let project = Project::new(&[("a.prisma", REPORTED)]);
    project.ehrdb().args(["migrate", "init"]).assert().code(0);
    let (url, replica_url) = (primary.url_of("ehr"), replica.url_of("ehr"));

    // apply waits for the replica, which then has the tables at once.
    let (code, stdout, stderr) = run(&project, &url, &["apply", "--wait-for-replicas", "--replica", &replica_url]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stdout.contains(&format!("{replica_url} has replayed the migrations")), "{stdout}");
    assert_eq!(replica.psql_in("ehr", "SELECT to_regclass('\"Patient\"') IS NOT NULL"), "t\n");

    // Reports run on the replica: only there is the city index scanned.
    primary
        .psql_in("ehr", "INSERT INTO \"Patient\" (mrn, city) SELECT g::text, 'c' || g FROM generate_series(1, 100) g");
    wait_until("the rows to reach the replica", || {
        replica.psql_in("ehr", "SELECT count(*) FROM \"Patient\"") == "100\n"
    });
    replica.psql_in(
        "ehr",
        "SET enable_seqscan = off; SELECT count(*) FROM \"Patient\" WHERE city = 'c7'; SELECT pg_stat_force_next_flush();",
    );
    let alone = check_json(&project, &["--database-url", &url, "--stats-window", "0"]);
    let (verdict, seen) = finding(&alone, "index-unused");
    assert_eq!(verdict, "P2", "{seen}");
    assert!(seen.contains("\"Patient_city_idx\"") && seen.contains("\"Patient_ward_idx\""), "{seen}");
    assert_eq!(finding(&alone, "replica-query-conflicts").0, "skipped");

    let both = check_json(&project, &["--database-url", &url, "--stats-window", "0", "--replica", &replica_url]);
    let unused: Vec<(String, String)> = both["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == "index-unused")
        .map(|f| {
            (
                f["severity"].as_str().unwrap_or(f["outcome"].as_str().unwrap()).to_owned(),
                f["seen"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(unused.len(), 2, "{unused:#?}");
    assert_eq!(unused[0].0, "passed");
    assert!(
        unused[0].1.contains(&format!("\"Patient_city_idx\" on \"Patient\" (scanned on {replica_url}: 1 scan)")),
        "{unused:#?}"
    );
    assert_eq!(unused[1].0, "P2");
    assert!(unused[1].1.contains("never scanned on this server or the 1 replica named"), "{unused:#?}");
    assert!(unused[1].1.contains("\"Patient_ward_idx\"") && !unused[1].1.contains("city"), "{unused:#?}");

    // The topology findings.
    let (verdict, seen) = finding(&both, "replication-lag");
    assert_eq!(verdict, "passed", "{seen}");
    assert!(seen.contains("standby ") && seen.contains(&replica_url), "{seen}");
    let (verdict, seen) = finding(&both, "replica-query-conflicts");
    assert_eq!(verdict, "P2", "{seen}");
    assert!(seen.contains("after 30 s (hot_standby_feedback off)"), "{seen}");
    let (verdict, seen) = finding(&both, "replica-immutable-triggers");
    assert_eq!(verdict, "passed", "{seen}");
    assert!(seen.contains("the 1 immutable table"), "{seen}");
    assert_eq!(finding(&both, "replication-slot-inactive").0, "passed");

    // A slot whose standby is gone keeps WAL: P1.
    primary.psql("SELECT pg_create_physical_replication_slot('forgotten', true)");
    let (verdict, seen) = finding(&check_json(&project, &["--database-url", &url]), "replication-slot-inactive");
    assert_eq!(verdict, "P1", "{seen}");
    assert!(seen.starts_with("1 replication slot no consumer reads: forgotten (physical, "), "{seen}");
}

#[test]
fn a_fleet_applies_everywhere_it_can_and_names_the_one_that_failed() {
    let databases: Vec<crate::support::pg::TestDb> = (0..8).map(|_| crate::support::pg::database()).collect();
    // One site already has a table of the first migration's: its apply fails.
    databases[5].psql("CREATE TABLE allergies (id int)");
    let project = example_project();
    let urls: Vec<String> = databases.iter().map(|db| db.url()).collect();
    let mut args = vec!["apply", "--jobs", "3"];
    for url in &urls {
        args.extend(["--database-url", url.as_str()]);
    }
    let output = project.ehrdb().args(&args).output().unwrap();
    let (stdout, stderr) = (String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(1), "{stdout}{stderr}");
    let names: Vec<&str> = databases.iter().map(|db| db.name()).collect();
    let failed = format!("[{}] error: migration 20261124_210830_initial_schema failed at statement", names[5]);
    assert!(stderr.contains(&failed), "{stderr}");
    for (i, db) in databases.iter().enumerate() {
        let recorded = db.psql("SELECT count(*) FROM _ehrdb_migrations");
        if i == 5 {
            assert_eq!(recorded, "0\n", "the failed site recorded nothing");
            assert_eq!(db.psql("SELECT to_regclass('\"Patient\"') IS NULL"), "t\n", "and kept nothing of it");
        } else {
            assert_eq!(recorded, "6\n", "site {i}: {stdout}{stderr}");
        }
    }
    // The table: one line per database, in the order given.
    let rows: Vec<&str> = stdout.lines().filter(|l| names.iter().any(|n| l.starts_with(n))).collect();
    assert_eq!(rows.len(), 8, "{stdout}");
    assert!(rows[0].contains("6        0       0  none") && rows[0].ends_with("ok"), "{stdout}");
    assert!(
        rows[5].contains("0        6       0") && rows[5].ends_with("refused or failed (see its lines)"),
        "{stdout}"
    );
    assert!(stdout.contains("7 databases of 8: 1 not clean"), "{stdout}");

    // A second run applies nothing twice, and says so per database in JSON.
    let mut again = args.clone();
    again.extend(["--format", "json"]);
    let output = project.ehrdb().args(&again).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["failed"], true);
    let targets = report["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 8);
    for (i, target) in targets.iter().enumerate() {
        assert_eq!(target["database"], urls[i].as_str());
        let expected = if i == 5 { ("found", 0, 6) } else { ("clean", 6, 0) };
        assert_eq!(
            (
                target["outcome"].as_str().unwrap(),
                target["applied"].as_u64().unwrap(),
                target["pending"].as_u64().unwrap()
            ),
            (expected.0, expected.1, expected.2),
            "{target}"
        );
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(stderr.matches("nothing to apply").count(), 7, "{stderr}");
    for db in databases.iter().enumerate().filter(|(i, _)| *i != 5).map(|(_, db)| db) {
        assert_eq!(db.psql("SELECT count(*) FROM _ehrdb_migrations"), "6\n");
    }

    // status of the fleet: the same table, exit 1 for the pending site.
    let mut status = vec!["status"];
    status.extend(args[3..].iter().copied());
    let output = project.ehrdb().args(&status).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("7 databases of 8: 1 not clean"), "{stdout}");

    // check gives a report per site; the failed one's history is not applied.
    let output = example_with_direct_url()
        .ehrdb()
        .args(["check", "--format", "json", "--fail-on", "p1", "--jobs", "2"])
        .args(["--database-url", &urls[0], "--database-url", &urls[5]])
        .output()
        .unwrap();
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let targets = report["targets"].as_array().unwrap();
    assert_eq!(targets.len(), 2);
    assert_eq!((targets[0]["name"].as_str(), targets[1]["name"].as_str()), (Some(names[0]), Some(names[5])));
    assert_eq!(finding(&targets[0]["report"], "migrations-applied").0, "passed");
    assert_eq!(finding(&targets[1]["report"], "migrations-applied").0, "P1");
    assert_eq!(report["failed"], true);
    assert_eq!(output.status.code(), Some(1));

    // Sites named in ehrdb.toml, their URLs in the environment.
    project.write("ehrdb.toml", "[targets]\nnorth = \"NORTH_URL\"\nsouth = \"SOUTH_URL\"\n");
    let output = project.ehrdb().arg("status").env("NORTH_URL", &urls[0]).env("SOUTH_URL", &urls[1]).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{stdout}");
    assert!(stdout.lines().any(|l| l.starts_with("north ") && l.ends_with("up to date")), "{stdout}");
    assert!(stdout.lines().any(|l| l.starts_with("south ") && l.ends_with("up to date")), "{stdout}");
    project.ehrdb().arg("status").env("NORTH_URL", &urls[0]).assert().code(2).stderr(predicates::str::contains(
        "target `south` of ehrdb.toml reads the environment variable SOUTH_URL, which is not set",
    ));
}
