//! Indexes: what the schema says about them, before any database is
//! asked.
//!
//! A foreign key without an index is found by the validator's
//! `fk-without-index` lint; this check turns its warnings into one finding.

use super::{Area, Finding, Inputs, Severity, Spec, count, diagnostics_seen, listed};

const FK_INDEX: Spec = Spec {
    id: "fk-index",
    area: Area::Indexes,
    why: "PostgreSQL does not index the referencing side of a foreign key: every delete or key update of a \
          parent row scans the child table under a lock, and so does every join from a parent to its children \
          (a patient's notes, a case's events).",
    fix: "Add @@index([<foreign-key fields>]) to each model named (or an @@unique/@@index that starts with them), \
          then `ehrdb migrate`.",
};

/// How many unindexed foreign keys the finding names.
const SHOWN: usize = 5;

pub(super) fn foreign_keys_have_an_index(inputs: &Inputs) -> Vec<Finding> {
    let (total, shown) = diagnostics_seen(inputs, Some("fk-without-index"), SHOWN);
    let finding = if total == 0 {
        FK_INDEX.passed("every foreign key in the schema has an index that starts with its columns")
    } else {
        FK_INDEX.failed(
            Severity::P2,
            format!("{} without an index: {}", count(total, "foreign key"), listed(total, &shown)),
        )
    };
    vec![finding]
}
