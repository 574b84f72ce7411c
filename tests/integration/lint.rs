//! `ehrdb lint`: fixtures in two sides, so a finding can never be blessed
//! for a case that must pass:
//!
//! * `lint/ok/<code>[.variant]`: the clean twin of each rule's hazard (the
//!   same change done safely, or on a table the file created); nothing is
//!   reported;
//! * `lint/err/<code>[.variant]`: at least one finding of `<code>`; the
//!   rendering is snapshotted.
//!
//! A fixture is a `.sql` file, linted as an up.sql, or a folder with
//! `up.sql` and `down.sql`, linted as a migration. All run against the
//! schema in `lint/schema`. Then: the example's migrations lint clean, and
//! the command's exit codes, `--format json` and its choice of files.

use std::path::{Path, PathBuf};

use ehrdb::diagnostics::{Diagnostics, Sources};
use ehrdb::fragments::Fragments;
use ehrdb::lint::{self, FileKind};
use ehrdb::migrations;
use serde_json::Value;

use crate::support::{Project, example_project, fixtures, pg, repo, run, walk};

fn context_of(schema: &Path) -> lint::Context {
    let fragments = Fragments::load(schema).unwrap();
    lint::context_of_fragments(&fragments, None).unwrap_or_else(|_| panic!("{schema:?} is valid"))
}

/// Lints one fixture (a file or a migration folder) as `ehrdb lint` would,
/// with paths relative to tests/fixtures.
fn check(path: &Path) -> (Sources, Diagnostics) {
    let context = context_of(&fixtures().join("lint/schema"));
    let mut sources = Sources::new();
    let mut add = |path: &Path| {
        let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        sources.add(path.strip_prefix(fixtures()).unwrap().display().to_string(), text)
    };
    if path.is_dir() {
        let up = add(&path.join("up.sql"));
        let down = add(&path.join("down.sql"));
        let diagnostics = lint::lint_migration(&sources, up, Some(down), &context);
        (sources, diagnostics)
    } else {
        let file = add(path);
        let diagnostics = lint::lint_file(&sources, file, FileKind::Up, &context);
        (sources, diagnostics)
    }
}

fn cases(side: &str) -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> =
        std::fs::read_dir(fixtures().join("lint").join(side)).unwrap().map(|e| e.unwrap().path()).collect();
    cases.sort();
    cases
}

/// `ban-drop-column` of `ban-drop-column.sql` or `ban-drop-column.down/`.
fn code_of(case: &Path) -> String {
    let name = case.file_name().unwrap().to_string_lossy();
    name.split('.').next().unwrap().to_owned()
}

