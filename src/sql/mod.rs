//! The SQL stage: a relational model of a PostgreSQL database and the
//! changes between two of them.
//!
//! [`SqlSchema`] is what a schema means to the database: tables, columns,
//! keys, indexes, foreign keys, enums, namespaces, extensions and the
//! immutability triggers. Two producers fill it: [`lower`] from a checked
//! Prisma schema (reading what it means from [`schema`](crate::schema)),
//! and the introspection of a live database (`db::introspect`), so one
//! differ serves both migrations and drift. [`diff`] compares two models
//! into an ordered list of [`Change`]s; [`render`] writes each change as
//! SQL. Nothing here parses text, prints or opens a connection.
//!
//! Everything in the model is in the database's terms (table and column
//! names after `@@map` / `@map`, constraint names after Prisma's defaults),
//! and in one canonical spelling, so that two models of the same database
//! compare equal field by field.

pub mod describe;
pub mod diff;
pub mod lower;
pub mod predicate;
pub mod renames;
pub mod render;
pub mod summary;

/// One database schema state, in a canonical order (by name) so two models
/// of the same database compare equal with `==`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SqlSchema {
    /// Namespaces the schema lives in besides the connection's default
    /// (`schemas = [...]` in the datasource, Prisma's multiSchema).
    pub namespaces: Vec<String>,
    /// `extensions = [...]` in the datasource.
    pub extensions: Vec<Extension>,
    /// The schema leaves extensions alone: it does not enable the
    /// `postgresqlExtensions` preview feature, without which Prisma neither
    /// creates nor drops an extension, nor counts one as drift. A database
    /// diffed against such a schema may have any extensions.
    pub ignores_extensions: bool,
    pub enums: Vec<Enum>,
    pub tables: Vec<Table>,
}

/// A partial index's predicate in the form both lowering and introspection
/// store: trimmed, without parentheses around the whole. PostgreSQL prints
/// every predicate but a bare column in parentheses (`(active = true)`),
/// and render always writes them (`WHERE (...)`, as Prisma does).
pub fn normalize_predicate(text: &str) -> String {
    let mut text = text.trim();
    while let Some(inner) = text.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
        if !balanced(inner) {
            break;
        }
        text = inner.trim();
    }
    text.to_owned()
}

/// Whether no `)` closes more than was opened, outside quotes: `(a) OR (b)`
/// is not one parenthesised whole, though it starts and ends like one.
fn balanced(text: &str) -> bool {
    let (mut depth, mut quote) = (0i32, None);
    for c in text.chars() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '\'' | '"') => quote = Some(c),
            (None, '(') => depth += 1,
            (None, ')') => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => {}
        }
    }
    depth == 0
}

/// A name in an optional namespace. `schema: None` is the connection's
/// default schema (usually `public`), which Prisma leaves unqualified.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct QualifiedName {
    pub schema: Option<String>,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Extension {
    pub name: String,
    pub schema: Option<String>,
    pub version: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Enum {
    pub name: QualifiedName,
    /// The values in declaration order (the database name, after `@map`).
    pub values: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    pub name: QualifiedName,
    /// Columns in declaration order (the order Prisma creates them in).
    pub columns: Vec<Column>,
    pub primary_key: Option<PrimaryKey>,
    /// Unique and plain indexes, by name.
    pub indexes: Vec<Index>,
    /// By name.
    pub foreign_keys: Vec<ForeignKey>,
    /// `@ehrdb.immutable`: the table's row and truncate triggers.
    pub immutable: Option<Immutable>,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub ty: ColumnType,
    /// `Type[]`: a PostgreSQL array of `ty`.
    pub array: bool,
    pub nullable: bool,
    pub default: Option<ColumnDefault>,
}

/// A column's type in ehrdb's canonical spelling, which is how Prisma
/// Migrate writes it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ColumnType {
    /// A built-in type, upper case, with its arguments and no spaces after
    /// commas: `TEXT`, `INTEGER`, `VARCHAR(255)`, `DECIMAL(65,30)`,
    /// `TIMESTAMP(3)`, `TIMESTAMPTZ(6)`, `DOUBLE PRECISION`, `JSONB`, `UUID`.
    /// A serial column has its integer type here (`INTEGER`) and
    /// [`ColumnDefault::Sequence`] as its default; render writes `SERIAL`.
    Builtin(String),
    /// A user enum type.
    Enum(QualifiedName),
    /// `Unsupported("...")`: the text Prisma passes through unchanged.
    Unsupported(String),
}

