//! The differ: two [`SqlSchema`]s give the ordered [`Change`]s from one to
//! the other.

use super::{Change, Risk, SqlSchema};

/// The changes that turn `from` into `to`, in a safe order.
pub fn diff(from: &SqlSchema, to: &SqlSchema) -> Vec<Change> {
    let _ = (from, to);
    Vec::new()
}

impl Change {
    /// The change that undoes this one.
    pub fn reverse(&self) -> Change {
        self.clone()
    }

    /// Whether this change can lose data or fail on a table with rows.
    pub fn risk(&self) -> Option<Risk> {
        None
    }
}
