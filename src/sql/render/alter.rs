//! The two changes whose SQL depends on what PostgreSQL can convert in
//! place: altering a column (type, nullability, default, serial) and
//! altering an enum (adding values in place, or recreating the type when
//! values go or move).

use super::{default_sql, ident, literal, plain_type, qualified};
use crate::schema::names::MAX_IDENTIFIER_BYTES;
use crate::sql::{AlterEnum, Change, Column, ColumnDefault, ColumnType, QualifiedName};

/// `ALTER TABLE ... ALTER COLUMN ...` between two states of one column.
///
/// A type change drops the old default first, in its own statement: the
/// conversion would otherwise try to convert the default too, and fail
/// for most of them. Where PostgreSQL has no assignment cast between the
/// two types (`TEXT` to `INTEGER`) the conversion is an explicit `USING`
/// cast, so existing values are converted rather than the column dropped
/// and re-added as Prisma does. A column that becomes serial gets the
/// sequence `SERIAL` would have created (same name, owned by the column);
/// one that stops being serial loses it.
pub(super) fn alter_column(table: &QualifiedName, from: &Column, to: &Column) -> Vec<String> {
    let prefix = format!("ALTER COLUMN {}", ident(&to.name));
    let table_sql = qualified(table);
    let mut before = Vec::new();
    let mut clauses = Vec::new();
    let mut after = Vec::new();

    let type_changes = plain_type(from) != plain_type(to);
    let was_serial = from.default == Some(ColumnDefault::Sequence);
    let is_serial = to.default == Some(ColumnDefault::Sequence);
    let sequence = qualified(&serial_sequence(table, &to.name));
    // A serial column that stays serial keeps its `nextval` default, which
    // converts to any integer type.
    let dropped_first = type_changes && from.default.is_some() && !(was_serial && is_serial);

    if type_changes {
        if dropped_first {
            before.push(format!("ALTER TABLE {table_sql} {prefix} DROP DEFAULT;"));
        }
        let using = using(from, to).map_or(String::new(), |cast| format!(" USING ({cast})"));
        clauses.push(format!("{prefix} SET DATA TYPE {}{using}", plain_type(to)));
    }
    match (from.nullable, to.nullable) {
        (true, false) => clauses.push(format!("{prefix} SET NOT NULL")),
        (false, true) => clauses.push(format!("{prefix} DROP NOT NULL")),
        _ => {}
    }
    match (was_serial, is_serial) {
        (false, true) => {
            before.push(format!("CREATE SEQUENCE {sequence} AS {};", plain_type(to)));
            clauses.push(format!("{prefix} SET DEFAULT nextval({})", literal(&sequence)));
            after.push(format!("ALTER SEQUENCE {sequence} OWNED BY {table_sql}.{};", ident(&to.name)));
        }
        (true, false) => {
            match default_sql(to) {
                Some(default) => clauses.push(format!("{prefix} SET DEFAULT {default}")),
                None if !dropped_first => clauses.push(format!("{prefix} DROP DEFAULT")),
                None => {}
            }
            after.push(format!("DROP SEQUENCE IF EXISTS {sequence};"));
        }
        (true, true) if type_changes => after.push(format!("ALTER SEQUENCE {sequence} AS {};", plain_type(to))),
        (true, true) => {}
        (false, false) => {
            if dropped_first || from.default != to.default {
                match default_sql(to) {
                    Some(default) => clauses.push(format!("{prefix} SET DEFAULT {default}")),
                    None if !dropped_first => clauses.push(format!("{prefix} DROP DEFAULT")),
                    None => {}
                }
            }
        }
    }

    let mut out = before;
    if !clauses.is_empty() {
        out.push(format!("ALTER TABLE {table_sql} {};", clauses.join(",\n")));
    }
    out.extend(after);
    out
}

/// The `USING` expression a type change needs, if PostgreSQL cannot
/// convert the values by assignment alone.
fn using(from: &Column, to: &Column) -> Option<String> {
    let column = ident(&to.name);
    let target = plain_type(to);
    let via_text = if matches!(to.ty, ColumnType::Enum(_)) { "::text" } else { "" };
    match (from.array, to.array) {
        (true, false) => return Some(format!("{column}[1]{via_text}::{target}")),
        (false, true) => return Some(format!("ARRAY[{column}{via_text}]::{target}")),
        _ => {}
    }
    let (from_family, to_family) = (family(&from.ty), family(&to.ty));
    if to_family == Family::Text || (from_family == to_family && from_family != Family::Other) {
        return None;
    }
    Some(format!("{column}{via_text}::{target}"))
}

