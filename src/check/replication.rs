//! Replication: the primary's slots and standbys, and each replica named
//! with `--replica`.
//!
//! Reads the server's [`super::live::replication::Primary`] facts and the
//! replicas' answers. A slot that no standby reads keeps WAL on the
//! primary's disk until it fills; a standby far behind serves stale reads
//! and fails over with a gap; a replica that cancels queries which conflict
//! with replay breaks the month-end report run there; and a replica is the
//! database after a failover, so it must carry ehrdb's triggers too.

use super::live::replication::ReplicaFacts;
use super::{Area, Finding, Inputs, Priority, Spec, count, listed, server};
use crate::sql::render::{ROW_TRIGGER, TRUNCATE_TRIGGER, qualified};

const SLOTS: Spec = Spec {
    id: "replication-slot-inactive",
    area: Area::Replication,
    why: "A replication slot keeps every WAL segment its consumer has not confirmed; when the standby or the \
          logical consumer behind it is gone, the primary's WAL grows until its disk is full and every write \
          fails.",
    fix: "Start the consumer again, or drop the slot: SELECT pg_drop_replication_slot('<name>'). Set \
          max_slot_wal_keep_size so a forgotten slot cannot fill the disk.",
};

const LAG: Spec = Spec {
    id: "replication-lag",
    area: Area::Replication,
    why: "A standby behind the primary serves reads that miss recent writes (a note just signed, a case just \
          scheduled) and, on failover, loses what it had not replayed.",
    fix: "Find what slows replay (long queries on the replica with hot_standby_feedback, I/O, the network), and \
          alert on pg_stat_replication.replay_lag.",
};

const CONFLICTS: Spec = Spec {
    id: "replica-query-conflicts",
    area: Area::Replication,
    why: "On a streaming replica, replay cancels queries that conflict with it (vacuum removed rows they still \
          need) after max_standby_streaming_delay: a report longer than that fails with \"canceling statement \
          due to conflict with recovery\" unless hot_standby_feedback tells the primary to keep the rows.",
    fix: "On the replica: hot_standby_feedback = on (the primary keeps rows the replica's queries need, at some \
          bloat), or raise max_standby_streaming_delay (-1 waits, at the cost of lag) for a reporting replica.",
};

const TRIGGERS: Spec = Spec {
    id: "replica-immutable-triggers",
    area: Area::Replication,
    why: "A replica becomes the database after a failover: its catalog must hold ehrdb's triggers on every \
          immutable table, or the audit records become writable the moment it is promoted.",
    fix: "A streaming replica copies the primary's catalog: repair the primary (see immutable-triggers). A \
          logically replicated copy needs its own migrations: run `ehrdb apply` on it.",
};

/// Replay lag that is a finding: above a minute P1, above ten seconds P2.
const LAG_P1_SECONDS: f64 = 60.0;
const LAG_P2_SECONDS: f64 = 10.0;
/// Bytes of WAL behind that count as lag when there is no time to go by.
const LAG_P1_BYTES: i64 = 256 * 1024 * 1024;

