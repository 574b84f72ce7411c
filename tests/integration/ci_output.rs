//! Output for CI through the binary: SARIF from validate, lint and check
//! validated against the SARIF 2.1.0 JSON schema, GitHub workflow commands
//! line for line, `--summary` and `--max-warnings`.

use serde_json::Value;

use crate::check_cli::example;
use crate::support::{DATASOURCE, Project, fixtures};

/// The OASIS schema, with its `language` pattern's stray `]` escaped: the
/// pattern `^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$` is rejected by Rust's
/// engines (see tests/fixtures/sarif/README.md).
fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(fixtures().join("sarif/sarif-schema-2.1.0.json")).unwrap();
    let stray = r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$""#;
    assert_eq!(text.matches(stray).count(), 2, "the schema's two language patterns");
    let text = text.replace(stray, r#""^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}\\]?$""#);
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::validator_for(&schema).expect("the SARIF schema compiles")
}

fn assert_valid(log: &Value) {
    let validator = validator();
    let errors: Vec<String> = validator.iter_errors(log).map(|e| format!("{e} at {}", e.instance_path())).collect();
    assert!(errors.is_empty(), "not valid SARIF 2.1.0: {errors:#?}\n{log:#}");
}

/// `timestamp-without-time-zone`, `fk-without-index`, and a model defined
/// twice (an error with a second place).
const SCHEMA: &str = "model Patient {
  id     Int     @id
  visits Visit[]
}

model Visit {
  id        Int      @id
  seenAt    DateTime
  patientId Int
  patient   Patient  @relation(fields: [patientId], references: [id])
}
";

