//! Lint levels (`[lints]` in ehrdb.toml), inline allows
//! (`/// @ehrdb.allow(code)`) and `[check.ignore]`, through the binary.

use crate::check_cli::{check_json, example, verdict};
use crate::support::{DATASOURCE, Project};

/// Two models: one `timestamp-without-time-zone` on `Visit.at`, one
/// `fk-without-index` on `Visit.patientId`.
const VISITS: &str = "model Patient {
  id     Int     @id
  visits Visit[]
}

model Visit {
  id        Int      @id
  at        DateTime @db.Timestamptz(6)
  seenAt    DateTime
  patientId Int
  patient   Patient  @relation(fields: [patientId], references: [id])
}
";

fn project(schema: &str, config: &str) -> Project {
    let project = Project::new(&[("a.prisma", DATASOURCE), ("b.prisma", schema)]);
    if !config.is_empty() {
        project.write("ehrdb.toml", config);
    }
    project
}

/// `ehrdb validate --format json`: the exit code and (code, severity) of
/// each diagnostic.
fn validate(project: &Project, args: &[&str]) -> (i32, Vec<(String, String)>) {
    let output = project.ehrdb().args(["validate", "--format", "json"]).args(args).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report: serde_json::Value = serde_json::from_str(&stdout)
        .unwrap_or_else(|e| panic!("{e}: {stdout}{}", String::from_utf8_lossy(&output.stderr)));
    let found = report["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| (d["code"].as_str().unwrap().to_owned(), d["severity"].as_str().unwrap().to_owned()))
        .collect();
    (output.status.code().unwrap(), found)
}

fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items.iter().map(|(a, b)| ((*a).to_owned(), (*b).to_owned())).collect()
}

#[test]
fn without_levels_both_lints_warn_and_pass() {
    let (code, found) = validate(&project(VISITS, ""), &[]);
    assert_eq!(code, 0);
    assert_eq!(found, pairs(&[("timestamp-without-time-zone", "warning"), ("fk-without-index", "warning")]));
}

#[test]
fn allow_hides_a_lint_and_deny_fails_the_run() {
    let config = "[lints]\nfk-without-index = \"allow\"\ntimestamp-without-time-zone = \"deny\"\n";
    let (code, found) = validate(&project(VISITS, config), &[]);
    assert_eq!(code, 1, "a denied lint is an error");
    assert_eq!(found, pairs(&[("timestamp-without-time-zone", "error")]));

    let config = "[lints]\nfk-without-index = \"allow\"\ntimestamp-without-time-zone = \"warn\"\n";
    let (code, found) = validate(&project(VISITS, config), &["--deny-warnings"]);
    assert_eq!(code, 1, "--deny-warnings still fails on a warning");
    assert_eq!(found, pairs(&[("timestamp-without-time-zone", "warning")]));
}

#[test]
fn levels_apply_to_merge_too() {
    let config = "[lints]\ntimestamp-without-time-zone = \"deny\"\n";
    let project = project(VISITS, config);
    let output = project.ehrdb().arg("merge").output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("error[timestamp-without-time-zone]"), "{stderr}");
}

#[test]
fn an_unknown_code_exits_2_with_its_place_and_the_closest_code() {
    let config = "schema = \"schema\"\n\n[lints]\nfk-without-idx = \"allow\"\n";
    let output = project(VISITS, config).ehrdb().arg("validate").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("ehrdb.toml:4:1: `fk-without-idx` is not a lint code: did you mean fk-without-index?"),
        "{stderr}"
    );
}

