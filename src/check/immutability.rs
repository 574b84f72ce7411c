//! Immutability: every `@ehrdb.immutable` model's table is guarded by
//! ehrdb's triggers, and the guard holds.
//!
//! Reads the schema's relational model (which tables are marked) and the
//! live facts ([`super::live::ImmutabilityFacts`]): the row trigger
//! `ehrdb_immutable_row` (BEFORE UPDATE OR DELETE, FOR EACH ROW) and the
//! truncate trigger `ehrdb_immutable_truncate` (BEFORE TRUNCATE) on each
//! table, enabled for normal sessions (`tgenabled` O or A: D never fires,
//! R fires only in replica sessions), the shared function they call, and
//! who may add triggers. With `--probe` the database is asked directly
//! ([`super::probe`]).

use super::live::{LiveTrigger, Server};
use super::probe::{Attempt, TableProbe};
use super::{Area, Finding, Inputs, Priority, Spec, count, listed, server};
use crate::sql::render::{self, ROW_TRIGGER, TRUNCATE_TRIGGER, ident, qualified};
use crate::sql::{Change, IMMUTABLE_FUNCTION, QualifiedName};

const TRIGGERS: Spec = Spec {
    id: "immutable-triggers",
    area: Area::Immutability,
    why: "Audit and clinical records (events, status history, merges, access logs, notes) must never change \
          after they are written; without an enabled trigger the database accepts any UPDATE, DELETE or \
          TRUNCATE, and only application code stands in the way.",
    fix: "A disabled (D) or replica-only (R) trigger: ALTER TABLE <table> ENABLE TRIGGER <trigger>. A missing \
          one: create it again as the migration that made the model immutable does (`ehrdb diff` against the \
          database shows the SQL), and find out who removed it.",
};

const FUNCTION: Spec = Spec {
    id: "immutable-function",
    area: Area::Immutability,
    why: "Every immutable table's triggers call the one function \"ehrdb_immutable\"(); without it (or with a \
          changed body) no table is guarded.",
    fix: "Create it again with the CREATE OR REPLACE FUNCTION of the migration that made the first model \
          immutable (or `ehrdb debug lower --sql` of the schema), then run `ehrdb check --probe`.",
};

const UNMARKED: Spec = Spec {
    id: "immutable-unmarked",
    area: Area::Immutability,
    why: "A table guarded by ehrdb's triggers whose model is not marked refuses changes the schema says are \
          allowed: the application's updates fail, and the next migration of that model may drop the guard.",
    fix: "Mark the model /// @ehrdb.immutable (with allowUpdate where needed), or drop the triggers in a \
          migration if the table is meant to change.",
};

const PRIVILEGE: Spec = Spec {
    id: "immutable-trigger-privilege",
    area: Area::Immutability,
    why: "TRIGGER on a table lets a role add triggers of its own, which run in every session that writes to \
          the table; on an immutable table only its owner should manage triggers.",
    fix: "REVOKE TRIGGER ON <table> FROM <role>.",
};

const PROBE: Spec = Spec {
    id: "immutable-probe",
    area: Area::Immutability,
    why: "Triggers that look right in the catalog can still let changes through (a function edited by hand, \
          another trigger that gets there first); only trying a change shows that the database refuses it.",
    fix: "Repair the triggers and the function (see immutable-triggers and immutable-function), then run \
          `ehrdb check --probe` again.",
};

const REPLICATION_ROLE: Spec = Spec {
    id: "immutable-replication-role",
    area: Area::Immutability,
    why: "With session_replication_role = replica, triggers enabled the ordinary way do not fire: every session \
          that gets the setting (from ALTER ROLE ... SET, ALTER DATABASE ... SET or the server's configuration) \
          can UPDATE, DELETE and TRUNCATE the immutable tables, and the catalog still shows the triggers enabled.",
    fix: "ALTER ROLE <role> [IN DATABASE <db>] RESET session_replication_role (or ALTER DATABASE <db> RESET \
          session_replication_role; remove it from postgresql.conf), and find out who set it: only a superuser \
          can.",
};

/// How many tables a P2 finding names before "and N more"; a P0 names all.
const SHOWN: usize = 5;

/// `pg_trigger.tgtype` bits.
const ROW: i32 = 1;
const BEFORE: i32 = 2;
const DELETE: i32 = 8;
const UPDATE: i32 = 16;
const TRUNCATE: i32 = 32;

