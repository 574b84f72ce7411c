//! Rendering: [`Change`]s become PostgreSQL statements.
//!
//! Takes changes (from the differ, or the create list of a lowered schema)
//! and returns SQL text: [`statements`] for one change, [`script`] for a
//! migration file in Prisma Migrate's layout (`-- CreateTable` comment
//! lines, blank lines between steps). Tables, indexes and foreign keys are
//! written exactly as Prisma writes them, so ehrdb's SQL and Prisma's can
//! be compared statement by statement. Identifiers are always double
//! quoted and literals single quoted, each with its quote doubled. Nothing
//! here decides what to change or in which order: that is the differ's job.
//!
//! Transactions: every statement ehrdb writes can run inside a transaction
//! on PostgreSQL 12 and later, including `ALTER TYPE ... ADD VALUE`; but a
//! value added that way cannot be used before the transaction commits. A
//! script that adds an enum value and then uses it in a default therefore
//! starts with [`NO_TRANSACTION`], and its enum recreations carry their own
//! `BEGIN`/`COMMIT`.

mod alter;
mod immutable;
mod safe;

pub use immutable::{ROW_TRIGGER, TRUNCATE_TRIGGER};
pub use safe::safe_script;

use super::{
    Change, Column, ColumnDefault, ColumnType, Extension, ForeignKey, Index, PrimaryKey, QualifiedName, Rename, Table,
};

/// The first line of a migration that must run outside a transaction.
pub const NO_TRANSACTION: &str = "-- ehrdb:no-transaction";

/// What an empty change list renders as (Prisma's words).
pub const EMPTY: &str = "-- This is an empty migration.";

/// Prisma's indentation of a column inside `CREATE TABLE`.
const INDENT: &str = "    ";

/// The SQL of a list of changes, Prisma-style: each change under a
/// `-- Kind` comment line, changes separated by blank lines.
pub fn script(changes: &[Change]) -> String {
    let outside = alter::uses_added_enum_values(changes);
    let mut out = String::new();
    if outside {
        out.push_str(NO_TRANSACTION);
        out.push_str("\n\n");
    }
    let mut empty = true;
    for change in changes {
        // Prisma Migrate appends an added enum value; the schema's order is
        // the lock-safe path's, which places it.
        let statements = match change {
            Change::AlterEnum(alter) => alter::alter_enum_appending(alter),
            _ => statements(change),
        };
        if statements.is_empty() {
            continue;
        }
        if !empty {
            out.push_str("\n\n");
        }
        empty = false;
        let transaction = outside && alter::recreates_enum(change);
        out.push_str("-- ");
        out.push_str(kind(change));
        if transaction {
            out.push_str("\nBEGIN;");
        }
        for statement in &statements {
            out.push('\n');
            out.push_str(statement);
        }
        if transaction {
            out.push_str("\nCOMMIT;");
        }
    }
    if empty {
        out.push_str(EMPTY);
    }
    out.push('\n');
    out
}

/// Prisma's name of a migration step, for the comment line above it.
fn kind(change: &Change) -> &'static str {
    match change {
        Change::CreateNamespace(_) => "CreateSchema",
        Change::DropNamespace(_) => "DropSchema",
        Change::CreateExtension(_) => "CreateExtension",
        Change::DropExtension(_) => "DropExtension",
        Change::CreateEnum(_) => "CreateEnum",
        Change::DropEnum(_) => "DropEnum",
        Change::AlterEnum(_) => "AlterEnum",
        Change::CreateTable(_) => "CreateTable",
        Change::DropTable(_) => "DropTable",
        Change::AddColumn { .. }
        | Change::DropColumn { .. }
        | Change::AlterColumn { .. }
        | Change::AddPrimaryKey { .. }
        | Change::DropPrimaryKey { .. } => "AlterTable",
        Change::CreateIndex { .. } => "CreateIndex",
        Change::DropIndex { .. } => "DropIndex",
        Change::AddForeignKey { .. } => "AddForeignKey",
        Change::DropForeignKey { .. } => "DropForeignKey",
        Change::CreateImmutableFunction => "CreateFunction",
        Change::DropImmutableFunction => "DropFunction",
        Change::CreateImmutableTriggers { .. } => "CreateTrigger",
        Change::DropImmutableTriggers { .. } => "DropTrigger",
        Change::Rename(rename) => match rename {
            Rename::Table { .. } => "RenameTable",
            Rename::Column { .. } => "RenameColumn",
            Rename::Enum { .. } => "RenameEnum",
            Rename::EnumValue { .. } => "RenameEnumValue",
            Rename::Index { .. } => "RenameIndex",
            Rename::Constraint { .. } => "RenameConstraint",
            Rename::Sequence { .. } => "RenameSequence",
        },
    }
}

