//! squawk's rules, the ones ehrdb runs, on each step of a file.
//!
//! Takes a [`Script`] and its text and returns squawk's findings in the
//! file's byte offsets. The rules that reason about transactions see each
//! step on its own, with squawk's `assume_in_transaction` set as ehrdb
//! runs it, so squawk's own transaction reasoning (an index on a table
//! created in the same transaction, `CONCURRENTLY` inside one) sees what
//! the runner does; the others see the whole file. The
//! rules are listed here, each with the kind of hazard it reports, which
//! decides the exemptions the linter grants (see `lint::exempt`). The
//! rules ehrdb leaves out are listed with why in the tests, which fail
//! when a squawk release adds a default rule nobody decided on; README
//! repeats both lists.

use squawk_linter::{Linter, Rule};
use squawk_syntax::ast;

use super::script::{Script, no_transaction_help};
use super::{Finding, Kind};

/// The PostgreSQL version squawk judges for: the oldest ehrdb supports.
/// From 11 on, a column with a constant default is added without a
/// rewrite; from 12 on, `ALTER TYPE ... ADD VALUE` may run in a
/// transaction.
const PG_VERSION: &str = "14";

/// The squawk rules ehrdb runs: (rule, its code, the kind of hazard).
pub(crate) const RULES: &[(Rule, &str, Kind)] = &[
    // Locks that stall the application while they are held.
    (Rule::RequireConcurrentIndexCreation, "require-concurrent-index-creation", Kind::Lock),
    (Rule::RequireConcurrentIndexDeletion, "require-concurrent-index-deletion", Kind::Lock),
    (Rule::RequireConcurrentReindex, "require-concurrent-reindex", Kind::Lock),
    (Rule::RequireConcurrentPartitionDetach, "require-concurrent-partition-detach", Kind::Lock),
    (Rule::ConstraintMissingNotValid, "constraint-missing-not-valid", Kind::Lock),
    (Rule::AddingForeignKeyConstraint, "adding-foreign-key-constraint", Kind::Lock),
    (Rule::AddingFieldWithDefault, "adding-field-with-default", Kind::Lock),
    (Rule::AddingNotNullableField, "adding-not-nullable-field", Kind::Lock),
    (Rule::AddingSerialPrimaryKeyField, "adding-serial-primary-key-field", Kind::Lock),
    (Rule::AddingRequiredField, "adding-required-field", Kind::Lock),
    (Rule::ChangingColumnType, "changing-column-type", Kind::Lock),
    (Rule::DisallowedUniqueConstraint, "disallowed-unique-constraint", Kind::Lock),
    (Rule::BanAlterDomainWithAddConstraint, "ban-alter-domain-with-add-constraint", Kind::Lock),
    // What the running application (or the previous release, during a
    // rolling deploy) still uses.
    (Rule::BanDropColumn, "ban-drop-column", Kind::Compat),
    (Rule::BanDropTable, "ban-drop-table", Kind::Compat),
    (Rule::BanDropNotNull, "ban-drop-not-null", Kind::Compat),
    (Rule::BanDropDefault, "ban-drop-default", Kind::Compat),
    (Rule::BanDropType, "ban-drop-type", Kind::Compat),
    (Rule::BanDropView, "ban-drop-view", Kind::Compat),
    (Rule::BanDropFunction, "ban-drop-function", Kind::Compat),
    (Rule::BanDropSchema, "ban-drop-schema", Kind::Compat),
    (Rule::BanDropSequence, "ban-drop-sequence", Kind::Compat),
    (Rule::BanDropDomain, "ban-drop-domain", Kind::Compat),
    (Rule::BanDropConstraint, "ban-drop-constraint", Kind::Compat),
    (Rule::BanDropExtension, "ban-drop-extension", Kind::Compat),
    (Rule::BanDropGeneratedExpression, "ban-drop-generated-expression", Kind::Compat),
    (Rule::BanAlterIdentity, "ban-alter-identity", Kind::Compat),
    (Rule::BanSetSchema, "ban-set-schema", Kind::Compat),
    (Rule::RenamingColumn, "renaming-column", Kind::Compat),
    (Rule::RenamingTable, "renaming-table", Kind::Compat),
    (Rule::RenamingObject, "renaming-object", Kind::Compat),
    (Rule::BanDropDatabase, "ban-drop-database", Kind::Compat),
    (Rule::BanTruncateCascade, "ban-truncate-cascade", Kind::Compat),
    // SQL that fails, or does what it does not seem to.
    (Rule::TransactionNesting, "transaction-nesting", Kind::Always),
    (Rule::BanUncommittedTransaction, "ban-uncommitted-transaction", Kind::Always),
    (Rule::BanCreateDomainWithConstraint, "ban-create-domain-with-constraint", Kind::Always),
    (Rule::BanDuplicateColumnAssignments, "ban-duplicate-column-assignments", Kind::Always),
    (Rule::IdentifierTooLong, "identifier-too-long", Kind::Always),
    (Rule::RequireEnumValueOrdering, "require-enum-value-ordering", Kind::Always),
    (Rule::UnusedIgnore, "unused-ignore", Kind::Always),
];

