use super::LockMode::*;
use super::*;

/// (statement, strongest mode, relations as `name:MODE`, outside a transaction)
type Case = (&'static str, Option<LockMode>, &'static [&'static str], bool);

const MIGRATION_DDL: &[Case] = &[
    (r#"ALTER TABLE "patients" ADD COLUMN "nhs_number" VARCHAR(10)"#, Some(AccessExclusive), &["patients:AE"], false),
    (r#"ALTER TABLE "patients" DROP COLUMN "legacy_mrn""#, Some(AccessExclusive), &["patients:AE"], false),
    (r#"ALTER TABLE "patients" ALTER COLUMN "mrn" SET NOT NULL"#, Some(AccessExclusive), &["patients:AE"], false),
    (r#"ALTER TABLE "patients" ALTER COLUMN "mrn" DROP NOT NULL"#, Some(AccessExclusive), &["patients:AE"], false),
    (r#"ALTER TABLE "patients" ALTER COLUMN "mrn" SET DEFAULT 'x'"#, Some(AccessExclusive), &["patients:AE"], false),
    (r#"ALTER TABLE "patients" ALTER COLUMN "mrn" TYPE TEXT"#, Some(AccessExclusive), &["patients:AE"], false),
    (
        r#"ALTER TABLE "patients" ALTER COLUMN "mrn" SET STATISTICS 500"#,
        Some(ShareUpdateExclusive),
        &["patients:SUE"],
        false,
    ),
    (
        r#"ALTER TABLE "notes" ADD CONSTRAINT "notes_author_id_fkey" FOREIGN KEY ("author_id") REFERENCES "users"("id") ON DELETE RESTRICT ON UPDATE CASCADE"#,
        Some(ShareRowExclusive),
        &["users:SRE", "notes:SRE"],
        false,
    ),
    (
        r#"ALTER TABLE "notes" ADD CONSTRAINT "notes_author_id_fkey" FOREIGN KEY ("author_id") REFERENCES "audit"."users"("id") NOT VALID"#,
        Some(ShareRowExclusive),
        &["audit.users:SRE", "notes:SRE"],
        false,
    ),
    (
        r#"ALTER TABLE "notes" ADD COLUMN "ward_id" UUID REFERENCES "wards"("id")"#,
        Some(AccessExclusive),
        &["wards:SRE", "notes:AE"],
        false,
    ),
    (
        r#"ALTER TABLE "notes" VALIDATE CONSTRAINT "notes_author_id_fkey""#,
        Some(ShareUpdateExclusive),
        &["notes:SUE"],
        false,
    ),
    (r#"ALTER TABLE "notes" DROP CONSTRAINT "notes_author_id_fkey""#, Some(AccessExclusive), &["notes:AE"], false),
    (
        r#"ALTER TABLE "notes" ADD CONSTRAINT "c" CHECK ("n" > 0) NOT VALID"#,
        Some(AccessExclusive),
        &["notes:AE"],
        false,
    ),
    (r#"ALTER TABLE "notes" ADD CONSTRAINT "notes_key" UNIQUE ("a")"#, Some(AccessExclusive), &["notes:AE"], false),
    (
        r#"ALTER TABLE "notes" ADD CONSTRAINT "notes_key" UNIQUE USING INDEX "notes_a_key""#,
        Some(AccessExclusive),
        &["notes:AE"],
        false,
    ),
    (r#"CREATE INDEX "patients_name_idx" ON "patients"("family_name")"#, Some(Share), &["patients:S"], false),
    (r#"CREATE UNIQUE INDEX "patients_mrn_key" ON "patients"("mrn")"#, Some(Share), &["patients:S"], false),
    (
        r#"CREATE INDEX CONCURRENTLY "patients_name_idx" ON "patients"("family_name")"#,
        Some(ShareUpdateExclusive),
        &["patients:SUE"],
        true,
    ),
    (
        r#"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "k" ON "audit"."log" USING HASH ("a") WHERE "b""#,
        Some(ShareUpdateExclusive),
        &["audit.log:SUE"],
        true,
    ),
    (r#"DROP INDEX "patients_name_idx""#, Some(AccessExclusive), &["patients_name_idx:AE"], false),
    (
        r#"DROP INDEX CONCURRENTLY IF EXISTS "patients_name_idx""#,
        Some(ShareUpdateExclusive),
        &["patients_name_idx:SUE"],
        true,
    ),
    (r#"ALTER INDEX "a_idx" RENAME TO "b_idx""#, Some(ShareUpdateExclusive), &["a_idx:SUE"], false),
    (r#"REINDEX INDEX "a_idx""#, Some(AccessExclusive), &["a_idx:AE"], false),
    (r#"REINDEX TABLE CONCURRENTLY "patients""#, Some(ShareUpdateExclusive), &["patients:SUE"], true),
    (r#"REINDEX (CONCURRENTLY) INDEX "a_idx""#, Some(ShareUpdateExclusive), &["a_idx:SUE"], true),
    (r#"REINDEX SCHEMA "public""#, Some(AccessExclusive), &[], true),
    (r#"ALTER TYPE "CaseStatus" ADD VALUE 'POSTPONED' AFTER 'CANCELLED'"#, None, &[], false),
    (r#"ALTER TYPE "CaseStatus" RENAME TO "CaseStatus_old""#, None, &[], false),
    (r#"CREATE TYPE "Role" AS ENUM ('A', 'B')"#, None, &[], false),
    (r#"DROP TYPE "Role""#, None, &[], false),
    (
        r#"ALTER TABLE "patients" RENAME COLUMN "mrn" TO "medical_record_number""#,
        Some(AccessExclusive),
        &["patients:AE"],
        false,
    ),
    (r#"ALTER TABLE "patients" RENAME TO "people""#, Some(AccessExclusive), &["patients:AE"], false),
    (r#"ALTER TABLE "patients" RENAME CONSTRAINT "a" TO "b""#, Some(AccessExclusive), &["patients:AE"], false),
    (r#"CREATE TABLE "wards" ("id" UUID NOT NULL, CONSTRAINT "wards_pkey" PRIMARY KEY ("id"))"#, None, &[], false),
    (
        r#"CREATE TABLE "beds" ("id" UUID PRIMARY KEY, "ward_id" UUID REFERENCES "wards"("id"), "x" INT, FOREIGN KEY ("x") REFERENCES "s"."t"("id"))"#,
        Some(ShareRowExclusive),
        &["wards:SRE", "s.t:SRE"],
        false,
    ),
    (r#"DROP TABLE "wards", "beds""#, Some(AccessExclusive), &["wards:AE", "beds:AE"], false),
    (r#"TRUNCATE "wards", "audit"."log" CASCADE"#, Some(AccessExclusive), &["wards:AE", "audit.log:AE"], false),
    (
        r#"CREATE TRIGGER "ehrdb_immutable_row" BEFORE UPDATE OR DELETE ON "domain_events" FOR EACH ROW EXECUTE FUNCTION "ehrdb_immutable"()"#,
        Some(ShareRowExclusive),
        &["domain_events:SRE"],
        false,
    ),
    (
        r#"DROP TRIGGER IF EXISTS "ehrdb_immutable_row" ON "domain_events""#,
        Some(AccessExclusive),
        &["domain_events:AE"],
        false,
    ),
    (r#"ALTER TABLE "domain_events" DISABLE TRIGGER ALL"#, Some(ShareRowExclusive), &["domain_events:SRE"], false),
    (
        r#"CREATE OR REPLACE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$"#,
        None,
        &[],
        false,
    ),
    (r#"DROP FUNCTION IF EXISTS "ehrdb_immutable"()"#, None, &[], false),
    (r#"INSERT INTO "wards" ("id") VALUES ('a')"#, Some(RowExclusive), &["wards:RE"], false),
    (r#"UPDATE "wards" SET "name" = 'b' WHERE "id" = 'a'"#, Some(RowExclusive), &["wards:RE"], false),
    (r#"DELETE FROM "wards" WHERE "id" = 'a'"#, Some(RowExclusive), &["wards:RE"], false),
    (r#"LOCK TABLE "wards" IN SHARE ROW EXCLUSIVE MODE"#, Some(ShareRowExclusive), &["wards:SRE"], false),
    (r#"LOCK "wards""#, Some(AccessExclusive), &["wards:AE"], false),
    (r#"VACUUM (FULL) "wards""#, Some(AccessExclusive), &["wards:AE"], true),
    (r#"VACUUM "wards""#, Some(ShareUpdateExclusive), &["wards:SUE"], true),
    (r#"ANALYZE "wards""#, Some(ShareUpdateExclusive), &["wards:SUE"], false),
    (r#"REFRESH MATERIALIZED VIEW CONCURRENTLY "stats""#, Some(Exclusive), &["stats:E"], false),
    (
        r#"ALTER TABLE "p" DETACH PARTITION "p_2024" CONCURRENTLY"#,
        Some(ShareUpdateExclusive),
        &["p_2024:SUE", "p:SUE"],
        true,
    ),
    (
        r#"ALTER TABLE "p" ATTACH PARTITION "p_2025" FOR VALUES IN (2025)"#,
        Some(AccessExclusive),
        &["p_2025:AE", "p:SUE"],
        false,
    ),
    (r#"ALTER DOMAIN "mrn" ADD CONSTRAINT "mrn_len" CHECK (length(VALUE) < 33)"#, Some(Share), &[], false),
    (r#"ALTER DOMAIN "mrn" RENAME TO "medical_record_number""#, None, &[], false),
    (r#"SET lock_timeout = '5s'"#, None, &[], false),
    (r#"CREATE EXTENSION IF NOT EXISTS "pgcrypto""#, None, &[], false),
    (r#"CREATE DATABASE "ehr""#, None, &[], true),
    (r#"ALTER SYSTEM SET work_mem = '64MB'"#, None, &[], true),
    (r#"DO $$ BEGIN PERFORM 1; END $$"#, Some(AccessExclusive), &[], false),
];

fn short(mode: LockMode) -> &'static str {
    match mode {
        AccessShare => "AS",
        RowShare => "RS",
        RowExclusive => "RE",
        ShareUpdateExclusive => "SUE",
        Share => "S",
        ShareRowExclusive => "SRE",
        Exclusive => "E",
        AccessExclusive => "AE",
    }
}

#[test]
fn each_statement_of_a_migration_gets_postgresqls_lock() {
    let mut failures = Vec::new();
    for &(sql, mode, relations, outside) in MIGRATION_DDL {
        let got = locks(sql);
        let got_relations: Vec<String> =
            got.relations.iter().map(|r| format!("{}:{}", r.name, short(r.mode))).collect();
        if got.mode != mode || got_relations != relations || got.outside_transaction != outside {
            failures.push(format!(
                "{sql}\n  expected {mode:?} {relations:?} outside={outside}\n  got      {:?} {got_relations:?} outside={}",
                got.mode, got.outside_transaction
            ));
        }
    }
    assert!(failures.is_empty(), "{} of {} statements:\n{}", failures.len(), MIGRATION_DDL.len(), failures.join("\n"));
}

#[test]
fn an_alter_table_takes_the_strongest_lock_of_its_actions() {
    let got =
        locks(r#"ALTER TABLE "t" VALIDATE CONSTRAINT "c", ALTER COLUMN "a" SET STATISTICS 10, ADD COLUMN "b" INT"#);
    assert_eq!(got.mode, Some(AccessExclusive));
    assert_eq!(got.relations, [LockedRelation { name: ObjectName::new(None, "t"), mode: AccessExclusive }]);
}

#[test]
fn several_statements_lock_together_and_nothing_locks_nothing() {
    let got = locks("CREATE INDEX CONCURRENTLY i ON a (x); DROP TABLE b;");
    assert_eq!(got.mode, Some(AccessExclusive));
    assert!(got.outside_transaction);
    assert_eq!(got.relations.len(), 2);
    assert_eq!(locks("-- only a comment\n"), StatementLocks::default());
}

#[test]
fn the_modes_order_by_strength_and_say_what_they_block() {
    assert!(AccessShare < RowExclusive && ShareUpdateExclusive < Share && Share < AccessExclusive);
    assert!(!ShareUpdateExclusive.blocks_writes() && Share.blocks_writes());
    assert!(!Exclusive.blocks_reads() && AccessExclusive.blocks_reads());
    assert_eq!(ShareRowExclusive.sql(), "SHARE ROW EXCLUSIVE");
}

#[test]
fn a_concurrent_index_build_is_named_with_its_table_and_schema() {
    let got =
        concurrent_index(r#"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS "Note_a_key" ON clinical."Note" ("a")"#);
    assert_eq!(
        got,
        Some(ConcurrentIndex {
            index: ObjectName::new(Some("clinical"), "Note_a_key"),
            table: ObjectName::new(Some("clinical"), "Note"),
        })
    );
    assert_eq!(concurrent_index(r#"CREATE INDEX "i" ON "t" (x)"#), None, "not concurrent");
    assert_eq!(concurrent_index("CREATE INDEX CONCURRENTLY ON t (x)"), None, "no name to look for");
}
