//! Scoring, grades and `--fail-on`; the registry's promises; each check's
//! verdicts on schemas, URLs and server answers built by hand.

use std::path::{Path, PathBuf};

use super::live::{HbaRule, ImmutabilityFacts, IndexFacts, Server, SessionSsl, Settings};
use super::*;
use crate::db::pooler::Pooler;
use crate::db::url::Target;
use crate::fragments::Fragments;
use crate::sql::SqlSchema;

const DATASOURCE: &str = "datasource db {\n  provider = \"postgresql\"\n  url      = env(\"DATABASE_URL\")\n}\n";

fn fragments(text: &str) -> Fragments {
    Fragments::from_texts(vec![("schema/a.prisma".to_owned(), PathBuf::from("schema/a.prisma"), text.to_owned())])
}

fn target(url: &str) -> Target {
    Target::parse(url, Path::new("")).unwrap_or_else(|e| panic!("{url}: {e:#}"))
}

fn with_url<'a>(fragments: &'a Fragments, url: &str) -> Inputs<'a> {
    let mut inputs = Inputs::new(fragments, None);
    inputs.target = Some(target(url));
    inputs.sslmode_text = url_parameter(url, "sslmode");
    inputs.sslaccept_text = url_parameter(url, "sslaccept");
    inputs
}

/// The findings of the check with `id`.
fn findings<'f>(all: &'f [Finding], id: &str) -> Vec<&'f Finding> {
    let found: Vec<&Finding> = all.iter().filter(|f| f.id == id).collect();
    assert!(!found.is_empty(), "no finding {id}");
    found
}

fn outcome(inputs: &Inputs, id: &str) -> Verdict {
    let all = run(inputs, Env::Production);
    let found = findings(&all, id);
    assert_eq!(found.len(), 1, "{found:?}");
    found[0].outcome.clone()
}

fn failed(severity: Priority) -> Finding {
    Spec { id: "x", area: Area::Pool, why: "", fix: "" }.failed(severity, "")
}

fn server(settings: Settings) -> Live {
    Live::Connected(Box::new(Server {
        version: "16.4".to_owned(),
        version_num: 160004,
        settings: Ok(settings),
        session_ssl: Ok(SessionSsl { ssl: true, version: Some("TLSv1.3".to_owned()) }),
        client_connections: Ok(10),
        extensions: Ok(vec!["plpgsql".to_owned()]),
        history: Ok(Vec::new()),
        catalog: Ok(SqlSchema::default()),
        hba_rules: Ok(Vec::new()),
        server_port: Ok(Some(5432)),
        replication: Err("not asked".to_owned()),
        pooler: None,
        indexes: IndexFacts::empty(1_800_000_000, None),
        immutability: ImmutabilityFacts::empty(),
    }))
}

fn settings() -> Settings {
    Settings {
        ssl: true,
        ssl_min_protocol_version: "TLSv1.2".to_owned(),
        max_connections: 100,
        superuser_reserved_connections: 3,
        reserved_connections: Some(2),
        log_min_duration_statement: -1,
    }
}

#[test]
fn the_score_loses_25_10_and_3_points_and_stops_at_0() {
    assert_eq!(score(&[]), 100);
    assert_eq!(score(&[failed(Priority::P0), failed(Priority::P1), failed(Priority::P2)]), 62);
    assert_eq!(score(&[failed(Priority::P0), failed(Priority::P0), failed(Priority::P0), failed(Priority::P0)]), 0);
    assert_eq!(score(&vec![failed(Priority::P0); 7]), 0);
    let skipped = Spec { id: "x", area: Area::Tls, why: "", fix: "" }.skipped("no connection");
    assert_eq!(score(&[skipped]), 100, "a skipped check costs nothing");
}

