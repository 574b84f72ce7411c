//! The summary of a change list that `ehrdb diff` shows a reviewer: one
//! line per change, `+` added, `-` removed, `~` changed, grouped by what
//! it changes (namespaces, extensions, the immutability function, each
//! enum, each table), with the risk of a step after it: `!` when it can
//! lose data, `?` when it can fail on existing rows.
//!
//! It takes changes as `diff` orders them and returns text; it never
//! writes SQL and never prints.

use std::collections::BTreeMap;
use std::fmt::Write;

use super::diff::risks;
use super::render::{column_type, ident, idents, qualified};
use super::{Change, Column, ColumnDefault, ColumnType, ForeignKey, IMMUTABLE_FUNCTION, Immutable, Index, IndexColumn};
use super::{QualifiedName, Rename, Risk};

/// The summary of `changes`, a line per change; empty when there are none.
pub fn summary(changes: &[Change]) -> String {
    let risks = risks(changes);
    let mut global: Vec<(u8, String)> = Vec::new();
    let mut enums: BTreeMap<&QualifiedName, Vec<String>> = BTreeMap::new();
    let mut tables: BTreeMap<&QualifiedName, TableLines> = BTreeMap::new();
    for (change, risk) in changes.iter().zip(&risks) {
        let marked = |text: String| match risk {
            Some(Risk::Destructive(why)) => format!("{text}  ! {why}"),
            Some(Risk::Risky(why)) => format!("{text}  ? {why}"),
            None => text,
        };
        match describe(change) {
            Line::Global(section, text) => global.push((section, marked(text))),
            Line::Enum(name, text) => enums.entry(name).or_default().push(marked(text)),
            Line::Table(name, text) => tables.entry(name).or_default().head = Some(marked(text)),
            Line::InTable(name, text) => tables.entry(name).or_default().lines.push(marked(text)),
        }
    }
    global.sort_by_key(|(section, _)| *section);
    let mut out = String::new();
    for (_, line) in &global {
        writeln!(out, "{line}").unwrap();
    }
    for lines in enums.values() {
        for line in lines {
            writeln!(out, "{line}").unwrap();
        }
    }
    for (name, table) in &tables {
        match &table.head {
            // A created or dropped table: its indexes, keys and triggers
            // are indented under it.
            Some(head) => {
                writeln!(out, "{head}").unwrap();
                for line in &table.lines {
                    writeln!(out, "  {line}").unwrap();
                }
            }
            None => {
                for line in &table.lines {
                    writeln!(out, "~ {}: {line}", qualified(name)).unwrap();
                }
            }
        }
    }
    out
}

#[derive(Default)]
struct TableLines {
    head: Option<String>,
    lines: Vec<String>,
}

