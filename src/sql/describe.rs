//! A readable text rendering of a [`SqlSchema`], one line per object, for
//! snapshots and drift reports.
//!
//! Takes a model and returns lines in the model's own order: namespaces,
//! extensions, enums, then each table followed by its columns, primary key,
//! indexes, foreign keys and immutability, indented under it. Names are
//! double-quoted as in SQL; types and defaults read like the SQL that
//! creates them, except that defaults with a meaning of their own show it
//! (`autoincrement()`, `now()`, `dbgenerated("...")`). It is not SQL and is
//! never parsed back.

use std::fmt::Write;

use super::render::{ident, idents, literal, qualified, type_name};
use super::{Column, ColumnDefault, ColumnType, ForeignKey, Index, IndexColumn, SqlSchema, Table};

/// The schema as text, one line per object, ending in a newline.
pub fn describe(schema: &SqlSchema) -> String {
    let mut out = String::new();
    for namespace in &schema.namespaces {
        line(&mut out, 0, format!("namespace {}", ident(namespace)));
    }
    for extension in &schema.extensions {
        let mut text = format!("extension {}", ident(&extension.name));
        if let Some(schema) = &extension.schema {
            write!(text, " SCHEMA {}", ident(schema)).unwrap();
        }
        if let Some(version) = &extension.version {
            write!(text, " VERSION {version}").unwrap();
        }
        line(&mut out, 0, text);
    }
    for e in &schema.enums {
        let values: Vec<String> = e.values.iter().map(|v| literal(v)).collect();
        line(&mut out, 0, format!("enum {} ({})", qualified(&e.name), values.join(", ")));
    }
    for table in &schema.tables {
        describe_table(&mut out, table);
    }
    out
}

fn describe_table(out: &mut String, table: &Table) {
    line(out, 0, format!("table {}", qualified(&table.name)));
    for column in &table.columns {
        line(out, 1, format!("column {}", column_text(column)));
    }
    if let Some(key) = &table.primary_key {
        line(out, 1, format!("primary key {} ({})", ident(&key.name), index_columns(&key.columns)));
    }
    for index in &table.indexes {
        line(out, 1, index_text(index));
    }
    for key in &table.foreign_keys {
        line(out, 1, foreign_key_text(key));
    }
    if let Some(immutable) = &table.immutable {
        let text = match immutable.allow_update.as_slice() {
            [] => "immutable".to_owned(),
            columns => format!("immutable ALLOW UPDATE ({})", idents(columns, ", ")),
        };
        line(out, 1, text);
    }
}

fn column_text(column: &Column) -> String {
    let mut text = format!("{} {}", ident(&column.name), type_text(&column.ty));
    if column.array {
        text.push_str("[]");
    }
    if !column.nullable {
        text.push_str(" NOT NULL");
    }
    match &column.default {
        None => {}
        Some(ColumnDefault::Literal(sql)) => write!(text, " DEFAULT {sql}").unwrap(),
        Some(ColumnDefault::Now) => text.push_str(" DEFAULT now()"),
        Some(ColumnDefault::Sequence) => text.push_str(" DEFAULT autoincrement()"),
        Some(ColumnDefault::Expression(sql)) => {
            write!(text, " DEFAULT dbgenerated(\"{}\")", sql.replace('\\', "\\\\").replace('"', "\\\"")).unwrap()
        }
    }
    text
}

/// The type as SQL names it, but a type ehrdb does not know, which reads
/// `Unsupported("...")` as in the schema, so a drift report tells it apart.
fn type_text(ty: &ColumnType) -> String {
    match ty {
        ColumnType::Unsupported(text) => format!("Unsupported(\"{}\")", text.replace('"', "\\\"")),
        ty => type_name(ty),
    }
}

fn index_text(index: &Index) -> String {
    let mut text = format!("{}index {}", if index.unique { "unique " } else { "" }, ident(&index.name));
    if let Some(method) = index.method {
        write!(text, " USING {}", method.sql()).unwrap();
    }
    write!(text, " ({})", index_columns(&index.columns)).unwrap();
    if let Some(predicate) = &index.predicate {
        write!(text, " WHERE ({predicate})").unwrap();
    }
    text
}

fn index_columns(columns: &[IndexColumn]) -> String {
    let columns: Vec<String> = columns
        .iter()
        .map(|column| {
            let mut text = ident(&column.name);
            if let Some(class) = &column.operator_class {
                write!(text, " {class}").unwrap();
            }
            if column.descending {
                text.push_str(" DESC");
            }
            text
        })
        .collect();
    columns.join(", ")
}