/// The live server and the tables the schema marks, or the finding that
/// says why the check has nothing to look at.
fn marked<'i>(inputs: &'i Inputs, spec: &Spec) -> Result<(&'i Server, Vec<&'i QualifiedName>), Vec<Finding>> {
    let server = server(inputs).map_err(|reason| vec![spec.skipped(reason)])?;
    let lowered =
        inputs.lowered.as_ref().ok_or_else(|| vec![spec.skipped("the fragments have errors (see schema-valid)")])?;
    let tables: Vec<&QualifiedName> =
        lowered.tables.iter().filter(|t| t.immutable.is_some()).map(|t| &t.name).collect();
    Ok((server, tables))
}

/// What is wrong with `table`'s trigger `name`, if anything.
fn trigger_problem(triggers: &[LiveTrigger], table: &QualifiedName, name: &str) -> Option<String> {
    let Some(trigger) = triggers.iter().find(|t| t.table == *table && t.name == name) else {
        return Some(format!("no {name} trigger"));
    };
    let (bits, events) = if name == ROW_TRIGGER {
        (ROW | BEFORE | UPDATE | DELETE, "BEFORE UPDATE OR DELETE FOR EACH ROW")
    } else {
        (BEFORE | TRUNCATE, "BEFORE TRUNCATE")
    };
    match trigger.enabled.as_str() {
        "D" => Some(format!("{name} is disabled (tgenabled D)")),
        "R" => Some(format!("{name} fires only in replica sessions, never in normal ones (tgenabled R)")),
        _ if trigger.function != IMMUTABLE_FUNCTION => Some(format!("{name} calls {}()", ident(&trigger.function))),
        _ if trigger.kind & bits != bits => Some(format!("{name} is not {events}")),
        _ => None,
    }
}

pub(super) fn every_immutable_table_has_its_triggers(inputs: &Inputs) -> Vec<Finding> {
    let (server, tables) = match marked(inputs, &TRIGGERS) {
        Ok(found) => found,
        Err(skipped) => return skipped,
    };
    if tables.is_empty() {
        return vec![TRIGGERS.skipped("no model is marked @ehrdb.immutable")];
    }
    let triggers = match &server.immutability.triggers {
        Ok(triggers) => triggers,
        Err(why) => return vec![TRIGGERS.inconclusive(why.clone(), "")],
    };
    // A table the database lacks is a pending migration (migrations-applied).
    let exists =
        |table: &QualifiedName| server.catalog.as_ref().map_or(true, |c| c.tables.iter().any(|t| t.name == *table));
    let (present, absent): (Vec<&QualifiedName>, Vec<&QualifiedName>) = tables.into_iter().partition(|t| exists(t));
    let mut problems = Vec::new();
    for table in &present {
        let found: Vec<String> =
            [ROW_TRIGGER, TRUNCATE_TRIGGER].iter().filter_map(|name| trigger_problem(triggers, table, name)).collect();
        if !found.is_empty() {
            problems.push(format!("{}: {}", qualified(table), found.join(", ")));
        }
    }
    if present.is_empty() {
        let why = format!("none of the {} is in the database yet", count(absent.len(), "immutable table"));
        return vec![TRIGGERS.skipped(format!("{why} (see migrations-applied)"))];
    }
    let absent = match absent.len() {
        0 => String::new(),
        n => format!("; {} not in the database yet (see migrations-applied)", count(n, "table")),
    };
    if problems.is_empty() {
        let seen = format!("{} with both triggers enabled{absent}", count(present.len(), "immutable table"));
        return vec![TRIGGERS.passed(seen)];
    }
    vec![TRIGGERS.failed(Priority::P0, format!("{}{absent}", problems.join("; ")))]
}

/// The body of ehrdb's function, between its `$$`, whitespace collapsed.
fn expected_body() -> String {
    let create = render::statements(&Change::CreateImmutableFunction).concat();
    let body = create.split("$$").nth(1).unwrap_or_default();
    body.split_whitespace().collect::<Vec<_>>().join(" ")
}