enum Line<'a> {
    /// Namespaces (0), extensions (1), the function (2).
    Global(u8, String),
    Enum(&'a QualifiedName, String),
    /// Creating or dropping the table itself.
    Table(&'a QualifiedName, String),
    /// A change to a part of the table.
    InTable(&'a QualifiedName, String),
}

fn describe(change: &Change) -> Line<'_> {
    match change {
        Change::CreateNamespace(name) => Line::Global(0, format!("+ namespace {}", ident(name))),
        Change::DropNamespace(name) => Line::Global(0, format!("- namespace {}", ident(name))),
        Change::CreateExtension(e) => {
            let mut text = format!("+ extension {}", ident(&e.name));
            if let Some(schema) = &e.schema {
                write!(text, " in {}", ident(schema)).unwrap();
            }
            if let Some(version) = &e.version {
                write!(text, " version {version}").unwrap();
            }
            Line::Global(1, text)
        }
        Change::DropExtension(e) => Line::Global(1, format!("- extension {}", ident(&e.name))),
        Change::CreateImmutableFunction => Line::Global(2, format!("+ function {}", ident(IMMUTABLE_FUNCTION))),
        Change::DropImmutableFunction => Line::Global(2, format!("- function {}", ident(IMMUTABLE_FUNCTION))),
        Change::CreateEnum(e) => Line::Enum(&e.name, format!("+ enum {} ({})", qualified(&e.name), listed(&e.values))),
        Change::DropEnum(e) => Line::Enum(&e.name, format!("- enum {}", qualified(&e.name))),
        Change::AlterEnum(alter) => {
            let added = alter.to.iter().filter(|v| !alter.from.contains(v)).map(|v| format!("+ value {}", ident(v)));
            let removed = alter.from.iter().filter(|v| !alter.to.contains(v)).map(|v| format!("- value {}", ident(v)));
            let parts: Vec<String> = added.chain(removed).collect();
            Line::Enum(&alter.name, format!("~ enum {}: {}", qualified(&alter.name), parts.join(", ")))
        }
        Change::CreateTable(table) => {
            let count = table.columns.len();
            let noun = if count == 1 { "column" } else { "columns" };
            Line::Table(&table.name, format!("+ table {} ({count} {noun})", qualified(&table.name)))
        }
        Change::DropTable(table) => Line::Table(&table.name, format!("- table {}", qualified(&table.name))),
        Change::AddColumn { table, column } => {
            Line::InTable(table, format!("+ column {} {}", ident(&column.name), column_spec(column)))
        }
        Change::DropColumn { table, column } => Line::InTable(table, format!("- column {}", ident(&column.name))),
        Change::AlterColumn { table, from, to } => {
            Line::InTable(table, format!("~ column {} {}", ident(&to.name), column_change(from, to)))
        }
        Change::AddPrimaryKey { table, key } => {
            Line::InTable(table, format!("+ primary key {} ({})", ident(&key.name), index_columns(&key.columns)))
        }
        Change::DropPrimaryKey { table, key } => Line::InTable(table, format!("- primary key {}", ident(&key.name))),
        Change::CreateIndex { table, index } => Line::InTable(table, format!("+ {}", index_spec(index))),
        Change::DropIndex { table, index } => {
            Line::InTable(table, format!("- {} {}", index_kind(index), ident(&index.name)))
        }
        Change::AddForeignKey { table, key } => Line::InTable(table, format!("+ {}", foreign_key_spec(key))),
        Change::DropForeignKey { table, key } => Line::InTable(table, format!("- foreign key {}", ident(&key.name))),
        Change::CreateImmutableTriggers { table, immutable } => {
            Line::InTable(table, format!("+ immutable{}", allowed(immutable)))
        }
        Change::DropImmutableTriggers { table, immutable } => {
            Line::InTable(table, format!("- immutable{}", allowed(immutable)))
        }
        Change::Rename(rename) => renamed(rename),
    }
}

/// A rename, under the new name of what it renames.
fn renamed(rename: &Rename) -> Line<'_> {
    match rename {
        Rename::Table { from, to } => Line::InTable(to, format!("renamed from {}", qualified(from))),
        Rename::Column { table, from, to } => {
            Line::InTable(table, format!("~ column {} renamed from {}", ident(to), ident(from)))
        }
        Rename::Enum { from, to } => {
            Line::Enum(to, format!("~ enum {} renamed from {}", qualified(to), qualified(from)))
        }
        Rename::EnumValue { name, from, to } => {
            Line::Enum(name, format!("~ enum {}: value {} renamed from {}", qualified(name), ident(to), ident(from)))
        }
        Rename::Index { table, from, to } => {
            Line::InTable(table, format!("~ index {} renamed from {}", ident(to), ident(from)))
        }
        Rename::Constraint { table, from, to } => {
            Line::InTable(table, format!("~ foreign key {} renamed from {}", ident(to), ident(from)))
        }
        Rename::Sequence { table, from, to } => {
            Line::InTable(table, format!("~ sequence {} renamed from {}", ident(to), ident(from)))
        }
    }
}

/// `VARCHAR(10) NULL`, `TEXT NOT NULL DEFAULT ''`, `SERIAL NOT NULL`.
fn column_spec(column: &Column) -> String {
    let mut spec = format!("{} {}", column_type(column), nullability(column));
    if let Some(default) = default_text(column) {
        write!(spec, " DEFAULT {default}").unwrap();
    }
    spec
}

