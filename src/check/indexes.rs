//! Indexes: what the schema says about them, and what the live catalog
//! and its statistics show.
//!
//! A foreign key without an index is found in the schema by the
//! validator's `fk-without-index` lint, and in the database by the
//! catalog ([`super::live::IndexFacts`]). An index is "unused" only when it was
//! never scanned over a window of statistics (`--stats-window`, 7 days by
//! default) counted from the later of the last statistics reset and the
//! migration that created it ([`age`]); younger ones are inconclusive.
//! Indexes a constraint needs (primary key, unique, exclusion, or one a
//! foreign key points at) and those that serve a foreign key's lookups are
//! never called unused: dropping them breaks something or slows deletes.

mod age;

use super::live::LiveIndex;
use super::{Area, Finding, Inputs, Priority, Spec, count, diagnostics_seen, listed, server};
use crate::collections::HashMap;
use crate::sql::render::{ident, qualified};

const FK_INDEX: Spec = Spec {
    id: "fk-index",
    area: Area::Indexes,
    why: "PostgreSQL does not index the referencing side of a foreign key: every delete or key update of a \
          parent row scans the child table under a lock, and so does every join from a parent to its children \
          (a patient's notes, a case's events).",
    fix: "Add @@index([<foreign-key fields>]) to each model named (or an @@unique/@@index that starts with them), \
          then `ehrdb migrate`.",
};

const UNUSED: Spec = Spec {
    id: "index-unused",
    area: Area::Indexes,
    why: "Every index is written on every insert and update of its table, takes disk and cache, and slows \
          vacuum; one that no query has used over weeks of traffic costs without paying back.",
    fix: "Confirm on every replica (statistics are per server) and over a full business cycle (month-end \
          reports), then remove the @@index from the fragment and `ehrdb migrate`; an index that is not in the \
          schema: DROP INDEX CONCURRENTLY.",
};

const DUPLICATE: Spec = Spec {
    id: "index-duplicate",
    area: Area::Indexes,
    why: "Two indexes with the same columns, operator classes, expressions and predicate answer the same \
          queries: the second doubles the write cost and the disk for nothing.",
    fix: "Drop the one named to drop (remove its @@index or @unique from the fragment and `ehrdb migrate`, or \
          DROP INDEX CONCURRENTLY when it is not in the schema).",
};

const INVALID: Spec = Spec {
    id: "index-invalid",
    area: Area::Indexes,
    why: "An invalid index (a CREATE INDEX CONCURRENTLY or REINDEX that failed) is never used by queries but \
          still written on every change; a unique one may not enforce its uniqueness.",
    fix: "REINDEX INDEX CONCURRENTLY <name> (or DROP INDEX CONCURRENTLY and create it again); an index being \
          built right now is invalid until it finishes (see pg_stat_progress_create_index).",
};

const FK_INDEX_LIVE: Spec = Spec {
    id: "fk-index-live",
    area: Area::Indexes,
    why: "A foreign key whose columns lead no valid index makes every delete or key update of a parent row \
          scan the child table under a lock. This reads the database, which may differ from the schema.",
    fix: "Add @@index([<foreign-key fields>]) to the model and `ehrdb migrate` (CREATE INDEX CONCURRENTLY on \
          a large table), or create the index in the database if the key is not in the schema.",
};

/// How many items a finding names before "and N more".
const SHOWN: usize = 5;

pub(super) fn foreign_keys_have_an_index(inputs: &Inputs) -> Vec<Finding> {
    let (total, shown) = diagnostics_seen(inputs, Some("fk-without-index"), SHOWN);
    let finding = if total == 0 {
        FK_INDEX.passed("every foreign key in the schema has an index that starts with its columns")
    } else {
        FK_INDEX.failed(
            Priority::P2,
            format!("{} without an index: {}", count(total, "foreign key"), listed(total, &shown)),
        )
    };
    vec![finding]
}

/// Whether nothing but queries depends on the index.
fn droppable(index: &LiveIndex) -> bool {
    index.valid
        && !index.primary
        && !index.unique
        && !index.exclusion
        && !index.backs_constraint
        && !index.serves_foreign_key
}

/// `"name" on "table"`.
fn on(index: &LiveIndex) -> String {
    format!("{} on {}", ident(&index.name), qualified(&index.table))
}