/// Rules whose fix is to leave the transaction, which in ehrdb means a
/// step of its own.
const NEEDS_NO_TRANSACTION: &[Rule] = &[
    Rule::RequireConcurrentIndexCreation,
    Rule::RequireConcurrentIndexDeletion,
    Rule::RequireConcurrentReindex,
    Rule::RequireConcurrentPartitionDetach,
];

/// The rules whose verdict depends on where transactions begin and end
/// (squawk's `assume_in_transaction`, or its own reading of `BEGIN` and
/// `COMMIT`), found by reading squawk's source. They run on each step
/// alone; the others run once on the whole file, so what they track from
/// one statement to another (a `NOT NULL` proven by a CHECK validated in an
/// earlier step) crosses steps.
const PER_STEP: &[Rule] = &[
    Rule::RequireConcurrentIndexCreation,
    Rule::ConstraintMissingNotValid,
    Rule::AddingForeignKeyConstraint,
    Rule::DisallowedUniqueConstraint,
    Rule::TransactionNesting,
    Rule::BanUncommittedTransaction,
];

/// squawk's findings on the file.
pub(crate) fn run(text: &str, script: &Script) -> Vec<Finding> {
    let whole_file = RULES.iter().map(|(rule, _, _)| *rule).filter(|rule| !PER_STEP.contains(rule));
    let mut violations = lint(text, 0..text.len(), whole_file, true);
    for segment in &script.segments {
        let mut per_step = lint(text, segment.range.clone(), PER_STEP.iter().copied(), segment.in_transaction);
        // The whole-file pass already reported the file's squawk-ignore comments.
        per_step.retain(|(_, violation)| violation.code != Rule::UnusedIgnore);
        violations.extend(per_step);
    }
    violations.into_iter().filter_map(|(offset, violation)| finding(script, offset, violation)).collect()
}

/// squawk's violations on `range` of the text, each with the offset of
/// the range.
fn lint(
    text: &str,
    range: std::ops::Range<usize>,
    rules: impl IntoIterator<Item = Rule>,
    in_transaction: bool,
) -> Vec<(usize, squawk_linter::Violation)> {
    let part = &text[range.clone()];
    let parse = squawk_syntax::SourceFile::parse(part);
    let mut linter = Linter::from(rules);
    linter.settings.pg_version = PG_VERSION.parse().expect("a version squawk reads");
    linter.settings.assume_in_transaction = in_transaction;
    linter.lint(&parse, part).into_iter().map(|v| (range.start, v)).collect()
}

fn finding(script: &Script, offset: usize, violation: squawk_linter::Violation) -> Option<Finding> {
    let &(rule, code, kind) = RULES.iter().find(|(rule, _, _)| *rule == violation.code)?;
    let range = offset + usize::from(violation.text_range.start())..offset + usize::from(violation.text_range.end());
    let statement = script.statement_at(range.start);
    let mut notes: Vec<String> = violation.help.into_iter().collect();
    if statement.is_some_and(|s| script.statements[s].in_transaction) && NEEDS_NO_TRANSACTION.contains(&rule) {
        notes.push(no_transaction_help().to_owned());
    }
    let label = match (kind, statement) {
        (Kind::Lock, Some(s)) => lock_label(script, s),
        _ => String::new(),
    };
    Some(Finding { code, kind, range, message: violation.message, label, notes, statement })
}

