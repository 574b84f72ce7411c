//! `ehrdb check`'s index and immutability checks against a database built
//! by `ehrdb apply`, changed by hand the way production databases drift:
//! never-scanned, scanned, duplicate and invalid indexes, a foreign key
//! without an index; dropped, disabled and replica-only triggers, an
//! unmarked guarded table, a TRIGGER grant; and `--probe`, which must see
//! the refusals, report a table whose guard is gone, and leave no trace.

use serde_json::Value;

use crate::support::{DATASOURCE, Project, pg};

const MODELS: &str = r#"
model Patient {
  id    Int     @id @default(autoincrement())
  mrn   String  @unique
  name  String
  city  String?
  notes Note[]

  @@index([name])
  @@index([city])
}

/// @ehrdb.immutable(allowUpdate: [amendedBy])
model Note {
  id        Int     @id @default(autoincrement())
  patientId Int
  body      String
  amendedBy Int?
  patient   Patient @relation(fields: [patientId], references: [id])

  @@index([patientId])
}

/// @ehrdb.immutable
model Event {
  id   Int    @id @default(autoincrement())
  kind String
}
"#;

/// A project with the schema above, migrated and applied to `db`.
fn applied(db: &pg::TestDb) -> Project {
    let project = Project::new(&[("a.prisma", &format!("{DATASOURCE}{MODELS}"))]);
    project.ehrdb().args(["migrate", "init"]).assert().code(0);
    project.ehrdb().args(["apply", "--database-url", &db.url()]).assert().code(0);
    project
}

/// `ehrdb check --format json` on `db` with more arguments.
fn check(project: &Project, db: &pg::TestDb, args: &[&str]) -> Value {
    let output = project
        .ehrdb()
        .args(["check", "--format", "json", "--fail-on", "none", "--database-url", &db.url()])
        .args(args)
        .output()
        .expect("ehrdb runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report: Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{e}: {stdout}{}", String::from_utf8_lossy(&output.stderr)));
    assert_eq!(report["connection"]["state"], "connected", "{report:#}");
    report
}

/// Every finding of `id` as `verdict: seen`, the verdict `passed`,
/// `skipped`, `inconclusive` or `failed P0`..`failed P2`.
fn results(report: &Value, id: &str) -> Vec<String> {
    let found: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == id)
        .map(|f| {
            let verdict = match f["severity"].as_str() {
                Some(severity) => format!("failed {severity}"),
                None => f["outcome"].as_str().unwrap().to_owned(),
            };
            format!("{verdict}: {}", f["seen"].as_str().unwrap())
        })
        .collect();
    assert!(!found.is_empty(), "no finding {id}: {report:#}");
    found
}

