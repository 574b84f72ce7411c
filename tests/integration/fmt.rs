//! Formatting: each fixture's `expected.prisma` is what `prisma format`
//! printed for its `input.prisma`; ehrdb must print the same bytes, and
//! formatting its own output again must change nothing.

use crate::parse::similar_asserts;
use crate::support::{DATASOURCE, Project, fixture, fixtures, parse};
use ehrdb::format;
use predicates::str::contains;

fn format_text(name: &str, text: &str) -> String {
    let fragments = parse(&[(name, text)]);
    format::format(&fragments.fragments[0].ast, &fragments.sources)
}

#[test]
fn fixtures_format_as_prisma_does_and_idempotently() {
    let mut cases = 0;
    let mut failures = Vec::new();
    let mut dirs: Vec<_> = std::fs::read_dir(fixtures().join("fmt")).unwrap().map(|e| e.unwrap().path()).collect();
    dirs.sort();
    for dir in dirs {
        let (name, input) = fixture(&dir.join("input.prisma"));
        let (_, expected) = fixture(&dir.join("expected.prisma"));
        let once = format_text(&name, &input);
        let twice = format_text(&name, &once);
        for (what, want, got) in
            [(name.clone(), &expected, &once), (format!("{name} (formatted twice)"), &once, &twice)]
        {
            if let Err(diff) = std::panic::catch_unwind(|| similar_asserts(&what, want, got)) {
                failures.push(diff.downcast_ref::<String>().cloned().unwrap_or_default());
            }
        }
        cases += 1;
    }
    assert!(failures.is_empty(), "{} of {cases} cases differ:\n{}", failures.len(), failures.join("\n"));
    assert!(cases >= 40, "expected the fmt fixtures, found {cases}");
}

#[test]
fn the_example_fragments_are_formatted() {
    crate::support::ehrdb()
        .current_dir(crate::support::repo())
        .args(["fmt", "--check"])
        .assert()
        .code(0)
        .stdout(contains("already formatted"));
}

#[test]
fn fmt_check_prints_a_diff_and_writes_nothing_then_fmt_fixes_it() {
    let messy = "model Patient {\nid String @id\n      mrn String @unique\n}\n";
    let project = Project::new(&[("a.prisma", DATASOURCE), ("b.prisma", messy)]);
    project
        .ehrdb()
        .args(["fmt", "--check"])
        .assert()
        .code(1)
        .stdout(contains("+  mrn String @unique"))
        .stderr(contains("not formatted: schema/b.prisma"));
    assert_eq!(project.read("schema/b.prisma"), messy);

    project.ehrdb().arg("fmt").assert().code(0).stdout(contains("formatted schema/b.prisma"));
    assert_eq!(project.read("schema/b.prisma"), "model Patient {\n  id  String @id\n  mrn String @unique\n}\n");
    project.ehrdb().args(["fmt", "--check"]).assert().code(0);
}

#[test]
fn fmt_refuses_to_touch_fragments_with_syntax_errors() {
    let broken = "model Patient {\nid String @id\n  name @unique\n}\n";
    let project = Project::new(&[("a.prisma", DATASOURCE), ("b.prisma", broken)]);
    project.ehrdb().arg("fmt").assert().code(1).stderr(contains("field-missing-type"));
    assert_eq!(project.read("schema/b.prisma"), broken);
}
