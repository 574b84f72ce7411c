//! `ehrdb check` through the binary: a static run on the example, the JSON
//! shape the README documents, a snapshot of the Markdown report, a URL
//! that does not connect, and the example database after `ehrdb apply` on
//! the test server (which runs with ssl off and max_connections 50).

use std::path::Path;

use serde_json::Value;

use crate::support::{Project, pg, repo};

/// A project holding a copy of the example: fragments, merged schema and
/// migrations.
pub(crate) fn example() -> Project {
    let project = Project::new(&[]);
    for folder in ["schema", "migrations"] {
        copy(&repo().join(folder), &project, folder);
    }
    project.write("schema.prisma", &std::fs::read_to_string(repo().join("schema.prisma")).unwrap());
    project
}

fn copy(from: &Path, project: &Project, to: &str) {
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let name = format!("{to}/{}", path.file_name().unwrap().to_string_lossy());
        if path.is_dir() {
            copy(&path, project, &name);
        } else {
            project.write(&name, &std::fs::read_to_string(&path).unwrap());
        }
    }
}

/// `ehrdb check <args>` in the project: exit code, stdout, stderr.
pub(crate) fn check(project: &Project, args: &[&str]) -> (i32, String, String) {
    let output = project.ehrdb().arg("check").args(args).output().expect("ehrdb runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

pub(crate) fn check_json(project: &Project, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["--format", "json"];
    all.extend_from_slice(args);
    let (code, stdout, stderr) = check(project, &all);
    (code, serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}{stderr}")))
}

/// `outcome` or `outcome severity` of the one finding with `id`.
pub(crate) fn verdict(report: &Value, id: &str) -> String {
    let found: Vec<&Value> = report["findings"].as_array().unwrap().iter().filter(|f| f["id"] == id).collect();
    assert_eq!(found.len(), 1, "{id}: {report:#}");
    match found[0]["severity"].as_str() {
        Some(severity) => format!("failed {severity}"),
        None => found[0]["outcome"].as_str().unwrap().to_owned(),
    }
}

pub(crate) fn seen(report: &Value, id: &str) -> String {
    let finding = report["findings"].as_array().unwrap().iter().find(|f| f["id"] == id).unwrap();
    finding["seen"].as_str().unwrap().to_owned()
}

#[test]
fn a_static_run_on_the_example_checks_the_files_and_skips_the_rest() {
    let project = example();
    let (code, stdout, stderr) = check(&project, &[]);
    assert_eq!(code, 0, "only a P2 finding, and --fail-on is p0: {stdout}{stderr}");
    assert!(stdout.contains("live checks skipped: no database URL"), "{stdout}");
    assert!(stdout.contains("  FAIL P2      generator-output: generator `client` has no output"), "{stdout}");
    assert!(stdout.contains("  skipped      tls-server-ssl: no connection"), "{stdout}");
    assert!(stdout.ends_with("score 97/100, grade A: 0 P0, 0 P1, 1 P2 failed; 5 passed, 44 skipped, 0 inconclusive\n"));

    let (code, report) = check_json(&project, &["--fail-on", "p2"]);
    assert_eq!(code, 1, "--fail-on p2 fails on the P2 finding");
    assert_eq!(report["failed"], true);
    for id in ["fk-index", "schema-valid", "schema-in-sync", "migrations-sum", "datasource-url-literal"] {
        assert_eq!(verdict(&report, id), "passed", "{id}: {report:#}");
    }
    assert_eq!(verdict(&report, "generator-output"), "failed P2");
    for id in ["tls-sslmode", "pool-connection-limit", "generator-binary-targets"] {
        assert_eq!(verdict(&report, id), "skipped", "{id}");
    }
    let live = ["tls-server-ssl", "tls-connection-encrypted", "tls-version", "pool-budget", "pool-usage"];
    for id in live.iter().chain(&["migrations-applied", "schema-drift", "slow-query-logging"]) {
        let finding = report["findings"].as_array().unwrap().iter().find(|f| f["id"] == *id).unwrap();
        assert_eq!((finding["outcome"].as_str(), finding["reason"].as_str()), (Some("skipped"), Some("no connection")));
    }

    let (code, report) = check_json(&project, &["--binary-target", "debian-openssl-3.0.x"]);
    assert_eq!((code, verdict(&report, "generator-binary-targets")), (0, "passed".to_owned()));
    let (code, report) = check_json(&project, &["--binary-target", "linux-musl-openssl-3.0.x", "--fail-on", "p1"]);
    assert_eq!((code, verdict(&report, "generator-binary-targets")), (1, "failed P1".to_owned()));

    // A stale schema.prisma and an edited migration are integrity findings.
    project.write("schema.prisma", "// stale\n");
    let up = "migrations/20261124_210832_add_patient_is_active/up.sql";
    project.write(up, &format!("{}\n-- edited\n", project.read(up)));
    let (_, report) = check_json(&project, &[]);
    assert_eq!(verdict(&report, "schema-in-sync"), "failed P1");
    assert_eq!(verdict(&report, "migrations-sum"), "failed P1");
    assert!(seen(&report, "migrations-sum").contains("20261124_210832_add_patient_is_active"), "{report:#}");
}

/// The README's JSON example, whose keys the output must have.
fn documented_json() -> Value {
    let readme = std::fs::read_to_string(repo().join("README.md")).unwrap();
    let start = readme.find("```json\n{\n  \"version\"").expect("README documents check's JSON") + "```json\n".len();
    let end = start + readme[start..].find("```").unwrap();
    serde_json::from_str(&readme[start..end]).expect("the README's example is JSON")
}

fn keys(value: &Value) -> Vec<String> {
    let mut keys: Vec<String> = value.as_object().unwrap().keys().cloned().collect();
    keys.sort();
    keys
}

#[test]
fn json_output_has_the_documented_shape() {
    let documented = documented_json();
    let project = example();
    let url = "postgres://ehr:s3cr3t@127.0.0.1:1/ehr?sslmode=require&connection_limit=5";
    let (code, report) = check_json(&project, &["--database-url", url]);
    assert_eq!(code, 0, "no P0: a URL that does not connect is not exit 2: {report:#}");
    assert!(!report.to_string().contains("s3cr3t"), "{report}");
    assert_eq!(keys(&report), keys(&documented));
    assert_eq!(keys(&report["counts"]), keys(&documented["counts"]));
    assert_eq!(report["version"], 1);
    assert_eq!(report["database"], "postgres://ehr:****@127.0.0.1:1/ehr?sslmode=require&connection_limit=5");
    assert_eq!(report["connection"]["state"], "failed");
    assert!(report["connection"]["error"].as_str().unwrap().starts_with("cannot connect to postgres://ehr:****@"));
    assert_eq!((report["environment"].as_str(), report["fail_on"].as_str()), (Some("production"), Some("P0")));
    assert!(report["score"].is_u64() && report["grade"].is_string() && report["checked_at"].is_string());

    let finding_keys = keys(&documented["findings"][0]);
    let areas = ["tls", "pool", "replication", "indexes", "immutability", "integrity", "configuration", "application"];
    let findings = report["findings"].as_array().unwrap();
    for finding in findings {
        assert_eq!(keys(finding), finding_keys, "{finding}");
        let outcome = finding["outcome"].as_str().unwrap();
        assert!(["failed", "passed", "skipped", "inconclusive"].contains(&outcome), "{finding}");
        assert_eq!(finding["severity"].is_string(), outcome == "failed", "{finding}");
        assert_eq!(finding["reason"].is_string(), matches!(outcome, "skipped" | "inconclusive"), "{finding}");
        assert!(areas.contains(&finding["area"].as_str().unwrap()), "{finding}");
        for text in ["id", "seen", "why", "fix"] {
            assert!(finding[text].is_string(), "{text}: {finding}");
        }
    }
    let count = |outcome: &str| findings.iter().filter(|f| f["outcome"] == outcome).count();
    assert_eq!(report["counts"]["passed"], count("passed"));
    assert_eq!(report["counts"]["skipped"], count("skipped"));
    assert_eq!(verdict(&report, "tls-certificate-not-verified"), "failed P1");
    assert_eq!(verdict(&report, "pool-timeout"), "failed P2");
    assert_eq!(verdict(&report, "tls-server-ssl"), "skipped");
    let skipped = findings.iter().find(|f| f["id"] == "tls-server-ssl").unwrap();
    assert_eq!(skipped["reason"], "cannot connect to the database");
}

#[test]
fn the_markdown_report_reads_as_an_assessment() {
    let project = example();
    let url = "postgres://ehr:s3cr3t@127.0.0.1:1/ehr?sslmode=require&connection_limit=5";
    let (code, stdout, _) = check(&project, &["--format", "markdown", "--database-url", url]);
    assert_eq!(code, 0);
    assert!(!stdout.contains("s3cr3t"));
    // The date and the operating system's words for a refused connection vary.
    let mut lines: Vec<String> = Vec::new();
    for line in stdout.lines() {
        lines.push(if line.starts_with("| Date | ") {
            "| Date | [date] |".to_owned()
        } else if let Some(rest) = line.strip_prefix("The live checks were skipped: cannot connect to ") {
            let after = rest.find(". The findings below").expect("the sentence goes on");
            format!("The live checks were skipped: cannot connect to [error]{}", &rest[after..])
        } else {
            line.to_owned()
        });
    }
    insta::assert_snapshot!("check_markdown_static", lines.join("\n"));
}

#[test]
fn an_unparsable_url_is_exit_2_and_a_missing_schema_folder_too() {
    let project = example();
    let (code, _, stderr) = check(&project, &["--database-url", "postgres://ehr:pw@db/ehr?sslmdoe=require"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("sslmdoe") && !stderr.contains(":pw@"), "{stderr}");
    let (code, _, stderr) = check(&project, &["--schema", "no/such/dir"]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn the_example_database_after_apply() {
    let project = example();
    let db = pg::database();
    let (code, stdout, stderr) = {
        let output = project.ehrdb().args(["apply", "--database-url", &db.url()]).output().unwrap();
        (output.status.code(), String::from_utf8_lossy(&output.stdout).into_owned(), output.stderr)
    };
    assert_eq!(code, Some(0), "{stdout}{}", String::from_utf8_lossy(&stderr));

    // The test server has ssl off, so the best URL it accepts asks for
    // prefer: every TLS check fails there, and nothing else does.
    let good = format!("{}?sslmode=prefer&connection_limit=5&pool_timeout=10", db.url());
    let (code, report) = check_json(&project, &["--database-url", &good, "--instances", "2"]);
    assert_eq!(code, 1, "the TLS findings are P0 in production");
    assert_eq!(report["connection"]["state"], "connected");
    for id in [
        "pool-connection-limit",
        "pool-timeout",
        "pool-budget",
        "fk-index",
        "schema-valid",
        "schema-in-sync",
        "migrations-sum",
        "migrations-applied",
        "schema-drift",
        "datasource-url-literal",
    ] {
        assert_eq!(verdict(&report, id), "passed", "{id}: {report:#}");
    }
    for id in ["tls-sslmode", "tls-server-ssl", "tls-connection-encrypted"] {
        assert_eq!(verdict(&report, id), "failed P0", "{id}");
    }
    assert_eq!(verdict(&report, "tls-version"), "skipped");
    assert!(seen(&report, "pool-budget").starts_with("2 instances x 5 connections = 10; 47 connections"));
    assert!(seen(&report, "pool-usage").contains(" of max_connections 50 in use"), "{report:#}");
    assert_eq!(seen(&report, "migrations-applied"), "all 6 migrations applied with their checksums");
    for id in ["fk-index-live", "index-duplicate", "index-invalid", "immutable-function", "immutable-unmarked"] {
        assert_eq!(verdict(&report, id), "passed", "{id}: {report:#}");
    }
    assert_eq!(seen(&report, "immutable-triggers"), "5 immutable tables with both triggers enabled");
    assert_eq!(verdict(&report, "index-unused"), "inconclusive", "the migrations ran just now");

    // The probe: DomainEvent references nothing, so an empty one gets a
    // row to try; the others reference empty tables.
    let (_, report) = check_json(&project, &["--database-url", &good, "--probe"]);
    let probe: Vec<&Value> =
        report["findings"].as_array().unwrap().iter().filter(|f| f["id"] == "immutable-probe").collect();
    let outcomes: Vec<&str> = probe.iter().map(|f| f["outcome"].as_str().unwrap()).collect();
    assert_eq!(outcomes, ["inconclusive", "passed"], "{probe:#?}");
    assert!(
        probe[1]["seen"].as_str().unwrap().contains("on 1 table with ehrdb's error (\"domain_events\")"),
        "{probe:#?}"
    );

    // In development the TLS findings are P2: no P0 or P1 is left.
    let (code, report) = check_json(&project, &["--database-url", &good, "--instances", "2", "--env", "development"]);
    assert_eq!((code, report["counts"]["P0"].as_u64(), report["counts"]["P1"].as_u64()), (0, Some(0), Some(0)));
    let (code, _, _) =
        check(&project, &["--database-url", &good, "--instances", "2", "--env", "development", "--fail-on", "p1"]);
    assert_eq!(code, 0);

    // sslmode missing: a P0 and exit 1, also in a text report.
    let (code, stdout, _) =
        check(&project, &["--database-url", &format!("{}?connection_limit=5&pool_timeout=10", db.url())]);
    assert_eq!(code, 1);
    assert!(stdout.contains("  FAIL P0      tls-sslmode: sslmode is not in the URL"), "{stdout}");

    // Ten instances of five connections do not fit in 50 - 3 reserved.
    let (_, report) = check_json(&project, &["--database-url", &good, "--instances", "10"]);
    assert_eq!(verdict(&report, "pool-budget"), "failed P1");

    // A hand-made index is drift; a migration the database lacks is pending.
    db.psql(r#"CREATE INDEX "by_hand" ON "patients" ("created_at")"#);
    project.write("migrations/20301231_000000_later/up.sql", "SELECT 1;\n");
    let (_, report) = check_json(&project, &["--database-url", &good]);
    assert_eq!(verdict(&report, "schema-drift"), "failed P1");
    assert!(seen(&report, "schema-drift").contains("by_hand"), "{report:#}");
    assert_eq!(verdict(&report, "migrations-applied"), "failed P1");
    assert!(seen(&report, "migrations-applied").contains("1 pending (20301231_000000_later)"), "{report:#}");
    assert_eq!(verdict(&report, "migrations-sum"), "failed P1", "the new migration is not in ehrdb.sum");
}
