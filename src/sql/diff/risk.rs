//! Which changes can lose data ([`Risk::Destructive`]) or fail on a table
//! that has rows ([`Risk::Risky`]), with a sentence for the reviewer that
//! names the table and column.
//!
//! [`Change::risk`] judges one change alone; [`risks`] judges a change
//! list, where a change on a table created in the same list, an index or
//! key created again exactly as it was dropped, or triggers recreated with
//! no more freedom than before, carry no risk.

use crate::collections::HashSet;
use crate::sql::render::{column_type, ident, idents, qualified};
use crate::sql::{Change, Column, ColumnType, QualifiedName, Rename, Risk};

impl Change {
    /// Whether this change can lose data or fail on a table with rows.
    pub fn risk(&self) -> Option<Risk> {
        match self {
            Change::DropTable(table) => {
                Some(Risk::Destructive(format!("Drops table {} and every row in it.", qualified(&table.name))))
            }
            Change::DropColumn { table, column } => Some(Risk::Destructive(format!(
                "Drops column {} and the data in it.",
                column_name(table, &column.name)
            ))),
            Change::DropEnum(e) => Some(Risk::Destructive(format!(
                "Drops enum {} and its values {}.",
                qualified(&e.name),
                listed(&e.values)
            ))),
            Change::AlterEnum(alter) => {
                let removed: Vec<String> = alter.from.iter().filter(|v| !alter.to.contains(v)).cloned().collect();
                if removed.is_empty() {
                    return None;
                }
                let what = if removed.len() == 1 { "value" } else { "values" };
                let columns: Vec<String> =
                    alter.columns.iter().map(|c| column_name(&c.table, &c.column.name)).collect();
                Some(Risk::Destructive(if columns.is_empty() {
                    format!("Removes {what} {} from enum {}.", listed(&removed), qualified(&alter.name))
                } else {
                    format!(
                        "Removes {what} {} from enum {}: the migration fails while a row still holds one in {}.",
                        listed(&removed),
                        qualified(&alter.name),
                        columns.join(", ")
                    )
                }))
            }
            Change::AlterColumn { table, from, to } => alter_column(table, from, to),
            Change::DropImmutableTriggers { table, .. } => Some(Risk::Destructive(format!(
                "Drops the immutability triggers of {}: UPDATE, DELETE and TRUNCATE on this audit table become possible.",
                qualified(table)
            ))),
            Change::AddColumn { table, column } if !column.nullable && column.default.is_none() => {
                Some(Risk::Risky(format!(
                    "Adds NOT NULL column {} without a default: this fails if the table has rows.",
                    column_name(table, &column.name)
                )))
            }
            Change::AddPrimaryKey { table, key } => Some(Risk::Risky(format!(
                "Adds primary key {} on {} ({}): this fails if rows hold duplicates or NULLs.",
                ident(&key.name),
                qualified(table),
                listed(key.columns.iter().map(|c| &c.name))
            ))),
            Change::CreateIndex { table, index } if index.unique => Some(Risk::Risky(format!(
                "Creates unique index {} on {} ({}): this fails if rows hold duplicate values.",
                ident(&index.name),
                qualified(table),
                listed(index.columns.iter().map(|c| &c.name))
            ))),
            Change::Rename(rename) => renamed(rename).map(|what| {
                Risk::Risky(format!(
                    "Renames {what}: application instances still running the old code fail on the old name; deploy \
                     the new code with it, or expand and contract over two releases."
                ))
            }),
            Change::AddForeignKey { table, key } => Some(Risk::Risky(format!(
                "Adds foreign key {} on {} ({}) to {}: this fails if a row references one that does not exist.",
                ident(&key.name),
                qualified(table),
                listed(&key.columns),
                qualified(&key.referenced_table)
            ))),
            _ => None,
        }
    }
}

/// What a rename renames, in words, when a client can see it: indexes,
/// constraints and sequences are not named in queries.
fn renamed(rename: &Rename) -> Option<String> {
    match rename {
        Rename::Table { from, to } => Some(format!("table {} to {}", qualified(from), ident(&to.name))),
        Rename::Column { table, from, to } => Some(format!("column {} to {}", column_name(table, from), ident(to))),
        Rename::Enum { from, to } => Some(format!("enum {} to {}", qualified(from), ident(&to.name))),
        Rename::EnumValue { name, from, to } => {
            Some(format!("value {} of enum {} to {}", ident(from), qualified(name), ident(to)))
        }
        Rename::Index { .. } | Rename::Constraint { .. } | Rename::Sequence { .. } => None,
    }
}