pub(super) fn the_trigger_function_is_ehrdbs(inputs: &Inputs) -> Vec<Finding> {
    let server = match server(inputs) {
        Ok(server) => server,
        Err(reason) => return vec![FUNCTION.skipped(reason)],
    };
    let any_marked = inputs.lowered.as_ref().is_some_and(|l| l.tables.iter().any(|t| t.immutable.is_some()));
    let any_trigger = server.immutability.triggers.as_ref().is_ok_and(|t| !t.is_empty());
    if !any_marked && !any_trigger {
        return vec![FUNCTION.skipped("no model is marked @ehrdb.immutable and no table has ehrdb's triggers")];
    }
    let functions = match &server.immutability.functions {
        Ok(functions) => functions,
        Err(why) => return vec![FUNCTION.inconclusive(why.clone(), "")],
    };
    let name = format!("{}()", ident(IMMUTABLE_FUNCTION));
    let expected = expected_body();
    let same = |body: &str| body.split_whitespace().collect::<Vec<_>>().join(" ") == expected;
    let finding = match functions.iter().find(|f| same(&f.body)).or(functions.first()) {
        None => FUNCTION.failed(Priority::P0, format!("{name} does not exist: no immutable table is guarded")),
        Some(function) if same(&function.body) => {
            FUNCTION.passed(format!("{}.{name} is ehrdb's", ident(&function.namespace)))
        }
        // ehrdb writes the body; any other body is someone's edit, and one
        // that no longer raises lets every change through unseen.
        Some(function) => FUNCTION.failed(
            Priority::P0,
            format!(
                "{}.{name} differs from the function ehrdb writes: the triggers run someone else's code, which \
                 may let changes through (--probe tries)",
                ident(&function.namespace)
            ),
        ),
    };
    vec![finding]
}

pub(super) fn no_session_skips_the_triggers(inputs: &Inputs) -> Vec<Finding> {
    let (server, tables) = match marked(inputs, &REPLICATION_ROLE) {
        Ok(found) => found,
        Err(skipped) => return skipped,
    };
    if tables.is_empty() {
        return vec![REPLICATION_ROLE.skipped("no model is marked @ehrdb.immutable")];
    }
    let role = match &server.immutability.replication_role {
        Ok(role) => role,
        Err(why) => return vec![REPLICATION_ROLE.inconclusive(why.clone(), "")],
    };
    let replica = |value: &str| value.trim().trim_matches(['\'', '"']).eq_ignore_ascii_case("replica");
    let mut bypasses: Vec<String> = role
        .settings
        .iter()
        .filter(|setting| replica(&setting.value))
        .map(|setting| match (&setting.role, &setting.database) {
            (Some(role), Some(database)) => format!("ALTER ROLE {role} IN DATABASE {database} SET it"),
            (Some(role), None) => format!("ALTER ROLE {role} SET it for every database"),
            (None, Some(database)) => format!("ALTER DATABASE {database} SET it for every role"),
            (None, None) => "ALTER ROLE ALL SET it".to_owned(),
        })
        .collect();
    let (value, source) = &role.session;
    // Role and database settings show up here as `user`, `database` or
    // `database user` and are listed above; the rest is server-wide.
    if replica(value) && !matches!(source.as_str(), "user" | "database" | "database user" | "session") {
        bypasses.push(format!("the server sets it ({source})"));
    }
    if bypasses.is_empty() {
        return vec![REPLICATION_ROLE.passed(format!(
            "no role, database or server setting makes session_replication_role replica (this session: {value})"
        ))];
    }
    vec![REPLICATION_ROLE.failed(
        Priority::P0,
        format!("session_replication_role = replica, so ehrdb's triggers do not fire: {}", bypasses.join("; ")),
    )]
}

pub(super) fn only_marked_tables_have_the_triggers(inputs: &Inputs) -> Vec<Finding> {
    let (server, tables) = match marked(inputs, &UNMARKED) {
        Ok(found) => found,
        Err(skipped) => return skipped,
    };
    let triggers = match &server.immutability.triggers {
        Ok(triggers) => triggers,
        Err(why) => return vec![UNMARKED.inconclusive(why.clone(), "")],
    };
    let mut unmarked: Vec<(&QualifiedName, Vec<String>)> = Vec::new();
    for trigger in triggers.iter().filter(|t| !tables.contains(&&t.table)) {
        match unmarked.iter_mut().find(|(table, _)| **table == trigger.table) {
            Some((_, names)) => names.push(trigger.name.clone()),
            None => unmarked.push((&trigger.table, vec![trigger.name.clone()])),
        }
    }
    if unmarked.is_empty() {
        return vec![UNMARKED.passed("only tables of @ehrdb.immutable models have ehrdb's triggers")];
    }
    let tables: Vec<String> =
        unmarked.iter().map(|(table, names)| format!("{} ({})", qualified(table), names.join(", "))).collect();
    let shown: Vec<String> = tables.iter().take(SHOWN).cloned().collect();
    vec![UNMARKED.failed(
        Priority::P2,
        format!(
            "{} with ehrdb's triggers, not marked in the schema: {}",
            count(tables.len(), "table"),
            listed(tables.len(), &shown)
        ),
    )]
}