/// The one finding of `id`.
fn result(report: &Value, id: &str) -> String {
    let found = results(report, id);
    assert_eq!(found.len(), 1, "{found:#?}");
    found.into_iter().next().unwrap()
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

#[test]
fn unused_duplicate_invalid_and_unindexed_are_found_and_constraint_indexes_never() {
    let db = pg::database();
    let project = applied(&db);
    db.psql(
        r#"INSERT INTO "Patient" (mrn, name) VALUES ('1', 'Ada'), ('2', 'Ada'), ('3', 'Grace');
           SET enable_seqscan = off;
           SELECT count(*) FROM "Patient" WHERE name = 'Ada';
           SELECT pg_stat_force_next_flush();"#,
    );
    let report = check(&project, &db, &[]);
    for id in ["fk-index-live", "index-duplicate", "index-invalid"] {
        assert!(result(&report, id).starts_with("passed: "), "{id}: {report:#}");
    }
    // Statistics of a fresh database were never reset: the index's age is
    // its migration's, minutes.
    let unused = result(&report, "index-unused");
    assert!(unused.starts_with("inconclusive: 1 index never scanned so far: \"Patient_city_idx\" on \"Patient\" (16 kB, 0 days of statistics, since "), "{unused}");

    // Without a window the one never-scanned index no constraint needs is
    // unused; the scanned one, the keys, the unique index and the one a
    // foreign key's lookups use never are.
    let report = check(&project, &db, &["--stats-window", "0"]);
    let unused = result(&report, "index-unused");
    assert!(unused.starts_with("failed P2: 1 index never scanned, 16 kB in all: \"Patient_city_idx\""), "{unused}");
    for kept in ["Patient_name_idx", "Patient_pkey", "Patient_mrn_key", "Note_pkey", "Note_patientId_idx", "Event_pkey"]
    {
        assert!(!unused.contains(kept), "{kept}: {unused}");
    }

    // A month after the migration, the default window has passed.
    db.psql("UPDATE _ehrdb_migrations SET applied_at = applied_at - interval '30 days'");
    let unused = result(&check(&project, &db, &[]), "index-unused");
    assert!(unused.starts_with("failed P2: 1 index never scanned"), "{unused}");
    assert!(unused.contains("(16 kB, 30 days of statistics, since "), "{unused}");

    // A copy of the unique index, an index that failed to build, a key
    // without an index.
    db.psql(
        r#"CREATE INDEX "Patient_mrn_copy" ON "Patient" (mrn);
           CREATE TABLE "Attachment" (id int PRIMARY KEY, "noteId" int REFERENCES "Note" (id));"#,
    );
    let failed = runtime().block_on(async {
        let mut conn = db.connect().await;
        sqlx::raw_sql(r#"CREATE UNIQUE INDEX CONCURRENTLY "Patient_name_key" ON "Patient" (name)"#)
            .execute(&mut conn)
            .await
    });
    assert!(failed.is_err(), "two patients are named Ada");
    let report = check(&project, &db, &[]);
    assert_eq!(
        result(&report, "index-duplicate"),
        "failed P2: 1 set of the same index: \"Patient_mrn_copy\" and \"Patient_mrn_key\" on \"Patient\": keep \
         \"Patient_mrn_key\" (unique), drop \"Patient_mrn_copy\""
    );
    assert_eq!(result(&report, "index-invalid"), "failed P1: 1 index invalid: \"Patient_name_key\" on \"Patient\"");
    assert_eq!(
        result(&report, "fk-index-live"),
        "failed P2: 1 foreign key without an index: \"Attachment_noteId_fkey\" on \"Attachment\" (\"noteId\")"
    );
    // Hand-made, so no migration dates it: the database's statistics were
    // never reset, so its age is unknown.
    let unused = results(&report, "index-unused");
    assert_eq!(unused.len(), 2, "{unused:#?}");
    assert!(unused[0].starts_with("failed P2: 1 index never scanned") && unused[0].contains("Patient_city_idx"));
    assert!(unused[1].starts_with("inconclusive: 1 index never scanned: \"Patient_mrn_copy\""), "{unused:#?}");
    assert!(!unused.concat().contains("Patient_name_key"), "an invalid index is index-invalid's");
}

#[test]
fn triggers_must_be_present_and_enabled_for_normal_sessions() {
    let db = pg::database();
    let project = applied(&db);
    let report = check(&project, &db, &[]);
    assert_eq!(result(&report, "immutable-triggers"), "passed: 2 immutable tables with both triggers enabled");
    assert_eq!(result(&report, "immutable-function"), "passed: \"public\".\"ehrdb_immutable\"() is ehrdb's");
    assert!(result(&report, "immutable-unmarked").starts_with("passed: "));
    assert_eq!(
        result(&report, "immutable-trigger-privilege"),
        "passed: only the owners hold TRIGGER on the 2 immutable tables"
    );
    assert!(result(&report, "immutable-probe").starts_with("skipped: "));

    let triggers = |sql: &str| {
        db.psql(sql);
        result(&check(&project, &db, &[]), "immutable-triggers")
    };
    assert_eq!(
        triggers(r#"ALTER TABLE "Note" DISABLE TRIGGER ehrdb_immutable_row"#),
        "failed P0: \"Note\": ehrdb_immutable_row is disabled (tgenabled D)"
    );
    assert_eq!(
        triggers(r#"ALTER TABLE "Note" ENABLE REPLICA TRIGGER ehrdb_immutable_row"#),
        "failed P0: \"Note\": ehrdb_immutable_row fires only in replica sessions, never in normal ones (tgenabled R)"
    );
    assert!(triggers(r#"ALTER TABLE "Note" ENABLE ALWAYS TRIGGER ehrdb_immutable_row"#).starts_with("passed: "));
    assert_eq!(
        triggers(r#"DROP TRIGGER ehrdb_immutable_truncate ON "Event""#),
        "failed P0: \"Event\": no ehrdb_immutable_truncate trigger"
    );

    // The guard on a table the schema does not mark, and a grant of TRIGGER.
    let role = "check_live_auditor";
    db.psql(&format!(
        r#"CREATE TRIGGER ehrdb_immutable_row BEFORE UPDATE OR DELETE ON "Patient"
               FOR EACH ROW EXECUTE FUNCTION ehrdb_immutable();
           CREATE ROLE "{role}";
           GRANT TRIGGER ON "Note" TO "{role}";
           GRANT TRIGGER, SELECT ON "Patient" TO "{role}";"#
    ));
    let report = check(&project, &db, &[]);
    assert_eq!(
        result(&report, "immutable-unmarked"),
        "failed P2: 1 table with ehrdb's triggers, not marked in the schema: \"Patient\" (ehrdb_immutable_row)"
    );
    assert_eq!(
        result(&report, "immutable-trigger-privilege"),
        format!("failed P2: TRIGGER held by {role} on \"Note\"")
    );

    // A function edited by hand is no longer ehrdb's.
    db.psql(
        "CREATE OR REPLACE FUNCTION ehrdb_immutable() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
    );
    let function = result(&check(&project, &db, &[]), "immutable-function");
    assert!(
        function.starts_with("failed P0: \"public\".\"ehrdb_immutable\"() differs from the function ehrdb writes"),
        "{function}"
    );
}

#[test]
fn a_role_or_database_setting_that_skips_the_triggers_is_p0() {
    let db = pg::database();
    let project = applied(&db);
    let replication_role = |report: &Value| result(report, "immutable-replication-role");
    assert!(replication_role(&check(&project, &db, &[])).starts_with("passed: "));

    // Every session of that role on this database skips ehrdb's triggers,
    // while the catalog shows them enabled.
    // PostgreSQL cuts a name at 63 bytes; the database's name may be 63 already.
    let mut role = format!("{}_app", db.name());
    role.truncate(63);
    db.psql(&format!(
        r#"CREATE ROLE "{role}" LOGIN;
           GRANT SELECT, UPDATE, DELETE ON "Note" TO "{role}";
           ALTER ROLE "{role}" IN DATABASE "{db}" SET session_replication_role = replica;"#,
        db = db.name()
    ));
    let report = check(&project, &db, &[]);
    assert_eq!(
        replication_role(&report),
        format!(
            "failed P0: session_replication_role = replica, so ehrdb's triggers do not fire: ALTER ROLE {role} IN \
             DATABASE {} SET it",
            db.name()
        )
    );
    assert!(result(&report, "immutable-triggers").starts_with("passed: "), "the catalog still looks right");

    // The same for every role of the database, and the setting's removal.
    db.psql(&format!(
        r#"ALTER ROLE "{role}" IN DATABASE "{db}" RESET session_replication_role;
           ALTER DATABASE "{db}" SET session_replication_role = replica;"#,
        db = db.name()
    ));
    assert_eq!(
        replication_role(&check(&project, &db, &[])),
        format!(
            "failed P0: session_replication_role = replica, so ehrdb's triggers do not fire: ALTER DATABASE {} SET \
             it for every role",
            db.name()
        )
    );
    db.psql(&format!(r#"ALTER DATABASE "{}" RESET session_replication_role"#, db.name()));
    assert!(replication_role(&check(&project, &db, &[])).starts_with("passed: "));
}

/// Rows of every table and the sequences' positions, to compare before
/// and after a probe.
fn trace(db: &pg::TestDb) -> String {
    db.psql(
        r#"SELECT (SELECT count(*) FROM "Patient"), (SELECT count(*) FROM "Note"), (SELECT count(*) FROM "Event"),
                  (SELECT string_agg(body, ',') FROM "Note"),
                  (SELECT last_value || '/' || is_called FROM "Event_id_seq"),
                  (SELECT last_value || '/' || is_called FROM "Note_id_seq")"#,
    )
}

#[test]
fn the_probe_sees_the_refusals_reports_a_missing_guard_and_leaves_no_trace() {
    let db = pg::database();
    let project = applied(&db);
    // Note has a row; Event is empty, so the probe inserts one first.
    db.psql(
        r#"INSERT INTO "Patient" (mrn, name) VALUES ('1', 'Ada');
           INSERT INTO "Note" ("patientId", body) SELECT id, 'seen' FROM "Patient";"#,
    );
    let before = trace(&db);
    let report = check(&project, &db, &["--probe"]);
    assert_eq!(
        result(&report, "immutable-probe"),
        "passed: the database refused UPDATE and DELETE on 2 tables with ehrdb's error (\"Event\", \"Note\"), e.g. \
         ehrdb: \"Event\" is immutable: UPDATE is not allowed / ehrdb: \"Event\" is immutable: DELETE is not allowed"
    );
    assert_eq!(trace(&db), before, "the probe leaves no row and uses no sequence value");

    // Without its row trigger, Note lets both through (the UPDATE stops
    // only at the NOT NULL constraint, after where the trigger would be).
    db.psql(r#"DROP TRIGGER ehrdb_immutable_row ON "Note""#);
    let report = check(&project, &db, &["--probe"]);
    let probe = results(&report, "immutable-probe");
    assert_eq!(probe.len(), 1, "{probe:#?}");
    assert!(
        probe[0].starts_with(
            "failed P0: \"Note\": UPDATE allowed (the UPDATE passed the row trigger; then: null value in column \"id\""
        ),
        "{probe:#?}"
    );
    assert!(probe[0].contains("; \"Note\": DELETE allowed (the DELETE went through)"), "{probe:#?}");
    assert_eq!(trace(&db), before, "the probe leaves no trace when it gets through either");

    // A table the probe cannot fill: a note needs a patient.
    db.psql(r#"DELETE FROM "Note"; DELETE FROM "Patient";"#);
    let report = check(&project, &db, &["--probe"]);
    let probe = results(&report, "immutable-probe");
    assert!(
        probe
            .iter()
            .any(|p| p
                .starts_with("inconclusive: \"Note\": not tried (the table is empty and a row cannot be inserted: ")),
        "{probe:#?}"
    );
}
