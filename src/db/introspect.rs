//! Introspection: the schema of a live PostgreSQL database as a
//! [`SqlSchema`], the same model lowering builds from a Prisma schema.
//!
//! Takes a connection and the schema to read (the connection's default,
//! usually `public`), optionally more namespaces, and returns its tables,
//! columns, keys, indexes, foreign keys, enums, extensions and
//! immutability triggers in lowering's canonical spelling and order, so a
//! database built from Prisma's SQL for a schema introspects to exactly
//! what `lower` gives for it. It reads `pg_catalog` only, with one query
//! per kind of object for the whole schema (a few milliseconds for
//! hundreds of tables), and never writes or changes a setting.
//!
//! What PostgreSQL normalizes cannot be read back as written; for a round
//! trip to compare equal, lowering has to write it the way it comes back
//! (the fixture `postgres_normalizes` shows each case):
//! - a partial index's predicate is PostgreSQL's text with its casts
//!   (both sides drop the parentheses around the whole, see
//!   [`crate::sql::normalize_predicate`]): `where: raw("status <> 'closed'")`
//!   comes back as `status <> 'closed'::text`;
//! - an operator class that is the default for its column type and index
//!   method is not named (`int4_minmax_ops` on BRIN, `jsonb_ops` on GIN);
//! - `@db.Char` and `@db.Bit` without a length are `CHAR(1)` and `BIT(1)`;
//! - a DateTime literal default is written as Prisma writes one in UTC
//!   (`'2024-01-01 08:00:00 +00:00'`), which is what Prisma wrote only if
//!   the schema gave it in UTC and it fits the type (midnight for a DATE,
//!   1970-01-01 for a TIME);
//! - a JSONB default is PostgreSQL's canonical text of the value, keys
//!   reordered (`{"note": "x", "a": [1,2]}` is `{"a": [1, 2], "note": "x"}`);
//! - a `dbgenerated("...")` expression is PostgreSQL's deparsed text
//!   (`now() + interval '1 day'` is `(now() + '1 day'::interval)`), and a
//!   constant one (`dbgenerated("'x'::text")`) is a literal (`'x'`);
//! - an extension has a schema only outside the introspected one, and no
//!   version.
//!
//! Left out: identity columns' sequences (Prisma never creates them; such
//! a column has no default here), index access methods other than the five
//! the model names (read as BTREE), and expression index columns beyond
//! their text.

mod defaults;

use anyhow::{Context, Result};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use crate::collections::HashMap;
use crate::sql::{
    Column, ColumnDefault, ColumnType, Enum, Extension, ForeignKey, Immutable, Index, IndexColumn, IndexMethod,
    PrimaryKey, QualifiedName, ReferentialAction, SqlSchema, Table,
};

/// The schema `schema` of the database behind `conn`. Its names are
/// unqualified (`QualifiedName.schema` is `None`).
pub async fn introspect(conn: &mut PgConnection, schema: &str) -> Result<SqlSchema> {
    introspect_namespaces(conn, schema, &[]).await
}

