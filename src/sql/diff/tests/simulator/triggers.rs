//! ehrdb's immutability triggers and the function they call. The function
//! is not part of the model: it exists while a table is immutable, and
//! `play` in the tests checks its creation.

use super::{Refusal, find_mut, qualified, refuse};
use crate::sql::{Immutable, QualifiedName, SqlSchema};

pub(super) fn drop_function(schema: &SqlSchema) -> Result<(), Refusal> {
    if let Some(table) = schema.tables.iter().find(|t| t.immutable.is_some()) {
        refuse!("the triggers of {} still call the immutability function", qualified(&table.name));
    }
    Ok(())
}

pub(super) fn create(schema: &mut SqlSchema, table: &QualifiedName, immutable: &Immutable) -> Result<(), Refusal> {
    let current = find_mut(schema, table)?;
    if current.immutable.is_some() {
        refuse!("table {} already has its immutability triggers", qualified(table));
    }
    current.immutable = Some(immutable.clone());
    Ok(())
}

pub(super) fn drop(schema: &mut SqlSchema, table: &QualifiedName, immutable: &Immutable) -> Result<(), Refusal> {
    let current = find_mut(schema, table)?;
    if current.immutable.as_ref() != Some(immutable) {
        refuse!("table {} has no immutability triggers like these", qualified(table));
    }
    current.immutable = None;
    Ok(())
}
