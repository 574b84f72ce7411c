//! ehrdb: the schema toolkit for a Prisma + PostgreSQL surgical EHR.
//!
//! The pipeline, one module per stage: `parse` (text to [`ast`]), `merge`
//! (fragments to one schema), `format` (schema to canonical text), and the
//! command layer that drives them.

pub mod ast;
pub mod diagnostics;
pub mod parse;
