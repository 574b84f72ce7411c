//! Parser fixtures: `ok/` files parse without a diagnostic and are already
//! in canonical format; `err/` files produce diagnostics whose rendering is
//! snapshotted, so a change in any message or position shows up in review.

use crate::support::{fixture, fixtures, parse};
use ehrdb::format;

#[test]
fn err_fixtures_render_their_diagnostics() {
    insta::glob!("../fixtures/parse/err", "*.prisma", |path| {
        let (name, text) = fixture(path);
        let fragments = parse(&[(&name, &text)]);
        assert!(fragments.diagnostics.has_errors(), "{name} should not parse cleanly");
        insta::assert_snapshot!(fragments.diagnostics.render(&fragments.sources, false));
    });
}

#[test]
fn ok_fixtures_parse_cleanly_and_are_canonical() {
    let dir = fixtures().join("parse/ok");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let (name, text) = fixture(&entry.unwrap().path());
        let fragments = parse(&[(&name, &text)]);
        assert!(
            fragments.diagnostics.is_empty(),
            "{name}:\n{}",
            fragments.diagnostics.render(&fragments.sources, false)
        );
        let formatted = format::format(&fragments.fragments[0].ast, &fragments.sources);
        similar_asserts(&name, &text, &formatted);
        seen += 1;
    }
    assert!(seen >= 5, "expected the ok fixtures, found {seen}");
}

/// Asserts equality with a line diff in the failure message.
pub fn similar_asserts(name: &str, expected: &str, actual: &str) {
    if expected != actual {
        let diff =
            similar::TextDiff::from_lines(expected, actual).unified_diff().header("expected", "actual").to_string();
        panic!("{name} differs:\n{diff}");
    }
}

#[test]
fn every_error_of_every_fragment_is_reported_in_one_run() {
    let fragments = parse(&[
        ("schema/a.prisma", "model A {\n  id Int @id\n  name @unique\n}\n"),
        ("schema/b.prisma", "enum E {\n  X Int\n}\nnonsense here\n"),
    ]);
    let json = fragments.diagnostics.to_json(&fragments.sources);
    let places: Vec<_> = json.iter().map(|d| (d.file.as_str(), d.line, d.column, d.code)).collect();
    assert_eq!(
        places,
        [
            ("schema/a.prisma", 3, 3, "field-missing-type"),
            ("schema/b.prisma", 2, 3, "invalid-line"),
            ("schema/b.prisma", 4, 1, "invalid-line"),
        ]
    );
}