/// What changed in a column: `TEXT -> VARCHAR(50), NULL -> NOT NULL`.
fn column_change(from: &Column, to: &Column) -> String {
    let mut parts = Vec::new();
    let (before, after) = (column_type(from), column_type(to));
    if before != after {
        let rewrite = if super::diff::rewrites_table(from, to) {
            " (rewrites the table and its indexes under an ACCESS EXCLUSIVE lock: no reads or writes until done)"
        } else {
            ""
        };
        parts.push(format!("{before} -> {after}{rewrite}"));
    }
    if from.nullable != to.nullable {
        parts.push(format!("{} -> {}", nullability(from), nullability(to)));
    }
    let (before, after) = (default_text(from), default_text(to));
    if before != after {
        let shown = |default: Option<String>| default.map_or("no default".to_owned(), |d| format!("DEFAULT {d}"));
        parts.push(format!("{} -> {}", shown(before), shown(after)));
    }
    parts.join(", ")
}

fn nullability(column: &Column) -> &'static str {
    if column.nullable { "NULL" } else { "NOT NULL" }
}

/// The default as SQL; `None` for none, and for a sequence that the type
/// already shows as `SERIAL`.
fn default_text(column: &Column) -> Option<String> {
    match column.default.as_ref()? {
        ColumnDefault::Literal(literal) => Some(literal.clone()),
        ColumnDefault::Now => Some("CURRENT_TIMESTAMP".to_owned()),
        ColumnDefault::Expression(expression) => Some(expression.clone()),
        ColumnDefault::Sequence => match &column.ty {
            ColumnType::Builtin(ty) if matches!(ty.as_str(), "SMALLINT" | "INTEGER" | "BIGINT") => None,
            _ => Some("autoincrement()".to_owned()),
        },
    }
}

fn index_kind(index: &Index) -> &'static str {
    if index.unique { "unique index" } else { "index" }
}

/// `unique index "Patient_mrn_key" ("mrn")`, with its method and predicate.
fn index_spec(index: &Index) -> String {
    let mut spec = format!("{} {} ({})", index_kind(index), ident(&index.name), index_columns(&index.columns));
    if let Some(method) = index.method {
        write!(spec, " USING {}", method.sql()).unwrap();
    }
    if let Some(predicate) = &index.predicate {
        write!(spec, " WHERE ({predicate})").unwrap();
    }
    spec
}

fn index_columns(columns: &[IndexColumn]) -> String {
    let column = |c: &IndexColumn| {
        let mut text = ident(&c.name);
        if let Some(class) = &c.operator_class {
            write!(text, " {class}").unwrap();
        }
        if c.descending {
            text.push_str(" DESC");
        }
        text
    };
    columns.iter().map(column).collect::<Vec<_>>().join(", ")
}

/// `foreign key "Note_patientId_fkey" ("patientId") -> "Patient" ("id") ON DELETE CASCADE ON UPDATE CASCADE`.
fn foreign_key_spec(key: &ForeignKey) -> String {
    format!(
        "foreign key {} ({}) -> {} ({}) ON DELETE {} ON UPDATE {}",
        ident(&key.name),
        listed(&key.columns),
        qualified(&key.referenced_table),
        listed(&key.referenced_columns),
        key.on_delete.sql(),
        key.on_update.sql()
    )
}

fn allowed(immutable: &Immutable) -> String {
    if immutable.allow_update.is_empty() {
        String::new()
    } else {
        format!(" (allowUpdate: {})", listed(&immutable.allow_update))
    }
}

