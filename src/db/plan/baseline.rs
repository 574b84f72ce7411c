//! Where a baseline ends: which migration's schema a database already has.
//!
//! Takes the database's catalog (introspected) and the schema each
//! candidate migration leaves (its `schema.prisma` snapshot, lowered), and
//! returns how far each is from the database ([`Fit`]) and the one to
//! record up to ([`choose`]). A database *has* a schema when nothing the
//! schema describes is missing or different. Objects beyond it (an index
//! made by hand, a table of another tool, an extension) do not stand in the
//! way: the application never asks for them, they are left in place, and
//! drift reports them afterwards. Pure: no connection, no printing.

use crate::sql::diff::diff;
use crate::sql::{Change, SqlSchema};

/// How a database stands against one schema.
#[derive(Debug, Clone, Default)]
pub struct Fit {
    /// What the database lacks or has differently: the changes that would
    /// give it the schema. Empty when it has the schema.
    pub needed: Vec<Change>,
    /// What the database has beyond the schema, as the changes that would
    /// remove it (never run).
    pub extra: Vec<Change>,
}

impl Fit {
    /// Whether the database has everything the schema describes.
    pub fn matches(&self) -> bool {
        self.needed.is_empty()
    }
}

/// How `catalog` stands against `expected`.
pub fn fit(catalog: &SqlSchema, expected: &SqlSchema) -> Fit {
    let (extra, needed) = diff(catalog, expected).into_iter().partition(|change| beyond(change, expected));
    Fit { needed, extra }
}

/// Whether a change only removes something `expected` does not describe.
/// A dropped object whose name the schema also uses is half of a change to
/// that object (dropped and created again), so it is needed. A column the
/// schema lacks is extra only while inserts that leave it out still work:
/// NOT NULL without a default would make every insert the application
/// writes fail.
fn beyond(change: &Change, expected: &SqlSchema) -> bool {
    let table = |name| expected.tables.iter().find(|t| &t.name == name);
    match change {
        Change::DropNamespace(_) | Change::DropExtension(_) | Change::DropImmutableFunction => true,
        Change::DropEnum(e) => !expected.enums.iter().any(|x| x.name == e.name),
        // Values the schema does not name, and none it lacks.
        Change::AlterEnum(alter) => alter.to.iter().all(|v| alter.from.contains(v)),
        Change::DropTable(t) => table(&t.name).is_none(),
        Change::DropColumn { column, .. } => column.nullable || column.default.is_some(),
        Change::DropIndex { table: name, index } => {
            table(name).is_none_or(|t| !t.indexes.iter().any(|i| i.name == index.name))
        }
        Change::DropForeignKey { table: name, key } => {
            table(name).is_none_or(|t| !t.foreign_keys.iter().any(|k| k.name == key.name))
        }
        Change::DropImmutableTriggers { table: name, .. } => table(name).is_none(),
        _ => false,
    }
}

/// One candidate: a migration's version and how the database stands
/// against the schema it leaves.
#[derive(Debug, Clone)]
pub struct Candidate<'a> {
    pub version: &'a str,
    pub fit: Fit,
}

/// The candidate to record up to: among those the database matches, the
/// one with the fewest objects beyond its schema (the closest), the newest
/// on a tie (a migration that only adds what the database already has, an
/// index made by hand and then written into the schema, is the one the
/// database is at). `None` when the database matches none.
pub fn choose<'a, 'b>(candidates: &'b [Candidate<'a>]) -> Option<&'b Candidate<'a>> {
    candidates
        .iter()
        .filter(|c| c.fit.matches())
        .min_by(|a, b| a.fit.extra.len().cmp(&b.fit.extra.len()).then_with(|| b.version.cmp(a.version)))
}