/// [`introspect`] plus the tables and enums of other `namespaces` (Prisma's
/// multiSchema), qualified with their namespace; those that exist are the
/// model's `namespaces`.
pub async fn introspect_namespaces(conn: &mut PgConnection, schema: &str, namespaces: &[&str]) -> Result<SqlSchema> {
    let mut wanted: Vec<String> = namespaces.iter().map(|n| (*n).to_owned()).collect();
    wanted.push(schema.to_owned());
    let reader = Reader { schema };

    let existing: Vec<String> = fetch(conn, "namespaces", include_str!("introspect/sql/namespaces.sql"), &wanted)
        .await?
        .iter()
        .map(|row| row.try_get("name"))
        .collect::<Result<_, _>>()?;
    if !existing.iter().any(|n| n == schema) {
        anyhow::bail!("the database has no schema \"{schema}\"");
    }
    let mut other_namespaces: Vec<String> = existing.into_iter().filter(|n| n != schema).collect();
    other_namespaces.sort();

    let mut tables: HashMap<QualifiedName, Table> = HashMap::default();
    for row in fetch(conn, "tables", include_str!("introspect/sql/tables.sql"), &wanted).await? {
        let name = reader.name(&row, "namespace", "name")?;
        let table = Table {
            name: name.clone(),
            columns: Vec::new(),
            primary_key: None,
            indexes: Vec::new(),
            foreign_keys: Vec::new(),
            immutable: None,
        };
        tables.insert(name, table);
    }
    for row in fetch(conn, "columns", include_str!("introspect/sql/columns.sql"), &wanted).await? {
        if let Some(table) = tables.get_mut(&reader.name(&row, "namespace", "table_name")?) {
            table.columns.push(reader.column(&row)?);
        }
    }
    for row in fetch(conn, "indexes", include_str!("introspect/sql/indexes.sql"), &wanted).await? {
        if let Some(table) = tables.get_mut(&reader.name(&row, "namespace", "table_name")?) {
            add_index(table, &row)?;
        }
    }
    for row in fetch(conn, "foreign keys", include_str!("introspect/sql/foreign_keys.sql"), &wanted).await? {
        if let Some(table) = tables.get_mut(&reader.name(&row, "namespace", "table_name")?) {
            table.foreign_keys.push(reader.foreign_key(&row)?);
        }
    }
    for row in fetch(conn, "immutability triggers", include_str!("introspect/sql/immutable.sql"), &wanted).await? {
        if let Some(table) = tables.get_mut(&reader.name(&row, "namespace", "table_name")?) {
            table.immutable =
                Some(Immutable { allow_update: trigger_arguments(&row.try_get::<Vec<u8>, _>("arguments")?) });
        }
    }
    let mut enums = Vec::new();
    for row in fetch(conn, "enums", include_str!("introspect/sql/enums.sql"), &wanted).await? {
        enums.push(Enum { name: reader.name(&row, "namespace", "name")?, values: row.try_get("values")? });
    }
    let mut extensions = Vec::new();
    for row in fetch(conn, "extensions", include_str!("introspect/sql/extensions.sql"), &wanted).await? {
        let namespace: String = row.try_get("namespace")?;
        extensions.push(Extension {
            name: row.try_get("name")?,
            schema: (namespace != schema).then_some(namespace),
            // The differ leaves versions alone: an upgrade is not drift.
            version: None,
        });
    }

    let mut tables: Vec<Table> = tables.into_values().collect();
    for table in &mut tables {
        table.indexes.sort_by(|a, b| a.name.cmp(&b.name));
        table.foreign_keys.sort_by(|a, b| a.name.cmp(&b.name));
    }
    tables.sort_by(|a, b| a.name.cmp(&b.name));
    enums.sort_by(|a, b| a.name.cmp(&b.name));
    extensions.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(SqlSchema { namespaces: other_namespaces, extensions, ignores_extensions: false, enums, tables })
}

/// Runs the catalog query for one kind of object over the namespaces `$1`.
async fn fetch(conn: &mut PgConnection, kind: &str, query: &'static str, namespaces: &[String]) -> Result<Vec<PgRow>> {
    sqlx::query(query)
        .bind(namespaces)
        .fetch_all(conn)
        .await
        .with_context(|| format!("cannot read the {kind} of the database"))
}

/// Reads catalog rows relative to the introspected schema, whose names
/// stay unqualified.
struct Reader<'a> {
    schema: &'a str,
}

impl Reader<'_> {
    fn qualified(&self, namespace: String, name: String) -> QualifiedName {
        QualifiedName { schema: (namespace != self.schema).then_some(namespace), name }
    }

    fn name(&self, row: &PgRow, namespace: &str, name: &str) -> Result<QualifiedName> {
        Ok(self.qualified(row.try_get(namespace)?, row.try_get(name)?))
    }

    fn column(&self, row: &PgRow) -> Result<Column> {
        let base_name: String = row.try_get("base_name")?;
        let base_kind: String = row.try_get("base_kind")?;
        let base_namespace: String = row.try_get("base_namespace")?;
        let typmod: i32 = row.try_get("typmod")?;
        let array: bool = row.try_get("is_array")?;
        let ty = if base_kind == "e" {
            ColumnType::Enum(self.qualified(base_namespace, base_name))
        } else {
            match builtin_type(&base_name, &base_namespace, typmod) {
                Some(name) => ColumnType::Builtin(name),
                // `Unsupported("circle")[]` is an array of circles.
                None => ColumnType::Unsupported(row.try_get("base_formatted")?),
            }
        };
        let printed: Option<String> = row.try_get("default_expr")?;
        let default = if row.try_get::<bool, _>("generated")? {
            // A generated column's expression is not a default: inserts
            // cannot override it. Prisma cannot declare one.
            None
        } else if row.try_get::<bool, _>("serial")? && is_serial_type(&ty, array) {
            Some(ColumnDefault::Sequence)
        } else {
            printed.as_deref().map(defaults::normalize)
        };
        Ok(Column { name: row.try_get("name")?, ty, array, nullable: !row.try_get::<bool, _>("not_null")?, default })
    }

    fn foreign_key(&self, row: &PgRow) -> Result<ForeignKey> {
        Ok(ForeignKey {
            name: row.try_get("name")?,
            columns: row.try_get("columns")?,
            referenced_table: self.name(row, "referenced_namespace", "referenced_table")?,
            referenced_columns: row.try_get("referenced_columns")?,
            on_delete: referential_action(&row.try_get::<String, _>("on_delete")?)?,
            on_update: referential_action(&row.try_get::<String, _>("on_update")?)?,
        })
    }
}