fn listed(names: &[String]) -> String {
    idents(names, ", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::diff::diff;
    use crate::sql::{Enum, Extension, PrimaryKey, ReferentialAction, SqlSchema, Table};

    fn name(text: &str) -> QualifiedName {
        match text.split_once('.') {
            Some((schema, name)) => QualifiedName { schema: Some(schema.into()), name: name.into() },
            None => QualifiedName { schema: None, name: text.into() },
        }
    }

    fn column(name: &str, ty: &str, nullable: bool) -> Column {
        Column { name: name.into(), ty: ColumnType::Builtin(ty.into()), array: false, nullable, default: None }
    }

    fn table(name: &str, columns: Vec<Column>) -> Table {
        let name = self::name(name);
        let key =
            PrimaryKey { name: format!("{}_pkey", name.name), columns: vec![IndexColumn::plain(&columns[0].name)] };
        Table { name, columns, primary_key: Some(key), indexes: vec![], foreign_keys: vec![], immutable: None }
    }

    fn index(name: &str, unique: bool, columns: &[&str]) -> Index {
        let columns = columns.iter().map(|c| IndexColumn::plain(*c)).collect();
        Index { name: name.into(), unique, columns, method: None, predicate: None }
    }

    fn role(values: &[&str]) -> Enum {
        Enum { name: name("Role"), values: values.iter().map(|v| (*v).into()).collect() }
    }

    fn show(from: &SqlSchema, to: &SqlSchema) -> String {
        summary(&diff(from, to))
    }

    /// Names are quoted as SQL quotes them, with a `"` inside doubled, in
    /// the lines and in the risks alike.
    #[test]
    fn names_are_quoted_as_in_sql() {
        let from =
            SqlSchema { tables: vec![table("odd\"name", vec![column("a\"b", "TEXT", false)])], ..SqlSchema::default() };
        let text = show(&from, &SqlSchema::default());
        assert!(
            text.starts_with("- table \"odd\"\"name\"  ! Drops table \"odd\"\"name\" and every row in it."),
            "{text}"
        );
        let mut to = from.clone();
        to.tables[0].columns.push(column("c\"d", "TEXT", false));
        let text = show(&from, &to);
        assert!(text.contains("~ \"odd\"\"name\": + column \"c\"\"d\" TEXT NOT NULL"), "{text}");
        assert!(text.contains("Adds NOT NULL column \"odd\"\"name\".\"c\"\"d\" without a default"), "{text}");
    }

    #[test]
    fn a_migration_reads_by_object() {
        let mut patient = table(
            "Patient",
            vec![column("id", "TEXT", false), column("name", "TEXT", true), column("legacyCode", "TEXT", true)],
        );
        patient.indexes.push(index("Patient_legacyCode_idx", false, &["legacyCode"]));
        let from = SqlSchema {
            enums: vec![role(&["NURSE", "SURGEON"])],
            tables: vec![patient.clone(), table("Legacy", vec![column("id", "INTEGER", false)])],
            ..SqlSchema::default()
        };
        patient.columns.retain(|c| c.name != "legacyCode");
        patient.indexes.clear();
        patient.columns[1] = column("name", "VARCHAR(100)", false);
        patient.columns.push(column("nhsNumber", "VARCHAR(10)", true));
        let mut invoice = table(
            "Invoice",
            vec![
                Column { default: Some(ColumnDefault::Sequence), ..column("id", "INTEGER", false) },
                column("patientId", "TEXT", false),
                Column {
                    default: Some(ColumnDefault::Literal("'GBP'".into())),
                    ..column("currency", "CHAR(3)", false)
                },
            ],
        );
        invoice.indexes.push(index("Invoice_patientId_idx", false, &["patientId"]));
        invoice.foreign_keys.push(ForeignKey {
            name: "Invoice_patientId_fkey".into(),
            columns: vec!["patientId".into()],
            referenced_table: name("Patient"),
            referenced_columns: vec!["id".into()],
            on_delete: ReferentialAction::Restrict,
            on_update: ReferentialAction::Cascade,
        });
        let mut event =
            table("audit.DomainEvent", vec![column("id", "UUID", false), column("seenAt", "TIMESTAMP(3)", true)]);
        event.immutable = Some(Immutable { allow_update: vec!["seenAt".into()] });
        let to = SqlSchema {
            namespaces: vec!["audit".into()],
            extensions: vec![Extension { name: "citext".into(), schema: None, version: None }],
            ignores_extensions: false,
            enums: vec![role(&["NURSE", "SURGEON", "AUDITOR"])],
            tables: vec![invoice, patient, event],
        };
        assert_eq!(
            show(&from, &to),
            r#"+ namespace "audit"
+ extension "citext"
+ function "ehrdb_immutable"
~ enum "Role": + value "AUDITOR"
+ table "Invoice" (3 columns)
  + index "Invoice_patientId_idx" ("patientId")
  + foreign key "Invoice_patientId_fkey" ("patientId") -> "Patient" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
- table "Legacy"  ! Drops table "Legacy" and every row in it.
~ "Patient": - index "Patient_legacyCode_idx"
~ "Patient": - column "legacyCode"  ! Drops column "Patient"."legacyCode" and the data in it.
~ "Patient": ~ column "name" TEXT -> VARCHAR(100) (rewrites the table and its indexes under an ACCESS EXCLUSIVE lock: no reads or writes until done), NULL -> NOT NULL  ! Changes "Patient"."name" from TEXT to VARCHAR(100), which narrows it: a value that does not fit is rounded or makes the migration fail. It also becomes NOT NULL, which fails if a row holds NULL in it.
~ "Patient": + column "nhsNumber" VARCHAR(10) NULL
+ table "audit"."DomainEvent" (2 columns)
  + immutable (allowUpdate: "seenAt")
"#
        );
    }

    #[test]
    fn enums_columns_keys_and_triggers() {
        let staff = |role_default: &str, immutable: Option<Immutable>| {
            let mut staff = table(
                "Staff",
                vec![
                    column("id", "INTEGER", false),
                    Column {
                        ty: ColumnType::Enum(name("Role")),
                        default: Some(ColumnDefault::Literal(role_default.into())),
                        ..column("role", "", false)
                    },
                    column("email", "TEXT", true),
                    column("badge", "TEXT", true),
                ],
            );
            staff.immutable = immutable;
            staff
        };
        let mut from = SqlSchema {
            enums: vec![role(&["NURSE", "DOCTOR"]), Enum { name: name("Old"), values: vec!["X".into()] }],
            tables: vec![staff("'DOCTOR'", Some(Immutable { allow_update: vec![] }))],
            ..SqlSchema::default()
        };
        from.tables[0].indexes.push(index("Staff_badge_idx", false, &["badge"]));
        let mut to = SqlSchema {
            enums: vec![role(&["NURSE", "SURGEON"])],
            tables: vec![staff("'SURGEON'", Some(Immutable { allow_update: vec!["email".into()] }))],
            ..SqlSchema::default()
        };
        let columns = &mut to.tables[0].columns;
        columns[0].default = Some(ColumnDefault::Sequence);
        columns[2].nullable = false;
        columns[3].default = Some(ColumnDefault::Expression("gen_random_uuid()::text".into()));
        to.tables[0].primary_key.as_mut().unwrap().columns.push(IndexColumn::plain("email"));
        to.tables[0].indexes.push(Index {
            method: Some(crate::sql::IndexMethod::Gin),
            predicate: Some("\"badge\" IS NOT NULL".into()),
            ..index("Staff_badge_key", true, &["badge"])
        });
        assert_eq!(
            show(&from, &to),
            r#"- enum "Old"  ! Drops enum "Old" and its values "X".
~ enum "Role": + value "SURGEON"
~ enum "Role": - value "DOCTOR"  ! Removes value "DOCTOR" from enum "Role": the migration fails while a row still holds one in "Staff"."role".
~ "Staff": - immutable  ! Lets UPDATE change "email" of immutable table "Staff".
~ "Staff": - index "Staff_badge_idx"
~ "Staff": - primary key "Staff_pkey"
~ "Staff": ~ column "badge" no default -> DEFAULT gen_random_uuid()::text
~ "Staff": ~ column "email" NULL -> NOT NULL  ? Makes "Staff"."email" NOT NULL: this fails if a row holds NULL in it.
~ "Staff": ~ column "id" INTEGER -> SERIAL
~ "Staff": ~ column "role" DEFAULT 'DOCTOR' -> DEFAULT 'SURGEON'
~ "Staff": + primary key "Staff_pkey" ("id", "email")  ? Adds primary key "Staff_pkey" on "Staff" ("id", "email"): this fails if rows hold duplicates or NULLs.
~ "Staff": + unique index "Staff_badge_key" ("badge") USING GIN WHERE ("badge" IS NOT NULL)  ? Creates unique index "Staff_badge_key" on "Staff" ("badge"): this fails if rows hold duplicate values.
~ "Staff": + immutable (allowUpdate: "email")
"#
        );
    }

    #[test]
    fn no_changes_is_no_text() {
        let schema = SqlSchema { enums: vec![role(&["NURSE"])], ..SqlSchema::default() };
        assert_eq!(show(&schema, &schema), "");
    }
}
