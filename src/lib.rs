//! ehrdb: the schema toolkit for a Prisma + PostgreSQL surgical EHR.
//!
//! One module per stage, each standing on the modules after its arrow and
//! on the leaves (none uses a module above it):
//!
//! ```text
//! commands     one function per subcommand, the only place that prints -> all below
//! config       ehrdb.toml and the paths it resolves              -> cli, levels
//! levels       `[lints]`: a level for each lint code             -> validate, lint
//! cli          the command line (clap)                           -> check (a default)
//! check        the production-readiness audit                    -> pipeline, schema, sql, db
//! diagram      entity-relationship diagrams: Mermaid, DOT, SVG   -> schema, sql
//! lint         migration SQL against a live database's needs      -> sql, schema, migrations
//! db           PostgreSQL: URL, history, lock, plan, migrator, introspection -> sql, migrations
//! pipeline     fragments to a checked schema, the one entry      -> merge, validate, sql
//! sql          the relational model: lower, diff, renames, render -> schema
//! validate     the rules, their registry and scheduler           -> schema
//! split        one schema into domain fragments                 -> merge, schema, format
//! merge        fragments to one Schema; the canonical merged text -> schema, format
//! schema       what the merged schema means, its relation graph  -> fragments
//! fragments    finding, reading and parsing the files            -> parse
//! parse, format    text to tree, tree to canonical text          -> ast
//! ast          the syntax tree of one fragment                   -> diagnostics
//! diagnostics  spans, diagnostics and their rendering
//! migrations   the migrations folder, ehrdb.sum, the splitter
//! leaves       input, secrets, text, collections, number, parallel, synth
//! ```
//!
//! [`run`] runs one parsed command line.

// pest runs without its `std` feature, whose per-rule stack probe costs a
// quarter of the parse time; its generated code then names `alloc`. Deep
// nesting, the one thing the probe guards against, is bounded in `parse`.
extern crate alloc;

pub mod ast;
pub mod check;
pub mod cli;
pub mod collections;
pub mod commands;
pub mod config;
pub mod db;
pub mod diagnostics;
pub mod diagram;
pub mod format;
pub mod fragments;
pub mod input;
pub mod levels;
pub mod lint;
pub mod merge;
pub mod migrations;
pub mod number;
pub mod parallel;
pub mod parse;
pub mod pipeline;
pub mod schema;
pub mod secrets;
pub mod split;
pub mod sql;
pub mod synth;
pub mod text;
pub mod validate;

pub use commands::{Outcome, run};
