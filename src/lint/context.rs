//! What the lint rules know about the schema: which tables are append-only
//! and which tables and columns the application reads.
//!
//! Takes the schema fragments (or their relational model, `SqlSchema`) and
//! returns a [`Context`]; this is the one place the linter reads that
//! model, so a change to it touches this file only. Nothing here parses
//! SQL.

use super::names::ObjectName;
use crate::diagnostics::Diagnostics;
use crate::fragments::Fragments;
use crate::sql::{self, SqlSchema};

/// The names ehrdb gives the immutability triggers and their function.
pub(crate) const IMMUTABILITY_TRIGGERS: [&str; 2] = [sql::render::ROW_TRIGGER, sql::render::TRUNCATE_TRIGGER];
pub(crate) const IMMUTABILITY_FUNCTION: &str = sql::IMMUTABLE_FUNCTION;

/// What the rules may assume about the database the SQL runs against.
/// `Context::default()` knows nothing: the rules then see only what the
/// SQL itself declares (an immutability trigger it creates, say).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Context {
    /// Tables whose rows never change (`@ehrdb.immutable`).
    pub immutable: Vec<ImmutableTable>,
    /// The tables the application reads (Prisma Client selects every
    /// column of a model), with their columns.
    pub tables: Vec<TableInUse>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImmutableTable {
    pub name: ObjectName,
    /// The columns an UPDATE may still change (`allowUpdate`).
    pub allow_update: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableInUse {
    pub name: ObjectName,
    pub columns: Vec<ColumnInUse>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnInUse {
    pub name: String,
    /// The schema gives the column a default.
    pub has_default: bool,
}

/// The context of parsed schema fragments, or every diagnostic when they
/// do not validate. `prisma_version` as for [`crate::pipeline::check`].
pub fn context_of_fragments(fragments: &Fragments, prisma_version: Option<u8>) -> Result<Context, Diagnostics> {
    let checked = crate::pipeline::check(fragments, prisma_version);
    checked.lower().map(|schema| context(&schema)).ok_or(checked.diagnostics)
}

/// The context of a schema: its immutable tables, and its tables and
/// columns as the application reads them.
pub fn context(schema: &SqlSchema) -> Context {
    let name = |table: &sql::Table| ObjectName { schema: table.name.schema.clone(), name: table.name.name.clone() };
    Context {
        immutable: schema
            .tables
            .iter()
            .filter_map(|table| {
                let immutable = table.immutable.as_ref()?;
                Some(ImmutableTable { name: name(table), allow_update: immutable.allow_update.clone() })
            })
            .collect(),
        tables: schema
            .tables
            .iter()
            .map(|table| TableInUse {
                name: name(table),
                columns: table
                    .columns
                    .iter()
                    .map(|c| ColumnInUse { name: c.name.clone(), has_default: c.default.is_some() })
                    .collect(),
            })
            .collect(),
    }
}

impl Context {
    pub(crate) fn immutable_table(&self, table: &ObjectName) -> Option<&ImmutableTable> {
        self.immutable.iter().find(|t| t.name.same(table))
    }

    pub(crate) fn table(&self, table: &ObjectName) -> Option<&TableInUse> {
        self.tables.iter().find(|t| t.name.same(table))
    }

    pub(crate) fn column(&self, table: &ObjectName, column: &str) -> Option<&ColumnInUse> {
        self.table(table)?.columns.iter().find(|c| c.name == column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn immutable_tables_and_the_columns_read_come_from_the_schema() {
        let text = r#"
datasource db {
  provider = "postgresql"
}

/// @ehrdb.immutable(allowUpdate: [amendedById])
model Note {
  id          String  @id
  body        String
  amendedById String? @map("amended_by_id")

  @@map("notes")
}

model Ward {
  id   String @id
  open Boolean @default(true)
}
"#;
        let fragments = Fragments::from_texts(vec![("a.prisma".into(), "a.prisma".into(), text.into())]);
        let context = context_of_fragments(&fragments, Some(7)).expect("valid");
        assert_eq!(
            context.immutable,
            [ImmutableTable { name: ObjectName::new(None, "notes"), allow_update: vec!["amended_by_id".into()] }]
        );
        let ward = ObjectName::new(None, "Ward");
        assert!(context.column(&ward, "open").is_some_and(|c| c.has_default));
        assert!(context.column(&ward, "id").is_some_and(|c| !c.has_default));
        assert!(context.column(&ObjectName::new(Some("public"), "notes"), "body").is_some());
        assert!(context.table(&ObjectName::new(None, "ward")).is_none(), "names are case-sensitive");
    }
}