pub(super) fn every_index_is_used(inputs: &Inputs) -> Vec<Finding> {
    let server = match server(inputs) {
        Ok(server) => server,
        Err(reason) => return vec![UNUSED.skipped(reason)],
    };
    let indexes = match &server.indexes.indexes {
        Ok(indexes) => indexes,
        Err(why) => return vec![UNUSED.inconclusive(why.clone(), "")],
    };
    let considered = indexes.iter().filter(|i| droppable(i)).count();
    let never_here: Vec<&LiveIndex> = indexes.iter().filter(|i| droppable(i) && i.scans == Some(0)).collect();
    // Statistics are per server: an index the primary never scanned may
    // serve the reports that run on a replica.
    let replicas = ReplicaScans::of(inputs);
    let (on_replicas, mut never): (Vec<&LiveIndex>, Vec<&LiveIndex>) =
        never_here.into_iter().partition(|index| !replicas.used_by(index).is_empty());
    let on_replicas: Vec<String> = on_replicas
        .iter()
        .map(|index| format!("{} (scanned on {})", on(index), replicas.used_by(index).join(", ")))
        .collect();
    let servers = match inputs.replicas.len() {
        0 => String::new(),
        n => format!(" on this server or the {} named", count(n, "replica")),
    };
    let mut findings = Vec::new();
    if !replicas.silent.is_empty() && !never.is_empty() {
        let shown: Vec<String> = never.iter().take(SHOWN).map(|index| on(index)).collect();
        return vec![UNUSED.inconclusive(
            format!(
                "statistics are per server, and {} did not tell its own: {}",
                count(replicas.silent.len(), "replica"),
                replicas.silent.join("; ")
            ),
            format!("{} never scanned on this server: {}", n_indexes(never.len()), listed(never.len(), &shown)),
        )];
    }
    if never.is_empty() {
        let mut seen = format!("each of the {} that no constraint needs has been scanned", n_indexes(considered));
        if !on_replicas.is_empty() {
            seen.push_str(&format!(
                "; {} only on a replica: {}",
                count(on_replicas.len(), "index"),
                on_replicas.join(", ")
            ));
        }
        return vec![UNUSED.passed(seen)];
    }
    if !on_replicas.is_empty() {
        findings.push(UNUSED.passed(format!(
            "{} never scanned here but used on a replica: {}",
            n_indexes(on_replicas.len()),
            on_replicas.join(", ")
        )));
    }
    never.sort_by(|a, b| b.size.cmp(&a.size).then_with(|| on(a).cmp(&on(b))));

    let window = i64::from(inputs.stats_window_days) * 86_400;
    let created = match (&inputs.migrations, &server.history) {
        (Ok(migrations), Ok(history)) => age::created_by_migrations(migrations, history),
        _ => HashMap::default(),
    };
    let (mut unused, mut young, mut unknown) = (Vec::new(), Vec::new(), Vec::new());
    for index in never {
        let since = server.indexes.clock.as_ref().ok().and_then(|clock| {
            let since = clock.stats_reset.into_iter().chain(created.get(&index.name).copied()).max()?;
            Some((since, clock.now - since))
        });
        let size = bytes(index.size.unwrap_or(0));
        match since {
            _ if window == 0 => unused.push((index, format!("{} ({size})", on(index)))),
            None => unknown.push(format!("{} ({size})", on(index))),
            Some((since, age)) => {
                let days = count((age / 86_400).max(0) as usize, "day");
                let text = format!("{} ({size}, {days} of statistics, since {})", on(index), age::date(since));
                if age < window { young.push(text) } else { unused.push((index, text)) }
            }
        }
    }
    if !unused.is_empty() {
        let total: i64 = unused.iter().map(|(index, _)| index.size.unwrap_or(0)).sum();
        let shown: Vec<String> = unused.iter().take(SHOWN).map(|(_, text)| text.clone()).collect();
        findings.push(UNUSED.failed(
            Priority::P2,
            format!(
                "{} never scanned{servers}, {} in all: {}",
                n_indexes(unused.len()),
                bytes(total),
                listed(unused.len(), &shown)
            ),
        ));
    }
    let window_days = count(inputs.stats_window_days as usize, "day");
    if !young.is_empty() {
        let shown: Vec<String> = young.iter().take(SHOWN).cloned().collect();
        findings.push(UNUSED.inconclusive(
            format!("statistics younger than the window of {window_days} (--stats-window)"),
            format!("{} never scanned so far: {}", n_indexes(young.len()), listed(young.len(), &shown)),
        ));
    }
    if !unknown.is_empty() {
        let why = match &server.indexes.clock {
            Err(why) => why.clone(),
            Ok(_) => "the statistics were never reset and no applied migration creates the index: their age is \
                      unknown (pg_stat_reset() starts a window)"
                .to_owned(),
        };
        let shown: Vec<String> = unknown.iter().take(SHOWN).cloned().collect();
        findings.push(UNUSED.inconclusive(
            why,
            format!("{} never scanned: {}", n_indexes(unknown.len()), listed(unknown.len(), &shown)),
        ));
    }
    findings
}