/// `takes SHARE on patients`: the lock of the statement on its table.
fn lock_label(script: &Script, statement: usize) -> String {
    let statement = &script.statements[statement];
    let locks = &statement.locks;
    let own = statement.effects.table.as_ref();
    let relation = locks.relations.iter().find(|r| own.is_some_and(|t| r.name.same(t))).or(locks.relations.first());
    match (relation, locks.mode) {
        // DROP INDEX names the index; its table is locked alike.
        (Some(relation), _) if matches!(statement.node, ast::Stmt::DropIndex(_)) => {
            format!("takes {} on `{}` and its table", relation.mode.sql(), relation.name)
        }
        (Some(relation), _) => format!("takes {} on `{}`", relation.mode.sql(), relation.name),
        (None, Some(mode)) => format!("takes {}", mode.sql()),
        (None, None) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// squawk's default rules that ehrdb does not run, with why.
    const LEFT_OUT: &[(&str, &str)] = &[
        ("prefer-bigint-over-int", TYPES_FROM_THE_SCHEMA),
        ("prefer-bigint-over-smallint", TYPES_FROM_THE_SCHEMA),
        ("prefer-identity", TYPES_FROM_THE_SCHEMA),
        ("prefer-text-field", TYPES_FROM_THE_SCHEMA),
        ("prefer-timestamp-tz", TYPES_FROM_THE_SCHEMA),
        ("ban-char-field", TYPES_FROM_THE_SCHEMA),
        (
            "prefer-robust-stmts",
            "ehrdb runs a file or step in one transaction, and resumes a no-transaction step at the statement that \
         failed, so no statement runs twice; `IF NOT EXISTS` on `CREATE INDEX CONCURRENTLY` would even keep the \
         invalid index a failed build leaves",
        ),
        (
            "require-lock-timeout",
            "timeouts are the runner's business, set for each statement from the lock it takes; a `SET` in the file \
         would outlive the statement it was meant for",
        ),
        ("require-statement-timeout", "as require-lock-timeout"),
        (
            "ban-concurrent-index-creation-in-transaction",
            "ehrdb's cannot-run-in-transaction reports it with every other statement PostgreSQL refuses in a \
             transaction, also in a file of one statement, which squawk takes to run outside one",
        ),
        (
            "prefer-repack",
            "its fix, `REPACK`, is not in PostgreSQL 14 to 18; `VACUUM FULL` and `CLUSTER` are reported by \
         cannot-run-in-transaction in a transactional step",
        ),
    ];

    const TYPES_FROM_THE_SCHEMA: &str = "column types come from the Prisma schema (Prisma's mapping: Int is INTEGER, \
     String is TEXT or @db.VarChar, DateTime is TIMESTAMP(3)); they are judged where they are chosen, by `ehrdb \
     validate` (timestamp-without-time-zone), not again in every migration";

    #[test]
    fn every_rule_squawk_runs_by_default_is_run_or_left_out_with_a_reason() {
        let defaults = Linter::with_default_rules().rules;
        for rule in &defaults {
            let code = rule.to_string();
            let run = RULES.iter().any(|(r, _, _)| r == rule);
            let left_out = LEFT_OUT.iter().any(|(c, _)| *c == code);
            assert!(run ^ left_out, "squawk's `{code}`: decide whether ehrdb runs it (RULES) or not (LEFT_OUT)");
        }
    }

    #[test]
    fn each_code_is_squawks_own_name_for_its_rule() {
        for (rule, code, _) in RULES {
            assert_eq!(rule.to_string(), *code);
        }
        for (code, why) in LEFT_OUT {
            assert!(code.parse::<Rule>().is_ok() && !why.is_empty(), "{code}");
        }
    }
}
