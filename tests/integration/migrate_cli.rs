//! `ehrdb migrate` and `ehrdb diff` from the command line, in throwaway
//! projects: every test checks the exit code, what is printed, and what is
//! (or is not) on disk afterwards. No database is needed.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ehrdb::migrations::folder_name;
use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;

use crate::support::{DATASOURCE, Project};

const PATIENT: &str =
    "model Patient {\n  id   Int     @id @default(autoincrement())\n  name String\n  nhs  String?\n}\n";

/// A project with one fragment besides the datasource.
fn project(patient: &str) -> Project {
    Project::new(&[("base.prisma", DATASOURCE), ("patient.prisma", patient)])
}

/// A project whose first migration, `init`, is written.
fn migrated(patient: &str) -> Project {
    let project = project(patient);
    project.ehrdb().args(["migrate", "init"]).assert().code(0);
    project
}

/// Every file under the project, hidden ones too, with its bytes: what
/// "nothing written" compares.
fn files(project: &Project) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let relative = path.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
                out.insert(relative, std::fs::read(&path).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(project.dir.path(), project.dir.path(), &mut out);
    out
}

/// The migration folders, oldest first.
fn migrations(project: &Project) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(project.path("migrations")) else { return Vec::new() };
    let mut folders: Vec<String> = entries
        .map(|e| e.unwrap())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    folders
}

fn stdout(assert: &assert_cmd::assert::Assert) -> String {
    String::from_utf8(assert.get_output().stdout.clone()).unwrap()
}

fn verifies(project: &Project) {
    project.ehrdb().args(["migrate", "--verify"]).assert().code(0).stdout(contains("ehrdb.sum matches"));
}

#[test]
fn the_first_migration_writes_its_folder_and_the_sum() {
    let project = project(PATIENT);
    let before = SystemTime::now();
    let assert = project.ehrdb().args(["migrate", "init"]).assert().code(0);
    let after = SystemTime::now();

    let folders = migrations(&project);
    assert_eq!(folders.len(), 1, "{folders:?}");
    let folder = &folders[0];
    let bytes = folder.as_bytes();
    assert!(
        folder.len() == 20
            && folder.ends_with("_init")
            && bytes[8] == b'_'
            && bytes[..8].iter().chain(&bytes[9..15]).all(u8::is_ascii_digit),
        "not YYYYMMDD_HHMMSS_init: {folder}"
    );
    // The timestamp is the UTC clock while the command ran.
    let stamp = |time| folder_name(time, "init").unwrap();
    assert!(stamp(before) <= *folder && *folder <= stamp(after), "{folder} is not between {before:?} and {after:?}");
    assert_eq!(stdout(&assert), format!("wrote migrations/{folder} (1 change)\n"));

    let on_disk: Vec<String> = files(&project).into_keys().filter(|f| f.starts_with("migrations/")).collect();
    let expected = ["down.sql", "schema.prisma", "up.sql"].map(|f| format!("migrations/{folder}/{f}"));
    assert_eq!(on_disk, [&expected[..], &["migrations/ehrdb.sum".to_owned()]].concat());

    let up = project.read(&format!("migrations/{folder}/up.sql"));
    assert!(up.contains("CREATE TABLE \"Patient\" (") && up.contains("\"Patient_pkey\" PRIMARY KEY (\"id\")"), "{up}");
    let down = project.read(&format!("migrations/{folder}/down.sql"));
    assert!(down.contains("DROP TABLE \"Patient\";"), "{down}");
    let sum = project.read("migrations/ehrdb.sum");
    assert!(sum.starts_with(&format!("ehrdb.sum v1\n{folder} ")) && sum.contains("\ntotal "), "{sum}");

    project.ehrdb().arg("merge").assert().code(0);
    assert_eq!(project.read(&format!("migrations/{folder}/schema.prisma")), project.read("schema.prisma"));
    project
        .ehrdb()
        .args(["migrate", "--verify"])
        .assert()
        .code(0)
        .stdout("migrations: 1 migration, ehrdb.sum matches\n");
}

#[test]
fn nothing_changed_exits_1_and_writes_nothing() {
    let project = migrated(PATIENT);
    let before = files(&project);
    project
        .ehrdb()
        .args(["migrate", "again"])
        .assert()
        .code(1)
        .stdout("")
        .stderr("nothing changed since the last migration: no migration written\n");
    assert_eq!(files(&project), before);
}

