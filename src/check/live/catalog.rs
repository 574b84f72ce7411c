//! The live facts of the index and immutability checks: every index with
//! its definition, validity, scans and size; the statistics' clock;
//! foreign keys without an index; ehrdb's triggers, its trigger function,
//! the TRIGGER grants on tables, and where sessions get
//! `session_replication_role`.
//!
//! Takes a connection and the namespaces to read; returns one `Result`
//! per fact, so a refused query makes only its checks inconclusive. One
//! catalog query per fact for the whole database, never one per table:
//! a database of thousands of tables answers in one round trip each.
//! Every query reads and runs as an unnamed statement (a transaction-mode
//! pooler can carry it).

use sqlx::postgres::PgRow;
use sqlx::{PgConnection, Row};

use crate::sql::render::{ROW_TRIGGER, TRUNCATE_TRIGGER};
use crate::sql::{IMMUTABLE_FUNCTION, QualifiedName};

/// What the index checks read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexFacts {
    pub indexes: Result<Vec<LiveIndex>, String>,
    pub clock: Result<StatsClock, String>,
    pub unindexed_foreign_keys: Result<Vec<UnindexedForeignKey>, String>,
}

/// What the immutability checks read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImmutabilityFacts {
    /// ehrdb's triggers, by name or by the function they call.
    pub triggers: Result<Vec<LiveTrigger>, String>,
    /// Every `ehrdb_immutable()` trigger function in the namespaces.
    pub functions: Result<Vec<LiveFunction>, String>,
    /// TRIGGER privileges held by roles other than the owner.
    pub grants: Result<Vec<TriggerGrant>, String>,
    /// What `--probe` saw; `None` when it was not asked for.
    pub probe: Option<Result<Vec<crate::check::probe::TableProbe>, String>>,
    /// `session_replication_role` as sessions get it.
    pub replication_role: Result<ReplicationRole, String>,
}

/// Where sessions get `session_replication_role` from: with `replica`,
/// triggers enabled the ordinary way (ehrdb's among them) do not fire.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReplicationRole {
    /// This session's value and `pg_settings.source` (`default`,
    /// `configuration file`, `database`, `user`, ...).
    pub session: (String, String),
    /// ALTER ROLE / ALTER DATABASE settings of it that apply here.
    pub settings: Vec<RoleSetting>,
}

/// One `pg_db_role_setting` entry of `session_replication_role`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleSetting {
    /// `None`: every role.
    pub role: Option<String>,
    /// `None`: every database.
    pub database: Option<String>,
    pub value: String,
}

impl IndexFacts {
    /// A database without indexes or foreign keys, whose statistics began
    /// at `stats_reset` (seconds since the epoch) as seen at `now`.
    pub fn empty(now: i64, stats_reset: Option<i64>) -> IndexFacts {
        IndexFacts {
            indexes: Ok(Vec::new()),
            clock: Ok(StatsClock { now, stats_reset }),
            unindexed_foreign_keys: Ok(Vec::new()),
        }
    }
}

impl ImmutabilityFacts {
    /// A database without ehrdb's triggers, function or grants, not probed.
    pub fn empty() -> ImmutabilityFacts {
        ImmutabilityFacts {
            triggers: Ok(Vec::new()),
            functions: Ok(Vec::new()),
            grants: Ok(Vec::new()),
            probe: None,
            replication_role: Ok(ReplicationRole {
                session: ("origin".to_owned(), "default".to_owned()),
                settings: Vec::new(),
            }),
        }
    }
}

/// One index as PostgreSQL keys it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveIndex {
    pub table: QualifiedName,
    pub name: String,
    /// The access method: `btree`, `gin`, ...
    pub method: String,
    /// `pg_index.indkey` as text: column numbers, 0 for an expression.
    pub keys: String,
    /// `pg_index.indclass` as text: operator class oids.
    pub classes: String,
    pub expressions: Option<String>,
    pub predicate: Option<String>,
    pub primary: bool,
    pub unique: bool,
    pub exclusion: bool,
    /// A constraint (primary key, unique, exclusion, or a foreign key
    /// pointing at it) uses the index.
    pub backs_constraint: bool,
    pub valid: bool,
    /// Its leading columns are a foreign key's columns; read only for
    /// never-scanned valid indexes no constraint needs (false elsewhere).
    pub serves_foreign_key: bool,
    /// `idx_scan`; `None` without statistics (a partitioned parent).
    pub scans: Option<i64>,
    /// Bytes, read only where `serves_foreign_key` is.
    pub size: Option<i64>,
}

