//! Annotation errors are ehrdb's own: Prisma ignores doc comments, so no
//! fixture of the `err/` side (invalid for Prisma) can show them. These
//! tests run the whole validation on small schemas instead.

use crate::diagnostics::Diagnostics;
use crate::fragments::Fragments;
use crate::pipeline;

const HEAD: &str = "datasource db {\n  provider = \"postgresql\"\n}\n\n";

fn check(body: &str) -> (Fragments, Diagnostics) {
    let text = format!("{HEAD}{body}");
    let fragments = Fragments::from_texts(vec![("schema/audit.prisma".to_owned(), "schema/audit.prisma".into(), text)]);
    let diagnostics = pipeline::check(&fragments, None).diagnostics;
    (fragments, diagnostics)
}

fn codes(body: &str) -> Vec<&'static str> {
    check(body).1.iter().map(|d| d.code).collect()
}

fn rendered(body: &str) -> String {
    let (fragments, diagnostics) = check(body);
    diagnostics.render(&fragments.sources, false)
}

const NOTE: &str = "model ClinicalNote {
  id          String        @id @db.Uuid
  body        String
  amendedById String?       @unique @db.Uuid
  amendedBy   ClinicalNote? @relation(\"Amendment\", fields: [amendedById], references: [id], onDelete: Restrict)
  amends      ClinicalNote? @relation(\"Amendment\")
}
";

fn note(annotation: &str) -> String {
    format!("/// {annotation}\n{NOTE}")
}

#[test]
fn an_unknown_annotation_suggests_the_closest() {
    assert_eq!(
        rendered(&note("@ehrdb.immutible")),
        "error[unknown-annotation]: unknown annotation `@ehrdb.immutible`
  ┌─ schema/audit.prisma:5:5
  │
5 │ /// @ehrdb.immutible
  │     ^^^^^^^^^^^^^^^^ ehrdb does not know this annotation
  │
  = help: did you mean `@ehrdb.immutable`?

"
    );
    assert_eq!(codes(&note("@ehrdb.auditLog")), ["unknown-annotation"]);
}

#[test]
fn syntax_errors_point_inside_the_comment() {
    assert_eq!(
        rendered(&note("@ehrdb.immutable(allowUpdate: [amendedById body])")),
        "error[annotation-syntax]: expected `,` or `]` after a field name
  ┌─ schema/audit.prisma:5:48
  │
5 │ /// @ehrdb.immutable(allowUpdate: [amendedById body])
  │                                                ^ found `b`
  │
  = help: the form is `/// @ehrdb.immutable` or `/// @ehrdb.immutable(allowUpdate: [field, other])`

"
    );
    for bad in [
        "@ehrdb.immutable(allowUpdate: [amendedById]",
        "@ehrdb.immutable(allowUpdate: [amendedById)",
        "@ehrdb.immutable(allowUpdate: [\"amendedById\"])",
        "@ehrdb.immutable(allowUpdate [amendedById])",
        "@ehrdb immutable",
        "@ehrdb.",
        "@ehrdb.immutable — audit table",
    ] {
        assert_eq!(codes(&note(bad)), ["annotation-syntax"], "{bad}");
    }
}

#[test]
fn arguments_are_allow_update_lists() {
    assert_eq!(codes(&note("@ehrdb.immutable(allowUpdates: [body])")), ["unknown-annotation-argument"]);
    assert_eq!(codes(&note("@ehrdb.immutable([body])")), ["unnamed-annotation-argument"]);
    assert_eq!(codes(&note("@ehrdb.immutable(allowUpdate: body)")), ["allow-update-not-a-list"]);
    assert_eq!(
        codes(&note("@ehrdb.immutable(allowUpdate: [body], allowUpdate: [amendedById])")),
        ["duplicate-annotation-argument"]
    );
    assert!(codes(&note("@ehrdb.immutable(allowUpdate: [])")).is_empty());
    assert!(codes(&note("@ehrdb.immutable()")).is_empty());
}

#[test]
fn allow_update_lists_existing_scalar_fields_but_not_the_id() {
    assert_eq!(
        rendered(&note("@ehrdb.immutable(allowUpdate: [amendedBy])")),
        "error[relation-field-in-allow-update]: `allowUpdate` names relation field `amendedBy`
   ┌─ schema/audit.prisma:5:36
   │
 5 │ /// @ehrdb.immutable(allowUpdate: [amendedBy])
   │                                    ^^^^^^^^^ a relation field has no column
   ·
10 │   amendedBy   ClinicalNote? @relation(\"Amendment\", fields: [amendedById], references: [id], onDelete: Restrict)
   │   --------- a relation field
   │
   = help: list its foreign-key field instead: `amendedById`

"
    );
    assert_eq!(codes(&note("@ehrdb.immutable(allowUpdate: [bdy])")), ["unknown-allow-update-field"]);
    assert_eq!(codes(&note("@ehrdb.immutable(allowUpdate: [id])")), ["id-in-allow-update"]);
    assert_eq!(codes(&note("@ehrdb.immutable(allowUpdate: [body, body])")), ["duplicate-allow-update-field"]);
    let compound = "/// @ehrdb.immutable(allowUpdate: [line])\nmodel Line {\n  invoice String @db.Uuid\n  line    Int\n\n  @@id([invoice, line])\n}\n";
    assert_eq!(codes(compound), ["id-in-allow-update"]);
}

#[test]
fn the_annotation_belongs_on_models_only() {
    let field = "model ClinicalNote {\n  /// @ehrdb.immutable\n  id String @id @db.Uuid\n}\n";
    assert_eq!(codes(field), ["misplaced-annotation"]);
    let enumeration = "/// @ehrdb.immutable\nenum Status {\n  /// @ehrdb.immutable\n  SIGNED\n}\n";
    assert_eq!(codes(enumeration), ["misplaced-annotation", "misplaced-annotation"]);
    let view = "generator client {\n  provider        = \"prisma-client-js\"\n  previewFeatures = [\"views\"]\n}\n\n/// @ehrdb.immutable\nview Recent {\n  id String @unique @db.Uuid\n}\n";
    let rendered = rendered(view);
    assert!(rendered.contains("`@ehrdb.immutable` is on view `Recent`: only models take it"), "{rendered}");
    assert!(rendered.contains("a view stores no rows"), "{rendered}");
}

#[test]
fn a_blank_line_detaches_the_annotation() {
    let text = format!("/// @ehrdb.immutable\n\n{NOTE}");
    assert_eq!(codes(&text), ["detached-annotation"]);
    let inside = "model ClinicalNote {\n  id String @id @db.Uuid\n\n  /// @ehrdb.immutable\n}\n";
    assert_eq!(codes(inside), ["detached-annotation"]);
}

#[test]
fn a_model_is_annotated_once() {
    let text = format!("/// @ehrdb.immutable\n/// @ehrdb.immutable(allowUpdate: [body])\n{NOTE}");
    assert_eq!(codes(&text), ["duplicate-annotation"]);
}

const WARD: &str = "model Ward {
  id      Int      @id
  name    String
  beds    Bed[]
}

model Bed {
  id     Int  @id
  wardId Int
  ward   Ward @relation(fields: [wardId], references: [id])

  @@index([wardId])
}

enum Acuity {
  LOW
  HIGH
}
";

fn ward(from: &str, to: &str) -> Vec<&'static str> {
    codes(&WARD.replacen(from, to, 1))
}