fn run(project: &Project, args: &[&str]) -> (i32, String, String) {
    let output = project.ehrdb().args(args).output().unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn validate_sarif_is_valid_and_places_every_diagnostic() {
    let project = Project::new(&[
        ("a.prisma", DATASOURCE),
        ("b.prisma", SCHEMA),
        ("c.prisma", "model Patient {\n  id Int @id\n}\n"),
    ]);
    let (code, stdout, stderr) = run(&project, &["validate", "--format", "sarif"]);
    assert_eq!(code, 1, "{stderr}");
    let log: Value = serde_json::from_str(&stdout).unwrap();
    assert_valid(&log);
    let results = log["runs"][0]["results"].as_array().unwrap();
    let codes: Vec<(&str, &str)> =
        results.iter().map(|r| (r["ruleId"].as_str().unwrap(), r["level"].as_str().unwrap())).collect();
    assert_eq!(
        codes[..3],
        [("timestamp-without-time-zone", "warning"), ("fk-without-index", "warning"), ("duplicate-model", "error")]
    );
    let duplicate = &results[2];
    let place = &duplicate["locations"][0]["physicalLocation"];
    assert_eq!(place["artifactLocation"]["uri"], "schema/c.prisma");
    assert_eq!((place["region"]["startLine"].as_i64(), place["region"]["startColumn"].as_i64()), (Some(1), Some(7)));
    let related = &duplicate["relatedLocations"][0]["physicalLocation"];
    assert_eq!(related["artifactLocation"]["uri"], "schema/b.prisma");
    let rules = log["runs"][0]["tool"]["driver"]["rules"].as_array().unwrap();
    let index = duplicate["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[index]["id"], "duplicate-model");
}

#[test]
fn the_validator_rejects_a_broken_log() {
    let project = Project::new(&[("a.prisma", DATASOURCE), ("b.prisma", SCHEMA)]);
    let (_, stdout, _) = run(&project, &["validate", "--format", "sarif"]);
    let log: Value = serde_json::from_str(&stdout).unwrap();
    assert!(validator().is_valid(&log));
    let mut broken = log.clone();
    broken["runs"][0]["results"][0].as_object_mut().unwrap().remove("message");
    assert!(!validator().is_valid(&broken), "a result without a message");
    let mut broken = log.clone();
    broken["version"] = "2.0.0".into();
    assert!(!validator().is_valid(&broken), "another version");
    let mut broken = log;
    broken["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] = 0.into();
    assert!(!validator().is_valid(&broken), "lines start at 1");
}

#[test]
fn github_annotations_line_for_line() {
    let project = Project::new(&[("a.prisma", DATASOURCE), ("b.prisma", SCHEMA)]);
    let (code, stdout, _) = run(&project, &["validate", "--format", "github"]);
    assert_eq!(code, 0);
    let expected = "\
::warning file=schema/b.prisma,line=8,col=13,endLine=8,endColumn=21,title=timestamp-without-time-zone::\
`Visit.seenAt` is stored without a time zone%0Ahelp: add `@db.Timestamptz(6)` (or `@db.Date` for a calendar date)
::warning file=schema/b.prisma,line=10,col=40,endLine=10,endColumn=51,title=fk-without-index::\
foreign key `Visit.patientId` has no index%0Ahelp: add `@@index([patientId])` to `Visit` (or an @@unique/@@index that starts with these fields)
";
    assert_eq!(stdout, expected);
}

#[test]
fn summary_counts_per_code_and_max_warnings_fails_past_n() {
    let project = Project::new(&[("a.prisma", DATASOURCE), ("b.prisma", SCHEMA)]);
    let (code, stdout, _) = run(&project, &["validate", "--summary"]);
    assert_eq!(code, 0);
    assert_eq!(stdout, "1 warning fk-without-index\n1 warning timestamp-without-time-zone\n0 errors, 2 warnings\n");
    let (_, stdout, _) = run(&project, &["validate", "--summary", "--format", "json"]);
    let summary: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!((summary["ok"].as_bool(), summary["warnings"].as_u64()), (Some(true), Some(2)));
    assert_eq!(
        summary["codes"][0],
        serde_json::json!({ "code": "fk-without-index", "severity": "warning", "count": 1 })
    );

    let (code, _, _) = run(&project, &["validate", "--max-warnings", "2"]);
    assert_eq!(code, 0, "two warnings are not more than 2");
    let (code, _, stderr) = run(&project, &["validate", "--max-warnings", "1"]);
    assert_eq!(code, 1);
    assert!(stderr.contains("2 warnings: more than --max-warnings 1 allows"), "{stderr}");
    let (code, _, stderr) = run(&project, &["validate", "--summary", "--format", "sarif"]);
    assert_eq!(code, 2, "{stderr}");
}

#[test]
fn lint_sarif_is_valid() {
    let project = Project::new(&[("a.prisma", DATASOURCE), ("b.prisma", SCHEMA)]);
    project.write(
        "drop.sql",
        "CREATE INDEX visit_seen ON \"Visit\" (\"seenAt\");\nALTER TABLE legacy DROP COLUMN note;\n",
    );
    let (code, stdout, stderr) = run(&project, &["lint", "drop.sql", "--format", "sarif"]);
    assert_eq!(code, 1, "{stderr}");
    let log: Value = serde_json::from_str(&stdout).unwrap();
    assert_valid(&log);
    let ids: Vec<&str> =
        log["runs"][0]["results"].as_array().unwrap().iter().map(|r| r["ruleId"].as_str().unwrap()).collect();
    assert_eq!(ids, ["require-concurrent-index-creation", "ban-drop-column"]);

    project.write("ehrdb.toml", "[lints]\nrequire-concurrent-index-creation = \"warn\"\nban-drop-column = \"warn\"\n");
    let (code, stdout, _) = run(&project, &["lint", "drop.sql", "--format", "github", "--max-warnings", "1"]);
    assert_eq!(code, 1, "two warnings, more than 1");
    assert!(stdout.starts_with("::warning file=drop.sql,line=1,col=1,"), "{stdout}");
    let (code, stdout, _) = run(&project, &["lint", "drop.sql", "--summary"]);
    assert_eq!(code, 0);
    assert_eq!(
        stdout,
        "1 warning ban-drop-column\n1 warning require-concurrent-index-creation\n0 errors, 2 warnings\n"
    );
}

#[test]
fn check_sarif_places_findings_at_the_datasource() {
    let project = example();
    let (code, stdout, stderr) = crate::check_cli::check(&project, &["--format", "sarif", "--fail-on", "p2"]);
    assert_eq!(code, 1, "{stderr}");
    let log: Value = serde_json::from_str(&stdout).unwrap();
    assert_valid(&log);
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 1, "{log:#}");
    assert_eq!(
        (results[0]["ruleId"].as_str(), results[0]["level"].as_str()),
        (Some("generator-output"), Some("error"))
    );
    let place = &results[0]["locations"][0]["physicalLocation"];
    assert_eq!(place["artifactLocation"]["uri"], "schema/base.prisma");
    assert_eq!(place["region"]["startLine"], 9, "the datasource block");

    // Below --fail-on it is a warning; --max-warnings counts it.
    let (code, stdout, _) = crate::check_cli::check(&project, &["--format", "github"]);
    assert_eq!(code, 0);
    assert!(
        stdout.starts_with(
            "::warning file=schema/base.prisma,line=9,col=1,endLine=12,title=generator-output::P2 generator-output: "
        ),
        "{stdout}"
    );
    assert_eq!(stdout.lines().count(), 1, "{stdout}");
    let (code, _, stderr) = crate::check_cli::check(&project, &["--max-warnings", "0"]);
    assert_eq!(code, 1, "{stderr}");

    let (code, stdout, _) = crate::check_cli::check(&project, &["--summary"]);
    assert_eq!(code, 0);
    assert!(stdout.starts_with("P2 generator-output\nscore 97/100, grade A:"), "{stdout}");
    let (_, stdout, _) = crate::check_cli::check(&project, &["--summary", "--format", "json"]);
    let summary: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(summary["failed_ids"], serde_json::json!(["generator-output"]));
    assert!(summary.get("findings").is_none() && summary["counts"]["P2"] == 1, "{summary:#}");
}