/// Groups of types PostgreSQL converts into each other by assignment.
/// Anything converts to a string type (through its text form).
#[derive(PartialEq, Eq)]
enum Family {
    Number,
    Text,
    Timestamp,
    Time,
    Bits,
    Other,
}

fn family(ty: &ColumnType) -> Family {
    let ColumnType::Builtin(name) = ty else { return Family::Other };
    let base = name.split('(').next().unwrap_or(name);
    match base {
        "SMALLINT" | "INTEGER" | "BIGINT" | "DECIMAL" | "NUMERIC" | "REAL" | "DOUBLE PRECISION" => Family::Number,
        "TEXT" | "VARCHAR" | "CHAR" | "CITEXT" => Family::Text,
        "TIMESTAMP" | "TIMESTAMPTZ" | "DATE" => Family::Timestamp,
        "TIME" | "TIMETZ" => Family::Time,
        "BIT" | "VARBIT" => Family::Bits,
        _ => Family::Other,
    }
}

/// The sequence PostgreSQL creates for a `SERIAL` column: `{table}_{column}_seq`
/// in the table's schema, the longer of the two names shortened until the
/// whole fits an identifier (PostgreSQL's `makeObjectName`).
fn serial_sequence(table: &QualifiedName, column: &str) -> QualifiedName {
    let available = MAX_IDENTIFIER_BYTES - "__seq".len();
    let (mut table_len, mut column_len) = (table.name.len(), column.len());
    while table_len + column_len > available {
        if table_len > column_len {
            table_len -= 1;
        } else {
            column_len -= 1;
        }
    }
    let clip = |name: &str, mut len: usize| {
        while !name.is_char_boundary(len) {
            len -= 1;
        }
        name[..len].to_owned()
    };
    let name = format!("{}_{}_seq", clip(&table.name, table_len), clip(column, column_len));
    QualifiedName { schema: table.schema.clone(), name }
}

/// Whether an enum change must recreate the type: a value is removed, or
/// the values that stay change their order (PostgreSQL can only add).
/// [`alter_enum`] as Prisma Migrate writes it: an added value is
/// appended (`ADD VALUE 'X'`, wherever the schema lists it), so the type's
/// order is the order values were added in. The differ ignores the order,
/// so the database has no drift either way.
pub(super) fn alter_enum_appending(alter: &AlterEnum) -> Vec<String> {
    if must_recreate(alter) {
        return alter_enum(alter);
    }
    let name = qualified(&alter.name);
    alter
        .to
        .iter()
        .filter(|value| !alter.from.contains(value))
        .map(|value| format!("ALTER TYPE {name} ADD VALUE {};", literal(value)))
        .collect()
}

fn must_recreate(alter: &AlterEnum) -> bool {
    let kept: Vec<&String> = alter.to.iter().filter(|v| alter.from.contains(v)).collect();
    let before: Vec<&String> = alter.from.iter().filter(|v| alter.to.contains(v)).collect();
    kept.len() != alter.from.len() || kept != before
}

pub(super) fn recreates_enum(change: &Change) -> bool {
    matches!(change, Change::AlterEnum(alter) if must_recreate(alter))
}

/// Whether a change uses a value that an earlier change adds with
/// `ALTER TYPE ... ADD VALUE` (in a default), which PostgreSQL refuses
/// inside the transaction that added it.
pub(super) fn uses_added_enum_values(changes: &[Change]) -> bool {
    let mut added: Vec<(&QualifiedName, &str)> = Vec::new();
    for change in changes {
        let columns: Vec<&Column> = match change {
            Change::AlterEnum(alter) if !must_recreate(alter) => {
                added.extend(alter.to.iter().filter(|v| !alter.from.contains(v)).map(|v| (&alter.name, v.as_str())));
                continue;
            }
            Change::AlterEnum(alter) => alter.columns.iter().map(|c| &c.column).collect(),
            Change::CreateTable(table) => table.columns.iter().collect(),
            Change::AddColumn { column, .. } | Change::AlterColumn { to: column, .. } => vec![column],
            _ => continue,
        };
        for column in columns {
            let (ColumnType::Enum(name), Some(ColumnDefault::Literal(value))) = (&column.ty, &column.default) else {
                continue;
            };
            if quoted_values(value).iter().any(|v| added.contains(&(name, v.as_str()))) {
                return true;
            }
        }
    }
    false
}