/// The SQL of one change, each statement ending in `;`. A change that
/// changes nothing (an `AlterColumn` between equal columns) has none.
pub fn statements(change: &Change) -> Vec<String> {
    let one = |sql: String| vec![format!("{sql};")];
    match change {
        Change::CreateNamespace(name) => one(format!("CREATE SCHEMA IF NOT EXISTS {}", ident(name))),
        Change::DropNamespace(name) => one(format!("DROP SCHEMA IF EXISTS {}", ident(name))),
        Change::CreateExtension(extension) => one(create_extension(extension)),
        Change::DropExtension(extension) => one(format!("DROP EXTENSION {}", ident(&extension.name))),
        Change::CreateEnum(e) => {
            let values: Vec<String> = e.values.iter().map(|v| literal(v)).collect();
            one(format!("CREATE TYPE {} AS ENUM ({})", qualified(&e.name), values.join(", ")))
        }
        Change::DropEnum(e) => one(format!("DROP TYPE {}", qualified(&e.name))),
        Change::AlterEnum(alter) => alter::alter_enum(alter),
        Change::CreateTable(table) => one(create_table(table)),
        Change::DropTable(table) => one(format!("DROP TABLE {}", qualified(&table.name))),
        Change::AddColumn { table, column } => {
            one(format!("ALTER TABLE {} ADD COLUMN {}", qualified(table), column_definition(column)))
        }
        Change::DropColumn { table, column } => {
            one(format!("ALTER TABLE {} DROP COLUMN {}", qualified(table), ident(&column.name)))
        }
        Change::AlterColumn { table, from, to } => alter::alter_column(table, from, to),
        Change::AddPrimaryKey { table, key } => one(format!(
            "ALTER TABLE {} ADD CONSTRAINT {} PRIMARY KEY ({})",
            qualified(table),
            ident(&key.name),
            idents(key.columns.iter().map(|c| c.name.as_str()), ", ")
        )),
        Change::DropPrimaryKey { table, key } => {
            one(format!("ALTER TABLE {} DROP CONSTRAINT {}", qualified(table), ident(&key.name)))
        }
        Change::CreateIndex { table, index } => one(create_index(table, index)),
        Change::DropIndex { table, index } => {
            // An index lives in its table's schema.
            let name = QualifiedName { schema: table.schema.clone(), name: index.name.clone() };
            one(format!("DROP INDEX {}", qualified(&name)))
        }
        Change::AddForeignKey { table, key } => one(add_foreign_key(table, key)),
        Change::DropForeignKey { table, key } => {
            one(format!("ALTER TABLE {} DROP CONSTRAINT {}", qualified(table), ident(&key.name)))
        }
        Change::CreateImmutableFunction => vec![immutable::create_function()],
        Change::DropImmutableFunction => vec![immutable::drop_function()],
        Change::CreateImmutableTriggers { table, immutable } => immutable::create_triggers(table, immutable),
        Change::DropImmutableTriggers { table, .. } => immutable::drop_triggers(table),
        Change::Rename(rename) => one(rename_sql(rename)),
    }
}