/// A type Prisma has a name for, spelled as Prisma Migrate writes it; `None`
/// for anything else, which is `Unsupported`.
fn builtin_type(name: &str, namespace: &str, typmod: i32) -> Option<String> {
    // citext comes from an extension, installed in any schema.
    if name == "citext" {
        return Some("CITEXT".to_owned());
    }
    if namespace != "pg_catalog" {
        return None;
    }
    let plain = match name {
        "text" => "TEXT",
        "int4" => "INTEGER",
        "int8" => "BIGINT",
        "int2" => "SMALLINT",
        "float8" => "DOUBLE PRECISION",
        "float4" => "REAL",
        "bool" => "BOOLEAN",
        "date" => "DATE",
        "jsonb" => "JSONB",
        "json" => "JSON",
        "bytea" => "BYTEA",
        "uuid" => "UUID",
        "inet" => "INET",
        "xml" => "XML",
        "money" => "MONEY",
        "oid" => "OID",
        _ => "",
    };
    if !plain.is_empty() {
        return Some(plain.to_owned());
    }
    // The type modifier's layout is per type: a length plus the 4-byte
    // varlena header for character types, the bare length or precision for
    // bit strings and times.
    let (base, argument) = match name {
        "varchar" => ("VARCHAR", (typmod >= 4).then(|| (typmod - 4).to_string())),
        "bpchar" if typmod >= 4 => ("CHAR", Some((typmod - 4).to_string())),
        // `bpchar` without a length is unbounded, which Prisma cannot write
        // (its `CHAR` without one is `CHAR(1)`).
        "bpchar" => return None,
        "bit" => ("BIT", (typmod >= 0).then(|| typmod.to_string())),
        "varbit" => ("VARBIT", (typmod >= 0).then(|| typmod.to_string())),
        "timestamp" => ("TIMESTAMP", (typmod >= 0).then(|| typmod.to_string())),
        "timestamptz" => ("TIMESTAMPTZ", (typmod >= 0).then(|| typmod.to_string())),
        "time" => ("TIME", (typmod >= 0).then(|| typmod.to_string())),
        "timetz" => ("TIMETZ", (typmod >= 0).then(|| typmod.to_string())),
        "numeric" => ("DECIMAL", numeric_arguments(typmod)?),
        _ => return None,
    };
    Some(match argument {
        Some(argument) => format!("{base}({argument})"),
        None => base.to_owned(),
    })
}

/// `p,s` of a numeric type modifier; `Some(None)` without one. PostgreSQL 15
/// allows a negative scale or one above the precision, which Prisma
/// cannot write (`None`).
fn numeric_arguments(typmod: i32) -> Option<Option<String>> {
    if typmod < 4 {
        return Some(None);
    }
    let packed = typmod - 4;
    let precision = (packed >> 16) & 0xffff;
    let scale = ((packed & 0x7ff) ^ 1024) - 1024;
    (0..=precision).contains(&scale).then(|| Some(format!("{precision},{scale}")))
}

/// Whether a column with a sequence of its own is what `SERIAL`,
/// `BIGSERIAL` or `SMALLSERIAL` creates.
fn is_serial_type(ty: &ColumnType, array: bool) -> bool {
    !array && matches!(ty, ColumnType::Builtin(name) if matches!(name.as_str(), "INTEGER" | "BIGINT" | "SMALLINT"))
}

