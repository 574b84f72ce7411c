//! `ehrdb completions` and `ehrdb man`: every shell's script, the bash one
//! parsed by bash, and the manual pages run through groff with warnings on.

use std::process::Command;

use crate::support::Project;

fn stdout(args: &[&str]) -> String {
    let output = crate::support::ehrdb().args(args).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{args:?}: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn every_shell_gets_a_script_that_knows_the_commands_and_their_flags() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let script = stdout(&["completions", shell]);
        for word in ["validate", "lint", "max-warnings", "format", "sarif", "completions"] {
            assert!(script.contains(word), "{shell}: no `{word}` in the script");
        }
    }
    let output = crate::support::ehrdb().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "an unknown shell is a usage error");
}

#[test]
fn the_bash_script_parses() {
    let project = Project::new(&[]);
    project.write("ehrdb.bash", &stdout(&["completions", "bash"]));
    let status = Command::new("bash").arg("-n").arg(project.path("ehrdb.bash")).status().expect("bash runs");
    assert!(status.success(), "bash -n rejects the completion script");
}

#[test]
fn man_writes_a_page_per_visible_command_that_groff_reads_without_warnings() {
    let project = Project::new(&[]);
    let out = project.path("man");
    let listed = stdout(&["man", "--out", out.to_str().unwrap()]);
    let mut pages: Vec<String> =
        std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    pages.sort();
    for page in ["ehrdb.1", "ehrdb-validate.1", "ehrdb-lint.1", "ehrdb-check.1", "ehrdb-man.1"] {
        assert!(pages.iter().any(|p| p == page), "no {page} in {pages:?}");
    }
    assert!(!pages.iter().any(|p| p.contains("debug") || p.contains("help")), "{pages:?}");
    assert_eq!(listed.lines().count(), pages.len(), "{listed}");

    let validate = std::fs::read_to_string(out.join("ehrdb-validate.1")).unwrap();
    assert!(validate.contains(".TH ehrdb-validate 1") && validate.contains("max\\-warnings"), "{validate}");
    let output = Command::new("groff")
        .args(["-man", "-ww", "-z"])
        .arg(out.join("ehrdb-validate.1"))
        .output()
        .expect("groff runs (.ci/run installs groff-base)");
    assert!(output.status.success() && output.stderr.is_empty(), "{}", String::from_utf8_lossy(&output.stderr));

    // Without --out, ehrdb(1) on stdout.
    assert!(stdout(&["man"]).contains(".TH ehrdb 1"));
}
