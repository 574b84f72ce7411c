//! `ehrdb check --probe`: asks the database itself whether it refuses to
//! change the rows of each `@ehrdb.immutable` table.
//!
//! Takes a connection, the schema's relational model (which tables are
//! immutable, which columns an UPDATE may change) and the introspected
//! catalog (the tables as they are); returns what the database did with an
//! UPDATE and a DELETE on one row of each table. Everything runs in one
//! transaction that is rolled back on every path, each attempt under a
//! savepoint, with a statement and a lock timeout so a busy table cannot
//! hold the probe up: nothing is ever committed. It is the only part of
//! `ehrdb check` that writes.
//!
//! The UPDATE sets a NOT NULL column outside `allowUpdate` to NULL. The
//! BEFORE row trigger sees that change and refuses it; without the trigger
//! the NOT NULL constraint stops it instead, which PostgreSQL checks only
//! after the BEFORE triggers, so that error proves the guard did not fire
//! (and the probe never cascades into other tables). The DELETE takes the
//! same row. An empty table gets a row inserted first, inside the
//! transaction; when that fails (a foreign key to an empty table, a check
//! constraint), the table cannot be probed and says why.

use sqlx::PgConnection;

use crate::sql::render::{ident, literal, qualified};
use crate::sql::{Column, ColumnDefault, ColumnType, QualifiedName, SqlSchema, Table};

/// What the probe saw on one table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableProbe {
    pub table: QualifiedName,
    pub update: Attempt,
    pub delete: Attempt,
}

/// What the database did with one statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// Refused with ehrdb's error for this table and operation: the message.
    Refused(String),
    /// The guard let it through: how that showed.
    Allowed(String),
    /// No answer either way, and why (no row to try, no privilege, a lock).
    Undecided(String),
}

/// How long one statement, and one lock wait, may take.
const TIMEOUTS: &str = "SET LOCAL statement_timeout = '5s'; SET LOCAL lock_timeout = '1s'";

/// Probes every immutable table of `lowered` that `catalog` has, in one
/// transaction it always rolls back. `Err` only when the transaction
/// itself failed (the connection went away).
pub async fn run(conn: &mut PgConnection, lowered: &SqlSchema, catalog: &SqlSchema) -> Result<Vec<TableProbe>, String> {
    execute(conn, "BEGIN").await.map_err(|e| format!("cannot begin the probe's transaction: {e}"))?;
    let probed = probe_tables(conn, lowered, catalog).await;
    let rolled_back = execute(conn, "ROLLBACK").await;
    match (probed, rolled_back) {
        (Ok(probes), Ok(_)) => Ok(probes),
        (Err(error), _) => Err(error),
        (Ok(_), Err(error)) => Err(format!("cannot roll the probe's transaction back: {error}")),
    }
}

async fn probe_tables(
    conn: &mut PgConnection,
    lowered: &SqlSchema,
    catalog: &SqlSchema,
) -> Result<Vec<TableProbe>, String> {
    execute(conn, TIMEOUTS).await.map_err(|e| format!("cannot set the probe's timeouts: {e}"))?;
    let mut probes = Vec::new();
    for marked in lowered.tables.iter().filter(|t| t.immutable.is_some()) {
        let Some(table) = catalog.tables.iter().find(|t| t.name == marked.name) else {
            let missing = Attempt::Undecided("the table is not in the database".to_owned());
            probes.push(TableProbe { table: marked.name.clone(), update: missing.clone(), delete: missing });
            continue;
        };
        let allowed = marked.immutable.as_ref().map(|i| i.allow_update.as_slice()).unwrap_or_default();
        execute(conn, "SAVEPOINT ehrdb_probe_table").await.map_err(|e| format!("cannot set a savepoint: {e}"))?;
        let probe = probe_table(conn, table, allowed, catalog).await;
        execute(conn, "ROLLBACK TO SAVEPOINT ehrdb_probe_table")
            .await
            .map_err(|e| format!("cannot roll back to a savepoint: {e}"))?;
        probes.push(probe);
    }
    Ok(probes)
}

async fn probe_table(conn: &mut PgConnection, table: &Table, allowed: &[String], catalog: &SqlSchema) -> TableProbe {
    let undecided = |why: String| TableProbe {
        table: table.name.clone(),
        update: Attempt::Undecided(why.clone()),
        delete: Attempt::Undecided(why),
    };
    let name = qualified(&table.name);
    let one_row = format!("ctid = (SELECT ctid FROM {name} LIMIT 1)");
    let has_row = sqlx::query_scalar::<_, bool>(&format!("SELECT EXISTS (SELECT FROM {name})"))
        .persistent(false)
        .fetch_one(&mut *conn)
        .await;
    match has_row {
        Err(error) => return undecided(format!("cannot read the table: {}", message(&error))),
        Ok(true) => {}
        Ok(false) => match insert_sql(table, catalog) {
            Err(why) => return undecided(format!("the table is empty and {why}")),
            Ok(insert) => {
                if let Err(error) = execute(conn, &insert).await {
                    return undecided(format!("the table is empty and a row cannot be inserted: {}", message(&error)));
                }
            }
        },
    }
    let update = match table.columns.iter().find(|c| !c.nullable && !allowed.contains(&c.name)) {
        Some(column) => {
            let sql = format!("UPDATE {name} SET {} = NULL WHERE {one_row}", ident(&column.name));
            attempt(conn, &sql, &table.name.name, "UPDATE").await
        }
        None => Attempt::Undecided("every NOT NULL column may change (allowUpdate): nothing to try".to_owned()),
    };
    let delete = attempt(conn, &format!("DELETE FROM {name} WHERE {one_row}"), &table.name.name, "DELETE").await;
    TableProbe { table: table.name.clone(), update, delete }
}