fn rename_sql(rename: &Rename) -> String {
    // An index or sequence lives in its table's schema.
    let beside = |table: &QualifiedName, name: &str| {
        qualified(&QualifiedName { schema: table.schema.clone(), name: name.to_owned() })
    };
    match rename {
        Rename::Table { from, to } => format!("ALTER TABLE {} RENAME TO {}", qualified(from), ident(&to.name)),
        Rename::Column { table, from, to } => {
            format!("ALTER TABLE {} RENAME COLUMN {} TO {}", qualified(table), ident(from), ident(to))
        }
        Rename::Enum { from, to } => format!("ALTER TYPE {} RENAME TO {}", qualified(from), ident(&to.name)),
        Rename::EnumValue { name, from, to } => {
            format!("ALTER TYPE {} RENAME VALUE {} TO {}", qualified(name), literal(from), literal(to))
        }
        Rename::Index { table, from, to } => format!("ALTER INDEX {} RENAME TO {}", beside(table, from), ident(to)),
        Rename::Constraint { table, from, to } => {
            format!("ALTER TABLE {} RENAME CONSTRAINT {} TO {}", qualified(table), ident(from), ident(to))
        }
        // A sequence renamed by hand before keeps its name: it was never
        // part of what the schema describes.
        Rename::Sequence { table, from, to } => {
            format!("ALTER SEQUENCE IF EXISTS {} RENAME TO {}", beside(table, from), ident(to))
        }
    }
}

/// An identifier in double quotes, `"` doubled: `"Patient"`, `"a""b"`.
pub fn ident(name: &str) -> String {
    quote(name, '"')
}

/// A string literal in single quotes, `'` doubled: `'it''s'`.
pub fn literal(text: &str) -> String {
    quote(text, '\'')
}

/// `text` between two `mark`s, each `mark` inside doubled, in one
/// allocation: the script of a 5,000-model schema quotes over a hundred
/// thousand names.
fn quote(text: &str, mark: char) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(mark);
    for (i, part) in text.split(mark).enumerate() {
        if i > 0 {
            out.push(mark);
            out.push(mark);
        }
        out.push_str(part);
    }
    out.push(mark);
    out
}

/// A name with its schema when it has one: `"audit"."events"`.
pub fn qualified(name: &QualifiedName) -> String {
    match &name.schema {
        Some(schema) => format!("{}.{}", ident(schema), ident(&name.name)),
        None => ident(&name.name),
    }
}

/// Identifiers, each quoted, joined by `separator`: `"a", "b"`.
pub fn idents<S: AsRef<str>>(names: impl IntoIterator<Item = S>, separator: &str) -> String {
    names.into_iter().map(|n| ident(n.as_ref())).collect::<Vec<_>>().join(separator)
}

/// A column's type as written in DDL: a serial column is `SERIAL` (or
/// `SMALLSERIAL`, `BIGSERIAL`), an array ends in `[]`.
pub fn column_type(column: &Column) -> String {
    let base = match &column.ty {
        ColumnType::Builtin(name) if column.default == Some(ColumnDefault::Sequence) => match name.as_str() {
            "SMALLINT" => "SMALLSERIAL".to_owned(),
            "INTEGER" => "SERIAL".to_owned(),
            "BIGINT" => "BIGSERIAL".to_owned(),
            other => other.to_owned(),
        },
        ty => type_name(ty),
    };
    if column.array { format!("{base}[]") } else { base }
}

/// A type as SQL names it: a builtin or `Unsupported` type as written,
/// an enum by its quoted, qualified name.
pub fn type_name(ty: &ColumnType) -> String {
    match ty {
        ColumnType::Builtin(name) | ColumnType::Unsupported(name) => name.clone(),
        ColumnType::Enum(name) => qualified(name),
    }
}

/// The type without the serial spelling, for casts and sequences.
fn plain_type(column: &Column) -> String {
    column_type(&Column { default: None, ..column.clone() })
}

