//! ehrdb: the schema toolkit for a Prisma + PostgreSQL surgical EHR.
//!
//! The pipeline, one module per stage: [`fragments`] finds and reads the
//! files, [`parse`] turns text into an [`ast`], [`merge`] joins the
//! fragments into one schema, [`format`] prints canonical text. The
//! [`commands`] layer drives them and is the only place that prints.

// pest runs without its `std` feature, whose per-rule stack probe costs a
// quarter of the parse time; its generated code then names `alloc`. Deep
// nesting, the one thing the probe guards against, is bounded in `parse`.
extern crate alloc;

pub mod ast;
pub mod check;
pub mod cli;
pub mod commands;
pub mod config;
pub mod db;
pub mod diagnostics;
pub mod format;
pub mod fragments;
pub mod input;
pub mod lint;
pub mod merge;
pub mod migrations;
pub mod naming;
pub mod parallel;
pub mod parse;
pub mod secrets;
pub mod sql;
pub mod synth;
pub mod text;
pub mod validate;

pub use commands::{Outcome, run};

/// Maps keyed by schema names. The rules look names up millions of times
/// on a large schema; Fx hashing is several times faster than SipHash, and
/// a schema's own names need no protection from collision attacks.
pub(crate) type HashMap<K, V> = std::collections::HashMap<K, V, rustc_hash::FxBuildHasher>;
pub(crate) type HashSet<T> = std::collections::HashSet<T, rustc_hash::FxBuildHasher>;
