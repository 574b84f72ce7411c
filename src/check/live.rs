//! What the live checks read from the server, gathered once before any
//! check runs.
//!
//! Takes an open connection, the target and the schema's relational model;
//! returns a [`Server`] holding each answer, or for each one the reason it
//! could not be read (a role without the right to read a catalog), so a
//! refused query makes only the checks that need it inconclusive. Every
//! query here reads; nothing sets, writes or locks. Statements are
//! unnamed, so a transaction-mode pooler (`pgbouncer=true`) can carry them.
//! Gathering first keeps the checks themselves plain functions of their
//! inputs.

use anyhow::Context;
use sqlx::{PgConnection, Row};

mod catalog;
pub mod replication;

pub use catalog::{
    ImmutabilityFacts, IndexFacts, LiveFunction, LiveIndex, LiveTrigger, ReplicationRole, RoleSetting, StatsClock,
    TriggerGrant, UnindexedForeignKey,
};

use crate::db::history::{self, AppliedMigration};
use crate::db::introspect;
use crate::sql::SqlSchema;

/// The live side of the inputs.
#[derive(Debug)]
pub enum Live {
    /// No URL anywhere: live checks are skipped.
    NoUrl,
    /// A URL that did not connect, with the (password-free) error.
    Unreachable(String),
    Connected(Box<Server>),
}

/// The server's answers; each `Err` holds why that one is unknown.
#[derive(Debug)]
pub struct Server {
    /// `server_version`, e.g. `16.4`.
    pub version: String,
    /// `server_version_num`, e.g. `160004`.
    pub version_num: i32,
    pub settings: Result<Settings, String>,
    /// `pg_stat_ssl` for this session.
    pub session_ssl: Result<SessionSsl, String>,
    /// Client sessions in `pg_stat_activity`, this one included.
    pub client_connections: Result<i64, String>,
    /// Names of the installed extensions.
    pub extensions: Result<Vec<String>, String>,
    /// The rows of the history table in the target schema.
    pub history: Result<Vec<AppliedMigration>, String>,
    /// The target schema (and the schema's other namespaces), introspected.
    pub catalog: Result<SqlSchema, String>,
    /// pg_hba.conf as `pg_hba_file_rules` reads it now (the file, which may
    /// be newer than what the server loaded).
    pub hba_rules: Result<Vec<HbaRule>, String>,
    /// `inet_server_port()`: the port the server took this session on;
    /// `None` over a Unix socket.
    pub server_port: Result<Option<i32>, String>,
    /// Replication slots and streaming standbys.
    pub replication: Result<replication::Primary, String>,
    /// What two connections of ehrdb's own showed about a pooler in the
    /// way ([`crate::db::pooler`]); `None` until asked.
    pub pooler: Option<Result<crate::db::pooler::Pooler, String>>,
    /// Indexes, their statistics, and foreign keys without one.
    pub indexes: IndexFacts,
    /// ehrdb's triggers, its function, TRIGGER grants, and the probe.
    pub immutability: ImmutabilityFacts,
}

/// Server settings the checks read, from `pg_settings` in their base units.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub ssl: bool,
    pub ssl_min_protocol_version: String,
    pub max_connections: i64,
    pub superuser_reserved_connections: i64,
    /// PostgreSQL 16 and later: slots kept for roles with
    /// pg_use_reserved_connections.
    pub reserved_connections: Option<i64>,
    /// Milliseconds; -1 logs no statement for its duration.
    pub log_min_duration_statement: i64,
}

/// This session's row of `pg_stat_ssl`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionSsl {
    pub ssl: bool,
    /// `TLSv1.3`, `TLSv1.2`, ...; `None` without TLS.
    pub version: Option<String>,
}

/// One line of pg_hba.conf, as `pg_hba_file_rules` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HbaRule {
    /// The file's name (PostgreSQL 16 and later, which allow included
    /// files); `None` before.
    pub file: Option<String>,
    pub line: i32,
    /// `local`, `host`, `hostssl`, `hostnossl`, `hostgssenc`, `hostnogssenc`;
    /// `None` on a line with an error.
    pub kind: Option<String>,
    pub databases: Vec<String>,
    pub users: Vec<String>,
    /// An IP address, a host name, `all`, `samehost` or `samenet`; `None`
    /// for `local`.
    pub address: Option<String>,
    pub netmask: Option<String>,
    pub auth_method: Option<String>,
    /// Why the server cannot use the line.
    pub error: Option<String>,
}

const SETTINGS: &str = "\
SELECT name, setting FROM pg_catalog.pg_settings
WHERE name IN ('ssl', 'ssl_min_protocol_version', 'max_connections', 'superuser_reserved_connections',
               'reserved_connections', 'log_min_duration_statement')";

const SESSION_SSL: &str = "SELECT ssl, version FROM pg_catalog.pg_stat_ssl WHERE pid = pg_catalog.pg_backend_pid()";

const CLIENT_CONNECTIONS: &str =
    "SELECT count(*) FROM pg_catalog.pg_stat_activity WHERE backend_type = 'client backend'";

const EXTENSIONS: &str = "SELECT extname::text FROM pg_catalog.pg_extension ORDER BY 1";

/// In file order, as the server matches them (the view lists them so).
const HBA_RULES: &str = "\
SELECT {file}, line_number, type, database, user_name, address, netmask, auth_method, error
FROM pg_catalog.pg_hba_file_rules";

const SERVER_PORT: &str = "SELECT inet_server_port()";