#[test]
fn renamed_from_sits_on_models_fields_enums_and_values() {
    assert!(ward("model Ward {", "/// @ehrdb.renamedFrom(\"Unit\")\nmodel Ward {").is_empty());
    assert!(ward("  name    String", "  /// @ehrdb.renamedFrom(\"title\")\n  name    String").is_empty());
    assert!(ward("enum Acuity {", "/// @ehrdb.renamedFrom(\"Severity\")\nenum Acuity {").is_empty());
    assert!(ward("  LOW", "  /// @ehrdb.renamedFrom(\"MILD\")\n  LOW").is_empty());
    assert_eq!(
        ward("  ward   Ward @relation", "  /// @ehrdb.renamedFrom(\"unit\")\n  ward   Ward @relation"),
        ["misplaced-annotation"]
    );
    let rendered = rendered(&WARD.replacen(
        "  ward   Ward @relation",
        "  /// @ehrdb.renamedFrom(\"unit\")\n  ward   Ward @relation",
        1,
    ));
    assert!(rendered.contains("is on relation field `Bed.ward`, which has no column"), "{rendered}");
    assert_eq!(
        codes(&format!("{WARD}\n/// @ehrdb.renamedFrom(\"Old\")\n\nmodel Other {{\n  id Int @id\n}}\n")),
        ["detached-annotation"]
    );
}

#[test]
fn renamed_from_names_one_old_name_that_is_free() {
    assert_eq!(ward("model Ward {", "/// @ehrdb.renamedFrom(\"Bed\")\nmodel Ward {"), ["renamed-from-existing-name"]);
    assert_eq!(
        ward("  name    String", "  /// @ehrdb.renamedFrom(\"id\")\n  name    String"),
        ["renamed-from-existing-name"]
    );
    assert_eq!(
        ward("  name    String", "  /// @ehrdb.renamedFrom(\"name\")\n  name    String"),
        ["renamed-from-itself"]
    );
    assert_eq!(ward("  HIGH", "  /// @ehrdb.renamedFrom(\"LOW\")\n  HIGH"), ["renamed-from-existing-name"]);
    let two = WARD.replacen("  name    String", "  /// @ehrdb.renamedFrom(\"title\")\n  name    String", 1).replacen(
        "  beds    Bed[]",
        "  /// @ehrdb.renamedFrom(\"title\")\n  code    String\n  beds    Bed[]",
        1,
    );
    assert_eq!(codes(&two), ["duplicate-renamed-from"]);
    let twice = "  /// @ehrdb.renamedFrom(\"title\")\n  /// @ehrdb.renamedFrom(\"label\")\n  name    String";
    assert_eq!(ward("  name    String", twice), ["duplicate-annotation"]);
}

#[test]
fn renamed_from_takes_one_quoted_name() {
    let at = |annotation: &str| ward("model Ward {", &format!("/// {annotation}\nmodel Ward {{"));
    assert_eq!(at("@ehrdb.renamedFrom(Unit)"), ["renamed-from-syntax"]);
    assert_eq!(at("@ehrdb.renamedFrom"), ["renamed-from-syntax"]);
    assert_eq!(at("@ehrdb.renamedFrom(\"Unit\", \"Wing\")"), ["renamed-from-syntax"]);
    assert_eq!(at("@ehrdb.renamedFrom(name: \"Unit\")"), ["renamed-from-syntax"]);
    assert_eq!(at("@ehrdb.renamedFrom(\"2nd\")"), ["renamed-from-syntax"]);
    let rendered = rendered(&WARD.replacen("model Ward {", "/// @ehrdb.renamedFrom(Unit)\nmodel Ward {", 1));
    assert!(rendered.contains("the old name goes in double quotes"), "{rendered}");
    assert!(rendered.contains("write `@ehrdb.renamedFrom(\"Unit\")`"), "{rendered}");
}