/// The string literals in a default: `'A'` and `ARRAY['A', 'B']`.
fn quoted_values(sql: &str) -> Vec<String> {
    let mut values = Vec::new();
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\'' {
            continue;
        }
        let mut value = String::new();
        while let Some(c) = chars.next() {
            match c {
                '\'' if chars.peek() == Some(&'\'') => {
                    chars.next();
                    value.push('\'');
                }
                '\'' => break,
                c => value.push(c),
            }
        }
        values.push(value);
    }
    values
}

/// Added values in place when PostgreSQL allows it, each placed after its
/// predecessor (or before its successor) so the declared order holds; else
/// the type is recreated as Prisma does: a new type, every column of
/// `columns` converted through text, the old type dropped, the new one
/// renamed. A default would block the conversion, so each listed column
/// loses its default first (a no-op for one without) and gets back the
/// default `columns` gives it, unless that names a removed value.
pub(super) fn alter_enum(alter: &AlterEnum) -> Vec<String> {
    let name = qualified(&alter.name);
    if !must_recreate(alter) {
        let mut out = Vec::new();
        let first_kept = alter.to.iter().position(|v| alter.from.contains(v)).unwrap_or(alter.to.len());
        for i in (0..first_kept).rev() {
            let place = alter.to.get(i + 1).map_or(String::new(), |next| format!(" BEFORE {}", literal(next)));
            out.push(format!("ALTER TYPE {name} ADD VALUE {}{place};", literal(&alter.to[i])));
        }
        for i in first_kept + 1..alter.to.len() {
            if !alter.from.contains(&alter.to[i]) {
                out.push(format!(
                    "ALTER TYPE {name} ADD VALUE {} AFTER {};",
                    literal(&alter.to[i]),
                    literal(&alter.to[i - 1])
                ));
            }
        }
        return out;
    }

    let temporary = QualifiedName { schema: alter.name.schema.clone(), name: format!("{}_new", alter.name.name) };
    let old = format!("{}_old", alter.name.name);
    let values: Vec<String> = alter.to.iter().map(|v| literal(v)).collect();
    let mut out = vec![format!("CREATE TYPE {} AS ENUM ({});", qualified(&temporary), values.join(", "))];
    for usage in &alter.columns {
        let column = ident(&usage.column.name);
        out.push(format!("ALTER TABLE {} ALTER COLUMN {column} DROP DEFAULT;", qualified(&usage.table)));
    }
    for usage in &alter.columns {
        let column = ident(&usage.column.name);
        let array = if usage.column.array { "[]" } else { "" };
        let target = format!("{}{array}", qualified(&temporary));
        out.push(format!(
            "ALTER TABLE {} ALTER COLUMN {column} TYPE {target} USING ({column}::text::{target});",
            qualified(&usage.table)
        ));
    }
    out.push(format!("ALTER TYPE {name} RENAME TO {};", ident(&old)));
    out.push(format!("ALTER TYPE {} RENAME TO {};", qualified(&temporary), ident(&alter.name.name)));
    out.push(format!("DROP TYPE {};", qualified(&QualifiedName { schema: alter.name.schema.clone(), name: old })));
    for usage in &alter.columns {
        let Some(ColumnDefault::Literal(value)) = &usage.column.default else { continue };
        if quoted_values(value).iter().all(|v| alter.to.contains(v)) {
            let default = default_sql(&usage.column).unwrap_or_default();
            out.push(format!(
                "ALTER TABLE {} ALTER COLUMN {} SET DEFAULT {default};",
                qualified(&usage.table),
                ident(&usage.column.name)
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prisma_appends_added_enum_values_wherever_the_schema_lists_them() {
        let alter = AlterEnum {
            name: QualifiedName { schema: None, name: "Status".to_owned() },
            from: vec!["B".to_owned(), "D".to_owned()],
            to: ["A", "B", "C", "D"].map(str::to_owned).to_vec(),
            columns: Vec::new(),
        };
        assert_eq!(
            alter_enum_appending(&alter),
            [r#"ALTER TYPE "Status" ADD VALUE 'A';"#, r#"ALTER TYPE "Status" ADD VALUE 'C';"#]
        );
        let removes = AlterEnum { to: vec!["D".to_owned()], ..alter };
        assert_eq!(alter_enum_appending(&removes), alter_enum(&removes), "a removal recreates the type either way");
    }
}