/// The risk of each change of `changes`, in context.
pub fn risks(changes: &[Change]) -> Vec<Option<Risk>> {
    let created: HashSet<&QualifiedName> = changes
        .iter()
        .filter_map(|c| match c {
            Change::CreateTable(table) => Some(&table.name),
            _ => None,
        })
        .collect();
    let dropped: HashSet<&QualifiedName> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DropTable(table) => Some(&table.name),
            _ => None,
        })
        .collect();
    let undone = |change: &Change| changes.contains(&change.reverse());
    changes
        .iter()
        .map(|change| match change {
            Change::CreateIndex { table, .. }
            | Change::AddForeignKey { table, .. }
            | Change::AddPrimaryKey { table, .. }
                if created.contains(table) || undone(change) =>
            {
                None
            }
            Change::DropImmutableTriggers { table, .. } if dropped.contains(table) => None,
            Change::DropImmutableTriggers { table, immutable: before } => {
                let after = changes.iter().find_map(|c| match c {
                    Change::CreateImmutableTriggers { table: t, immutable } if t == table => Some(immutable),
                    _ => None,
                });
                match after {
                    None => change.risk(),
                    Some(after) => {
                        let freed: Vec<&String> =
                            after.allow_update.iter().filter(|c| !before.allow_update.contains(c)).collect();
                        (!freed.is_empty()).then(|| {
                            Risk::Destructive(format!(
                                "Lets UPDATE change {} of immutable table {}.",
                                listed(freed),
                                qualified(table)
                            ))
                        })
                    }
                }
            }
            _ => change.risk(),
        })
        .collect()
}

fn alter_column(table: &QualifiedName, from: &Column, to: &Column) -> Option<Risk> {
    let name = column_name(table, &to.name);
    let not_null = from.nullable && !to.nullable;
    let retyped = from.ty != to.ty || from.array != to.array;
    if retyped && !widens(from, to) {
        let (before, after) = (column_type(from), column_type(to));
        let mut message = if narrows(from, to) {
            format!(
                "Changes {name} from {before} to {after}, which narrows it: a value that does not fit is rounded or makes the migration fail."
            )
        } else {
            format!(
                "Changes {name} from {before} to {after}, which is not a lossless conversion: a value that does not convert makes the migration fail, or is lost."
            )
        };
        if not_null {
            message.push_str(" It also becomes NOT NULL, which fails if a row holds NULL in it.");
        }
        return Some(Risk::Destructive(message));
    }
    if retyped && rewrites_table(from, to) {
        let mut message = format!(
            "Changes {name} from {} to {}, which makes PostgreSQL rewrite the table and its indexes under an ACCESS \
             EXCLUSIVE lock: no query reads or writes the table until it is done (on a large table, run it when the \
             table is quiet).",
            column_type(from),
            column_type(to)
        );
        if not_null {
            message.push_str(" It also becomes NOT NULL, which fails if a row holds NULL in it.");
        }
        return Some(Risk::Risky(message));
    }
    not_null.then(|| Risk::Risky(format!("Makes {name} NOT NULL: this fails if a row holds NULL in it.")))
}

fn column_name(table: &QualifiedName, column: &str) -> String {
    format!("{}.{}", qualified(table), ident(column))
}

/// `"A", "B"`.
fn listed<S: AsRef<str>>(names: impl IntoIterator<Item = S>) -> String {
    idents(names, ", ")
}

/// A builtin type split into its name and arguments: `DECIMAL(10,2)` is
/// `("DECIMAL", [10, 2])`.
fn parts(ty: &str) -> (&str, Vec<u32>) {
    match ty.split_once('(') {
        Some((name, args)) => {
            (name, args.trim_end_matches(')').split(',').filter_map(|a| a.trim().parse().ok()).collect())
        }
        None => (ty, Vec::new()),
    }
}

const INTEGERS: [(&str, u32); 3] = [("SMALLINT", 5), ("INTEGER", 10), ("BIGINT", 19)];

fn integer_digits(name: &str) -> Option<u32> {
    INTEGERS.iter().find(|(n, _)| *n == name).map(|(_, digits)| *digits)
}

/// Whether every value of `from` converts to `to` unchanged: the known
/// widenings. Anything else counts as a possible loss.
fn widens(from: &Column, to: &Column) -> bool {
    if from.array != to.array {
        return false;
    }
    match (&from.ty, &to.ty) {
        (a, b) if a == b => true,
        (ColumnType::Enum(_), ColumnType::Builtin(b)) => b == "TEXT" || b == "VARCHAR",
        (ColumnType::Builtin(a), ColumnType::Builtin(b)) => builtin_widens(a, b),
        _ => false,
    }
}

