//! Integrity: the fragments, the merged schema.prisma, the migrations
//! folder with its ehrdb.sum, the database's history table and its
//! catalog all describe the same schema.
//!
//! The migrations are compared with the history as `ehrdb status` does
//! ([`plan::reconcile`]); the catalog with the fragments as the migration
//! round trip does (introspection against lowering, one differ).

use super::{Area, Finding, Inputs, Priority, Spec, count, diagnostics_seen, listed};
use crate::db::plan::{self, State};
use crate::sql;

const VALID: Spec = Spec {
    id: "schema-valid",
    area: Area::Integrity,
    why: "A schema with errors cannot be migrated or generated: the next release cannot ship its migration, \
          and Prisma Client may not match the database.",
    fix: "Run `ehrdb validate` and fix every error it reports.",
};

const IN_SYNC: Spec = Spec {
    id: "schema-in-sync",
    area: Area::Integrity,
    why: "Prisma Client is generated from schema.prisma: when it lags behind the fragments, the application's \
          queries describe another schema than the one the migrations build.",
    fix: "Run `ehrdb merge` and commit schema.prisma; add `ehrdb merge --check` to CI and the pre-commit hook.",
};

const SUM: Spec = Spec {
    id: "migrations-sum",
    area: Area::Integrity,
    why: "ehrdb.sum pins every migration file: a mismatch means a migration was edited, removed or merged from \
          two branches after it was written, so databases may have run different SQL than the folder holds.",
    fix: "Find the change with git log -- migrations; restore an applied migration, or after review run \
          `ehrdb migrate --rehash` for one never applied anywhere.",
};

const APPLIED: Spec = Spec {
    id: "migrations-applied",
    area: Area::Integrity,
    why: "The application expects the schema of the newest migration. A pending migration means missing \
          tables or columns; a modified one, SQL that differs from what ran; a failed or partial one, a \
          schema half-way between two versions.",
    fix: "Run `ehrdb status` for the details, then `ehrdb apply`; a modified migration must be restored from git \
          and its change written as a new migration.",
};

const DRIFT: Spec = Spec {
    id: "schema-drift",
    area: Area::Integrity,
    why: "Changes made outside migrations (a hand-made index, a hot fix) are unknown to the schema: the next \
          migration may fail on them or silently undo them, and other environments do not have them.",
    fix: "Write the change into the fragments and a migration (`ehrdb migrate`), or undo it in the database; \
          `ehrdb diff` shows the SQL.",
};

/// How many problems a finding names before "and N more".
const SHOWN: usize = 5;

pub(super) fn the_fragments_validate(inputs: &Inputs) -> Vec<Finding> {
    let (total, shown) = diagnostics_seen(inputs, None, SHOWN);
    let fragments = count(inputs.fragments.fragments.len(), "fragment");
    let finding = if total == 0 {
        VALID.passed(format!("{fragments} without errors"))
    } else {
        VALID.failed(Priority::P1, format!("{} in {fragments}: {}", count(total, "error"), listed(total, &shown)))
    };
    vec![finding]
}

pub(super) fn schema_prisma_matches_the_fragments(inputs: &Inputs) -> Vec<Finding> {
    let path = inputs.merged_path.display();
    let finding = match &inputs.merged_on_disk {
        None => IN_SYNC.failed(Priority::P1, format!("{path} does not exist")),
        Some(text) if *text == inputs.merged => IN_SYNC.passed(format!("{path} is what `ehrdb merge` writes")),
        Some(text) => {
            let line = text.lines().zip(inputs.merged.lines()).take_while(|(a, b)| a == b).count() + 1;
            IN_SYNC.failed(Priority::P1, format!("{path} differs from the fragments' merge from line {line}"))
        }
    };
    vec![finding]
}

pub(super) fn ehrdb_sum_matches_the_migrations(inputs: &Inputs) -> Vec<Finding> {
    let finding = match (&inputs.migrations, &inputs.sum) {
        (Err(why), _) => SUM.failed(Priority::P1, format!("the migrations folder cannot be read: {why}")),
        (Ok(migrations), Ok(())) if migrations.is_empty() => SUM.passed("no migrations"),
        (Ok(migrations), Ok(())) => {
            SUM.passed(format!("ehrdb.sum matches the {}", count(migrations.len(), "migration")))
        }
        (Ok(_), Err(error)) => SUM.failed(Priority::P1, error.to_string()).with_fix(error.help()),
    };
    vec![finding]
}

pub(super) fn every_migration_is_applied(inputs: &Inputs) -> Vec<Finding> {
    let server = match super::server(inputs) {
        Ok(server) => server,
        Err(reason) => return vec![APPLIED.skipped(reason)],
    };
    let (migrations, history) = match (&inputs.migrations, &server.history) {
        (Ok(migrations), Ok(history)) => (migrations, history),
        (Err(why), _) => return vec![APPLIED.inconclusive(format!("the migrations folder cannot be read: {why}"), "")],
        (_, Err(why)) => return vec![APPLIED.inconclusive(why.clone(), "")],
    };
    let entries = plan::reconcile(migrations, history);
    if plan::up_to_date(&entries) {
        let seen = match entries.len() {
            0 => "no migrations in the folder and none applied".to_owned(),
            n => format!("all {} applied with their checksums", count(n, "migration")),
        };
        return vec![APPLIED.passed(seen)];
    }
    let order = [State::Failed, State::Partial, State::RollingBack, State::Modified, State::Missing, State::Pending];
    let mut groups = Vec::new();
    for state in order {
        let folders: Vec<String> = entries.iter().filter(|e| e.state == state).map(|e| e.folder()).collect();
        if !folders.is_empty() {
            let total = folders.len();
            let shown: Vec<String> = folders.into_iter().take(SHOWN).collect();
            groups.push(format!("{total} {} ({})", state.as_str(), listed(total, &shown).replace("; ", ", ")));
        }
    }
    let half_applied = entries.iter().any(|e| matches!(e.state, State::Failed | State::Partial | State::RollingBack));
    let severity = if half_applied { Priority::P0 } else { Priority::P1 };
    vec![APPLIED.failed(severity, groups.join("; "))]
}

pub(super) fn the_database_matches_the_schema(inputs: &Inputs) -> Vec<Finding> {
    let server = match super::server(inputs) {
        Ok(server) => server,
        Err(reason) => return vec![DRIFT.skipped(reason)],
    };
    let Some(lowered) = &inputs.lowered else {
        return vec![DRIFT.skipped("the fragments have errors (see schema-valid)")];
    };
    let catalog = match &server.catalog {
        Ok(catalog) => catalog,
        Err(why) => return vec![DRIFT.inconclusive(why.clone(), "")],
    };
    let changes = sql::diff::diff(catalog, lowered);
    if changes.is_empty() {
        let tables = count(lowered.tables.len(), "table");
        return vec![DRIFT.passed(format!("the database matches the schema ({tables})"))];
    }
    let summary = sql::summary::summary(&changes);
    let lines: Vec<String> = summary.lines().map(str::to_owned).collect();
    let shown: Vec<String> = lines.iter().take(SHOWN).cloned().collect();
    vec![DRIFT.failed(
        Priority::P1,
        format!(
            "to match the schema the database needs {}: {}",
            count(changes.len(), "change"),
            listed(lines.len(), &shown)
        ),
    )]
}