#[test]
fn a_name_not_in_lower_snake_case_exits_2_with_the_corrected_name() {
    let project = project(PATIENT);
    let before = files(&project);
    for (name, problem, fixed) in [
        ("AddPatient", "it has upper-case letters", "add_patient"),
        ("add-patient", "it has characters other than a-z, 0-9 and _ (`-`)", "add_patient"),
        ("1st", "it starts with a digit", "migration_1st"),
    ] {
        project
            .ehrdb()
            .args(["migrate", name])
            .assert()
            .code(2)
            .stdout("")
            .stderr(contains(format!("invalid migration name {name:?}: {problem}")))
            .stderr(contains(format!("use {fixed:?}")));
        assert_eq!(files(&project), before, "{name}");
    }
    // The name is the first thing checked, even when the history is broken.
    project.write("migrations/ehrdb.sum", "not a sum\n");
    project.ehrdb().args(["migrate", "Init"]).assert().code(2).stderr(contains("use \"init\""));
}

#[test]
fn an_invalid_schema_exits_1_with_file_line_and_column() {
    let project = project(&PATIENT.replace("name String", "name Strin"));
    let before = files(&project);
    project
        .ehrdb()
        .args(["migrate", "init"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(contains("error[unknown-type]: unknown type `Strin`"))
        .stderr(contains("schema/patient.prisma:3:8"))
        .stderr(contains("no migration written"));
    assert_eq!(files(&project), before);
}

#[test]
fn a_dropped_column_needs_allow_destructive() {
    let project = migrated(PATIENT);
    project.write("schema/patient.prisma", &PATIENT.replace("  nhs  String?\n", ""));
    let before = files(&project);
    let why = "destructive: Drops column \"Patient\".\"nhs\" and the data in it.";
    project
        .ehrdb()
        .args(["migrate", "drop_nhs"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(contains(format!("lose data or fail on existing rows:\n  {why}\n")))
        .stderr(contains("run again with --allow-destructive; no migration written"));
    assert_eq!(files(&project), before);

    let assert = project.ehrdb().args(["migrate", "drop_nhs", "--allow-destructive"]).assert().code(0);
    let folders = migrations(&project);
    assert_eq!(folders.len(), 2, "{folders:?}");
    assert_eq!(stdout(&assert), format!("wrote migrations/{} (1 change)\n  {why}\n", folders[1]));
    let up = project.read(&format!("migrations/{}/up.sql", folders[1]));
    assert!(up.contains("ALTER TABLE \"Patient\" DROP COLUMN \"nhs\";"), "{up}");
    let down = project.read(&format!("migrations/{}/down.sql", folders[1]));
    assert!(down.contains("ALTER TABLE \"Patient\" ADD COLUMN \"nhs\" TEXT;"), "{down}");
    verifies(&project);
}

#[test]
fn a_not_null_column_without_default_on_an_existing_table_is_risky() {
    let project = migrated(PATIENT);
    project.write("schema/patient.prisma", &PATIENT.replace("}", "  mrn  String\n}"));
    let before = files(&project);
    project.ehrdb().args(["migrate", "add_mrn"]).assert().code(1).stderr(contains(
        "  risky: Adds NOT NULL column \"Patient\".\"mrn\" without a default: this fails if the table has rows.\n",
    ));
    assert_eq!(files(&project), before);

    // With a default, existing rows get it: nothing to refuse.
    project.write("schema/patient.prisma", &PATIENT.replace("}", "  mrn  String @default(\"\")\n}"));
    project.ehrdb().args(["migrate", "add_mrn"]).assert().code(0).stdout(contains("risky").not());
    assert_eq!(migrations(&project).len(), 2);
    verifies(&project);
}

#[test]
fn an_edited_migration_is_caught_until_rehashed() {
    let project = migrated(PATIENT);
    let folder = migrations(&project).remove(0);
    let up = format!("migrations/{folder}/up.sql");
    project.write(&up, &format!("{}-- tuned by hand\n", project.read(&up)));
    project.write("schema/patient.prisma", &PATIENT.replace("}", "  mrn  String?\n}"));
    let before = files(&project);
    let edited = format!("error: migration {folder} was changed after ehrdb.sum recorded it\n  help: ");
    project.ehrdb().args(["migrate", "--verify"]).assert().code(1).stdout("").stderr(contains(edited.as_str()));
    project
        .ehrdb()
        .args(["migrate", "add_mrn"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(contains(edited.as_str()).and(contains("no migration written")));
    assert_eq!(files(&project), before);

    project
        .ehrdb()
        .args(["migrate", "--rehash"])
        .assert()
        .code(0)
        .stdout("migrations: ehrdb.sum rewritten for 1 migration\n");
    verifies(&project);
    project.ehrdb().args(["migrate", "add_mrn"]).assert().code(0);
    verifies(&project);
}

#[test]
fn verify_and_rehash_take_no_name() {
    let project = migrated(PATIENT);
    project.write("schema/patient.prisma", &PATIENT.replace("}", "  mrn  String?\n}"));
    let before = files(&project);
    for flag in ["--verify", "--rehash"] {
        project.ehrdb().args(["migrate", flag, "add_mrn"]).assert().code(2).stderr(contains("cannot be used with"));
        assert_eq!(files(&project), before, "{flag}");
    }
    project.ehrdb().arg("migrate").assert().code(2).stderr(contains("<NAME>"));
}

#[test]
fn a_migration_in_the_same_second_waits_for_the_next() {
    let project = project(PATIENT);
    // Start just after a second begins, so both runs most likely fall into
    // the same second: the second one used to take the first's timestamp.
    let into = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().subsec_nanos();
    std::thread::sleep(Duration::from_nanos(u64::from(1_000_000_000 - into)));
    project.ehrdb().args(["migrate", "init"]).assert().code(0);
    project.write("schema/patient.prisma", &PATIENT.replace("}", "  mrn  String?\n}"));
    project.ehrdb().args(["migrate", "add_mrn"]).assert().code(0);
    let folders = migrations(&project);
    assert_eq!(folders.len(), 2, "{folders:?}");
    assert!(folders[0].ends_with("_init") && folders[1].ends_with("_add_mrn"), "{folders:?}");
    assert!(folders[0][..15] < folders[1][..15], "{folders:?}");
    verifies(&project);
}

#[test]
fn a_clock_behind_the_newest_migration_writes_nothing() {
    let project = migrated(PATIENT);
    let folder = migrations(&project).remove(0);
    std::fs::rename(project.path(&format!("migrations/{folder}")), project.path("migrations/29991231_235959_init"))
        .unwrap();
    project.ehrdb().args(["migrate", "--rehash"]).assert().code(0);
    project.write("schema/patient.prisma", &PATIENT.replace("}", "  mrn  String?\n}"));
    let before = files(&project);
    project
        .ehrdb()
        .args(["migrate", "add_mrn"])
        .assert()
        .code(2)
        .stderr(contains("before the newest migration 29991231_235959_init"));
    assert_eq!(files(&project), before);
}

#[test]
fn help_mentions_every_flag() {
    let help = |command: &str| stdout(&crate::support::ehrdb().args([command, "--help"]).assert().code(0));
    let diff = help("diff");
    for flag in ["--schema", "--from", "--to", "--sql", "--exit-code", "empty", "latest", "Examples:"] {
        assert!(diff.contains(flag), "diff --help lacks {flag}:\n{diff}");
    }
    let migrate = help("migrate");
    for flag in ["[NAME]", "--schema", "--allow-destructive", "--verify", "--rehash", "snake case", "Examples:"] {
        assert!(migrate.contains(flag), "migrate --help lacks {flag}:\n{migrate}");
    }
}

const HOSPITAL: &[(&str, &str)] = &[
    ("base.prisma", DATASOURCE),
    (
        "patient.prisma",
        "model Patient {\n  id   Int     @id @default(autoincrement())\n  name String\n  nhs  String?\n  sex  Sex?\n}\n",
    ),
    ("sex.prisma", "enum Sex {\n  FEMALE\n  MALE\n}\n"),
    ("ward.prisma", "model Ward {\n  id   Int    @id\n  name String\n}\n"),
];

/// The hospital after an edit of every kind: a column dropped, one added
/// and an index; a table dropped and one added; an enum value added.
fn edit_hospital(project: &Project) {
    project.write(
        "schema/patient.prisma",
        "model Patient {\n  id   Int    @id @default(autoincrement())\n  name String\n  mrn  String @default(\"\")\n  sex  Sex?\n\n  @@index([name])\n}\n",
    );
    project.write("schema/sex.prisma", "enum Sex {\n  FEMALE\n  MALE\n  UNKNOWN\n}\n");
    std::fs::remove_file(project.path("schema/ward.prisma")).unwrap();
    project.write("schema/theatre.prisma", "model Theatre {\n  id   Int    @id\n  name String @unique\n}\n");
}

#[test]
fn diff_without_migrations_compares_from_empty() {
    let project = Project::new(HOSPITAL);
    let before = files(&project);
    let summary = stdout(&project.ehrdb().arg("diff").assert().code(0).stderr(""));
    assert_eq!(
        summary,
        "+ enum \"Sex\" (\"FEMALE\", \"MALE\")\n+ table \"Patient\" (4 columns)\n+ table \"Ward\" (2 columns)\n"
    );
    project.ehrdb().args(["diff", "--from", "latest"]).assert().code(0).stdout(summary.clone());
    project.ehrdb().args(["diff", "--from", "empty"]).assert().code(0).stdout(summary.clone());
    project.ehrdb().args(["diff", "--exit-code"]).assert().code(1).stdout(summary);
    assert_eq!(files(&project), before, "diff writes nothing");
}

#[test]
fn diff_after_a_migration_shows_no_changes_until_an_edit() {
    let project = Project::new(HOSPITAL);
    project.ehrdb().args(["migrate", "init"]).assert().code(0);
    for args in [&["diff"][..], &["diff", "--from", "latest"], &["diff", "--exit-code"]] {
        project.ehrdb().args(args).assert().code(0).stdout("no changes\n").stderr("");
    }
    project.ehrdb().args(["diff", "--sql"]).assert().code(0).stdout("-- This is an empty migration.\n");

    edit_hospital(&project);
    let before = files(&project);
    let summary = stdout(&project.ehrdb().arg("diff").assert().code(0).stderr(""));
    insta::assert_snapshot!("diff_summary_after_an_edit", summary);
    project.ehrdb().args(["diff", "--exit-code"]).assert().code(1).stdout(summary);
    let sql = stdout(&project.ehrdb().args(["diff", "--sql"]).assert().code(0).stderr(""));
    insta::assert_snapshot!("diff_sql_after_an_edit", sql);
    project.ehrdb().args(["diff", "--sql", "--exit-code"]).assert().code(1).stdout(sql);
    // From empty, the whole edited schema is new.
    project
        .ehrdb()
        .args(["diff", "--from", "empty"])
        .assert()
        .code(0)
        .stdout(contains("+ table \"Theatre\"").and(contains("+ table \"Patient\"")).and(contains("Ward").not()));
    assert_eq!(files(&project), before, "diff writes nothing");
}

#[test]
fn diff_between_two_schema_files() {
    let project = Project::new(&[]);
    let old = format!("{DATASOURCE}\n{PATIENT}");
    project.write("old.prisma", &old);
    project.write("new.prisma", &old.replace("  nhs  String?\n", ""));
    let args = ["diff", "--from", "old.prisma", "--to", "new.prisma"];
    project
        .ehrdb()
        .args(args)
        .assert()
        .code(0)
        .stdout("~ \"Patient\": - column \"nhs\"  ! Drops column \"Patient\".\"nhs\" and the data in it.\n");
    project.ehrdb().args(args).arg("--exit-code").assert().code(1);
    project
        .ehrdb()
        .args(args)
        .arg("--sql")
        .assert()
        .code(0)
        .stdout(contains("ALTER TABLE \"Patient\" DROP COLUMN \"nhs\";"));
    let same = ["diff", "--from", "old.prisma", "--to", "old.prisma", "--exit-code"];
    project.ehrdb().args(same).assert().code(0).stdout("no changes\n");
    // A schema file against the empty database.
    project
        .ehrdb()
        .args(["diff", "--from", "empty", "--to", "old.prisma"])
        .assert()
        .code(0)
        .stdout("+ table \"Patient\" (3 columns)\n");
}

#[test]
fn diff_with_an_invalid_schema_exits_1_with_diagnostics() {
    let project = Project::new(&[]);
    project.write("old.prisma", &format!("{DATASOURCE}\n{PATIENT}"));
    project.write("bad.prisma", &format!("{DATASOURCE}\n{}", PATIENT.replace("name String", "name Strin")));
    project
        .ehrdb()
        .args(["diff", "--from", "old.prisma", "--to", "bad.prisma"])
        .assert()
        .code(1)
        .stdout("")
        .stderr(contains("error[unknown-type]: unknown type `Strin`"))
        .stderr(contains("bad.prisma:7:8"))
        .stderr(contains("bad.prisma: the schema has errors"));
}

#[test]
fn diff_with_a_missing_path_exits_2_and_names_it() {
    let project = Project::new(HOSPITAL);
    for (flag, path) in [("--from", "gone.prisma"), ("--to", "nowhere/schema.prisma")] {
        project
            .ehrdb()
            .args(["diff", flag, path])
            .assert()
            .code(2)
            .stdout("")
            .stderr(contains(format!("cannot read {path}")));
    }
}
