//! `ehrdb diagram` and `ehrdb diff --diagram`: the Mermaid and DOT text of
//! a small fixture, SVG that parses, renders and shows what was asked for,
//! and the example drawn whole: every model and relation once, nothing
//! overlapping.

use std::collections::HashMap;
use std::path::Path;

use crate::support::{Project, ehrdb, repo};
use predicates::prelude::PredicateBooleanExt;
use predicates::str::contains;

const FIXTURE: &str = "tests/fixtures/diagram";

fn fixture() -> std::path::PathBuf {
    repo().join(FIXTURE)
}

/// The output of a run that must succeed.
fn run(dir: &Path, args: &[&str]) -> String {
    let output = ehrdb().current_dir(dir).arg("diagram").args(args).output().expect("ehrdb runs");
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout).expect("UTF-8")
}

#[test]
fn mermaid_of_the_fixture() {
    insta::assert_snapshot!(run(&fixture(), &[]));
}

#[test]
fn dot_of_the_fixture() {
    insta::assert_snapshot!(run(&fixture(), &["--format", "dot"]));
}

/// A box of the SVG: its model, whether it is faded, and its rectangle.
struct Drawn {
    name: String,
    faded: bool,
    rect: [f64; 4],
}

fn rect(node: roxmltree::Node) -> [f64; 4] {
    let rect = node.children().find(|c| c.has_tag_name("rect")).expect("a rect");
    let n = |name: &str| rect.attribute(name).expect("an attribute").parse::<f64>().expect("a number");
    [n("x"), n("y"), n("width"), n("height")]
}

fn groups<'a>(doc: &'a roxmltree::Document, class: &str) -> Vec<roxmltree::Node<'a, 'a>> {
    doc.descendants().filter(|n| n.has_tag_name("g") && n.attribute("class") == Some(class)).collect()
}

fn models(doc: &roxmltree::Document) -> Vec<Drawn> {
    groups(doc, "model")
        .into_iter()
        .map(|g| Drawn {
            name: g.attribute("id").expect("an id").trim_start_matches("model-").to_owned(),
            faded: g.attribute("opacity").is_some(),
            rect: rect(g),
        })
        .collect()
}

/// The relation titles: `From.field n:1 To.field (label)`.
fn relation_titles(doc: &roxmltree::Document) -> Vec<String> {
    groups(doc, "relation")
        .into_iter()
        .map(|g| g.children().find(|c| c.has_tag_name("title")).and_then(|t| t.text()).expect("a title").to_owned())
        .collect()
}

fn overlap(a: &[f64; 4], b: &[f64; 4]) -> bool {
    a[0] < b[0] + b[2] && b[0] < a[0] + a[2] && a[1] < b[1] + b[3] && b[1] < a[1] + a[3]
}

fn render_png(svg: &str) -> Vec<u8> {
    let tree = resvg::usvg::Tree::from_str(svg, &resvg::usvg::Options::default()).expect("usvg reads it");
    let size = tree.size().to_int_size();
    let mut pixmap = resvg::tiny_skia::Pixmap::new(size.width(), size.height()).expect("a pixmap");
    resvg::render(&tree, resvg::tiny_skia::Transform::default(), &mut pixmap.as_mut());
    pixmap.encode_png().expect("a PNG")
}

#[test]
fn a_domain_as_svg_is_xml_with_its_models_once_and_neighbours_faded_and_renders() {
    let svg = run(&fixture(), &["--domain", "audit", "--format", "svg"]);
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");
    let drawn = models(&doc);
    let names: Vec<(&str, bool)> = drawn.iter().map(|m| (m.name.as_str(), m.faded)).collect();
    assert_eq!(names, [("Note", false), ("Visit", true)], "{svg}");
    let titles = relation_titles(&doc);
    assert_eq!(titles.len(), 2, "{titles:?}");
    assert!(titles.contains(&"Note.visit n:1 Visit.notes (visit)".to_owned()), "{titles:?}");
    let png = render_png(&svg);
    assert!(png.starts_with(b"\x89PNG") && png.len() > 1000, "{} bytes", png.len());
}

