//! The database side of `@ehrdb.immutable`: one shared trigger function
//! in the default schema (see `immutable.sql`), and per table a row
//! trigger and a truncate trigger calling it. The trigger names are the
//! same on every table (PostgreSQL scopes trigger names to their table),
//! so introspection and `ehrdb check` find them by name.

use super::{ident, literal, qualified};
use crate::sql::{IMMUTABLE_FUNCTION, Immutable, QualifiedName};

/// The `BEFORE UPDATE OR DELETE ... FOR EACH ROW` trigger.
pub const ROW_TRIGGER: &str = "ehrdb_immutable_row";

/// The `BEFORE TRUNCATE ... FOR EACH STATEMENT` trigger.
pub const TRUNCATE_TRIGGER: &str = "ehrdb_immutable_truncate";

/// The function, as read in `immutable.sql` (its header comment stays there).
const FUNCTION_SQL: &str = include_str!("immutable.sql");

pub(super) fn create_function() -> String {
    let body = FUNCTION_SQL.lines().skip_while(|line| line.starts_with("--")).collect::<Vec<_>>().join("\n");
    debug_assert!(body.contains(&format!("\"{IMMUTABLE_FUNCTION}\"()")));
    body
}

pub(super) fn drop_function() -> String {
    format!("DROP FUNCTION IF EXISTS {}();", ident(IMMUTABLE_FUNCTION))
}

pub(super) fn create_triggers(table: &QualifiedName, immutable: &Immutable) -> Vec<String> {
    let table = qualified(table);
    let function = ident(IMMUTABLE_FUNCTION);
    let allowed: Vec<String> = immutable.allow_update.iter().map(|c| literal(c)).collect();
    vec![
        format!(
            "CREATE TRIGGER {} BEFORE UPDATE OR DELETE ON {table} FOR EACH ROW EXECUTE FUNCTION {function}({});",
            ident(ROW_TRIGGER),
            allowed.join(", ")
        ),
        format!(
            "CREATE TRIGGER {} BEFORE TRUNCATE ON {table} FOR EACH STATEMENT EXECUTE FUNCTION {function}();",
            ident(TRUNCATE_TRIGGER)
        ),
    ]
}

pub(super) fn drop_triggers(table: &QualifiedName) -> Vec<String> {
    let table = qualified(table);
    [ROW_TRIGGER, TRUNCATE_TRIGGER].iter().map(|t| format!("DROP TRIGGER IF EXISTS {} ON {table};", ident(t))).collect()
}