fn mib(bytes: i64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

pub(super) fn no_slot_retains_wal_unread(inputs: &Inputs) -> Vec<Finding> {
    let server = match server(inputs) {
        Ok(server) => server,
        Err(reason) => return vec![SLOTS.skipped(reason)],
    };
    let primary = match &server.replication {
        Ok(primary) => primary,
        Err(why) => return vec![SLOTS.inconclusive(why.clone(), "")],
    };
    if primary.slots.is_empty() {
        return vec![SLOTS.passed("no replication slot")];
    }
    let inactive: Vec<String> = primary
        .slots
        .iter()
        .filter(|slot| !slot.active)
        .map(|slot| match slot.retained_bytes {
            Some(bytes) => format!("{} ({}, {} of WAL kept)", slot.name, slot.kind, mib(bytes)),
            None => format!("{} ({})", slot.name, slot.kind),
        })
        .collect();
    if inactive.is_empty() {
        return vec![SLOTS.passed(format!("{} in use by a consumer", count(primary.slots.len(), "slot")))];
    }
    vec![SLOTS.failed(
        Priority::P1,
        format!(
            "{} no consumer reads: {}",
            count(inactive.len(), "replication slot"),
            listed(inactive.len(), &inactive)
        ),
    )]
}

pub(super) fn replicas_keep_up(inputs: &Inputs) -> Vec<Finding> {
    let server = match server(inputs) {
        Ok(server) => server,
        Err(reason) => return vec![LAG.skipped(reason)],
    };
    let primary = match &server.replication {
        Ok(primary) => primary,
        Err(why) => return vec![LAG.inconclusive(why.clone(), "")],
    };
    // (name, seconds behind, bytes behind)
    let mut seen: Vec<(String, Option<f64>, Option<i64>)> = primary
        .standbys
        .iter()
        .map(|s| (format!("standby {}", s.name), s.replay_lag_seconds, s.behind_bytes))
        .collect();
    let mut unknown = Vec::new();
    for replica in &inputs.replicas {
        match &replica.facts {
            Ok(facts) if facts.in_recovery => seen.push((replica.shown.clone(), None, facts.behind_bytes)),
            Ok(_) => unknown.push(format!("{} is not a standby (pg_is_in_recovery() is false)", replica.shown)),
            Err(why) => unknown.push(format!("{}: {why}", replica.shown)),
        }
    }
    if seen.is_empty() && unknown.is_empty() {
        return vec![LAG.skipped("no standby streams from this server and no --replica is named")];
    }
    let describe = |(name, seconds, bytes): &(String, Option<f64>, Option<i64>)| {
        let mut parts = Vec::new();
        if let Some(seconds) = seconds {
            parts.push(format!("{seconds:.1} s behind"));
        }
        if let Some(bytes) = bytes {
            parts.push(format!("{} of WAL behind", mib(*bytes)));
        }
        if parts.is_empty() { format!("{name}: caught up") } else { format!("{name}: {}", parts.join(", ")) }
    };
    let severity = |(_, seconds, bytes): &(String, Option<f64>, Option<i64>)| {
        let seconds = seconds.unwrap_or(0.0);
        if seconds > LAG_P1_SECONDS || bytes.unwrap_or(0) > LAG_P1_BYTES {
            Some(Priority::P1)
        } else if seconds > LAG_P2_SECONDS {
            Some(Priority::P2)
        } else {
            None
        }
    };
    let mut findings = Vec::new();
    let worst = seen.iter().filter_map(severity).min();
    let text = seen.iter().map(describe).collect::<Vec<_>>().join("; ");
    match worst {
        Some(severity) => findings.push(LAG.failed(severity, text)),
        None if !seen.is_empty() => findings.push(LAG.passed(text)),
        None => {}
    }
    if !unknown.is_empty() {
        findings.push(LAG.inconclusive("a named replica did not tell how far behind it is", unknown.join("; ")));
    }
    findings
}

/// The named replicas that answered, and an inconclusive finding for each
/// one that did not; a skipped finding when none is named.
fn answering<'i>(inputs: &'i Inputs, spec: &Spec) -> (Vec<(&'i str, &'i ReplicaFacts)>, Vec<Finding>) {
    if inputs.replicas.is_empty() {
        return (Vec::new(), vec![spec.skipped("no --replica is named")]);
    }
    let mut answered = Vec::new();
    let mut findings = Vec::new();
    for replica in &inputs.replicas {
        match &replica.facts {
            Ok(facts) => answered.push((replica.shown.as_str(), facts)),
            Err(why) => findings.push(spec.inconclusive(format!("{} did not answer", replica.shown), why.clone())),
        }
    }
    (answered, findings)
}

pub(super) fn replicas_let_reports_finish(inputs: &Inputs) -> Vec<Finding> {
    let (replicas, mut findings) = answering(inputs, &CONFLICTS);
    if replicas.is_empty() {
        return findings;
    }
    let mut cancelling = Vec::new();
    let mut fine = Vec::new();
    for (shown, facts) in replicas {
        let delay = facts.max_standby_streaming_delay_ms;
        if facts.hot_standby_feedback {
            fine.push(format!("{shown} (hot_standby_feedback on)"));
        } else if delay < 0 {
            fine.push(format!("{shown} (max_standby_streaming_delay -1)"));
        } else {
            cancelling.push(format!(
                "{shown} cancels a query that conflicts with replay after {} s (hot_standby_feedback off)",
                delay / 1000
            ));
        }
    }
    if cancelling.is_empty() {
        findings.push(CONFLICTS.passed(format!("long queries run to the end on {}", fine.join(", "))));
    } else {
        findings.push(CONFLICTS.failed(Priority::P2, cancelling.join("; ")));
    }
    findings
}

pub(super) fn replicas_carry_the_immutability_triggers(inputs: &Inputs) -> Vec<Finding> {
    let (replicas, mut findings) = answering(inputs, &TRIGGERS);
    if replicas.is_empty() {
        return findings;
    }
    let Some(lowered) = &inputs.lowered else {
        return vec![TRIGGERS.skipped("the fragments have errors (see schema-valid)")];
    };
    let tables: Vec<_> = lowered.tables.iter().filter(|t| t.immutable.is_some()).map(|t| &t.name).collect();
    if tables.is_empty() {
        return vec![TRIGGERS.skipped("no model is marked @ehrdb.immutable")];
    }
    let mut carried = Vec::new();
    for (shown, facts) in replicas {
        let triggers = match &facts.triggers {
            Ok(triggers) => triggers,
            Err(why) => {
                findings.push(TRIGGERS.inconclusive(format!("{shown}: {why}"), ""));
                continue;
            }
        };
        let missing: Vec<String> = tables
            .iter()
            .flat_map(|table| [ROW_TRIGGER, TRUNCATE_TRIGGER].map(|name| (table, name)))
            .filter(|(table, name)| !triggers.iter().any(|t| t.table == ***table && t.name == *name))
            .map(|(table, name)| format!("{} {name}", qualified(table)))
            .collect();
        if missing.is_empty() {
            carried.push(shown);
        } else {
            findings.push(TRIGGERS.failed(
                Priority::P1,
                format!("{shown} lacks {}: {}", count(missing.len(), "trigger"), missing.join(", ")),
            ));
        }
    }
    if !carried.is_empty() {
        findings.push(TRIGGERS.passed(format!(
            "ehrdb's triggers on the {} are in the catalog of {} (a standby refuses writes; the triggers guard it once \
             promoted)",
            count(tables.len(), "immutable table"),
            carried.join(", ")
        )));
    }
    findings
}
