//! Exit codes and messages for bad input: 0 ok, 1 found something, 2
//! could not run. Every message names the path it is about.

use crate::support::{DATASOURCE, Project, ehrdb};
use predicates::str::contains;

#[test]
fn help_lists_every_command_and_examples() {
    let assert = ehrdb().arg("--help").assert().code(0);
    let out = String::from_utf8(assert.get_output().stdout.clone()).unwrap();
    for command in ["merge", "fmt", "validate", "diff", "migrate", "apply", "status", "rollback", "check"] {
        assert!(out.contains(&format!("  {command} ")), "--help lacks {command}:\n{out}");
    }
    assert!(out.contains("Examples:") && out.contains("Exit codes:"), "{out}");
}

#[test]
fn a_missing_schema_folder_exits_2_and_names_it() {
    let project = Project::new(&[]);
    project
        .ehrdb()
        .args(["merge", "--schema", "no/such/dir"])
        .assert()
        .code(2)
        .stderr(contains("cannot read the schema folder no/such/dir"));
}

#[test]
fn an_empty_folder_exits_2_and_names_it() {
    let project = Project::new(&[]);
    project.ehrdb().arg("merge").assert().code(2).stderr(contains("no *.prisma files in schema"));
}

#[test]
fn a_non_utf8_fragment_exits_2_and_names_it() {
    let project = Project::new(&[("a.prisma", DATASOURCE)]);
    std::fs::write(project.path("schema/b.prisma"), b"model A {\n  name String @default(\"caf\xe9\")\n}\n").unwrap();
    project.ehrdb().arg("validate").assert().code(2).stderr(contains("schema/b.prisma is not valid UTF-8 (line 2"));
}

#[cfg(unix)]
#[test]
fn an_unreadable_fragment_exits_2_and_names_it() {
    use std::os::unix::fs::PermissionsExt;
    let project = Project::new(&[("a.prisma", DATASOURCE), ("b.prisma", "")]);
    let path = project.path("schema/b.prisma");
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&path).is_ok() {
        // Root reads anything; make the path unreadable another way.
        std::fs::remove_file(&path).unwrap();
        std::fs::create_dir(&path).unwrap();
        std::os::unix::fs::symlink("/nonexistent/target.prisma", project.path("schema/c.prisma")).unwrap();
        project.ehrdb().arg("merge").assert().code(2).stderr(contains("cannot read schema/c.prisma"));
    } else {
        project.ehrdb().arg("merge").assert().code(2).stderr(contains("cannot read schema/b.prisma"));
    }
}

#[test]
fn an_unknown_config_key_exits_2_and_names_it() {
    let project = Project::new(&[("a.prisma", DATASOURCE)]);
    project.write("ehrdb.toml", "schema = \"schema\"\noutptu = \"x.prisma\"\n");
    project.ehrdb().arg("merge").assert().code(2).stderr(contains("ehrdb.toml")).stderr(contains("outptu"));
}

#[test]
fn syntax_errors_exit_1_with_file_line_and_column() {
    let project =
        Project::new(&[("a.prisma", DATASOURCE), ("b.prisma", "model A {\n  id Int @id\n  name @unique\n}\n")]);
    project
        .ehrdb()
        .arg("validate")
        .assert()
        .code(1)
        .stderr(contains("error[field-missing-type]: field `name` has no type"))
        .stderr(contains("schema/b.prisma:3:3"))
        .stderr(contains("1 error, 0 warnings"));
}

#[test]
fn validate_json_has_file_line_column_code_and_severity() {
    let project =
        Project::new(&[("a.prisma", DATASOURCE), ("b.prisma", "model A {\n  id Int @id\n  name @unique\n}\n")]);
    let assert = project.ehrdb().args(["validate", "--format", "json"]).assert().code(1);
    let json: serde_json::Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    assert_eq!(json["ok"], false);
    let first = &json["diagnostics"][0];
    assert_eq!(first["file"], "schema/b.prisma");
    assert_eq!((first["line"].as_u64(), first["column"].as_u64()), (Some(3), Some(3)));
    assert_eq!((first["end_line"].as_u64(), first["end_column"].as_u64()), (Some(3), Some(15)));
    assert_eq!(first["code"], "field-missing-type");
    assert_eq!(first["severity"], "error");
}

#[test]
fn database_commands_without_a_url_exit_2_and_say_where_it_comes_from() {
    let project = Project::new(&[("a.prisma", DATASOURCE)]);
    std::fs::create_dir(project.path("migrations")).unwrap();
    for command in ["apply", "status", "rollback", "baseline"] {
        project.ehrdb().arg(command).assert().code(2).stderr(contains(
            "no database URL: pass --database-url, or set DATABASE_URL in the environment or in .env",
        ));
    }
}

#[test]
fn bad_flags_exit_2() {
    ehrdb().args(["merge", "--no-such-flag"]).assert().code(2);
}

const WARNS_ONLY: &str = "model Visit {\n  id     String   @id\n  seenAt DateTime\n}\n";

#[test]
fn validate_exits_0_with_warnings_and_1_when_they_are_denied() {
    let project = Project::new(&[("a.prisma", DATASOURCE), ("b.prisma", WARNS_ONLY)]);
    project
        .ehrdb()
        .arg("validate")
        .assert()
        .code(0)
        .stderr(contains("warning[timestamp-without-time-zone]"))
        .stderr(contains("0 errors, 1 warning"));
    project.ehrdb().args(["validate", "--deny-warnings"]).assert().code(1);
    let assert = project.ehrdb().args(["validate", "--format", "json"]).assert().code(0);
    let json: serde_json::Value = serde_json::from_slice(&assert.get_output().stdout).unwrap();
    assert_eq!((json["ok"].as_bool(), json["warnings"].as_u64()), (Some(true), Some(1)));
    assert_eq!(json["diagnostics"][0]["severity"], "warning");
}

#[test]
fn validate_exits_2_when_it_cannot_run() {
    let project = Project::new(&[]);
    project
        .ehrdb()
        .args(["validate", "--format", "json"])
        .assert()
        .code(2)
        .stderr(contains("no *.prisma files in schema"));
}

#[test]
fn merge_refuses_a_schema_with_validation_errors() {
    let broken = "model Visit {\n  id     String @id\n  weight Flaot\n}\n";
    let project = Project::new(&[("a.prisma", DATASOURCE), ("b.prisma", broken)]);
    project.ehrdb().arg("merge").assert().code(1).stderr(contains("error[unknown-type]: unknown type `Flaot`"));
    assert!(!project.path("schema.prisma").exists(), "nothing is written for an invalid schema");
}