#[test]
fn grades_follow_the_score_with_caps_for_p0_and_p1() {
    let grade_of = |findings: &[Finding]| grade(score(findings), findings);
    assert_eq!(grade_of(&[]), Grade::A);
    assert_eq!(grade_of(&[failed(Priority::P2), failed(Priority::P2), failed(Priority::P2)]), Grade::A);
    // 90 by the score, but a P1 keeps it from an A.
    assert_eq!(grade_of(&[failed(Priority::P1)]), Grade::B);
    assert_eq!(grade_of(&[failed(Priority::P1), failed(Priority::P2)]), Grade::B);
    assert_eq!(grade_of(&vec![failed(Priority::P1); 2]), Grade::B);
    assert_eq!(grade_of(&vec![failed(Priority::P1); 3]), Grade::C);
    assert_eq!(grade_of(&vec![failed(Priority::P1); 4]), Grade::D);
    assert_eq!(grade_of(&vec![failed(Priority::P1); 5]), Grade::F);
    // 75 would be a C; any P0 caps the grade at D.
    assert_eq!(grade_of(&[failed(Priority::P0)]), Grade::D);
    assert_eq!(grade_of(&[failed(Priority::P0), failed(Priority::P2)]), Grade::D);
    assert_eq!(grade_of(&vec![failed(Priority::P0); 2]), Grade::F);
}

#[test]
fn fail_on_sets_the_lowest_severity_that_fails() {
    let report =
        |findings: Vec<Finding>| Report::new(findings, Env::Production, None, Connection::NoUrl, String::new());
    let p1 = report(vec![failed(Priority::P1)]);
    assert!(!p1.fails(Some(Priority::P0)));
    assert!(p1.fails(Some(Priority::P1)));
    assert!(p1.fails(Some(Priority::P2)));
    assert!(!p1.fails(None));
    let p0 = report(vec![failed(Priority::P0)]);
    assert!(p0.fails(Some(Priority::P0)) && p0.fails(Some(Priority::P2)) && !p0.fails(None));
    let spec = Spec { id: "x", area: Area::Pool, why: "", fix: "" };
    let quiet = report(vec![spec.passed(""), spec.skipped("no connection"), spec.inconclusive("unknown", "")]);
    assert!(!quiet.fails(Some(Priority::P2)), "only failed checks fail a run");
}

#[test]
fn development_makes_tls_failures_p2_and_leaves_the_rest() {
    let fragments = fragments(DATASOURCE);
    let inputs = with_url(&fragments, "postgres://db/ehr?sslmode=disable");
    let severity = |env, id| run(&inputs, env).into_iter().find(|f| f.id == id).and_then(|f| f.outcome.severity());
    assert_eq!(severity(Env::Production, "tls-sslmode"), Some(Priority::P0));
    assert_eq!(severity(Env::Development, "tls-sslmode"), Some(Priority::P2));
    assert_eq!(severity(Env::Development, "pool-connection-limit"), Some(Priority::P1));
}