/// A default as it follows `DEFAULT`; `None` for a serial column, whose
/// type carries its sequence. A list literal is cast to the column's
/// type, as Prisma writes it (`ARRAY[]::TEXT[]`).
fn default_sql(column: &Column) -> Option<String> {
    match column.default.as_ref()? {
        ColumnDefault::Literal(value) if column.array && value.starts_with("ARRAY[") => {
            Some(format!("{value}::{}", plain_type(column)))
        }
        ColumnDefault::Literal(value) | ColumnDefault::Expression(value) => Some(value.clone()),
        ColumnDefault::Now => Some("CURRENT_TIMESTAMP".to_owned()),
        ColumnDefault::Sequence => None,
    }
}

/// `"name" TYPE NOT NULL DEFAULT x`.
fn column_definition(column: &Column) -> String {
    let mut out = format!("{} {}", ident(&column.name), column_type(column));
    if !column.nullable {
        out.push_str(" NOT NULL");
    }
    if let Some(default) = default_sql(column) {
        out.push_str(" DEFAULT ");
        out.push_str(&default);
    }
    out
}

fn create_table(table: &Table) -> String {
    let mut body = String::new();
    for (i, column) in table.columns.iter().enumerate() {
        if i > 0 {
            body.push_str(",\n");
        }
        body.push_str(INDENT);
        body.push_str(&column_definition(column));
    }
    if let Some(PrimaryKey { name, columns }) = &table.primary_key {
        // Prisma separates the key's columns with a bare comma.
        let names = idents(columns.iter().map(|c| c.name.as_str()), ",");
        body.push_str(&format!(",\n\n{INDENT}CONSTRAINT {} PRIMARY KEY ({names})", ident(name)));
    }
    format!("CREATE TABLE {} (\n{body}\n)", qualified(&table.name))
}

fn create_index(table: &QualifiedName, index: &Index) -> String {
    let columns: Vec<String> = index
        .columns
        .iter()
        .map(|c| {
            let mut out = ident(&c.name);
            if let Some(class) = &c.operator_class {
                out.push(' ');
                out.push_str(class);
            }
            if c.descending {
                out.push_str(" DESC");
            }
            out
        })
        .collect();
    let unique = if index.unique { "UNIQUE " } else { "" };
    // Prisma writes `ON "t"("a")` for a B-tree and `ON "t" USING GIN ("a")` otherwise.
    let using = index.method.map_or(String::new(), |m| format!(" USING {} ", m.sql()));
    let mut out =
        format!("CREATE {unique}INDEX {} ON {}{using}({})", ident(&index.name), qualified(table), columns.join(", "));
    if let Some(predicate) = &index.predicate {
        out.push_str(&format!(" WHERE ({predicate})"));
    }
    out
}

fn add_foreign_key(table: &QualifiedName, key: &ForeignKey) -> String {
    format!(
        "ALTER TABLE {} ADD CONSTRAINT {} FOREIGN KEY ({}) REFERENCES {}({}) ON DELETE {} ON UPDATE {}",
        qualified(table),
        ident(&key.name),
        idents(key.columns.iter().map(String::as_str), ", "),
        qualified(&key.referenced_table),
        idents(key.referenced_columns.iter().map(String::as_str), ", "),
        key.on_delete.sql(),
        key.on_update.sql()
    )
}