/// When nothing matches, the candidate to explain the refusal with: the
/// one needing the fewest changes, the newest on a tie.
pub fn closest<'a, 'b>(candidates: &'b [Candidate<'a>]) -> Option<&'b Candidate<'a>> {
    candidates.iter().min_by(|a, b| a.fit.needed.len().cmp(&b.fit.needed.len()).then_with(|| b.version.cmp(a.version)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sql::{Column, ColumnType, Enum, Index, IndexColumn, QualifiedName, Table};

    fn name(text: &str) -> QualifiedName {
        QualifiedName { schema: None, name: text.to_owned() }
    }

    fn column(text: &str, nullable: bool) -> Column {
        Column {
            name: text.to_owned(),
            ty: ColumnType::Builtin("TEXT".to_owned()),
            array: false,
            nullable,
            default: None,
        }
    }

    fn index(text: &str, column: &str) -> Index {
        Index {
            name: text.to_owned(),
            unique: false,
            columns: vec![IndexColumn::plain(column)],
            method: None,
            predicate: None,
        }
    }

    fn table(text: &str, columns: Vec<Column>, indexes: Vec<Index>) -> Table {
        Table { name: name(text), columns, primary_key: None, indexes, foreign_keys: Vec::new(), immutable: None }
    }

    fn schema(tables: Vec<Table>) -> SqlSchema {
        SqlSchema { tables, ..SqlSchema::default() }
    }

    fn user() -> Table {
        table("User", vec![column("id", false), column("email", false)], vec![index("User_email_idx", "email")])
    }

    #[test]
    fn a_database_with_the_schema_matches_with_nothing_extra() {
        let fit = fit(&schema(vec![user()]), &schema(vec![user()]));
        assert!(fit.matches());
        assert!(fit.extra.is_empty());
    }

    #[test]
    fn objects_beyond_the_schema_do_not_block() {
        let mut db = user();
        db.indexes.push(index("by_hand", "id"));
        db.columns.push(column("legacy", true));
        let db = SqlSchema {
            tables: vec![db, table("other_tool", vec![column("x", false)], Vec::new())],
            enums: vec![Enum { name: name("Mood"), values: vec!["OK".to_owned()] }],
            ..SqlSchema::default()
        };
        let fit = fit(&db, &schema(vec![user()]));
        assert!(fit.matches(), "{:?}", fit.needed);
        assert_eq!(fit.extra.len(), 4, "{:?}", fit.extra);
    }

    #[test]
    fn what_the_schema_describes_must_be_there_and_the_same() {
        let mut db = user();
        db.indexes.clear();
        assert_eq!(fit(&db_of(db), &schema(vec![user()])).needed.len(), 1, "a missing index");
        let mut db = user();
        db.indexes[0].columns = vec![IndexColumn::plain("id")];
        let f = fit(&db_of(db), &schema(vec![user()]));
        assert!(!f.matches(), "an index of the same name on other columns");
        assert!(f.extra.is_empty(), "its drop is half of the change, not an extra object: {:?}", f.extra);
        let mut db = user();
        db.columns.push(column("required", false));
        assert!(!fit(&db_of(db), &schema(vec![user()])).matches(), "a NOT NULL column inserts cannot leave out");
        assert!(!fit(&SqlSchema::default(), &schema(vec![user()])).matches(), "an empty database");
    }

    fn db_of(table: Table) -> SqlSchema {
        schema(vec![table])
    }

    #[test]
    fn enum_values_beyond_the_schema_are_extra() {
        let db = SqlSchema {
            enums: vec![Enum { name: name("Role"), values: vec!["A".to_owned(), "B".to_owned()] }],
            ..SqlSchema::default()
        };
        let wanted = SqlSchema {
            enums: vec![Enum { name: name("Role"), values: vec!["A".to_owned()] }],
            ..SqlSchema::default()
        };
        assert!(fit(&db, &wanted).matches());
        assert!(!fit(&wanted, &db).matches(), "a value the schema names and the database lacks");
    }

    #[test]
    fn the_closest_match_wins_and_the_newest_on_a_tie() {
        let with = |needed: usize, extra: usize| Fit {
            needed: vec![Change::DropImmutableFunction; needed],
            extra: vec![Change::DropImmutableFunction; extra],
        };
        let candidates = vec![
            Candidate { version: "1", fit: with(0, 2) },
            Candidate { version: "2", fit: with(0, 1) },
            Candidate { version: "3", fit: with(0, 1) },
            Candidate { version: "4", fit: with(2, 0) },
        ];
        assert_eq!(choose(&candidates).map(|c| c.version), Some("3"));
        assert_eq!(choose(&candidates[3..]).map(|c| c.version), None);
        let unmatched = vec![
            Candidate { version: "1", fit: with(1, 0) },
            Candidate { version: "2", fit: with(3, 0) },
            Candidate { version: "3", fit: with(1, 5) },
        ];
        assert_eq!(closest(&unmatched).map(|c| c.version), Some("3"));
    }
}
