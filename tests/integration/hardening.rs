//! What a hostile or careless user can throw at ehrdb: a down.sql edited
//! after review, a mistyped folder, absurd numbers, files that are not
//! files, huge lines, bytes that are not UTF-8. Each must end in a clear
//! message and the documented exit code: never a panic, a hang, SQL that
//! ehrdb.sum does not vouch for, or a false "up to date".

use std::ffi::CString;
use std::os::unix::ffi::OsStrExt;
use std::time::Duration;

use predicates::str::contains;

use crate::support::{DATASOURCE, Project, example_project, pg, run};

/// The newest migration of the example's history.
const NEWEST: &str = "migrations/20261124_210840_record_merge_history_immutable";

#[test]
fn rollback_refuses_a_down_sql_that_ehrdb_sum_no_longer_vouches_for() {
    let project = example_project();
    let db = pg::database();
    let url = db.url();
    assert_eq!(run(&project, &url, &["apply"]).0, 0);
    db.psql("CREATE TABLE sentinel (id int)");
    let down = format!("{NEWEST}/down.sql");
    project.write(&down, &format!("{}\nDROP TABLE sentinel;\n", project.read(&down)));

    for args in [&["rollback"][..], &["rollback", "--dry-run"]] {
        let (code, stdout, stderr) = run(&project, &url, args);
        assert_eq!(code, 1, "{args:?}: {stdout}{stderr}");
        assert!(
            stderr.contains("migration 20261124_210840_record_merge_history_immutable was changed after ehrdb.sum"),
            "{stderr}"
        );
        assert!(stderr.contains("nothing was rolled back"), "{stderr}");
    }
    assert_eq!(db.psql("SELECT to_regclass('sentinel') IS NOT NULL"), "t\n", "the edited down.sql did not run");
    assert_eq!(db.psql("SELECT count(*) FROM _ehrdb_migrations"), "6\n");

    // --force runs it, and says so loudly.
    let (code, stdout, stderr) = run(&project, &url, &["rollback", "--force"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(stderr.contains("WARNING: --force: rolling back although migration"), "{stderr}");
    assert_eq!(db.psql("SELECT to_regclass('sentinel') IS NULL"), "t\n");
    assert_eq!(db.psql("SELECT count(*) FROM _ehrdb_migrations"), "5\n");
}

#[test]
fn a_missing_migrations_folder_is_exit_2_never_up_to_date() {
    let project = Project::new(&[("a.prisma", &format!("{DATASOURCE}model A {{\n  id Int @id\n}}\n"))]);
    let db = pg::database();
    let url = db.url();
    let missing = project.path("no-such-folder");
    let missing = missing.to_str().unwrap();
    for command in ["apply", "status", "rollback", "baseline"] {
        for args in [vec![command, "--migrations", missing], vec![command]] {
            let (code, stdout, stderr) = run(&project, &url, &args);
            assert_eq!(code, 2, "{args:?}: {stdout}{stderr}");
            assert!(stderr.contains("does not exist"), "{args:?}: {stderr}");
            assert!(!stdout.contains("up to date") && !stdout.contains("nothing to"), "{args:?}: {stdout}");
        }
    }
    assert_eq!(db.psql("SELECT to_regclass('_ehrdb_migrations') IS NULL"), "t\n", "nothing was written");
    project.ehrdb().args(["migrate", "--verify"]).assert().code(2).stderr(contains("does not exist"));
    project.ehrdb().args(["check", "--migrations", missing]).assert().code(2).stderr(contains("does not exist"));
    // The first migration still starts the folder.
    project.ehrdb().args(["migrate", "init"]).assert().code(0);
    project.ehrdb().args(["migrate", "--verify"]).assert().code(0);
}

#[test]
fn numbers_out_of_range_are_clear_errors_never_panics() {
    let project = Project::new(&[("a.prisma", DATASOURCE)]);
    std::fs::create_dir(project.path("migrations")).unwrap();
    let url = "postgres://ehr@127.0.0.1:1/ehr";
    for (args, says) in [
        (&["apply", "--lock-timeout", "18446744073709551615"][..], "is not in 0..=86400"),
        (&["rollback", "--lock-timeout", "-1"], "unexpected argument '-1'"),
        (&["baseline", "--lock-timeout", "99999999"], "is not in 0..=86400"),
        (&["rollback", "--steps", "0"], "0 is not in 1.."),
        (&["rollback", "--steps", "99999999999999999999"], "--steps"),
        (&["check", "--stats-window", "4000000000"], "--stats-window"),
        (&["check", "--stats-window", "3651"], "is not in 0..=3650"),
        (&["check", "--instances", "0"], "is not in 1..=10000"),
        (&["check", "--instances", "4294967295"], "is not in 1..=10000"),
    ] {
        let output = project.ehrdb().args(args).args(["--database-url", url]).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    }
    let (code, _, stderr) = run(&project, &format!("{url}?connect_timeout=18446744073709551615"), &["status"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("`connect_timeout` must be a whole number of seconds from 0 to 3600"), "{stderr}");
    for instances in ["0", "100000"] {
        project.write("ehrdb.toml", &format!("instances = {instances}\n"));
        project.ehrdb().arg("check").assert().code(2).stderr(contains("instances must be from 1 to 10000"));
    }
}

#[test]
fn more_steps_than_are_applied_is_refused_with_the_count() {
    let project = example_project();
    let db = pg::database();
    let url = db.url();
    assert_eq!(run(&project, &url, &["apply"]).0, 0);
    let (code, _, stderr) = run(&project, &url, &["rollback", "--steps", "10"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(
        stderr.contains("--steps 10: only 6 migrations are applied to this database; --all rolls back"),
        "{stderr}"
    );
    assert_eq!(db.psql("SELECT count(*) FROM _ehrdb_migrations"), "6\n");
}

/// `ehrdb <args>` in the project, which must be over within 20 s.
fn quick(project: &Project, args: &[&str]) -> assert_cmd::assert::Assert {
    project.ehrdb().args(args).timeout(Duration::from_secs(20)).assert()
}

#[test]
fn only_regular_files_are_read_and_nothing_waits_on_a_fifo_or_a_device() {
    let project = Project::new(&[("a.prisma", DATASOURCE)]);
    let fifo = project.path("schema/pipe.prisma");
    let name = CString::new(fifo.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o644) }, 0);
    for command in ["validate", "merge", "fmt"] {
        quick(&project, &[command])
            .code(2)
            .stderr(contains("schema/pipe.prisma is a FIFO (named pipe), not a regular file"));
    }
    std::fs::remove_file(&fifo).unwrap();
    std::os::unix::fs::symlink("/dev/zero", project.path("schema/zero.prisma")).unwrap();
    for command in ["validate", "merge", "fmt", "check"] {
        quick(&project, &[command]).code(2).stderr(contains("schema/zero.prisma is a character device"));
    }
    std::fs::remove_file(project.path("schema/zero.prisma")).unwrap();

    // The merged file and ehrdb.toml are read the same way.
    let output = project.path("out.prisma");
    let name = CString::new(output.as_os_str().as_bytes()).unwrap();
    // SAFETY: a valid NUL-terminated path.
    assert_eq!(unsafe { libc::mkfifo(name.as_ptr(), 0o644) }, 0);
    quick(&project, &["merge", "--check", "--output", "out.prisma"]).code(2).stderr(contains("is a FIFO"));
    std::os::unix::fs::symlink("/dev/zero", project.path("ehrdb.toml")).unwrap();
    quick(&project, &["validate"]).code(2).stderr(contains("ehrdb.toml is a character device"));
}

#[test]
fn huge_files_huge_lines_and_bytes_that_are_not_utf8() {
    let project = Project::new(&[("a.prisma", DATASOURCE)]);
    // Over the limit: refused before it is read (a sparse file, so cheap).
    let big = std::fs::File::create(project.path("schema/big.prisma")).unwrap();
    big.set_len(64 * 1024 * 1024 + 1).unwrap();
    quick(&project, &["validate"]).code(2).stderr(contains("big.prisma is 67108865 bytes, larger than the 64 MiB"));
    std::fs::remove_file(project.path("schema/big.prisma")).unwrap();

    // A 20 MB line of junk: one diagnostic, a line of a few hundred bytes.
    project.write("schema/junk.prisma", &format!("model A {{\n  id Int @id\n}}\n{}\n", "x".repeat(20_000_000)));
    let output = project.ehrdb().arg("validate").timeout(Duration::from_secs(60)).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.len() < 5_000, "{} bytes of diagnostics for one line", stderr.len());
    assert!(stderr.contains("schema/junk.prisma:4:1"), "{stderr}");
    std::fs::remove_file(project.path("schema/junk.prisma")).unwrap();

    std::fs::write(project.path("schema/latin1.prisma"), b"model A {\n  n\xe4me Int @id\n}\n").unwrap();
    for command in ["validate", "merge", "fmt", "check"] {
        quick(&project, &[command]).code(2).stderr(contains("latin1.prisma is not valid UTF-8 (line 2, byte 13)"));
    }
}

#[test]
fn a_byte_order_mark_is_named_and_fmt_removes_it() {
    let project = Project::new(&[("a.prisma", &format!("\u{feff}{DATASOURCE}"))]);
    quick(&project, &["validate"])
        .code(1)
        .stderr(contains("error[byte-order-mark]: the file starts with a byte-order mark"))
        .stderr(contains("1 error, 0 warnings"));
    quick(&project, &["fmt"]).code(0);
    assert_eq!(project.read("schema/a.prisma"), DATASOURCE);
    quick(&project, &["validate"]).code(0);
}