#[test]
fn every_check_reports_under_one_id_of_its_own_and_the_readme_lists_it() {
    let readme = include_str!("../../README.md");
    let fragments = fragments(DATASOURCE);
    let inputs = Inputs::new(&fragments, None);
    let mut ids: Vec<&str> = Vec::new();
    for check in CHECKS {
        let found = check(&inputs);
        assert!(!found.is_empty(), "a check returned nothing");
        let id = found[0].id;
        assert!(found.iter().all(|f| f.id == id), "one check, one id: {found:?}");
        assert!(!ids.contains(&id), "two checks report {id}");
        assert!(id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-'), "{id}");
        assert!(readme.contains(&format!("| `{id}` |")), "README.md's check table lacks {id}");
        assert!(found.iter().all(|f| !f.why.is_empty() && !f.fix.is_empty()), "{id}");
        ids.push(id);
    }
    // Report order is registry order: areas never interleave.
    let areas: Vec<Area> = run(&inputs, Env::Production).iter().map(|f| f.area).collect();
    assert!(areas.is_sorted(), "{areas:?}");
}

#[test]
fn without_a_url_the_url_checks_and_the_live_checks_are_skipped() {
    let fragments = fragments(DATASOURCE);
    let inputs = Inputs::new(&fragments, None);
    assert_eq!(outcome(&inputs, "tls-sslmode"), Verdict::Skipped("no database URL".to_owned()));
    assert_eq!(outcome(&inputs, "pool-timeout"), Verdict::Skipped("no database URL".to_owned()));
    for live in ["tls-server-ssl", "pool-budget", "migrations-applied", "schema-drift", "slow-query-logging"] {
        assert_eq!(outcome(&inputs, live), Verdict::Skipped("no connection".to_owned()), "{live}");
    }
}

#[test]
fn sslmode_must_require_tls_as_prisma_reads_it() {
    let fragments = fragments(DATASOURCE);
    let sslmode = |url: &str, major: u8| {
        let mut inputs = with_url(&fragments, url);
        inputs.prisma_major = major;
        (outcome(&inputs, "tls-sslmode"), outcome(&inputs, "tls-certificate-not-verified"))
    };
    let p0 = Verdict::Failed(Priority::P0);
    let not_required = Verdict::Skipped("the URL does not require TLS (see tls-sslmode)".to_owned());
    assert_eq!(sslmode("postgres://db/ehr", 6), (p0.clone(), not_required.clone()));
    assert_eq!(sslmode("postgres://db/ehr?sslmode=disable", 6), (p0.clone(), not_required.clone()));
    assert_eq!(sslmode("postgres://db/ehr?sslmode=prefer", 6), (p0.clone(), not_required.clone()));
    assert_eq!(sslmode("postgres://db/ehr?sslmode=require", 6), (Verdict::Passed, Verdict::Failed(Priority::P1)));
    assert_eq!(sslmode("postgres://db/ehr?sslmode=require&sslaccept=strict", 6), (Verdict::Passed, Verdict::Passed));
    // ehrdb verifies against an sslrootcert CA as libpq does; Prisma 6's engine ignores it.
    let ca = "postgres://db/ehr?sslmode=require&sslrootcert=ca.pem";
    assert_eq!(sslmode(ca, 6), (Verdict::Passed, Verdict::Failed(Priority::P1)));
    assert_eq!(sslmode(ca, 7), (Verdict::Passed, Verdict::Passed));
    // Prisma 6's engine reads libpq's verify-full as prefer; Prisma 7's adapter as libpq does.
    assert_eq!(sslmode("postgres://db/ehr?sslmode=verify-full", 6), (p0, not_required));
    assert_eq!(sslmode("postgres://db/ehr?sslmode=verify-full", 7), (Verdict::Passed, Verdict::Passed));
}

#[test]
fn tls_parameters_are_read_as_written() {
    let sslmode = |url| url_parameter(url, "sslmode");
    assert_eq!(sslmode("postgres://db/ehr?user=a&sslmode=Verify-Full#x"), Some("verify-full".to_owned()));
    assert_eq!(sslmode("postgres://db/ehr?sslmodes=require"), None);
    assert_eq!(sslmode("postgres://db/ehr"), None);
}

#[test]
fn the_pool_needs_a_connection_limit_and_a_timeout() {
    let fragments = fragments(DATASOURCE);
    let pool = |url: &str| {
        let inputs = with_url(&fragments, url);
        (outcome(&inputs, "pool-connection-limit"), outcome(&inputs, "pool-timeout"))
    };
    assert_eq!(pool("postgres://db/ehr"), (Verdict::Failed(Priority::P1), Verdict::Failed(Priority::P2)));
    assert_eq!(
        pool("postgres://db/ehr?connection_limit=5&pool_timeout=0"),
        (Verdict::Passed, Verdict::Failed(Priority::P2))
    );
    assert_eq!(pool("postgres://db/ehr?connection_limit=5&pool_timeout=10"), (Verdict::Passed, Verdict::Passed));
}

#[test]
fn the_budget_counts_instances_against_the_unreserved_connections() {
    let fragments = fragments(DATASOURCE);
    let budget = |url: &str, instances: Option<u32>| {
        let mut inputs = with_url(&fragments, url);
        inputs.instances = instances;
        inputs.cores = 4;
        inputs.live = server(settings());
        let all = run(&inputs, Env::Production);
        let finding = findings(&all, "pool-budget")[0].clone();
        (finding.outcome, finding.seen)
    };
    // 100 - 3 superuser - 2 reserved (PostgreSQL 16) = 95.
    let (outcome, seen) = budget("postgres://db/ehr?connection_limit=19", Some(5));
    assert_eq!(outcome, Verdict::Passed, "{seen}");
    assert!(seen.starts_with("5 instances x 19 connections = 95; 95 connections"), "{seen}");
    assert_eq!(budget("postgres://db/ehr?connection_limit=20", Some(5)).0, Verdict::Failed(Priority::P1));
    // Without connection_limit, Prisma's default: 4 cores * 2 + 1 = 9 each.
    let (outcome, seen) = budget("postgres://db/ehr", Some(11));
    assert_eq!(outcome, Verdict::Failed(Priority::P1), "{seen}");
    assert!(seen.contains("11 instances x 9 connections (no connection_limit"), "{seen}");
    assert!(matches!(budget("postgres://db/ehr?connection_limit=5", None).0, Verdict::Inconclusive(_)));
    assert_eq!(budget("postgres://db/ehr?connection_limit=96", None).0, Verdict::Failed(Priority::P1));
}

#[test]
fn live_answers_decide_the_server_checks() {
    let fragments = fragments(DATASOURCE);
    let check = |settings: Settings, session: SessionSsl, used: i64, extensions: &[&str], id: &str| {
        let mut inputs = with_url(&fragments, "postgres://db/ehr?sslmode=require");
        let mut live = server(settings);
        if let Live::Connected(server) = &mut live {
            server.session_ssl = Ok(session);
            server.client_connections = Ok(used);
            server.extensions = Ok(extensions.iter().map(|e| (*e).to_owned()).collect());
        }
        inputs.live = live;
        outcome(&inputs, id)
    };
    let tls13 = || SessionSsl { ssl: true, version: Some("TLSv1.3".to_owned()) };
    let plain = || SessionSsl { ssl: false, version: None };
    let off = Settings { ssl: false, ..settings() };
    let p0 = Verdict::Failed(Priority::P0);
    assert_eq!(check(settings(), tls13(), 1, &[], "tls-server-ssl"), Verdict::Passed);
    assert_eq!(check(off.clone(), plain(), 1, &[], "tls-server-ssl"), p0);
    assert_eq!(check(off, plain(), 1, &[], "tls-connection-encrypted"), p0);
    assert_eq!(check(settings(), tls13(), 1, &[], "tls-version"), Verdict::Passed);
    let old = Settings { ssl_min_protocol_version: "TLSv1".to_owned(), ..settings() };
    assert_eq!(check(old, tls13(), 1, &[], "tls-version"), Verdict::Failed(Priority::P1));
    let session_11 = SessionSsl { ssl: true, version: Some("TLSv1.1".to_owned()) };
    assert_eq!(check(settings(), session_11, 1, &[], "tls-version"), Verdict::Failed(Priority::P1));
    assert_eq!(check(settings(), tls13(), 80, &[], "pool-usage"), Verdict::Passed);
    assert_eq!(check(settings(), tls13(), 81, &[], "pool-usage"), Verdict::Failed(Priority::P2));
    assert_eq!(check(settings(), tls13(), 1, &[], "slow-query-logging"), Verdict::Failed(Priority::P2));
    assert_eq!(check(settings(), tls13(), 1, &["pg_stat_statements"], "slow-query-logging"), Verdict::Passed);
    let logged = Settings { log_min_duration_statement: 500, ..settings() };
    assert_eq!(check(logged, tls13(), 1, &[], "slow-query-logging"), Verdict::Passed);
}

#[test]
fn a_literal_url_with_a_password_is_p0_and_never_shown() {
    let schema = "datasource db {\n  provider = \"postgresql\"\n  url = \"postgres://ehr:hunter2@db/ehr\"\n}\n";
    let fragments = fragments(schema);
    let inputs = Inputs::new(&fragments, None);
    let all = run(&inputs, Env::Production);
    let finding = findings(&all, "datasource-url-literal")[0];
    assert_eq!(finding.outcome, Verdict::Failed(Priority::P0));
    assert!(finding.seen.contains("postgres://ehr:****@db/ehr") && !finding.seen.contains("hunter2"), "{finding:?}");
    let fragments = self::fragments(&schema.replace("ehr:hunter2@", "ehr@"));
    assert_eq!(outcome(&Inputs::new(&fragments, None), "datasource-url-literal"), Verdict::Passed);
}

#[test]
fn client_generators_need_an_output_and_the_deployments_binary_target() {
    let schema = |generator: &str| format!("{DATASOURCE}generator client {{\n{generator}}}\n");
    let check = |generator: &str, deployment: Option<&str>, id: &str| {
        let fragments = fragments(&schema(generator));
        let mut inputs = Inputs::new(&fragments, Some(6));
        inputs.binary_target = deployment.map(str::to_owned);
        outcome(&inputs, id)
    };
    let js = "  provider = \"prisma-client-js\"\n";
    assert_eq!(check(js, None, "generator-output"), Verdict::Failed(Priority::P2));
    let with_output = format!("{js}  output = \"../generated/prisma\"\n");
    assert_eq!(check(&with_output, None, "generator-output"), Verdict::Passed);
    assert!(matches!(check(js, None, "generator-binary-targets"), Verdict::Skipped(_)));
    // Without binaryTargets only "native" is built.
    assert_eq!(check(js, Some("debian-openssl-3.0.x"), "generator-binary-targets"), Verdict::Failed(Priority::P1));
    let targets = format!("{js}  binaryTargets = [\"native\", \"debian-openssl-3.0.x\"]\n");
    assert_eq!(check(&targets, Some("debian-openssl-3.0.x"), "generator-binary-targets"), Verdict::Passed);
    assert_eq!(
        check(&targets, Some("linux-musl-openssl-3.0.x"), "generator-binary-targets"),
        Verdict::Failed(Priority::P1)
    );
    let from_env = format!("{js}  binaryTargets = [\"native\", env(\"TARGET\")]\n");
    assert!(matches!(
        check(&from_env, Some("rhel-openssl-3.0.x"), "generator-binary-targets"),
        Verdict::Inconclusive(_)
    ));
}

#[test]
fn integrity_compares_the_merged_file_and_names_unindexed_foreign_keys() {
    let schema = format!(
        "{DATASOURCE}model Patient {{\n  id    Int    @id\n  notes Note[]\n}}\n\nmodel Note {{\n  id        Int     @id\n  \
         patientId Int\n  patient   Patient @relation(fields: [patientId], references: [id])\n}}\n"
    );
    let fragments = fragments(&schema);
    let mut inputs = Inputs::new(&fragments, None);
    let all = run(&inputs, Env::Production);
    let fk = findings(&all, "fk-index")[0];
    assert_eq!(fk.outcome, Verdict::Failed(Priority::P2));
    assert!(fk.seen.contains("schema/a.prisma:13: foreign key `Note.patientId` has no index"), "{}", fk.seen);
    assert_eq!(outcome(&inputs, "schema-in-sync"), Verdict::Failed(Priority::P1), "no schema.prisma");
    inputs.merged_on_disk = Some(inputs.merged.clone());
    assert_eq!(outcome(&inputs, "schema-in-sync"), Verdict::Passed);
    inputs.merged_on_disk = Some(inputs.merged.replacen("Int", "BigInt", 1));
    let all = run(&inputs, Env::Production);
    assert!(findings(&all, "schema-in-sync")[0].seen.contains("from line"), "{all:?}");
    assert_eq!(outcome(&inputs, "schema-valid"), Verdict::Passed);
    let broken = self::fragments(&format!("{DATASOURCE}model A {{\n  id Nope @id\n}}\n"));
    let inputs = Inputs::new(&broken, None);
    assert_eq!(outcome(&inputs, "schema-valid"), Verdict::Failed(Priority::P1));
}

#[test]
fn hba_rules_for_remote_clients_without_tls_are_p1_and_an_unreadable_view_is_inconclusive() {
    let fragments = fragments(DATASOURCE);
    let rule = |line: i32, kind: &str, address: Option<&str>, auth: &str| HbaRule {
        file: Some("/var/lib/postgresql/data/pg_hba.conf".to_owned()),
        line,
        kind: Some(kind.to_owned()),
        databases: vec!["all".to_owned()],
        users: vec!["all".to_owned()],
        address: address.map(str::to_owned),
        netmask: address.map(|_| "0.0.0.0".to_owned()),
        auth_method: Some(auth.to_owned()),
        error: None,
    };
    let check = |rules: Result<Vec<HbaRule>, String>| {
        let mut inputs = with_url(&fragments, "postgres://db/ehr?sslmode=require");
        let mut live = server(settings());
        if let Live::Connected(server) = &mut live {
            server.hba_rules = rules;
        }
        inputs.live = live;
        let all = run(&inputs, Env::Production);
        let finding = findings(&all, "tls-hba-no-ssl")[0].clone();
        (finding.outcome, finding.seen)
    };
    let local = rule(1, "local", None, "peer");
    let (outcome, seen) = check(Ok(vec![local.clone(), rule(2, "host", Some("0.0.0.0"), "scram-sha-256")]));
    assert_eq!(outcome, Verdict::Failed(Priority::P1));
    assert_eq!(
        seen,
        "1 rule admits remote clients without TLS: pg_hba.conf line 2: host all all 0.0.0.0/0 scram-sha-256"
    );
    let (outcome, seen) = check(Ok(vec![local.clone(), rule(2, "hostssl", Some("0.0.0.0"), "scram-sha-256")]));
    assert_eq!((outcome, seen.as_str()), (Verdict::Passed, "remote clients are admitted only over TLS (1 of 2 rules)"));
    let broken = HbaRule { kind: None, error: Some("invalid IP address".to_owned()), ..rule(3, "host", None, "") };
    let (outcome, seen) = check(Ok(vec![local, broken]));
    assert_eq!(outcome, Verdict::Passed);
    assert_eq!(
        seen,
        "pg_hba.conf admits no remote client: its 1 rule is for local connections; 1 line with an error not \
         judged (see pg_hba_file_rules.error)"
    );
    let denied = "pg_hba_file_rules is readable only by superusers and by roles granted ...".to_owned();
    assert_eq!(check(Err(denied.clone())).0, Verdict::Inconclusive(denied));
}

#[test]
fn a_server_that_refuses_tls_has_ssl_off() {
    let fragments = fragments(DATASOURCE);
    let mut inputs = with_url(&fragments, "postgres://db/ehr?sslmode=require");
    inputs.live = Live::Unreachable(
        "cannot connect to postgres://db/ehr?sslmode=require: error occurred while attempting to establish a TLS \
         connection: server does not support TLS"
            .to_owned(),
    );
    assert_eq!(outcome(&inputs, "tls-server-ssl"), Verdict::Failed(Priority::P0));
    let cannot = Verdict::Skipped("cannot connect to the database".to_owned());
    assert_eq!(outcome(&inputs, "tls-connection-encrypted"), cannot);
    inputs.live = Live::Unreachable("cannot connect to postgres://db/ehr: connection refused".to_owned());
    assert_eq!(outcome(&inputs, "tls-server-ssl"), cannot);
}

#[test]
fn a_pooler_hinted_by_port_name_or_refusal_needs_pgbouncer_true() {
    let fragments = fragments(DATASOURCE);
    let pooler = |url: &str, live: Live| {
        let mut inputs = with_url(&fragments, url);
        inputs.live = live;
        let all = run(&inputs, Env::Production);
        let finding = findings(&all, "pool-pooler-mode")[0].clone();
        (finding.outcome, finding.seen)
    };
    let p1 = Verdict::Failed(Priority::P1);
    let (verdict, seen) = pooler("postgres://db:6432/ehr", Live::NoUrl);
    assert_eq!(verdict, p1);
    assert!(seen.contains("port 6432 is PgBouncer's default port"), "{seen}");
    assert_eq!(pooler("postgres://db.example.com:6543/ehr", Live::NoUrl).0, p1);
    let (verdict, seen) = pooler("postgres://ep-cool-123-pooler.eu-central-1.aws.neon.tech/ehr", Live::NoUrl);
    assert_eq!(verdict, p1);
    assert!(seen.contains("contains \"pooler\""), "{seen}");
    assert_eq!(pooler("postgres://PgBouncer.internal/ehr", Live::NoUrl).0, p1);
    let refused =
        Live::Unreachable("cannot connect to postgres://db/ehr: unsupported startup parameter: options".into());
    assert_eq!(pooler("postgres://db/ehr", refused).0, p1);
    assert_eq!(pooler("postgres://db:6432/ehr?pgbouncer=true", Live::NoUrl).0, Verdict::Passed);
    assert_eq!(pooler("postgres://db/ehr", Live::NoUrl).0, Verdict::Passed);

    // With a connection, what the connections showed decides, hints or not.
    let seen = |pooler: Option<Result<Pooler, String>>| {
        let mut live = server(settings());
        if let Live::Connected(server) = &mut live {
            server.pooler = pooler;
        }
        live
    };
    let shared = Pooler::Transaction("two client connections were served by one server process (pid 7)".into());
    let (verdict, text) = pooler("postgres://db:5433/ehr", seen(Some(Ok(shared))));
    assert_eq!(verdict, p1);
    assert_eq!(
        text,
        "a transaction-mode pooler at db:5433: two client connections were served by one server process (pid 7); \
         pgbouncer=true is not in the URL"
    );
    let bound = |server_port, startup_refused| Some(Ok(Pooler::SessionBound { server_port, startup_refused }));
    let (verdict, text) = pooler("postgres://db:6432/ehr", seen(bound(Some(5432), false)));
    assert_eq!(verdict, Verdict::Passed, "session mode, port hint or not");
    assert!(text.starts_with("a pooler or a proxy (the server took the session on port 5432, the URL says 6432)"));
    let (verdict, text) = pooler("postgres://db/ehr", seen(bound(Some(5432), true)));
    assert_eq!(verdict, Verdict::Passed);
    assert!(text.starts_with("a pooler that does not pass startup options on (PgBouncer)"), "{text}");
    let (verdict, text) = pooler("postgres://db:5432/ehr", seen(bound(Some(5432), false)));
    assert_eq!(
        (verdict, text.as_str()),
        (Verdict::Passed, "a direct connection to db:5432: each client kept its own server process")
    );
    let failed = Some(Err("cannot connect".to_owned()));
    assert!(matches!(pooler("postgres://db/ehr", seen(failed)).0, Verdict::Inconclusive(_)));

    // Prisma 7's adapter needs no pgbouncer=true.
    let mut inputs = with_url(&fragments, "postgres://db:6432/ehr");
    inputs.prisma_major = 7;
    assert!(matches!(outcome(&inputs, "pool-pooler-mode"), Verdict::Skipped(_)));
    inputs.target = None;
    assert_eq!(outcome(&inputs, "pool-pooler-mode"), Verdict::Skipped("no database URL".to_owned()));
}