#[test]
fn an_inline_allow_silences_its_block_or_field_only() {
    let allowed = VISITS
        .replace("  seenAt    DateTime\n", "  /// @ehrdb.allow(timestamp-without-time-zone)\n  seenAt    DateTime\n");
    let (code, found) = validate(&project(&allowed, ""), &[]);
    assert_eq!((code, found), (0, pairs(&[("fk-without-index", "warning")])));

    // On the model, it covers the model's fields.
    let allowed = VISITS.replace(
        "model Visit {",
        "/// Visits.\n/// @ehrdb.allow(fk-without-index, timestamp-without-time-zone)\nmodel Visit {",
    );
    let (code, found) = validate(&project(&allowed, ""), &[]);
    assert_eq!((code, found), (0, Vec::new()));

    // On another model, it covers nothing there: reported as unused.
    let elsewhere = VISITS.replace("model Patient {", "/// @ehrdb.allow(fk-without-index)\nmodel Patient {");
    let (code, found) = validate(&project(&elsewhere, ""), &[]);
    assert_eq!(code, 0);
    assert_eq!(
        found,
        pairs(&[
            ("unused-allow", "warning"),
            ("timestamp-without-time-zone", "warning"),
            ("fk-without-index", "warning"),
        ])
    );
}

#[test]
fn an_allow_wins_over_deny_and_unused_allow_takes_a_level() {
    let allowed = VISITS
        .replace("  seenAt    DateTime\n", "  /// @ehrdb.allow(timestamp-without-time-zone)\n  seenAt    DateTime\n");
    let config = "[lints]\ntimestamp-without-time-zone = \"deny\"\nfk-without-index = \"allow\"\n";
    let (code, found) = validate(&project(&allowed, config), &[]);
    assert_eq!((code, found), (0, Vec::new()));

    let unused =
        VISITS.replace("  id        Int      @id\n", "  /// @ehrdb.allow(float-for-money)\n  id        Int      @id\n");
    let config =
        "[lints]\nunused-allow = \"deny\"\nfk-without-index = \"allow\"\ntimestamp-without-time-zone = \"allow\"\n";
    let (code, found) = validate(&project(&unused, config), &[]);
    assert_eq!((code, found), (1, pairs(&[("unused-allow", "error")])));
}

#[test]
fn a_wrong_allow_is_an_error() {
    let cases = [
        ("/// @ehrdb.allow(fk-without-idx)", "unknown-lint-code", "did you mean `fk-without-index`?"),
        ("/// @ehrdb.allow(ban-drop-column)", "unknown-lint-code", "-- ehrdb:allow ban-drop-column"),
        ("/// @ehrdb.allow(duplicate-model)", "unknown-lint-code", "errors cannot be allowed"),
        ("/// @ehrdb.allow", "empty-allow", "name the codes it allows"),
        ("/// @ehrdb.allow()", "empty-allow", "name the codes it allows"),
        ("/// @ehrdb.allow(code: fk-without-index)", "bad-allow-argument", "write the codes bare"),
        ("/// @ehrdb.allow([fk_without_index])", "bad-allow-argument", "write the codes bare"),
    ];
    for (line, code, help) in cases {
        let schema = VISITS.replace("model Visit {", &format!("{line}\nmodel Visit {{"));
        let project = project(&schema, "");
        let output = project.ehrdb().arg("validate").output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{line}: {stderr}");
        assert!(stderr.contains(&format!("error[{code}]")) && stderr.contains(help), "{line}: {stderr}");
        assert!(stderr.contains("schema/b.prisma:6:"), "{line}: placed on its line: {stderr}");
    }
    let detached = format!("/// @ehrdb.allow(fk-without-index)\n\n{VISITS}");
    let output = project(&detached, "").ehrdb().arg("validate").output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("error[detached-annotation]: `@ehrdb.allow` is not attached to anything"), "{stderr}");
}

#[test]
fn an_allow_never_silences_an_error() {
    let schema = "model Patient {
  id     Int     @id
  visits Visit[]
}

