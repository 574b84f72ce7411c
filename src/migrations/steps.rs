//! A migration file as steps: groups of statements that commit together,
//! and statements that must run outside a transaction.
//!
//! Takes the text of an `up.sql` or `down.sql` and returns its [`Step`]s in
//! order, or the line of a marker that is out of place. A step starts at a
//! marker comment standing between two statements:
//!
//! ```sql
//! ALTER TABLE "Note" ADD COLUMN "wardId" UUID;            -- step 1 (implicit, in a transaction)
//! -- ehrdb:step no-transaction
//! CREATE INDEX CONCURRENTLY "Note_wardId_idx" ON "Note" ("wardId");  -- step 2, alone
//! -- ehrdb:step
//! ALTER TABLE "Note" VALIDATE CONSTRAINT "Note_wardId_fkey";         -- step 3, in a transaction
//! ```
//!
//! A transactional step (`-- ehrdb:step`, or the statements before the
//! first marker) commits as a whole, with the progress that says it is
//! done. In a `-- ehrdb:step no-transaction` step each statement commits
//! on its own (`CREATE INDEX CONCURRENTLY` cannot run in a transaction).
//! A file without markers is one transactional step; the older header
//! `-- ehrdb:no-transaction` makes the whole file one no-transaction step.
//! Nothing here runs SQL; [`crate::db::apply`] does, and records after each
//! step how many statements have committed, so a rerun resumes there.

use super::split::{Statement, split};

/// A marker that starts a step: `-- ehrdb:step [transaction|no-transaction]`.
pub const STEP_MARKER: &str = "-- ehrdb:step";

/// How a step's statements run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepKind {
    /// All in one transaction, committed with the step's progress.
    Transaction,
    /// Each on its own, outside any transaction.
    NoTransaction,
}

/// One step of a migration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step<'a> {
    pub kind: StepKind,
    /// 1-based among the file's steps.
    pub number: usize,
    /// The step's statements, numbered within the whole file.
    pub statements: Vec<Statement<'a>>,
}

/// The steps of `text`; `no_transaction` is the file's
/// `-- ehrdb:no-transaction` header. An error gives a 1-based line and
/// what is wrong there.
pub fn steps(text: &str, no_transaction: bool) -> Result<Vec<Step<'_>>, (usize, String)> {
    let statements = split(text);
    let mut markers: Vec<Marker> = Vec::new();
    let mut gap_start = 0;
    for (index, statement) in statements.iter().enumerate() {
        let start = offset(text, statement.text);
        markers.extend(markers_in(text, gap_start, start, index)?);
        gap_start = start + statement.text.len();
    }
    markers.extend(markers_in(text, gap_start, text.len(), statements.len())?);

    if no_transaction {
        if let Some((line, _, _)) = markers.first() {
            return Err((
                *line,
                "a file with the `-- ehrdb:no-transaction` header runs every statement on its own; use either \
                 the header or step markers"
                    .to_owned(),
            ));
        }
        return Ok(vec![Step { kind: StepKind::NoTransaction, number: 1, statements }]);
    }
    let mut steps = Vec::new();
    let first = markers.first().map_or(statements.len(), |(_, before, _)| *before);
    if first > 0 {
        steps.push(Step { kind: StepKind::Transaction, number: 1, statements: statements[..first].to_vec() });
    }
    for (i, (line, before, kind)) in markers.iter().enumerate() {
        let end = markers.get(i + 1).map_or(statements.len(), |(_, next, _)| *next);
        if end == *before {
            return Err((*line, "a step marker without a statement after it".to_owned()));
        }
        steps.push(Step { kind: *kind, number: steps.len() + 1, statements: statements[*before..end].to_vec() });
    }
    Ok(steps)
}

/// Whether the file is more than one transaction: several steps, or a
/// step outside a transaction. Such a migration records its progress step
/// by step.
pub fn is_stepped(steps: &[Step]) -> bool {
    steps.len() > 1 || steps.iter().any(|s| s.kind == StepKind::NoTransaction)
}

/// The byte offset of `part` in `text`, which it is a slice of.
fn offset(text: &str, part: &str) -> usize {
    part.as_ptr() as usize - text.as_ptr() as usize
}

/// A step marker: its line, the index of the statement after it, its kind.
type Marker = (usize, usize, StepKind);