/// The index scans of the replicas named with `--replica`.
struct ReplicaScans<'i> {
    /// Each answering replica's indexes.
    answered: Vec<(&'i str, &'i [LiveIndex])>,
    /// Replicas whose statistics could not be read, with why.
    silent: Vec<String>,
}

impl<'i> ReplicaScans<'i> {
    fn of(inputs: &'i Inputs) -> ReplicaScans<'i> {
        let mut scans = ReplicaScans { answered: Vec::new(), silent: Vec::new() };
        for replica in &inputs.replicas {
            match replica.facts.as_ref().map(|facts| &facts.indexes.indexes) {
                Ok(Ok(indexes)) => scans.answered.push((&replica.shown, indexes)),
                Ok(Err(why)) | Err(why) => scans.silent.push(format!("{}: {why}", replica.shown)),
            }
        }
        scans
    }

    /// The replicas that scanned `index`, with their counts.
    fn used_by(&self, index: &LiveIndex) -> Vec<String> {
        self.answered
            .iter()
            .filter_map(|(shown, indexes)| {
                let found = indexes.iter().find(|i| i.table == index.table && i.name == index.name)?;
                found.scans.filter(|n| *n > 0).map(|n| format!("{shown}: {}", count(n as usize, "scan")))
            })
            .collect()
    }
}

/// What makes two indexes the same: PostgreSQL's own keys for them.
type Definition<'i> =
    (&'i crate::sql::QualifiedName, &'i str, &'i str, &'i str, &'i Option<String>, &'i Option<String>);

pub(super) fn no_two_indexes_are_the_same(inputs: &Inputs) -> Vec<Finding> {
    let server = match server(inputs) {
        Ok(server) => server,
        Err(reason) => return vec![DUPLICATE.skipped(reason)],
    };
    let indexes = match &server.indexes.indexes {
        Ok(indexes) => indexes,
        Err(why) => return vec![DUPLICATE.inconclusive(why.clone(), "")],
    };
    let mut groups: Vec<Vec<&LiveIndex>> = Vec::new();
    let mut by_definition: HashMap<Definition, usize> = HashMap::default();
    for index in indexes.iter().filter(|i| i.valid) {
        let definition =
            (&index.table, &*index.method, &*index.keys, &*index.classes, &index.expressions, &index.predicate);
        match by_definition.get(&definition) {
            Some(&group) => groups[group].push(index),
            None => {
                by_definition.insert(definition, groups.len());
                groups.push(vec![index]);
            }
        }
    }
    let duplicates: Vec<String> = groups.into_iter().filter(|g| g.len() > 1).map(keep_one).collect();
    if duplicates.is_empty() {
        return vec![DUPLICATE.passed(format!("no two of the {} are the same", n_indexes(indexes.len())))];
    }
    let shown: Vec<String> = duplicates.iter().take(SHOWN).cloned().collect();
    vec![DUPLICATE.failed(
        Priority::P2,
        format!("{} of the same index: {}", count(duplicates.len(), "set"), listed(duplicates.len(), &shown)),
    )]
}

/// Which of the same indexes to keep, and why: the primary key, then one
/// a constraint uses, then a unique one, then the most scanned.
fn keep_one(mut group: Vec<&LiveIndex>) -> String {
    let rank = |i: &LiveIndex| {
        if i.primary {
            0
        } else if i.backs_constraint {
            1
        } else if i.unique {
            2
        } else {
            3
        }
    };
    group.sort_by(|a, b| rank(a).cmp(&rank(b)).then(b.scans.cmp(&a.scans)).then(a.name.cmp(&b.name)));
    let keep = group[0];
    let why = match rank(keep) {
        0 => " (the primary key)",
        1 => " (a constraint uses it)",
        2 => " (unique)",
        _ => "",
    };
    let drop: Vec<String> = group[1..].iter().map(|i| ident(&i.name)).collect();
    format!(
        "{} on {}: keep {}{why}, drop {}",
        names(&group),
        qualified(&keep.table),
        ident(&keep.name),
        drop.join(", ")
    )
}

/// `"a" and "b"`, `"a", "b" and "c"`.
fn names(group: &[&LiveIndex]) -> String {
    let mut sorted: Vec<String> = group.iter().map(|i| ident(&i.name)).collect();
    sorted.sort();
    let last = sorted.pop().unwrap_or_default();
    if sorted.is_empty() { last } else { format!("{} and {last}", sorted.join(", ")) }
}

pub(super) fn every_index_is_valid(inputs: &Inputs) -> Vec<Finding> {
    let server = match server(inputs) {
        Ok(server) => server,
        Err(reason) => return vec![INVALID.skipped(reason)],
    };
    let indexes = match &server.indexes.indexes {
        Ok(indexes) => indexes,
        Err(why) => return vec![INVALID.inconclusive(why.clone(), "")],
    };
    let invalid: Vec<String> = indexes.iter().filter(|i| !i.valid).map(on).collect();
    if invalid.is_empty() {
        return vec![INVALID.passed(format!("all {} are valid", n_indexes(indexes.len())))];
    }
    let shown: Vec<String> = invalid.iter().take(SHOWN).cloned().collect();
    vec![
        INVALID
            .failed(Priority::P1, format!("{} invalid: {}", n_indexes(invalid.len()), listed(invalid.len(), &shown))),
    ]
}

pub(super) fn live_foreign_keys_have_an_index(inputs: &Inputs) -> Vec<Finding> {
    let server = match server(inputs) {
        Ok(server) => server,
        Err(reason) => return vec![FK_INDEX_LIVE.skipped(reason)],
    };
    let keys = match &server.indexes.unindexed_foreign_keys {
        Ok(keys) => keys,
        Err(why) => return vec![FK_INDEX_LIVE.inconclusive(why.clone(), "")],
    };
    if keys.is_empty() {
        return vec![FK_INDEX_LIVE.passed("every foreign key in the database leads a valid index")];
    }
    let shown: Vec<String> = keys
        .iter()
        .take(SHOWN)
        .map(|key| {
            let columns: Vec<String> = key.columns.iter().map(|c| ident(c)).collect();
            format!("{} on {} ({})", ident(&key.name), qualified(&key.table), columns.join(", "))
        })
        .collect();
    vec![FK_INDEX_LIVE.failed(
        Priority::P2,
        format!("{} without an index: {}", count(keys.len(), "foreign key"), listed(keys.len(), &shown)),
    )]
}

/// `n index` or `n indexes`.
fn n_indexes(n: usize) -> String {
    format!("{n} {}", if n == 1 { "index" } else { "indexes" })
}

/// A size as PostgreSQL's pg_size_pretty writes it, in powers of 1024.
fn bytes(n: i64) -> String {
    const UNITS: [&str; 4] = ["kB", "MB", "GB", "TB"];
    if n < 1024 {
        return format!("{n} bytes");
    }
    let mut value = n as f64 / 1024.0;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if value < 10.0 { format!("{value:.1} {}", UNITS[unit]) } else { format!("{value:.0} {}", UNITS[unit]) }
}

#[cfg(test)]
mod tests {
    use super::bytes;

    #[test]
    fn sizes_read_like_pg_size_pretty() {
        assert_eq!(bytes(0), "0 bytes");
        assert_eq!(bytes(8192), "8.0 kB");
        assert_eq!(bytes(16 * 1024 * 1024), "16 MB");
        assert_eq!(bytes(3 * 1024 * 1024 * 1024 / 2), "1.5 GB");
    }
}