/// A column default.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ColumnDefault {
    /// A constant as SQL, without a cast: `'GBP'`, `0`, `1.5`, `true`,
    /// `'DRAFT'` (an enum value), `ARRAY['a', 'b']` (a list).
    Literal(String),
    /// `now()`: `CURRENT_TIMESTAMP`.
    Now,
    /// `autoincrement()`: a sequence owned by the column (`SERIAL`).
    Sequence,
    /// `dbgenerated("...")`: the expression as written.
    Expression(String),
}

/// A DateTime default's fraction of a second as Prisma writes it: nothing
/// for none, else in groups of three digits (`.500`, `.000250`,
/// `.000000001`), so a time lowered from the schema and one read back from
/// the catalog print alike.
pub(crate) fn datetime_fraction(nanos: u64) -> String {
    if nanos == 0 {
        String::new()
    } else if nanos % 1_000_000 == 0 {
        format!(".{:03}", nanos / 1_000_000)
    } else if nanos % 1_000 == 0 {
        format!(".{:06}", nanos / 1_000)
    } else {
        format!(".{nanos:09}")
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrimaryKey {
    pub name: String,
    pub columns: Vec<IndexColumn>,
}

#[derive(Debug, Clone)]
pub struct Index {
    pub name: String,
    pub unique: bool,
    pub columns: Vec<IndexColumn>,
    /// `USING ...`; `None` is BTREE, PostgreSQL's default.
    pub method: Option<IndexMethod>,
    /// A partial index's `WHERE` predicate, as written (Prisma's spelling
    /// from lowering, PostgreSQL's from introspection).
    pub predicate: Option<String>,
}

/// Two indexes are equal when their predicates mean the same condition,
/// however each is spelled ([`predicate::same`]).
impl PartialEq for Index {
    fn eq(&self, other: &Index) -> bool {
        self.name == other.name
            && self.unique == other.unique
            && self.columns == other.columns
            && self.method == other.method
            && predicate::same(self.predicate.as_deref(), other.predicate.as_deref())
    }
}

impl Eq for Index {}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IndexMethod {
    Hash,
    Gist,
    Gin,
    SpGist,
    Brin,
}

impl IndexMethod {
    pub fn sql(self) -> &'static str {
        match self {
            IndexMethod::Hash => "HASH",
            IndexMethod::Gist => "GIST",
            IndexMethod::Gin => "GIN",
            IndexMethod::SpGist => "SPGIST",
            IndexMethod::Brin => "BRIN",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexColumn {
    pub name: String,
    pub descending: bool,
    /// An operator class (`ops: JsonbPathOps` is `jsonb_path_ops`).
    pub operator_class: Option<String>,
}

impl IndexColumn {
    pub fn plain(name: impl Into<String>) -> IndexColumn {
        IndexColumn { name: name.into(), descending: false, operator_class: None }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForeignKey {
    pub name: String,
    pub columns: Vec<String>,
    pub referenced_table: QualifiedName,
    pub referenced_columns: Vec<String>,
    pub on_delete: ReferentialAction,
    pub on_update: ReferentialAction,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReferentialAction {
    Cascade,
    Restrict,
    NoAction,
    SetNull,
    SetDefault,
}

impl ReferentialAction {
    pub fn sql(self) -> &'static str {
        match self {
            ReferentialAction::Cascade => "CASCADE",
            ReferentialAction::Restrict => "RESTRICT",
            ReferentialAction::NoAction => "NO ACTION",
            ReferentialAction::SetNull => "SET NULL",
            ReferentialAction::SetDefault => "SET DEFAULT",
        }
    }
}

/// `@ehrdb.immutable` on a table: a BEFORE UPDATE OR DELETE row trigger and
/// a BEFORE TRUNCATE statement trigger, both calling the shared function
/// [`IMMUTABLE_FUNCTION`].
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Immutable {
    /// Columns an UPDATE may change (`allowUpdate`), sorted.
    pub allow_update: Vec<String>,
}

/// The shared trigger function behind every immutable table; created once,
/// in the default schema.
pub const IMMUTABLE_FUNCTION: &str = "ehrdb_immutable";

/// One step from one schema state to another. Changes are data: each knows
/// its reverse ([`Change::reverse`]), so down.sql comes from the same code
/// as up.sql, and whether it can lose data ([`Change::risk`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    CreateNamespace(String),
    DropNamespace(String),
    CreateExtension(Extension),
    DropExtension(Extension),
    CreateEnum(Enum),
    DropEnum(Enum),
    /// Values added and removed. Adding is `ALTER TYPE ... ADD VALUE`;
    /// removing recreates the type and converts `columns` to it.
    AlterEnum(AlterEnum),
    /// A whole table with its columns and primary key; its indexes,
    /// foreign keys and triggers are separate changes.
    CreateTable(Table),
    DropTable(Table),
    AddColumn {
        table: QualifiedName,
        column: Column,
    },
    DropColumn {
        table: QualifiedName,
        column: Column,
    },
    /// The column as it was and as it becomes (same name).
    AlterColumn {
        table: QualifiedName,
        from: Column,
        to: Column,
    },
    AddPrimaryKey {
        table: QualifiedName,
        key: PrimaryKey,
    },
    DropPrimaryKey {
        table: QualifiedName,
        key: PrimaryKey,
    },
    CreateIndex {
        table: QualifiedName,
        index: Index,
    },
    DropIndex {
        table: QualifiedName,
        index: Index,
    },
    AddForeignKey {
        table: QualifiedName,
        key: ForeignKey,
    },
    DropForeignKey {
        table: QualifiedName,
        key: ForeignKey,
    },
    /// The shared trigger function, before the first immutable table.
    CreateImmutableFunction,
    DropImmutableFunction,
    /// A table's immutability triggers.
    CreateImmutableTriggers {
        table: QualifiedName,
        immutable: Immutable,
    },
    /// A rename that keeps the data (`@ehrdb.renamedFrom`); the differ
    /// puts them first, before every change that uses the new names.
    Rename(Rename),
    DropImmutableTriggers {
        table: QualifiedName,
        immutable: Immutable,
    },
}

/// A rename, each naming the object as it is called when the step runs:
/// a column or index by its table's new name when the table is renamed
/// too (the table goes first, and last when undone).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rename {
    Table {
        from: QualifiedName,
        to: QualifiedName,
    },
    Column {
        table: QualifiedName,
        from: String,
        to: String,
    },
    Enum {
        from: QualifiedName,
        to: QualifiedName,
    },
    EnumValue {
        name: QualifiedName,
        from: String,
        to: String,
    },
    /// An index, or the index of a primary key or unique constraint (its
    /// constraint follows its name).
    Index {
        table: QualifiedName,
        from: String,
        to: String,
    },
    /// A foreign key.
    Constraint {
        table: QualifiedName,
        from: String,
        to: String,
    },
    /// A serial column's sequence.
    Sequence {
        table: QualifiedName,
        from: String,
        to: String,
    },
}

impl Rename {
    /// The rename that undoes this one.
    pub fn reverse(&self) -> Rename {
        match self.clone() {
            Rename::Table { from, to } => Rename::Table { from: to, to: from },
            Rename::Column { table, from, to } => Rename::Column { table, from: to, to: from },
            Rename::Enum { from, to } => Rename::Enum { from: to, to: from },
            Rename::EnumValue { name, from, to } => Rename::EnumValue { name, from: to, to: from },
            Rename::Index { table, from, to } => Rename::Index { table, from: to, to: from },
            Rename::Constraint { table, from, to } => Rename::Constraint { table, from: to, to: from },
            Rename::Sequence { table, from, to } => Rename::Sequence { table, from: to, to: from },
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlterEnum {
    pub name: QualifiedName,
    /// The values before and after, in order.
    pub from: Vec<String>,
    pub to: Vec<String>,
    /// Columns of this type (table, column, its default), which a removed
    /// value forces through a type conversion.
    pub columns: Vec<EnumColumn>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnumColumn {
    pub table: QualifiedName,
    pub column: Column,
}

/// Why a change can lose data or fail on a table with rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Risk {
    /// Drops a table, a column, an enum or enum values: data is lost.
    Destructive(String),
    /// May fail on existing rows (a NOT NULL column without a default, a
    /// narrowed type, a new unique index).
    Risky(String),
}

#[cfg(test)]
mod tests {
    use super::normalize_predicate;

    #[test]
    fn predicates_lose_only_the_parentheses_around_the_whole() {
        assert_eq!(normalize_predicate(" (active = true) "), "active = true");
        assert_eq!(normalize_predicate("((\"dischargedAt\" IS NULL))"), "\"dischargedAt\" IS NULL");
        assert_eq!(normalize_predicate("(a) OR (b)"), "(a) OR (b)");
        assert_eq!(normalize_predicate("(note = ')(')"), "note = ')('");
        assert_eq!(normalize_predicate("active"), "active");
    }
}