/// Runs `sql` under a savepoint it then rolls back to, and reads the
/// answer: ehrdb's error for `table` and `operation`, or what else came.
async fn attempt(conn: &mut PgConnection, sql: &str, table: &str, operation: &str) -> Attempt {
    if let Err(error) = execute(conn, "SAVEPOINT ehrdb_probe").await {
        return Attempt::Undecided(format!("cannot set a savepoint: {}", message(&error)));
    }
    let result = execute(conn, sql).await;
    if let Err(error) = execute(conn, "ROLLBACK TO SAVEPOINT ehrdb_probe").await {
        return Attempt::Undecided(format!("cannot roll back to a savepoint: {}", message(&error)));
    }
    let refusal = format!("ehrdb: \"{table}\" is immutable: {operation} is not allowed");
    match result {
        // A row was there: a BEFORE trigger returning NULL skipped it.
        Ok(0) => Attempt::Undecided(format!("the {operation} changed no row and raised no error")),
        Ok(_) => Attempt::Allowed(format!("the {operation} went through")),
        Err(sqlx::Error::Database(error)) => {
            let code = error.code().unwrap_or_default().into_owned();
            if error.message() == refusal {
                Attempt::Refused(refusal)
            } else if code.starts_with("23") || error.message().starts_with("ehrdb: ") {
                // Constraints (and cascades into other tables) come after
                // the BEFORE row triggers: the table's guard let it pass.
                Attempt::Allowed(format!("the {operation} passed the row trigger; then: {}", error.message()))
            } else {
                Attempt::Undecided(format!("the {operation} failed otherwise: {}", error.message()))
            }
        }
        Err(error) => Attempt::Undecided(format!("the {operation} failed otherwise: {error}")),
    }
}

/// An INSERT of one row: a value for every NOT NULL column without a
/// default (and for serial ones, so no sequence value is used up), a
/// foreign key column taking a row of the table it references.
fn insert_sql(table: &Table, catalog: &SqlSchema) -> Result<String, String> {
    let mut columns = Vec::new();
    let mut values = Vec::new();
    for column in &table.columns {
        let serial = column.default == Some(ColumnDefault::Sequence);
        if column.nullable || (column.default.is_some() && !serial) {
            continue;
        }
        let referenced = table.foreign_keys.iter().find_map(|key| {
            let position = key.columns.iter().position(|c| *c == column.name)?;
            Some((qualified(&key.referenced_table), ident(&key.referenced_columns[position])))
        });
        let value = match referenced {
            Some((parent, key)) => format!("(SELECT {key} FROM {parent} LIMIT 1)"),
            None => literal(example_value(column, catalog).ok_or_else(|| {
                format!("ehrdb has no value to insert for column {} ({})", ident(&column.name), type_name(column))
            })?),
        };
        columns.push(ident(&column.name));
        values.push(value);
    }
    let name = qualified(&table.name);
    Ok(if columns.is_empty() {
        format!("INSERT INTO {name} DEFAULT VALUES")
    } else {
        // OVERRIDING SYSTEM VALUE: an identity column (GENERATED ALWAYS)
        // takes the value given, as the serial ones do.
        format!("INSERT INTO {name} ({}) OVERRIDING SYSTEM VALUE VALUES ({})", columns.join(", "), values.join(", "))
    })
}

/// A valid input text for the column's type, which PostgreSQL converts.
fn example_value<'c>(column: &Column, catalog: &'c SqlSchema) -> Option<&'c str> {
    if column.array {
        return Some("{}");
    }
    let builtin = match &column.ty {
        ColumnType::Enum(name) => {
            return catalog.enums.iter().find(|e| e.name == *name)?.values.first().map(String::as_str);
        }
        ColumnType::Unsupported(_) => return None,
        ColumnType::Builtin(name) => name,
    };
    let base = builtin.split('(').next().unwrap_or(builtin).trim();
    let value = match base {
        "TEXT" | "VARCHAR" | "CHAR" | "CITEXT" => "p",
        "SMALLINT" | "INTEGER" | "BIGINT" | "DECIMAL" | "NUMERIC" | "REAL" | "DOUBLE PRECISION" | "OID" | "MONEY" => {
            "1"
        }
        "BOOLEAN" => "false",
        "DATE" | "TIMESTAMP" | "TIMESTAMPTZ" => "2000-01-01",
        "TIME" | "TIMETZ" => "00:00",
        "INTERVAL" => "0",
        "UUID" => "00000000-0000-0000-0000-000000000000",
        "JSON" | "JSONB" => "{}",
        "BYTEA" => "\\x",
        "INET" | "CIDR" => "10.0.0.1",
        "XML" => "<probe/>",
        _ => return None,
    };
    Some(value)
}

fn type_name(column: &Column) -> String {
    match &column.ty {
        ColumnType::Builtin(name) | ColumnType::Unsupported(name) => name.clone(),
        ColumnType::Enum(name) => qualified(name),
    }
}

/// Runs one or more statements without preparing them (the simple
/// protocol, which a transaction-mode pooler carries); rows affected.
async fn execute(conn: &mut PgConnection, sql: &str) -> Result<u64, sqlx::Error> {
    sqlx::raw_sql(sql).execute(conn).await.map(|done| done.rows_affected())
}

fn message(error: &sqlx::Error) -> String {
    match error {
        sqlx::Error::Database(error) => error.message().to_owned(),
        other => other.to_string(),
    }
}
