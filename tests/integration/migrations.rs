//! The migrations folder: `load` reads it or names the folder that is
//! wrong, and `ehrdb.sum` catches every way a history goes bad — an edit,
//! a deletion, a swap, a hand-written folder, two branches merged — naming
//! the migration each time.

use std::path::Path;
use std::process::Command;

use ehrdb::migrations::{self, Migration, SumError};
use sha2::{Digest, Sha256};

const INIT: &str = "20250101_090000_init";
const WARD: &str = "20250201_090000_add_ward";
const THEATRE: &str = "20250202_090000_add_theatre";

/// A migrations folder in a temporary directory.
struct Folder {
    dir: tempfile::TempDir,
}

impl Folder {
    fn new() -> Folder {
        Folder { dir: tempfile::tempdir().expect("a temp dir") }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a migration with all three files.
    fn add(&self, folder: &str) -> &Folder {
        self.write(&format!("{folder}/up.sql"), &format!("-- {folder}\nCREATE TABLE \"{folder}\" (id INT);\n"));
        self.write(&format!("{folder}/down.sql"), &format!("DROP TABLE \"{folder}\";\n"));
        self.write(&format!("{folder}/schema.prisma"), &format!("// after {folder}\n"));
        self
    }

    fn write(&self, relative: &str, text: &str) {
        self.write_bytes(relative, text.as_bytes());
    }

    fn write_bytes(&self, relative: &str, bytes: &[u8]) {
        let path = self.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, bytes).unwrap();
    }

    fn load(&self) -> Vec<Migration> {
        migrations::load(self.path()).unwrap_or_else(|e| panic!("{e:#}"))
    }

    fn load_error(&self) -> String {
        format!("{:#}", migrations::load(self.path()).expect_err("load fails"))
    }

    /// Records the folder as it is now in ehrdb.sum.
    fn record(&self) -> &Folder {
        migrations::write_sum(self.path(), &self.load()).unwrap();
        self
    }

    fn verify(&self) -> Result<(), SumError> {
        migrations::verify(self.path(), &self.load())
    }

    fn rename(&self, from: &str, to: &str) {
        std::fs::rename(self.path().join(from), self.path().join(to)).unwrap();
    }
}

/// The error, with a check that its message names `migration` and that it
/// comes with a help line.
fn named(error: Result<(), SumError>, migration: &str) -> SumError {
    let error = error.expect_err("ehrdb.sum catches it");
    assert!(error.to_string().contains(migration), "{error} does not name {migration}");
    assert!(!error.help().is_empty());
    error
}

#[test]
fn load_reads_every_migration_oldest_first() {
    let folder = Folder::new();
    folder.add(THEATRE).add(INIT);
    folder.write(
        "20250115_120000_concurrent_index/up.sql",
        "-- ehrdb:no-transaction\nCREATE INDEX CONCURRENTLY i ON t (c);\n",
    );
    folder.write("20250116_120000_drop_note/up.sql", "DROP TABLE note;\n");
    folder.write("20250116_120000_drop_note/down.sql", "-- ehrdb:irreversible\n-- the notes are gone\n");
    folder.write("README.md", "# notes\n");
    folder.write(".DS_Store", "");
    folder.write(&format!("{INIT}/README.md"), "why\n");
    folder.record();

    let loaded = folder.load();
    let folders: Vec<String> = loaded.iter().map(Migration::folder).collect();
    assert_eq!(folders, [INIT, "20250115_120000_concurrent_index", "20250116_120000_drop_note", THEATRE]);
    let [init, concurrent, drop, theatre] = &loaded[..] else { unreachable!() };
    assert_eq!((init.version.as_str(), init.name.as_str()), ("20250101090000", "init"));
    assert_eq!(init.dir, folder.path().join(INIT));
    assert_eq!(init.checksum, format!("{:x}", Sha256::digest(init.up.as_bytes())));
    assert_eq!(init.checksum.len(), 64);
    assert!(init.down.is_some() && init.schema.as_deref() == Some(&*format!("// after {INIT}\n")));
    assert!(!init.no_transaction && !init.irreversible);
    assert!(concurrent.no_transaction && concurrent.irreversible && concurrent.down.is_none());
    assert!(!drop.no_transaction && drop.irreversible && drop.schema.is_none());
    assert_ne!(theatre.checksum, init.checksum);
    assert_eq!(folder.verify(), Ok(()));
}