pub(super) fn only_owners_may_add_triggers(inputs: &Inputs) -> Vec<Finding> {
    let (server, tables) = match marked(inputs, &PRIVILEGE) {
        Ok(found) => found,
        Err(skipped) => return skipped,
    };
    if tables.is_empty() {
        return vec![PRIVILEGE.skipped("no model is marked @ehrdb.immutable")];
    }
    let grants = match &server.immutability.grants {
        Ok(grants) => grants,
        Err(why) => return vec![PRIVILEGE.inconclusive(why.clone(), "")],
    };
    let held: Vec<String> = grants
        .iter()
        .filter(|g| tables.contains(&&g.table))
        .map(|g| format!("{} on {}", g.grantee, qualified(&g.table)))
        .collect();
    if held.is_empty() {
        let seen = format!("only the owners hold TRIGGER on the {}", count(tables.len(), "immutable table"));
        return vec![PRIVILEGE.passed(seen)];
    }
    let shown: Vec<String> = held.iter().take(SHOWN).cloned().collect();
    vec![PRIVILEGE.failed(Priority::P2, format!("TRIGGER held by {}", listed(held.len(), &shown)))]
}

pub(super) fn the_database_refuses_changes(inputs: &Inputs) -> Vec<Finding> {
    let (server, tables) = match marked(inputs, &PROBE) {
        Ok(found) => found,
        Err(skipped) => return skipped,
    };
    if tables.is_empty() {
        return vec![PROBE.skipped("no model is marked @ehrdb.immutable")];
    }
    let probes = match &server.immutability.probe {
        None => {
            return vec![
                PROBE.skipped("not asked for: --probe tries an UPDATE and a DELETE in a rolled-back transaction"),
            ];
        }
        Some(Err(why)) => return vec![PROBE.inconclusive(why.clone(), "")],
        Some(Ok(probes)) => probes,
    };
    let (mut allowed, mut undecided, mut refused) = (Vec::new(), Vec::new(), Vec::new());
    for probe in probes {
        let table = qualified(&probe.table);
        // One reason for both (an empty table, no privilege) is said once.
        if let (Attempt::Undecided(update), Attempt::Undecided(delete)) = (&probe.update, &probe.delete)
            && update == delete
        {
            undecided.push(format!("{table}: not tried ({update})"));
            continue;
        }
        for (operation, attempt) in [("UPDATE", &probe.update), ("DELETE", &probe.delete)] {
            match attempt {
                Attempt::Allowed(how) => allowed.push(format!("{table}: {operation} allowed ({how})")),
                Attempt::Undecided(why) => undecided.push(format!("{table}: {operation} not tried ({why})")),
                Attempt::Refused(_) => {}
            }
        }
        if refusals(probe).is_some() {
            refused.push(probe);
        }
    }
    let mut findings = Vec::new();
    if !allowed.is_empty() {
        findings.push(PROBE.failed(Priority::P0, allowed.join("; ")));
    }
    if !undecided.is_empty() {
        findings.push(PROBE.inconclusive("the probe could not try every change", undecided.join("; ")));
    }
    if allowed.is_empty() && !refused.is_empty() {
        let names: Vec<String> = refused.iter().map(|p| qualified(&p.table)).collect();
        let (update, delete) = refusals(refused[0]).unwrap_or_default();
        findings.push(PROBE.passed(format!(
            "the database refused UPDATE and DELETE on {} with ehrdb's error ({}), e.g. {update} / {delete}",
            count(refused.len(), "table"),
            names.join(", ")
        )));
    }
    findings
}

/// Both refusal messages, when both were refused.
fn refusals(probe: &TableProbe) -> Option<(&str, &str)> {
    match (&probe.update, &probe.delete) {
        (Attempt::Refused(update), Attempt::Refused(delete)) => Some((update, delete)),
        _ => None,
    }
}