fn add_index(table: &mut Table, row: &PgRow) -> Result<()> {
    let names: Vec<String> = row.try_get("columns")?;
    let descending: Vec<bool> = row.try_get("descending")?;
    let classes: Vec<Option<String>> = row.try_get("operator_classes")?;
    let columns: Vec<IndexColumn> = names
        .into_iter()
        .zip(descending)
        .zip(classes)
        .map(|((name, descending), operator_class)| IndexColumn { name, descending, operator_class })
        .collect();
    let name: String = row.try_get("name")?;
    if row.try_get("is_primary")? {
        table.primary_key = Some(PrimaryKey { name, columns });
        return Ok(());
    }
    let method = match row.try_get::<String, _>("method")?.as_str() {
        "hash" => Some(IndexMethod::Hash),
        "gist" => Some(IndexMethod::Gist),
        "gin" => Some(IndexMethod::Gin),
        "spgist" => Some(IndexMethod::SpGist),
        "brin" => Some(IndexMethod::Brin),
        // btree, and access methods from extensions the model has no name for.
        _ => None,
    };
    table.indexes.push(Index {
        name,
        unique: row.try_get("is_unique")?,
        columns,
        method,
        predicate: row.try_get::<Option<String>, _>("predicate")?.as_deref().map(crate::sql::normalize_predicate),
    });
    Ok(())
}

/// `pg_constraint.confdeltype` / `confupdtype`.
fn referential_action(code: &str) -> Result<ReferentialAction> {
    Ok(match code {
        "a" => ReferentialAction::NoAction,
        "r" => ReferentialAction::Restrict,
        "c" => ReferentialAction::Cascade,
        "n" => ReferentialAction::SetNull,
        "d" => ReferentialAction::SetDefault,
        other => anyhow::bail!("unknown referential action code {other:?} in pg_constraint"),
    })
}

/// A trigger's arguments from `pg_trigger.tgargs`, where each one ends in
/// a NUL byte; sorted, as the model keeps them.
fn trigger_arguments(bytes: &[u8]) -> Vec<String> {
    let mut arguments: Vec<String> = bytes
        .split(|b| *b == 0)
        .filter(|argument| !argument.is_empty())
        .map(|argument| String::from_utf8_lossy(argument).into_owned())
        .collect();
    arguments.sort();
    arguments
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_are_spelled_like_prisma_migrate() {
        assert_eq!(builtin_type("int4", "pg_catalog", -1).as_deref(), Some("INTEGER"));
        assert_eq!(builtin_type("float8", "pg_catalog", -1).as_deref(), Some("DOUBLE PRECISION"));
        assert_eq!(builtin_type("varchar", "pg_catalog", 259).as_deref(), Some("VARCHAR(255)"));
        assert_eq!(builtin_type("varchar", "pg_catalog", -1).as_deref(), Some("VARCHAR"));
        assert_eq!(builtin_type("bpchar", "pg_catalog", 7).as_deref(), Some("CHAR(3)"));
        assert_eq!(builtin_type("bpchar", "pg_catalog", -1), None);
        assert_eq!(builtin_type("bit", "pg_catalog", 8).as_deref(), Some("BIT(8)"));
        assert_eq!(builtin_type("varbit", "pg_catalog", -1).as_deref(), Some("VARBIT"));
        assert_eq!(builtin_type("timestamp", "pg_catalog", 3).as_deref(), Some("TIMESTAMP(3)"));
        assert_eq!(builtin_type("timestamptz", "pg_catalog", 0).as_deref(), Some("TIMESTAMPTZ(0)"));
        assert_eq!(builtin_type("timestamp", "pg_catalog", -1).as_deref(), Some("TIMESTAMP"));
        assert_eq!(builtin_type("citext", "extensions", -1).as_deref(), Some("CITEXT"));
        assert_eq!(builtin_type("uuid", "public", -1), None, "a user type that shadows a built-in name");
        assert_eq!(builtin_type("tsvector", "pg_catalog", -1), None);
    }

    #[test]
    fn numeric_modifiers_decode_to_precision_and_scale() {
        let typmod = |p: i32, s: i32| ((p << 16) | (s & 0x7ff)) + 4;
        assert_eq!(builtin_type("numeric", "pg_catalog", typmod(65, 30)).as_deref(), Some("DECIMAL(65,30)"));
        assert_eq!(builtin_type("numeric", "pg_catalog", typmod(10, 2)).as_deref(), Some("DECIMAL(10,2)"));
        assert_eq!(builtin_type("numeric", "pg_catalog", typmod(1000, 0)).as_deref(), Some("DECIMAL(1000,0)"));
        assert_eq!(builtin_type("numeric", "pg_catalog", -1).as_deref(), Some("DECIMAL"));
        assert_eq!(builtin_type("numeric", "pg_catalog", typmod(5, -2)), None);
        assert_eq!(builtin_type("numeric", "pg_catalog", typmod(2, 5)), None);
    }

    #[test]
    fn trigger_arguments_split_at_nul_and_sort() {
        assert_eq!(trigger_arguments(b"status\0amendedAt\0"), ["amendedAt", "status"]);
        assert_eq!(trigger_arguments(b""), Vec::<String>::new());
    }
}