#[test]
fn the_example_shows_every_model_and_relation_once_without_overlaps() {
    let svg = run(repo(), &["--format", "svg"]);
    let doc = roxmltree::Document::parse(&svg).expect("well-formed XML");

    let fragments = ehrdb::fragments::Fragments::load(&repo().join("schema")).expect("the example");
    let checked = ehrdb::pipeline::check(&fragments, None);
    let schema = &checked.schema;
    let drawn = models(&doc);
    let mut expected: Vec<&str> = schema.models().map(|m| m.name.name.as_str()).collect();
    let mut names: Vec<&str> = drawn.iter().map(|m| m.name.as_str()).collect();
    expected.sort_unstable();
    names.sort_unstable();
    assert_eq!(names, expected, "every model exactly once");

    // Every relation field is an end of exactly one drawn relation.
    let titles = relation_titles(&doc);
    let mut ends: HashMap<String, usize> = HashMap::new();
    for title in &titles {
        let words: Vec<&str> = title.split(' ').collect();
        *ends.entry(words[0].to_owned()).or_default() += 1;
        *ends.entry(words[2].to_owned()).or_default() += 1;
    }
    let mut fields = Vec::new();
    for model in schema.models() {
        for field in model.fields() {
            if matches!(schema.resolve(&field.ty), ehrdb::schema::FieldKind::Model(_)) {
                fields.push(format!("{}.{}", model.name.name, field.name.name));
            }
        }
    }
    for field in &fields {
        assert_eq!(ends.get(field), Some(&1), "{field} in {titles:#?}");
    }
    assert_eq!(ends.values().sum::<usize>(), fields.len(), "no relation ends at a field that is not one");
    assert_eq!(titles.len(), 102);

    for (i, a) in drawn.iter().enumerate() {
        for b in &drawn[i + 1..] {
            assert!(!overlap(&a.rect, &b.rect), "{} overlaps {}", a.name, b.name);
        }
    }
    let labels: Vec<(String, [f64; 4])> = groups(&doc, "label")
        .into_iter()
        .map(|g| {
            (g.descendants().find(|c| c.has_tag_name("text")).and_then(|t| t.text()).unwrap_or("").to_owned(), rect(g))
        })
        .collect();
    assert_eq!(labels.len(), titles.len(), "every relation has a label");
    for (i, (text, label)) in labels.iter().enumerate() {
        assert!(!text.is_empty());
        for model in &drawn {
            assert!(!overlap(label, &model.rect), "label {text} overlaps {}", model.name);
        }
        for (other, rect) in &labels[i + 1..] {
            assert!(!overlap(label, rect), "label {text} overlaps label {other}");
        }
    }
}

#[test]
fn the_committed_readme_diagram_is_current() {
    ehrdb()
        .current_dir(repo())
        .args(["diagram", "--format", "svg", "--out", "docs/schema.svg", "--check"])
        .assert()
        .code(0)
        .stdout(contains("is up to date"));
}

#[test]
fn check_finds_a_stale_file_and_writes_nothing() {
    let read = |name: &str| std::fs::read_to_string(fixture().join("schema").join(name)).unwrap();
    let files = ["base.prisma", "clinic.prisma", "audit.prisma"].map(|name| (name, read(name)));
    let project = Project::new(&files.iter().map(|(name, text)| (*name, text.as_str())).collect::<Vec<_>>());
    project.write("schema.mmd", "erDiagram\n");
    project.ehrdb().args(["diagram", "--out", "schema.mmd", "--check"]).assert().code(1).stderr(contains("is stale"));
    assert_eq!(project.read("schema.mmd"), "erDiagram\n");
    project.ehrdb().args(["diagram", "--out", "schema.mmd"]).assert().code(0).stdout(contains("wrote schema.mmd"));
    project.ehrdb().args(["diagram", "--out", "schema.mmd", "--check"]).assert().code(0);
}

#[test]
fn layout_dot_without_graphviz_says_what_to_install() {
    let empty = tempfile::tempdir().unwrap();
    ehrdb()
        .current_dir(fixture())
        .env("PATH", empty.path())
        .args(["diagram", "--format", "svg", "--layout", "dot"])
        .assert()
        .code(2)
        .stderr(contains("install Graphviz"));
}

#[test]
fn an_unknown_domain_lists_the_domains() {
    ehrdb()
        .current_dir(fixture())
        .args(["diagram", "--domain", "theatre"])
        .assert()
        .code(2)
        .stderr(contains("no domain named `theatre`; the domains are: audit, clinic"));
}

#[test]
fn a_schema_with_errors_gives_its_diagnostics_and_no_diagram() {
    let project = Project::new(&[("a.prisma", "model Patient {\n  id Int @id\n  ward Ward\n}\n")]);
    project
        .ehrdb()
        .arg("diagram")
        .assert()
        .code(1)
        .stdout("")
        .stderr(contains("schema/a.prisma:3").and(contains("no diagram")));
}

#[test]
fn diff_diagram_marks_what_a_change_touches() {
    let old = std::fs::read_to_string(fixture().join("schema/clinic.prisma")).unwrap();
    let audit = std::fs::read_to_string(fixture().join("schema/audit.prisma")).unwrap();
    let base = "datasource db {\n  provider = \"postgresql\"\n}\n";
    let new = old
        .replace("  aliases    String[]\n", "  nhsNumber  String?   @map(\"nhs_number\")\n")
        .replace("@db.Timestamptz(6)", "@db.Date")
        .replace("  carers     Carer[]\n", "")
        .replace("  patients Patient[]\n", "");
    let project = Project::new(&[("base.prisma", base), ("clinic.prisma", &new), ("audit.prisma", &audit)]);
    project.write("old/base.prisma", base);
    project.write("old/clinic.prisma", &old);
    project.write("old/audit.prisma", &audit);
    let output = project.ehrdb().args(["diff", "--from", "old", "--diagram"]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    insta::assert_snapshot!(String::from_utf8(output.stdout).unwrap());
}