fn builtin_widens(from: &str, to: &str) -> bool {
    let ((a, from_args), (b, to_args)) = (parts(from), parts(to));
    let at_least = |default: u32| {
        let before = from_args.first().copied().unwrap_or(default);
        to_args.first().is_none_or(|&after| after >= before)
    };
    match (a, b) {
        ("VARCHAR", "VARCHAR") => to_args.is_empty() || !from_args.is_empty() && at_least(0),
        ("VARCHAR", "TEXT") => true,
        ("TEXT", "VARCHAR") => to_args.is_empty(),
        ("CHAR", "CHAR") => !to_args.is_empty() && at_least(1),
        ("VARBIT", "VARBIT") => to_args.is_empty() || !from_args.is_empty() && at_least(0),
        ("TIMESTAMP", "TIMESTAMP") | ("TIMESTAMPTZ", "TIMESTAMPTZ") | ("TIME", "TIME") | ("TIMETZ", "TIMETZ") => {
            from_args.first().unwrap_or(&6) <= to_args.first().unwrap_or(&6)
        }
        ("REAL" | "SMALLINT" | "INTEGER", "DOUBLE PRECISION") => true,
        ("DECIMAL", "DECIMAL") => match (decimal(&from_args), decimal(&to_args)) {
            (_, None) => true,
            (None, Some(_)) => false,
            (Some((p, s)), Some((q, t))) => t >= s && q - t >= p - s,
        },
        (a, "DECIMAL") => match (integer_digits(a), decimal(&to_args)) {
            (Some(_), None) => true,
            (Some(digits), Some((q, t))) => q - t >= digits,
            (None, _) => false,
        },
        (a, b) => integer_digits(a).zip(integer_digits(b)).is_some_and(|(x, y)| y >= x),
    }
}

/// Whether changing a column from `from` to `to` makes PostgreSQL rewrite
/// the table (and rebuild its indexes) under an ACCESS EXCLUSIVE lock: any
/// type change but the few it makes in the catalog alone, a longer or
/// unlimited string or bit string, an unconstrained or more precise DECIMAL
/// of the same scale, a time with more fractional digits. (Measured on
/// PostgreSQL 15: the table's file changes for every other change, a
/// longer CHAR and a longer VARCHAR[] included.)
pub fn rewrites_table(from: &Column, to: &Column) -> bool {
    if from.ty == to.ty && from.array == to.array {
        return false;
    }
    let (ColumnType::Builtin(a), ColumnType::Builtin(b)) = (&from.ty, &to.ty) else { return true };
    // An array's elements are converted one by one, into a new table.
    if from.array || to.array {
        return true;
    }
    let ((a, from_args), (b, to_args)) = (parts(a), parts(b));
    let longer = || to_args.is_empty() || from_args.first().zip(to_args.first()).is_some_and(|(x, y)| y >= x);
    match (a, b) {
        ("VARCHAR", "VARCHAR") | ("VARBIT", "VARBIT") => !longer(),
        ("TIMESTAMP", "TIMESTAMP") | ("TIMESTAMPTZ", "TIMESTAMPTZ") | ("TIME", "TIME") | ("TIMETZ", "TIMETZ") => {
            from_args.first().unwrap_or(&6) > to_args.first().unwrap_or(&6)
        }
        ("VARCHAR", "TEXT") => false,
        ("TEXT", "VARCHAR") => !to_args.is_empty(),
        ("DECIMAL", "DECIMAL") => match (decimal(&from_args), decimal(&to_args)) {
            (_, None) => false,
            (Some((p, s)), Some((q, t))) => !(t == s && q >= p),
            (None, Some(_)) => true,
        },
        _ => true,
    }
}

/// A DECIMAL's precision and scale; `None` is unconstrained.
fn decimal(args: &[u32]) -> Option<(u32, u32)> {
    match args {
        [] => None,
        [p] => Some((*p, 0)),
        [p, s, ..] => Some((*p, (*s).min(*p))),
    }
}

/// Whether a change that is not a widening stays within one kind of type
/// (a shorter string, a smaller number, a coarser time): the message then
/// speaks of narrowing.
fn narrows(from: &Column, to: &Column) -> bool {
    let (ColumnType::Builtin(a), ColumnType::Builtin(b)) = (&from.ty, &to.ty) else {
        return false;
    };
    if from.array != to.array {
        return false;
    }
    let (a, b) = (parts(a).0, parts(b).0);
    // Families whose members differ only in size or precision. CHAR is
    // alone: it pads with spaces that the other string types strip.
    let family = |name: &str| match name {
        "TEXT" | "VARCHAR" => 1,
        "CHAR" => 2,
        "SMALLINT" | "INTEGER" | "BIGINT" | "DECIMAL" | "REAL" | "DOUBLE PRECISION" => 3,
        "TIMESTAMP" => 4,
        "TIMESTAMPTZ" => 5,
        "TIME" => 6,
        "TIMETZ" => 7,
        "VARBIT" => 8,
        _ => 0,
    };
    family(a) != 0 && family(a) == family(b)
}
