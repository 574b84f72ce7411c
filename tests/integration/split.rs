//! `ehrdb split` on schemas of three shapes (the example's merged
//! schema.prisma, a synthetic schema, papermark's multi-file folder): the
//! fragments diff to nothing against the input, are formatted, keep every
//! comment but the merged file's header and markers; `[split]` groups;
//! the refusals.

use std::path::{Path, PathBuf};

use crate::support::{DATASOURCE, Project, repo};

fn run(project: &Project, args: &[&str]) -> (i32, String, String) {
    let output = project.ehrdb().args(args).output().unwrap();
    (
        output.status.code().unwrap(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn fragments(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
    files.sort();
    files
}

/// Splits `input` into `schema/` and holds the result to the contract:
/// written, no SQL change for `ehrdb diff`, formatted, valid. Returns the
/// fragment names.
fn split_and_check(project: &Project, input: &str) -> Vec<String> {
    let (code, stdout, stderr) = run(project, &["split", input, "--out", "schema"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let (code, stdout, stderr) = run(project, &["diff", "--from", input, "--to", "schema", "--exit-code"]);
    assert_eq!(code, 0, "the fragments differ from {input}: {stdout}{stderr}");
    let (code, stdout, stderr) = run(project, &["fmt", "--check"]);
    assert_eq!(code, 0, "{stdout}{stderr}");
    let (code, _, stderr) = run(project, &["merge", "--output", "merged.prisma"]);
    assert_eq!(code, 0, "{stderr}");
    fragments(&project.path("schema")).iter().map(|p| p.file_name().unwrap().to_string_lossy().into_owned()).collect()
}

fn comment_lines(text: &str, doc: bool) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| l.starts_with("//") && l.starts_with("///") == doc)
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_example_splits_into_domains_with_every_comment() {
    let project = Project::new(&[]);
    let merged = std::fs::read_to_string(repo().join("schema.prisma")).unwrap();
    project.write("schema.prisma", &merged);
    let (code, plan, _) = run(&project, &["split", "schema.prisma", "--dry-run"]);
    assert_eq!(code, 0);
    assert!(fragments(&project.path("schema")).is_empty(), "--dry-run writes nothing");
    assert!(plan.contains("schema/base.prisma: the datasource and the generators"), "{plan}");
    assert!(plan.contains("named after `User`"), "the grouping is explained: {plan}");

    let names = split_and_check(&project, "schema.prisma");
    assert!(names.contains(&"base.prisma".to_owned()) && names.len() >= 5, "{names:?}");
    let written: String =
        fragments(&project.path("schema")).iter().map(|p| std::fs::read_to_string(p).unwrap()).collect();
    let mut before = comment_lines(&merged, true);
    let mut after = comment_lines(&written, true);
    before.sort();
    after.sort();
    assert_eq!(before, after, "every doc comment travels with its block");
    let plain: Vec<String> = comment_lines(&merged, false)
        .into_iter()
        .filter(|l| !l.starts_with(ehrdb::merge::MARKER) && !l.starts_with(ehrdb::merge::LISTED))
        .filter(|l| !ehrdb::merge::HEADER.lines().any(|h| h == l))
        .collect();
    let mut kept = comment_lines(&written, false);
    let mut plain = plain;
    plain.sort();
    kept.sort();
    assert_eq!(plain, kept, "plain comments travel too; the header and markers go");
    let base = project.read("schema/base.prisma");
    assert!(base.contains("generator client") && base.contains("datasource db") && !base.contains("model "), "{base}");
}

#[test]
fn a_synthetic_schema_splits_without_change() {
    let project = Project::new(&[]);
    let (code, _, stderr) = run(&project, &["debug", "synth", "--models", "300", "--out", "in"]);
    assert_eq!(code, 0, "{stderr}");
    let names = split_and_check(&project, "in");
    assert!(names.len() > 5, "{names:?}");
}

#[test]
fn papermarks_multi_file_schema_splits_without_change() {
    let source = repo().join("../shared/data/prisma-histories/papermark/prisma/schema");
    assert!(source.is_dir(), "the shared test data: {}", source.display());
    let project = Project::new(&[]);
    for file in fragments(&source) {
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        project.write(&format!("in/{name}"), &std::fs::read_to_string(&file).unwrap());
    }
    let names = split_and_check(&project, "in");
    assert!(names.contains(&"standalone.prisma".to_owned()), "{names:?}");
}

const CLINIC: &str = "model Patient {
  id       Int       @id
  invoices Invoice[]
  visits   Visit[]
}

model Visit {
  id        Int     @id
  patientId Int
  patient   Patient @relation(fields: [patientId], references: [id])

  @@index([patientId])
}

model Invoice {
  id        Int           @id
  patientId Int
  patient   Patient       @relation(fields: [patientId], references: [id])
  lines     InvoiceLine[]
  status    Status

  @@index([patientId])
}

model InvoiceLine {
  id        Int     @id
  invoiceId Int
  invoice   Invoice @relation(fields: [invoiceId], references: [id])

  @@index([invoiceId])
}

model Setting {
  key String @id
}

enum Status {
  OPEN
  PAID
}
";

#[test]
fn split_in_ehrdb_toml_names_the_groups() {
    let project = Project::new(&[]);
    project.write("one.prisma", &format!("{DATASOURCE}\n{CLINIC}"));
    project.write("ehrdb.toml", "[split]\nbilling = [\"Invoice\"]\nclinical = [\"Patient\"]\n");
    let (code, plan, stderr) = run(&project, &["split", "one.prisma", "--out", "schema"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(plan.contains("schema/billing.prisma: listed in [split]: Invoice; joined by the models that reference it most: InvoiceLine"), "{plan}");
    assert!(plan.contains("schema/standalone.prisma: models related to no group: Setting"), "{plan}");
    let billing = project.read("schema/billing.prisma");
    assert!(
        billing.contains("model InvoiceLine") && billing.contains("enum Status"),
        "the enum goes with its only user: {billing}"
    );
    assert!(project.read("schema/clinical.prisma").contains("model Visit"));
    let (code, _, _) = run(&project, &["diff", "--from", "one.prisma", "--to", "schema", "--exit-code"]);
    assert_eq!(code, 0);

    project.write("ehrdb.toml", "[split]\nbilling = [\"Invoce\"]\n");
    let (code, _, stderr) = run(&project, &["split", "one.prisma", "--out", "other", "--dry-run"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("group `billing` lists `Invoce`, which is no model or view: did you mean Invoice?"),
        "{stderr}"
    );
}

#[test]
fn split_refuses_a_folder_with_fragments_and_a_schema_with_errors() {
    let project = Project::new(&[("a.prisma", DATASOURCE)]);
    project.write("one.prisma", &format!("{DATASOURCE}\n{CLINIC}"));
    let (code, _, stderr) = run(&project, &["split", "one.prisma"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("schema already holds *.prisma fragments"), "{stderr}");
    assert_eq!(project.read("schema/a.prisma"), DATASOURCE, "nothing touched");

    project.write("bad.prisma", &format!("{DATASOURCE}\nmodel A {{\n  id Flaot @id\n}}\n"));
    let (code, _, stderr) = run(&project, &["split", "bad.prisma", "--out", "new"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("bad.prisma:") && stderr.contains("has errors"), "{stderr}");
    assert!(!project.path("new").exists());
}