/// The step markers between two statements.
fn markers_in(text: &str, from: usize, to: usize, before: usize) -> Result<Vec<Marker>, (usize, String)> {
    let mut found = Vec::new();
    let first_line = text[..from].matches('\n').count() + 1;
    for (i, line) in text[from..to].lines().enumerate() {
        let number = first_line + i;
        let line = line.trim();
        let Some(rest) = line.strip_prefix("-- ehrdb:") else { continue };
        // `ehrdb lint`'s word on the statement after it, not a step.
        if rest == "allow" || rest.starts_with("allow ") {
            continue;
        }
        // The file headers, which `migrations::load` reads from line 1.
        if number == 1 && (rest == "no-transaction" || rest == "irreversible") {
            continue;
        }
        let Some(kind) = rest.strip_prefix("step") else {
            return Err((
                number,
                format!(
                    "unknown marker `{line}`: ehrdb knows `{STEP_MARKER}`, `{STEP_MARKER} no-transaction`, \
                     `-- ehrdb:allow CODE` and, as the first line, `-- ehrdb:no-transaction` and \
                     `-- ehrdb:irreversible`"
                ),
            ));
        };
        let kind = match kind.trim() {
            "" | "transaction" => StepKind::Transaction,
            "no-transaction" => StepKind::NoTransaction,
            other => {
                return Err((number, format!("`{STEP_MARKER} {other}`: a step is `transaction` or `no-transaction`")));
            }
        };
        found.push((number, before, kind));
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shape(text: &str) -> Vec<(StepKind, Vec<usize>)> {
        steps(text, false)
            .unwrap()
            .into_iter()
            .map(|s| (s.kind, s.statements.iter().map(|st| st.number).collect()))
            .collect()
    }

    #[test]
    fn a_file_without_markers_is_one_transactional_step() {
        assert_eq!(
            shape("CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n"),
            [(StepKind::Transaction, vec![1, 2])]
        );
        assert!(!is_stepped(&steps("SELECT 1;", false).unwrap()));
        assert!(steps("-- nothing\n", false).unwrap().is_empty());
    }

    #[test]
    fn markers_start_steps_and_statements_keep_their_file_numbers() {
        let text = "ALTER TABLE a ADD COLUMN b int;\n\
                    -- ehrdb:step no-transaction\n\
                    CREATE INDEX CONCURRENTLY a_b_idx ON a (b);\n\
                    DROP INDEX CONCURRENTLY IF EXISTS a_old_idx;\n\
                    -- ehrdb:step\n\
                    -- a comment of the step\n\
                    ALTER TABLE a VALIDATE CONSTRAINT a_b_fkey;\n";
        assert_eq!(
            shape(text),
            [(StepKind::Transaction, vec![1]), (StepKind::NoTransaction, vec![2, 3]), (StepKind::Transaction, vec![4]),]
        );
        let parsed = steps(text, false).unwrap();
        assert!(is_stepped(&parsed));
        assert_eq!(parsed[2].statements[0].line, 7);
        assert_eq!(parsed[1].number, 2);
        // A file may start with a marker.
        assert_eq!(
            shape("-- ehrdb:step no-transaction\nCREATE INDEX CONCURRENTLY i ON a (b);"),
            [(StepKind::NoTransaction, vec![1])]
        );
    }

    #[test]
    fn the_old_header_is_one_no_transaction_step_and_does_not_mix_with_markers() {
        let text = "-- ehrdb:no-transaction\nCREATE INDEX CONCURRENTLY i ON a (b);\nSELECT 1;\n";
        let parsed = steps(text, true).unwrap();
        assert_eq!(parsed.len(), 1);
        assert_eq!((parsed[0].kind, parsed[0].statements.len()), (StepKind::NoTransaction, 2));
        let mixed = "-- ehrdb:no-transaction\nSELECT 1;\n-- ehrdb:step\nSELECT 2;\n";
        assert_eq!(steps(mixed, true).unwrap_err().0, 3);
    }

    #[test]
    fn misplaced_and_unknown_markers_are_named_by_line() {
        let (line, why) = steps("SELECT 1;\n-- ehrdb:step\n-- ehrdb:step\nSELECT 2;\n", false).unwrap_err();
        assert_eq!((line, why.as_str()), (2, "a step marker without a statement after it"));
        let (line, why) = steps("SELECT 1;\n-- ehrdb:step no-transactoin\nSELECT 2;\n", false).unwrap_err();
        assert_eq!(line, 2);
        assert!(why.contains("a step is `transaction` or `no-transaction`"), "{why}");
        let (line, why) = steps("SELECT 1;\n  -- ehrdb:stpe\nSELECT 2;\n", false).unwrap_err();
        assert_eq!(line, 2);
        assert!(why.starts_with("unknown marker `-- ehrdb:stpe`"), "{why}");
        assert_eq!(steps("SELECT 1;\n-- ehrdb:step\n", false).unwrap_err().0, 2);
    }

    #[test]
    fn a_marker_inside_a_statement_is_part_of_it() {
        let text = "CREATE FUNCTION f() RETURNS int AS $$\n-- ehrdb:step\nSELECT 1\n$$ LANGUAGE sql;\n";
        assert_eq!(shape(text), [(StepKind::Transaction, vec![1])]);
    }
}
