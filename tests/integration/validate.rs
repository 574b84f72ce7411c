//! Validation fixtures, in three sides so an error can never be blessed for
//! a case that must pass:
//!
//! * `validate/ok/*.prisma`: valid for Prisma, and ehrdb reports nothing;
//! * `validate/warn/*.prisma`: valid for Prisma; ehrdb reports warnings
//!   (lints) and no error; the rendering is snapshotted;
//! * `validate/err/*.prisma`: invalid for Prisma; ehrdb reports at least one
//!   error; the rendering is snapshotted.
//!
//! `scripts/prisma-oracle.sh` checks the first and the last claim against
//! Prisma itself.

use std::path::Path;

use crate::support::{fixture, fixtures, parse};
use ehrdb::diagnostics::Severity;
use ehrdb::fragments::Fragments;
use ehrdb::{pipeline, validate};

/// Parses, merges and validates one fixture file.
fn check(path: &Path) -> (Fragments, ehrdb::diagnostics::Diagnostics) {
    let (name, text) = fixture(path);
    let fragments = parse(&[(&name, &text)]);
    let diagnostics = pipeline::check(&fragments, None).diagnostics;
    (fragments, diagnostics)
}

#[test]
fn ok_cases_have_no_diagnostics() {
    let mut failures = Vec::new();
    let mut cases = 0;
    for entry in std::fs::read_dir(fixtures().join("validate/ok")).unwrap() {
        let path = entry.unwrap().path();
        let (fragments, diagnostics) = check(&path);
        if !diagnostics.is_empty() {
            failures.push(diagnostics.render(&fragments.sources, false));
        }
        cases += 1;
    }
    assert!(failures.is_empty(), "{} of {cases} ok cases have diagnostics:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn warn_cases_warn_without_errors() {
    insta::glob!("../fixtures/validate/warn", "*.prisma", |path| {
        let (fragments, diagnostics) = check(path);
        let rendered = diagnostics.render(&fragments.sources, false);
        assert!(!diagnostics.has_errors() && diagnostics.warnings() > 0, "expected warnings only:\n{rendered}");
        insta::assert_snapshot!(rendered);
    });
}

#[test]
fn err_cases_report_errors() {
    insta::glob!("../fixtures/validate/err", "*.prisma", |path| {
        let (fragments, diagnostics) = check(path);
        let rendered = diagnostics.render(&fragments.sources, false);
        assert!(diagnostics.has_errors(), "expected an error, got:\n{rendered}");
        insta::assert_snapshot!(rendered);
    });
}

#[test]
fn the_example_schema_is_valid_without_warnings() {
    let fragments = Fragments::load(&crate::support::repo().join("schema")).unwrap();
    let diagnostics = pipeline::check(&fragments, None).diagnostics;
    assert!(diagnostics.is_empty(), "{}", diagnostics.render(&fragments.sources, false));
}

#[test]
fn every_diagnostic_has_a_kebab_case_code_and_a_span_in_its_file() {
    let root = fixtures().join("validate/err");
    for entry in std::fs::read_dir(root).unwrap() {
        let path = entry.unwrap().path();
        let (fragments, diagnostics) = check(&path);
        for d in diagnostics.iter() {
            assert!(
                !d.code.is_empty() && d.code.chars().all(|c| c.is_ascii_lowercase() || c == '-' || c.is_ascii_digit()),
                "bad code {:?}",
                d.code
            );
            let text = &fragments.sources.get(d.primary.span.file).text;
            assert!(d.primary.span.end as usize <= text.len());
            assert!(d.severity == Severity::Error || d.severity == Severity::Warning);
        }
    }
}

#[test]
fn errors_of_several_fragments_and_phases_are_reported_in_one_run() {
    // An unknown type (resolution), a broken relation (relations) and a bad
    // default (attributes), each in its own fragment.
    let fragments = Fragments::load(&fixtures().join("validate/multi/several_phases")).unwrap();
    assert!(fragments.diagnostics.is_empty());
    let found = pipeline::check(&fragments, None).diagnostics;
    let places: Vec<_> = found
        .to_json(&fragments.sources)
        .into_iter()
        .map(|d| (d.file.rsplit('/').next().unwrap().to_owned(), d.line, d.column, d.code))
        .collect();
    let expected = [
        ("clinical.prisma", 3, 12, "unknown-type"),
        ("notes.prisma", 4, 66, "unknown-referenced-field"),
        ("theatre.prisma", 3, 31, "default-function-type"),
    ];
    assert_eq!(places, expected.map(|(file, line, column, code)| (file.to_owned(), line, column, code)));
}

/// Block rules run over a few blocks at a time on a large schema. Cut into
/// single blocks, every fixture must give the diagnostics (in the order
/// they were found) that one pass over the whole schema gives: a rule
/// marked as judging each block on its own that compares blocks, or walks
/// the whole schema from every run, fails here.
#[test]
fn block_rules_give_the_same_diagnostics_however_the_blocks_are_cut() {
    let mut schemas: Vec<Fragments> = Vec::new();
    for side in ["ok", "warn", "err"] {
        for entry in std::fs::read_dir(fixtures().join("validate").join(side)).unwrap() {
            let (name, text) = fixture(&entry.unwrap().path());
            schemas.push(parse(&[(&name, &text)]));
        }
    }
    for entry in std::fs::read_dir(fixtures().join("validate/multi")).unwrap() {
        schemas.push(Fragments::load(&entry.unwrap().path()).unwrap());
    }
    schemas.push(Fragments::load(&crate::support::repo().join("schema")).unwrap());
    let mut differ = Vec::new();
    for fragments in &schemas {
        let found = |blocks_per_run| {
            let mut diagnostics = ehrdb::diagnostics::Diagnostics::new();
            let schema = ehrdb::merge::merge(fragments, &mut diagnostics);
            validate::validate_in_runs_of(blocks_per_run, &schema, schema.default_prisma_major(), &mut diagnostics);
            format!("{diagnostics:#?}")
        };
        let whole = found(usize::MAX);
        if found(1) != whole || found(2) != whole {
            differ.push(fragments.fragments[0].name.clone());
        }
    }
    assert!(schemas.len() > 150, "only {} schemas", schemas.len());
    assert!(differ.is_empty(), "cut into runs of blocks, these give other diagnostics: {differ:?}");
}

#[test]
fn every_warning_is_a_registered_lint_and_every_lint_is_shown_by_a_fixture() {
    let mut raised = std::collections::BTreeSet::new();
    for side in ["warn", "err"] {
        for entry in std::fs::read_dir(fixtures().join("validate").join(side)).unwrap() {
            let path = entry.unwrap().path();
            let (_, diagnostics) = check(&path);
            for d in diagnostics.iter().filter(|d| d.severity == Severity::Warning) {
                assert!(
                    validate::LINTS.contains(&d.code),
                    "{}: `{}` is not in validate::LINTS",
                    path.display(),
                    d.code
                );
                raised.insert(d.code);
            }
        }
    }
    let missing: Vec<&str> =
        validate::LINTS.iter().copied().filter(|c| *c != "unused-allow" && !raised.contains(c)).collect();
    assert!(missing.is_empty(), "lints no fixture raises: {missing:?}");
}
