//! `ehrdb lint`: what in migration SQL blocks or breaks a live database.
//!
//! [`locks`] classifies one statement by the table locks it takes and
//! whether it may run in a transaction block; `ehrdb apply` sets its lock
//! timeouts from it. Statements are parsed with squawk's PostgreSQL
//! parser (`squawk-syntax`), never matched with patterns.

pub mod locks;
pub mod names;

pub use locks::{LockMode, LockedRelation, StatementLocks, locks};
pub use names::ObjectName;
