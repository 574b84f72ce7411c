//! The replication facts: on the server checked, its replication slots and
//! the standbys streaming from it; on each replica named with `--replica`,
//! whether it is one, how far behind it is, what cancels its long queries,
//! its index statistics and ehrdb's triggers.
//!
//! Takes open connections and returns plain facts, each `Result` holding
//! why it could not be read. Every query reads; nothing is written.

use sqlx::{PgConnection, Row};

use super::catalog::{self, IndexFacts, LiveTrigger};

/// What the server checked says about replication.
#[derive(Debug, Clone, PartialEq)]
pub struct Primary {
    /// `pg_is_in_recovery()`: the server checked is itself a standby.
    pub in_recovery: bool,
    pub slots: Vec<Slot>,
    pub standbys: Vec<Standby>,
    /// `pg_current_wal_lsn()`, to measure the replicas by; `None` on a standby.
    pub current_lsn: Option<String>,
}

/// One row of `pg_replication_slots`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slot {
    pub name: String,
    /// `physical` or `logical`.
    pub kind: String,
    pub active: bool,
    /// WAL the slot keeps on the primary's disk, from its restart LSN.
    pub retained_bytes: Option<i64>,
}

/// One row of `pg_stat_replication`: a standby streaming now.
#[derive(Debug, Clone, PartialEq)]
pub struct Standby {
    pub name: String,
    pub client: Option<String>,
    pub state: String,
    pub replay_lag_seconds: Option<f64>,
    pub behind_bytes: Option<i64>,
}

/// A replica named with `--replica`.
#[derive(Debug)]
pub struct Replica {
    /// Its URL with the password masked.
    pub shown: String,
    pub facts: Result<ReplicaFacts, String>,
}

/// What a replica answered.
#[derive(Debug)]
pub struct ReplicaFacts {
    pub in_recovery: bool,
    pub hot_standby_feedback: bool,
    /// Milliseconds a conflicting query may delay replay before it is
    /// cancelled; -1 waits without limit.
    pub max_standby_streaming_delay_ms: i64,
    /// How far its replay is behind the primary's current WAL position.
    pub behind_bytes: Option<i64>,
    pub indexes: IndexFacts,
    pub triggers: Result<Vec<LiveTrigger>, String>,
}

const PRIMARY: &str =
    "SELECT pg_is_in_recovery(), CASE WHEN pg_is_in_recovery() THEN NULL ELSE pg_current_wal_lsn()::text END";

const SLOTS: &str = "\
SELECT slot_name::text, slot_type, active,
       CASE WHEN restart_lsn IS NOT NULL AND NOT pg_is_in_recovery()
            THEN pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::int8 END AS retained_bytes
FROM pg_catalog.pg_replication_slots ORDER BY 1";

const STANDBYS: &str = "\
SELECT coalesce(nullif(application_name, ''), 'pid ' || pid)::text, client_addr::text, state,
       extract(epoch FROM replay_lag)::float8,
       CASE WHEN replay_lsn IS NOT NULL THEN pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::int8 END
FROM pg_catalog.pg_stat_replication ORDER BY 1";

const REPLICA: &str = "\
SELECT pg_is_in_recovery(), current_setting('hot_standby_feedback') = 'on',
       (SELECT setting::int8 * CASE unit WHEN 's' THEN 1000 ELSE 1 END
          FROM pg_catalog.pg_settings WHERE name = 'max_standby_streaming_delay'),
       CASE WHEN $1::text IS NOT NULL AND pg_is_in_recovery()
            THEN pg_wal_lsn_diff($1::pg_lsn, pg_last_wal_replay_lsn())::int8 END";

/// The replication facts of the server checked.
pub(super) async fn primary(conn: &mut PgConnection) -> Result<Primary, String> {
    fn failed(what: &'static str) -> impl Fn(sqlx::Error) -> String {
        move |e| format!("cannot read {what}: {e}")
    }
    let (in_recovery, current_lsn): (bool, Option<String>) =
        sqlx::query_as(PRIMARY).persistent(false).fetch_one(&mut *conn).await.map_err(failed("the WAL position"))?;
    let slots = sqlx::query(SLOTS)
        .persistent(false)
        .fetch_all(&mut *conn)
        .await
        .map_err(failed("pg_replication_slots"))?
        .iter()
        .map(|row| {
            Ok(Slot {
                name: row.try_get(0)?,
                kind: row.try_get(1)?,
                active: row.try_get(2)?,
                retained_bytes: row.try_get(3)?,
            })
        })
        .collect::<Result<_, sqlx::Error>>()
        .map_err(failed("pg_replication_slots"))?;
    let standbys = if in_recovery {
        Vec::new()
    } else {
        sqlx::query_as::<_, (String, Option<String>, String, Option<f64>, Option<i64>)>(STANDBYS)
            .persistent(false)
            .fetch_all(&mut *conn)
            .await
            .map_err(failed("pg_stat_replication"))?
            .into_iter()
            .map(|(name, client, state, replay_lag_seconds, behind_bytes)| Standby {
                name,
                client,
                state,
                replay_lag_seconds,
                behind_bytes,
            })
            .collect()
    };
    Ok(Primary { in_recovery, slots, standbys, current_lsn })
}

/// The facts of one replica; `primary_lsn` is the primary's WAL position
/// read just before.
pub async fn replica(
    conn: &mut PgConnection,
    schema: &str,
    namespaces: &[String],
    primary_lsn: Option<&str>,
) -> Result<ReplicaFacts, String> {
    let (in_recovery, hot_standby_feedback, max_standby_streaming_delay_ms, behind_bytes): (
        bool,
        bool,
        Option<i64>,
        Option<i64>,
    ) = sqlx::query_as(REPLICA)
        .bind(primary_lsn)
        .persistent(false)
        .fetch_one(&mut *conn)
        .await
        .map_err(|e| format!("cannot read its recovery state: {e}"))?;
    let indexes = catalog::index_facts(conn, schema, namespaces).await;
    let triggers = catalog::immutability_facts(conn, schema, namespaces).await.triggers;
    Ok(ReplicaFacts {
        in_recovery,
        hot_standby_feedback,
        max_standby_streaming_delay_ms: max_standby_streaming_delay_ms.unwrap_or(30_000),
        behind_bytes,
        indexes,
        triggers,
    })
}