/// When the statistics began and what time it is, by the server's clock,
/// in seconds since the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatsClock {
    pub now: i64,
    /// `pg_stat_database.stats_reset`; `None` when never reset.
    pub stats_reset: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnindexedForeignKey {
    pub table: QualifiedName,
    pub name: String,
    pub columns: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveTrigger {
    pub table: QualifiedName,
    pub name: String,
    /// `pg_trigger.tgenabled`: `O`, `A`, `D` or `R`.
    pub enabled: String,
    /// `pg_trigger.tgtype`: the ROW, BEFORE and event bits.
    pub kind: i32,
    pub function: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiveFunction {
    pub namespace: String,
    /// `pg_proc.prosrc`: the text between the `$$`.
    pub body: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriggerGrant {
    pub table: QualifiedName,
    /// A role name, or `PUBLIC`.
    pub grantee: String,
}

const STATS_CLOCK: &str = "\
SELECT extract(epoch FROM now())::int8 AS now, extract(epoch FROM stats_reset)::int8 AS stats_reset
FROM pg_catalog.pg_stat_database WHERE datname = current_database()";

/// The index facts of the namespaces; `schema` is the target schema, whose
/// names stay unqualified.
pub(super) async fn index_facts(conn: &mut PgConnection, schema: &str, namespaces: &[String]) -> IndexFacts {
    let names = Names { schema };
    let indexes = rows(conn, "indexes", include_str!("indexes.sql"), namespaces)
        .await
        .and_then(|rows| rows.iter().map(|row| names.index(row)).collect::<Result<_, _>>().map_err(read_error));
    let clock = sqlx::query_as::<_, (i64, Option<i64>)>(STATS_CLOCK)
        .persistent(false)
        .fetch_one(&mut *conn)
        .await
        .map(|(now, stats_reset)| StatsClock { now, stats_reset })
        .map_err(|e| format!("cannot read pg_stat_database: {e}"));
    let sql = include_str!("unindexed_foreign_keys.sql");
    let unindexed_foreign_keys = rows(conn, "foreign keys", sql, namespaces).await.and_then(|rows| {
        rows.iter()
            .map(|row| {
                Ok(UnindexedForeignKey {
                    table: names.table(row)?,
                    name: row.try_get("name")?,
                    columns: row.try_get::<Option<Vec<String>>, _>("columns")?.unwrap_or_default(),
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(read_error)
    });
    IndexFacts { indexes, clock, unindexed_foreign_keys }
}

/// The immutability facts of the namespaces (not probed).
pub(super) async fn immutability_facts(
    conn: &mut PgConnection,
    schema: &str,
    namespaces: &[String],
) -> ImmutabilityFacts {
    let names = Names { schema };
    let trigger_names = [ROW_TRIGGER, TRUNCATE_TRIGGER];
    let triggers = sqlx::query(include_str!("triggers.sql"))
        .bind(namespaces)
        .bind(&trigger_names[..])
        .bind(IMMUTABLE_FUNCTION)
        .persistent(false)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| format!("cannot read the triggers (pg_trigger): {e}"))
        .and_then(|rows| {
            rows.iter()
                .map(|row| {
                    Ok(LiveTrigger {
                        table: names.table(row)?,
                        name: row.try_get("name")?,
                        enabled: row.try_get("enabled")?,
                        kind: row.try_get("kind")?,
                        function: row.try_get("function")?,
                    })
                })
                .collect::<Result<_, sqlx::Error>>()
                .map_err(read_error)
        });
    let functions = sqlx::query(include_str!("immutable_function.sql"))
        .bind(namespaces)
        .bind(IMMUTABLE_FUNCTION)
        .persistent(false)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| format!("cannot read the functions (pg_proc): {e}"))
        .and_then(|rows| {
            rows.iter()
                .map(|row| Ok(LiveFunction { namespace: row.try_get("namespace")?, body: row.try_get("body")? }))
                .collect::<Result<_, sqlx::Error>>()
                .map_err(read_error)
        });
    let grants =
        rows(conn, "table privileges", include_str!("trigger_grants.sql"), namespaces).await.and_then(|rows| {
            rows.iter()
                .map(|row| Ok(TriggerGrant { table: names.table(row)?, grantee: row.try_get("grantee")? }))
                .collect::<Result<_, sqlx::Error>>()
                .map_err(read_error)
        });
    let replication_role = replication_role(conn).await;
    ImmutabilityFacts { triggers, functions, grants, probe: None, replication_role }
}

const SESSION_REPLICATION_ROLE: &str =
    "SELECT setting, source FROM pg_catalog.pg_settings WHERE name = 'session_replication_role'";

async fn replication_role(conn: &mut PgConnection) -> Result<ReplicationRole, String> {
    let session = sqlx::query_as::<_, (String, String)>(SESSION_REPLICATION_ROLE)
        .persistent(false)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| format!("cannot read session_replication_role: {e}"))?;
    let settings = sqlx::query(include_str!("replication_role.sql"))
        .persistent(false)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| format!("cannot read the role and database settings (pg_db_role_setting): {e}"))?
        .iter()
        .map(|row| {
            Ok(RoleSetting {
                role: row.try_get("role_name")?,
                database: row.try_get("database_name")?,
                value: row.try_get("value")?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(read_error)?;
    Ok(ReplicationRole { session, settings })
}

async fn rows(conn: &mut PgConnection, what: &str, sql: &str, namespaces: &[String]) -> Result<Vec<PgRow>, String> {
    sqlx::query(sql)
        .bind(namespaces)
        .persistent(false)
        .fetch_all(conn)
        .await
        .map_err(|e| format!("cannot read the {what} of the database: {e}"))
}

fn read_error(error: sqlx::Error) -> String {
    format!("unexpected catalog row: {error}")
}

/// Names relative to the target schema, as introspection spells them.
struct Names<'a> {
    schema: &'a str,
}

impl Names<'_> {
    fn table(&self, row: &PgRow) -> Result<QualifiedName, sqlx::Error> {
        let namespace: String = row.try_get("namespace")?;
        Ok(QualifiedName { schema: (namespace != self.schema).then_some(namespace), name: row.try_get("table_name")? })
    }

    fn index(&self, row: &PgRow) -> Result<LiveIndex, sqlx::Error> {
        Ok(LiveIndex {
            table: self.table(row)?,
            name: row.try_get("name")?,
            method: row.try_get("method")?,
            keys: row.try_get("keys")?,
            classes: row.try_get("classes")?,
            expressions: row.try_get("expressions")?,
            predicate: row.try_get("predicate")?,
            primary: row.try_get("is_primary")?,
            unique: row.try_get("is_unique")?,
            exclusion: row.try_get("is_exclusion")?,
            backs_constraint: row.try_get("backs_constraint")?,
            valid: row.try_get("is_valid")?,
            serves_foreign_key: row.try_get("serves_foreign_key")?,
            scans: row.try_get("scans")?,
            size: row.try_get("size")?,
        })
    }
}