model Visit {
  id        Int     @id
  patientId Int
  /// @ehrdb.allow(set-null-on-required-key)
  patient   Patient @relation(fields: [patientId], references: [id], onDelete: SetNull)

  @@index([patientId])
}
";
    // With relations emulated, Prisma rejects the schema: an error.
    let project = project(schema, "[lints]\nset-null-on-required-key = \"allow\"\n");
    project
        .write("schema/a.prisma", "datasource db {\n  provider     = \"postgresql\"\n  relationMode = \"prisma\"\n}\n");
    let (code, found) = validate(&project, &[]);
    assert_eq!(code, 1);
    assert!(found.contains(&("set-null-on-required-key".to_owned(), "error".to_owned())), "{found:?}");
    assert!(found.contains(&("unused-allow".to_owned(), "warning".to_owned())), "{found:?}");
}

#[test]
fn lint_rules_take_levels() {
    let project = project(VISITS, "[lints]\nban-drop-column = \"warn\"\n");
    project.write("drop.sql", "ALTER TABLE legacy DROP COLUMN note;\n");
    let output = project.ehrdb().args(["lint", "drop.sql"]).output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "a lint at warn does not fail: {stderr}");
    assert!(stderr.contains("warning[ban-drop-column]"), "{stderr}");

    project.write("ehrdb.toml", "[lints]\nban-drop-column = \"allow\"\n");
    let output = project.ehrdb().args(["lint", "drop.sql"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert!(!String::from_utf8_lossy(&output.stderr).contains("ban-drop-column"));

    project.write("ehrdb.toml", "[lints]\nsql-syntax-error = \"allow\"\n");
    let output = project.ehrdb().args(["lint", "drop.sql"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "lint's own file errors take no level");
}

#[test]
fn check_ignore_skips_a_finding_with_its_reason() {
    let project = example();
    project.write(
        "ehrdb.toml",
        "[check.ignore]\ngenerator-output = \"the client is generated into node_modules on purpose\"\n",
    );
    let (code, report) = check_json(&project, &["--fail-on", "p2"]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(verdict(&report, "generator-output"), "skipped");
    let finding = report["findings"].as_array().unwrap().iter().find(|f| f["id"] == "generator-output").unwrap();
    assert_eq!(
        finding["reason"].as_str(),
        Some("ignored in ehrdb.toml: the client is generated into node_modules on purpose")
    );

    // An entry whose check passes is a note; an unknown id or an empty reason is exit 2.
    project.write("ehrdb.toml", "[check.ignore]\nschema-valid = \"legacy\"\n");
    let (code, _, stderr) = crate::check_cli::check(&project, &[]);
    assert_eq!(code, 0);
    assert!(stderr.contains("note: ehrdb.toml:2:1: `schema-valid` is ignored, but it passed"), "{stderr}");
    project.write("ehrdb.toml", "[check.ignore]\ngenerator-outptu = \"x\"\n");
    let (code, _, stderr) = crate::check_cli::check(&project, &[]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("ehrdb.toml:2:1: `generator-outptu` is not a check: did you mean generator-output?"),
        "{stderr}"
    );
    project.write("ehrdb.toml", "[check.ignore]\ngenerator-output = \" \"\n");
    let (code, _, stderr) = crate::check_cli::check(&project, &[]);
    assert_eq!(code, 2);
    assert!(stderr.contains("ehrdb.toml:2:20: `generator-output` is ignored without a reason"), "{stderr}");
}

#[test]
fn check_takes_allow_from_lints() {
    let project = example();
    // The example has no fk-without-index: add a relation without an index.
    let (_, report) = check_json(&project, &[]);
    assert_eq!(verdict(&report, "fk-index"), "passed");
    project.write(
        "schema/zz_visits.prisma",
        "model ZzOwner {\n  id    Int     @id\n  items ZzItem[]\n}\n\nmodel ZzItem {\n  id      Int     @id\n  ownerId Int\n  owner   ZzOwner @relation(fields: [ownerId], references: [id])\n}\n",
    );
    let (_, report) = check_json(&project, &[]);
    assert!(verdict(&report, "fk-index").starts_with("failed"), "{report:#}");
    project.write("ehrdb.toml", "[lints]\nfk-without-index = \"allow\"\n");
    let (_, report) = check_json(&project, &[]);
    assert_eq!(verdict(&report, "fk-index"), "passed");
}