/// Asks the server everything the live checks need. Only a failure to read
/// the server's version is an `Err`: the connection is not usable then.
pub async fn gather(conn: &mut PgConnection, schema: &str, lowered: Option<&SqlSchema>) -> anyhow::Result<Server> {
    let (version, version_num): (String, String) =
        sqlx::query_as("SELECT current_setting('server_version'), current_setting('server_version_num')")
            .persistent(false)
            .fetch_one(&mut *conn)
            .await
            .context("cannot read the server's version")?;
    let settings = settings(conn).await;
    let session_ssl = sqlx::query_as::<_, (bool, Option<String>)>(SESSION_SSL)
        .persistent(false)
        .fetch_one(&mut *conn)
        .await
        .map(|(ssl, version)| SessionSsl { ssl, version })
        .map_err(|e| format!("cannot read pg_stat_ssl: {e}"));
    let client_connections = sqlx::query_scalar::<_, i64>(CLIENT_CONNECTIONS)
        .persistent(false)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| format!("cannot read pg_stat_activity: {e}"));
    let extensions = sqlx::query_scalar::<_, String>(EXTENSIONS)
        .persistent(false)
        .fetch_all(&mut *conn)
        .await
        .map_err(|e| format!("cannot read pg_extension: {e}"));
    let history = history::read(conn, schema).await.map_err(|e| format!("{e:#}"));
    let namespaces: Vec<&str> = lowered.map(|l| l.namespaces.iter().map(String::as_str).collect()).unwrap_or_default();
    let catalog = introspect::introspect_namespaces(conn, schema, &namespaces).await.map_err(|e| format!("{e:#}"));
    let version_num = version_num.parse().unwrap_or(0);
    let hba_rules = hba_rules(conn, version_num).await;
    let server_port = sqlx::query_scalar::<_, Option<i32>>(SERVER_PORT)
        .persistent(false)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| format!("cannot read inet_server_port(): {e}"));
    let wanted = self::namespaces(schema, lowered);
    let indexes = catalog::index_facts(conn, schema, &wanted).await;
    let immutability = catalog::immutability_facts(conn, schema, &wanted).await;
    let replication = replication::primary(conn).await;
    Ok(Server {
        version,
        version_num,
        settings,
        session_ssl,
        client_connections,
        extensions,
        history,
        catalog,
        hba_rules,
        server_port,
        replication,
        pooler: None,
        indexes,
        immutability,
    })
}

type HbaRow = (
    Option<String>,
    Option<i32>,
    Option<String>,
    Option<Vec<String>>,
    Option<Vec<String>>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
);

/// The rules of pg_hba.conf; a role that may not read them gets a reason
/// that says who may.
async fn hba_rules(conn: &mut PgConnection, version_num: i32) -> Result<Vec<HbaRule>, String> {
    let file = if version_num >= 160000 { "file_name" } else { "NULL::text" };
    let rows =
        sqlx::query_as::<_, HbaRow>(&HBA_RULES.replace("{file}", file)).persistent(false).fetch_all(&mut *conn).await;
    let rows = match rows {
        Ok(rows) => rows,
        Err(sqlx::Error::Database(e)) if e.code().as_deref() == Some("42501") => {
            let role = sqlx::query_scalar("SELECT current_user::text")
                .persistent(false)
                .fetch_one(&mut *conn)
                .await
                .map(|role: String| format!("ehrdb's role \"{role}\""))
                .unwrap_or_else(|_| "ehrdb's role".to_owned());
            return Err(format!(
                "pg_hba_file_rules is readable only by superusers and by roles granted SELECT on it and EXECUTE on \
                 the function pg_hba_file_rules(), and {role} is neither"
            ));
        }
        Err(e) => return Err(format!("cannot read pg_hba_file_rules: {e}")),
    };
    Ok(rows
        .into_iter()
        .map(|(file, line, kind, databases, users, address, netmask, auth_method, error)| HbaRule {
            file,
            line: line.unwrap_or(0),
            kind,
            databases: databases.unwrap_or_default(),
            users: users.unwrap_or_default(),
            address,
            netmask,
            auth_method,
            error,
        })
        .collect())
}

/// The facts of the index and immutability checks, from the target schema
/// and the schema's other namespaces.
/// The namespaces the live checks read: the schema's and the target one.
pub fn namespaces(schema: &str, lowered: Option<&SqlSchema>) -> Vec<String> {
    let mut wanted: Vec<String> = lowered.map(|l| l.namespaces.clone()).unwrap_or_default();
    wanted.push(schema.to_owned());
    wanted
}

async fn settings(conn: &mut PgConnection) -> Result<Settings, String> {
    let rows = sqlx::query(SETTINGS)
        .persistent(false)
        .fetch_all(conn)
        .await
        .map_err(|e| format!("cannot read pg_settings: {e}"))?;
    let mut found = std::collections::BTreeMap::new();
    for row in rows {
        let name: String = row.try_get("name").map_err(|e| e.to_string())?;
        let setting: String = row.try_get("setting").map_err(|e| e.to_string())?;
        found.insert(name, setting);
    }
    let text = |name: &str| found.get(name).cloned().ok_or_else(|| format!("pg_settings has no {name}"));
    let number = |name: &str| {
        let value = text(name)?;
        value.parse::<i64>().map_err(|_| format!("pg_settings: {name} is {value:?}, not a number"))
    };
    Ok(Settings {
        ssl: text("ssl")? == "on",
        ssl_min_protocol_version: text("ssl_min_protocol_version")?,
        max_connections: number("max_connections")?,
        superuser_reserved_connections: number("superuser_reserved_connections")?,
        reserved_connections: found
            .contains_key("reserved_connections")
            .then(|| number("reserved_connections"))
            .transpose()?,
        log_min_duration_statement: number("log_min_duration_statement")?,
    })
}
