//! Rendering: [`Change`]s become PostgreSQL statements, quoted correctly.

use super::Change;

/// The SQL of a list of changes, Prisma-style: each statement under a
/// `-- Kind` comment line, separated by blank lines.
pub fn script(changes: &[Change]) -> String {
    let _ = changes;
    String::new()
}