fn create_extension(extension: &Extension) -> String {
    let mut out = format!("CREATE EXTENSION IF NOT EXISTS {}", ident(&extension.name));
    if extension.schema.is_some() || extension.version.is_some() {
        out.push_str(" WITH");
    }
    if let Some(schema) = &extension.schema {
        out.push_str(&format!(" SCHEMA {}", ident(schema)));
    }
    if let Some(version) = &extension.version {
        out.push_str(&format!(" VERSION {}", ident(version)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::{AlterEnum, EnumColumn, IndexColumn};

    fn name(name: &str) -> QualifiedName {
        QualifiedName { schema: None, name: name.to_owned() }
    }

    fn column(name: &str, ty: ColumnType, default: Option<ColumnDefault>) -> Column {
        Column { name: name.to_owned(), ty, array: false, nullable: false, default }
    }

    #[test]
    fn identifiers_are_double_quoted_with_quotes_doubled() {
        assert_eq!(ident("Patient"), r#""Patient""#);
        assert_eq!(ident(r#"a"b"#), r#""a""b""#);
        assert_eq!(ident(r#""""#), r#""""""""#);
        assert_eq!(ident("Ärztin_é"), "\"Ärztin_é\"");
        assert_eq!(ident("病歴"), "\"病歴\"");
        let schema = QualifiedName { schema: Some("au\"dit".to_owned()), name: "log".to_owned() };
        assert_eq!(qualified(&schema), r#""au""dit"."log""#);
    }

    #[test]
    fn literals_are_single_quoted_with_quotes_doubled() {
        assert_eq!(literal("DRAFT"), "'DRAFT'");
        assert_eq!(literal("it's"), "'it''s'");
        assert_eq!(literal("''"), "''''''");
        assert_eq!(literal(r"back\slash"), r"'back\slash'");
        assert_eq!(literal("crème brûlée ✓"), "'crème brûlée ✓'");
        let e = crate::sql::Enum { name: name("Mood"), values: vec!["it's".to_owned(), "ok".to_owned()] };
        assert_eq!(statements(&Change::CreateEnum(e)), vec![r#"CREATE TYPE "Mood" AS ENUM ('it''s', 'ok');"#]);
    }

    #[test]
    fn a_removed_enum_value_recreates_the_type() {
        let status = QualifiedName { schema: Some("clinical".to_owned()), name: "Status".to_owned() };
        let mut list = column("history", ColumnType::Enum(status.clone()), None);
        list.array = true;
        list.nullable = true;
        let alter = AlterEnum {
            name: status.clone(),
            from: vec!["DRAFT".to_owned(), "SIGNED".to_owned(), "VOID".to_owned()],
            to: vec!["DRAFT".to_owned(), "SIGNED".to_owned()],
            columns: vec![
                EnumColumn {
                    table: name("Note"),
                    column: column(
                        "status",
                        ColumnType::Enum(status.clone()),
                        Some(ColumnDefault::Literal("'DRAFT'".to_owned())),
                    ),
                },
                EnumColumn { table: name("Note"), column: list },
            ],
        };
        assert_eq!(
            statements(&Change::AlterEnum(alter)),
            vec![
                r#"CREATE TYPE "clinical"."Status_new" AS ENUM ('DRAFT', 'SIGNED');"#,
                r#"ALTER TABLE "Note" ALTER COLUMN "status" DROP DEFAULT;"#,
                r#"ALTER TABLE "Note" ALTER COLUMN "history" DROP DEFAULT;"#,
                r#"ALTER TABLE "Note" ALTER COLUMN "status" TYPE "clinical"."Status_new" USING ("status"::text::"clinical"."Status_new");"#,
                r#"ALTER TABLE "Note" ALTER COLUMN "history" TYPE "clinical"."Status_new"[] USING ("history"::text::"clinical"."Status_new"[]);"#,
                r#"ALTER TYPE "clinical"."Status" RENAME TO "Status_old";"#,
                r#"ALTER TYPE "clinical"."Status_new" RENAME TO "Status";"#,
                r#"DROP TYPE "clinical"."Status_old";"#,
                r#"ALTER TABLE "Note" ALTER COLUMN "status" SET DEFAULT 'DRAFT';"#,
            ]
        );
    }

    #[test]
    fn added_enum_values_keep_the_declared_order() {
        let alter = AlterEnum {
            name: name("Status"),
            from: vec!["B".to_owned(), "D".to_owned()],
            to: ["A0", "A", "B", "C", "D", "E"].map(str::to_owned).to_vec(),
            columns: Vec::new(),
        };
        assert_eq!(
            statements(&Change::AlterEnum(alter)),
            vec![
                r#"ALTER TYPE "Status" ADD VALUE 'A' BEFORE 'B';"#,
                r#"ALTER TYPE "Status" ADD VALUE 'A0' BEFORE 'A';"#,
                r#"ALTER TYPE "Status" ADD VALUE 'C' AFTER 'B';"#,
                r#"ALTER TYPE "Status" ADD VALUE 'E' AFTER 'D';"#,
            ]
        );
    }

    #[test]
    fn a_script_that_uses_an_added_value_runs_outside_a_transaction() {
        let status = name("Status");
        let add = Change::AlterEnum(AlterEnum {
            name: status.clone(),
            from: vec!["A".to_owned()],
            to: vec!["A".to_owned(), "B".to_owned()],
            columns: Vec::new(),
        });
        let uses = Change::AddColumn {
            table: name("T"),
            column: column("s", ColumnType::Enum(status), Some(ColumnDefault::Literal("'B'".to_owned()))),
        };
        assert!(script(&[add.clone(), uses]).starts_with(NO_TRANSACTION));
        assert!(!script(&[add]).contains(NO_TRANSACTION));
        assert_eq!(script(&[]), "-- This is an empty migration.\n");
    }

    #[test]
    fn a_type_without_assignment_cast_converts_with_using() {
        let from =
            column("code", ColumnType::Builtin("TEXT".to_owned()), Some(ColumnDefault::Literal("'0'".to_owned())));
        let to =
            column("code", ColumnType::Builtin("INTEGER".to_owned()), Some(ColumnDefault::Literal("0".to_owned())));
        let change = Change::AlterColumn { table: name("T"), from, to };
        assert_eq!(
            statements(&change),
            vec![
                r#"ALTER TABLE "T" ALTER COLUMN "code" DROP DEFAULT;"#,
                "ALTER TABLE \"T\" ALTER COLUMN \"code\" SET DATA TYPE INTEGER USING (\"code\"::INTEGER),\nALTER COLUMN \"code\" SET DEFAULT 0;",
            ]
        );
        let widen = Change::AlterColumn {
            table: name("T"),
            from: column("n", ColumnType::Builtin("VARCHAR(10)".to_owned()), None),
            to: column("n", ColumnType::Builtin("VARCHAR(5)".to_owned()), None),
        };
        assert_eq!(statements(&widen), vec![r#"ALTER TABLE "T" ALTER COLUMN "n" SET DATA TYPE VARCHAR(5);"#]);
    }

    #[test]
    fn a_column_becomes_serial_with_the_sequence_serial_would_create() {
        let int = ColumnType::Builtin("INTEGER".to_owned());
        let change = Change::AlterColumn {
            table: name("Case"),
            from: column("number", int.clone(), None),
            to: column("number", int, Some(ColumnDefault::Sequence)),
        };
        assert_eq!(
            statements(&change),
            vec![
                r#"CREATE SEQUENCE "Case_number_seq" AS INTEGER;"#,
                r#"ALTER TABLE "Case" ALTER COLUMN "number" SET DEFAULT nextval('"Case_number_seq"');"#,
                r#"ALTER SEQUENCE "Case_number_seq" OWNED BY "Case"."number";"#,
            ]
        );
    }

    #[test]
    fn create_table_reads_like_prisma() {
        let table = Table {
            name: name("User"),
            columns: vec![
                column("id", ColumnType::Builtin("INTEGER".to_owned()), Some(ColumnDefault::Sequence)),
                Column {
                    name: "tags".to_owned(),
                    ty: ColumnType::Builtin("TEXT".to_owned()),
                    array: true,
                    nullable: true,
                    default: Some(ColumnDefault::Literal("ARRAY[]".to_owned())),
                },
            ],
            primary_key: Some(PrimaryKey { name: "User_pkey".to_owned(), columns: vec![IndexColumn::plain("id")] }),
            indexes: Vec::new(),
            foreign_keys: Vec::new(),
            immutable: None,
        };
        assert_eq!(
            statements(&Change::CreateTable(table)),
            vec![
                "CREATE TABLE \"User\" (\n    \"id\" SERIAL NOT NULL,\n    \"tags\" TEXT[] DEFAULT ARRAY[]::TEXT[],\n\n    CONSTRAINT \"User_pkey\" PRIMARY KEY (\"id\")\n);"
            ]
        );
    }
}