#[test]
fn ok_cases_have_no_findings() {
    let mut failures = Vec::new();
    for case in cases("ok") {
        let (sources, diagnostics) = check(&case);
        if !diagnostics.is_empty() {
            failures.push(diagnostics.render(&sources, false));
        }
    }
    assert!(failures.is_empty(), "{} ok cases have findings:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn err_cases_report_their_rule() {
    for case in cases("err") {
        let (sources, diagnostics) = check(&case);
        let rendered = diagnostics.render(&sources, false);
        let code = code_of(&case);
        assert!(diagnostics.iter().any(|d| d.code == code), "{} should report {code}:\n{rendered}", case.display());
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        insta::with_settings!({ snapshot_suffix => name }, {
            insta::assert_snapshot!(rendered);
        });
    }
}

#[test]
fn every_rule_has_an_offending_and_a_clean_case_and_the_cases_hold_60_statements() {
    let (ok, err) = (cases("ok"), cases("err"));
    for code in lint::codes() {
        for (side, cases) in [("ok", &ok), ("err", &err)] {
            assert!(cases.iter().any(|c| code_of(c) == code), "no lint/{side} case for `{code}`");
        }
    }
    for case in ok.iter().chain(&err) {
        let code = code_of(case);
        assert!(lint::codes().any(|c| c == code), "{}: `{code}` is not a lint code", case.display());
    }
    let files = ok.iter().chain(&err).flat_map(|c| if c.is_dir() { walk(c) } else { vec![c.clone()] });
    let statements: usize = files.map(|f| migrations::split(&std::fs::read_to_string(f).unwrap()).len()).sum();
    assert!(statements >= 60, "{statements} statements");
}

#[test]
fn the_examples_migrations_lint_clean() {
    let context = context_of(&repo().join("schema"));
    let history = migrations::load(&repo().join("migrations")).unwrap();
    let mut sources = Sources::new();
    let mut diagnostics = Diagnostics::new();
    for migration in &history {
        let up = sources.add(format!("{}/up.sql", migration.folder()), migration.up.clone());
        let down = migration.down.clone().map(|down| sources.add(format!("{}/down.sql", migration.folder()), down));
        diagnostics.extend(lint::lint_migration(&sources, up, down, &context));
    }
    assert!(diagnostics.is_empty(), "{}", diagnostics.render(&sources, false));
}

#[test]
fn a_finding_names_file_line_and_column_in_json() {
    let sql = "-- The nightly import\nALTER TABLE \"patients\" ADD COLUMN \"nhs\" TEXT;\nTRUNCATE \"audit_events\";\n";
    let project = lint_project();
    project.write("import.sql", sql);
    let output = project.ehrdb().args(["lint", "import.sql", "--format", "json"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["ok"], false);
    assert_eq!(report["errors"], 1);
    let finding = &report["diagnostics"][0];
    assert_eq!(finding["file"], "import.sql");
    assert_eq!((finding["line"].as_u64(), finding["column"].as_u64()), (Some(3), Some(10)));
    assert_eq!(finding["code"], "truncate-immutable-table");
    assert!(finding["notes"][0].as_str().unwrap().starts_with("help: "), "{finding}");
}

/// A project with the fixtures' schema, so the immutable tables are known.
fn lint_project() -> Project {
    let schema = std::fs::read_to_string(fixtures().join("lint/schema/clinic.prisma")).unwrap();
    Project::new(&[("clinic.prisma", &schema)])
}

#[test]
fn exit_codes_are_0_clean_1_findings_2_could_not_lint() {
    let project = lint_project();
    project.write("ok.sql", "ALTER TABLE \"patients\" ADD COLUMN \"nickname\" TEXT;\n");
    project.write("bad.sql", "ALTER TABLE \"patients\" DROP COLUMN \"legacy\";\n");
    let assert = project.ehrdb().args(["lint", "ok.sql"]).assert().code(0);
    assert_eq!(String::from_utf8_lossy(&assert.get_output().stdout), "1 file: no problems found\n");
    let assert = project.ehrdb().args(["lint", "ok.sql", "bad.sql"]).assert().code(1);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("error[ban-drop-column]") && stderr.contains("bad.sql:1:24"), "{stderr}");
    assert!(stderr.ends_with("1 error, 0 warnings\n"), "{stderr}");

    let assert = project.ehrdb().args(["lint", "missing.sql"]).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(stderr.contains("missing.sql: no such file or folder"), "{stderr}");

    project.write("schema/broken.prisma", "model Broken {\n  id Flaot @id\n}\n");
    let assert = project.ehrdb().args(["lint", "ok.sql"]).assert().code(2);
    let stderr = String::from_utf8_lossy(&assert.get_output().stderr).into_owned();
    assert!(
        stderr.contains("cannot lint against the schema in schema") && stderr.contains("run `ehrdb validate`"),
        "{stderr}"
    );
}

#[test]
fn a_down_sql_is_judged_with_its_up_sql_in_view() {
    let project = lint_project();
    project.write("migrations/20261201_090000_wards/up.sql", "CREATE TABLE \"wards\" (\"id\" UUID NOT NULL);\n");
    project.write("migrations/20261201_090000_wards/down.sql", "DROP TABLE \"wards\";\n");
    project.ehrdb().args(["lint", "migrations/20261201_090000_wards/down.sql"]).assert().code(0);
    // Alone, the same DROP TABLE removes a table someone may use.
    project.write("elsewhere/down.sql", "DROP TABLE \"wards\";\n");
    project.ehrdb().args(["lint", "elsewhere/down.sql"]).assert().code(1);
}

/// A copy of the example, fragments included.
fn example_with_schema() -> Project {
    let project = example_project();
    for file in walk(&repo().join("schema")) {
        let relative = file.strip_prefix(repo()).unwrap().display().to_string();
        project.write(&relative, &std::fs::read_to_string(&file).unwrap());
    }
    project
}

#[test]
fn without_paths_lint_reads_every_migration_or_with_a_url_the_pending_ones() {
    let project = example_with_schema();
    let assert = project.ehrdb().arg("lint").assert().code(0);
    assert_eq!(String::from_utf8_lossy(&assert.get_output().stdout), "12 files: no problems found\n");
    // A version, and a migration folder.
    let folder = "migrations/20261124_210840_record_merge_history_immutable";
    let assert = project.ehrdb().args(["lint", "20261124210833", folder]).assert().code(0);
    assert_eq!(String::from_utf8_lossy(&assert.get_output().stdout), "4 files: no problems found\n");

    let db = pg::database();
    let url = db.url();
    let (code, stdout, stderr) = run(&project, &url, &["apply", "--to", "20261124_210837"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    // A pending migration that does what no one should: lint finds it, not the applied ones.
    project.write(
        "migrations/20261130_090000_purge_audit/up.sql",
        "DELETE FROM \"data_access_logs\" WHERE \"accessed_at\" < now() - interval '10 years';\n",
    );
    let (code, stdout, stderr) = run(&project, &url, &["lint"]);
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(stderr.contains("error[delete-from-immutable-table]"), "{stderr}");
    assert!(stderr.contains("migrations/20261130_090000_purge_audit/up.sql:1:1"), "{stderr}");
    assert!(stderr.ends_with("1 error, 0 warnings\n"), "{stderr}");
    let (code, stdout, _) = run(&project, &url, &["lint", "--format", "json"]);
    assert_eq!(code, 1);
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["diagnostics"].as_array().unwrap().len(), 1);

    // --all never connects: a server that does not answer is no problem.
    let assert = project.ehrdb().args(["lint", "--all", "--database-url", "postgres://ehr@127.0.0.1:1/ehr"]).assert();
    let stderr = String::from_utf8_lossy(&assert.code(1).get_output().stderr).into_owned();
    assert!(stderr.contains("error[delete-from-immutable-table]"), "{stderr}");
    // Without --all, a server that does not answer means lint cannot know what is pending.
    project
        .ehrdb()
        .args(["lint", "--database-url", "postgres://ehr@127.0.0.1:1/ehr?connect_timeout=2"])
        .assert()
        .code(2);
}

/// The SQL `ehrdb migrate` writes for each kind of schema change (the
/// migrate fixtures, destructive ones accepted with --allow-destructive)
/// lints clean: the lock-safe path needs no allowance, and what the user
/// accepted, or ehrdb knows to be harmless, is written in as
/// `-- ehrdb:allow` with its reason. The snapshot lists those allowances.
#[test]
fn the_migrations_ehrdb_writes_lint_clean() {
    use ehrdb::sql::diff::{diff, reversed, risks};
    use ehrdb::sql::render;

    let mut cases: Vec<PathBuf> = std::fs::read_dir(fixtures().join("migrate"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    let lower = |path: &Path| {
        let fragments = Fragments::load_file_or_dir(path).unwrap();
        ehrdb::pipeline::check(&fragments, None).lower().unwrap_or_else(|| panic!("{} is valid", path.display()))
    };
    let mut report = String::new();
    for case in &cases {
        let (before, after) = (lower(&case.join("before.prisma")), lower(&case.join("after.prisma")));
        let changes = diff(&before, &after);
        let accepted = risks(&changes).iter().any(Option::is_some);
        let (up, down) = (render::safe_script(&changes), render::safe_script(&reversed(&changes)));
        let settled = lint::settle(up, down, &changes, &after, accepted);
        let name = case.file_name().unwrap().to_string_lossy();
        assert!(settled.left.is_empty(), "{name}:\n{}", settled.left.render(&settled.sources, false));
        let allowed = |text: &str| {
            let lines: Vec<&str> = text.lines().filter(|l| l.starts_with("-- ehrdb:allow")).collect();
            if lines.is_empty() { "clean".to_owned() } else { lines.join("\n        ") }
        };
        report.push_str(&format!("{name}\n  up:   {}\n  down: {}\n", allowed(&settled.up), allowed(&settled.down)));
    }
    insta::assert_snapshot!(report);
}