#[test]
fn the_examples_history_loads_and_matches_its_sum() {
    let dir = crate::support::repo().join("migrations");
    let loaded = migrations::load(&dir).unwrap_or_else(|e| panic!("{e:#}"));
    if let Err(error) = migrations::verify(&dir, &loaded) {
        panic!("{error}\nhelp: {}", error.help());
    }
}

#[test]
fn a_missing_folder_is_an_error_unless_the_command_starts_one() {
    let folder = Folder::new();
    let missing = folder.path().join("migrations");
    let error = format!("{:#}", migrations::load(&missing).unwrap_err());
    assert!(error.contains(&format!("the migrations folder {} does not exist", missing.display())), "{error}");
    assert_eq!(migrations::load_or_empty(&missing).unwrap(), None);
}

#[test]
fn load_errors_name_the_folder_and_say_what_to_do() {
    // (case, how the folder goes wrong, what the error names, what it says)
    type Case = (&'static str, fn(&Folder), &'static str, &'static str);
    let cases: [Case; 8] = [
        ("bad name", |f| f.write("2025-01-01_init/up.sql", ""), "2025-01-01_init", "YYYYMMDD_HHMMSS_snake_case_name"),
        ("upper case", |f| f.write("20250101_090000_AddWard/up.sql", ""), "AddWard", "not lower snake case"),
        ("bad date", |f| f.write("20251301_090000_init/up.sql", ""), "20251301_090000_init", "not a date"),
        ("no up.sql", |f| f.write(&format!("{INIT}/down.sql"), ""), INIT, "no up.sql"),
        ("stray file", |f| f.write(&format!("{INIT}/Up.sql"), ""), "Up.sql", "unexpected file"),
        ("not UTF-8", |f| f.write_bytes(&format!("{INIT}/up.sql"), b"SELECT 1;\nSELECT '\xff';\n"), INIT, "(line 2"),
        (
            "late marker",
            |f| f.write(&format!("{INIT}/up.sql"), "SELECT 1;\n-- ehrdb:no-transaction\n"),
            INIT,
            "up.sql:2",
        ),
        ("stray sql", |f| f.write("up.sql", ""), "up.sql", "holds only migration folders"),
    ];
    for (case, setup, name, problem) in cases {
        let folder = Folder::new();
        setup(&folder);
        let error = folder.load_error();
        assert!(error.contains(name) && error.contains(problem), "{case}: {error}");
    }
}

#[test]
fn two_folders_with_one_timestamp_are_an_error_naming_both() {
    let folder = Folder::new();
    folder.add("20250101_090000_init").add("20250101_090000_also_init");
    let error = folder.load_error();
    assert!(error.contains("20250101_090000_init") && error.contains("20250101_090000_also_init"), "{error}");
    assert!(error.contains("same timestamp"), "{error}");
}

#[test]
fn the_sum_lists_each_migration_chained_and_a_total() {
    let folder = Folder::new();
    folder.add(INIT).add(WARD).record();
    let text = std::fs::read_to_string(folder.path().join("ehrdb.sum")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert_eq!(lines[0], "ehrdb.sum v1");
    assert!(lines[1].starts_with(&format!("{INIT} ")) && lines[2].starts_with(&format!("{WARD} ")), "{text}");
    assert!(lines[3].starts_with("total "));
    assert!(lines[1..].iter().all(|l| l.split_once(' ').unwrap().1.len() == 64));
    assert_eq!(text, migrations::sum(&folder.load()), "write_sum writes what sum returns");

    // The chain: a migration's line depends on the one before it.
    let other = Folder::new();
    other.add("20241231_090000_earlier").add(INIT).add(WARD).record();
    let other_text = std::fs::read_to_string(other.path().join("ehrdb.sum")).unwrap();
    let line_of = |text: &str, folder: &str| text.lines().find(|l| l.starts_with(folder)).unwrap().to_owned();
    assert_ne!(line_of(&text, INIT), line_of(&other_text, INIT));
    assert_eq!(migrations::sum(&[]), format!("ehrdb.sum v1\ntotal {:x}\n", Sha256::digest(b"ehrdb.sum v1\n")));
}

#[test]
fn an_edited_up_or_down_or_schema_is_caught() {
    for (file, text) in [("up.sql", "DROP TABLE patient;\n"), ("down.sql", "SELECT 1;\n"), ("schema.prisma", "")] {
        let folder = Folder::new();
        folder.add(INIT).add(WARD).add(THEATRE).record();
        folder.write(&format!("{WARD}/{file}"), text);
        let error = named(folder.verify(), WARD);
        assert_eq!(error, SumError::Edited { migration: WARD.to_owned() }, "{file}");
    }
    // A down.sql added afterwards changes the migration too.
    let folder = Folder::new();
    folder.write(&format!("{INIT}/up.sql"), "SELECT 1;\n");
    folder.record();
    folder.write(&format!("{INIT}/down.sql"), "SELECT 2;\n");
    assert_eq!(named(folder.verify(), INIT), SumError::Edited { migration: INIT.to_owned() });
}

#[test]
fn a_deleted_migration_is_caught() {
    let folder = Folder::new();
    folder.add(INIT).add(WARD).add(THEATRE).record();
    std::fs::remove_dir_all(folder.path().join(WARD)).unwrap();
    assert_eq!(named(folder.verify(), WARD), SumError::Missing { migration: WARD.to_owned() });
}

#[test]
fn two_swapped_migrations_are_caught() {
    let folder = Folder::new();
    folder.add(INIT).add(WARD).add(THEATRE).record();
    // Swap the timestamps: add_theatre now runs before add_ward.
    folder.rename(WARD, "20250202_090000_add_ward");
    folder.rename(THEATRE, "20250201_090000_add_theatre");
    let error = named(folder.verify(), "20250202_090000_add_ward");
    assert_eq!(
        error,
        SumError::Reordered { migration: "20250202_090000_add_ward".to_owned(), recorded_as: WARD.to_owned() }
    );
    assert!(error.help().contains(WARD), "{}", error.help());
}

#[test]
fn a_hand_written_folder_is_caught() {
    let folder = Folder::new();
    folder.add(INIT).add(WARD).record();
    folder.add(THEATRE);
    let error = named(folder.verify(), THEATRE);
    assert_eq!(error, SumError::Unrecorded { migration: THEATRE.to_owned() });
    assert!(error.help().contains("ehrdb migrate"), "{}", error.help());
}

#[test]
fn a_folder_without_a_sum_or_a_broken_sum_is_caught() {
    let folder = Folder::new();
    folder.add(INIT);
    assert_eq!(folder.verify(), Err(SumError::NoSum));
    folder.record();
    let sum = folder.path().join("ehrdb.sum");
    let good = std::fs::read_to_string(&sum).unwrap();

    let broken = |text: String| {
        std::fs::write(&sum, text).unwrap();
        let error = folder.verify().expect_err("a broken sum");
        assert!(matches!(error, SumError::Malformed { .. }), "{error:?}");
        error.to_string()
    };
    assert!(broken(good.replace("ehrdb.sum v1", "ehrdb.sum v9")).contains("line 1"));
    assert!(broken(good.lines().take(2).map(|l| format!("{l}\n")).collect()).contains("cut short"));
    assert!(broken(good.replace(INIT, "init")).contains("line 2"));
    assert!(broken(format!("{good}{INIT} {}\n", "0".repeat(64))).contains("line 4"));
    let total = good.lines().last().unwrap();
    let edited_total = format!("total {}", "a".repeat(64));
    assert!(broken(good.replace(total, &edited_total)).contains("edited by hand"));
    std::fs::write(&sum, good).unwrap();
    assert_eq!(folder.verify(), Ok(()));
}

/// A git repository whose main branch has the init migration, and two
/// branches that each add one migration on top of it with `ehrdb.sum`
/// updated, as `ehrdb migrate` would; `ours` is checked out and `theirs`
/// merged into it.
struct Branches {
    folder: Folder,
    merge_clean: bool,
}

impl Branches {
    fn merge(ours: &str, theirs: &str, attributes: Option<&str>) -> Branches {
        let folder = Folder::new();
        let branches = Branches { merge_clean: false, folder };
        let f = &branches.folder;
        branches.git(&["init", "-q", "-b", "main"]);
        if let Some(attributes) = attributes {
            f.write(".gitattributes", attributes);
        }
        f.add(INIT).record();
        branches.commit("init");
        branches.git(&["checkout", "-q", "-b", "theirs"]);
        f.add(theirs).record();
        branches.commit(theirs);
        branches.git(&["checkout", "-q", "main"]);
        f.add(ours).record();
        branches.commit(ours);
        let clean = branches.try_git(&["merge", "-q", "--no-edit", "theirs"]);
        Branches { merge_clean: clean, ..branches }
    }

    fn commit(&self, message: &str) {
        self.git(&["add", "-A"]);
        self.git(&["commit", "-q", "-m", message]);
    }

    fn git(&self, args: &[&str]) {
        assert!(self.try_git(args), "git {args:?} failed");
    }

    fn try_git(&self, args: &[&str]) -> bool {
        let output = Command::new("git")
            .args(["-c", "user.name=ehrdb", "-c", "user.email=ehrdb@example.invalid", "-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(self.folder.path())
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .expect("git is installed");
        output.status.success()
    }

    fn sum(&self) -> String {
        std::fs::read_to_string(self.folder.path().join("ehrdb.sum")).unwrap()
    }
}

#[test]
fn two_branches_that_each_added_a_migration_conflict_in_the_sum() {
    let branches = Branches::merge(WARD, THEATRE, None);
    assert!(!branches.merge_clean, "git sees the two sums conflict");
    assert!(branches.sum().contains("<<<<<<<"), "{}", branches.sum());
    let error = named(branches.folder.verify(), WARD);
    assert_eq!(error, SumError::Conflict { ours: WARD.to_owned(), theirs: THEATRE.to_owned() });
    assert!(error.to_string().contains(THEATRE));
    assert!(error.help().contains("ehrdb migrate NAME"), "{}", error.help());
}

#[test]
fn a_conflict_in_diff3_style_names_both_sides() {
    let folder = Folder::new();
    folder.add(INIT).record();
    let base = std::fs::read_to_string(folder.path().join("ehrdb.sum")).unwrap();
    let side = |added: &str| {
        let other = Folder::new();
        other.add(INIT).add(added).record();
        std::fs::read_to_string(other.path().join("ehrdb.sum")).unwrap()
    };
    let (ours, theirs) = (side(WARD), side(THEATRE));
    let tail = |text: &str| text.lines().skip(2).map(|l| format!("{l}\n")).collect::<String>();
    let head: String = base.lines().take(2).map(|l| format!("{l}\n")).collect();
    let merged = format!(
        "{head}<<<<<<< HEAD\n{}||||||| base\n{}=======\n{}>>>>>>> theirs\n",
        tail(&ours),
        tail(&base),
        tail(&theirs)
    );
    folder.add(WARD).add(THEATRE).write("ehrdb.sum", &merged);
    assert_eq!(folder.verify(), Err(SumError::Conflict { ours: WARD.to_owned(), theirs: THEATRE.to_owned() }));
}

#[test]
fn a_clean_merge_that_kept_one_sides_sum_is_caught() {
    // The checked-out side's sum wins; the other side's migration is newer.
    let branches = Branches::merge(WARD, THEATRE, None);
    branches.git(&["checkout", "--ours", "ehrdb.sum"]);
    assert_eq!(named(branches.folder.verify(), THEATRE), SumError::Unrecorded { migration: THEATRE.to_owned() });

    // The merged side's sum wins; the checked-out side's migration is older
    // than the recorded one, so it cannot have been written on top of it.
    branches.git(&["checkout", "--theirs", "ehrdb.sum"]);
    let error = named(branches.folder.verify(), WARD);
    assert_eq!(error, SumError::Conflict { ours: THEATRE.to_owned(), theirs: WARD.to_owned() });

    // Neither side's sum: both migrations follow the last recorded one.
    branches.git(&["checkout", "main~1", "--", "ehrdb.sum"]);
    let error = named(branches.folder.verify(), WARD);
    assert_eq!(error, SumError::Conflict { ours: WARD.to_owned(), theirs: THEATRE.to_owned() });
}

#[test]
fn a_union_merge_of_the_sum_is_caught() {
    // `ehrdb.sum merge=union` makes git merge the file without a conflict.
    let branches = Branches::merge(WARD, THEATRE, Some("ehrdb.sum merge=union\n"));
    assert!(branches.merge_clean, "union merges cleanly");
    let error = named(branches.folder.verify(), WARD);
    assert_eq!(error, SumError::Conflict { ours: WARD.to_owned(), theirs: THEATRE.to_owned() });
}

#[test]
fn after_rehashing_the_merged_history_verifies() {
    let branches = Branches::merge(WARD, THEATRE, None);
    assert!(branches.folder.verify().is_err());
    branches.folder.record();
    assert_eq!(branches.folder.verify(), Ok(()));
}