fn foreign_key_text(key: &ForeignKey) -> String {
    format!(
        "foreign key {} ({}) REFERENCES {} ({}) ON DELETE {} ON UPDATE {}",
        ident(&key.name),
        idents(&key.columns, ", "),
        qualified(&key.referenced_table),
        idents(&key.referenced_columns, ", "),
        key.on_delete.sql(),
        key.on_update.sql(),
    )
}

fn line(out: &mut String, depth: usize, text: String) {
    out.push_str(&"  ".repeat(depth));
    out.push_str(&text);
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::describe;
    use crate::sql::*;

    fn name(name: &str) -> QualifiedName {
        QualifiedName { schema: None, name: name.to_owned() }
    }

    #[test]
    fn every_kind_of_object_has_its_line() {
        let column = |name: &str, ty: ColumnType, nullable, default| Column {
            name: name.to_owned(),
            ty,
            array: false,
            nullable,
            default,
        };
        let schema = SqlSchema {
            namespaces: vec!["audit".to_owned()],
            extensions: vec![Extension { name: "pgcrypto".to_owned(), schema: Some("ext".to_owned()), version: None }],
            ignores_extensions: false,
            enums: vec![Enum {
                name: QualifiedName { schema: Some("audit".to_owned()), name: "Kind".to_owned() },
                values: vec!["A".to_owned(), "it's".to_owned()],
            }],
            tables: vec![Table {
                name: name("Note"),
                columns: vec![
                    column("id", ColumnType::Builtin("INTEGER".to_owned()), false, Some(ColumnDefault::Sequence)),
                    Column { array: true, ..column("tags", ColumnType::Builtin("TEXT".to_owned()), true, None) },
                    column(
                        "say \"hi\"",
                        ColumnType::Unsupported("tsvector".to_owned()),
                        true,
                        Some(ColumnDefault::Expression("to_tsvector('a \"b\"')".to_owned())),
                    ),
                    column("at", ColumnType::Builtin("TIMESTAMP(3)".to_owned()), false, Some(ColumnDefault::Now)),
                    column(
                        "kind",
                        ColumnType::Enum(QualifiedName { schema: Some("audit".to_owned()), name: "Kind".to_owned() }),
                        false,
                        Some(ColumnDefault::Literal("'A'".to_owned())),
                    ),
                ],
                primary_key: Some(PrimaryKey { name: "Note_pkey".to_owned(), columns: vec![IndexColumn::plain("id")] }),
                indexes: vec![Index {
                    name: "Note_tags_idx".to_owned(),
                    unique: true,
                    columns: vec![IndexColumn {
                        name: "tags".to_owned(),
                        descending: true,
                        operator_class: Some("array_ops".to_owned()),
                    }],
                    method: Some(IndexMethod::Gin),
                    predicate: Some("id > 0".to_owned()),
                }],
                foreign_keys: vec![ForeignKey {
                    name: "Note_id_fkey".to_owned(),
                    columns: vec!["id".to_owned()],
                    referenced_table: name("Other"),
                    referenced_columns: vec!["id".to_owned()],
                    on_delete: ReferentialAction::SetNull,
                    on_update: ReferentialAction::NoAction,
                }],
                immutable: Some(Immutable { allow_update: vec!["at".to_owned(), "tags".to_owned()] }),
            }],
        };
        assert_eq!(
            describe(&schema),
            r#"namespace "audit"
extension "pgcrypto" SCHEMA "ext"
enum "audit"."Kind" ('A', 'it''s')
table "Note"
  column "id" INTEGER NOT NULL DEFAULT autoincrement()
  column "tags" TEXT[]
  column "say ""hi""" Unsupported("tsvector") DEFAULT dbgenerated("to_tsvector('a \"b\"')")
  column "at" TIMESTAMP(3) NOT NULL DEFAULT now()
  column "kind" "audit"."Kind" NOT NULL DEFAULT 'A'
  primary key "Note_pkey" ("id")
  unique index "Note_tags_idx" USING GIN ("tags" array_ops DESC) WHERE (id > 0)
  foreign key "Note_id_fkey" ("id") REFERENCES "Other" ("id") ON DELETE SET NULL ON UPDATE NO ACTION
  immutable ALLOW UPDATE ("at", "tags")
"#
        );
        assert_eq!(describe(&SqlSchema::default()), "");
    }
}
