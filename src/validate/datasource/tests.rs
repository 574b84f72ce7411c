//! Rules that no fixture can show, because the Prisma oracle judges every
//! fixture with Prisma 7 (blanking `url` lines for Prisma 6 schemas):
//! Prisma 6's url rules, checked against Prisma 6.19.3's own validator,
//! and ehrdb's own rules (PostgreSQL only, no password in the schema).

use crate::diagnostics::Diagnostics;
use crate::fragments::Fragments;
use crate::pipeline;

fn check(text: &str, major: Option<u8>) -> (Fragments, Diagnostics) {
    let fragments =
        Fragments::from_texts(vec![("schema/base.prisma".to_owned(), "schema/base.prisma".into(), text.to_owned())]);
    let diagnostics = pipeline::check(&fragments, major).diagnostics;
    (fragments, diagnostics)
}

fn codes(text: &str, major: Option<u8>) -> Vec<&'static str> {
    check(text, major).1.iter().map(|d| d.code).collect()
}

fn datasource(body: &str) -> String {
    format!("datasource db {{\n  provider = \"postgresql\"\n{body}}}\n")
}

#[test]
fn prisma_6_requires_a_url() {
    assert_eq!(codes(&datasource(""), Some(6)), ["missing-url"]);
    assert!(codes(&datasource(""), None).is_empty(), "no url means Prisma 7 by default");
}

#[test]
fn prisma_6_urls_are_strings_or_env_calls() {
    assert_eq!(codes(&datasource("  url = 5\n"), None), ["url-not-a-string"]);
    assert_eq!(codes(&datasource("  url = DATABASE_URL\n"), None), ["url-not-a-string"]);
    assert_eq!(codes(&datasource("  url = env(\"A\", \"B\")\n"), None), ["invalid-env-call"]);
    assert_eq!(codes(&datasource("  url = env(\"A\",)\n"), None), ["trailing-comma"]);
    assert_eq!(codes(&datasource("  url = env()\n"), None), ["invalid-env-call"]);
    assert_eq!(codes(&datasource("  url = env(5)\n"), None), ["invalid-env-call"]);
    assert_eq!(codes(&datasource("  url = env(name: \"A\")\n"), None), ["env-named-argument"]);
    let text = datasource("  url = env(\"A\")\n  directUrl = 5\n");
    assert_eq!(codes(&text, None), ["url-not-a-string"]);
}

#[test]
fn prisma_6_shadow_database_is_separate() {
    let same_as_url = datasource("  url = env(\"A\")\n  shadowDatabaseUrl = env(\"A\")\n");
    assert_eq!(codes(&same_as_url, None), ["shadow-database-is-not-separate"]);
    let same_as_direct = datasource("  url = env(\"A\")\n  directUrl = \"x\"\n  shadowDatabaseUrl = \"x\"\n");
    assert_eq!(codes(&same_as_direct, None), ["shadow-database-is-not-separate"]);
    let empty = datasource("  url = \"\"\n  shadowDatabaseUrl = \"\"\n");
    assert!(codes(&empty, None).is_empty());
}

#[test]
fn prisma_7_rejects_every_url_in_the_schema() {
    let text = datasource("  url = env(\"A\")\n  directUrl = env(\"B\")\n");
    assert_eq!(codes(&text, Some(7)), ["url-in-schema", "url-in-schema"]);
}

#[test]
fn preview_features_follow_the_target_major() {
    let text = "generator client {\n  provider = \"prisma-client-js\"\n  previewFeatures = [\"partialIndexes\", \"metrics\", \"typedSql\"]\n}\n\ndatasource db {\n  provider = \"postgresql\"\n  url = env(\"DATABASE_URL\")\n}\n";
    assert_eq!(codes(text, None), ["unknown-preview-feature", "stable-preview-feature"]);
    let (fragments, diagnostics) = check(text, None);
    let rendered = diagnostics.render(&fragments.sources, false);
    assert!(rendered.contains("`partialIndexes` is a preview feature of Prisma 7, not of Prisma 6"), "{rendered}");
}

#[test]
fn other_providers_are_errors_that_name_postgresql() {
    for provider in ["mysql", "sqlite", "sqlserver", "mongodb", "cockroachdb"] {
        let text = format!("datasource db {{\n  provider = \"{provider}\"\n}}\n");
        let (fragments, diagnostics) = check(&text, None);
        let rendered = diagnostics.render(&fragments.sources, false);
        assert_eq!(diagnostics.iter().map(|d| d.code).collect::<Vec<_>>(), ["unsupported-provider"]);
        assert!(rendered.contains("ehrdb targets PostgreSQL"), "{rendered}");
    }
}

#[test]
fn a_password_in_a_literal_url_is_an_error_that_never_shows_it() {
    let text = datasource("  url      = \"postgres://ehr:s3cr3t-Pw@db.internal:5432/ehr\"\n");
    let (fragments, diagnostics) = check(&text, None);
    assert_eq!(diagnostics.iter().map(|d| d.code).collect::<Vec<_>>(), ["password-in-url"]);
    let rendered = diagnostics.render(&fragments.sources, false);
    let json = serde_json::to_string(&diagnostics.to_json_report(&fragments.sources)).unwrap();
    for output in [&rendered, &json] {
        assert!(!output.contains("s3cr3t"), "the password leaks:\n{output}");
    }
    assert_eq!(
        rendered,
        r#"error[password-in-url]: `url` on line 3 holds a password: postgres://ehr:****@db.internal:5432/ehr
  ┌─ schema/base.prisma:1:12
  │
1 │ datasource db {
  │            ^^ its `url` is a literal URL with a password (not shown)
  │
  = help: write `url = env("DATABASE_URL")` and keep the URL in the environment or a git-ignored .env file; then change the password: it is in version control

"#
    );
}

#[test]
fn a_password_in_a_direct_url_query_is_found_too() {
    let text = datasource("  url = env(\"A\")\n  directUrl = \"postgresql://ehr@h/d?password=hunter2\"\n");
    let (fragments, diagnostics) = check(&text, None);
    let rendered = diagnostics.render(&fragments.sources, false);
    assert!(!rendered.contains("hunter2"), "{rendered}");
    assert!(
        rendered.contains("`directUrl` on line 4 holds a password: postgresql://ehr@h/d?password=****"),
        "{rendered}"
    );
}
