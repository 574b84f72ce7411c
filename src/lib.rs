//! ehrdb: the schema toolkit for a Prisma + PostgreSQL surgical EHR.
//!
//! The pipeline, one module per stage: [`fragments`] finds and reads the
//! files, [`parse`] turns text into an [`ast`], [`merge`] joins the
//! fragments into one schema, [`format`] prints canonical text. The
//! [`commands`] layer drives them and is the only place that prints.

pub mod ast;
pub mod cli;
pub mod commands;
pub mod config;
pub mod diagnostics;
pub mod format;
pub mod fragments;
pub mod merge;
pub mod parse;
pub mod synth;

pub use commands::{Outcome, run};
